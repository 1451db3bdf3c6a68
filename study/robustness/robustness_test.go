package robustness

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

func TestLevels(t *testing.T) {
	b := study.DefaultBenchmark().Quick()
	for kind, want := range map[perturb.Kind]string{
		perturb.Flip:      "0 0.05 0.1 0.25 0.5 0.75 1",
		perturb.Truncate:  "0 3 6 9 11 14 17 20",
		perturb.Silence:   "0 16 32 48 64 80 96 112 128",
		perturb.Jitter:    "0 1 2 3 5 8",
		perturb.FlipInput: "0 0.05 0.1 0.25 0.5 0.75 1",
	} {
		lv, err := Levels(kind, b, true)
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
	full, _ := Levels(perturb.Truncate, study.DefaultBenchmark(), false)
	if len(full) != 42 || full[41] != 41 {
		t.Errorf("full truncate grid %v, want 0 … 41", full)
	}
	if _, err := Levels(perturb.Kind(9), b, true); err == nil || !strings.Contains(err.Error(), "flip") {
		t.Errorf("unknown kind: err = %v", err)
	}
	bad := Config{Base: b, Seeds: 1, Kinds: []perturb.Kind{perturb.Silence}, Levels: map[perturb.Kind][]float64{perturb.Silence: {129}}}
	if _, err := Jobs(bad); err == nil {
		t.Error("silencing more neurons than N was accepted")
	}
}

// perfectQuick returns the quick benchmark at pattern seeds whose initial
// weights recall every pattern perfectly (seeds 2 and 3).
func perfectQuick() study.Benchmark {
	b := study.DefaultBenchmark().Quick()
	b.Seed, b.Train.Seed = 2, 2
	return b
}

// TestRobustnessFlipMonotonic checks that F1, averaged over seeds, does not
// rise with the flip probability and falls from perfect to near zero.
func TestRobustnessFlipMonotonic(t *testing.T) {
	c := Config{Base: perfectQuick(), Seeds: 2, Kinds: []perturb.Kind{perturb.Flip}, Quick: true}
	rows, err := Run(context.Background(), c, filepath.Join(t.TempDir(), "r.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := results.Summarise(rows)
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
}

// TestRobustnessResume runs a sweep, runs it again without any job running,
// and checks that the results are reproducible in a fresh file.
func TestRobustnessResume(t *testing.T) {
	c := Config{
		Base: perfectQuick(), Seeds: 2, Kinds: []perturb.Kind{perturb.Truncate, perturb.Silence, perturb.Jitter},
		Levels: map[perturb.Kind][]float64{perturb.Truncate: {5, 20}, perturb.Silence: {0, 32}, perturb.Jitter: {0, 2}},
	}
	var calls atomic.Int64
	counted := func() []results.Job {
		jobs, err := Jobs(c)
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
	first, err := results.Sweep(context.Background(), results.Table{Path: path, Columns: Columns()}, counted(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 12 || len(first) != 12 {
		t.Fatalf("first sweep ran %d jobs for %d rows, want 12", calls.Load(), len(first))
	}
	before, _ := os.ReadFile(path)
	second, err := results.Sweep(context.Background(), results.Table{Path: path, Columns: Columns()}, counted(), nil)
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
	again, err := Run(context.Background(), c, filepath.Join(dir, "fresh.csv"), nil)
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

// TestInputsFlipInput checks that the published flip (flip-input) redraws
// the input outside the cue, where the cue-only flip leaves it, that p = 0
// leaves every input as it was, and that an intact input still recalls.
func TestInputsFlipInput(t *testing.T) {
	b := perfectQuick()
	st, err := study.NewShared(b, false).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clean := st.Inputs(0)
	from, to := b.Params.Pre, b.Params.Pre+min(b.Params.Trigger, st.Patterns.T)
	outside := func(xs []*raster.Raster) (changed int) {
		for m, x := range xs {
			for s := range x.T {
				if (s < from || s >= to) && !slices.Equal(x.Steps[s], clean[m].Steps[s]) {
					changed++
				}
			}
		}
		return changed
	}
	for _, c := range []struct {
		kind    perturb.Kind
		level   float64
		changes bool
	}{
		{perturb.FlipInput, 0, false},
		{perturb.Flip, 0.25, false},
		{perturb.FlipInput, 0.25, true},
	} {
		xs, err := Inputs(st, c.kind, c.level, stream(b.Seed, uint64(c.kind), c.level))
		if err != nil {
			t.Fatal(err)
		}
		if n := outside(xs); (n > 0) != c.changes {
			t.Errorf("%s %v changed %d steps outside the cue", c.kind, c.level, n)
		}
		if c.level == 0 {
			for m := range xs {
				if !slices.Equal(xs[m].Dense(), clean[m].Dense()) {
					t.Errorf("%s 0 changed input %d", c.kind, m)
				}
			}
			r, err := st.RecallInputs(xs)
			if err != nil {
				t.Fatal(err)
			}
			if r.F1 < 0.999 {
				t.Errorf("%s 0: F1 %.4f with the intact input", c.kind, r.F1)
			}
		}
	}
}
