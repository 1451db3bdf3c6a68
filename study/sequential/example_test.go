package sequential_test

import (
	"fmt"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study/sequential"
)

// The layout of a long trial: Pre steps of background, then each pattern's
// cue, its replay and a gap, then Post steps.
func ExampleNewLongTrial() {
	set, _ := raster.Generate(raster.Config{M: 3, N: 20, T: 30, P: 0.2}, 5)
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post = 5, 5, 10, 10
	lt, err := sequential.NewLongTrial(p, set, 15, 0, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", lt.Input.T, "=", sequential.Len(p, set.M(), set.T, 15))
	fmt.Println("cues at:", lt.Onsets)
	// Output:
	// steps: 155 = 155
	// cues at: [10 55 100]
}
