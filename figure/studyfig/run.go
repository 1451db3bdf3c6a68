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
// 1 − F1 (on a log axis when logLoss is true and every loss is positive),
// precision and recall. The kept epoch (best, as learn.Run.BestEpoch) is
// marked in each panel. s goes into the title.
func Training(initial *score.Result, h []learn.Epoch, best int, logLoss bool, s Setup) figure.Stack {
	var epochs []float64
	var scores []score.Result
	if initial != nil {
		epochs, scores = append(epochs, 0), append(scores, *initial)
	}
	for _, e := range h {
		epochs, scores = append(epochs, float64(e.Epoch)), append(scores, e.Valid)
	}
	log := logLoss
	for _, r := range scores {
		log = log && r.Loss > 0
	}
	metrics := []struct {
		name string
		of   func(score.Result) float64
	}{
		{"validation loss = 1 − F1", func(r score.Result) float64 { return r.Loss }},
		{"validation precision", func(r score.Result) float64 { return r.Precision }},
		{"validation recall", func(r score.Result) float64 { return r.Recall }},
	}
	st := figure.Stack{Title: title("Training: validation trial after each epoch (0 = initial weights)", s)}
	for k, m := range metrics {
		line := figure.Series{Name: "epoch", X: epochs}
		kept := figure.Series{Name: fmt.Sprintf("kept: epoch %d", best),
			Style: &figure.Style{Colour: 1, Marker: 3, Radius: 5, NoLine: true}}
		for i, r := range scores {
			line.Y = append(line.Y, m.of(r))
			if int(epochs[i]) == best {
				kept.X, kept.Y = []float64{epochs[i]}, []float64{m.of(r)}
			}
		}
		panel := figure.LinePlot{Title: m.name, XLabel: "epoch", YLabel: m.name[len("validation "):], Series: []figure.Series{line}}
		if kept.X != nil {
			panel.Series = append(panel.Series, kept)
		}
		if len(epochs) <= maxValueTicks+4 {
			panel.XTicks = epochs
		}
		if k == 0 && log {
			panel.LogY = true
		} else {
			panel.YMin, panel.YMax = unit()
		}
		st.Panels = append(st.Panels, panel)
	}
	return st
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
