package results_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
)

// A sweep of two settings over two seeds keeps one row per run; a second
// sweep over the same CSV runs nothing, and other settings are refused.
func ExampleSweep() {
	dir, _ := os.MkdirTemp("", "results")
	defer os.RemoveAll(dir)
	var runs atomic.Int64 // jobs run in parallel
	var jobs []results.Job
	for _, level := range []string{"low", "high"} {
		for seed := uint64(1); seed <= 2; seed++ {
			jobs = append(jobs, results.Job{Values: []string{level}, Seed: seed, Run: func(context.Context) (score.Result, error) {
				runs.Add(1)
				c := score.Counts{TP: 8, FN: 2}
				if level == "low" {
					c = score.Counts{TP: int(seed), FN: 9}
				}
				return c.Result(), nil
			}})
		}
	}
	tab := results.Table{Path: filepath.Join(dir, "sweep.csv"), Columns: []string{"level"}, Settings: map[string]int{"N": 64}}
	rows, _ := results.Sweep(context.Background(), tab, jobs, nil)
	for _, s := range results.Summarise(rows) {
		fmt.Printf("%s: F1 %.3f ± %.3f over %d runs\n", s.Values[0], s.F1, s.F1Err, s.Runs)
	}
	_, _ = results.Sweep(context.Background(), tab, jobs, nil)
	fmt.Println("runs:", runs.Load())
	tab.Settings = map[string]int{"N": 128}
	_, err := results.Sweep(context.Background(), tab, jobs, nil)
	fmt.Println(errors.Is(err, results.ErrOtherSettings))
	// Output:
	// low: F1 0.245 ± 0.063 over 2 runs
	// high: F1 0.889 ± 0.000 over 2 runs
	// runs: 4
	// true
}
