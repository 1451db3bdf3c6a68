package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/study"
)

// settingsFile is the file in the checkpoint directory of "hdsnn run"
// that records the benchmark's settings, so that --resume continues from
// them without the original flags.
const settingsFile = "benchmark.json"

// setting is a flag whose value a resumed run must keep.
type setting struct {
	flag string
	get  func(b study.Benchmark) any
}

// settings are the flags a run is started with and a resume may not
// change (--epochs, the total, may change).
func settings() []setting {
	return []setting{
		{"neurons", func(b study.Benchmark) any { return b.Patterns.N }},
		{"patterns", func(b study.Benchmark) any { return b.Patterns.M }},
		{"steps", func(b study.Benchmark) any { return b.Patterns.T }},
		{"p-a", func(b study.Benchmark) any { return b.Patterns.P }},
		{"periodic", func(b study.Benchmark) any { return b.Patterns.Periodic > 0 }},
		{"refractory", func(b study.Benchmark) any { return b.Patterns.Refractory }},
		{"seed", func(b study.Benchmark) any { return b.Seed }},
		{"delays", func(b study.Benchmark) any { return b.Params.D }},
		{"beta", func(b study.Benchmark) any { return b.Params.Beta }},
		{"theta", func(b study.Benchmark) any { return b.Params.Theta }},
		{"reset", func(b study.Benchmark) any { return b.Params.Reset }},
		{"pre", func(b study.Benchmark) any { return b.Params.Pre }},
		{"post", func(b study.Benchmark) any { return b.Params.Post }},
		{"trigger", func(b study.Benchmark) any { return b.Params.Trigger }},
		{"init", func(b study.Benchmark) any { return b.Init.Method }},
		{"target", func(b study.Benchmark) any { return b.Init.Target }},
		{"norm", func(b study.Benchmark) any { return b.Init.Norm }},
		{"optimizer", func(b study.Benchmark) any { return b.Train.Optimizer }},
		{"lr", func(b study.Benchmark) any { return b.Train.LR }},
		{"final-lr", func(b study.Benchmark) any { return b.Train.FinalLR }},
		{"warmup", func(b study.Benchmark) any { return b.Train.Warmup }},
		{"alpha", func(b study.Benchmark) any { return b.Train.Alpha }},
		{"dropout", func(b study.Benchmark) any { return b.Train.Dropout }},
		{"surrogate-support", func(b study.Benchmark) any { return b.Train.Support }},
		{"keep-best", func(b study.Benchmark) any { return b.Train.KeepBest }},
	}
}

// resumeDiffs returns, for each flag given on the command line whose
// value differs from the one the run was started with, a phrase naming
// both.
func (o *options) resumeDiffs(saved, given study.Benchmark) []string {
	var diffs []string
	for _, s := range settings() {
		if o.fs.Lookup(s.flag) == nil || !o.changed(s.flag) {
			continue
		}
		if a, b := s.get(given), s.get(saved); a != b {
			v := o.fs.Lookup(s.flag).Value.String()
			was := fmt.Sprint(b)
			if s.flag == "optimizer" {
				was = saved.Train.Optimizer.Kind.String()
			}
			diffs = append(diffs, fmt.Sprintf("--%s %s (the run was started with %s)", s.flag, v, was))
		}
	}
	return diffs
}

// refuseChanges returns the error for a resume with changed settings.
func refuseChanges(dir string, diffs []string) error {
	return fmt.Errorf("--resume continues the run in %s with the settings it was started with, but these flags differ: %s; drop them to resume, or start a new run (without --resume) with --force",
		dir, strings.Join(diffs, ", "))
}

// saveSettings records the benchmark a run starts with in its checkpoint
// directory.
func saveSettings(ck string, b study.Benchmark) error {
	if err := os.MkdirAll(ck, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(ck, settingsFile), append(raw, '\n'))
}

// resumeSettings returns the benchmark to resume: the one recorded in
// the checkpoint directory ck (given, from the flags, when the checkpoint
// predates the record), with the total number of epochs from --epochs if
// given. Other flags given with other values than the recorded ones are
// refused, each named.
func (o *options) resumeSettings(ck string, given study.Benchmark, note io.Writer) (study.Benchmark, error) {
	raw, err := os.ReadFile(filepath.Join(ck, settingsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return given, nil // a checkpoint of an earlier version: the flags must match, as the library checks
	}
	if err != nil {
		return given, fmt.Errorf("--resume: %w", err)
	}
	var saved study.Benchmark
	if err := json.Unmarshal(raw, &saved); err != nil {
		return given, fmt.Errorf("--resume: %s: %w; start again with --force", filepath.Join(ck, settingsFile), err)
	}
	if diffs := o.resumeDiffs(saved, given); len(diffs) > 0 {
		return given, refuseChanges(ck, diffs)
	}
	if o.changed("epochs") && o.epochs != saved.Train.Epochs {
		if done := doneEpochs(ck); o.epochs < done {
			return given, fmt.Errorf("--epochs %d is the run's total, but %d epochs are already done; pass a larger --epochs or drop it", o.epochs, done)
		}
		fmt.Fprintf(note, "note: --epochs %d is the run's new total (it was started with %d)\n", o.epochs, saved.Train.Epochs)
		saved.Train.Epochs = o.epochs
	}
	return saved, nil
}

// doneEpochs returns the number of epochs the checkpoint in ck holds (0
// if it cannot tell).
func doneEpochs(ck string) int {
	raw, err := os.ReadFile(filepath.Join(ck, learn.CheckpointFile))
	if err != nil {
		return 0
	}
	var c struct {
		History []json.RawMessage `json:"history"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return 0
	}
	return len(c.History)
}
