package learn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	// Sparse marks the checkpoint of sparse weights: weights.npz (and
	// best.npz) in the .npz format of network.WriteSparseTo, and optimiser
	// moments of shape (entries,).
	Sparse bool `json:"sparse,omitempty"`
	// Sums are the SHA-256 sums of the tensor files, verified by Resume
	// (absent from checkpoints written before they were recorded).
	Sums map[string]string `json:"sha256,omitempty"`
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
	o := r.Optimizer
	var shape []int
	var tensors map[string][]float64
	sums := map[string]string{}
	if r.Sparse != nil {
		shape = []int{len(r.Sparse.W)} // one value per entry
		tensors = map[string][]float64{"opt_m.npy": o.M, "opt_v.npy": o.V}
		weights := map[string]*network.Sparse{"weights.npz": r.Sparse}
		if r.keepsBest() {
			weights["best.npz"] = r.BestSparse
		}
		for name, sp := range weights {
			h := sha256.New()
			err := atomicfile.Write(filepath.Join(path, name), func(out io.Writer) error {
				return network.WriteSparseTo(io.MultiWriter(out, h), sp)
			})
			if err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
			sums[name] = hex.EncodeToString(h.Sum(nil))
		}
	} else {
		w := r.Weights
		shape = []int{w.N, w.D, w.N} // pre-major, as in memory
		tensors = map[string][]float64{"weights.npy": w.W, "opt_m.npy": o.M, "opt_v.npy": o.V}
		if r.keepsBest() {
			tensors["best.npy"] = r.Best.W
		}
	}
	for name, buf := range tensors {
		if buf == nil {
			continue
		}
		h := sha256.New()
		err := atomicfile.Write(filepath.Join(path, name), func(out io.Writer) error {
			return npy.WriteFloat64To(io.MultiWriter(out, h), shape, buf)
		})
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	prev, _ := readCheckpoint(dir)
	b, err := json.MarshalIndent(checkpoint{Run: *r, Dir: sub, Sparse: r.Sparse != nil, Sums: sums}, "", "  ")
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
	if c.Sparse {
		return resumeSparse(dir, c)
	}
	load := func(name string) (*npy.Array, error) {
		a, err := readSummed(filepath.Join(dir, c.Dir, name), c.Sums[name], c.Sums != nil)
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

// resumeSparse is Resume of the checkpoint c of sparse weights in dir.
func resumeSparse(dir string, c *checkpoint) (*Run, error) {
	r := c.Run
	if c.Sums == nil {
		return nil, fmt.Errorf("checkpoint: %s records no checksums: %w", filepath.Join(dir, CheckpointFile), ErrCheckpoint)
	}
	loadSparse := func(name string) (*network.Sparse, error) {
		path := filepath.Join(dir, c.Dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if err := checkSum(path, b, c.Sums[name]); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		s, err := network.ReadSparseFrom(bytes.NewReader(b), int64(len(b)))
		if err == nil && s.D != r.Params.D {
			err = fmt.Errorf("%d delays, the run's parameters have D = %d", s.D, r.Params.D)
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w: %w", path, ErrCheckpoint, err)
		}
		return s, nil
	}
	var err error
	if r.Sparse, err = loadSparse("weights.npz"); err != nil {
		return nil, err
	}
	entries := len(r.Sparse.W)
	if r.keepsBest() {
		if r.BestSparse, err = loadSparse("best.npz"); err != nil {
			return nil, err
		}
		if !slices.Equal(r.BestSparse.Start, r.Sparse.Start) || !slices.Equal(r.BestSparse.Post, r.Sparse.Post) {
			return nil, fmt.Errorf("checkpoint: best.npz stores other synapses than weights.npz: %w", ErrCheckpoint)
		}
	}
	load := func(name string) ([]float64, error) {
		a, err := readSummed(filepath.Join(dir, c.Dir, name), c.Sums[name], true)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if len(a.Shape) != 1 || a.Shape[0] != entries {
			return nil, fmt.Errorf("checkpoint: %s has shape %v, want (%d,), one value per stored synapse: %w", name, a.Shape, entries, ErrCheckpoint)
		}
		return a.Data, nil
	}
	if r.Optimizer.Steps > 0 {
		if r.Optimizer.M, err = load("opt_m.npy"); err != nil {
			return nil, err
		}
		if r.Config.Optimizer.Kind != SGD {
			if r.Optimizer.V, err = load("opt_v.npy"); err != nil {
				return nil, err
			}
		}
	}
	return &r, nil
}

// checkSum verifies the SHA-256 sum of the bytes b of the file path
// against the one the checkpoint recorded.
func checkSum(path string, b []byte, want string) error {
	if want == "" {
		return fmt.Errorf("%s: %w: the checkpoint records no checksum for it", path, ErrCheckpoint)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%s: %w: SHA-256 %s, the checkpoint recorded %s: the file was changed or damaged after it was written", path, ErrCheckpoint, got[:12], want[:min(12, len(want))])
	}
	return nil
}

// readSummed reads a tensor of a checkpoint and, when check is set,
// verifies its SHA-256 sum against want.
func readSummed(path, want string, check bool) (*npy.Array, error) {
	if !check {
		return npy.ReadFloat64(path)
	}
	if want == "" {
		return nil, fmt.Errorf("%s: %w: the checkpoint records no checksum for it", path, ErrCheckpoint)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	a, err := npy.ReadFloat64From(io.TeeReader(f, h))
	if got := hex.EncodeToString(h.Sum(nil)); err == nil && got != want {
		err = fmt.Errorf("SHA-256 %s, the checkpoint recorded %s: the file was changed or damaged after it was written", got[:12], want[:min(12, len(want))])
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrCheckpoint, err)
	}
	return a, nil
}

// CleanCheckpoints removes what an interrupted SaveCheckpoint may have
// left in dir: epoch directories the checkpoint does not point at and
// hidden temporary files. A missing dir is not an error.
func CleanCheckpoints(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	keep := ""
	if c, err := readCheckpoint(dir); err == nil {
		keep = c.Dir
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && strings.HasPrefix(name, "epoch-") && name != keep:
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return err
			}
		case e.IsDir() && name == keep:
			if err := atomicfile.RemoveTemps(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return atomicfile.RemoveTemps(dir)
}

// keepsBest reports whether the run holds best weights other than the
// latest ones.
func (r *Run) keepsBest() bool {
	return r.Config.KeepBest && r.BestEpoch < len(r.History)
}
