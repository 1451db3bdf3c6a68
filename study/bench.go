package study

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/internal/memstat"
	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
)

// Timing is the measured cost of one stage of the benchmark.
type Timing struct {
	Stage   Stage     `json:"stage"`
	Seconds []float64 `json:"seconds"` // every repeat
	Median  float64   `json:"median_seconds"`
	// Events counts the synaptic events of one repeat (recall only: N per
	// weight row added to the currents, the row's entries for sparse
	// recall) and EventsPerSecond their rate at the median time.
	Events          int64   `json:"synaptic_events,omitempty"`
	EventsPerSecond float64 `json:"events_per_second,omitempty"`
	// SynOps counts the synaptic operations of one repeat (recall only,
	// network.State.SynOps) and SynOpsPerSecond their rate at the median
	// time.
	SynOps          int64   `json:"synops,omitempty"`
	SynOpsPerSecond float64 `json:"synops_per_second,omitempty"`
	// Kept is the number of (step, neuron) pairs the backward pass
	// visited, out of Pairs (epochs only).
	Kept  int `json:"kept_pairs,omitempty"`
	Pairs int `json:"pairs,omitempty"`
	// Synapses is the number of stored synapses of the sparse weights a
	// sparse stage ran on: every synapse of the connectivity with
	// Benchmark.AllSynapses, else the non-zero weights only.
	Synapses int64 `json:"synapses,omitempty"`
	// PeakMemoryMB is the process's peak resident memory after the stage's
	// first repeat (the first round runs the stages in order, so it bounds
	// each stage's own).
	PeakMemoryMB float64 `json:"peak_memory_mb"`
}

// Stage is a stage of the benchmark that Bench can time.
type Stage int

// The stages Bench can time, in order.
const (
	StageInit Stage = iota
	StageRecall
	StageExactEpoch
	StageSparseEpoch
	// StageStore is margin storage of the patterns (b.Margin, or the
	// margin package's defaults) from zero weights, on the synapses of
	// the fan-in connectivity when b.FanIn is set (margin.StoreSparse).
	StageStore
	// StageSparseRecall is StageRecall on the sparse form of the same
	// weights (network.Sparse, the non-zero entries only): the same
	// spikes at the cost of the synapses hit.
	StageSparseRecall
	// StageSparseExactEpoch is StageExactEpoch on the sparse form of the
	// weights: the exact gradient of the stored synapses only, at the cost
	// of the synapses.
	StageSparseExactEpoch
	// StageFloat32Recall is StageSparseRecall in float32 (weights,
	// currents and membranes; quant.Recall32).
	StageFloat32Recall
	// StageIntegerRecall is StageSparseRecall on the integer path of the
	// weights quantised to 8 bits, rounding to nearest (quant.Recall).
	StageIntegerRecall
)

var stageNames = []string{"init", "recall", "exact epoch", "sparse epoch", "store", "sparse recall", "sparse exact epoch", "float32 recall", "integer recall"}

// Stages returns every stage, in the order Bench times them.
func Stages() []Stage {
	return []Stage{StageInit, StageRecall, StageSparseRecall, StageExactEpoch, StageSparseExactEpoch, StageSparseEpoch, StageStore, StageFloat32Recall, StageIntegerRecall}
}

// String returns "init", "recall", "exact epoch", "sparse epoch", "store",
// "sparse recall", "sparse exact epoch", "float32 recall" or "integer
// recall".
func (s Stage) String() string { return enum.String("Stage", stageNames, s) }

// ParseStage parses "init", "recall", "exact epoch", "sparse epoch",
// "store", "sparse recall", "sparse exact epoch", "float32 recall" or
// "integer recall".
func ParseStage(s string) (Stage, error) { return enum.Parse[Stage]("stage", stageNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Stage) UnmarshalText(b []byte) (err error) { *s, err = ParseStage(string(b)); return err }

// setCost records the summed cost of one repeat's recall trials, in
// trial order.
func (tm *Timing) setCost(costs []network.Cost) {
	var c network.Cost
	for _, x := range costs {
		c = c.Add(x)
	}
	tm.Events, tm.SynOps = c.Events, c.SynOps
}

// stageRun returns the function that runs stage once on the stored
// network st, recording its counts in tm.
func (b Benchmark) stageRun(stage Stage, st *Stored, tm *Timing) (func() error, error) {
	set, w, sp := st.Patterns, st.Weights, st.Sparse
	switch stage {
	case StageRecall, StageExactEpoch, StageSparseEpoch:
		if w == nil { // sparse weights: time the dense stages on their dense form
			if err := network.CheckFits(sp.N, sp.D, 5); err != nil {
				return nil, fmt.Errorf("stage %v needs the dense form of the sparse weights: %w; time them with the stages init, sparse recall and sparse exact epoch", stage, err)
			}
			w = sp.Dense()
		}
	case StageSparseRecall, StageSparseExactEpoch, StageFloat32Recall, StageIntegerRecall:
		if sp == nil {
			sp = w.Sparse()
		}
		tm.Synapses = sp.Entries()
	}
	var run func() error
	switch stage {
	case StageInit:
		hb := b
		hb.Margin = nil // margin storage is the store stage
		run = func() error {
			if hb.Sparse || hb.FanIn > 0 {
				_, _, _, _, err := hb.initial(context.Background(), set)
				return err
			}
			_, _, err := initw.Init(set, b.Params, b.Init)
			return err
		}
	case StageRecall, StageSparseRecall:
		xs := network.Inputs(b.Params, set, b.Train.Seed, 0)
		var syn network.Synapses = w
		if stage == StageSparseRecall {
			syn = sp
		}
		run = func() error {
			costs := make([]network.Cost, len(xs))
			err := network.SimulateAll(syn, b.Params, xs, nil, func(m int, st *network.State) error {
				costs[m] = network.Cost{SynOps: st.SynOps, Events: st.Events}
				return nil
			})
			tm.setCost(costs)
			return err
		}
	case StageFloat32Recall, StageIntegerRecall:
		xs := network.Inputs(b.Params, set, b.Train.Seed, 0)
		var sim func(ctx context.Context, x *raster.Raster, record bool) (*network.State, error)
		if stage == StageFloat32Recall {
			net, err := quant.NewNet32(sp, b.Params)
			if err != nil {
				return nil, err
			}
			sim = net.Simulate
		} else {
			q, err := quant.Quantize(sp, quant.Config{Bits: 8})
			if err != nil {
				return nil, err
			}
			net, err := quant.NewIntNet(q, b.Params)
			if err != nil {
				return nil, err
			}
			sim = net.Simulate
		}
		run = func() error {
			costs := make([]network.Cost, len(xs))
			err := parallel.For(len(xs), func(m int) error {
				st, err := sim(context.Background(), xs[m], false)
				if err != nil {
					return err
				}
				costs[m] = network.Cost{SynOps: st.SynOps, Events: st.Events}
				return nil
			})
			tm.setCost(costs)
			return err
		}
	case StageExactEpoch, StageSparseEpoch, StageSparseExactEpoch:
		cfg := b.Train
		cfg.Support = 0
		if stage == StageSparseEpoch {
			cfg.Support = b.Train.Support
			if cfg.Support == 0 {
				cfg.Support = 0.5
			}
		}
		clone := func() network.Synapses { return w.Clone() }
		if stage == StageSparseExactEpoch {
			clone = func() network.Synapses { return sp.Clone() }
		}
		run = func() error {
			r, err := learn.NewRun(cfg, b.Params, clone(), set)
			if err != nil {
				return err
			}
			g, err := r.Step(set, 0)
			if err != nil {
				return err
			}
			tm.Kept, tm.Pairs = g.Kept, g.Pairs
			return nil
		}
	case StageStore:
		mc := margin.DefaultConfig()
		if b.Margin != nil {
			mc = *b.Margin
		}
		mb := b
		mb.Margin = &mc
		run = func() error {
			_, _, _, r, err := mb.storeMargin(context.Background(), set)
			if err == nil && r.Converged < set.N {
				err = fmt.Errorf("%d of %d neurons did not meet every bound", set.N-r.Converged, set.N)
			}
			return err
		}
	default:
		return nil, fmt.Errorf("stage %v is not known; use init, recall, sparse recall, exact epoch, sparse exact epoch, sparse epoch, store, float32 recall or integer recall", stage)
	}
	return run, nil
}

// Bench times the stages of the benchmark b, each `repeats` times, and
// returns the medians: the initialisation, the recall of all M patterns
// on dense weights and on their sparse form (and on the sparse form in
// float32 and, quantised to 8 bits, on the integer path), one exact training epoch
// (forward, exact backward, optimiser step) on dense weights and on their
// sparse form, one sparse epoch (surrogate support b.Train.Support, or 0.5
// when that is zero) and margin storage of the patterns. When b keeps
// sparse weights, the dense stages run on their dense form. stages selects
// which to run (nil: all).
//
// The stages take turns: repeat 1 of every stage, in order, then repeat
// 2 of every stage, and so on, so that a change in the speed of a shared
// machine while Bench runs moves every stage's times alike and the ratios
// of two stages stay comparable. Every stage's inputs (the dense form of
// sparse weights, the float32 and integer networks) are built before the
// first repeat, so they are in memory together. Each repeat starts from a
// collected heap. progress, if not nil, is told each stage and repeat as
// it starts.
func (b Benchmark) Bench(repeats int, stages []Stage, progress func(stage Stage, repeat int)) ([]Timing, error) {
	if repeats <= 0 {
		return nil, fmt.Errorf("repeats = %d: need at least one", repeats)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if stages == nil {
		stages = Stages()
	}
	st, err := b.Store(context.Background(), false)
	if err != nil {
		return nil, err
	}
	out := make([]Timing, len(stages))
	runs := make([]func() error, len(stages))
	for i, stage := range stages {
		out[i].Stage = stage
		if runs[i], err = b.stageRun(stage, st, &out[i]); err != nil {
			return nil, err
		}
	}
	for k := range repeats {
		for i, tm := range out {
			if progress != nil {
				progress(tm.Stage, k)
			}
			// A repeat's allocations otherwise land on memory the process
			// has never touched while the heap grows, and pay a page fault
			// per page (dear on virtual machines) for the garbage of the
			// repeats before it; go test -bench collects too.
			runtime.GC()
			start := time.Now()
			if err := runs[i](); err != nil {
				return nil, fmt.Errorf("%s: %w", tm.Stage, err)
			}
			out[i].Seconds = append(out[i].Seconds, time.Since(start).Seconds())
			if k == 0 {
				out[i].PeakMemoryMB = memstat.PeakMB()
			}
		}
	}
	for i := range out {
		tm := &out[i]
		sorted := slices.Sorted(slices.Values(tm.Seconds))
		tm.Median = sorted[len(sorted)/2]
		if len(sorted)%2 == 0 {
			tm.Median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
		}
		if tm.Events > 0 && tm.Median > 0 {
			tm.EventsPerSecond = float64(tm.Events) / tm.Median
		}
		if tm.SynOps > 0 && tm.Median > 0 {
			tm.SynOpsPerSecond = float64(tm.SynOps) / tm.Median
		}
	}
	return out, nil
}
