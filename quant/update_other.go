//go:build !amd64 || purego

package quant

// updateMembranes is updateGo on all of u with int32 currents.
func updateMembranes(u []int64, cur []int32, th []int64, beta int64, zero bool, spk []int32) []int32 {
	return updateGo(u, cur, th, beta, zero, spk, 0)
}
