//go:build !amd64 || purego

package network

// updateMembranes is membraneGo on all of u.
func updateMembranes(u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32 {
	return membraneGo(u, cur, beta, theta, zero, spk, 0)
}

// MembraneKernel names the code that updates the membranes: "go", the
// plain Go loops (the AVX2 and AVX-512 kernels exist only on amd64
// without the build tag purego).
func MembraneKernel() string { return "go" }
