package learn_test

import (
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// benchGradient times one gradient at the benchmark size (N = 512,
// M = 16, T = 1000, D = 41) with the given surrogate support.
func benchGradient(b *testing.B, support float64) {
	p := network.Defaults()
	set, err := raster.Generate(raster.Config{M: 16, N: 512, T: 1000, P: p.PA}, 1)
	if err != nil {
		b.Fatal(err)
	}
	w, _, err := initw.Init(set, initw.Defaults(p))
	if err != nil {
		b.Fatal(err)
	}
	xs := network.Inputs(p, set, 1, 0)
	for b.Loop() {
		if _, err := learn.Compute(w, p, set, xs, learn.GradOptions{Alpha: 15, Support: support}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSparseGradient(b *testing.B) { benchGradient(b, 0.5) }

func BenchmarkExactGradient(b *testing.B) { benchGradient(b, 0) }
