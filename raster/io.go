package raster

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/npy"
)

// ParseError is the error of a file whose content is wrong, naming the
// file and, for CSV, the line. It is npy.ParseError, so one errors.As
// serves both readers.
type ParseError = npy.ParseError

// ReadNPY reads a set from a .npy file holding a binary array of shape
// (M, N, T), indexed [pattern, neuron, step], or (N, T) for a single
// pattern. Any dtype npy.ReadBinary accepts will do (uint8, bool, ints,
// floats), as long as every entry is 0 or 1. Bad content gives a
// *ParseError; a shape that is not a set's wraps npy.ErrShape.
func ReadNPY(path string) (*Set, error) {
	shape, data, err := npy.ReadBinary(path)
	if err != nil {
		return nil, err
	}
	return npySet(path, shape, data)
}

// ReadNPYFrom is ReadNPY for a .npy stream; it reads r to its end.
func ReadNPYFrom(r io.Reader) (*Set, error) {
	shape, data, err := npy.ReadBinaryFrom(r)
	if err != nil {
		return nil, err
	}
	return npySet("", shape, data)
}

// npySet builds a set from the binary array of a .npy file.
func npySet(path string, shape []int, data []uint8) (*Set, error) {
	perr := func(format string, a ...any) error {
		return &ParseError{Path: path, Err: fmt.Errorf(format, a...)}
	}
	var m, n, t int
	switch len(shape) {
	case 2:
		m, n, t = 1, shape[0], shape[1]
	case 3:
		m, n, t = shape[0], shape[1], shape[2]
	default:
		return nil, perr("shape %s is neither (M, N, T) nor (N, T); save spike patterns as an array indexed [pattern, neuron, step] (%w)", npy.FormatShape(shape), npy.ErrShape)
	}
	if m == 0 || n == 0 || t == 0 {
		return nil, perr("shape %s has an empty dimension; a set needs at least one pattern, neuron and step (%w)", npy.FormatShape(shape), npy.ErrShape)
	}
	if n-1 > math.MaxInt32 {
		return nil, perr("%d neurons do not fit 32-bit neuron indices; split the array (%w)", n, npy.ErrShape)
	}
	return SetFromDense(m, n, t, data)
}

// WriteNPY atomically writes s to path as a uint8 .npy array of shape
// (M, N, T), indexed [pattern, neuron, step].
func WriteNPY(path string, s *Set) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return npy.WriteUint8(path, []int{s.M(), s.N, s.T}, s.Dense())
}

// WriteNPYTo writes s to w as a uint8 .npy stream of shape (M, N, T).
func WriteNPYTo(w io.Writer, s *Set) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return npy.WriteUint8To(w, []int{s.M(), s.N, s.T}, s.Dense())
}

// csvColumns returns the column names for the first record of a CSV
// event file, and whether that record is a header naming them: a record
// is a header if a field starts with a letter.
func csvColumns(fields []string) (cols []string, header bool, err error) {
	header = slices.ContainsFunc(fields, func(f string) bool {
		r, _ := utf8.DecodeRuneInString(f)
		return unicode.IsLetter(r)
	})
	switch {
	case header:
	case len(fields) == 2:
		return []string{"neuron", "step"}, false, nil
	case len(fields) == 3:
		return []string{"pattern", "neuron", "step"}, false, nil
	default:
		return nil, false, fmt.Errorf("%d fields, want 2 (neuron,step) or 3 (pattern,neuron,step)", len(fields))
	}
	seen := map[string]bool{}
	for _, f := range fields {
		name := strings.ToLower(f)
		switch {
		case name != "pattern" && name != "neuron" && name != "step" && name != "time":
			return nil, false, fmt.Errorf("first line %q is neither events nor a header naming the columns neuron,step or pattern,neuron,step", strings.Join(fields, ","))
		case seen[name], name == "time" && seen["step"], name == "step" && seen["time"]:
			return nil, false, fmt.Errorf("header names column %q twice; name each of neuron, step and optionally pattern once", name)
		}
		seen[name] = true
		cols = append(cols, name)
	}
	if !seen["neuron"] || !seen["step"] && !seen["time"] {
		return nil, false, fmt.Errorf("header %q lacks a neuron or step column; name the columns neuron,step or pattern,neuron,step", strings.Join(fields, ","))
	}
	return cols, true, nil
}

// WriteCSV atomically writes s to path as CSV events: a
// pattern,neuron,step header, then one line per spike ordered by
// pattern, step and neuron. The file does not record N and T; pass them
// to ReadCSV to restore trailing silent neurons or steps.
func WriteCSV(path string, s *Set) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return writeCSV(w, s) })
}

// WriteCSVTo writes s to w as CSV events, as WriteCSV does.
func WriteCSVTo(w io.Writer, s *Set) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return writeCSV(w, s)
}

// writeCSV writes the CSV events of a valid set to w.
func writeCSV(w io.Writer, s *Set) error {
	b := []byte("pattern,neuron,step\n")
	for mu, p := range s.Patterns {
		for t, ns := range p.Steps {
			for _, i := range ns {
				b = strconv.AppendInt(b, int64(mu), 10)
				b = append(b, ',')
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, ',')
				b = strconv.AppendInt(b, int64(t), 10)
				b = append(b, '\n')
			}
			if len(b) >= 1<<16 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
	}
	_, err := w.Write(b)
	return err
}
