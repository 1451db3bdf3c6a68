package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/internal/memstat"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Outputs returns the names of the files Save writes into its directory.
func Outputs() []string {
	return []string{"report.json", "weights.npy", "weights.json", "patterns.npy", "recall.png", "recall.svg", "training.png", "training.svg"}
}

// Save writes the run's report.json, weights.npy with its sidecar,
// patterns.npy, a raster of the recall of pattern 0 and the training
// curves into dir, each file atomically.
func (r *Result) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := r.Report.Benchmark
	details, err := json.Marshal(map[string]any{"init": b.Init, "init_stats": r.Report.InitStats, "train": b.Train, "patterns": b.Patterns})
	if err != nil {
		return err
	}
	meta := network.Meta{Version: r.Report.Version, Params: &b.Params, Seed: b.Seed,
		Source: fmt.Sprintf("hdsnn run: %s init, %d epochs of training", b.Init.Method, len(r.Report.History)), Details: details}
	if err := network.WriteWeights(filepath.Join(dir, "weights.npy"), r.Weights, meta); err != nil {
		return err
	}
	if err := raster.WriteNPY(filepath.Join(dir, "patterns.npy"), r.Patterns); err != nil {
		return err
	}
	if r.Trial != nil {
		if err := RecallFigure(b.Params, r.Patterns.Patterns[0], r.Trial, "pattern 0").Save(filepath.Join(dir, "recall")); err != nil {
			return err
		}
	}
	if len(r.Report.History) > 0 {
		if err := TrainingFigure(r.Report.History).Save(filepath.Join(dir, "training")); err != nil {
			return err
		}
	}
	r.Report.PeakMemoryMB = memstat.PeakMB() // after the files above were written
	rep, err := json.MarshalIndent(r.Report, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "report.json"), append(rep, '\n'))
}

// RecallFigure draws a cued-recall trial of pattern: the target shifted to
// trial time, the cue and the network's recall, with the cue and scoring
// boundaries marked. It shows the first 64 neurons when there are more.
func RecallFigure(p network.Params, pattern *raster.Raster, st *network.State, title string) figure.RasterPlot {
	rp := figure.RasterPlot{
		Title: "Cued recall, " + title, N: st.N, Steps: st.L,
		Marks: []figure.Mark{
			{Step: p.Pre, Label: "cue"},
			{Step: p.Pre + p.Trigger, Label: "free run"},
			{Step: p.Pre + pattern.T, Label: "end"},
		},
	}
	if st.N > 64 {
		rp.MaxNeurons = 64
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

// TrainingFigure draws the validation loss, precision, recall and F1 of
// every epoch.
func TrainingFigure(h []learn.Epoch) figure.LinePlot {
	names := []string{"loss", "precision", "recall", "F1"}
	series := make([]figure.Series, len(names))
	for k, name := range names {
		series[k].Name = name
	}
	for _, e := range h {
		x := float64(e.Epoch)
		for k, v := range []float64{e.Valid.Loss, e.Valid.Precision, e.Valid.Recall, e.Valid.F1} {
			series[k].X = append(series[k].X, x)
			series[k].Y = append(series[k].Y, v)
		}
	}
	lo, hi := 0.0, 1.0
	return figure.LinePlot{Title: "Training (validation trial after each epoch)", XLabel: "epoch", YLabel: "score", Series: series, YMin: &lo, YMax: &hi}
}
