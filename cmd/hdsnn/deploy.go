package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/export"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/score"
)

// profileCustom is the --profile value whose budget comes from the flags.
const profileCustom = "custom"

// deployCmd holds the flags of "hdsnn deploy".
type deployCmd struct {
	options
	profile                       string
	bits, delaysPer, maxDel, fanK int
	keep                          float64
	rounding                      string
	refine                        string
	refineEpochs                  int
	refineLR                      float64
}

// Refinement methods of deploy --refine.
const (
	refineTrain  = "train"
	refineMargin = "margin"
)

// newDeployCmd builds "hdsnn deploy": fit weights into a hardware budget,
// refine them and export them.
func newDeployCmd() *cobra.Command {
	o := &deployCmd{}
	cmd := &cobra.Command{
		Use:   "deploy --profile loihi2|spinnaker2|custom --weights W --patterns-file P --out DIR",
		Short: "Fit the weights into a hardware budget, refine them and export them as connection lists",
		Long: `Apply the budget of a hardware profile to the weights — the largest delay, the
delays kept per (post, pre) connection, the fan-in, the kept fraction of
synapses (by |w|, ties by index; package prune) — refine the kept synapses
(--refine train: train them alone for --refine-epochs, keeping the best
epoch; --refine margin: store the patterns again by margin storage on the
kept synapses only, package margin, with the margin flags), quantise them
to the profile's width (package quant: per-neuron symmetric scale), and write:

  weights.npz      the deployed weights, for hdsnn recall: quantised weights
                   (int, scale, bits beside the dequantised weight; recall
                   --integer runs them on the integer path) or float64
  connections.csv, pre/post/delay/slot/weight/scale.npy, neurons.json,
  patterns.npy, input.npy
                   the export (README "Files"): connection lists for Brian2,
                   NEST and Lava, and the clamp input of one cued trial per
                   pattern (background of --seed, round 0, as hdsnn recall
                   --seed draws it), replayed by scripts/brian2_replay.py
  deploy.json      profile, budget check, and recall F1 of every stage

Profiles: loihi2 (8-bit weights, 1 delay per connection, delays ≤ 62 steps),
spinnaker2 (16-bit weights, delays ≤ 16 steps: sPyNNaker's synaptic word
without delay extensions), custom (--bits --delays-per-connection
--max-delay --fan-in --keep; 0 = no limit). With a named profile these
flags override its values. F1 is measured on one fresh background round,
the same for every stage; quantised stages run on the integer path.`,
		Example: `  hdsnn deploy --profile loihi2 --weights init/weights.npy --patterns-file data/patterns.npy --out loihi2
  hdsnn deploy --profile custom --bits 4 --delays-per-connection 2 --max-delay 20 --fan-in 128 --weights W.npz --patterns-file P.npy --out custom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "weights", "patterns-file", "dt", "neurons", "steps",
		"beta", "theta", "reset", "pre", "post", "trigger", "p-a", "seed", marginFlags)
	inferDefault(fs, "neurons", "for .csv patterns; default: from the weights")
	inferDefault(fs, "steps", "for .csv patterns; default: from the file")
	fs.StringVar(&o.profile, "profile", "", "hardware profile: loihi2, spinnaker2 or custom")
	fs.IntVar(&o.bits, "bits", 0, "width of the weights: 16, 8, 6, 4, 2 or 1 (0: float64)")
	fs.IntVar(&o.delaysPer, "delays-per-connection", 0, "keep the `k` largest-|w| delays of every (post, pre) connection (0: all)")
	fs.IntVar(&o.maxDel, "max-delay", 0, "drop synapses with delays above this many steps (0: none)")
	fs.IntVar(&o.fanK, "fan-in", 0, "keep the `K` strongest presynaptic neurons of every neuron (0: all)")
	fs.Float64Var(&o.keep, "keep", 0, "keep this fraction of the synapses, the largest |w| (0: all)")
	fs.StringVar(&o.rounding, "rounding", "nearest", "quantisation rounding: nearest or stochastic")
	fs.StringVar(&o.refine, "refine", refineTrain, "refinement of the kept synapses: train (sparse surrogate-gradient training) or margin (margin storage on the kept synapses)")
	fs.IntVar(&o.refineEpochs, "refine-epochs", prune.DefaultRefineEpochs, "epochs of training on the kept synapses (0: none); the best epoch is kept")
	fs.Float64Var(&o.refineLR, "refine-lr", prune.DefaultRefineLR, "learning rate of the refinement (Adam, sparse surrogate gradients), held for all but the last eighth of the epochs, then annealed")
	_ = cmd.MarkFlagRequired("weights")
	_ = cmd.MarkFlagRequired("patterns-file")
	_ = cmd.MarkFlagRequired("profile")
	o.addOutput(cmd, "")
	return cmd
}

// deployOutputs are the files deploy writes.
func deployOutputs() []string {
	return append([]string{"weights.npz", "weights.json", "deploy.json", "patterns.npy", "input.npy"}, export.Files()...)
}

// resolve returns the profile of the flags.
func (o *deployCmd) resolve() (prune.Profile, error) {
	var pr prune.Profile
	if o.profile == profileCustom {
		pr = prune.Profile{Name: profileCustom, Source: "the flags"}
	} else {
		var err error
		if pr, err = prune.ProfileByName(o.profile); err != nil {
			return pr, fmt.Errorf("--profile: %w", err)
		}
	}
	if o.changed("bits") {
		pr.Bits = o.bits
	}
	if o.changed("delays-per-connection") {
		pr.Budget.DelaysPerConnection = o.delaysPer
	}
	if o.changed("max-delay") {
		pr.Budget.MaxDelay = o.maxDel
	}
	if o.changed("fan-in") {
		pr.Budget.FanIn = o.fanK
	}
	if o.changed("keep") {
		pr.Budget.Keep = o.keep
	}
	if err := pr.Budget.Validate(); err != nil {
		return pr, fmt.Errorf("%w (flags --max-delay, --delays-per-connection, --fan-in, --keep)", err)
	}
	if pr.Bits != 0 {
		if err := (quant.Config{Bits: pr.Bits}).Validate(); err != nil {
			return pr, fmt.Errorf("--bits: %w (0: float64 weights)", err)
		}
	}
	return pr, nil
}

// deployStage is the recall of one stage of deploy.
type deployStage struct {
	Stage    string       `json:"stage"`
	Synapses int64        `json:"synapses"`
	Path     string       `json:"path"`
	Result   score.Result `json:"result"`
}

// budgetRow is one line of the budget check.
type budgetRow struct {
	Limit string `json:"limit"`
	Max   int64  `json:"max"` // 0: no limit
	Used  int64  `json:"used"`
	OK    bool   `json:"ok"`
}

// run validates the flags and files, applies the budget, refines,
// quantises, scores and writes.
func (o *deployCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.refineEpochs < 0 || !(o.refineLR > 0) {
		return fmt.Errorf("--refine-epochs %d, --refine-lr %v: need epochs ≥ 0 and a positive learning rate", o.refineEpochs, o.refineLR)
	}
	if o.refine != refineTrain && o.refine != refineMargin {
		return fmt.Errorf("--refine %q: choose %s or %s", o.refine, refineTrain, refineMargin)
	}
	rounding, err := quant.ParseRounding(o.rounding)
	if err != nil {
		return fmt.Errorf("--rounding: %w", err)
	}
	pr, err := o.resolve()
	if err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, deployOutputs()...); err != nil {
		return err
	}
	w, meta, err := readSynapses("--weights", o.weights, 2)
	if err != nil {
		return err
	}
	set, p, err := o.recallSet(w, meta, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	var s *network.Sparse
	switch w := w.(type) {
	case *network.Sparse:
		s = w
	case *network.Weights:
		s = w.Sparse()
	}
	if err := beginSet(cmd.Context(), o.out, "deploy", o.force, deployOutputs()); err != nil {
		return err
	}
	ctx := cmd.Context()
	cfg := prune.RefineConfig(o.refineEpochs, o.refineLR)
	cfg.Seed = o.seed
	round := rng.ValidationRound(o.refineEpochs)
	qc := quant.Config{Bits: pr.Bits, Rounding: rounding, Seed: o.seed}

	var stages []deployStage
	floatStage := func(name string, s *network.Sparse) error {
		c, _, err := network.RecallContext(ctx, s, p, set, o.seed, round)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		stages = append(stages, deployStage{Stage: name, Synapses: s.Entries(), Path: "float64", Result: c.Result()})
		return nil
	}
	intStage := func(name string, s *network.Sparse) (*quant.Weights, error) {
		if pr.Bits == 0 {
			return nil, nil
		}
		q, err := quant.Quantize(s, qc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c, _, _, err := quant.Recall(ctx, q, p, set, o.seed, round)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		stages = append(stages, deployStage{Stage: name, Synapses: s.Entries(), Path: fmt.Sprintf("integer %d-bit", pr.Bits), Result: c.Result()})
		return q, nil
	}
	if err := floatStage("unconstrained", s); err != nil {
		return err
	}
	pruned, err := prune.Apply(s, pr.Budget)
	if err != nil {
		return err
	}
	if err := floatStage("pruned", pruned); err != nil {
		return err
	}
	if _, err := intStage("pruned, quantised", pruned); err != nil {
		return err
	}
	refined := pruned
	var ref *prune.Refinement
	var mrep *margin.Report
	switch {
	case o.refine == refineMargin:
		o.margin.Seed = o.seed
		if err := o.margin.Validate(p); err != nil {
			return fmt.Errorf("margin storage: %w", err)
		}
		s, r, err := margin.StoreSparse(ctx, p, set, pruned, o.margin, margin.Hooks{})
		if err != nil {
			return fmt.Errorf("refine by margin storage: %w", err)
		}
		refined, mrep = s, &r
		if err := floatStage("refined (margin storage)", refined); err != nil {
			return err
		}
	case o.refineEpochs > 0:
		ref, err = prune.Refine(ctx, pruned, p, set, cfg, nil)
		if err != nil {
			return err
		}
		refined = ref.Weights
		if err := floatStage("refined", refined); err != nil {
			return err
		}
	}
	q, err := intStage("refined, quantised", refined)
	if err != nil {
		return err
	}
	deployed := refined
	exp := export.Network{Weights: refined, Params: p, Patterns: set, Inputs: network.Inputs(p, set, o.seed, 0), Seed: o.seed}
	if q != nil {
		deployed = q.S
		exp.Weights, exp.Int, exp.Scale, exp.Bits = q.S, q.Int, q.Scale, q.Bits
	}
	usage := prune.Measure(deployed)
	check := budgetCheck(pr, usage, s.Entries())
	if _, err := export.Write(o.out, exp); err != nil {
		return err
	}
	details := map[string]any{"profile": pr, "refine": o.refine, "weights": o.weights}
	if o.refine == refineMargin {
		details["margin"] = o.margin
	} else {
		details["training"] = cfg
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	wm := network.Meta{Version: hdsnn.Version, Params: &p, Seed: o.seed, Source: "deploy --profile " + pr.Name, Details: raw}
	wpath := filepath.Join(o.out, "weights.npz")
	if q != nil {
		err = quant.WriteWeights(wpath, q, wm) // recall runs it on the integer path with --integer
	} else {
		err = network.WriteSparse(wpath, deployed, wm)
	}
	if err != nil {
		return err
	}
	rep := struct {
		Version  string         `json:"version"`
		Weights  string         `json:"weights"`
		Patterns string         `json:"patterns_file"`
		Profile  prune.Profile  `json:"profile"`
		Params   network.Params `json:"params"`
		Seed     uint64         `json:"seed"`
		Round    uint64         `json:"background_round"`
		Method   string         `json:"refine_method"`
		Refine   *learn.Config  `json:"refine,omitempty"`
		Best     int            `json:"refine_best_epoch"`
		Margin   *margin.Config `json:"margin,omitempty"`
		Solver   *margin.Report `json:"margin_solver,omitempty"`
		Stages   []deployStage  `json:"stages"`
		Usage    prune.Usage    `json:"usage"`
		Budget   []budgetRow    `json:"budget_check"`
	}{Version: hdsnn.Version, Weights: o.weights, Patterns: o.patternsFile, Profile: pr, Params: p, Seed: o.seed, Round: round,
		Method: o.refine, Stages: stages, Usage: usage, Budget: check}
	if o.refine == refineMargin {
		rep.Margin, rep.Solver = &o.margin, mrep
	} else {
		rep.Refine = &cfg
	}
	if ref != nil {
		rep.Best = ref.BestEpoch
	}
	if err := writeJSON(filepath.Join(o.out, "deploy.json"), rep); err != nil {
		return err
	}
	if err := finishSet(o.out, "deploy", deployOutputs()); err != nil {
		return err
	}
	printDeploy(cmd.OutOrStdout(), pr, stages, check)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", o.out)
	return nil
}

// budgetCheck compares the usage of the deployed weights with the
// profile.
func budgetCheck(pr prune.Profile, u prune.Usage, total int64) []budgetRow {
	b := pr.Budget
	rows := []budgetRow{
		{Limit: "weight bits", Max: int64(pr.Bits), Used: int64(pr.Bits)},
		{Limit: "max delay (steps)", Max: int64(b.MaxDelay), Used: int64(u.MaxDelay)},
		{Limit: "delays per connection", Max: int64(b.DelaysPerConnection), Used: int64(u.DelaysPerConnection)},
		{Limit: "fan-in", Max: int64(b.FanIn), Used: int64(u.FanIn)},
		{Limit: "synapses", Used: u.Synapses},
	}
	if b.Keep > 0 {
		rows[4].Max = int64(float64(total)*b.Keep + 0.5)
	}
	for k := range rows {
		rows[k].OK = rows[k].Max == 0 || rows[k].Used <= rows[k].Max
	}
	return rows
}

// printDeploy prints the stages and the budget check.
func printDeploy(out io.Writer, pr prune.Profile, stages []deployStage, check []budgetRow) {
	fmt.Fprintf(out, "profile %s (%s)\n", pr.Name, pr.Source)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tsynapses\tpath\tprecision\trecall\tF1")
	for _, s := range stages {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.4f\t%.4f\t%.4f\n", s.Stage, s.Synapses, s.Path, s.Result.Precision, s.Result.Recall, s.Result.F1)
	}
	fmt.Fprintln(tw, "\t\t\t\t\t")
	fmt.Fprintln(tw, "budget\tlimit\tused\tok\t\t")
	for _, r := range check {
		lim := "-"
		if r.Max > 0 {
			lim = fmt.Sprint(r.Max)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t\t\n", r.Limit, lim, r.Used, r.OK)
	}
	_ = tw.Flush()
}
