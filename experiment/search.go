package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/score"
)

// searchStream names the random stream of the search's draws ("search"),
// apart from the streams of other experiments.
const searchStream uint64 = 0x736561726368

// Ranges of the hyper-parameter search. Learning rates are drawn
// log-uniformly, SGD's SearchSGDScale times higher; the rest uniformly.
const (
	SearchLRMin, SearchLRMax           = 1e-4, 1e-1
	SearchSGDScale                     = 300
	SearchAlphaMin, SearchAlphaMax     = 5, 30
	SearchBetaMin, SearchBetaMax       = 0.5, 0.9
	SearchThetaMin, SearchThetaMax     = 0.5, 1.2
	SearchDropoutMin, SearchDropoutMax = 0, 0.5
	// SearchExact is the probability of exact gradients (support 0);
	// otherwise the surrogate support is drawn in [SearchSupportMin,
	// SearchSupportMax].
	SearchExact                        = 0.25
	SearchSupportMin, SearchSupportMax = 0.2, 1.0
	// SearchMomentum is the momentum of SGD trials.
	SearchMomentum = 0.9
	// SearchAnneal is how many times lower the learning rate ends than it
	// starts: the cosine annealing goes from LR to LR/SearchAnneal.
	SearchAnneal = 100
)

// SearchOptimizers are the optimisers a trial is drawn from, with equal
// probability.
func SearchOptimizers() []string {
	return []string{learn.Adam.String(), learn.AdamW.String(), learn.SGD.String()}
}

// SearchColumns are the parameter columns of the search CSV; Sweep's
// result columns follow them.
func SearchColumns() []string {
	return []string{"trial", "lr", "alpha", "beta", "theta", "dropout", "optimizer", "support"}
}

// SearchTrial is one drawn configuration of the search.
type SearchTrial struct {
	Trial     int     `json:"trial"`
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

// searchRound rounds x to 3 significant digits, so that a drawn value prints
// exactly in the CSV.
func searchRound(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64) // always a number
	return v
}

// DrawTrial draws configuration number trial of the search with the given
// seed. Each trial has its own random stream, so the configurations do
// not depend on the budget: a larger budget adds trials after the same
// ones. Values are rounded to 3 significant digits.
func DrawTrial(seed uint64, trial int) SearchTrial {
	r := rng.Stream(seed, rng.Experiment, searchStream, uint64(trial))
	uniform := func(lo, hi float64) float64 { return searchRound(lo + (hi-lo)*r.Float64()) }
	opts := SearchOptimizers()
	t := SearchTrial{Trial: trial, Optimizer: opts[r.IntN(len(opts))]}
	lo, hi := SearchLRMin, SearchLRMax
	if t.Optimizer == learn.SGD.String() {
		lo, hi = lo*SearchSGDScale, hi*SearchSGDScale
	}
	t.LR = searchRound(math.Exp(math.Log(lo) + (math.Log(hi)-math.Log(lo))*r.Float64()))
	t.Alpha = uniform(SearchAlphaMin, SearchAlphaMax)
	t.Beta = uniform(SearchBetaMin, SearchBetaMax)
	t.Theta = uniform(SearchThetaMin, SearchThetaMax)
	t.Dropout = uniform(SearchDropoutMin, SearchDropoutMax)
	if r.Float64() >= SearchExact {
		t.Support = uniform(SearchSupportMin, SearchSupportMax)
	}
	return t
}

// Values returns the trial's parameter columns for the CSV.
func (t SearchTrial) Values() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []string{strconv.Itoa(t.Trial), f(t.LR), f(t.Alpha), f(t.Beta), f(t.Theta), f(t.Dropout), t.Optimizer, f(t.Support)}
}

// Apply returns b with the trial's settings: β and θ of the network (the
// initialisation is matched to them, keeping b's method, target and
// normalisation), and the learning rate (annealed towards LR/SearchAnneal),
// α, dropout, optimiser and surrogate support of the training. Adam and
// AdamW use the library's default moments; SGD uses momentum
// SearchMomentum without dampening.
func (t SearchTrial) Apply(b Benchmark) Benchmark {
	b.Params.Beta, b.Params.Theta = t.Beta, t.Theta
	def := learn.DefaultConfig()
	b.Train.LR, b.Train.FinalLR = t.LR, t.LR/SearchAnneal
	b.Train.Alpha, b.Train.Dropout, b.Train.Support = t.Alpha, t.Dropout, t.Support
	kind, _ := learn.ParseOptimizerKind(t.Optimizer) // DrawTrial draws only known kinds
	switch kind {
	case learn.SGD:
		b.Train.Optimizer = learn.Optimizer{Kind: learn.SGD, Momentum: SearchMomentum, WeightDecay: def.Optimizer.WeightDecay}
	default:
		b.Train.Optimizer = def.Optimizer
		b.Train.Optimizer.Kind = kind
	}
	return b
}

// SearchConfig describes a random hyper-parameter search.
type SearchConfig struct {
	// Base gives the sizes, the model parameters that are not searched
	// and the number of epochs.
	Base Benchmark
	// Budget is the number of trials.
	Budget int
	// Seed draws the configurations (DrawTrial).
	Seed uint64
	// Seeds is the number of pattern sets each trial is scored on; set k
	// uses pattern seed Base.Seed + k and training seed Base.Train.Seed + k,
	// the same for every trial.
	Seeds int
}

// SearchResult is a trial and its mean validation score over the seeds.
type SearchResult struct {
	SearchTrial
	Runs  int     `json:"runs"`
	F1    float64 `json:"f1"`
	F1Err float64 `json:"f1_err"`
	Loss  float64 `json:"loss"`
}

// Validate checks the configuration and that its benchmark is valid.
func (c SearchConfig) Validate() error {
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

// Search runs a random search of Budget trials drawn by DrawTrial. Each
// trial stores the pattern sets from the benchmark's initialisation,
// trains them with the trial's settings and scores a validation recall
// (fresh background, no dropout); the objective is its F1. All runs go
// through Sweep, in parallel, one CSV row per trial and seed at path, so
// an interrupted search resumes. The results are in trial order; see
// BestTrial. progress, if not nil, is called after every run with the
// number done and the total.
func Search(ctx context.Context, cfg SearchConfig, path string, progress func(done, total int)) ([]SearchResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	trials := make([]SearchTrial, cfg.Budget)
	var jobs []Job
	for i := range trials {
		trials[i] = DrawTrial(cfg.Seed, i)
		tb := trials[i].Apply(cfg.Base)
		if err := tb.Validate(); err != nil {
			return nil, fmt.Errorf("search trial %d: %w", i, err)
		}
		for k := range cfg.Seeds {
			b := tb
			b.Seed = cfg.Base.Seed + uint64(k)
			b.Train.Seed = cfg.Base.Train.Seed + uint64(k)
			jobs = append(jobs, Job{Values: trials[i].Values(), Seed: b.Seed, Run: func(ctx context.Context) (score.Result, error) {
				s, err := b.Store(ctx, true)
				if err != nil {
					return score.Result{}, err
				}
				return s.Recall(0)
			}})
		}
	}
	rows, err := Sweep(ctx, path, SearchColumns(), jobs, progress)
	if err != nil {
		return nil, err
	}
	sums := Summarise(rows)
	if len(sums) != len(trials) {
		return nil, fmt.Errorf("search: %d trials gave %d summaries", len(trials), len(sums))
	}
	out := make([]SearchResult, len(trials))
	for i, s := range sums {
		out[i] = SearchResult{SearchTrial: trials[i], Runs: s.Runs, F1: s.F1, F1Err: s.F1Err, Loss: s.Loss}
	}
	return out, nil
}

// searchBetter reports whether a beats b: a higher mean F1, then a lower mean
// loss, then the earlier trial.
func searchBetter(a, b SearchResult) bool {
	if a.F1 != b.F1 {
		return a.F1 > b.F1 || math.IsNaN(b.F1)
	}
	if a.Loss != b.Loss {
		return a.Loss < b.Loss
	}
	return a.Trial < b.Trial
}

// BestTrial returns the index in rs of the best trial: the highest mean
// validation F1, ties broken by the lower loss and then by the earlier
// trial; -1 if rs is empty.
func BestTrial(rs []SearchResult) int {
	best := -1
	for i, r := range rs {
		if best < 0 || searchBetter(r, rs[best]) {
			best = i
		}
	}
	return best
}

// WriteSearchBest writes the best trial and the whole benchmark it
// describes (b with the trial applied) as JSON, atomically.
func WriteSearchBest(path string, b Benchmark, best SearchResult) error {
	doc := struct {
		Best      SearchResult `json:"best"`
		Benchmark Benchmark    `json:"benchmark"`
	}{best, best.Apply(b)}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(data, '\n'))
}

// SearchFigure draws the validation F1 of every trial (mean ± s.e. over
// the seeds) and the best F1 found up to each trial.
func SearchFigure(rs []SearchResult) figure.LinePlot {
	trial := figure.Series{Name: "trial F1"}
	run := figure.Series{Name: "best so far"}
	best := math.Inf(-1)
	hasErr := false
	for _, r := range rs {
		x := float64(r.Trial)
		trial.X = append(trial.X, x)
		trial.Y = append(trial.Y, r.F1)
		trial.Err = append(trial.Err, r.F1Err)
		hasErr = hasErr || r.F1Err > 0
		if r.F1 > best {
			best = r.F1
		}
		run.X = append(run.X, x)
		run.Y = append(run.Y, best)
	}
	if !hasErr {
		trial.Err = nil
	}
	lo, hi := 0.0, 1.0
	return figure.LinePlot{Title: "random hyper-parameter search", XLabel: "trial", YLabel: "validation F1 after training",
		Series: []figure.Series{trial, run}, YMin: &lo, YMax: &hi}
}
