package figure

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PanelHeight is the height of one panel of a Stack.
const PanelHeight = 2.4 * vg.Inch

// Stack is a figure of LinePlots stacked vertically under a common title,
// for one metric per panel (F1, precision, recall; loss and scores). Each
// panel keeps its own title, axes and legend; the data areas share their
// width.
type Stack struct {
	Title  string
	Panels []LinePlot
	// SharedX gives every panel the same x range, the union of theirs,
	// so that a panel whose first values are undefined still lines up.
	SharedX bool
}

// Validate reports whether s can be drawn, naming the first problem found.
func (s Stack) Validate() error {
	if len(s.Panels) == 0 {
		return fmt.Errorf("figure: stack %q has no panels", s.Title)
	}
	for i, p := range s.Panels {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("panel %d: %w", i, err)
		}
	}
	return nil
}

// Plots validates s and returns the gonum/plot Plot of every panel, for
// inspecting titles, axes and ticks.
func (s Stack) Plots() ([]*plot.Plot, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	panels, err := s.canvases()
	if err != nil {
		return nil, err
	}
	var out []*plot.Plot
	for _, f := range panels {
		out = append(out, f.plot)
	}
	return out, nil
}

// canvases returns the canvas of every panel, their x ranges shared when
// s.SharedX is set.
func (s Stack) canvases() ([]*canvas, error) {
	var panels []*canvas
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range s.Panels {
		f, err := p.canvas()
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
		lo, hi = math.Min(lo, f.plot.X.Min), math.Max(hi, f.plot.X.Max)
	}
	if s.SharedX {
		for _, f := range panels {
			f.plot.X.Min, f.plot.X.Max = lo, hi
		}
	}
	return panels, nil
}

// Save validates s and writes base+".png" and base+".svg", LinePlotWidth
// wide and PanelHeight per panel plus the title.
func (s Stack) Save(base string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	panels, err := s.canvases()
	if err != nil {
		return err
	}
	title := text.Style{Font: sans(titleSize), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.New().TextHandler}
	head := vg.Length(0)
	if s.Title != "" {
		head = title.Height(s.Title) + vg.Points(8)
	}
	h := head + PanelHeight*vg.Length(len(panels))
	return save(base, LinePlotWidth, h, func(c draw.Canvas) {
		if s.Title != "" {
			sty := title
			if w, avail := sty.Width(s.Title), c.Max.X-c.Min.X-vg.Points(8); w > avail {
				sty.Font.Size = max(vg.Length(minTitleSize), sty.Font.Size*avail/w)
			}
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(4)}, s.Title)
		}
		legend := vg.Length(0)
		for _, f := range panels {
			if f.nLegend > 0 {
				legend = max(legend, f.legend.Rectangle(c).Size().X)
			}
		}
		top := c.Max.Y - head
		for _, f := range panels {
			f.legendWidth = legend
			pc := c
			pc.Max.Y, pc.Min.Y = top, top-PanelHeight
			f.draw(pc)
			top -= PanelHeight
		}
	})
}
