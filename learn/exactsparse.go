package learn

import (
	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// sparseBlock is the number of presynaptic neurons one job of
// backwardSparse handles per step.
const sparseBlock = 16

// Flags of a (neuron, trial) slot at one step of backwardSparse.
const (
	slotClamped = 1 << iota // the neuron is clamped by the input
	slotTarget              // the neuron spikes in the target
)

// backwardSparse is backwardChunk on sparse weights: the gradient that
// reaches the spike of neuron i at step t is Σ_d Σ_{j in row (i, d)}
// W · ∂L/∂I_j(t+d), summed over the row's stored entries only, and the
// weight gradient is accumulated for the stored entries only (grad has
// len(s.W) values). Its cost grows with entries × steps × trials, not
// with N²·D.
//
// The gradients are held trial-minor, g[(step·N + neuron)·c + trial], so
// that one entry's index and weight serve the whole chunk of trials in a
// contiguous multiply-add. Each presynaptic neuron's sum runs on one
// goroutine in a fixed (delay, entry, trial) order, so the result does not
// depend on the number of goroutines.
func backwardSparse(s *network.Sparse, p network.Params, pats []*raster.Raster, sts []recorded, on, off, alpha, support float64, tu tuning, grad []float64) (int, error) {
	n, d, c := s.N, s.D, len(sts)
	from, tEnd := p.ScoredRange(pats[0].T)
	lpad := tEnd + d
	g := make([]float64, lpad*n*c)
	gu := make([]float64, n*c)  // ∂L/∂u(t+1), carried through the leak
	rec := make([]float64, n*c) // ∂L/∂seen(t)
	flags := make([]uint8, n*c)
	blocks := (n + sparseBlock - 1) / sparseBlock
	keptBy := make([]int, blocks)
	for t := tEnd - 1; t >= d; t-- {
		if err := tu.cancelled(); err != nil {
			return 0, err
		}
		for k, st := range sts {
			for _, j := range st.st.Input.Steps[t] {
				flags[int(j)*c+k] |= slotClamped
			}
			if t >= from {
				for _, j := range pats[k].Steps[t-p.Pre] {
					flags[int(j)*c+k] |= slotTarget
				}
			}
		}
		parallel.For(blocks, func(b int) error {
			for i := b * sparseBlock; i < min((b+1)*sparseBlock, n); i++ {
				r := rec[i*c : (i+1)*c]
				clear(r)
				for dl := 1; dl <= d && t+dl < tEnd; dl++ {
					posts, ws := s.Row(i, dl)
					base := (t + dl) * n
					for e, j := range posts {
						o := (base + int(j)) * c
						floats.AddScaled(r, ws[e], g[o:o+c])
					}
				}
				gt := g[(t*n+i)*c : (t*n+i+1)*c]
				carry := gu[i*c : (i+1)*c]
				fl := flags[i*c : (i+1)*c]
				for k, v := range r {
					if fl[k]&slotClamped != 0 {
						v = 0 // a clamped slot passes no gradient to the own spike
					}
					if t >= from {
						v += off
						if fl[k]&slotTarget != 0 {
							v += on - off
						}
					}
					u := sts[k].membrane[t*n+i]
					if support > 0 && !(u-p.Theta < support && p.Theta-u < support) {
						carry[k], gt[k] = 0, 0
						continue
					}
					keptBy[b]++
					leak := p.Beta
					if p.Reset == network.Zero && u > p.Theta {
						leak = 0
					}
					v = Surrogate(u, p.Theta, alpha)*v + leak*carry[k]
					carry[k] = v
					if sc := sts[k].scale; sc != nil {
						v *= sc[t*n+i]
					}
					gt[k] = v
				}
			}
			return nil
		})
		clear(flags)
	}
	accumulateSparse(s, sts, g, tEnd, grad)
	kept := 0
	for _, k := range keptBy {
		kept += k
	}
	return kept, nil
}

// accumulateSparse adds ∂L/∂W to the stored entries: the entry of row
// (i, d) onto j gets g(t0+d, j) of every trial and step t0 at which
// neuron i was seen. Rows of different presynaptic neurons are summed on
// different goroutines, each in a fixed (trial, step, delay) order, so the
// result does not depend on the number of goroutines.
func accumulateSparse(s *network.Sparse, sts []recorded, g []float64, tEnd int, grad []float64) {
	n, d, c := s.N, s.D, len(sts)
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
			for dl := 1; dl <= d && int(e.step)+dl < tEnd; dl++ {
				r := i*d + dl - 1
				a := s.Start[r]
				dst := grad[a:s.Start[r+1]]
				base := (int(e.step) + dl) * n
				for q, j := range s.Post[a:s.Start[r+1]] {
					dst[q] += g[(base+int(j))*c+int(e.trial)]
				}
			}
		}
		return nil
	})
}
