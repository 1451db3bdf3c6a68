package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/scan"
)

// scanCmd holds the flags of "hdsnn experiment scan".
type scanCmd struct {
	expOptions
	param  string
	values []string
}

// newScanCmd builds "hdsnn experiment scan": one parameter at a time.
func newScanCmd() *cobra.Command {
	o := &scanCmd{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan one parameter (D, T, p_A, M, N, θ, target, init, training) with the others at their defaults",
		Long: `Store --seeds independent pattern sets for every value of one parameter, train
them (unless --init-only) and score cued recall: scan.csv gets one row per
run and scan-<param>.png/svg shows F1 (mean ± s.e.) against the value.

--seeds defaults to 3: every (value, seed) trains its own network, so a
scan at N = 512 takes tens of minutes on a laptop at 3 seeds and three times
that at 10. The s.e. on every point says what 3 seeds resolve; for more,
give --seeds 10 (the rows already in the CSV are kept) or spread the runs
over cores or a cluster with "hdsnn sweep".

Parameters and default grids (--quick uses a smaller network and grid):
  delays    1 3 5 11 21 41 81 127          (the cue length follows D)
  steps     64 128 256 512 1024 2048
  p-a       2e-4 … 5e-2
  patterns  1 2 4 8 16 32 64
  neurons   64 128 256 512 1024 2048
  theta     0.4 0.6 0.8 1 1.2
  target    matched deconvolved raw        (deconvolution on/off)
  init      hebbian-row hebbian-context hebbian-column pinv
  training  init trained

Published trends (trained networks, N = 512, M = 16): loss ≈ 0.85 at D = 3
falling to ≈ 0 at D = 127; ≈ 0.004 at T = 64 rising to ≈ 0.08 at T = 2048;
best p_A between 1e-4 and 1e-3, worse from 2e-3.`,
		Example: `  hdsnn experiment scan --param delays --quick
  hdsnn experiment scan --param p-a --seeds 10 --out out/scan-rate
  hdsnn experiment scan --param init --init-only --values hebbian-row,pinv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "scan", 3)
	cmd.Flags().StringVar(&o.param, "param", scan.Delays.String(), "parameter to scan: "+joinNames(scan.Params()))
	cmd.Flags().StringSliceVar(&o.values, "values", nil, "values to scan, comma-separated (default: the grid above)")
	o.addInitOnly(cmd, "score the initial weights without training")
	return cmd
}

func (o *scanCmd) run(cmd *cobra.Command) error {
	param, err := scan.ParseParam(o.param)
	if err != nil {
		return fmt.Errorf("--param: %w", err)
	}
	values := o.values
	if len(values) == 0 {
		if values, err = scan.Values(param, o.quick); err != nil {
			return fmt.Errorf("--param: %w", err)
		}
	}
	b, csvPath, fig, err := o.prepare(cmd.Context(), "scan-"+param.String())
	if err != nil {
		return err
	}
	if err := checkScan(b, param, values, o.seeds); err != nil {
		return err
	}
	c := scan.Config{Base: b, Param: param, Values: values, Seeds: o.seeds, Trained: !o.initOnly}
	rows, err := scan.Run(cmd.Context(), c, csvPath, sweepProgress(cmd.ErrOrStderr(), filepath.Base(fig)))
	if err != nil {
		return studyError(err)
	}
	sums := results.Summarise(rows)
	if err := studyfig.Scan(param, sums, studyfig.SetupOf(b, o.seeds, !o.initOnly)).Save(fig); err != nil {
		return err
	}
	printSettings(cmd.OutOrStdout(), []string{o.param}, sums)
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s.png, %s.svg\n", csvPath, fig, fig)
	return nil
}
