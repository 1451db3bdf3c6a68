package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// builtBinary caches the hdsnn binary the subprocess tests run.
var builtBinary struct {
	once sync.Once
	path string
	err  error
}

// hdsnnBinary builds the command once per test binary and returns its path.
func hdsnnBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	builtBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "hdsnn-bin")
		if err != nil {
			builtBinary.err = err
			return
		}
		builtBinary.path = filepath.Join(dir, "hdsnn")
		out, err := exec.Command("go", "build", "-o", builtBinary.path, ".").CombinedOutput()
		if err != nil {
			builtBinary.err = errors.New(string(out))
		}
	})
	if builtBinary.err != nil {
		t.Fatalf("go build: %v", builtBinary.err)
	}
	return builtBinary.path
}

// proc is a started hdsnn subprocess.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

// startHdsnn starts the binary with args.
func startHdsnn(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(hdsnnBinary(t), args...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

// wait waits up to limit for the process to exit and returns its exit
// status.
func (p *proc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("did not exit within %v; stderr:\n%s", limit, p.stderr.String())
		return -1
	}
}

// stillRunning fails the test if the process has already exited.
func (p *proc) stillRunning(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		t.Fatalf("exited before the signal (%v); stdout:\n%s\nstderr:\n%s", err, p.stdout.String(), p.stderr.String())
	default:
	}
}

// noFiles fails the test if dir holds any of the named files.
func noFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s exists after an interrupted run", filepath.Join(dir, n))
		}
	}
}

// TestSignalsStopLongWork sends a real SIGINT or SIGTERM to the long
// stages of the pipeline: generation, the pseudo-inverse and an exact
// epoch. Each must stop within 3 s, with status 130 (SIGINT) or 143
// (SIGTERM), and leave no output set behind.
func TestSignalsStopLongWork(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(hdsnnBinary(t), "generate", "--out", data).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	pats := filepath.Join(data, "patterns.npy")
	for _, tc := range []struct {
		name  string
		args  []string
		after time.Duration
		sig   syscall.Signal
		want  int
		files []string
	}{
		{"generate", []string{"generate", "--neurons", "200000", "--patterns", "8", "--steps", "2000"}, time.Second, syscall.SIGINT, 130, []string{"patterns.npy"}},
		{"generate-sigterm", []string{"generate", "--neurons", "200000", "--patterns", "8", "--steps", "2000"}, time.Second, syscall.SIGTERM, 143, []string{"patterns.npy"}},
		{"pinv", []string{"init", "--init", "pinv", "--patterns-file", pats}, time.Second, syscall.SIGINT, 130, []string{"weights.npy", "weights.json"}},
		{"experiment", []string{"experiment", "scan", "--param", "neurons", "--values", "1024", "--seeds", "2", "--keep-best=false"}, 2 * time.Second, syscall.SIGINT, 130, []string{"scan-neurons.png"}},
		{"exact-epoch", []string{"run", "--surrogate-support", "0", "--keep-best=false", "--epochs", "2"}, 2 * time.Second, syscall.SIGINT, 130, []string{"weights.npy", "weights.json", "report.json", "manifest.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name)
			p := startHdsnn(t, append(tc.args, "--out", out)...)
			time.Sleep(tc.after)
			p.stillRunning(t)
			sent := time.Now()
			if err := p.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			code := p.wait(t, 3*time.Second)
			t.Logf("%s: exit %d after %v; stderr: %s", tc.name, code, time.Since(sent).Round(time.Millisecond), p.stderr.String())
			if code != tc.want {
				t.Errorf("exit status %d, want %d", code, tc.want)
			}
			if strings.Contains(p.stderr.String(), "did not stop within") {
				t.Errorf("stopped only by the grace-period exit, not by its context")
			}
			noFiles(t, out, tc.files...)
		})
	}
}

// TestSecondSignalExitsAtOnce checks that a second SIGINT ends the process
// at once, whatever it is doing.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "g")
	p := startHdsnn(t, "generate", "--neurons", "200000", "--patterns", "8", "--steps", "2000", "--out", out)
	time.Sleep(time.Second)
	p.stillRunning(t)
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.wait(t, time.Second); code != 130 {
		t.Errorf("exit status %d, want 130", code)
	}
}

// TestWatchSignals checks the signal watcher in-process: the first
// SIGTERM cancels the context and, if the command does not return, the
// grace period exits with 143; a second signal exits at once.
func TestWatchSignals(t *testing.T) {
	var stderr bytes.Buffer
	exits := make(chan int, 4)
	ctx, in := watchSignals(&stderr, 200*time.Millisecond, func(code int) { exits <- code })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	select {
	case code := <-exits:
		if code != 143 {
			t.Errorf("grace exit with %d, want 143", code)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no exit after the grace period")
	}
	start := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exits:
		if code != 130 || time.Since(start) > 150*time.Millisecond {
			t.Errorf("second signal (SIGINT): exit %d after %v, want 130 at once", code, time.Since(start))
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a second signal did not exit")
	}
	if code := in.stop(); code != 143 {
		t.Errorf("stop() = %d, want 143", code)
	}
}
