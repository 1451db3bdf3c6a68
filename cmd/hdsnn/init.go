package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/score"
)

// initCmd holds the flags of "hdsnn init".
type initCmd struct {
	options
}

// newInitCmd builds "hdsnn init": analytical initial weights.
func newInitCmd() *cobra.Command {
	o := &initCmd{}
	cmd := &cobra.Command{
		Use:   "init --patterns-file FILE --out DIR",
		Short: "Compute initial weights from patterns (Hebbian or pseudo-inverse)",
		Long: `Compute the weights that store the patterns of --patterns-file analytically
(SPEC §3): every window of the last D steps of a pattern is a context that
should drive the spikes of the next step. Hebbian initialisation
cross-correlates contexts with targets (normalised by --norm); the
pseudo-inverse solves the least-squares regression from contexts to targets.

Writes --out/weights.npy (float64, shape (N, N, D) [post, pre, delay−1]) and
its sidecar weights.json (parameters, seed, version, method and statistics),
then cues every pattern once and prints the recall precision, recall and F1.

--fan-in K builds the Hebbian weights on a random connectivity in which each
neuron receives from K others (seeded by --seed); --synapses all stores every
synapse of it (N·K·D, zero weights included, room for training), the default
(auto, here nonzero) only the non-zero weights. Sparse weights
(--weights-format sparse, the default above N = 4096 or with --fan-in) hold
only the synapses that exist and are written as weights.npz (COO arrays
post, pre, delay, weight and shape; see README "Files"); they are never
allocated as an N×N×D tensor. --init margin (margin storage, as hdsnn store
from zero weights) with --fan-in solves each neuron over its K·D synapses
only and writes all N·K·D of them.

N, M and T come from the patterns file; --neurons and --steps are only needed
for a .csv file whose last neurons or steps are silent.`,
		Example: `  hdsnn init --patterns-file data/patterns.npy --out init
  hdsnn init --patterns-file data/patterns.csv --neurons 512 --steps 1000 --out init
  hdsnn init --patterns-file data/patterns.npy --init pinv --target raw --out pinv
  hdsnn init --patterns-file data/patterns.npy --fan-in 128 --out sparse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "patterns-file", "dt", "neurons", "steps", "delays", "init", "target", "norm", "weights-format", "fan-in", "synapses",
		"beta", "theta", "reset", "pre", "post", "trigger", "p-a", "seed")
	inferDefault(fs, "neurons", "for .csv patterns; default: from the file")
	inferDefault(fs, "steps", "for .csv patterns; default: from the file")
	_ = cmd.MarkFlagRequired("patterns-file")
	o.addOutput(cmd, "")
	return cmd
}

// run validates the flags, files and outputs, computes the weights, scores
// them and writes them.
func (o *initCmd) run(cmd *cobra.Command) error {
	if o.init == initMargin {
		// Margin storage is "hdsnn store" from zero weights.
		s := &storeCmd{options: o.options, start: "zero", saveEach: time.Minute}
		return s.run(cmd)
	}
	if err := o.validate(); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, initOutputs()...); err != nil {
		return err
	}
	set, err := o.readPatterns(0)
	if err != nil {
		return err
	}
	p := o.params(o.delays)
	if err := p.Validate(set.T); err != nil {
		return err
	}
	cfg := o.initConfig()
	if err := cfg.Validate(); err != nil {
		return err
	}
	sparse := o.sparseWeights(set.N)
	if sparse || o.fanIn > 0 {
		if cfg.Method != initw.Hebbian {
			return fmt.Errorf("--init %s needs the dense tensor of every synapse; use --init hebbian (or margin) for sparse weights or a fan-in, or drop --fan-in and pass --weights-format dense", cfg.Method)
		}
		if o.fanIn > set.N {
			return fmt.Errorf("--fan-in %d: each neuron can receive from at most N = %d neurons; lower --fan-in", o.fanIn, set.N)
		}
	}
	if o.synapses == synapsesAll && o.fanIn == 0 {
		return fmt.Errorf("--synapses all needs --fan-in: without one, all synapses are the N²·D dense tensor (use --weights-format dense)")
	}
	if !sparse {
		if err := network.CheckFits(set.N, p.D, 1); err != nil {
			return err
		}
	}
	if err := beginSet(cmd.Context(), o.out, "init", o.force, initOutputs()); err != nil {
		return err
	}

	var w network.Synapses
	var stats initw.Stats
	if sparse || o.fanIn > 0 {
		var conn *initw.Connectivity
		if o.fanIn > 0 {
			if conn, err = initw.NewConnectivity(set.N, o.fanIn, o.seed); err != nil {
				return fmt.Errorf("--fan-in: %w", err)
			}
		}
		s, st, err := initw.InitSparse(cmd.Context(), set, p, cfg, conn)
		if err != nil {
			return err
		}
		if o.synapses == synapsesAll && sparse {
			if s, err = conn.Place(s); err != nil {
				return err
			}
			st.Synapses = s.Entries()
		}
		w, stats = s, st
		if !sparse {
			w = s.Dense()
		}
	} else {
		dense, st, err := initw.InitContext(cmd.Context(), set, p, cfg)
		if err != nil {
			return err
		}
		w, stats = dense, st
	}
	all, _, err := network.RecallContext(cmd.Context(), w, p, set, o.seed, 0)
	if err != nil {
		return err
	}
	details, err := json.Marshal(struct {
		Init     initw.Config `json:"init"`
		Stats    initw.Stats  `json:"stats"`
		Recall   score.Result `json:"recall"`
		Patterns string       `json:"patterns_file"`
		FanIn    int          `json:"fan_in,omitempty"`
	}{cfg, stats, all.Result(), o.patternsFile, o.fanIn})
	if err != nil {
		return err
	}
	path := filepath.Join(o.out, "weights.npy")
	meta := network.Meta{Version: hdsnn.Version, Params: &p, Seed: o.seed, Source: "init " + cfg.Method.String(), Details: details}
	switch w := w.(type) {
	case *network.Sparse:
		path = filepath.Join(o.out, "weights.npz")
		err = network.WriteSparse(path, w, meta)
	case *network.Weights:
		err = network.WriteWeights(path, w, meta)
	}
	if err != nil {
		return err
	}

	if err := finishSet(o.out, "init", initOutputs()); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "init %s (%s targets", cfg.Method, cfg.Target)
	if cfg.Method == initw.Hebbian {
		fmt.Fprintf(out, ", %s normalisation, Z = %.4g", cfg.Norm, stats.Z)
	} else {
		fmt.Fprintf(out, ", %d iterations, residual %.2g", stats.Iterations, stats.Residual)
	}
	fmt.Fprintf(out, ") from %d contexts of %d patterns", stats.Contexts, set.M())
	if stats.Synapses > 0 {
		fmt.Fprintf(out, "; %d synapses", stats.Synapses)
		if o.fanIn > 0 {
			fmt.Fprintf(out, " (fan-in %d)", o.fanIn)
		}
	}
	fmt.Fprintln(out)
	printScore(out, "recall", all.Result())
	fmt.Fprintf(out, "wrote %s and %s\n", path, network.SidecarPath(path))
	return nil
}
