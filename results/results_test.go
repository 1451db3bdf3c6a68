package results

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hdsnn/hdsnn/score"
)

func TestSweepRejectsOtherCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	jobs := []Job{{Values: []string{"a"}, Seed: 1, Run: func(context.Context) (score.Result, error) { return score.Result{F1: 0.5}, nil }}}
	if _, err := Sweep(context.Background(), Table{Path: path, Columns: []string{"kind"}}, jobs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Sweep(context.Background(), Table{Path: path, Columns: []string{"other"}}, jobs, nil); !errors.Is(err, ErrOtherTable) {
		t.Errorf("a CSV of another experiment: %v", err)
	}
}

// TestSweepGuardsSettings: rows made with one setting are never resumed
// with another, whoever calls Sweep; a CSV without rows takes the new
// settings.
func TestSweepGuardsSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	calls := 0
	jobs := []Job{{Values: []string{"a"}, Seed: 1, Run: func(context.Context) (score.Result, error) { calls++; return score.Result{F1: 0.5}, nil }}}
	type size struct{ N int }
	tab := Table{Path: path, Columns: []string{"kind"}, Settings: size{64}}
	if _, err := Sweep(context.Background(), tab, jobs, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Sweep(context.Background(), tab, jobs, nil); err != nil || calls != 1 {
		t.Fatalf("resume with the same settings: %v, %d runs", err, calls)
	}
	tab.Settings = size{128}
	if _, err := Sweep(context.Background(), tab, jobs, nil); !errors.Is(err, ErrOtherSettings) {
		t.Errorf("resume with other settings: %v", err)
	}
	fresh := Table{Path: filepath.Join(t.TempDir(), "y.csv"), Columns: []string{"kind"}, Settings: size{64}}
	if _, err := Sweep(context.Background(), fresh, nil, nil); err != nil {
		t.Fatal(err)
	}
	fresh.Settings = size{128}
	if _, err := Sweep(context.Background(), fresh, jobs, nil); err != nil {
		t.Errorf("a CSV without rows refused other settings: %v", err)
	}
}

// TestSummariseSilentPrecision: the precision of a silent run is
// undefined and left out of the mean.
func TestSummariseSilentPrecision(t *testing.T) {
	rows := []Row{
		{Values: []string{"x"}, Seed: 1, Score: score.Result{Precision: 1, Recall: 0.5, F1: 2.0 / 3, TP: 5, FN: 5}},
		{Values: []string{"x"}, Seed: 2, Score: score.Result{FN: 10}},
		{Values: []string{"y"}, Seed: 1, Score: score.Result{FN: 10}},
	}
	s := Summarise(rows)
	if len(s) != 2 || s[0].Precision != 1 || s[0].Fired != 1 || s[0].Recall != 0.25 || s[0].Runs != 2 {
		t.Errorf("summary %+v", s[0])
	}
	if !math.IsNaN(s[1].Precision) || s[1].Fired != 0 {
		t.Errorf("silent setting: %+v", s[1])
	}
}

func TestMeanErr(t *testing.T) {
	for _, tt := range []struct {
		xs       []float64
		mean, se float64
	}{
		{[]float64{2}, 2, 0},
		{[]float64{1, 3}, 2, 1},
		{[]float64{1, 2, 3}, 2, 1 / math.Sqrt(3)},
	} {
		m, se := MeanErr(tt.xs)
		if math.Abs(m-tt.mean) > 1e-15 || math.Abs(se-tt.se) > 1e-15 {
			t.Errorf("MeanErr(%v) = %v, %v; want %v, %v", tt.xs, m, se, tt.mean, tt.se)
		}
	}
}

// TestSweepAfterCutRow: a last row cut short by a crash is dropped before
// new rows are appended, so the file stays readable and the cut run is
// run again (issue: the next row was glued to it, and the run after that
// failed with "wrong number of fields").
func TestSweepAfterCutRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	run := func(context.Context) (score.Result, error) { return score.Result{F1: 0.5}, nil }
	jobs := []Job{{Values: []string{"a"}, Seed: 1, Run: run}, {Values: []string{"b"}, Seed: 1, Run: run}}
	if _, err := Sweep(context.Background(), Table{Path: path, Columns: []string{"kind"}}, jobs, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := b[:len(b)-9] // the last row loses its tail and its newline
	if err := os.WriteFile(path, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	more := append(jobs, Job{Values: []string{"c"}, Seed: 1, Run: run})
	rows, err := Sweep(context.Background(), Table{Path: path, Columns: []string{"kind"}}, more, nil)
	if err != nil || len(rows) != 3 {
		t.Fatalf("resume after a cut row: %v, %d rows", err, len(rows))
	}
	back, err := Read(path, []string{"kind"})
	if err != nil {
		t.Fatalf("the CSV no longer reads: %v", err)
	}
	if len(back) != 3 {
		t.Errorf("%d rows in the file, want 3 (the cut one run again)", len(back))
	}
}
