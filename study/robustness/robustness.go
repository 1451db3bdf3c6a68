// Package robustness measures recall from perturbed cues: every pattern
// of a stored network is cued with its cue flipped, truncated, silenced or
// jittered, or with its whole input flipped as in the published protocol
// (package perturb), at a range of levels, one results row per (kind,
// level, seed).
package robustness

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// robustnessTag names the robustness experiment's random streams, so that
// they never coincide with those of other experiments.
const robustnessTag uint64 = 0x726f627573740000 // "robust"

// Levels returns the default levels of a perturbation for the
// benchmark b: flip and flip-input p ∈ {0, 0.05, 0.1, 0.25, 0.5, 0.75, 1}; truncate k =
// 0 … Trigger steps kept (every step, or about 8 values with quick; k =
// Trigger is the intact cue); silence n = 0 … N neurons in 8 equal steps;
// jitter k ∈ {0, 1, 2, 3, 5, 8} steps.
func Levels(kind perturb.Kind, b study.Benchmark, quick bool) ([]float64, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("cue perturbation %v is not known; use one of %v", kind, perturb.Kinds())
	}
	cue := b.CueLen()
	var lv []float64
	switch kind {
	case perturb.Flip, perturb.FlipInput:
		lv = []float64{0, 0.05, 0.1, 0.25, 0.5, 0.75, 1}
	case perturb.Truncate:
		if quick && cue > 7 {
			for i := 0; i <= 7; i++ {
				lv = append(lv, math.Round(float64(i*cue)/7))
			}
		} else {
			for k := 0; k <= cue; k++ {
				lv = append(lv, float64(k))
			}
		}
	case perturb.Silence:
		n := b.Patterns.N
		for i := 0; i <= 8; i++ {
			lv = append(lv, math.Round(float64(i*n)/8))
		}
	case perturb.Jitter:
		lv = []float64{0, 1, 2, 3, 5, 8}
	}
	return slices.Compact(lv), nil
}

// Config describes a cue-robustness experiment.
type Config struct {
	// Base is the benchmark; seed s is Base.ForSeed(s).
	Base study.Benchmark
	// Kinds are the perturbations to run (nil: all of perturb.Kinds).
	Kinds []perturb.Kind
	// Levels overrides the levels of a kind (absent: Levels).
	Levels map[perturb.Kind][]float64
	// Quick selects the small default grids.
	Quick bool
	// Seeds is the number of independent networks.
	Seeds int
	// Trained trains every network before its cues are perturbed;
	// otherwise the initial weights are used. Training follows
	// Base.Train; set its KeepBest to false to train every epoch and keep
	// the last weights, as the published protocol (and hdsnn experiment
	// robustness) does: a keep-best run on a perfectly recalled set stops
	// at once and keeps the initial weights, which are far less robust.
	Trained bool
}

// Columns returns the parameter columns of the robustness CSV.
func Columns() []string { return []string{"kind", "level"} }

// Jobs returns one job per (kind, level, seed), in that order.
// The network of each seed is stored (and trained) once, by the first of
// its jobs to run, and shared by the others; a resumed sweep whose rows
// of a seed are all done never builds it. Every level of a seed is cued
// with the same background, so levels are compared on the same trials.
func Jobs(c Config) ([]results.Job, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if err := c.Base.Validate(); err != nil {
		return nil, err
	}
	kinds := c.Kinds
	if len(kinds) == 0 {
		kinds = perturb.Kinds()
	}
	nets := make([]*study.Shared, c.Seeds)
	for s := range nets {
		nets[s] = study.NewShared(c.Base.ForSeed(s), c.Trained)
	}
	var jobs []results.Job
	for _, kind := range kinds {
		levels, ok := c.Levels[kind]
		if !ok {
			var err error
			if levels, err = Levels(kind, c.Base, c.Quick); err != nil {
				return nil, err
			}
		}
		ki := uint64(kind) // names its random streams
		if len(levels) == 0 {
			return nil, fmt.Errorf("%s: no levels", kind)
		}
		for _, level := range levels {
			if err := kind.CheckLevel(level, c.Base.CueLen(), c.Base.Patterns.N); err != nil {
				return nil, err
			}
			for _, net := range nets {
				seed := net.Bench().Seed
				jobs = append(jobs, results.Job{
					Values: []string{kind.String(), strconv.FormatFloat(level, 'g', -1, 64)},
					Seed:   seed,
					Run: func(ctx context.Context) (score.Result, error) {
						st, err := net.Get(ctx)
						if err != nil {
							return score.Result{}, err
						}
						xs, err := Inputs(st, kind, level, stream(seed, ki, level))
						if err != nil {
							return score.Result{}, err
						}
						return st.RecallInputs(xs)
					},
				})
			}
		}
	}
	return jobs, nil
}

// Run runs the cue-robustness experiment and keeps its results CSV at
// path (columns kind, level), resuming from the rows already there.
func Run(ctx context.Context, c Config, path string, progress func(done, total int)) ([]results.Row, error) {
	jobs, err := Jobs(c)
	if err != nil {
		return nil, err
	}
	tab := results.Table{Path: path, Columns: Columns(), Settings: study.Settings{Benchmark: c.Base, Trained: c.Trained}}
	return results.Sweep(ctx, tab, jobs, progress)
}

// stream returns the generator maker of one (seed, kind, level):
// part μ gives the stream of pattern μ's cue; part −1 (as uint64) the
// seed's silencing permutation, shared by every level.
func stream(seed, kind uint64, level float64) func(part uint64) *rand.Rand {
	return func(part uint64) *rand.Rand {
		if part == math.MaxUint64 {
			return rng.Stream(seed, rng.Experiment, robustnessTag, kind)
		}
		return rng.Stream(seed, rng.Experiment, robustnessTag, kind, math.Float64bits(level), part)
	}
}

// Inputs returns the recall inputs of st (background round 0) with
// the cue of every pattern perturbed by kind at level; with
// perturb.FlipInput every slot of every input is redrawn, at the mean rate
// of all M inputs before flipping (perturb.InputRate). stream(μ) gives the
// random generator of pattern μ; stream(math.MaxUint64) that of the
// silencing permutation, which must not depend on the level.
func Inputs(st *study.Stored, kind perturb.Kind, level float64, stream func(part uint64) *rand.Rand) ([]*raster.Raster, error) {
	p, set := st.Bench.Params, st.Patterns
	from, to := p.Pre, p.Pre+min(p.Trigger, set.T)
	if err := kind.CheckLevel(level, to-from, set.N); err != nil {
		return nil, err
	}
	xs := st.Inputs(0)
	switch kind {
	case perturb.Flip:
		rate := perturb.MeanRate(set)
		for m, x := range xs {
			xs[m] = perturb.FlipCue(x, from, to, level, rate, stream(uint64(m)))
		}
	case perturb.Truncate:
		for m, x := range xs {
			xs[m] = perturb.TruncateCue(x, from, to, int(level))
		}
	case perturb.Silence:
		silent := stream(math.MaxUint64).Perm(set.N)[:int(level)]
		for m, x := range xs {
			xs[m] = perturb.SilenceCue(x, from, to, silent)
		}
	case perturb.Jitter:
		for m, x := range xs {
			xs[m] = perturb.JitterCue(x, from, to, int(level), stream(uint64(m)))
		}
	case perturb.FlipInput:
		rate := perturb.InputRate(xs)
		for m, x := range xs {
			xs[m] = perturb.FlipClamp(x, level, rate, stream(uint64(m)))
		}
	}
	return xs, nil
}
