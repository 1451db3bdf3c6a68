package margin

import (
	"fmt"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Cues returns the cue of every pattern of set: its first p.Trigger steps
// (all of it if shorter). Cues and the weights are all Rehearse needs to
// recover the patterns a network stores.
func Cues(p network.Params, set *raster.Set) *raster.Set {
	k := min(p.Trigger, set.T)
	out := &raster.Set{N: set.N, T: k, Patterns: make([]*raster.Raster, set.M())}
	for m, pat := range set.Patterns {
		c := raster.New(set.N, k)
		copy(c.Steps, pat.Steps[:k])
		out.Patterns[m] = c
	}
	return out
}

// Rehearse recovers the patterns of t steps that w stores from their cues:
// each cue is replayed without background noise, and the pattern is the cue
// followed by the network's own spikes. A network that stores a pattern
// replays it exactly, so the recovered patterns can serve as the teacher
// when more patterns are added (incremental storage), without the
// originals. w may be dense or sparse.
func Rehearse(w network.Synapses, p network.Params, cues *raster.Set, t int) (*raster.Set, error) {
	if err := p.Validate(t); err != nil {
		return nil, err
	}
	if n, _ := w.Size(); cues.N != n {
		return nil, fmt.Errorf("cues have %d neurons, weights have %d", cues.N, n)
	}
	if cues.T != min(p.Trigger, t) {
		return nil, fmt.Errorf("cues have %d steps; a cue of patterns of %d steps has %d (the trigger)", cues.T, t, min(p.Trigger, t))
	}
	q := p
	q.PA = 0 // no background: the replay of the cue alone
	xs := make([]*raster.Raster, cues.M())
	for m, c := range cues.Patterns {
		pat := raster.New(c.N, t)
		copy(pat.Steps, c.Steps)
		x, err := network.Cue(q, pat, nil)
		if err != nil {
			return nil, err
		}
		xs[m] = x
	}
	out := &raster.Set{N: cues.N, T: t, Patterns: make([]*raster.Raster, cues.M())}
	err := network.SimulateAll(w, q, xs, nil, func(m int, st *network.State) error {
		pat := raster.New(cues.N, t)
		copy(pat.Steps, cues.Patterns[m].Steps)
		for s := cues.T; s < t; s++ {
			pat.Steps[s] = st.Spikes.Steps[q.Pre+s]
		}
		out.Patterns[m] = pat
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
