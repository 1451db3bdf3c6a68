package network

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUpdateMembranes checks updateMembranes (the fastest kernel this
// processor runs) against membraneGo bit for bit; on amd64,
// TestMembraneKernels checks every vector kernel the same way.
func TestUpdateMembranes(t *testing.T) {
	checkUpdate(t, updateMembranes)
}

// checkUpdate checks update against membraneGo bit for bit: membranes at,
// just above and below threshold, ±0, infinities, NaN, subnormals and
// ordinary values, both resets, lengths that leave a tail of 0 to 7
// neurons, and spikes appended after earlier ones.
func checkUpdate(t *testing.T, update func(u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 5))
	const theta = 0.8
	draw := func() float64 {
		switch r.IntN(10) {
		case 0:
			return theta
		case 1:
			return math.Nextafter(theta, 2)
		case 2:
			return math.Nextafter(theta, 0)
		case 3:
			return math.Copysign(0, -1)
		case 4:
			return []float64{math.Inf(1), math.Inf(-1), math.NaN(), 5e-324}[r.IntN(4)]
		}
		return r.NormFloat64()
	}
	same := func(a, b []float64) bool {
		for k := range a {
			if math.Float64bits(a[k]) != math.Float64bits(b[k]) && !(math.IsNaN(a[k]) && math.IsNaN(b[k])) {
				return false
			}
		}
		return len(a) == len(b)
	}
	for trial := range 3000 {
		n := 1 + r.IntN(67)
		u, cur := make([]float64, n), make([]float64, n)
		for j := range u {
			u[j], cur[j] = draw(), draw()
		}
		beta := []float64{0, 0.7, 1 - 1e-16, r.Float64()}[r.IntN(4)]
		zero := r.IntN(2) == 0
		u2 := slices.Clone(u)
		pre := []int32{-1}
		got := update(u, cur, beta, theta, zero, slices.Clone(pre))
		want := membraneGo(u2, cur, beta, theta, zero, slices.Clone(pre), 0)
		if !slices.Equal(got, want) || !same(u, u2) {
			t.Fatalf("trial %d (n = %d, β = %v, zero %v): spikes %v, want %v; membranes %v, want %v", trial, n, beta, zero, got, want, u, u2)
		}
	}
}
