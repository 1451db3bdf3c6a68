package pruning

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

func quick() Config {
	return Config{Base: study.DefaultBenchmark().Quick(), Keep: []float64{1, 0.3}, Delays: []int{1}, Refine: prune.RefineConfig(3, prune.DefaultRefineLR), Seeds: 1}
}

func TestJobsRefuseBadBudgets(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no seeds", func(c *Config) { c.Seeds = 0 }, "seeds"},
		{"fraction 0", func(c *Config) { c.Keep = []float64{0} }, "kept fraction"},
		{"fraction above 1", func(c *Config) { c.Keep = []float64{1.5} }, "kept fraction"},
		{"no delay", func(c *Config) { c.Delays = []int{0} }, "delays per connection"},
		{"bad refinement", func(c *Config) { c.Refine.LR = 0 }, "refinement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := quick()
			tt.edit(&c)
			if _, err := Jobs(c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	c := quick()
	rows, err := Run(context.Background(), c, filepath.Join(t.TempDir(), "pruning.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 { // (keep 1, keep 0.3, delays 1) × (pruned, refined)
		t.Fatalf("%d rows, want 6", len(rows))
	}
	f1 := map[string]float64{}
	for _, s := range results.Summarise(rows) {
		f1[strings.Join(s.Values, " ")] = s.F1
	}
	for _, k := range []string{"keep 1 pruned", "keep 1 refined", "keep 0.3 pruned", "delays 1 refined"} {
		if _, ok := f1[k]; !ok {
			t.Fatalf("no summary %q in %v", k, f1)
		}
	}
	if f1["keep 1 pruned"] != f1["keep 1 refined"] && f1["keep 1 pruned"] == 1 {
		t.Errorf("refining perfect weights changed their recall: %v", f1)
	}
	if f1["keep 0.3 pruned"] > f1["keep 1 pruned"] {
		t.Errorf("keeping 30 %% recalls better than keeping all: %v", f1)
	}
}
