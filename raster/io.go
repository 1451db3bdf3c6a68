package raster

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hdsnn/hdsnn/internal/atomicfile"
	"github.com/hdsnn/hdsnn/internal/npy"
)

// ReadNPY reads a set from a .npy file holding a binary array of shape
// (M, N, T), indexed [pattern, neuron, step], or (N, T) for a single
// pattern. Any dtype npy.ReadBinary accepts will do (uint8, bool, ints,
// floats), as long as every entry is 0 or 1.
func ReadNPY(path string) (*Set, error) {
	shape, data, err := npy.ReadBinary(path)
	if err != nil {
		return nil, err
	}
	var m, n, t int
	switch len(shape) {
	case 2:
		m, n, t = 1, shape[0], shape[1]
	case 3:
		m, n, t = shape[0], shape[1], shape[2]
	default:
		return nil, fmt.Errorf("%s: shape %s is neither (M, N, T) nor (N, T); save spike patterns as an array indexed [pattern, neuron, step]", path, npy.FormatShape(shape))
	}
	if m == 0 || n == 0 || t == 0 {
		return nil, fmt.Errorf("%s: shape %s has an empty dimension; a set needs at least one pattern, neuron and step", path, npy.FormatShape(shape))
	}
	if n-1 > math.MaxInt32 {
		return nil, fmt.Errorf("%s: %d neurons do not fit 32-bit neuron indices; split the array", path, n)
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

// ReadCSV reads a set from a CSV file of spike events, one per line, with
// the columns neuron,step (a single pattern) or pattern,neuron,step. An
// optional first line names the columns, in any order. Blank lines and
// lines starting with # are skipped; spaces around fields are ignored.
//
// n and t are the number of neurons and steps; 0 infers each as the
// largest index in the file plus one. Pattern indices run from 0: M is
// the largest plus one, and a pattern without events is empty. Repeated
// events are merged. Errors name the line, as in
// "spikes.csv:12: step -3 is negative".
func ReadCSV(path string, n, t int) (*Set, error) {
	if n < 0 || t < 0 {
		return nil, fmt.Errorf("%s: n = %d neurons and t = %d steps; pass sizes ≥ 0 (0 infers them from the events)", path, n, t)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ev, err := readEvents(path, f, n, t)
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
		return nil, fmt.Errorf("%s: holds no events, so the number of patterns is unknown; add events or drop the pattern column", path)
	case len(ev.patterns) == 0:
		ev.patterns = make([][]Event, 1)
	}
	if n == 0 || t == 0 {
		return nil, fmt.Errorf("%s: holds no events, so the raster size is unknown; pass the number of neurons and steps", path)
	}
	s := &Set{N: n, T: t, Patterns: make([]*Raster, len(ev.patterns))}
	for mu, events := range ev.patterns {
		if s.Patterns[mu], err = FromEvents(n, t, events); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err) // not reached: readEvents checks the bounds
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
	var cols []string // column names, in file order
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
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
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			ev.pattern = len(cols) == 3
			if header {
				continue
			}
		}
		if len(fields) != len(cols) {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d (%s)", path, line, len(fields), len(cols), strings.Join(cols, ","))
		}

		var e Event
		mu := 0
		for k, name := range cols {
			v, err := strconv.Atoi(fields[k])
			switch {
			case err != nil:
				return nil, fmt.Errorf("%s:%d: %s %q is not an integer", path, line, name, fields[k])
			case v < 0:
				return nil, fmt.Errorf("%s:%d: %s %d is negative", path, line, name, v)
			}
			switch name {
			case "pattern":
				mu = v
			case "neuron":
				if n > 0 && v >= n {
					return nil, fmt.Errorf("%s:%d: neuron %d is outside a raster of %d neurons; pass a larger n, or 0 to infer it", path, line, v, n)
				}
				if v > math.MaxInt32 {
					return nil, fmt.Errorf("%s:%d: neuron %d does not fit a 32-bit neuron index", path, line, v)
				}
				e.Neuron = v
				ev.maxNeuron = max(ev.maxNeuron, v)
			case "step":
				if t > 0 && v >= t {
					return nil, fmt.Errorf("%s:%d: step %d is outside a raster of %d steps; pass a larger t, or 0 to infer it", path, line, v, t)
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
	return atomicfile.Write(path, func(w io.Writer) error {
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
	})
}
