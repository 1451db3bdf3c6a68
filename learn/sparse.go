package learn

import (
	"slices"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

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
// With sp not nil the gradient is that of its stored entries (one value
// per entry), and only the kept pairs onto a stored synapse add to it.
func expand(n, d int, sp *network.Sparse, trials []sparseTrial, dst sparseAdd) {
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
				ps := kept[start[t]:start[t+1]]
				if sp != nil {
					expandRow(sp, i*d+k-1, ps, dst)
					continue
				}
				row := (i*d + k - 1) * n
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

// expandRow is the step of expand on sparse weights: it adds the kept
// pairs ps (ascending by neuron) to the entries of row r of sp onto the
// same neurons.
func expandRow(sp *network.Sparse, r int, ps []keptGrad, dst sparseAdd) {
	a0, a1 := int(sp.Start[r]), int(sp.Start[r+1])
	posts := sp.Post[a0:a1]
	for a, b := 0, 0; a < len(posts) && b < len(ps); {
		switch j := posts[a]; {
		case j < ps[b].neuron:
			a++
		case j > ps[b].neuron:
			b++
		default:
			if dst.Grad != nil {
				dst.Grad[a0+a] += dst.On*ps[b].onTarget + dst.Off*ps[b].offTarget
			} else {
				dst.OnG[a0+a] += ps[b].onTarget
				dst.OffG[a0+a] += ps[b].offTarget
			}
			a++
			b++
		}
	}
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
func sparseGrad(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, tu tuning, grad []float64) (score.Counts, int, error) {
	_, tEnd := p.ScoredRange(targets.T)
	n, d := w.Size()
	sp, _ := w.(*network.Sparse)
	m := len(xs)
	kept := make([]int, m)
	per := make([]score.Counts, m)
	// Trials run a chunk at a time. A single chunk is expanded once the
	// coefficients are known; with several, each chunk is expanded, in
	// trial order, into one tensor per coefficient.
	var trials []sparseTrial
	var onG, offG []float64
	for c0 := 0; c0 < m; c0 += tu.chunk {
		c1 := min(c0+tu.chunk, m)
		trials = make([]sparseTrial, c1-c0)
		nears := make([][]nearPair, c1-c0)
		err := eachTrial(w, p, xs[c0:c1], opt, tu, c0, func(k int, s *network.Stepper) {
			if s.T() < tEnd {
				nears[k] = appendNear(nears[k], s, p.Theta, opt.Support)
			}
		}, func(k int, st *network.State) error {
			nr := nears[k]
			nears[k] = nil
			per[c0+k] = st.Score(p, targets.Patterns[c0+k])
			kept[c0+k] = len(nr)
			if float64(len(nr)) > tu.denseShare*float64(n*tEnd) {
				return errDense
			}
			trials[k] = sparseTrial{seen: st.Seen, kept: sparseBackward(w, p, targets.Patterns[c0+k], st, nr, opt.Alpha)}
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
		expand(n, d, sp, trials, sparseAdd{OnG: onG, OffG: offG})
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
		expand(n, d, sp, trials, sparseAdd{On: on, Off: off, Grad: grad})
	}
	for k := range onG {
		grad[k] += on*onG[k] + off*offG[k]
	}
	return counts, total, nil
}

// nearPair is a (step, neuron) pair whose membrane came within the surrogate
// support of the threshold.
type nearPair struct {
	step, neuron int32
	u            float64 // membrane u[j](t)
	scale        float64 // dropout factor applied to I[j](t): 0 or 1/(1−q), 1 without dropout
}

// appendNear appends to dst the neurons whose membrane at the stepper's
// step lies within support of θ.
func appendNear(dst []nearPair, s *network.Stepper, theta, support float64) []nearPair {
	sc := s.Scale()
	t := int32(s.T())
	for j, v := range s.Membrane() {
		if v-theta < support && theta-v < support {
			f := 1.0
			if sc != nil {
				f = sc[j]
			}
			dst = append(dst, nearPair{step: t, neuron: int32(j), u: v, scale: f})
		}
	}
	return dst
}

// sparseBackward returns ∂L/∂I_raw at the kept pairs of one trial (those
// that are not zero), given its near-threshold pairs, for unit loss
// gradients on and off target. On sparse weights the sum runs over the
// stored synapses only.
func sparseBackward(w network.Synapses, p network.Params, pat *raster.Raster, st *network.State, near []nearPair, alpha float64) []keptGrad {
	_, d := w.Size()
	dw, _ := w.(*network.Weights)
	sp, _ := w.(*network.Sparse)
	from, tEnd := p.ScoredRange(pat.T)
	// start[t] is the index in near of the first pair at step t.
	start := make([]int, st.L+2)
	for _, e := range near {
		start[e.step+1]++
	}
	for t := 1; t < len(start); t++ {
		start[t] += start[t-1]
	}
	find := func(t int, j int32) int {
		ps := near[start[t]:start[t+1]]
		k, ok := slices.BinarySearchFunc(ps, j, func(e nearPair, j int32) int { return int(e.neuron - j) })
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
		t, j := int(e.step), e.neuron
		var ds [2]float64
		if !st.Input.Has(int(j), t) {
			for k := 1; k <= d && t+k < tEnd; k++ {
				if sp != nil {
					ds = sparseRowDot(sp, int(j), k, near, gi, start[t+k], start[t+k+1], ds)
					continue
				}
				row := dw.Row(int(j), k)
				for q := start[t+k]; q < start[t+k+1]; q++ {
					v := row[near[q].neuron]
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
		sg := Surrogate(e.u, p.Theta, alpha)
		v := [2]float64{sg * ds[0], sg * ds[1]}
		if t+1 < tEnd {
			if q := find(t+1, j); q >= 0 && (p.Reset == network.Subtract || e.u <= p.Theta) {
				v[0] += p.Beta * gu[q][0]
				v[1] += p.Beta * gu[q][1]
			}
		}
		gu[idx] = v
		gi[idx] = [2]float64{v[0] * e.scale, v[1] * e.scale}
	}
	var out []keptGrad
	for idx, e := range near {
		if gi[idx] != [2]float64{} {
			out = append(out, keptGrad{step: e.step, neuron: e.neuron, onTarget: gi[idx][0], offTarget: gi[idx][1]})
		}
	}
	return out
}

// sparseRowDot adds to ds the products of the stored weights of row (pre,
// delay) of sp with the gradients gi of the near pairs q0 ≤ q < q1 (one
// step, ascending by neuron) onto the same neurons, in ascending neuron
// order as the dense sum.
func sparseRowDot(sp *network.Sparse, pre, delay int, near []nearPair, gi [][2]float64, q0, q1 int, ds [2]float64) [2]float64 {
	posts, ws := sp.Row(pre, delay)
	for a, q := 0, q0; a < len(posts) && q < q1; {
		switch j := posts[a]; {
		case j < near[q].neuron:
			a++
		case j > near[q].neuron:
			q++
		default:
			ds[0] += ws[a] * gi[q][0]
			ds[1] += ws[a] * gi[q][1]
			a++
			q++
		}
	}
	return ds
}
