//go:build amd64 && !purego

package quant

// addPackedAVX512 is addPacked on an int32 ring, sixteen entries per
// instruction with AVX-512 gathers and scatters. The offsets base + e>>8
// of the entries must be distinct and inside ring, as those of one
// spike's synapses in IntNet.send are: the scatters are not
// bounds-checked.
//
//go:noescape
func addPackedAVX512(ring []int32, base int, entries []uint32)

// addPacked32 is addPacked on an int32 ring, in AVX-512 where the
// processor has it. The offsets of the entries must be distinct.
func addPacked32(ring []int32, base int, entries []uint32) {
	if hasAVX512() {
		addPackedAVX512(ring, base, entries)
		return
	}
	addPacked(ring, base, entries)
}
