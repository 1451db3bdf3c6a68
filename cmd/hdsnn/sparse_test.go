package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
)

// recallScores reads the pooled scores of a recall output directory.
func recallScores(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "scores.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Pooled map[string]any `json:"pooled"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Pooled == nil {
		t.Fatalf("scores.json: %v\n%s", err, b)
	}
	return s.Pooled
}

// TestSparseCommands runs the benchmark with sparse weights, initialises
// weights with a fan-in, recalls them, converts them to dense and back,
// and checks that dense and sparse agree.
func TestSparseCommands(t *testing.T) {
	dir := t.TempDir()
	dense, sparse := filepath.Join(dir, "dense"), filepath.Join(dir, "sparse")
	mustRun(t, append([]string{"run", "--out", dense}, tiny("--epochs", "0")...)...)
	r := mustRun(t, append([]string{"run", "--out", sparse, "--weights-format", "sparse"}, tiny("--epochs", "0")...)...)
	requireFiles(t, sparse, "weights.npz", "weights.json", "report.json", "patterns.npy", "recall.png")
	if _, err := os.Stat(filepath.Join(sparse, "weights.npy")); err == nil {
		t.Error("a sparse run wrote weights.npy")
	}
	dr, sr := readReport(t, dense), readReport(t, sparse)
	if dr.Init.Score != sr.Init.Score || !sr.Benchmark.Sparse || sr.InitStats.Synapses == 0 {
		t.Errorf("init recall: sparse %+v, dense %+v (sparse %v, %d synapses)\n%s", sr.Init.Score, dr.Init.Score, sr.Benchmark.Sparse, sr.InitStats.Synapses, r.stdout)
	}

	// recall takes both formats and gives the same scores.
	patterns := filepath.Join(dense, "patterns.npy")
	mustRun(t, "recall", "--weights", filepath.Join(dense, "weights.npy"), "--patterns-file", patterns, "--out", filepath.Join(dir, "rd"))
	mustRun(t, "recall", "--weights", filepath.Join(sparse, "weights.npz"), "--patterns-file", patterns, "--out", filepath.Join(dir, "rs"))
	if a, b := recallScores(t, filepath.Join(dir, "rd")), recallScores(t, filepath.Join(dir, "rs")); a["f1"] != b["f1"] || a["tp"] != b["tp"] || a["fp"] != b["fp"] {
		t.Errorf("recall scores: dense %v, sparse %v", a, b)
	}

	// simulate too: the same spikes, membranes and currents, byte for byte.
	for _, w := range []string{filepath.Join(dense, "weights.npy"), filepath.Join(sparse, "weights.npz")} {
		mustRun(t, "simulate", "--weights", w, "--input", patterns, "--out", filepath.Join(dir, "sim-"+filepath.Ext(w)[1:]))
	}
	for _, name := range simulateOutputs() {
		a, errA := os.ReadFile(filepath.Join(dir, "sim-npy", name))
		b, errB := os.ReadFile(filepath.Join(dir, "sim-npz", name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("simulate %s: dense and sparse weights differ (%v, %v)", name, errA, errB)
		}
	}

	// convert: dense to sparse gives the file the sparse run wrote.
	conv := filepath.Join(dir, "conv", "w.npz")
	r = mustRun(t, "convert", "--in", filepath.Join(dense, "weights.npy"), "--out", conv)
	if !strings.Contains(r.stdout, "non-zero") {
		t.Errorf("convert output:\n%s", r.stdout)
	}
	a, _, err := network.ReadSparse(conv)
	if err != nil {
		t.Fatal(err)
	}
	b, meta, err := network.ReadSparse(filepath.Join(sparse, "weights.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Entries() != b.Entries() || meta == nil || meta.Params == nil {
		t.Errorf("converted %d entries, sparse run %d; sidecar %+v", a.Entries(), b.Entries(), meta)
	}
	// Into a directory with a manifest: recall accepts the new file.
	back := filepath.Join(sparse, "dense.npy")
	mustRun(t, "convert", "--in", filepath.Join(sparse, "weights.npz"), "--out", back)
	w, _, err := network.ReadWeights(back)
	if err != nil || w.N != 32 || w.D != 5 {
		t.Fatalf("converted back: %v", err)
	}
	mustRun(t, "recall", "--weights", back, "--patterns-file", patterns, "--out", filepath.Join(dir, "rb"))

	// init with a fan-in writes sparse weights by default.
	r = mustRun(t, "init", "--patterns-file", patterns, "--delays", "5", "--fan-in", "8", "--out", filepath.Join(dir, "init"))
	requireFiles(t, filepath.Join(dir, "init"), "weights.npz", "weights.json")
	if !strings.Contains(r.stdout, "fan-in 8") {
		t.Errorf("init output:\n%s", r.stdout)
	}
	mustRun(t, "init", "--patterns-file", patterns, "--delays", "5", "--fan-in", "8", "--weights-format", "dense", "--out", filepath.Join(dir, "init-dense"))
	requireFiles(t, filepath.Join(dir, "init-dense"), "weights.npy")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"store", "--weights", filepath.Join(dir, "init", "weights.npz"), "--patterns-file", patterns, "--out", filepath.Join(dir, "s")}, "store writes cues.npy beside its weights"},
		{[]string{"store", "--weights", filepath.Join(dir, "init", "weights.npz"), "--fan-in", "8", "--patterns-file", patterns, "--out", filepath.Join(dir, "s")}, "do not go with --weights"},
		{[]string{"init", "--patterns-file", patterns, "--delays", "5", "--synapses", "all", "--out", filepath.Join(dir, "a")}, "--synapses all needs --fan-in"},
		{append([]string{"run", "--out", filepath.Join(dir, "r"), "--fan-in", "33"}, tiny("--epochs", "0")...), "fan-in 33"},
		{[]string{"init", "--patterns-file", patterns, "--delays", "5", "--fan-in", "8", "--init", "pinv", "--out", filepath.Join(dir, "p")}, "--init hebbian"},
		{[]string{"convert", "--in", conv, "--out", filepath.Join(dir, "x.npz")}, "nothing to convert"},
		{[]string{"convert", "--in", conv, "--out", filepath.Join(dir, "conv", "w.npy")}, "share the sidecar"},
		{[]string{"convert", "--in", filepath.Join(dense, "weights.npy"), "--out", conv}, "--force"},
		{[]string{"convert", "--in", conv, "--out", filepath.Join(dir, "w.csv")}, ".npy (dense) or .npz"},
	} {
		if r := runHdsnn(t, tc.args...); r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("hdsnn %s: %v, want an error containing %q", strings.Join(tc.args, " "), r.err, tc.want)
		}
	}
}

// TestSparseTrainCommands trains sparse weights with train and run: the
// trained weights are sparse, on the same synapses, and a resumed train
// ends where an uninterrupted one does.
func TestSparseTrainCommands(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	mustRun(t, append([]string{"run", "--out", base}, tiny("--epochs", "0")...)...)
	patterns := filepath.Join(base, "patterns.npy")
	initDir := filepath.Join(dir, "init")
	mustRun(t, "init", "--patterns-file", patterns, "--delays", "5", "--fan-in", "8", "--out", initDir)
	weights := filepath.Join(initDir, "weights.npz")
	s0, _, err := network.ReadSparse(weights)
	if err != nil {
		t.Fatal(err)
	}

	full := filepath.Join(dir, "full")
	train := func(out string, more ...string) {
		mustRun(t, append([]string{"train", "--weights", weights, "--patterns-file", patterns, "--epochs", "2", "--keep-best=false", "--out", out}, more...)...)
	}
	train(full)
	requireFiles(t, full, "weights.npz", "weights.json", "history.json", "training.png")
	if _, err := os.Stat(filepath.Join(full, "weights.npy")); err == nil {
		t.Error("sparse training wrote weights.npy")
	}
	got, _, err := network.ReadSparse(filepath.Join(full, "weights.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Post, s0.Post) || !slices.Equal(got.Start, s0.Start) || slices.Equal(got.W, s0.W) {
		t.Error("trained sparse weights: other synapses, or unchanged weights")
	}

	// One epoch with the checkpoint kept, then resumed to two.
	part := filepath.Join(dir, "part")
	mustRun(t, "train", "--weights", weights, "--patterns-file", patterns, "--epochs", "1", "--keep-best=false", "--keep-checkpoints", "--out", part)
	mustRun(t, "train", "--patterns-file", patterns, "--epochs", "2", "--resume", "--force", "--out", part)
	resumed, _, err := network.ReadSparse(filepath.Join(part, "weights.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.W, got.W) {
		t.Error("resumed sparse training differs from an uninterrupted run")
	}

	// run trains sparse weights with a fan-in.
	r := filepath.Join(dir, "run")
	mustRun(t, append([]string{"run", "--out", r, "--fan-in", "8"}, tiny()...)...)
	requireFiles(t, r, "weights.npz", "report.json")
	rep := readReport(t, r)
	if len(rep.History) != 1 || !rep.Benchmark.Sparse || !rep.Benchmark.AllSynapses {
		t.Errorf("run --fan-in 8: %d epochs, sparse %v, all synapses %v", len(rep.History), rep.Benchmark.Sparse, rep.Benchmark.AllSynapses)
	}
	if w, _, err := network.ReadSparse(filepath.Join(r, "weights.npz")); err != nil {
		t.Error(err)
	} else if w.Entries() != 32*8*5 {
		t.Errorf("run --fan-in 8 trained %d synapses, want all N·K·D = %d", w.Entries(), 32*8*5)
	}
	r2 := filepath.Join(dir, "run-nonzero")
	mustRun(t, append([]string{"run", "--out", r2, "--fan-in", "8", "--synapses", "nonzero"}, tiny()...)...)
	if w, _, err := network.ReadSparse(filepath.Join(r2, "weights.npz")); err != nil {
		t.Error(err)
	} else if w.Entries() >= 32*8*5 {
		t.Errorf("run --synapses nonzero kept %d synapses, want fewer than N·K·D", w.Entries())
	}

	// run --init margin on a fan-in: sparse weights on every synapse of
	// the connectivity, with the margin solver's report.
	m := filepath.Join(dir, "margin")
	mustRun(t, append([]string{"run", "--out", m, "--init", "margin", "--fan-in", "24", "--margin", "0.2"}, tiny("--epochs", "0")...)...)
	if rep := readReport(t, m); rep.Margin == nil || rep.Benchmark.FanIn != 24 {
		t.Errorf("run --init margin --fan-in 24: margin report %v, fan-in %d", rep.Margin != nil, rep.Benchmark.FanIn)
	}
	if w, _, err := network.ReadSparse(filepath.Join(m, "weights.npz")); err != nil || w.Entries() != 32*24*5 {
		t.Errorf("run --init margin --fan-in 24: %v", err)
	}
}
