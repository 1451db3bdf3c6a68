package studyfig

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/capacity"
	"github.com/hdsnn/hdsnn/study/incremental"
	"github.com/hdsnn/hdsnn/study/scan"
	"github.com/hdsnn/hdsnn/study/search"
	"github.com/hdsnn/hdsnn/study/sequential"
)

// labels returns the labelled ticks of an axis of p, as drawn.
func labels(a plot.Axis) []string {
	var out []string
	for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// mustPlot returns the gonum plot of p, failing the test if p is invalid,
// and checks that p saves.
func mustPlot(t *testing.T, p figure.LinePlot) *plot.Plot {
	t.Helper()
	pl, err := p.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Save(filepath.Join(t.TempDir(), "f")); err != nil {
		t.Fatal(err)
	}
	return pl
}

// sums returns one summary per value of a scan of param.
func sums(param string, values []string, f1 ...float64) []results.Summary {
	var out []results.Summary
	for i, v := range values {
		out = append(out, results.Summary{Values: []string{param, v}, Runs: 3, F1: f1[i], F1Err: 0.01})
	}
	return out
}

var setup = Setup{N: 512, M: 16, T: 1000, D: 41, Seeds: 3, Weights: "trained"}

func TestScanCategories(t *testing.T) {
	names := []string{"hebbian-row", "hebbian-context", "hebbian-column", "pinv"}
	p := Scan(scan.Init, sums("init", names, 1, 0.55, 0.39, 1), setup)
	pl := mustPlot(t, p)
	if got := labels(pl.X); !slices.Equal(got, names) {
		t.Errorf("x tick labels %v, want the categories %v", got, names)
	}
	if p.LogX || len(p.Series) != 1 || !slices.Equal(p.Series[0].X, []float64{0, 1, 2, 3}) {
		t.Errorf("categorical scan: LogX %v, series %+v", p.LogX, p.Series)
	}
	for _, want := range []string{"initialisation", "N = 512", "M = 16", "T = 1000", "D = 41", "3 seeds", "trained weights"} {
		if !strings.Contains(pl.Title.Text, want) {
			t.Errorf("title %q lacks %q", pl.Title.Text, want)
		}
	}
	if strings.Contains(pl.Title.Text, "1 − F1") || strings.Contains(p.Series[0].Name, "loss") {
		t.Error("the scan draws the loss, a mirror image of F1")
	}
}

func TestScanTicksAtValues(t *testing.T) {
	values := []string{"64", "128", "256", "512", "1024", "2048"}
	shuffled := sums("neurons", values, 0.002, 0.04, 0.96, 1, 1, 1)
	shuffled[0], shuffled[3] = shuffled[3], shuffled[0] // rows in the order they finished
	p := Scan(scan.Neurons, shuffled, setup)
	if !slices.IsSorted(p.Series[0].X) || p.Series[0].Y[0] != 0.002 {
		t.Errorf("points not in order of N: %v → %v", p.Series[0].X, p.Series[0].Y)
	}
	pl := mustPlot(t, p)
	if !p.LogX {
		t.Error("a scan of N is not on a log axis")
	}
	if got := labels(pl.X); !slices.Equal(got, values) {
		t.Errorf("x tick labels %v, want a label at every N: %v", got, values)
	}
	if strings.Contains(pl.Title.Text, "N = 512") || !strings.Contains(pl.Title.Text, "M = 16") {
		t.Errorf("title %q: the scanned N is in it or M is not", pl.Title.Text)
	}
	theta := Scan(scan.Theta, sums("theta", []string{"0.4", "0.8", "1.2"}, 1, 1, 0.1), setup)
	if tp := mustPlot(t, theta); theta.LogX || !slices.Equal(labels(tp.X), []string{"0.4", "0.8", "1.2"}) {
		t.Errorf("θ scan: LogX %v, ticks %v", theta.LogX, labels(tp.X))
	}
}

func TestRobustnessPanels(t *testing.T) {
	b := study.DefaultBenchmark()
	ss := []results.Summary{
		{Values: []string{"truncate", "0"}, Runs: 3, F1: 0, Precision: math.NaN(), Recall: 0, Fired: 0},
		{Values: []string{"truncate", "20"}, Runs: 3, F1: 0.5, F1Err: 0.1, Precision: 1, Recall: 0.4, Fired: 2},
		{Values: []string{"truncate", "41"}, Runs: 3, F1: 1, Precision: 1, Recall: 1, Fired: 3},
		{Values: []string{"flip", "0.5"}, Runs: 3, F1: 0.9, Precision: 1, Recall: 0.8, Fired: 3},
	}
	st := Robustness(perturb.Truncate, ss, b, setup)
	pls, err := st.Plots()
	if err != nil {
		t.Fatal(err)
	}
	if len(pls) != 3 {
		t.Fatalf("%d panels, want F1, precision and recall", len(pls))
	}
	for i, want := range []string{"F1", "precision", "recall"} {
		p := st.Panels[i]
		if len(p.Series) != 1 || len(p.Series[0].X) != 3 || !strings.HasPrefix(pls[i].Title.Text, want) {
			t.Errorf("panel %d: title %q, %d series; want %s of 3 levels", i, pls[i].Title.Text, len(p.Series), want)
		}
		if got := labels(pls[i].X); !slices.Equal(got, []string{"0", "20", "41"}) {
			t.Errorf("panel %d ticks %v", i, got)
		}
	}
	if pls[1].X.Min != pls[0].X.Min || pls[1].X.Max != pls[2].X.Max {
		t.Errorf("panels do not share the x range: %v…%v, %v…%v", pls[0].X.Min, pls[0].X.Max, pls[1].X.Min, pls[1].X.Max)
	}
	if y := st.Panels[1].Series[0].Y; !math.IsNaN(y[0]) || y[1] != 1 {
		t.Errorf("precision %v: the silent level must be undefined, not 0", y)
	}
	if !strings.Contains(st.Panels[1].Title, "runs that fired") || !strings.Contains(st.Title, "N = 512") {
		t.Errorf("titles %q / %q", st.Title, st.Panels[1].Title)
	}
	if err := st.Save(filepath.Join(t.TempDir(), "r")); err != nil {
		t.Fatal(err)
	}
}

// TestRobustnessAxes checks that every kind has its own x label and
// title, so that flip-input (the published protocol) is not drawn under
// another kind's axis.
func TestRobustnessAxes(t *testing.T) {
	b := study.DefaultBenchmark()
	seen := map[string]perturb.Kind{}
	for _, kind := range perturb.Kinds() {
		ss := []results.Summary{
			{Values: []string{kind.String(), "0"}, Runs: 3, F1: 1, Precision: 1, Recall: 1, Fired: 3},
			{Values: []string{kind.String(), "1"}, Runs: 3, F1: 0.5, Precision: 1, Recall: 0.4, Fired: 3},
		}
		st := Robustness(kind, ss, b, setup)
		if len(st.Panels) != 3 || len(st.Panels[0].Series[0].X) != 2 {
			t.Fatalf("%s: %d panels, want 3 with 2 levels", kind, len(st.Panels))
		}
		x := st.Panels[0].XLabel
		if other, ok := seen[x]; ok {
			t.Errorf("%s and %s share the x label %q", kind, other, x)
		}
		seen[x] = kind
	}
	st := Robustness(perturb.FlipInput, nil, b, setup)
	if x := st.Panels[0].XLabel; !strings.Contains(x, "input slot") || !strings.Contains(x, "input's mean rate") {
		t.Errorf("flip-input x label %q", x)
	}
	if !strings.Contains(st.Title, "published protocol") {
		t.Errorf("flip-input title %q", st.Title)
	}
}

func TestSequentialGaps(t *testing.T) {
	nan := math.NaN()
	sr := sequential.Series{Window: 4, Step: []int{2, 3, 4, 5, 6}, F1: []float64{1, 1, 0, 0, 1},
		Defined: []int{1, 1, 0, 0, 1}, DefinedF1: []float64{1, 1, nan, nan, 1},
		InPattern: []bool{true, true, false, false, true}, InCue: []bool{true, false, false, false, false}}
	p := Sequential(sr, setup, 200, 0)
	mustPlot(t, p)
	y := p.Series[0].Y
	if !math.IsNaN(y[2]) || !math.IsNaN(y[3]) || y[0] != 1 {
		t.Errorf("sliding F1 %v: undefined windows must be gaps", y)
	}
	if len(p.Bands) != 2 || !slices.Equal(p.Bands[0].Spans, [][2]float64{{2, 4}, {6, 7}}) || !slices.Equal(p.Bands[1].Spans, [][2]float64{{2, 3}}) {
		t.Errorf("bands %+v", p.Bands)
	}
}

func TestSpans(t *testing.T) {
	tests := []struct {
		steps []int
		in    []bool
		want  [][2]float64
	}{
		{nil, nil, nil},
		{[]int{0, 1, 2}, []bool{false, false, false}, nil},
		{[]int{0, 1, 2, 3}, []bool{true, true, false, true}, [][2]float64{{0, 2}, {3, 4}}},
		{[]int{10, 11, 12}, []bool{false, true, true}, [][2]float64{{11, 13}}},
	}
	for _, tc := range tests {
		if got := spans(tc.steps, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("spans(%v, %v) = %v, want %v", tc.steps, tc.in, got, tc.want)
		}
	}
}

func TestTraining(t *testing.T) {
	initial := score.Result{Precision: 1, Recall: 0.994, F1: 0.997, Loss: 0.003}
	var h []learn.Epoch
	for e, loss := range []float64{0.002, 0.0008, 0.0004, 0.0006} {
		h = append(h, learn.Epoch{Epoch: e + 1, Valid: score.Result{Precision: 1, Recall: 1 - 2*loss, F1: 1 - loss, Loss: loss}})
	}
	st := Training(&initial, h, 3, true, setup.Sizes())
	pls, err := st.Plots()
	if err != nil {
		t.Fatal(err)
	}
	loss := st.Panels[0]
	if len(pls) != 3 || !loss.LogY || loss.Series[0].X[0] != 0 || len(loss.Series[0].X) != 5 {
		t.Fatalf("%d panels; loss panel LogY %v, epochs %v", len(pls), loss.LogY, loss.Series[0].X)
	}
	if got := labels(pls[0].X); !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("epoch ticks %v", got)
	}
	for i, p := range st.Panels {
		if len(p.Series) != 2 || !slices.Equal(p.Series[1].X, []float64{3}) {
			t.Errorf("panel %d does not mark the kept epoch 3: %+v", i, p.Series)
		}
	}
	if !strings.Contains(loss.Series[1].Name, "kept: epoch 3") || !strings.Contains(st.Title, "N = 512") || strings.Contains(st.Title, "seeds") {
		t.Errorf("legend %q, title %q", loss.Series[1].Name, st.Title)
	}
	perfect := Training(&score.Result{Precision: 1, Recall: 1, F1: 1, Loss: 5e-13}, nil, 0, true, setup)
	if perfect.Panels[0].LogY {
		t.Error("a perfect loss on a log axis")
	}
	if err := st.Save(filepath.Join(t.TempDir(), "t")); err != nil {
		t.Fatal(err)
	}
}

func TestCapacity(t *testing.T) {
	var rs []capacity.Result
	for _, n := range []int{64, 128} {
		for _, d := range []int{10, 20} {
			for _, m := range []capacity.Mode{capacity.Init, capacity.Trained} {
				c := d / 10 // equal for both N: the N = 64 series lies under N = 128
				if n == 64 && d == 10 {
					c = 0
				}
				rs = append(rs, capacity.Result{Neurons: n, Delays: d, Steps: 200, Mode: m, Capacity: c,
					BoundPerNeuron: float64(n*d) / float64(200-d)})
			}
		}
	}
	vsN, vsD := Capacity(rs, 0.99, 2)
	for _, p := range []figure.LinePlot{vsN, vsD} {
		pl := mustPlot(t, p)
		if !p.LogX || !p.LogY || !strings.Contains(pl.Title.Text, "2 seeds") || !strings.Contains(pl.Title.Text, "capacity 0 not shown") {
			t.Errorf("%s: log %v/%v, title %q", p.XLabel, p.LogX, p.LogY, pl.Title.Text)
		}
		type look struct {
			colour, marker, dash int
			radius               float64
		}
		seen := map[look]string{}
		for _, s := range p.Series {
			l := look{s.Style.Colour, s.Style.Marker, s.Style.Dash, s.Style.Radius}
			if other, ok := seen[l]; ok {
				t.Errorf("%s: %q and %q look alike", p.XLabel, s.Name, other)
			}
			seen[l] = s.Name
		}
	}
	if got := labels(mustPlot(t, vsD).X); !slices.Equal(got, []string{"10", "20"}) {
		t.Errorf("vs D ticks %v", got)
	}
	// vs D: N = 64 has a capacity only at D = 20, N = 128 at both; each
	// has its two modes and its N·D/(T−D) line.
	if len(vsD.Series) != 6 || len(vsD.Series[0].X) != 1 || vsD.Series[0].X[0] != 20 {
		t.Errorf("capacity vs D series: %+v", vsD.Series)
	}
	// The N = 64 markers, drawn first, are larger than N = 128's.
	if !(vsD.Series[0].Style.Radius > vsD.Series[3].Style.Radius) {
		t.Errorf("radii %v, %v", vsD.Series[0].Style.Radius, vsD.Series[3].Style.Radius)
	}
}

func TestSearch(t *testing.T) {
	rs := []search.Result{
		{Trial: search.Trial{Index: 2}, F1: 0.9}, {Trial: search.Trial{Index: 1}, F1: math.NaN()},
		{Trial: search.Trial{Index: 0}, F1: 0.5}, {Trial: search.Trial{Index: 3}, F1: 0.7},
	}
	p := Search(rs, setup)
	mustPlot(t, p)
	if !slices.IsSorted(p.Series[0].X) {
		t.Errorf("trials %v out of order", p.Series[0].X)
	}
	if run := p.Series[1].Y; !slices.IsSorted(run) {
		t.Errorf("running best %v is not non-decreasing", run)
	}
	if !p.Series[0].Style.NoLine {
		t.Error("independent trials are joined by a line")
	}
}

func TestRecall(t *testing.T) {
	st, err := study.DefaultBenchmark().Quick().Store(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	p := st.Bench.Params
	trial, err := network.Simulate(st.Weights, p, st.Inputs(0)[2], network.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rp := Recall(p, st.Patterns.Patterns[2], trial, "pattern 2", 40, 30)
	if rp.FirstNeuron != 40 || rp.MaxNeurons != 30 || !strings.Contains(rp.Title, "pattern 2") || len(rp.Marks) != 3 {
		t.Errorf("raster %q of neurons %d+%d, %d marks", rp.Title, rp.FirstNeuron, rp.MaxNeurons, len(rp.Marks))
	}
	if len(rp.Target) != len(st.Patterns.Patterns[2].Events()) || len(rp.Cue) == 0 {
		t.Errorf("%d target and %d cue events", len(rp.Target), len(rp.Cue))
	}
	for _, e := range rp.Recall {
		if e.Step < p.Pre+p.Trigger {
			t.Fatalf("recall event %+v before the free run", e)
		}
	}
	if err := rp.Save(filepath.Join(t.TempDir(), "recall")); err != nil {
		t.Fatal(err)
	}
	if d := Recall(p, st.Patterns.Patterns[0], trial, "pattern 0", 0, 0); d.MaxNeurons != DefaultNeurons {
		t.Errorf("default shows %d neurons", d.MaxNeurons)
	}
}

func TestIncremental(t *testing.T) {
	var pts []incremental.Point
	for k := 1; k <= 3; k++ {
		pts = append(pts,
			incremental.Point{Rule: incremental.Margin, Stored: k, All: score.Result{F1: 1}, MinF1: 1},
			incremental.Point{Rule: incremental.Hebbian, Stored: k, All: score.Result{F1: 1 / float64(k)}, MinF1: 0.5 / float64(k)})
	}
	p := Incremental(pts, setup)
	mustPlot(t, p)
	if len(p.Series) != 4 {
		t.Fatalf("%d series, want all and worst for each of 2 rules", len(p.Series))
	}
	for i, want := range []string{"margin: all stored", "margin: worst pattern", "hebbian: all stored", "hebbian: worst pattern"} {
		s := p.Series[i]
		if s.Name != want || !slices.Equal(s.X, []float64{1, 2, 3}) {
			t.Errorf("series %d: %q at %v, want %q at 1, 2, 3", i, s.Name, s.X, want)
		}
	}
	if p.Series[0].Style.Colour == p.Series[2].Style.Colour || p.Series[0].Style.Dash == p.Series[1].Style.Dash {
		t.Error("rules share a colour, or all and worst share a dash")
	}
	if strings.Contains(p.Title, "M = ") || strings.Contains(p.Title, "weights") {
		t.Errorf("title %q names M or weights, which the axis and legend give", p.Title)
	}
}

// TestCapacityVsWeights checks the capacity against N·D: ticks at every
// N·D measured, bracketed capacities and lower bounds as separate series
// of the same colour, both estimates as lines at α·N·D/(T−D) for every
// measured cell, and capacity 0 left out.
func TestCapacityVsWeights(t *testing.T) {
	cell := func(n, d int, m capacity.Mode, c, failsAt int) capacity.Result {
		return capacity.Result{Neurons: n, Delays: d, Steps: 1000, Mode: m, Capacity: c, FailsAt: failsAt,
			BoundPerNeuron: float64(n*d) / float64(1000-d)}
	}
	rs := []capacity.Result{
		cell(256, 21, capacity.Init, 0, 1), cell(256, 41, capacity.Init, 8, 9),
		cell(256, 21, capacity.Margin, 90, 99), cell(256, 41, capacity.Margin, 200, 220), cell(512, 41, capacity.Margin, 440, 0),
		cell(512, 21, capacity.Init, 0, 1), // N·D = 10752, within 3 % of 10496: no tick of its own
	}
	p := CapacityVsWeights(rs, 0.99, 2)
	pl := mustPlot(t, p)
	if !p.LogX || !p.LogY || !strings.Contains(pl.Title.Text, "capacity 0 not shown") || !strings.Contains(pl.Title.Text, "lower bounds") {
		t.Errorf("log %v/%v, title %q", p.LogX, p.LogY, pl.Title.Text)
	}
	if got := labels(pl.X); !slices.Equal(got, []string{"5376", "10496", "20992"}) {
		t.Errorf("ticks %v, want one at every N·D", got)
	}
	names := make([]string, len(p.Series))
	for i, s := range p.Series {
		names[i] = s.Name
	}
	want := []string{"init", "margin", "margin, lower bound", "α·N·D/(T−D), α = 119 (κ = 0)", "α·N·D/(T−D), α = 46 (κ = 1 s.d.)"}
	if !slices.Equal(names, want) {
		t.Fatalf("series %q, want %q", names, want)
	}
	if s := p.Series[0]; len(s.X) != 1 || s.Y[0] != 8 { // 512·21 has capacity 0
		t.Errorf("init: %v, %v; capacity 0 must be left out", s.X, s.Y)
	}
	if s := p.Series[2]; len(s.X) != 1 || s.X[0] != 512*41 || s.Y[0] != 440 || s.Style.Colour != p.Series[1].Style.Colour {
		t.Errorf("lower bound series %+v", s)
	}
	est := p.Series[3]
	if len(est.X) != 4 || math.Abs(est.Y[3]-119*512*41/959.0) > 1e-9 {
		t.Errorf("κ = 0 estimate %v, %v", est.X, est.Y)
	}
}

// TestSetupOfMargin checks that figures of margin-stored weights name the
// margin and the perturbed cues they were stored with.
func TestSetupOfMargin(t *testing.T) {
	b := study.DefaultBenchmark()
	for _, tc := range []struct {
		c    margin.Config
		want string
	}{
		{margin.Config{Margin: 0.3}, "margin storage with κ = 0.3"},
		{margin.Config{Margin: 0.3, Perturbed: 192, Jitter: 1, Flip: 0.25}, "margin storage with κ = 0.3 and 192 perturbed cues per pattern (jitter ±1, flip 0.25)"},
		{margin.Config{Margin: 0.5, Perturbed: 8, Jitter: 2}, "margin storage with κ = 0.5 and 8 perturbed cues per pattern (jitter ±2)"},
	} {
		b.Margin = &tc.c
		s := SetupOf(b, 3, false)
		if s.Weights != "margin-stored" || s.Storage != tc.want {
			t.Errorf("weights %q, storage %q, want %q", s.Weights, s.Storage, tc.want)
		}
		if lines := strings.Split(s.String(), "\n"); len(lines) != 2 || lines[1] != tc.want {
			t.Errorf("title lines %q: the storage belongs on a line of its own", lines)
		}
	}
	if got := SetupOf(b, 3, true).Weights; !strings.HasSuffix(got, ", trained") {
		t.Errorf("trained margin weights: %q", got)
	}
}
