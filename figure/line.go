package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Size of the figures written by LinePlot.Save.
const (
	LinePlotWidth  = 6 * vg.Inch
	LinePlotHeight = 4 * vg.Inch
)

// Series is one curve of a LinePlot: points (X[i], Y[i]) joined by a line.
// Err is optional (empty for none); if set it has one entry per point and
// draws an error bar from Y[i]−Err[i] to Y[i]+Err[i], e.g. the standard
// error of a mean. A series without a Name has no legend entry.
type Series struct {
	Name string
	X, Y []float64
	Err  []float64
}

// Band is a set of shaded x intervals drawn behind the series of a
// LinePlot over the whole height of the plot, e.g. the steps at which a
// cue is clamped. Each span is a [from, to] pair with from ≤ to. A band
// without a Name has no legend entry.
type Band struct {
	Name  string
	Spans [][2]float64
}

// LinePlot is a plot of one or more Series, for training curves (loss, P,
// R, F1 per epoch) and parameter scans (F1 against D, mean ± s.e.).
//
// Each series gets its own colour and marker; on long series markers are
// drawn on about 20 evenly spaced points so the line stays readable. The
// legend sits to the right of the data area.
type LinePlot struct {
	Title, XLabel, YLabel string

	// LogX and LogY select logarithmic axes. Every value on a log axis
	// must be positive. On a log y axis an error bar whose lower end
	// would be ≤ 0 runs to the bottom of the axis, without a cap.
	LogX, LogY bool

	Series []Series
	// Bands are shaded behind the series, each in its own pale colour.
	Bands []Band

	// YMin and YMax, if not nil, fix that end of the y axis.
	YMin, YMax *float64
}

// Validate reports whether p can be drawn, naming the first problem found.
func (p LinePlot) Validate() error {
	if len(p.Series) == 0 {
		return fmt.Errorf("figure: line plot %q has no series", p.Title)
	}
	for i, s := range p.Series {
		name := fmt.Sprintf("series %d (%q)", i, s.Name)
		if len(s.Y) == 0 {
			return fmt.Errorf("figure: %s has no points", name)
		}
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("figure: %s has %d X values but %d Y values", name, len(s.X), len(s.Y))
		}
		if len(s.Err) > 0 && len(s.Err) != len(s.Y) {
			return fmt.Errorf("figure: %s has %d Err values but %d Y values", name, len(s.Err), len(s.Y))
		}
		for j := range s.Y {
			for _, v := range []struct {
				axis string
				x    float64
			}{{"X", s.X[j]}, {"Y", s.Y[j]}} {
				if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
					return fmt.Errorf("figure: %s: %s[%d] is %v", name, v.axis, j, v.x)
				}
			}
			if p.LogX && s.X[j] <= 0 {
				return fmt.Errorf("figure: %s: X[%d] = %g is not positive, which a log x axis cannot show", name, j, s.X[j])
			}
			if p.LogY && s.Y[j] <= 0 {
				return fmt.Errorf("figure: %s: Y[%d] = %g is not positive, which a log y axis cannot show", name, j, s.Y[j])
			}
			if len(s.Err) > 0 {
				if e := s.Err[j]; math.IsNaN(e) || math.IsInf(e, 0) || e < 0 {
					return fmt.Errorf("figure: %s: Err[%d] is %v, want a finite value ≥ 0", name, j, e)
				}
			}
		}
	}
	for i, b := range p.Bands {
		for j, sp := range b.Spans {
			if math.IsNaN(sp[0]) || math.IsInf(sp[0], 0) || math.IsNaN(sp[1]) || math.IsInf(sp[1], 0) || sp[0] > sp[1] {
				return fmt.Errorf("figure: band %d (%q): span %d is %v, want finite from ≤ to", i, b.Name, j, sp)
			}
			if p.LogX && sp[0] <= 0 {
				return fmt.Errorf("figure: band %d (%q): span %d starts at %g, which a log x axis cannot show", i, b.Name, j, sp[0])
			}
		}
	}
	for _, b := range []struct {
		name string
		v    *float64
	}{{"YMin", p.YMin}, {"YMax", p.YMax}} {
		if b.v == nil {
			continue
		}
		if math.IsNaN(*b.v) || math.IsInf(*b.v, 0) {
			return fmt.Errorf("figure: %s is %v, want a finite value", b.name, *b.v)
		}
		if p.LogY && *b.v <= 0 {
			return fmt.Errorf("figure: %s = %g is not positive, which a log y axis cannot show", b.name, *b.v)
		}
	}
	if p.YMin != nil && p.YMax != nil && *p.YMin >= *p.YMax {
		return fmt.Errorf("figure: YMin = %g is not below YMax = %g", *p.YMin, *p.YMax)
	}
	return nil
}

// Save validates p and writes base+".png" and base+".svg", each
// LinePlotWidth × LinePlotHeight.
func (p LinePlot) Save(base string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	f, err := p.canvas()
	if err != nil {
		return err
	}
	return f.save(base, LinePlotWidth, LinePlotHeight)
}

// seriesStyle returns the colour, marker and line dashes of series i.
// Colours are the Okabe–Ito palette without its yellow, which is too
// pale on white.
func seriesStyle(i int) (colour uint32, shape draw.GlyphDrawer, dashes []vg.Length) {
	const w = vg.Length(1.1)
	colours := [...]uint32{0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000}
	shapes := [...]draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
		outlineGlyph{ring, w}, outlineGlyph{square, w}, outlineGlyph{triangle, w},
		outlineGlyph{cross, w}, outlineGlyph{plus, w},
	}
	dashSets := [...][]vg.Length{nil, {vg.Points(5), vg.Points(2)}, {vg.Points(1.5), vg.Points(1.5)}}
	return colours[i%len(colours)], shapes[i%len(shapes)], dashSets[(i/len(colours))%len(dashSets)]
}

// maxMarkers is the number of markers above which a series shows markers
// only on evenly spaced points.
const maxMarkers = 40

func (p LinePlot) canvas() (*canvas, error) {
	f := newCanvas(p.Title, p.XLabel, p.YLabel)
	if p.LogX {
		f.plot.X.Scale = plot.LogScale{}
		f.plot.X.Tick.Marker = logTicks{}
	}
	if p.LogY {
		f.plot.Y.Scale = plot.LogScale{}
		f.plot.Y.Tick.Marker = logTicks{}
	}

	// Lowest positive value on the y axis, where log-axis error bars
	// reaching ≤ 0 are cut.
	yFloor := math.Inf(1)
	if p.YMin != nil {
		yFloor = *p.YMin
	} else {
		for _, s := range p.Series {
			for j, y := range s.Y {
				yFloor = math.Min(yFloor, y)
				if len(s.Err) > 0 && y-s.Err[j] > 0 {
					yFloor = math.Min(yFloor, y-s.Err[j])
				}
			}
		}
	}

	bandColours := [...]uint32{0xD9E6F2, 0xF9D9C4, 0xD2EDE3, 0xEFDCE7}
	for i, b := range p.Bands {
		band := bandPlotter{spans: b.Spans, colour: rgb(bandColours[i%len(bandColours)])}
		f.plot.Add(band)
		if b.Name != "" {
			f.addLegend(b.Name, band)
		}
	}
	for i, s := range p.Series {
		colour, shape, dashes := seriesStyle(i)
		xys := make(plotter.XYs, len(s.Y))
		for j := range s.Y {
			xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("figure: series %d (%q): %w", i, s.Name, err)
		}
		line.LineStyle = draw.LineStyle{Color: rgb(colour), Width: vg.Points(1.3), Dashes: dashes}
		marked := xys
		if every := (len(xys) + 19) / 20; len(xys) > maxMarkers {
			marked = nil
			for j := 0; j < len(xys); j += every {
				marked = append(marked, xys[j])
			}
		}
		points, err := plotter.NewScatter(marked)
		if err != nil {
			return nil, fmt.Errorf("figure: series %d (%q): %w", i, s.Name, err)
		}
		points.GlyphStyle = draw.GlyphStyle{Color: rgb(colour), Shape: shape, Radius: vg.Points(2.8)}
		if len(s.Err) > 0 {
			bars := &plotter.YErrorBars{
				XYs:       xys,
				YErrors:   make(plotter.YErrors, len(s.Err)),
				LineStyle: draw.LineStyle{Color: rgb(colour), Width: vg.Points(1)},
				CapWidth:  vg.Points(5),
			}
			for j, e := range s.Err {
				low := e
				if p.LogY && s.Y[j]-e <= 0 {
					// End the bar below the axis: it is clipped at the
					// bottom edge and gets no cap there, which would
					// suggest a finite lower bound.
					low = s.Y[j] - yFloor/2
					if s.Y[j]-low <= 0 { // lost to rounding: drop the lower half
						low = 0
					}
				}
				bars.YErrors[j].Low, bars.YErrors[j].High = low, e
			}
			f.plot.Add(bars)
		}
		f.plot.Add(line, points)
		if s.Name != "" {
			f.addLegend(s.Name, line, points)
		}
	}

	if p.LogY {
		f.plot.Y.Min = yFloor // not the ends of cut error bars
	}
	if p.YMin != nil {
		f.plot.Y.Min = *p.YMin
	}
	if p.YMax != nil {
		f.plot.Y.Max = *p.YMax
	}
	// A log axis over a single value would otherwise be widened by ±1
	// by gonum/plot, possibly below zero.
	for _, a := range []struct {
		log  bool
		axis *plot.Axis
	}{{p.LogX, &f.plot.X}, {p.LogY, &f.plot.Y}} {
		if a.log && a.axis.Min >= a.axis.Max {
			v := math.Max(a.axis.Min, a.axis.Max)
			a.axis.Min, a.axis.Max = v/math.Sqrt(10), v*math.Sqrt(10)
		}
	}
	return f, nil
}

// bandPlotter shades the spans of a Band from the bottom to the top of the
// plot. It has no data range of its own: the axes follow the series.
type bandPlotter struct {
	spans  [][2]float64
	colour color.Color
}

// Plot implements plot.Plotter.
func (b bandPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	for _, sp := range b.spans {
		x0, x1 := max(trX(sp[0]), c.Min.X), min(trX(sp[1]), c.Max.X)
		if x1 < x0 {
			continue
		}
		if x1-x0 < vg.Points(2) { // keep short spans visible on long axes
			x1 = x0 + vg.Points(2)
		}
		c.FillPolygon(b.colour, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (b bandPlotter) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.colour, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}
