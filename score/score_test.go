package score_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// spec computes the scores of SPEC §2.2 directly from the formulas.
func spec(c score.Counts) (p, r, f1, loss float64) {
	const eps = 1e-12
	tp, fp, fn := float64(c.TP), float64(c.FP), float64(c.FN)
	p = tp / (tp + fp + eps)
	r = tp / (tp + fn + eps)
	f1 = 2 * p * r / (p + r + eps)
	return p, r, f1, 1 - f1
}

func TestEps(t *testing.T) {
	if score.Eps != 1e-12 {
		t.Fatalf("Eps = %v, SPEC §2.2 says 1e-12", score.Eps)
	}
}

func TestCounts(t *testing.T) {
	cases := []struct {
		name           string
		c              score.Counts
		p, r, f1, loss float64
		tol            float64 // on each score
	}{
		{name: "all zero", c: score.Counts{}, p: 0, r: 0, f1: 0, loss: 1, tol: 0},
		{name: "nothing recalled", c: score.Counts{FN: 7}, p: 0, r: 0, f1: 0, loss: 1, tol: 0},
		{name: "only false positives", c: score.Counts{FP: 3}, p: 0, r: 0, f1: 0, loss: 1, tol: 0},
		{name: "perfect one spike", c: score.Counts{TP: 1}, p: 1, r: 1, f1: 1, loss: 0, tol: 1e-11},
		{name: "perfect many spikes", c: score.Counts{TP: 123456}, p: 1, r: 1, f1: 1, loss: 0, tol: 1e-11},
		{name: "half precision", c: score.Counts{TP: 5, FP: 5}, p: 0.5, r: 1, f1: 2.0 / 3, loss: 1.0 / 3, tol: 1e-11},
		{name: "half recall", c: score.Counts{TP: 5, FN: 5}, p: 1, r: 0.5, f1: 2.0 / 3, loss: 1.0 / 3, tol: 1e-11},
		{name: "mixed", c: score.Counts{TP: 6, FP: 2, FN: 4}, p: 0.75, r: 0.6, f1: 2 * 0.75 * 0.6 / 1.35, loss: 1 - 2*0.75*0.6/1.35, tol: 1e-11},
		{name: "quarter", c: score.Counts{TP: 1, FP: 3, FN: 3}, p: 0.25, r: 0.25, f1: 0.25, loss: 0.75, tol: 1e-11},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			check := func(what string, got, want float64) {
				t.Helper()
				if math.IsNaN(got) || math.Abs(got-want) > tc.tol {
					t.Errorf("%s = %.17g, want %.17g (±%g)", what, got, want, tc.tol)
				}
			}
			check("precision", c.Precision(), tc.p)
			check("recall", c.Recall(), tc.r)
			check("F1", c.F1(), tc.f1)
			check("loss", c.Loss(), tc.loss)

			// The same values, to the last bit, as the SPEC formulas.
			p, r, f1, loss := spec(c)
			if c.Precision() != p || c.Recall() != r || c.F1() != f1 || c.Loss() != loss {
				t.Errorf("scores (%v, %v, %v, %v) differ from the SPEC formulas (%v, %v, %v, %v)",
					c.Precision(), c.Recall(), c.F1(), c.Loss(), p, r, f1, loss)
			}
			if c.F1() < 0 || c.F1() > 1 {
				t.Errorf("F1 = %v outside [0, 1]", c.F1())
			}
		})
	}
}

func TestCountsZeroIsExact(t *testing.T) {
	var c score.Counts
	if c.F1() != 0 || c.Loss() != 1 || c.Precision() != 0 || c.Recall() != 0 {
		t.Fatalf("all-zero counts: P %v R %v F1 %v loss %v; want exactly 0 0 0 1", c.Precision(), c.Recall(), c.F1(), c.Loss())
	}
}

func TestPerfectRecallJustBelowOne(t *testing.T) {
	// ε makes perfect recall a hair below 1, never above.
	for _, tp := range []int{1, 2, 10, 1000, 1 << 20} {
		c := score.Counts{TP: tp}
		if f := c.F1(); f > 1 || 1-f > 1e-11 {
			t.Errorf("TP = %d: F1 = %.17g, want within 1e-11 below 1", tp, f)
		}
		if l := c.Loss(); l < 0 || l > 1e-11 {
			t.Errorf("TP = %d: loss = %g, want in [0, 1e-11]", tp, l)
		}
	}
}

func TestAdd(t *testing.T) {
	cases := []struct {
		a, b, want score.Counts
	}{
		{score.Counts{}, score.Counts{}, score.Counts{}},
		{score.Counts{TP: 1}, score.Counts{}, score.Counts{TP: 1}},
		{score.Counts{TP: 1, FP: 2, FN: 3}, score.Counts{TP: 10, FP: 20, FN: 30}, score.Counts{TP: 11, FP: 22, FN: 33}},
		{score.Counts{FN: 5}, score.Counts{FP: 4}, score.Counts{FP: 4, FN: 5}},
	}
	for _, tc := range cases {
		if got := tc.a.Add(tc.b); got != tc.want {
			t.Errorf("%+v.Add(%+v) = %+v, want %+v", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.Add(tc.a); got != tc.want {
			t.Errorf("Add is not commutative: %+v.Add(%+v) = %+v", tc.b, tc.a, got)
		}
	}
	// Add does not modify its receiver.
	a := score.Counts{TP: 1, FP: 1, FN: 1}
	_ = a.Add(score.Counts{TP: 5})
	if a != (score.Counts{TP: 1, FP: 1, FN: 1}) {
		t.Errorf("Add modified its receiver: %+v", a)
	}
}

func TestResult(t *testing.T) {
	for _, c := range []score.Counts{{}, {TP: 3}, {TP: 6, FP: 2, FN: 4}, {FP: 1, FN: 1}} {
		r := c.Result()
		want := score.Result{TP: c.TP, FP: c.FP, FN: c.FN, Precision: c.Precision(), Recall: c.Recall(), F1: c.F1(), Loss: c.Loss()}
		if r != want {
			t.Errorf("%+v.Result() = %+v, want %+v", c, r, want)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"tp", "fp", "fn", "precision", "recall", "f1", "loss"} {
			if _, ok := m[k]; !ok {
				t.Errorf("Result JSON %s lacks %q", b, k)
			}
		}
		var back score.Result
		if err := json.Unmarshal(b, &back); err != nil || back != r {
			t.Errorf("Result JSON round trip: %+v, %v; want %+v", back, err, r)
		}
	}
}

func mustRaster(t *testing.T, n, steps int, ev ...raster.Event) *raster.Raster {
	t.Helper()
	r, err := raster.FromEvents(n, steps, ev)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ev(neuron, step int) raster.Event { return raster.Event{Neuron: neuron, Step: step} }

func TestSteps(t *testing.T) {
	// want: a pattern of 4 neurons × 6 steps.
	want := mustRaster(t, 4, 6,
		ev(0, 0), ev(1, 1), ev(2, 2), ev(3, 3), ev(0, 4), ev(1, 4), ev(2, 5))
	// exact: want shifted by 3 steps into a trial of 10 steps.
	exact := mustRaster(t, 4, 10,
		ev(0, 3), ev(1, 4), ev(2, 5), ev(3, 6), ev(0, 7), ev(1, 7), ev(2, 8))
	// noisy: like exact but misses (1,4) and (1,7), adds (3,5) and (0,8),
	// and has spikes outside the scored range (0,0), (3,9).
	noisy := mustRaster(t, 4, 10,
		ev(0, 0), ev(0, 3), ev(2, 5), ev(3, 5), ev(3, 6), ev(0, 7), ev(2, 8), ev(0, 8), ev(3, 9))
	empty := raster.New(4, 10)

	cases := []struct {
		name             string
		got, want        *raster.Raster
		offset, from, to int
		c                score.Counts
	}{
		{"self, whole range", want, want, 0, 0, 6, score.Counts{TP: 7}},
		{"self, sub range", want, want, 0, 2, 5, score.Counts{TP: 4}},
		{"empty range", want, want, 0, 3, 3, score.Counts{}},
		{"reversed range", want, want, 0, 4, 2, score.Counts{}},
		{"shifted, exact", exact, want, 3, 3, 9, score.Counts{TP: 7}},
		{"shifted, tail only", exact, want, 3, 7, 9, score.Counts{TP: 3}},
		{"wrong offset", exact, want, 2, 3, 8, score.Counts{TP: 0, FP: 6, FN: 6}},
		{"noisy", noisy, want, 3, 3, 9, score.Counts{TP: 5, FP: 2, FN: 2}},
		{"noisy, sub range", noisy, want, 3, 4, 8, score.Counts{TP: 3, FP: 1, FN: 2}},
		{"silent network", empty, want, 3, 3, 9, score.Counts{FN: 7}},
		{"silent pattern", exact, raster.New(4, 6), 3, 3, 9, score.Counts{FP: 7}},
		{"negative offset", want, exact, -3, 0, 6, score.Counts{TP: 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := score.Steps(tc.got, tc.want, tc.offset, tc.from, tc.to)
			if got != tc.c {
				t.Errorf("Steps = %+v, want %+v", got, tc.c)
			}
			// Against a dense brute force.
			var bf score.Counts
			for s := tc.from; s < tc.to; s++ {
				for i := range tc.got.N {
					a, b := tc.got.Has(i, s), tc.want.Has(i, s-tc.offset)
					switch {
					case a && b:
						bf.TP++
					case a:
						bf.FP++
					case b:
						bf.FN++
					}
				}
			}
			if got != bf {
				t.Errorf("Steps = %+v, brute force %+v", got, bf)
			}
		})
	}
}

func randomRaster(rng *rand.Rand, n, steps int, p float64) *raster.Raster {
	var evs []raster.Event
	for s := range steps {
		for i := range n {
			if rng.Float64() < p {
				evs = append(evs, raster.Event{Neuron: i, Step: s})
			}
		}
	}
	r, err := raster.FromEvents(n, steps, evs)
	if err != nil {
		panic(err)
	}
	return r
}

func TestSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, steps, offset = 30, 50, 7
	want := randomRaster(rng, n, steps, 0.2)
	got := randomRaster(rng, n, steps+offset+5, 0.2)
	from, to := offset+4, offset+steps

	s := score.Series(got, want, offset, from, to)
	if len(s) != to-from {
		t.Fatalf("len(Series) = %d, want %d", len(s), to-from)
	}
	var pooled score.Counts
	for k, c := range s {
		if one := score.Steps(got, want, offset, from+k, from+k+1); c != one {
			t.Errorf("Series[%d] = %+v, Steps of that step %+v", k, c, one)
		}
		pooled = pooled.Add(c)
	}
	if all := score.Steps(got, want, offset, from, to); pooled != all {
		t.Errorf("pooled series %+v, Steps over the range %+v", pooled, all)
	}
	if s := score.Series(got, want, offset, 20, 20); len(s) != 0 {
		t.Errorf("empty range: %d entries", len(s))
	}
	if s := score.Series(got, want, offset, 20, 10); len(s) != 0 {
		t.Errorf("reversed range: %d entries", len(s))
	}
}

func TestSliding(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		steps := make([]score.Counts, 1+rng.IntN(60))
		for k := range steps {
			// Include silent steps: windows of all-zero counts.
			if rng.IntN(4) > 0 {
				steps[k] = score.Counts{TP: rng.IntN(5), FP: rng.IntN(4), FN: rng.IntN(4)}
			}
		}
		for w := 1; w <= len(steps); w++ {
			got := score.Sliding(steps, w)
			if len(got) != len(steps)-w+1 {
				t.Fatalf("trial %d, w = %d: %d values, want %d", trial, w, len(got), len(steps)-w+1)
			}
			for k := range got {
				var win score.Counts
				for _, c := range steps[k : k+w] {
					win = win.Add(c)
				}
				if got[k] != win.F1() {
					t.Fatalf("trial %d, w = %d, window %d: F1 %v, brute force %v (%+v)", trial, w, k, got[k], win.F1(), win)
				}
			}
		}
	}
}

func TestSlidingWholeAndSingle(t *testing.T) {
	steps := []score.Counts{{TP: 1}, {FP: 1}, {FN: 2}, {TP: 3, FP: 1}}
	var all score.Counts
	for _, c := range steps {
		all = all.Add(c)
	}
	if got := score.Sliding(steps, len(steps)); !slices.Equal(got, []float64{all.F1()}) {
		t.Errorf("w = len: %v, want [%v]", got, all.F1())
	}
	var each []float64
	for _, c := range steps {
		each = append(each, c.F1())
	}
	if got := score.Sliding(steps, 1); !slices.Equal(got, each) {
		t.Errorf("w = 1: %v, want %v", got, each)
	}
}

func TestSlidingBadWindow(t *testing.T) {
	steps := []score.Counts{{TP: 1}, {FP: 1}, {FN: 1}}
	for _, w := range []int{-5, -1, 0, 4, 100} {
		if got := score.Sliding(steps, w); got != nil {
			t.Errorf("w = %d: %v, want nil", w, got)
		}
	}
	if got := score.Sliding(nil, 1); got != nil {
		t.Errorf("no steps, w = 1: %v, want nil", got)
	}
	if got := score.Sliding(nil, 0); got != nil {
		t.Errorf("no steps, w = 0: %v, want nil", got)
	}
}
