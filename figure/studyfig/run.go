package studyfig

import (
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// DefaultNeurons is the number of neurons a recall raster shows unless
// told otherwise: enough to see single spikes.
const DefaultNeurons = 64

// Recall draws a cued-recall trial of one pattern: the target shifted to
// trial time, the cue and the network's recall, with the cue and scoring
// boundaries marked. It shows neurons first … first+count−1 (count 0:
// DefaultNeurons), cut to the network. label names the pattern in the
// title, e.g. "pattern 3".
func Recall(p network.Params, pattern *raster.Raster, st *network.State, label string, first, count int) figure.RasterPlot {
	if count <= 0 {
		count = DefaultNeurons
	}
	rp := figure.RasterPlot{
		Title: "Cued recall, " + label, N: st.N, Steps: st.L,
		FirstNeuron: first, MaxNeurons: count,
		Marks: []figure.Mark{
			{Step: p.Pre, Label: "cue"},
			{Step: p.Pre + p.Trigger, Label: "free run"},
			{Step: p.Pre + pattern.T, Label: "end"},
		},
	}
	for _, e := range pattern.Events() {
		rp.Target = append(rp.Target, raster.Event{Neuron: e.Neuron, Step: e.Step + p.Pre})
	}
	for t := p.Pre; t < p.Pre+p.Trigger && t < st.L; t++ {
		for _, i := range st.Input.Steps[t] {
			rp.Cue = append(rp.Cue, raster.Event{Neuron: int(i), Step: t})
		}
	}
	from := p.Pre + p.Trigger
	for _, e := range st.Spikes.Events() {
		if e.Step >= from {
			rp.Recall = append(rp.Recall, e)
		}
	}
	return rp
}

// Training draws the validation trial of every epoch, epoch 0 being the
// initial weights (initial, when not nil), in three panels: the loss
// 1 − F1 (on a log axis when logLoss is true and no epoch recalls
// perfectly, which a log axis cannot show; a linear loss axis spans the
// losses measured, not [0, 1]), precision and recall. The epoch whose
// weights training kept is marked in each panel (learn.Run.BestEpoch with
// keep-best, else the last). s goes into the title.
func Training(initial *score.Result, h []learn.Epoch, kept int, logLoss bool, s Setup) figure.Stack {
	var epochs []float64
	var scores []score.Result
	if initial != nil {
		epochs, scores = append(epochs, 0), append(scores, *initial)
	}
	for _, e := range h {
		epochs, scores = append(epochs, float64(e.Epoch)), append(scores, e.Valid)
	}
	// A perfect recall has loss 0 (up to score.Eps), which a log axis
	// cannot show: then the axis stays linear.
	log := logLoss
	for _, r := range scores {
		log = log && r.Loss > perfectLoss
	}
	metrics := []struct {
		name string
		of   func(score.Result) float64
	}{
		{"validation loss = 1 − F1", func(r score.Result) float64 { return r.Loss }},
		{"validation precision", func(r score.Result) float64 { return r.Precision }},
		{"validation recall", func(r score.Result) float64 { return r.Recall }},
	}
	st := figure.Stack{Title: title("Training: validation trial after each epoch (0 = initial weights)", s), SharedX: true}
	for k, m := range metrics {
		line := figure.Series{X: epochs}
		mark := figure.Series{Style: &figure.Style{Colour: 1, Marker: 3, Radius: 5, NoLine: true}}
		if k == 0 {
			mark.Name = fmt.Sprintf("kept: epoch %d", kept)
		}
		for i, r := range scores {
			line.Y = append(line.Y, m.of(r))
			if int(epochs[i]) == kept {
				mark.X, mark.Y = []float64{epochs[i]}, []float64{m.of(r)}
			}
		}
		panel := figure.LinePlot{Title: m.name, XLabel: "epoch", YLabel: m.name[len("validation "):], Series: []figure.Series{line}}
		if mark.X != nil {
			panel.Series = append(panel.Series, mark)
		}
		if len(epochs) <= maxValueTicks+4 {
			panel.XTicks = epochs
		}
		switch {
		case k == 0 && log:
			panel.LogY = true
		case k == 0:
			lo := 0.0
			panel.YMin = &lo
		default:
			panel.YMin, panel.YMax = unit()
		}
		st.Panels = append(st.Panels, panel)
	}
	return st
}

// perfectLoss is the largest loss taken for perfect recall: score adds a
// tiny Eps to its denominators, so a perfect F1 is 1 − 5e-13, not 1.
const perfectLoss = 1e-9

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// KeptEpoch returns the epoch whose weights a training run ended with:
// the best on validation with keep-best, else the last of ran epochs.
func KeptEpoch(keepBest bool, best, ran int) int {
	if keepBest {
		return best
	}
	return ran
}
