package score_test

import (
	"fmt"
	"log"

	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Score a replay against the stored pattern: counts over a range of
// steps, pooled over patterns, and the F1 of a sliding window.
func ExampleSteps() {
	// The stored pattern: neuron 0 spikes at steps 1, 3 and 5.
	want, err := raster.FromEvents(2, 6, []raster.Event{{Neuron: 0, Step: 1}, {Neuron: 0, Step: 3}, {Neuron: 0, Step: 5}})
	if err != nil {
		log.Fatal(err)
	}
	// The replay, recorded with 2 steps before the pattern starts: it hits
	// steps 1 and 3, misses 5 and adds a spike of neuron 1 at step 4.
	got, err := raster.FromEvents(2, 8, []raster.Event{{Neuron: 0, Step: 3}, {Neuron: 0, Step: 5}, {Neuron: 1, Step: 6}})
	if err != nil {
		log.Fatal(err)
	}
	c := score.Steps(got, want, 2, 2, 8) // trial steps [2, 8) = pattern steps [0, 6)
	fmt.Printf("tp %d, fp %d, fn %d\n", c.TP, c.FP, c.FN)
	fmt.Printf("precision %.3f, recall %.3f, F1 %.3f\n", c.Precision(), c.Recall(), c.F1())

	// Pooling adds the counts (micro-averaging), it does not average F1.
	all := c.Add(score.Counts{TP: 4})
	fmt.Printf("pooled with a perfect replay of 4 spikes: F1 %.3f\n", all.F1())

	// F1 of every window of 3 steps.
	for _, f := range score.Sliding(score.Series(got, want, 2, 2, 8), 3) {
		fmt.Printf("%.2f ", f)
	}
	fmt.Println()
	// Output:
	// tp 2, fp 1, fn 1
	// precision 0.667, recall 0.667, F1 0.667
	// pooled with a perfect replay of 4 spikes: F1 0.857
	// 1.00 1.00 0.67 0.50
}
