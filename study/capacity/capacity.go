// Package capacity measures how many patterns a network stores: for
// every N, D and mode, the largest M whose cued recall reaches a mean F1
// threshold over independent pattern sets, found by doubling then
// bisection (LargestPassing). Every evaluated run is a results row, so a
// rerun reads the evaluations already made.
package capacity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

// Mode is the weights whose capacity is measured.
type Mode int

// The modes: the weights of the analytical initialisation alone, those
// weights after training, or margin storage (Base.Margin, package margin).
const (
	Init Mode = iota
	Trained
	Margin
)

var modeNames = []string{"init", "trained", "margin"}

// Modes returns every mode.
func Modes() []Mode { return []Mode{Init, Trained, Margin} }

// String returns "init", "trained" or "margin", as in the CSV.
func (m Mode) String() string { return enum.String("Mode", modeNames, m) }

// ParseMode parses "init", "trained" or "margin".
func ParseMode(s string) (Mode, error) { return enum.Parse[Mode]("capacity mode", modeNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Mode) UnmarshalText(b []byte) (err error) { *m, err = ParseMode(string(b)); return err }

// Columns are the parameter columns of the capacity CSV; the results
// columns follow them. A measurement over fan-ins has a fan_in column
// too (see Config.CSVColumns).
func Columns() []string {
	return []string{"neurons", "delays", "steps", "mode", "patterns"}
}

// CSVColumns returns the parameter columns of the CSV of c: Columns, with
// fan_in after delays when c measures fan-ins.
func (c Config) CSVColumns() []string {
	if len(c.FanIns) == 0 {
		return Columns()
	}
	return []string{"neurons", "delays", "fan_in", "steps", "mode", "patterns"}
}

// Config describes a capacity measurement: for every network size
// N in Neurons, number of delays D in Delays and mode, the largest number
// of patterns M whose recall has a mean F1 of at least Threshold over
// Seeds independent pattern sets.
type Config struct {
	// Base gives everything but N, D, M and the seeds: pattern length T,
	// p_A, the neuron and trial parameters, the initialisation method,
	// the training and, for mode Margin, the margin storage (Base.Margin,
	// used by that mode only). The cue lasts D steps and the
	// initialisation is matched to each D.
	Base study.Benchmark
	// Neurons and Delays are the values of N and D to measure.
	Neurons, Delays []int
	// FanIns, when not empty, are the fan-ins K to measure at every N and
	// D: the synapses are a random connectivity in which every neuron
	// receives from K others (study.Benchmark.FanIn), kept as sparse
	// weights. Only mode Init takes a fan-in so far.
	FanIns []int
	// Modes are any of Init, Trained and Margin.
	Modes []Mode
	// Threshold is the mean F1 a number of patterns must reach, in (0, 1].
	Threshold float64
	// MaxPatterns bounds the search: M never exceeds it.
	MaxPatterns int
	// Probe is the number of doublings past the first failing M that are
	// evaluated as well, so that passes above the boundary are found and
	// listed (Result.Exceptions) rather than assumed away.
	Probe int
	// MarginStart is the M the search of mode Margin starts doubling from
	// (0 or 1: from 1). Margin storage holds hundreds of patterns, and
	// every evaluation near capacity takes minutes, so a search that
	// starts near the expected capacity saves most of the time.
	MarginStart int
	// MarginScale, when positive, starts the search of mode Margin at
	// MarginScale · N·D/(T−D) for each (N, D) instead of MarginStart, so
	// that one run over a grid starts every cell near its own capacity.
	MarginScale float64
	// Precision, when positive, ends the bisection once the failing M is
	// within a factor 1 + Precision of the passing one (hi − lo ≤
	// Precision·lo): the capacity is then known to lie in [Capacity,
	// FailsAt). 0 bisects down to one pattern.
	Precision float64
	// Seeds is the number of pattern sets per evaluation; set k is
	// Base.ForSeed(k).
	Seeds int
	// OnEval, if not nil, is called after every evaluation.
	OnEval func(Eval)
}

// Eval is one evaluation of the search: the mean F1 of M patterns
// over the seeds.
type Eval struct {
	Neurons, Delays, Steps int
	FanIn                  int // 0: all to all
	Mode                   Mode
	Patterns               int
	// Runs is the number of seeds, Reused how many of them were read from
	// the CSV rather than run.
	Runs, Reused int
	F1, F1Err    float64
	Pass         bool
}

// Result is the capacity of one (N, D, mode).
type Result struct {
	Neurons, Delays, Steps int
	FanIn                  int // 0: all to all
	Mode                   Mode
	// Capacity is the largest M that passed while every smaller M tested
	// passed too (0 if even M = 1 failed).
	Capacity int
	// Exceptions are the tested M above Capacity that passed all the
	// same: recall F1 need not fall monotonically with M (training can
	// rescue a larger set), so they are listed rather than hidden.
	Exceptions []int
	// FailsAt is the smallest tested M above Capacity that failed: the
	// capacity lies in [Capacity, FailsAt). 0 means no tested M failed, so
	// Capacity is only a lower bound (the search stopped at MaxPatterns).
	FailsAt int
	// F1 is the mean F1 at Capacity (NaN when Capacity is 0).
	F1 float64
	// Bound is N²·D/(T−D), the number of weights over the number of
	// constraints a pattern puts on each neuron; BoundPerNeuron is
	// N·D/(T−D), the weights of one neuron over its constraints per pattern.
	// With a fan-in K a neuron has K·D weights: N·K·D/(T−D) and
	// K·D/(T−D).
	Bound, BoundPerNeuron float64
	// Evals are the evaluations of the search in the order made.
	Evals []Eval
}

// Validate checks the configuration, including that every (N, D) makes a
// valid benchmark.
func (c Config) Validate() error {
	if len(c.Neurons) == 0 {
		return errors.New("capacity: no network sizes (N) to measure")
	}
	if len(c.Delays) == 0 {
		return errors.New("capacity: no numbers of delays (D) to measure")
	}
	if len(c.Modes) == 0 {
		return errors.New("capacity: no modes; use init, trained and/or margin")
	}
	for _, m := range c.Modes {
		if !enum.Valid(modeNames, m) {
			return fmt.Errorf("capacity: mode %v is not known; use %s", m, enum.Or(modeNames))
		}
		if m == Margin && c.Base.Margin == nil {
			return errors.New("capacity: mode margin needs the margin storage settings in Base.Margin")
		}
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		return fmt.Errorf("capacity: threshold %v must be an F1 in (0, 1]", c.Threshold)
	}
	if c.MaxPatterns < 1 {
		return fmt.Errorf("capacity: the largest number of patterns is %d; need at least 1", c.MaxPatterns)
	}
	if !(c.Precision >= 0 && c.Precision < 1) {
		return fmt.Errorf("capacity: precision %v must be in [0, 1): the failing M within a factor 1 + precision of the passing one", c.Precision)
	}
	if !(c.MarginScale >= 0) || math.IsInf(c.MarginScale, 0) {
		return fmt.Errorf("capacity: margin start scale %v must be a finite number ≥ 0", c.MarginScale)
	}
	if c.Seeds < 1 {
		return fmt.Errorf("capacity: %d seeds; need at least one", c.Seeds)
	}
	if len(c.FanIns) > 0 && slices.ContainsFunc(c.Modes, func(m Mode) bool { return m != Init }) {
		return errors.New("capacity: only mode init takes a fan-in so far (training and margin storage need all synapses); use mode init with fan-ins")
	}
	for _, n := range c.Neurons {
		for _, d := range c.Delays {
			for _, k := range c.fanIns() {
				b := c.bench(n, d, k, 1, 0)
				if err := b.Validate(); err != nil {
					if k > 0 {
						return fmt.Errorf("capacity at N = %d, D = %d, fan-in %d: %w", n, d, k, err)
					}
					return fmt.Errorf("capacity at N = %d, D = %d: %w", n, d, err)
				}
			}
		}
	}
	return nil
}

// fanIns returns the fan-ins to measure: c.FanIns, or 0 (all to all).
func (c Config) fanIns() []int {
	if len(c.FanIns) == 0 {
		return []int{0}
	}
	return c.FanIns
}

// bench returns the benchmark of one run: N neurons, D delays, fan-in
// fanIn (0: all to all, as Base), M patterns and pattern set k.
func (c Config) bench(n, d, fanIn, m, k int) study.Benchmark {
	b := c.Base.ForSeed(k)
	b.Patterns.N, b.Patterns.M = n, m
	if fanIn > 0 {
		b.FanIn, b.Sparse, b.Train.Epochs = fanIn, true, 0 // sparse weights are not trained yet
	}
	if b.Patterns.Periodic > 0 {
		b.Patterns.Periodic = d
	}
	b.Params.D, b.Params.Trigger = d, d
	return b
}

// LargestPassing returns the largest M in [1, maxM] with eval(M) ≥
// threshold, assuming that passing is monotone (every M below a passing
// one passes), or 0 if M = 1 fails. It doubles M from 1 (1, 2, 4, …,
// stopping at maxM) until an evaluation fails, then bisects between the
// last passing and the first failing M, so it makes at most about
// 2·log₂(capacity) + 2 evaluations. A NaN value fails.
func LargestPassing(maxM int, threshold float64, eval func(M int) (meanF1 float64, err error)) (int, error) {
	return Search{Start: 1, Max: maxM, Threshold: threshold}.Largest(eval)
}

// Search describes a search for the largest M whose evaluation passes.
type Search struct {
	// Start is the M the doubling starts from (clamped to [1, Max]): for
	// capacities known to be large, where every evaluation is costly. If
	// Start fails, the search bisects below it.
	Start int
	// Probe is the number of doublings past the first failure (2×, 4×, …
	// the failing M, up to Max) evaluated as well; they do not change the
	// result but show, through eval, whether F1 rises again past the
	// boundary (recall need not fall monotonically with M).
	Probe int
	// Max bounds M.
	Max int
	// Precision ends the bisection once hi − lo ≤ Precision·lo (lo
	// passing, hi failing); 0 bisects to adjacent M.
	Precision float64
	// Threshold is the value eval must reach; NaN fails.
	Threshold float64
}

// Largest runs the search and returns the largest passing M below the
// smallest failing one found (0 if M = 1 fails). Every tested M below the
// result passed.
func (s Search) Largest(eval func(M int) (meanF1 float64, err error)) (int, error) {
	if s.Max < 1 {
		return 0, fmt.Errorf("the largest M is %d; need at least 1", s.Max)
	}
	pass := func(m int) (bool, error) {
		f, err := eval(m)
		if err != nil {
			return false, fmt.Errorf("with M = %d: %w", m, err)
		}
		return f >= s.Threshold, nil
	}
	lo, hi := 0, 0 // lo passed (0: none yet), hi failed
	for m := min(max(s.Start, 1), s.Max); ; m = min(2*m, s.Max) {
		ok, err := pass(m)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = m
			break
		}
		lo = m
		if m == s.Max {
			return s.Max, nil
		}
	}
	for m, i := hi, 0; i < s.Probe && m < s.Max; i++ {
		m = min(2*m, s.Max)
		if _, err := pass(m); err != nil {
			return 0, err
		}
	}
	for hi-lo > max(1, int(s.Precision*float64(lo))) {
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

// Run measures, for every N, D, fan-in and mode of cfg (in that order), the
// largest number of patterns the network recalls with mean F1 ≥
// cfg.Threshold, by LargestPassing. Each evaluation runs its seeds in
// parallel through results.Sweep, so every run is a row of the CSV at path
// and a rerun reads the evaluations already made instead of running them
// again.
func Run(ctx context.Context, cfg Config, path string) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []Result
	for _, n := range cfg.Neurons {
		for _, d := range cfg.Delays {
			for _, k := range cfg.fanIns() {
				for _, mode := range cfg.Modes {
					res, err := cfg.measure(ctx, path, n, d, k, mode)
					if err != nil {
						return out, err
					}
					out = append(out, res)
				}
			}
		}
	}
	return out, nil
}

// newResult returns the result of one (N, D, fan-in k, T, mode) before
// any evaluation, with its bounds: a neuron has k·D weights with a fan-in
// (N·D without).
func newResult(n, d, k, t int, mode Mode) Result {
	weights := n // presynaptic neurons per neuron
	if k > 0 {
		weights = k
	}
	return Result{Neurons: n, Delays: d, FanIn: k, Steps: t, Mode: mode, F1: math.NaN(),
		Bound:          float64(n) * float64(weights) * float64(d) / float64(t-d),
		BoundPerNeuron: float64(weights) * float64(d) / float64(t-d)}
}

// measure finds the capacity of one (N, D, fan-in, mode).
func (c Config) measure(ctx context.Context, path string, n, d, k int, mode Mode) (Result, error) {
	res := newResult(n, d, k, c.Base.Patterns.T, mode)
	eval := func(m int) (float64, error) {
		ev, err := c.evaluate(ctx, path, n, d, k, mode, m)
		if err != nil {
			return 0, err
		}
		res.Evals = append(res.Evals, ev)
		if c.OnEval != nil {
			c.OnEval(ev)
		}
		return ev.F1, nil
	}
	search := Search{Start: c.start(mode, res.BoundPerNeuron), Probe: c.Probe, Max: c.MaxPatterns,
		Precision: c.Precision, Threshold: c.Threshold}
	capacity, err := search.Largest(eval)
	if err != nil {
		at := fmt.Sprintf("N = %d, D = %d", n, d)
		if k > 0 {
			at += fmt.Sprintf(", fan-in %d", k)
		}
		return res, fmt.Errorf("capacity at %s, %s: %w", at, mode, err)
	}
	res.Capacity = capacity
	res.exceptions()
	return res, nil
}

// exceptions sets F1 to the mean F1 at the capacity, FailsAt to the
// smallest failing M above it, and lists the tested M above it that
// passed.
func (r *Result) exceptions() {
	r.Exceptions, r.FailsAt = nil, 0
	for _, ev := range r.Evals {
		if ev.Patterns == r.Capacity {
			r.F1 = ev.F1
		}
		if ev.Pass && ev.Patterns > r.Capacity {
			r.Exceptions = append(r.Exceptions, ev.Patterns)
		}
		if !ev.Pass && ev.Patterns > r.Capacity && (r.FailsAt == 0 || ev.Patterns < r.FailsAt) {
			r.FailsAt = ev.Patterns
		}
	}
	slices.Sort(r.Exceptions)
}

// start returns the first M the search of mode tries at a cell whose
// N·D/(T−D) is perNeuron.
func (c Config) start(mode Mode, perNeuron float64) int {
	switch {
	case mode != Margin:
		return 1
	case c.MarginScale > 0:
		return max(int(math.Round(c.MarginScale*perNeuron)), 1)
	}
	return max(c.MarginStart, 1)
}

// evaluate runs (or reads from the CSV) the seeds of one evaluation and
// returns their mean F1.
func (c Config) evaluate(ctx context.Context, path string, n, d, fanIn int, mode Mode, m int) (Eval, error) {
	t := c.Base.Patterns.T
	values := []string{strconv.Itoa(n), strconv.Itoa(d), strconv.Itoa(t), mode.String(), strconv.Itoa(m)}
	if len(c.FanIns) > 0 {
		values = slices.Insert(values, 2, strconv.Itoa(fanIn))
	}
	jobs := make([]results.Job, c.Seeds)
	for k := range jobs {
		b := c.bench(n, d, fanIn, m, k)
		if mode != Margin {
			b.Margin = nil
		}
		jobs[k] = study.RecallJob(values, b, mode == Trained)
	}
	reused := -1
	tab := results.Table{Path: path, Columns: c.CSVColumns(), Settings: study.Settings{Benchmark: c.Base}}
	rows, err := results.Sweep(ctx, tab, jobs, func(done, _ int) {
		if reused < 0 {
			reused = done // the first call counts the rows found in the CSV
		}
	})
	if err != nil {
		return Eval{}, err
	}
	s := results.Summarise(rows)[0]
	return Eval{Neurons: n, Delays: d, FanIn: fanIn, Steps: t, Mode: mode, Patterns: m,
		Runs: s.Runs, Reused: max(reused, 0), F1: s.F1, F1Err: s.F1Err, Pass: s.F1 >= c.Threshold}, nil
}

// FromRows returns the capacity of every (N, D, fan-in, T, mode) that has
// evaluations among rows (a capacity CSV read with results.Read and its
// columns: Columns, or Config.CSVColumns with a fan_in column), whichever
// runs made them: an evaluation is the rows of one M with seeds 1 to
// seeds, complete only when all of them are there. The capacity is the
// largest M that passed while every smaller M tested passed, as in Run;
// Evals are in increasing M. The results are ordered by N, D, fan-in, T
// and mode.
func FromRows(rows []results.Row, threshold float64, seeds int) ([]Result, error) {
	type cell struct {
		n, d, k, t int
		mode       Mode
	}
	evals := map[cell][]Eval{}
	var kept []results.Row
	for _, r := range rows {
		if r.Seed >= 1 && r.Seed <= uint64(seeds) {
			kept = append(kept, r)
		}
	}
	for _, s := range results.Summarise(kept) {
		if s.Runs < seeds {
			continue // an evaluation cut short
		}
		cols := Columns()
		values := s.Values
		if len(values) == len(cols)+1 { // with fan_in after delays
			cols = Config{FanIns: []int{1}}.CSVColumns()
		}
		if len(values) != len(cols) {
			return nil, fmt.Errorf("capacity row %v: want the columns %v", values, cols)
		}
		v := map[string]int{}
		for i, col := range cols {
			if col == "mode" {
				continue
			}
			x, err := strconv.Atoi(values[i])
			if err != nil {
				return nil, fmt.Errorf("capacity row %v: %s is not an integer", values, col)
			}
			v[col] = x
		}
		mode, err := ParseMode(values[slices.Index(cols, "mode")])
		if err != nil {
			return nil, fmt.Errorf("capacity row %v: %w", values, err)
		}
		c := cell{v["neurons"], v["delays"], v["fan_in"], v["steps"], mode}
		evals[c] = append(evals[c], Eval{Neurons: c.n, Delays: c.d, FanIn: c.k, Steps: c.t, Mode: mode, Patterns: v["patterns"],
			Runs: s.Runs, Reused: s.Runs, F1: s.F1, F1Err: s.F1Err, Pass: s.F1 >= threshold})
	}
	var out []Result
	for c, es := range evals {
		slices.SortFunc(es, func(a, b Eval) int { return a.Patterns - b.Patterns })
		r := newResult(c.n, c.d, c.k, c.t, c.mode)
		r.Evals = es
		for _, e := range es {
			if !e.Pass {
				break
			}
			r.Capacity = e.Patterns
		}
		r.exceptions()
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Result) int {
		return cmp.Or(a.Neurons-b.Neurons, a.Delays-b.Delays, a.FanIn-b.FanIn, a.Steps-b.Steps, int(a.Mode)-int(b.Mode))
	})
	return out, nil
}

// WriteSummary writes one row per (N, D, mode): the capacity, the
// smallest failing M above it (fails_at; 0 when none failed and the
// capacity is a lower bound), the mean F1 at the capacity, both bounds,
// the number of evaluations and the exceptions, atomically. Results with
// a fan-in add a fan_in column after delays.
func WriteSummary(path string, rs []Result) error {
	fan := slices.ContainsFunc(rs, func(r Result) bool { return r.FanIn > 0 })
	return atomicfile.Write(path, func(w io.Writer) error {
		var sb strings.Builder
		if fan {
			sb.WriteString("neurons,delays,fan_in,steps,mode,capacity,fails_at,f1,bound,bound_per_neuron,evaluations,exceptions\n")
		} else {
			sb.WriteString("neurons,delays,steps,mode,capacity,fails_at,f1,bound,bound_per_neuron,evaluations,exceptions\n")
		}
		for _, r := range rs {
			ex := make([]string, len(r.Exceptions))
			for i, m := range r.Exceptions {
				ex[i] = strconv.Itoa(m)
			}
			if fan {
				fmt.Fprintf(&sb, "%d,%d,%d,", r.Neurons, r.Delays, r.FanIn)
			} else {
				fmt.Fprintf(&sb, "%d,%d,", r.Neurons, r.Delays)
			}
			fmt.Fprintf(&sb, "%d,%s,%d,%d,%s,%s,%s,%d,%s\n", r.Steps, r.Mode, r.Capacity, r.FailsAt,
				results.FormatFloat(r.F1), results.FormatFloat(r.Bound), results.FormatFloat(r.BoundPerNeuron), len(r.Evals), strings.Join(ex, ";"))
		}
		_, err := io.WriteString(w, sb.String())
		return err
	})
}

// Quick returns c shrunk to the quick preset: the quick benchmark with 2
// training epochs, N ∈ {64, 128}, D ∈ {10, 20} and 2 seeds.
func (c Config) Quick() Config {
	c.Base = c.Base.Quick()
	c.Base.Train.Epochs = 2
	c.Neurons, c.Delays, c.Seeds = []int{64, 128}, []int{10, 20}, 2
	return c
}
