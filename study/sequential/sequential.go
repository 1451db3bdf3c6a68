// Package sequential recalls every stored pattern in turn in one long
// run (LongTrial): background, then each pattern's cue, its free replay
// and a gap of background. It scores the run step by step, per pattern
// and pooled, and as a sliding-window F1 over time.
package sequential

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// sequentialTag names the sequential experiment's random streams.
const sequentialTag uint64 = 0x73657175656e6365 // "sequence"

// DefaultGap is the default number of background steps between two
// patterns of a sequential run (4 × the default Pre of 50).
const DefaultGap = 200

// DefaultWindow is the default width, in steps, of the sliding F1 window.
const DefaultWindow = 50

// LongTrial is one run that recalls every pattern in turn: background for
// Pre steps, then for each pattern μ its cue (the first Trigger steps)
// clamped at Onsets[μ], T − Trigger free steps and Gap steps of
// background, then Post empty steps.
type LongTrial struct {
	// Input is the clamp x of the whole run, Expected the pattern steps
	// D … T−1 of each pattern at their place (empty elsewhere).
	Input, Expected *raster.Raster
	// Onsets[μ] is the first step of pattern μ's cue.
	Onsets []int
	// Pattern marks the scored steps (Onsets[μ]+D … Onsets[μ]+T−1 of
	// every μ) and Cue the clamped cue steps.
	Pattern, Cue []bool
	// D, T and Gap are the delays, the pattern length and the gap.
	D, T, Gap int
}

// Len returns the length of a run of m patterns of t steps with
// gap steps between them: Pre + m·(t + gap) + Post.
func Len(p network.Params, m, t, gap int) int {
	return p.Pre + m*(t+gap) + p.Post
}

// NewLongTrial lays out the run that cues every pattern of set in turn,
// with gap steps of Bernoulli(p.PA) background between patterns (and
// before the first, for p.Pre steps). When noise > 0 every cue is
// perturbed as by perturb.FlipCue at the patterns' mean rate. All randomness
// comes from streams named by seed, so the same seed gives the same run.
func NewLongTrial(p network.Params, set *raster.Set, gap int, noise float64, seed uint64) (*LongTrial, error) {
	if err := p.Validate(set.T); err != nil {
		return nil, err
	}
	if gap < 0 {
		return nil, fmt.Errorf("gap = %d: cannot be negative", gap)
	}
	if !(noise >= 0 && noise <= 1) {
		return nil, fmt.Errorf("noise = %v: must be a probability in [0, 1]", noise)
	}
	if set.M() == 0 {
		return nil, errors.New("no patterns to recall")
	}
	n, t, m := set.N, set.T, set.M()
	l := Len(p, m, t, gap)
	lt := &LongTrial{
		Input: raster.New(n, l), Expected: raster.New(n, l),
		Onsets: make([]int, m), Pattern: make([]bool, l), Cue: make([]bool, l),
		D: p.D, T: t, Gap: gap,
	}
	background := func(at, steps int, part uint64) {
		if steps <= 0 || p.PA <= 0 {
			return
		}
		noise := raster.Bernoulli(rng.Stream(seed, rng.Experiment, sequentialTag, part), n, steps, p.PA)
		copy(lt.Input.Steps[at:at+steps], noise.Steps)
	}
	background(0, p.Pre, 0)
	cue := min(p.Trigger, t)
	rate := perturb.MeanRate(set)
	for mu, pat := range set.Patterns {
		on := p.Pre + mu*(t+gap)
		lt.Onsets[mu] = on
		for s := 0; s < cue; s++ {
			lt.Input.Steps[on+s] = slices.Clone(pat.Steps[s])
			lt.Cue[on+s] = true
		}
		if noise > 0 {
			flipped := perturb.FlipCue(lt.Input, on, on+cue, noise, rate,
				rng.Stream(seed, rng.Experiment, sequentialTag, math.Float64bits(noise), uint64(mu)))
			copy(lt.Input.Steps[on:on+cue], flipped.Steps[on:on+cue])
		}
		for s := p.D; s < t; s++ {
			lt.Expected.Steps[on+s] = slices.Clone(pat.Steps[s])
			lt.Pattern[on+s] = true
		}
		background(on+t, gap, 1+uint64(mu))
	}
	return lt, nil
}

// Scored is the outcome of one long run.
type Scored struct {
	// Steps are the counts of every step of the run against the expected
	// raster.
	Steps []score.Counts
	// All pools the scored steps of every pattern; Patterns[μ] those of
	// pattern μ.
	All      score.Counts
	Patterns []score.Counts
}

// Run simulates the long trial on the weights w (dense or sparse) with
// parameters p and scores the network's spikes step by step.
func (lt *LongTrial) Run(w network.Synapses, p network.Params) (*Scored, error) {
	if want := Len(p, len(lt.Onsets), lt.T, lt.Gap); lt.Input.T != want {
		return nil, fmt.Errorf("the long clamp has %d steps, want Pre + M·(T+G) + Post = %d", lt.Input.T, want)
	}
	st, err := network.Simulate(w, p, lt.Input, network.Options{})
	if err != nil {
		return nil, fmt.Errorf("simulating the long run: %w", err)
	}
	r := &Scored{
		Steps:    score.Series(st.Spikes, lt.Expected, 0, 0, lt.Input.T),
		Patterns: make([]score.Counts, len(lt.Onsets)),
	}
	for mu, on := range lt.Onsets {
		for _, c := range r.Steps[on+lt.D : on+lt.T] {
			r.Patterns[mu] = r.Patterns[mu].Add(c)
		}
		r.All = r.All.Add(r.Patterns[mu])
	}
	return r, nil
}

// Config describes a sequential-retrieval experiment.
type Config struct {
	// Base is the benchmark; seed s is Base.ForSeed(s).
	Base study.Benchmark
	// Seeds is the number of independent networks.
	Seeds int
	// Gap is the number of background steps between two patterns.
	Gap int
	// Noise is the probability that a cue slot is redrawn (see
	// perturb.FlipCue).
	Noise float64
	// Window is the width of the sliding F1 window in steps.
	Window int
	// Trained trains every network first; otherwise the initial weights
	// are used.
	Trained bool
}

// Columns returns the parameter columns of the sequential CSV:
// gap, noise and pattern ("all" or the pattern index).
func Columns() []string { return []string{"gap", "noise", "pattern"} }

// Series is the sliding-window F1 of a sequential run over seeds. Entry k
// covers steps [k, k+Window) and is placed at its centre Step[k] = k +
// Window/2, whose masks it carries.
//
// F1 of a window that holds no expected and no produced spike is
// undefined (0/0). F1 is the mean over all seeds with such windows counted
// as 0, as score.Sliding does; Defined counts the seeds in which the window
// is defined and DefinedF1 is the mean over those seeds only, NaN where
// there is none (a silent gap). Figures draw DefinedF1.
type Series struct {
	Window           int
	Step             []int
	F1               []float64
	Defined          []int
	DefinedF1        []float64
	InPattern, InCue []bool
}

// Result holds the rows of a sequential experiment and the
// sliding-F1 series of its runs.
type Result struct {
	Rows   []results.Row
	Series Series
}

// seedRun is the lazily computed long run of one seed.
type seedRun struct {
	net  *study.Shared
	once sync.Once
	lt   *LongTrial
	run  *Scored
	err  error
}

// get returns the seed's layout and run, storing the network and
// simulating on the first call.
func (s *seedRun) get(ctx context.Context, c Config) (*LongTrial, *Scored, error) {
	s.once.Do(func() {
		st, err := s.net.Get(ctx)
		if err != nil {
			s.err = err
			return
		}
		b := st.Bench
		if s.lt, s.err = NewLongTrial(b.Params, st.Patterns, c.Gap, c.Noise, b.Seed); s.err != nil {
			return
		}
		s.run, s.err = s.lt.Run(st.Synapses(), b.Params)
	})
	return s.lt, s.run, s.err
}

// done reports whether the seed's run was computed.
func (s *seedRun) done() bool { return s.run != nil }

// Run runs the sequential-retrieval experiment: for each seed, one
// long run that cues every pattern in turn. It keeps the CSV at path
// (columns gap, noise, pattern, then the results columns; one row per seed with
// pattern "all" and one per seed and pattern), resuming from the rows
// already there, and the sliding-F1 series (mean over seeds) at
// seriesPath (see WriteSeries). When every row was already
// there and the series file matches the run's length, the series is read
// back instead of simulating again.
func Run(ctx context.Context, c Config, path, seriesPath string, progress func(done, total int)) (*Result, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if c.Gap < 0 {
		return nil, fmt.Errorf("gap = %d: cannot be negative", c.Gap)
	}
	if !(c.Noise >= 0 && c.Noise <= 1) {
		return nil, fmt.Errorf("noise = %v: must be a probability in [0, 1]", c.Noise)
	}
	if err := c.Base.Validate(); err != nil {
		return nil, err
	}
	l := Len(c.Base.Params, c.Base.Patterns.M, c.Base.Patterns.T, c.Gap)
	if c.Window <= 0 || c.Window > l {
		return nil, fmt.Errorf("window = %d: must be in 1 … %d, the length of the run", c.Window, l)
	}
	seeds := make([]seedRun, c.Seeds)
	for s := range seeds {
		seeds[s].net = study.NewShared(c.Base.ForSeed(s), c.Trained)
	}
	jobs := c.jobs(seeds)
	tab := results.Table{Path: path, Columns: Columns(), Settings: study.Settings{Benchmark: c.Base, Trained: c.Trained}}
	rows, err := results.Sweep(ctx, tab, jobs, progress)
	if err != nil {
		return nil, err
	}
	res := &Result{Rows: rows}
	ran := false
	for s := range seeds {
		ran = ran || seeds[s].done()
	}
	if !ran && seriesPath != "" {
		if s, err := ReadSeries(seriesPath); err == nil && len(s.F1) == l-c.Window+1 && s.Step[0] == c.Window/2 {
			s.Window = c.Window
			res.Series = s
			return res, nil
		}
	}
	// Simulate the seeds the sweep did not need, in parallel.
	if err := parallel.For(len(seeds), func(s int) error {
		_, _, err := seeds[s].get(ctx, c)
		return err
	}); err != nil {
		return nil, err
	}
	res.Series = slidingMean(seeds, c.Window)
	if seriesPath != "" {
		if err := WriteSeries(seriesPath, res.Series); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// jobs returns the jobs of a sequential run: per pattern ("all" first)
// and seed, the scores of that seed's long run, which the first job of the
// seed to run computes.
func (c Config) jobs(seeds []seedRun) []results.Job {
	gap, noise := strconv.Itoa(c.Gap), strconv.FormatFloat(c.Noise, 'g', -1, 64)
	var jobs []results.Job
	for mu := -1; mu < c.Base.Patterns.M; mu++ {
		name := "all"
		if mu >= 0 {
			name = strconv.Itoa(mu)
		}
		for s := range seeds {
			sd := &seeds[s]
			jobs = append(jobs, results.Job{
				Values: []string{gap, noise, name},
				Seed:   sd.net.Bench().Seed,
				Run: func(ctx context.Context) (score.Result, error) {
					_, run, err := sd.get(ctx, c)
					if err != nil {
						return score.Result{}, err
					}
					if mu < 0 {
						return run.All.Result(), nil
					}
					return run.Patterns[mu].Result(), nil
				},
			})
		}
	}
	return jobs
}

// slidingMean averages the sliding F1 of every seed's run, over all seeds
// (F1) and over the seeds in which each window is defined (DefinedF1).
func slidingMean(seeds []seedRun, w int) Series {
	lt := seeds[0].lt
	s := Series{Window: w}
	var sum []float64
	for k := range seeds {
		steps := seeds[k].run.Steps
		f1 := score.Sliding(steps, w)
		if s.F1 == nil {
			s.F1, sum, s.Defined = make([]float64, len(f1)), make([]float64, len(f1)), make([]int, len(f1))
		}
		events := slidingEvents(steps, w)
		for i, v := range f1 {
			s.F1[i] += v / float64(len(seeds))
			if events[i] > 0 {
				s.Defined[i]++
				sum[i] += v
			}
		}
	}
	for i := range s.F1 {
		c := i + w/2
		s.Step = append(s.Step, c)
		s.InPattern = append(s.InPattern, lt.Pattern[c])
		s.InCue = append(s.InCue, lt.Cue[c])
		if s.Defined[i] == len(seeds) {
			s.DefinedF1 = append(s.DefinedF1, s.F1[i]) // the same mean, to the bit
		} else {
			s.DefinedF1 = append(s.DefinedF1, definedMean(sum[i], s.Defined[i]))
		}
	}
	return s
}

// definedMean returns sum/n, or NaN when n is 0.
func definedMean(sum float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// slidingEvents returns, for every window of w steps, the number of
// expected and produced spikes in it (TP + FP + FN): 0 where F1 is
// undefined.
func slidingEvents(steps []score.Counts, w int) []int {
	out := make([]int, 0, max(len(steps)-w+1, 0))
	n := 0
	for t, c := range steps {
		n += c.TP + c.FP + c.FN
		if t >= w {
			o := steps[t-w]
			n -= o.TP + o.FP + o.FN
		}
		if t >= w-1 {
			out = append(out, n)
		}
	}
	return out
}

// seriesHeader is the header of the sliding-F1 CSV.
func seriesHeader() []string {
	return []string{"step", "f1", "in_pattern", "in_cue", "seeds_defined", "f1_defined"}
}

// WriteSeries atomically writes the series to path as CSV with
// the columns step, f1, in_pattern, in_cue (0 or 1).
func WriteSeries(path string, s Series) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(seriesHeader()); err != nil {
			return err
		}
		b := func(v bool) string {
			if v {
				return "1"
			}
			return "0"
		}
		for i := range s.F1 {
			def := ""
			if s.Defined[i] > 0 {
				def = results.FormatFloat(s.DefinedF1[i])
			}
			rec := []string{strconv.Itoa(s.Step[i]), results.FormatFloat(s.F1[i]), b(s.InPattern[i]), b(s.InCue[i]), strconv.Itoa(s.Defined[i]), def}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadSeries reads a series written by WriteSeries.
// The file does not record the window: Window is left zero.
func ReadSeries(path string) (Series, error) {
	var s Series
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 2 || !slices.Equal(recs[0], seriesHeader()) {
		return s, fmt.Errorf("%s: not a sliding-F1 series (want the columns %v)", path, seriesHeader())
	}
	for i, r := range recs[1:] {
		step, err1 := strconv.Atoi(r[0])
		f1, err2 := strconv.ParseFloat(r[1], 64)
		n, err3 := strconv.Atoi(r[4])
		def := math.NaN()
		var err4 error
		if n > 0 {
			def, err4 = strconv.ParseFloat(r[5], 64)
		}
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return s, fmt.Errorf("%s:%d: %w", path, i+2, err)
		}
		s.Step = append(s.Step, step)
		s.F1 = append(s.F1, f1)
		s.Defined = append(s.Defined, n)
		s.DefinedF1 = append(s.DefinedF1, def)
		s.InPattern = append(s.InPattern, r[2] == "1")
		s.InCue = append(s.InCue, r[3] == "1")
	}
	return s, nil
}
