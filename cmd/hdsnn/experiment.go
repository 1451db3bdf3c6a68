package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/experiment"
)

// newExperimentCmd builds "hdsnn experiment" and its subcommands.
func newExperimentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Run the published experiments and new ones: robustness, sequential recall, scans, capacity, search",
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
		newScanCmd(),
		newCapacityCmd(),
		newSearchCmd(),
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
func (o *expOptions) prepare(ctx context.Context, name string) (b experiment.Benchmark, csvPath, figBase string, err error) {
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
			o.seeds = min(o.seeds, 3)
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
		if err := os.Remove(csvPath); err != nil && !os.IsNotExist(err) {
			return b, "", "", err
		}
	}
	if err := sameSettings(filepath.Join(o.out, name+".settings.json"), b, o.force); err != nil {
		return b, "", "", err
	}
	return b, csvPath, filepath.Join(o.out, name), nil
}

// sameSettings records the benchmark an experiment's CSV was made with in
// path, or, when path exists, refuses to add rows made with other
// settings (rows do not carry the sizes, so a --quick CSV must not be
// resumed by a full run).
func sameSettings(path string, b experiment.Benchmark, force bool) error {
	want, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	want = append(want, '\n')
	have, err := os.ReadFile(path)
	switch {
	case err == nil && !force && !bytes.Equal(have, want):
		return fmt.Errorf("%s records other settings than these flags (a --quick run, or other sizes); its CSV cannot be resumed with them: pass --force to start again or choose another --out", path)
	case err != nil && !os.IsNotExist(err):
		return err
	}
	return atomicfile.WriteBytes(path, want)
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
// the given column names, the number of runs, mean precision and recall
// and F1 mean ± s.e. over seeds.
func printSettings(w io.Writer, columns []string, sums []experiment.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\truns\tprecision\trecall\tF1\t± s.e.\t\n", strings.Join(columns, "\t"))
	for _, s := range sums {
		v := s.Values[len(s.Values)-len(columns):]
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t\n", strings.Join(v, "\t"), s.Runs, s.Precision, s.Recall, s.F1, s.F1Err)
	}
	tw.Flush()
}
