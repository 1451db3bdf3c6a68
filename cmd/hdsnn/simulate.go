package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
)

// simulateCmd holds the flags of "hdsnn simulate".
type simulateCmd struct {
	options
}

// newSimulateCmd builds "hdsnn simulate": the engine on given inputs.
func newSimulateCmd() *cobra.Command {
	o := &simulateCmd{}
	cmd := &cobra.Command{
		Use:   "simulate --weights W.npy|W.npz --input X.npy --out DIR",
		Short: "Run the network on given clamp inputs and record spikes, membranes and currents",
		Long: `Run one trial of the network of --weights for each of the M clamp rasters x of
--input (0/1, shape (M, N, L)) exactly as SPEC §2.1 defines it, and record
every step. D comes from the weights; the trial length L from the input.

Writes spikes.npy (the network's own spikes s, uint8), membrane.npy (u) and
current.npy (I), all of shape (M, N, L) indexed [trial, neuron, step], zero
before step D. Use it to check another implementation against this one:
spikes should agree exactly, the rest to about 1e-5 of each array's largest
magnitude.

--pre, --post and --trigger describe how the input was built; they do not
change the simulation and are only checked for consistency.`,
		Example: `  hdsnn simulate --weights w.npy --input input.npy --out sim
  hdsnn simulate --weights w.npy --input input.npy --beta 0.7 --theta 0.8 --reset zero --pre 10 --post 10 --trigger 8 --out sim`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.add(cmd.Flags(), "weights", "input", "beta", "theta", "reset", "pre", "post", "trigger")
	_ = cmd.MarkFlagRequired("weights")
	_ = cmd.MarkFlagRequired("input")
	o.addOutput(cmd, "")
	return cmd
}

// run validates the flags, files and outputs, simulates every trial and
// writes the records.
func (o *simulateCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, simulateOutputs()...); err != nil {
		return err
	}
	w, meta, err := readSynapses("--weights", o.weights, 1)
	if err != nil {
		return err
	}
	wn, wd := w.Size()
	in, err := readRasters("--input", o.input, wn, 0)
	if err != nil {
		return err
	}
	m, n, l := in.M(), in.N, in.T
	if err := checkTrials(m, n, l, true, "split --input into fewer or shorter trials"); err != nil {
		return err
	}
	p := o.sidecarParams(meta, wd, cmd.ErrOrStderr())
	if err := p.Validate(0); err != nil {
		return err
	}
	if l < wd+1 {
		return fmt.Errorf("--input %s has %d steps, fewer than D + 1 = %d: the network's own spikes start at step D, so nothing would be simulated; pass longer inputs", o.input, l, wd+1)
	}
	if o.changed("pre") || o.changed("post") || o.changed("trigger") {
		if t := l - p.Pre - p.Post; t < p.Trigger || t <= 0 {
			return fmt.Errorf("the input's %d steps leave L − pre − post = %d pattern steps, fewer than --trigger %d; pass the --pre, --post and --trigger the input was built with", l, t, p.Trigger)
		}
	}
	if err := beginSet(cmd.Context(), o.out, "simulate", o.force, simulateOutputs()); err != nil {
		return err
	}

	states, err := simulateAll(cmd.Context(), w, p, in.Patterns, network.Options{Record: true})
	if err != nil {
		return err
	}
	if err := writeSpikes(filepath.Join(o.out, "spikes.npy"), states); err != nil {
		return err
	}
	for _, a := range []struct {
		name  string
		array func([]*network.State) ([]int, []float64, error)
	}{{"membrane.npy", network.MembraneArray}, {"current.npy", network.CurrentArray}} {
		shape, data, err := a.array(states)
		if err != nil {
			return err
		}
		if err := npy.WriteFloat64(filepath.Join(o.out, a.name), shape, data); err != nil {
			return err
		}
	}
	spikes := 0
	for _, st := range states {
		spikes += st.Spikes.Count()
	}
	if err := finishSet(o.out, "simulate", simulateOutputs()); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d trials of %d neurons × %d steps (D = %d): %d spikes\nwrote %s\n", m, n, l, wd, spikes, o.out)
	return nil
}
