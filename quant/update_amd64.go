//go:build amd64 && !purego

package quant

import (
	"slices"

	"golang.org/x/sys/cpu"
)

// updateAVX2 is updateGo on four neurons per instruction: len(u) must be
// a multiple of 4, cur and th as long as u, and spk must have room for
// len(u) spikes. u[j] is neuron from + j. It returns the spikes it wrote
// to spk[0:]. The integers are those of updateGo for every input (the
// products are taken mod 2^64, as Go's).
//
//go:noescape
func updateAVX2(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32, from int) (spikes int)

// updateMembranes is updateGo on all of u with int32 currents, in AVX2
// where the processor has it.
func updateMembranes(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32 {
	n := len(u)
	if !cpu.X86.HasAVX2 || n < 4 {
		return updateGo(u, cur, th, beta, zero, spk, 0)
	}
	cur, th = cur[:n], th[:n]
	m := n &^ 3
	spk = slices.Grow(spk, m)
	k := updateAVX2(u[:m], cur[:m], th[:m], beta, zero, spk[len(spk):cap(spk)], 0)
	spk = spk[:len(spk)+k]
	return updateGo(u[m:], cur[m:], th[m:], beta, zero, spk, m)
}
