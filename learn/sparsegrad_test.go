package learn_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
)

// thinned returns sparse weights that store a random share keep of the
// non-zero entries of w, plus a few entries of weight zero (synapses that
// exist but carry nothing yet), and the dense weights with zeros off that
// support.
func thinned(t *testing.T, w *network.Weights, keep float64, seed uint64) (*network.Sparse, *network.Weights) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	n, d := w.N, w.D
	s := &network.Sparse{N: n, D: d, Start: make([]int64, n*d+1)}
	dense := network.NewWeights(n, d)
	for r := 0; r < n*d; r++ {
		for j, v := range w.W[r*n : (r+1)*n] {
			switch {
			case v != 0 && rng.Float64() < keep:
			case v == 0 && rng.Float64() < 0.002:
				v = 0
			default:
				continue
			}
			s.Post = append(s.Post, int32(j))
			s.W = append(s.W, v)
			dense.W[r*n+j] = v
		}
		s.Start[r+1] = int64(len(s.Post))
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s, dense
}

// restricted returns the dense gradient g at the stored entries of s.
func restricted(s *network.Sparse, g []float64) []float64 {
	out := make([]float64, len(s.W))
	for r := 0; r < s.N*s.D; r++ {
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			out[k] = g[r*s.N+int(s.Post[k])]
		}
	}
	return out
}

// TestSparseGradientMatchesDense checks that the gradient on sparse
// weights equals the dense gradient of the same weights (zeros off the
// support) restricted to the stored entries, for the exact pass, the
// approximate pass and its dense fallback, with and without dropout, in
// one chunk and in several.
func TestSparseGradientMatchesDense(t *testing.T) {
	set, p, full := small(t, 0.9)
	cases := []struct {
		name       string
		opt        learn.GradOptions
		chunk      int
		denseShare float64
	}{
		{"exact", learn.GradOptions{Alpha: 15}, 0, 0},
		{"exact, chunks of 3", learn.GradOptions{Alpha: 15}, 3, 0},
		{"exact, dropout", learn.GradOptions{Alpha: 15, Dropout: 0.3, Seed: 4, Round: 2}, 0, 0},
		{"approximate", learn.GradOptions{Alpha: 15, Support: 0.4}, 0, 2},
		{"approximate, chunks of 3", learn.GradOptions{Alpha: 15, Support: 0.4}, 3, 2},
		{"approximate, dropout", learn.GradOptions{Alpha: 15, Support: 0.4, Dropout: 0.3, Seed: 4, Round: 2}, 0, 2},
		{"approximate, dense fallback", learn.GradOptions{Alpha: 15, Support: 0.4}, 0, 1e-9},
		{"approximate, dense fallback, dropout", learn.GradOptions{Alpha: 15, Support: 0.4, Dropout: 0.3, Seed: 4, Round: 2}, 0, 1e-9},
	}
	for _, keep := range []float64{1, 0.85} {
		s, w := thinned(t, full, keep, 11)
		xs := network.Inputs(p, set, 1, 0)
		for _, c := range cases {
			dense, err := learn.ComputeTuned(w, p, set, xs, c.opt, c.chunk, c.denseShare)
			if err != nil {
				t.Fatal(err)
			}
			sparse, err := learn.ComputeTuned(s, p, set, xs, c.opt, c.chunk, c.denseShare)
			if err != nil {
				t.Fatal(err)
			}
			if len(sparse.Grad) != len(s.W) {
				t.Fatalf("keep %v, %s: %d gradient values for %d entries", keep, c.name, len(sparse.Grad), len(s.W))
			}
			if sparse.Counts != dense.Counts || sparse.Kept != dense.Kept || sparse.Pairs != dense.Pairs {
				t.Errorf("keep %v, %s: sparse counts %v, kept %d/%d; dense %v, %d/%d", keep, c.name,
					sparse.Counts, sparse.Kept, sparse.Pairs, dense.Counts, dense.Kept, dense.Pairs)
			}
			want := restricted(s, dense.Grad)
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(v))
			}
			if scale == 0 {
				t.Fatalf("keep %v, %s: the gradient is zero on the support; the case is vacuous", keep, c.name)
			}
			for k := range want {
				if math.Abs(sparse.Grad[k]-want[k]) > 1e-9*scale {
					t.Fatalf("keep %v, %s: entry %d: sparse %v, dense %v (scale %v)", keep, c.name, k, sparse.Grad[k], want[k], scale)
				}
			}
		}
	}
}

// TestSparseGradientIndependentOfCores checks bit-identical sparse
// gradients with GOMAXPROCS 1 and 2.
func TestSparseGradientIndependentOfCores(t *testing.T) {
	set, p, full := small(t, 0.9)
	s, _ := thinned(t, full, 0.8, 5)
	xs := network.Inputs(p, set, 1, 0)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, opt := range []learn.GradOptions{
		{Alpha: 15, Dropout: 0.2, Seed: 1},
		{Alpha: 15, Support: 0.4, Dropout: 0.2, Seed: 1},
	} {
		var got [][]float64
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			g, err := learn.ComputeTuned(s, p, set, xs, opt, 3, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, g.Grad)
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("support %v: sparse gradients differ between GOMAXPROCS 1 and 2", opt.Support)
		}
	}
}
