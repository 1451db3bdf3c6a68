package quant

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
)

// Quantised weights files are sparse weights archives (network.WriteSparse:
// post, pre, delay, weight = the dequantised Int·Scale, shape) with three
// more arrays: int (int32, one per synapse, in the order of the entries),
// scale (float64, one per postsynaptic neuron) and bits (int64, one
// number). Readers of sparse weights read them as float weights.

// WriteWeightsTo writes q to out as a quantised weights archive.
func WriteWeightsTo(out io.Writer, q *Weights) error {
	return network.WriteSparseArraysTo(out, q.S, extraArrays(q)...)
}

// WriteWeights writes q to path, and meta to its sidecar, atomically.
func WriteWeights(path string, q *Weights, meta network.Meta) error {
	return network.WriteSparseArrays(path, q.S, meta, extraArrays(q)...)
}

// extraArrays returns the arrays a quantised archive adds.
func extraArrays(q *Weights) []network.NPZArray {
	return []network.NPZArray{
		{Name: "int", Write: func(w io.Writer) error { return npy.WriteInt32To(w, []int{len(q.Int)}, q.Int) }},
		{Name: "scale", Write: func(w io.Writer) error { return npy.WriteFloat64To(w, []int{len(q.Scale)}, q.Scale) }},
		{Name: "bits", Write: func(w io.Writer) error { return npy.WriteInt64To(w, []int{1}, []int64{int64(q.Bits)}) }},
	}
}

// IsQuantised reports whether the .npz archive at path holds the arrays
// of quantised weights (int, scale and bits); it reads the archive's
// directory only.
func IsQuantised(path string) (bool, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return false, &npy.ParseError{Path: path, Err: fmt.Errorf("not a .npz (zip) archive: %w", err)}
	}
	defer z.Close()
	have := npy.ZipMembers(z.File)
	return have["int"] != nil && have["scale"] != nil && have["bits"] != nil, nil
}

// ReadWeights reads a quantised weights file and its sidecar, if any.
// The sparse arrays are read and checked by network.ReadSparse; the
// quantisation arrays must be present, of integer (int, bits) and float
// (scale) dtypes, one-dimensional, one int per synapse and one scale per
// neuron, bits one of the widths, every int within the width, every
// scale finite and non-negative, and every weight exactly int·scale of
// its postsynaptic neuron. Anything else gives a *npy.ParseError naming
// the fix.
func ReadWeights(path string) (*Weights, *network.Meta, error) {
	s, meta, err := network.ReadSparse(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	q, err := readExtras(path, f, fi.Size(), s)
	if err != nil {
		return nil, nil, err
	}
	return q, meta, nil
}

// ReadWeightsFrom reads quantised weights from an archive of size bytes,
// as ReadWeights does without the sidecar.
func ReadWeightsFrom(r io.ReaderAt, size int64) (*Weights, error) {
	s, err := network.ReadSparseFrom(r, size)
	if err != nil {
		return nil, err
	}
	return readExtras("", r, size, s)
}

// readExtras reads the quantisation arrays of the archive named path,
// whose sparse arrays are s.
func readExtras(path string, r io.ReaderAt, size int64, s *network.Sparse) (*Weights, error) {
	perr := func(err error) error { return &npy.ParseError{Path: path, Err: err} }
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, perr(fmt.Errorf("not a .npz (zip) archive: %w", err))
	}
	files := npy.ZipMembers(z.File)
	want := map[string]int{"int": len(s.Post), "scale": s.N, "bits": 1}
	for _, name := range []string{"int", "scale", "bits"} {
		f := files[name]
		if f == nil {
			return nil, perr(fmt.Errorf("the archive has no array %q: these are sparse float weights, not quantised ones; quantise them with hdsnn convert --bits (or recall them with --bits)", name))
		}
		shape, dtype, err := npy.ZipHeader(f)
		if err != nil {
			return nil, perr(fmt.Errorf("%s: %w", name, err))
		}
		kind := npy.Kind(dtype)
		switch {
		case name == "scale" && kind != 'f':
			return nil, perr(fmt.Errorf("scale has dtype %s; save the scales as float64: %w", dtype, npy.ErrDType))
		case name != "scale" && kind != 'i' && kind != 'u':
			return nil, perr(fmt.Errorf("%s has dtype %s; save it as integers (int32 or int64): %w", name, dtype, npy.ErrDType))
		case len(shape) != 1 || shape[0] != want[name]:
			return nil, perr(fmt.Errorf("%s has shape %s; want (%d,): one int per synapse, one scale per neuron, one bits: %w", name, npy.FormatShape(shape), want[name], npy.ErrShape))
		}
	}
	bits, err := npy.ZipFloat64(files["bits"])
	if err != nil {
		return nil, perr(fmt.Errorf("bits: %w", err))
	}
	b := bits[0]
	if b != math.Trunc(b) || (Config{Bits: int(b)}).Validate() != nil {
		return nil, perr(fmt.Errorf("bits is %v; it must be 16, 8, 6, 4, 2 or 1", b))
	}
	ints, err := npy.ZipFloat64(files["int"])
	if err != nil {
		return nil, perr(fmt.Errorf("int: %w", err))
	}
	scale, err := npy.ZipFloat64(files["scale"])
	if err != nil {
		return nil, perr(fmt.Errorf("scale: %w", err))
	}
	q := &Weights{S: s, Int: make([]int32, len(ints)), Scale: scale, Bits: int(b)}
	lv := float64(Levels(q.Bits))
	for k, v := range ints {
		if v != math.Trunc(v) || v < -lv || v > lv {
			return nil, perr(fmt.Errorf("int[%d] = %v is outside ±%v, the range of %d bits; quantise again (hdsnn convert --bits)", k, v, lv, q.Bits))
		}
		q.Int[k] = int32(v)
	}
	if err := q.Validate(); err != nil {
		return nil, perr(fmt.Errorf("%w; the file's weights and its int and scale arrays disagree: quantise again (hdsnn convert --bits)", err))
	}
	return q, nil
}
