package sequential

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// perfectQuick returns the quick benchmark at pattern seeds whose initial
// weights recall every pattern perfectly (seeds 2 and 3).
func perfectQuick() study.Benchmark {
	b := study.DefaultBenchmark().Quick()
	b.Seed, b.Train.Seed = 2, 2
	return b
}

func TestNewLongTrial(t *testing.T) {
	set, err := raster.Generate(raster.Config{M: 3, N: 20, T: 30, P: 0.2}, 5)
	if err != nil {
		t.Fatal(err)
	}
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA = 5, 5, 7, 4, 0.1
	const gap = 11
	lt, err := NewLongTrial(p, set, gap, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	l := 7 + 3*(30+gap) + 4
	if lt.Input.T != l || lt.Expected.T != l || len(lt.Pattern) != l || len(lt.Cue) != l || Len(p, 3, 30, gap) != l {
		t.Fatalf("length %d, want %d", lt.Input.T, l)
	}
	if !slices.Equal(lt.Onsets, []int{7, 48, 89}) {
		t.Errorf("onsets %v, want [7 48 89]", lt.Onsets)
	}
	kind := make([]string, l) // what each step should hold
	for s := range kind {
		kind[s] = "post"
	}
	for s := 0; s < 7; s++ {
		kind[s] = "background"
	}
	for mu, on := range lt.Onsets {
		for s := 0; s < 30+gap; s++ {
			switch {
			case s < 5:
				kind[on+s] = "cue"
			case s < 30:
				kind[on+s] = "free"
			default:
				kind[on+s] = "background"
			}
			pat := set.Patterns[mu]
			if s < 5 && !slices.Equal(lt.Input.Steps[on+s], pat.Steps[s]) {
				t.Errorf("pattern %d cue step %d: %v, want %v", mu, s, lt.Input.Steps[on+s], pat.Steps[s])
			}
			var want []int32
			if s >= p.D && s < 30 {
				want = pat.Steps[s]
			}
			if !slices.Equal(lt.Expected.Steps[on+s], want) {
				t.Errorf("pattern %d step %d: expected %v, want %v", mu, s, lt.Expected.Steps[on+s], want)
			}
		}
	}
	bg := 0
	for s, k := range kind {
		n := len(lt.Input.Steps[s])
		if (k == "free" || k == "post") && n != 0 {
			t.Errorf("%s step %d is clamped: %v", k, s, lt.Input.Steps[s])
		}
		if k == "background" {
			bg += n
		}
		if lt.Cue[s] != (k == "cue") {
			t.Errorf("step %d (%s): cue mask %v", s, k, lt.Cue[s])
		}
		if lt.Pattern[s] != (k == "free") { // trigger = D: the free steps are the scored ones
			t.Errorf("step %d (%s): pattern mask %v", s, k, lt.Pattern[s])
		}
	}
	// 20 neurons × (7 + 3·11) background steps at p_A = 0.1: 80 ± 17.
	if bg < 40 || bg > 130 {
		t.Errorf("%d background spikes, want about 80", bg)
	}
	again, _ := NewLongTrial(p, set, gap, 0, 1)
	if !slices.Equal(again.Input.Dense(), lt.Input.Dense()) {
		t.Error("the same seed gave a different run")
	}
	noisy, err := NewLongTrial(p, set, gap, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	for s := range l {
		if !slices.Equal(noisy.Input.Steps[s], lt.Input.Steps[s]) {
			if !lt.Cue[s] {
				t.Errorf("noise changed step %d outside the cues", s)
			}
			diff++
		}
	}
	if diff == 0 {
		t.Error("cue noise 0.5 changed nothing")
	}
	if _, err := NewLongTrial(p, set, -1, 0, 1); err == nil {
		t.Error("a negative gap was accepted")
	}
}

// TestSequential runs the long trial on a quick network that recalls
// every pattern perfectly from a single cue.
func TestSequential(t *testing.T) {
	c := Config{Base: perfectQuick(), Seeds: 1, Gap: DefaultGap, Window: DefaultWindow}
	dir := t.TempDir()
	path, series := filepath.Join(dir, "seq.csv"), filepath.Join(dir, "seq-f1.csv")
	res, err := Run(context.Background(), c, path, series, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Base
	if len(res.Rows) != b.Patterns.M+1 || res.Rows[0].Values[2] != "all" {
		t.Fatalf("%d rows (first %v), want %d starting with all", len(res.Rows), res.Rows[0].Values, b.Patterns.M+1)
	}
	all := res.Rows[0].Score
	if all.F1 < 0.95 {
		t.Errorf("pooled F1 over the patterns %.4f, want ≥ 0.95", all.F1)
	}
	var sum int
	for _, r := range res.Rows[1:] {
		sum += r.Score.TP
	}
	if sum != all.TP {
		t.Errorf("per-pattern TP sum to %d, pooled %d", sum, all.TP)
	}
	s := res.Series
	l := Len(b.Params, b.Patterns.M, b.Patterns.T, c.Gap)
	if len(s.F1) != l-c.Window+1 || s.Step[0] != c.Window/2 {
		t.Fatalf("series of %d from step %d, want %d from %d", len(s.F1), s.Step[0], l-c.Window+1, c.Window/2)
	}
	on := b.Params.Pre
	at := func(step int) float64 { return s.F1[step-c.Window/2] }
	midPattern, midGap := on+b.Patterns.T/2, on+b.Patterns.T+c.Gap/2
	if !s.InPattern[midPattern-c.Window/2] || s.InPattern[midGap-c.Window/2] {
		t.Errorf("masks: pattern at %d %v, at %d %v", midPattern, s.InPattern[midPattern-c.Window/2], midGap, s.InPattern[midGap-c.Window/2])
	}
	if !(at(midGap) < at(midPattern)) || at(midPattern) < 0.9 {
		t.Errorf("sliding F1 %.3f in the middle of the first pattern, %.3f in the first gap", at(midPattern), at(midGap))
	}
	for i := range s.F1 {
		if (s.Defined[i] == 0) != math.IsNaN(s.DefinedF1[i]) || s.Defined[i] > c.Seeds {
			t.Fatalf("window %d: %d seeds define F1, mean over them %v", i, s.Defined[i], s.DefinedF1[i])
		}
		if s.Defined[i] == c.Seeds && s.DefinedF1[i] != s.F1[i] {
			t.Fatalf("window %d: defined in every seed, yet F1 %v ≠ %v", i, s.DefinedF1[i], s.F1[i])
		}
	}

	// Resume: nothing runs, the series is read back.
	before, _ := os.ReadFile(path)
	again, err := Run(context.Background(), c, path, series, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the resumed run changed the CSV")
	}
	sameNaN := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	if !slices.Equal(again.Series.F1, s.F1) || !slices.EqualFunc(again.Series.DefinedF1, s.DefinedF1, sameNaN) ||
		!slices.Equal(again.Series.Defined, s.Defined) || !slices.Equal(again.Series.InCue, s.InCue) || again.Series.Window != c.Window {
		t.Error("the series read back differs")
	}
	if _, err := Run(context.Background(), Config{Base: b, Seeds: 1, Window: 0}, path, "", nil); err == nil {
		t.Error("a zero window was accepted")
	}
}
