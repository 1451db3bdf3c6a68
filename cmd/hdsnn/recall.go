package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// recallCmd holds the flags of "hdsnn recall".
type recallCmd struct {
	options
	plot plotOptions
	// Quantisation and arithmetic (hdsnn recall only).
	bits     int
	rounding string
	integer  bool
	float32  bool
}

// newRecallCmd builds "hdsnn recall": cued recall of every pattern.
func newRecallCmd() *cobra.Command {
	o := &recallCmd{}
	cmd := &cobra.Command{
		Use:   "recall --weights W.npy|W.npz --patterns-file FILE --out DIR",
		Short: "Cue every pattern once and score the network's replay",
		Long: `Run one cued-recall trial of every pattern of --patterns-file on the network
of --weights (SPEC §2.1): --pre steps of Bernoulli(p-a) background, the first
--trigger steps of the pattern as a cue, then the network on its own until
--post steps after the pattern's end. The replay is scored against the
pattern on steps [pre + D, pre + T) (SPEC §2.2).

Writes spikes.npy (the network's own spikes, uint8, shape (M, N, L) with
L = pre + T + post), scores.json (pooled and per-pattern precision, recall
and F1, and the cost: synaptic operations, the weights' memory in bits and
energy estimates for neuromorphic platforms, README "Deployment") and
recall.png/svg (the trial of --plot-pattern, neurons --plot-neurons). --seed
selects the background noise. The neuron and trial flags default to the
values the weights' sidecar records (a flag given with another value wins,
with a note).

--bits b (16, 8, 6, 4, 2 or 1) quantises the weights on the fly, one
symmetric scale per postsynaptic neuron, rounding --rounding (nearest or
stochastic, seeded by --seed; SPEC §2.3), and recalls on the dequantised
weights; with --integer the trials run on the integer path instead (integer
weights and fixed-point membranes, as on Loihi). --float32 runs the trials
with float32 weights and membranes.`,
		Example: `  hdsnn recall --weights trained/weights.npy --patterns-file data/patterns.npy --out recall
  hdsnn recall --weights init/weights.npy --patterns-file data/patterns.npy --trigger 20 --seed 3 --out recall-short-cue
  hdsnn recall --weights init/weights.npy --patterns-file data/patterns.npy --bits 8 --integer --out recall-int8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "weights", "patterns-file", "dt", "neurons", "steps",
		"beta", "theta", "reset", "pre", "post", "trigger", "p-a", "seed")
	inferDefault(fs, "neurons", "for .csv patterns; default: from the weights")
	inferDefault(fs, "steps", "for .csv patterns; default: from the file")
	_ = cmd.MarkFlagRequired("weights")
	_ = cmd.MarkFlagRequired("patterns-file")
	fs.IntVar(&o.bits, "bits", 0, "quantise the weights to `b` bits (16, 8, 6, 4, 2 or 1; 0: no quantisation)")
	fs.StringVar(&o.rounding, "rounding", "nearest", "rounding of --bits: nearest or stochastic")
	fs.BoolVar(&o.integer, "integer", false, "run the trials on the integer path (needs --bits)")
	fs.BoolVar(&o.float32, "float32", false, "run the trials with float32 weights and membranes")
	o.addOutput(cmd, "")
	o.plot.addPlot(cmd)
	return cmd
}

// quantConfig checks the quantisation flags and returns the quantisation
// to apply (nil: none).
func (o *recallCmd) quantConfig() (*quant.Config, error) {
	r, err := quant.ParseRounding(o.rounding)
	if err != nil {
		return nil, fmt.Errorf("--rounding: %w", err)
	}
	if o.integer && o.float32 {
		return nil, fmt.Errorf("--integer and --float32 are two arithmetics; give one")
	}
	if o.bits == 0 {
		if o.fs.Changed("rounding") {
			return nil, fmt.Errorf("--rounding applies to --bits; give --bits too")
		}
		return nil, nil
	}
	c := quant.Config{Bits: o.bits, Rounding: r, Seed: o.seed}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("--bits: %w", err)
	}
	return &c, nil
}

// readQuantised returns the quantised weights of a quantised --weights
// file (hdsnn convert --bits), nil for float weights; --integer needs one
// or --bits, and a quantised file takes no --bits.
func (o *recallCmd) readQuantised(qc *quant.Config) (*quant.Weights, error) {
	var q *quant.Weights
	if strings.EqualFold(filepath.Ext(o.weights), ".npz") {
		ok, err := quant.IsQuantised(o.weights)
		if err != nil {
			return nil, fmt.Errorf("--weights: %w", err)
		}
		if ok {
			if q, _, err = quant.ReadWeights(o.weights); err != nil {
				return nil, fmt.Errorf("--weights: %w", err)
			}
			if qc != nil {
				return nil, fmt.Errorf("--weights %s is already quantised to %d bits; drop --bits, or quantise its float source", o.weights, q.Bits)
			}
		}
	}
	if o.integer && q == nil && qc == nil {
		return nil, fmt.Errorf("--integer runs quantised weights; give --bits (e.g. --bits 8) or quantised weights (hdsnn convert --bits)")
	}
	return q, nil
}

// recallPath returns the name of the arithmetic the trials run in.
func (o *recallCmd) recallPath() string {
	switch {
	case o.integer:
		return "integer"
	case o.float32:
		return "float32"
	}
	return "float64"
}

// simulate runs the trials xs of w in the arithmetic the flags ask for,
// after quantising w by qc when it is not nil, and returns the states and
// the memory of the weights in bits.
func (o *recallCmd) simulate(ctx context.Context, w network.Synapses, fileQ *quant.Weights, qc *quant.Config, p network.Params, xs []*raster.Raster) ([]*network.State, int64, error) {
	bits := quant.FloatBits(w)
	if fileQ != nil {
		bits = fileQ.MemoryBits()
	}
	if fileQ == nil && qc == nil && !o.float32 {
		states, err := simulateAll(ctx, w, p, xs, network.Options{})
		return states, bits, err
	}
	sp, ok := w.(*network.Sparse)
	if !ok {
		sp = w.(*network.Weights).Sparse()
	}
	var sim func(x *raster.Raster) (*network.State, error)
	if fileQ != nil || qc != nil {
		q := fileQ
		if q == nil {
			var err error
			if q, err = quant.Quantize(sp, *qc); err != nil {
				return nil, 0, err
			}
		}
		sp, bits = q.S, q.MemoryBits()
		if o.integer {
			net, err := quant.NewIntNet(q, p)
			if err != nil {
				return nil, 0, err
			}
			sim = func(x *raster.Raster) (*network.State, error) { return net.Simulate(ctx, x, false) }
		}
	}
	if o.float32 {
		net, err := quant.NewNet32(sp, p)
		if err != nil {
			return nil, 0, err
		}
		sim = func(x *raster.Raster) (*network.State, error) { return net.Simulate(ctx, x, false) }
	}
	if sim == nil {
		states, err := simulateAll(ctx, sp, p, xs, network.Options{})
		return states, bits, err
	}
	states := make([]*network.State, len(xs))
	err := parallel.For(len(xs), func(m int) (err error) {
		states[m], err = sim(xs[m])
		return err
	})
	return states, bits, err
}

// run validates the flags, files and outputs, runs the trials and writes
// the spikes, scores and figure.
func (o *recallCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	qc, err := o.quantConfig()
	if err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, recallOutputs()...); err != nil {
		return err
	}
	w, meta, err := readSynapses("--weights", o.weights, 1)
	if err != nil {
		return err
	}
	fileQ, err := o.readQuantised(qc)
	if err != nil {
		return err
	}
	set, p, err := o.recallSet(w, meta, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if err := o.plot.check(set.M(), set.N); err != nil {
		return err
	}
	if err := beginSet(cmd.Context(), o.out, "recall", o.force, recallOutputs()); err != nil {
		return err
	}

	states, weightBits, err := o.simulate(cmd.Context(), w, fileQ, qc, p, network.Inputs(p, set, o.seed, 0))
	if err != nil {
		return err
	}
	var synops int64
	for _, st := range states {
		synops += st.SynOps
	}
	cost := quant.NewCost(synops, len(states), weightBits)
	var all score.Counts
	per := make([]score.Counts, len(states))
	for m, st := range states {
		per[m] = st.Score(p, set.Patterns[m])
		all = all.Add(per[m])
	}
	if err := writeSpikes(filepath.Join(o.out, "spikes.npy"), states); err != nil {
		return err
	}
	scores := struct {
		Version    string         `json:"version"`
		Weights    string         `json:"weights"`
		Patterns   string         `json:"patterns_file"`
		Params     network.Params `json:"params"`
		Seed       uint64         `json:"seed"`
		Pooled     score.Result   `json:"pooled"`
		PerPattern []score.Result `json:"per_pattern"`
		// Path is the arithmetic: float64, float32 or integer.
		Path string `json:"path"`
		// Quantisation is the --bits quantisation, if any; FileBits the
		// width of weights read quantised (hdsnn convert --bits).
		Quantisation *quant.Config `json:"quantisation,omitempty"`
		FileBits     int           `json:"quantised_file_bits,omitempty"`
		Cost         quant.Cost    `json:"cost"`
	}{Version: hdsnn.Version, Weights: o.weights, Patterns: o.patternsFile, Params: p, Seed: o.seed, Pooled: all.Result(),
		Path: o.recallPath(), Quantisation: qc, Cost: cost}
	if fileQ != nil {
		scores.FileBits = fileQ.Bits
	}
	for _, c := range per {
		scores.PerPattern = append(scores.PerPattern, c.Result())
	}
	if err := writeJSON(filepath.Join(o.out, "scores.json"), scores); err != nil {
		return err
	}
	if err := o.plot.saveRecall(o.out, p, set, states[o.plot.pattern]); err != nil {
		return err
	}

	if err := finishSet(o.out, "recall", recallOutputs()); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	printScore(out, fmt.Sprintf("recall of %d patterns", set.M()), all.Result())
	printCost(out, o.recallPath(), weightsLabel(qc, fileQ), cost)
	fmt.Fprintf(out, "wrote %s\n", o.out)
	return nil
}

// weightsLabel describes quantised weights for printCost: quantised by
// --bits (qc), read quantised from the file (q), or "" for float weights.
func weightsLabel(qc *quant.Config, q *quant.Weights) string {
	switch {
	case qc != nil:
		return fmt.Sprintf("%d-bit %v weights", qc.Bits, qc.Rounding)
	case q != nil:
		return fmt.Sprintf("%d-bit weights from the file", q.Bits)
	}
	return ""
}

// printCost prints the arithmetic, the weights (label, if any), the
// synaptic operations, the weights' memory and the energy estimates of a
// recall.
func printCost(w io.Writer, path, label string, c quant.Cost) {
	q := ""
	if label != "" {
		q = ", " + label
	}
	var e []string
	for _, x := range c.Energy {
		e = append(e, x.Platform+" "+joules(x.Joules))
	}
	fmt.Fprintf(w, "%s path%s: %d SynOps (%.4g per pattern), weights %.4g kbit; energy of all trials %s\n",
		path, q, c.SynOps, c.SynOpsPerPattern, float64(c.WeightBits)/1000, strings.Join(e, ", "))
}

// joules formats an energy with the SI prefix that puts it in [1, 1000).
func joules(x float64) string {
	for _, u := range []struct {
		scale  float64
		prefix string
	}{{1, ""}, {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}, {1e-12, "p"}} {
		if math.Abs(x) >= u.scale {
			return fmt.Sprintf("%.3g %sJ", x/u.scale, u.prefix)
		}
	}
	return fmt.Sprintf("%.3g J", x)
}
