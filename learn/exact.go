package learn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// exactGrad is the dense backward pass. The forward states of a chunk of
// patterns are recorded densely; going back in time, the gradient that
// reaches the network's own spikes at step t from the currents of steps
// t+1 … t+D is one matrix product (chunk × N·D) · (N·D × N) per step.
// With opt.Support > 0 it computes the truncated gradient of the sparse
// pass (pairs outside the support are zero) and returns how many pairs it
// kept; otherwise it is exact and keeps them all. On sparse weights the
// product runs over the stored synapses only (backwardSparse).
func exactGrad(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, tu tuning, grad []float64) (score.Counts, int, error) {
	m := len(xs)
	// One chunk: a single recorded pass. Several: count first without
	// keeping the trials, then replay each chunk recorded (the dropout
	// masks come from the same streams, so the replay is identical).
	var trials []recorded
	var counts score.Counts
	var err error
	if m <= tu.chunk {
		if trials, err = record(w, p, xs, opt, tu, 0); err != nil {
			return score.Counts{}, 0, err
		}
		for k, tr := range trials {
			counts = counts.Add(tr.st.Score(p, targets.Patterns[k]))
		}
	} else if counts, err = countAll(w, p, targets, xs, opt, tu); err != nil {
		return score.Counts{}, 0, err
	}
	on, off := spikeGrad(counts)
	kept := 0
	for c0 := 0; c0 < m; c0 += tu.chunk {
		c1 := min(c0+tu.chunk, m)
		chunk := trials
		if chunk == nil {
			if chunk, err = record(w, p, xs[c0:c1], opt, tu, c0); err != nil {
				return score.Counts{}, 0, err
			}
		}
		var k int
		switch w := w.(type) {
		case *network.Weights:
			k, err = backwardChunk(w, p, targets.Patterns[c0:c1], chunk, on, off, opt.Alpha, opt.Support, tu, grad)
		case *network.Sparse:
			k, err = backwardSparse(w, p, targets.Patterns[c0:c1], chunk, on, off, opt.Alpha, opt.Support, tu, grad)
		}
		if err != nil {
			return score.Counts{}, 0, err
		}
		kept += k
	}
	return counts, kept, nil
}

// recorded is a trial with its membrane u (step-major, zero before step
// D) and, with dropout, the dropout factor of every current entry.
type recorded struct {
	st           *network.State
	membrane     []float64
	scale        []float64 // nil without dropout
	neurons, len int
}

// record runs the trials xs (c0 is the batch index of the first) and
// records their membranes and dropout factors.
func record(w network.Synapses, p network.Params, xs []*raster.Raster, opt GradOptions, tu tuning, c0 int) ([]recorded, error) {
	n, _ := w.Size()
	out := make([]recorded, len(xs))
	for k, x := range xs {
		out[k] = recorded{membrane: make([]float64, n*x.T), neurons: n, len: x.T}
		if opt.Dropout > 0 {
			out[k].scale = make([]float64, n*x.T)
		}
	}
	err := eachTrial(w, p, xs, opt, tu, c0, func(k int, s *network.Stepper) {
		t := s.T()
		copy(out[k].membrane[t*n:(t+1)*n], s.Membrane())
		if sc := s.Scale(); sc != nil {
			copy(out[k].scale[t*n:(t+1)*n], sc)
		}
	}, func(k int, st *network.State) error {
		out[k].st = st
		return nil
	})
	return out, err
}

// countAll runs the trials without keeping them and returns the pooled
// counts against their targets.
func countAll(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, tu tuning) (score.Counts, error) {
	per := make([]score.Counts, len(xs))
	err := eachTrial(w, p, xs, opt, tu, 0, nil, func(k int, st *network.State) error {
		per[k] = st.Score(p, targets.Patterns[k])
		return nil
	})
	var all score.Counts
	for _, c := range per {
		all = all.Add(c)
	}
	return all, err
}

// backwardChunk adds the gradient of a chunk of recorded trials to grad
// and returns the number of (step, neuron) pairs that carried it: all of
// them when support is zero, else those whose membrane lies within
// support of θ (the others, and the leak through them, are zero). It
// stops with the error of tu's context once that is cancelled (checked
// every step).
func backwardChunk(w *network.Weights, p network.Params, pats []*raster.Raster, sts []recorded, on, off, alpha, support float64, tu tuning, grad []float64) (int, error) {
	n, d, c := w.N, w.D, len(sts)
	from, tEnd := p.ScoredRange(pats[0].T)
	lpad := tEnd + d
	// g[k] holds ∂L/∂I_raw (before dropout scaling) of trial k, step-major,
	// with D zero rows after the last scored step so that every step's
	// window of D future rows is in bounds.
	g := make([]float64, c*lpad*n)
	gu := make([]float64, c*n)  // ∂L/∂u(t+1), carried through the leak
	rec := make([]float64, c*n) // ∂L/∂seen(t)
	var impl gonum.Implementation
	kept := 0
	for t := tEnd - 1; t >= d; t-- {
		if err := tu.cancelled(); err != nil { // a step costs a matrix product: check each
			return 0, err
		}
		if t+1 < tEnd {
			impl.Dgemm(blas.NoTrans, blas.Trans, c, n, d*n, 1, g[(t+1)*n:], lpad*n, w.W, d*n, 0, rec, n)
		} else {
			clear(rec)
		}
		for k, st := range sts {
			r := rec[k*n : (k+1)*n]
			for _, j := range st.st.Input.Steps[t] {
				r[j] = 0 // a clamped slot passes no gradient to the own spike
			}
			if t >= from {
				for j := range r {
					r[j] += off
				}
				for _, j := range pats[k].Steps[t-p.Pre] {
					r[j] += on - off
				}
			}
			u := st.membrane[t*n : (t+1)*n]
			carry := gu[k*n : (k+1)*n]
			gt := g[(k*lpad+t)*n : (k*lpad+t+1)*n]
			for j, v := range r {
				v, ok := slotGrad(p, u[j], v, carry[j], alpha, support)
				if ok {
					kept++
				}
				carry[j], gt[j] = v, v
			}
			if st.scale != nil {
				floats.Mul(gt, st.scale[t*n:(t+1)*n])
			}
		}
	}
	accumulate(w, sts, g, lpad, tEnd, grad)
	return kept, nil
}

// slotGrad is the backward rule of one (step, neuron) slot (SPEC §4):
// from v = ∂L/∂seen(t) at a membrane u and the gradient carry that
// reaches u(t) through the leak from u(t+1), it returns ∂L/∂u(t) =
// surrogate(u)·v + leak·carry, the leak being β, or 0 after a spike under
// zero reset. With support > 0 (the sparse pass) a slot whose membrane
// lies support or more from θ carries nothing: it returns 0 and false.
func slotGrad(p network.Params, u, v, carry, alpha, support float64) (float64, bool) {
	if support > 0 && !(u-p.Theta < support && p.Theta-u < support) {
		return 0, false
	}
	leak := p.Beta
	if p.Reset == network.Zero && u > p.Theta {
		leak = 0
	}
	return Surrogate(u, p.Theta, alpha)*v + leak*carry, true
}

// accumulate adds ∂L/∂W[i][d][·] = Σ g(t0+d) over every step t0 at which
// neuron i was seen. Rows of different presynaptic neurons are summed on
// different goroutines, each in a fixed (trial, step, delay) order, so the
// result does not depend on the number of goroutines.
func accumulate(w *network.Weights, sts []recorded, g []float64, lpad, tEnd int, grad []float64) {
	n, d := w.N, w.D
	type seen struct{ trial, step int32 }
	byPre := make([][]seen, n)
	for k, st := range sts {
		for t := 0; t < tEnd-1; t++ {
			for _, i := range st.st.Seen.Steps[t] {
				byPre[i] = append(byPre[i], seen{int32(k), int32(t)})
			}
		}
	}
	parallel.For(n, func(i int) error {
		for _, e := range byPre[i] {
			base := (int(e.trial)*lpad + int(e.step)) * n
			for k := 1; k <= d; k++ {
				floats.Add(grad[(i*d+k-1)*n:(i*d+k)*n], g[base+k*n:base+(k+1)*n])
			}
		}
		return nil
	})
}
