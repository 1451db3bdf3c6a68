package perturb

import (
	"math"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/raster"
)

// cueClamp returns a clamp of n neurons over l steps with Bernoulli(p)
// spikes everywhere, so that changes inside and outside a window show.
func cueClamp(n, l int, p float64, seed uint64) *raster.Raster {
	return raster.Bernoulli(rng.Stream(seed, 99), n, l, p)
}

// sameOutside fails the test unless x and y agree on every step outside
// [from, to).
func sameOutside(t *testing.T, x, y *raster.Raster, from, to int) {
	t.Helper()
	if y.N != x.N || y.T != x.T {
		t.Fatalf("size %d×%d, want %d×%d", y.N, y.T, x.N, x.T)
	}
	for s := range x.T {
		if (s < from || s >= to) && !slices.Equal(x.Steps[s], y.Steps[s]) {
			t.Errorf("step %d outside the cue changed: %v → %v", s, x.Steps[s], y.Steps[s])
		}
	}
}

// wellFormed fails the test unless every step list is ascending without
// repeats and within N.
func wellFormed(t *testing.T, y *raster.Raster) {
	t.Helper()
	if err := (&raster.Set{N: y.N, T: y.T, Patterns: []*raster.Raster{y}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestFlipCue(t *testing.T) {
	const n, l, from, to = 200, 140, 20, 120
	x := cueClamp(n, l, 0.3, 1)
	same := FlipCue(x, from, to, 0, 0.1, rng.Stream(1, 2))
	if !slices.Equal(same.Dense(), x.Dense()) {
		t.Error("p = 0 changed the clamp")
	}
	same.Steps[from] = nil
	if len(x.Steps[from]) == 0 {
		t.Fatal("test clamp has an empty step")
	}

	const rate = 0.1
	y := FlipCue(x, from, to, 1, rate, rng.Stream(1, 3))
	wellFormed(t, y)
	sameOutside(t, x, y, from, to)
	got, slots := 0, n*(to-from)
	for s := from; s < to; s++ {
		got += len(y.Steps[s])
	}
	// A fresh Bernoulli(0.1) draw per slot: 2000 ± 42 (s.d.).
	want, sd := rate*float64(slots), math.Sqrt(float64(slots)*rate*(1-rate))
	if math.Abs(float64(got)-want) > 5*sd {
		t.Errorf("p = 1: %d cue spikes, want %.0f ± %.0f", got, want, 5*sd)
	}
	// The old cue (rate 0.3) is gone: overlap with it is at the fresh rate.
	kept := 0
	for s := from; s < to; s++ {
		for _, i := range y.Steps[s] {
			if x.Has(int(i), s) {
				kept++
			}
		}
	}
	if frac := float64(kept) / float64(got); frac > 0.4 {
		t.Errorf("p = 1 kept %.2f of the new spikes on old ones, want ≈ 0.3", frac)
	}

	// p = 0.5: about half the slots redrawn, so the cue count moves
	// half-way from 0.3 to 0.1 of the slots.
	z := FlipCue(x, from, to, 0.5, rate, rng.Stream(1, 4))
	c := 0
	for s := from; s < to; s++ {
		c += len(z.Steps[s])
	}
	if frac := float64(c) / float64(slots); math.Abs(frac-0.2) > 0.02 {
		t.Errorf("p = 0.5: cue rate %.3f, want ≈ 0.2", frac)
	}
	if a, b := FlipCue(x, from, to, 0.5, rate, rng.Stream(1, 4)), z; !slices.Equal(a.Dense(), b.Dense()) {
		t.Error("the same stream gave a different flip")
	}
}

func TestTruncateCue(t *testing.T) {
	const n, l, from, to = 30, 50, 10, 30
	x := cueClamp(n, l, 0.3, 2)
	for _, k := range []int{0, 1, 7, to - from} {
		y := TruncateCue(x, from, to, k)
		wellFormed(t, y)
		sameOutside(t, x, y, from, to)
		for s := from; s < to; s++ {
			if s < from+k && !slices.Equal(y.Steps[s], x.Steps[s]) {
				t.Errorf("k = %d: kept step %d changed", k, s)
			}
			if s >= from+k && len(y.Steps[s]) != 0 {
				t.Errorf("k = %d: step %d after the kept part has %d spikes", k, s, len(y.Steps[s]))
			}
		}
	}
	if len(x.Steps[to-1]) == 0 {
		t.Error("TruncateCue changed its input")
	}
}

func TestSilenceCue(t *testing.T) {
	const n, l, from, to = 40, 50, 10, 30
	x := cueClamp(n, l, 0.4, 3)
	silent := []int{3, 17, 0, 39}
	y := SilenceCue(x, from, to, silent)
	wellFormed(t, y)
	sameOutside(t, x, y, from, to)
	for s := from; s < to; s++ {
		for i := range n {
			want := x.Has(i, s) && !slices.Contains(silent, i)
			if y.Has(i, s) != want {
				t.Errorf("neuron %d step %d: spike %v, want %v", i, s, y.Has(i, s), want)
			}
		}
	}
	if !slices.Equal(SilenceCue(x, from, to, nil).Dense(), x.Dense()) {
		t.Error("silencing nobody changed the clamp")
	}
}

func TestJitterCue(t *testing.T) {
	const n, l, from, to = 50, 60, 10, 40
	x := cueClamp(n, l, 0.1, 4)
	if !slices.Equal(JitterCue(x, from, to, 0, rng.Stream(4, 1)).Dense(), x.Dense()) {
		t.Error("k = 0 changed the clamp")
	}
	for _, k := range []int{1, 3, 8} {
		y := JitterCue(x, from, to, k, rng.Stream(4, uint64(k)))
		wellFormed(t, y)
		sameOutside(t, x, y, from, to)
		moved := false
		for i := range n {
			var before, after []int
			for s := from; s < to; s++ {
				if x.Has(i, s) {
					before = append(before, s)
				}
				if y.Has(i, s) {
					after = append(after, s)
				}
			}
			if len(after) > len(before) || (len(before) > 0 && len(after) == 0) {
				t.Errorf("k = %d, neuron %d: %d cue spikes became %d", k, i, len(before), len(after))
			}
			for _, s := range after {
				if !slices.ContainsFunc(before, func(b int) bool { return b >= s-k && b <= s+k }) {
					t.Errorf("k = %d, neuron %d: spike at %d is more than %d steps from every original %v", k, i, s, k, before)
				}
			}
			moved = moved || !slices.Equal(before, after)
		}
		if !moved {
			t.Errorf("k = %d moved no spike", k)
		}
	}
}
