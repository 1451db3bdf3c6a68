package network

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/floats"

	"github.com/hdsnn/hdsnn/raster"
)

// Cue returns the clamp input x of a cued-recall trial of pattern (SPEC
// §2.1): Bernoulli(p.PA) background drawn from bg for the first p.Pre
// steps, then the first p.Trigger steps of the pattern, then nothing.
// bg may be nil when p.Pre == 0 or p.PA == 0.
func Cue(p Params, pattern *raster.Raster, bg *rand.Rand) *raster.Raster {
	x := raster.New(pattern.N, p.Len(pattern.T))
	if p.Pre > 0 && p.PA > 0 {
		noise := raster.Bernoulli(bg, pattern.N, p.Pre, p.PA)
		copy(x.Steps, noise.Steps)
	}
	for t := 0; t < p.Trigger && t < pattern.T; t++ {
		x.Steps[p.Pre+t] = slices.Clone(pattern.Steps[t])
	}
	return x
}

// Options control what a simulation records and whether it drops out
// synaptic currents, as in training.
type Options struct {
	// Record keeps the dense current and membrane of every step.
	Record bool
	// Dropout is the probability q that a current entry I[j](t) is dropped;
	// kept entries are scaled by 1/(1−q). Zero disables dropout.
	Dropout float64
	// Mask is the random stream of the dropout mask; required with Dropout.
	Mask *rand.Rand
	// Support, when positive, lists in State.Near every scored-or-earlier
	// step and neuron whose membrane lies within Support of θ: the pairs
	// a sparse backward pass keeps.
	Support float64
	// NearUntil bounds the steps listed in Near to t < NearUntil
	// (0 means the whole trial).
	NearUntil int
}

// Near is a (step, neuron) pair whose membrane came within the surrogate
// support of the threshold.
type Near struct {
	Step, Neuron int32
	U            float64 // membrane u[j](t)
	Scale        float64 // dropout factor applied to I[j](t): 0 or 1/(1−q), 1 without dropout
}

// State is the outcome of one trial of L steps.
type State struct {
	N, L int
	// Input is the clamp x, Spikes the network's own spikes s, and Seen
	// their union, which is what the synapses transmit.
	Input, Spikes, Seen *raster.Raster
	// Current and Membrane are step-major (index t·N + j), zero before
	// step D; recorded only with Options.Record.
	Current, Membrane []float64
	// Scale is the dropout factor of every entry (step-major), recorded
	// only with Options.Record and dropout.
	Scale []float64
	// Near lists the near-threshold pairs in step order when
	// Options.Support > 0.
	Near []Near
	// Events counts the synaptic events processed: N for every weight row
	// added to (or, on saturated steps, subtracted from) the currents.
	Events int64
}

// Simulate runs one trial of the network w with clamp input x (N × L) and
// returns its state (SPEC §2.1). It costs O(active (neuron, delay) pairs ×
// N) per step: the rows of W for every presynaptic spike in the last D
// steps are added to the currents.
func Simulate(w *Weights, p Params, x *raster.Raster, opt Options) (*State, error) {
	return simulate(w, p, x, opt, &totals{w: w})
}

// totals lazily sums every row of W: the current of a network in which
// every (neuron, delay) pair is active. Trials of one batch share it.
type totals struct {
	once sync.Once
	w    *Weights
	sum  []float64
}

func (s *totals) get() []float64 {
	s.once.Do(func() {
		n := s.w.N
		s.sum = make([]float64, n)
		for r := 0; r < n*s.w.D; r++ {
			floats.Add(s.sum, s.w.W[r*n:(r+1)*n])
		}
	})
	return s.sum
}

// simulate is Simulate with the row totals shared by a batch.
//
// A step whose window holds more than half of all (neuron, delay) pairs
// starts from the totals and subtracts the rows of the inactive pairs, so
// the cost per step is min(active, inactive pairs) × N: a network driven
// into saturation, as happens beyond capacity, costs as little as a
// sparse one.
func simulate(w *Weights, p Params, x *raster.Raster, opt Options, tot *totals) (*State, error) {
	if err := p.Validate(0); err != nil {
		return nil, err
	}
	if x.N != w.N {
		return nil, fmt.Errorf("input has %d neurons, weights have %d", x.N, w.N)
	}
	if w.D != p.D {
		return nil, fmt.Errorf("weights have %d delays, parameters say %d", w.D, p.D)
	}
	if opt.Dropout < 0 || opt.Dropout >= 1 {
		return nil, fmt.Errorf("dropout = %v: must be in [0, 1)", opt.Dropout)
	}
	if opt.Dropout > 0 && opt.Mask == nil {
		return nil, fmt.Errorf("dropout needs a random stream for its mask")
	}
	n, l, d := w.N, x.T, w.D
	st := &State{N: n, L: l, Input: x, Spikes: raster.New(n, l), Seen: raster.New(n, l)}
	if opt.Record {
		st.Current = make([]float64, n*l)
		st.Membrane = make([]float64, n*l)
		if opt.Dropout > 0 {
			st.Scale = make([]float64, n*l)
		}
	}
	nearUntil := l
	if opt.NearUntil > 0 && opt.NearUntil < l {
		nearUntil = opt.NearUntil
	}
	for t := 0; t < d && t < l; t++ {
		st.Seen.Steps[t] = x.Steps[t]
	}
	u := make([]float64, n)
	cur := make([]float64, n)
	scale := make([]float64, n)
	keep := 1 / (1 - opt.Dropout)
	beta, theta := p.Beta, p.Theta
	var spk []int32
	for t := d; t < l; t++ {
		if opt.Record {
			cur = st.Current[t*n : (t+1)*n]
		} else {
			clear(cur)
		}
		active := 0
		for k := 1; k <= d; k++ {
			active += len(st.Seen.Steps[t-k])
		}
		if 2*active <= n*d {
			st.Events += int64(active * n)
			for k := 1; k <= d; k++ {
				for _, i := range st.Seen.Steps[t-k] {
					floats.Add(cur, w.Row(int(i), k))
				}
			}
		} else {
			copy(cur, tot.get())
			st.Events += int64((n*d - active) * n)
			for k := 1; k <= d; k++ {
				on := st.Seen.Steps[t-k]
				for i := 0; i < n; i++ {
					if len(on) > 0 && int(on[0]) == i {
						on = on[1:]
						continue
					}
					floats.Sub(cur, w.Row(i, k))
				}
			}
		}
		if opt.Dropout > 0 {
			for j := range cur {
				if opt.Mask.Float64() < opt.Dropout {
					scale[j] = 0
				} else {
					scale[j] = keep
				}
				cur[j] *= scale[j]
			}
			if st.Scale != nil {
				copy(st.Scale[t*n:], scale)
			}
		}
		spk = spk[:0]
		if p.Reset == Subtract {
			for j, v := range u {
				r := 0.0
				if v > theta {
					r = 1
				}
				v = beta*v + cur[j] - theta*r
				u[j] = v
				if v > theta {
					spk = append(spk, int32(j))
				}
			}
		} else {
			for j, v := range u {
				if v > theta {
					v = 0
				}
				v = beta*v + cur[j]
				u[j] = v
				if v > theta {
					spk = append(spk, int32(j))
				}
			}
		}
		if opt.Record {
			copy(st.Membrane[t*n:], u)
		}
		if opt.Support > 0 && t < nearUntil {
			for j, v := range u {
				if v-theta < opt.Support && theta-v < opt.Support {
					sc := 1.0
					if opt.Dropout > 0 {
						sc = scale[j]
					}
					st.Near = append(st.Near, Near{Step: int32(t), Neuron: int32(j), U: v, Scale: sc})
				}
			}
		}
		if len(spk) > 0 {
			st.Spikes.Steps[t] = slices.Clone(spk)
		}
		st.Seen.Steps[t] = union(st.Spikes.Steps[t], x.Steps[t])
	}
	return st, nil
}

// union merges two ascending lists without repeats. It returns one of
// them unchanged when the other is empty.
func union(a, b []int32) []int32 {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
