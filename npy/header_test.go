package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawNPY returns a version 1.0 .npy stream with the given header text and
// data bytes.
func rawNPY(hdr string, data []byte) []byte {
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	b = append(b, hdr...)
	return append(b, data...)
}

// TestHeaderLikeNumpy checks that headers numpy's literal parser accepts
// are read (any key order, either quote, spaces, trailing comma) and that
// malformed ones are refused, never read as another shape.
func TestHeaderLikeNumpy(t *testing.T) {
	data := make([]byte, 8*6)
	for _, tc := range []struct {
		hdr   string
		shape []int // nil: must be refused
		why   string
	}{
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", []int{2, 3}, ""},
		{`{"shape": (2, 3), "descr": "<f8", "fortran_order": False}`, []int{2, 3}, ""},
		{"{ 'fortran_order' : False , 'shape' : ( 6 , ) , 'descr' : '<f8' }", []int{6}, ""},
		{"{'descr':'<f8','fortran_order':False,'shape':(1,2,3,)}", []int{1, 2, 3}, ""},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 6, 99 }", nil, "not closed"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (6) }", nil, "not a tuple"},
		{"{'descr': '<f8', 'fortran_order': False}", nil, `"shape" is missing`},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'extra': 1}", nil, "unknown key"},
		{"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (6,)}", nil, "twice"},
		{"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (6,)}", nil, "True or False"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} x", nil, "after the dictionary"},
		{"{'descr': '<f8, 'fortran_order': False, 'shape': (6,)}", nil, ""},
		{"['descr']", nil, "not a dictionary"},
	} {
		a, err := ReadFloat64From(bytes.NewReader(rawNPY(tc.hdr, data[:8*max(1, prod(tc.shape))])))
		if tc.shape != nil {
			if err != nil {
				t.Errorf("%s: %v", tc.hdr, err)
			} else if !slices.Equal(a.Shape, tc.shape) {
				t.Errorf("%s: shape %v, want %v", tc.hdr, a.Shape, tc.shape)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: read as shape %v, want an error", tc.hdr, a.Shape)
		} else if !errors.Is(err, ErrNotNPY) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: error %q, want one wrapping ErrNotNPY and containing %q", tc.hdr, err, tc.why)
		}
	}
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// TestHeaderOnly checks that Header reads a huge declared shape without
// allocating its data, and that a stream declaring more than it holds is
// refused without allocating the declared size.
func TestHeaderOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.npy")
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000, 41), }"
	if err := os.WriteFile(path, rawNPY(hdr, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	shape, dt, err := Header(path)
	if err != nil || !slices.Equal(shape, []int{20000, 20000, 41}) || dt != "<f8" {
		t.Fatalf("Header = %v, %q, %v", shape, dt, err)
	}
	if _, err := ReadFloat64From(bytes.NewReader(rawNPY(hdr, make([]byte, 80)))); !errors.Is(err, ErrTruncated) {
		t.Errorf("stream declaring 131 GB and holding 80 bytes: %v, want ErrTruncated", err)
	}
}
