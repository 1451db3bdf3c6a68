package studyfig

import (
	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/study/incremental"
)

// Incremental draws the forgetting curve of an incremental study: the F1
// of all the patterns stored so far against their number, one series per
// rule, and the worst pattern's F1 of each rule dashed beside it.
func Incremental(pts []incremental.Point, s Setup) figure.LinePlot {
	s.M, s.Weights = 0, "" // the number stored is the x axis; the rules name the weights
	lo, hi := 0.0, 1.0
	p := figure.LinePlot{
		Title:  title("Recall of every stored pattern after each addition", s),
		XLabel: "patterns stored",
		YLabel: "F1 (fresh background)",
		YMin:   &lo,
		YMax:   &hi,
	}
	for i, rule := range incremental.Rules() {
		// One colour per rule; the worst pattern dashed, with open markers.
		all := figure.Series{Name: rule.String() + ": all stored", Style: &figure.Style{Colour: i}}
		worst := figure.Series{Name: rule.String() + ": worst pattern", Style: &figure.Style{Colour: i, Marker: 1, Dash: 1}}
		for _, pt := range pts {
			if pt.Rule != rule {
				continue
			}
			x := float64(pt.Stored)
			all.X, all.Y = append(all.X, x), append(all.Y, pt.All.F1)
			worst.X, worst.Y = append(worst.X, x), append(worst.Y, pt.MinF1)
		}
		if len(all.X) > 0 {
			p.Series = append(p.Series, all, worst)
		}
	}
	return p
}
