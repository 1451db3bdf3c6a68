package prune

import (
	"context"
	"fmt"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// The defaults of a refinement, measured at the benchmark (N = 512,
// M = 16, T = 1000, D = 41) with one delay per connection: at 1e-2 Adam
// blows the network up into saturation within 25 epochs; at 5e-3 F1 climbs
// steadily and levels off by epoch 200.
const (
	DefaultRefineEpochs = 200
	DefaultRefineLR     = 5e-3
)

// RefineConfig returns the training Refine uses: the library's default
// (Adam, sparse surrogate gradients of support 0.5, keeping the best
// epoch) at learning rate lr, held for all but the last eighth of the
// epochs and then cosine-annealed towards 1e-4.
func RefineConfig(epochs int, lr float64) learn.Config {
	c := learn.DefaultConfig()
	c.Epochs, c.Warmup, c.LR, c.KeepBest = epochs, epochs-epochs/8, lr, true
	c.FinalLR = min(c.FinalLR, lr)
	return c
}

// Refinement is the outcome of Refine.
type Refinement struct {
	// Weights are the refined weights: the kept synapses of the pruned
	// weights, with the weights of the best epoch.
	Weights *network.Sparse
	// Before is the validation score of the pruned weights, After that of
	// the refined ones on the same trials (the background round of the
	// final recall, fresh for both).
	Before, After score.Result
	// BestEpoch is the epoch whose weights were kept (0: the pruned ones).
	BestEpoch int
	// History has one record per epoch trained.
	History []learn.Epoch
}

// Refine trains the stored synapses of s, and only those, on the patterns
// of set (learn.Run on sparse weights: the connectivity stays fixed and
// the gradient has one value per entry) with cfg, keeping the weights of
// the epoch that recalled best (cfg.KeepBest is forced on). s is not
// modified. Before and After are scored on one fresh background round
// (seed cfg.Seed, round learn's final validation round), so they compare
// like with like. onEpoch, if not nil, is called after every epoch.
func Refine(ctx context.Context, s *network.Sparse, p network.Params, set *raster.Set, cfg learn.Config, onEpoch func(learn.Epoch)) (*Refinement, error) {
	cfg.KeepBest = true
	run, err := learn.NewRun(cfg, p, s.Clone(), set)
	if err != nil {
		return nil, fmt.Errorf("refine: %w", err)
	}
	round := rng.ValidationRound(cfg.Epochs)
	before, _, err := network.RecallContext(ctx, s, p, set, cfg.Seed, round)
	if err != nil {
		return nil, fmt.Errorf("refine: recall of the pruned weights: %w", err)
	}
	if err := learn.TrainWith(ctx, run, set, learn.TrainOptions{OnEpoch: onEpoch}); err != nil {
		return nil, fmt.Errorf("refine: %w", err)
	}
	after, _, err := network.RecallContext(ctx, run.Sparse, p, set, cfg.Seed, round)
	if err != nil {
		return nil, fmt.Errorf("refine: recall of the refined weights: %w", err)
	}
	return &Refinement{Weights: run.Sparse, Before: before.Result(), After: after.Result(), BestEpoch: run.BestEpoch, History: run.History}, nil
}
