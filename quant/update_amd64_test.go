//go:build amd64 && !purego

package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/hdsnn/hdsnn/network"
)

// TestUpdateKernels checks each vector kernel the processor runs against
// updateGo, not only the one updateMembranes picks.
func TestUpdateKernels(t *testing.T) {
	kernels := []struct {
		name   string
		has    bool
		width  int
		kernel updateKernel
	}{
		{"avx2", cpu.X86.HasAVX2, 4, updateAVX2},
		{"avx512", hasAVX512(), 8, updateAVX512},
	}
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.has {
				t.Skipf("this processor does not run the %s kernel", k.name)
			}
			checkUpdate(t, func(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32 {
				return updateVector(k.kernel, k.width, u, cur, th, beta, zero, spk)
			})
		})
	}
}

// TestKernelName checks that the integer path picks its AVX-512 kernels
// exactly where network.MembraneKernel, which hdsnn bench prints, says
// "avx512".
func TestKernelName(t *testing.T) {
	if got, want := hasAVX512(), network.MembraneKernel() == "avx512"; got != want {
		t.Errorf("integer path uses AVX-512: %v; network.MembraneKernel() = %q", got, network.MembraneKernel())
	}
}

// TestAddPackedAVX512 checks the gather-add-scatter delivery against
// addPacked: distinct offsets anywhere in the ring, bases below zero (the
// wrapped part of a spike's delays), every int8, currents near the int32
// bounds (both wrap as Go's int32 does), 0 to 70 entries (full blocks of
// 16 and every tail), and no write outside the ring.
func TestAddPackedAVX512(t *testing.T) {
	if !hasAVX512() {
		t.Skip("this processor does not run AVX-512")
	}
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
		k := min(r.IntN(71), size)
		idx := r.Perm(size)[:k]
		base := size
		for _, i := range idx {
			base = min(base, i)
		}
		base -= r.IntN(size + 1)
		entries := make([]uint32, k)
		for e, i := range idx {
			v := int8(r.IntN(256) - 128)
			entries[e] = uint32(i-base)<<8 | uint32(uint8(v))
		}
		ring := buf[guard : guard+size]
		addPackedAVX512(ring, base, entries)
		addPacked(want[guard:guard+size], base, entries)
		if !slices.Equal(buf, want) {
			for i := range buf {
				if buf[i] != want[i] {
					t.Fatalf("trial %d (ring %d, base %d, %d entries): word %d (ring index %d) = %d, want %d", trial, size, base, k, i, i-guard, buf[i], want[i])
				}
			}
		}
	}
}
