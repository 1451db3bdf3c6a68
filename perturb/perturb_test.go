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

// recallClamps returns m clamps shaped like recall inputs: pre steps of
// Bernoulli(pA) background, then a cue of trig steps at pA, then zero
// input for the rest of the pattern (t steps in all) and post steps.
func recallClamps(m, n, pre, trig, t, post int, pA float64, seed uint64) []*raster.Raster {
	xs := make([]*raster.Raster, m)
	for k := range xs {
		x := raster.New(n, pre+t+post)
		on := raster.Bernoulli(rng.Stream(seed, uint64(k)), n, pre+trig, pA)
		copy(x.Steps, on.Steps)
		xs[k] = x
	}
	return xs
}

func TestInputRate(t *testing.T) {
	const m, n, pre, trig, tt, post, pA = 4, 300, 50, 40, 500, 50, 0.02
	xs := recallClamps(m, n, pre, trig, tt, post, pA, 5)
	spikes := 0
	for _, x := range xs {
		for _, s := range x.Steps {
			spikes += len(s)
		}
	}
	l := pre + tt + post
	if got, want := InputRate(xs), float64(spikes)/float64(m*n*l); got != want {
		t.Errorf("InputRate = %v, want the spike count over the slots, %v", got, want)
	}
	// ≈ p_A·(pre + trigger)/L: 1440 ± 38 expected spikes (binomial s.d.).
	approx := pA * (pre + trig) / float64(l)
	sd := math.Sqrt(float64(m*n*(pre+trig))*pA*(1-pA)) / float64(m*n*l)
	if got := InputRate(xs); math.Abs(got-approx) > 5*sd {
		t.Errorf("InputRate = %.5f, want ≈ p_A·(pre + trigger)/L = %.5f ± %.5f", got, approx, 5*sd)
	}
	if InputRate(nil) != 0 {
		t.Error("InputRate of no inputs is not 0")
	}
}

// TestFlipClamp checks the published protocol: p = 0 leaves the clamp
// unchanged byte for byte, and p > 0 redraws slots outside the cue, in the
// background and in the free-running period, at the input's mean rate.
func TestFlipClamp(t *testing.T) {
	const m, n, pre, trig, tt, post, pA = 4, 300, 50, 40, 500, 50, 0.02
	xs := recallClamps(m, n, pre, trig, tt, post, pA, 6)
	rate := InputRate(xs)
	for k, x := range xs {
		y := FlipClamp(x, 0, rate, rng.Stream(6, 100, uint64(k)))
		if !slices.Equal(y.Dense(), x.Dense()) || !slices.EqualFunc(y.Steps, x.Steps, slices.Equal[[]int32]) {
			t.Fatalf("trial %d: p = 0 changed the clamp", k)
		}
		if len(x.Steps[0]) > 0 {
			y.Steps[0][0] = -1 // a copy: x must not change
			if x.Steps[0][0] == -1 {
				t.Fatal("FlipClamp returned the input's own step lists")
			}
		}
	}

	for _, p := range []float64{0.25, 1} {
		// Per window (background [0, pre), free-running period
		// [pre+trig, L)): the spikes after flipping, their expectation and
		// variance. A slot that was on stays on with probability
		// 1 − p + p·rate, one that was off turns on with p·rate, all
		// independent, so the count is a sum of Bernoullis.
		type window struct {
			name              string
			from, to          int
			got, old, slots   int
			removed, added    int
			wantMean, wantVar float64
		}
		ws := []*window{
			{name: "background", from: 0, to: pre},
			{name: "free-running period", from: pre + trig, to: pre + tt + post},
		}
		for k, x := range xs {
			y := FlipClamp(x, p, rate, rng.Stream(6, uint64(p*100), uint64(k)))
			wellFormed(t, y)
			for _, w := range ws {
				for s := w.from; s < w.to; s++ {
					w.got += len(y.Steps[s])
					w.old += len(x.Steps[s])
					w.slots += n
					for i := range n {
						switch {
						case x.Has(i, s) && !y.Has(i, s):
							w.removed++
						case !x.Has(i, s) && y.Has(i, s):
							w.added++
						}
					}
				}
			}
		}
		on, off := 1-p+p*rate, p*rate
		for _, w := range ws {
			w.wantMean = float64(w.old)*on + float64(w.slots-w.old)*off
			w.wantVar = float64(w.old)*on*(1-on) + float64(w.slots-w.old)*off*(1-off)
			sd := math.Sqrt(w.wantVar)
			// 5 s.d.: a false failure has probability < 10⁻⁶ (the counts
			// are in the hundreds, near normal); the seed is fixed anyway.
			if math.Abs(float64(w.got)-w.wantMean) > 5*sd {
				t.Errorf("p = %v, %s: %d spikes after flipping, want %.0f ± %.0f (5 s.d.)", p, w.name, w.got, w.wantMean, 5*sd)
			}
			// Spurious spikes where there were none: p·rate per empty slot.
			addMean := float64(w.slots-w.old) * off
			if addSD := math.Sqrt(addMean * (1 - off)); math.Abs(float64(w.added)-addMean) > 5*addSD || w.added == 0 {
				t.Errorf("p = %v, %s: %d spikes added, want %.0f ± %.0f (5 s.d.)", p, w.name, w.added, addMean, 5*addSD)
			}
		}
		// The background also loses spikes: p·(1 − rate) of them.
		bg := ws[0]
		remMean := float64(bg.old) * p * (1 - rate)
		if remSD := math.Sqrt(remMean * (1 - p*(1-rate))); math.Abs(float64(bg.removed)-remMean) > 5*remSD || bg.removed == 0 {
			t.Errorf("p = %v: %d background spikes removed, want %.0f ± %.0f (5 s.d.)", p, bg.removed, remMean, 5*remSD)
		}
		if ws[1].old != 0 {
			t.Fatalf("test clamp has %d spikes after the cue", ws[1].old)
		}
	}
}
