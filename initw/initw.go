// Package initw computes analytical initial weights from the patterns to
// store (SPEC §3): every window of the last D steps of a pattern is a
// context that should drive the spikes of the next step. Hebbian
// initialisation cross-correlates contexts with targets; the
// pseudo-inverse solves the least-squares regression from contexts to
// targets.
package initw

import (
	"context"
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Config selects an initialisation. The model parameters it is matched to
// (β, θ, reset, D) are not part of it: Init takes them from the
// network.Params the weights are made for. The zero Config is Hebbian with
// matched targets and row normalisation.
type Config struct {
	Method Method `json:"method"`
	Target Target `json:"target"`
	Norm   Norm   `json:"norm"` // Hebbian only
	// Tol is the relative residual at which conjugate gradients stop and
	// MaxIter bounds their iterations (pseudo-inverse only).
	Tol     float64 `json:"tol,omitempty"`
	MaxIter int     `json:"max_iter,omitempty"`
}

// Defaults returns the default initialisation: Hebbian, matched targets,
// row normalisation, which measured best over N = 256 … 1024 at M = 16,
// T = 1000 (see README).
func Defaults() Config {
	return Config{Method: Hebbian, Target: Matched, Norm: Row, Tol: 1e-4, MaxIter: 200}
}

// Validate checks the settings alone; Init also checks them against the
// network parameters and the patterns.
func (c Config) Validate() error {
	switch c.Method {
	case Hebbian:
		if !enum.Valid(normNames, c.Norm) {
			return fmt.Errorf("normalisation %v is not known; use %s", c.Norm, enum.Or(normNames))
		}
	case PseudoInverse:
		if !(c.Tol > 0) || c.MaxIter <= 0 {
			return fmt.Errorf("pseudo-inverse needs tol > 0 and max-iter > 0 (got %v, %d)", c.Tol, c.MaxIter)
		}
	default:
		return fmt.Errorf("init method %v is not known; use %s", c.Method, enum.Or(methodNames))
	}
	if !enum.Valid(targetNames, c.Target) {
		return fmt.Errorf("target %v is not known; use %s", c.Target, enum.Or(targetNames))
	}
	return nil
}

// check validates c, the parameters Init uses from p and the pattern set.
func check(set *raster.Set, p network.Params, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Target == Matched && (math.IsNaN(p.Theta) || p.Theta <= 0) {
		return fmt.Errorf("theta = %v: matched targets need the positive threshold of the network", p.Theta)
	}
	if math.IsNaN(p.Beta) || p.Beta < 0 || p.Beta >= 1 {
		return fmt.Errorf("beta = %v: must be in [0, 1)", p.Beta)
	}
	if p.D <= 0 {
		return fmt.Errorf("delays = %d: must be positive", p.D)
	}
	if err := set.Validate(); err != nil {
		return err
	}
	if set.T <= p.D {
		return fmt.Errorf("patterns of %d steps hold no context of %d delays; use longer patterns or fewer delays", set.T, p.D)
	}
	silent := true
	for _, p := range set.Patterns {
		for _, ns := range p.Steps[:set.T-1] {
			silent = silent && len(ns) == 0
		}
	}
	if silent {
		return fmt.Errorf("the patterns hold no spikes in any context window; nothing to store")
	}
	return nil
}

// Stats describe how weights were computed.
type Stats struct {
	Contexts   int     `json:"contexts"`    // K = M·(T − D)
	Active     int     `json:"active"`      // active entries over all contexts
	Z          float64 `json:"z,omitempty"` // Hebbian normalisation
	Iterations int     `json:"iterations,omitempty"`
	Residual   float64 `json:"residual,omitempty"` // largest relative residual
	// Synapses is the number of entries of sparse weights (InitSparse).
	Synapses int64 `json:"synapses,omitempty"`
}

// Init computes initial weights for the patterns of set, matched to the
// leak, threshold, reset and delays of p. It allocates one N×N×D tensor
// (two N·K-sized arrays more for the pseudo-inverse); callers that must
// refuse sizes beyond the machine's memory call network.CheckFits first.
func Init(set *raster.Set, p network.Params, c Config) (*network.Weights, Stats, error) {
	return InitContext(context.Background(), set, p, c)
}

// InitContext is Init that stops, returning ctx.Err(), soon after ctx is
// cancelled (between the pseudo-inverse's iterations).
func InitContext(ctx context.Context, set *raster.Set, p network.Params, c Config) (*network.Weights, Stats, error) {
	if err := check(set, p, c); err != nil {
		return nil, Stats{}, err
	}
	r := rule{target: c.Target, beta: p.Beta, theta: p.Theta, reset: p.Reset}
	if c.Method == PseudoInverse {
		return pinv(ctx, set, p.D, r, c)
	}
	return hebbian(ctx, set, p.D, r, c.Norm)
}

// term is one nonzero entry of a target vector y(μ, t).
type term struct {
	neuron int32
	value  float64
}

// rule is a target together with the model parameters it depends on.
type rule struct {
	target      Target
	beta, theta float64
	reset       network.Reset
}

// targets returns the nonzero entries of y(μ, t) for pattern p at step t.
func (c rule) targets(p *raster.Raster, t int, buf []term) []term {
	buf = buf[:0]
	prev := -c.beta // weight of S[t−1]
	if c.target == Matched {
		prev = c.theta - c.beta
	}
	if c.target == Raw || (c.target == Matched && c.reset == network.Zero) {
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
func hebbian(ctx context.Context, set *raster.Set, d int, c rule, norm Norm) (*network.Weights, Stats, error) {
	w := network.NewWeights(set.N, d)
	st := Stats{Contexts: set.M() * (set.T - d)}
	var ys []term
	for _, p := range set.Patterns {
		for t := d; t < set.T; t++ {
			if t%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, Stats{}, err
				}
			}
			size := contextSize(p, t, d)
			st.Active += size
			ys = c.targets(p, t, ys)
			if len(ys) == 0 || size == 0 {
				continue
			}
			scale := 1.0
			if norm == Row {
				scale = 1 / float64(size)
			}
			for k := 1; k <= d; k++ {
				for _, i := range p.Steps[t-k] {
					row := w.Row(int(i), k)
					for _, y := range ys {
						row[y.neuron] += scale * y.value
					}
				}
			}
		}
	}
	switch norm {
	case Column:
		st.Z = float64(st.Active) / float64(set.N*d)
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
