package main

import (
	"fmt"
	"runtime"
	"strconv"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/scan"
)

// checkRuns refuses a grid point b of an experiment when the runs that go
// on at once (one per core, at most runs) would not fit in memory: their
// weights (five tensors each, as Benchmark.Validate counts), patterns and
// trials. fix names the flag to change.
func checkRuns(b study.Benchmark, runs int, fix string) error {
	c, p := b.Patterns, b.Params
	if c.M <= 0 || c.N <= 0 || c.T <= 0 || p.D <= 0 {
		return nil // refused with a message by the experiment's own checks
	}
	at := float64(max(1, min(runs, runtime.GOMAXPROCS(0))))
	l := p.Len(c.T)
	chunk := min(c.M, max(b.Train.Chunk, 1))
	weights := 5 * 8 * float64(c.N) * float64(c.N) * float64(p.D)
	if b.Sparse {
		// At most N·K·D entries (N·N·D without a fan-in), twice while
		// they are built; training adds a gradient, two moments and the
		// best weights per entry.
		k := c.N
		if b.FanIn > 0 {
			k = b.FanIn
		}
		entries := int64(c.N) * int64(k) * int64(p.D)
		weights = 2 * network.SparseBytes(c.N, p.D, entries)
		if b.Train.Epochs > 0 {
			weights += 4 * 8 * float64(entries)
		} else {
			chunk = 1
		}
	}
	one := weights + 2*rasterBytes(c.M, c.N, c.T) + 3*rasterBytes(c.M, 0, l) + 24*float64(chunk)*float64(c.N)*float64(l)
	what := fmt.Sprintf("%g runs at once of N = %d, D = %d, M = %d, T = %d", at, c.N, p.D, c.M, c.T)
	return network.CheckMemory(at*one, what, fix)
}

// checkScan refuses a scan whose largest size would not fit in memory.
func checkScan(b study.Benchmark, param scan.Param, values []string, seeds int) error {
	for _, v := range values {
		x, err := strconv.Atoi(v)
		if err != nil {
			continue // not a size
		}
		bv := b
		switch param {
		case scan.Neurons:
			bv.Patterns.N = x
		case scan.Delays:
			bv.Params.D = x
		case scan.Patterns:
			bv.Patterns.M = x
		case scan.Steps:
			bv.Patterns.T = x
		default:
			return nil
		}
		if err := checkRuns(bv, seeds*len(values), "drop "+v+" from --values"); err != nil {
			return fmt.Errorf("--values %s: %w", v, err)
		}
	}
	return nil
}
