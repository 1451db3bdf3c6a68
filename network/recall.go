package network

import (
	"context"
	"fmt"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Inputs returns the clamp input of a cued-recall trial of every pattern
// in set. The background of pattern μ is drawn from its own stream
// (seed, round, μ), so a new round gives fresh background and the same
// round gives the same inputs on every machine.
func Inputs(p Params, set *raster.Set, seed, round uint64) []*raster.Raster {
	xs := make([]*raster.Raster, set.M())
	for m, pat := range set.Patterns {
		xs[m], _ = Cue(p, pat, rng.Stream(seed, rng.Background, round, uint64(m))) // bg is not nil
	}
	return xs
}

// SimulateAll runs the trials xs on all cores and hands each state to use
// as soon as it is done, on the goroutine that made it, so that a large
// batch can be reduced without keeping every state in memory (to keep
// them, store st at index m). opt(m) gives the options of trial m (nil:
// no recording). The trials are independent and each is computed as by
// Simulate, so results do not depend on the number of cores.
func SimulateAll(w Synapses, p Params, xs []*raster.Raster, opt func(m int) Options, use func(m int, st *State) error) error {
	return SimulateAllContext(context.Background(), w, p, xs, opt, use)
}

// SimulateAllContext is SimulateAll that stops, returning ctx.Err(), soon
// after ctx is cancelled (checked every 64 steps of a trial); no new trial
// starts after one has failed.
func SimulateAllContext(ctx context.Context, w Synapses, p Params, xs []*raster.Raster, opt func(m int) Options, use func(m int, st *State) error) error {
	tot := &totals{w: w}
	return parallel.For(len(xs), func(m int) error {
		var o Options
		if opt != nil {
			o = opt(m)
		}
		s, err := newStepper(w, p, xs[m], o, tot)
		if err != nil {
			return fmt.Errorf("trial %d: %w", m, err)
		}
		st, err := s.runContext(ctx)
		if err != nil {
			return err
		}
		return use(m, st)
	})
}

// Recall cues every pattern of set once (background round `round`, see
// Inputs) and scores the replay: the validation trial of SPEC §4. It
// returns the pooled counts and those of each pattern; the trials are not
// kept, so memory does not grow with the number of patterns. To look at a
// trial, Simulate Inputs(p, set, seed, round)[m] with Options.Record.
func Recall(w Synapses, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, error) {
	return RecallContext(context.Background(), w, p, set, seed, round)
}

// RecallContext is Recall that stops, returning ctx.Err(), soon after ctx
// is cancelled.
func RecallContext(ctx context.Context, w Synapses, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, error) {
	all, per, _, err := RecallCost(ctx, w, p, set, seed, round)
	return all, per, err
}

// Cost is what the trials of a recall cost, summed over its patterns.
type Cost struct {
	// SynOps counts synaptic operations (State.SynOps).
	SynOps int64 `json:"synops"`
	// Events counts the synaptic events the simulation processed
	// (State.Events).
	Events int64 `json:"synaptic_events"`
}

// Add returns the sum of two costs.
func (c Cost) Add(o Cost) Cost { return Cost{SynOps: c.SynOps + o.SynOps, Events: c.Events + o.Events} }

// RecallCost is RecallContext that also returns the cost of the trials.
func RecallCost(ctx context.Context, w Synapses, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, Cost, error) {
	if err := p.Validate(set.T); err != nil {
		return score.Counts{}, nil, Cost{}, err
	}
	if n, _ := w.Size(); set.N != n {
		return score.Counts{}, nil, Cost{}, fmt.Errorf("patterns have %d neurons, weights have %d", set.N, n)
	}
	per := make([]score.Counts, set.M())
	costs := make([]Cost, set.M())
	err := SimulateAllContext(ctx, w, p, Inputs(p, set, seed, round), nil, func(m int, st *State) error {
		per[m] = st.Score(p, set.Patterns[m])
		costs[m] = Cost{SynOps: st.SynOps, Events: st.Events}
		return nil
	})
	var all score.Counts
	var cost Cost
	for m, c := range per {
		all = all.Add(c)
		cost = cost.Add(costs[m])
	}
	return all, per, cost, err
}
