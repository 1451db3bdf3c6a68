//go:build unix

package network

import "syscall"

// addressSpaceLimit returns the soft limit of the address space (ulimit
// -v) in bytes, or 0 if there is none.
func addressSpaceLimit() float64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur >= 1<<62 {
		return 0
	}
	return float64(lim.Cur)
}
