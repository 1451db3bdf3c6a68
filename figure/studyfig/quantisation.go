package studyfig

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/quantisation"
)

// Quantisation draws the F1 of cued recall on the integer path against
// the width of the weights (mean ± s.e. over seeds), one panel per cue
// condition (in the order of cues) and one line per weights and rounding;
// the unquantised float64 weights of each kind are a dashed horizontal
// line across the widths. The x axis is logarithmic with a tick at every
// width measured. sums are the summaries of the rows (columns weights,
// bits, rounding, cue).
func Quantisation(sums []results.Summary, cues []string, s Setup) figure.Stack {
	type key struct{ weights, rounding string }
	st := figure.Stack{Title: title("Recall F1 against the bits of the weights (integer path)", s), SharedX: true}
	var xs []float64
	for _, sum := range sums {
		if b, err := strconv.Atoi(sum.Values[len(sum.Values)-3]); err == nil {
			xs = append(xs, float64(b))
		}
	}
	ticks := valueTicks(xs)
	lo, hi := 1.0, 16.0
	if len(ticks) > 0 {
		lo, hi = ticks[0], ticks[len(ticks)-1]
	}
	for _, cue := range cues {
		var order []key
		series := map[key]*figure.Series{}
		ref := map[string]float64{}
		for _, sum := range sums {
			v := sum.Values[len(sum.Values)-4:]
			if v[3] != cue {
				continue
			}
			if v[1] == quantisation.Float {
				ref[v[0]] = sum.F1
				continue
			}
			b, err := strconv.Atoi(v[1])
			if err != nil {
				continue
			}
			k := key{v[0], v[2]}
			if series[k] == nil {
				order = append(order, k)
				series[k] = &figure.Series{Name: k.weights + ", " + k.rounding}
			}
			sr := series[k]
			sr.X, sr.Y, sr.Err = append(sr.X, float64(b)), append(sr.Y, sum.F1), append(sr.Err, sum.F1Err)
		}
		p := figure.LinePlot{Title: "cue: " + cue, XLabel: "bits per weight", YLabel: "F1", LogX: true, XTicks: ticks}
		p.YMin, p.YMax = unit()
		weights := []string{}
		for _, k := range order {
			if !slices.Contains(weights, k.weights) {
				weights = append(weights, k.weights)
			}
		}
		for i, k := range order {
			sr := byX(*series[k])
			sr.Style = &figure.Style{Colour: slices.Index(weights, k.weights), Marker: i, Dash: roundingDash(k.rounding)}
			p.Series = append(p.Series, sr)
		}
		for _, w := range weights {
			if f1, ok := ref[w]; ok && !math.IsNaN(f1) {
				p.Series = append(p.Series, figure.Series{Name: fmt.Sprintf("%s, float64 (%.3f)", w, f1), X: []float64{lo, hi}, Y: []float64{f1, f1},
					Style: &figure.Style{Colour: slices.Index(weights, w), Dash: 2, NoMarkers: true}})
			}
		}
		if len(p.Series) > 0 {
			st.Panels = append(st.Panels, p)
		}
	}
	return st
}

// roundingDash draws nearest rounding solid and stochastic dashed.
func roundingDash(r string) int {
	if r == "stochastic" {
		return 1
	}
	return 0
}
