//go:build amd64 && !purego

package quant

import "github.com/hdsnn/hdsnn/internal/simd"

// addPackedAVX512 adds the integer of every packed entry to the current
// at ring place (base + its offset) mod len(ring), sixteen entries per
// instruction with AVX-512 gathers and scatters. base and every offset
// must be in [0, len(ring)) and the places distinct, as those of one
// spike's synapses in intTrial.send are: the scatters are not
// bounds-checked.
//
//go:noescape
func addPackedAVX512(ring []int32, base int, entries []uint32)

// deliver32 adds the integers of the packed entries to an int32 ring at
// places base + offset, wrapping around its end: entries[:m] land below
// it (base + offset < len(ring)), entries[m:] wrap. In AVX-512 where the
// processor has it, in one pass; the places must be distinct.
func deliver32(ring []int32, base int, entries []uint32, m int) {
	if simd.AVX512() {
		addPackedAVX512(ring, base, entries)
		return
	}
	deliverGo(ring, base, entries, m)
}
