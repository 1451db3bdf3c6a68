//go:build !amd64 || purego

package quant

// deliver32 adds the integers of the packed entries to an int32 ring at
// places base + offset, wrapping around its end: entries[:m] land below
// it (base + offset < len(ring)), entries[m:] wrap.
func deliver32(ring []int32, base int, entries []uint32, m int) { deliverGo(ring, base, entries, m) }
