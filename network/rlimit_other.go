//go:build !unix

package network

// addressSpaceLimit returns 0: no address-space limit is known here.
func addressSpaceLimit() float64 { return 0 }
