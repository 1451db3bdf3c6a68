//go:build amd64 && !purego

package network

import (
	"slices"

	"github.com/hdsnn/hdsnn/internal/simd"
)

// membraneAVX2 is membraneGo on four neurons per instruction: len(u) must
// be a multiple of 4, cur as long as u, and spk must have room for len(u)
// spikes. u[j] is neuron from + j. It returns the spikes it wrote to
// spk[0:]. Its operations and their order are membraneGo's, each rounded
// on its own, so the membranes are the same bits.
//
//go:noescape
func membraneAVX2(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) (spikes int)

// membraneAVX512 is membraneAVX2 on eight neurons per instruction:
// len(u) must be a multiple of 8.
//
//go:noescape
func membraneAVX512(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) (spikes int)

// MembraneKernel names the code that updates the membranes on this
// processor, here and on the integer path of package quant: "avx512"
// (eight neurons per instruction), "avx2" (four) or "go" (the plain Go
// loops, on processors without AVX2, other architectures and with the
// build tag purego). All give the same bits; benchmarks report it.
func MembraneKernel() string {
	switch {
	case simd.AVX512():
		return "avx512"
	case simd.AVX2():
		return "avx2"
	}
	return "go"
}

// membraneKernel is the signature of membraneAVX2 and membraneAVX512.
type membraneKernel func(u, cur []float64, beta, theta float64, zero bool, spk []int32, from int) int

// updateMembranes is membraneGo on all of u, in AVX-512 or AVX2 where the
// processor has it.
func updateMembranes(u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32 {
	switch {
	case simd.AVX512():
		return membraneVector(membraneAVX512, 8, u, cur, beta, theta, zero, spk)
	case simd.AVX2():
		return membraneVector(membraneAVX2, 4, u, cur, beta, theta, zero, spk)
	}
	return membraneGo(u, cur, beta, theta, zero, spk, 0)
}

// membraneVector runs kernel on the first multiple of width neurons and
// membraneGo on the rest.
func membraneVector(kernel membraneKernel, width int, u, cur []float64, beta, theta float64, zero bool, spk []int32) []int32 {
	n := len(u)
	cur = cur[:n]
	m := n - n%width
	if m > 0 {
		spk = slices.Grow(spk, m)
		k := kernel(u[:m], cur[:m], beta, theta, zero, spk[len(spk):cap(spk)], 0)
		spk = spk[:len(spk)+k]
	}
	return membraneGo(u[m:], cur[m:], beta, theta, zero, spk, m)
}
