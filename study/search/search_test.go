package search

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

func TestDrawTrialReproducible(t *testing.T) {
	for i := range 10 {
		a, b := Draw(7, i), Draw(7, i)
		if a != b {
			t.Errorf("trial %d: two draws differ: %+v, %+v", i, a, b)
		}
		if a.Index != i {
			t.Errorf("trial %d is numbered %d", i, a.Index)
		}
	}
	same := 0
	for i := range 10 {
		if Draw(7, i) == Draw(8, i) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of 10 trials are the same for seeds 7 and 8", same)
	}
	if Draw(7, 0) == Draw(7, 1) {
		t.Error("trials 0 and 1 are the same")
	}
}

func TestDrawTrialRanges(t *testing.T) {
	const n = 2000
	count := map[string]int{}
	exact := 0
	var lrLo, lrHi float64 = math.Inf(1), 0
	for i := range n {
		tr := Draw(3, i)
		count[tr.Optimizer]++
		in := func(name string, v, lo, hi float64) {
			if !(v >= lo && v <= hi) {
				t.Errorf("trial %d: %s = %v outside [%v, %v]", i, name, v, lo, hi)
			}
		}
		lo, hi := LRMin, LRMax
		if tr.Optimizer == learn.SGD.String() {
			lo, hi = lo*SGDScale, hi*SGDScale
		} else {
			lrLo, lrHi = min(lrLo, tr.LR), max(lrHi, tr.LR)
		}
		in("lr", tr.LR, lo, hi)
		in("alpha", tr.Alpha, AlphaMin, AlphaMax)
		in("beta", tr.Beta, BetaMin, BetaMax)
		in("theta", tr.Theta, ThetaMin, ThetaMax)
		in("dropout", tr.Dropout, DropoutMin, DropoutMax)
		if tr.Support == 0 {
			exact++
		} else {
			in("support", tr.Support, SupportMin, SupportMax)
		}
		if !slices.Contains(Optimizers(), tr.Optimizer) {
			t.Errorf("trial %d: optimizer %q", i, tr.Optimizer)
		}
	}
	for _, o := range Optimizers() {
		if f := float64(count[o]) / n; math.Abs(f-1.0/3) > 0.05 {
			t.Errorf("optimizer %s drawn in %.3f of trials, want about 1/3", o, f)
		}
	}
	if f := float64(exact) / n; math.Abs(f-Exact) > 0.04 {
		t.Errorf("exact gradients in %.3f of trials, want about %v", f, Exact)
	}
	// Log-uniform: the extremes of the Adam range are both approached.
	if lrLo > 2e-4 || lrHi < 5e-2 {
		t.Errorf("Adam learning rates span [%v, %v], want most of [1e-4, 1e-1]", lrLo, lrHi)
	}
}

func TestSearchTrialApply(t *testing.T) {
	b := study.DefaultBenchmark()
	for i := range 30 {
		tr := Draw(1, i)
		a := tr.Apply(b)
		if err := a.Validate(); err != nil {
			t.Fatalf("trial %d (%+v): %v", i, tr, err)
		}
		if a.Params.Beta != tr.Beta || a.Params.Theta != tr.Theta {
			t.Errorf("trial %d: params %+v", i, a.Params)
		}
		if a.Init != b.Init {
			t.Errorf("trial %d: init %+v not matched to the trial", i, a.Init)
		}
		tc := a.Train
		if tc.LR != tr.LR || tc.FinalLR > tc.LR || tc.Alpha != tr.Alpha || tc.Dropout != tr.Dropout ||
			tc.Support != tr.Support || tc.Optimizer.Kind.String() != tr.Optimizer || tc.Epochs != b.Train.Epochs {
			t.Errorf("trial %d: training %+v for %+v", i, tc, tr)
		}
		if tr.Optimizer == learn.SGD.String() && (tc.Optimizer.Momentum != Momentum || tc.Optimizer.Dampening != 0) {
			t.Errorf("trial %d: SGD %+v", i, tc.Optimizer)
		}
	}
}

// tinySearch is a search that runs in about a second.
func tinySearch(budget int) Config {
	b := study.DefaultBenchmark()
	b.Patterns.M, b.Patterns.N, b.Patterns.T, b.Patterns.P = 2, 48, 80, 0.02
	b.Params.D, b.Params.Trigger, b.Params.PA, b.Params.Pre, b.Params.Post = 10, 10, 0.02, 5, 5
	b.Init = initw.Defaults()
	b.Train.Epochs = 1
	return Config{Base: b, Budget: budget, Seed: 5, Seeds: 1}
}

func TestSearchResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "search.csv")
	cfg := tinySearch(3)
	rs, err := Run(context.Background(), cfg, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3", len(rs))
	}
	for i, r := range rs {
		if r.Trial != Draw(cfg.Seed, i) || r.Runs != 1 || !(r.F1 >= 0 && r.F1 <= 1) {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// The same search runs nothing; a larger budget adds one trial.
	runs := 0
	again, err := Run(context.Background(), cfg, path, func(done, total int) { runs++ })
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) || runs != 1 {
		t.Errorf("the rerun changed the CSV or ran %d jobs", runs-1)
	}
	if !sameResults(again, rs) {
		t.Errorf("rerun results differ:\n%+v\n%+v", again, rs)
	}
	cfg = tinySearch(4)
	more, err := Run(context.Background(), cfg, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameResults(more[:3], rs) {
		t.Errorf("a larger budget changed the first trials")
	}
	rows, err := results.Read(path, Columns())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[3].Values[0] != "3" {
		t.Errorf("CSV has %d rows, want the 3 first and trial 3 appended", len(rows))
	}

	best := Best(more)
	for _, r := range more {
		if r.F1 > more[best].F1 {
			t.Errorf("trial %d has F1 %v above the best %v", r.Index, r.F1, more[best].F1)
		}
	}
	bp := filepath.Join(t.TempDir(), "best.json")
	if err := WriteBest(bp, cfg.Base, more[best]); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Best      Result          `json:"best"`
		Benchmark study.Benchmark `json:"benchmark"`
	}
	data, err := os.ReadFile(bp)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !sameResults([]Result{doc.Best}, more[best:best+1]) || doc.Benchmark.Train.LR != more[best].LR || doc.Benchmark.Params.Theta != more[best].Theta {
		t.Errorf("best.json: %s", data)
	}
}

// sameResults reports whether two lists of results agree, scores to the
// 10 significant digits the CSV keeps.
func sameResults(a, b []Result) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*max(1, math.Abs(x)) }
	return slices.EqualFunc(a, b, func(x, y Result) bool {
		return x.Index == y.Index && x.Runs == y.Runs && near(x.F1, y.F1) && near(x.F1Err, y.F1Err) && near(x.Loss, y.Loss)
	})
}

func TestBestTrialTies(t *testing.T) {
	rs := []Result{
		{Trial: Trial{Index: 0}, F1: 0.5, Loss: 0.5},
		{Trial: Trial{Index: 1}, F1: math.NaN(), Loss: math.NaN()},
		{Trial: Trial{Index: 2}, F1: 0.9, Loss: 0.2},
		{Trial: Trial{Index: 3}, F1: 0.9, Loss: 0.1},
		{Trial: Trial{Index: 4}, F1: 0.9, Loss: 0.1},
	}
	if got := Best(rs); got != 3 {
		t.Errorf("best %d, want 3 (highest F1, lower loss, earlier trial)", got)
	}
	if got := Best(rs[1:2]); got != 0 {
		t.Errorf("best of one NaN trial: %d", got)
	}
	if got := Best(nil); got != -1 {
		t.Errorf("best of none: %d", got)
	}
}

func TestSearchValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"budget", func(c *Config) { c.Budget = 0 }, "budget"},
		{"seeds", func(c *Config) { c.Seeds = 0 }, "seeds"},
		{"epochs", func(c *Config) { c.Base.Train.Epochs = 0 }, "epoch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinySearch(2)
			tc.change(&c)
			_, err := Run(context.Background(), c, filepath.Join(t.TempDir(), "s.csv"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
