package margin

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
)

// support returns the zero weights of a fan-in-k connectivity of the
// small case.
func support(t *testing.T, n, k, d int) *network.Sparse {
	t.Helper()
	conn, err := initw.NewConnectivity(n, k, 7)
	if err != nil {
		t.Fatal(err)
	}
	return conn.Sparse(d)
}

// TestStoreSparseFullEqualsDense checks that on a full connectivity
// (K = N) the sparse solve gives the dense solve's weights bit for bit,
// for both resets and with bounded weights and perturbed cues.
func TestStoreSparseFullEqualsDense(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		t.Run(reset.String(), func(t *testing.T) {
			p, set := small(t, reset)
			c := DefaultConfig()
			c.MaxPasses, c.Perturbed, c.Jitter, c.MaxWeight = 30, 1, 1, 0.5
			w, wr, err := Store(context.Background(), p, set, nil, c, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			s, sr, err := StoreSparse(context.Background(), p, set, support(t, set.N, set.N, p.D), c, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Entries() != int64(set.N*set.N*p.D) {
				t.Fatalf("%d entries, want all N²·D", s.Entries())
			}
			got := s.Dense()
			for k := range w.W {
				if math.Float64bits(w.W[k]) != math.Float64bits(got.W[k]) {
					t.Fatalf("entry %d: sparse %v, dense %v", k, got.W[k], w.W[k])
				}
			}
			if !slices.Equal(wr.Neurons, sr.Neurons) || wr.Updates != sr.Updates {
				t.Error("the sparse and the dense solve report different passes")
			}
		})
	}
}

// TestStoreSparseFollowsTeacher checks a solve on a fan-in connectivity:
// every constraint holds, free-running recall follows the teacher-forced
// membrane, the support is kept and nothing outside it is stored.
func TestStoreSparseFollowsTeacher(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		t.Run(reset.String(), func(t *testing.T) {
			// Three quarters of the synapses, 8 of the 16 patterns.
			p, set := small(t, reset)
			set.Patterns = set.Patterns[:8]
			c := DefaultConfig()
			c.Margin, c.Backgrounds, c.DualPasses = 0.2, 3, 10
			s0 := support(t, set.N, 72, p.D)
			s, rep, err := StoreSparse(context.Background(), p, set, s0, c, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Start, s0.Start) || !slices.Equal(s.Post, s0.Post) {
				t.Fatal("the solve changed the support")
			}
			if slices.ContainsFunc(s0.W, func(v float64) bool { return v != 0 }) {
				t.Fatal("the solve modified its starting weights")
			}
			checkFollows(t, p, set, c, s, rep)
		})
	}
}

// TestStoreSparseDeterministic checks that a sparse solve is the same for
// any GOMAXPROCS, and that it resumes as it would have continued.
func TestStoreSparseDeterministic(t *testing.T) {
	p, set := small(t, network.Subtract)
	c := DefaultConfig()
	c.Perturbed, c.Flip = 1, 0.2
	s0 := support(t, set.N, 40, p.D)
	run := func(procs int) *network.Sparse {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		s, _, err := StoreSparse(context.Background(), p, set, s0, c, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := run(1), run(4)
	if !slices.Equal(a.W, b.W) {
		t.Fatal("weights differ between GOMAXPROCS 1 and 4")
	}
	errStop := errors.New("stop")
	solved := make([]bool, set.N)
	var snap *network.Sparse
	count := 0
	_, _, err := StoreSparse(context.Background(), p, set, s0, c, Hooks{OnNeuron: func(n Neuron, w network.Synapses) error {
		solved[n.Index] = true
		if count++; count == 10 {
			snap = w.(*network.Sparse).Clone()
			return errStop
		}
		return nil
	}})
	if !errors.Is(err, errStop) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	resumed, _, err := StoreSparse(context.Background(), p, set, snap, c, Hooks{Solved: solved})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.W, resumed.W) {
		t.Fatal("resumed weights differ from an uninterrupted solve")
	}
}

// TestStoreSparseNoSynapses checks that weights without a single synapse
// are solved (nothing can be stored) rather than taken for dense ones.
func TestStoreSparseNoSynapses(t *testing.T) {
	p, set := small(t, network.Subtract)
	c := DefaultConfig()
	c.MaxPasses = 2
	empty := &network.Sparse{N: set.N, D: p.D, Start: make([]int64, set.N*p.D+1)}
	s, rep, err := StoreSparse(context.Background(), p, set, empty, c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Entries() != 0 || rep.Converged == set.N || rep.Violations == 0 {
		t.Errorf("no synapses: %d entries, %d neurons converged, %d violations", s.Entries(), rep.Converged, rep.Violations)
	}
}

// TestStoreSparseBadInput checks the starting weights StoreSparse refuses.
func TestStoreSparseBadInput(t *testing.T) {
	p, set := small(t, network.Subtract)
	bad := support(t, set.N, 4, p.D)
	bad.W[3] = math.NaN()
	for _, tc := range []struct {
		name string
		s0   *network.Sparse
		want string
	}{
		{"nil", nil, "needs starting weights"},
		{"size", support(t, set.N+1, 4, p.D), "starting weights are N = 97"},
		{"NaN", bad, "must be finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := StoreSparse(context.Background(), p, set, tc.s0, DefaultConfig(), Hooks{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
