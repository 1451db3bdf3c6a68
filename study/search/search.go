// Package search is a random search over the training and neuron
// hyper-parameters: each trial (Draw) is applied to the benchmark, its
// pattern sets are stored with the initialisation matched to the trial's
// β and θ, trained and scored on a validation recall; every run is a
// results row, so an interrupted search resumes.
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

// searchStream names the random stream of the search's draws ("search"),
// apart from the streams of other experiments.
const searchStream uint64 = 0x736561726368

// Ranges of the hyper-parameter search. Learning rates are drawn
// log-uniformly, SGD's SGDScale times higher; the rest uniformly.
const (
	LRMin, LRMax           = 1e-4, 1e-1
	SGDScale               = 300
	AlphaMin, AlphaMax     = 5, 30
	BetaMin, BetaMax       = 0.5, 0.9
	ThetaMin, ThetaMax     = 0.5, 1.2
	DropoutMin, DropoutMax = 0, 0.5
	// Exact is the probability of exact gradients (support 0);
	// otherwise the surrogate support is drawn in [SupportMin,
	// SupportMax].
	Exact                  = 0.25
	SupportMin, SupportMax = 0.2, 1.0
	// Momentum is the momentum of SGD trials.
	Momentum = 0.9
	// Anneal is how many times lower the learning rate ends than it
	// starts: the cosine annealing goes from LR to LR/Anneal.
	Anneal = 100
)

// Optimizers are the optimisers a trial is drawn from, with equal
// probability.
func Optimizers() []string {
	return []string{learn.Adam.String(), learn.AdamW.String(), learn.SGD.String()}
}

// Columns are the parameter columns of the search CSV; the results
// columns follow them.
func Columns() []string {
	return []string{"trial", "lr", "alpha", "beta", "theta", "dropout", "optimizer", "support"}
}

// Trial is one drawn configuration of the search.
type Trial struct {
	// Index numbers the trial from 0.
	Index     int     `json:"trial"`
	LR        float64 `json:"lr"`
	Alpha     float64 `json:"alpha"`
	Beta      float64 `json:"beta"`
	Theta     float64 `json:"theta"`
	Dropout   float64 `json:"dropout"`
	Optimizer string  `json:"optimizer"`
	// Support is the surrogate support of the sparse backward pass; 0 is
	// the exact pass.
	Support float64 `json:"surrogate_support"`
}

// round3 rounds x to 3 significant digits, so that a drawn value prints
// exactly in the CSV.
func round3(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64) // always a number
	return v
}

// Draw draws configuration number trial of the search with the given
// seed. Each trial has its own random stream, so the configurations do
// not depend on the budget: a larger budget adds trials after the same
// ones. Values are rounded to 3 significant digits.
func Draw(seed uint64, trial int) Trial {
	r := rng.Stream(seed, rng.Experiment, searchStream, uint64(trial))
	uniform := func(lo, hi float64) float64 { return round3(lo + (hi-lo)*r.Float64()) }
	opts := Optimizers()
	t := Trial{Index: trial, Optimizer: opts[r.IntN(len(opts))]}
	lo, hi := LRMin, LRMax
	if t.Optimizer == learn.SGD.String() {
		lo, hi = lo*SGDScale, hi*SGDScale
	}
	t.LR = round3(math.Exp(math.Log(lo) + (math.Log(hi)-math.Log(lo))*r.Float64()))
	t.Alpha = uniform(AlphaMin, AlphaMax)
	t.Beta = uniform(BetaMin, BetaMax)
	t.Theta = uniform(ThetaMin, ThetaMax)
	t.Dropout = uniform(DropoutMin, DropoutMax)
	if r.Float64() >= Exact {
		t.Support = uniform(SupportMin, SupportMax)
	}
	return t
}

// Values returns the trial's parameter columns for the CSV.
func (t Trial) Values() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []string{strconv.Itoa(t.Index), f(t.LR), f(t.Alpha), f(t.Beta), f(t.Theta), f(t.Dropout), t.Optimizer, f(t.Support)}
}

// Apply returns b with the trial's settings: β and θ of the network (the
// initialisation is matched to them, keeping b's method, target and
// normalisation), and the learning rate (annealed towards LR/Anneal),
// α, dropout, optimiser and surrogate support of the training. Adam and
// AdamW use the library's default moments; SGD uses momentum
// Momentum without dampening.
func (t Trial) Apply(b study.Benchmark) study.Benchmark {
	b.Params.Beta, b.Params.Theta = t.Beta, t.Theta
	def := learn.DefaultConfig()
	b.Train.LR, b.Train.FinalLR = t.LR, t.LR/Anneal
	b.Train.Alpha, b.Train.Dropout, b.Train.Support = t.Alpha, t.Dropout, t.Support
	kind, _ := learn.ParseOptimizerKind(t.Optimizer) // Draw draws only known kinds
	switch kind {
	case learn.SGD:
		b.Train.Optimizer = learn.Optimizer{Kind: learn.SGD, Momentum: Momentum, WeightDecay: def.Optimizer.WeightDecay}
	default:
		b.Train.Optimizer = def.Optimizer
		b.Train.Optimizer.Kind = kind
	}
	return b
}

// Config describes a random hyper-parameter search.
type Config struct {
	// Base gives the sizes, the model parameters that are not searched
	// and the number of epochs.
	Base study.Benchmark
	// Budget is the number of trials.
	Budget int
	// Seed draws the configurations (Draw).
	Seed uint64
	// Seeds is the number of pattern sets each trial is scored on; set k
	// is Base.ForSeed(k) with the trial applied, the same for every trial.
	Seeds int
}

// Result is a trial and its mean validation score over the seeds.
type Result struct {
	Trial
	Runs  int     `json:"runs"`
	F1    float64 `json:"f1"`
	F1Err float64 `json:"f1_err"`
	Loss  float64 `json:"loss"`
}

// Validate checks the configuration and that its benchmark is valid.
func (c Config) Validate() error {
	if c.Budget < 1 {
		return fmt.Errorf("search: a budget of %d trials; need at least one", c.Budget)
	}
	if c.Seeds < 1 {
		return fmt.Errorf("search: %d seeds; need at least one", c.Seeds)
	}
	if c.Base.Train.Epochs < 1 {
		return errors.New("search: the trials train, so at least one epoch is needed")
	}
	return c.Base.Validate()
}

// Run runs a random search of Budget trials drawn by Draw. Each
// trial stores the pattern sets from the benchmark's initialisation,
// trains them with the trial's settings and scores a validation recall
// (fresh background, no dropout); the objective is its F1. All runs go
// through results.Sweep, in parallel, one CSV row per trial and seed at path, so
// an interrupted search resumes. The results are in trial order; see
// Best. progress, if not nil, is called after every run with the
// number done and the total.
func Run(ctx context.Context, cfg Config, path string, progress func(done, total int)) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	trials := make([]Trial, cfg.Budget)
	var jobs []results.Job
	for i := range trials {
		trials[i] = Draw(cfg.Seed, i)
		tb := trials[i].Apply(cfg.Base)
		if err := tb.Validate(); err != nil {
			return nil, fmt.Errorf("search trial %d: %w", i, err)
		}
		for k := range cfg.Seeds {
			jobs = append(jobs, study.RecallJob(trials[i].Values(), tb.ForSeed(k), true))
		}
	}
	tab := results.Table{Path: path, Columns: Columns(), Settings: study.Settings{Benchmark: cfg.Base, Trained: true}}
	rows, err := results.Sweep(ctx, tab, jobs, progress)
	if err != nil {
		return nil, err
	}
	sums := results.Summarise(rows)
	if len(sums) != len(trials) {
		return nil, fmt.Errorf("search: %d trials gave %d summaries", len(trials), len(sums))
	}
	out := make([]Result, len(trials))
	for i, s := range sums {
		out[i] = Result{Trial: trials[i], Runs: s.Runs, F1: s.F1, F1Err: s.F1Err, Loss: s.Loss}
	}
	return out, nil
}

// better reports whether a beats b: a higher mean F1, then a lower mean
// loss, then the earlier trial.
func better(a, b Result) bool {
	if a.F1 != b.F1 {
		return a.F1 > b.F1 || math.IsNaN(b.F1)
	}
	if a.Loss != b.Loss {
		return a.Loss < b.Loss
	}
	return a.Index < b.Index
}

// Best returns the index in rs of the best trial: the highest mean
// validation F1, ties broken by the lower loss and then by the earlier
// trial; -1 if rs is empty.
func Best(rs []Result) int {
	best := -1
	for i, r := range rs {
		if best < 0 || better(r, rs[best]) {
			best = i
		}
	}
	return best
}

// WriteBest writes the best trial and the whole benchmark it
// describes (b with the trial applied) as JSON, atomically.
func WriteBest(path string, b study.Benchmark, best Result) error {
	doc := struct {
		Best      Result          `json:"best"`
		Benchmark study.Benchmark `json:"benchmark"`
	}{best, best.Apply(b)}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(data, '\n'))
}
