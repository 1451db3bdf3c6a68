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

// readDense reads the dense weights file given by flag, once its header
// shows that it fits in memory with copies more tensors of its size.
func readDense(flag, path string, copies int) (*network.Weights, *network.Meta, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("%s is required: pass a weights .npy file of shape (N, N, D)", flag)
	}
	if strings.EqualFold(filepath.Ext(path), ".npz") {
		return nil, nil, fmt.Errorf("%s %s holds sparse weights, which this command does not take; convert them to dense first: hdsnn convert --in %s --out %s", flag, path, path, strings.TrimSuffix(path, filepath.Ext(path))+"-dense.npy")
	}
	if err := checkWeightsFile(flag, path, copies); err != nil {
		return nil, nil, err
	}
	if err := checkWeightsSet(flag, path); err != nil {
		return nil, nil, err
	}
	w, meta, err := network.ReadWeights(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", flag, err)
	}
	return w, meta, nil
}

// readSynapses reads the weights file given by flag: dense weights from a
// .npy file (readDense), sparse weights from a .npz file, whose reader
// checks the memory its header asks for before reading the data; copies
// more tensors of the sparse weights' entries (float64 each) must fit
// beside them.
func readSynapses(flag, path string, copies int) (network.Synapses, *network.Meta, error) {
	if path == "" || !strings.EqualFold(filepath.Ext(path), ".npz") {
		w, meta, err := readDense(flag, path, copies)
		if err != nil {
			return nil, nil, err // not a nil *Weights in an interface
		}
		return w, meta, nil
	}
	if err := checkWeightsSet(flag, path); err != nil {
		return nil, nil, err
	}
	s, meta, err := network.ReadSparse(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", flag, err)
	}
	need := float64(copies) * 8 * float64(s.Entries())
	if err := network.CheckMemory(need, fmt.Sprintf("%s %s: %d copies of its %d synapses", flag, path, copies, s.Entries()), "use weights with fewer synapses (a smaller fan-in)"); err != nil {
		return nil, nil, err
	}
	return s, meta, nil
}

// readRasters reads the 0/1 rasters of the file given by flag: a .npy array
// of shape (M, N, T) or (N, T), or a .csv file of events. n and t, when
// positive, are the expected sizes: they fill in a CSV file's trailing
// silent neurons and steps and are checked against a .npy file.
func readRasters(flag, path string, n, t int) (*raster.Set, error) {
	return readRastersDt(flag, path, n, t, 0, nil)
}

// readRastersDt is readRasters whose CSV step column, with dt > 0, holds
// times in ms (binned to floor(time/dt)). Every size is checked against
// the machine's memory before the rasters are allocated. The sizes
// inferred from a CSV file are noted on notes, if not nil.
func readRastersDt(flag, path string, n, t int, dt float64, notes io.Writer) (*raster.Set, error) {
	if path == "" {
		return nil, fmt.Errorf("%s is required", flag)
	}
	fix := "use a smaller " + flag
	checkShape := func(shape []int) error {
		if len(shape) == 2 {
			shape = append([]int{1}, shape...)
		}
		if len(shape) != 3 {
			return nil // refused with its shape by the reader
		}
		return checkPatterns(shape[0], shape[1], shape[2], fix)
	}
	var set *raster.Set
	var err error
	ext := strings.ToLower(filepath.Ext(path))
	if dt > 0 && ext != ".csv" {
		return nil, fmt.Errorf("--dt bins the event times of a .csv file; %s %s is not one: drop --dt", flag, path)
	}
	switch ext {
	case ".npy":
		var shape []int
		if shape, _, err = npy.Header(path); err == nil {
			err = checkShape(shape)
		}
		if err == nil {
			set, err = raster.ReadNPY(path)
		}
	case ".npz":
		set, err = raster.ReadNPZ(path, checkShape)
	case ".csv":
		var info raster.CSVInfo
		set, info, err = raster.ReadCSVWith(path, raster.CSVOptions{N: n, T: t, Dt: dt, Check: func(m, n, t int) error {
			return checkPatterns(m, n, t, fix+" (its largest ids set the sizes)")
		}})
		if err == nil && info.Empty > 0 {
			err = fmt.Errorf("%s holds events of patterns 0 to %d but %d of them have none; number the patterns 0, 1, … without gaps", path, info.MaxPattern, info.Empty)
		}
		if err == nil && notes != nil && (n == 0 || t == 0) {
			fmt.Fprintf(notes, "note: %s: %d patterns of N = %d neurons × T = %d steps (largest neuron id %d, largest step %d); pass --neurons and --steps to check these sizes\n",
				path, set.M(), set.N, set.T, info.MaxNeuron, info.MaxStep)
		}
	default:
		return nil, fmt.Errorf("%s %s: unknown file type %q; pass a .npy, .npz or .csv file", flag, path, ext)
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
	return readRastersDt("--patterns-file", o.patternsFile, n, t, o.dt, o.notes())
}

// checkOutputs returns an error if --out is not a directory or already
// holds one of the named files and --force is not given.
func checkOutputs(dir string, force bool, names ...string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--out %s is a file, not a directory; choose another --out", dir)
	}
	if err := checkWritable(dir); err != nil {
		return err
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
	return []string{"report.json", "weights.npy", "weights.npz", "weights.json", "patterns.npy", "recall.png", "recall.svg", "training.png", "training.svg"}
}

// checkWritable returns an error, before any work, if the directory dir
// cannot be created or written to: the nearest existing directory on its
// path must be a writable directory.
func checkWritable(dir string) error {
	p := filepath.Clean(dir)
	for {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("--out %s cannot be created: %s is a file, not a directory; choose another --out", dir, p)
		case err == nil && !canWrite(p):
			return fmt.Errorf("--out %s: the directory %s is not writable; choose another --out", dir, p)
		case err == nil:
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("--out %s: %w", dir, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
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

// writeJSON atomically writes v as indented JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// simulateAll runs every trial with the same options and keeps the states.
func simulateAll(ctx context.Context, w network.Synapses, p network.Params, xs []*raster.Raster, opt network.Options) ([]*network.State, error) {
	states := make([]*network.State, len(xs))
	err := network.SimulateAllContext(ctx, w, p, xs, func(int) network.Options { return opt }, func(m int, st *network.State) error {
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
