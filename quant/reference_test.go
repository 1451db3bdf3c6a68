package quant

import (
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// simulateGather is the integer trial of SPEC §2.3 written as the float64
// simulator computes a step: at every step t ≥ D it gathers the rows of
// the (neuron, delay) pairs seen in the window into the currents, then
// updates every membrane with the rule of the SPEC, leak by leak. It is
// the reference the ring-buffer kernel of IntNet is tested against.
func simulateGather(q *Weights, p network.Params, x *raster.Raster) *network.State {
	s, n, d := q.S, q.S.N, q.S.D
	beta, th := BetaFixed(p.Beta), Thresholds(q, p.Theta)
	l := x.T
	st := &network.State{N: n, L: l, Input: x, Spikes: raster.New(n, l), Seen: raster.New(n, l), Membrane: make([]float64, n*l)}
	u, cur := make([]int64, n), make([]int64, n)
	for t := 0; t < d && t < l; t++ {
		st.Seen.Steps[t] = x.Steps[t]
	}
	for t := d; t < l; t++ {
		for dl := 1; dl <= d; dl++ {
			for _, i := range st.Seen.Steps[t-dl] {
				r := int(i)*d + dl - 1
				for k := s.Start[r]; k < s.Start[r+1]; k++ {
					cur[s.Post[k]] += int64(q.Int[k])
				}
				st.SynOps += s.Start[r+1] - s.Start[r]
			}
		}
		var spk []int32
		for j := range u {
			fired := u[j] > th[j]
			v := u[j]
			if fired && p.Reset == network.Zero {
				v = 0
			}
			x := v * beta
			if x < 0 {
				v = -(-x >> LeakShift)
			} else {
				v = x >> LeakShift
			}
			v += cur[j] << FracBits
			if fired && p.Reset == network.Subtract {
				v -= th[j]
			}
			u[j], cur[j] = v, 0
			st.Membrane[t*n+j] = float64(v)
			if v > th[j] {
				spk = append(spk, int32(j))
			}
		}
		st.Spikes.Steps[t] = spk
		st.Seen.Steps[t] = raster.Union(spk, x.Steps[t])
	}
	st.Events = st.SynOps
	return st
}
