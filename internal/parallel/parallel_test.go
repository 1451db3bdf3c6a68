package parallel

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		var calls atomic.Int64
		out := make([]int, 100)
		if err := For(len(out), func(i int) error { calls.Add(1); out[i] = i * i; return nil }); err != nil {
			t.Fatal(err)
		}
		for i, v := range out {
			if v != i*i {
				t.Fatalf("GOMAXPROCS %d: index %d not run", procs, i)
			}
		}
		if calls.Load() != 100 {
			t.Errorf("GOMAXPROCS %d: %d calls, want 100", procs, calls.Load())
		}
		err := For(50, func(i int) error {
			if i == 7 || i == 30 {
				return fmt.Errorf("job %d", i)
			}
			return nil
		})
		if err == nil || err.Error() != "job 7" {
			t.Errorf("GOMAXPROCS %d: error %v, want the lowest failing index (job 7)", procs, err)
		}
	}
	if err := For(0, func(int) error { return errors.New("never") }); err != nil {
		t.Errorf("no jobs: %v", err)
	}
}

// TestForStopsAfterError checks that no new job starts once one has
// failed, so a cancelled context stops the loop at once.
func TestForStopsAfterError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	// The error exists before the loop: made inside job 3, its allocation
	// (at times microseconds, when the allocator refills) kept job 3
	// running while the other workers legitimately started hundreds of
	// jobs, and the test failed about half the time on a 2-core VM.
	stop := errors.New("stop")
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		var calls atomic.Int64
		err := For(10000, func(i int) error {
			calls.Add(1)
			if i == 3 {
				return stop
			}
			return nil
		})
		if err == nil || err.Error() != "stop" {
			t.Errorf("GOMAXPROCS %d: error %v, want stop", procs, err)
		}
		if c := calls.Load(); c > 3+int64(procs)+1 {
			t.Errorf("GOMAXPROCS %d: %d jobs ran after the failure of job 3", procs, c)
		}
	}
}
