package network

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Cue returns the clamp input x of a cued-recall trial of pattern (SPEC
// §2.1): Bernoulli(p.PA) background drawn from bg for the first p.Pre
// steps, then the first p.Trigger steps of the pattern, then nothing.
// bg may be nil when p.Pre == 0 or p.PA == 0; otherwise a nil bg is an
// error.
func Cue(p Params, pattern *raster.Raster, bg *rand.Rand) (*raster.Raster, error) {
	if p.Pre > 0 && p.PA > 0 && bg == nil {
		return nil, fmt.Errorf("network: a cue with Pre = %d background steps at PA = %v needs a background stream; pass one, or set Pre or PA to 0", p.Pre, p.PA)
	}
	x := raster.New(pattern.N, p.Len(pattern.T))
	if p.Pre > 0 && p.PA > 0 {
		noise := raster.Bernoulli(bg, pattern.N, p.Pre, p.PA)
		copy(x.Steps, noise.Steps)
	}
	for t := 0; t < p.Trigger && t < pattern.T; t++ {
		x.Steps[p.Pre+t] = slices.Clone(pattern.Steps[t])
	}
	return x, nil
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
	// Events counts the synaptic events processed: one for every synapse
	// of every weight row added to (or, on saturated steps, subtracted
	// from) the currents — N per row of dense Weights, the row's entries
	// for Sparse.
	Events int64
	// SynOps counts the synaptic operations of the trial as neuromorphic
	// hardware counts them: one per delivered spike and synapse that
	// exists, that is for every step t ≥ D and every (neuron, delay) pair
	// seen in its window, the synapses of that pair's row — the stored
	// entries of Sparse weights, the non-zero entries of dense Weights.
	// It does not depend on how the simulation computed the currents
	// (Events does).
	SynOps int64
}

// Score compares the network's spikes of a cued-recall trial of pattern
// with the pattern over the scored steps (Params.ScoredRange).
func (st *State) Score(p Params, pattern *raster.Raster) score.Counts {
	from, to := p.ScoredRange(pattern.T)
	return score.Steps(st.Spikes, pattern, p.Pre, from, to)
}

// Simulate runs one trial of the network w with clamp input x (N × L) and
// returns its state (SPEC §2.1); see Stepper for the update. The rows of W
// for every presynaptic spike in the last D steps are added to the
// currents, so a step costs O(active (neuron, delay) pairs × N) on dense
// Weights and O(synapses of the active pairs) on Sparse weights; both
// give the same spikes, currents and membranes, bit for bit.
func Simulate(w Synapses, p Params, x *raster.Raster, opt Options) (*State, error) {
	s, err := NewStepper(w, p, x, opt)
	if err != nil {
		return nil, err
	}
	return s.run(), nil
}

// totals lazily sums every row of W: the current of a network in which
// every (neuron, delay) pair is active. Trials of one batch share it.
type totals struct {
	once    sync.Once
	w       Synapses
	sum     []float64
	lenOnce sync.Once
	rowLen  []int64
}

// lens returns the synapses of every row (pre·D + delay − 1) of W: the
// non-zero entries of dense Weights, the stored ones of Sparse.
func (s *totals) lens() []int64 {
	s.lenOnce.Do(func() {
		n, d := s.w.Size()
		s.rowLen = make([]int64, n*d)
		switch w := s.w.(type) {
		case *Sparse:
			for r := range s.rowLen {
				s.rowLen[r] = w.Start[r+1] - w.Start[r]
			}
		case *Weights:
			for r := range s.rowLen {
				var c int64
				for _, v := range w.W[r*n : (r+1)*n] {
					if v != 0 {
						c++
					}
				}
				s.rowLen[r] = c
			}
		}
	})
	return s.rowLen
}

// synOps returns the synaptic operations of step t (see State.SynOps).
func (s *Stepper) synOps(t int) int64 {
	seen, d := s.st.Seen, s.d
	if sp, ok := s.w.(*Sparse); ok {
		var ops int64
		for k := 1; k <= d; k++ {
			for _, i := range seen.Steps[t-k] {
				r := int(i)*d + k - 1
				ops += sp.Start[r+1] - sp.Start[r]
			}
		}
		return ops
	}
	lens := s.tot.lens()
	var ops int64
	for k := 1; k <= d; k++ {
		for _, i := range seen.Steps[t-k] {
			ops += lens[int(i)*d+k-1]
		}
	}
	return ops
}

func (s *totals) get() []float64 {
	s.once.Do(func() {
		n, d := s.w.Size()
		s.sum = make([]float64, n)
		for i := 0; i < n; i++ {
			for k := 1; k <= d; k++ {
				s.w.addRow(s.sum, i, k)
			}
		}
	})
	return s.sum
}

// Stepper runs one trial step by step (SPEC §2.1). Steps t < D only pass
// the clamp on; from t = D on, Step computes
//
//	I[j](t) = Σ_{i, d} W[j][i][d−1] · seen[i](t−d)      (d = 1..D)
//	I[j](t) ← I[j](t) · m[j](t) / (1 − q)               (dropout q only)
//	u[j](t) = β·u[j](t−1) + I[j](t) − θ·s[j](t−1)       (subtract reset)
//	u[j](t) = β·u[j](t−1)·(1 − s[j](t−1)) + I[j](t)     (zero reset)
//	s[j](t) = 1 if u[j](t) > θ, else 0
//	seen[j](t) = s[j](t) ∨ x[j](t)
//
// where x is the clamp input and m[j](t) ~ Bernoulli(1 − q) is the dropout
// mask. After each Step, Membrane, Current, Scale and Spikes describe
// step T; the slices are reused by the next Step.
type Stepper struct {
	w     Synapses
	n, d  int
	p     Params
	opt   Options
	tot   *totals
	st    *State
	t     int
	u     []float64
	cur   []float64
	scale []float64
	keep  float64
	spk   []int32
}

// NewStepper checks its arguments and returns a Stepper before the first
// step of the trial of w with clamp input x.
func NewStepper(w Synapses, p Params, x *raster.Raster, opt Options) (*Stepper, error) {
	return newStepper(w, p, x, opt, &totals{w: w})
}

// newStepper is NewStepper with the row totals shared by a batch.
func newStepper(w Synapses, p Params, x *raster.Raster, opt Options, tot *totals) (*Stepper, error) {
	if err := p.Validate(0); err != nil {
		return nil, err
	}
	n, d := w.Size()
	if x.N != n {
		return nil, fmt.Errorf("input has %d neurons, weights have %d", x.N, n)
	}
	if d != p.D {
		return nil, fmt.Errorf("weights have %d delays, parameters say %d", d, p.D)
	}
	if opt.Dropout < 0 || opt.Dropout >= 1 {
		return nil, fmt.Errorf("dropout = %v: must be in [0, 1)", opt.Dropout)
	}
	if opt.Dropout > 0 && opt.Mask == nil {
		return nil, fmt.Errorf("dropout needs a random stream for its mask")
	}
	l := x.T
	s := &Stepper{w: w, n: n, d: d, p: p, opt: opt, tot: tot, t: d - 1,
		st: &State{N: n, L: l, Input: x, Spikes: raster.New(n, l), Seen: raster.New(n, l)},
		u:  make([]float64, n), cur: make([]float64, n), keep: 1 / (1 - opt.Dropout)}
	if opt.Record {
		s.st.Current = make([]float64, n*l)
		s.st.Membrane = make([]float64, n*l)
	}
	if opt.Dropout > 0 {
		s.scale = make([]float64, n)
	}
	for t := 0; t < d && t < l; t++ {
		s.st.Seen.Steps[t] = x.Steps[t]
	}
	return s, nil
}

// Step makes the next step and reports whether there was one: false once
// the trial's L steps are done.
func (s *Stepper) Step() bool {
	if s.t+1 >= s.st.L {
		return false
	}
	s.t++
	t, n := s.t, s.n
	if s.opt.Record {
		s.cur = s.st.Current[t*n : (t+1)*n]
	} else {
		clear(s.cur)
	}
	ev, sparse := s.synapses(t)
	s.st.Events += ev
	if sparse {
		s.st.SynOps += ev
	} else {
		s.st.SynOps += s.synOps(t)
	}
	if s.opt.Dropout > 0 {
		s.dropout()
	}
	s.membrane()
	if s.opt.Record {
		copy(s.st.Membrane[t*n:], s.u)
	}
	if len(s.spk) > 0 {
		s.st.Spikes.Steps[t] = slices.Clone(s.spk)
	}
	s.st.Seen.Steps[t] = raster.Union(s.st.Spikes.Steps[t], s.st.Input.Steps[t])
	return true
}

// synapses adds to s.cur the rows of W of the (neuron, delay) pairs seen
// in the window of step t and returns the synaptic events processed and
// whether they were the stored entries of the active rows of Sparse
// weights (and so also the step's SynOps).
//
// A step whose window holds more than half of all (neuron, delay) pairs
// starts from the totals and subtracts the rows of the inactive pairs, so
// the cost per step is min(active, inactive pairs) × N: a network driven
// into saturation, as happens beyond capacity, costs as little as a
// sparse one. Dense and sparse weights take the same branch and add (or
// subtract) the same rows in the same order; the entries a sparse row
// lacks are zeros, and x ± 0 == x, so the currents agree bit for bit.
func (s *Stepper) synapses(t int) (int64, bool) {
	w, seen, n, d := s.w, s.st.Seen, s.n, s.d
	active := 0
	for k := 1; k <= d; k++ {
		active += len(seen.Steps[t-k])
	}
	var events int64
	if 2*active <= n*d {
		if sp, ok := w.(*Sparse); ok {
			return s.sparseRows(sp, t), true // the same sums, without a call per row
		}
		for k := 1; k <= d; k++ {
			for _, i := range seen.Steps[t-k] {
				events += w.addRow(s.cur, int(i), k)
			}
		}
		return events, false
	}
	copy(s.cur, s.tot.get())
	for k := 1; k <= d; k++ {
		on := seen.Steps[t-k]
		for i := 0; i < n; i++ {
			if len(on) > 0 && int(on[0]) == i {
				on = on[1:]
				continue
			}
			events += w.subRow(s.cur, i, k)
		}
	}
	return events, false
}

// sparseRows adds to s.cur the rows of sp of the (neuron, delay) pairs
// seen in the window of step t, in the order synapses adds them, and
// returns the synaptic events processed.
func (s *Stepper) sparseRows(sp *Sparse, t int) int64 {
	cur, d := s.cur, s.d
	var events int64
	for k := 1; k <= d; k++ {
		for _, i := range s.st.Seen.Steps[t-k] {
			r := int(i)*d + k - 1
			a, b := sp.Start[r], sp.Start[r+1]
			post, w := sp.Post[a:b], sp.W[a:b]
			w = w[:len(post)]
			for n, j := range post {
				cur[j] += w[n]
			}
			events += b - a
		}
	}
	return events
}

// dropout draws the mask of the step and scales the currents.
func (s *Stepper) dropout() {
	q := s.opt.Dropout
	for j := range s.cur {
		if s.opt.Mask.Float64() < q {
			s.scale[j] = 0
		} else {
			s.scale[j] = s.keep
		}
		s.cur[j] *= s.scale[j]
	}
}

// membrane leaks, resets and charges the membranes and lists the spikes.
func (s *Stepper) membrane() {
	s.spk = updateMembranes(s.u, s.cur, s.p.Beta, s.p.Theta, s.p.Reset == Zero, s.spk[:0])
}

// membraneGo is the membrane update of Stepper on neurons from, from+1, …
// (u[j] is neuron from + j): with r the spike of the last step,
// u = β·u + I − θ·r (subtract reset) or u = β·u·(1 − r) + I (zero reset),
// each operation rounded on its own (no fused multiply-add, which the
// conversions forbid); it appends the neurons with u > θ to spk.
// updateMembranes runs it where no vector kernel does.
func membraneGo(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) []int32 {
	cur = cur[:len(u)] // no reloads or bounds checks in the loops
	if !zero {
		for j, v := range u {
			r := 0.0
			if v > theta {
				r = 1
			}
			v = float64(beta*v) + cur[j] - float64(theta*r)
			u[j] = v
			if v > theta {
				spk = append(spk, int32(from+j))
			}
		}
		return spk
	}
	for j, v := range u {
		if v > theta {
			v = 0
		}
		v = float64(beta*v) + cur[j]
		u[j] = v
		if v > theta {
			spk = append(spk, int32(from+j))
		}
	}
	return spk
}

// T returns the step last made (D − 1 before the first Step).
func (s *Stepper) T() int { return s.t }

// Membrane returns u(T), one entry per neuron.
func (s *Stepper) Membrane() []float64 { return s.u }

// Current returns I(T) after dropout, one entry per neuron.
func (s *Stepper) Current() []float64 { return s.cur }

// Scale returns the dropout factor of every entry of I(T): 0 or 1/(1−q);
// nil without dropout.
func (s *Stepper) Scale() []float64 { return s.scale }

// Spikes returns the neurons that spiked at step T, in ascending order.
func (s *Stepper) Spikes() []int32 { return s.spk }

// State returns the trial so far; after the last Step, the whole trial.
func (s *Stepper) State() *State { return s.st }

// run makes every remaining step and returns the state.
func (s *Stepper) run() *State {
	for s.Step() {
	}
	return s.st
}

// runContext is run that stops with ctx.Err() when ctx is cancelled,
// checked every 64 steps.
func (s *Stepper) runContext(ctx context.Context) (*State, error) {
	for k := 0; s.Step(); k++ {
		if k%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return s.st, nil
}
