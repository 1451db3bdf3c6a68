package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// graceAfterSignal is how long a command may take to stop cleanly after
// the first SIGINT or SIGTERM before the process exits anyway. Work checks
// its context often enough to stop well within it; the limit is a
// guarantee, not the mechanism.
const graceAfterSignal = 2500 * time.Millisecond

// interrupts turns SIGINT and SIGTERM into the cancellation of a context:
// the first signal cancels it (the command stops, saving a checkpoint where
// it has one), a second one, or the grace period running out, exits at
// once. The exit status is 128 + the signal's number: 130 for SIGINT, 143
// for SIGTERM.
type interrupts struct {
	mu     sync.Mutex
	sig    syscall.Signal // the first signal received, 0 if none
	cancel context.CancelFunc
	ch     chan os.Signal
	stderr io.Writer
	grace  time.Duration
	exit   func(int)
}

// watchSignals returns a context that the first SIGINT or SIGTERM
// cancels, and the watcher; call stop when the command returns.
func watchSignals(stderr io.Writer, grace time.Duration, exit func(int)) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{cancel: cancel, ch: make(chan os.Signal, 2), stderr: stderr, grace: grace, exit: exit}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	return ctx, in
}

// loop handles the signals until stop closes the channel.
func (in *interrupts) loop() {
	for s := range in.ch {
		sig, _ := s.(syscall.Signal)
		in.mu.Lock()
		first := in.sig == 0
		if first {
			in.sig = sig
		}
		in.mu.Unlock()
		if !first {
			fmt.Fprintf(in.stderr, "\nhdsnn: second signal (%v): exiting at once\n", s)
			in.exit(status(sig))
			return
		}
		fmt.Fprintf(in.stderr, "\nhdsnn: %v: stopping (send it again to exit at once)\n", s)
		in.cancel()
		time.AfterFunc(in.grace, func() {
			fmt.Fprintf(in.stderr, "hdsnn: did not stop within %v of %v: exiting\n", in.grace, s)
			in.exit(status(sig))
		})
	}
}

// stop stops watching and returns the exit status a received signal
// calls for, or 0.
func (in *interrupts) stop() int {
	signal.Stop(in.ch)
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.sig == 0 {
		return 0
	}
	return status(in.sig)
}

// status is the conventional exit status after signal s: 128 + its number.
func status(s syscall.Signal) int {
	if s == 0 {
		return 1
	}
	return 128 + int(s)
}
