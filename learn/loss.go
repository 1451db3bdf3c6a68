// Package learn trains the weights of a network by surrogate-gradient
// backpropagation through time with an F1 loss (SPEC §4): the loss and
// its gradient, the exact and sparse backward passes, the optimisers,
// the learning-rate schedule and the epoch loop with checkpoints. It trains
// dense network.Weights or sparse network.Sparse weights; on sparse weights
// only the stored synapses are trained, at a cost that grows with them.
package learn

import (
	"math"

	"github.com/hdsnn/hdsnn/score"
)

// spikeGrad returns ∂(1 − F1)/∂s for a scored entry whose target is 1
// (onTarget) and 0 (offTarget), given the pooled counts of the forward
// pass. The F1 formula of SPEC §2.2 is differentiated with Σs = TP + FP
// and ΣS = TP + FN, as the autograd graph of the reference does.
func spikeGrad(c score.Counts) (onTarget, offTarget float64) {
	const eps = score.Eps
	a := float64(c.TP)
	b := float64(c.TP + c.FP)
	n := float64(c.TP + c.FN)
	p := a / (b + eps)
	r := a / (n + eps)
	den := (p + r + eps) * (p + r + eps)
	dFdP := 2 * r * (r + eps) / den
	dFdR := 2 * p * (p + eps) / den
	dPds0 := -a / ((b + eps) * (b + eps))
	dPds1 := 1/(b+eps) + dPds0
	dRds1 := 1 / (n + eps)
	onTarget = -(dFdP*dPds1 + dFdR*dRds1)
	offTarget = -(dFdP * dPds0)
	return onTarget, offTarget
}

// Surrogate is the fast-sigmoid derivative ∂s/∂u = 1 / (α·|u − θ| + 1)².
func Surrogate(u, theta, alpha float64) float64 {
	v := alpha*math.Abs(u-theta) + 1
	return 1 / (v * v)
}
