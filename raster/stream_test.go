package raster

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/npy"
)

// TestStreams round-trips a set through the io.Writer and io.Reader
// forms and checks the errors of bad streams.
func TestStreams(t *testing.T) {
	s, err := Generate(Config{M: 2, N: 7, T: 11, P: 0.3}, 4)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteNPYTo(&buf, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNPYFrom(&buf)
	if err != nil || !bytes.Equal(back.Dense(), s.Dense()) || back.N != 7 || back.T != 11 {
		t.Errorf("npy round trip: %v", err)
	}
	buf.Reset()
	if err := WriteCSVTo(&buf, s); err != nil {
		t.Fatal(err)
	}
	back, err = ReadCSVFrom(&buf, 7, 11)
	if err != nil || !bytes.Equal(back.Dense(), s.Dense()) {
		t.Errorf("csv round trip: %v", err)
	}
	_, err = ReadCSVFrom(strings.NewReader("neuron,step\n1,2\n3,-1\n"), 0, 0)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Path != "" || err.Error() != "line 3: step -1 is negative" {
		t.Errorf("bad CSV: %v (%+v)", err, pe)
	}
	buf.Reset()
	if err := npy.WriteUint8To(&buf, []int{2, 2, 2, 2}, make([]uint8, 16)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNPYFrom(&buf); !errors.Is(err, npy.ErrShape) || !errors.As(err, &pe) {
		t.Errorf("4-d array: %v, want a ParseError wrapping npy.ErrShape", err)
	}
}
