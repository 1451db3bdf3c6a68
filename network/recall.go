package network

import (
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
		xs[m] = Cue(p, pat, rng.Stream(seed, rng.Background, round, uint64(m)))
	}
	return xs
}

// SimulateAll runs the trials xs on all cores and hands each state to use
// as soon as it is done, on the goroutine that made it, so that a large
// batch can be reduced without keeping every state in memory (to keep
// them, store st at index m). opt(m) gives the options of trial m (nil:
// no recording). The trials are independent and each is computed as by
// Simulate, so results do not depend on the number of cores.
func SimulateAll(w *Weights, p Params, xs []*raster.Raster, opt func(m int) Options, use func(m int, st *State) error) error {
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
		return use(m, s.run())
	})
}

// Recall cues every pattern of set once (background round `round`, see
// Inputs) and scores the replay: the validation trial of SPEC §4. It
// returns the pooled counts and those of each pattern; the trials are not
// kept, so memory does not grow with the number of patterns. To look at a
// trial, Simulate Inputs(p, set, seed, round)[m] with Options.Record.
func Recall(w *Weights, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, error) {
	if err := p.Validate(set.T); err != nil {
		return score.Counts{}, nil, err
	}
	if set.N != w.N {
		return score.Counts{}, nil, fmt.Errorf("patterns have %d neurons, weights have %d", set.N, w.N)
	}
	per := make([]score.Counts, set.M())
	err := SimulateAll(w, p, Inputs(p, set, seed, round), nil, func(m int, st *State) error {
		per[m] = st.Score(p, set.Patterns[m])
		return nil
	})
	var all score.Counts
	for _, c := range per {
		all = all.Add(c)
	}
	return all, per, err
}
