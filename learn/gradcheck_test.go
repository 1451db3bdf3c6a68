package learn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// dense is a naive, dense implementation of one trial and its backward
// pass with the rules of SPEC §4, written independently of the
// event-driven engine. With smooth set, the spike is the smooth function
// s = h(u − θ) + 1/α with h(x) = x / (1 + α|x|), whose derivative is
// exactly the fast-sigmoid surrogate, so the loss is differentiable and
// finite differences can check the backward rules.
type dense struct {
	n, d, l    int
	p          network.Params
	alpha      float64
	smooth     bool
	x, target  []float64 // x: N×L clamp; target: N×L (pattern shifted to trial time, scored steps only)
	scoredFrom int
	scoredTo   int
}

func (m *dense) spike(u float64) float64 {
	if !m.smooth {
		if u > m.p.Theta {
			return 1
		}
		return 0
	}
	v := u - m.p.Theta
	return v/(1+m.alpha*math.Abs(v)) + 1/m.alpha
}

// forward returns u, s, seen (all N×L) for weights w in the SPEC layout
// w[(j*n+i)*d + k].
func (m *dense) forward(w []float64) (u, s, seen []float64) {
	n, d, l := m.n, m.d, m.l
	u, s, seen = make([]float64, n*l), make([]float64, n*l), make([]float64, n*l)
	for i := 0; i < n; i++ {
		for t := 0; t < d; t++ {
			seen[i*l+t] = m.x[i*l+t]
		}
	}
	for t := d; t < l; t++ {
		for j := 0; j < n; j++ {
			cur := 0.0
			for i := 0; i < n; i++ {
				for k := 0; k < d; k++ {
					cur += w[(j*n+i)*d+k] * seen[i*l+t-k-1]
				}
			}
			prev := 0.0
			if t > d {
				prev = u[j*l+t-1]
			}
			r := 0.0
			if prev > m.p.Theta {
				r = 1
			}
			if m.p.Reset == network.Subtract {
				u[j*l+t] = m.p.Beta*prev + cur - m.p.Theta*r
			} else {
				u[j*l+t] = m.p.Beta*(1-r)*prev + cur
			}
		}
		for j := 0; j < n; j++ {
			s[j*l+t] = m.spike(u[j*l+t])
			xv := m.x[j*l+t]
			seen[j*l+t] = xv + (1-xv)*s[j*l+t]
		}
	}
	return u, s, seen
}

// counts returns the real-valued TP, Σs and ΣS over the scored steps.
func (m *dense) counts(s []float64) (tp, sums, sumS float64) {
	for j := 0; j < m.n; j++ {
		for t := m.scoredFrom; t < m.scoredTo; t++ {
			tp += s[j*m.l+t] * m.target[j*m.l+t]
			sums += s[j*m.l+t]
			sumS += m.target[j*m.l+t]
		}
	}
	return
}

func f1(tp, sums, sumS float64) float64 {
	const eps = score.Eps
	p, r := tp/(sums+eps), tp/(sumS+eps)
	return 2 * p * r / (p + r + eps)
}

func (m *dense) loss(w []float64) float64 {
	_, s, _ := m.forward(w)
	return 1 - f1(m.counts(s))
}

// grad returns ∂(1 − F1)/∂w by reverse accumulation.
func (m *dense) grad(w []float64) []float64 {
	n, d, l := m.n, m.d, m.l
	u, s, seen := m.forward(w)
	tp, sums, sumS := m.counts(s)
	const eps = score.Eps
	p, r := tp/(sums+eps), tp/(sumS+eps)
	den := (p + r + eps) * (p + r + eps)
	dFdP, dFdR := 2*r*(r+eps)/den, 2*p*(p+eps)/den
	gI := make([]float64, n*l)
	gu := make([]float64, n*l)
	for t := l - 1; t >= d; t-- {
		for j := 0; j < n; j++ {
			ds := 0.0
			for k := 0; k < n; k++ {
				for dd := 1; dd <= d && t+dd < l; dd++ {
					ds += w[(k*n+j)*d+dd-1] * gI[k*l+t+dd]
				}
			}
			ds *= 1 - m.x[j*l+t]
			if t >= m.scoredFrom && t < m.scoredTo {
				sv := m.target[j*l+t]
				dP := sv/(sums+eps) - tp/((sums+eps)*(sums+eps))
				dR := sv / (sumS + eps)
				ds -= dFdP*dP + dFdR*dR
			}
			g := Surrogate(u[j*l+t], m.p.Theta, m.alpha) * ds
			if t+1 < l {
				leak := m.p.Beta
				if m.p.Reset == network.Zero && u[j*l+t] > m.p.Theta {
					leak = 0
				}
				g += leak * gu[j*l+t+1]
			}
			gu[j*l+t], gI[j*l+t] = g, g
		}
	}
	gw := make([]float64, len(w))
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			for k := 0; k < d; k++ {
				sum := 0.0
				for t := d; t < l; t++ {
					if t-k-1 >= 0 {
						sum += gI[j*l+t] * seen[i*l+t-k-1]
					}
				}
				gw[(j*n+i)*d+k] = sum
			}
		}
	}
	return gw
}

// smallCase builds a random tiny trial.
func smallCase(t *testing.T, reset network.Reset, seed uint64) (*dense, *network.Weights, *raster.Set, []*raster.Raster) {
	t.Helper()
	const n, d, steps = 12, 4, 30
	rng := rand.New(rand.NewPCG(seed, 7))
	p := network.Params{Beta: 0.7, Theta: 0.8, Reset: reset, D: d, Pre: 3, Post: 3, Trigger: d, PA: 0.05}
	pat := raster.Bernoulli(rng, n, steps, 0.12)
	set := &raster.Set{N: n, T: steps, Patterns: []*raster.Raster{pat}}
	x, err := network.Cue(p, pat, rng)
	if err != nil {
		t.Fatal(err)
	}
	w := &network.Weights{N: n, D: d, W: make([]float64, n*n*d)}
	for k := range w.W {
		w.W[k] = 0.45 * rng.NormFloat64()
	}
	l := p.Len(steps)
	m := &dense{n: n, d: d, l: l, p: p, alpha: 15, x: make([]float64, n*l), target: make([]float64, n*l)}
	for _, e := range x.Events() {
		m.x[e.Neuron*l+e.Step] = 1
	}
	for _, e := range pat.Events() {
		m.target[e.Neuron*l+e.Step+p.Pre] = 1
	}
	m.scoredFrom, m.scoredTo = p.ScoredRange(steps)
	return m, w, set, []*raster.Raster{x}
}

// TestBackwardFiniteDifference checks the backward rules against central
// finite differences of the smooth relaxation of the loss.
func TestBackwardFiniteDifference(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		m, w, _, _ := smallCase(t, reset, 3)
		m.smooth = true
		spec := w.ToSpec()
		g := m.grad(spec)
		rng := rand.New(rand.NewPCG(9, 9))
		checked := 0
		for trial := 0; trial < 40; trial++ {
			k := rng.IntN(len(spec))
			const h = 1e-6
			orig := spec[k]
			spec[k] = orig + h
			lp := m.loss(spec)
			spec[k] = orig - h
			lm := m.loss(spec)
			spec[k] = orig
			fd := (lp - lm) / (2 * h)
			if math.Abs(fd-g[k]) > 1e-5*math.Max(1e-3, math.Abs(fd)) && math.Abs(fd-g[k]) > 1e-9 {
				t.Errorf("%v: weight %d: backward %.9g, finite difference %.9g", reset, k, g[k], fd)
			}
			if fd != 0 {
				checked++
			}
		}
		if checked < 10 {
			t.Fatalf("%v: only %d of 40 finite differences were non-zero; the check is vacuous", reset, checked)
		}
	}
}

// TestEngineMatchesDense compares the event-driven exact gradient with
// the dense implementation at hard (binary) spikes.
func TestEngineMatchesDense(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		for seed := uint64(1); seed <= 4; seed++ {
			m, w, set, xs := smallCase(t, reset, seed)
			want := m.grad(w.ToSpec())
			g, err := Compute(w, m.p, set, xs, GradOptions{Alpha: m.alpha})
			if err != nil {
				t.Fatal(err)
			}
			got := (&network.Weights{N: w.N, D: w.D, W: g.Grad}).ToSpec()
			tol := fixture.Tolerance(want)
			if tol == 0 {
				t.Fatalf("%v seed %d: zero gradient; the case is vacuous", reset, seed)
			}
			for k := range got {
				if math.Abs(got[k]-want[k]) > tol {
					t.Fatalf("%v seed %d: grad[%d] = %v, dense %v", reset, seed, k, got[k], want[k])
				}
			}
		}
	}
}

// TestSparseEngineMatchesDense compares the exact gradient on sparse
// weights (a random part of the synapses stored, some of them with
// weight zero) with the dense implementation's gradient at the stored
// entries, which TestBackwardFiniteDifference checks against finite
// differences.
func TestSparseEngineMatchesDense(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		for seed := uint64(1); seed <= 4; seed++ {
			m, w, set, xs := smallCase(t, reset, seed)
			rng := rand.New(rand.NewPCG(seed, 21))
			s := &network.Sparse{N: w.N, D: w.D, Start: make([]int64, w.N*w.D+1)}
			for r := 0; r < w.N*w.D; r++ {
				for j, v := range w.W[r*w.N : (r+1)*w.N] {
					switch x := rng.Float64(); {
					case x < 0.1:
						v = 0 // stored, weight zero
					case x < 0.6:
					default:
						w.W[r*w.N+j] = 0 // not stored
						continue
					}
					w.W[r*w.N+j] = v
					s.Post = append(s.Post, int32(j))
					s.W = append(s.W, v)
				}
				s.Start[r+1] = int64(len(s.Post))
			}
			want := m.grad(w.ToSpec())
			g, err := Compute(s, m.p, set, xs, GradOptions{Alpha: m.alpha})
			if err != nil {
				t.Fatal(err)
			}
			tol := fixture.Tolerance(want)
			if tol == 0 {
				t.Fatalf("%v seed %d: zero gradient; the case is vacuous", reset, seed)
			}
			n, d := w.N, w.D
			for r := 0; r < n*d; r++ {
				i, k := r/d, r%d
				for e := s.Start[r]; e < s.Start[r+1]; e++ {
					j := int(s.Post[e])
					if wk := want[(j*n+i)*d+k]; math.Abs(g.Grad[e]-wk) > tol {
						t.Fatalf("%v seed %d: entry %d [post %d, pre %d, delay %d] = %v, dense %v", reset, seed, e, j, i, k+1, g.Grad[e], wk)
					}
				}
			}
		}
	}
}
