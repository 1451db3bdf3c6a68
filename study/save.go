package study

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/internal/memstat"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Save writes the run's report.json, weights.npy (weights.npz when the
// weights are sparse) with its sidecar weights.json and patterns.npy into
// dir, each file atomically. The
// figures of a run are drawn by package figure/studyfig.
func (r *Result) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := r.Report.Benchmark
	init := b.Init.Method.String() + " init"
	if b.Margin != nil {
		init = "margin storage"
	}
	details, err := json.Marshal(map[string]any{"init": b.Init, "margin": b.Margin, "init_stats": r.Report.InitStats, "train": b.Train, "patterns": b.Patterns})
	if err != nil {
		return err
	}
	meta := network.Meta{Version: r.Report.Version, Params: &b.Params, Seed: b.Seed,
		Source: fmt.Sprintf("hdsnn run: %s, %d epochs of training", init, len(r.Report.History)), Details: details}
	if r.Sparse != nil {
		err = network.WriteSparse(filepath.Join(dir, "weights.npz"), r.Sparse, meta)
	} else {
		err = network.WriteWeights(filepath.Join(dir, "weights.npy"), r.Weights, meta)
	}
	if err != nil {
		return err
	}
	if err := raster.WriteNPY(filepath.Join(dir, "patterns.npy"), r.Patterns); err != nil {
		return err
	}
	r.Report.PeakMemoryMB = memstat.PeakMB() // after the files above were written
	rep, err := json.MarshalIndent(r.Report, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "report.json"), append(rep, '\n'))
}

// TrialOf returns the final recall trial of pattern mu, the one Run scored
// (Trial holds pattern 0's), for drawing it.
func (r *Result) TrialOf(mu int) (*network.State, error) {
	b := r.Report.Benchmark
	if mu < 0 || mu >= r.Patterns.M() {
		return nil, fmt.Errorf("pattern %d: there are %d patterns", mu, r.Patterns.M())
	}
	round := finalRound(b)
	if r.Sparse != nil && b.Train.Epochs == 0 {
		round = rng.RecallRound(0) // sparse weights trained no epoch: the initial recall is the final one (recallOnly)
	}
	x := network.Inputs(b.Params, r.Patterns, b.Train.Seed, round)[mu]
	return network.Simulate(r.Synapses(), b.Params, x, network.Options{Record: true})
}
