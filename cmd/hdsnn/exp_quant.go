package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/quantisation"
)

// quantCmd holds the flags of "hdsnn experiment quantisation".
type quantCmd struct {
	expOptions
	kinds     []string
	bits      []int
	roundings []string
}

// newQuantCmd builds "hdsnn experiment quantisation": recall F1 against
// the width of the weights.
func newQuantCmd() *cobra.Command {
	o := &quantCmd{}
	cmd := &cobra.Command{
		Use:     "quantisation",
		Aliases: []string{"bits"},
		Short:   "Recall F1 against the bits of the weights, Hebbian and margin-stored, on the integer path",
		Long: `Store one network per seed and kind of weights (--weights-kinds: hebbian, the
analytical initialisation, and margin, margin storage with the --margin… flags),
quantise it to every width of --bits-list with every rounding of
--roundings (one symmetric scale per postsynaptic neuron, SPEC §2.3) and
recall every pattern on the integer path (integer weights, fixed-point
membranes), from the clean cue and from cues flipped with p = 0.25 and
jittered by ±1 step (as in hdsnn experiment robustness). The unquantised
float64 weights are recalled too, as the reference (bits and rounding
"float64"). Stochastic rounding draws from the network's seed.

quantisation.csv gets one row per (weights, bits, rounding, cue, seed);
quantisation.png/svg shows F1 (mean ± s.e. over seeds) against the bits, one
panel per cue, one line per weights and rounding, the float64 reference
dashed. --quick uses 3 seeds unless --seeds is given.`,
		Example: `  hdsnn experiment quantisation --quick
  hdsnn experiment quantisation --seeds 3 --out out/quantisation
  hdsnn experiment quantisation --weights-kinds hebbian --bits-list 8,4,2 --roundings nearest`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "quantisation", 3)
	fs := cmd.Flags()
	fs.StringSliceVar(&o.kinds, "weights-kinds", []string{quantisation.Hebbian, quantisation.Margin}, "weights to quantise, comma-separated: hebbian and/or margin")
	fs.IntSliceVar(&o.bits, "bits-list", quant.BitWidths(), "widths to quantise to, comma-separated, from 16, 8, 6, 4, 2, 1")
	fs.StringSliceVar(&o.roundings, "roundings", []string{quant.Nearest.String(), quant.Stochastic.String()}, "roundings, comma-separated: nearest and/or stochastic")
	for _, f := range []string{"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best"} {
		_ = fs.MarkHidden(f) // nothing is trained; the flags exist for every experiment
	}
	return cmd
}

// config checks the flags and returns the experiment and its CSV path and
// figure base.
func (o *quantCmd) config(cmd *cobra.Command) (quantisation.Config, string, string, error) {
	var c quantisation.Config
	b, csvPath, fig, err := o.prepare(cmd.Context(), "quantisation")
	if err != nil {
		return c, "", "", err
	}
	c = quantisation.Config{Base: b, Margin: o.margin, Seeds: o.seeds}
	if b.Margin != nil { // --init margin: its settings store the margin kind
		c.Margin, c.Base.Margin = *b.Margin, nil
		c.Base.Init = initw.Defaults()
	}
	for _, k := range o.kinds {
		k = strings.TrimSpace(k)
		if k != quantisation.Hebbian && k != quantisation.Margin {
			return c, "", "", fmt.Errorf("--weights-kinds: %q is not known; use hebbian and/or margin", k)
		}
		if !slices.Contains(c.Weights, k) {
			c.Weights = append(c.Weights, k)
		}
	}
	if len(c.Weights) == 0 {
		return c, "", "", fmt.Errorf("--weights-kinds is empty; name hebbian and/or margin")
	}
	for _, b := range o.bits {
		if err := (quant.Config{Bits: b}).Validate(); err != nil {
			return c, "", "", fmt.Errorf("--bits-list: %w", err)
		}
		if !slices.Contains(c.Bits, b) {
			c.Bits = append(c.Bits, b)
		}
	}
	if len(c.Bits) == 0 {
		return c, "", "", fmt.Errorf("--bits-list is empty; name at least one of 16, 8, 6, 4, 2, 1")
	}
	for _, r := range o.roundings {
		v, err := quant.ParseRounding(strings.TrimSpace(r))
		if err != nil {
			return c, "", "", fmt.Errorf("--roundings: %w", err)
		}
		if !slices.Contains(c.Roundings, v) {
			c.Roundings = append(c.Roundings, v)
		}
	}
	if len(c.Roundings) == 0 {
		return c, "", "", fmt.Errorf("--roundings is empty; name nearest and/or stochastic")
	}
	return c, csvPath, fig, nil
}

// run validates the flags, runs the sweep, draws the figure and prints
// the summary.
func (o *quantCmd) run(cmd *cobra.Command) error {
	c, csvPath, fig, err := o.config(cmd)
	if err != nil {
		return err
	}
	b := c.Base
	fmt.Fprintf(cmd.ErrOrStderr(), "quantisation: N = %d, M = %d, T = %d, D = %d, %s weights, bits %s, %d seeds\n",
		b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Params.D, strings.Join(c.Weights, " and "), bitsNames(c.Bits), o.seeds)
	rows, err := quantisation.Run(cmd.Context(), c, csvPath, sweepProgress(cmd.ErrOrStderr(), filepath.Base(fig)))
	if err != nil {
		return studyError(err)
	}
	sums := results.Summarise(rows)
	var cues []string
	for _, cue := range quantisation.DefaultCues() {
		cues = append(cues, cue.String())
	}
	setup := studyfig.SetupOf(b, o.seeds, false)
	setup.Weights = ""
	if err := studyfig.Quantisation(sums, cues, setup).Save(fig); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	printSettings(cmd.OutOrStdout(), quantisation.Columns(), sums)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s.png, %s.svg\n", csvPath, fig, fig)
	return nil
}

// bitsNames lists widths for messages.
func bitsNames(bits []int) string {
	var s []string
	for _, b := range bits {
		s = append(s, strconv.Itoa(b))
	}
	return strings.Join(s, ", ")
}
