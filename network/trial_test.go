package network_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// TestCurrentsMatchDirectSum drives networks from sparse to saturated and
// checks every recorded current against the direct sum
// Σ_i Σ_d W[j][i][d−1]·seen[i][t−d], so that both the event path and the
// saturated (complement) path are exercised.
func TestCurrentsMatchDirectSum(t *testing.T) {
	for _, tt := range []struct {
		name      string
		mean      float64
		saturated bool
	}{{"sparse", -0.02, false}, {"saturated", 0.4, true}} {
		const n, d, steps = 30, 5, 40
		rng := rand.New(rand.NewPCG(1, 2))
		p := network.Params{Beta: 0.7, Theta: 0.8, Reset: network.Subtract, D: d, Pre: 5, Post: 5, Trigger: d, PA: 0.1}
		w := &network.Weights{N: n, D: d, W: make([]float64, n*n*d)}
		for k := range w.W {
			w.W[k] = tt.mean + 0.1*rng.NormFloat64()
		}
		pat := raster.Bernoulli(rng, n, steps, 0.2)
		x, err := network.Cue(p, pat, rng)
		if err != nil {
			t.Fatal(err)
		}
		st, err := network.Simulate(w, p, x, network.Options{Record: true})
		if err != nil {
			t.Fatal(err)
		}
		halfFull := false
		for step := d; step < st.L; step++ {
			active := 0
			for k := 1; k <= d; k++ {
				active += len(st.Seen.Steps[step-k])
			}
			halfFull = halfFull || 2*active > n*d
			for j := 0; j < n; j++ {
				want := 0.0
				for k := 1; k <= d; k++ {
					for _, i := range st.Seen.Steps[step-k] {
						want += w.At(j, int(i), k)
					}
				}
				if got := st.Current[step*n+j]; math.Abs(got-want) > 1e-9 {
					t.Fatalf("%s: I[%d](%d) = %v, direct sum %v", tt.name, j, step, got, want)
				}
			}
		}
		if halfFull != tt.saturated {
			t.Errorf("%s: some window more than half active = %v, want %v", tt.name, halfFull, tt.saturated)
		}
	}
}

func TestSimulateRejects(t *testing.T) {
	p := network.Defaults()
	p.D = 3
	w := &network.Weights{N: 4, D: 3, W: make([]float64, 48)}
	x := raster.New(4, 20)
	bad := map[string]func() error{
		"neurons": func() error { _, err := network.Simulate(w, p, raster.New(5, 20), network.Options{}); return err },
		"delays": func() error {
			q := p
			q.D = 4
			_, err := network.Simulate(w, q, x, network.Options{})
			return err
		},
		"beta": func() error {
			q := p
			q.Beta = 1.5
			_, err := network.Simulate(w, q, x, network.Options{})
			return err
		},
		"dropout": func() error { _, err := network.Simulate(w, p, x, network.Options{Dropout: 0.5}); return err },
	}
	for name, f := range bad {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestCueNilBackground checks that a cue which needs background noise but
// gets no stream is an error, not a panic.
func TestCueNilBackground(t *testing.T) {
	p := network.Defaults()
	p.D, p.Trigger, p.Pre = 3, 3, 10
	pat := raster.New(4, 20)
	if _, err := network.Cue(p, pat, nil); err == nil || !strings.Contains(err.Error(), "needs a background stream") {
		t.Errorf("Cue with Pre = 10 and no stream: %v, want an error naming the background stream", err)
	}
	p.Pre = 0
	if _, err := network.Cue(p, pat, nil); err != nil {
		t.Errorf("Cue with Pre = 0 and no stream: %v", err)
	}
}
