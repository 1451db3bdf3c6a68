package learn_test

import (
	"context"
	"testing"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/study"
)

// benchGradient times one gradient at the benchmark size (N = 512,
// M = 16, T = 1000, D = 41) with the given surrogate support.
func benchGradient(b *testing.B, support float64) {
	st, err := study.DefaultBenchmark().Store(context.Background(), false)
	if err != nil {
		b.Fatal(err)
	}
	p := st.Bench.Params
	xs := network.Inputs(p, st.Patterns, 1, 0)
	for b.Loop() {
		if _, err := learn.Compute(st.Weights, p, st.Patterns, xs, learn.GradOptions{Alpha: 15, Support: support}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSparseGradient(b *testing.B) { benchGradient(b, 0.5) }

func BenchmarkExactGradient(b *testing.B) { benchGradient(b, 0) }
