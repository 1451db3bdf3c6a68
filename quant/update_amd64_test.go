//go:build amd64 && !purego

package quant

import (
	"testing"

	"github.com/hdsnn/hdsnn/internal/simd"
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
		{"avx2", simd.AVX2(), 4, updateAVX2},
		{"avx512", simd.AVX512(), 8, updateAVX512},
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
	if got, want := simd.AVX512(), network.MembraneKernel() == "avx512"; got != want {
		t.Errorf("integer path uses AVX-512: %v; network.MembraneKernel() = %q", got, network.MembraneKernel())
	}
}
