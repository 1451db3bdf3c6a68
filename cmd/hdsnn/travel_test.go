package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
)

// TestParamsTravelWithWeights reproduces issue 9: weights made with
// --beta 0.9 --theta 0.6 --reset zero are recalled with those values when
// no flag is given, and a flag that differs wins with a note.
func TestParamsTravelWithWeights(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--out", data)
	pats := filepath.Join(data, "patterns.npy")
	ini := filepath.Join(dir, "init")
	mustRun(t, "init", "--patterns-file", pats, "--delays", "5", "--beta", "0.9", "--theta", "0.6", "--reset", "zero", "--pre", "7", "--trigger", "4", "--out", ini)
	weights := filepath.Join(ini, "weights.npy")
	scores := func(out string) network.Params {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, "scores.json"))
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Params network.Params `json:"params"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s.Params
	}
	r := mustRun(t, "recall", "--weights", weights, "--patterns-file", pats, "--out", filepath.Join(dir, "r1"))
	p := scores(filepath.Join(dir, "r1"))
	if p.Beta != 0.9 || p.Theta != 0.6 || p.Reset != network.Zero || p.Pre != 7 || p.Trigger != 4 {
		t.Errorf("recall without flags used %+v, want the sidecar's β 0.9, θ 0.6, zero reset, pre 7, trigger 4", p)
	}
	if strings.Contains(r.stderr, "note:") {
		t.Errorf("notes without flags: %s", r.stderr)
	}
	r = mustRun(t, "recall", "--weights", weights, "--patterns-file", pats, "--beta", "0.8", "--theta", "0.6", "--out", filepath.Join(dir, "r2"))
	if p := scores(filepath.Join(dir, "r2")); p.Beta != 0.8 || p.Theta != 0.6 {
		t.Errorf("recall --beta 0.8 used β %v, θ %v", p.Beta, p.Theta)
	}
	if !strings.Contains(r.stderr, "note: --beta 0.8 differs from the 0.9 that") || strings.Contains(r.stderr, "--theta") {
		t.Errorf("want one note on --beta, got:\n%s", r.stderr)
	}
}

// TestResumeKeepsSettings reproduces issue 9: train --resume with other
// --lr, --optimizer and --beta is refused naming each, --epochs on resume
// is the total, and run --resume works without the original flags.
func TestResumeKeepsSettings(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--out", data)
	pats := filepath.Join(data, "patterns.npy")
	mustRun(t, "init", "--patterns-file", pats, "--delays", "5", "--out", filepath.Join(dir, "i"))
	out := filepath.Join(dir, "t")
	mustRun(t, "train", "--weights", filepath.Join(dir, "i", "weights.npy"), "--patterns-file", pats,
		"--epochs", "2", "--keep-best=false", "--keep-checkpoints", "--out", out)
	r := runHdsnn(t, "train", "--patterns-file", pats, "--resume", "--force", "--lr", "0.5", "--optimizer", "sgd", "--beta", "0.2", "--out", out)
	for _, want := range []string{"--lr 0.5 (the run was started with 0.01)", "--optimizer sgd (the run was started with adam)", "--beta 0.2 (the run was started with 0.7)"} {
		if r.err == nil || !strings.Contains(r.err.Error(), want) {
			t.Errorf("resume with other settings: %v, want it to name %q", r.err, want)
		}
	}
	if r := runHdsnn(t, "train", "--patterns-file", pats, "--resume", "--force", "--epochs", "1", "--out", out); r.err == nil || !strings.Contains(r.err.Error(), "2 epochs are already done") {
		t.Errorf("--epochs below the epochs done: %v", r.err)
	}
	r = mustRun(t, "train", "--patterns-file", pats, "--resume", "--force", "--epochs", "3", "--keep-checkpoints", "--out", out)
	if !strings.Contains(r.stderr, "--epochs 3 is the run's new total (it was started with 2)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	run := filepath.Join(dir, "run")
	mustRun(t, append([]string{"run", "--out", run, "--keep-checkpoints", "--keep-best=false", "--seed", "3"}, tiny()...)...)
	r = runHdsnn(t, "run", "--out", run, "--resume", "--force", "--lr", "0.5", "--neurons", "64")
	if r.err == nil || !strings.Contains(r.err.Error(), "--lr 0.5 (the run was started with 0.01)") || !strings.Contains(r.err.Error(), "--neurons 64 (the run was started with 32)") || strings.Contains(r.err.Error(), "{") {
		t.Errorf("run --resume with other flags: %v", r.err)
	}
	mustRun(t, "run", "--out", run, "--resume", "--force", "--epochs", "2")
	rep := readReport(t, run)
	if rep.Benchmark.Patterns.N != 32 || rep.Benchmark.Seed != 3 || len(rep.History) != 2 {
		t.Errorf("resumed without the flags: N = %d, seed %d, %d epochs; want 32, 3, 2", rep.Benchmark.Patterns.N, rep.Benchmark.Seed, len(rep.History))
	}
}
