package experiment

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
	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
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

// SequentialLen returns the length of a run of m patterns of t steps with
// gap steps between them: Pre + m·(t + gap) + Post.
func SequentialLen(p network.Params, m, t, gap int) int {
	return p.Pre + m*(t+gap) + p.Post
}

// NewLongTrial lays out the run that cues every pattern of set in turn,
// with gap steps of Bernoulli(p.PA) background between patterns (and
// before the first, for p.Pre steps). When noise > 0 every cue is
// perturbed as by FlipCue at the patterns' mean rate. All randomness
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
	l := SequentialLen(p, m, t, gap)
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
	rate := setRate(set)
	for mu, pat := range set.Patterns {
		on := p.Pre + mu*(t+gap)
		lt.Onsets[mu] = on
		for s := 0; s < cue; s++ {
			lt.Input.Steps[on+s] = slices.Clone(pat.Steps[s])
			lt.Cue[on+s] = true
		}
		if noise > 0 {
			flipped := FlipCue(lt.Input, on, on+cue, noise, rate,
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

// SequentialRun is the outcome of one long run.
type SequentialRun struct {
	// Steps are the counts of every step of the run against the expected
	// raster.
	Steps []score.Counts
	// All pools the scored steps of every pattern; Patterns[μ] those of
	// pattern μ.
	All      score.Counts
	Patterns []score.Counts
}

// Run simulates the long trial on the weights w with parameters p and
// scores the network's spikes step by step.
func (lt *LongTrial) Run(w *network.Weights, p network.Params) (*SequentialRun, error) {
	if want := SequentialLen(p, len(lt.Onsets), lt.T, lt.Gap); lt.Input.T != want {
		return nil, fmt.Errorf("the long clamp has %d steps, want Pre + M·(T+G) + Post = %d", lt.Input.T, want)
	}
	st, err := network.Simulate(w, p, lt.Input, network.Options{})
	if err != nil {
		return nil, fmt.Errorf("simulating the long run: %w", err)
	}
	r := &SequentialRun{
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

// SequentialConfig describes a sequential-retrieval experiment.
type SequentialConfig struct {
	// Base is the benchmark; seed s uses pattern seed Base.Seed + s and
	// training seed Base.Train.Seed + s.
	Base Benchmark
	// Seeds is the number of independent networks.
	Seeds int
	// Gap is the number of background steps between two patterns.
	Gap int
	// Noise is the probability that a cue slot is redrawn (see FlipCue).
	Noise float64
	// Window is the width of the sliding F1 window in steps.
	Window int
	// Trained trains every network first; otherwise the initial weights
	// are used.
	Trained bool
}

// SequentialColumns returns the parameter columns of the sequential CSV:
// gap, noise and pattern ("all" or the pattern index).
func SequentialColumns() []string { return []string{"gap", "noise", "pattern"} }

// SequentialSeries is the sliding-window F1 of a sequential run, averaged
// over seeds. Entry k covers steps [k, k+Window) and is placed at its
// centre Step[k] = k + Window/2, whose masks it carries.
type SequentialSeries struct {
	Window           int
	Step             []int
	F1               []float64
	InPattern, InCue []bool
}

// SequentialResult holds the rows of a sequential experiment and the
// sliding-F1 series of its runs.
type SequentialResult struct {
	Rows   []Row
	Series SequentialSeries
}

// sequentialSeed is the lazily computed long run of one seed.
type sequentialSeed struct {
	net  lazyStored
	once sync.Once
	lt   *LongTrial
	run  *SequentialRun
	err  error
}

// get returns the seed's layout and run, storing the network and
// simulating on the first call.
func (s *sequentialSeed) get(ctx context.Context, c SequentialConfig) (*LongTrial, *SequentialRun, error) {
	s.once.Do(func() {
		st, err := s.net.get(ctx)
		if err != nil {
			s.err = err
			return
		}
		b := st.Bench
		if s.lt, s.err = NewLongTrial(b.Params, st.Patterns, c.Gap, c.Noise, b.Seed); s.err != nil {
			return
		}
		s.run, s.err = s.lt.Run(st.Weights, b.Params)
	})
	return s.lt, s.run, s.err
}

// done reports whether the seed's run was computed.
func (s *sequentialSeed) done() bool { return s.run != nil }

// Sequential runs the sequential-retrieval experiment: for each seed, one
// long run that cues every pattern in turn. It keeps the CSV at path
// (columns gap, noise, pattern, then Sweep's; one row per seed with
// pattern "all" and one per seed and pattern), resuming from the rows
// already there, and the sliding-F1 series (mean over seeds) at
// seriesPath (see WriteSequentialSeries). When every row was already
// there and the series file matches the run's length, the series is read
// back instead of simulating again.
func Sequential(ctx context.Context, c SequentialConfig, path, seriesPath string, progress func(done, total int)) (*SequentialResult, error) {
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
	l := SequentialLen(c.Base.Params, c.Base.Patterns.M, c.Base.Patterns.T, c.Gap)
	if c.Window <= 0 || c.Window > l {
		return nil, fmt.Errorf("window = %d: must be in 1 … %d, the length of the run", c.Window, l)
	}
	seeds := make([]sequentialSeed, c.Seeds)
	for s := range seeds {
		b := c.Base
		b.Seed = c.Base.Seed + uint64(s)
		b.Train.Seed = c.Base.Train.Seed + uint64(s)
		seeds[s].net = lazyStored{bench: b, trained: c.Trained}
	}
	gap, noise := strconv.Itoa(c.Gap), strconv.FormatFloat(c.Noise, 'g', -1, 64)
	var jobs []Job
	for mu := -1; mu < c.Base.Patterns.M; mu++ {
		name := "all"
		if mu >= 0 {
			name = strconv.Itoa(mu)
		}
		for s := range seeds {
			sd := &seeds[s]
			jobs = append(jobs, Job{
				Values: []string{gap, noise, name},
				Seed:   sd.net.bench.Seed,
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
	rows, err := Sweep(ctx, path, SequentialColumns(), jobs, progress)
	if err != nil {
		return nil, err
	}
	res := &SequentialResult{Rows: rows}
	ran := false
	for s := range seeds {
		ran = ran || seeds[s].done()
	}
	if !ran && seriesPath != "" {
		if s, err := ReadSequentialSeries(seriesPath); err == nil && len(s.F1) == l-c.Window+1 && s.Step[0] == c.Window/2 {
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
		if err := WriteSequentialSeries(seriesPath, res.Series); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// slidingMean averages the sliding F1 of every seed's run.
func slidingMean(seeds []sequentialSeed, w int) SequentialSeries {
	lt := seeds[0].lt
	s := SequentialSeries{Window: w}
	for k := range seeds {
		f1 := score.Sliding(seeds[k].run.Steps, w)
		if s.F1 == nil {
			s.F1 = make([]float64, len(f1))
		}
		for i, v := range f1 {
			s.F1[i] += v / float64(len(seeds))
		}
	}
	for i := range s.F1 {
		c := i + w/2
		s.Step = append(s.Step, c)
		s.InPattern = append(s.InPattern, lt.Pattern[c])
		s.InCue = append(s.InCue, lt.Cue[c])
	}
	return s
}

// seriesHeader is the header of the sliding-F1 CSV.
func seriesHeader() []string { return []string{"step", "f1", "in_pattern", "in_cue"} }

// WriteSequentialSeries atomically writes the series to path as CSV with
// the columns step, f1, in_pattern, in_cue (0 or 1).
func WriteSequentialSeries(path string, s SequentialSeries) error {
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
			if err := cw.Write([]string{strconv.Itoa(s.Step[i]), fmtFloat(s.F1[i]), b(s.InPattern[i]), b(s.InCue[i])}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadSequentialSeries reads a series written by WriteSequentialSeries.
// The file does not record the window: Window is left zero.
func ReadSequentialSeries(path string) (SequentialSeries, error) {
	var s SequentialSeries
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
		if err := errors.Join(err1, err2); err != nil {
			return s, fmt.Errorf("%s:%d: %w", path, i+2, err)
		}
		s.Step = append(s.Step, step)
		s.F1 = append(s.F1, f1)
		s.InPattern = append(s.InPattern, r[2] == "1")
		s.InCue = append(s.InCue, r[3] == "1")
	}
	return s, nil
}

// SequentialFigure draws the sliding F1 over the whole run, with the
// scored pattern steps and the cue steps shaded behind it.
func SequentialFigure(s SequentialSeries, b Benchmark, gap int, noise float64) figure.LinePlot {
	f1 := figure.Series{Name: fmt.Sprintf("sliding F1 (w = %d)", s.Window)}
	for i, step := range s.Step {
		f1.X, f1.Y = append(f1.X, float64(step)), append(f1.Y, s.F1[i])
	}
	lo, hi := 0.0, 1.05
	title := fmt.Sprintf("Sequential recall, M = %d (N = %d, gap %d", b.Patterns.M, b.Patterns.N, gap)
	if noise > 0 {
		title += fmt.Sprintf(", noise %g", noise)
	}
	return figure.LinePlot{
		Title: title + ")", XLabel: "step (window centre)", YLabel: "F1 (mean over seeds)",
		Series: []figure.Series{f1}, YMin: &lo, YMax: &hi,
		Bands: []figure.Band{
			{Name: "pattern (scored)", Spans: seqSpans(s.Step, s.InPattern)},
			{Name: "cue", Spans: seqSpans(s.Step, s.InCue)},
		},
	}
}

// seqSpans returns the runs of consecutive entries of steps where in is
// true, each as [first step, last step + 1).
func seqSpans(steps []int, in []bool) [][2]float64 {
	var spans [][2]float64
	for i := 0; i < len(steps); i++ {
		if !in[i] {
			continue
		}
		j := i
		for j+1 < len(steps) && in[j+1] {
			j++
		}
		spans = append(spans, [2]float64{float64(steps[i]), float64(steps[j] + 1)})
		i = j
	}
	return spans
}
