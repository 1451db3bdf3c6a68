//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// canWrite reports whether this process may create files in the
// directory dir (access(2) with W_OK).
func canWrite(dir string) bool {
	return syscall.Access(dir, 2) == nil
}

// errLocked is returned by tryLock when another process holds the lock.
var errLocked = errors.New("locked by another process")

// tryLock takes an exclusive flock(2) on f without waiting; it returns
// errLocked if another open file holds one. The lock ends when f is
// closed or the process exits, however it exits.
func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
