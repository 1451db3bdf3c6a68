package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/capacity"
)

// capacityCmd holds the flags of "hdsnn experiment capacity".
type capacityCmd struct {
	expOptions
	neuronsList, delaysList, modes string
	fanInList                      string
	marginStart, probe             int
	threshold, precision           float64
	marginScale                    float64
	maxPatterns                    int
}

// newCapacityCmd builds "hdsnn experiment capacity".
func newCapacityCmd() *cobra.Command {
	o := &capacityCmd{}
	cmd := &cobra.Command{
		Use:   "capacity",
		Short: "Measure how many patterns a network stores: the largest M with mean F1 ≥ a threshold",
		Long: `For every network size N (--neurons-list), number of delays D (--delays-list)
and mode (--modes: init = the analytical initialisation alone, trained = after
training, margin = margin storage with the --margin… flags, see hdsnn store),
find the largest number of patterns M whose cued recall has a mean F1 ≥
--threshold over --seeds independent pattern sets. M doubles from 1 (for mode
margin from --margin-start, or from --margin-start-scale × N·D/(T−D) in each
cell; 1, 2, 4, …, at most --max-patterns) until the mean F1 falls below the
threshold, then bisection finds the boundary, to one pattern or, with
--precision p, until the failing M is within a factor 1 + p of the passing one.
Recall need not get worse monotonically with M (training can rescue a larger
set), so the search also evaluates --probe doublings past the first failure;
the capacity reported is the largest M such that every smaller M tested
passed, tested M above it that passed are listed as exceptions, and the
smallest failing M above it is "fails at" (none: the capacity is a lower
bound, the search reached --max-patterns).

Every evaluated (N, D, mode, M, seed) is a row of capacity.csv, so a rerun
resumes where it stopped, and several runs with different grids may share one
--out: the summary and figures cover every cell in the CSV. capacity-summary.csv
holds one row per (N, D, mode) with the capacity, fails_at, the exceptions and
two reference counts: N²·D/(T−D) (weights over the constraints a pattern puts
on each neuron) and N·D/(T−D) (per neuron). capacity-vs-neurons and
capacity-vs-delays (PNG and SVG) plot the capacity on log axes with a tick at
every N and D, against the per-neuron count N·D/(T−D); capacity-vs-weights
plots it against the weights per neuron N·D with the perceptron estimates
α·N·D/(T−D) (Gardner: α ≈ 119 at zero margin, ≈ 46 at a margin of one standard
deviation of the field, coding level 1e-3). A capacity of 0 is left out of
the figures.

--fan-in-list K1,K2,… measures every N and D at each fan-in K as well: each
neuron receives from K random presynaptic neurons (seeded), the Hebbian
weights are built on those synapses only and kept sparse, and the bounds
count K·D weights per neuron. Only mode init takes a fan-in so far (the
default modes become init); the CSVs gain a fan_in column and no figures are
drawn.

--quick measures N ∈ {64, 128}, D ∈ {10, 20} at T = 200, p_A = 5e-3 with
2 seeds and 2 training epochs.`,
		Example: `  hdsnn experiment capacity --quick
  hdsnn experiment capacity --neurons-list 256,512,1024 --delays-list 21,41,81 --out out/capacity
  hdsnn experiment capacity --modes init --threshold 0.95 --neurons-list 512 --delays-list 41
  hdsnn experiment capacity --modes margin --neurons-list 512 --delays-list 41 --seeds 2 --margin-start 440 --probe 0
  hdsnn experiment capacity --modes margin --neurons-list 256 --delays-list 21,41,81 --seeds 2 --margin-start-scale 16 --precision 0.1 --probe 0
  hdsnn experiment capacity --neurons-list 4096 --delays-list 41 --fan-in-list 128,256,512,1024 --out out/capacity-fan-in`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "capacity", 3)
	fs := cmd.Flags()
	fs.StringVar(&o.neuronsList, "neurons-list", "256,512,1024", "comma-separated network sizes `N` to measure")
	fs.StringVar(&o.delaysList, "delays-list", "21,41,81", "comma-separated numbers of delays `D` to measure")
	fs.StringVar(&o.fanInList, "fan-in-list", "", "comma-separated fan-ins `K` to measure at every N and D (sparse weights, mode init; default: all to all)")
	fs.StringVar(&o.modes, "modes", capacity.Init.String()+","+capacity.Trained.String(), "comma-separated weights to measure: init (initialisation only), trained and/or margin (margin storage)")
	fs.Float64Var(&o.threshold, "threshold", 0.99, "mean F1 that M patterns must reach to count as stored, in (0, 1]")
	fs.IntVar(&o.maxPatterns, "max-patterns", 4096, "largest number of patterns M tried")
	fs.IntVar(&o.marginStart, "margin-start", 1, "mode margin: the M the doubling starts from (margin storage holds hundreds of patterns; each evaluation near capacity takes minutes)")
	fs.Float64Var(&o.marginScale, "margin-start-scale", 0, "mode margin: start each cell's doubling at this multiple of N·D/(T−D) instead of --margin-start (0: use --margin-start)")
	fs.Float64Var(&o.precision, "precision", 0, "stop the bisection once the failing M is within a factor 1 + precision of the passing one, in [0, 1) (0: to one pattern)")
	fs.IntVar(&o.probe, "probe", 1, "doublings past the first failing M evaluated as well, to find passes above the boundary (listed as exceptions)")
	for _, f := range []string{"neurons", "delays", "patterns"} {
		_ = fs.MarkHidden(f) // replaced by the lists and the search; the flag exists
	}
	return cmd
}

// run validates the flags, measures the capacities and writes the outputs.
func (o *capacityCmd) run(cmd *cobra.Command) error {
	cfg, csvPath, err := o.config(cmd.Context())
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "capacity: N ∈ %v, D ∈ %v, T = %d, modes %s, mean F1 ≥ %g over %d seeds, M ≤ %d\n",
		cfg.Neurons, cfg.Delays, cfg.Base.Patterns.T, joinNames(cfg.Modes), o.threshold, o.seeds, o.maxPatterns)
	cfg.OnEval = func(ev capacity.Eval) {
		verdict := "fails"
		if ev.Pass {
			verdict = "passes"
		}
		note := ""
		if ev.Reused == ev.Runs {
			note = " (from the CSV)"
		}
		fan := ""
		if ev.FanIn > 0 {
			fan = fmt.Sprintf(", fan-in %d", ev.FanIn)
		}
		fmt.Fprintf(stderr, "  N = %d, D = %d%s, %s: M = %d: F1 %.4f ± %.4f %s%s\n",
			ev.Neurons, ev.Delays, fan, ev.Mode, ev.Patterns, ev.F1, ev.F1Err, verdict, note)
	}
	if _, err := capacity.Run(cmd.Context(), cfg, csvPath); err != nil {
		return studyError(err)
	}
	rows, err := results.Read(csvPath, cfg.CSVColumns())
	if err != nil {
		return err
	}
	rs, err := capacity.FromRows(rows, cfg.Threshold, cfg.Seeds)
	if err != nil {
		return fmt.Errorf("%s: %w", csvPath, err)
	}
	written, err := o.write(csvPath, rs)
	if err != nil {
		return err
	}
	printCapacity(cmd.OutOrStdout(), rs)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", strings.Join(written, ", "))
	return nil
}

// config validates the flags and returns the measurement they describe and
// the path of its CSV.
func (o *capacityCmd) config(ctx context.Context) (cfg capacity.Config, csvPath string, err error) {
	for f, use := range map[string]string{"neurons": "--neurons-list", "delays": "--delays-list", "patterns": "--max-patterns"} {
		if o.changed(f) {
			return cfg, "", fmt.Errorf("capacity does not use --%s; use %s", f, use)
		}
	}
	quick := capacity.Config{}.Quick()
	if o.quick {
		for _, f := range []string{"neurons-list", "delays-list"} {
			if o.changed(f) {
				return cfg, "", fmt.Errorf("--quick sets the sizes itself; drop --%s or --quick", f)
			}
		}
		if !o.changed("seeds") {
			o.seeds = quick.Seeds
		}
	}
	ns, err := parseIntList("--neurons-list", o.neuronsList)
	if err != nil {
		return cfg, "", err
	}
	ds, err := parseIntList("--delays-list", o.delaysList)
	if err != nil {
		return cfg, "", err
	}
	if o.quick {
		ns, ds = quick.Neurons, quick.Delays
	}
	var fanIns []int
	if o.changed("fan-in-list") {
		if fanIns, err = parseIntList("--fan-in-list", o.fanInList); err != nil {
			return cfg, "", err
		}
		if !o.changed("modes") {
			o.modes = capacity.Init.String()
		}
	}
	modes, err := parseModes(o.modes)
	if err != nil {
		return cfg, "", err
	}
	if len(fanIns) > 0 && (len(modes) != 1 || modes[0] != capacity.Init) {
		return cfg, "", fmt.Errorf("--fan-in-list takes --modes init only (the capacity search does not train or margin-store on a fan-in yet; hdsnn store --fan-in and run --fan-in do); drop --modes or pass --modes init")
	}
	if !(o.threshold > 0 && o.threshold <= 1) {
		return cfg, "", fmt.Errorf("--threshold = %v: the F1 to reach must be in (0, 1]", o.threshold)
	}
	if o.maxPatterns < 1 {
		return cfg, "", fmt.Errorf("--max-patterns = %d: need at least one pattern", o.maxPatterns)
	}
	b, csvPath, _, err := o.prepare(ctx, "capacity")
	if err != nil {
		return cfg, "", err
	}
	big := b
	big.Patterns.N, big.Params.D = slices.Max(ns), slices.Max(ds) // M grows only until recall fails
	if len(fanIns) > 0 {
		// Only mode init takes a fan-in: its runs are not trained
		// (capacity.Config.bench), so no gradient or moments are held.
		big.FanIn, big.Sparse, big.Train.Epochs = min(slices.Max(fanIns), big.Patterns.N), true, 0
	}
	if err := checkRuns(big, o.seeds, "lower --neurons-list or --delays-list"); err != nil {
		return cfg, "", err
	}
	if o.quick {
		b.Train.Epochs = quick.Base.Train.Epochs
	}
	if !(o.precision >= 0 && o.precision < 1) {
		return cfg, "", fmt.Errorf("--precision = %v: must be in [0, 1), e.g. 0.1 to stop bisecting within 10 %%", o.precision)
	}
	if !(o.marginScale >= 0) || math.IsInf(o.marginScale, 0) {
		return cfg, "", fmt.Errorf("--margin-start-scale = %v: must be a finite number ≥ 0", o.marginScale)
	}
	if o.probe < 0 {
		return cfg, "", fmt.Errorf("--probe = %d: cannot be negative", o.probe)
	}
	if slices.Contains(modes, capacity.Margin) && b.Margin == nil {
		m := o.margin
		b.Margin = &m
	}
	cfg = capacity.Config{Base: b, Neurons: ns, Delays: ds, Modes: modes,
		Threshold: o.threshold, MaxPatterns: o.maxPatterns, Seeds: o.seeds,
		Probe: o.probe, MarginStart: o.marginStart, MarginScale: o.marginScale, Precision: o.precision, FanIns: fanIns}
	return cfg, csvPath, cfg.Validate()
}

// write writes the summary and the figures of the capacities rs (every
// cell of the CSV) and returns the paths written.
func (o *capacityCmd) write(csvPath string, rs []capacity.Result) ([]string, error) {
	sumPath := filepath.Join(o.out, "capacity-summary.csv")
	if err := capacity.WriteSummary(sumPath, rs); err != nil {
		return nil, fmt.Errorf("writing the summary: %w", err)
	}
	written := []string{csvPath, sumPath}
	if slices.ContainsFunc(rs, func(r capacity.Result) bool { return r.FanIn > 0 }) {
		return written, nil // the figures are drawn per (N, D, mode), not per fan-in
	}
	vsN, vsD := studyfig.Capacity(rs, o.threshold, o.seeds)
	vsW := studyfig.CapacityVsWeights(rs, o.threshold, o.seeds)
	for _, f := range []struct {
		name string
		plot figure.LinePlot
	}{{"capacity-vs-neurons", vsN}, {"capacity-vs-delays", vsD}, {"capacity-vs-weights", vsW}} {
		if len(f.plot.Series) == 0 {
			continue // every capacity was 0: nothing to draw on log axes
		}
		if err := f.plot.Save(filepath.Join(o.out, f.name)); err != nil {
			return nil, fmt.Errorf("drawing %s: %w", f.name, err)
		}
		written = append(written, filepath.Join(o.out, f.name+".png"))
	}
	return written, nil
}

// printCapacity prints the summary table.
func printCapacity(w io.Writer, rs []capacity.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fan := slices.ContainsFunc(rs, func(r capacity.Result) bool { return r.FanIn > 0 })
	if fan {
		fmt.Fprintln(tw, "N\tD\tK\tT\tmode\tcapacity\tfails at\tF1\tNKD/(T−D)\tKD/(T−D)\tevaluations\t")
	} else {
		fmt.Fprintln(tw, "N\tD\tT\tmode\tcapacity\tfails at\tF1\tN²D/(T−D)\tND/(T−D)\tevaluations\t")
	}
	for _, r := range rs {
		fails := "none (lower bound)"
		if r.FailsAt > 0 {
			fails = strconv.Itoa(r.FailsAt)
		}
		fmt.Fprintf(tw, "%d\t%d\t", r.Neurons, r.Delays)
		if fan {
			fmt.Fprintf(tw, "%d\t", r.FanIn)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%.4f\t%.0f\t%.2f\t%d\t\n", r.Steps, r.Mode,
			r.Capacity, fails, r.F1, r.Bound, r.BoundPerNeuron, len(r.Evals))
	}
	tw.Flush()
}

// parseIntList parses a comma-separated list of distinct positive
// integers given by flag.
func parseIntList(flag, s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%s is empty; give comma-separated positive integers such as 256,512", flag)
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive integer; give comma-separated values such as 256,512", flag, f)
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("%s lists %d twice", flag, v)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseModes parses --modes.
func parseModes(s string) ([]capacity.Mode, error) {
	var out []capacity.Mode
	for _, f := range strings.Split(s, ",") {
		m, err := capacity.ParseMode(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("--modes: %q is not a mode; use any of %s, %s and %s", strings.TrimSpace(f), capacity.Init, capacity.Trained, capacity.Margin)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}
