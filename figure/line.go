package figure

import (
	"errors"
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
// error of a mean. A Y of NaN is an undefined value: the point is not
// drawn and the line breaks there. A series without a Name has no legend
// entry.
type Series struct {
	Name string
	X, Y []float64
	Err  []float64
	// Style, if not nil, overrides the style series i gets by default.
	Style *Style
}

// Style is how a series is drawn. Colour, Marker and Dash index the
// palettes that series take in turn by default (Okabe–Ito colours; filled
// then outline markers; solid, dashed, dotted lines), so series can share
// a colour for one meaning and a marker for another.
type Style struct {
	Colour, Marker, Dash int
	// Radius is the marker radius in points (0: the default 2.8). A
	// larger marker drawn first stays visible around a smaller one at
	// the same point.
	Radius float64
	// NoLine draws markers only; NoMarkers the line only.
	NoLine, NoMarkers bool
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

	// XCategories, if not empty, makes the x axis categorical: every X is
	// an index 0 … len−1 into it, each index has a tick labelled with its
	// category, and points are not joined by lines.
	XCategories []string
	// XTicks, if not empty, puts the labelled x ticks exactly at these
	// values (such as the values a scan measured) instead of at round
	// numbers.
	XTicks []float64
}

// Validate reports whether p can be drawn, naming the first problem found.
func (p LinePlot) Validate() error {
	if len(p.Series) == 0 {
		return fmt.Errorf("figure: line plot %q has no series", p.Title)
	}
	for i, s := range p.Series {
		if err := p.validateSeries(i, s); err != nil {
			return err
		}
	}
	if len(p.XCategories) > 0 && (p.LogX || len(p.XTicks) > 0) {
		return errors.New("figure: a categorical x axis cannot be logarithmic or take XTicks")
	}
	for i, x := range p.XTicks {
		if math.IsNaN(x) || math.IsInf(x, 0) || (p.LogX && x <= 0) {
			return fmt.Errorf("figure: XTicks[%d] = %g cannot be shown on this x axis", i, x)
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

// validateSeries reports whether series i of p can be drawn.
func (p LinePlot) validateSeries(i int, s Series) error {
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
	defined := 0
	for j := range s.Y {
		if math.IsNaN(s.X[j]) || math.IsInf(s.X[j], 0) {
			return fmt.Errorf("figure: %s: X[%d] is %v", name, j, s.X[j])
		}
		if math.IsInf(s.Y[j], 0) {
			return fmt.Errorf("figure: %s: Y[%d] is %v", name, j, s.Y[j])
		}
		if math.IsNaN(s.Y[j]) {
			continue // undefined: a gap
		}
		defined++
		if n := len(p.XCategories); n > 0 && (s.X[j] != math.Trunc(s.X[j]) || s.X[j] < 0 || s.X[j] >= float64(n)) {
			return fmt.Errorf("figure: %s: X[%d] = %g is not the index of one of the %d categories", name, j, s.X[j], n)
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
	if defined == 0 {
		return fmt.Errorf("figure: %s has no defined (non-NaN) point", name)
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
	return save(base, LinePlotWidth, LinePlotHeight, f.draw)
}

// Plot validates p and returns the gonum/plot Plot it draws (without the
// legend, which is drawn beside it), for inspecting its title, axes and
// ticks.
func (p LinePlot) Plot() (*plot.Plot, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	f, err := p.canvas()
	if err != nil {
		return nil, err
	}
	return f.plot, nil
}

// The palettes of Style. Colours are the Okabe–Ito palette without its
// yellow, which is too pale on white.
var (
	styleColours = [...]uint32{0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000}
	styleShapes  = [...]draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
		outlineGlyph{ring, 1.1}, outlineGlyph{square, 1.1}, outlineGlyph{triangle, 1.1},
		outlineGlyph{cross, 1.1}, outlineGlyph{plus, 1.1},
	}
	styleDashes = [...][]vg.Length{nil, {vg.Points(5), vg.Points(2)}, {vg.Points(1.5), vg.Points(1.5)}}
)

// seriesStyle returns the style of series i of a plot: its own, or the
// i-th colour and marker (and, after every colour, the next dashes).
func seriesStyle(i int, s Series) (colour uint32, shape draw.GlyphDrawer, dashes []vg.Length, st Style) {
	st = Style{Colour: i, Marker: i, Dash: i / len(styleColours)}
	if s.Style != nil {
		st = *s.Style
	}
	return styleColours[st.Colour%len(styleColours)], styleShapes[st.Marker%len(styleShapes)], styleDashes[st.Dash%len(styleDashes)], st
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
	if len(p.XTicks) > 0 {
		f.plot.X.Tick.Marker = valueTicks(p.XTicks)
	}
	yFloor := p.yFloor()
	bandColours := [...]uint32{0xD9E6F2, 0xF9D9C4, 0xD2EDE3, 0xEFDCE7}
	for i, b := range p.Bands {
		band := bandPlotter{spans: b.Spans, colour: rgb(bandColours[i%len(bandColours)])}
		f.plot.Add(band)
		if b.Name != "" {
			f.addLegend(b.Name, band)
		}
	}
	for i, s := range p.Series {
		if err := p.addSeries(f, i, s, yFloor); err != nil {
			return nil, fmt.Errorf("figure: series %d (%q): %w", i, s.Name, err)
		}
	}
	p.fixAxes(f, yFloor)
	return f, nil
}

// yFloor returns the lowest positive value on the y axis, where log-axis
// error bars reaching ≤ 0 are cut.
func (p LinePlot) yFloor() float64 {
	if p.YMin != nil {
		return *p.YMin
	}
	floor := math.Inf(1)
	for _, s := range p.Series {
		for j, y := range s.Y {
			if math.IsNaN(y) {
				continue
			}
			floor = math.Min(floor, y)
			if len(s.Err) > 0 && y-s.Err[j] > 0 {
				floor = math.Min(floor, y-s.Err[j])
			}
		}
	}
	return floor
}

// addSeries adds the line (one piece per run of defined points), markers
// and error bars of series i to f.
func (p LinePlot) addSeries(f *canvas, i int, s Series, yFloor float64) error {
	colour, shape, dashes, st := seriesStyle(i, s)
	if len(p.XCategories) > 0 {
		st.NoLine = true
	}
	radius := vg.Points(2.8)
	if st.Radius > 0 {
		radius = vg.Points(st.Radius)
	}
	lineStyle := draw.LineStyle{Color: rgb(colour), Width: vg.Points(1.3), Dashes: dashes}
	glyphStyle := draw.GlyphStyle{Color: rgb(colour), Shape: shape, Radius: radius}
	var defined plotter.XYs
	var errs []float64
	var thumbs []plot.Thumbnailer
	for _, piece := range pieces(s) {
		defined = append(defined, piece.xys...)
		errs = append(errs, piece.err...)
		if st.NoLine || len(piece.xys) < 2 {
			continue
		}
		line, err := plotter.NewLine(piece.xys)
		if err != nil {
			return err
		}
		line.LineStyle = lineStyle
		f.plot.Add(line)
	}
	if !st.NoLine {
		thumbs = append(thumbs, &plotter.Line{LineStyle: lineStyle})
	}
	if len(s.Err) > 0 {
		f.plot.Add(p.errorBars(defined, errs, colour, yFloor))
	}
	if !st.NoMarkers {
		points, err := plotter.NewScatter(thinned(defined))
		if err != nil {
			return err
		}
		points.GlyphStyle = glyphStyle
		f.plot.Add(points)
		thumbs = append(thumbs, points)
	}
	if s.Name != "" {
		f.addLegend(s.Name, thumbs...)
	}
	return nil
}

// piece is a run of consecutive defined points of a series.
type piece struct {
	xys plotter.XYs
	err []float64
}

// pieces splits s at its undefined (NaN) values.
func pieces(s Series) []piece {
	var out []piece
	var cur piece
	for j := range s.Y {
		if math.IsNaN(s.Y[j]) {
			if len(cur.xys) > 0 {
				out = append(out, cur)
			}
			cur = piece{}
			continue
		}
		cur.xys = append(cur.xys, plotter.XY{X: s.X[j], Y: s.Y[j]})
		if len(s.Err) > 0 {
			cur.err = append(cur.err, s.Err[j])
		}
	}
	if len(cur.xys) > 0 {
		out = append(out, cur)
	}
	return out
}

// thinned returns the points that get a marker: all of them, or about 20
// evenly spaced ones on a long series, so the line stays readable.
func thinned(xys plotter.XYs) plotter.XYs {
	if len(xys) <= maxMarkers {
		return xys
	}
	every := (len(xys) + 19) / 20
	var marked plotter.XYs
	for j := 0; j < len(xys); j += every {
		marked = append(marked, xys[j])
	}
	return marked
}

// errorBars returns the error bars Y ± err of the points xys.
func (p LinePlot) errorBars(xys plotter.XYs, errs []float64, colour uint32, yFloor float64) *plotter.YErrorBars {
	bars := &plotter.YErrorBars{
		XYs:       xys,
		YErrors:   make(plotter.YErrors, len(errs)),
		LineStyle: draw.LineStyle{Color: rgb(colour), Width: vg.Points(1)},
		CapWidth:  vg.Points(5),
	}
	for j, e := range errs {
		low := e
		if p.LogY && xys[j].Y-e <= 0 {
			// End the bar below the axis: it is clipped at the bottom
			// edge and gets no cap there, which would suggest a finite
			// lower bound.
			low = xys[j].Y - yFloor/2
			if xys[j].Y-low <= 0 { // lost to rounding: drop the lower half
				low = 0
			}
		}
		bars.YErrors[j].Low, bars.YErrors[j].High = low, e
	}
	return bars
}

// fixAxes sets the axis ranges that the data alone do not fix.
func (p LinePlot) fixAxes(f *canvas, yFloor float64) {
	if n := len(p.XCategories); n > 0 {
		f.plot.X.Min, f.plot.X.Max = -0.5, float64(n)-0.5
		f.plot.X.Tick.Marker = categoryTicks(p.XCategories)
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
	for _, x := range p.XTicks {
		f.plot.X.Min, f.plot.X.Max = math.Min(f.plot.X.Min, x), math.Max(f.plot.X.Max, x)
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
	if p.LogX && len(p.XTicks) > 0 {
		// Room around the first and last measured value.
		f.plot.X.Min, f.plot.X.Max = f.plot.X.Min/1.15, f.plot.X.Max*1.15
	}
	if p.LogY {
		// Room for markers at the ends of a log axis.
		if p.YMin == nil {
			f.plot.Y.Min /= 1.15
		}
		if p.YMax == nil {
			f.plot.Y.Max *= 1.15
		}
	}
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
