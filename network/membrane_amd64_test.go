//go:build amd64 && !purego

package network

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// TestMembraneKernel checks that an amd64 build reports the AVX2 kernel
// exactly where the processor has AVX2.
func TestMembraneKernel(t *testing.T) {
	want := "go"
	if cpu.X86.HasAVX2 {
		want = "avx2"
	}
	if got := MembraneKernel(); got != want {
		t.Errorf("MembraneKernel() = %q on a processor with AVX2 = %v, want %q", got, cpu.X86.HasAVX2, want)
	}
}
