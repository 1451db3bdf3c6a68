package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// storeSizes are small sizes at which margin storage takes well under a
// second: 96 neurons, 10 delays, patterns of 120 steps at rate 0.01.
var storeSizes = []string{"--delays", "10", "--pre", "0", "--post", "10", "--p-a", "0.01"}

func generateFor(t *testing.T, dir string, m, seed int) string {
	t.Helper()
	mustRun(t, "generate", "--neurons", "96", "--patterns", strconv.Itoa(m), "--steps", "120", "--p-a", "0.01", "--seed", strconv.Itoa(seed), "--out", dir)
	return filepath.Join(dir, "patterns.npy")
}

func readStoreReport(t *testing.T, dir string) storeReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "store.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r storeReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStoreCommand(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, filepath.Join(dir, "a"), 12, 1)
	out := filepath.Join(dir, "stored")
	r := mustRun(t, append([]string{"store", "--patterns-file", pats, "--out", out, "--margin", "0.2"}, storeSizes...)...)
	requireFiles(t, out, "weights.npy", "weights.json", "cues.npy", "store.json")
	if !strings.Contains(r.stdout, "stored 12 patterns (12 new)") || !strings.Contains(r.stdout, "recall new") {
		t.Errorf("summary missing:\n%s", r.stdout)
	}
	rep := readStoreReport(t, out)
	if rep.Solver.Converged != 96 || rep.RecallNew.F1 < 0.999 {
		t.Fatalf("converged %d/96, recall F1 %v", rep.Solver.Converged, rep.RecallNew.F1)
	}
	if _, err := os.Stat(filepath.Join(out, checkpointDir)); !os.IsNotExist(err) {
		t.Errorf("checkpoint left after a finished store: %v", err)
	}
	cues, err := raster.ReadNPY(filepath.Join(out, "cues.npy"))
	if err != nil || cues.M() != 12 || cues.T != 10 {
		t.Fatalf("cues.npy: %v (want 12 cues of 10 steps)", err)
	}

	// Incremental: add 12 more patterns without the first 12 files.
	more := generateFor(t, filepath.Join(dir, "b"), 12, 2)
	out2 := filepath.Join(dir, "stored2")
	r = mustRun(t, append([]string{"store", "--weights", filepath.Join(out, "weights.npy"), "--patterns-file", more, "--out", out2, "--margin", "0.2"}, storeSizes...)...)
	rep = readStoreReport(t, out2)
	if rep.Patterns.Old != 12 || rep.Patterns.New != 12 || rep.RecallOld == nil {
		t.Fatalf("incremental report: %+v", rep.Patterns)
	}
	if rep.RecallOld.F1 < 0.999 || rep.RecallNew.F1 < 0.999 {
		t.Fatalf("after adding: old F1 %v, new F1 %v", rep.RecallOld.F1, rep.RecallNew.F1)
	}
	// The rehearsed patterns are the originals: recall of the original
	// first set with the new weights is perfect.
	w, _, err := network.ReadWeights(filepath.Join(out2, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := raster.ReadNPY(pats)
	p := rep.Params
	cnt, _, err := network.Recall(w, p, orig, 7, 0)
	if err != nil || cnt.F1() < 0.999 {
		t.Fatalf("original first set after adding: F1 %v, %v", cnt.F1(), err)
	}
	if !strings.Contains(r.stdout, "recall old") {
		t.Errorf("no old recall in:\n%s", r.stdout)
	}
}

func TestStoreResume(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, dir, 12, 3)
	args := append([]string{"store", "--patterns-file", pats, "--margin", "0.2"}, storeSizes...)
	whole := filepath.Join(dir, "whole")
	mustRun(t, append(args, "--out", whole)...)

	// A checkpoint as an interrupted run leaves it: the first 20 neurons
	// solved, with the weights of the whole run in their columns.
	part := filepath.Join(dir, "part")
	ck := filepath.Join(part, checkpointDir)
	w, _, err := network.ReadWeights(filepath.Join(whole, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	solved := make([]bool, w.N)
	for j := range w.N {
		if j < 20 {
			solved[j] = true
			continue
		}
		for r := 0; r < w.N*w.D; r++ {
			w.W[r*w.N+j] = 0 // unsolved neurons keep the zero start
		}
	}
	set, _ := raster.ReadNPY(pats)
	rep := readStoreReport(t, whole)
	s := &storeCheckpoint{dir: ck, solved: solved}
	if err := s.save(w, rep.Params, set); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, append(args, "--out", part, "--resume")...)
	if !strings.Contains(r.stderr, "20 of 96 neurons already solved") {
		t.Errorf("resume note missing:\n%s", r.stderr)
	}
	a, _, _ := network.ReadWeights(filepath.Join(whole, "weights.npy"))
	b, _, _ := network.ReadWeights(filepath.Join(part, "weights.npy"))
	if !slices.Equal(a.W, b.W) {
		t.Fatal("resumed store differs from an uninterrupted one")
	}
	// A changed setting is refused on resume.
	if err := s.save(w, rep.Params, set); err != nil {
		t.Fatal(err)
	}
	bad := runHdsnn(t, append(args, "--out", part, "--resume", "--force", "--theta", "0.7")...)
	if bad.err == nil || !strings.Contains(bad.err.Error(), "pass the same flags") {
		t.Fatalf("changed θ on resume: %v", bad.err)
	}
}

func TestStoreBadFlags(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, dir, 2, 1)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--margin", "-1"}, "margin = -1"},
		{[]string{"--margin", "NaN"}, "margin = NaN"},
		{[]string{"--jitter", "1"}, "set the number of trials together"},
		{[]string{"--start", "pinv"}, `--start "pinv" is not known`},
		{[]string{"--rate", "3"}, "rate = 3"},
	}
	for _, tc := range cases {
		args := append([]string{"store", "--patterns-file", pats, "--out", filepath.Join(dir, "o")}, storeSizes...)
		r := runHdsnn(t, append(args, tc.args...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.args, r.err, tc.want)
		}
	}
}

func TestExperimentIncremental(t *testing.T) {
	out := filepath.Join(t.TempDir(), "inc")
	r := mustRun(t, "experiment", "incremental", "--quick", "--out", out)
	requireFiles(t, out, "incremental.csv", "incremental.png", "incremental.svg")
	b, err := os.ReadFile(filepath.Join(out, "incremental.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 13 || !strings.HasPrefix(lines[0], "rule,stored,") || !strings.HasPrefix(lines[6], "margin,24,") || !strings.HasPrefix(lines[12], "hebbian,24,") {
		t.Errorf("incremental.csv:\n%s", b)
	}
	if !strings.Contains(r.stderr, "margin, 24 stored: F1 1.0000") {
		t.Errorf("progress:\n%s", r.stderr)
	}
	if bad := runHdsnn(t, "experiment", "incremental", "--quick", "--rules", "oja", "--out", out+"2"); bad.err == nil || !strings.Contains(bad.err.Error(), "oja") {
		t.Errorf("unknown rule: %v", bad.err)
	}
}

// TestInitMargin checks that init --init margin stores by margin learning
// (the store command from zero weights), not by the Hebbian rule.
func TestInitMargin(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, dir, 12, 5)
	out := filepath.Join(dir, "m")
	r := mustRun(t, append([]string{"init", "--init", "margin", "--patterns-file", pats, "--out", out, "--margin", "0.2"}, storeSizes...)...)
	if !strings.Contains(r.stdout, "stored 12 patterns (12 new) with margin κ = 0.2") {
		t.Fatalf("init --init margin did not store by margin:\n%s", r.stdout)
	}
	requireFiles(t, out, "weights.npy", "weights.json", "cues.npy", "store.json")
	if rep := readStoreReport(t, out); rep.RecallNew.F1 < 0.999 {
		t.Errorf("recall F1 %v", rep.RecallNew.F1)
	}
}

// TestStoreInterrupted cancels a store (as SIGINT does) and resumes it:
// the interrupted run leaves a checkpoint and says how to continue, and
// the resumed run ends with the weights of an uninterrupted one.
func TestStoreInterrupted(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, dir, 12, 6)
	args := append([]string{"store", "--patterns-file", pats, "--margin", "0.2"}, storeSizes...)
	whole := filepath.Join(dir, "whole")
	mustRun(t, append(args, "--out", whole)...)

	part := filepath.Join(dir, "part")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&errb)
	err := execute(ctx, root, append(args, "--out", part))
	if err == nil || !strings.Contains(err.Error(), "continue with --resume") {
		t.Fatalf("interrupted store: %v", err)
	}
	requireFiles(t, filepath.Join(part, checkpointDir), "weights.npy", storeStateFile)
	mustRun(t, append(args, "--out", part, "--resume")...)
	a, _, _ := network.ReadWeights(filepath.Join(whole, "weights.npy"))
	b, _, _ := network.ReadWeights(filepath.Join(part, "weights.npy"))
	if a == nil || b == nil || !slices.Equal(a.W, b.W) {
		t.Fatal("resumed store differs from an uninterrupted one")
	}
}

// TestStoreSparse stores on a fan-in connectivity: sparse weights.npz with
// every synapse of the connectivity, patterns added on those synapses
// from the .npz, and an interrupted sparse store resumed from its sparse
// checkpoint to the weights of an uninterrupted one.
func TestStoreSparse(t *testing.T) {
	dir := t.TempDir()
	pats := generateFor(t, filepath.Join(dir, "a"), 8, 1)
	args := append([]string{"store", "--patterns-file", pats, "--margin", "0.2", "--fan-in", "90"}, storeSizes...)
	out := filepath.Join(dir, "stored")
	r := mustRun(t, append(args, "--out", out)...)
	requireFiles(t, out, "weights.npz", "weights.json", "cues.npy", "store.json")
	if _, err := os.Stat(filepath.Join(out, "weights.npy")); !os.IsNotExist(err) {
		t.Errorf("a sparse store wrote weights.npy too: %v", err)
	}
	rep := readStoreReport(t, out)
	if rep.Synapses != 96*90*10 || rep.FanIn != 90 || rep.Solver.Converged != 96 || rep.RecallNew.F1 < 0.999 {
		t.Fatalf("sparse store: %d synapses, fan-in %d, %d/96 converged, F1 %v\n%s", rep.Synapses, rep.FanIn, rep.Solver.Converged, rep.RecallNew.F1, r.stdout)
	}
	s, _, err := network.ReadSparse(filepath.Join(out, "weights.npz"))
	if err != nil {
		t.Fatal(err)
	}

	// init --init margin --fan-in is the same store.
	viaInit := filepath.Join(dir, "init")
	mustRun(t, append([]string{"init", "--init", "margin", "--patterns-file", pats, "--margin", "0.2", "--fan-in", "90", "--out", viaInit}, storeSizes...)...)
	s2, _, err := network.ReadSparse(filepath.Join(viaInit, "weights.npz"))
	if err != nil || !slices.Equal(s.W, s2.W) {
		t.Fatalf("init --init margin --fan-in differs from store --fan-in: %v", err)
	}

	// --weights-format sparse without a fan-in: the dense solve, written
	// as its non-zero entries.
	dense := filepath.Join(dir, "dense")
	mustRun(t, append([]string{"store", "--patterns-file", pats, "--margin", "0.2", "--out", dense}, storeSizes...)...)
	sp := filepath.Join(dir, "sparse-format")
	mustRun(t, append([]string{"store", "--patterns-file", pats, "--margin", "0.2", "--weights-format", "sparse", "--out", sp}, storeSizes...)...)
	dw, _, err := network.ReadWeights(filepath.Join(dense, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	sw, _, err := network.ReadSparse(filepath.Join(sp, "weights.npz"))
	if err != nil || !slices.Equal(sw.Dense().W, dw.W) {
		t.Fatalf("store --weights-format sparse is not the dense store's weights (%v)", err)
	}

	// From the Hebbian weights on the same connectivity: the same synapses.
	heb := filepath.Join(dir, "hebbian")
	mustRun(t, append(args[:len(args):len(args)], "--start", "hebbian", "--out", heb)...)
	if h, _, err := network.ReadSparse(filepath.Join(heb, "weights.npz")); err != nil || !slices.Equal(h.Start, s.Start) || !slices.Equal(h.Post, s.Post) {
		t.Fatalf("--start hebbian --fan-in: other synapses than from zero (%v)", err)
	}

	// Incremental, from the .npz: the same synapses, old and new recalled.
	more := generateFor(t, filepath.Join(dir, "b"), 4, 2)
	out2 := filepath.Join(dir, "stored2")
	mustRun(t, append([]string{"store", "--weights", filepath.Join(out, "weights.npz"), "--patterns-file", more, "--out", out2, "--margin", "0.2"}, storeSizes...)...)
	rep = readStoreReport(t, out2)
	if rep.RecallOld == nil || rep.RecallOld.F1 < 0.99 || rep.RecallNew.F1 < 0.99 {
		t.Fatalf("after adding on sparse weights: old %v, new F1 %v", rep.RecallOld, rep.RecallNew.F1)
	}
	s3, _, err := network.ReadSparse(filepath.Join(out2, "weights.npz"))
	if err != nil || !slices.Equal(s3.Start, s.Start) || !slices.Equal(s3.Post, s.Post) {
		t.Fatalf("incremental store changed the synapses: %v", err)
	}

	// Interrupted and resumed.
	part := filepath.Join(dir, "part")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := newRoot()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	if err := execute(ctx, root, append(args, "--out", part)); err == nil || !strings.Contains(err.Error(), "continue with --resume") {
		t.Fatalf("interrupted store: %v", err)
	}
	requireFiles(t, filepath.Join(part, checkpointDir), "weights.npz", storeStateFile)
	if bad := runHdsnn(t, append(args[:len(args):len(args)], "--out", part, "--resume", "--fan-in", "64")...); bad.err == nil || !strings.Contains(bad.err.Error(), "other synapses") {
		t.Errorf("resume with another fan-in: %v", bad.err)
	}
	mustRun(t, append(args, "--out", part, "--resume")...)
	b, _, err := network.ReadSparse(filepath.Join(part, "weights.npz"))
	if err != nil || !slices.Equal(s.W, b.W) {
		t.Fatalf("resumed sparse store differs from an uninterrupted one: %v", err)
	}
}
