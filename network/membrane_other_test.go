//go:build !amd64 || purego

package network

import "testing"

// TestMembraneKernel checks that a build without the AVX2 kernels (other
// architectures, the purego tag) reports the plain Go loops.
func TestMembraneKernel(t *testing.T) {
	if got := MembraneKernel(); got != "go" {
		t.Errorf("MembraneKernel() = %q without AVX2 kernels, want go", got)
	}
}
