package raster

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
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

// ReadCSV reads a set from a CSV file of spike events, one per line, with
// the columns neuron,step (a single pattern) or pattern,neuron,step. An
// optional first line names the columns, in any order. Blank lines and
// lines starting with # are skipped; spaces around fields are ignored.
//
// n and t are the number of neurons and steps; 0 infers each as the
// largest index in the file plus one. Pattern indices run from 0: M is
// the largest plus one, and a pattern without events is empty. Repeated
// events are merged. Errors in the content are *ParseError values naming
// the line, as in "spikes.csv:12: step -3 is negative".
func ReadCSV(path string, n, t int) (*Set, error) {
	if n < 0 || t < 0 {
		return nil, fmt.Errorf("%s: n = %d neurons and t = %d steps; pass sizes ≥ 0 (0 infers them from the events)", path, n, t)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCSV(path, f, n, t)
}

// ReadCSVFrom is ReadCSV for CSV events read from r; errors name lines
// but no file.
func ReadCSVFrom(r io.Reader, n, t int) (*Set, error) {
	if n < 0 || t < 0 {
		return nil, fmt.Errorf("n = %d neurons and t = %d steps; pass sizes ≥ 0 (0 infers them from the events)", n, t)
	}
	return readCSV("", r, n, t)
}

func readCSV(path string, r io.Reader, n, t int) (*Set, error) {
	ev, err := readEvents(path, r, n, t)
	if err != nil {
		return nil, err
	}

	if n == 0 {
		n = ev.maxNeuron + 1
	}
	if t == 0 {
		t = ev.maxStep + 1
	}
	switch {
	case len(ev.patterns) == 0 && ev.pattern:
		return nil, &ParseError{Path: path, Err: errors.New("holds no events, so the number of patterns is unknown; add events or drop the pattern column")}
	case len(ev.patterns) == 0:
		ev.patterns = make([][]Event, 1)
	}
	if n == 0 || t == 0 {
		return nil, &ParseError{Path: path, Err: errors.New("holds no events, so the raster size is unknown; pass the number of neurons and steps")}
	}
	s := &Set{N: n, T: t, Patterns: make([]*Raster, len(ev.patterns))}
	for mu, events := range ev.patterns {
		if s.Patterns[mu], err = FromEvents(n, t, events); err != nil {
			return nil, &ParseError{Path: path, Err: err} // not reached: readEvents checks the bounds
		}
	}
	return s, nil
}

// csvEvents are the events of a CSV file.
type csvEvents struct {
	pattern            bool      // the file has a pattern column
	patterns           [][]Event // events by pattern
	maxNeuron, maxStep int       // largest indices seen; -1 if none
}

// readEvents parses the CSV events in r, read from path, checking the
// neuron and step indices against n and t when they are positive.
func readEvents(path string, r io.Reader, n, t int) (*csvEvents, error) {
	ev := &csvEvents{maxNeuron: -1, maxStep: -1}
	line := 0
	perr := func(format string, a ...any) error {
		return &ParseError{Path: path, Line: line, Err: fmt.Errorf(format, a...)}
	}
	var cols []string // column names, in file order
	sc := bufio.NewScanner(r)
	for line = 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // byte order mark
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, ",")
		for k := range fields {
			fields[k] = strings.TrimSpace(fields[k])
		}
		if cols == nil {
			var err error
			header := false
			if cols, header, err = csvColumns(fields); err != nil {
				return nil, &ParseError{Path: path, Line: line, Err: err}
			}
			ev.pattern = len(cols) == 3
			if header {
				continue
			}
		}
		if len(fields) != len(cols) {
			return nil, perr("%d fields, want %d (%s)", len(fields), len(cols), strings.Join(cols, ","))
		}

		var e Event
		mu := 0
		for k, name := range cols {
			v, err := strconv.Atoi(fields[k])
			switch {
			case err != nil:
				return nil, perr("%s %q is not an integer", name, fields[k])
			case v < 0:
				return nil, perr("%s %d is negative", name, v)
			}
			switch name {
			case "pattern":
				mu = v
			case "neuron":
				if n > 0 && v >= n {
					return nil, perr("neuron %d is outside a raster of %d neurons; pass a larger n, or 0 to infer it", v, n)
				}
				if v > math.MaxInt32 {
					return nil, perr("neuron %d does not fit a 32-bit neuron index", v)
				}
				e.Neuron = v
				ev.maxNeuron = max(ev.maxNeuron, v)
			case "step":
				if t > 0 && v >= t {
					return nil, perr("step %d is outside a raster of %d steps; pass a larger t, or 0 to infer it", v, t)
				}
				e.Step = v
				ev.maxStep = max(ev.maxStep, v)
			}
		}
		for len(ev.patterns) <= mu {
			ev.patterns = append(ev.patterns, nil)
		}
		ev.patterns[mu] = append(ev.patterns[mu], e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ev, nil
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
		case name != "pattern" && name != "neuron" && name != "step":
			return nil, false, fmt.Errorf("first line %q is neither events nor a header naming the columns neuron,step or pattern,neuron,step", strings.Join(fields, ","))
		case seen[name]:
			return nil, false, fmt.Errorf("header names column %q twice; name each of neuron, step and optionally pattern once", name)
		}
		seen[name] = true
		cols = append(cols, name)
	}
	if !seen["neuron"] || !seen["step"] {
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
