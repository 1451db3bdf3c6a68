package studyfig

import (
	"strconv"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/pruning"
)

// Pruning draws the F1 of cued recall (mean ± s.e. over seeds) of pruned
// weights before and after refinement: against the kept fraction of the
// synapses (log axis) in one panel and against the delays kept per
// connection in the other, with a tick at every value measured. sums are
// the summaries of the rows (columns budget, value, stage).
func Pruning(sums []results.Summary, s Setup) figure.Stack {
	st := figure.Stack{Title: title("Recall F1 of pruned weights, before and after refinement", s)}
	panels := []struct {
		budget, xlabel string
		log            bool
	}{
		{pruning.Keep, "kept fraction of the synapses (largest |w|)", true},
		{pruning.Delays, "delays kept per (post, pre) connection", false},
	}
	for _, pn := range panels {
		p := figure.LinePlot{Title: "budget: " + pn.budget, XLabel: pn.xlabel, YLabel: "F1", LogX: pn.log}
		p.YMin, p.YMax = unit()
		var xs []float64
		for k, stage := range []string{pruning.Pruned, pruning.Refined} {
			sr := figure.Series{Name: stage, Style: &figure.Style{Colour: k, Marker: k}}
			for _, sum := range sums {
				v := sum.Values[len(sum.Values)-3:]
				if v[0] != pn.budget || v[2] != stage {
					continue
				}
				x, err := strconv.ParseFloat(v[1], 64)
				if err != nil {
					continue
				}
				sr.X, sr.Y, sr.Err = append(sr.X, x), append(sr.Y, sum.F1), append(sr.Err, sum.F1Err)
				xs = append(xs, x)
			}
			if len(sr.X) > 0 {
				p.Series = append(p.Series, byX(sr))
			}
		}
		p.XTicks = valueTicks(xs)
		if len(p.Series) > 0 {
			st.Panels = append(st.Panels, p)
		}
	}
	return st
}
