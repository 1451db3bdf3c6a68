package main

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/study/search"
)

// searchCmd holds the flags of "hdsnn experiment search".
type searchCmd struct {
	expOptions
	budget     int
	searchSeed uint64
}

// searchedFlags returns the shared flags whose values the search draws.
func searchedFlags() []string {
	return []string{"lr", "final-lr", "alpha", "beta", "theta", "dropout", "optimizer", "surrogate-support"}
}

// newSearchCmd builds "hdsnn experiment search".
func newSearchCmd() *cobra.Command {
	o := &searchCmd{}
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Random search over the training and neuron hyper-parameters",
		Long: `Draw --budget random configurations (reproducible for --search-seed) of
  learning rate   log-uniform in [1e-4, 1e-1] (×300 for sgd)
  α               surrogate steepness, uniform in [5, 30]
  β, θ            leak in [0.5, 0.9], threshold in [0.5, 1.2]
  dropout         uniform in [0, 0.5]
  optimizer       adam, adamw or sgd (momentum 0.9), equally likely
  support         0 (exact gradients) with probability 0.25, else in [0.2, 1.0]
For each, store --seeds pattern sets with the initialisation matched to the
trial's β and θ, train them for --epochs (learning rate annealed to 1/100 of
its start) and score a validation recall on fresh background. The objective
is the mean validation F1 (ties: lower loss, then the earlier trial).

search.csv holds one row per trial and seed, so an interrupted search resumes
and a larger --budget adds trials after the same ones. best.json holds the
best trial with the whole benchmark it describes; search.png/svg plots the
F1 of every trial and the best so far.`,
		Example: `  hdsnn experiment search --quick
  hdsnn experiment search --budget 50 --seeds 2 --epochs 8 --out out/search`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "search", 1)
	fs := cmd.Flags()
	fs.IntVar(&o.budget, "budget", 20, "number of random configurations to try")
	fs.Uint64Var(&o.searchSeed, "search-seed", 1, "seed of the random configurations (--seed selects the patterns)")
	for _, f := range searchedFlags() {
		_ = fs.MarkHidden(f) // drawn by the search; the flag exists
	}
	return cmd
}

// run validates the flags, runs the search and writes the outputs.
func (o *searchCmd) run(cmd *cobra.Command) error {
	for _, f := range searchedFlags() {
		if o.changed(f) {
			return fmt.Errorf("--%s is drawn by the search; drop it", f)
		}
	}
	if o.budget < 1 {
		return fmt.Errorf("--budget = %d: need at least one trial", o.budget)
	}
	b, csvPath, figBase, err := o.prepare("search")
	if err != nil {
		return err
	}
	if b.Train.Epochs < 1 {
		return fmt.Errorf("--epochs = %d: each trial trains, so at least one epoch is needed", b.Train.Epochs)
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "search: %d trials × %d seeds, M = %d, N = %d, T = %d, D = %d, %d epochs\n",
		o.budget, o.seeds, b.Patterns.M, b.Patterns.N, b.Patterns.T, b.Params.D, b.Train.Epochs)
	cfg := search.Config{Base: b, Budget: o.budget, Seed: o.searchSeed, Seeds: o.seeds}
	rs, err := search.Run(cmd.Context(), cfg, csvPath, sweepProgress(stderr, "search"))
	if err != nil {
		return studyError(err)
	}
	best := search.Best(rs)
	bestPath := filepath.Join(o.out, "best.json")
	if err := search.WriteBest(bestPath, b, rs[best]); err != nil {
		return fmt.Errorf("writing the best trial: %w", err)
	}
	setup := studyfig.SetupOf(b, o.seeds, true)
	if err := studyfig.Search(rs, setup).Save(figBase); err != nil {
		return fmt.Errorf("drawing the search: %w", err)
	}
	out := cmd.OutOrStdout()
	printSearch(out, rs, best)
	r := rs[best]
	fmt.Fprintf(out, "best: trial %d, F1 %.4f: --optimizer %s --lr %g --final-lr %.3g --alpha %g --beta %g --theta %g --dropout %g --surrogate-support %g\n",
		r.Index, r.F1, r.Optimizer, r.LR, r.LR/search.Anneal, r.Alpha, r.Beta, r.Theta, r.Dropout, r.Support)
	fmt.Fprintf(out, "wrote %s, %s, %s.png\n", csvPath, bestPath, figBase)
	return nil
}

// printSearch prints every trial, marking the best.
func printSearch(w io.Writer, rs []search.Result, best int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "trial\toptimizer\tlr\tα\tβ\tθ\tdropout\tsupport\tF1\t±\t\t")
	for i, r := range rs {
		mark := ""
		if i == best {
			mark = "best"
		}
		fmt.Fprintf(tw, "%d\t%s\t%.3g\t%.3g\t%.3g\t%.3g\t%.3g\t%.3g\t%.4f\t%.4f\t%s\t\n", r.Index, r.Optimizer,
			r.LR, r.Alpha, r.Beta, r.Theta, r.Dropout, r.Support, r.F1, r.F1Err, mark)
	}
	tw.Flush()
}
