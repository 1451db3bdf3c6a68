// Package initw computes analytical initial weights from the patterns to
// store (SPEC §3): every window of the last D steps of a pattern is a
// context that should drive the spikes of the next step. Hebbian
// initialisation cross-correlates contexts with targets; the
// pseudo-inverse solves the least-squares regression from contexts to
// targets.
package initw

import (
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Method names.
const (
	Hebbian       = "hebbian"
	PseudoInverse = "pinv"
)

// Target names: what each context should produce.
const (
	// Deconvolved targets y = S[t] − β·S[t−1]: the input current that
	// makes the leaky membrane cross threshold at the target step and
	// cancels its leftover charge the step after.
	Deconvolved = "deconvolved"
	// Raw targets y = S[t].
	Raw = "raw"
	// Matched targets are deconvolved with the network's own reset as
	// well as its leak: the current that puts the membrane exactly at 1
	// at target steps and at 0 elsewhere. Under subtract reset that is
	// y = S[t] + (θ − β)·S[t−1] (the reset already removes θ the step after
	// a spike); under zero reset it is y = S[t]. Plain deconvolution leaves
	// the membrane at −θ after every spike, so a neuron that must fire
	// again within a few steps misses; matched targets do not.
	Matched = "matched"
)

// Normalisation names for Hebbian weights.
const (
	// Column divides by the mean, over all (pre, delay) entries, of the
	// number of contexts with that entry on (the original work's choice).
	Column = "column"
	// Context divides by the mean number of active entries per context,
	// so a stored context drives its targets with current ≈ 1.
	Context = "context"
	// Row weights each context by 1 / its own number of active entries.
	Row = "row"
)

// Config selects an initialisation.
type Config struct {
	Method string  `json:"method"` // hebbian or pinv
	Target string  `json:"target"` // deconvolved or raw
	Norm   string  `json:"norm"`   // column, context or row (Hebbian only)
	Beta   float64 `json:"beta"`   // leak used to deconvolve targets
	// Theta and Reset are the network's threshold and reset, used by
	// matched targets.
	Theta float64       `json:"theta"`
	Reset network.Reset `json:"reset"`
	D     int           `json:"delays"`
	// Tol is the relative residual at which conjugate gradients stop and
	// MaxIter bounds their iterations (pseudo-inverse only).
	Tol     float64 `json:"tol,omitempty"`
	MaxIter int     `json:"max_iter,omitempty"`
}

// Defaults returns the default initialisation for a network: Hebbian,
// matched targets, row normalisation, which measured best over
// N = 256 … 1024 at M = 16, T = 1000 (see README).
func Defaults(p network.Params) Config {
	return Config{Method: Hebbian, Target: Matched, Norm: Row, Beta: p.Beta, Theta: p.Theta, Reset: p.Reset, D: p.D, Tol: 1e-4, MaxIter: 200}
}

// Validate checks the configuration against a pattern set.
func (c Config) Validate(set *raster.Set) error {
	switch c.Method {
	case Hebbian:
		switch c.Norm {
		case Column, Context, Row:
		default:
			return fmt.Errorf("normalisation %q is not known; use column, context or row", c.Norm)
		}
	case PseudoInverse:
		if !(c.Tol > 0) || c.MaxIter <= 0 {
			return fmt.Errorf("pseudo-inverse needs tol > 0 and max-iter > 0 (got %v, %d)", c.Tol, c.MaxIter)
		}
	default:
		return fmt.Errorf("init method %q is not known; use hebbian or pinv", c.Method)
	}
	switch c.Target {
	case Deconvolved, Raw:
	case Matched:
		if math.IsNaN(c.Theta) || c.Theta <= 0 {
			return fmt.Errorf("theta = %v: matched targets need the positive threshold of the network", c.Theta)
		}
	default:
		return fmt.Errorf("target %q is not known; use matched, deconvolved or raw", c.Target)
	}
	if math.IsNaN(c.Beta) || c.Beta < 0 || c.Beta >= 1 {
		return fmt.Errorf("beta = %v: must be in [0, 1)", c.Beta)
	}
	if c.D <= 0 {
		return fmt.Errorf("delays = %d: must be positive", c.D)
	}
	if err := set.Validate(); err != nil {
		return err
	}
	if set.T <= c.D {
		return fmt.Errorf("patterns of %d steps hold no context of %d delays; use longer patterns or fewer delays", set.T, c.D)
	}
	return network.CheckFits(set.N, c.D, 1)
}

// Stats describe how weights were computed.
type Stats struct {
	Contexts   int     `json:"contexts"`    // K = M·(T − D)
	Active     int     `json:"active"`      // active entries over all contexts
	Z          float64 `json:"z,omitempty"` // Hebbian normalisation
	Iterations int     `json:"iterations,omitempty"`
	Residual   float64 `json:"residual,omitempty"` // largest relative residual
}

// Init computes initial weights for the patterns of set.
func Init(set *raster.Set, c Config) (*network.Weights, Stats, error) {
	if err := c.Validate(set); err != nil {
		return nil, Stats{}, err
	}
	silent := true
	for _, p := range set.Patterns {
		for _, ns := range p.Steps[:set.T-1] {
			silent = silent && len(ns) == 0
		}
	}
	if silent {
		return nil, Stats{}, fmt.Errorf("the patterns hold no spikes in any context window; nothing to store")
	}
	if c.Method == PseudoInverse {
		return pinv(set, c)
	}
	return hebbian(set, c)
}

// term is one nonzero entry of a target vector y(μ, t).
type term struct {
	neuron int32
	value  float64
}

// targets returns the nonzero entries of y(μ, t) for pattern p at step t.
func (c Config) targets(p *raster.Raster, t int, buf []term) []term {
	buf = buf[:0]
	prev := -c.Beta // weight of S[t−1]
	if c.Target == Matched {
		prev = c.Theta - c.Beta
	}
	if c.Target == Raw || (c.Target == Matched && c.Reset == network.Zero) {
		for _, j := range p.Steps[t] {
			buf = append(buf, term{j, 1})
		}
		return buf
	}
	// Deconvolved: merge S[t] (+1) and S[t−1] (prev); both lists ascend.
	a, b := p.Steps[t], p.Steps[t-1]
	i, k := 0, 0
	for i < len(a) || k < len(b) {
		switch {
		case k == len(b) || (i < len(a) && a[i] < b[k]):
			buf = append(buf, term{a[i], 1})
			i++
		case i == len(a) || b[k] < a[i]:
			buf = append(buf, term{b[k], prev})
			k++
		default:
			buf = append(buf, term{a[i], 1 + prev})
			i++
			k++
		}
	}
	return buf
}

// contextSize returns the number of active entries of context (p, t).
func contextSize(p *raster.Raster, t, d int) int {
	n := 0
	for k := 1; k <= d; k++ {
		n += len(p.Steps[t-k])
	}
	return n
}

// hebbian computes W[j][i][d−1] = (1/Z) Σ_μ Σ_t y(μ,t)[j] · c(μ,t)[i,d].
func hebbian(set *raster.Set, c Config) (*network.Weights, Stats, error) {
	w, err := network.NewWeights(set.N, c.D)
	if err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Contexts: set.M() * (set.T - c.D)}
	var ys []term
	for _, p := range set.Patterns {
		for t := c.D; t < set.T; t++ {
			size := contextSize(p, t, c.D)
			st.Active += size
			ys = c.targets(p, t, ys)
			if len(ys) == 0 || size == 0 {
				continue
			}
			scale := 1.0
			if c.Norm == Row {
				scale = 1 / float64(size)
			}
			for k := 1; k <= c.D; k++ {
				for _, i := range p.Steps[t-k] {
					row := w.Row(int(i), k)
					for _, y := range ys {
						row[y.neuron] += scale * y.value
					}
				}
			}
		}
	}
	switch c.Norm {
	case Column:
		st.Z = float64(st.Active) / float64(set.N*c.D)
	case Context:
		st.Z = float64(st.Active) / float64(st.Contexts)
	case Row:
		st.Z = 1
	}
	if st.Z != 1 {
		inv := 1 / st.Z
		for k := range w.W {
			w.W[k] *= inv
		}
	}
	return w, st, nil
}
