package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/learn"
)

// lockName is the file in --out that a running command holds an exclusive
// lock on, so that two runs never write into one directory at once.
const lockName = ".hdsnn.lock"

// session holds what one execution of the command tree must release when
// it returns: the locks on its output directories.
type session struct {
	mu    sync.Mutex
	locks []*os.File
}

// sessionKey is the context key of the session.
type sessionKey struct{}

// withSession returns ctx carrying a new session.
func withSession(ctx context.Context) (context.Context, *session) {
	s := &session{}
	return context.WithValue(ctx, sessionKey{}, s), s
}

// release drops every lock of the session.
func (s *session) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.locks {
		f.Close()
	}
	s.locks = nil
}

// lockOut takes the exclusive lock of the output directory dir (which
// must exist) for the rest of the command, or fails at once if another
// run holds it.
func lockOut(ctx context.Context, dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return fmt.Errorf("--out %s is in use: another hdsnn command is writing into it now; wait for it to finish or choose another --out", dir)
		}
		return fmt.Errorf("--out %s: locking: %w", dir, err)
	}
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		s.mu.Lock()
		s.locks = append(s.locks, f)
		s.mu.Unlock()
	} // else the lock lasts until the process exits
	return nil
}

// makeOut creates the output directory once every input is validated,
// locks it for the rest of the command and removes what a killed run left
// there: hidden temporary files and orphaned checkpoint epochs.
func makeOut(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := lockOut(ctx, dir); err != nil {
		return err
	}
	if err := atomicfile.RemoveTemps(dir); err != nil {
		return fmt.Errorf("--out: removing the temporary files of an interrupted run: %w", err)
	}
	if err := learn.CleanCheckpoints(filepath.Join(dir, checkpointDir)); err != nil {
		return fmt.Errorf("--out: cleaning the checkpoint of an interrupted run: %w", err)
	}
	return nil
}

// removeCheckpoints removes the checkpoint directory of a finished run,
// unless keep is set.
func removeCheckpoints(dir string, keep bool) error {
	if keep {
		return nil
	}
	if err := os.RemoveAll(filepath.Join(dir, checkpointDir)); err != nil {
		return fmt.Errorf("removing the checkpoint of the finished run (--keep-checkpoints keeps it): %w", err)
	}
	return nil
}
