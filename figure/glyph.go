package figure

import (
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// outlineShape is the shape of an outlineGlyph.
type outlineShape int

const (
	ring outlineShape = iota
	square
	triangle
	cross
	plus
)

// outlineGlyph is a draw.GlyphDrawer for outline markers with a chosen
// stroke width; gonum/plot's own outline glyphs are fixed at 0.5 pt, which
// is too faint for small markers in a PNG.
type outlineGlyph struct {
	shape outlineShape
	width vg.Length
}

// DrawGlyph implements draw.GlyphDrawer.
func (g outlineGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	r := sty.Radius
	var p vg.Path
	at := func(dx, dy vg.Length) vg.Point { return vg.Point{X: pt.X + dx, Y: pt.Y + dy} }
	switch g.shape {
	case ring:
		p.Move(at(r, 0))
		p.Arc(pt, r, 0, 2*math.Pi)
		p.Close()
	case square:
		x := r * 0.85
		p.Move(at(-x, -x))
		p.Line(at(x, -x))
		p.Line(at(x, x))
		p.Line(at(-x, x))
		p.Close()
	case triangle:
		t := r * 1.2
		p.Move(at(0, t))
		p.Line(at(-t*0.8660254, -t/2))
		p.Line(at(t*0.8660254, -t/2))
		p.Close()
	case cross:
		d := r * 0.70710678
		p.Move(at(-d, -d))
		p.Line(at(d, d))
		p.Move(at(-d, d))
		p.Line(at(d, -d))
	case plus:
		p.Move(at(0, -r))
		p.Line(at(0, r))
		p.Move(at(-r, 0))
		p.Line(at(r, 0))
	}
	c.Stroke(p)
}
