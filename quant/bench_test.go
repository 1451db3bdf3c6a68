package quant_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// TestBenchmarkPaths recalls the published benchmark (N = 512, M = 16,
// T = 1000, D = 41, default Hebbian weights) on the float64, float32 and
// integer paths: the float32 path must give the float64 spikes (or the
// test lists each difference with its membrane at threshold), 8-bit
// integer recall must keep F1 ≥ 0.999 and agree with the float64 path on
// the dequantised weights to within a few spikes, and every path must
// report the same SynOps on the same spikes.
func TestBenchmarkPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("the benchmark recall takes seconds")
	}
	ctx := context.Background()
	st, err := study.DefaultBenchmark().Store(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	p, set := st.Bench.Params, st.Patterns
	s := st.Weights.Sparse()
	c64, _, cost64, err := network.RecallCost(ctx, s, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	c32, _, cost32, err := quant.Recall32(ctx, s, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c32 != c64 || cost32.SynOps != cost64.SynOps {
		t.Errorf("float32 recall %+v (SynOps %d), float64 %+v (SynOps %d)", c32, cost32.SynOps, c64, cost64.SynOps)
	}
	// The spikes of every trial, step by step; a difference is listed with
	// the membranes of the neurons on either side of threshold.
	for m, x := range network.Inputs(p, set, 1, 0) {
		a, _ := network.Simulate(s, p, x, network.Options{Record: true})
		b, _ := quant.Simulate32(s, p, x, true)
		for step := range a.Spikes.Steps {
			if !slices.Equal(a.Spikes.Steps[step], b.Spikes.Steps[step]) {
				t.Errorf("pattern %d step %d: float64 spikes %v, float32 %v", m, step, a.Spikes.Steps[step], b.Spikes.Steps[step])
				for j := range set.N {
					if u, v := a.Membrane[step*a.N+j], b.Membrane[step*a.N+j]; (u > p.Theta) != (v > float64(float32(p.Theta))) {
						t.Errorf("  neuron %d: float64 membrane %.9g, float32 %.9g, θ = %v", j, u, v, p.Theta)
					}
				}
				break
			}
		}
	}
	if cost64.SynOps <= 0 || cost64.SynOps != cost64.Events {
		t.Errorf("float64 sparse recall: SynOps %d, events %d", cost64.SynOps, cost64.Events)
	}

	for _, bits := range []int{8, 4} {
		q, err := quant.Quantize(s, quant.Config{Bits: bits})
		if err != nil {
			t.Fatal(err)
		}
		ci, _, costI, err := quant.Recall(ctx, q, p, set, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		cf, _, _, err := network.RecallCost(ctx, q.S, p, set, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d bits: integer F1 %.5f, float64 on the dequantised weights %.5f, unquantised %.5f; SynOps %d", bits, ci.F1(), cf.F1(), c64.F1(), costI.SynOps)
		if bits == 8 && ci.F1() < 0.999 {
			t.Errorf("8-bit integer recall F1 = %.5f, want ≥ 0.999", ci.F1())
		}
		if d := math.Abs(ci.F1() - cf.F1()); d > 0.01 {
			t.Errorf("%d bits: integer F1 %.5f differs from float %.5f by more than 0.01", bits, ci.F1(), cf.F1())
		}
	}
}

// benchPaths returns the benchmark's clamp input of pattern 0 with its
// Hebbian weights in sparse form and quantised to 8 bits.
func benchPaths(b *testing.B) (network.Params, *network.Sparse, *quant.Weights, *raster.Raster) {
	b.Helper()
	st, err := study.DefaultBenchmark().Store(context.Background(), false)
	if err != nil {
		b.Fatal(err)
	}
	s := st.Weights.Sparse()
	q, err := quant.Quantize(s, quant.Config{Bits: 8})
	if err != nil {
		b.Fatal(err)
	}
	return st.Bench.Params, s, q, network.Inputs(st.Bench.Params, st.Patterns, 1, 0)[0]
}

// BenchmarkTrialPaths times one cued-recall trial of the benchmark on the
// sparse float64 path, the float32 path and the 8-bit integer path, in
// SynOps per second.
func BenchmarkTrialPaths(b *testing.B) {
	p, s, q, x := benchPaths(b)
	n32, err := quant.NewNet32(s, p)
	if err != nil {
		b.Fatal(err)
	}
	nInt, err := quant.NewIntNet(q, p)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	paths := []struct {
		name string
		sim  func() (*network.State, error)
	}{
		{"float64", func() (*network.State, error) { return network.Simulate(s, p, x, network.Options{}) }},
		{"float32", func() (*network.State, error) { return n32.Simulate(ctx, x, false) }},
		{"integer", func() (*network.State, error) { return nInt.Simulate(ctx, x, false) }},
	}
	for _, path := range paths {
		b.Run(path.name, func(b *testing.B) {
			benchSynOps(b, func() (int64, error) {
				st, err := path.sim()
				if err != nil {
					return 0, err
				}
				return st.SynOps, nil
			})
		})
	}
}

// benchSynOps times run, which returns the SynOps it made, and reports
// them per second.
func benchSynOps(b *testing.B, run func() (int64, error)) {
	b.Helper()
	var ops int64
	for b.Loop() {
		var err error
		if ops, err = run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ops)*float64(b.N)/b.Elapsed().Seconds(), "SynOps/s")
}

// BenchmarkRecallPaths recalls all 16 patterns of the benchmark on all
// cores with network.RecallCost, Recall32 and Recall, in SynOps per
// second. Each call also draws the clamp inputs and, for float32 and
// integer, prepares its network (NewNet32; NewIntNet, about 2 ms), which
// hdsnn bench's stages "sparse recall", "float32 recall" and "integer
// recall" leave out of their timing; compare paths there or with
// BenchmarkTrialPaths.
func BenchmarkRecallPaths(b *testing.B) {
	st, err := study.DefaultBenchmark().Store(context.Background(), false)
	if err != nil {
		b.Fatal(err)
	}
	p, set := st.Bench.Params, st.Patterns
	s := st.Weights.Sparse()
	q, err := quant.Quantize(s, quant.Config{Bits: 8})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	paths := []struct {
		name   string
		recall func() (network.Cost, error)
	}{
		{"float64", func() (network.Cost, error) {
			_, _, c, err := network.RecallCost(ctx, s, p, set, 1, 0)
			return c, err
		}},
		{"float32", func() (network.Cost, error) {
			_, _, c, err := quant.Recall32(ctx, s, p, set, 1, 0)
			return c, err
		}},
		{"integer", func() (network.Cost, error) {
			_, _, c, err := quant.Recall(ctx, q, p, set, 1, 0)
			return c, err
		}},
	}
	for _, path := range paths {
		b.Run(path.name, func(b *testing.B) {
			benchSynOps(b, func() (int64, error) {
				c, err := path.recall()
				return c.SynOps, err
			})
		})
	}
}
