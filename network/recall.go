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

// SimulateAll runs every input on all cores and returns the states in
// input order. opt(m) gives the options of trial m (nil: no recording).
func SimulateAll(w *Weights, p Params, xs []*raster.Raster, opt func(m int) Options) ([]*State, error) {
	states := make([]*State, len(xs))
	err := parallel.For(len(xs), func(m int) error {
		var o Options
		if opt != nil {
			o = opt(m)
		}
		st, err := Simulate(w, p, xs[m], o)
		if err != nil {
			return fmt.Errorf("trial %d: %w", m, err)
		}
		states[m] = st
		return nil
	})
	return states, err
}

// Score compares the spikes of each trial with its pattern over the
// scored steps and returns the pooled counts and those of each pattern.
func Score(p Params, set *raster.Set, states []*State) (score.Counts, []score.Counts) {
	from, to := p.ScoredRange(set.T)
	var all score.Counts
	per := make([]score.Counts, len(states))
	for m, st := range states {
		per[m] = score.Steps(st.Spikes, set.Patterns[m], p.Pre, from, to)
		all = all.Add(per[m])
	}
	return all, per
}

// Recall cues every pattern of set once (background round `round`) and
// scores the replay. It is the validation trial of SPEC §4.
func Recall(w *Weights, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, []*State, error) {
	if err := p.Validate(set.T); err != nil {
		return score.Counts{}, nil, nil, err
	}
	if set.N != w.N {
		return score.Counts{}, nil, nil, fmt.Errorf("patterns have %d neurons, weights have %d", set.N, w.N)
	}
	states, err := SimulateAll(w, p, Inputs(p, set, seed, round), nil)
	if err != nil {
		return score.Counts{}, nil, nil, err
	}
	all, per := Score(p, set, states)
	return all, per, states, nil
}
