package quant

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

func TestLeak(t *testing.T) {
	for _, tc := range []struct{ u, beta, want int64 }{
		{8128, 2867, 5689},     // 5689.2 → 5689
		{-8128, 2867, -5689},   // toward zero, not −5690
		{-17799, 2867, -12458}, // −12458.4 → −12458 (floor would give −12459)
		{4096, 4096, 4096},
		{0, 2867, 0},
		{1, 2867, 0},
		{-1, 2867, 0},
	} {
		if got := Leak(tc.u, tc.beta); got != tc.want {
			t.Errorf("Leak(%d, %d) = %d, want %d", tc.u, tc.beta, got, tc.want)
		}
	}
	if got := BetaFixed(0.7); got != 2867 {
		t.Errorf("BetaFixed(0.7) = %d, want 2867", got)
	}
}

// TestIntegerHand runs a hand-computed network of three neurons and one
// delay: neuron 0 is clamped on at steps 0, 1, 2 and drives neuron 1
// through w = 0.5 and neuron 2 through w = −0.3. At 8 bits both become
// ±127 (scales 0.5/127 and 0.3/127), θ_1 = round(0.8·64·254) = 13005,
// θ_2 = round(0.8·64·127/0.3) = 21675, β_fix = 2867.
func TestIntegerHand(t *testing.T) {
	w := network.NewWeights(3, 1)
	w.Row(0, 1)[1] = 0.5
	w.Row(0, 1)[2] = -0.3
	q, err := QuantizeDense(w, Config{Bits: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.Int, []int32{127, -127}) {
		t.Fatalf("Int = %v", q.Int)
	}
	p := network.Params{Beta: 0.7, Theta: 0.8, Reset: network.Subtract, D: 1}
	if th := Thresholds(q, p.Theta); !slices.Equal(th, []int64{math.MaxInt64, 13005, 21675}) {
		t.Fatalf("thresholds %v", th)
	}
	x := raster.New(3, 5)
	for s := range 3 {
		x.Steps[s] = []int32{0}
	}
	st, err := Simulate(q, p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	// Neuron 1: 127·64 = 8128; leak(8128) + 8128 = 13817 > 13005 spikes;
	// leak(13817) + 8128 − 13005 = 4794; leak(4794) = 3355.
	// Neuron 2: −8128, −13817, −17799, leak(−17799) = −12458.
	want := [][3]float64{{0, 0, 0}, {0, 8128, -8128}, {0, 13817, -13817}, {0, 4794, -17799}, {0, 3355, -12458}}
	for s, row := range want {
		if got := st.Membrane[3*s : 3*s+3]; !slices.Equal(got, row[:]) {
			t.Errorf("step %d: membranes %v, want %v", s, got, row)
		}
	}
	for s, spk := range st.Spikes.Steps {
		if want := s == 2; slices.Equal(spk, []int32{1}) != want || (!want && len(spk) > 0) {
			t.Errorf("step %d: spikes %v", s, spk)
		}
	}
	if st.SynOps != 6 || st.Events != 6 { // three steps deliver neuron 0's two synapses
		t.Errorf("SynOps %d, events %d, want 6", st.SynOps, st.Events)
	}

	// Zero reset: the spike at step 2 zeroes the membrane before step 3,
	// which then holds 8128 alone.
	p.Reset = network.Zero
	st, err = Simulate(q, p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Membrane[3*3+1]; got != 8128 {
		t.Errorf("zero reset: membrane of neuron 1 at step 3 = %v, want 8128", got)
	}
}

// TestFloat32Hand checks the float32 path on the same network against
// float64 at the precision of float32.
func TestFloat32Hand(t *testing.T) {
	w := network.NewWeights(3, 1)
	w.Row(0, 1)[1] = 0.5
	w.Row(0, 1)[2] = -0.3
	p := network.Params{Beta: 0.7, Theta: 0.8, Reset: network.Subtract, D: 1}
	x := raster.New(3, 5)
	for s := range 3 {
		x.Steps[s] = []int32{0}
	}
	f32, err := Simulate32(w.Sparse(), p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	f64, err := network.Simulate(w, p, x, network.Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	for k := range f64.Membrane {
		if math.Abs(f32.Membrane[k]-f64.Membrane[k]) > 1e-6 {
			t.Errorf("membrane %d: float32 %v, float64 %v", k, f32.Membrane[k], f64.Membrane[k])
		}
	}
	if f32.Spikes.Count() != 1 || !f32.Spikes.Has(1, 2) || f64.Spikes.Count() != 1 {
		t.Errorf("spikes: float32 %v, float64 %v", f32.Spikes.Events(), f64.Spikes.Events())
	}
}

// TestRingEqualsGather checks the ring-buffer integer trial against the
// gathered sum of SPEC §2.3 (simulateGather): the same spikes, membranes
// and SynOps on random networks at 8 bits (packed entries) and 16 bits
// (entries apart), both resets, trials shorter than D, longer than 2·D,
// and spikes clamped before and after step D.
func TestRingEqualsGather(t *testing.T) {
	for _, tc := range []struct {
		n, d, l, bits int
		reset         network.Reset
		density, rate float64
	}{
		{n: 30, d: 5, l: 60, bits: 8, reset: network.Subtract, density: 0.3, rate: 0.1},
		{n: 30, d: 5, l: 60, bits: 8, reset: network.Zero, density: 0.3, rate: 0.1},
		{n: 30, d: 5, l: 60, bits: 16, reset: network.Subtract, density: 0.3, rate: 0.1},
		{n: 17, d: 1, l: 40, bits: 4, reset: network.Subtract, density: 0.5, rate: 0.2},
		{n: 20, d: 9, l: 7, bits: 8, reset: network.Subtract, density: 0.5, rate: 0.3},  // shorter than D
		{n: 20, d: 9, l: 10, bits: 8, reset: network.Subtract, density: 0.5, rate: 0.3}, // one step
		{n: 64, d: 41, l: 300, bits: 8, reset: network.Subtract, density: 0.05, rate: 0.02},
	} {
		r := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.l)))
		w := network.NewWeights(tc.n, tc.d)
		for k := range w.W {
			if r.Float64() < tc.density {
				w.W[k] = r.NormFloat64() * 0.3
			}
		}
		q, err := Quantize(w.Sparse(), Config{Bits: tc.bits})
		if err != nil {
			t.Fatal(err)
		}
		p := network.Params{Beta: 0.7, Theta: 0.8, Reset: tc.reset, D: tc.d}
		// The clamp fires at random throughout, so the network spikes
		// both on its own and when told.
		x := raster.Bernoulli(r, tc.n, tc.l, tc.rate)
		want := simulateGather(q, p, x)
		net, err := NewIntNet(q, p)
		if err != nil {
			t.Fatal(err)
		}
		if net.wide {
			t.Fatalf("a small network got int64 currents")
		}
		for _, wide := range []bool{false, true} { // int32 and int64 currents
			net.wide = wide
			// Twice each: the second trial runs on the pooled ring of the
			// first, which must have been left zero.
			for range 2 {
				got, err := net.Simulate(context.Background(), x, true)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("N=%d D=%d L=%d %d bits %v wide %v", tc.n, tc.d, tc.l, tc.bits, tc.reset, wide)
				if got.SynOps != want.SynOps || got.Events != want.Events {
					t.Errorf("%s: SynOps %d, events %d, want %d", name, got.SynOps, got.Events, want.SynOps)
				}
				if !slices.Equal(got.Membrane, want.Membrane) {
					t.Errorf("%s: membranes differ", name)
				}
				for s := range want.Spikes.Steps {
					if !slices.Equal(got.Spikes.Steps[s], want.Spikes.Steps[s]) {
						t.Errorf("%s: step %d: spikes %v, want %v", name, s, got.Spikes.Steps[s], want.Spikes.Steps[s])
						break
					}
				}
			}
		}
		if tc.l > tc.d && want.Spikes.Count() == 0 {
			t.Errorf("N=%d D=%d L=%d: no spike, the case tests nothing", tc.n, tc.d, tc.l)
		}
	}
}

// TestWideCurrents builds a network whose neuron 0 receives 68,000
// synapses at 16 bits, Σ |Int| = 68,000 · 32,767 > 2^31: its ring must be
// int64 (IntNet.wide), and with every pair active at once the current
// that would wrap an int32 gives the membranes of the gathered sum.
func TestWideCurrents(t *testing.T) {
	const n, d = 1700, 40
	s := &network.Sparse{N: n, D: d, Start: make([]int64, n*d+1), Post: make([]int32, n*d), W: make([]float64, n*d)}
	for r := range n * d {
		s.Start[r+1] = int64(r + 1) // one synapse per (neuron, delay): onto neuron 0
		s.W[r] = 1
	}
	q, err := Quantize(s, Config{Bits: 16})
	if err != nil {
		t.Fatal(err)
	}
	p := network.Params{Beta: 0.7, Theta: 1e9, Reset: network.Subtract, D: d}
	net, err := NewIntNet(q, p)
	if err != nil {
		t.Fatal(err)
	}
	if !net.wide {
		t.Fatal("Σ |Int| onto neuron 0 exceeds int32, but the currents are int32")
	}
	x := raster.New(n, d+3)
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	for s := range d {
		x.Steps[s] = all
	}
	want := simulateGather(q, p, x)
	got, err := net.Simulate(context.Background(), x, true)
	if err != nil {
		t.Fatal(err)
	}
	if u := want.Membrane[d*n]; u <= math.MaxInt32 {
		t.Fatalf("membrane of neuron 0 at step D = %v: the case does not exceed int32", u)
	}
	if !slices.Equal(got.Membrane, want.Membrane) {
		t.Errorf("membranes of neuron 0: %v, want %v", got.Membrane[d*n], want.Membrane[d*n])
	}
}

// TestRingEqualsGatherBenchmark runs the ring-buffer integer trial and
// the gathered sum on every pattern of the published benchmark (N = 512,
// M = 16, T = 1000, D = 41, default Hebbian weights at 8 bits): the same
// spikes, membranes and SynOps, trial by trial.
func TestRingEqualsGatherBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("16 benchmark trials on both paths take a second")
	}
	p := network.Defaults()
	set, err := raster.Generate(raster.Config{M: 16, N: 512, T: 1000, P: p.PA}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	q, err := Quantize(w.Sparse(), Config{Bits: 8})
	if err != nil {
		t.Fatal(err)
	}
	net, err := NewIntNet(q, p)
	if err != nil {
		t.Fatal(err)
	}
	for m, x := range network.Inputs(p, set, 1, 0) {
		want := simulateGather(q, p, x)
		got, err := net.Simulate(context.Background(), x, true)
		if err != nil {
			t.Fatal(err)
		}
		if got.SynOps != want.SynOps || !slices.Equal(got.Membrane, want.Membrane) || got.Spikes.Count() != want.Spikes.Count() {
			t.Errorf("pattern %d: SynOps %d, spikes %d; gathered: SynOps %d, spikes %d; membranes equal: %v",
				m, got.SynOps, got.Spikes.Count(), want.SynOps, want.Spikes.Count(), slices.Equal(got.Membrane, want.Membrane))
		}
		if want.Spikes.Count() == 0 {
			t.Errorf("pattern %d: no spike", m)
		}
	}
}
