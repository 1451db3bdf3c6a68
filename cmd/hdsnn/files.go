package main

import (
	"context"
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
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// checkpointDir is the sub-directory of --out that holds training
// checkpoints.
const checkpointDir = "checkpoint"

// readWeights reads the weights file given by --weights.
func readWeights(path string) (*network.Weights, *network.Meta, error) {
	if path == "" {
		return nil, nil, errors.New("--weights is required: pass a weights .npy file of shape (N, N, D)")
	}
	w, meta, err := network.ReadWeights(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--weights: %w", err)
	}
	return w, meta, nil
}

// readRasters reads the 0/1 rasters of the file given by flag: a .npy array
// of shape (M, N, T) or (N, T), or a .csv file of events. n and t, when
// positive, are the expected sizes: they fill in a CSV file's trailing
// silent neurons and steps and are checked against a .npy file.
func readRasters(flag, path string, n, t int) (*raster.Set, error) {
	if path == "" {
		return nil, fmt.Errorf("%s is required", flag)
	}
	var set *raster.Set
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		set, err = raster.ReadNPY(path)
	case ".csv":
		set, err = raster.ReadCSV(path, n, t)
	default:
		return nil, fmt.Errorf("%s %s: unknown file type %q; pass a .npy or .csv file", flag, path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if n > 0 && set.N != n {
		return nil, fmt.Errorf("%s %s has %d neurons, want %d; use files made for the same network", flag, path, set.N, n)
	}
	if t > 0 && set.T != t {
		return nil, fmt.Errorf("%s %s has %d steps, want %d", flag, path, set.T, t)
	}
	return set, nil
}

// readPatterns reads --patterns-file for a network of n neurons (0: not
// known yet). --neurons and --steps, when given, set the expected sizes.
func (o *options) readPatterns(n int) (*raster.Set, error) {
	t := 0
	if o.changed("steps") {
		t = o.steps
	}
	if o.changed("neurons") {
		if n > 0 && o.neurons != n {
			return nil, fmt.Errorf("--neurons = %d but the weights have %d neurons; drop --neurons or use matching weights", o.neurons, n)
		}
		n = o.neurons
	}
	return readRasters("--patterns-file", o.patternsFile, n, t)
}

// checkOutputs returns an error if --out is not a directory or already
// holds one of the named files and --force is not given.
func checkOutputs(dir string, force bool, names ...string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--out %s is a file, not a directory; choose another --out", dir)
	}
	if force {
		return nil
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s exists; pass --force to overwrite it or choose another --out", p)
		}
	}
	return nil
}

// runOutputs returns the names of the files "hdsnn run" writes into --out.
func runOutputs() []string {
	return []string{"report.json", "weights.npy", "weights.json", "patterns.npy", "recall.png", "recall.svg", "training.png", "training.svg"}
}

// checkCheckpoint checks the checkpoint directory of a training run before
// any work: --resume needs a checkpoint, and without --resume or --force an
// earlier run's checkpoint is not overwritten.
func checkCheckpoint(dir, state string, resume, force bool) error {
	_, err := os.Stat(filepath.Join(dir, state))
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checkpoint: %w", err)
	}
	switch {
	case resume && !exists:
		return fmt.Errorf("--resume: no checkpoint in %s (nothing to resume; run without --resume)", dir)
	case !resume && exists && !force:
		return fmt.Errorf("%s holds the checkpoint of an earlier run; pass --resume to continue it or --force to start again", dir)
	}
	return nil
}

// makeOut creates the output directory, once every input is validated.
func makeOut(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// writeJSON atomically writes v as indented JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// simulateAll runs every trial with the same options and keeps the states.
func simulateAll(w *network.Weights, p network.Params, xs []*raster.Raster, opt network.Options) ([]*network.State, error) {
	states := make([]*network.State, len(xs))
	err := network.SimulateAll(w, p, xs, func(int) network.Options { return opt }, func(m int, st *network.State) error {
		states[m] = st
		return nil
	})
	return states, err
}

// writeSpikes writes the network's own spikes of every trial to path as
// an (M, N, L) uint8 array.
func writeSpikes(path string, states []*network.State) error {
	shape, data, err := network.SpikeArray(states)
	if err != nil {
		return err
	}
	return npy.WriteUint8(path, shape, data)
}

// trainingError explains an interrupted training run.
func trainingError(err error, checkpoints string) error {
	if errors.Is(err, context.Canceled) {
		if _, serr := os.Stat(filepath.Join(checkpoints, learn.CheckpointFile)); serr != nil {
			return errors.New("interrupted before the first epoch finished; nothing was saved")
		}
		return fmt.Errorf("interrupted; the last finished epoch is saved in %s: continue with --resume", checkpoints)
	}
	if errors.Is(err, study.ErrOtherCheckpoint) {
		return fmt.Errorf("%w; resume with the same flags or start again with --force", err)
	}
	return fmt.Errorf("training: %w", err)
}

// printScore prints one line of scores.
func printScore(w io.Writer, label string, r score.Result) {
	fmt.Fprintf(w, "%s: precision %.4f  recall %.4f  F1 %.4f  (tp %d, fp %d, fn %d)\n",
		label, r.Precision, r.Recall, r.F1, r.TP, r.FP, r.FN)
}
