// Package study is the benchmark the studies are built on: generate M
// patterns, initialise the weights, recall, train and recall again, with
// its report (Benchmark.Run), its timings (Benchmark.Bench) and a stored
// network ready to be cued (Benchmark.Store).
//
// The studies themselves live in the packages below it, one concept each:
// scan (one parameter at a time), capacity (the largest M that is
// recalled), robustness (perturbed cues), sequential (every pattern in
// one long run) and search (random hyper-parameter search). They share
// the seed protocol of ForSeed, keep their runs in a results CSV, and are
// drawn by package figure/studyfig.
package study

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/memstat"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Benchmark is the whole benchmark: generate patterns, initialise the
// weights, recall, train, recall again.
type Benchmark struct {
	Patterns raster.Config  `json:"patterns"`
	Seed     uint64         `json:"seed"` // pattern seed; training uses Train.Seed
	Params   network.Params `json:"params"`
	Init     initw.Config   `json:"init"`
	// Margin, when not nil, stores the patterns by margin learning
	// (package margin) from zero weights instead of initialising them
	// analytically with Init.
	Margin *margin.Config `json:"margin,omitempty"`
	Train  learn.Config   `json:"train"`
	// FanIn, when positive, restricts the synapses to a structural
	// connectivity of that fan-in: every neuron receives from FanIn
	// presynaptic neurons drawn with initw.NewConnectivity under Seed, at
	// all D delays, and the Hebbian weights are built on it alone.
	FanIn int `json:"fan_in,omitempty"`
	// Sparse keeps the weights as a network.Sparse tensor (only the
	// non-zero Hebbian weights), whose cost and memory grow with the
	// synapses instead of N²·D. Training then trains the stored synapses
	// only, on a connectivity that stays fixed.
	Sparse bool `json:"sparse,omitempty"`
}

// DefaultBenchmark returns the published benchmark: M = 16 patterns of
// N = 512 neurons over T = 1000 steps at p_A = 1e-3, D = 41 delays,
// β = 0.7, θ = 0.8.
func DefaultBenchmark() Benchmark {
	p := network.Defaults()
	return Benchmark{
		Patterns: raster.Config{M: 16, N: 512, T: 1000, P: p.PA},
		Seed:     1,
		Params:   p,
		Init:     initw.Defaults(),
		Train:    learn.DefaultConfig(),
	}
}

// Validate checks every part of the benchmark and that its tensors fit in
// memory.
func (b Benchmark) Validate() error {
	if err := b.Patterns.Validate(); err != nil {
		return err
	}
	if err := b.Params.Validate(b.Patterns.T); err != nil {
		return err
	}
	if err := b.Init.Validate(); err != nil {
		return err
	}
	if b.Margin != nil {
		if err := b.Margin.Validate(b.Params); err != nil {
			return err
		}
	}
	if err := b.Train.Validate(); err != nil {
		return err
	}
	if b.FanIn < 0 || b.FanIn > b.Patterns.N {
		return fmt.Errorf("fan-in %d: each neuron can receive from 1 to N = %d neurons; set the fan-in in that range (0: all)", b.FanIn, b.Patterns.N)
	}
	if b.Sparse || b.FanIn > 0 {
		what := "sparse weights"
		if !b.Sparse {
			what = "a fan-in"
		}
		switch {
		case b.Margin != nil:
			return fmt.Errorf("margin storage with %s is not available; use Hebbian initialisation, or dense weights without a fan-in", what)
		case b.Init.Method != initw.Hebbian:
			return fmt.Errorf("the %v initialisation with %s is not available (it needs the dense tensor); use Hebbian initialisation, or dense weights without a fan-in", b.Init.Method, what)
		}
	}
	if b.Sparse {
		return nil // InitSparse checks its own estimate
	}
	if b.FanIn > 0 && b.Train.Epochs == 0 {
		return network.CheckFits(b.Patterns.N, b.Params.D, 1)
	}
	// Weights, gradient, two optimiser moments and the best weights.
	return network.CheckFits(b.Patterns.N, b.Params.D, 5)
}

// ErrOtherCheckpoint is returned when Run is asked to resume from a
// checkpoint made with other parameters or training settings than the
// benchmark's.
var ErrOtherCheckpoint = errors.New("the checkpoint belongs to another benchmark")

// Phase is the recall score of one set of weights.
type Phase struct {
	Score   score.Result `json:"score"`
	F1      []float64    `json:"f1_per_pattern"`
	Seconds float64      `json:"seconds"`
	// Cost is the recall's synaptic operations, the weights' memory and
	// the energy the operations would take on neuromorphic hardware.
	Cost quant.Cost `json:"cost"`
}

// Report is what a benchmark run measured, written as report.json.
type Report struct {
	Version   string      `json:"version"`
	Benchmark Benchmark   `json:"benchmark"`
	InitStats initw.Stats `json:"init_stats"`
	// Margin is the margin solver's report when the benchmark stores by
	// margin learning.
	Margin  *margin.Report `json:"margin,omitempty"`
	Init    Phase          `json:"init"`
	Trained *Phase         `json:"trained,omitempty"`
	History []learn.Epoch  `json:"history"`
	// InitialValid is the validation score of the initial weights, the
	// epoch 0 of History (nil when nothing was trained).
	InitialValid *score.Result `json:"initial_valid,omitempty"`
	// BestEpoch is the epoch whose weights scored best on validation (0:
	// the initial weights); with Train.KeepBest they are the trained ones.
	BestEpoch int `json:"best_epoch"`
	// Seconds holds the wall-clock time of each stage.
	Seconds map[string]float64 `json:"seconds"`
	// PeakMemoryMB is the peak resident memory of the process.
	PeakMemoryMB float64 `json:"peak_memory_mb"`
}

// Result is a finished benchmark run: its report, the patterns, the final
// weights (dense Weights, or Sparse when the benchmark keeps sparse
// weights; the other is nil) and the final recall trial of pattern 0 (for
// the figure).
type Result struct {
	Report   Report
	Patterns *raster.Set
	Weights  *network.Weights
	Sparse   *network.Sparse
	Trial    *network.State
}

// Synapses returns the final weights, dense or sparse.
func (r *Result) Synapses() network.Synapses { return synapses(r.Weights, r.Sparse) }

// synapses returns the one of w and s that is set.
func synapses(w *network.Weights, s *network.Sparse) network.Synapses {
	if s != nil {
		return s
	}
	return w
}

// Run runs the benchmark. When checkpoints is not empty, training writes
// a checkpoint there every epoch; with resume it continues from the one
// found there. onEpoch, if not nil, is called after every epoch.
func (b Benchmark) Run(ctx context.Context, checkpoints string, resume bool, onEpoch func(learn.Epoch)) (*Result, error) {
	return b.RunWith(ctx, learn.TrainOptions{Dir: checkpoints, OnEpoch: onEpoch}, resume)
}

// RunWith is Run with the checkpoint options of learn.TrainWith; with
// resume it continues from the checkpoint in opt.Dir.
func (b Benchmark) RunWith(ctx context.Context, opt learn.TrainOptions, resume bool) (*Result, error) {
	checkpoints := opt.Dir
	if err := b.Validate(); err != nil {
		return nil, err
	}
	rep := Report{Version: hdsnn.Version, Benchmark: b, Seconds: map[string]float64{}}
	stage := func(name string, start time.Time) { rep.Seconds[name] = time.Since(start).Seconds() }

	start := time.Now()
	set, err := raster.GenerateContext(ctx, b.Patterns, b.Seed)
	if err != nil {
		return nil, err
	}
	stage("generate", start)

	start = time.Now()
	w, sw, st, mr, err := b.initial(ctx, set)
	if err != nil {
		return nil, err
	}
	rep.InitStats, rep.Margin = st, mr
	stage("init", start)
	if sw != nil && b.Train.Epochs == 0 {
		return b.recallOnly(ctx, rep, set, sw)
	}
	initial := synapses(w, sw)

	// Training uses rounds 2e (training pass) and 2e+1 (validation) of
	// epoch e; the initial recall uses a round beyond any of them, and the
	// final one round 2·Epochs+1, which no epoch uses either.
	rep.Init, err = phase(ctx, initial, b.Params, set, b.Train.Seed, rng.RecallRound(0))
	if err != nil {
		return nil, err
	}

	var run *learn.Run
	if resume {
		if run, err = learn.Resume(checkpoints); err != nil {
			return nil, err
		}
		if run.Params != b.Params {
			return nil, fmt.Errorf("the checkpoint in %s was made with other network parameters (β %v, θ %v, reset %v, D %d, pre %d, post %d, trigger %d, p_A %v): %w",
				checkpoints, run.Params.Beta, run.Params.Theta, run.Params.Reset, run.Params.D, run.Params.Pre, run.Params.Post, run.Params.Trigger, run.Params.PA, ErrOtherCheckpoint)
		}
		if !sameTraining(b.Train, run.Config) {
			return nil, fmt.Errorf("the checkpoint in %s was made with other training settings (%s, lr %v → %v, warm-up %d, α %v, dropout %v, support %v, keep-best %v, seed %d): %w",
				checkpoints, run.Config.Optimizer.Kind, run.Config.LR, run.Config.FinalLR, run.Config.Warmup, run.Config.Alpha, run.Config.Dropout, run.Config.Support, run.Config.KeepBest, run.Config.Seed, ErrOtherCheckpoint)
		}
		if (run.Sparse != nil) != (sw != nil) {
			return nil, fmt.Errorf("the checkpoint in %s holds %s weights, the benchmark %s ones: %w", checkpoints, format(run.Sparse != nil), format(sw != nil), ErrOtherCheckpoint)
		}
		run.Config.Epochs = b.Train.Epochs
	} else if run, err = learn.NewRun(b.Train, b.Params, initial, set); err != nil {
		return nil, err
	}
	start = time.Now()
	if err := learn.TrainWith(ctx, run, set, opt); err != nil {
		return nil, err
	}
	stage("train", start)
	rep.History, rep.BestEpoch, rep.InitialValid = run.History, run.BestEpoch, run.Initial

	res := &Result{Patterns: set, Weights: run.Weights, Sparse: run.Sparse}
	round := finalRound(b)
	final := rep.Init // no epoch ran: the initial weights, on the same background
	if len(run.History) > 0 {
		if final, err = phase(ctx, run.Synapses(), b.Params, set, b.Train.Seed, round); err != nil {
			return nil, err
		}
	}
	rep.Trained = &final
	x := network.Inputs(b.Params, set, b.Train.Seed, round)[0]
	if res.Trial, err = network.Simulate(run.Synapses(), b.Params, x, network.Options{Record: true}); err != nil {
		return nil, err
	}
	rep.PeakMemoryMB = memstat.PeakMB()
	res.Report = rep
	return res, nil
}

// format names the weights format: "sparse" or "dense".
func format(sparse bool) string {
	if sparse {
		return "sparse"
	}
	return "dense"
}

// recallOnly finishes a run of sparse weights sw that trains no epoch:
// the initial recall is the final one.
func (b Benchmark) recallOnly(ctx context.Context, rep Report, set *raster.Set, sw *network.Sparse) (*Result, error) {
	var err error
	rep.Init, err = phase(ctx, sw, b.Params, set, b.Train.Seed, rng.RecallRound(0))
	if err != nil {
		return nil, err
	}
	final := rep.Init
	rep.Trained = &final
	res := &Result{Patterns: set, Sparse: sw}
	x := network.Inputs(b.Params, set, b.Train.Seed, rng.RecallRound(0))[0]
	if res.Trial, err = network.Simulate(sw, b.Params, x, network.Options{Record: true}); err != nil {
		return nil, err
	}
	rep.PeakMemoryMB = memstat.PeakMB()
	res.Report = rep
	return res, nil
}

// initial returns the weights that hold set before training: margin
// storage when b.Margin is set, the analytical initialisation otherwise;
// sparse (s, w nil) when b.Sparse is set, else dense (w, s nil).
func (b Benchmark) initial(ctx context.Context, set *raster.Set) (w *network.Weights, s *network.Sparse, st initw.Stats, mr *margin.Report, err error) {
	if b.Margin != nil {
		w, r, err := margin.Store(ctx, b.Params, set, nil, *b.Margin, margin.Hooks{})
		if err != nil {
			return nil, nil, initw.Stats{}, nil, err
		}
		return w, nil, initw.Stats{}, &r, nil
	}
	if !b.Sparse && b.FanIn == 0 {
		w, st, err = initw.InitContext(ctx, set, b.Params, b.Init)
		return w, nil, st, nil, err
	}
	var conn *initw.Connectivity
	if b.FanIn > 0 {
		if conn, err = initw.NewConnectivity(set.N, b.FanIn, b.Seed); err != nil {
			return nil, nil, initw.Stats{}, nil, err
		}
	}
	s, st, err = initw.InitSparse(ctx, set, b.Params, b.Init, conn)
	if err != nil || b.Sparse {
		return nil, s, st, nil, err
	}
	return s.Dense(), nil, st, nil, nil
}

// finalRound is the background round of the final recall of b, which no
// epoch uses.
func finalRound(b Benchmark) uint64 { return rng.ValidationRound(b.Train.Epochs) }

// sameTraining reports whether two training configurations agree in all
// but the number of epochs.
func sameTraining(a, b learn.Config) bool {
	a.Epochs, b.Epochs = 0, 0
	return a == b
}

// phase recalls every pattern once and scores it.
func phase(ctx context.Context, w network.Synapses, p network.Params, set *raster.Set, seed, round uint64) (Phase, error) {
	start := time.Now()
	all, per, cost, err := network.RecallCost(ctx, w, p, set, seed, round)
	if err != nil {
		return Phase{}, err
	}
	ph := Phase{Score: all.Result(), Seconds: time.Since(start).Seconds(), Cost: quant.NewCost(cost.SynOps, set.M(), quant.FloatBits(w))}
	for _, c := range per {
		ph.F1 = append(ph.F1, c.F1())
	}
	return ph, nil
}
