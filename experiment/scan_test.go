package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/score"
)

func TestScanApply(t *testing.T) {
	base := DefaultBenchmark().Quick()
	c := ScanConfig{Base: base, Trained: true}
	tests := []struct {
		param, value string
		check        func(Benchmark, bool) bool
	}{
		{ScanDelays, "10", func(b Benchmark, _ bool) bool { return b.Params.D == 10 && b.Params.Trigger == 10 }},
		{ScanSteps, "300", func(b Benchmark, _ bool) bool { return b.Patterns.T == 300 }},
		{ScanRate, "0.01", func(b Benchmark, _ bool) bool { return b.Patterns.P == 0.01 && b.Params.PA == 0.01 }},
		{ScanPatterns, "7", func(b Benchmark, _ bool) bool { return b.Patterns.M == 7 }},
		{ScanNeurons, "50", func(b Benchmark, _ bool) bool { return b.Patterns.N == 50 }},
		{ScanTheta, "1.1", func(b Benchmark, _ bool) bool { return b.Params.Theta == 1.1 }},
		{ScanTarget, "raw", func(b Benchmark, _ bool) bool { return b.Init.Target == initw.Raw }},
		{ScanInit, "pinv", func(b Benchmark, _ bool) bool { return b.Init.Method == initw.PseudoInverse }},
		{ScanInit, "hebbian-column", func(b Benchmark, _ bool) bool { return b.Init.Norm == initw.Column }},
		{ScanTraining, "init", func(_ Benchmark, tr bool) bool { return !tr }},
	}
	for _, tt := range tests {
		c.Param = tt.param
		b, tr, err := c.apply(tt.value)
		if err != nil || !tt.check(b, tr) {
			t.Errorf("%s = %s: %v", tt.param, tt.value, err)
		}
	}
	for _, bad := range [][2]string{{ScanDelays, "x"}, {ScanDelays, "500"}, {ScanRate, "2"}, {ScanInit, "svd"}, {"colour", "red"}} {
		c.Param = bad[0]
		if _, _, err := c.apply(bad[1]); err == nil {
			t.Errorf("%s = %s: no error", bad[0], bad[1])
		}
	}
	for _, p := range ScanParams() {
		for _, quick := range []bool{false, true} {
			vs, err := ScanValues(p, quick)
			if err != nil || len(vs) < 2 {
				t.Errorf("%s quick=%v: %v %v", p, quick, vs, err)
			}
		}
	}
}

// TestScanRunsAndResumes scans D on the quick network: short delay
// windows store worse than long ones, and a second call runs nothing.
func TestScanRunsAndResumes(t *testing.T) {
	base := DefaultBenchmark().Quick()
	path := filepath.Join(t.TempDir(), "scan.csv")
	c := ScanConfig{Base: base, Param: ScanDelays, Values: []string{"2", "20"}, Seeds: 2}
	rows, err := Scan(context.Background(), c, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	sums := Summarise(rows)
	if len(sums) != 2 || sums[0].Runs != 2 {
		t.Fatalf("summaries %+v", sums)
	}
	if !(sums[1].F1 > sums[0].F1+0.3) {
		t.Errorf("F1 at D = 20 (%.3f) is not clearly above D = 2 (%.3f)", sums[1].F1, sums[0].F1)
	}
	// Resume: every row is in the CSV, so no job may run.
	calls := 0
	jobs := []Job{{Values: []string{ScanDelays, "2"}, Seed: base.Seed, Run: func(context.Context) (score.Result, error) { calls++; return score.Result{}, nil }}}
	again, err := Sweep(context.Background(), path, []string{"param", "value"}, jobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || again[0].Score.F1 != rows[0].Score.F1 {
		t.Errorf("resumed sweep ran %d jobs; row %+v, want %+v", calls, again[0], rows[0])
	}
	fig := ScanFigure(ScanDelays, sums)
	if !fig.LogX || len(fig.Series) != 2 || fig.Series[0].X[1] != 20 {
		t.Errorf("figure %+v", fig)
	}
	if err := fig.Save(filepath.Join(t.TempDir(), "scan")); err != nil {
		t.Error(err)
	}
	cat := ScanFigure(ScanTarget, []Summary{{Values: []string{"target", "matched"}, Runs: 1, F1: 1}, {Values: []string{"target", "raw"}, Runs: 1, F1: 0.5}})
	if cat.LogX || cat.Series[0].X[1] != 2 || !strings.Contains(cat.Title, "2 = raw") {
		t.Errorf("categorical figure %+v", cat)
	}
}

func TestSweepRejectsOtherCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	jobs := []Job{{Values: []string{"a"}, Seed: 1, Run: func(context.Context) (score.Result, error) { return score.Result{F1: 0.5}, nil }}}
	if _, err := Sweep(context.Background(), path, []string{"kind"}, jobs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Sweep(context.Background(), path, []string{"other"}, jobs, nil); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a CSV of another experiment: %v", err)
	}
}
