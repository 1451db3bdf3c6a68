package initw

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

func TestTargets(t *testing.T) {
	// Neuron 1 spikes at steps 4 and 5, neuron 2 at step 4 only.
	p, err := raster.FromEvents(3, 6, []raster.Event{{Neuron: 1, Step: 4}, {Neuron: 1, Step: 5}, {Neuron: 2, Step: 4}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		c      rule
		step   int
		expect map[int32]float64
	}{
		{"raw", rule{target: Raw, beta: 0.7}, 5, map[int32]float64{1: 1}},
		{"deconvolved", rule{target: Deconvolved, beta: 0.7}, 5, map[int32]float64{1: 1 - 0.7, 2: -0.7}},
		{"matched subtract", rule{target: Matched, beta: 0.7, theta: 0.8}, 5, map[int32]float64{1: 1 + 0.1, 2: 0.1}},
		{"matched zero", rule{target: Matched, beta: 0.7, theta: 0.8, reset: network.Zero}, 5, map[int32]float64{1: 1}},
		{"deconvolved onset", rule{target: Deconvolved, beta: 0.7}, 4, map[int32]float64{1: 1, 2: 1}},
	}
	for _, tt := range tests {
		got := tt.c.targets(p, tt.step, nil)
		if len(got) != len(tt.expect) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.expect)
			continue
		}
		for k, e := range got {
			if k > 0 && got[k-1].neuron >= e.neuron {
				t.Errorf("%s: targets not ascending: %v", tt.name, got)
			}
			if w, ok := tt.expect[e.neuron]; !ok || math.Abs(w-e.value) > 1e-15 {
				t.Errorf("%s: neuron %d: %v, want %v", tt.name, e.neuron, e.value, tt.expect)
			}
		}
	}
}

func testSet(t *testing.T, m, n, steps int, p float64) *raster.Set {
	t.Helper()
	s, err := raster.Generate(raster.Config{M: m, N: n, T: steps, P: p}, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// contextCurrent returns Σ_i Σ_d W[j][i][d−1]·S[i][t−d] for every j.
func contextCurrent(w *network.Weights, p *raster.Raster, t int) []float64 {
	cur := make([]float64, w.N)
	for k := 1; k <= w.D; k++ {
		for _, i := range p.Steps[t-k] {
			for j, v := range w.Row(int(i), k) {
				cur[j] += v
			}
		}
	}
	return cur
}

// TestPseudoInverseInterpolates checks that the pseudo-inverse maps every
// stored context to its target current: with K < N·D independent contexts
// the least-squares fit is exact up to the ridge.
func TestPseudoInverseInterpolates(t *testing.T) {
	set := testSet(t, 3, 40, 60, 0.05)
	p := network.Defaults()
	p.D = 6
	c := Defaults()
	c.Method, c.Tol = PseudoInverse, 1e-10
	w, st, err := Init(set, p, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Residual > 1e-10 || st.Iterations == 0 {
		t.Fatalf("CG stopped after %d iterations at residual %g", st.Iterations, st.Residual)
	}
	var ys []term
	worst := 0.0
	for _, pat := range set.Patterns {
		for s := p.D; s < set.T; s++ {
			if contextSize(pat, s, p.D) == 0 {
				continue
			}
			cur := contextCurrent(w, pat, s)
			want := make([]float64, set.N)
			for _, y := range (rule{c.Target, p.Beta, p.Theta, p.Reset}).targets(pat, s, ys) {
				want[y.neuron] = y.value
			}
			for j := range cur {
				worst = max(worst, math.Abs(cur[j]-want[j]))
			}
		}
	}
	// The ridge λ = 1e-6 × the mean context size biases the fit by about
	// λ over the smallest eigenvalues of C·Cᵀ.
	if worst > 1e-4 {
		t.Errorf("largest error between context current and target: %g", worst)
	}
}

// TestHebbianNormalisations checks Z for each normalisation and that row
// normalisation gives every isolated stored context a unit current.
func TestHebbianNormalisations(t *testing.T) {
	set := testSet(t, 2, 50, 80, 0.03)
	p := network.Defaults()
	p.D = 8
	active := 0
	for _, pat := range set.Patterns {
		for s := p.D; s < set.T; s++ {
			active += contextSize(pat, s, p.D)
		}
	}
	k := set.M() * (set.T - p.D)
	for _, tt := range []struct {
		norm Norm
		z    float64
	}{{Column, float64(active) / float64(set.N*p.D)}, {Context, float64(active) / float64(k)}, {Row, 1}} {
		c := Defaults()
		c.Norm, c.Target = tt.norm, Raw
		w, st, err := Init(set, p, c)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(st.Z-tt.z) > 1e-12 || st.Active != active || st.Contexts != k {
			t.Errorf("%s: stats %+v, want Z %v, active %d, contexts %d", tt.norm, st, tt.z, active, k)
		}
		if tt.norm == Row {
			// Scale check: the unnormalised sum is Σ_ctx y/|c|·c; with
			// raw targets a weight is at most Σ over contexts of 1/|c|.
			for _, v := range w.W {
				if v < 0 {
					t.Fatalf("row/raw weights must be non-negative, got %v", v)
				}
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	set := testSet(t, 1, 10, 30, 0.1)
	p := network.Defaults()
	p.D = 5
	bad := []struct {
		mod  func(*Config, *network.Params)
		want string
	}{
		{func(c *Config, _ *network.Params) { c.Method = 7 }, "init method"},
		{func(c *Config, _ *network.Params) { c.Norm = 7 }, "normalisation"},
		{func(c *Config, _ *network.Params) { c.Target = 7 }, "target"},
		{func(_ *Config, p *network.Params) { p.Beta = 1 }, "beta"},
		{func(_ *Config, p *network.Params) { p.Theta = 0 }, "theta"},
		{func(_ *Config, p *network.Params) { p.D = 40 }, "longer patterns"},
		{func(c *Config, _ *network.Params) { c.Method, c.Tol = PseudoInverse, 0 }, "tol"},
	}
	for _, b := range bad {
		c, q := Defaults(), p
		b.mod(&c, &q)
		_, _, err := Init(set, q, c)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("want an error containing %q, got %v", b.want, err)
		}
	}
	empty := &raster.Set{N: 10, T: 30, Patterns: []*raster.Raster{raster.New(10, 30)}}
	if _, _, err := Init(empty, p, Defaults()); err == nil || !strings.Contains(err.Error(), "no spikes") {
		t.Errorf("silent patterns: got %v", err)
	}
}

// TestDefaultInitRecalls checks the default initialisation on a size where
// it stores its patterns perfectly.
func TestDefaultInitRecalls(t *testing.T) {
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post = 20, 20, 10, 10
	set := testSet(t, 4, 128, 200, 0.005)
	w, _, err := Init(set, p, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := network.Recall(w, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.F1() < 0.95 {
		t.Errorf("default init recalls with F1 %.3f, want ≥ 0.95", c.F1())
	}
}

// TestInitFollowsParams checks that the targets follow the network
// parameters Init is given: changing θ alone changes matched weights, to
// exactly those a rule with the new θ gives.
func TestInitFollowsParams(t *testing.T) {
	set := testSet(t, 2, 30, 60, 0.05)
	p := network.Defaults()
	p.D, p.Trigger = 5, 5
	q := p
	q.Theta = 1.1
	w1, _, err := Init(set, p, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	w2, _, err := Init(set, q, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := hebbian(set, q.D, rule{Matched, q.Beta, q.Theta, q.Reset}, Row)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for k := range w1.W {
		same = same && w1.W[k] == w2.W[k]
		if w2.W[k] != want.W[k] {
			t.Fatalf("entry %d: %v, want %v for θ = %v", k, w2.W[k], want.W[k], q.Theta)
		}
	}
	if same {
		t.Error("weights for θ = 0.8 and θ = 1.1 are identical: the threshold is ignored")
	}
}

func TestEnumText(t *testing.T) {
	for _, s := range []string{"hebbian", "pinv"} {
		if m, err := ParseMethod(s); err != nil || m.String() != s {
			t.Errorf("method %q: %v, %v", s, m, err)
		}
	}
	for _, s := range []string{"matched", "deconvolved", "raw"} {
		if v, err := ParseTarget(s); err != nil || v.String() != s {
			t.Errorf("target %q: %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"row", "context", "column"} {
		if v, err := ParseNorm(s); err != nil || v.String() != s {
			t.Errorf("norm %q: %v, %v", s, v, err)
		}
	}
	b, err := json.Marshal(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"method":"hebbian","target":"matched","norm":"row","tol":0.0001,"max_iter":200}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil || c != Defaults() {
		t.Errorf("round trip: %+v, %v", c, err)
	}
	if _, err := ParseTarget("smooth"); err == nil || !strings.Contains(err.Error(), "matched, deconvolved or raw") {
		t.Errorf("bad target: %v", err)
	}
}
