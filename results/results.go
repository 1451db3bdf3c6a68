// Package results keeps the tidy CSV of a study's independent runs: one
// row per run with the values of its parameter columns, its seed, P, R, F1,
// loss, TP/FP/FN and seconds.
//
// Sweep runs jobs on all cores and appends each finished row at once, so an
// interrupted study resumes where it stopped: rows already in the CSV are
// not run again. Because rows do not carry every setting of the study (the
// network size, say), Sweep also keeps the settings the rows were made with
// beside the CSV (SettingsPath) and refuses to add rows made with other
// settings (ErrOtherSettings). Summarise reduces rows to mean ± standard
// error over seeds.
package results

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/score"
)

// Job is one independent run of a study: the values of its
// parameter columns, its seed, and the function that runs it.
type Job struct {
	Values []string
	Seed   uint64
	Run    func(ctx context.Context) (score.Result, error)
}

// Row is one finished run as stored in a study's CSV.
type Row struct {
	Values  []string
	Seed    uint64
	Score   score.Result
	Seconds float64
}

// key identifies a run by its parameter values and seed.
func key(values []string, seed uint64) string {
	return strings.Join(values, "\x1f") + "\x1f" + strconv.FormatUint(seed, 10)
}

// resultColumns returns the columns that follow the parameter columns in
// every CSV.
func resultColumns() []string {
	return []string{"seed", "precision", "recall", "f1", "loss", "tp", "fp", "fn", "seconds"}
}

// Table is a CSV of runs: where it is, its parameter columns and the
// settings its rows were made with.
type Table struct {
	// Path is the CSV file.
	Path string
	// Columns are the parameter columns; the result columns (seed,
	// precision, recall, f1, loss, tp, fp, fn, seconds) follow them.
	Columns []string
	// Settings, if not nil, is everything the rows depend on that their
	// columns do not hold (sizes, model, training). It is kept as JSON at
	// SettingsPath(Path); rows made with other settings are refused.
	Settings any
}

// ErrOtherTable is returned when a CSV has other columns than the table:
// it belongs to another study.
var ErrOtherTable = errors.New("the CSV belongs to another study")

// ErrOtherSettings is returned when a CSV's rows were made with other
// settings than the table's, so resuming it would mix them.
var ErrOtherSettings = errors.New("the CSV's rows were made with other settings")

// SettingsPath returns where the settings of the CSV at path are kept:
// path with its .csv extension replaced by .settings.json.
func SettingsPath(path string) string {
	return strings.TrimSuffix(path, ".csv") + ".settings.json"
}

// checkSettings records t.Settings beside the CSV, or, when the CSV holds
// rows and the recorded settings differ, returns ErrOtherSettings.
func checkSettings(t Table, rows int) error {
	if t.Settings == nil {
		return nil
	}
	want, err := json.MarshalIndent(t.Settings, "", "  ")
	if err != nil {
		return fmt.Errorf("settings of %s: %w", t.Path, err)
	}
	want = append(want, '\n')
	path := SettingsPath(t.Path)
	have, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(have, want):
		return nil
	case err == nil && rows > 0:
		return fmt.Errorf("%s: %w (recorded in %s)", t.Path, ErrOtherSettings, path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return atomicfile.WriteBytes(path, want)
}

// Sweep runs jobs on all cores and keeps the tidy CSV of t: one row per
// run with the parameter columns, the seed, P, R, F1, loss, counts and
// seconds. Rows already in the CSV are not run again, so an interrupted
// sweep resumes where it stopped; each finished row is appended and
// synced at once. A CSV of other columns is refused (ErrOtherTable), and
// so are rows made with other settings (ErrOtherSettings); delete the CSV
// to start again. progress, if not nil, is called after every run with the
// number done and the total. Sweep returns the rows of all jobs in job
// order.
func Sweep(ctx context.Context, t Table, jobs []Job, progress func(done, total int)) ([]Row, error) {
	path, columns := t.Path, t.Columns
	for k, j := range jobs {
		if len(j.Values) != len(columns) {
			return nil, fmt.Errorf("job %d has %d values for %d columns", k, len(j.Values), len(columns))
		}
	}
	header := append(slices.Clone(columns), resultColumns()...)
	have, err := Read(path, columns)
	if err != nil {
		return nil, err
	}
	if err := checkSettings(t, len(have)); err != nil {
		return nil, err
	}
	done := map[string]Row{}
	for _, r := range have {
		done[key(r.Values, r.Seed)] = r
	}
	if err := dropPartialLine(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if len(have) == 0 {
		if err := f.Truncate(0); err != nil {
			return nil, err
		}
		if _, err := f.WriteString(strings.Join(header, ",") + "\n"); err != nil {
			return nil, err
		}
	}
	var todo []int
	rows := make([]Row, len(jobs))
	for k, j := range jobs {
		if r, ok := done[key(j.Values, j.Seed)]; ok {
			rows[k] = r
		} else {
			todo = append(todo, k)
		}
	}
	var mu sync.Mutex
	finished := len(jobs) - len(todo)
	if progress != nil {
		progress(finished, len(jobs))
	}
	err = parallel.For(len(todo), func(i int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := jobs[todo[i]]
		start := time.Now()
		res, err := j.Run(ctx)
		if err != nil {
			return fmt.Errorf("run %s (seed %d): %w", strings.Join(j.Values, ", "), j.Seed, err)
		}
		r := Row{Values: j.Values, Seed: j.Seed, Score: res, Seconds: time.Since(start).Seconds()}
		mu.Lock()
		defer mu.Unlock()
		rows[todo[i]] = r
		if err := appendRow(f, r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		finished++
		if progress != nil {
			progress(finished, len(jobs))
		}
		return nil
	})
	return rows, err
}

// dropPartialLine cuts a last line that a crash (a kill, a full disk)
// left without its newline, so that the next row appended does not join
// it. Read ignores such a line; without the cut it would be glued to the
// next row and make the file unreadable.
func dropPartialLine(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	keep := strings.LastIndexByte(string(b), '\n') + 1 // 0 without a newline
	if keep == len(b) {
		return nil
	}
	return os.Truncate(path, int64(keep))
}

// appendRow writes one row and syncs it to disk.
func appendRow(f *os.File, r Row) error {
	w := csv.NewWriter(f)
	s := r.Score
	rec := append(slices.Clone(r.Values), strconv.FormatUint(r.Seed, 10),
		FormatFloat(s.Precision), FormatFloat(s.Recall), FormatFloat(s.F1), FormatFloat(s.Loss),
		strconv.Itoa(s.TP), strconv.Itoa(s.FP), strconv.Itoa(s.FN), strconv.FormatFloat(r.Seconds, 'f', 3, 64))
	if err := w.Write(rec); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Sync()
}

// FormatFloat formats v as the CSVs do: the shortest form that reads back
// as v.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Read reads the rows of a CSV written by Sweep. A missing file holds no
// rows; a last line cut short by a crash is ignored. The header must name
// the given parameter columns, else the file belongs to another study
// (ErrOtherTable).
func Read(path string, columns []string) ([]Row, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if i := strings.LastIndexByte(string(b), '\n'); i >= 0 {
		b = b[:i+1] // drop a partial last line
	} else {
		return nil, nil
	}
	r := csv.NewReader(bufio.NewReader(strings.NewReader(string(b))))
	head, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := append(slices.Clone(columns), resultColumns()...)
	if !slices.Equal(head, want) {
		return nil, fmt.Errorf("%s has columns %v, want %v: %w", path, head, want, ErrOtherTable)
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		n := len(columns)
		rc := resultColumns()
		nums := make([]float64, len(rc))
		for k := range rc {
			if nums[k], err = strconv.ParseFloat(rec[n+k], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: column %s: %w", path, line, rc[k], err)
			}
		}
		rows = append(rows, Row{
			Values: rec[:n], Seed: uint64(nums[0]),
			Score: score.Result{Precision: nums[1], Recall: nums[2], F1: nums[3], Loss: nums[4],
				TP: int(nums[5]), FP: int(nums[6]), FN: int(nums[7])},
			Seconds: nums[8],
		})
	}
	return rows, nil
}

// Summary is the mean and standard error over seeds of the runs that
// share parameter values.
type Summary struct {
	Values        []string
	Runs          int
	F1, F1Err     float64
	Loss, LossErr float64
	// Recall is the mean recall of all runs. Precision is the mean over
	// the Fired runs, those that emitted at least one scored spike: the
	// precision of a silent run is undefined (0/0), so it is left out
	// rather than counted as 0. It is NaN when no run fired.
	Precision, Recall float64
	Fired             int
}

// Summarise groups rows by their parameter values, in order of first
// appearance, and returns mean ± standard error of the mean over seeds.
func Summarise(rows []Row) []Summary {
	var order []string
	groups := map[string][]Row{}
	for _, r := range rows {
		k := strings.Join(r.Values, "\x1f")
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]Summary, 0, len(order))
	for _, k := range order {
		g := groups[k]
		s := Summary{Values: g[0].Values, Runs: len(g)}
		var f1, loss, p, rc []float64
		for _, r := range g {
			f1 = append(f1, r.Score.F1)
			loss = append(loss, r.Score.Loss)
			rc = append(rc, r.Score.Recall)
			if r.Score.TP+r.Score.FP > 0 {
				p = append(p, r.Score.Precision)
			}
		}
		s.F1, s.F1Err = MeanErr(f1)
		s.Loss, s.LossErr = MeanErr(loss)
		s.Precision, _ = MeanErr(p)
		s.Recall, _ = MeanErr(rc)
		s.Fired = len(p)
		out = append(out, s)
	}
	return out
}

// MeanErr returns the mean of xs and its standard error (0 for fewer
// than two values); both are NaN for no values.
func MeanErr(xs []float64) (mean, se float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	mean = stat.Mean(xs, nil)
	if len(xs) < 2 {
		return mean, 0
	}
	return mean, stat.StdErr(stat.StdDev(xs, nil), float64(len(xs)))
}
