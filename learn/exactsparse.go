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
// len(s.W) values): the entry of row (i, d) onto j gets ∂L/∂I_j(t+d) of
// every trial that saw i at step t. Its cost grows with entries × steps ×
// trials, not with N²·D.
//
// The gradients are held trial-minor, g[(step·N + neuron)·c + trial], so
// that one entry's index and weight serve the whole chunk of trials in a
// contiguous multiply-add, and the weight gradient of the entry is summed
// from the same block while it is in cache. Each presynaptic neuron's
// sums run on one goroutine per step in a fixed (delay, entry, trial)
// order, steps in descending order, so the result does not depend on the
// number of goroutines.
func backwardSparse(s *network.Sparse, p network.Params, pats []*raster.Raster, sts []recorded, on, off, alpha, support float64, tu tuning, grad []float64) (int, error) {
	n, d, c := s.N, s.D, len(sts)
	from, tEnd := p.ScoredRange(pats[0].T)
	lpad := tEnd + d
	g := make([]float64, lpad*n*c)
	gu := make([]float64, n*c)  // ∂L/∂u(t+1), carried through the leak
	rec := make([]float64, n*c) // ∂L/∂seen(t)
	flags := make([]uint8, n*c)
	// seen[i·c : i·c + seenN[i]] are the trials that saw neuron i at the
	// current step.
	seen, seenN := make([]int32, n*c), make([]int32, n)
	markSeen := func(t int) {
		clear(seenN)
		for k, st := range sts {
			for _, i := range st.st.Seen.Steps[t] {
				seen[int(i)*c+int(seenN[i])] = int32(k)
				seenN[i]++
			}
		}
	}
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
		markSeen(t)
		parallel.For(blocks, func(b int) error {
			for i := b * sparseBlock; i < min((b+1)*sparseBlock, n); i++ {
				r := rec[i*c : (i+1)*c]
				clear(r)
				sparseRows(s, i, t, tEnd, g, r, seen[i*c:i*c+int(seenN[i])], grad)
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
	// The spikes of the first D steps (the cue) reach steps the loop has
	// computed; they add to the weight gradient only.
	for t := d - 1; t >= 0; t-- {
		markSeen(t)
		parallel.For(blocks, func(b int) error {
			for i := b * sparseBlock; i < min((b+1)*sparseBlock, n); i++ {
				if seenN[i] > 0 {
					sparseRows(s, i, t, tEnd, g, nil, seen[i*c:i*c+int(seenN[i])], grad)
				}
			}
			return nil
		})
	}
	kept := 0
	for _, k := range keptBy {
		kept += k
	}
	return kept, nil
}

// sparseRows visits the stored entries of presynaptic neuron i at step t
// of backwardSparse: for the entry of row (i, d) onto j it adds W times the
// trial block g(t+d, j) to rec (if not nil) and, for every trial in seen
// (those that saw i at t), g(t+d, j) of that trial to the entry's
// gradient.
func sparseRows(s *network.Sparse, i, t, tEnd int, g, rec []float64, seen []int32, grad []float64) {
	n, d, c := s.N, s.D, len(g)/((tEnd+s.D)*s.N)
	for dl := 1; dl <= d && t+dl < tEnd; dl++ {
		row := i*d + dl - 1
		a := s.Start[row]
		posts, ws := s.Post[a:s.Start[row+1]], s.W[a:s.Start[row+1]]
		dst := grad[a:s.Start[row+1]]
		base := (t + dl) * n
		for e, j := range posts {
			o := (base + int(j)) * c
			gb := g[o : o+c]
			if rec != nil {
				floats.AddScaled(rec, ws[e], gb)
			}
			if len(seen) > 0 {
				sum := 0.0
				for _, k := range seen {
					sum += gb[k]
				}
				dst[e] += sum
			}
		}
	}
}
