package network

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
}

// ErrSidecar is wrapped by ReadWeights when the sidecar is unreadable or
// describes other weights.
var ErrSidecar = errors.New("bad weights sidecar")

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
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", SidecarPath(path), err)
	}
	if err := npy.WriteFloat64(path, []int{w.N, w.N, w.D}, w.ToSpec()); err != nil {
		return err
	}
	return atomicfile.WriteBytes(SidecarPath(path), append(b, '\n'))
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
	b, err := os.ReadFile(SidecarPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return w, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w: not valid JSON: %w (delete it to use the weights without provenance)", SidecarPath(path), ErrSidecar, err)
	}
	if m.N != w.N || m.D != w.D {
		return nil, nil, fmt.Errorf("%s says N = %d, D = %d but %s holds N = %d, D = %d; the files do not belong together: %w", SidecarPath(path), m.N, m.D, path, w.N, w.D, ErrSidecar)
	}
	return w, &m, nil
}
