package learn

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/raster"
)

// Errors of Resume and Train, for callers that advise what to do.
var (
	// ErrNoCheckpoint: the directory holds no checkpoint to resume.
	ErrNoCheckpoint = errors.New("nothing to resume")
	// ErrCheckpoint: the checkpoint is damaged.
	ErrCheckpoint = errors.New("the checkpoint is damaged")
	// ErrOtherPatterns: Train was given other patterns than the run
	// started with.
	ErrOtherPatterns = errors.New("these patterns are not the ones the run was started with")
)

// CheckpointFile is the file in a checkpoint directory that names the
// latest complete checkpoint.
const CheckpointFile = "checkpoint.json"

// checkpoint is the JSON body of CheckpointFile.
type checkpoint struct {
	Run
	Dir string `json:"dir"` // sub-directory holding the tensors
}

// legacyCheckpoint holds what checkpoints written before the optimiser's
// state left its settings keep there: the number of steps made.
type legacyCheckpoint struct {
	Config struct {
		Optimizer struct {
			Steps int `json:"steps"`
		} `json:"optimizer"`
	} `json:"config"`
	State *OptimizerState `json:"optimizer_state"`
}

// Fingerprint returns a short hash of a pattern set's size and spikes.
func Fingerprint(set *raster.Set) string {
	h := fnv.New64a()
	var b [4]byte
	put := func(v int) {
		binary.LittleEndian.PutUint32(b[:], uint32(v))
		h.Write(b[:])
	}
	put(set.M())
	put(set.N)
	put(set.T)
	for _, p := range set.Patterns {
		for t, ns := range p.Steps {
			for _, i := range ns {
				put(t)
				put(int(i))
			}
		}
		put(-1)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// SaveCheckpoint writes the run's weights, optimiser state and history to
// dir. The tensors go to a new sub-directory for the epoch; only once they
// are complete is CheckpointFile atomically replaced to point at them, and
// the previous epoch's sub-directory removed. A crash at any moment leaves
// the last complete checkpoint readable.
func SaveCheckpoint(dir string, r *Run) error {
	sub := fmt.Sprintf("epoch-%04d", len(r.History))
	path := filepath.Join(dir, sub)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	w := r.Weights
	shape := []int{w.N, w.D, w.N} // pre-major, as in memory
	if err := npy.WriteFloat64(filepath.Join(path, "weights.npy"), shape, w.W); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	o := r.Optimizer
	tensors := map[string][]float64{"opt_m.npy": o.M, "opt_v.npy": o.V}
	if r.keepsBest() {
		tensors["best.npy"] = r.Best.W
	}
	for name, buf := range tensors {
		if buf == nil {
			continue
		}
		if err := npy.WriteFloat64(filepath.Join(path, name), shape, buf); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	prev, _ := readCheckpoint(dir)
	b, err := json.MarshalIndent(checkpoint{Run: *r, Dir: sub}, "", "  ")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, CheckpointFile), b); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if prev != nil && prev.Dir != sub && prev.Dir != "" {
		os.RemoveAll(filepath.Join(dir, prev.Dir))
	}
	return nil
}

// readCheckpoint reads CheckpointFile in dir.
func readCheckpoint(dir string) (*checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if err != nil {
		return nil, err
	}
	var c checkpoint
	var old legacyCheckpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", filepath.Join(dir, CheckpointFile), ErrCheckpoint, err)
	}
	if err := json.Unmarshal(b, &old); err == nil && old.State == nil {
		c.Optimizer.Steps = old.Config.Optimizer.Steps
	}
	if c.Dir == "" || filepath.Base(c.Dir) != c.Dir {
		return nil, fmt.Errorf("%s: bad tensor directory %q", filepath.Join(dir, CheckpointFile), c.Dir)
	}
	return &c, nil
}

// Resume reads the latest checkpoint in dir, ready for Train to continue.
// A resumed run with the same number of epochs ends with the same weights
// as an uninterrupted one. Raising Config.Epochs before continuing
// stretches the cosine schedule, so the epochs after the warm-up then see
// other learning rates than a run started with the larger number.
func Resume(dir string) (*Run, error) {
	c, err := readCheckpoint(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no checkpoint in %s: %w", dir, ErrNoCheckpoint)
		}
		return nil, err
	}
	r := c.Run
	load := func(name string) (*npy.Array, error) {
		a, err := npy.ReadFloat64(filepath.Join(dir, c.Dir, name))
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if len(a.Shape) != 3 || a.Shape[0] != a.Shape[2] || a.Shape[0] <= 0 || a.Shape[1] != r.Params.D {
			return nil, fmt.Errorf("checkpoint: %s has shape %v, want (N, %d, N)", name, a.Shape, r.Params.D)
		}
		return a, nil
	}
	wa, err := load("weights.npy")
	if err != nil {
		return nil, err
	}
	r.Weights = &network.Weights{N: wa.Shape[0], D: r.Params.D, W: wa.Data}
	if err := r.Weights.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if r.keepsBest() {
		b, err := load("best.npy")
		if err != nil {
			return nil, err
		}
		r.Best = &network.Weights{N: b.Shape[0], D: r.Params.D, W: b.Data}
		if r.Best.N != r.Weights.N {
			return nil, fmt.Errorf("checkpoint: best.npy has N = %d, weights.npy %d", r.Best.N, r.Weights.N)
		}
	}
	if r.Optimizer.Steps > 0 {
		m, err := load("opt_m.npy")
		if err != nil {
			return nil, err
		}
		r.Optimizer.M = m.Data
		if r.Config.Optimizer.Kind != SGD {
			v, err := load("opt_v.npy")
			if err != nil {
				return nil, err
			}
			r.Optimizer.V = v.Data
		}
	}
	return &r, nil
}

// keepsBest reports whether the run holds best weights other than the
// latest ones.
func (r *Run) keepsBest() bool {
	return r.Config.KeepBest && r.BestEpoch < len(r.History)
}
