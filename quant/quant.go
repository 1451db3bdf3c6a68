// Package quant quantises the weights of a network to a few bits, as
// neuromorphic hardware stores them, and runs cued recall on them with an
// integer (fixed-point) membrane, as Loihi does (our addition, SPEC §2.3).
//
// # Quantisation
//
// Quantize maps the stored synapses of a Sparse tensor to integers with
// one symmetric scale per postsynaptic neuron j:
//
//	Q        = 2^(b−1) − 1                         (b = 16, 8, 6, 4, 2 bits)
//	Scale[j] = max |w| over the entries onto j / Q
//	Int[k]   = round(w[k] / Scale[post k]), in [−Q, Q]
//	w'[k]    = Int[k] · Scale[post k]
//
// Nearest rounds half away from zero, so |w − w'| ≤ Scale/2. Stochastic
// rounds x = w/Scale up to ⌈x⌉ with probability x − ⌊x⌋ and down
// otherwise, an unbiased rounding (E[w'] = w) drawn from one random stream
// of Config.Seed in entry order, so the result does not depend on the
// number of cores.
//
// One bit has no zero level: Int[k] ∈ {−1, +1}. Nearest takes the sign
// (+1 for a stored zero weight) and Scale[j] = the mean |w| of the
// entries onto j, the scale that minimises the squared error of a sign
// code (BinaryConnect, XNOR-Net); Stochastic takes +1 with probability
// (1 + w/Scale)/2 and Scale[j] = max |w|, which keeps it unbiased.
// At any width, a neuron whose incoming weights are all zero (or that has
// none) gets Scale 0 and Int 0 on all its entries.
//
// # Integer recall
//
// Simulate and Recall run the trial of network.Simulate (same clamp, same
// window, same scoring) on Int alone. The membrane of neuron j is an
// int64 in units of Scale[j]/2^F (F = FracBits): a delivered synapse adds
// Int[k] to an integer current, the current enters the membrane shifted
// left by F, the leak is the fixed-point multiply of Lava's bit-accurate
// Loihi model, rounding toward zero,
//
//	β_fix = round(β · 4096)
//	u     ← sign(u·β_fix) · (|u·β_fix| >> 12)
//	u     ← u + (I << F) − θ_j · r              (subtract reset; zero: u ← 0 first when r)
//	θ_j   = round(θ · 2^F / Scale[j])           (a neuron with Scale 0 never spikes)
//	s     = 1 if u > θ_j
//
// so that no multiplication touches a synapse.
//
// Integer sums do not depend on the order of their terms, so the integer
// path need not gather the window of every step as the float64 simulator
// does: it delivers each spike once, when it is seen, into a ring of
// D + 1 future currents, as Loihi's dendritic accumulators do. Where the
// processor has AVX-512 (F and DQ) it delivers a spike's synapses sixteen
// at a time (gather, add, scatter: the ring places of one spike's synapses
// are distinct) and updates the membranes eight at a time; with AVX2 only,
// the membranes four at a time (build tag purego: plain Go throughout).
// All give the integers of the rule above.
//
// Simulate32 and Recall32 run the same trial on float32 weights and
// membranes: the float64 simulation with every number in float32.
package quant

import (
	"fmt"
	"math"
	"strings"

	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
)

// Rounding is how a scaled weight is rounded to an integer.
type Rounding int

const (
	// Nearest rounds half away from zero.
	Nearest Rounding = iota
	// Stochastic rounds up with probability equal to the fractional part,
	// an unbiased rounding drawn from a seeded stream.
	Stochastic
)

// String returns "nearest" or "stochastic".
func (r Rounding) String() string {
	switch r {
	case Nearest:
		return "nearest"
	case Stochastic:
		return "stochastic"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// ParseRounding parses "nearest" or "stochastic".
func ParseRounding(s string) (Rounding, error) {
	switch strings.ToLower(s) {
	case "nearest":
		return Nearest, nil
	case "stochastic":
		return Stochastic, nil
	}
	return 0, fmt.Errorf("rounding %q is not known; use nearest or stochastic", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Rounding) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rounding) UnmarshalText(b []byte) error {
	v, err := ParseRounding(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// BitWidths returns the supported weight widths, widest first.
func BitWidths() []int { return []int{16, 8, 6, 4, 2, 1} }

// Config says how to quantise.
type Config struct {
	// Bits is the width of a weight: 16, 8, 6, 4, 2 or 1.
	Bits int `json:"bits"`
	// Rounding is Nearest or Stochastic.
	Rounding Rounding `json:"rounding"`
	// Seed seeds the stream of Stochastic rounding.
	Seed uint64 `json:"seed"`
}

// Validate checks the width and the rounding.
func (c Config) Validate() error {
	ok := false
	for _, b := range BitWidths() {
		ok = ok || c.Bits == b
	}
	if !ok {
		return fmt.Errorf("bits = %d is not supported; use 16, 8, 6, 4, 2 or 1", c.Bits)
	}
	if c.Rounding != Nearest && c.Rounding != Stochastic {
		return fmt.Errorf("rounding %v is not known; use nearest or stochastic", c.Rounding)
	}
	return nil
}

// Levels returns Q = 2^(bits−1) − 1, the largest |Int| at that width (1
// for one bit).
func Levels(bits int) int32 {
	if bits <= 1 {
		return 1
	}
	return int32(1)<<(bits-1) - 1
}

// Weights are quantised synapses: a sparse structure, an integer per entry
// and one scale per postsynaptic neuron; the real weight of entry k is
// Int[k]·Scale[S.Post[k]].
type Weights struct {
	// S is the structure; S.W holds the dequantised values Int[k]·Scale[post].
	S *network.Sparse
	// Int holds one integer per entry, in [−Q, Q] (Levels(Bits)).
	Int []int32
	// Scale holds one scale per postsynaptic neuron, ≥ 0.
	Scale []float64
	// Bits is the width of Int.
	Bits int
}

// Quantize quantises the stored synapses of s (see the package doc). It
// does not modify s; the result shares none of its slices. Dense weights
// go through (*network.Weights).Sparse first, which drops the zeros. The
// result is the same for a seed on every machine and any GOMAXPROCS.
func Quantize(s *network.Sparse, c Config) (*Weights, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n := s.N
	q := &Weights{S: s.Clone(), Int: make([]int32, len(s.W)), Scale: make([]float64, n), Bits: c.Bits}
	lv := Levels(c.Bits)
	if c.Bits == 1 && c.Rounding == Nearest {
		sum := make([]float64, n)
		cnt := make([]int, n)
		for k, j := range s.Post {
			sum[j] += math.Abs(s.W[k])
			cnt[j]++
		}
		for j := range q.Scale {
			if cnt[j] > 0 {
				q.Scale[j] = sum[j] / float64(cnt[j])
			}
		}
	} else {
		for k, j := range s.Post {
			q.Scale[j] = max(q.Scale[j], math.Abs(s.W[k]))
		}
		for j := range q.Scale {
			q.Scale[j] /= float64(lv)
		}
	}
	r := rng.Stream(c.Seed, rng.Quantise)
	for k, j := range s.Post {
		sc := q.Scale[j]
		if sc == 0 {
			continue
		}
		x := s.W[k] / sc
		var v float64
		switch {
		case c.Bits == 1 && c.Rounding == Nearest:
			v = 1
			if x < 0 {
				v = -1
			}
		case c.Bits == 1:
			v = -1
			if r.Float64() < (1+x)/2 {
				v = 1
			}
		case c.Rounding == Nearest:
			v = math.Round(x)
		default:
			f := math.Floor(x)
			v = f
			if r.Float64() < x-f {
				v = f + 1
			}
		}
		v = max(-float64(lv), min(float64(lv), v))
		q.Int[k] = int32(v)
	}
	for k, j := range q.S.Post {
		q.S.W[k] = float64(q.Int[k]) * q.Scale[j]
	}
	return q, nil
}

// QuantizeDense quantises dense weights: the non-zero entries of w become
// the stored synapses.
func QuantizeDense(w *network.Weights, c Config) (*Weights, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return Quantize(w.Sparse(), c)
}

// Validate checks the structure, that Int and Scale have one entry per
// synapse and per neuron, that every Int is within the width, every scale
// finite and non-negative, and that S.W holds Int·Scale.
func (q *Weights) Validate() error {
	if q.S == nil {
		return fmt.Errorf("quantised weights: no structure")
	}
	if err := q.S.Validate(); err != nil {
		return err
	}
	if err := (Config{Bits: q.Bits}).Validate(); err != nil {
		return fmt.Errorf("quantised weights: %w", err)
	}
	if len(q.Int) != len(q.S.Post) {
		return fmt.Errorf("quantised weights: %d integers for %d synapses; want one per synapse", len(q.Int), len(q.S.Post))
	}
	if len(q.Scale) != q.S.N {
		return fmt.Errorf("quantised weights: %d scales for N = %d; want one per postsynaptic neuron", len(q.Scale), q.S.N)
	}
	for j, v := range q.Scale {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("quantised weights: the scale of neuron %d is %v; scales must be finite and non-negative", j, v)
		}
	}
	lv := Levels(q.Bits)
	for k, v := range q.Int {
		if v < -lv || v > lv {
			return fmt.Errorf("quantised weights: synapse %d holds %d, outside ±%d of %d bits", k, v, lv, q.Bits)
		}
		if want := float64(v) * q.Scale[q.S.Post[k]]; q.S.W[k] != want {
			return fmt.Errorf("quantised weights: synapse %d has weight %v but integer·scale = %v", k, q.S.W[k], want)
		}
	}
	return nil
}

// MemoryBits returns the memory of the weights in bits: Bits per stored
// synapse plus a 32-bit scale per neuron. The structure (indices, delays)
// is not counted; it is the same whatever the width.
func (q *Weights) MemoryBits() int64 {
	return int64(len(q.Int))*int64(q.Bits) + 32*int64(len(q.Scale))
}
