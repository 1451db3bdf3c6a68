package quantisation

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

func TestCueString(t *testing.T) {
	for _, tc := range []struct {
		c    Cue
		want string
	}{{Cue{Clean: true}, "clean"}, {Cue{Kind: perturb.Flip, Level: 0.25}, "flip 0.25"}, {Cue{Kind: perturb.Jitter, Level: 1}, "jitter 1"}} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestRun runs a small grid on the quick benchmark, both kinds of weights,
// and checks the rows: one per (weights, width, cue, seed), 16-bit recall
// equal to float64 within a spike or two, and a resumed run that adds
// nothing.
func TestRun(t *testing.T) {
	b := study.DefaultBenchmark().Quick()
	b.Seed, b.Train.Seed = 2, 2
	c := Config{Base: b, Margin: margin.DefaultConfig(), Bits: []int{16, 1}, Roundings: []quant.Rounding{quant.Nearest},
		Cues: []Cue{{Clean: true}, {Kind: perturb.Jitter, Level: 1}}, Seeds: 1}
	path := filepath.Join(t.TempDir(), "q.csv")
	rows, err := Run(context.Background(), c, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * 3 * 2; len(rows) != want { // weights × (float, 16, 1) × cues
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	f1 := map[string]float64{}
	for _, r := range rows {
		f1[strings.Join(r.Values, "/")] = r.Score.F1
	}
	for _, w := range []string{Hebbian, Margin} {
		ref, q16 := f1[w+"/float64/float64/clean"], f1[w+"/16/nearest/clean"]
		if ref < 0.9 || q16 < ref-0.02 {
			t.Errorf("%s: float64 F1 %.4f, 16-bit %.4f", w, ref, q16)
		}
	}
	again, err := Run(context.Background(), c, path, func(done, total int) {
		if done != total {
			t.Errorf("resumed run had work: %d of %d done", done, total)
		}
	})
	if err != nil || len(again) != len(rows) {
		t.Errorf("resume: %d rows, %v", len(again), err)
	}
	sums := results.Summarise(rows)
	if len(sums) != len(rows) {
		t.Errorf("%d settings for %d single-seed rows", len(sums), len(rows))
	}
}

func TestJobsRefuse(t *testing.T) {
	b := study.DefaultBenchmark().Quick()
	for name, c := range map[string]Config{
		"no seeds":     {Base: b},
		"bad bits":     {Base: b, Seeds: 1, Bits: []int{3}},
		"bad weights":  {Base: b, Seeds: 1, Weights: []string{"trained"}, Margin: margin.DefaultConfig()},
		"bad cue":      {Base: b, Seeds: 1, Cues: []Cue{{Kind: perturb.Flip, Level: 2}}},
		"margin base":  {Base: func() study.Benchmark { m := margin.DefaultConfig(); b := b; b.Margin = &m; return b }(), Seeds: 1},
		"margin empty": {Base: b, Seeds: 1, Weights: []string{Margin}},
	} {
		if _, err := Jobs(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
