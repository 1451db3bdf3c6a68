package raster

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// errFuzzTooLarge refuses the sets the fuzzers would not build.
var errFuzzTooLarge = errors.New("too large for the fuzzer")

// FuzzReadCSV checks that no CSV text crashes the reader, that sizes
// beyond the Check are refused before the set is built, and that what it
// accepts is a valid set holding the file's events. The seeds are valid
// files and the bad ones of issue 9.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"neuron,step\n1,2\n0,0\n",
		"pattern,neuron,step\n0,1,2\n2,0,5\n",
		"# c\n\n Step , Neuron \n 5 , 1 \n",
		"\uFEFFneuron,time\n0,1.5\n",
		"pattern,neuron,step\n999999999,0,0\n",
		"neuron,step\n0,9223372036854775807\n",
		"neuron,step\n1,2\n500,3\n",
		"pattern,neuron,step\n0,1,2\n5,1,3\n",
		"0,1,2,3\n",
		"-1,0,0\n",
		"neuron,step\r\n1,1\r\n",
	} {
		f.Add(s, 0, 0, 0.0)
		f.Add(s, 3, 10, 0.5)
	}
	f.Fuzz(func(t *testing.T, text string, n, steps int, dt float64) {
		check := func(m, n, t int) error {
			if float64(m)*float64(n)*float64(t) > 1e6 || float64(m)*float64(t) > 1e5 {
				return errFuzzTooLarge
			}
			return nil
		}
		set, info, err := ReadCSVFromWith(strings.NewReader(text), CSVOptions{N: n, T: steps, Dt: dt, Check: check})
		if err != nil {
			return
		}
		if err := set.Validate(); err != nil {
			t.Fatalf("accepted an invalid set: %v", err)
		}
		if check(set.M(), set.N, set.T) != nil {
			t.Fatalf("built a %d×%d×%d set past the check", set.M(), set.N, set.T)
		}
		if info.MaxNeuron >= set.N || info.MaxStep >= set.T || info.MaxPattern >= set.M() {
			t.Fatalf("ids %+v outside the %d×%d×%d set", info, set.M(), set.N, set.T)
		}
	})
}

// FuzzReadNPY checks that no byte stream crashes the raster reader.
func FuzzReadNPY(f *testing.F) {
	s, _ := Generate(Config{M: 2, N: 4, T: 6, P: 0.3}, 1)
	var buf bytes.Buffer
	if err := WriteNPYTo(&buf, s); err == nil {
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := ReadNPYFrom(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := set.Validate(); err != nil {
			t.Fatalf("accepted an invalid set: %v", err)
		}
	})
}
