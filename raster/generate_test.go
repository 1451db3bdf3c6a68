package raster

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/internal/rng"
)

// equalSets reports whether a and b have the same size and spikes.
func equalSets(a, b *Set) bool {
	return a.N == b.N && a.T == b.T && a.M() == b.M() && slices.Equal(a.Dense(), b.Dense())
}

// mustGenerate calls Generate and fails the test on error.
func mustGenerate(t *testing.T, c Config, seed uint64) *Set {
	t.Helper()
	s, err := Generate(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("generated set is invalid: %v", err)
	}
	return s
}

func TestConfigValidate(t *testing.T) {
	ok := Config{M: 16, N: 512, T: 1000, P: 1e-3}
	with := func(f func(*Config)) Config { c := ok; f(&c); return c }
	tests := []struct {
		name string
		c    Config
		want string // substring of the error; "" for valid
	}{
		{"defaults", ok, ""},
		{"periodic", with(func(c *Config) { c.Periodic = 41 }), ""},
		{"periodic T-1", with(func(c *Config) { c.Periodic = 999 }), ""},
		{"refractory", with(func(c *Config) { c.Refractory = 5 }), ""},
		{"refractory equal to the loop period", with(func(c *Config) { c.Periodic = 990; c.Refractory = 10 }), ""},
		{"M zero", with(func(c *Config) { c.M = 0 }), "M = 0 patterns; set M to at least 1"},
		{"N negative", with(func(c *Config) { c.N = -1 }), "N = -1 neurons"},
		{"T zero", with(func(c *Config) { c.T = 0 }), "T = 0 steps"},
		{"P zero", with(func(c *Config) { c.P = 0 }), "P = 0 is not a spike probability; set 0 < P < 1"},
		{"P one", with(func(c *Config) { c.P = 1 }), "P = 1 is not"},
		{"P negative", with(func(c *Config) { c.P = -0.1 }), "P = -0.1 is not"},
		{"P NaN", with(func(c *Config) { c.P = math.NaN() }), "P = NaN is not"},
		{"periodic T", with(func(c *Config) { c.Periodic = 1000 }), "Periodic = 1000 is outside [0, T) with T = 1000"},
		{"periodic negative", with(func(c *Config) { c.Periodic = -2 }), "Periodic = -2"},
		{"refractory negative", with(func(c *Config) { c.Refractory = -1 }), "Refractory = -1 is negative"},
		{"refractory beyond the loop", with(func(c *Config) { c.Periodic = 990; c.Refractory = 11 }), "Refractory = 11 exceeds the loop period T − Periodic = 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if _, gerr := Generate(tt.c, 1); (gerr == nil) != (err == nil) {
				t.Errorf("Generate error %v disagrees with Validate error %v", gerr, err)
			}
		})
	}
}

func TestGenerateDeterminism(t *testing.T) {
	configs := []Config{
		{M: 5, N: 64, T: 300, P: 0.01},
		{M: 3, N: 50, T: 200, P: 0.05, Periodic: 20, Refractory: 4},
	}
	for _, c := range configs {
		a := mustGenerate(t, c, 7)
		b := mustGenerate(t, c, 7)
		if !equalSets(a, b) {
			t.Errorf("%+v: two sets from seed 7 differ", c)
		}
		if d := mustGenerate(t, c, 8); equalSets(a, d) {
			t.Errorf("%+v: seeds 7 and 8 give the same set", c)
		}
		for mu := 1; mu < c.M; mu++ {
			if slices.Equal(a.Patterns[0].Dense(), a.Patterns[mu].Dense()) {
				t.Errorf("%+v: patterns 0 and %d are equal", c, mu)
			}
		}
		// The thread count must not matter.
		old := runtime.GOMAXPROCS(1)
		one := mustGenerate(t, c, 7)
		runtime.GOMAXPROCS(max(old, 4))
		many := mustGenerate(t, c, 7)
		runtime.GOMAXPROCS(old)
		if !equalSets(a, one) || !equalSets(a, many) {
			t.Errorf("%+v: set depends on GOMAXPROCS", c)
		}
	}
}

// TestGenerateGolden pins the generated spikes, so that a change of the
// drawing scheme, which would change every stored experiment, is noticed.
func TestGenerateGolden(t *testing.T) {
	tests := []struct {
		c     Config
		seed  uint64
		count int
		hash  uint64
	}{
		{Config{M: 2, N: 32, T: 100, P: 0.05}, 1, 342, 0x194cd9470dd98e1},
		{Config{M: 2, N: 32, T: 100, P: 0.05, Periodic: 10, Refractory: 3}, 1, 323, 0x340e1ae502898da0},
	}
	for _, tt := range tests {
		s := mustGenerate(t, tt.c, tt.seed)
		h := fnv.New64a()
		h.Write(s.Dense())
		count := 0
		for _, p := range s.Patterns {
			count += p.Count()
		}
		if count != tt.count || h.Sum64() != tt.hash {
			t.Errorf("%+v seed %d: %d spikes, hash %#x; want %d, %#x", tt.c, tt.seed, count, h.Sum64(), tt.count, tt.hash)
		}
	}
}

func TestGenerateMatchesBernoulli(t *testing.T) {
	c := Config{M: 3, N: 40, T: 120, P: 0.03}
	const seed = 99
	s := mustGenerate(t, c, seed)
	for mu, p := range s.Patterns {
		want := Bernoulli(rng.Stream(seed, rng.Patterns, uint64(mu)), c.N, c.T, c.P)
		if !slices.Equal(p.Dense(), want.Dense()) {
			t.Errorf("pattern %d differs from Bernoulli with its stream", mu)
		}
	}
}

func TestGenerateRate(t *testing.T) {
	tests := []Config{
		{M: 4, N: 256, T: 1000, P: 1e-3},
		{M: 2, N: 100, T: 1000, P: 0.02},
		{M: 1, N: 50, T: 200, P: 0.3},
		{M: 3, N: 100, T: 500, P: 0.01, Periodic: 41}, // copies change the variance a little, not the mean
	}
	for _, c := range tests {
		s := mustGenerate(t, c, 3)
		k := float64(c.M * c.N * c.T)
		got := 0
		for _, p := range s.Patterns {
			got += p.Count()
		}
		mean, sd := k*c.P, math.Sqrt(k*c.P*(1-c.P))
		if math.Abs(float64(got)-mean) > 5*sd {
			t.Errorf("%+v: %d spikes, want %.0f ± %.0f (5 sd)", c, got, mean, 5*sd)
		}
	}
	// Bernoulli alone.
	r := Bernoulli(rand.New(rand.NewPCG(1, 2)), 300, 1000, 0.005)
	if got, sd := float64(r.Count()), math.Sqrt(3e5*0.005*0.995); math.Abs(got-1500) > 5*sd {
		t.Errorf("Bernoulli: %v spikes, want 1500 ± %.0f", got, 5*sd)
	}
}

func TestBernoulliEdges(t *testing.T) {
	tests := []struct {
		p    float64
		want int
	}{
		{0, 0},
		{-1, 0},
		{math.NaN(), 0},
		{1, 6 * 7},
	}
	for _, tt := range tests {
		r := Bernoulli(rand.New(rand.NewPCG(1, 1)), 6, 7, tt.p)
		if r.N != 6 || r.T != 7 || r.Count() != tt.want {
			t.Errorf("Bernoulli(p=%v) = %d×%d with %d spikes, want 6×7 with %d", tt.p, r.N, r.T, r.Count(), tt.want)
		}
	}
}

func TestGeneratePeriodic(t *testing.T) {
	tests := []Config{
		{M: 2, N: 60, T: 200, P: 0.05, Periodic: 41},
		{M: 2, N: 60, T: 200, P: 0.05, Periodic: 1},
		{M: 2, N: 60, T: 200, P: 0.05, Periodic: 150}, // overlapping: period 50
		{M: 2, N: 60, T: 200, P: 0.05, Periodic: 41, Refractory: 10},
	}
	for _, c := range tests {
		s := mustGenerate(t, c, 11)
		d, period := c.Periodic, c.T-c.Periodic
		for mu, p := range s.Patterns {
			if p.Count() == 0 {
				t.Fatalf("%+v: pattern %d is empty", c, mu)
			}
			for i := range c.N {
				for k := range d {
					if p.Has(i, k) != p.Has(i, c.T-d+k) {
						t.Fatalf("%+v: pattern %d neuron %d: step %d and step %d differ", c, mu, i, k, c.T-d+k)
					}
				}
				for s := period; s < c.T; s++ {
					if p.Has(i, s) != p.Has(i, s-period) {
						t.Fatalf("%+v: pattern %d neuron %d: step %d does not repeat step %d", c, mu, i, s, s-period)
					}
				}
			}
		}
	}
}

// spikeTimes returns the steps at which neuron i spikes in r.
func spikeTimes(r *Raster, i int) []int {
	var ts []int
	for s := range r.T {
		if r.Has(i, s) {
			ts = append(ts, s)
		}
	}
	return ts
}

func TestGenerateRefractory(t *testing.T) {
	tests := []Config{
		{M: 2, N: 80, T: 400, P: 0.2, Refractory: 5},
		{M: 2, N: 80, T: 400, P: 0.5, Refractory: 1}, // no effect
		{M: 2, N: 80, T: 400, P: 0.2, Refractory: 7, Periodic: 41},
		{M: 2, N: 80, T: 60, P: 0.5, Refractory: 20, Periodic: 40}, // period 20 = R: at most one spike per loop
	}
	for _, c := range tests {
		s := mustGenerate(t, c, 5)
		plain := c
		plain.Refractory = 0
		free := mustGenerate(t, plain, 5)
		period := c.T - c.Periodic
		if c.Refractory > 1 && s.Patterns[0].Count() >= free.Patterns[0].Count() {
			t.Errorf("%+v: refractoriness dropped no spikes (%d vs %d)", c, s.Patterns[0].Count(), free.Patterns[0].Count())
		}
		for mu, p := range s.Patterns {
			for i := range c.N {
				ts := spikeTimes(p, i)
				for k := 1; k < len(ts); k++ {
					if ts[k]-ts[k-1] < c.Refractory {
						t.Fatalf("%+v: pattern %d neuron %d spikes at %d and %d", c, mu, i, ts[k-1], ts[k])
					}
				}
				if c.Periodic > 0 && len(ts) > 0 {
					var loop []int // spike times within one period
					for _, x := range ts {
						if x < period {
							loop = append(loop, x)
						}
					}
					if len(loop) > 0 && loop[0]+period-loop[len(loop)-1] < c.Refractory && len(loop) > 1 {
						t.Fatalf("%+v: pattern %d neuron %d: spikes %d and %d are too close across the loop", c, mu, i, loop[len(loop)-1], loop[0]+period)
					}
				}
				// Refractoriness only drops spikes of the same draw.
				for _, x := range ts {
					if x < period && !free.Patterns[mu].Has(i, x) {
						t.Fatalf("%+v: pattern %d neuron %d spikes at %d, which the plain draw does not", c, mu, i, x)
					}
				}
			}
		}
	}
}

func TestRefractory(t *testing.T) {
	tests := []struct {
		spikes    []int
		r, period int
		loop      bool
		want      []int
	}{
		{nil, 3, 10, false, nil},
		{[]int{0, 1, 2, 5, 9}, 0, 10, false, []int{0, 1, 2, 5, 9}},
		{[]int{0, 1, 2, 5, 9}, 1, 10, false, []int{0, 1, 2, 5, 9}},
		{[]int{0, 1, 2, 5, 9}, 3, 10, false, []int{0, 5, 9}},
		{[]int{0, 1, 2, 5, 9}, 3, 10, true, []int{0, 5}},
		{[]int{2, 3, 4}, 2, 10, false, []int{2, 4}},
		{[]int{1, 6, 9}, 5, 10, true, []int{1, 6}},
		{[]int{4}, 10, 10, true, []int{4}},
	}
	for _, tt := range tests {
		got := refractory(slices.Clone(tt.spikes), tt.r, tt.period, tt.loop)
		if !slices.Equal(got, tt.want) {
			t.Errorf("refractory(%v, r=%d, period=%d, loop=%v) = %v, want %v", tt.spikes, tt.r, tt.period, tt.loop, got, tt.want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	c := Config{M: 16, N: 512, T: 1000, P: 1e-3}
	for b.Loop() {
		if _, err := Generate(c, 1); err != nil {
			b.Fatal(err)
		}
	}
}
