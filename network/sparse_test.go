package network

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestSparseDenseRoundTrip checks that Sparse keeps exactly the non-zero
// entries of a dense tensor, in row order, and that Dense restores it.
func TestSparseDenseRoundTrip(t *testing.T) {
	w := NewWeights(4, 3)
	w.Row(0, 1)[2] = 1.5
	w.Row(0, 1)[0] = -2
	w.Row(3, 3)[3] = 0.25
	w.Row(2, 2)[1] = math.Copysign(0, -1) // −0 is dropped
	s := w.Sparse()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Entries() != 3 {
		t.Errorf("Entries() = %d, want 3", s.Entries())
	}
	if post, ws := s.Row(0, 1); !slices.Equal(post, []int32{0, 2}) || !slices.Equal(ws, []float64{-2, 1.5}) {
		t.Errorf("Row(0, 1) = %v, %v", post, ws)
	}
	if got := s.At(3, 3, 3); got != 0.25 {
		t.Errorf("At(3, 3, 3) = %v", got)
	}
	if got := s.At(1, 3, 3); got != 0 {
		t.Errorf("At of a missing synapse = %v", got)
	}
	if want := int64(8*13 + 4*3 + 8*3); s.Bytes() != want {
		t.Errorf("Bytes() = %d, want %d", s.Bytes(), want)
	}
	if SparseBytes(4, 3, 3) != float64(s.Bytes()) {
		t.Errorf("SparseBytes = %v, Bytes = %d", SparseBytes(4, 3, 3), s.Bytes())
	}
	back := s.Dense()
	w.Row(2, 2)[1] = 0
	if !slices.Equal(back.W, w.W) {
		t.Errorf("Dense() = %v, want %v", back.W, w.W)
	}
	c := s.Clone()
	c.W[0] = 9
	if s.W[0] == 9 {
		t.Error("Clone shares its weights")
	}
}

// TestSparseValidate checks that every kind of malformed tensor is
// refused with a message naming the problem.
func TestSparseValidate(t *testing.T) {
	good := func() *Sparse {
		return &Sparse{N: 3, D: 1, Start: []int64{0, 2, 2, 3}, Post: []int32{0, 2, 1}, W: []float64{1, 2, 3}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good tensor: %v", err)
	}
	for _, tc := range []struct {
		name  string
		spoil func(s *Sparse)
		want  string
	}{
		{"size", func(s *Sparse) { s.N = 0 }, "must be positive"},
		{"offsets", func(s *Sparse) { s.Start = s.Start[:3] }, "row offsets"},
		{"lengths", func(s *Sparse) { s.W = s.W[:2] }, "weights"},
		{"end", func(s *Sparse) { s.Start[3] = 2 }, "run from"},
		{"decrease", func(s *Sparse) { s.Start[1] = 3 }, "decrease"},
		{"range", func(s *Sparse) { s.Post[1] = 3 }, "outside"},
		{"negative", func(s *Sparse) { s.Post[0] = -1 }, "outside"},
		{"duplicate", func(s *Sparse) { s.Post[1] = 0 }, "twice"},
		{"unsorted", func(s *Sparse) { s.Post[0], s.Post[1] = 2, 0 }, "ascending"},
		{"nan", func(s *Sparse) { s.W[2] = math.NaN() }, "finite"},
		{"inf", func(s *Sparse) { s.W[0] = math.Inf(-1) }, "finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.spoil(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
