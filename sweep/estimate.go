package sweep

import (
	"strconv"
	"strings"
)

// Sizes are the network and pattern sizes a task uses at most.
type Sizes struct {
	N, D, M, T int
}

// tensors is the number of N×N×D float64 tensors a trained run holds at
// once: weights, gradient, two Adam moments and the best weights. It is
// the count the experiments check against the available memory before
// they start (experiment.Benchmark.Validate asks network.CheckFits for 5
// copies); that estimate is not exported as a function of the flags, so
// it is recomputed here from the command line's sizes.
const tensors = 5

// baseBytes covers the Go runtime, the simulation's spike buffers and the
// figures, measured at well under 200 MB on the quick sizes.
const baseBytes = 256 << 20

// Bytes returns the memory estimate of a task of these sizes in bytes:
// tensors·N²·D·8 for the weights and their training copies, plus M·N·T
// bytes of patterns (dense uint8, an upper bound: rasters are stored as
// spike lists), plus a fixed base.
func (z Sizes) Bytes() int64 {
	w := int64(z.N) * int64(z.N) * int64(z.D) * 8 * tensors
	return w + int64(z.M)*int64(z.N)*int64(z.T) + baseBytes
}

// sizes returns the largest sizes a task's flags give, with the command
// line's defaults (N = 512, D = 41, M = 16, T = 1000; --quick: N = 128,
// D = 20, M = 4, T = 200, as "hdsnn experiment --help" states) for the
// flags not given. A scan of delays, neurons, patterns or steps takes the
// largest scanned value; capacity takes the largest of --neurons-list and
// --delays-list and M = --max-patterns (an upper bound: the search stops
// at the first M that fails).
func (t Task) sizes(study string) Sizes {
	quick := t.Flags["quick"] == "true"
	z := Sizes{N: 512, D: 41, M: 16, T: 1000}
	if quick {
		z = Sizes{N: 128, D: 20, M: 4, T: 200}
	}
	set := func(dst *int, flag string) {
		if v, ok := largest(t.Flags[flag]); ok {
			*dst = v
		}
	}
	set(&z.N, "neurons")
	set(&z.D, "delays")
	set(&z.M, "patterns")
	set(&z.T, "steps")
	switch study {
	case "scan":
		grid := map[string]struct {
			dst         *int
			full, quick int
		}{
			"delays":   {&z.D, 127, 40},
			"neurons":  {&z.N, 2048, 256},
			"patterns": {&z.M, 64, 16},
			"steps":    {&z.T, 2048, 400},
		}
		param := t.Flags["param"]
		if param == "" {
			param = "delays"
		}
		if g, ok := grid[param]; ok {
			v, given := largest(t.Flags["values"])
			switch {
			case given:
			case quick:
				v = g.quick
			default:
				v = g.full
			}
			*g.dst = v
		}
	case "capacity":
		z.N, z.D, z.M = 1024, 81, 4096
		if quick {
			z.N, z.D = 128, 20
		}
		set(&z.N, "neurons-list")
		set(&z.D, "delays-list")
		set(&z.M, "max-patterns")
	}
	return z
}

// largest returns the largest whole number in a comma-separated list.
func largest(s string) (int, bool) {
	best, ok := 0, false
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > best {
			best, ok = v, true
		}
	}
	return best, ok
}

// Estimate returns the sizes and the memory estimate in bytes of task t.
func (p Plan) Estimate(t Task) (Sizes, int64) {
	z := t.sizes(p.Spec.Experiment)
	return z, z.Bytes()
}

// MaxBytes returns the largest memory estimate over the plan's tasks.
func (p Plan) MaxBytes() int64 {
	var m int64
	for _, t := range p.Tasks {
		if _, b := p.Estimate(t); b > m {
			m = b
		}
	}
	return m
}
