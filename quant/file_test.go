package quant

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
)

// archive writes q's structure with the given extra arrays.
func archive(t testing.TB, q *Weights, extra ...network.NPZArray) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := network.WriteSparseArraysTo(&buf, q.S, extra...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func i32(name string, v ...int32) network.NPZArray {
	return network.NPZArray{Name: name, Write: func(w io.Writer) error { return npy.WriteInt32To(w, []int{len(v)}, v) }}
}

func f64(name string, v ...float64) network.NPZArray {
	return network.NPZArray{Name: name, Write: func(w io.Writer) error { return npy.WriteFloat64To(w, []int{len(v)}, v) }}
}

func TestWeightsFile(t *testing.T) {
	q, err := Quantize(randomSparse(12, 3, 0.4, 2, 5), Config{Bits: 4, Rounding: Stochastic, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "q.npz")
	if err := WriteWeights(path, q, network.Meta{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := ReadWeights(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bits != 4 || !slices.Equal(got.Int, q.Int) || !slices.Equal(got.Scale, q.Scale) || !slices.Equal(got.S.W, q.S.W) || meta == nil || !strings.Contains(meta.Layout, "int") {
		t.Errorf("round trip: bits %d, meta %+v", got.Bits, meta)
	}
	if ok, err := IsQuantised(path); !ok || err != nil {
		t.Errorf("IsQuantised = %v, %v", ok, err)
	}
	// The float reader reads the same file as the dequantised weights.
	s, _, err := network.ReadSparse(path)
	if err != nil || !slices.Equal(s.W, q.S.W) {
		t.Errorf("as sparse float weights: %v", err)
	}

	n := int32(len(q.Int))
	bad := slices.Clone(q.Int)
	bad[0] = 8
	off := slices.Clone(q.Int)
	for k := range off {
		if q.Scale[q.S.Post[k]] > 0 {
			off[k] = -off[k] + 1 // within ±7 but not the weight
			if off[k] > 7 {
				off[k] = 6
			}
			break
		}
	}
	bits := func(b int32) network.NPZArray { return i32("bits", b) }
	for _, tc := range []struct {
		name  string
		extra []network.NPZArray
		want  string
	}{
		{"plain sparse", nil, "convert --bits"},
		{"no scale", []network.NPZArray{i32("int", q.Int...), bits(4)}, `"scale"`},
		{"short int", []network.NPZArray{i32("int", q.Int[:n-1]...), f64("scale", q.Scale...), bits(4)}, "one int per synapse"},
		{"float int", []network.NPZArray{f64("int", make([]float64, n)...), f64("scale", q.Scale...), bits(4)}, "dtype"},
		{"bits 3", []network.NPZArray{i32("int", q.Int...), f64("scale", q.Scale...), bits(3)}, "16, 8, 6, 4, 2 or 1"},
		{"int beyond width", []network.NPZArray{i32("int", bad...), f64("scale", q.Scale...), bits(4)}, "outside ±7"},
		{"int disagrees", []network.NPZArray{i32("int", off...), f64("scale", q.Scale...), bits(4)}, "disagree"},
	} {
		b := archive(t, q, tc.extra...)
		if _, err := ReadWeightsFrom(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReadWeights checks that no archive crashes the quantised weights
// reader and that what it accepts is valid.
func FuzzReadWeights(f *testing.F) {
	q, err := Quantize(randomSparse(6, 2, 0.5, 1, 7), Config{Bits: 8})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteWeightsTo(&buf, q); err != nil {
		f.Fatal(err)
	}
	f.Add(bytes.Clone(buf.Bytes()))
	f.Add(archive(f, q, i32("int", q.Int...), f64("scale", q.Scale...), i32("bits", 2)))
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ReadWeightsFrom(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("accepted invalid quantised weights: %v", err)
		}
	})
}
