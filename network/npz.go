package network

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/npy"
)

// SparseLayout is the Layout a sidecar records for sparse weights.
const SparseLayout = "coo post, pre, delay (1..D), weight; sorted by pre, delay, post; shape (N, N, D)"

// The arrays of a sparse weights file.
var sparseArrays = []string{"post", "pre", "delay", "weight", "shape"}

// WriteSparseTo writes s to out as an uncompressed .npz archive (as
// numpy.savez writes) of COO arrays: int32 post, pre and delay (1..D),
// float64 weight, one entry per stored synapse, sorted by (pre, delay,
// post), and int64 shape = (N, N, D). The dense tensor of the SPEC layout
// is w[post, pre, delay − 1] = weight, zero elsewhere.
func WriteSparseTo(out io.Writer, s *Sparse) error { return WriteSparseArraysTo(out, s) }

// NPZArray is an extra array of a sparse weights archive, such as the
// integers and scales of quantised weights: the archive member Name.npy,
// whose content Write writes (as a .npy array).
type NPZArray struct {
	Name  string
	Write func(io.Writer) error
}

// WriteSparseArraysTo writes s as WriteSparseTo does, followed by the
// extra arrays, in order. The sparse arrays' names are reserved.
func WriteSparseArraysTo(out io.Writer, s *Sparse, extra ...NPZArray) error {
	for _, a := range extra {
		for _, name := range sparseArrays {
			if a.Name == name {
				return fmt.Errorf("sparse weights: an extra array cannot be named %q, a name of the sparse arrays", name)
			}
		}
	}
	e := len(s.Post)
	pre, delay := make([]int32, e), make([]int32, e)
	for r := 0; r < s.N*s.D; r++ {
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			pre[k], delay[k] = int32(r/s.D), int32(r%s.D+1)
		}
	}
	z := zip.NewWriter(out)
	arrays := append([]NPZArray{
		{"post", func(w io.Writer) error { return npy.WriteInt32To(w, []int{e}, s.Post) }},
		{"pre", func(w io.Writer) error { return npy.WriteInt32To(w, []int{e}, pre) }},
		{"delay", func(w io.Writer) error { return npy.WriteInt32To(w, []int{e}, delay) }},
		{"weight", func(w io.Writer) error { return npy.WriteFloat64To(w, []int{e}, s.W) }},
		{"shape", func(w io.Writer) error {
			return npy.WriteInt64To(w, []int{3}, []int64{int64(s.N), int64(s.N), int64(s.D)})
		}},
	}, extra...)
	for _, a := range arrays {
		w, err := z.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := a.Write(w); err != nil {
			return err
		}
	}
	return z.Close()
}

// WriteSparse writes s to path as WriteSparseTo does and meta to its
// sidecar, as WriteWeights does for dense weights. Both files are written
// atomically.
func WriteSparse(path string, s *Sparse, meta Meta) error {
	return WriteSparseArrays(path, s, meta)
}

// WriteSparseArrays is WriteSparse with extra arrays in the archive (see
// WriteSparseArraysTo). Readers of sparse weights ignore them.
func WriteSparseArrays(path string, s *Sparse, meta Meta, extra ...NPZArray) error {
	meta.Format = WeightsFormat
	meta.Layout = SparseLayout
	for i, a := range extra {
		if i == 0 {
			meta.Layout += "; also"
		}
		meta.Layout += " " + a.Name
	}
	meta.N, meta.D = s.N, s.D
	h := sha256.New()
	err := atomicfile.Write(path, func(out io.Writer) error {
		return WriteSparseArraysTo(io.MultiWriter(out, h), s, extra...)
	})
	if err != nil {
		return err
	}
	return writeSidecar(path, hex.EncodeToString(h.Sum(nil)), meta)
}

// ReadSparse reads a sparse weights file (see WriteSparseTo) and its
// sidecar, if there is one, with the checks of ReadWeights. Archives
// made elsewhere (numpy.savez or savez_compressed) may use any integer
// dtype for post, pre, delay and shape and float32 or float64 for weight.
// Bad content — a missing array, another dtype, arrays of unequal
// lengths, an index out of range, a synapse stored twice, entries not
// sorted by (pre, delay, post), a weight that is NaN or infinite — gives
// a *npy.ParseError saying what to fix; sizes beyond the machine's
// memory are refused (wrapping ErrTooLarge) before the arrays are read.
func ReadSparse(path string) (*Sparse, *Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	s, err := readSparse(path, f, fi.Size(), availableMemory())
	if err != nil {
		return nil, nil, err
	}
	m, err := readSidecar(path, s.N, s.D)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

// ReadSparseFrom reads sparse weights from an .npz archive of size bytes,
// as ReadSparse does without the sidecar.
func ReadSparseFrom(r io.ReaderAt, size int64) (*Sparse, error) {
	return readSparse("", r, size, availableMemory())
}

// ReadSynapses reads dense weights from a .npy file (ReadWeights) or
// sparse weights from a .npz file (ReadSparse), by the file's extension.
func ReadSynapses(path string) (Synapses, *Meta, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return ReadWeights(path)
	case ".npz":
		return ReadSparse(path)
	}
	return nil, nil, fmt.Errorf("%s: weights must be a .npy file (dense) or a .npz file (sparse); rename the file or convert it (hdsnn convert)", path)
}

// readSparse reads an .npz archive of sparse weights named path, refusing
// sizes whose memory would exceed avail bytes.
func readSparse(path string, r io.ReaderAt, size int64, avail float64) (*Sparse, error) {
	perr := func(err error) error { return &npy.ParseError{Path: path, Err: err} }
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, perr(fmt.Errorf("not a .npz (zip) archive: %w; save sparse weights with numpy.savez(path, post=…, pre=…, delay=…, weight=…, shape=(N, N, D))", err))
	}
	files := npy.ZipMembers(z.File)
	for _, name := range sparseArrays {
		if files[name] == nil {
			return nil, perr(fmt.Errorf("the archive has no array %q; sparse weights need the arrays post, pre, delay, weight and shape (numpy.savez(path, post=…, pre=…, delay=…, weight=…, shape=(N, N, D)))", name))
		}
	}
	// Headers first: dtypes and sizes are checked before any data is read.
	lengths := map[string]int{}
	for _, name := range sparseArrays {
		shape, dtype, err := npy.ZipHeader(files[name])
		if err != nil {
			return nil, perr(fmt.Errorf("%s: %w", name, err))
		}
		kind := npy.Kind(dtype)
		switch {
		case name == "weight" && kind != 'f':
			return nil, perr(fmt.Errorf("weight has dtype %s; save the weights as float64 (or float32): %w", dtype, npy.ErrDType))
		case name != "weight" && kind != 'i' && kind != 'u':
			return nil, perr(fmt.Errorf("%s has dtype %s; save indices as integers (int32 or int64): %w", name, dtype, npy.ErrDType))
		case len(shape) != 1:
			return nil, perr(fmt.Errorf("%s has shape %s; every array must be one-dimensional: %w", name, npy.FormatShape(shape), npy.ErrShape))
		}
		lengths[name] = shape[0]
	}
	if lengths["shape"] != 3 {
		return nil, perr(fmt.Errorf("shape holds %d numbers; it must be (N, N, D): %w", lengths["shape"], npy.ErrShape))
	}
	e := lengths["post"]
	for _, name := range []string{"pre", "delay", "weight"} {
		if lengths[name] != e {
			return nil, perr(fmt.Errorf("post has %d entries but %s has %d; give every synapse one post, pre, delay and weight: %w", e, name, lengths[name], npy.ErrShape))
		}
	}
	dims, err := npy.ZipFloat64(files["shape"])
	if err != nil {
		return nil, perr(fmt.Errorf("shape: %w", err))
	}
	if dims[0] != dims[1] || !(dims[0] >= 1 && dims[0] <= math.MaxInt32) || !(dims[2] >= 1 && dims[2] <= math.MaxInt32) || dims[0] != math.Trunc(dims[0]) || dims[2] != math.Trunc(dims[2]) {
		return nil, perr(fmt.Errorf("shape is %v; it must be (N, N, D) with 1 ≤ N, D < 2³¹: %w", dims, npy.ErrShape))
	}
	n, d := int(dims[0]), int(dims[2])
	if float64(e) > float64(n)*float64(n)*float64(d) {
		return nil, perr(fmt.Errorf("%d synapses are more than the N·N·D = %d·%d·%d a network holds, so some are stored twice: %w", e, n, n, d, npy.ErrShape))
	}
	need := SparseBytes(n, d, int64(e)) + 16*float64(e) // the tensor, and pre and delay and one array as read
	if !(need <= 0.9*avail) {
		return nil, perr(fmt.Errorf("sparse weights of N = %d, D = %d with %d synapses need about %s but about %s is available; use a machine with more memory or fewer synapses: %w",
			n, d, e, FormatBytes(need), FormatBytes(avail), ErrTooLarge))
	}
	index := func(name string, lo, hi int) ([]int32, error) {
		v, err := npy.ZipFloat64(files[name])
		if err != nil {
			return nil, perr(fmt.Errorf("%s: %w", name, err))
		}
		out := make([]int32, len(v))
		for k, x := range v {
			if !(x >= float64(lo) && x <= float64(hi)) || x != math.Trunc(x) {
				return nil, perr(fmt.Errorf("%s[%d] = %v is outside %d..%d (post and pre are neurons 0..N−1, delay is 1..D)", name, k, x, lo, hi))
			}
			out[k] = int32(x)
		}
		return out, nil
	}
	pre, err := index("pre", 0, n-1)
	if err != nil {
		return nil, err
	}
	delay, err := index("delay", 1, d)
	if err != nil {
		return nil, err
	}
	post, err := index("post", 0, n-1)
	if err != nil {
		return nil, err
	}
	w, err := npy.ZipFloat64(files["weight"])
	if err != nil {
		return nil, perr(fmt.Errorf("weight: %w", err))
	}
	s := &Sparse{N: n, D: d, Start: make([]int64, n*d+1), Post: post, W: w}
	prev := -1
	for k := range post {
		r := int(pre[k])*d + int(delay[k]) - 1
		if r < prev || (r == prev && post[k] <= post[k-1]) {
			if r == prev && post[k] == post[k-1] {
				return nil, perr(fmt.Errorf("synapse [post %d, pre %d, delay %d] is stored twice (entries %d and %d); store each synapse once (sum the duplicates)", post[k], pre[k], delay[k], k-1, k))
			}
			return nil, perr(fmt.Errorf("entry %d (pre %d, delay %d, post %d) comes after entry %d (pre %d, delay %d, post %d); sort the entries by pre, delay, post (order = numpy.lexsort((post, delay, pre)))",
				k, pre[k], delay[k], post[k], k-1, pre[k-1], delay[k-1], post[k-1]))
		}
		if v := w[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, perr(fmt.Errorf("weight [post %d, pre %d, delay %d] (entry %d) is %v; weights must be finite (retrain or re-initialise)", post[k], pre[k], delay[k], k, v))
		}
		s.Start[r+1]++
		prev = r
	}
	for r := 0; r < n*d; r++ {
		s.Start[r+1] += s.Start[r]
	}
	return s, nil
}

// writeSidecar writes meta, with the weights file's SHA-256 sum, to the
// sidecar of path.
func writeSidecar(path, sum string, meta Meta) error {
	meta.SHA256 = sum
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", SidecarPath(path), err)
	}
	return atomicfile.WriteBytes(SidecarPath(path), append(b, '\n'))
}
