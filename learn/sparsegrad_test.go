package learn_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// TestSparseTraining trains the stored synapses of sparse weights: the
// connectivity stays fixed, the optimiser state has one value per entry,
// validation F1 rises, and training is deterministic across core counts
// and across a checkpoint.
func TestSparseTraining(t *testing.T) {
	set, p, w := small(t, 0.8)
	s0 := w.Sparse()
	before, _, err := network.Recall(s0, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	exactSGD := learn.DefaultConfig()
	exactSGD.Support, exactSGD.LR, exactSGD.FinalLR = 0, 3, 0.03
	exactSGD.Optimizer = learn.Optimizer{Kind: learn.SGD, Momentum: 0.9}
	for name, cfg := range map[string]learn.Config{"default": learn.DefaultConfig(), "exact sgd": exactSGD} {
		cfg.Epochs = 8
		r, err := learn.NewRun(cfg, p, s0.Clone(), set)
		if err != nil {
			t.Fatal(err)
		}
		if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
			t.Fatal(err)
		}
		if r.Weights != nil || r.Sparse == nil {
			t.Fatalf("%s: sparse run ended with dense weights", name)
		}
		if !slices.Equal(r.Sparse.Start, s0.Start) || !slices.Equal(r.Sparse.Post, s0.Post) {
			t.Fatalf("%s: training changed the connectivity", name)
		}
		if len(r.Optimizer.M) != len(s0.W) {
			t.Errorf("%s: optimiser state has %d values for %d synapses", name, len(r.Optimizer.M), len(s0.W))
		}
		last := r.History[len(r.History)-1].Valid.F1
		t.Logf("%s: F1 %.3f → %.3f", name, before.F1(), last)
		if last < before.F1()+0.1 {
			t.Errorf("%s: validation F1 went from %.3f to %.3f; want a rise of at least 0.1", name, before.F1(), last)
		}
	}

	// Bit-identical with 1 and 2 cores.
	cfg := learn.DefaultConfig()
	cfg.Epochs, cfg.Chunk, cfg.Dropout, cfg.KeepBest = 2, 3, 0.2, false
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	results := map[int][][]float64{}
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, support := range []float64{0, 0.4} {
			c := cfg
			c.Support = support
			r, err := learn.NewRun(c, p, s0.Clone(), set)
			if err != nil {
				t.Fatal(err)
			}
			if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
				t.Fatal(err)
			}
			results[procs] = append(results[procs], r.Sparse.W)
		}
	}
	for k := range results[1] {
		if !slices.Equal(results[1][k], results[2][k]) {
			t.Errorf("run %d: sparse weights differ between GOMAXPROCS 1 and 2", k)
		}
		if slices.Equal(results[1][k], s0.W) {
			t.Errorf("run %d: training did not change the sparse weights", k)
		}
	}
}

// TestSparseResume interrupts a sparse KeepBest run after its first epoch,
// resumes it from the checkpoint and compares with an uninterrupted run.
func TestSparseResume(t *testing.T) {
	set, p, w := small(t, 0.8)
	s0 := w.Sparse()
	cfg := learn.DefaultConfig()
	cfg.Epochs, cfg.Warmup, cfg.LR, cfg.FinalLR = 3, 3, 0.2, 0.2
	full, err := learn.NewRun(cfg, p, s0.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	if err := learn.Train(context.Background(), full, set, "", nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r, err := learn.NewRun(cfg, p, s0.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := learn.Train(ctx, r, set, dir, func(learn.Epoch) { cancel() }); err == nil {
		t.Fatal("cancelled training did not stop")
	}
	for _, name := range []string{"weights.npz", "opt_m.npy", "opt_v.npy"} {
		if _, err := os.Stat(filepath.Join(dir, "epoch-0001", name)); err != nil {
			t.Errorf("checkpoint: %v", err)
		}
	}
	resumed, err := learn.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Sparse == nil || len(resumed.History) != 1 || len(resumed.Optimizer.M) != len(s0.W) {
		t.Fatalf("resumed run: sparse %v, %d epochs, %d moments", resumed.Sparse != nil, len(resumed.History), len(resumed.Optimizer.M))
	}
	if err := learn.Train(context.Background(), resumed, set, dir, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.Sparse.W, full.Sparse.W) || resumed.BestEpoch != full.BestEpoch {
		t.Error("resumed sparse run differs from an uninterrupted one")
	}
	// A damaged weights file is refused.
	sub := filepath.Join(dir, "epoch-0003")
	path := filepath.Join(sub, "weights.npz")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := learn.Resume(dir); !errors.Is(err, learn.ErrCheckpoint) {
		t.Errorf("resume from a damaged weights.npz: %v, want ErrCheckpoint", err)
	}
}
