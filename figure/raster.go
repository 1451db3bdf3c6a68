package figure

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hdsnn/hdsnn/raster"
)

// Size of the figures written by RasterPlot.Save.
const (
	RasterPlotWidth  = 8 * vg.Inch
	RasterPlotHeight = 4.5 * vg.Inch
)

// Mark is a labelled vertical dashed line at a time step of a raster, such
// as the start of the cue, the start of the free run or the end of the
// scored window. The label is drawn above the data area.
type Mark struct {
	Step  int
	Label string
}

// RasterPlot is the spike raster of one recall trial: the target pattern
// as open circles, the cue as crosses and the recalled spikes as plus
// signs drawn on top, so that a correctly recalled spike shows as a plus
// inside a circle. The x axis is the time step, the y axis the neuron.
type RasterPlot struct {
	Title string

	// N and Steps are the number of neurons and of time steps; every
	// event must lie in 0 ≤ Neuron < N, 0 ≤ Step < Steps.
	N, Steps int

	// Target, Cue and Recall are the spikes to draw. Any may be empty.
	Target, Cue, Recall []raster.Event

	// Marks are vertical lines, each at a step in 0 … Steps.
	Marks []Mark

	// FirstNeuron and MaxNeurons select the neurons shown: FirstNeuron …
	// FirstNeuron+MaxNeurons−1 when MaxNeurons is positive (which keeps
	// single spikes visible in large networks), else FirstNeuron … N−1.
	FirstNeuron, MaxNeurons int
}

// Validate reports whether p can be drawn, naming the first problem found.
func (p RasterPlot) Validate() error {
	if p.N <= 0 {
		return fmt.Errorf("figure: raster has N = %d neurons, want N > 0", p.N)
	}
	if p.Steps <= 0 {
		return fmt.Errorf("figure: raster has %d steps, want Steps > 0", p.Steps)
	}
	if p.MaxNeurons < 0 {
		return fmt.Errorf("figure: raster has MaxNeurons = %d, want ≥ 0 (0 shows all)", p.MaxNeurons)
	}
	if p.FirstNeuron < 0 || p.FirstNeuron >= p.N {
		return fmt.Errorf("figure: raster starts at neuron %d, want one of 0 … %d", p.FirstNeuron, p.N-1)
	}
	for _, set := range []struct {
		name   string
		events []raster.Event
	}{{"target", p.Target}, {"cue", p.Cue}, {"recall", p.Recall}} {
		for i, e := range set.events {
			if e.Neuron < 0 || e.Neuron >= p.N || e.Step < 0 || e.Step >= p.Steps {
				return fmt.Errorf("figure: %s event %d (neuron %d, step %d) lies outside the raster of %d neurons × %d steps",
					set.name, i, e.Neuron, e.Step, p.N, p.Steps)
			}
		}
	}
	for i, m := range p.Marks {
		if m.Step < 0 || m.Step > p.Steps {
			return fmt.Errorf("figure: mark %d (%q) at step %d lies outside steps 0 … %d", i, m.Label, m.Step, p.Steps)
		}
	}
	return nil
}

// Save validates p and writes base+".png" and base+".svg", each
// RasterPlotWidth × RasterPlotHeight.
func (p RasterPlot) Save(base string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return save(base, RasterPlotWidth, RasterPlotHeight, p.canvas().draw)
}

// Colours of the three event kinds, from the Okabe–Ito palette, which
// stays distinguishable under the common colour-vision deficiencies.
const (
	targetColour = 0x555555 // grey
	cueColour    = 0xE69F00 // orange
	recallColour = 0x0072B2 // blue
)

func (p RasterPlot) canvas() *canvas {
	first := p.FirstNeuron
	shown := p.N - first
	yLabel := "neuron"
	if p.MaxNeurons > 0 && p.MaxNeurons < shown {
		shown = p.MaxNeurons
	}
	switch {
	case first == 0 && shown < p.N:
		yLabel = fmt.Sprintf("neuron (first %d of %d)", shown, p.N)
	case first > 0:
		yLabel = fmt.Sprintf("neuron (%d … %d of %d)", first, first+shown-1, p.N)
	}
	f := newCanvas(p.Title, "time step", yLabel)
	f.plot.X.Min, f.plot.X.Max = 0, float64(p.Steps)
	f.plot.Y.Min, f.plot.Y.Max = float64(first)-0.5, float64(first+shown)-0.5
	f.plot.X.Tick.Marker = linearTicks{integer: true}
	f.plot.Y.Tick.Marker = linearTicks{integer: true}

	marks := &markPlotter{marks: slices.Clone(p.Marks)}
	marks.line = draw.LineStyle{
		Color:  rgb(0x333333),
		Width:  vg.Points(0.9),
		Dashes: []vg.Length{vg.Points(4), vg.Points(3)},
	}
	marks.text = text.Style{
		Color:   rgb(0x333333),
		Font:    sans(9),
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
		Handler: f.plot.TextHandler,
	}
	if len(marks.marks) > 0 {
		f.plot.Add(marks)
	}

	layers := p.addEvents(f, first, shown)
	f.prepare = func(data draw.Canvas) vg.Length {
		// Size glyphs to the row height so neighbouring neurons stay
		// apart, within limits that keep them visible.
		row := (data.Max.Y - data.Min.Y) / vg.Length(shown)
		r := vg.Length(math.Min(math.Max(float64(0.75*row), 2), 4.5))
		// Strokes thin with the glyphs so small crosses and plus signs
		// keep their shape instead of turning into blobs.
		stroke := func(frac, most float64) vg.Length {
			return vg.Length(math.Min(math.Max(frac*float64(r), 0.5), most))
		}
		for _, l := range layers {
			g := l.GlyphStyle.Shape.(outlineGlyph)
			l.GlyphStyle.Radius = r
			g.width = stroke(0.22, 0.9)
			if l.inner {
				l.GlyphStyle.Radius = 0.75 * r
				g.width = stroke(0.3, 1.2)
			}
			l.GlyphStyle.Shape = g
		}
		return marks.layout(f.plot, data)
	}
	return f
}

// layer is the scatter of one kind of event.
type layer struct {
	*plotter.Scatter
	inner bool // drawn inside the target circle
}

// addEvents adds the target, cue and recall events of neurons first …
// first+shown−1 to f, each kind with its legend entry, and returns their
// layers.
func (p RasterPlot) addEvents(f *canvas, first, shown int) []layer {
	kinds := []struct {
		name   string
		events []raster.Event
		colour uint32
		shape  draw.GlyphDrawer
		inner  bool // drawn inside the target circle
	}{
		{"target", p.Target, targetColour, outlineGlyph{ring, vg.Points(0.9)}, false},
		{"cue", p.Cue, cueColour, outlineGlyph{cross, vg.Points(1.2)}, true},
		{"recall", p.Recall, recallColour, outlineGlyph{plus, vg.Points(1.2)}, true},
	}
	var layers []layer
	for _, k := range kinds {
		var xys plotter.XYs
		for _, e := range k.events {
			if e.Neuron >= first && e.Neuron < first+shown {
				xys = append(xys, plotter.XY{X: float64(e.Step), Y: float64(e.Neuron)})
			}
		}
		sty := draw.GlyphStyle{Color: rgb(k.colour), Shape: k.shape, Radius: vg.Points(3.5)}
		// The legend shows each kind at a fixed, legible size.
		f.addLegend(k.name, &plotter.Scatter{GlyphStyle: sty})
		if len(xys) == 0 {
			continue
		}
		s := &plotter.Scatter{XYs: xys, GlyphStyle: sty}
		f.plot.Add(s)
		layers = append(layers, layer{s, k.inner})
	}

	return layers
}

// markPlotter draws Marks as dashed vertical lines across the data area,
// each extended upwards to its label in a band above the data area.
// Labels that would overlap are stacked on separate rows.
type markPlotter struct {
	marks []Mark
	line  draw.LineStyle
	text  text.Style

	rows []int // row of each label, set by layout
	left []bool
}

// layout assigns label rows for a data area and returns the height of the
// band the labels need above it.
//
// A label sits right of its line (left of it near the right edge of the
// data area) on the lowest row where it overlaps no other label, is
// crossed by no line rising to a higher row, and its own line crosses no
// label on a lower row. Marks are placed right to left, which suits
// labels right of their lines, and left to right, which suits labels
// left of them; the cleaner and then lower of the two layouts is kept.
func (m *markPlotter) layout(p *plot.Plot, data draw.Canvas) vg.Length {
	x, _ := p.Transforms(&data)
	order := make([]int, len(m.marks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return m.marks[b].Step - m.marks[a].Step })
	rows, left, n, clean := m.place(x, data.Max.X, order)
	slices.Reverse(order)
	if rows2, left2, n2, clean2 := m.place(x, data.Max.X, order); clean2 && (!clean || n2 < n) {
		rows, left, n = rows2, left2, n2
	}
	m.rows, m.left = rows, left
	if n == 0 {
		return 0
	}
	return vg.Length(n)*m.rowHeight() + markPad
}

// markPad is the space between a mark's line and its label.
const markPad = vg.Length(2)

// place lays out the labels in the given order; x maps steps to the
// canvas and right is the right edge of the data area. It reports each
// label's row and side, the number of rows, and whether every label found
// a row free of overlaps and crossings.
func (m *markPlotter) place(x func(float64) vg.Length, right vg.Length, order []int) (rows []int, left []bool, nrows int, clean bool) {
	const (
		labelGap = 3 // points between labels on a row
		lineGap  = 1 // points between a label and a line passing it
	)
	type placed struct {
		row    int
		lo, hi vg.Length // label extent
		x      vg.Length // line position
	}
	var done []placed
	overlaps := func(c, d placed) bool { return c.row == d.row && c.lo < d.hi+labelGap && d.lo < c.hi+labelGap }
	free := func(c placed) bool {
		for _, d := range done {
			switch {
			case overlaps(c, d),
				d.row < c.row && d.lo-lineGap < c.x && c.x < d.hi+lineGap,
				d.row > c.row && c.lo-lineGap < d.x && d.x < c.hi+lineGap:
				return false
			}
		}
		return true
	}
	rows = make([]int, len(m.marks))
	left = make([]bool, len(m.marks))
	clean = true
	for _, i := range order {
		mk := m.marks[i]
		if mk.Label == "" {
			continue
		}
		c := placed{x: x(float64(mk.Step))}
		w := m.text.Width(mk.Label)
		c.lo, c.hi = c.x+markPad, c.x+markPad+w
		if c.hi > right {
			left[i] = true
			c.lo, c.hi = c.x-markPad-w, c.x-markPad
		}
		// After as many rows as marks, settle for the first row where
		// labels do not overlap.
		for c.row = 0; c.row < len(m.marks) && !free(c); c.row++ {
		}
		if c.row == len(m.marks) {
			clean = false
			for c.row = 0; slices.ContainsFunc(done, func(d placed) bool { return overlaps(c, d) }); c.row++ {
			}
		}
		done = append(done, c)
		rows[i] = c.row
		nrows = max(nrows, c.row+1)
	}
	return rows, left, nrows, clean
}

func (m *markPlotter) rowHeight() vg.Length {
	return m.text.Height("Mg") * 1.15
}

// Plot implements plot.Plotter.
func (m *markPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	x, _ := p.Transforms(&c)
	pad := markPad
	for i, mk := range m.marks {
		xi := x(float64(mk.Step))
		top := c.Max.Y
		if mk.Label != "" && i < len(m.rows) {
			y := c.Max.Y + pad + vg.Length(m.rows[i])*m.rowHeight()
			sty := m.text
			pt := vg.Point{X: xi + pad, Y: y}
			if m.left[i] {
				sty.XAlign = draw.XRight
				pt.X = xi - pad
			}
			c.FillText(sty, pt, mk.Label)
			top = y + m.text.Height(mk.Label)*0.8
		}
		c.StrokeLine2(m.line, xi, c.Min.Y, xi, top)
	}
}
