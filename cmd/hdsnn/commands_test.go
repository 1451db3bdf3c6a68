package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// TestHelp checks that every command documents itself.
func TestHelp(t *testing.T) {
	root := newRoot()
	if root.Short == "" || root.Long == "" || root.Example == "" {
		t.Error("root command lacks Short, Long or Example")
	}
	want := []string{"bench", "convert", "deploy", "experiment", "generate", "gradient", "init", "recall", "run", "simulate", "store", "sweep", "train"}
	var got []string
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			continue
		}
		got = append(got, c.Name())
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s lacks Short, Long or Example", c.Name())
		}
		r := mustRun(t, c.Name(), "--help")
		if !strings.Contains(r.stdout, "Examples:") || (c.Name() != "bench" && c.Name() != "experiment" && !strings.Contains(r.stdout, "--out")) {
			t.Errorf("%s --help:\n%s", c.Name(), r.stdout)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("commands %v, want %v", got, want)
	}
}

// TestDefaultsFromLibrary checks that flag defaults are the library's.
func TestDefaultsFromLibrary(t *testing.T) {
	root := newRoot()
	run, _, err := root.Find([]string{"run"})
	if err != nil {
		t.Fatal(err)
	}
	b := study.DefaultBenchmark()
	for name, want := range map[string]string{
		"neurons": "512", "delays": "41", "patterns": "16", "steps": "1000", "p-a": "0.001",
		"beta": "0.7", "theta": "0.8", "reset": "subtract", "epochs": "16", "seed": "1",
		"pre": "50", "post": "50", "alpha": "15", "dropout": "0", "surrogate-support": "0.5",
		"out": filepath.Join("out", "run"),
	} {
		if got := run.Flags().Lookup(name).DefValue; got != want {
			t.Errorf("--%s defaults to %s, want %s", name, got, want)
		}
	}
	o := &options{}
	o.add(pflag.NewFlagSet("defaults", pflag.ContinueOnError), "neurons", "delays", "patterns", "steps", "p-a", "seed", "periodic", "refractory",
		"beta", "theta", "reset", "pre", "post", "trigger", "init", "target", "norm",
		"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best")
	got, _ := json.Marshal(o.benchmark())
	want, _ := json.Marshal(b)
	if string(got) != string(want) {
		t.Errorf("flag defaults give benchmark\n%s\nwant the library's\n%s", got, want)
	}
}

// TestRun runs the whole benchmark at a tiny size, refuses to overwrite it,
// and resumes it for one more epoch.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	r := mustRun(t, append([]string{"run", "--out", out, "--keep-checkpoints"}, tiny()...)...)
	requireFiles(t, out, denseRunOutputs()...)
	if !strings.Contains(r.stdout, "trained") || !strings.Contains(r.stderr, "epoch 1/1") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	rep := readReport(t, out)
	if rep.Trained == nil || len(rep.History) != 1 || rep.Benchmark.Patterns.N != 32 || rep.Benchmark.Params.D != 5 {
		t.Errorf("report: trained %v, %d epochs, N = %d, D = %d", rep.Trained, len(rep.History), rep.Benchmark.Patterns.N, rep.Benchmark.Params.D)
	}

	before, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if r := runHdsnn(t, append([]string{"run", "--out", out}, tiny()...)...); r.err == nil || !strings.Contains(r.err.Error(), "--force") {
		t.Errorf("second run: err = %v, want a refusal naming --force", r.err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "report.json")); string(after) != string(before) {
		t.Error("a refused run changed report.json")
	}

	mustRun(t, append([]string{"run", "--out", out, "--resume", "--force"}, tiny("--epochs", "2")...)...)
	if rep := readReport(t, out); len(rep.History) != 2 || rep.History[1].Epoch != 2 {
		t.Errorf("resumed run has %d epochs, want 2", len(rep.History))
	}
}

// readReport reads the report.json in dir.
func readReport(t *testing.T, dir string) study.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep study.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return rep
}

// TestPipeline runs generate → init → train (and resume) → recall on files.
func TestPipeline(t *testing.T) {
	dir := t.TempDir()
	data, ini, trained, rec := filepath.Join(dir, "data"), filepath.Join(dir, "init"), filepath.Join(dir, "trained"), filepath.Join(dir, "recall")
	pats := filepath.Join(data, "patterns.npy")

	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--seed", "3", "--csv", "--out", data)
	requireFiles(t, data, "patterns.npy", "patterns.csv")
	fromNPY, err := raster.ReadNPY(pats)
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := raster.ReadCSV(filepath.Join(data, "patterns.csv"), 32, 60)
	if err != nil {
		t.Fatal(err)
	}
	if fromNPY.M() != 2 || fromNPY.N != 32 || fromNPY.T != 60 || string(fromNPY.Dense()) != string(fromCSV.Dense()) {
		t.Fatalf("patterns.npy is %d×%d×%d and differs from patterns.csv", fromNPY.M(), fromNPY.N, fromNPY.T)
	}

	r := mustRun(t, "init", "--patterns-file", filepath.Join(data, "patterns.csv"), "--neurons", "32", "--steps", "60",
		"--delays", "5", "--init", "pinv", "--out", ini)
	if !strings.Contains(r.stdout, "F1") {
		t.Errorf("init printed no score:\n%s", r.stdout)
	}
	w, meta, err := network.ReadWeights(filepath.Join(ini, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if w.N != 32 || w.D != 5 || meta == nil || meta.Source != "init pinv" || meta.Version == "" || len(meta.Details) == 0 {
		t.Errorf("init weights N = %d, D = %d, meta %+v", w.N, w.D, meta)
	}

	args := []string{"train", "--weights", filepath.Join(ini, "weights.npy"), "--patterns-file", pats, "--epochs", "1", "--keep-checkpoints", "--out", trained}
	r = mustRun(t, args...)
	requireFiles(t, trained, denseTrainOutputs()...)
	if !strings.Contains(r.stderr, "epoch 1/1") {
		t.Errorf("train stderr:\n%s", r.stderr)
	}
	r = mustRun(t, "train", "--patterns-file", pats, "--epochs", "2", "--resume", "--force", "--out", trained)
	var h struct {
		History []json.RawMessage `json:"history"`
	}
	b, err := os.ReadFile(filepath.Join(trained, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &h); err != nil || len(h.History) != 2 {
		t.Errorf("history.json after resume: %d epochs (%v), want 2", len(h.History), err)
	}

	mustRun(t, "recall", "--weights", filepath.Join(trained, "weights.npy"), "--patterns-file", pats, "--out", rec)
	requireFiles(t, rec, "spikes.npy", "scores.json", "recall.png", "recall.svg")
	a, err := npy.ReadFloat64(filepath.Join(rec, "spikes.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if want := network.Defaults(); len(a.Shape) != 3 || a.Shape[0] != 2 || a.Shape[1] != 32 || a.Shape[2] != want.Len(60) || a.DType != "|u1" {
		t.Errorf("spikes.npy: shape %v dtype %s, want (2, 32, %d) |u1", a.Shape, a.DType, want.Len(60))
	}
	var scores struct {
		PerPattern []struct {
			F1 float64 `json:"f1"`
		} `json:"per_pattern"`
		Pooled struct {
			F1 *float64 `json:"f1"`
		} `json:"pooled"`
	}
	b, err = os.ReadFile(filepath.Join(rec, "scores.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &scores); err != nil || len(scores.PerPattern) != 2 || scores.Pooled.F1 == nil {
		t.Errorf("scores.json: %v\n%s", err, b)
	}
	recallPaths(t, filepath.Join(trained, "weights.npy"), pats, dir)
}

// recallPaths recalls the weights w on every arithmetic and at 8 bits and
// checks the cost in scores.json and on stdout: the same SynOps on the
// same spikes, and the memory of 8-bit weights an eighth of float64's
// plus the scales.
func recallPaths(t *testing.T, w, pats, dir string) {
	t.Helper()
	type cost struct {
		Path string `json:"path"`
		Cost struct {
			SynOps     int64 `json:"synops"`
			WeightBits int64 `json:"weight_bits"`
			Energy     []struct {
				Platform string  `json:"platform"`
				Joules   float64 `json:"joules"`
			} `json:"energy"`
		} `json:"cost"`
		Pooled struct {
			F1 float64 `json:"f1"`
		} `json:"pooled"`
	}
	q8 := filepath.Join(dir, "q8", "weights.npz")
	mustRun(t, "convert", "--in", w, "--out", q8, "--bits", "8")
	if r := runHdsnn(t, "recall", "--weights", q8, "--patterns-file", pats, "--out", filepath.Join(dir, "x"), "--bits", "4"); r.err == nil || !strings.Contains(r.err.Error(), "already quantised") {
		t.Errorf("--bits on quantised weights: %v", r.err)
	}
	got := map[string]cost{}
	for name, extra := range map[string][]string{
		"float64": nil, "float32": {"--float32"}, "int8": {"--bits", "8", "--integer"}, "q8": {"--bits", "8", "--rounding", "stochastic"},
		"file8": {"--integer"},
	} {
		out := filepath.Join(dir, "recall-"+name)
		weights := w
		if name == "file8" {
			weights = q8
		}
		r := mustRun(t, append([]string{"recall", "--weights", weights, "--patterns-file", pats, "--out", out}, extra...)...)
		if !strings.Contains(r.stdout, "SynOps") || !strings.Contains(r.stdout, "loihi") {
			t.Errorf("recall %s prints no cost:\n%s", name, r.stdout)
		}
		b, err := os.ReadFile(filepath.Join(out, "scores.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c cost
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		got[name] = c
	}
	f64, f32, i8 := got["float64"], got["float32"], got["int8"]
	if f64.Path != "float64" || f32.Path != "float32" || i8.Path != "integer" {
		t.Errorf("paths %q %q %q", f64.Path, f32.Path, i8.Path)
	}
	if f64.Cost.SynOps <= 0 || f32.Cost.SynOps != f64.Cost.SynOps || len(f64.Cost.Energy) < 2 || !(f64.Cost.Energy[0].Joules > 0) {
		t.Errorf("costs: float64 %+v, float32 %+v", f64.Cost, f32.Cost)
	}
	if file := got["file8"]; file.Path != "integer" || file.Cost.SynOps != i8.Cost.SynOps || file.Cost.WeightBits != i8.Cost.WeightBits || file.Pooled != i8.Pooled {
		t.Errorf("recall of the 8-bit file %+v, of --bits 8 %+v", file, i8)
	}
	if syn := f64.Cost.WeightBits / 64; i8.Cost.WeightBits != 8*syn+32*32 {
		t.Errorf("8-bit weights take %d bits, want 8 per synapse (%d) plus 32 per neuron", i8.Cost.WeightBits, syn)
	}
}

// TestBench times every stage at a tiny size and checks the table and the
// JSON.
func TestBench(t *testing.T) {
	args := []string{"bench", "--neurons", "32", "--patterns", "2", "--steps", "60", "--delays", "5", "--p-a", "0.05", "--pre", "5", "--post", "5", "--repeats", "2"}
	r := mustRun(t, args...)
	for _, stage := range []string{"init", "recall", "sparse recall", "exact epoch", "sparse epoch", "store", "float32 recall", "integer recall", "SynOps/s", "peak MB"} {
		if !strings.Contains(r.stdout, stage) {
			t.Errorf("bench table lacks %q:\n%s", stage, r.stdout)
		}
	}
	r = mustRun(t, append(args, "--json")...)
	var got struct {
		Timings []study.Timing `json:"timings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, r.stdout)
	}
	if len(got.Timings) != 9 {
		t.Fatalf("bench --json has %d stages, want 9", len(got.Timings))
	}
	for _, tm := range got.Timings {
		if tm.PeakMemoryMB <= 0 {
			t.Errorf("%s: peak memory %v MB", tm.Stage, tm.PeakMemoryMB)
		}
		if len(tm.Seconds) != 2 || tm.Median <= 0 {
			t.Errorf("%s: seconds %v, median %v", tm.Stage, tm.Seconds, tm.Median)
		}
	}
	if got.Timings[1].Events <= 0 || got.Timings[2].Events <= 0 || got.Timings[4].Kept <= 0 || got.Timings[3].Kept != got.Timings[3].Pairs {
		t.Errorf("recall events %d, sparse recall events %d, sparse kept %d, exact kept %d of %d", got.Timings[1].Events, got.Timings[2].Events, got.Timings[4].Kept, got.Timings[3].Kept, got.Timings[3].Pairs)
	}
	// Every recall stage makes the same synaptic operations; the float32
	// and integer paths deliver exactly those.
	ops := got.Timings[1].SynOps
	for _, k := range []int{2, 7, 8} {
		if tm := got.Timings[k]; ops <= 0 || (k == 2 && tm.SynOps != ops) || (k == 7 && (tm.SynOps != ops || tm.Events != ops)) || !(tm.SynOpsPerSecond > 0) {
			t.Errorf("%s: SynOps %d (%v/s), events %d; dense recall %d", tm.Stage, tm.SynOps, tm.SynOpsPerSecond, tm.Events, ops)
		}
	}
	if r := runHdsnn(t, "bench", "--stages", "warmup"); r.err == nil || !strings.Contains(r.err.Error(), "--stages") {
		t.Errorf("unknown stage: %v", r.err)
	}
}
