package network

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/npy"
)

// WeightsFormat names the sidecar format.
const WeightsFormat = "hdsnn-weights/1"

// Meta is the JSON sidecar written beside a weights file: the parameters
// the weights were made for and how they were made.
type Meta struct {
	Format  string          `json:"format"`
	Version string          `json:"version"`
	Layout  string          `json:"layout"`
	N       int             `json:"neurons"`
	D       int             `json:"delays"`
	Params  *Params         `json:"params,omitempty"`
	Seed    uint64          `json:"seed"`
	Source  string          `json:"source"`            // what made the weights, e.g. "init hebbian"
	Details json.RawMessage `json:"details,omitempty"` // the maker's settings and statistics
	// SHA256 is the hex SHA-256 sum of the weights file written with this
	// sidecar; ReadWeights refuses a weights file with another sum, so
	// that a tensor and a sidecar of two runs are never taken as a pair.
	SHA256 string `json:"sha256,omitempty"`
}

// ErrSidecar is wrapped by ReadWeights when the sidecar is unreadable or
// describes other weights.
var ErrSidecar = errors.New("bad weights sidecar")

// FileSHA256 returns the hex SHA-256 sum of the file at path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SidecarPath returns the sidecar path of a weights file: weights.npy →
// weights.json.
func SidecarPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
}

// WriteWeights writes w to path as a float64 .npy array of shape (N, N, D)
// in the SPEC layout [post][pre][delay−1], and meta to its sidecar. Both
// files are written atomically.
func WriteWeights(path string, w *Weights, meta Meta) error {
	meta.Format = WeightsFormat
	meta.Layout = "w[post, pre, delay-1]"
	meta.N, meta.D = w.N, w.D
	h := sha256.New()
	err := atomicfile.Write(path, func(out io.Writer) error {
		return npy.WriteFloat64To(io.MultiWriter(out, h), []int{w.N, w.N, w.D}, w.ToSpec())
	})
	if err != nil {
		return err
	}
	return writeSidecar(path, hex.EncodeToString(h.Sum(nil)), meta)
}

// WriteWeightsTo writes w to out as a float64 .npy stream of shape
// (N, N, D) in the SPEC layout, without a sidecar.
func WriteWeightsTo(out io.Writer, w *Weights) error {
	return npy.WriteFloat64To(out, []int{w.N, w.N, w.D}, w.ToSpec())
}

// ReadWeightsFrom reads weights from a .npy stream of shape (N, N, D) in
// the SPEC layout, as ReadWeights does without the sidecar.
func ReadWeightsFrom(r io.Reader) (*Weights, error) {
	a, err := npy.ReadFloat64From(r)
	if err != nil {
		return nil, err
	}
	return specWeights("", a)
}

// specWeights checks the shape and entries of a weights array read from
// path.
func specWeights(path string, a *npy.Array) (*Weights, error) {
	if len(a.Shape) != 3 || a.Shape[0] != a.Shape[1] || a.Shape[0] == 0 || a.Shape[2] == 0 {
		return nil, &npy.ParseError{Path: path, Err: fmt.Errorf("weights must have shape (N, N, D) [post, pre, delay], got %v (%w)", a.Shape, npy.ErrShape)}
	}
	w, err := FromSpec(a.Shape[0], a.Shape[2], a.Data)
	if err != nil {
		return nil, &npy.ParseError{Path: path, Err: err}
	}
	return w, nil
}

// ReadWeights reads a weights file of shape (N, N, D) in the SPEC layout
// and its sidecar, if there is one (files made elsewhere need none; meta
// is then nil). Every entry must be finite. Bad content gives a
// *npy.ParseError; a sidecar that does not match wraps ErrSidecar.
func ReadWeights(path string) (*Weights, *Meta, error) {
	a, err := npy.ReadFloat64(path)
	if err != nil {
		return nil, nil, err
	}
	w, err := specWeights(path, a)
	if err != nil {
		return nil, nil, err
	}
	m, err := readSidecar(path, w.N, w.D)
	if err != nil {
		return nil, nil, err
	}
	return w, m, nil
}

// readSidecar reads the sidecar of the weights file at path, of n neurons
// and d delays, and checks that it describes that file; no sidecar gives
// nil.
func readSidecar(path string, n, d int) (*Meta, error) {
	b, err := os.ReadFile(SidecarPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w: not valid JSON: %w (delete it to use the weights without provenance)", SidecarPath(path), ErrSidecar, err)
	}
	if m.N != n || m.D != d {
		return nil, fmt.Errorf("%s says N = %d, D = %d but %s holds N = %d, D = %d; the files do not belong together: %w", SidecarPath(path), m.N, m.D, path, n, d, ErrSidecar)
	}
	if m.SHA256 != "" {
		sum, err := FileSHA256(path)
		if err != nil {
			return nil, err
		}
		if sum != m.SHA256 {
			return nil, fmt.Errorf("%s records the SHA-256 %.12s… of its weights file but %s has %.12s…: the two files come from different runs (or the tensor was changed), so its parameters cannot be trusted; use the pair one run wrote, or delete the sidecar to use the tensor without provenance: %w",
				SidecarPath(path), m.SHA256, path, sum, ErrSidecar)
		}
	}
	return &m, nil
}
