package network_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// sameTrial fails unless two trials have the same spikes and bit-identical
// currents and membranes.
func sameTrial(t *testing.T, what string, dense, sparse *network.State) {
	t.Helper()
	for step := range dense.Spikes.Steps {
		if !slices.Equal(dense.Spikes.Steps[step], sparse.Spikes.Steps[step]) {
			t.Fatalf("%s step %d: sparse spikes %v, dense %v", what, step, sparse.Spikes.Steps[step], dense.Spikes.Steps[step])
		}
	}
	for name, pair := range map[string][2][]float64{"current": {dense.Current, sparse.Current}, "membrane": {dense.Membrane, sparse.Membrane}} {
		for k := range pair[0] {
			if math.Float64bits(pair[0][k]) != math.Float64bits(pair[1][k]) {
				t.Fatalf("%s %s[step %d, neuron %d]: sparse %v, dense %v", what, name, k/dense.N, k%dense.N, pair[1][k], pair[0][k])
			}
		}
	}
}

// TestSparseConformance runs every fixture case on the sparse form of its
// weights: spikes, currents and membranes must equal the dense ones bit
// for bit (and so conform as the dense ones do).
func TestSparseConformance(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s := c.W.Sparse()
			for m, x := range c.Inputs {
				dense, err := network.Simulate(c.W, c.Params, x, network.Options{Record: true})
				if err != nil {
					t.Fatal(err)
				}
				sparse, err := network.Simulate(s, c.Params, x, network.Options{Record: true})
				if err != nil {
					t.Fatal(err)
				}
				sameTrial(t, c.Name, dense, sparse)
				if m == 0 && sparse.Events > dense.Events {
					t.Errorf("sparse trial processed %d events, dense %d", sparse.Events, dense.Events)
				}
			}
		})
	}
}

// TestSparseSimulateMatchesDense drives random networks whose weights are
// mostly zero, from quiet to saturated (where the stepper subtracts the
// inactive rows from the totals), with and without dropout, and checks
// that sparse and dense weights give bit-identical trials and recalls.
func TestSparseSimulateMatchesDense(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mean    float64
		dropout float64
		reset   network.Reset
	}{
		{"quiet", -0.05, 0, network.Subtract},
		{"driven", -0.01, 0, network.Zero},
		{"saturated", 0.6, 0, network.Subtract},
		{"dropout", -0.01, 0.3, network.Subtract},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const n, d, steps = 40, 6, 60
			r := rand.New(rand.NewPCG(3, 4))
			p := network.Params{Beta: 0.8, Theta: 0.5, Reset: tt.reset, D: d, Pre: 5, Post: 10, Trigger: d, PA: 0.05}
			w := network.NewWeights(n, d)
			for k := range w.W {
				if r.Float64() < 0.2 {
					w.W[k] = tt.mean + 0.3*r.NormFloat64()
				}
			}
			s := w.Sparse()
			set := &raster.Set{N: n, T: steps}
			for range 3 {
				set.Patterns = append(set.Patterns, raster.Bernoulli(r, n, steps, 0.1))
			}
			for m, x := range network.Inputs(p, set, 7, 0) {
				opt := func() network.Options {
					o := network.Options{Record: true, Dropout: tt.dropout}
					if tt.dropout > 0 {
						o.Mask = rand.New(rand.NewPCG(9, uint64(m)))
					}
					return o
				}
				dense, err := network.Simulate(w, p, x, opt())
				if err != nil {
					t.Fatal(err)
				}
				sparse, err := network.Simulate(s, p, x, opt())
				if err != nil {
					t.Fatal(err)
				}
				sameTrial(t, tt.name, dense, sparse)
				if want := synOps(w, dense); dense.SynOps != want || sparse.SynOps != want {
					t.Errorf("trial %d: SynOps dense %d, sparse %d, want %d", m, dense.SynOps, sparse.SynOps, want)
				}
				if saturated(dense, d) != (tt.name == "saturated") {
					t.Errorf("trial %d: saturated steps: %v, want %v", m, saturated(dense, d), tt.name == "saturated")
				}
				if dense.Spikes.Count() == 0 {
					t.Errorf("trial %d: no spikes; the test would not compare much", m)
				}
			}
			cd, pd, err := network.Recall(w, p, set, 7, 1)
			if err != nil {
				t.Fatal(err)
			}
			cs, ps, err := network.Recall(s, p, set, 7, 1)
			if err != nil {
				t.Fatal(err)
			}
			if cd != cs || !slices.Equal(pd, ps) {
				t.Errorf("recall: sparse %+v, dense %+v", cs, cd)
			}
		})
	}
}

// saturated reports whether a step of a trial with d delays had more
// than half of its (neuron, delay) pairs active, so that the stepper
// subtracted the inactive rows from the totals.
func saturated(st *network.State, d int) bool {
	for step := d; step < st.L; step++ {
		active := 0
		for k := 1; k <= d; k++ {
			active += len(st.Seen.Steps[step-k])
		}
		if 2*active > st.N*d {
			return true
		}
	}
	return false
}

// TestSparseBenchmark recalls every pattern of the published benchmark
// (N = 512, M = 16, T = 1000, D = 41) with its default weights, dense and
// sparse: the counts of every pattern must agree.
func TestSparseBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("the benchmark recall takes seconds")
	}
	st, err := study.DefaultBenchmark().Store(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	p, set, w := st.Bench.Params, st.Patterns, st.Weights
	s := w.Sparse()
	cd, pd, err := network.Recall(w, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	cs, ps, err := network.Recall(s, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cd != cs || !slices.Equal(pd, ps) {
		t.Errorf("benchmark recall: sparse %+v, dense %+v", cs, cd)
	}
	x := network.Inputs(p, set, 1, 0)[0]
	dense, err := network.Simulate(w, p, x, network.Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	sparse, err := network.Simulate(s, p, x, network.Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	sameTrial(t, "benchmark pattern 0", dense, sparse)
	t.Logf("%d of %d weights non-zero; F1 %.3f; events per trial: dense %d, sparse %d", s.Entries(), len(w.W), cd.F1(), dense.Events, sparse.Events)
}

// synOps counts the synaptic operations of a trial by their definition:
// for every step t ≥ D and every (i, d) seen at t − d, the non-zero
// weights of row (i, d).
func synOps(w *network.Weights, st *network.State) int64 {
	var ops int64
	for step := w.D; step < st.L; step++ {
		for k := 1; k <= w.D; k++ {
			for _, i := range st.Seen.Steps[step-k] {
				for _, v := range w.Row(int(i), k) {
					if v != 0 {
						ops++
					}
				}
			}
		}
	}
	return ops
}
