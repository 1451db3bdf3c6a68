package study_test

import (
	"context"
	"fmt"

	"github.com/hdsnn/hdsnn/study"
)

// Store the quick benchmark's patterns in initial weights and cue every
// pattern once; ForSeed gives the next independent run, as every study
// numbers its runs.
func ExampleBenchmark_Store() {
	b := study.DefaultBenchmark().Quick()
	for k := range 2 {
		st, err := b.ForSeed(k).Store(context.Background(), false)
		if err != nil {
			fmt.Println(err)
			return
		}
		r, _ := st.Recall(0)
		fmt.Printf("seed %d: N = %d, M = %d, F1 %.3f\n", st.Bench.Seed, st.Patterns.N, st.Patterns.M(), r.F1)
	}
	// Output:
	// seed 1: N = 128, M = 4, F1 0.965
	// seed 2: N = 128, M = 4, F1 1.000
}
