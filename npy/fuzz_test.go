package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds returns valid .npy streams (the conformance fixtures and small
// arrays of every supported dtype) and the malformed headers of issue 9.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.npy"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<12 {
			seeds = append(seeds, b)
		}
	}
	var buf bytes.Buffer
	if err := WriteFloat64To(&buf, []int{2, 3}, []float64{0, 1, 0, 1, 1, 0}); err == nil {
		seeds = append(seeds, bytes.Clone(buf.Bytes()))
	}
	buf.Reset()
	if err := WriteUint8To(&buf, []int{1, 2, 3}, []uint8{0, 1, 0, 1, 1, 0}); err == nil {
		seeds = append(seeds, bytes.Clone(buf.Bytes()))
	}
	for _, hdr := range []string{
		"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6, 99 }",
		`{"shape": (2, 3), "descr": "<f8", "fortran_order": False}`,
		"{'descr': '>i2', 'fortran_order': True, 'shape': (3,), }",
		"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000, 41), }",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
	} {
		seeds = append(seeds, rawNPY(hdr, make([]byte, 48)))
	}
	return seeds
}

// FuzzReadFloat64 checks that no byte stream crashes the float reader or
// makes it allocate beyond the data it holds, and that what it accepts
// has as many elements as its shape.
func FuzzReadFloat64(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadFloat64From(bytes.NewReader(b))
		if err != nil {
			return
		}
		if n, err := numElems(a.Shape); err != nil || n != len(a.Data) {
			t.Fatalf("shape %v with %d elements (%v)", a.Shape, len(a.Data), err)
		}
	})
}

// FuzzReadBinary is FuzzReadFloat64 for the 0/1 reader.
func FuzzReadBinary(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		shape, data, err := ReadBinaryFrom(bytes.NewReader(b))
		if err != nil {
			return
		}
		if n, err := numElems(shape); err != nil || n != len(data) {
			t.Fatalf("shape %v with %d elements (%v)", shape, len(data), err)
		}
		for i, v := range data {
			if v > 1 {
				t.Fatalf("element %d is %d", i, v)
			}
		}
	})
}
