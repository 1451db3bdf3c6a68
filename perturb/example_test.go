package perturb_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/raster"
)

// Each cue perturbation alters only the cue window of a clamp, here steps
// 2 … 5 of a raster of 4 neurons that all fire at every step; FlipClamp,
// the published protocol, redraws every step.
func Example() {
	x := raster.New(4, 8)
	for t := range x.Steps {
		x.Steps[t] = []int32{0, 1, 2, 3}
	}
	count := func(y *raster.Raster) []int {
		var n []int
		for _, s := range y.Steps {
			n = append(n, len(s))
		}
		return n
	}
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Println("truncate to 1:", count(perturb.TruncateCue(x, 2, 6, 1)))
	fmt.Println("silence 0, 3: ", count(perturb.SilenceCue(x, 2, 6, []int{0, 3})))
	fmt.Println("flip all at 0:", count(perturb.FlipCue(x, 2, 6, 1, 0, r)))
	fmt.Println("clamp at 0:   ", count(perturb.FlipClamp(x, 1, 0, r)))
	k, err := perturb.ParseKind("jitter")
	fmt.Println(k, err, k.CheckLevel(1.5, 41, 512))
	// Output:
	// truncate to 1: [4 4 4 0 0 0 4 4]
	// silence 0, 3:  [4 4 2 2 2 2 4 4]
	// flip all at 0: [4 4 0 0 0 0 4 4]
	// clamp at 0:    [0 0 0 0 0 0 0 0]
	// jitter <nil> jitter level 1.5: need a whole number of steps ≥ 0
}
