package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDeliver32 checks deliver32 (AVX-512 gathers and scatters where the
// processor has them) and deliverGo against adding entry by entry:
// distinct places
// anywhere in the ring, those below its end first and the wrapped ones
// after, every int8, currents near the int32 bounds (both wrap as Go's
// int32 does), 0 to 70 entries (full blocks of 16 and every tail), and
// no write outside the ring.
func TestDeliver32(t *testing.T) {
	t.Run("deliver32", func(t *testing.T) { checkDeliver(t, deliver32) })
	t.Run("go", func(t *testing.T) { checkDeliver(t, deliverGo) })
}

// checkDeliver is TestDeliver32 on one implementation.
func checkDeliver(t *testing.T, deliver func(ring []int32, base int, entries []uint32, m int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 17))
	const guard = 64
	for trial := range 3000 {
		size := 1 + r.IntN(2000)
		buf := make([]int32, size+2*guard)
		for i := range buf {
			buf[i] = int32(r.Uint32())
			if r.IntN(4) == 0 {
				buf[i] = math.MaxInt32 - int32(r.IntN(200))
			}
		}
		want := slices.Clone(buf)
		base := r.IntN(size)
		places := r.Perm(size)[:min(r.IntN(71), size)]
		// The places below the ring's end first, as a spike's delays are
		// stored, then the wrapped ones.
		slices.SortStableFunc(places, func(a, b int) int {
			return boolInt(a < base) - boolInt(b < base)
		})
		entries := make([]uint32, len(places))
		m := 0
		for e, p := range places {
			off := p - base
			if off < 0 {
				off += size
			} else {
				m++
			}
			v := int8(r.IntN(256) - 128)
			entries[e] = uint32(off)<<8 | uint32(uint8(v))
			want[guard+p] += int32(v)
		}
		deliver(buf[guard:guard+size], base, entries, m)
		if !slices.Equal(buf, want) {
			for i := range buf {
				if buf[i] != want[i] {
					t.Fatalf("trial %d (ring %d, base %d, %d entries, %d wrapped): word %d (ring place %d) = %d, want %d", trial, size, base, len(entries), len(entries)-m, i, i-guard, buf[i], want[i])
				}
			}
		}
	}
}

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
