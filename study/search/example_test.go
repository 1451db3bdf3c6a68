package search_test

import (
	"fmt"

	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/search"
)

// Trials are drawn from their own random streams: trial 3 of seed 1 is
// the same whatever the budget, and Apply turns it into a benchmark.
func ExampleDraw() {
	t := search.Draw(1, 3)
	fmt.Println(t.Values())
	b := t.Apply(study.DefaultBenchmark())
	fmt.Printf("β %g, θ %g, lr %g → %g, %v\n", b.Params.Beta, b.Params.Theta, b.Train.LR, b.Train.FinalLR, b.Train.Optimizer.Kind)
	// Output:
	// [3 0.183 17.5 0.576 0.601 0.278 sgd 0.558]
	// β 0.576, θ 0.601, lr 0.183 → 0.00183, sgd
}
