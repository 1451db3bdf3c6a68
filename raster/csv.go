package raster

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
)

// MaxCSVLine is the longest line, in bytes, the CSV reader accepts; a
// longer one is refused with its line number.
const MaxCSVLine = 1 << 20

// CSVOptions control how ReadCSVWith reads CSV events.
type CSVOptions struct {
	// N and T are the number of neurons and steps; 0 infers each as the
	// largest index in the file plus one. An event outside a given size
	// is an error that reports the largest ids in the file.
	N, T int
	// Dt, when positive, makes the step column a time in ms (a float, as
	// Brian2 and NEST export): an event at time t falls in step
	// floor(t / Dt).
	Dt float64
	// Check, if not nil, is called with the sizes of the set (M, N, T)
	// once the file is read and before the set is built, so that a caller
	// can refuse a set too large for the machine.
	Check func(m, n, t int) error
}

// CSVInfo describes the events of a CSV file.
type CSVInfo struct {
	// Events is the number of event lines read (repeats included).
	Events int
	// MaxPattern, MaxNeuron and MaxStep are the largest ids seen (-1 if
	// none); Empty is the number of patterns, within [0, MaxPattern], that
	// have no event.
	MaxPattern, MaxNeuron, MaxStep, Empty int
}

// ReadCSV reads a set from a CSV file of spike events, one per line, with
// the columns neuron,step (a single pattern) or pattern,neuron,step. An
// optional first line names the columns, in any order (a column named
// time instead of step holds times in ms, see CSVOptions.Dt). Blank lines and
// lines starting with # are skipped; spaces around fields are ignored.
//
// n and t are the number of neurons and steps; 0 infers each as the
// largest index in the file plus one. Pattern indices run from 0: M is
// the largest plus one, and a pattern without events is empty. Repeated
// events are merged. Errors in the content are *ParseError values naming
// the line, as in "spikes.csv:12: step -3 is negative". ReadCSVWith takes
// more options.
func ReadCSV(path string, n, t int) (*Set, error) {
	s, _, err := ReadCSVWith(path, CSVOptions{N: n, T: t})
	return s, err
}

// ReadCSVFrom is ReadCSV for CSV events read from r; errors name lines
// but no file.
func ReadCSVFrom(r io.Reader, n, t int) (*Set, error) {
	s, _, err := ReadCSVFromWith(r, CSVOptions{N: n, T: t})
	return s, err
}

// ReadCSVWith is ReadCSV with options; it also describes the file's ids.
func ReadCSVWith(path string, o CSVOptions) (*Set, CSVInfo, error) {
	if err := o.validate(); err != nil {
		return nil, CSVInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, CSVInfo{}, err
	}
	defer f.Close()
	return readCSV(path, f, o)
}

// ReadCSVFromWith is ReadCSVWith for CSV events read from r.
func ReadCSVFromWith(r io.Reader, o CSVOptions) (*Set, CSVInfo, error) {
	if err := o.validate(); err != nil {
		return nil, CSVInfo{}, err
	}
	return readCSV("", r, o)
}

func (o CSVOptions) validate() error {
	if o.N < 0 || o.T < 0 {
		return fmt.Errorf("n = %d neurons and t = %d steps; pass sizes ≥ 0 (0 infers them from the events)", o.N, o.T)
	}
	if o.Dt < 0 || math.IsNaN(o.Dt) || math.IsInf(o.Dt, 0) {
		return fmt.Errorf("dt = %v ms; pass a positive step length, or 0 for integer steps", o.Dt)
	}
	return nil
}

// csvEvent is one event of a CSV file and its line.
type csvEvent struct {
	pattern, neuron, step, line int
}

// csvEvents are the events of a CSV file.
type csvEvents struct {
	pattern bool // the file has a pattern column
	events  []csvEvent
	info    CSVInfo
	// lines of the first event with the largest neuron and step id.
	neuronLine, stepLine int
}

func readCSV(path string, r io.Reader, o CSVOptions) (*Set, CSVInfo, error) {
	ev, err := readEvents(path, r, o.Dt)
	if err != nil {
		return nil, CSVInfo{}, err
	}
	info := ev.info
	perr := func(line int, format string, a ...any) error {
		return &ParseError{Path: path, Line: line, Err: fmt.Errorf(format, a...)}
	}
	m := info.MaxPattern + 1
	inferred := fmt.Sprintf("the file's largest neuron id is %d, its largest step %d, and it holds %d patterns (ids up to %d, %d without events)",
		info.MaxNeuron, info.MaxStep, max(m, 1), info.MaxPattern, info.Empty)
	n, t := o.N, o.T
	switch {
	case n > 0 && info.MaxNeuron >= n:
		return nil, info, perr(ev.neuronLine, "neuron %d is outside a raster of %d neurons; %s", info.MaxNeuron, n, inferred)
	case t > 0 && info.MaxStep >= t:
		return nil, info, perr(ev.stepLine, "step %d is outside a raster of %d steps; %s", info.MaxStep, t, inferred)
	case m == 0 && ev.pattern:
		return nil, info, perr(0, "holds no events, so the number of patterns is unknown; add events or drop the pattern column")
	}
	m = max(m, 1)
	if n == 0 {
		n = info.MaxNeuron + 1
	}
	if t == 0 {
		t = info.MaxStep + 1
	}
	if n == 0 || t == 0 {
		return nil, info, perr(0, "holds no events, so the raster size is unknown; pass the number of neurons and steps")
	}
	if hi, lo := bits.Mul64(uint64(m), uint64(t)); hi != 0 || lo > math.MaxInt64/64 {
		return nil, info, perr(0, "%d patterns of %d steps are too many to address; %s", m, t, inferred)
	}
	if hi, lo := bits.Mul64(uint64(m)*uint64(t), uint64(n)); hi != 0 || lo > math.MaxInt64 {
		return nil, info, perr(0, "%d patterns × %d neurons × %d steps are too many to address; %s", m, n, t, inferred)
	}
	if o.Check != nil {
		if err := o.Check(m, n, t); err != nil {
			return nil, info, &ParseError{Path: path, Err: fmt.Errorf("%w (%s)", err, inferred)}
		}
	}
	byPattern := make([][]Event, m)
	for _, e := range ev.events {
		byPattern[e.pattern] = append(byPattern[e.pattern], Event{Neuron: e.neuron, Step: e.step})
	}
	s := &Set{N: n, T: t, Patterns: make([]*Raster, m)}
	for mu, events := range byPattern {
		if s.Patterns[mu], err = FromEvents(n, t, events); err != nil {
			return nil, info, &ParseError{Path: path, Err: err} // not reached: the bounds are checked above
		}
	}
	return s, info, nil
}

// lines reads lines of at most MaxCSVLine bytes.
type lines struct {
	r *bufio.Reader
}

// next returns the next line without its line break, or io.EOF.
func (l *lines) next() (string, error) {
	var buf []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxCSVLine {
			return "", fmt.Errorf("the line is longer than %d bytes; events take one short line each", MaxCSVLine)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return string(buf), nil
		case err != nil:
			return "", err
		}
		return string(buf), nil
	}
}

// csvValue parses the field of column name: a whole non-negative step,
// neuron or pattern index, or, with dt > 0, a time in ms binned to step
// floor(t/dt).
func csvValue(name, field string, dt float64) (int, error) {
	if name == "time" && dt == 0 {
		return 0, errors.New("the time column holds times in ms; pass the step length dt (--dt) to bin them, or name the column step for whole steps")
	}
	if (name == "step" || name == "time") && dt > 0 {
		x, err := strconv.ParseFloat(field, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(x):
			return 0, fmt.Errorf("time %q is not a number (ms)", field)
		case x < 0:
			return 0, fmt.Errorf("time %s ms is negative", field)
		case math.IsInf(x, 0) || x/dt >= math.MaxInt32:
			return 0, fmt.Errorf("time %s ms is beyond %d steps of %v ms", field, math.MaxInt32, dt)
		}
		return int(math.Floor(x / dt)), nil
	}
	v, err := strconv.Atoi(field)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s %s is too large", name, field)
	case err != nil:
		return 0, fmt.Errorf("%s %q is not an integer", name, field)
	case v < 0:
		return 0, fmt.Errorf("%s %d is negative", name, v)
	case name == "pattern" && v > math.MaxInt32:
		return 0, fmt.Errorf("pattern %d does not fit a 32-bit index", v)
	case name == "neuron" && v > math.MaxInt32:
		return 0, fmt.Errorf("neuron %d does not fit a 32-bit neuron index", v)
	}
	return v, nil
}

// add records event e and the largest indices seen, with their lines.
func (ev *csvEvents) add(e csvEvent) {
	i := &ev.info
	i.Events++
	if e.neuron > i.MaxNeuron {
		i.MaxNeuron, ev.neuronLine = e.neuron, e.line
	}
	if e.step > i.MaxStep {
		i.MaxStep, ev.stepLine = e.step, e.line
	}
	i.MaxPattern = max(i.MaxPattern, e.pattern)
	ev.events = append(ev.events, e)
}

// readEvents parses the CSV events in r, read from path. With dt > 0 the
// step column is a time in ms, binned to floor(time / dt).
func readEvents(path string, r io.Reader, dt float64) (*csvEvents, error) {
	ev := &csvEvents{info: CSVInfo{MaxPattern: -1, MaxNeuron: -1, MaxStep: -1}}
	in := &lines{r: bufio.NewReaderSize(r, 1<<16)}
	line := 0
	perr := func(format string, a ...any) error {
		return &ParseError{Path: path, Line: line, Err: fmt.Errorf(format, a...)}
	}
	var cols []string // column names, in file order
	for line = 1; ; line++ {
		raw, err := in.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "longer than") {
				return nil, perr("%w", err)
			}
			return nil, fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		text := strings.TrimSpace(raw)
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

		e := csvEvent{line: line}
		for k, name := range cols {
			v, err := csvValue(name, fields[k], dt)
			if err != nil {
				return nil, &ParseError{Path: path, Line: line, Err: err}
			}
			switch name {
			case "pattern":
				e.pattern = v
			case "neuron":
				e.neuron = v
			case "step", "time":
				e.step = v
			}
		}
		ev.add(e)
	}
	if ev.info.MaxPattern >= 0 {
		seen := make(map[int]bool)
		for _, e := range ev.events {
			seen[e.pattern] = true
		}
		ev.info.Empty = ev.info.MaxPattern + 1 - len(seen)
	}
	return ev, nil
}
