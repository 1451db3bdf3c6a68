package study_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// tiny returns the default benchmark shrunk to run in a fraction of a
// second: M = 3 patterns of N = 64 neurons over T = 120 steps, D = 10.
func tiny() study.Benchmark {
	b := study.DefaultBenchmark()
	b.Patterns = raster.Config{M: 3, N: 64, T: 120, P: 0.02}
	b.Params.D, b.Params.Trigger = 10, 10
	b.Params.Pre, b.Params.Post = 10, 10
	b.Params.PA = 0.02
	b.Init = initw.Defaults()
	b.Train.Epochs = 2
	return b
}

func TestTinyIsValid(t *testing.T) {
	if err := tiny().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := study.DefaultBenchmark().Validate(); err != nil {
		t.Fatalf("the default benchmark does not validate: %v", err)
	}
}

func TestRunAndSave(t *testing.T) {
	b := tiny()
	var seen []int
	res, err := b.Run(context.Background(), filepath.Join(t.TempDir(), "ck"), false, func(e learn.Epoch) {
		seen = append(seen, e.Epoch)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2}) {
		t.Errorf("callback saw epochs %v, want [1 2]", seen)
	}
	rep := res.Report
	if !reflect.DeepEqual(rep.Benchmark, b) {
		t.Errorf("report benchmark %+v, want %+v", rep.Benchmark, b)
	}
	if rep.Trained == nil {
		t.Fatal("no trained phase")
	}
	m := b.Patterns.M
	for name, ph := range map[string]study.Phase{"init": rep.Init, "trained": *rep.Trained} {
		if len(ph.F1) != m {
			t.Errorf("%s: %d per-pattern F1, want %d", name, len(ph.F1), m)
		}
		for mu, f := range ph.F1 {
			if !(f >= 0 && f <= 1) {
				t.Errorf("%s: F1 of pattern %d = %v, outside [0, 1]", name, mu, f)
			}
		}
		if s := ph.Score; !(s.F1 >= 0 && s.F1 <= 1) || s.Loss != 1-s.F1 {
			t.Errorf("%s: pooled score %+v", name, s)
		}
	}
	if len(rep.History) != b.Train.Epochs {
		t.Errorf("history has %d epochs, want %d", len(rep.History), b.Train.Epochs)
	}
	for k, e := range rep.History {
		if e.Epoch != k+1 {
			t.Errorf("history[%d].Epoch = %d", k, e.Epoch)
		}
	}
	if !(rep.PeakMemoryMB > 0) {
		t.Errorf("PeakMemoryMB = %v", rep.PeakMemoryMB)
	}
	if rep.InitStats.Contexts != m*(b.Patterns.T-b.Params.D) {
		t.Errorf("init stats: %d contexts, want %d", rep.InitStats.Contexts, m*(b.Patterns.T-b.Params.D))
	}
	for _, stage := range []string{"generate", "init", "train"} {
		if _, ok := rep.Seconds[stage]; !ok {
			t.Errorf("no time for stage %q in %v", stage, rep.Seconds)
		}
	}
	if res.Patterns.M() != m || res.Patterns.N != b.Patterns.N || res.Patterns.T != b.Patterns.T {
		t.Errorf("patterns are %d×%d×%d", res.Patterns.M(), res.Patterns.N, res.Patterns.T)
	}
	if res.Weights.N != b.Patterns.N || res.Weights.D != b.Params.D {
		t.Errorf("weights are N = %d, D = %d", res.Weights.N, res.Weights.D)
	}
	if res.Trial == nil || res.Trial.L != b.Params.Len(b.Patterns.T) {
		t.Errorf("final trial missing or of the wrong length")
	}

	// Save writes exactly the documented files.
	out := filepath.Join(t.TempDir(), "out")
	if err := res.Save(out); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"patterns.npy", "report.json", "weights.json", "weights.npy"}; !slices.Equal(names, want) {
		t.Errorf("Save wrote %v, want %v", names, want)
	}

	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Save measures the peak again after writing. Linux updates VmHWM
	// lazily (the high-water mark is max(stored mark, current RSS), and the
	// stored mark is refreshed only at unmaps), so a later reading can be
	// lower than an earlier one: only that a reading was made is checked.
	if !(res.Report.PeakMemoryMB > 0) {
		t.Errorf("peak memory after the save: %v MB", res.Report.PeakMemoryMB)
	}
	rep.PeakMemoryMB = res.Report.PeakMemoryMB // Save records it after writing the files
	var back study.Report
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("report.json does not parse: %v", err)
	}
	if !reflect.DeepEqual(back, rep) {
		t.Errorf("report.json read back differs:\n got %+v\nwant %+v", back, rep)
	}

	w, meta, err := network.ReadWeights(filepath.Join(out, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if w.N != res.Weights.N || w.D != res.Weights.D || !slices.Equal(w.W, res.Weights.W) {
		t.Error("weights.npy differs from the result's weights")
	}
	if meta == nil || meta.Params == nil || *meta.Params != b.Params || meta.Seed != b.Seed {
		t.Errorf("weights sidecar %+v does not record the benchmark's parameters", meta)
	}

	pat, err := raster.ReadNPY(filepath.Join(out, "patterns.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pat.Dense(), res.Patterns.Dense()) {
		t.Error("patterns.npy differs from the result's patterns")
	}
}

func TestRunIsReproducible(t *testing.T) {
	b := tiny()
	b.Train.Epochs = 1
	a, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Weights.W, c.Weights.W) {
		t.Error("two runs of the same benchmark end with different weights")
	}
	if a.Report.Init.Score != c.Report.Init.Score || a.Report.Trained.Score != c.Report.Trained.Score ||
		!slices.Equal(a.Report.Trained.F1, c.Report.Trained.F1) {
		t.Error("two runs of the same benchmark score differently")
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tiny().Run(ctx, "", false, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
}

func TestResume(t *testing.T) {
	ctx := context.Background()
	ck := filepath.Join(t.TempDir(), "ck")

	one := tiny()
	one.Train.Epochs = 1
	if _, err := one.Run(ctx, ck, false, nil); err != nil {
		t.Fatal(err)
	}

	two := tiny()
	two.Train.Epochs = 2
	var seen []int
	resumed, err := two.Run(ctx, ck, true, func(e learn.Epoch) { seen = append(seen, e.Epoch) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{2}) {
		t.Errorf("resumed run trained epochs %v, want [2]", seen)
	}
	if len(resumed.Report.History) != 2 {
		t.Errorf("resumed history has %d epochs, want 2", len(resumed.Report.History))
	}

	fresh, err := two.Run(ctx, "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.Weights.W, fresh.Weights.W) {
		t.Error("1 epoch + resume to 2 does not end with the weights of 2 uninterrupted epochs")
	}
	for k := range fresh.Report.History {
		a, b := resumed.Report.History[k], fresh.Report.History[k]
		if a.Train != b.Train || a.Valid != b.Valid || a.LR != b.LR || a.Kept != b.Kept || a.Pairs != b.Pairs {
			t.Errorf("epoch %d: resumed %+v, fresh %+v", k+1, a, b)
		}
	}
	// Seconds differ; compare the scores.
	if r, f := resumed.Report.Trained, fresh.Report.Trained; r.Score != f.Score || !slices.Equal(r.F1, f.F1) {
		t.Errorf("trained phase: resumed %+v, fresh %+v", r, f)
	}

	other := tiny()
	other.Params.Theta = 0.75
	other.Init = initw.Defaults()
	if _, err := other.Run(ctx, ck, true, nil); err == nil || !strings.Contains(err.Error(), "other network parameters") || !errors.Is(err, study.ErrOtherCheckpoint) {
		t.Errorf("resume with other parameters: %v, want an error about other network parameters", err)
	}

	lr := tiny()
	lr.Train.LR = 5e-3
	if _, err := lr.Run(ctx, ck, true, nil); err == nil || !strings.Contains(err.Error(), "other training settings") || !errors.Is(err, study.ErrOtherCheckpoint) {
		t.Errorf("resume with another learning rate: %v, want an error about other training settings", err)
	}

	if _, err := tiny().Run(ctx, filepath.Join(t.TempDir(), "empty"), true, nil); err == nil {
		t.Error("resume from a directory without a checkpoint succeeded")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(b *study.Benchmark)
		want   string // a substring of the error
	}{
		{"no neurons", func(b *study.Benchmark) { b.Patterns.N = 0 }, "N = 0"},
		{"no patterns", func(b *study.Benchmark) { b.Patterns.M = 0 }, "M = 0"},
		{"pattern rate above 1", func(b *study.Benchmark) { b.Patterns.P = 1.5 }, "P = 1.5"},
		{"background rate above 1", func(b *study.Benchmark) { b.Params.PA = 1.5 }, "p-a = 1.5"},
		{"T equal to D", func(b *study.Benchmark) { b.Patterns.T, b.Params.Trigger = 10, 5 }, "longer than the delay window"},
		{"T below D", func(b *study.Benchmark) { b.Patterns.T, b.Params.Trigger = 6, 5 }, "longer than the delay window"},
		{"negative epochs", func(b *study.Benchmark) { b.Train.Epochs = -1 }, "epochs = -1"},
		{"beta out of range", func(b *study.Benchmark) { b.Params.Beta = 1 }, "beta"},
		{"absurd N", func(b *study.Benchmark) { b.Patterns.N = 10_000_000 }, "GiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tiny()
			tc.modify(&b)
			err := b.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
			// Run and Bench refuse the same benchmark before doing any work.
			if _, err := b.Run(context.Background(), "", false, nil); err == nil {
				t.Error("Run accepted it")
			}
			if _, err := b.Bench(1, nil, nil); err == nil {
				t.Error("Bench accepted it")
			}
		})
	}
}

func TestBench(t *testing.T) {
	b := tiny()
	type call struct {
		stage  study.Stage
		repeat int
	}
	var calls []call
	timings, err := b.Bench(2, nil, func(stage study.Stage, repeat int) { calls = append(calls, call{stage, repeat}) })
	if err != nil {
		t.Fatal(err)
	}
	stages := []study.Stage{study.StageInit, study.StageRecall, study.StageSparseRecall, study.StageExactEpoch, study.StageSparseExactEpoch, study.StageSparseEpoch, study.StageStore, study.StageFloat32Recall, study.StageIntegerRecall}
	if len(timings) != len(stages) {
		t.Fatalf("%d timings, want %d", len(timings), len(stages))
	}
	var want []call // the stages take turns: every stage's repeat 0, then every repeat 1
	for repeat := range 2 {
		for _, stage := range stages {
			want = append(want, call{stage, repeat})
		}
	}
	for k, tm := range timings {
		if tm.Stage != stages[k] {
			t.Errorf("timing %d is %q, want %q", k, tm.Stage, stages[k])
		}
		if len(tm.Seconds) != 2 {
			t.Errorf("%s: %d repeats timed, want 2", tm.Stage, len(tm.Seconds))
		}
		if !(tm.Median > 0) {
			t.Errorf("%s: median %v", tm.Stage, tm.Median)
		}
		if len(tm.Seconds) == 2 && tm.Median != (tm.Seconds[0]+tm.Seconds[1])/2 {
			t.Errorf("%s: median %v of %v", tm.Stage, tm.Median, tm.Seconds)
		}
	}
	if !slices.Equal(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
	if dense, sparse := timings[1], timings[2]; sparse.Events <= 0 || sparse.Events > dense.Events {
		t.Errorf("sparse recall processed %d synaptic events, dense %d", sparse.Events, dense.Events)
	}
	if rec := timings[1]; rec.Events <= 0 || !(rec.EventsPerSecond > 0) {
		t.Errorf("recall: %d events, %v per second", rec.Events, rec.EventsPerSecond)
	} else if rec.Events%int64(b.Patterns.N) != 0 {
		t.Errorf("recall: %d events is not a multiple of N = %d", rec.Events, b.Patterns.N)
	}
	if ex := timings[3]; ex.Pairs <= 0 || ex.Kept != ex.Pairs {
		t.Errorf("exact epoch kept %d of %d pairs, want all", ex.Kept, ex.Pairs)
	}
	if sp := timings[4]; sp.Pairs != timings[3].Pairs || sp.Kept > sp.Pairs {
		t.Errorf("sparse epoch kept %d of %d pairs (exact: %d)", sp.Kept, sp.Pairs, timings[3].Pairs)
	}

	one, err := b.Bench(1, []study.Stage{study.StageRecall}, nil)
	if err != nil || len(one) != 1 || one[0].Stage != study.StageRecall || len(one[0].Seconds) != 1 {
		t.Errorf("one stage, one repeat: %+v, %v", one, err)
	} else if one[0].Events != timings[1].Events {
		t.Errorf("recall events %d, then %d: not deterministic", timings[1].Events, one[0].Events)
	}
	if sp, f32 := timings[2], timings[7]; f32.SynOps != sp.SynOps || f32.Events != f32.SynOps || timings[8].SynOps <= 0 {
		t.Errorf("float32 recall: %d SynOps, %d events; sparse %d, %d; integer %d SynOps", f32.SynOps, f32.Events, sp.SynOps, sp.Events, timings[8].SynOps)
	}
	if _, err := b.Bench(1, []study.Stage{study.Stage(9)}, nil); err == nil || !strings.Contains(err.Error(), "Stage(9)") {
		t.Errorf("unknown stage: %v", err)
	}
	if _, err := b.Bench(0, nil, nil); err == nil {
		t.Error("zero repeats accepted")
	}
}
