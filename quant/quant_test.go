package quant

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/network"
)

// randomSparse returns dense weights of n neurons and d delays with about
// a fraction `fill` of non-zero entries, uniform in [−1, 1) times the
// 1-based index of the postsynaptic neuron (so that scales differ), and
// neuron `silent` with no incoming weight at all.
func randomSparse(n, d int, fill float64, silent int, seed uint64) *network.Sparse {
	r := rand.New(rand.NewPCG(seed, 1))
	w := network.NewWeights(n, d)
	for i := 0; i < n; i++ {
		for k := 1; k <= d; k++ {
			row := w.Row(i, k)
			for j := range row {
				if j != silent && r.Float64() < fill {
					row[j] = (2*r.Float64() - 1) * float64(j+1)
				}
			}
		}
	}
	return w.Sparse()
}

func TestParseRounding(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rounding
		ok   bool
	}{{"nearest", Nearest, true}, {"Stochastic", Stochastic, true}, {"floor", 0, false}, {"", 0, false}} {
		got, err := ParseRounding(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseRounding(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != map[Rounding]string{Nearest: "nearest", Stochastic: "stochastic"}[got] {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c  Config
		ok bool
	}{
		{Config{Bits: 16}, true}, {Config{Bits: 8}, true}, {Config{Bits: 6}, true}, {Config{Bits: 4}, true},
		{Config{Bits: 2}, true}, {Config{Bits: 1, Rounding: Stochastic}, true},
		{Config{Bits: 0}, false}, {Config{Bits: 3}, false}, {Config{Bits: 32}, false}, {Config{Bits: 8, Rounding: 7}, false},
	} {
		if err := tc.c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v.Validate() = %v, want ok = %v", tc.c, err, tc.ok)
		}
	}
}

func TestLevels(t *testing.T) {
	for b, want := range map[int]int32{16: 32767, 8: 127, 6: 31, 4: 7, 2: 1, 1: 1} {
		if got := Levels(b); got != want {
			t.Errorf("Levels(%d) = %d, want %d", b, got, want)
		}
	}
}

// TestQuantize checks, for every width and rounding, the invariants of
// the package doc: Int within ±Q, S.W = Int·Scale, the scale of every
// neuron, zero rows, the error bound of Nearest, the unbiased mean of
// Stochastic, and that s is left alone.
func TestQuantize(t *testing.T) {
	const n, d, silent = 24, 5, 3
	s := randomSparse(n, d, 0.5, silent, 1)
	orig := s.Clone()
	for _, bits := range BitWidths() {
		for _, rd := range []Rounding{Nearest, Stochastic} {
			c := Config{Bits: bits, Rounding: rd, Seed: 7}
			q, err := Quantize(s, c)
			if err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			if err := q.Validate(); err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			if !slices.Equal(s.W, orig.W) || !slices.Equal(s.Post, orig.Post) {
				t.Fatalf("%+v: Quantize changed its input", c)
			}
			if !slices.Equal(q.S.Start, s.Start) || !slices.Equal(q.S.Post, s.Post) {
				t.Fatalf("%+v: the structure changed", c)
			}
			lv := float64(Levels(bits))
			maxAbs, meanAbs, cnt := make([]float64, n), make([]float64, n), make([]float64, n)
			for k, j := range s.Post {
				maxAbs[j] = max(maxAbs[j], math.Abs(s.W[k]))
				meanAbs[j] += math.Abs(s.W[k])
				cnt[j]++
			}
			for j := range n {
				want := maxAbs[j] / lv
				if bits == 1 && rd == Nearest && cnt[j] > 0 {
					want = meanAbs[j] / cnt[j]
				}
				if math.Abs(q.Scale[j]-want) > 1e-12*want {
					t.Errorf("%+v: scale of neuron %d = %v, want %v", c, j, q.Scale[j], want)
				}
			}
			if q.Scale[silent] != 0 {
				t.Errorf("%+v: neuron %d has no weights but scale %v", c, silent, q.Scale[silent])
			}
			var sumErr, sumRel float64
			for k, j := range s.Post {
				w, v, sc := s.W[k], q.S.W[k], q.Scale[j]
				if bits == 1 && q.Int[k] != 1 && q.Int[k] != -1 {
					t.Fatalf("%+v: one-bit integer %d", c, q.Int[k])
				}
				if rd == Nearest && bits > 1 && math.Abs(w-v) > sc/2*(1+1e-12) {
					t.Errorf("%+v: |%v − %v| > scale/2 = %v", c, w, v, sc/2)
				}
				if rd == Stochastic && math.Abs(w-v) >= sc*(1+1e-12) && bits > 1 {
					t.Errorf("%+v: stochastic |%v − %v| ≥ scale %v", c, w, v, sc)
				}
				if rd == Nearest && bits == 1 && (w < 0) != (v < 0) {
					t.Errorf("%+v: one bit of %v is %v, want its sign", c, w, v)
				}
				sumErr += v - w
				sumRel += math.Abs(v-w) / sc
			}
			if rd == Stochastic {
				// The mean error over ~1500 entries, relative to the mean
				// scale; each error has variance ≤ scale²/4 (Q² for one bit).
				var meanScale float64
				for k := range s.Post {
					meanScale += q.Scale[s.Post[k]]
				}
				meanScale /= float64(len(s.Post))
				m := sumErr / float64(len(s.Post)) / meanScale
				if math.Abs(m) > 0.05 {
					t.Errorf("%+v: mean error %.3g scales, want ≈ 0", c, m)
				}
			}
		}
	}
}

// TestQuantizeHand checks a tiny hand-computed case: one neuron's
// weights 0.5, −1, 0.26 at 2 and 4 bits.
func TestQuantizeHand(t *testing.T) {
	w := network.NewWeights(2, 1)
	w.Row(0, 1)[1] = 0.5
	w.Row(1, 1)[1] = -1
	w.Row(1, 1)[0] = 0.26
	for _, tc := range []struct {
		bits  int
		ints  []int32 // entry order: (pre 0 → 1), (pre 1 → 0), (pre 1 → 1)
		scale []float64
	}{
		{4, []int32{4, 7, -7}, []float64{0.26 / 7, 1.0 / 7}}, // 0.5·7 = 3.5 → 4 (half away from zero)
		{2, []int32{1, 1, -1}, []float64{0.26, 1}},           // 0.5 → 1
		{1, []int32{1, 1, -1}, []float64{0.26, 0.75}},
	} {
		q, err := QuantizeDense(w, Config{Bits: tc.bits})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(q.Int, tc.ints) {
			t.Errorf("%d bits: Int = %v, want %v", tc.bits, q.Int, tc.ints)
		}
		for j := range tc.scale {
			if math.Abs(q.Scale[j]-tc.scale[j]) > 1e-15 {
				t.Errorf("%d bits: Scale = %v, want %v", tc.bits, q.Scale, tc.scale)
			}
		}
	}
}

// TestQuantizeDeterministic checks that a seed gives the same integers
// whatever GOMAXPROCS, and another seed different ones.
func TestQuantizeDeterministic(t *testing.T) {
	s := randomSparse(16, 4, 0.6, -1, 2)
	c := Config{Bits: 4, Rounding: Stochastic, Seed: 11}
	a, _ := Quantize(s, c)
	prev := runtime.GOMAXPROCS(1)
	b, _ := Quantize(s, c)
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(a.Int, b.Int) {
		t.Error("the same seed gave different integers")
	}
	c.Seed = 12
	if o, _ := Quantize(s, c); slices.Equal(a.Int, o.Int) {
		t.Error("another seed gave the same integers")
	}
}

func TestQuantizeRefuses(t *testing.T) {
	s := randomSparse(4, 2, 0.5, -1, 3)
	if _, err := Quantize(s, Config{Bits: 3}); err == nil {
		t.Error("3 bits accepted")
	}
	bad := s.Clone()
	bad.W[0] = math.NaN()
	if _, err := Quantize(bad, Config{Bits: 8}); err == nil {
		t.Error("a NaN weight accepted")
	}
	q, _ := Quantize(s, Config{Bits: 4})
	q.Int[0] = 8
	if err := q.Validate(); err == nil {
		t.Error("Validate accepted an integer beyond ±7 at 4 bits")
	}
}

func TestEnergy(t *testing.T) {
	e := Energy(1_000_000)
	want := map[string]float64{"loihi": 23.6e-6, "truenorth": 26e-6, "spinnaker1": 5.9}
	if len(e) != len(want) {
		t.Fatalf("%d estimates, want %d", len(e), len(want))
	}
	for _, x := range e {
		if w := want[x.Platform]; math.Abs(x.Joules-w) > 1e-9*w {
			t.Errorf("%s: %v J, want %v", x.Platform, x.Joules, w)
		}
	}
	c := NewCost(300, 3, 64)
	if c.SynOpsPerPattern != 100 || c.WeightBits != 64 || len(c.Energy) != 3 {
		t.Errorf("NewCost: %+v", c)
	}
	w := network.NewWeights(2, 1)
	w.W[1] = 0.5
	if got := FloatBits(w); got != 64 {
		t.Errorf("FloatBits of one non-zero weight = %d, want 64", got)
	}
}
