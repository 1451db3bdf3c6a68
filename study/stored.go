package study

import (
	"context"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Stored is a network that holds a pattern set: the patterns of a
// benchmark and its initial or trained weights, ready to be cued. The
// weights are dense (Weights) or, when the benchmark keeps sparse
// weights, Sparse; the other is nil.
type Stored struct {
	Bench    Benchmark
	Patterns *raster.Set
	Weights  *network.Weights
	Sparse   *network.Sparse
}

// Synapses returns the weights, dense or sparse.
func (s *Stored) Synapses() network.Synapses { return synapses(s.Weights, s.Sparse) }

// Store generates the patterns of b (seed b.Seed), initialises the
// weights and, when trained is true, trains them for b.Train.Epochs
// without checkpoints.
func (b Benchmark) Store(ctx context.Context, trained bool) (*Stored, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	set, err := raster.GenerateContext(ctx, b.Patterns, b.Seed)
	if err != nil {
		return nil, err
	}
	w, sw, _, _, err := b.initial(ctx, set)
	if err != nil {
		return nil, err
	}
	if trained && b.Train.Epochs > 0 {
		r, err := learn.NewRun(b.Train, b.Params, synapses(w, sw), set)
		if err != nil {
			return nil, err
		}
		if err := learn.Train(ctx, r, set, "", nil); err != nil {
			return nil, err
		}
		w, sw = r.Weights, r.Sparse
	}
	return &Stored{Bench: b, Patterns: set, Weights: w, Sparse: sw}, nil
}

// Recall cues every pattern once with the background of the given round
// (fresh background for every round, independent of training's rounds)
// and scores the replay.
func (s *Stored) Recall(round uint64) (score.Result, error) {
	c, _, err := network.Recall(s.Synapses(), s.Bench.Params, s.Patterns, s.Bench.Seed, rng.RecallRound(round))
	return c.Result(), err
}

// Inputs returns the clamp inputs of a recall of every pattern with the
// background of the given round, for experiments that alter the cue.
func (s *Stored) Inputs(round uint64) []*raster.Raster {
	return network.Inputs(s.Bench.Params, s.Patterns, s.Bench.Seed, rng.RecallRound(round))
}

// RecallInputs runs the given clamp inputs and scores the replay.
func (s *Stored) RecallInputs(xs []*raster.Raster) (score.Result, error) {
	var c score.Counts
	per := make([]score.Counts, len(xs))
	err := network.SimulateAll(s.Synapses(), s.Bench.Params, xs, nil, func(m int, st *network.State) error {
		per[m] = st.Score(s.Bench.Params, s.Patterns.Patterns[m])
		return nil
	})
	for _, pc := range per {
		c = c.Add(pc)
	}
	return c.Result(), err
}

// Quick returns b shrunk to the quick preset, for a study that finishes in
// seconds: N = 128, M = 4, T = 200, D = 20, p_A = 5e-3, 4 epochs. The
// neuron and training settings other than these are kept.
func (b Benchmark) Quick() Benchmark {
	b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Patterns.P = 128, 4, 200, 5e-3
	b.Params.D, b.Params.Trigger, b.Params.PA = 20, 20, 5e-3
	b.Params.Pre, b.Params.Post = 10, 10
	b.Init = initw.Defaults()
	b.Train.Epochs = 4
	return b
}

// QuickSeeds is the number of seeds a quick study uses unless told
// otherwise.
const QuickSeeds = 3
