package quant

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// FracBits is F, the fractional bits of the integer membrane: a membrane
// of neuron j counts units of Scale[j]/2^F, so a synapse's integer enters
// it shifted left by F (Loihi shifts its weight mantissas left by 6 too).
const FracBits = 6

// LeakShift is the shift of the fixed-point leak: β_fix = round(β·2^12)
// and the leaked membrane is (u·β_fix) >> 12, rounded toward zero, as in
// Lava's bit-accurate Loihi neuron models.
const LeakShift = 12

// BetaFixed returns β_fix = round(β·2^LeakShift).
func BetaFixed(beta float64) int64 { return int64(math.Round(beta * (1 << LeakShift))) }

// Leak returns the leaked membrane sign(u·βfix)·(|u·βfix| >> LeakShift):
// the fixed-point multiply by β, rounded toward zero.
func Leak(u, betaFix int64) int64 {
	x := u * betaFix
	m := x >> 63 // 0 or −1: branch-free, as the sign of a membrane is unpredictable
	return (((x^m)-m)>>LeakShift ^ m) - m
}

// Thresholds returns θ_j = round(θ·2^F/Scale[j]) of every neuron: the
// threshold in the units of its integer membrane. A neuron whose scale is
// zero receives no current and gets math.MaxInt64, so it never spikes.
func Thresholds(q *Weights, theta float64) []int64 {
	th := make([]int64, len(q.Scale))
	for j, s := range q.Scale {
		if s == 0 {
			th[j] = math.MaxInt64
			continue
		}
		v := math.Round(theta * (1 << FracBits) / s)
		if v >= math.MaxInt64/4 {
			th[j] = math.MaxInt64 / 4
			continue
		}
		th[j] = int64(v)
	}
	return th
}

// kernel is the arithmetic of one trial: it delivers the spikes of a
// window into its currents and updates its membranes.
type kernel interface {
	// deliver adds to the currents the rows of the (neuron, delay) pairs
	// seen in the window of step t and returns the synapses delivered.
	deliver(seen *raster.Raster, t int) int64
	// update leaks, resets and charges the membranes, clears the currents
	// and appends the neurons that spike to spk.
	update(spk []int32) []int32
	// membrane copies the membranes, as float64, into dst.
	membrane(dst []float64)
}

// run makes the trial of SPEC §2.1 with clamp x: steps t < D pass the
// clamp on, every later step delivers its window, updates the membranes
// and lists the spikes. Events and SynOps are both the delivered synapses.
func run(ctx context.Context, k kernel, n, d int, x *raster.Raster, record bool) (*network.State, error) {
	l := x.T
	st := &network.State{N: n, L: l, Input: x, Spikes: raster.New(n, l), Seen: raster.New(n, l)}
	if record {
		st.Membrane = make([]float64, n*l)
	}
	for t := 0; t < d && t < l; t++ {
		st.Seen.Steps[t] = x.Steps[t]
	}
	var spk []int32
	for t := d; t < l; t++ {
		if (t-d)%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ev := k.deliver(st.Seen, t)
		st.Events += ev
		st.SynOps += ev
		spk = k.update(spk[:0])
		if record {
			k.membrane(st.Membrane[t*n : (t+1)*n])
		}
		if len(spk) > 0 {
			st.Spikes.Steps[t] = slices.Clone(spk)
		}
		st.Seen.Steps[t] = raster.Union(st.Spikes.Steps[t], x.Steps[t])
	}
	return st, nil
}

// IntNet is quantised weights prepared for the integer path: the
// integers packed with their postsynaptic index, the fixed-point leak
// and the integer thresholds. It is read-only, so trials share it.
type IntNet struct {
	n, d  int
	start []int64
	// packed holds post<<8 | uint8(Int) per entry when every Int fits in
	// a byte and N < 2^24; otherwise post and val hold them apart.
	packed    []uint32
	post, val []int32
	beta      int64
	theta     []int64
	reset     network.Reset
}

// NewIntNet prepares q for integer trials with the neuron parameters p.
func NewIntNet(q *Weights, p network.Params) (*IntNet, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := p.Validate(0); err != nil {
		return nil, err
	}
	s := q.S
	if s.D != p.D {
		return nil, fmt.Errorf("weights have %d delays, parameters say %d", s.D, p.D)
	}
	in := &IntNet{n: s.N, d: s.D, start: s.Start, beta: BetaFixed(p.Beta), theta: Thresholds(q, p.Theta), reset: p.Reset}
	if q.Bits <= 8 && s.N < 1<<24 {
		in.packed = make([]uint32, len(q.Int))
		for k, v := range q.Int {
			in.packed[k] = uint32(s.Post[k])<<8 | uint32(uint8(int8(v)))
		}
	} else {
		in.post, in.val = s.Post, q.Int
	}
	return in, nil
}

// intKernel is the state of one integer trial.
type intKernel struct {
	net *IntNet
	cur []int64
	u   []int64
}

func (k *intKernel) deliver(seen *raster.Raster, t int) int64 {
	net, cur, d := k.net, k.cur, k.net.d
	var ev int64
	for dl := 1; dl <= d; dl++ {
		for _, i := range seen.Steps[t-dl] {
			r := int(i)*d + dl - 1
			a, b := net.start[r], net.start[r+1]
			if net.packed != nil {
				for _, e := range net.packed[a:b] {
					cur[e>>8] += int64(int8(e))
				}
			} else {
				val := net.val[a:b]
				for m, j := range net.post[a:b] {
					cur[j] += int64(val[m])
				}
			}
			ev += b - a
		}
	}
	return ev
}

func (k *intKernel) update(spk []int32) []int32 {
	u := k.u
	cur, th, beta := k.cur[:len(u)], k.net.theta[:len(u)], k.net.beta
	if k.net.reset == network.Zero {
		for j, v := range u {
			t := th[j]
			if v > t {
				v = 0
			}
			v = Leak(v, beta) + cur[j]<<FracBits
			u[j] = v
			if v > t {
				spk = append(spk, int32(j))
			}
		}
		clear(cur)
		return spk
	}
	for j, v := range u { // one loop per reset rule: no test of the rule per neuron
		t := th[j]
		var r int64
		if v > t {
			r = t
		}
		v = Leak(v, beta) + cur[j]<<FracBits - r
		u[j] = v
		if v > t {
			spk = append(spk, int32(j))
		}
	}
	clear(cur)
	return spk
}

func (k *intKernel) membrane(dst []float64) {
	for j, v := range k.u {
		dst[j] = float64(v)
	}
}

// Simulate runs one trial of the quantised network q on the integer path
// (see the package doc) with clamp input x; with record, State.Membrane
// holds the integer membranes, neuron j in units of Scale[j]/2^F.
// State.Current is not recorded. Events and SynOps both count the
// delivered synapses.
func Simulate(q *Weights, p network.Params, x *raster.Raster, record bool) (*network.State, error) {
	net, err := NewIntNet(q, p)
	if err != nil {
		return nil, err
	}
	return net.Simulate(context.Background(), x, record)
}

// Simulate runs one integer trial with clamp input x; see the package
// function Simulate.
func (net *IntNet) Simulate(ctx context.Context, x *raster.Raster, record bool) (*network.State, error) {
	if x.N != net.n {
		return nil, fmt.Errorf("input has %d neurons, weights have %d", x.N, net.n)
	}
	k := &intKernel{net: net, cur: make([]int64, net.n), u: make([]int64, net.n)}
	return run(ctx, k, net.n, net.d, x, record)
}

// Recall cues every pattern of set once on the integer path, with the
// background of network.Inputs(p, set, seed, round), and scores the
// replays as network.Recall does; it also returns the cost of the trials.
func Recall(ctx context.Context, q *Weights, p network.Params, set *raster.Set, seed, round uint64) (score.Counts, []score.Counts, network.Cost, error) {
	net, err := NewIntNet(q, p)
	if err != nil {
		return score.Counts{}, nil, network.Cost{}, err
	}
	return recall(ctx, q.S.N, p, set, seed, round, func(x *raster.Raster) (*network.State, error) {
		return net.Simulate(ctx, x, false)
	})
}

// recall runs sim on the clamp input of every pattern on all cores and
// pools the scores and costs in pattern order.
func recall(ctx context.Context, n int, p network.Params, set *raster.Set, seed, round uint64, sim func(x *raster.Raster) (*network.State, error)) (score.Counts, []score.Counts, network.Cost, error) {
	if err := p.Validate(set.T); err != nil {
		return score.Counts{}, nil, network.Cost{}, err
	}
	if set.N != n {
		return score.Counts{}, nil, network.Cost{}, fmt.Errorf("patterns have %d neurons, weights have %d", set.N, n)
	}
	xs := network.Inputs(p, set, seed, round)
	per := make([]score.Counts, set.M())
	costs := make([]network.Cost, set.M())
	err := parallel.For(len(xs), func(m int) error {
		st, err := sim(xs[m])
		if err != nil {
			return fmt.Errorf("trial %d: %w", m, err)
		}
		per[m] = st.Score(p, set.Patterns[m])
		costs[m] = network.Cost{SynOps: st.SynOps, Events: st.Events}
		return nil
	})
	var all score.Counts
	var cost network.Cost
	for m, c := range per {
		all = all.Add(c)
		cost = cost.Add(costs[m])
	}
	return all, per, cost, err
}

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

// kernel32 is the state of one float32 trial.
type kernel32 struct {
	net *Net32
	cur []float32
	u   []float32
}

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

func (k *kernel32) membrane(dst []float64) {
	for j, v := range k.u {
		dst[j] = float64(v)
	}
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
	k := &kernel32{net: net, cur: make([]float32, net.n), u: make([]float32, net.n)}
	return run(ctx, k, net.n, net.d, x, record)
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
