package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/score"
)

// Capacity modes: the weights of the analytical initialisation alone, or
// those weights after training.
const (
	CapacityInit    = "init"
	CapacityTrained = "trained"
)

// CapacityColumns are the parameter columns of the capacity CSV; Sweep's
// result columns follow them.
func CapacityColumns() []string {
	return []string{"neurons", "delays", "steps", "mode", "patterns"}
}

// CapacityConfig describes a capacity measurement: for every network size
// N in Neurons, number of delays D in Delays and mode, the largest number
// of patterns M whose recall has a mean F1 of at least Threshold over
// Seeds independent pattern sets.
type CapacityConfig struct {
	// Base gives everything but N, D, M and the seeds: pattern length T,
	// p_A, the neuron and trial parameters, the initialisation method and
	// the training. The cue lasts D steps and the initialisation is
	// matched to each D.
	Base Benchmark
	// Neurons and Delays are the values of N and D to measure.
	Neurons, Delays []int
	// Modes are CapacityInit and/or CapacityTrained.
	Modes []string
	// Threshold is the mean F1 a number of patterns must reach, in (0, 1].
	Threshold float64
	// MaxPatterns bounds the search: M never exceeds it.
	MaxPatterns int
	// Seeds is the number of pattern sets per evaluation; set k uses
	// pattern seed Base.Seed + k and training seed Base.Train.Seed + k.
	Seeds int
	// OnEval, if not nil, is called after every evaluation.
	OnEval func(CapacityEval)
}

// CapacityEval is one evaluation of the search: the mean F1 of M patterns
// over the seeds.
type CapacityEval struct {
	Neurons, Delays, Steps int
	Mode                   string
	Patterns               int
	// Runs is the number of seeds, Reused how many of them were read from
	// the CSV rather than run.
	Runs, Reused int
	F1, F1Err    float64
	Pass         bool
}

// CapacityResult is the capacity of one (N, D, mode).
type CapacityResult struct {
	Neurons, Delays, Steps int
	Mode                   string
	// Capacity is the largest M that passed (0 if even M = 1 failed).
	Capacity int
	// F1 is the mean F1 at Capacity (NaN when Capacity is 0).
	F1 float64
	// Bound is N²·D/(T−D), the number of weights over the number of
	// constraints a pattern puts on each neuron; BoundPerNeuron is
	// N·D/(T−D), the weights of one neuron over its constraints per pattern.
	Bound, BoundPerNeuron float64
	// Evals are the evaluations of the search in the order made.
	Evals []CapacityEval
}

// Validate checks the configuration, including that every (N, D) makes a
// valid benchmark.
func (c CapacityConfig) Validate() error {
	if len(c.Neurons) == 0 {
		return errors.New("capacity: no network sizes (N) to measure")
	}
	if len(c.Delays) == 0 {
		return errors.New("capacity: no numbers of delays (D) to measure")
	}
	if len(c.Modes) == 0 {
		return errors.New("capacity: no modes; use init and/or trained")
	}
	for _, m := range c.Modes {
		if m != CapacityInit && m != CapacityTrained {
			return fmt.Errorf("capacity: mode %q is not known; use %s or %s", m, CapacityInit, CapacityTrained)
		}
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		return fmt.Errorf("capacity: threshold %v must be an F1 in (0, 1]", c.Threshold)
	}
	if c.MaxPatterns < 1 {
		return fmt.Errorf("capacity: the largest number of patterns is %d; need at least 1", c.MaxPatterns)
	}
	if c.Seeds < 1 {
		return fmt.Errorf("capacity: %d seeds; need at least one", c.Seeds)
	}
	for _, n := range c.Neurons {
		for _, d := range c.Delays {
			b := c.bench(n, d, 1, 0)
			if err := b.Validate(); err != nil {
				return fmt.Errorf("capacity at N = %d, D = %d: %w", n, d, err)
			}
		}
	}
	return nil
}

// bench returns the benchmark of one run: N neurons, D delays, M patterns
// and pattern set k.
func (c CapacityConfig) bench(n, d, m, k int) Benchmark {
	b := c.Base
	b.Patterns.N, b.Patterns.M = n, m
	if b.Patterns.Periodic > 0 {
		b.Patterns.Periodic = d
	}
	b.Params.D, b.Params.Trigger = d, d
	b.Seed = c.Base.Seed + uint64(k)
	b.Train.Seed = c.Base.Train.Seed + uint64(k)
	return b
}

// LargestPassing returns the largest M in [1, maxM] with eval(M) ≥
// threshold, assuming that passing is monotone (every M below a passing
// one passes), or 0 if M = 1 fails. It doubles M from 1 (1, 2, 4, …,
// stopping at maxM) until an evaluation fails, then bisects between the
// last passing and the first failing M, so it makes at most about
// 2·log₂(capacity) + 2 evaluations. A NaN value fails.
func LargestPassing(maxM int, threshold float64, eval func(M int) (meanF1 float64, err error)) (int, error) {
	if maxM < 1 {
		return 0, fmt.Errorf("the largest M is %d; need at least 1", maxM)
	}
	pass := func(m int) (bool, error) {
		f, err := eval(m)
		if err != nil {
			return false, fmt.Errorf("with M = %d: %w", m, err)
		}
		return f >= threshold, nil
	}
	lo, hi := 0, 0 // lo passed (0: none yet), hi failed
	for m := 1; ; m = min(2*m, maxM) {
		ok, err := pass(m)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = m
			break
		}
		lo = m
		if m == maxM {
			return maxM, nil
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := pass(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// Capacity measures, for every N, D and mode of cfg (in that order), the
// largest number of patterns the network recalls with mean F1 ≥
// cfg.Threshold, by LargestPassing. Each evaluation runs its seeds in
// parallel through Sweep, so every run is a row of the CSV at path and a
// rerun reads the evaluations already made instead of running them again.
func Capacity(ctx context.Context, cfg CapacityConfig, path string) ([]CapacityResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := cfg.Base.Patterns.T
	var out []CapacityResult
	for _, n := range cfg.Neurons {
		for _, d := range cfg.Delays {
			for _, mode := range cfg.Modes {
				res := CapacityResult{Neurons: n, Delays: d, Steps: t, Mode: mode, F1: math.NaN(),
					Bound:          float64(n) * float64(n) * float64(d) / float64(t-d),
					BoundPerNeuron: float64(n) * float64(d) / float64(t-d)}
				eval := func(m int) (float64, error) {
					ev, err := cfg.evaluate(ctx, path, n, d, mode, m)
					if err != nil {
						return 0, err
					}
					res.Evals = append(res.Evals, ev)
					if cfg.OnEval != nil {
						cfg.OnEval(ev)
					}
					return ev.F1, nil
				}
				c, err := LargestPassing(cfg.MaxPatterns, cfg.Threshold, eval)
				if err != nil {
					return out, fmt.Errorf("capacity at N = %d, D = %d, %s: %w", n, d, mode, err)
				}
				res.Capacity = c
				for _, ev := range res.Evals {
					if ev.Patterns == c {
						res.F1 = ev.F1
					}
				}
				out = append(out, res)
			}
		}
	}
	return out, nil
}

// evaluate runs (or reads from the CSV) the seeds of one evaluation and
// returns their mean F1.
func (c CapacityConfig) evaluate(ctx context.Context, path string, n, d int, mode string, m int) (CapacityEval, error) {
	t := c.Base.Patterns.T
	values := []string{strconv.Itoa(n), strconv.Itoa(d), strconv.Itoa(t), mode, strconv.Itoa(m)}
	jobs := make([]Job, c.Seeds)
	for k := range jobs {
		b := c.bench(n, d, m, k)
		jobs[k] = Job{Values: values, Seed: b.Seed, Run: func(ctx context.Context) (score.Result, error) {
			s, err := b.Store(ctx, mode == CapacityTrained)
			if err != nil {
				return score.Result{}, err
			}
			return s.Recall(0)
		}}
	}
	reused := -1
	rows, err := Sweep(ctx, path, CapacityColumns(), jobs, func(done, _ int) {
		if reused < 0 {
			reused = done // the first call counts the rows found in the CSV
		}
	})
	if err != nil {
		return CapacityEval{}, err
	}
	s := Summarise(rows)[0]
	return CapacityEval{Neurons: n, Delays: d, Steps: t, Mode: mode, Patterns: m,
		Runs: s.Runs, Reused: max(reused, 0), F1: s.F1, F1Err: s.F1Err, Pass: s.F1 >= c.Threshold}, nil
}

// WriteCapacitySummary writes one row per (N, D, mode): the capacity, the
// mean F1 there, both bounds and the number of evaluations, atomically.
func WriteCapacitySummary(path string, rs []CapacityResult) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		var sb strings.Builder
		sb.WriteString("neurons,delays,steps,mode,capacity,f1,bound,bound_per_neuron,evaluations\n")
		for _, r := range rs {
			fmt.Fprintf(&sb, "%d,%d,%d,%s,%d,%s,%s,%s,%d\n", r.Neurons, r.Delays, r.Steps, r.Mode, r.Capacity,
				fmtFloat(r.F1), fmtFloat(r.Bound), fmtFloat(r.BoundPerNeuron), len(r.Evals))
		}
		_, err := io.WriteString(w, sb.String())
		return err
	})
}

// CapacityFigures draws the capacity against N (one series per D and
// mode) and against D (one per N and mode) on log axes, each with the
// bound N²·D/(T−D) as extra series named "bound …". A capacity of 0
// cannot be shown on a log axis and is left out; a series with no point
// left is dropped.
func CapacityFigures(rs []CapacityResult) (vsN, vsD figure.LinePlot) {
	t := 0
	if len(rs) > 0 {
		t = rs[0].Steps
	}
	vsN = figure.LinePlot{Title: fmt.Sprintf("capacity (mean F1 ≥ threshold), T = %d", t),
		XLabel: "neurons N", YLabel: "patterns M", LogX: true, LogY: true}
	vsD = figure.LinePlot{Title: vsN.Title, XLabel: "delays D", YLabel: "patterns M", LogX: true, LogY: true}
	var ns, ds []int
	var modes []string
	for _, r := range rs {
		if !slices.Contains(ns, r.Neurons) {
			ns = append(ns, r.Neurons)
		}
		if !slices.Contains(ds, r.Delays) {
			ds = append(ds, r.Delays)
		}
		if !slices.Contains(modes, r.Mode) {
			modes = append(modes, r.Mode)
		}
	}
	slices.Sort(ns)
	slices.Sort(ds)
	find := func(n, d int, mode string) (CapacityResult, bool) {
		for _, r := range rs {
			if r.Neurons == n && r.Delays == d && r.Mode == mode {
				return r, true
			}
		}
		return CapacityResult{}, false
	}
	// series collects the points of (x, capacity) over xs for one fixed
	// value, plus the bound.
	series := func(xs []int, at func(x int) (int, int)) (caps []figure.Series, bound figure.Series) {
		for _, mode := range modes {
			var s figure.Series
			for _, x := range xs {
				n, d := at(x)
				if r, ok := find(n, d, mode); ok && r.Capacity > 0 {
					s.X = append(s.X, float64(x))
					s.Y = append(s.Y, float64(r.Capacity))
				}
			}
			s.Name = mode
			caps = append(caps, s)
		}
		for _, x := range xs {
			n, d := at(x)
			for _, mode := range modes {
				if r, ok := find(n, d, mode); ok {
					bound.X = append(bound.X, float64(x))
					bound.Y = append(bound.Y, r.Bound)
					break
				}
			}
		}
		return caps, bound
	}
	add := func(p *figure.LinePlot, label string, caps []figure.Series, bound figure.Series) {
		for _, s := range caps {
			if len(s.Y) > 0 {
				s.Name += ", " + label
				p.Series = append(p.Series, s)
			}
		}
		if len(bound.Y) > 0 {
			bound.Name = "bound N²D/(T−D), " + label
			p.Series = append(p.Series, bound)
		}
	}
	for _, d := range ds {
		caps, bound := series(ns, func(n int) (int, int) { return n, d })
		add(&vsN, fmt.Sprintf("D = %d", d), caps, bound)
	}
	for _, n := range ns {
		caps, bound := series(ds, func(d int) (int, int) { return n, d })
		add(&vsD, fmt.Sprintf("N = %d", n), caps, bound)
	}
	return vsN, vsD
}
