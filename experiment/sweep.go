package experiment

import (
	"bufio"
	"context"
	"encoding/csv"
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

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/score"
)

// Job is one independent run of an experiment: the values of its
// parameter columns, its seed, and the function that runs it.
type Job struct {
	Values []string
	Seed   uint64
	Run    func(ctx context.Context) (score.Result, error)
}

// Row is one finished run as stored in an experiment's CSV.
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
// every experiment CSV.
func resultColumns() []string {
	return []string{"seed", "precision", "recall", "f1", "loss", "tp", "fp", "fn", "seconds"}
}

// Sweep runs jobs on all cores and keeps a tidy CSV at path: one row per
// run with the parameter columns, the seed, P, R, F1, loss, counts and
// seconds. Rows already in the CSV are not run again, so an interrupted
// sweep resumes where it stopped; each finished row is appended and
// synced at once. progress, if not nil, is called after every run with the
// number done and the total. Sweep returns the rows of all jobs in job
// order.
func Sweep(ctx context.Context, path string, columns []string, jobs []Job, progress func(done, total int)) ([]Row, error) {
	for k, j := range jobs {
		if len(j.Values) != len(columns) {
			return nil, fmt.Errorf("job %d has %d values for %d columns", k, len(j.Values), len(columns))
		}
	}
	header := append(slices.Clone(columns), resultColumns()...)
	have, err := ReadRows(path, columns)
	if err != nil {
		return nil, err
	}
	done := map[string]Row{}
	for _, r := range have {
		done[key(r.Values, r.Seed)] = r
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

// appendRow writes one row and syncs it to disk.
func appendRow(f *os.File, r Row) error {
	w := csv.NewWriter(f)
	s := r.Score
	rec := append(slices.Clone(r.Values), strconv.FormatUint(r.Seed, 10),
		fmtFloat(s.Precision), fmtFloat(s.Recall), fmtFloat(s.F1), fmtFloat(s.Loss),
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

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ReadRows reads the rows of an experiment CSV written by Sweep. A missing
// file holds no rows; a last line cut short by a crash is ignored. The
// header must name the given parameter columns, else the file belongs to
// another experiment and an error says so.
func ReadRows(path string, columns []string) ([]Row, error) {
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
		return nil, fmt.Errorf("%s has columns %v, this experiment writes %v; choose another --out or pass --force to start again", path, head, want)
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

// Summary is the mean and standard error of the F1 (and loss) of the runs
// that share parameter values.
type Summary struct {
	Values            []string
	Runs              int
	F1, F1Err         float64
	Loss, LossErr     float64
	Precision, Recall float64
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
			p = append(p, r.Score.Precision)
			rc = append(rc, r.Score.Recall)
		}
		s.F1, s.F1Err = meanErr(f1)
		s.Loss, s.LossErr = meanErr(loss)
		s.Precision, _ = meanErr(p)
		s.Recall, _ = meanErr(rc)
		out = append(out, s)
	}
	return out
}

// meanErr returns the mean and the standard error of the mean.
func meanErr(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / math.Sqrt(float64(len(xs)))
}
