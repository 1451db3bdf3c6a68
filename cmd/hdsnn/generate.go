package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/raster"
)

// generateCmd holds the flags of "hdsnn generate".
type generateCmd struct {
	options
	csv bool
}

// newGenerateCmd builds "hdsnn generate": random patterns to a file.
func newGenerateCmd() *cobra.Command {
	g := &generateCmd{}
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Draw random spike patterns and write them to patterns.npy",
		Long: `Draw M random spike patterns of N neurons over T steps, every entry an
independent Bernoulli(p-a) draw, and write them to --out/patterns.npy (uint8,
shape (M, N, T), indexed [pattern, neuron, step]); with --csv also to
patterns.csv as pattern,neuron,step events. The same --seed gives the same
patterns on every machine.

--periodic makes the last --delays steps of each pattern repeat its first
ones, so that it can replay in a loop; --refractory sets a minimum interval
between two spikes of a neuron.`,
		Example: `  hdsnn generate --out data
  hdsnn generate --neurons 256 --patterns 8 --seed 7 --csv --out data
  hdsnn generate --periodic --delays 41 --refractory 5 --out loops`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return g.run(cmd) },
	}
	g.add(cmd.Flags(), "neurons", "patterns", "steps", "p-a", "seed", "periodic", "delays", "refractory")
	cmd.Flags().BoolVar(&g.csv, "csv", false, "also write patterns.csv (pattern,neuron,step events)")
	g.addOutput(cmd, "")
	return cmd
}

// run validates the flags and outputs, draws the patterns and writes them.
func (g *generateCmd) run(cmd *cobra.Command) error {
	if err := g.validate(); err != nil {
		return err
	}
	c := raster.Config{M: g.patterns, N: g.neurons, T: g.steps, P: g.pA, Refractory: g.refractory}
	if g.periodic {
		c.Periodic = g.delays
	}
	if err := c.Validate(); err != nil {
		if g.periodic {
			return fmt.Errorf("--periodic repeats the last --delays = %d of --steps = %d: %w", g.delays, g.steps, err)
		}
		return err
	}
	if err := checkPatterns(c.M, c.N, c.T, "lower --patterns, --neurons or --steps"); err != nil {
		return err
	}
	outputs := []string{"patterns.npy"}
	if g.csv {
		outputs = append(outputs, "patterns.csv")
	}
	if err := checkOutputs(g.out, g.force, outputs...); err != nil {
		return err
	}
	if err := beginSet(cmd.Context(), g.out, "generate", g.force, []string{"patterns.npy", "patterns.csv"}); err != nil {
		return err
	}
	set, err := raster.GenerateContext(cmd.Context(), c, g.seed)
	if err != nil {
		return err
	}
	if err := raster.WriteNPY(filepath.Join(g.out, "patterns.npy"), set); err != nil {
		return err
	}
	if g.csv {
		if err := raster.WriteCSV(filepath.Join(g.out, "patterns.csv"), set); err != nil {
			return err
		}
	}
	if err := finishSet(g.out, "generate", outputs); err != nil {
		return err
	}
	spikes := 0
	for _, p := range set.Patterns {
		spikes += p.Count()
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d patterns of %d neurons × %d steps, %d spikes (%.3g per neuron and step)\n",
		set.M(), set.N, set.T, spikes, float64(spikes)/float64(set.M()*set.N*set.T))
	for _, name := range outputs {
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", filepath.Join(g.out, name))
	}
	return nil
}
