//go:build amd64 && !purego

package network

import (
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/hdsnn/hdsnn/internal/simd"
)

// TestMembraneKernel checks that an amd64 build reports the AVX-512
// kernel where the processor has AVX-512 F and DQ, else the AVX2 kernel
// where it has AVX2.
func TestMembraneKernel(t *testing.T) {
	want := "go"
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ:
		want = "avx512"
	case cpu.X86.HasAVX2:
		want = "avx2"
	}
	if got := MembraneKernel(); got != want {
		t.Errorf("MembraneKernel() = %q on a processor with AVX2 = %v, AVX-512 F = %v, DQ = %v; want %q", got, cpu.X86.HasAVX2, cpu.X86.HasAVX512F, cpu.X86.HasAVX512DQ, want)
	}
}

// TestMembraneKernels checks each vector kernel the processor runs
// against membraneGo, not only the one updateMembranes picks.
func TestMembraneKernels(t *testing.T) {
	kernels := []struct {
		name   string
		has    bool
		width  int
		kernel membraneKernel
	}{
		{"avx2", simd.AVX2(), 4, membraneAVX2},
		{"avx512", simd.AVX512(), 8, membraneAVX512},
	}
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.has {
				t.Skipf("this processor does not run the %s kernel", k.name)
			}
			checkUpdate(t, func(u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32 {
				return membraneVector(k.kernel, k.width, u, cur, beta, theta, zero, spk)
			})
		})
	}
}
