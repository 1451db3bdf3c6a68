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
	return network.CheckMemory(need, what, "lower --patterns, --neurons or --steps")
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
