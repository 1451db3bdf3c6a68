package learn

import (
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// ComputeTuned is compute for the tests of package learn_test: Compute
// with the chunk size and the dense share of the sparse pass.
func ComputeTuned(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, chunk int, denseShare float64) (*Gradient, error) {
	return compute(w, p, targets, xs, opt, tuning{chunk: chunk, denseShare: denseShare})
}
