//go:build amd64 && !purego

package quant

import (
	"slices"

	"github.com/hdsnn/hdsnn/internal/simd"
)

// updateAVX2 is updateGo on four neurons per instruction: len(u) must be
// a multiple of 4, cur and th as long as u, and spk must have room for
// len(u) spikes. u[j] is neuron from + j. It returns the spikes it wrote
// to spk[0:]. The integers are those of updateGo for every input (the
// products are taken mod 2^64, as Go's).
//
//go:noescape
func updateAVX2(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) (spikes int)

// updateAVX512 is updateAVX2 on eight neurons per instruction, with
// AVX-512's 64-bit multiply and arithmetic shift: len(u) must be a
// multiple of 8.
//
//go:noescape
func updateAVX512(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) (spikes int)

// updateKernel is the signature of updateAVX2 and updateAVX512.
type updateKernel func(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) int

// updateMembranes is updateGo on all of u with int32 currents, in AVX-512
// or AVX2 where the processor has it.
func updateMembranes(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32 {
	switch {
	case simd.AVX512():
		return updateVector(updateAVX512, 8, u, cur, th, beta, zero, spk)
	case simd.AVX2():
		return updateVector(updateAVX2, 4, u, cur, th, beta, zero, spk)
	}
	return updateGo(u, cur, th, beta, zero, spk, 0)
}

// updateVector runs kernel on the first multiple of width neurons and
// updateGo on the rest.
func updateVector(kernel updateKernel, width int, u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32 {
	n := len(u)
	cur, th = cur[:n], th[:n]
	m := n - n%width
	if m > 0 {
		spk = slices.Grow(spk, m)
		k := kernel(u[:m], cur[:m], th[:m], beta, zero, spk[len(spk):cap(spk)], 0)
		spk = spk[:len(spk)+k]
	}
	return updateGo(u[m:], cur[m:], th[m:], beta, zero, spk, m)
}
