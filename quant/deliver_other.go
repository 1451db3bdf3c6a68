//go:build !amd64 || purego

package quant

// addPacked32 is addPacked on an int32 ring.
func addPacked32(ring []int32, base int, entries []uint32) { addPacked(ring, base, entries) }
