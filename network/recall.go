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
	err := EachTrial(w, p, xs, opt, func(m int, st *State) error {
		states[m] = st
		return nil
	})
	return states, err
}

// EachTrial runs every input on all cores and hands each state to use as
// soon as it is done, on the goroutine that made it, so that a large batch
// can be reduced without keeping every state in memory. opt(m) gives the
// options of trial m (nil: no recording).
func EachTrial(w *Weights, p Params, xs []*raster.Raster, opt func(m int) Options, use func(m int, st *State) error) error {
	tot := &totals{w: w}
	return parallel.For(len(xs), func(m int) error {
		var o Options
		if opt != nil {
			o = opt(m)
		}
		st, err := simulate(w, p, xs[m], o, tot)
		if err != nil {
			return fmt.Errorf("trial %d: %w", m, err)
		}
		return use(m, st)
	})
}

// Counts runs every input without keeping the states and returns the
// pooled counts and those of each trial against its pattern.
func Counts(w *Weights, p Params, set *raster.Set, xs []*raster.Raster, opt func(m int) Options) (score.Counts, []score.Counts, error) {
	from, to := p.ScoredRange(set.T)
	per := make([]score.Counts, len(xs))
	err := EachTrial(w, p, xs, opt, func(m int, st *State) error {
		per[m] = score.Steps(st.Spikes, set.Patterns[m], p.Pre, from, to)
		return nil
	})
	var all score.Counts
	for _, c := range per {
		all = all.Add(c)
	}
	return all, per, err
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
// scores the replay: the validation trial of SPEC §4. It returns the
// pooled counts and those of each pattern; the trials are not kept, so
// memory does not grow with the number of patterns (Trial replays one).
func Recall(w *Weights, p Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, error) {
	if err := p.Validate(set.T); err != nil {
		return score.Counts{}, nil, err
	}
	if set.N != w.N {
		return score.Counts{}, nil, fmt.Errorf("patterns have %d neurons, weights have %d", set.N, w.N)
	}
	return Counts(w, p, set, Inputs(p, set, seed, round), nil)
}

// Trial replays the recall trial of pattern m of Recall with the same
// seed and round, recording currents and membranes.
func Trial(w *Weights, p Params, set *raster.Set, m int, seed, round uint64) (*State, error) {
	x := Cue(p, set.Patterns[m], rng.Stream(seed, rng.Background, round, uint64(m)))
	return Simulate(w, p, x, Options{Record: true})
}
