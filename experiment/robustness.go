package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Cue perturbations of the robustness experiment. Each alters the cue
// window (steps Pre … Pre+Trigger−1) of every recall input.
const (
	// PerturbFlip redraws every (neuron, step) slot of the cue, with
	// probability p (the level), as a Bernoulli draw at the patterns'
	// mean rate.
	PerturbFlip = "flip"
	// PerturbTruncate keeps only the first k steps of the cue (the
	// level); the later cue steps are empty.
	PerturbTruncate = "truncate"
	// PerturbSilence silences n neurons (the level) during the cue: the
	// first n of a random permutation drawn once per seed, so that the
	// silenced sets are nested.
	PerturbSilence = "silence"
	// PerturbJitter moves every cue spike by a uniform integer offset in
	// [−k, k] (k is the level), clipped to the cue window.
	PerturbJitter = "jitter"
)

// robustnessTag names the robustness experiment's random streams, so that
// they never coincide with those of other experiments.
const robustnessTag uint64 = 0x726f627573740000 // "robust"

// PerturbKinds returns the cue perturbations Robustness knows, in order.
func PerturbKinds() []string {
	return []string{PerturbFlip, PerturbTruncate, PerturbSilence, PerturbJitter}
}

// perturbIndex returns the position of kind in PerturbKinds, used to name
// its random streams, or an error if it is not known.
func perturbIndex(kind string) (uint64, error) {
	k := slices.Index(PerturbKinds(), kind)
	if k < 0 {
		return 0, fmt.Errorf("cue perturbation %q is not known; use %s", kind, strings.Join(PerturbKinds(), ", "))
	}
	return uint64(k), nil
}

// RobustnessLevels returns the default levels of a perturbation for the
// benchmark b: flip p ∈ {0, 0.05, 0.1, 0.25, 0.5, 0.75, 1}; truncate k =
// 0 … Trigger steps kept (every step, or about 8 values with quick; k =
// Trigger is the intact cue); silence n = 0 … N neurons in 8 equal steps;
// jitter k ∈ {0, 1, 2, 3, 5, 8} steps.
func RobustnessLevels(kind string, b Benchmark, quick bool) ([]float64, error) {
	if _, err := perturbIndex(kind); err != nil {
		return nil, err
	}
	cue := cueLen(b)
	var lv []float64
	switch kind {
	case PerturbFlip:
		lv = []float64{0, 0.05, 0.1, 0.25, 0.5, 0.75, 1}
	case PerturbTruncate:
		if quick && cue > 7 {
			for i := 0; i <= 7; i++ {
				lv = append(lv, math.Round(float64(i*cue)/7))
			}
		} else {
			for k := 0; k <= cue; k++ {
				lv = append(lv, float64(k))
			}
		}
	case PerturbSilence:
		n := b.Patterns.N
		for i := 0; i <= 8; i++ {
			lv = append(lv, math.Round(float64(i*n)/8))
		}
	case PerturbJitter:
		lv = []float64{0, 1, 2, 3, 5, 8}
	}
	return slices.Compact(lv), nil
}

// cueLen returns the number of cue steps of a trial of b: Trigger, or T
// when the pattern is shorter.
func cueLen(b Benchmark) int { return min(b.Params.Trigger, b.Patterns.T) }

// checkLevel reports whether level is valid for a perturbation of a cue of
// cue steps in a network of n neurons.
func checkLevel(kind string, level float64, cue, n int) error {
	whole := level == math.Trunc(level) && level >= 0
	var ok bool
	var want string
	switch kind {
	case PerturbFlip:
		ok, want = level >= 0 && level <= 1, "a probability in [0, 1]"
	case PerturbTruncate:
		ok, want = whole && level <= float64(cue), fmt.Sprintf("a whole number of steps in 0 … %d", cue)
	case PerturbSilence:
		ok, want = whole && level <= float64(n), fmt.Sprintf("a whole number of neurons in 0 … %d", n)
	case PerturbJitter:
		ok, want = whole, "a whole number of steps ≥ 0"
	}
	if !ok {
		return fmt.Errorf("%s level %v: need %s", kind, level, want)
	}
	return nil
}

// RobustnessConfig describes a cue-robustness experiment.
type RobustnessConfig struct {
	// Base is the benchmark; seed s uses pattern seed Base.Seed + s and
	// training seed Base.Train.Seed + s.
	Base Benchmark
	// Kinds are the perturbations to run (nil: all of PerturbKinds).
	Kinds []string
	// Levels overrides the levels of a kind (absent: RobustnessLevels).
	Levels map[string][]float64
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

// RobustnessColumns returns the parameter columns of the robustness CSV.
func RobustnessColumns() []string { return []string{"kind", "level"} }

// RobustnessJobs returns one job per (kind, level, seed), in that order.
// The network of each seed is stored (and trained) once, by the first of
// its jobs to run, and shared by the others; a resumed sweep whose rows
// of a seed are all done never builds it. Every level of a seed is cued
// with the same background, so levels are compared on the same trials.
func RobustnessJobs(c RobustnessConfig) ([]Job, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if err := c.Base.Validate(); err != nil {
		return nil, err
	}
	kinds := c.Kinds
	if len(kinds) == 0 {
		kinds = PerturbKinds()
	}
	nets := make([]lazyStored, c.Seeds)
	for s := range nets {
		b := c.Base
		b.Seed = c.Base.Seed + uint64(s)
		b.Train.Seed = c.Base.Train.Seed + uint64(s)
		nets[s].bench, nets[s].trained = b, c.Trained
	}
	var jobs []Job
	for _, kind := range kinds {
		ki, err := perturbIndex(kind)
		if err != nil {
			return nil, err
		}
		levels, ok := c.Levels[kind]
		if !ok {
			if levels, err = RobustnessLevels(kind, c.Base, c.Quick); err != nil {
				return nil, err
			}
		}
		if len(levels) == 0 {
			return nil, fmt.Errorf("%s: no levels", kind)
		}
		for _, level := range levels {
			if err := checkLevel(kind, level, cueLen(c.Base), c.Base.Patterns.N); err != nil {
				return nil, err
			}
			for s := range nets {
				net := &nets[s]
				jobs = append(jobs, Job{
					Values: []string{kind, strconv.FormatFloat(level, 'g', -1, 64)},
					Seed:   net.bench.Seed,
					Run: func(ctx context.Context) (score.Result, error) {
						st, err := net.get(ctx)
						if err != nil {
							return score.Result{}, err
						}
						xs, err := PerturbInputs(st, kind, level, robustnessStream(net.bench.Seed, ki, level))
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

// Robustness runs the cue-robustness experiment and keeps its CSV at path
// (columns kind, level, then Sweep's), resuming from the rows already
// there.
func Robustness(ctx context.Context, c RobustnessConfig, path string, progress func(done, total int)) ([]Row, error) {
	jobs, err := RobustnessJobs(c)
	if err != nil {
		return nil, err
	}
	return Sweep(ctx, path, RobustnessColumns(), jobs, progress)
}

// lazyStored builds the stored network of one seed on first use and hands
// the same one to every later caller.
type lazyStored struct {
	bench   Benchmark
	trained bool
	once    sync.Once
	st      *Stored
	err     error
}

// get returns the network, storing it on the first call. The context of
// the first caller governs the build.
func (l *lazyStored) get(ctx context.Context) (*Stored, error) {
	l.once.Do(func() {
		l.st, l.err = l.bench.Store(ctx, l.trained)
		if l.err != nil {
			l.err = fmt.Errorf("storing the network of seed %d: %w", l.bench.Seed, l.err)
		}
	})
	return l.st, l.err
}

// robustnessStream returns the generator maker of one (seed, kind, level):
// part μ gives the stream of pattern μ's cue; part −1 (as uint64) the
// seed's silencing permutation, shared by every level.
func robustnessStream(seed, kind uint64, level float64) func(part uint64) *rand.Rand {
	return func(part uint64) *rand.Rand {
		if part == math.MaxUint64 {
			return rng.Stream(seed, rng.Experiment, robustnessTag, kind)
		}
		return rng.Stream(seed, rng.Experiment, robustnessTag, kind, math.Float64bits(level), part)
	}
}

// PerturbInputs returns the recall inputs of st (background round 0) with
// the cue of every pattern perturbed by kind at level. stream(μ) gives the
// random generator of pattern μ; stream(math.MaxUint64) that of the
// silencing permutation, which must not depend on the level.
func PerturbInputs(st *Stored, kind string, level float64, stream func(part uint64) *rand.Rand) ([]*raster.Raster, error) {
	p, set := st.Bench.Params, st.Patterns
	from, to := p.Pre, p.Pre+min(p.Trigger, set.T)
	if err := checkLevel(kind, level, to-from, set.N); err != nil {
		return nil, err
	}
	xs := st.Inputs(0)
	switch kind {
	case PerturbFlip:
		rate := setRate(set)
		for m, x := range xs {
			xs[m] = FlipCue(x, from, to, level, rate, stream(uint64(m)))
		}
	case PerturbTruncate:
		for m, x := range xs {
			xs[m] = TruncateCue(x, from, to, int(level))
		}
	case PerturbSilence:
		silent := stream(math.MaxUint64).Perm(set.N)[:int(level)]
		for m, x := range xs {
			xs[m] = SilenceCue(x, from, to, silent)
		}
	case PerturbJitter:
		for m, x := range xs {
			xs[m] = JitterCue(x, from, to, int(level), stream(uint64(m)))
		}
	default:
		_, err := perturbIndex(kind)
		return nil, err
	}
	return xs, nil
}

// setRate returns the mean firing probability per neuron and step of the
// patterns of set.
func setRate(set *raster.Set) float64 {
	if set.M() == 0 {
		return 0
	}
	r := 0.0
	for _, pat := range set.Patterns {
		r += pat.Rate()
	}
	return r / float64(set.M())
}

// FlipCue returns a copy of the clamp x whose cue window, steps [from,
// to), has every (neuron, step) slot redrawn with probability p as a
// Bernoulli(rate) draw. Slots are visited step by step, neuron by neuron,
// with one draw from r to decide and one more for a redrawn slot. p = 0
// returns an exact copy; p = 1 replaces the cue by fresh noise.
func FlipCue(x *raster.Raster, from, to int, p, rate float64, r *rand.Rand) *raster.Raster {
	y := x.Clone()
	if p <= 0 {
		return y
	}
	for t := max(from, 0); t < min(to, x.T); t++ {
		old := x.Steps[t]
		var out []int32
		for i := 0; i < x.N; i++ {
			on := len(old) > 0 && int(old[0]) == i
			if on {
				old = old[1:]
			}
			if r.Float64() < p {
				on = r.Float64() < rate
			}
			if on {
				out = append(out, int32(i))
			}
		}
		y.Steps[t] = out
	}
	return y
}

// TruncateCue returns a copy of the clamp x that keeps only the first k
// steps of the cue window [from, to); its later steps are empty.
func TruncateCue(x *raster.Raster, from, to, k int) *raster.Raster {
	y := x.Clone()
	for t := max(from+k, 0); t < min(to, x.T); t++ {
		y.Steps[t] = nil
	}
	return y
}

// SilenceCue returns a copy of the clamp x in which the given neurons
// emit nothing during the cue window [from, to).
func SilenceCue(x *raster.Raster, from, to int, neurons []int) *raster.Raster {
	y := x.Clone()
	if len(neurons) == 0 {
		return y
	}
	quiet := make([]bool, x.N)
	for _, i := range neurons {
		if i >= 0 && i < x.N {
			quiet[i] = true
		}
	}
	for t := max(from, 0); t < min(to, x.T); t++ {
		y.Steps[t] = slices.DeleteFunc(y.Steps[t], func(i int32) bool { return quiet[i] })
	}
	return y
}

// JitterCue returns a copy of the clamp x in which every spike of the cue
// window [from, to) is moved by an offset drawn uniformly from [−k, k]
// (one draw from r per spike, step by step, neuron by neuron) and clipped
// to the window; spikes of a neuron that land on the same step merge.
// k = 0 returns an exact copy.
func JitterCue(x *raster.Raster, from, to, k int, r *rand.Rand) *raster.Raster {
	y := x.Clone()
	from, to = max(from, 0), min(to, x.T)
	if k <= 0 || from >= to {
		return y
	}
	moved := make([][]int32, to-from)
	for t := from; t < to; t++ {
		for _, i := range x.Steps[t] {
			s := min(max(t+r.IntN(2*k+1)-k, from), to-1)
			moved[s-from] = append(moved[s-from], i)
		}
	}
	for t := from; t < to; t++ {
		s := moved[t-from]
		slices.Sort(s)
		y.Steps[t] = slices.Compact(s)
	}
	return y
}

// RobustnessFigure draws F1 (mean ± standard error over seeds), precision
// and recall (means) against the level of one perturbation, from the
// summaries of its rows.
func RobustnessFigure(kind string, sums []Summary, b Benchmark) figure.LinePlot {
	f1 := figure.Series{Name: "F1 (mean ± s.e.)"}
	pr := figure.Series{Name: "precision"}
	rc := figure.Series{Name: "recall"}
	for _, s := range sums {
		if len(s.Values) != 2 || s.Values[0] != kind {
			continue
		}
		x, err := strconv.ParseFloat(s.Values[1], 64)
		if err != nil {
			continue
		}
		f1.X, f1.Y, f1.Err = append(f1.X, x), append(f1.Y, s.F1), append(f1.Err, s.F1Err)
		pr.X, pr.Y = append(pr.X, x), append(pr.Y, s.Precision)
		rc.X, rc.Y = append(rc.X, x), append(rc.Y, s.Recall)
	}
	xlabel := map[string]string{
		PerturbFlip:     "probability p that a cue slot is redrawn at the pattern rate",
		PerturbTruncate: fmt.Sprintf("cue steps kept k (of %d)", cueLen(b)),
		PerturbSilence:  fmt.Sprintf("neurons silenced during the cue (of N = %d)", b.Patterns.N),
		PerturbJitter:   "cue spike jitter k (uniform offset in [−k, k] steps)",
	}[kind]
	what := map[string]string{
		PerturbFlip:     "Flipped cue slots",
		PerturbTruncate: "Truncated cue",
		PerturbSilence:  "Silenced cue neurons",
		PerturbJitter:   "Jittered cue spikes",
	}[kind]
	lo, hi := 0.0, 1.05
	return figure.LinePlot{
		Title: fmt.Sprintf("%s (N = %d, M = %d, T = %d, D = %d)",
			what, b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Params.D),
		XLabel: xlabel, YLabel: "score over seeds",
		Series: []figure.Series{f1, pr, rc}, YMin: &lo, YMax: &hi,
	}
}
