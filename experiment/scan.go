package experiment

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/score"
)

// Scan parameters: each varies one setting of the benchmark with the
// others at their values in the base benchmark.
const (
	ScanDelays   = "delays"   // D (the cue length follows D)
	ScanSteps    = "steps"    // T
	ScanRate     = "p-a"      // p_A of patterns and background
	ScanPatterns = "patterns" // M
	ScanNeurons  = "neurons"  // N
	ScanTheta    = "theta"    // θ
	ScanTarget   = "target"   // initialisation target: matched, deconvolved, raw
	ScanInit     = "init"     // hebbian-row, hebbian-context, hebbian-column, pinv
	ScanTraining = "training" // init (initial weights only) or trained
)

// ScanParams returns the names of the parameters Scan can vary.
func ScanParams() []string {
	return []string{ScanDelays, ScanSteps, ScanRate, ScanPatterns, ScanNeurons, ScanTheta, ScanTarget, ScanInit, ScanTraining}
}

// ScanValues returns the default grid of a scan parameter: the published
// ranges (D 1 … 127, T 64 … 2048, p_A 2e-4 … 5e-2, M 1 … 64, N 64 … 2048)
// or, with quick, a few points around the quick benchmark.
func ScanValues(param string, quick bool) ([]string, error) {
	full := map[string]string{
		ScanDelays:   "1 3 5 11 21 41 81 127",
		ScanSteps:    "64 128 256 512 1024 2048",
		ScanRate:     "0.0002 0.0005 0.001 0.002 0.005 0.01 0.02 0.05",
		ScanPatterns: "1 2 4 8 16 32 64",
		ScanNeurons:  "64 128 256 512 1024 2048",
		ScanTheta:    "0.4 0.6 0.8 1 1.2",
		ScanTarget:   "matched deconvolved raw",
		ScanInit:     "hebbian-row hebbian-context hebbian-column pinv",
		ScanTraining: "init trained",
	}
	small := map[string]string{
		ScanDelays:   "3 5 10 20 40",
		ScanSteps:    "64 128 200 400",
		ScanRate:     "0.001 0.005 0.02",
		ScanPatterns: "1 2 4 8 16",
		ScanNeurons:  "32 64 128 256",
		ScanTheta:    "0.6 0.8 1",
		ScanTarget:   full[ScanTarget],
		ScanInit:     full[ScanInit],
		ScanTraining: full[ScanTraining],
	}
	grid := full
	if quick {
		grid = small
	}
	v, ok := grid[param]
	if !ok {
		return nil, fmt.Errorf("scan parameter %q is not known; use one of %s", param, strings.Join(ScanParams(), ", "))
	}
	return strings.Fields(v), nil
}

// ScanConfig describes a one-parameter scan.
type ScanConfig struct {
	Base   Benchmark
	Param  string
	Values []string
	Seeds  int
	// Trained trains every network before it is scored (Base.Train);
	// the "training" scan sets it per value.
	Trained bool
}

// apply returns the benchmark and training choice of one scan value.
func (c ScanConfig) apply(value string) (Benchmark, bool, error) {
	b, trained := c.Base, c.Trained
	num := func() (float64, error) {
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0, fmt.Errorf("scan %s: value %q is not a number", c.Param, value)
		}
		return v, nil
	}
	count := func() (int, error) {
		v, err := strconv.Atoi(value)
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("scan %s: value %q is not a positive whole number", c.Param, value)
		}
		return v, nil
	}
	var err error
	switch c.Param {
	case ScanDelays:
		var d int
		if d, err = count(); err == nil {
			b.Params.D, b.Params.Trigger = d, d
		}
	case ScanSteps:
		b.Patterns.T, err = count()
	case ScanPatterns:
		b.Patterns.M, err = count()
	case ScanNeurons:
		b.Patterns.N, err = count()
	case ScanRate:
		var p float64
		if p, err = num(); err == nil {
			b.Patterns.P, b.Params.PA = p, p
		}
	case ScanTheta:
		b.Params.Theta, err = num()
	case ScanTarget:
		b.Init.Target, err = initw.ParseTarget(value)
	case ScanInit:
		switch value {
		case "pinv":
			b.Init.Method = initw.PseudoInverse
		case "hebbian-row", "hebbian-context", "hebbian-column":
			b.Init.Method = initw.Hebbian
			b.Init.Norm, err = initw.ParseNorm(strings.TrimPrefix(value, "hebbian-"))
		default:
			err = fmt.Errorf("scan init: %q is not one of hebbian-row, hebbian-context, hebbian-column, pinv", value)
		}
	case ScanTraining:
		switch value {
		case "init":
			trained = false
		case "trained":
			trained = true
		default:
			err = fmt.Errorf("scan training: %q is not init or trained", value)
		}
	default:
		err = fmt.Errorf("scan parameter %q is not known; use one of %s", c.Param, strings.Join(ScanParams(), ", "))
	}
	if err != nil {
		return b, false, err
	}
	if err := b.Validate(); err != nil {
		return b, false, fmt.Errorf("scan %s = %s: %w", c.Param, value, err)
	}
	return b, trained, nil
}

// Scan stores Seeds independent pattern sets for every value of one
// parameter, recalls each and writes one CSV row per run to path (columns
// param, value, then Sweep's), resuming from the rows already there.
// Seed s of every value uses the pattern seed Base.Seed + s, so values are
// compared on the same draws where sizes allow.
func Scan(ctx context.Context, c ScanConfig, path string, progress func(done, total int)) ([]Row, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if len(c.Values) == 0 {
		return nil, fmt.Errorf("scan %s: no values", c.Param)
	}
	var jobs []Job
	for _, v := range c.Values {
		b, trained, err := c.apply(v)
		if err != nil {
			return nil, err
		}
		for s := 0; s < c.Seeds; s++ {
			bs := b
			bs.Seed = c.Base.Seed + uint64(s)
			bs.Train.Seed = c.Base.Train.Seed + uint64(s)
			jobs = append(jobs, Job{
				Values: []string{c.Param, v},
				Seed:   bs.Seed,
				Run: func(ctx context.Context) (score.Result, error) {
					st, err := bs.Store(ctx, trained)
					if err != nil {
						return score.Result{}, err
					}
					return st.Recall(0)
				},
			})
		}
	}
	return Sweep(ctx, path, []string{"param", "value"}, jobs, progress)
}

// ScanFigure draws F1 and loss (mean ± standard error over seeds) against
// the scanned value. Numeric parameters use their values as x (log scale
// for sizes and rates); the others are placed at 1, 2, … in the order
// given, named in the title.
func ScanFigure(param string, sums []Summary) figure.LinePlot {
	f1 := figure.Series{Name: "F1"}
	loss := figure.Series{Name: "loss = 1 − F1"}
	numeric := true
	xs := make([]float64, len(sums))
	names := make([]string, len(sums))
	for k, s := range sums {
		x, err := strconv.ParseFloat(s.Values[1], 64)
		numeric = numeric && err == nil
		xs[k] = x
		names[k] = fmt.Sprintf("%d = %s", k+1, s.Values[1])
	}
	title := "Scan of " + param
	if !numeric {
		// Categorical values: every point at its index, named in the title.
		for k := range xs {
			xs[k] = float64(k + 1)
		}
		title += " (" + strings.Join(names, ", ") + ")"
	}
	for k, s := range sums {
		f1.X, f1.Y, f1.Err = append(f1.X, xs[k]), append(f1.Y, s.F1), append(f1.Err, s.F1Err)
		loss.X, loss.Y, loss.Err = append(loss.X, xs[k]), append(loss.Y, s.Loss), append(loss.Err, s.LossErr)
	}
	lo, hi := 0.0, 1.0
	return figure.LinePlot{
		Title: title, XLabel: param, YLabel: "score (mean ± s.e. over seeds)",
		LogX:   numeric && param != ScanTheta,
		Series: []figure.Series{f1, loss}, YMin: &lo, YMax: &hi,
	}
}
