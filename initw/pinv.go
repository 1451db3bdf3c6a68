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
	n, t := set.N, set.T
	rows := t - d // contexts per pattern
	k := set.M() * rows
	st := Stats{Contexts: k}
	row := func(m, s int) int { return m*rows + s - d } // context index of (μ, t)

	// Spikes of each neuron over all patterns, as (pattern, step).
	type spike struct{ m, s int32 }
	byNeuron := make([][]spike, n)
	for m, p := range set.Patterns {
		for s, ns := range p.Steps {
			for _, i := range ns {
				byNeuron[i] = append(byNeuron[i], spike{int32(m), int32(s)})
			}
		}
	}
	// Neighbour lists with repeats; each repeat is one shared entry.
	adj := make([][]int32, k)
	for _, sp := range byNeuron {
		for delay := 1; delay <= d; delay++ {
			for _, a := range sp {
				ta := int(a.s) + delay
				if ta < d || ta >= t {
					continue
				}
				ra := row(int(a.m), ta)
				for _, b := range sp {
					tb := int(b.s) + delay
					if tb < d || tb >= t {
						continue
					}
					adj[ra] = append(adj[ra], int32(row(int(b.m), tb)))
				}
			}
		}
	}
	g := gram{rowPtr: make([]int, k+1)}
	diag := make([]float64, k)
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
				st.Active += e - o
			}
			o = e
		}
		g.rowPtr[r+1] = len(g.cols)
		adj[r] = nil
	}

	g.ridge = 1e-6 * float64(st.Active) / float64(k)
	for r := range diag {
		diag[r] += g.ridge
	}
	// Right-hand sides Y (K × N, row-major).
	y := make([]float64, k*n)
	var ys []term
	for m, p := range set.Patterns {
		for s := d; s < t; s++ {
			ys = rl.targets(p, s, ys)
			yr := y[row(m, s)*n:]
			for _, e := range ys {
				yr[e.neuron] = e.value
			}
		}
	}
	a, iters, res := g.solve(y, diag, n, c.Tol, c.MaxIter)
	st.Iterations, st.Residual = iters, res

	w := network.NewWeights(n, d)
	// W[i][delay][·] = Σ over contexts with entry (i, delay) on of A[k][·].
	parallel.For(n, func(i int) error {
		for _, sp := range byNeuron[i] {
			for delay := 1; delay <= d; delay++ {
				ts := int(sp.s) + delay
				if ts < d || ts >= t {
					continue
				}
				r := row(int(sp.m), ts)
				floats.Add(w.Row(i, delay), a[r*n:(r+1)*n])
			}
		}
		return nil
	})
	return w, st, nil
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
