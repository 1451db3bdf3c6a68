package robustness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/robustness"
)

// Cue the quick network's patterns with truncated cues: the fewer cue
// steps kept, the less of each pattern is replayed.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "robustness")
	defer os.RemoveAll(dir)
	b := study.DefaultBenchmark().Quick()
	b.Seed, b.Train.Seed = 2, 2
	c := robustness.Config{Base: b, Seeds: 1, Kinds: []perturb.Kind{perturb.Truncate},
		Levels: map[perturb.Kind][]float64{perturb.Truncate: {5, 12, 20}}}
	rows, err := robustness.Run(context.Background(), c, filepath.Join(dir, "robustness.csv"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range results.Summarise(rows) {
		fmt.Printf("%s %s: F1 %.3f, recall %.3f, %d of %d runs fired\n", s.Values[0], s.Values[1], s.F1, s.Recall, s.Fired, s.Runs)
	}
	// Output:
	// truncate 5: F1 0.000, recall 0.000, 0 of 1 runs fired
	// truncate 12: F1 0.004, recall 0.002, 1 of 1 runs fired
	// truncate 20: F1 1.000, recall 1.000, 1 of 1 runs fired
}
