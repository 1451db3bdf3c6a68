package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
)

// newExperimentCmd builds "hdsnn experiment" and its subcommands.
func newExperimentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Run the published experiments and new ones: robustness, sequential recall, scans, capacity, search, quantisation",
		Long: `Each experiment runs its independent runs on all cores, appends one row per run
to a tidy CSV (parameters, seed, precision, recall, F1, loss, counts, seconds)
and draws a figure (PNG and SVG). Rows already in the CSV are skipped, so an
interrupted experiment resumes where it stopped; --force starts again.
--quick shrinks the network (N = 128, M = 4, T = 200, D = 20) and the grid
so that a run finishes in well under two minutes on 2 cores.`,
		Args: cobra.NoArgs, // "hdsnn experiment foo" is an unknown command, not help
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		Example: `  hdsnn experiment robustness --quick
  hdsnn experiment scan --param delays --seeds 10 --out out/scan-delays`,
	}
	cmd.AddCommand(
		newRobustnessCmd(),
		newSequentialCmd(),
		newIncrementalCmd(),
		newScanCmd(),
		newCapacityCmd(),
		newSearchCmd(),
		newQuantCmd(),
		newPruningCmd(),
	)
	return cmd
}

// expOptions are the flags every experiment takes, on top of the shared
// size and model flags.
type expOptions struct {
	options
	quick    bool
	seeds    int
	initOnly bool
}

// addInitOnly defines --init-only, for experiments that train by default.
// It also names the outputs <name>-init*, so that rows of initial and
// trained weights never share a CSV.
func (o *expOptions) addInitOnly(cmd *cobra.Command, usage string) {
	cmd.Flags().BoolVar(&o.initOnly, "init-only", false, usage)
}

// weights names the weights the experiment uses, for messages.
func (o *expOptions) weights() string {
	if o.initOnly {
		return "initial"
	}
	return "trained"
}

// addExperiment defines the size, model and training flags, --quick,
// --seeds, --out (default out/<name>) and --force.
func (o *expOptions) addExperiment(cmd *cobra.Command, name string, seeds int) {
	o.add(cmd.Flags(), "neurons", "delays", "patterns", "steps", "p-a", "seed",
		"beta", "theta", "reset", "pre", "post", "trigger", "init", "target", "norm",
		"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best")
	o.addOutput(cmd, filepath.Join("out", name))
	cmd.Flags().BoolVar(&o.quick, "quick", false, "a small network and grid that finish in under two minutes on 2 cores")
	cmd.Flags().IntVar(&o.seeds, "seeds", seeds, "independent runs (seeds) per setting (at most 3 with --quick unless given)")
}

// prepare validates the flags and returns the benchmark they describe
// (shrunk by --quick, which also caps the seeds at 3 unless --seeds is
// given) and the paths of the CSV and the figure (without extension),
// named name, or name-init with --init-only. With --force an earlier CSV is
// removed; otherwise its rows are kept and skipped.
func (o *expOptions) prepare(ctx context.Context, name string) (b study.Benchmark, csvPath, figBase string, err error) {
	if err := o.validate(); err != nil {
		return b, "", "", err
	}
	if o.seeds <= 0 {
		return b, "", "", fmt.Errorf("--seeds = %d: need at least one seed", o.seeds)
	}
	if o.initOnly {
		name += "-init"
	}
	b = o.benchmark()
	if o.quick {
		q := b.Quick()
		for _, f := range []string{"neurons", "patterns", "steps", "p-a", "delays", "pre", "post", "trigger", "epochs"} {
			if o.changed(f) {
				return b, "", "", fmt.Errorf("--quick sets the sizes itself; drop --%s or --quick", f)
			}
		}
		b = q
		if !o.changed("seeds") {
			o.seeds = min(o.seeds, study.QuickSeeds)
		}
	}
	if err := b.Validate(); err != nil {
		return b, "", "", err
	}
	if err := checkBenchmark(b); err != nil {
		return b, "", "", err
	}
	if err := makeOut(ctx, o.out); err != nil {
		return b, "", "", err
	}
	csvPath = filepath.Join(o.out, name+".csv")
	if o.force {
		for _, p := range []string{csvPath, results.SettingsPath(csvPath)} {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return b, "", "", err
			}
		}
	}
	return b, csvPath, filepath.Join(o.out, name), nil
}

// studyError adds the flags that fix an error of a study's CSV: rows of
// another study, or made with other settings (the settings file beside
// the CSV records them).
func studyError(err error) error {
	if errors.Is(err, results.ErrOtherSettings) || errors.Is(err, results.ErrOtherTable) {
		return fmt.Errorf("%w; its rows cannot be resumed with these flags (a --quick run, or other sizes): pass --force to start again or choose another --out", err)
	}
	return err
}

// sweepProgress returns a progress callback for a sweep: a bar on a
// terminal, a line per run otherwise.
func sweepProgress(w io.Writer, what string) func(done, total int) {
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if isTerminal(w) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
			}
			_ = bar.Set(done) // progress display only
			return
		}
		fmt.Fprintf(w, "%s: %d/%d runs\n", what, done, total)
	}
}

// printSettings writes one line per setting: its parameter values under
// the given column names, the number of runs, mean precision (over the
// runs that fired; "-" when none did) and recall and F1 mean ± s.e. over
// seeds.
func printSettings(w io.Writer, columns []string, sums []results.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\truns\tprecision\trecall\tF1\t± s.e.\t\n", strings.Join(columns, "\t"))
	for _, s := range sums {
		v := s.Values[len(s.Values)-len(columns):]
		p := "-" // no run fired: precision undefined
		if s.Fired > 0 {
			p = fmt.Sprintf("%.4f", s.Precision)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.4f\t%.4f\t%.4f\t\n", strings.Join(v, "\t"), s.Runs, p, s.Recall, s.F1, s.F1Err)
	}
	tw.Flush()
}

// joinNames lists the names of enum values, comma-separated.
func joinNames[T fmt.Stringer](vs []T) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.String()
	}
	return strings.Join(names, ", ")
}
