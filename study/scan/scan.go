// Package scan varies one setting of the benchmark at a time (D, T, p_A,
// M, N, θ, the initialisation target or method, training) and scores cued
// recall over independent seeds, one results row per run.
package scan

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

// Param is a setting a scan varies, with the others at their values in
// the base benchmark.
type Param int

// The parameters a scan can vary, in the order Params lists them.
const (
	Delays   Param = iota // D (the cue length follows D)
	Steps                 // T
	Rate                  // p_A of patterns and background
	Patterns              // M
	Neurons               // N
	Theta                 // θ
	Target                // initialisation target: matched, deconvolved, raw
	Init                  // hebbian-row, hebbian-context, hebbian-column, pinv
	Training              // init (initial weights only) or trained
)

var paramNames = []string{"delays", "steps", "p-a", "patterns", "neurons", "theta", "target", "init", "training"}

// Params returns every parameter a scan can vary.
func Params() []Param {
	return []Param{Delays, Steps, Rate, Patterns, Neurons, Theta, Target, Init, Training}
}

// String returns the parameter's name as in the CSV and on the command
// line: "delays", "steps", "p-a", "patterns", "neurons", "theta",
// "target", "init" or "training".
func (p Param) String() string { return enum.String("Param", paramNames, p) }

// ParseParam parses a parameter name (see String).
func ParseParam(s string) (Param, error) { return enum.Parse[Param]("scan parameter", paramNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (p Param) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Param) UnmarshalText(b []byte) (err error) { *p, err = ParseParam(string(b)); return err }

// Categorical reports whether the values of p are names rather than
// numbers (target, init, training).
func (p Param) Categorical() bool { return p == Target || p == Init || p == Training }

// Columns returns the parameter columns of a scan's CSV.
func Columns() []string { return []string{"param", "value"} }

// Values returns the default grid of a scan parameter: the published
// ranges (D 1 … 127, T 64 … 2048, p_A 2e-4 … 5e-2, M 1 … 64, N 64 … 2048)
// or, with quick, a few points around the quick benchmark.
func Values(param Param, quick bool) ([]string, error) {
	full := map[Param]string{
		Delays:   "1 3 5 11 21 41 81 127",
		Steps:    "64 128 256 512 1024 2048",
		Rate:     "0.0002 0.0005 0.001 0.002 0.005 0.01 0.02 0.05",
		Patterns: "1 2 4 8 16 32 64",
		Neurons:  "64 128 256 512 1024 2048",
		Theta:    "0.4 0.6 0.8 1 1.2",
		Target:   "matched deconvolved raw",
		Init:     "hebbian-row hebbian-context hebbian-column pinv",
		Training: "init trained",
	}
	small := map[Param]string{
		Delays:   "3 5 10 20 40",
		Steps:    "64 128 200 400",
		Rate:     "0.001 0.005 0.02",
		Patterns: "1 2 4 8 16",
		Neurons:  "32 64 128 256",
		Theta:    "0.6 0.8 1",
		Target:   full[Target],
		Init:     full[Init],
		Training: full[Training],
	}
	grid := full
	if quick {
		grid = small
	}
	v, ok := grid[param]
	if !ok {
		return nil, fmt.Errorf("scan parameter %v is not known; use %s", param, enum.Or(paramNames))
	}
	return strings.Fields(v), nil
}

// Config describes a one-parameter scan.
type Config struct {
	Base   study.Benchmark
	Param  Param
	Values []string
	Seeds  int
	// Trained trains every network before it is scored (Base.Train);
	// the "training" scan sets it per value.
	Trained bool
}

// apply returns the benchmark and training choice of one scan value.
func (c Config) apply(value string) (study.Benchmark, bool, error) {
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
	case Delays:
		var d int
		if d, err = count(); err == nil {
			b.Params.D, b.Params.Trigger = d, d
		}
	case Steps:
		b.Patterns.T, err = count()
	case Patterns:
		b.Patterns.M, err = count()
	case Neurons:
		b.Patterns.N, err = count()
	case Rate:
		var p float64
		if p, err = num(); err == nil {
			b.Patterns.P, b.Params.PA = p, p
		}
	case Theta:
		b.Params.Theta, err = num()
	case Target:
		b.Init.Target, err = initw.ParseTarget(value)
	case Init:
		switch value {
		case "pinv":
			b.Init.Method = initw.PseudoInverse
		case "hebbian-row", "hebbian-context", "hebbian-column":
			b.Init.Method = initw.Hebbian
			b.Init.Norm, err = initw.ParseNorm(strings.TrimPrefix(value, "hebbian-"))
		default:
			err = fmt.Errorf("scan init: %q is not one of hebbian-row, hebbian-context, hebbian-column, pinv", value)
		}
	case Training:
		switch value {
		case "init":
			trained = false
		case "trained":
			trained = true
		default:
			err = fmt.Errorf("scan training: %q is not init or trained", value)
		}
	default:
		err = fmt.Errorf("scan parameter %v is not known; use %s", c.Param, enum.Or(paramNames))
	}
	if err != nil {
		return b, false, err
	}
	if err := b.Validate(); err != nil {
		return b, false, fmt.Errorf("scan %s = %s: %w", c.Param, value, err)
	}
	return b, trained, nil
}

// Run stores Seeds independent pattern sets for every value of one
// parameter, recalls each and writes one results row per run to the CSV
// at path (columns param, value), resuming from the rows already there.
// Seed s of every value is c.Base.ForSeed(s), so values are compared on
// the same draws where sizes allow.
func Run(ctx context.Context, c Config, path string, progress func(done, total int)) ([]results.Row, error) {
	if c.Seeds <= 0 {
		return nil, fmt.Errorf("seeds = %d: need at least one", c.Seeds)
	}
	if len(c.Values) == 0 {
		return nil, fmt.Errorf("scan %s: no values", c.Param)
	}
	var jobs []results.Job
	for _, v := range c.Values {
		b, trained, err := c.apply(v)
		if err != nil {
			return nil, err
		}
		for s := range c.Seeds {
			jobs = append(jobs, study.RecallJob([]string{c.Param.String(), v}, b.ForSeed(s), trained))
		}
	}
	t := results.Table{Path: path, Columns: Columns(), Settings: study.Settings{Benchmark: c.Base, Trained: c.Trained}}
	return results.Sweep(ctx, t, jobs, progress)
}
