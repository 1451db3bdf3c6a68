package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUpdateMembranes checks updateMembranes (the fastest kernel this
// processor runs) against updateGo; on amd64, TestUpdateKernels checks
// every vector kernel the same way.
func TestUpdateMembranes(t *testing.T) {
	checkUpdate(t, updateMembranes)
}

// checkUpdate checks update against updateGo, integer for integer:
// membranes from the whole int64 range, near the int32 bounds and near
// threshold, currents over the whole int32 range, both resets, lengths
// that leave a tail of 0 to 7 neurons, and spikes appended after earlier
// ones.
func checkUpdate(t *testing.T, update func(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 13))
	draw := func(th int64) int64 {
		switch r.IntN(6) {
		case 0:
			return int64(r.Uint64()) // anything, overflow included
		case 1:
			return int64(r.IntN(1<<20)) - 1<<19
		case 2:
			return th + int64(r.IntN(5)) - 2 // at threshold
		case 3:
			return math.MaxInt32 + int64(r.IntN(5)) - 2
		case 4:
			return math.MinInt32 + int64(r.IntN(5)) - 2
		}
		return 0
	}
	for trial := range 2000 {
		n := 1 + r.IntN(67)
		th := make([]int64, n)
		for j := range th {
			th[j] = int64(r.IntN(1 << 22))
			if r.IntN(10) == 0 {
				th[j] = math.MaxInt64
			}
		}
		u, cur := make([]int64, n), make([]int32, n)
		for j := range u {
			u[j], cur[j] = draw(th[j]), int32(draw(0)>>r.IntN(64))
		}
		beta := int64(r.IntN(4097))
		zero := r.IntN(2) == 0
		u2, cur2 := slices.Clone(u), slices.Clone(cur)
		pre := []int32{-1}
		got := update(u, cur, th, beta, zero, slices.Clone(pre))
		want := updateGo(u2, cur2, th, beta, zero, slices.Clone(pre), 0)
		if !slices.Equal(got, want) || !slices.Equal(u, u2) || !slices.Equal(cur, cur2) {
			t.Fatalf("trial %d (n = %d, β = %d, zero %v): spikes %v, want %v; membranes %v, want %v; currents %v", trial, n, beta, zero, got, want, u, u2, cur)
		}
		for _, c := range cur {
			if c != 0 {
				t.Fatalf("trial %d: currents not cleared: %v", trial, cur)
			}
		}
	}
}
