package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/pruning"
)

// pruningCmd holds the flags of "hdsnn experiment pruning".
type pruningCmd struct {
	expOptions
	keep         []float64
	delays       []int
	refineEpochs int
	refineLR     float64
}

// newPruningCmd builds "hdsnn experiment pruning": recall F1 against the
// kept synapses and the delays per connection, before and after
// refinement.
func newPruningCmd() *cobra.Command {
	o := &pruningCmd{}
	cmd := &cobra.Command{
		Use:     "pruning",
		Aliases: []string{"budget"},
		Short:   "Recall F1 against the kept synapses and the delays per connection, before and after refinement",
		Long: `Store one network per seed (the initial weights, Hebbian by default), prune
it to every kept fraction of --keep-list (the largest |w| over the whole
tensor) and to every number of delays per (post, pre) connection of
--delays-list (the largest |w| of each connection; package prune), recall
every pattern, then refine the kept synapses alone (--refine-epochs of the
sparse training at --refine-lr, keeping the best epoch) and recall again.
All recalls of a seed share one background.

pruning.csv gets one row per (budget, value, stage, seed); pruning.png/svg
shows F1 (mean ± s.e. over seeds) against the kept fraction and against the
delays per connection, pruned and refined. --quick shrinks the network
and uses at most 3 seeds unless --seeds is given.`,
		Example: `  hdsnn experiment pruning --quick
  hdsnn experiment pruning --seeds 2 --out out/pruning
  hdsnn experiment pruning --keep-list 0.3,0.1 --delays-list 1 --refine-epochs 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "pruning", 2)
	fs := cmd.Flags()
	fs.Float64SliceVar(&o.keep, "keep-list", pruning.DefaultKeep(), "kept fractions of the synapses, comma-separated, in (0, 1]")
	fs.IntSliceVar(&o.delays, "delays-list", pruning.DefaultDelays(), "delays kept per connection, comma-separated, ≥ 1")
	fs.IntVar(&o.refineEpochs, "refine-epochs", prune.DefaultRefineEpochs, "epochs of refinement of the kept synapses")
	fs.Float64Var(&o.refineLR, "refine-lr", prune.DefaultRefineLR, "learning rate of the refinement (Adam, sparse surrogate gradients)")
	for _, f := range []string{"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best"} {
		_ = fs.MarkHidden(f) // the refinement has its own flags
	}
	return cmd
}

// run validates the flags, runs the sweep, draws the figure and prints
// the summary.
func (o *pruningCmd) run(cmd *cobra.Command) error {
	b, csvPath, fig, err := o.prepare(cmd.Context(), "pruning")
	if err != nil {
		return err
	}
	if o.refineEpochs < 1 || !(o.refineLR > 0) {
		return fmt.Errorf("--refine-epochs %d, --refine-lr %v: need at least one epoch and a positive learning rate", o.refineEpochs, o.refineLR)
	}
	if len(o.keep) == 0 && len(o.delays) == 0 {
		return fmt.Errorf("--keep-list and --delays-list are both empty; give at least one budget")
	}
	c := pruning.Config{Base: b, Keep: o.keep, Delays: o.delays, Refine: prune.RefineConfig(o.refineEpochs, o.refineLR), Seeds: o.seeds}
	if c.Keep == nil {
		c.Keep = []float64{}
	}
	if c.Delays == nil {
		c.Delays = []int{}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "pruning: N = %d, M = %d, T = %d, D = %d, %d refinement epochs, %d seeds\n",
		b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Params.D, o.refineEpochs, o.seeds)
	rows, err := pruning.Run(cmd.Context(), c, csvPath, sweepProgress(cmd.ErrOrStderr(), filepath.Base(fig)))
	if err != nil {
		return studyError(err)
	}
	sums := results.Summarise(rows)
	if err := studyfig.Pruning(sums, studyfig.SetupOf(b, o.seeds, false)).Save(fig); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	printSettings(cmd.OutOrStdout(), pruning.Columns(), sums)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s.png, %s.svg\n", csvPath, fig, fig)
	return nil
}
