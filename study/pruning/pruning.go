// Package pruning measures cued recall against the budgets of
// neuromorphic hardware: the weights of every seed are pruned to a kept
// fraction of their synapses (largest |w|) or to k delays per (post, pre)
// connection (package prune), recalled, refined by training the kept
// synapses alone (prune.Refine) and recalled again, one results row per
// (budget, value, stage, seed).
package pruning

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// The budgets the experiment varies, the values of the budget column.
const (
	// Keep keeps a fraction of the synapses, the largest |w|.
	Keep = "keep"
	// Delays keeps k delays per connection, the largest |w|.
	Delays = "delays"
)

// The stages, the values of the stage column.
const (
	// Pruned scores the pruned weights.
	Pruned = "pruned"
	// Refined scores them after refinement.
	Refined = "refined"
)

// DefaultKeep returns the kept fractions 1, 0.5, 0.3, 0.2, 0.1, 0.05.
func DefaultKeep() []float64 { return []float64{1, 0.5, 0.3, 0.2, 0.1, 0.05} }

// DefaultDelays returns k = 1, 2, 3, 4 delays per connection.
func DefaultDelays() []int { return []int{1, 2, 3, 4} }

// Config describes a pruning experiment.
type Config struct {
	// Base is the benchmark of the weights (initial, not trained); seed s
	// is Base.ForSeed(s).
	Base study.Benchmark
	// Keep are the kept fractions (nil: DefaultKeep), Delays the delays
	// per connection (nil: DefaultDelays).
	Keep   []float64
	Delays []int
	// Refine is the refinement; its Seed is replaced by the network's.
	Refine learn.Config
	// Seeds is the number of independent networks.
	Seeds int
}

// Columns returns the parameter columns of the CSV.
func Columns() []string { return []string{"budget", "value", "stage"} }

// Budget returns the budget of a (budget, value) pair of the CSV.
func Budget(kind string, value float64) prune.Budget {
	if kind == Delays {
		return prune.Budget{DelaysPerConnection: int(value)}
	}
	return prune.Budget{Keep: value}
}

// Jobs returns one job per (budget, value, stage, seed). Each network is
// stored once, by the first job that needs it; every job prunes it (in
// milliseconds) and recalls it with the background of round 0, the same
// for every job of a seed.
func Jobs(c Config) ([]results.Job, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if err := c.Base.Validate(); err != nil {
		return nil, err
	}
	if err := c.Refine.Validate(); err != nil {
		return nil, fmt.Errorf("refinement: %w", err)
	}
	keep, delays := c.Keep, c.Delays
	if keep == nil {
		keep = DefaultKeep()
	}
	if delays == nil {
		delays = DefaultDelays()
	}
	type point struct {
		kind  string
		value float64
	}
	var points []point
	for _, f := range keep {
		if !(f > 0 && f <= 1) {
			return nil, fmt.Errorf("kept fraction %v: must be in (0, 1]", f)
		}
		points = append(points, point{Keep, f})
	}
	for _, k := range delays {
		if k < 1 {
			return nil, fmt.Errorf("%d delays per connection: need at least 1", k)
		}
		points = append(points, point{Delays, float64(k)})
	}
	nets := make([]*study.Shared, c.Seeds)
	for s := range nets {
		nets[s] = study.NewShared(c.Base.ForSeed(s), false)
	}
	var jobs []results.Job
	for _, pt := range points {
		for _, stage := range []string{Pruned, Refined} {
			for _, net := range nets {
				seed := net.Bench().Seed
				jobs = append(jobs, results.Job{
					Values: []string{pt.kind, strconv.FormatFloat(pt.value, 'g', -1, 64), stage},
					Seed:   seed,
					Run: func(ctx context.Context) (score.Result, error) {
						st, err := net.Get(ctx)
						if err != nil {
							return score.Result{}, err
						}
						s, err := Prune(st, Budget(pt.kind, pt.value))
						if err != nil {
							return score.Result{}, err
						}
						if stage == Refined {
							cfg := c.Refine
							cfg.Seed = seed
							r, err := prune.Refine(ctx, s, st.Bench.Params, st.Patterns, cfg, nil)
							if err != nil {
								return score.Result{}, err
							}
							s = r.Weights
						}
						kept := &study.Stored{Bench: st.Bench, Patterns: st.Patterns, Sparse: s}
						return kept.RecallInputs(st.Inputs(0))
					},
				})
			}
		}
	}
	return jobs, nil
}

// Prune returns the weights of st, as sparse weights, pruned to b.
func Prune(st *study.Stored, b prune.Budget) (*network.Sparse, error) {
	s := st.Sparse
	if s == nil {
		s = st.Weights.Sparse()
	}
	return prune.Apply(s, b)
}

// Run runs the experiment and keeps its results CSV at path, resuming
// from the rows already there.
func Run(ctx context.Context, c Config, path string, progress func(done, total int)) ([]results.Row, error) {
	jobs, err := Jobs(c)
	if err != nil {
		return nil, err
	}
	type settings struct {
		study.Settings
		Refine learn.Config `json:"refine"`
	}
	tab := results.Table{Path: path, Columns: Columns(), Settings: settings{Settings: study.Settings{Benchmark: c.Base}, Refine: c.Refine}}
	return results.Sweep(ctx, tab, jobs, progress)
}
