// Package quantisation measures cued recall against the width of the
// weights: every network of a seed, Hebbian or margin-stored, is quantised
// to each width and rounding (package quant) and recalled on the integer
// path, from clean cues and from perturbed ones (flip 0.25, jitter ±1, as
// in the robustness study), one results row per (weights, bits, rounding,
// cue, seed).
package quantisation

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/robustness"
)

// quantTag names the experiment's random streams, so that they never
// coincide with those of other experiments.
const quantTag uint64 = 0x7175616e74000000 // "quant"

// Weights name the two kinds of weights the experiment quantises.
const (
	// Hebbian weights are the benchmark's analytical initialisation.
	Hebbian = "hebbian"
	// Margin weights are stored by margin learning (package margin).
	Margin = "margin"
)

// Float is the value of the bits and rounding columns of the rows that
// recall the unquantised float64 weights, for reference.
const Float = "float64"

// Cue is a cue condition: clean, or one perturbation at one level.
type Cue struct {
	// Kind is the perturbation; ignored when Clean.
	Kind perturb.Kind
	// Level is the perturbation's level.
	Level float64
	// Clean leaves the cue intact.
	Clean bool
}

// String returns "clean" or "<kind> <level>", e.g. "flip 0.25".
func (c Cue) String() string {
	if c.Clean {
		return "clean"
	}
	return c.Kind.String() + " " + strconv.FormatFloat(c.Level, 'g', -1, 64)
}

// DefaultCues returns the clean cue, flip 0.25 and jitter ±1.
func DefaultCues() []Cue {
	return []Cue{{Clean: true}, {Kind: perturb.Flip, Level: 0.25}, {Kind: perturb.Jitter, Level: 1}}
}

// Config describes a quantisation experiment.
type Config struct {
	// Base is the benchmark of the Hebbian weights; seed s is
	// Base.ForSeed(s). Its Margin must be nil.
	Base study.Benchmark
	// Weights are the kinds to run, Hebbian and/or Margin (nil: both).
	Weights []string
	// Margin is the margin storage of the Margin weights.
	Margin margin.Config
	// Bits are the widths (nil: quant.BitWidths).
	Bits []int
	// Roundings are the roundings (nil: nearest and stochastic).
	Roundings []quant.Rounding
	// Cues are the cue conditions (nil: DefaultCues).
	Cues []Cue
	// Seeds is the number of independent networks per kind.
	Seeds int
}

// Columns returns the parameter columns of the CSV.
func Columns() []string { return []string{"weights", "bits", "rounding", "cue"} }

// Jobs returns one job per (weights, bits and rounding, cue, seed), the
// float64 reference first for each kind. Each network is stored once, by
// the first job that needs it, and quantised by every job (quantisation
// takes milliseconds); stochastic rounding draws from the network's seed.
// Every job of a seed is cued with the same background and, for a cue
// condition, the same perturbation.
func Jobs(c Config) ([]results.Job, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if c.Base.Margin != nil {
		return nil, fmt.Errorf("the base benchmark stores by margin learning; give Hebbian settings and the margin configuration apart")
	}
	if err := c.Base.Validate(); err != nil {
		return nil, err
	}
	kinds := c.Weights
	if len(kinds) == 0 {
		kinds = []string{Hebbian, Margin}
	}
	bits := c.Bits
	if len(bits) == 0 {
		bits = quant.BitWidths()
	}
	rounds := c.Roundings
	if len(rounds) == 0 {
		rounds = []quant.Rounding{quant.Nearest, quant.Stochastic}
	}
	cues := c.Cues
	if len(cues) == 0 {
		cues = DefaultCues()
	}
	for _, b := range bits {
		if err := (quant.Config{Bits: b}).Validate(); err != nil {
			return nil, err
		}
	}
	for _, cue := range cues {
		if !cue.Clean {
			if err := cue.Kind.CheckLevel(cue.Level, c.Base.CueLen(), c.Base.Patterns.N); err != nil {
				return nil, err
			}
		}
	}
	var jobs []results.Job
	for _, kind := range kinds {
		base := c.Base
		switch kind {
		case Hebbian:
		case Margin:
			mc := c.Margin
			if err := mc.Validate(base.Params); err != nil {
				return nil, err
			}
			base.Margin = &mc
			if err := base.Validate(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("weights %q are not known; use %s or %s", kind, Hebbian, Margin)
		}
		nets := make([]*study.Shared, c.Seeds)
		for s := range nets {
			nets[s] = study.NewShared(base.ForSeed(s), false)
		}
		type width struct {
			bits, rounding string
			q              *quant.Config
		}
		widths := []width{{Float, Float, nil}}
		for _, b := range bits {
			for _, r := range rounds {
				widths = append(widths, width{strconv.Itoa(b), r.String(), &quant.Config{Bits: b, Rounding: r}})
			}
		}
		for _, w := range widths {
			for ci, cue := range cues {
				for _, net := range nets {
					seed := net.Bench().Seed
					jobs = append(jobs, results.Job{
						Values: []string{kind, w.bits, w.rounding, cue.String()},
						Seed:   seed,
						Run: func(ctx context.Context) (score.Result, error) {
							st, err := net.Get(ctx)
							if err != nil {
								return score.Result{}, err
							}
							xs, err := inputs(st, cue, stream(seed, uint64(ci)))
							if err != nil {
								return score.Result{}, err
							}
							if w.q == nil {
								return st.RecallInputs(xs)
							}
							qc := *w.q
							qc.Seed = seed
							return RecallInteger(ctx, st, qc, xs)
						},
					})
				}
			}
		}
	}
	return jobs, nil
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
		Margin margin.Config `json:"margin"`
	}
	tab := results.Table{Path: path, Columns: Columns(), Settings: settings{Settings: study.Settings{Benchmark: c.Base}, Margin: c.Margin}}
	return results.Sweep(ctx, tab, jobs, progress)
}

// RecallInteger quantises the weights of st by qc and runs the clamp
// inputs xs on the integer path, scoring the replays.
func RecallInteger(ctx context.Context, st *study.Stored, qc quant.Config, xs []*raster.Raster) (score.Result, error) {
	sp := st.Sparse
	if sp == nil {
		sp = st.Weights.Sparse()
	}
	q, err := quant.Quantize(sp, qc)
	if err != nil {
		return score.Result{}, err
	}
	net, err := quant.NewIntNet(q, st.Bench.Params)
	if err != nil {
		return score.Result{}, err
	}
	var c score.Counts
	for m, x := range xs { // the sweep runs jobs on all cores
		tr, err := net.Simulate(ctx, x, false)
		if err != nil {
			return score.Result{}, err
		}
		c = c.Add(tr.Score(st.Bench.Params, st.Patterns.Patterns[m]))
	}
	return c.Result(), nil
}

// inputs returns the recall inputs of st (background round 0) under the
// cue condition.
func inputs(st *study.Stored, cue Cue, stream func(part uint64) *rand.Rand) ([]*raster.Raster, error) {
	if cue.Clean {
		return st.Inputs(0), nil
	}
	return robustness.Inputs(st, cue.Kind, cue.Level, stream)
}

// stream returns the generator maker of one (seed, cue condition).
func stream(seed, cue uint64) func(part uint64) *rand.Rand {
	return func(part uint64) *rand.Rand {
		if part == math.MaxUint64 {
			return rng.Stream(seed, rng.Experiment, quantTag, cue)
		}
		return rng.Stream(seed, rng.Experiment, quantTag, cue, part)
	}
}
