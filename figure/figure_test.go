package figure

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/hdsnn/hdsnn/raster"
)

// checkFiles checks that base.png decodes to a w×h image and that base.svg
// is an SVG document, and that no temporary files were left behind.
func checkFiles(t *testing.T, base string, w, h int) {
	t.Helper()
	img := readPNG(t, base+".png")
	if got := img.Bounds().Size(); got.X != w || got.Y != h {
		t.Errorf("%s.png is %d×%d pixels, want %d×%d", base, got.X, got.Y, w, h)
	}
	s, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(s, []byte("<?xml")) || !bytes.Contains(s, []byte("<svg")) {
		t.Errorf("%s.svg does not look like SVG: %.40q", base, s)
	}
	entries, err := os.ReadDir(filepath.Dir(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// trial returns a synthetic recall trial in the layout of SPEC §2.1:
// pre = post = 50 steps around a pattern of T = 1000 steps at p_A = 1e-3,
// cued for the first d steps, recalled with a few misses and extra spikes.
func trial(n, d int) RasterPlot {
	const pre, T, post = 50, 1000, 50
	r := rand.New(rand.NewPCG(1, 2))
	var p RasterPlot
	p.N, p.Steps = n, pre+T+post
	for s := pre; s < pre+T; s++ {
		for i := range n {
			if r.Float64() >= 1e-3 {
				continue
			}
			e := raster.Event{Neuron: i, Step: s}
			p.Target = append(p.Target, e)
			switch {
			case s < pre+d:
				p.Cue = append(p.Cue, e)
			case r.Float64() < 0.93:
				p.Recall = append(p.Recall, e)
			}
		}
	}
	for range 15 {
		p.Recall = append(p.Recall, raster.Event{Neuron: r.IntN(n), Step: pre + d + r.IntN(T-d)})
	}
	p.Marks = []Mark{{pre, "cue start"}, {pre + d, "free run"}, {pre + T, "end of scored window"}}
	return p
}

func TestRasterPlotSave(t *testing.T) {
	full := trial(64, 41)
	full.Title = "recall"
	tests := []struct {
		name string
		plot RasterPlot
	}{
		{"full", full},
		{"max neurons", func() RasterPlot { p := trial(512, 41); p.MaxNeurons = 64; return p }()},
		{"max neurons above N", func() RasterPlot { p := trial(32, 41); p.MaxNeurons = 100; return p }()},
		{"no events no marks", RasterPlot{N: 10, Steps: 20}},
		{"unlabelled mark at end", RasterPlot{N: 1, Steps: 5, Target: []raster.Event{{Neuron: 0, Step: 4}}, Marks: []Mark{{Step: 5}}}},
		{"crowded marks", RasterPlot{N: 4, Steps: 100, Marks: []Mark{{0, "a long label"}, {1, "another long label"}, {2, "third"}, {99, "near the right edge"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "raster")
			if err := tc.plot.Save(base); err != nil {
				t.Fatal(err)
			}
			checkFiles(t, base, 8*DPI, 9*DPI/2)
		})
	}
}

func ptr(v float64) *float64 { return &v }

func TestLinePlotSave(t *testing.T) {
	epochs := make([]float64, 100)
	loss := make([]float64, 100)
	for i := range epochs {
		epochs[i] = float64(i)
		loss[i] = math.Exp(-float64(i) / 20)
	}
	tests := []struct {
		name string
		plot LinePlot
	}{
		{"linear", LinePlot{Title: "t", XLabel: "x", YLabel: "y", Series: []Series{
			{Name: "a", X: []float64{1, 2, 3}, Y: []float64{0.1, 0.5, 0.2}},
			{Name: "b", X: []float64{1, 2, 3}, Y: []float64{0.3, 0.2, 0.9}, Err: []float64{0.05, 0.1, 0}},
		}}},
		{"long series with fixed range", LinePlot{YMin: ptr(0), YMax: ptr(1), Series: []Series{
			{Name: "loss", X: epochs, Y: loss},
		}}},
		{"log x scan", LinePlot{LogX: true, Series: []Series{
			{Name: "F1", X: []float64{2e-4, 5e-4, 1e-3, 5e-3, 5e-2}, Y: []float64{1, 1, 0.9, 0.4, 0}, Err: []float64{0, 0, 0.05, 0.1, 0}},
		}}},
		{"log y, error bar reaching below zero", LinePlot{LogY: true, Series: []Series{
			{Name: "loss", X: []float64{1, 2, 3}, Y: []float64{1, 0.1, 0.01}, Err: []float64{0.2, 0.3, 0.001}},
		}}},
		{"log y with YMin", LinePlot{LogY: true, YMin: ptr(1e-3), Series: []Series{
			{X: []float64{1, 2}, Y: []float64{1, 0.5}, Err: []float64{2, 0}},
		}}},
		{"log log single point", LinePlot{LogX: true, LogY: true, Series: []Series{
			{Name: "one", X: []float64{3}, Y: []float64{7}},
		}}},
		{"many series", LinePlot{Series: func() []Series {
			var ss []Series
			for i := range 12 {
				ss = append(ss, Series{Name: string(rune('a' + i)), X: []float64{0, 1}, Y: []float64{float64(i), float64(i + 1)}})
			}
			return ss
		}()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "line")
			if err := tc.plot.Save(base); err != nil {
				t.Fatal(err)
			}
			checkFiles(t, base, 6*DPI, 4*DPI)
		})
	}
}

// TestLinePlotBands checks that bands are shaded behind the series: the
// right half of the x range in the first band colour, nothing without.
func TestLinePlotBands(t *testing.T) {
	shaded := func(bands []Band) float64 {
		base := filepath.Join(t.TempDir(), "bands")
		p := LinePlot{Series: []Series{{Name: "F1", X: []float64{0, 10}, Y: []float64{0, 1}}}, Bands: bands}
		if err := p.Save(base); err != nil {
			t.Fatal(err)
		}
		checkFiles(t, base, 6*DPI, 4*DPI)
		img := readPNG(t, base+".png")
		n, all := 0, 0
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if r>>8 == 0xD9 && g>>8 == 0xE6 && b>>8 == 0xF2 {
					n++
				}
				all++
			}
		}
		return float64(n) / float64(all)
	}
	if f := shaded(nil); f != 0 {
		t.Errorf("%.3f of the image in the band colour without bands", f)
	}
	// The data area is most of the image left of the legend; half of it
	// shaded is well over a tenth of the image.
	if f := shaded([]Band{{Name: "pattern", Spans: [][2]float64{{5, 10}}}}); f < 0.1 || f > 0.5 {
		t.Errorf("%.3f of the image in the band colour, want about half the data area", f)
	}
}

func TestRasterPlotValidate(t *testing.T) {
	ok := RasterPlot{N: 10, Steps: 100}
	tests := []struct {
		name string
		edit func(*RasterPlot)
		want string
	}{
		{"zero N", func(p *RasterPlot) { p.N = 0 }, "N = 0 neurons"},
		{"negative steps", func(p *RasterPlot) { p.Steps = -1 }, "-1 steps"},
		{"negative MaxNeurons", func(p *RasterPlot) { p.MaxNeurons = -3 }, "MaxNeurons = -3"},
		{"target neuron too high", func(p *RasterPlot) { p.Target = []raster.Event{{Neuron: 1, Step: 1}, {Neuron: 10, Step: 5}} },
			"target event 1 (neuron 10, step 5) lies outside the raster of 10 neurons × 100 steps"},
		{"cue negative step", func(p *RasterPlot) { p.Cue = []raster.Event{{Neuron: 0, Step: -1}} }, "cue event 0 (neuron 0, step -1)"},
		{"recall step too high", func(p *RasterPlot) { p.Recall = []raster.Event{{Neuron: 0, Step: 100}} }, "recall event 0 (neuron 0, step 100)"},
		{"negative neuron", func(p *RasterPlot) { p.Recall = []raster.Event{{Neuron: -1, Step: 0}} }, "recall event 0 (neuron -1, step 0)"},
		{"mark past end", func(p *RasterPlot) { p.Marks = []Mark{{100, "end"}, {101, "late"}} }, `mark 1 ("late") at step 101 lies outside steps 0 … 100`},
		{"negative mark", func(p *RasterPlot) { p.Marks = []Mark{{-5, "early"}} }, `mark 0 ("early") at step -5`},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid plot: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			err := p.Save(filepath.Join(t.TempDir(), "raster"))
			if err == nil {
				t.Fatalf("Save returned nil, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLinePlotValidate(t *testing.T) {
	good := func() Series { return Series{Name: "F1", X: []float64{1, 2, 3}, Y: []float64{0.5, 0.7, 0.9}} }
	tests := []struct {
		name string
		edit func(*LinePlot)
		want string
	}{
		{"no series", func(p *LinePlot) { p.Series = nil }, "has no series"},
		{"empty series", func(p *LinePlot) { p.Series = append(p.Series, Series{Name: "R"}) }, `series 1 ("R") has no points`},
		{"X shorter than Y", func(p *LinePlot) { p.Series[0].X = p.Series[0].X[:2] }, `series 0 ("F1") has 2 X values but 3 Y values`},
		{"Err length", func(p *LinePlot) { p.Series[0].Err = []float64{0.1} }, `series 0 ("F1") has 1 Err values but 3 Y values`},
		{"all Y NaN", func(p *LinePlot) { p.Series[0].Y = []float64{math.NaN(), math.NaN(), math.NaN()} }, `series 0 ("F1") has no defined (non-NaN) point`},
		{"Inf Y", func(p *LinePlot) { p.Series[0].Y[1] = math.Inf(-1) }, `series 0 ("F1"): Y[1] is -Inf`},
		{"category out of range", func(p *LinePlot) { p.XCategories = []string{"a", "b"} }, `X[1] = 2 is not the index of one of the 2 categories`},
		{"log categories", func(p *LinePlot) { p.XCategories = []string{"a", "b", "c", "d"}; p.LogX = true }, "categorical x axis cannot be logarithmic"},
		{"Inf X", func(p *LinePlot) { p.Series[0].X[2] = math.Inf(1) }, `series 0 ("F1"): X[2] is +Inf`},
		{"NaN Err", func(p *LinePlot) { p.Series[0].Err = []float64{0, math.NaN(), 0} }, `series 0 ("F1"): Err[1] is NaN`},
		{"negative Err", func(p *LinePlot) { p.Series[0].Err = []float64{0, 0, -0.1} }, `Err[2] is -0.1, want a finite value ≥ 0`},
		{"log x zero", func(p *LinePlot) { p.LogX = true; p.Series[0].X[0] = 0 }, `series 0 ("F1"): X[0] = 0 is not positive, which a log x axis cannot show`},
		{"log y negative", func(p *LinePlot) { p.LogY = true; p.Series[0].Y[2] = -1 }, `Y[2] = -1 is not positive, which a log y axis cannot show`},
		{"log y YMin zero", func(p *LinePlot) { p.LogY = true; p.YMin = ptr(0) }, "YMin = 0 is not positive"},
		{"NaN YMax", func(p *LinePlot) { p.YMax = ptr(math.NaN()) }, "YMax is NaN"},
		{"YMin above YMax", func(p *LinePlot) { p.YMin, p.YMax = ptr(1), ptr(0) }, "YMin = 1 is not below YMax = 0"},
		{"band span reversed", func(p *LinePlot) { p.Bands = []Band{{Name: "cue", Spans: [][2]float64{{1, 2}, {3, 2}}}} }, `band 0 ("cue"): span 1 is [3 2], want finite from ≤ to`},
		{"band span NaN", func(p *LinePlot) { p.Bands = []Band{{Spans: [][2]float64{{math.NaN(), 2}}}} }, `band 0 (""): span 0 is [NaN 2]`},
		{"band on log x at zero", func(p *LinePlot) { p.LogX = true; p.Bands = []Band{{Name: "b", Spans: [][2]float64{{0, 2}}}} }, "span 0 starts at 0, which a log x axis cannot show"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := LinePlot{Title: "scan", Series: []Series{good()}}
			tc.edit(&p)
			err := p.Save(filepath.Join(t.TempDir(), "line"))
			if err == nil {
				t.Fatalf("Save returned nil, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestSaveMissingDirectory(t *testing.T) {
	base := filepath.Join(t.TempDir(), "missing", "fig")
	p := LinePlot{Series: []Series{{X: []float64{1}, Y: []float64{1}}}}
	err := p.Save(base)
	if err == nil || !strings.Contains(err.Error(), "fig.png") {
		t.Errorf("Save into a missing directory: error %v, want one naming fig.png", err)
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(min, max float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(min, max) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	tests := []struct {
		min, max float64
		want     []string
	}{
		{2e-4, 5e-2, []string{"0.0002", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.02", "0.05"}},
		{1, 1e6, []string{"1", "10", "100", "1000", "10000", "100000", "1e+06"}},
		{1e-12, 1, []string{"1e-12", "1e-10", "1e-08", "1e-06", "0.0001", "0.01", "1"}},
		{0.3, 0.45, []string{"0.3", "0.4"}},
		{0, 1, nil},
		{-1, 1, nil},
	}
	for _, tc := range tests {
		if got := labels(tc.min, tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("log ticks over [%g, %g] labelled %q, want %q", tc.min, tc.max, got, tc.want)
		}
	}
	if got := labels(0.31, 0.39); len(got) < 2 {
		t.Errorf("log ticks over [0.31, 0.39] labelled %q, want at least two labels", got)
	}
}

// TestPreview writes one figure of each kind to /tmp/figure-preview for a
// person to look at. It runs only with HDSNN_FIGURE_PREVIEW=1.
func TestPreview(t *testing.T) {
	if os.Getenv("HDSNN_FIGURE_PREVIEW") != "1" {
		t.Skip("set HDSNN_FIGURE_PREVIEW=1 to write preview figures to /tmp/figure-preview")
	}
	dir := filepath.Join(os.TempDir(), "figure-preview")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rp := trial(512, 41)
	rp.Title = "Cued recall of pattern 0 (N = 512, D = 41)"
	rp.MaxNeurons = 64
	if err := rp.Save(filepath.Join(dir, "raster")); err != nil {
		t.Fatal(err)
	}
	rp.Title, rp.MaxNeurons = "All 512 neurons", 0
	if err := rp.Save(filepath.Join(dir, "raster-all")); err != nil {
		t.Fatal(err)
	}

	var ep, loss, prec, rec, f1 []float64
	for i := range 60 {
		x := float64(i)
		ep = append(ep, x)
		prec = append(prec, 1-0.6*math.Exp(-x/8))
		rec = append(rec, 1-0.9*math.Exp(-x/12))
		f1 = append(f1, 2*prec[i]*rec[i]/(prec[i]+rec[i]))
		loss = append(loss, 1-f1[i])
	}
	train := LinePlot{
		Title: "Training", XLabel: "epoch", YLabel: "score",
		YMin: ptr(0), YMax: ptr(1),
		Series: []Series{{Name: "loss", X: ep, Y: loss}, {Name: "P", X: ep, Y: prec}, {Name: "R", X: ep, Y: rec}, {Name: "F1", X: ep, Y: f1}},
	}
	if err := train.Save(filepath.Join(dir, "training")); err != nil {
		t.Fatal(err)
	}

	pa := []float64{2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2}
	scan := LinePlot{
		Title: "Recall against activity", XLabel: "p_A (spike probability per step)", YLabel: "F1 (mean ± s.e.)",
		LogX: true, YMin: ptr(0), YMax: ptr(1.05),
		Series: []Series{
			{Name: "N = 256", X: pa, Y: []float64{1, 1, 0.98, 0.9, 0.6, 0.3, 0.1, 0.02}, Err: []float64{0, 0, 0.01, 0.03, 0.06, 0.05, 0.03, 0.01}},
			{Name: "N = 512", X: pa, Y: []float64{1, 1, 1, 0.97, 0.8, 0.5, 0.2, 0.05}, Err: []float64{0, 0, 0, 0.02, 0.04, 0.06, 0.04, 0.02}},
		},
	}
	if err := scan.Save(filepath.Join(dir, "scan")); err != nil {
		t.Fatal(err)
	}
	logy := LinePlot{
		Title: "Training loss", XLabel: "epoch", YLabel: "loss", LogY: true,
		Series: []Series{{Name: "loss", X: ep, Y: loss}},
	}
	if err := logy.Save(filepath.Join(dir, "logloss")); err != nil {
		t.Fatal(err)
	}
	t.Logf("preview figures written to %s", dir)
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		integer  bool
		want     []string
	}{
		{0, 1, false, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-1, 1, false, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}},
		{0, 59, false, []string{"0", "10", "20", "30", "40", "50"}},
		{0, 1100, true, []string{"0", "200", "400", "600", "800", "1000"}},
		{-0.5, 0.5, true, []string{"0"}},
		{-0.5, 3.5, true, []string{"0", "1", "2", "3"}},
		{0, 3e6, false, []string{"0", "5e+05", "1e+06", "1.5e+06", "2e+06", "2.5e+06", "3e+06"}},
		{1, 1, false, nil},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range (linearTicks{integer: tc.integer}).Ticks(tc.min, tc.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("linear ticks over [%g, %g] (integer %v) labelled %q, want %q", tc.min, tc.max, tc.integer, got, tc.want)
		}
	}
}

func TestMarkLayout(t *testing.T) {
	tests := []struct {
		name     string
		marks    []Mark
		wantRows int
	}{
		{"apart", []Mark{{Step: 10, Label: "a"}, {Step: 50, Label: "b"}, {Step: 90, Label: "c"}}, 1},
		{"trial", []Mark{{Step: 50, Label: "cue start"}, {Step: 91, Label: "free run"}, {Step: 1050, Label: "end of scored window"}}, 2},
		{"stacked", []Mark{{Step: 0, Label: "first label"}, {Step: 1, Label: "second label"}, {Step: 2, Label: "third label"}}, 3},
		{"right edge", []Mark{{Step: 1099, Label: "at the right edge"}, {Step: 1100, Label: "end"}}, 2},
		{"unlabelled", []Mark{{Step: 5}, {Step: 6}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := 100
			if tc.name == "trial" || tc.name == "right edge" {
				steps = 1100
			}
			f := RasterPlot{N: 8, Steps: steps, Marks: tc.marks}.canvas()
			var m *markPlotter
			f.prepare = func(data draw.Canvas) vg.Length {
				m = &markPlotter{marks: tc.marks, text: text.Style{Font: sans(9), Handler: f.plot.TextHandler}}
				band := m.layout(f.plot, data)
				x, _ := f.plot.Transforms(&data)
				type box struct {
					row          int
					lo, hi, line vg.Length
				}
				var boxes []box
				for i, mk := range m.marks {
					if mk.Label == "" {
						continue
					}
					xi := x(float64(mk.Step))
					w := m.text.Width(mk.Label)
					b := box{row: m.rows[i], lo: xi + markPad, hi: xi + markPad + w, line: xi}
					if m.left[i] {
						b.lo, b.hi = xi-markPad-w, xi-markPad
					} else if b.hi > data.Max.X {
						t.Errorf("label %q runs past the data area", mk.Label)
					}
					boxes = append(boxes, b)
				}
				rows := 0
				for i, a := range boxes {
					rows = max(rows, a.row+1)
					for j, b := range boxes {
						if i == j {
							continue
						}
						if a.row == b.row && a.lo < b.hi && b.lo < a.hi {
							t.Errorf("labels %d and %d overlap on row %d", i, j, a.row)
						}
						if b.row < a.row && b.lo < a.line && a.line < b.hi {
							t.Errorf("line of label %d crosses label %d", i, j)
						}
					}
				}
				if rows != tc.wantRows {
					t.Errorf("labels use %d rows, want %d", rows, tc.wantRows)
				}
				if (band > 0) != (tc.wantRows > 0) {
					t.Errorf("band height %v for %d rows", band, rows)
				}
				return band
			}
			f.draw(draw.New(vgimg.NewWith(vgimg.UseWH(RasterPlotWidth, RasterPlotHeight), vgimg.UseDPI(DPI))))
			if m == nil {
				t.Fatal("layout was not run")
			}
		})
	}
}
