//go:build amd64 && !purego

package network

import (
	"slices"

	"golang.org/x/sys/cpu"
)

// membraneAVX2 is membraneGo on four neurons per instruction: len(u) must
// be a multiple of 4, cur as long as u, and spk must have room for len(u)
// spikes. u[j] is neuron from + j. It returns the spikes it wrote to
// spk[0:]. Its operations and their order are membraneGo's, each rounded
// on its own, so the membranes are the same bits.
//
//go:noescape
func membraneAVX2(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) (spikes int)

// MembraneKernel names the code that updates the membranes on this
// processor: "avx2" (four neurons per instruction) or "go" (the plain Go
// loops, on processors without AVX2, other architectures and with the
// build tag purego). Both give the same bits; benchmarks report it.
func MembraneKernel() string {
	if cpu.X86.HasAVX2 {
		return "avx2"
	}
	return "go"
}

// updateMembranes is membraneGo on all of u, in AVX2 where the processor
// has it.
func updateMembranes(u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32 {
	n := len(u)
	if !cpu.X86.HasAVX2 || n < 4 {
		return membraneGo(u, cur, beta, theta, zero, spk, 0)
	}
	cur = cur[:n]
	m := n &^ 3
	spk = slices.Grow(spk, m)
	k := membraneAVX2(u[:m], cur[:m], beta, theta, zero, spk[len(spk):cap(spk)], 0)
	spk = spk[:len(spk)+k]
	return membraneGo(u[m:], cur[m:], beta, theta, zero, spk, m)
}
