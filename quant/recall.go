package quant

import (
	"context"
	"fmt"

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
