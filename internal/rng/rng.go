// Package rng derives independent, reproducible random streams from one
// user seed, so that every pattern, trial and epoch draws from its own
// generator whatever the order or the number of goroutines that run them.
package rng

import (
	"math"
	"math/rand/v2"
)

// Stream returns a PCG generator for the stream named by parts under seed.
// The same seed and parts give the same numbers on every machine.
func Stream(seed uint64, parts ...uint64) *rand.Rand {
	h := mix(seed ^ 0x6864736e6e) // "hdsnn"
	for _, p := range parts {
		h = mix(h ^ mix(p+0x9e3779b97f4a7c15))
	}
	return rand.New(rand.NewPCG(seed, h))
}

// mix is the splitmix64 finaliser: a bijective 64-bit hash.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Purposes of streams, used as the first part so that streams made for
// different jobs never coincide.
const (
	Patterns   uint64 = 1
	Background uint64 = 2
	Dropout    uint64 = 3
	Validation uint64 = 4
	Experiment uint64 = 5
	Margin     uint64 = 6
	// Connectivity streams draw the presynaptic neurons of each
	// postsynaptic neuron under a fan-in (initw.NewConnectivity).
	Connectivity uint64 = 7
	// Quantise streams draw the stochastic rounding of quantised weights
	// (quant.Quantize).
	Quantise uint64 = 8
)

// Rounds of the Background streams (network.Inputs). A round names which
// trials a background is drawn for, so that training, validation and
// experiments never share one.
const (
	// InitialValidation is the round of the validation trials of the
	// weights training starts from.
	InitialValidation uint64 = math.MaxUint64
	// experimentRounds is the first round of recalls made outside
	// training; training's rounds stay below it.
	experimentRounds uint64 = 1 << 32
)

// TrainingRound returns the round of the training trials of epoch e
// (0-based); the Dropout streams of that epoch use round e itself.
func TrainingRound(e int) uint64 { return uint64(2 * e) }

// ValidationRound returns the round of the validation trials after epoch
// e (0-based); ValidationRound(epochs) is the recall after training.
func ValidationRound(e int) uint64 { return uint64(2*e + 1) }

// RecallRound returns round r of the recalls made by the benchmark and
// the experiments, apart from every round training uses (r = 0 is the
// recall of the initial weights).
func RecallRound(r uint64) uint64 { return experimentRounds + r }
