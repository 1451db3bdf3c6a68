package learn

import (
	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// sparseBlock is the number of presynaptic neurons one job of
// backwardSparse handles per step.
const sparseBlock = 64

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
	// masks[i·c + k] is 1 if trial k saw neuron i at the current step,
	// else 0; seenN[i] counts those trials.
	masks, seenN := make([]float64, n*c), make([]int32, n)
	markSeen := func(t int) {
		clear(masks)
		clear(seenN)
		for k, st := range sts {
			for _, i := range st.st.Seen.Steps[t] {
				masks[int(i)*c+k] = 1
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
			lo, hi := b*sparseBlock, min((b+1)*sparseBlock, n)
			clear(rec[lo*c : hi*c])
			sparseRows(s, lo, hi, t, tEnd, c, g, rec, masks, seenN, grad)
			for i := lo; i < hi; i++ {
				r := rec[i*c : (i+1)*c]
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
					v, ok := slotGrad(p, sts[k].membrane[t*n+i], v, carry[k], alpha, support)
					if ok {
						keptBy[b]++
					}
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
			sparseRows(s, b*sparseBlock, min((b+1)*sparseBlock, n), t, tEnd, c, g, nil, masks, seenN, grad)
			return nil
		})
	}
	kept := 0
	for _, k := range keptBy {
		kept += k
	}
	return kept, nil
}

// sparseRows visits the stored entries of the presynaptic neurons lo ≤ i
// < hi at step t of backwardSparse: for the entry of row (i, d) onto j it
// adds W times the trial block g(t+d, j) to i's block of rec (if rec is
// not nil) and, for every trial that saw i at t (masks[i·c + k] = 1), g(t+d,
// j) of that trial to the entry's gradient. Delays are the outer loop, so
// the gradient blocks of one step t+d serve every neuron while they are in
// cache; each neuron still sums in (delay, entry) order.
func sparseRows(s *network.Sparse, lo, hi, t, tEnd, c int, g, rec []float64, masks []float64, seenN []int32, grad []float64) {
	n, d := s.N, s.D
	for dl := 1; dl <= d && t+dl < tEnd; dl++ {
		base := (t + dl) * n
		for i := lo; i < hi; i++ {
			row := i*d + dl - 1
			a, b := s.Start[row], s.Start[row+1]
			posts, ws, dst := s.Post[a:b], s.W[a:b], grad[a:b]
			m := masks[i*c : (i+1)*c]
			switch {
			case rec == nil:
				if seenN[i] == 0 {
					continue
				}
				for e, j := range posts {
					o := (base + int(j)) * c
					dst[e] += floats.Dot(m, g[o:o+c])
				}
			case seenN[i] == 0:
				r := rec[i*c : (i+1)*c]
				for e, j := range posts {
					o := (base + int(j)) * c
					floats.AddScaled(r, ws[e], g[o:o+c])
				}
			default:
				// The multiply-add and the weight gradient while the
				// block is in cache (trials that did not see i add
				// zero). gonum's assembly axpy rounds every element as
				// r[q] += w·g[q] does, so rec is the same bits as a
				// plain loop, at about twice its speed for 16 trials.
				r := rec[i*c : (i+1)*c]
				for e, j := range posts {
					o := (base + int(j)) * c
					gb := g[o : o+c]
					floats.AddScaled(r, ws[e], gb)
					dst[e] += floats.Dot(m, gb)
				}
			}
		}
	}
}
