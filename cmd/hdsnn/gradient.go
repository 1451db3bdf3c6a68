package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
)

// gradientCmd holds the flags of "hdsnn gradient".
type gradientCmd struct {
	options
	targetFile string
}

// newGradientCmd builds "hdsnn gradient": the exact loss gradient.
func newGradientCmd() *cobra.Command {
	o := &gradientCmd{}
	cmd := &cobra.Command{
		Use:   "gradient --weights W.npy|W.npz --input X.npy --target S.npy --pre P --out DIR",
		Short: "Compute the exact surrogate gradient of 1 − F1 with respect to the weights",
		Long: `Run the trials of --input (clamp rasters, shape (M, N, L)) on the network of
--weights, score them against the patterns of --target (shape (M, N, T)) on
steps [pre + D, pre + T), and backpropagate the loss 1 − F1 through time with
the fast-sigmoid surrogate of steepness --alpha (SPEC §4), exactly (no sparse
approximation, no dropout).

Writes grad_w.npy (float64, shape (N, N, D) [post, pre, delay−1], the layout
of weights files) and loss.json (loss, precision, recall, f1, tp, fp, fn).
Sparse weights (.npz) give the gradient at their stored synapses only, as
grad_w.npz in the same COO format (post, pre, delay, and the gradient as
weight); the backward pass runs through the stored synapses alone.
--post defaults to L − pre − T. Use it to check another implementation's
gradient against this one, to about 1e-5 of the largest magnitude.`,
		Example: `  hdsnn gradient --weights w.npy --input input.npy --target target.npy --pre 10 --out grad
  hdsnn gradient --weights w.npy --input input.npy --target target.npy --pre 10 --trigger 8 --reset zero --alpha 15 --out grad`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "weights", "input", "beta", "theta", "reset", "alpha", "pre", "post", "trigger")
	fs.StringVar(&o.targetFile, "target", "", "target patterns `file` (.npy, shape (M, N, T), 0/1 entries)")
	inferDefault(fs, "post", "default: input steps − pre − target steps")
	_ = cmd.MarkFlagRequired("weights")
	_ = cmd.MarkFlagRequired("input")
	_ = cmd.MarkFlagRequired("target")
	o.addOutput(cmd, "")
	return cmd
}

// run validates the flags, files and outputs, computes the gradient and
// writes it with the loss.
func (o *gradientCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, gradientOutputs()...); err != nil {
		return err
	}
	w, meta, err := readSynapses("--weights", o.weights, 2)
	if err != nil {
		return err
	}
	n, d := w.Size()
	in, err := readRasters("--input", o.input, n, 0)
	if err != nil {
		return err
	}
	target, err := readRasters("--target", o.targetFile, n, 0)
	if err != nil {
		return err
	}
	if in.M() != target.M() {
		return fmt.Errorf("--input has %d trials but --target %d patterns; pass one input trial per target pattern", in.M(), target.M())
	}
	p := o.sidecarParams(meta, d, cmd.ErrOrStderr())
	if !o.changed("post") {
		p.Post = in.T - p.Pre - target.T
		if p.Post < 0 {
			return fmt.Errorf("--pre %d + %d target steps exceed the input's %d steps; pass the --pre the input was built with", p.Pre, target.T, in.T)
		}
	}
	if l := p.Len(target.T); l != in.T {
		return fmt.Errorf("--pre %d + %d target steps + --post %d = %d steps, but the input has %d; pass the --pre and --post the input was built with", p.Pre, target.T, p.Post, l, in.T)
	}
	if err := p.Validate(target.T); err != nil {
		return err
	}
	// The gradient and the recorded trials come on top of the weights.
	if _, dense := w.(*network.Weights); dense {
		if err := network.CheckFits(n, d, 2); err != nil {
			return err
		}
	}
	if err := beginSet(cmd.Context(), o.out, "gradient", o.force, gradientOutputs()); err != nil {
		return err
	}

	g, err := learn.ComputeContext(cmd.Context(), w, p, target, in.Patterns, learn.GradOptions{Alpha: o.alpha})
	if err != nil {
		return err
	}
	switch w := w.(type) {
	case *network.Weights:
		grad := &network.Weights{N: n, D: d, W: g.Grad}
		err = npy.WriteFloat64(filepath.Join(o.out, "grad_w.npy"), []int{n, n, d}, grad.ToSpec())
	case *network.Sparse:
		grad := &network.Sparse{N: n, D: d, Start: w.Start, Post: w.Post, W: g.Grad}
		err = atomicfile.Write(filepath.Join(o.out, "grad_w.npz"), func(out io.Writer) error {
			return network.WriteSparseTo(out, grad)
		})
	}
	if err != nil {
		return err
	}
	res := g.Counts.Result()
	if err := writeJSON(filepath.Join(o.out, "loss.json"), res); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "loss %.6g\n", res.Loss)
	printScore(out, fmt.Sprintf("%d trials", in.M()), res)
	if err := finishSet(o.out, "gradient", gradientOutputs()); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s\n", o.out)
	return nil
}
