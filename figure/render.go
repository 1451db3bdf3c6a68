package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hdsnn/hdsnn/atomicfile"
)

// DPI is the resolution of the PNG files written by Save.
const DPI = 150

// legendGap is the space between the plot and the legend on its right.
const legendGap = vg.Length(8)

// canvas is a composed figure: a plot, a legend drawn in a strip to the
// right of the plot (so it never covers data), and an optional hook that
// lays out data-dependent decorations once the data area is known.
type canvas struct {
	plot     *plot.Plot
	legend   plot.Legend
	nLegend  int
	titlePad vg.Length
	// legendWidth, if positive, is the least width kept for the legend,
	// so that the panels of a Stack share the width of their data areas.
	legendWidth vg.Length

	// prepare, if not nil, is called with a provisional data area before
	// the plot is drawn. It returns how much room to leave between the
	// title and the top of the data area.
	prepare func(data draw.Canvas) (top vg.Length)
}

func newCanvas(title, xLabel, yLabel string) *canvas {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(12)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11)
		a.Tick.Label.Font = sans(9.5)
		a.Tick.Marker = linearTicks{}
	}
	l := plot.NewLegend()
	l.TextStyle.Font = sans(10)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(2)
	return &canvas{plot: p, legend: l, titlePad: vg.Points(6)}
}

// sans returns the sans-serif face used for all text. Liberation Sans is
// metric-compatible with Arial, so SVG viewers that substitute it keep the
// layout.
func sans(size vg.Length) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
}

// draw draws the figure onto c. It may be called more than once.
func (f *canvas) draw(c draw.Canvas) {
	pc := c
	if f.nLegend > 0 || f.legendWidth > 0 {
		w := max(f.legend.Rectangle(c).Size().X, f.legendWidth)
		pc = draw.Crop(c, 0, -(w + 2*legendGap), 0, 0)
	}
	f.plot.Title.Padding = f.titlePad
	fitTitle(f.plot, pc.Max.X-pc.Min.X)
	if f.prepare != nil {
		top := f.prepare(f.plot.DataCanvas(pc))
		if f.plot.Title.Text != "" {
			f.plot.Title.Padding += top
		} else {
			pc = draw.Crop(pc, 0, 0, 0, -top)
		}
	}
	f.plot.Draw(pc)
	if f.nLegend > 0 {
		data := f.plot.DataCanvas(pc)
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: pc.Max.X + legendGap, Y: data.Min.Y},
			Max: vg.Point{X: c.Max.X, Y: data.Max.Y},
		}}
		f.legend.Draw(lc)
	}
}

// addLegend adds a legend entry.
func (f *canvas) addLegend(name string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(name, thumbs...)
	f.nLegend++
}

// save writes base+".png" and base+".svg" at size w×h, drawn by draw.
func save(base string, w, h vg.Length, drawFn func(draw.Canvas)) error {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	drawFn(draw.New(img))
	if err := writeAtomic(base+".png", vgimg.PngCanvas{Canvas: img}); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	svg := vgsvg.New(w, h)
	drawFn(draw.New(svg))
	if err := writeAtomic(base+".svg", svg); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	return nil
}

// writeAtomic writes src to path atomically.
func writeAtomic(path string, src io.WriterTo) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := src.WriteTo(w)
		return err
	})
}

// rgb returns an opaque colour from a 0xRRGGBB value.
func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// logTicks is a plot.Ticker for log axes. It labels every power of ten
// and, when the axis spans few decades, also 2× and 5× each power, so
// that short ranges such as 2e-4 … 5e-2 get enough labels. Unlike
// plot.LogTicks it never panics: a non-positive range yields no ticks.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) {
		return nil
	}
	decades := math.Log10(max / min)
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	step := 1 + int(decades)/8 // label every step-th decade on wide ranges
	var ticks []plot.Tick
	labelled := 0
	for k := lo; k <= hi; k++ {
		for m := 1; m <= 9; m++ {
			v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", m, k), 64)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if (m == 1 && (k-lo)%step == 0) || (decades <= 2.5 && (m == 2 || m == 5)) {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if labelled >= 2 {
		return ticks
	}
	if len(ticks) >= 2 {
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', -1, 64)
		}
		return ticks
	}
	// Less than a step of the 1-9 grid: linear ticks read fine here.
	return plot.DefaultTicks{}.Ticks(min, max)
}

// linearTicks is a plot.Ticker for linear axes. It labels about six
// evenly spaced round values (steps of 1, 2 or 5 × 10^k) with as few
// decimals as the step needs, and adds unlabelled minor ticks between.
type linearTicks struct {
	integer bool // only whole numbers, for neuron indices and time steps
}

// Ticks implements plot.Ticker.
func (lt linearTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return nil
	}
	raw := (max - min) / 6
	k := math.Floor(math.Log10(raw))
	mag := math.Pow10(int(k))
	step, div := 10*mag, 5
	for _, c := range []struct {
		m   float64
		div int
	}{{1, 5}, {2, 4}, {5, 5}} {
		if c.m*mag >= raw*(1-1e-9) {
			step, div = c.m*mag, c.div
			break
		}
	}
	if step == 10*mag {
		k++
	}
	if lt.integer && step < 1 {
		step, div, k = 1, 1, 0
	}
	format := func(v float64) string {
		if math.Abs(v) < step*1e-9 {
			v = 0 // no "-0"
		}
		if a := math.Max(math.Abs(min), math.Abs(max)); a >= 1e6 || k < -4 {
			digits := int(math.Floor(math.Log10(a))-k) + 1
			return strconv.FormatFloat(v, 'g', digits, 64)
		}
		return strconv.FormatFloat(v, 'f', int(math.Max(0, -k)), 64)
	}
	minor := step / float64(div)
	var ticks []plot.Tick
	for n := math.Ceil(min/minor - 1e-9); n*minor <= max+minor*1e-9; n++ {
		t := plot.Tick{Value: n * minor}
		if math.Mod(n, float64(div)) == 0 {
			t.Label = format(t.Value)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// valueTicks labels exactly the given values, such as the values a scan
// measured, so that every data point has its label on the axis.
type valueTicks []float64

// Ticks implements plot.Ticker.
func (v valueTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, x := range v {
		if x >= min-1e-9*math.Abs(min) && x <= max+1e-9*math.Abs(max) {
			ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', -1, 64)})
		}
	}
	return ticks
}

// categoryTicks labels the indices 0, 1, … of a categorical axis with
// their categories.
type categoryTicks []string

// Ticks implements plot.Ticker.
func (c categoryTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for i, name := range c {
		if x := float64(i); x >= min && x <= max {
			ticks = append(ticks, plot.Tick{Value: x, Label: name})
		}
	}
	return ticks
}

// titleSize is the font size of titles, and minTitleSize the least a
// title is shrunk to so that it fits the width of its plot.
const titleSize, minTitleSize = 12, 8

// fitTitle sets the title's font size so that its widest line fits width:
// titleSize, or smaller down to minTitleSize. A title never runs off the
// edge of the figure.
func fitTitle(p *plot.Plot, width vg.Length) {
	sty := &p.Title.TextStyle
	sty.Font.Size = titleSize
	if p.Title.Text == "" {
		return
	}
	if w := sty.Width(p.Title.Text); w > width {
		sty.Font.Size = max(vg.Length(minTitleSize), vg.Length(titleSize)*width/w*0.98)
	}
}
