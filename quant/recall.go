package quant

import (
	"context"
	"fmt"
	"slices"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

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

// newState returns the state of a trial of n neurons and D = d delays
// with clamp x, before its first computed step: the steps t < D see the
// clamp alone. With record, it holds room for the membranes.
func newState(n, d int, x *raster.Raster, record bool) *network.State {
	l := x.T
	st := &network.State{N: n, L: l, Input: x, Spikes: raster.New(n, l), Seen: raster.New(n, l)}
	if record {
		st.Membrane = make([]float64, n*l)
	}
	for t := 0; t < d && t < l; t++ {
		st.Seen.Steps[t] = x.Steps[t]
	}
	return st
}

// endStep records step t of st: the membranes u (when st records them),
// the spikes spk and what the synapses see, the spikes and the clamp.
func endStep[V int64 | float32](st *network.State, t int, u []V, spk []int32) {
	if st.Membrane != nil {
		row := st.Membrane[t*st.N : (t+1)*st.N]
		for j, v := range u {
			row[j] = float64(v)
		}
	}
	if len(spk) > 0 {
		st.Spikes.Steps[t] = slices.Clone(spk)
	}
	st.Seen.Steps[t] = raster.Union(st.Spikes.Steps[t], st.Input.Steps[t])
}
