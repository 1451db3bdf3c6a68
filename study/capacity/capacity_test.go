package capacity

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// stepF1 returns an evaluation whose F1 is 1 up to capacity and 0 beyond,
// counting its calls in *calls.
func stepF1(capacity int, calls *int) func(int) (float64, error) {
	return func(m int) (float64, error) {
		*calls++
		if m <= capacity {
			return 1, nil
		}
		return 0, nil
	}
}

// evalBound is the most evaluations LargestPassing may make for a
// capacity c: doubling up to the first failure, then bisection.
func evalBound(c int) int {
	return 2*int(math.Ceil(math.Log2(float64(c+1)))) + 2
}

func TestLargestPassing(t *testing.T) {
	for _, tc := range []struct {
		name          string
		capacity, max int
		want          int
	}{
		{"threshold at 37", 37, 4096, 37},
		{"threshold at 1", 1, 4096, 1},
		{"never passes", 0, 4096, 0},
		{"passes up to max", 5000, 4096, 4096},
		{"passes up to a max that is not a power of two", 1000, 100, 100},
		{"capacity just below a non-power-of-two max", 99, 100, 99},
		{"a power of two", 64, 4096, 64},
		{"one below a power of two", 63, 4096, 63},
		{"max 1 passes", 3, 1, 1},
		{"max 1 fails", 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			got, err := LargestPassing(tc.max, 0.99, stepF1(tc.capacity, &calls))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("LargestPassing = %d, want %d", got, tc.want)
			}
			if b := evalBound(min(tc.capacity, tc.max)); calls > b {
				t.Errorf("%d evaluations, want at most %d (O(log M))", calls, b)
			}
		})
	}
}

func TestLargestPassingExhaustive(t *testing.T) {
	for max := 1; max <= 70; max++ {
		for c := 0; c <= max+2; c++ {
			calls := 0
			seen := map[int]bool{}
			got, err := LargestPassing(max, 0.5, func(m int) (float64, error) {
				if m < 1 || m > max {
					t.Fatalf("max %d: evaluated M = %d outside [1, %d]", max, m, max)
				}
				if seen[m] {
					t.Errorf("max %d, capacity %d: M = %d evaluated twice", max, c, m)
				}
				seen[m] = true
				return stepF1(c, &calls)(m)
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := min(c, max); got != want {
				t.Errorf("max %d, capacity %d: got %d", max, c, got)
			}
		}
	}
}

func TestLargestPassingErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := LargestPassing(100, 0.99, func(m int) (float64, error) {
		if m == 4 {
			return 0, boom
		}
		return 1, nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "M = 4") {
		t.Errorf("error = %v, want the wrapped evaluation error naming M = 4", err)
	}
	if _, err := LargestPassing(0, 0.99, func(int) (float64, error) { return 1, nil }); err == nil {
		t.Error("max 0: no error")
	}
	got, err := LargestPassing(16, 0.99, func(int) (float64, error) { return math.NaN(), nil })
	if err != nil || got != 0 {
		t.Errorf("NaN F1: got %d, %v; want 0 (NaN fails)", got, err)
	}
}

// tinyCapacity is a capacity measurement that runs in well under a second.
func tinyCapacity() Config {
	b := study.DefaultBenchmark()
	b.Patterns.N, b.Patterns.T, b.Patterns.P = 48, 80, 0.02
	b.Params.PA, b.Params.Pre, b.Params.Post = 0.02, 5, 5
	b.Init = initw.Defaults()
	b.Train.Epochs = 1
	return Config{Base: b, Neurons: []int{48}, Delays: []int{10}, Modes: []Mode{Init, Trained},
		Threshold: 0.99, MaxPatterns: 16, Seeds: 2}
}

func TestCapacityTinyAndResume(t *testing.T) {
	cfg := tinyCapacity()
	path := filepath.Join(t.TempDir(), "capacity.csv")
	var evals []Eval
	cfg.OnEval = func(ev Eval) { evals = append(evals, ev) }
	rs, err := Run(context.Background(), cfg, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d results, want one per mode (2)", len(rs))
	}
	nEvals := 0
	for i, r := range rs {
		if r.Mode != cfg.Modes[i] || r.Neurons != 48 || r.Delays != 10 || r.Steps != 80 {
			t.Errorf("result %d is for %+v", i, r)
		}
		if r.Capacity < 1 {
			t.Errorf("%s: capacity %d, want ≥ 1 (one pattern is recalled at this size)", r.Mode, r.Capacity)
		}
		if r.Capacity == cfg.MaxPatterns {
			t.Errorf("%s: capacity reached the bound %d; the test expects a failure below it", r.Mode, r.Capacity)
		}
		if r.F1 < cfg.Threshold {
			t.Errorf("%s: F1 %v at capacity is below the threshold", r.Mode, r.F1)
		}
		if want := 48.0 * 48 * 10 / 70; math.Abs(r.Bound-want) > 1e-9 || math.Abs(r.BoundPerNeuron-want/48) > 1e-9 {
			t.Errorf("bounds %v, %v; want %v, %v", r.Bound, r.BoundPerNeuron, want, want/48)
		}
		for _, ev := range r.Evals {
			if ev.Pass != (ev.Patterns <= r.Capacity) {
				t.Errorf("%s: M = %d passes = %v but capacity is %d", r.Mode, ev.Patterns, ev.Pass, r.Capacity)
			}
			if ev.Reused != 0 || ev.Runs != cfg.Seeds {
				t.Errorf("first run: M = %d reused %d of %d runs", ev.Patterns, ev.Reused, ev.Runs)
			}
		}
		nEvals += len(r.Evals)
	}
	if len(evals) != nEvals {
		t.Errorf("OnEval called %d times for %d evaluations", len(evals), nEvals)
	}
	rows, err := results.Read(path, Columns())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != nEvals*cfg.Seeds {
		t.Errorf("CSV has %d rows, want %d evaluations × %d seeds", len(rows), nEvals, cfg.Seeds)
	}
	// The capacities recomputed from the CSV are those of the search.
	fromCSV, err := FromRows(rows, cfg.Threshold, cfg.Seeds)
	if err != nil || len(fromCSV) != len(rs) {
		t.Fatalf("FromRows: %d cells (%v), want %d", len(fromCSV), err, len(rs))
	}
	for i, r := range rs {
		c := fromCSV[i]
		if c.Mode != r.Mode || c.Capacity != r.Capacity || c.FailsAt != r.FailsAt || len(c.Evals) != len(r.Evals) {
			t.Errorf("%s: from the CSV capacity %d (fails at %d, %d evaluations), search %d (%d, %d)", r.Mode,
				c.Capacity, c.FailsAt, len(c.Evals), r.Capacity, r.FailsAt, len(r.Evals))
		}
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// A rerun reads every evaluation from the CSV and runs nothing.
	evals = nil
	again, err := Run(context.Background(), cfg, path)
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the rerun changed the CSV:\n%s\nthen\n%s", before, after)
	}
	for i := range rs {
		if again[i].Capacity != rs[i].Capacity || len(again[i].Evals) != len(rs[i].Evals) {
			t.Errorf("%s: rerun found capacity %d in %d evaluations, first run %d in %d", rs[i].Mode,
				again[i].Capacity, len(again[i].Evals), rs[i].Capacity, len(rs[i].Evals))
		}
	}
	for _, ev := range evals {
		if ev.Reused != ev.Runs {
			t.Errorf("rerun: M = %d ran %d of %d seeds again", ev.Patterns, ev.Runs-ev.Reused, ev.Runs)
		}
	}

	dir := t.TempDir()
	sum := filepath.Join(dir, "summary.csv")
	if err := WriteSummary(sum, rs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || lines[0] != "neurons,delays,steps,mode,capacity,fails_at,f1,bound,bound_per_neuron,evaluations,exceptions" ||
		!strings.HasPrefix(lines[1], "48,10,80,init,") {
		t.Errorf("summary:\n%s", b)
	}
}

func TestCapacityValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no N", func(c *Config) { c.Neurons = nil }, "network sizes"},
		{"no D", func(c *Config) { c.Delays = nil }, "delays"},
		{"bad mode", func(c *Config) { c.Modes = []Mode{Mode(5)} }, "Mode(5)"},
		{"threshold", func(c *Config) { c.Threshold = 1.5 }, "threshold"},
		{"max", func(c *Config) { c.MaxPatterns = 0 }, "largest number"},
		{"seeds", func(c *Config) { c.Seeds = 0 }, "seeds"},
		{"D ≥ T", func(c *Config) { c.Delays = []int{80} }, "D = 80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyCapacity()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestSearchFrom(t *testing.T) {
	for _, tc := range []struct{ start, max, capacity, want int }{
		{start: 400, max: 5000, capacity: 700, want: 700}, // 400 passes, 800 fails, bisect
		{start: 400, max: 5000, capacity: 100, want: 100}, // 400 fails, bisect below
		{start: 400, max: 300, capacity: 1000, want: 300}, // start clamped to max
		{start: 0, max: 64, capacity: 10, want: 10},       // 0 means 1
		{start: 400, max: 5000, capacity: 0, want: 0},     // nothing passes
	} {
		calls := 0
		got, err := Search{Start: tc.start, Max: tc.max, Threshold: 0.99}.Largest(stepF1(tc.capacity, &calls))
		if err != nil || got != tc.want {
			t.Errorf("start %d, max %d, capacity %d: got %d (%v), want %d", tc.start, tc.max, tc.capacity, got, err, tc.want)
		}
	}
}

// TestSearchPrecision checks that a relative precision stops the
// bisection early with the true capacity bracketed: the result passes,
// some tested M within the precision above it fails, and fewer
// evaluations are made than bisecting to one pattern.
func TestSearchPrecision(t *testing.T) {
	for _, capacity := range []int{1, 7, 100, 333, 700, 1000, 2999} {
		for _, prec := range []float64{0, 0.05, 0.1, 0.25} {
			var tested []int
			eval := func(m int) (float64, error) {
				tested = append(tested, m)
				if m <= capacity {
					return 1, nil
				}
				return 0, nil
			}
			got, err := Search{Start: 200, Max: 100000, Precision: prec, Threshold: 0.99}.Largest(eval)
			if err != nil || got > capacity {
				t.Fatalf("capacity %d, precision %v: got %d (%v)", capacity, prec, got, err)
			}
			failsAt := 0
			for _, m := range tested {
				if m > capacity && (failsAt == 0 || m < failsAt) {
					failsAt = m
				}
			}
			if failsAt-got > max(1, int(prec*float64(got))) {
				t.Errorf("capacity %d, precision %v: bracket [%d, %d) wider than asked", capacity, prec, got, failsAt)
			}
			if prec == 0 && got != capacity {
				t.Errorf("capacity %d without precision: got %d", capacity, got)
			}
		}
	}
}

// TestFromRows checks the capacity recomputed from CSV rows of several
// runs: incomplete evaluations are skipped, a failure bounds the capacity
// and is reported as FailsAt, a pass above it is an exception, and a cell
// where nothing failed is a lower bound (FailsAt 0).
func TestFromRows(t *testing.T) {
	row := func(n, d int, mode string, m int, seed uint64, f1 float64) results.Row {
		return results.Row{Values: []string{strconv.Itoa(n), strconv.Itoa(d), "1000", mode, strconv.Itoa(m)}, Seed: seed,
			Score: score.Result{F1: f1}}
	}
	var rows []results.Row
	for _, e := range []struct {
		m  int
		f1 float64
	}{{100, 1}, {200, 1}, {400, 0.5}, {300, 0.98}, {250, 1}, {800, 1}} {
		for seed := uint64(1); seed <= 2; seed++ {
			rows = append(rows, row(256, 41, "margin", e.m, seed, e.f1))
		}
	}
	rows = append(rows, row(256, 41, "margin", 260, 1, 1)) // seed 2 missing: not an evaluation
	rows = append(rows, row(512, 41, "margin", 440, 1, 1), row(512, 41, "margin", 440, 2, 0.9999))
	rows = append(rows, row(512, 41, "margin", 440, 3, 0)) // a third seed, not asked for
	got, err := FromRows(rows, 0.99, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d cells, want 2: %+v", len(got), got)
	}
	a, b := got[0], got[1]
	if a.Neurons != 256 || a.Capacity != 250 || a.FailsAt != 300 || !slices.Equal(a.Exceptions, []int{800}) || len(a.Evals) != 6 {
		t.Errorf("N = 256: capacity %d, fails at %d, exceptions %v, %d evaluations; want 250, 300, [800], 6", a.Capacity, a.FailsAt, a.Exceptions, len(a.Evals))
	}
	if b.Neurons != 512 || b.Capacity != 440 || b.FailsAt != 0 || math.Abs(b.F1-0.99995) > 1e-12 {
		t.Errorf("N = 512: capacity %d, fails at %d, F1 %v; want 440, 0 (a lower bound), 0.99995", b.Capacity, b.FailsAt, b.F1)
	}
	// A CSV over fan-ins has a fan_in column after delays; its bounds
	// count K·D weights per neuron.
	fan := []results.Row{{Values: []string{"4096", "41", "256", "1000", "init", "8"}, Seed: 1, Score: score.Result{F1: 1}},
		{Values: []string{"4096", "41", "256", "1000", "init", "16"}, Seed: 1, Score: score.Result{F1: 0.2}}}
	if got, err := FromRows(fan, 0.99, 1); err != nil || len(got) != 1 || got[0].FanIn != 256 || got[0].Capacity != 8 ||
		got[0].FailsAt != 16 || math.Abs(got[0].BoundPerNeuron-256*41/959.0) > 1e-12 {
		t.Errorf("fan-in rows: %+v (%v)", got, err)
	}
	if _, err := FromRows([]results.Row{{Values: []string{"x", "41", "1000", "margin", "4"}, Seed: 1}}, 0.99, 1); err == nil {
		t.Error("a row with a non-integer N was accepted")
	}
}

// TestExceptions checks that a pass above the capacity found by the search
// is listed, not hidden: F1 that rises again past a failing M, found by
// probing one doubling past the first failure.
func TestExceptions(t *testing.T) {
	pass := func(m int) bool { return m <= 40 || m == 128 } // 64 fails, 128 passes again
	var evals []Eval
	eval := func(m int) (float64, error) {
		f := 0.5
		if pass(m) {
			f = 1
		}
		evals = append(evals, Eval{Patterns: m, F1: f, Pass: pass(m)})
		return f, nil
	}
	got, err := Search{Start: 1, Probe: 1, Max: 1000, Threshold: 0.99}.Largest(eval)
	if err != nil || got != 40 {
		t.Fatalf("got %d (%v), want 40", got, err)
	}
	res := Result{Capacity: got, Evals: evals}
	res.exceptions()
	if !slices.Equal(res.Exceptions, []int{128}) {
		t.Fatalf("exceptions %v, want [128]", res.Exceptions)
	}
	for _, ev := range evals {
		if ev.Patterns < got && !ev.Pass {
			t.Errorf("tested M = %d below the capacity failed", ev.Patterns)
		}
	}
	// Without the probe, M = 128 is never tested.
	evals = nil
	if got, _ := (Search{Start: 1, Max: 1000, Threshold: 0.99}).Largest(eval); got != 40 || slices.ContainsFunc(evals, func(e Eval) bool { return e.Patterns == 128 }) {
		t.Fatalf("no probe: got %d with evaluations %v", got, evals)
	}
}

// TestMarginMode measures mode margin beside init at the tiny size: margin
// storage (from --margin-start) holds many more patterns than the Hebbian
// initialisation there.
func TestMarginMode(t *testing.T) {
	cfg := tinyCapacity()
	mc := margin.DefaultConfig()
	cfg.Base.Margin = &mc
	cfg.Modes = []Mode{Init, Margin}
	cfg.MaxPatterns, cfg.MarginStart = 24, 8
	rs, err := Run(context.Background(), cfg, filepath.Join(t.TempDir(), "capacity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[1].Mode != Margin {
		t.Fatalf("results %+v", rs)
	}
	if rs[1].Capacity <= 2*rs[0].Capacity {
		t.Errorf("margin capacity %d, init %d: want margin storage to hold more than twice as many", rs[1].Capacity, rs[0].Capacity)
	}
	if first := rs[1].Evals[0].Patterns; first != 8 {
		t.Errorf("the margin search started at M = %d, want --margin-start 8", first)
	}
	noMargin := tinyCapacity()
	noMargin.Modes = []Mode{Margin}
	if err := noMargin.Validate(); err == nil || !strings.Contains(err.Error(), "Base.Margin") {
		t.Errorf("mode margin without settings: %v", err)
	}
}

// TestCapacityFanIns measures the tiny capacity at two fan-ins: a row per
// fan-in with the K·D bounds, a fan_in column in the CSV and the summary,
// a rerun that reads every evaluation back, and no mode but init.
func TestCapacityFanIns(t *testing.T) {
	cfg := tinyCapacity()
	cfg.Modes, cfg.FanIns = []Mode{Init}, []int{12, 48}
	dir := t.TempDir()
	path := filepath.Join(dir, "capacity.csv")
	rs, err := Run(context.Background(), cfg, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].FanIn != 12 || rs[1].FanIn != 48 {
		t.Fatalf("results %+v", rs)
	}
	if want := 12.0 * 10 / 70; math.Abs(rs[0].BoundPerNeuron-want) > 1e-9 || math.Abs(rs[0].Bound-48*want) > 1e-9 {
		t.Errorf("fan-in 12 bounds %v, %v; want %v, %v", rs[0].Bound, rs[0].BoundPerNeuron, 48*want, want)
	}
	if rs[1].Capacity < 1 || rs[0].Capacity > rs[1].Capacity {
		t.Errorf("capacity %d at fan-in 12, %d at fan-in 48 (all to all)", rs[0].Capacity, rs[1].Capacity)
	}
	rows, err := results.Read(path, cfg.CSVColumns())
	if err != nil || len(rows) == 0 || rows[0].Values[2] != "12" {
		t.Fatalf("CSV rows %v, %v", rows, err)
	}
	again, err := Run(context.Background(), cfg, path)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if r.Capacity != rs[i].Capacity {
			t.Errorf("rerun: capacity %d, first run %d", r.Capacity, rs[i].Capacity)
		}
		for _, ev := range r.Evals {
			if ev.Reused != ev.Runs {
				t.Errorf("rerun: M = %d reused %d of %d runs", ev.Patterns, ev.Reused, ev.Runs)
			}
		}
	}
	sum := filepath.Join(dir, "summary.csv")
	if err := WriteSummary(sum, rs); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(sum); err != nil || !strings.HasPrefix(string(b), "neurons,delays,fan_in,steps,") || !strings.Contains(string(b), "\n48,10,12,80,init,") {
		t.Errorf("summary:\n%s (%v)", b, err)
	}
	cfg.Modes = []Mode{Init, Trained}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "only mode init") {
		t.Errorf("trained with fan-ins: %v", err)
	}
	cfg.Modes, cfg.FanIns = []Mode{Init}, []int{49}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "fan-in 49") {
		t.Errorf("fan-in above N: %v", err)
	}
}
