package quant

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

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
	// An arithmetic shift floors; adding 2^12 − 1 to a negative product
	// first makes it round toward zero. Branch-free, as the sign of a
	// membrane is unpredictable.
	return (x + (x>>63)&(1<<LeakShift-1)) >> LeakShift
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

// IntNet is quantised weights prepared for the integer path. It is
// read-only, so trials share it.
//
// A trial does not gather the window of every step, as the float64
// simulator must to add in the order of SPEC §2.1: integer sums do not
// depend on the order of their terms, so it delivers every spike once,
// when it is seen, into a ring of D + 1 future currents (step t's in row
// t mod (D + 1)), as Loihi's dendritic accumulators do. The synapses of a
// neuron are stored by delay, so one spike is one pass over consecutive
// entries. The currents, membranes, spikes and SynOps are those of the
// gathered sum, bit for bit (a test).
type IntNet struct {
	n, d  int
	start []int64
	// packed holds (delay·N + post)<<8 | uint8(Int) per entry when every
	// Int fits in a byte and (D + 1)·N < 2^24; otherwise off and val hold
	// them apart. delay·N + post is the entry's place in the ring relative
	// to the row of the step the spike is seen.
	packed   []uint32
	off, val []int32
	beta     int64
	theta    []int64
	reset    network.Reset
	// wide says the currents are int64: some neuron's Σ |Int| over its
	// synapses exceeds int32. Otherwise they are int32, half the ring.
	wide bool
	// trials keeps the rings and membranes of finished trials for the
	// next ones: a ring is (D + 1)·N·4 bytes (8 when wide), and fresh
	// memory for every trial cost more than the trial (page faults).
	trials sync.Pool
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
	if int64(s.D+1)*int64(s.N) >= math.MaxInt32 {
		return nil, fmt.Errorf("the integer path needs a ring of (D+1)·N currents per trial, and N = %d neurons with D = %d delays make ≥ 2^31; use fewer neurons or delays", s.N, s.D)
	}
	in := &IntNet{n: s.N, d: s.D, start: s.Start, beta: BetaFixed(p.Beta), theta: Thresholds(q, p.Theta), reset: p.Reset}
	packed := q.Bits <= 8 && int64(s.D+1)*int64(s.N) < 1<<24
	if packed {
		in.packed = make([]uint32, len(q.Int))
	} else {
		in.off, in.val = make([]int32, len(q.Int)), q.Int
	}
	sum := make([]int64, s.N) // Σ |Int| onto each neuron: a bound on its current
	for i := range s.N {
		for dl := 1; dl <= s.D; dl++ {
			r := i*s.D + dl - 1
			for k := s.Start[r]; k < s.Start[r+1]; k++ {
				v := int64(q.Int[k])
				sum[s.Post[k]] += max(v, -v)
				o := int32(dl*s.N) + s.Post[k]
				if packed {
					in.packed[k] = uint32(o)<<8 | uint32(uint8(int8(q.Int[k])))
				} else {
					in.off[k] = o
				}
			}
		}
	}
	in.wide = slices.Max(append(sum, 0)) > math.MaxInt32
	return in, nil
}

// current is the integer of a ring of currents: int32, unless some
// neuron's currents could exceed it (IntNet.wide).
type current interface{ int32 | int64 }

// intTrial is the state of one integer trial: the ring of future
// currents and the membranes.
type intTrial[C current] struct {
	net  *IntNet
	ring []C // (D + 1) × N: row t mod (D + 1) holds step t's currents
	u    []int64
}

// send delivers the spikes pre seen at step s to the currents of steps
// s + 1 … s + D that the trial makes (D ≤ t < L) and returns the synapses
// delivered: the SynOps of those pairs in the steps that see them.
func (k *intTrial[C]) send(pre []int32, s, l int) int64 {
	net := k.net
	n, d := net.n, net.d
	lo, hi := max(1, d-s), min(d, l-1-s)
	if len(pre) == 0 || lo > hi {
		return 0
	}
	r := d + 1
	sm := s % r
	// Delays up to split land in rows sm + delay < r; the later ones wrap
	// around to the start of the ring.
	split := max(min(hi, r-1-sm), lo-1)
	base, wrap := sm*n, (sm-r)*n
	ring := k.ring
	r32, is32 := any(ring).([]int32)
	var ev int64
	for _, i := range pre {
		row := int(i) * d
		a, m, b := net.start[row+lo-1], net.start[row+split], net.start[row+hi]
		ev += b - a
		if net.packed != nil {
			if is32 {
				deliver32(r32, base, net.packed[a:b], int(m-a))
				continue
			}
			addPacked(ring, base, net.packed[a:m])
			addPacked(ring, wrap, net.packed[m:b])
			continue
		}
		addApart(ring, base, net.off[a:m], net.val[a:m])
		addApart(ring, wrap, net.off[m:b], net.val[m:b])
	}
	return ev
}

// addPacked adds the integer of every packed entry to ring[base + its
// offset]. deliver32 runs it on int32 rings, in AVX-512 where the
// processor has it.
func addPacked[C current](ring []C, base int, entries []uint32) {
	for _, e := range entries {
		ring[base+int(e>>8)] += C(int8(e))
	}
}

// deliverGo is deliver32 in plain Go: entries[:m] at ring[base +
// offset], entries[m:] at ring[base + offset − len(ring)].
func deliverGo(ring []int32, base int, entries []uint32, m int) {
	addPacked(ring, base, entries[:m])
	addPacked(ring, base-len(ring), entries[m:])
}

// addApart adds val[k] to ring[base + off[k]] for every k.
func addApart[C current](ring []C, base int, off, val []int32) {
	val = val[:len(off)]
	for k, o := range off {
		ring[base+int(o)] += C(val[k])
	}
}

// update leaks, resets and charges the membranes with the currents of
// step t, clears them for step t + D + 1 and appends the neurons that
// spike to spk.
func (k *intTrial[C]) update(t int, spk []int32) []int32 {
	net := k.net
	row := (t % (net.d + 1)) * net.n
	cur, zero := k.ring[row:row+net.n], net.reset == network.Zero
	if c, ok := any(cur).([]int32); ok {
		return updateMembranes(k.u, c, net.theta, net.beta, zero, spk)
	}
	return updateGo(k.u, cur, net.theta, net.beta, zero, spk, 0)
}

// updateGo is the membrane update of SPEC §2.3 on neurons from, from+1, …
// (u[j] is neuron from + j): it leaks, resets and charges u with cur,
// clears cur and appends the neurons that spike to spk. updateMembranes
// runs it where no vector kernel does.
func updateGo[C current](u []int64, cur []C, th []int64, beta int64, zero bool, spk []int32, from int) []int32 {
	cur, th = cur[:len(u)], th[:len(u)]
	if zero {
		for j, v := range u {
			t := th[j]
			if v > t {
				v = 0
			}
			v = Leak(v, beta) + int64(cur[j])<<FracBits
			u[j] = v
			if v > t {
				spk = append(spk, int32(from+j))
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
		v = Leak(v, beta) + int64(cur[j])<<FracBits - r
		u[j] = v
		if v > t {
			spk = append(spk, int32(from+j))
		}
	}
	clear(cur)
	return spk
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
// function Simulate. It stops with ctx.Err() when ctx is cancelled,
// checked every 64 steps.
func (net *IntNet) Simulate(ctx context.Context, x *raster.Raster, record bool) (*network.State, error) {
	if x.N != net.n {
		return nil, fmt.Errorf("input has %d neurons, weights have %d", x.N, net.n)
	}
	if net.wide {
		return simulate[int64](ctx, net, x, record)
	}
	return simulate[int32](ctx, net, x, record)
}

// simulate is IntNet.Simulate with currents of type C.
func simulate[C current](ctx context.Context, net *IntNet, x *raster.Raster, record bool) (*network.State, error) {
	n, d := net.n, net.d
	k, ok := net.trials.Get().(*intTrial[C])
	if !ok {
		k = &intTrial[C]{net: net, ring: make([]C, (d+1)*n), u: make([]int64, n)}
	}
	clear(k.u)
	st := newState(n, d, x, record)
	l := st.L
	for s := 0; s < d && s < l; s++ {
		st.Events += k.send(x.Steps[s], s, l)
	}
	var spk []int32
	for t := d; t < l; t++ {
		if (t-d)%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		spk = k.update(t, spk[:0])
		endStep(st, t, k.u, spk)
		st.Events += k.send(st.Seen.Steps[t], t, l)
	}
	st.SynOps = st.Events
	// Every ring row a spike was sent to belongs to a step the trial made,
	// and each step cleared its row: the ring is zero again.
	net.trials.Put(k)
	return st, nil
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
