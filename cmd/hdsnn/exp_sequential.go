package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/sequential"
)

// sequentialCmd holds the flags of "hdsnn experiment sequential".
type sequentialCmd struct {
	expOptions
	gap, window int
	noise       float64
}

// newSequentialCmd builds "hdsnn experiment sequential": every pattern
// recalled in turn in one long run.
func newSequentialCmd() *cobra.Command {
	o := &sequentialCmd{}
	cmd := &cobra.Command{
		Use:   "sequential",
		Short: "Recall all patterns in turn in one long run, with background gaps between them",
		Long: `Store (and, unless --init-only, train) one network per seed and run it once
over a long clamp: pre steps of background, then for every pattern in turn its
cue (trigger steps), T − trigger free steps and --gap steps of background
(Bernoulli p_A), then post empty steps. --noise p redraws each cue slot with
probability p at the patterns' mean rate.

The network's spikes are compared step by step with the patterns placed at
their cues. sequential.csv gets, per seed, a row pooling the scored steps of
all patterns (pattern = all) and one per pattern; sequential-f1.csv holds the
sliding-window F1 (window --window, mean over seeds) at every window centre
with in_pattern / in_cue flags (and, in seeds_defined / f1_defined, the mean
over the seeds whose window holds any expected or produced spike: F1 is
undefined, 0/0, in a window with none), and sequential.png/svg draws that
mean with the pattern and cue steps marked: F1 rises at each cue, stays high
through the pattern and has a gap where the network is silent. With --init-only the files are named
sequential-init*.`,
		Example: `  hdsnn experiment sequential --quick
  hdsnn experiment sequential --gap 100 --noise 0.1 --out out/sequential-noisy
  hdsnn experiment sequential --seeds 5 --window 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "sequential", 3)
	cmd.Flags().IntVar(&o.gap, "gap", sequential.DefaultGap, "background steps between two patterns")
	cmd.Flags().Float64Var(&o.noise, "noise", 0, "probability that a cue slot is redrawn at the patterns' rate, in [0, 1]")
	cmd.Flags().IntVar(&o.window, "window", sequential.DefaultWindow, "width in steps of the sliding F1 window")
	o.addInitOnly(cmd, "use the initial weights, without training")
	return cmd
}

// run validates the flags, runs the long trials and writes the CSVs and
// the figure.
func (o *sequentialCmd) run(cmd *cobra.Command) error {
	if o.gap < 0 {
		return fmt.Errorf("--gap = %d: cannot be negative", o.gap)
	}
	if !(o.noise >= 0 && o.noise <= 1) {
		return fmt.Errorf("--noise = %v: must be a probability in [0, 1]", o.noise)
	}
	if o.window <= 0 {
		return fmt.Errorf("--window = %d: need at least one step", o.window)
	}
	b, csvPath, fig, err := o.prepare("sequential")
	if err != nil {
		return err
	}
	weights := o.weights()
	l := sequential.Len(b.Params, b.Patterns.M, b.Patterns.T, o.gap)
	if o.window > l {
		return fmt.Errorf("--window = %d is longer than the run (%d steps)", o.window, l)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "sequential: N = %d, M = %d, T = %d, D = %d, gap %d, noise %g, %s weights, %d seeds, %d steps per run\n",
		b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Params.D, o.gap, o.noise, weights, o.seeds, l)
	c := sequential.Config{Base: b, Seeds: o.seeds, Gap: o.gap, Noise: o.noise, Window: o.window, Trained: !o.initOnly}
	seriesPath := fig + "-f1.csv"
	res, err := sequential.Run(cmd.Context(), c, csvPath, seriesPath, sweepProgress(cmd.ErrOrStderr(), filepath.Base(fig)))
	if err != nil {
		return studyError(err)
	}
	if err := studyfig.Sequential(res.Series, studyfig.SetupOf(b, o.seeds, !o.initOnly), o.gap, o.noise).Save(fig); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	// res.Rows are this setting's rows only, though the CSV may hold
	// other gaps and noises.
	printSettings(cmd.OutOrStdout(), []string{"pattern"}, results.Summarise(res.Rows))
	printSliding(cmd.OutOrStdout(), res.Series)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s, %s.png, %s.svg\n", csvPath, seriesPath, fig, fig)
	return nil
}

// printSliding prints the mean sliding F1 of the windows centred on
// pattern steps, on cue steps and in the gaps.
func printSliding(w io.Writer, s sequential.Series) {
	var sum [3]float64
	var n [3]int
	for i, f := range s.F1 {
		k := 2 // gap
		switch {
		case s.InPattern[i]:
			k = 0
		case s.InCue[i]:
			k = 1
		}
		sum[k] += f
		n[k]++
	}
	mean := func(k int) float64 {
		if n[k] == 0 {
			return 0
		}
		return sum[k] / float64(n[k])
	}
	fmt.Fprintf(w, "sliding F1 (%d-step windows, mean over seeds): %.3f centred on pattern steps, %.3f on cues, %.3f elsewhere\n",
		s.Window, mean(0), mean(1), mean(2))
}
