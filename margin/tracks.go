package margin

import (
	"fmt"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/raster"
)

// track is one teacher-forced trial of a pattern: its constrained steps
// are [D, end), the pattern's own spikes are forced from step start on,
// and the active (neuron, delay) pairs of the context of step t are
// entries[off[t−D]:off[t−D+1]], as indices i·D + d − 1 of a neuron's
// incoming weights, in the simulator's summation order.
type track struct {
	pattern    int
	start, end int
	off        []int
}

// problem holds the teacher-forced trials shared by every neuron's solve.
type problem struct {
	p       network.Params
	set     *raster.Set
	tracks  []track
	entries []int32
	// fires[j] lists, for neuron j, the steps of each track at which it
	// must spike: track index and step.
	fires [][]fireAt
}

type fireAt struct{ track, step int32 }

// forcedFrom returns the first trial step at which the network's own
// spikes are forced to follow the pattern: the first scored step, or the
// end of a cue shorter than D.
func forcedFrom(p network.Params) int { return p.Pre + min(p.D, p.Trigger) }

// newProblem builds the tracks of every pattern of set: Backgrounds trials
// with fresh background, and Perturbed trials with a perturbed cue.
func newProblem(p network.Params, set *raster.Set, c Config) (*problem, error) {
	if err := p.Validate(set.T); err != nil {
		return nil, err
	}
	if err := c.Validate(p); err != nil {
		return nil, err
	}
	if err := checkMemory(p, set, c); err != nil {
		return nil, err
	}
	pr := &problem{p: p, set: set, fires: make([][]fireAt, set.N)}
	full := p.Pre + set.T
	short := min(full, p.Pre+min(p.Trigger, set.T)+p.D)
	cueFrom, cueTo := p.Pre, p.Pre+min(p.Trigger, set.T)
	rate := perturb.MeanRate(set)
	for m, pat := range set.Patterns {
		for b := 0; b < c.Backgrounds+c.Perturbed; b++ {
			x, err := network.Cue(p, pat, rng.Stream(c.Seed, rng.Margin, uint64(b), uint64(m)))
			if err != nil {
				return nil, err
			}
			end := short
			if b == 0 {
				end = full
			}
			if k := b - c.Backgrounds; k >= 0 {
				r := rng.Stream(c.Seed, rng.Margin, uint64(b)+1<<32, uint64(m))
				if c.Jitter > 0 && (c.Flip == 0 || k%2 == 0) {
					x = perturb.JitterCue(x, cueFrom, cueTo, c.Jitter, r)
				} else {
					x = perturb.FlipCue(x, cueFrom, cueTo, c.Flip, rate, r)
				}
			}
			pr.addTrack(m, x, end)
		}
	}
	return pr, nil
}

// addTrack appends the teacher-forced trial of pattern m with clamp x over
// steps [D, end).
func (pr *problem) addTrack(m int, x *raster.Raster, end int) {
	p, pat := pr.p, pr.set.Patterns[m]
	start := forcedFrom(p)
	seen := make([][]int32, end)
	for t := 0; t < end; t++ {
		var own []int32
		if t >= start && t-p.Pre < pat.T {
			own = pat.Steps[t-p.Pre]
		}
		if t < x.T {
			seen[t] = raster.Union(own, x.Steps[t])
		} else {
			seen[t] = own
		}
	}
	k := len(pr.tracks)
	tr := track{pattern: m, start: start, end: end, off: make([]int, 0, end-p.D+1)}
	for t := p.D; t < end; t++ {
		tr.off = append(tr.off, len(pr.entries))
		for d := 1; d <= p.D; d++ {
			for _, i := range seen[t-d] {
				pr.entries = append(pr.entries, i*int32(p.D)+int32(d-1))
			}
		}
		if t >= start && t-p.Pre < pat.T {
			for _, j := range pat.Steps[t-p.Pre] {
				pr.fires[j] = append(pr.fires[j], fireAt{int32(k), int32(t)})
			}
		}
	}
	tr.off = append(tr.off, len(pr.entries))
	pr.tracks = append(pr.tracks, tr)
}

// constraints returns the number of inequalities per neuron.
func (pr *problem) constraints() int {
	n := 0
	for _, tr := range pr.tracks {
		n += tr.end - pr.p.D
	}
	return n
}

// checkMemory refuses a problem whose contexts would not fit in memory:
// about N·D·p_A active pairs per step, 4 bytes each, over every step of
// every track, plus the per-worker membranes.
func checkMemory(p network.Params, set *raster.Set, c Config) error {
	rate := max(perturb.MeanRate(set), p.PA)
	steps := float64(set.M()) * (float64(p.Pre+set.T) + float64(c.Backgrounds+c.Perturbed-1)*float64(p.Pre+p.Trigger+p.D))
	need := steps * (4*float64(set.N)*float64(p.D)*rate + 16)
	what := fmt.Sprintf("the contexts of %d patterns of %d steps at N = %d, D = %d", set.M(), set.T, set.N, p.D)
	return network.CheckMemory(need, what, "store fewer or shorter patterns")
}
