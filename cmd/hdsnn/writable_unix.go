//go:build unix

package main

import "syscall"

// canWrite reports whether this process may create files in the
// directory dir (access(2) with W_OK).
func canWrite(dir string) bool {
	return syscall.Access(dir, 2) == nil
}
