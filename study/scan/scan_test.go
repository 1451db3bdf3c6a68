package scan

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

func TestScanApply(t *testing.T) {
	base := study.DefaultBenchmark().Quick()
	c := Config{Base: base, Trained: true}
	tests := []struct {
		param Param
		value string
		check func(study.Benchmark, bool) bool
	}{
		{Delays, "10", func(b study.Benchmark, _ bool) bool {
			return b.Params.D == 10 && b.Params.Trigger == 10
		}},
		{Steps, "300", func(b study.Benchmark, _ bool) bool { return b.Patterns.T == 300 }},
		{Rate, "0.01", func(b study.Benchmark, _ bool) bool { return b.Patterns.P == 0.01 && b.Params.PA == 0.01 }},
		{Patterns, "7", func(b study.Benchmark, _ bool) bool { return b.Patterns.M == 7 }},
		{Neurons, "50", func(b study.Benchmark, _ bool) bool { return b.Patterns.N == 50 }},
		{Theta, "1.1", func(b study.Benchmark, _ bool) bool { return b.Params.Theta == 1.1 }},
		{Target, "raw", func(b study.Benchmark, _ bool) bool { return b.Init.Target == initw.Raw }},
		{Init, "pinv", func(b study.Benchmark, _ bool) bool { return b.Init.Method == initw.PseudoInverse }},
		{Init, "hebbian-column", func(b study.Benchmark, _ bool) bool { return b.Init.Norm == initw.Column }},
		{Training, "init", func(_ study.Benchmark, tr bool) bool { return !tr }},
	}
	for _, tt := range tests {
		c.Param = tt.param
		b, tr, err := c.apply(tt.value)
		if err != nil || !tt.check(b, tr) {
			t.Errorf("%s = %s: %v", tt.param, tt.value, err)
		}
	}
	for _, bad := range []struct {
		p Param
		v string
	}{{Delays, "x"}, {Delays, "500"}, {Rate, "2"}, {Init, "svd"}, {Param(42), "red"}} {
		c.Param = bad.p
		if _, _, err := c.apply(bad.v); err == nil {
			t.Errorf("%s = %s: no error", bad.p, bad.v)
		}
	}
	for _, p := range Params() {
		for _, quick := range []bool{false, true} {
			vs, err := Values(p, quick)
			if err != nil || len(vs) < 2 {
				t.Errorf("%s quick=%v: %v %v", p, quick, vs, err)
			}
		}
	}
}

// TestScanRunsAndResumes scans D on the quick network: short delay
// windows store worse than long ones, and a second call runs nothing.
func TestScanRunsAndResumes(t *testing.T) {
	base := study.DefaultBenchmark().Quick()
	path := filepath.Join(t.TempDir(), "scan.csv")
	c := Config{Base: base, Param: Delays, Values: []string{"2", "20"}, Seeds: 2}
	rows, err := Run(context.Background(), c, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	sums := results.Summarise(rows)
	if len(sums) != 2 || sums[0].Runs != 2 {
		t.Fatalf("summaries %+v", sums)
	}
	if !(sums[1].F1 > sums[0].F1+0.3) {
		t.Errorf("F1 at D = 20 (%.3f) is not clearly above D = 2 (%.3f)", sums[1].F1, sums[0].F1)
	}
	// Resume: every row is in the CSV, so no job may run.
	calls := 0
	jobs := []results.Job{{Values: []string{Delays.String(), "2"}, Seed: base.Seed, Run: func(context.Context) (score.Result, error) { calls++; return score.Result{}, nil }}}
	again, err := results.Sweep(context.Background(), results.Table{Path: path, Columns: Columns()}, jobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || again[0].Score.F1 != rows[0].Score.F1 {
		t.Errorf("resumed sweep ran %d jobs; row %+v, want %+v", calls, again[0], rows[0])
	}
}
