package study

import (
	"context"
	"fmt"
	"sync"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
)

// Stored is a network that holds a pattern set: the patterns of a
// benchmark and its initial or trained weights, ready to be cued.
type Stored struct {
	Bench    Benchmark
	Patterns *raster.Set
	Weights  *network.Weights
}

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
	w, _, _, err := b.initial(ctx, set)
	if err != nil {
		return nil, err
	}
	if trained && b.Train.Epochs > 0 {
		r, err := learn.NewRun(b.Train, b.Params, w, set)
		if err != nil {
			return nil, err
		}
		if err := learn.Train(ctx, r, set, "", nil); err != nil {
			return nil, err
		}
		w = r.Weights
	}
	return &Stored{Bench: b, Patterns: set, Weights: w}, nil
}

// Recall cues every pattern once with the background of the given round
// (fresh background for every round, independent of training's rounds)
// and scores the replay.
func (s *Stored) Recall(round uint64) (score.Result, error) {
	c, _, err := network.Recall(s.Weights, s.Bench.Params, s.Patterns, s.Bench.Seed, rng.RecallRound(round))
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
	err := network.SimulateAll(s.Weights, s.Bench.Params, xs, nil, func(m int, st *network.State) error {
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

// ForSeed returns b for the k-th independent run of a study: pattern seed
// b.Seed + k and training seed b.Train.Seed + k. Every study numbers its
// runs this way, so run k of two studies shares its pattern set.
func (b Benchmark) ForSeed(k int) Benchmark {
	b.Seed += uint64(k)
	b.Train.Seed += uint64(k)
	return b
}

// CueLen returns the number of cue steps of a trial of b: Trigger, or T
// when the pattern is shorter.
func (b Benchmark) CueLen() int { return min(b.Params.Trigger, b.Patterns.T) }

// RecallJob returns the job of one run of a study: store the patterns of
// b (training them when trained is true) and score one recall of every
// pattern (background round 0). Its seed is b.Seed.
func RecallJob(values []string, b Benchmark, trained bool) results.Job {
	return results.Job{Values: values, Seed: b.Seed, Run: func(ctx context.Context) (score.Result, error) {
		st, err := b.Store(ctx, trained)
		if err != nil {
			return score.Result{}, err
		}
		return st.Recall(0)
	}}
}

// Shared is the stored network of one seed, built on first use and shared
// by every later caller, for studies that cue one network many times.
type Shared struct {
	bench   Benchmark
	trained bool
	once    sync.Once
	st      *Stored
	err     error
}

// NewShared returns the network of b, to be stored (and, when trained is
// true, trained) by the first Get.
func NewShared(b Benchmark, trained bool) *Shared {
	return &Shared{bench: b, trained: trained}
}

// Bench returns the benchmark of the network.
func (l *Shared) Bench() Benchmark { return l.bench }

// Get returns the network, storing it on the first call. The context of
// the first caller governs the build.
func (l *Shared) Get(ctx context.Context) (*Stored, error) {
	l.once.Do(func() {
		l.st, l.err = l.bench.Store(ctx, l.trained)
		if l.err != nil {
			l.err = fmt.Errorf("storing the network of seed %d: %w", l.bench.Seed, l.err)
		}
	})
	return l.st, l.err
}

// Settings are what the rows of a study depend on beyond their columns:
// the benchmark and whether its networks are trained. Studies record them
// beside their CSV (results.Table.Settings), so a CSV made at one size is
// never resumed at another.
type Settings struct {
	Benchmark Benchmark `json:"benchmark"`
	Trained   bool      `json:"trained"`
}
