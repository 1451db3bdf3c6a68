package raster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
)

// Config describes a set of synthetic patterns (SPEC §1): M rasters of N
// neurons over T steps whose entries are independent Bernoulli(P) draws.
type Config struct {
	// M, N and T are the number of patterns, neurons and steps.
	M, N, T int
	// P is the probability that a neuron spikes at a step; 1e-3 is a rate
	// of 1 Hz at 1 ms steps.
	P float64
	// Periodic, when D > 0, makes the last D steps repeat the first D, so
	// that the pattern can be replayed in a loop of period T−D: only the
	// first T−D steps are drawn and step t ≥ T−D copies step t−(T−D).
	Periodic int
	// Refractory, when R > 0, is the minimum interval in steps between two
	// spikes of a neuron: a spike less than R steps after the previous
	// kept spike of its neuron is dropped. With Periodic it holds across
	// the loop too. It lowers the rate below P.
	Refractory int
}

// Validate reports whether c describes a set that Generate can draw.
func (c Config) Validate() error {
	switch {
	case c.M <= 0:
		return fmt.Errorf("raster: M = %d patterns; set M to at least 1", c.M)
	case c.N <= 0:
		return fmt.Errorf("raster: N = %d neurons; set N to at least 1", c.N)
	case c.N-1 > math.MaxInt32:
		return fmt.Errorf("raster: N = %d neurons do not fit 32-bit neuron indices; set N ≤ %d", c.N, int64(math.MaxInt32)+1)
	case c.T <= 0:
		return fmt.Errorf("raster: T = %d steps; set T to at least 1", c.T)
	case !(c.P > 0 && c.P < 1): // also rejects NaN
		return fmt.Errorf("raster: P = %v is not a spike probability; set 0 < P < 1 (1e-3 is 1 Hz at 1 ms steps)", c.P)
	case c.Periodic < 0 || c.Periodic >= c.T:
		return fmt.Errorf("raster: Periodic = %d is outside [0, T) with T = %d; set it to the number of delays D to loop the pattern, or 0", c.Periodic, c.T)
	case c.Refractory < 0:
		return fmt.Errorf("raster: Refractory = %d is negative; set a minimum inter-spike interval in steps, or 0 for none", c.Refractory)
	case c.Periodic > 0 && c.Refractory > c.T-c.Periodic:
		return fmt.Errorf("raster: Refractory = %d exceeds the loop period T − Periodic = %d, so no spike could repeat; lower Refractory or Periodic", c.Refractory, c.T-c.Periodic)
	}
	return nil
}

// Generate draws the pattern set c describes. Pattern μ draws from its
// own generator, rng.Stream(seed, rng.Patterns, μ), one Float64 per neuron
// and drawn step, neuron-major (for each neuron i, for each step t): a
// spike when the draw is below P. No transcendental function is involved,
// so the same seed gives the same set on every machine, and patterns,
// drawn in parallel, do not depend on the number of goroutines. One draw
// per entry costs about 25 ms for 16 × 512 × 1000 entries; geometric
// skipping would need math.Log, whose last bit may differ between
// architectures.
//
// Without Periodic and Refractory, pattern μ equals
// Bernoulli(rng.Stream(seed, rng.Patterns, μ), N, T, P).
func Generate(c Config, seed uint64) (*Set, error) {
	return GenerateContext(context.Background(), c, seed)
}

// GenerateContext is Generate that stops, returning ctx.Err(), soon after
// ctx is cancelled (it checks every 64 neurons of a pattern).
func GenerateContext(ctx context.Context, c Config, seed uint64) (*Set, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s := &Set{N: c.N, T: c.T, Patterns: make([]*Raster, c.M)}
	err := parallel.For(c.M, func(mu int) error {
		var err error
		s.Patterns[mu], err = c.draw(ctx, rng.Stream(seed, rng.Patterns, uint64(mu)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// draw draws one pattern from rng.
func (c Config) draw(ctx context.Context, rng *rand.Rand) (*Raster, error) {
	r := New(c.N, c.T)
	period := c.T - c.Periodic
	var spikes []int
	for i := range c.N {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		spikes = spikes[:0]
		for t := range period {
			if rng.Float64() < c.P {
				spikes = append(spikes, t)
			}
		}
		spikes = refractory(spikes, c.Refractory, period, c.Periodic > 0)
		for _, t := range spikes {
			for u := t; u < c.T; u += period {
				r.Steps[u] = append(r.Steps[u], int32(i))
			}
		}
	}
	return r, nil
}

// refractory drops, in place, every spike time less than r steps after
// the previous kept one. If loop is set, the times repeat with the given
// period, and trailing spikes less than r steps before the first one's
// repetition are dropped too; r ≤ period is assumed.
func refractory(spikes []int, r, period int, loop bool) []int {
	if r <= 1 || len(spikes) == 0 {
		return spikes
	}
	kept := spikes[:1]
	for _, t := range spikes[1:] {
		if t-kept[len(kept)-1] >= r {
			kept = append(kept, t)
		}
	}
	if loop {
		for len(kept) > 1 && kept[0]+period-kept[len(kept)-1] < r {
			kept = kept[:len(kept)-1]
		}
	}
	return kept
}

// Bernoulli returns a raster of n neurons and t steps whose entries are
// independent Bernoulli(p) draws from rng, one Float64 per entry in
// neuron-major order (for each neuron, for each step): a spike when the
// draw is below p. It serves for background noise; p ≤ 0 gives no spikes
// and p ≥ 1 spikes everywhere, but the draws are made regardless.
func Bernoulli(rng *rand.Rand, n, t int, p float64) *Raster {
	r := New(n, t)
	for i := range n {
		for s := range t {
			if rng.Float64() < p {
				r.Steps[s] = append(r.Steps[s], int32(i))
			}
		}
	}
	return r
}
