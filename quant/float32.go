package quant

import (
	"context"
	"fmt"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// Net32 is a network prepared for the float32 path: the weights of a
// Sparse tensor rounded to float32, and β and θ in float32. It is
// read-only, so trials share it.
type Net32 struct {
	n, d  int
	start []int64
	post  []int32
	w     []float32
	beta  float32
	theta float32
	reset network.Reset
}

// NewNet32 prepares s for float32 trials with the neuron parameters p.
// Every weight is rounded to the nearest float32.
func NewNet32(s *network.Sparse, p network.Params) (*Net32, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := p.Validate(0); err != nil {
		return nil, err
	}
	if s.D != p.D {
		return nil, fmt.Errorf("weights have %d delays, parameters say %d", s.D, p.D)
	}
	w := make([]float32, len(s.W))
	for k, v := range s.W {
		w[k] = float32(v)
	}
	return &Net32{n: s.N, d: s.D, start: s.Start, post: s.Post, w: w, beta: float32(p.Beta), theta: float32(p.Theta), reset: p.Reset}, nil
}

// kernel32 is the state of one float32 trial: its currents and
// membranes.
type kernel32 struct {
	net *Net32
	cur []float32
	u   []float32
}

// deliver adds to the currents the rows of the (neuron, delay) pairs seen
// in the window of step t, in the float64 path's order, and returns the
// synapses delivered.
func (k *kernel32) deliver(seen *raster.Raster, t int) int64 {
	net, cur, d := k.net, k.cur, k.net.d
	var ev int64
	for dl := 1; dl <= d; dl++ {
		for _, i := range seen.Steps[t-dl] {
			r := int(i)*d + dl - 1
			a, b := net.start[r], net.start[r+1]
			w := net.w[a:b]
			for m, j := range net.post[a:b] {
				cur[j] += w[m]
			}
			ev += b - a
		}
	}
	return ev
}

// update leaks, resets and charges the membranes, clears the currents
// and appends the neurons that spike to spk.
func (k *kernel32) update(spk []int32) []int32 {
	u, cur := k.u, k.cur[:len(k.u)]
	beta, theta := k.net.beta, k.net.theta
	zero := k.net.reset == network.Zero
	for j, v := range u {
		fired := v > theta
		if fired && zero {
			v = 0
		}
		// Each operation rounds to float32: the conversions forbid a fused
		// multiply-add, as the float64 path has none.
		v = float32(beta*v) + cur[j]
		if fired && !zero {
			v = float32(v - theta)
		}
		u[j] = v
		cur[j] = 0
		if v > theta {
			spk = append(spk, int32(j))
		}
	}
	return spk
}

// Simulate32 runs one trial of s in float32 (weights, currents and
// membranes): the float64 simulation of network.Simulate, in the same
// order of additions, with every number rounded to float32. With record,
// State.Membrane holds the float32 membranes.
func Simulate32(s *network.Sparse, p network.Params, x *raster.Raster, record bool) (*network.State, error) {
	net, err := NewNet32(s, p)
	if err != nil {
		return nil, err
	}
	return net.Simulate(context.Background(), x, record)
}

// Simulate runs one float32 trial with clamp input x; see Simulate32.
func (net *Net32) Simulate(ctx context.Context, x *raster.Raster, record bool) (*network.State, error) {
	if x.N != net.n {
		return nil, fmt.Errorf("input has %d neurons, weights have %d", x.N, net.n)
	}
	n, d := net.n, net.d
	k := &kernel32{net: net, cur: make([]float32, n), u: make([]float32, n)}
	st := newState(n, d, x, record)
	var spk []int32
	for t := d; t < st.L; t++ {
		if (t-d)%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		st.Events += k.deliver(st.Seen, t)
		spk = k.update(spk[:0])
		endStep(st, t, k.u, spk)
	}
	st.SynOps = st.Events
	return st, nil
}

// Recall32 is Recall on the float32 path of s.
func Recall32(ctx context.Context, s *network.Sparse, p network.Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, network.Cost, error) {
	net, err := NewNet32(s, p)
	if err != nil {
		return score.Counts{}, nil, network.Cost{}, err
	}
	return recall(ctx, s.N, p, set, seed, round, func(x *raster.Raster) (*network.State, error) {
		return net.Simulate(ctx, x, false)
	})
}
