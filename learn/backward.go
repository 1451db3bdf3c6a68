package learn

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// GradOptions configure one evaluation of the loss gradient.
type GradOptions struct {
	// Alpha is the steepness α of the fast-sigmoid surrogate.
	Alpha float64
	// Support, when positive, selects the sparse backward pass: the
	// surrogate is taken as zero where |u − θ| ≥ Support, so only
	// near-threshold (step, neuron) pairs carry gradient (sparse spiking
	// gradient descent). It is an approximation; zero is the exact pass.
	Support float64
	// Dropout is the probability q of dropping a current entry; the mask
	// of pattern μ is drawn from the stream (Seed, Round, μ).
	Dropout     float64
	Seed, Round uint64
	// DenseShare is the share of a trial's (step, neuron) pairs above
	// which the sparse pass hands the batch to the dense one, which
	// computes the same truncated gradient (default 0.25; 1 or more never
	// switches). The sparse gather grows with the square of the kept
	// pairs per step, the dense pass with N² per step at matrix-product
	// speed; they cost about the same near 1/4 (N = 512, D = 41).
	DenseShare float64
	// Chunk is the number of patterns whose exact backward pass is
	// batched into one matrix product per step, and whose sparse gradient
	// terms are held at once (default 32). Larger chunks are faster and
	// take more memory.
	Chunk int
}

// Gradient is the result of one forward and backward pass over a batch.
type Gradient struct {
	// Grad is ∂(1 − F1)/∂W in the pre-major layout of network.Weights.
	Grad []float64
	// Counts are the pooled counts of the forward pass.
	Counts score.Counts
	// Kept is the number of (step, neuron) pairs the backward pass
	// visited; Pairs is the number the exact pass visits.
	Kept, Pairs int
}

// Compute runs the trials xs (clamp inputs, one per target pattern) on w,
// scores them against targets and returns the gradient of 1 − F1 with
// respect to W (SPEC §4).
func Compute(w *network.Weights, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions) (*Gradient, error) {
	if len(xs) != targets.M() {
		return nil, fmt.Errorf("%d inputs for %d target patterns", len(xs), targets.M())
	}
	if err := p.Validate(targets.T); err != nil {
		return nil, err
	}
	if targets.N != w.N {
		return nil, fmt.Errorf("targets have %d neurons, weights have %d", targets.N, w.N)
	}
	for m, x := range xs {
		if x.N != w.N || x.T != p.Len(targets.T) {
			return nil, fmt.Errorf("input %d is %d×%d, want %d neurons × %d steps", m, x.N, x.T, w.N, p.Len(targets.T))
		}
	}
	if math.IsNaN(opt.Alpha) || opt.Alpha <= 0 {
		return nil, fmt.Errorf("alpha = %v: the surrogate steepness must be positive", opt.Alpha)
	}
	if math.IsNaN(opt.Support) || opt.Support < 0 {
		return nil, fmt.Errorf("surrogate support = %v: must be ≥ 0 (0 = exact)", opt.Support)
	}
	if math.IsNaN(opt.DenseShare) || opt.DenseShare < 0 {
		return nil, fmt.Errorf("dense share = %v: must be ≥ 0 (0 = default 0.25)", opt.DenseShare)
	}
	if opt.DenseShare == 0 {
		opt.DenseShare = 0.25
	}
	if opt.Chunk <= 0 {
		opt.Chunk = 32
	}
	_, tEnd := p.ScoredRange(targets.T)
	g := &Gradient{Grad: make([]float64, len(w.W)), Pairs: len(xs) * w.N * (tEnd - p.D)}
	var err error
	if opt.Support > 0 {
		g.Counts, g.Kept, err = sparseGrad(w, p, targets, xs, opt, g.Grad)
		if errors.Is(err, errDense) {
			// Most pairs are near threshold: the same truncated gradient
			// is cheaper through the batched matrix products. sparseGrad
			// writes g.Grad only once every trial has run, so it is still
			// zero here.
			g.Counts, g.Kept, err = exactGrad(w, p, targets, xs, opt, g.Grad)
		}
	} else {
		g.Counts, g.Kept, err = exactGrad(w, p, targets, xs, opt, g.Grad)
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// errDense tells Compute that a trial of the sparse pass kept more than
// opt.DenseShare of its pairs.
var errDense = errors.New("sparse pass kept too many pairs")

// simOptions returns the options of trial m of the batch.
func (o GradOptions) simOptions(m int) network.Options {
	var s network.Options
	if o.Dropout > 0 {
		s.Dropout = o.Dropout
		s.Mask = rng.Stream(o.Seed, rng.Dropout, o.Round, uint64(m))
	}
	return s
}

// exactGrad is the dense backward pass. The forward states of a chunk of
// patterns are recorded densely; going back in time, the gradient that
// reaches the network's own spikes at step t from the currents of steps
// t+1 … t+D is one matrix product (chunk × N·D) · (N·D × N) per step.
// With opt.Support > 0 it computes the truncated gradient of the sparse
// pass (pairs outside the support are zero) and returns how many pairs it
// kept; otherwise it is exact and keeps them all.
func exactGrad(w *network.Weights, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, grad []float64) (score.Counts, int, error) {
	m := len(xs)
	record := func(c0 int) func(k int) network.Options {
		return func(k int) network.Options {
			o := opt.simOptions(c0 + k)
			o.Record = true
			return o
		}
	}
	// One chunk: a single recorded pass. Several: count first without
	// keeping the trials, then replay each chunk recorded (the dropout
	// masks come from the same streams, so the replay is identical).
	var states []*network.State
	var counts score.Counts
	var err error
	if m <= opt.Chunk {
		if states, err = network.SimulateAll(w, p, xs, record(0)); err != nil {
			return score.Counts{}, 0, err
		}
		counts, _ = network.Score(p, targets, states)
	} else if counts, _, err = network.Counts(w, p, targets, xs, opt.simOptions); err != nil {
		return score.Counts{}, 0, err
	}
	on, off := spikeGrad(counts)
	kept := 0
	for c0 := 0; c0 < m; c0 += opt.Chunk {
		c1 := min(c0+opt.Chunk, m)
		chunk := states
		if chunk == nil {
			if chunk, err = network.SimulateAll(w, p, xs[c0:c1], record(c0)); err != nil {
				return score.Counts{}, 0, err
			}
		}
		kept += backwardChunk(w, p, targets.Patterns[c0:c1], chunk, on, off, opt.Alpha, opt.Support, grad)
	}
	return counts, kept, nil
}

// backwardChunk adds the gradient of a chunk of recorded trials to grad
// and returns the number of (step, neuron) pairs that carried it: all of
// them when support is zero, else those whose membrane lies within
// support of θ (the others, and the leak through them, are zero).
func backwardChunk(w *network.Weights, p network.Params, pats []*raster.Raster, sts []*network.State, on, off, alpha, support float64, grad []float64) int {
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
		if t+1 < tEnd {
			impl.Dgemm(blas.NoTrans, blas.Trans, c, n, d*n, 1, g[(t+1)*n:], lpad*n, w.W, d*n, 0, rec, n)
		} else {
			clear(rec)
		}
		for k, st := range sts {
			r := rec[k*n : (k+1)*n]
			for _, j := range st.Input.Steps[t] {
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
			u := st.Membrane[t*n : (t+1)*n]
			carry := gu[k*n : (k+1)*n]
			gt := g[(k*lpad+t)*n : (k*lpad+t+1)*n]
			for j, v := range r {
				if support > 0 && !(u[j]-p.Theta < support && p.Theta-u[j] < support) {
					carry[j], gt[j] = 0, 0
					continue
				}
				kept++
				leak := p.Beta
				if p.Reset == network.Zero && u[j] > p.Theta {
					leak = 0
				}
				v = Surrogate(u[j], p.Theta, alpha)*v + leak*carry[j]
				carry[j] = v
				gt[j] = v
			}
			if st.Scale != nil {
				floats.Mul(gt, st.Scale[t*n:(t+1)*n])
			}
		}
	}
	accumulate(w, sts, g, lpad, tEnd, grad)
	return kept
}

// accumulate adds ∂L/∂W[i][d][·] = Σ g(t0+d) over every step t0 at which
// neuron i was seen. Rows of different presynaptic neurons are summed on
// different goroutines, each in a fixed (trial, step, delay) order, so the
// result does not depend on the number of goroutines.
func accumulate(w *network.Weights, sts []*network.State, g []float64, lpad, tEnd int, grad []float64) {
	n, d := w.N, w.D
	type seen struct{ trial, step int32 }
	byPre := make([][]seen, n)
	for k, st := range sts {
		for t := 0; t < tEnd-1; t++ {
			for _, i := range st.Seen.Steps[t] {
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

// keptGrad is ∂L/∂I_raw at one kept (step, neuron) pair, split by the two
// loss coefficients: its value is on·onTarget + off·offTarget.
type keptGrad struct {
	step, neuron        int32
	onTarget, offTarget float64
}

// sparseTrial is what the sparse pass keeps of one trial: the gradient at
// its kept pairs and the spikes the synapses transmitted, from which the
// weight gradient is expanded.
type sparseTrial struct {
	seen *raster.Raster
	kept []keptGrad
}

// sparseAdd says how expand adds the two parts (on, off) of each kept
// gradient: combined as On·on + Off·off into Grad, or each into its own
// tensor (OnG, OffG) when the coefficients are not known yet.
type sparseAdd struct {
	On, Off         float64
	Grad, OnG, OffG []float64
}

// expand adds the weight gradient of the trials: ∂L/∂W[i][k][j] gets the
// kept gradient at (t, j) for every spike of i at t − k. Presynaptic
// neurons are spread over goroutines; each index is summed in a fixed
// (trial, step) order, so the result does not depend on their number.
func expand(n, d int, trials []sparseTrial, dst sparseAdd) {
	type seen struct{ trial, step int32 }
	byPre := make([][]seen, n)
	// starts[k][t] is the index in trials[k].kept of the first pair at step t.
	starts := make([][]int32, len(trials))
	for k, tr := range trials {
		last := 0
		if len(tr.kept) > 0 {
			last = int(tr.kept[len(tr.kept)-1].step)
		}
		start := make([]int32, last+2)
		for _, g := range tr.kept {
			start[g.step+1]++
		}
		for t := 1; t < len(start); t++ {
			start[t] += start[t-1]
		}
		starts[k] = start
		for t := 0; t < last && t < tr.seen.T; t++ {
			for _, i := range tr.seen.Steps[t] {
				byPre[i] = append(byPre[i], seen{int32(k), int32(t)})
			}
		}
	}
	parallel.For(n, func(i int) error {
		for _, e := range byPre[i] {
			kept, start := trials[e.trial].kept, starts[e.trial]
			for k := 1; k <= d && int(e.step)+k < len(start)-1; k++ {
				t := int(e.step) + k
				row := (i*d + k - 1) * n
				ps := kept[start[t]:start[t+1]]
				if dst.Grad != nil {
					g := dst.Grad[row : row+n]
					for _, p := range ps {
						g[p.neuron] += dst.On*p.onTarget + dst.Off*p.offTarget
					}
					continue
				}
				on, off := dst.OnG[row:row+n], dst.OffG[row:row+n]
				for _, p := range ps {
					on[p.neuron] += p.onTarget
					off[p.neuron] += p.offTarget
				}
			}
		}
		return nil
	})
}

// sparseGrad is the sparse backward pass: only the (step, neuron) pairs
// whose membrane lies within opt.Support of θ carry gradient, the leak
// carries it between consecutive kept steps of one neuron, and pairs
// outside the support are taken as zero.
//
// The backward pass is linear in the loss gradient at the spikes, which
// takes one value on target spikes and one off them, both known only once
// every trial is counted. Each trial therefore propagates the two
// coefficients separately and keeps only its kept-pair gradients and its
// spikes, so one forward pass suffices. The weight gradient of a pair is
// expanded (over the presynaptic spikes of its window) only when it is
// added, in trial order, so memory grows with spikes and kept pairs, never
// with their product.
func sparseGrad(w *network.Weights, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, grad []float64) (score.Counts, int, error) {
	from, tEnd := p.ScoredRange(targets.T)
	m := len(xs)
	kept := make([]int, m)
	per := make([]score.Counts, m)
	options := func(k int) network.Options {
		o := opt.simOptions(k)
		o.Support = opt.Support
		o.NearUntil = tEnd
		return o
	}
	// Trials run a chunk at a time. A single chunk is expanded once the
	// coefficients are known; with several, each chunk is expanded, in
	// trial order, into one tensor per coefficient.
	var trials []sparseTrial
	var onG, offG []float64
	for c0 := 0; c0 < m; c0 += opt.Chunk {
		c1 := min(c0+opt.Chunk, m)
		trials = make([]sparseTrial, c1-c0)
		err := network.EachTrial(w, p, xs[c0:c1], func(k int) network.Options { return options(c0 + k) },
			func(k int, st *network.State) error {
				per[c0+k] = score.Steps(st.Spikes, targets.Patterns[c0+k], p.Pre, from, tEnd)
				kept[c0+k] = len(st.Near)
				if float64(len(st.Near)) > opt.DenseShare*float64(w.N*tEnd) {
					return errDense
				}
				trials[k] = sparseTrial{seen: st.Seen, kept: sparseBackward(w, p, targets.Patterns[c0+k], st, opt.Alpha)}
				return nil
			})
		if err != nil {
			return score.Counts{}, 0, err
		}
		if c1 == m && c0 == 0 {
			break
		}
		if onG == nil {
			onG, offG = make([]float64, len(grad)), make([]float64, len(grad))
		}
		expand(w.N, w.D, trials, sparseAdd{OnG: onG, OffG: offG})
		trials = nil
	}
	var counts score.Counts
	total := 0
	for k := range per {
		counts = counts.Add(per[k])
		total += kept[k]
	}
	on, off := spikeGrad(counts)
	if trials != nil {
		expand(w.N, w.D, trials, sparseAdd{On: on, Off: off, Grad: grad})
	}
	for k := range onG {
		grad[k] += on*onG[k] + off*offG[k]
	}
	return counts, total, nil
}

// sparseBackward returns ∂L/∂I_raw at the kept pairs of one trial recorded
// with a surrogate support (those that are not zero), for unit loss
// gradients on and off target.
func sparseBackward(w *network.Weights, p network.Params, pat *raster.Raster, st *network.State, alpha float64) []keptGrad {
	d := w.D
	from, tEnd := p.ScoredRange(pat.T)
	near := st.Near
	// start[t] is the index in near of the first pair at step t.
	start := make([]int, st.L+2)
	for _, e := range near {
		start[e.Step+1]++
	}
	for t := 1; t < len(start); t++ {
		start[t] += start[t-1]
	}
	find := func(t int, j int32) int {
		ps := near[start[t]:start[t+1]]
		k, ok := slices.BinarySearchFunc(ps, j, func(e network.Near, j int32) int { return int(e.Neuron - j) })
		if !ok {
			return -1
		}
		return start[t] + k
	}
	// [0] follows a unit gradient on target spikes, [1] off them.
	gu := make([][2]float64, len(near)) // ∂L/∂u at each kept pair
	gi := make([][2]float64, len(near)) // ∂L/∂I_raw at each kept pair
	for idx := len(near) - 1; idx >= 0; idx-- {
		e := near[idx]
		t, j := int(e.Step), e.Neuron
		var ds [2]float64
		if !st.Input.Has(int(j), t) {
			for k := 1; k <= d && t+k < tEnd; k++ {
				row := w.Row(int(j), k)
				for q := start[t+k]; q < start[t+k+1]; q++ {
					v := row[near[q].Neuron]
					ds[0] += v * gi[q][0]
					ds[1] += v * gi[q][1]
				}
			}
		}
		if t >= from {
			if pat.Has(int(j), t-p.Pre) {
				ds[0]++
			} else {
				ds[1]++
			}
		}
		sg := Surrogate(e.U, p.Theta, alpha)
		v := [2]float64{sg * ds[0], sg * ds[1]}
		if t+1 < tEnd {
			if q := find(t+1, j); q >= 0 && (p.Reset == network.Subtract || e.U <= p.Theta) {
				v[0] += p.Beta * gu[q][0]
				v[1] += p.Beta * gu[q][1]
			}
		}
		gu[idx] = v
		gi[idx] = [2]float64{v[0] * e.Scale, v[1] * e.Scale}
	}
	var out []keptGrad
	for idx, e := range near {
		if gi[idx] != [2]float64{} {
			out = append(out, keptGrad{step: e.Step, neuron: e.Neuron, onTarget: gi[idx][0], offTarget: gi[idx][1]})
		}
	}
	return out
}
