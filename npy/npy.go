// Package npy reads and writes NumPy .npy files that hold plain numeric
// arrays: the weight tensors and spike rasters exchanged with Python.
//
// Headers are parsed here as numpy's own reader accepts them (any key
// order, either quote). The array data is read and written here too, in
// chunks, because codeberg.org/sbinet/npyio decodes element by element
// through an io.Reader (slow for tens of millions of elements, and
// returning io.EOF with a zero-filled tail for a file cut at an element
// boundary) and writes N-dimensional arrays only as nested slices, which
// takes seconds for ten million elements.
//
// Files are read in C (row-major) order; Fortran-ordered files are
// rejected unless their layout coincides with C order. Written files use
// format version 1.0, little-endian, C order.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio"

	"github.com/hdsnn/hdsnn/atomicfile"
)

// chunkBytes is the size of the blocks in which array data is read,
// converted and written.
const chunkBytes = 1 << 16

// Array is an n-dimensional array read from a .npy file.
type Array struct {
	// Shape is the array's shape; an empty shape is a 0-d (scalar) array.
	Shape []int
	// DType is the element type as the file declares it, e.g. "<f8".
	DType string
	// Data holds the elements in C (row-major) order, converted to
	// float64. len(Data) is the product of Shape.
	Data []float64
}

// Errors that readers and writers wrap, for callers that branch on the
// kind of problem. Their text is the start of the message they are in.
var (
	// ErrNotNPY: the data is not a .npy array (bad magic, version or
	// header).
	ErrNotNPY = errors.New("not a .npy file")
	// ErrTruncated: the data ends before the header or the array does.
	ErrTruncated = errors.New("truncated")
	// ErrDType: the element type is not supported.
	ErrDType = errors.New("dtype not supported")
	// ErrShape: a shape is invalid, does not match the data, or is not
	// the one the caller needs.
	ErrShape = errors.New("shape mismatch")
	// ErrNotBinary: an array that must hold only 0 and 1 holds another
	// value.
	ErrNotBinary = errors.New("not a binary array")
)

// ParseError is an error in the content of a file, at a line when the
// format has lines (Line 0: no line). Path is empty for data read from an
// io.Reader without a name. Readers of this module (npy, raster) return
// it for bad content; errors opening or reading the file are returned as
// they are.
type ParseError struct {
	Path string
	Line int
	Err  error
}

// Error returns "path:line: err", "path: err" or "err".
func (e *ParseError) Error() string {
	switch {
	case e.Path == "":
		if e.Line > 0 {
			return fmt.Sprintf("line %d: %v", e.Line, e.Err)
		}
		return e.Err.Error()
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ReadFloat64 reads the .npy file at path and converts its elements to
// float64. The file's dtype must be bool, a signed or unsigned integer of
// 1, 2, 4 or 8 bytes, float32 or float64, in either byte order. Integers
// beyond ±2⁵³ lose precision in the conversion.
//
// ReadFloat64 returns a *ParseError naming path if the file is not a .npy
// file, has an unsupported dtype, is in Fortran order, or holds fewer or
// more data bytes than its header declares; the error wraps ErrNotNPY,
// ErrDType, ErrShape or ErrTruncated.
func ReadFloat64(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readFloat64(path, f)
}

// ReadFloat64From is ReadFloat64 for a .npy stream. It reads r to its
// end; errors name no path.
func ReadFloat64From(r io.Reader) (*Array, error) { return readFloat64("", r) }

func readFloat64(path string, r io.Reader) (*Array, error) {
	src, err := parse(path, r, "float64 or float32")
	if err != nil {
		return nil, err
	}
	data := src.alloc64()
	err = src.each(func(off int, raw []byte) error {
		need := off + len(raw)/src.dt.size
		if need > cap(data) {
			data = slices.Grow(data[:off], need-off)
		}
		data = data[:need]
		src.dt.decode(data[off:], raw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Array{Shape: src.shape, DType: src.dt.descr, Data: data}, nil
}

// Header returns the shape and dtype (e.g. "<f8") the header of the .npy
// file at path declares, reading nothing else, so that a caller can
// refuse an array too large for the machine before reading it. The
// errors are those of ReadFloat64 for the header.
func Header(path string) (shape []int, dtype string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	hdr, err := readHeader(f)
	if err != nil {
		return nil, "", &ParseError{Path: path, Err: err}
	}
	if _, err := numElems(hdr.shape); err != nil {
		return nil, "", &ParseError{Path: path, Err: err}
	}
	return hdr.shape, hdr.descr, nil
}

// HeaderFrom is Header for a .npy stream: it reads the header from r and
// leaves r at the start of the data.
func HeaderFrom(r io.Reader) (shape []int, dtype string, err error) {
	hdr, err := readHeader(r)
	if err != nil {
		return nil, "", &ParseError{Err: err}
	}
	if _, err := numElems(hdr.shape); err != nil {
		return nil, "", &ParseError{Err: err}
	}
	return hdr.shape, hdr.descr, nil
}

// ReadBinary reads the .npy file at path, whose elements must all be
// exactly 0 or 1, and returns its shape and its elements in C order. It
// accepts the same dtypes as ReadFloat64; any other value, NaN included,
// is an error (wrapping ErrNotBinary) naming the first offending element.
// The elements are converted in chunks, so no float64 copy of the array is
// made.
func ReadBinary(path string) (shape []int, data []uint8, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readBinary(path, f)
}

// ReadBinaryFrom is ReadBinary for a .npy stream. It reads r to its end;
// errors name no path.
func ReadBinaryFrom(r io.Reader) (shape []int, data []uint8, err error) {
	return readBinary("", r)
}

func readBinary(path string, r io.Reader) (shape []int, data []uint8, err error) {
	src, err := parse(path, r, "uint8 or bool")
	if err != nil {
		return nil, nil, err
	}
	data = src.alloc8()
	if src.dt.size == 1 {
		err = src.each(func(off int, raw []byte) error {
			for k, v := range raw {
				if v > 1 {
					x := float64(v)
					if src.dt.kind == 'i' {
						x = float64(int8(v))
					}
					return src.notBinary(off+k, x)
				}
			}
			data = append(data[:off], raw...)
			return nil
		})
	} else {
		scratch := make([]float64, chunkBytes/src.dt.size)
		err = src.each(func(off int, raw []byte) error {
			vals := scratch[:len(raw)/src.dt.size]
			src.dt.decode(vals, raw)
			data = append(data[:off], make([]uint8, len(vals))...)
			for k, v := range vals {
				switch v {
				case 0:
				case 1:
					data[off+k] = 1
				default:
					return src.notBinary(off+k, v)
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, nil, err
	}
	return src.shape, data, nil
}

// WriteFloat64 atomically writes data, an array of the given shape in C
// order, to path as a little-endian float64 (<f8) .npy file.
func WriteFloat64(path string, shape []int, data []float64) error {
	hdr, err := header(path, "<f8", shape, len(data))
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return writeFloat64(w, hdr, data) })
}

// WriteFloat64To writes data, an array of the given shape in C order, to
// w as a little-endian float64 (<f8) .npy stream.
func WriteFloat64To(w io.Writer, shape []int, data []float64) error {
	hdr, err := header("", "<f8", shape, len(data))
	if err != nil {
		return err
	}
	return writeFloat64(w, hdr, data)
}

func writeFloat64(w io.Writer, hdr []byte, data []float64) error {
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, chunkBytes)
	for len(data) > 0 {
		k := min(len(data), chunkBytes/8)
		buf = buf[:0]
		for _, v := range data[:k] {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// WriteUint8 atomically writes data, an array of the given shape in C
// order, to path as a uint8 (|u1) .npy file.
func WriteUint8(path string, shape []int, data []uint8) error {
	hdr, err := header(path, "|u1", shape, len(data))
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return writeUint8(w, hdr, data) })
}

// WriteUint8To writes data, an array of the given shape in C order, to w
// as a uint8 (|u1) .npy stream.
func WriteUint8To(w io.Writer, shape []int, data []uint8) error {
	hdr, err := header("", "|u1", shape, len(data))
	if err != nil {
		return err
	}
	return writeUint8(w, hdr, data)
}

func writeUint8(w io.Writer, hdr []byte, data []uint8) error {
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// WriteInt32To writes data, an array of the given shape in C order, to w
// as a little-endian int32 (<i4) .npy stream.
func WriteInt32To(w io.Writer, shape []int, data []int32) error {
	hdr, err := header("", "<i4", shape, len(data))
	if err != nil {
		return err
	}
	return writeInts(w, hdr, data, 4, func(b []byte, v int32) []byte { return binary.LittleEndian.AppendUint32(b, uint32(v)) })
}

// WriteInt64To writes data, an array of the given shape in C order, to w
// as a little-endian int64 (<i8) .npy stream.
func WriteInt64To(w io.Writer, shape []int, data []int64) error {
	hdr, err := header("", "<i8", shape, len(data))
	if err != nil {
		return err
	}
	return writeInts(w, hdr, data, 8, func(b []byte, v int64) []byte { return binary.LittleEndian.AppendUint64(b, uint64(v)) })
}

// writeInts writes hdr and then data, size bytes per element, in chunks.
func writeInts[E int32 | int64](w io.Writer, hdr []byte, data []E, size int, put func([]byte, E) []byte) error {
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, chunkBytes)
	for len(data) > 0 {
		k := min(len(data), chunkBytes/size)
		buf = buf[:0]
		for _, v := range data[:k] {
			buf = put(buf, v)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// header returns the version 1.0 .npy header for an array of descr
// elements and the given shape, checking that the shape holds n elements.
//
// npyio writes headers only inside Write, which takes 1-d slices,
// mat.Dense or nested slices; it writes version 2.0, misaligns the data
// (its padding is x%16 spaces instead of the complement to 16), and gives
// an empty slice the shape (). The format is short enough to write here:
// the magic string, version 1.0, a little-endian uint16 header length, and
// a Python dict literal padded with spaces and a final '\n' so that the
// data starts at a multiple of 64 bytes, as numpy writes it.
func header(path, descr string, shape []int, n int) ([]byte, error) {
	size, err := numElems(shape)
	if err != nil {
		return nil, &ParseError{Path: path, Err: err}
	}
	if size != n {
		return nil, &ParseError{Path: path, Err: fmt.Errorf("%w: shape %s holds %d elements but the data has %d; pass a shape whose product is the data length", ErrShape, FormatShape(shape), size, n)}
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, FormatShape(shape))
	const prefix = len(npyio.Magic) + 2 + 2 // magic, version, header length
	hlen := len(dict) + 1                   // + '\n'
	hlen += (64 - (prefix+hlen)%64) % 64
	if hlen > math.MaxUint16 {
		return nil, &ParseError{Path: path, Err: fmt.Errorf("%w: shape %s is too long for a .npy version 1.0 header; use fewer dimensions", ErrShape, FormatShape(shape))}
	}
	b := make([]byte, 0, prefix+hlen)
	b = append(b, npyio.Magic[:]...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	b = append(b, dict...)
	for len(b) < prefix+hlen-1 {
		b = append(b, ' ')
	}
	return append(b, '\n'), nil
}

// source is a .npy stream positioned at the start of its data.
type source struct {
	path  string
	r     io.Reader
	shape []int
	dt    dtype
	n     int // number of elements
}

// sizer is an open file: parse checks its size before reading the data.
type sizer interface {
	io.Seeker
	Stat() (fs.FileInfo, error)
}

// parse reads and checks the header of the .npy stream r (named path in
// errors). For a file it also checks that the file holds exactly the data
// the header declares; for other readers each checks that at the end. fix
// names the dtypes to suggest when the file's dtype is not supported.
func parse(path string, r io.Reader, fix string) (*source, error) {
	perr := func(err error) error { return &ParseError{Path: path, Err: err} }
	hdr, err := readHeader(r)
	if err != nil {
		return nil, perr(err)
	}
	src := &source{path: path, r: r, shape: hdr.shape}
	src.dt, err = parseDType(hdr.descr, fix)
	if err != nil {
		return nil, perr(err)
	}
	src.n, err = numElems(src.shape)
	if err != nil {
		return nil, perr(err)
	}
	if hdr.fortran && !sameOrder(src.shape) {
		return nil, perr(fmt.Errorf("%w: array of shape %s is in Fortran order; save it in C order (numpy.ascontiguousarray) instead", ErrShape, FormatShape(src.shape)))
	}
	if src.n > math.MaxInt/src.dt.size {
		return nil, perr(fmt.Errorf("%w: shape %s of %s is too large to address", ErrShape, FormatShape(src.shape), src.dt.descr))
	}
	f, ok := r.(sizer)
	if !ok {
		return src, nil
	}
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := src.checkSize(fi.Size() - start); err != nil {
		return nil, err
	}
	return src, nil
}

// alloc64 returns the slice the elements are decoded into: all of it for
// a file, whose size parse has checked; for a stream, a slice that grows
// with the data actually read, so that a header declaring a huge shape
// cannot make the reader allocate more than the stream holds.
func (s *source) alloc64() []float64 {
	if _, ok := s.r.(sizer); ok {
		return make([]float64, s.n)
	}
	return make([]float64, 0, min(s.n, chunkBytes))
}

// alloc8 is alloc64 for bytes.
func (s *source) alloc8() []uint8 {
	if _, ok := s.r.(sizer); ok {
		return make([]uint8, s.n)
	}
	return make([]uint8, 0, min(s.n, chunkBytes))
}

// checkSize returns an error if have bytes of data are not what the
// header declares.
func (s *source) checkSize(have int64) error {
	want := int64(s.n) * int64(s.dt.size)
	switch {
	case have < want:
		return s.truncated(have)
	case have > want:
		return &ParseError{Path: s.path, Err: fmt.Errorf("%w: %d bytes follow the %d bytes of data that shape %s of %s needs; the file is corrupt or not a plain .npy file, re-save it with numpy.save", ErrNotNPY, have-want, want, FormatShape(s.shape), s.dt.descr)}
	}
	return nil
}

// maxHeaderLen bounds the header length a file may declare, so that a
// corrupt length cannot make the reader allocate gigabytes. numpy.load
// refuses headers over 10000 bytes by default.
const maxHeaderLen = 1 << 16

// readHeader reads the header of a .npy file from r, leaving r at the
// start of the data.
func readHeader(r io.Reader) (hdr headerDict, err error) {
	const nmagic = len(npyio.Magic)
	pre := make([]byte, nmagic+2, nmagic+2+4)
	if _, err := io.ReadFull(r, pre); err != nil || !bytes.Equal(pre[:nmagic], npyio.Magic[:]) {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return hdr, err
		}
		return hdr, fmt.Errorf("%w: it does not start with the \\x93NUMPY magic string; save arrays with numpy.save", ErrNotNPY)
	}
	var hlen int
	switch major := pre[nmagic]; major {
	case 1:
		pre = pre[:nmagic+2+2]
		if _, err := io.ReadFull(r, pre[nmagic+2:]); err != nil {
			return hdr, truncatedHeader(err)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[nmagic+2:]))
	case 2:
		pre = pre[:nmagic+2+4]
		if _, err := io.ReadFull(r, pre[nmagic+2:]); err != nil {
			return hdr, truncatedHeader(err)
		}
		hlen = int(binary.LittleEndian.Uint32(pre[nmagic+2:]))
	default:
		return hdr, fmt.Errorf(".npy format version %d.%d is not supported; save with numpy.save, which writes version 1.0: %w", major, pre[nmagic+1], ErrNotNPY)
	}
	if hlen > maxHeaderLen {
		return hdr, fmt.Errorf("the .npy header claims %d bytes, more than %d; the file is corrupt, re-create it: %w", hlen, maxHeaderLen, ErrNotNPY)
	}
	raw := make([]byte, len(pre)+hlen)
	copy(raw, pre)
	if _, err := io.ReadFull(r, raw[len(pre):]); err != nil {
		return hdr, truncatedHeader(err)
	}

	h, err := parseHeaderDict(string(raw[len(pre):]))
	if err != nil {
		return hdr, fmt.Errorf("malformed .npy header %q: %w; re-save the array with numpy.save (%w)", raw[len(pre):], err, ErrNotNPY)
	}
	return h, nil
}

// truncatedHeader returns the error for a file that ends inside its
// header; err is the read error.
func truncatedHeader(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the file ends inside the .npy header; re-create it", ErrTruncated)
	}
	return err
}

// each reads the data in chunks of whole elements and calls fn with each
// chunk and the flat index of its first element. From a reader that is not
// a file it then checks that no data follows.
func (s *source) each(fn func(off int, raw []byte) error) error {
	if err := s.chunks(fn); err != nil {
		return err
	}
	if _, ok := s.r.(sizer); ok {
		return nil
	}
	extra, err := io.Copy(io.Discard, s.r)
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return s.checkSize(int64(s.n)*int64(s.dt.size) + extra)
}

func (s *source) chunks(fn func(off int, raw []byte) error) error {
	per := max(1, chunkBytes/s.dt.size)
	buf := make([]byte, per*s.dt.size)
	for off := 0; off < s.n; off += per {
		raw := buf[:min(per, s.n-off)*s.dt.size]
		if nr, err := io.ReadFull(s.r, raw); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return s.truncated(int64(off*s.dt.size + nr))
			}
			return fmt.Errorf("%s: %w", s.path, err)
		}
		if s.dt.order == binary.BigEndian {
			swap(raw, s.dt.size)
		}
		if err := fn(off, raw); err != nil {
			return err
		}
	}
	return nil
}

// truncated returns the error for a file that holds only have bytes of
// data.
func (s *source) truncated(have int64) error {
	return &ParseError{Path: s.path, Err: fmt.Errorf("%w: shape %s of %s needs %d bytes of data, the file holds %d; it was cut short (interrupted copy or write?), re-create it",
		ErrTruncated, FormatShape(s.shape), s.dt.descr, int64(s.n)*int64(s.dt.size), have)}
}

// notBinary returns the error for element i, of value v, in a file that
// must hold only 0 and 1.
func (s *source) notBinary(i int, v float64) error {
	return &ParseError{Path: s.path, Err: fmt.Errorf("element %d (index %v of shape %s) is %s; a binary array must hold only 0 and 1, e.g. save (a != 0).astype(numpy.uint8): %w",
		i, unravel(i, s.shape), FormatShape(s.shape), strconv.FormatFloat(v, 'g', -1, 64), ErrNotBinary)}
}

// dtype is a supported element type.
type dtype struct {
	descr string           // as in the header, e.g. "<f8"
	kind  byte             // 'b' bool, 'i' signed, 'u' unsigned integer, 'f' float
	size  int              // bytes per element
	order binary.ByteOrder // byte order on disk
}

// parseDType parses a header's descr value, such as '<f8'. fix names the
// dtypes to suggest instead of an unsupported one.
func parseDType(descr, fix string) (dtype, error) {
	s := descr
	if strings.HasPrefix(s, "[") {
		return dtype{}, fmt.Errorf("structured dtype %s is not supported; save a plain array as %s: %w", descr, fix, ErrDType)
	}
	bad := fmt.Errorf("dtype %s is not supported; save as %s: %w", s, fix, ErrDType)
	if len(s) != 3 {
		return dtype{}, bad
	}
	dt := dtype{descr: s, kind: s[1], size: int(s[2] - '0')}
	switch s[1:] {
	case "b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8":
	default:
		return dtype{}, bad
	}
	switch s[0] {
	case '<':
		dt.order = binary.LittleEndian
	case '>':
		dt.order = binary.BigEndian
	case '|':
		if dt.size != 1 {
			return dtype{}, bad
		}
		dt.order = binary.LittleEndian
	default:
		return dtype{}, bad
	}
	if dt.size == 1 {
		dt.order = binary.LittleEndian // byte order is moot
	}
	return dt, nil
}

// decode converts the little-endian elements in raw to float64 in dst,
// which has one slot per element.
func (dt dtype) decode(dst []float64, raw []byte) {
	le := binary.LittleEndian
	switch dt.kind {
	case 'b':
		for i, v := range raw {
			if v != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case 'i':
		switch dt.size {
		case 1:
			for i, v := range raw {
				dst[i] = float64(int8(v))
			}
		case 2:
			for i := range dst {
				dst[i] = float64(int16(le.Uint16(raw[2*i:])))
			}
		case 4:
			for i := range dst {
				dst[i] = float64(int32(le.Uint32(raw[4*i:])))
			}
		case 8:
			for i := range dst {
				dst[i] = float64(int64(le.Uint64(raw[8*i:])))
			}
		}
	case 'u':
		switch dt.size {
		case 1:
			for i, v := range raw {
				dst[i] = float64(v)
			}
		case 2:
			for i := range dst {
				dst[i] = float64(le.Uint16(raw[2*i:]))
			}
		case 4:
			for i := range dst {
				dst[i] = float64(le.Uint32(raw[4*i:]))
			}
		case 8:
			for i := range dst {
				dst[i] = float64(le.Uint64(raw[8*i:]))
			}
		}
	case 'f':
		switch dt.size {
		case 4:
			for i := range dst {
				dst[i] = float64(math.Float32frombits(le.Uint32(raw[4*i:])))
			}
		case 8:
			for i := range dst {
				dst[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
			}
		}
	}
}

// swap reverses the bytes of each size-byte element of raw in place.
func swap(raw []byte, size int) {
	for i := 0; i+size <= len(raw); i += size {
		e := raw[i : i+size]
		for a, b := 0, size-1; a < b; a, b = a+1, b-1 {
			e[a], e[b] = e[b], e[a]
		}
	}
}

// numElems returns the number of elements of an array of the given
// shape.
func numElems(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: shape %s has a negative dimension", ErrShape, FormatShape(shape))
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("%w: shape %s has too many elements to address", ErrShape, FormatShape(shape))
		}
		n *= d
	}
	return n, nil
}

// sameOrder reports whether C and Fortran order lay out an array of the
// given shape identically: at most one dimension exceeds 1.
func sameOrder(shape []int) bool {
	big := 0
	for _, d := range shape {
		if d > 1 {
			big++
		}
	}
	return big <= 1
}

// unravel returns the C-order multi-index of flat index i.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}

// FormatShape formats shape as a Python tuple, as .npy headers and numpy
// do: "()", "(3,)", "(3, 96, 110)".
func FormatShape(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for k, d := range shape {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}
