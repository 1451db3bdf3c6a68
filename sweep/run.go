package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RunOptions configure Run.
type RunOptions struct {
	// Exe is the hdsnn binary every task runs.
	Exe string
	// Out is the sweep's output directory; task t writes into
	// TaskDir(Out, t.ID).
	Out string
	// Jobs is the number of tasks run at once (0: all cores). Each task
	// gets GOMAXPROCS = cores / Jobs (at least 1) unless the environment
	// sets GOMAXPROCS; results do not depend on it. Cores are
	// runtime.NumCPU(), or SLURM_CPUS_PER_TASK when that is smaller.
	Jobs int
	// Env is added to the tasks' environment.
	Env []string
	// Grace is how long a task may take to stop after the interrupt it is
	// sent when ctx is cancelled, before it is killed (0: 10 s).
	Grace time.Duration
	// Progress, if not nil, is called with the number of tasks settled
	// (done, skipped or failed) and the total, at the start and after
	// every task.
	Progress func(settled, total int)
	// Log, if not nil, gets one line per task that finishes or fails.
	Log io.Writer
}

// Report says what Run did, by task index.
type Report struct {
	Ran, Skipped, Failed, Busy []int
}

// Run runs the tasks on a pool of o.Jobs workers. A task already done
// (DoneFile exists) is skipped; a task whose last run failed is run again.
// Each task is a subprocess
//
//	Exe experiment <study> <flags> --seed s --seeds k --out <Out>/tasks/<id>
//
// with its output appended to LogFile in its directory. When it exits 0,
// DoneFile is written atomically (last) with the checksum of the CSV the
// experiment wrote; when it fails, FailedFile records the exit status and
// the end of its output. A task locked by another process (flock on its
// directory's lock file, as when two array elements overlap) is left to
// it and reported Busy.
//
// When ctx is cancelled no new task starts and running ones are sent an
// interrupt (killed after o.Grace); they are neither done nor failed, and
// the experiment CSV they leave is resumed by the next run. Run then
// returns ctx's error. It returns an error naming the failures when some
// task failed.
func Run(ctx context.Context, p Plan, tasks []Task, o RunOptions) (Report, error) {
	jobs, env := o.workers()

	var (
		mu      sync.Mutex
		rep     Report
		settled int
	)
	progress := func() {
		if o.Progress != nil {
			o.Progress(settled, len(tasks))
		}
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	mu.Lock()
	progress()
	mu.Unlock()

	next := make(chan Task)
	var wg sync.WaitGroup
	for range min(jobs, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				res, err := runTask(ctx, p, t, o, env)
				mu.Lock()
				rep.record(t, res, err, o.Out, logf)
				if res != stopped {
					settled++
				}
				progress()
				mu.Unlock()
			}
		}()
	}
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- t:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("sweep stopped: %d tasks done in this run, the unfinished ones are not marked done: %w", len(rep.Ran), err)
	}
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("%d of %d tasks failed (tasks %v); see failed.json and log.txt in their directories", len(rep.Failed), len(tasks), rep.Failed)
	}
	return rep, nil
}

// workers returns the number of tasks run at once (o.Jobs, or the cores)
// and the environment of each, which splits the cores among them; it sets
// the default grace period.
func (o *RunOptions) workers() (jobs int, env []string) {
	cores := runtime.NumCPU()
	// Without CPU affinity (Slurm's task/none) NumCPU counts the whole
	// node; the allocation is what Slurm says.
	if n, err := strconv.Atoi(os.Getenv("SLURM_CPUS_PER_TASK")); err == nil && n > 0 && n < cores {
		cores = n
	}
	jobs = o.Jobs
	if jobs <= 0 {
		jobs = cores
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	env = os.Environ()
	if os.Getenv("GOMAXPROCS") == "" {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(max(1, cores/jobs)))
	}
	return jobs, append(env, o.Env...)
}

// record files the outcome res of task t in r and logs it.
func (r *Report) record(t Task, res outcome, err error, out string, logf func(string, ...any)) {
	switch res {
	case skipped:
		r.Skipped = append(r.Skipped, t.Index)
	case busy:
		r.Busy = append(r.Busy, t.Index)
		logf("task %d (%s): running in another process, left to it", t.Index, t.ID)
	case ran:
		r.Ran = append(r.Ran, t.Index)
		logf("task %d (%s): done", t.Index, t.ID)
	case failed:
		r.Failed = append(r.Failed, t.Index)
		logf("task %d (%s): FAILED: %v (log: %s)", t.Index, t.ID, err, filepath.Join(TaskDir(out, t.ID), LogFile))
	case stopped:
		logf("task %d (%s): interrupted; not done", t.Index, t.ID)
	}
}

// outcome is what happened to one task in Run.
type outcome int

const (
	skipped outcome = iota
	busy
	ran
	failed
	stopped
)

// runTask runs one task unless it is done or locked.
func runTask(ctx context.Context, p Plan, t Task, o RunOptions, env []string) (outcome, error) {
	dir := TaskDir(o.Out, t.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failed, err
	}
	if st, _, _, err := Status(o.Out, t.ID); err == nil && st == Finished {
		return skipped, nil
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return failed, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return busy, nil
		}
		return failed, fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it too
	// Another process may have finished it while we waited for the lock.
	if st, _, _, err := Status(o.Out, t.ID); err == nil && st == Finished {
		return skipped, nil
	}
	if err := os.Remove(filepath.Join(dir, FailedFile)); err != nil && !os.IsNotExist(err) {
		return failed, err
	}
	host, _ := os.Hostname() // for the record only
	args := append(t.Args(p.Spec.Experiment), "--out", dir)
	command := append([]string{o.Exe}, args...)
	logPath := filepath.Join(dir, LogFile)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return failed, err
	}
	defer logf.Close()
	start := time.Now()
	fmt.Fprintf(logf, "=== %s on %s: %s\n", start.UTC().Format(time.RFC3339), host, Quote(command))

	cmd := exec.CommandContext(ctx, o.Exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = o.Grace
	runErr := cmd.Run()
	secs := time.Since(start).Seconds()
	if runErr != nil && ctx.Err() != nil {
		fmt.Fprintf(logf, "=== interrupted after %.1f s\n", secs)
		return stopped, ctx.Err()
	}
	if runErr == nil {
		csv, err := resultCSV(dir)
		if err == nil {
			var sum string
			var rows int
			if sum, rows, err = checksum(filepath.Join(dir, csv)); err == nil {
				d := Done{ID: t.ID, Index: t.Index, Command: command, Exit: 0, Seconds: secs, CSV: csv, SHA256: sum, Rows: rows, Host: host}
				if err = writeJSON(filepath.Join(dir, DoneFile), d); err == nil {
					fmt.Fprintf(logf, "=== done in %.1f s\n", secs)
					return ran, nil
				}
			}
		}
		runErr = err
	}
	exit := -1
	var ee *exec.ExitError
	if errors.As(runErr, &ee) {
		exit = ee.ExitCode()
	}
	fmt.Fprintf(logf, "=== failed after %.1f s: %v\n", secs, runErr)
	logf.Sync() //nolint:errcheck // the tail below is a diagnostic
	f := Failed{ID: t.ID, Index: t.Index, Command: command, Exit: exit, Seconds: secs, Error: runErr.Error(),
		Stderr: tail(logPath, 2000), Host: host}
	if err := writeJSON(filepath.Join(dir, FailedFile), f); err != nil {
		return failed, fmt.Errorf("%v; recording it: %w", runErr, err)
	}
	return failed, runErr
}

// Chunk returns the tasks of chunk i of size c (tasks i·c … i·c+c−1), as
// run by element i of a job array.
func (p Plan) Chunk(i, c int) ([]Task, error) {
	if c < 1 {
		return nil, fmt.Errorf("--chunk = %d: need at least one task per chunk", c)
	}
	n := p.Chunks(c)
	if i < 0 || i >= n {
		return nil, fmt.Errorf("--task-index = %d: the plan has %d tasks, so chunks of %d are numbered 0 … %d", i, len(p.Tasks), c, n-1)
	}
	return p.Tasks[i*c : min((i+1)*c, len(p.Tasks))], nil
}

// Chunks returns the number of chunks of size c.
func (p Plan) Chunks(c int) int { return (len(p.Tasks) + c - 1) / c }
