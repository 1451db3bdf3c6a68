package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tiny returns the sizes the tests use for "hdsnn run", small enough to
// run in milliseconds, followed by more arguments.
func tiny(more ...string) []string {
	return append([]string{"--neurons", "32", "--patterns", "2", "--steps", "60", "--delays", "5", "--epochs", "1", "--p-a", "0.02"}, more...)
}

// result is the outcome of one in-process run of the command.
type result struct {
	stdout, stderr string
	err            error
}

// runHdsnn runs a fresh command tree with args in-process and captures its
// output.
func runHdsnn(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&errb)
	err := execute(context.Background(), root, args)
	return result{out.String(), errb.String(), err}
}

// mustRun runs the command and fails the test if it fails.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := runHdsnn(t, args...)
	if r.err != nil {
		t.Fatalf("hdsnn %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// requireFiles fails the test unless every named file exists in dir and is
// not empty.
func requireFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Errorf("missing output: %v", err)
		} else if fi.Size() == 0 {
			t.Errorf("%s is empty", filepath.Join(dir, n))
		}
	}
}

// denseRunOutputs returns the files "hdsnn run" writes with dense weights:
// runOutputs without weights.npz.
func denseRunOutputs() []string {
	return slices.DeleteFunc(runOutputs(), func(name string) bool { return name == "weights.npz" })
}

// denseTrainOutputs returns the files "hdsnn train" writes with dense
// weights: trainOutputs without weights.npz.
func denseTrainOutputs() []string {
	return slices.DeleteFunc(trainOutputs(), func(name string) bool { return name == "weights.npz" })
}
