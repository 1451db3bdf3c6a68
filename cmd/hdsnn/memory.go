package main

import (
	"fmt"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/study"
)

// The estimates below are what a command allocates for the sizes a user
// controls; each is checked with network.CheckMemory before any of it is
// allocated, so that a size beyond the machine is refused at once with
// the estimate and the flag to change, instead of killing the process.

// rasterBytes estimates m rasters of n neurons × t steps: a dense uint8
// copy (as read from or written to .npy) and a step list per step.
func rasterBytes(m, n, t int) float64 {
	return float64(m)*float64(n)*float64(t) + 24*float64(m)*float64(t)
}

// checkPatterns refuses m patterns of n neurons × t steps that would not
// fit; fix names the flags or file to change.
func checkPatterns(m, n, t int, fix string) error {
	what := fmt.Sprintf("%d patterns of %d neurons × %d steps", m, n, t)
	return network.CheckMemory(2*rasterBytes(m, n, t), what, fix)
}

// checkTrials refuses m trials of n neurons × l steps, with recorded
// membranes and currents (16 bytes per entry) when record is set, and
// their (M, N, L) output arrays.
func checkTrials(m, n, l int, record bool, fix string) error {
	perEntry := 1.0 // the uint8 spikes array
	if record {
		perEntry += 32 // recorded u and I, and their float64 arrays
	}
	need := 3*rasterBytes(m, 0, l) + perEntry*float64(m)*float64(n)*float64(l)
	return network.CheckMemory(need, fmt.Sprintf("%d trials of %d neurons × %d steps", m, n, l), fix)
}

// checkBenchmark refuses a benchmark whose patterns, trials or training
// would not fit (the weights are checked by Benchmark.Validate).
func checkBenchmark(b study.Benchmark) error {
	c, p := b.Patterns, b.Params
	l := p.Len(c.T)
	chunk := min(c.M, max(b.Train.Chunk, 1))
	if b.Train.Epochs == 0 {
		chunk = 1 // no training: the recorded final trial of one pattern
	}
	// Patterns and their cues, and the recorded membranes (and
	// gradients) of one chunk of training trials.
	need := 2*rasterBytes(c.M, c.N, c.T) + 3*rasterBytes(c.M, 0, l) + 24*float64(chunk)*float64(c.N)*float64(l)
	what := fmt.Sprintf("%d patterns of %d neurons × %d steps (with their trials)", c.M, c.N, c.T)
	fix := "lower --patterns, --neurons or --steps"
	if b.Sparse {
		// Initialisation checks its own bound once the patterns exist;
		// this refuses at once, before any output, sizes whose expected
		// weights alone would not fit.
		need += sparseExpected(b)
		what = fmt.Sprintf("sparse weights of N = %d, D = %d for %d patterns of %d steps (expected size)", c.N, p.D, c.M, c.T)
		fix = "use a smaller --fan-in, fewer neurons, patterns, steps or delays"
	}
	return network.CheckMemory(need, what, fix)
}

// sparseExpected is the expected memory of the sparse Hebbian weights of
// b and, when it trains, of their gradient, optimiser moments and best
// copy: a target spike receives from the spikes of the D steps before it,
// so a pattern stores about T · (N·p_A) · (D·N·p_A) synapses, at most
// N·K·D (N·N·D without a fan-in).
func sparseExpected(b study.Benchmark) float64 {
	c, d := b.Patterns, float64(b.Params.D)
	n := float64(c.N)
	spikes := n * c.P
	entries := float64(c.M) * float64(c.T) * spikes * d * spikes
	k := n
	if b.FanIn > 0 {
		k = float64(b.FanIn)
	}
	entries = min(entries, n*k*d)
	perEntry := 2 * 12.0 // built, then held: an int32 index and a float64 weight
	if b.Train.Epochs > 0 {
		perEntry += 4 * 8 // gradient, two moments, best weights
	}
	return perEntry * entries
}

// checkWeightsFile reads the header of the weights file at path and
// refuses it, before reading the data, when it is not (N, N, D) or when
// copies tensors of its size, plus the one being read, would not fit.
func checkWeightsFile(flag, path string, copies int) error {
	shape, _, err := npy.Header(path)
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	if len(shape) != 3 || shape[0] != shape[1] || shape[0] == 0 || shape[2] == 0 {
		return fmt.Errorf("%s: %s: weights must have shape (N, N, D) [post, pre, delay], got %s (%w)", flag, path, npy.FormatShape(shape), npy.ErrShape)
	}
	if err := network.CheckFits(shape[0], shape[2], copies+1); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}
