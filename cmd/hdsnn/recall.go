package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/score"
)

// recallCmd holds the flags of "hdsnn recall".
type recallCmd struct {
	options
	plot plotOptions
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
and F1) and recall.png/svg (the trial of --plot-pattern, neurons
--plot-neurons). --seed selects the background noise. The neuron and trial
flags default to the values the weights' sidecar records (a flag given with
another value wins, with a note).`,
		Example: `  hdsnn recall --weights trained/weights.npy --patterns-file data/patterns.npy --out recall
  hdsnn recall --weights init/weights.npy --patterns-file data/patterns.npy --trigger 20 --seed 3 --out recall-short-cue`,
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
	o.addOutput(cmd, "")
	o.plot.addPlot(cmd)
	return cmd
}

// run validates the flags, files and outputs, runs the trials and writes
// the spikes, scores and figure.
func (o *recallCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, recallOutputs()...); err != nil {
		return err
	}
	w, meta, err := readSynapses("--weights", o.weights, 1)
	if err != nil {
		return err
	}
	wn, wd := w.Size()
	set, err := o.readPatterns(wn)
	if err != nil {
		return err
	}
	p := o.sidecarParams(meta, wd, cmd.ErrOrStderr())
	if err := p.Validate(set.T); err != nil {
		return err
	}
	if err := checkTrials(set.M(), set.N, p.Len(set.T), false, "use fewer patterns or lower --pre or --post"); err != nil {
		return err
	}
	if err := o.plot.check(set.M(), set.N); err != nil {
		return err
	}
	if err := beginSet(cmd.Context(), o.out, "recall", o.force, recallOutputs()); err != nil {
		return err
	}

	states, err := simulateAll(cmd.Context(), w, p, network.Inputs(p, set, o.seed, 0), network.Options{})
	if err != nil {
		return err
	}
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
	}{Version: hdsnn.Version, Weights: o.weights, Patterns: o.patternsFile, Params: p, Seed: o.seed, Pooled: all.Result()}
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
	fmt.Fprintf(out, "wrote %s\n", o.out)
	return nil
}
