// Package perturb alters the clamp input of a recall: flipped slots,
// truncation, silenced neurons and jittered spikes. The cue functions
// (FlipCue, TruncateCue, SilenceCue, JitterCue) return a copy of the clamp
// whose cue window, steps [from, to), is altered and leave every other
// step as it was; the kind FlipInput is the published noise protocol, which redraws
// every slot of the whole clamp (background, cue and the free-running
// period) at the input's mean rate (FlipClamp, InputRate).
package perturb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/raster"
)

// Kind is a perturbation of the recall input. Its level means a
// probability (Flip, FlipInput), a number of cue steps (Truncate, Jitter) or
// of neurons (Silence).
type Kind int

// The cue perturbations, in the order Kinds lists them.
const (
	// Flip redraws every (neuron, step) slot of the cue, with probability
	// p (the level), as a Bernoulli draw at the patterns' mean rate
	// (FlipCue). This is our variant: the input outside the cue is left
	// as it was. FlipInput is the published protocol.
	Flip Kind = iota
	// Truncate keeps only the first k steps of the cue (the level); the
	// later cue steps are empty (TruncateCue).
	Truncate
	// Silence silences n neurons (the level) during the cue (SilenceCue).
	Silence
	// Jitter moves every cue spike by a uniform integer offset in [−k, k]
	// (k is the level), clipped to the cue window (JitterCue).
	Jitter
	// FlipInput ("flip-input") is the published noise protocol (flip_bits
	// in the reference notebooks): every (neuron, step) slot of the whole
	// clamp input, the background, the cue and the free-running period
	// where the input is otherwise zero, is redrawn with probability p
	// (the level) as a Bernoulli draw at the mean rate of the whole input
	// of the trials (FlipClamp, InputRate). It comes last so that the
	// other kinds keep their numbers, which name their random streams.
	FlipInput
)

var kindNames = []string{"flip", "truncate", "silence", "jitter", "flip-input"}

// Kinds returns every perturbation, in order.
func Kinds() []Kind { return []Kind{Flip, Truncate, Silence, Jitter, FlipInput} }

// String returns "flip", "truncate", "silence", "jitter" or "flip-input".
func (k Kind) String() string { return enum.String("Kind", kindNames, k) }

// ParseKind parses "flip", "truncate", "silence", "jitter" or "flip-input".
func ParseKind(s string) (Kind, error) { return enum.Parse[Kind]("cue perturbation", kindNames, s) }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return enum.Valid(kindNames, k) }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) (err error) { *k, err = ParseKind(string(b)); return err }

// CheckLevel reports whether level is valid for the perturbation k of a
// cue of cue steps in a network of n neurons.
func (k Kind) CheckLevel(level float64, cue, n int) error {
	whole := level == math.Trunc(level) && level >= 0
	var ok bool
	var want string
	switch k {
	case Flip, FlipInput:
		ok, want = level >= 0 && level <= 1, "a probability in [0, 1]"
	case Truncate:
		ok, want = whole && level <= float64(cue), fmt.Sprintf("a whole number of steps in 0 … %d", cue)
	case Silence:
		ok, want = whole && level <= float64(n), fmt.Sprintf("a whole number of neurons in 0 … %d", n)
	case Jitter:
		ok, want = whole, "a whole number of steps ≥ 0"
	default:
		return unknown(k)
	}
	if !ok {
		return fmt.Errorf("%s level %v: need %s", k, level, want)
	}
	return nil
}

// MeanRate returns the mean firing probability per neuron and step of the
// patterns of set, the rate at which Flip redraws cue slots.
func MeanRate(set *raster.Set) float64 {
	if set.M() == 0 {
		return 0
	}
	r := 0.0
	for _, pat := range set.Patterns {
		r += pat.Rate()
	}
	return r / float64(set.M())
}

// FlipCue returns a copy of the clamp x whose cue window, steps [from,
// to), has every (neuron, step) slot redrawn with probability p as a
// Bernoulli(rate) draw. Slots are visited step by step, neuron by neuron,
// with one draw from r to decide and one more for a redrawn slot. p = 0
// returns an exact copy; p = 1 replaces the cue by fresh noise.
func FlipCue(x *raster.Raster, from, to int, p, rate float64, r *rand.Rand) *raster.Raster {
	y := x.Clone()
	if p <= 0 {
		return y
	}
	for t := max(from, 0); t < min(to, x.T); t++ {
		old := x.Steps[t]
		var out []int32
		for i := 0; i < x.N; i++ {
			on := len(old) > 0 && int(old[0]) == i
			if on {
				old = old[1:]
			}
			if r.Float64() < p {
				on = r.Float64() < rate
			}
			if on {
				out = append(out, int32(i))
			}
		}
		y.Steps[t] = out
	}
	return y
}

// InputRate returns the mean firing probability per (trial, neuron, step)
// slot of the clamp inputs xs taken together: their spike count over the
// sum of N·T. It is the rate at which FlipClamp redraws slots, as the
// published flip_bits uses the mean of the whole input tensor. For the
// recall inputs of a benchmark it is ≈ p_A·(Pre + Trigger)/(Pre + T +
// Post), but it is computed from the inputs, not from that formula.
func InputRate(xs []*raster.Raster) float64 {
	spikes, slots := 0, 0
	for _, x := range xs {
		spikes += x.Count()
		slots += x.N * x.T
	}
	if slots == 0 {
		return 0
	}
	return float64(spikes) / float64(slots)
}

// FlipClamp returns a copy of the clamp x with every (neuron, step) slot
// of every step redrawn with probability p as a Bernoulli(rate) draw: the
// published noise protocol (flip_bits), which also flips the background
// and injects spikes into the free-running period. Slots are visited and
// drawn as by FlipCue over the whole clamp, steps [0, x.T). p = 0 returns
// an exact copy.
func FlipClamp(x *raster.Raster, p, rate float64, r *rand.Rand) *raster.Raster {
	return FlipCue(x, 0, x.T, p, rate, r)
}

// TruncateCue returns a copy of the clamp x that keeps only the first k
// steps of the cue window [from, to); its later steps are empty.
func TruncateCue(x *raster.Raster, from, to, k int) *raster.Raster {
	y := x.Clone()
	for t := max(from+k, 0); t < min(to, x.T); t++ {
		y.Steps[t] = nil
	}
	return y
}

// SilenceCue returns a copy of the clamp x in which the given neurons
// emit nothing during the cue window [from, to).
func SilenceCue(x *raster.Raster, from, to int, neurons []int) *raster.Raster {
	y := x.Clone()
	if len(neurons) == 0 {
		return y
	}
	quiet := make([]bool, x.N)
	for _, i := range neurons {
		if i >= 0 && i < x.N {
			quiet[i] = true
		}
	}
	for t := max(from, 0); t < min(to, x.T); t++ {
		y.Steps[t] = slices.DeleteFunc(y.Steps[t], func(i int32) bool { return quiet[i] })
	}
	return y
}

// JitterCue returns a copy of the clamp x in which every spike of the cue
// window [from, to) is moved by an offset drawn uniformly from [−k, k]
// (one draw from r per spike, step by step, neuron by neuron) and clipped
// to the window; spikes of a neuron that land on the same step merge.
// k = 0 returns an exact copy.
func JitterCue(x *raster.Raster, from, to, k int, r *rand.Rand) *raster.Raster {
	y := x.Clone()
	from, to = max(from, 0), min(to, x.T)
	if k <= 0 || from >= to {
		return y
	}
	moved := make([][]int32, to-from)
	for t := from; t < to; t++ {
		for _, i := range x.Steps[t] {
			s := min(max(t+r.IntN(2*k+1)-k, from), to-1)
			moved[s-from] = append(moved[s-from], i)
		}
	}
	for t := from; t < to; t++ {
		s := moved[t-from]
		slices.Sort(s)
		y.Steps[t] = slices.Compact(s)
	}
	return y
}

// unknown is the error of a Kind that is not one of Kinds.
func unknown(k Kind) error {
	return fmt.Errorf("cue perturbation %v is not known; use %s", k, enum.Or(kindNames))
}
