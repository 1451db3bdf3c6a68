package initw

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// gram is the K×K Gram matrix C·Cᵀ of the contexts in compressed sparse
// row form: entry (k, cols[o]) = vals[o] for o in [rowPtr[k], rowPtr[k+1]).
type gram struct {
	rowPtr []int
	cols   []int32
	vals   []float64
	ridge  float64 // λ added to the diagonal
}

// pinv computes the minimum-norm least-squares weights W = Y·C⁺ as
// W = Aᵀ·C with (C·Cᵀ + λI)·A = Y, solving for all N columns of A at once
// by Jacobi-preconditioned conjugate gradients. The ridge λ = 1e-6 × the
// mean context size keeps the system positive definite when contexts are
// empty or linearly dependent (C·Cᵀ singular, Y outside its range): the
// parts of A it inflates lie in the null space of Cᵀ and vanish from
// W = Aᵀ·C, which tends to Y·C⁺ as λ → 0. C is never formed: two
// contexts share an entry (i, d) exactly when neuron i spiked d steps
// before both, so the Gram matrix is built from pairs of spikes.
func pinv(set *raster.Set, d int, rl rule, c Config) (*network.Weights, Stats, error) {
	ctx := newContexts(set, d)
	g, diag, active := ctx.gram()
	st := Stats{Contexts: ctx.k, Active: active}
	y := ctx.targets(rl)
	a, iters, res := g.solve(y, diag, set.N, c.Tol, c.MaxIter)
	st.Iterations, st.Residual = iters, res
	return ctx.weights(a), st, nil
}

// spike is a spike of one neuron: its pattern and step.
type spike struct{ m, s int32 }

// contexts indexes the K = M·(T − D) contexts of a pattern set: context
// (μ, t) has index μ·(T − D) + t − D.
type contexts struct {
	set      *raster.Set
	d, rows  int
	k        int
	byNeuron [][]spike // the spikes of each neuron over all patterns
}

// newContexts indexes the contexts of set for d delays.
func newContexts(set *raster.Set, d int) *contexts {
	c := &contexts{set: set, d: d, rows: set.T - d, byNeuron: make([][]spike, set.N)}
	c.k = set.M() * c.rows
	for m, p := range set.Patterns {
		for s, ns := range p.Steps {
			for _, i := range ns {
				c.byNeuron[i] = append(c.byNeuron[i], spike{int32(m), int32(s)})
			}
		}
	}
	return c
}

// row returns the context index of (μ, t).
func (c *contexts) row(m, s int) int { return m*c.rows + s - c.d }

// gram returns the Gram matrix of the contexts with its ridge, its
// diagonal (ridge included) and the number of active entries over all
// contexts.
func (c *contexts) gram() (gram, []float64, int) {
	d, t, k := c.d, c.set.T, c.k
	// Neighbour lists with repeats; each repeat is one shared entry.
	adj := make([][]int32, k)
	for _, sp := range c.byNeuron {
		for delay := 1; delay <= d; delay++ {
			for _, a := range sp {
				ta := int(a.s) + delay
				if ta < d || ta >= t {
					continue
				}
				ra := c.row(int(a.m), ta)
				for _, b := range sp {
					tb := int(b.s) + delay
					if tb < d || tb >= t {
						continue
					}
					adj[ra] = append(adj[ra], int32(c.row(int(b.m), tb)))
				}
			}
		}
	}
	g := gram{rowPtr: make([]int, k+1)}
	diag := make([]float64, k)
	active := 0
	for r, nb := range adj {
		slices.Sort(nb)
		for o := 0; o < len(nb); {
			e := o
			for e < len(nb) && nb[e] == nb[o] {
				e++
			}
			g.cols = append(g.cols, nb[o])
			g.vals = append(g.vals, float64(e-o))
			if int(nb[o]) == r {
				diag[r] = float64(e - o)
				active += e - o
			}
			o = e
		}
		g.rowPtr[r+1] = len(g.cols)
		adj[r] = nil
	}
	g.ridge = 1e-6 * float64(active) / float64(k)
	for r := range diag {
		diag[r] += g.ridge
	}
	return g, diag, active
}

// targets returns the right-hand sides Y (K × N, row-major) of rule rl.
func (c *contexts) targets(rl rule) []float64 {
	n := c.set.N
	y := make([]float64, c.k*n)
	var ys []term
	for m, p := range c.set.Patterns {
		for s := c.d; s < c.set.T; s++ {
			ys = rl.targets(p, s, ys)
			yr := y[c.row(m, s)*n:]
			for _, e := range ys {
				yr[e.neuron] = e.value
			}
		}
	}
	return y
}

// weights returns W = Aᵀ·C: W[i][delay][·] is the sum of A's rows over the
// contexts with entry (i, delay) on.
func (c *contexts) weights(a []float64) *network.Weights {
	n, d, t := c.set.N, c.d, c.set.T
	w := network.NewWeights(n, d)
	parallel.For(n, func(i int) error {
		for _, sp := range c.byNeuron[i] {
			for delay := 1; delay <= d; delay++ {
				ts := int(sp.s) + delay
				if ts < d || ts >= t {
					continue
				}
				r := c.row(int(sp.m), ts)
				floats.Add(w.Row(i, delay), a[r*n:(r+1)*n])
			}
		}
		return nil
	})
	return w
}

// mul computes dst = (G + λI)·x for a K×N row-major x, rows in parallel.
func (g gram) mul(dst, x []float64, n int) {
	k := len(g.rowPtr) - 1
	parallel.For(k, func(r int) error {
		out := dst[r*n : (r+1)*n]
		floats.ScaleTo(out, g.ridge, x[r*n:(r+1)*n])
		for o := g.rowPtr[r]; o < g.rowPtr[r+1]; o++ {
			c := int(g.cols[o])
			floats.AddScaled(out, g.vals[o], x[c*n:(c+1)*n])
		}
		return nil
	})
}

// solve runs Jacobi-preconditioned conjugate gradients on G·A = Y for the
// n columns of Y at once (each column has its own step sizes). It returns
// A, the iterations made and the largest relative residual ‖r‖/‖y‖.
func (g gram) solve(y, diag []float64, n int, tol float64, maxIter int) ([]float64, int, float64) {
	k := len(diag)
	x := make([]float64, k*n)
	r := slices.Clone(y)
	z := make([]float64, k*n)
	p := make([]float64, k*n)
	q := make([]float64, k*n)
	inv := make([]float64, k)
	for i, v := range diag {
		if v > 0 {
			inv[i] = 1 / v
		}
	}
	precond := func() {
		for i := 0; i < k; i++ {
			floats.ScaleTo(z[i*n:(i+1)*n], inv[i], r[i*n:(i+1)*n])
		}
	}
	// colDot returns the per-column dot products of a and b.
	colDot := func(a, b []float64) []float64 {
		out := make([]float64, n)
		for i := 0; i < k; i++ {
			ar, br := a[i*n:(i+1)*n], b[i*n:(i+1)*n]
			for j := range out {
				out[j] += ar[j] * br[j]
			}
		}
		return out
	}
	ynorm := colDot(y, y)
	precond()
	copy(p, z)
	rz := colDot(r, z)
	worst := func() float64 {
		rr := colDot(r, r)
		w := 0.0
		for j, v := range rr {
			if ynorm[j] > 0 {
				w = max(w, math.Sqrt(v/ynorm[j]))
			}
		}
		return w
	}
	it := 0
	res := worst()
	for ; it < maxIter && res > tol; it++ {
		g.mul(q, p, n)
		pq := colDot(p, q)
		alpha := make([]float64, n)
		for j := range alpha {
			if pq[j] > 0 {
				alpha[j] = rz[j] / pq[j]
			}
		}
		for i := 0; i < k; i++ {
			xr, rr, pr, qr := x[i*n:(i+1)*n], r[i*n:(i+1)*n], p[i*n:(i+1)*n], q[i*n:(i+1)*n]
			for j, a := range alpha {
				xr[j] += a * pr[j]
				rr[j] -= a * qr[j]
			}
		}
		precond()
		rzNew := colDot(r, z)
		for i := 0; i < k; i++ {
			pr, zr := p[i*n:(i+1)*n], z[i*n:(i+1)*n]
			for j := range pr {
				b := 0.0
				if rz[j] > 0 {
					b = rzNew[j] / rz[j]
				}
				pr[j] = zr[j] + b*pr[j]
			}
		}
		rz = rzNew
		res = worst()
	}
	return x, it, res
}
