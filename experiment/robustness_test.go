package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
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

func TestRobustnessLevels(t *testing.T) {
	b := DefaultBenchmark().Quick()
	for kind, want := range map[string]string{
		PerturbFlip:     "0 0.05 0.1 0.25 0.5 0.75 1",
		PerturbTruncate: "0 3 6 9 11 14 17 20",
		PerturbSilence:  "0 16 32 48 64 80 96 112 128",
		PerturbJitter:   "0 1 2 3 5 8",
	} {
		lv, err := RobustnessLevels(kind, b, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range lv {
			got = append(got, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s levels %v, want %s", kind, got, want)
		}
	}
	full, _ := RobustnessLevels(PerturbTruncate, DefaultBenchmark(), false)
	if len(full) != 42 || full[41] != 41 {
		t.Errorf("full truncate grid %v, want 0 … 41", full)
	}
	if _, err := RobustnessLevels("smudge", b, true); err == nil || !strings.Contains(err.Error(), "flip") {
		t.Errorf("unknown kind: err = %v", err)
	}
	bad := RobustnessConfig{Base: b, Seeds: 1, Kinds: []string{PerturbSilence}, Levels: map[string][]float64{PerturbSilence: {129}}}
	if _, err := RobustnessJobs(bad); err == nil {
		t.Error("silencing more neurons than N was accepted")
	}
}

// perfectQuick returns the quick benchmark at pattern seeds whose initial
// weights recall every pattern perfectly (seeds 2 and 3).
func perfectQuick() Benchmark {
	b := DefaultBenchmark().Quick()
	b.Seed, b.Train.Seed = 2, 2
	return b
}

// TestRobustnessFlipMonotonic checks that F1, averaged over seeds, does not
// rise with the flip probability and falls from perfect to near zero.
func TestRobustnessFlipMonotonic(t *testing.T) {
	c := RobustnessConfig{Base: perfectQuick(), Seeds: 2, Kinds: []string{PerturbFlip}, Quick: true}
	rows, err := Robustness(context.Background(), c, filepath.Join(t.TempDir(), "r.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := Summarise(rows)
	if len(sums) != 7 {
		t.Fatalf("%d settings, want 7", len(sums))
	}
	if sums[0].F1 < 0.999 {
		t.Fatalf("F1 at p = 0 is %.4f; the test needs perfect recall", sums[0].F1)
	}
	for k := 1; k < len(sums); k++ {
		if sums[k].F1 > sums[k-1].F1+0.02 {
			t.Errorf("F1 rises from %.3f at p = %s to %.3f at p = %s", sums[k-1].F1, sums[k-1].Values[1], sums[k].F1, sums[k].Values[1])
		}
	}
	if last := sums[len(sums)-1]; last.F1 > 0.1 {
		t.Errorf("F1 at p = 1 is %.3f: a random cue should not recall", last.F1)
	}
	fig := RobustnessFigure(PerturbFlip, sums, c.Base)
	if err := fig.Validate(); err != nil || len(fig.Series[0].X) != 7 {
		t.Errorf("figure: %v, %d points", err, len(fig.Series[0].X))
	}
}

// TestRobustnessResume runs a sweep, runs it again without any job running,
// and checks that the results are reproducible in a fresh file.
func TestRobustnessResume(t *testing.T) {
	c := RobustnessConfig{
		Base: perfectQuick(), Seeds: 2, Kinds: []string{PerturbTruncate, PerturbSilence, PerturbJitter},
		Levels: map[string][]float64{PerturbTruncate: {5, 20}, PerturbSilence: {0, 32}, PerturbJitter: {0, 2}},
	}
	var calls atomic.Int64
	counted := func() []Job {
		jobs, err := RobustnessJobs(c)
		if err != nil {
			t.Fatal(err)
		}
		for k := range jobs {
			run := jobs[k].Run
			jobs[k].Run = func(ctx context.Context) (score.Result, error) {
				calls.Add(1)
				return run(ctx)
			}
		}
		return jobs
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	first, err := Sweep(context.Background(), path, RobustnessColumns(), counted(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 12 || len(first) != 12 {
		t.Fatalf("first sweep ran %d jobs for %d rows, want 12", calls.Load(), len(first))
	}
	before, _ := os.ReadFile(path)
	second, err := Sweep(context.Background(), path, RobustnessColumns(), counted(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 12 {
		t.Errorf("the resumed sweep ran %d jobs, want none", calls.Load()-12)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the resumed sweep changed the CSV")
	}
	again, err := Robustness(context.Background(), c, filepath.Join(dir, "fresh.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range first {
		if second[k].Score != first[k].Score || again[k].Score != first[k].Score {
			t.Errorf("row %v seed %d: %+v, resumed %+v, fresh %+v", first[k].Values, first[k].Seed, first[k].Score, second[k].Score, again[k].Score)
		}
	}
	// The intact cue (truncate 20 of 20, silence 0, jitter 0) scores the
	// same as an unperturbed recall.
	for _, r := range first {
		if v := strings.Join(r.Values, " "); v == "truncate 20" || v == "silence 0" || v == "jitter 0" {
			if r.Score.F1 < 0.999 {
				t.Errorf("%s seed %d: F1 %.4f with the intact cue", v, r.Seed, r.Score.F1)
			}
		}
	}
}
