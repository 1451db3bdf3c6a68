package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/study"
)

// runCmd holds the flags of "hdsnn run".
type runCmd struct {
	options
	plot plotOptions
}

// newRunCmd builds "hdsnn run": the whole benchmark.
func newRunCmd() *cobra.Command {
	o := &runCmd{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the whole benchmark: generate, initialise, recall, train, recall again",
		Long: `Run the benchmark end to end: draw M random patterns, compute initial weights
analytically, score cued recall, train the weights by surrogate-gradient BPTT
(one full-batch step per epoch, with a validation trial after each), and score
recall again.

Training writes a checkpoint to --out/checkpoint after every epoch (see
--checkpoint-every), removed when the run finishes unless
--keep-checkpoints; an interrupted run continues with --resume, which takes
the settings the run was started with (other values of its flags are
refused; --epochs, if given, is the new total). The outputs are report.json,
weights.npy (+ weights.json), patterns.npy, recall.png/svg and
training.png/svg. Existing outputs are never overwritten without --force.

--fan-in K builds the Hebbian weights on a random connectivity in which each
neuron receives from K others. Sparse weights (--weights-format sparse, the
default above N = 4096 or with --fan-in) are written as weights.npz and cost
memory and time in proportion to the synapses, not N²·D. Training then
trains the stored synapses only (the non-zero Hebbian weights, on the
connectivity of --fan-in if given), which stay fixed: an exact epoch costs
about synapses × steps × patterns.`,
		Example: `  hdsnn run
  hdsnn run --neurons 256 --epochs 8 --out out/n256
  hdsnn run --out out/run --resume
  hdsnn run --optimizer sgd-published --reset zero --out out/published
  hdsnn run --neurons 16384 --fan-in 1024 --epochs 0 --out out/n16k`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.add(cmd.Flags(), "neurons", "delays", "patterns", "steps", "p-a", "seed", "periodic", "refractory",
		"beta", "theta", "reset", "pre", "post", "trigger",
		"init", "target", "norm", "weights-format", "fan-in", "synapses",
		"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best", "resume", "keep-checkpoints", "checkpoint-every")
	o.addOutput(cmd, filepath.Join("out", "run"))
	o.plot.addPlot(cmd)
	return cmd
}

// run validates the settings and outputs, runs the benchmark and saves it.
func (o *runCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	b := o.benchmark()
	ck := filepath.Join(o.out, checkpointDir)
	if o.resume {
		if err := checkCheckpoint(ck, learn.CheckpointFile, o.resume, o.force); err != nil {
			return err
		}
		var err error
		if b, err = o.resumeSettings(ck, b, cmd.ErrOrStderr()); err != nil {
			return err
		}
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := checkBenchmark(b); err != nil {
		return err
	}
	if err := o.plot.check(b.Patterns.M, b.Patterns.N); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, runOutputs()...); err != nil {
		return err
	}
	if err := checkCheckpoint(ck, learn.CheckpointFile, o.resume, o.force); err != nil {
		return err
	}

	if err := beginSet(cmd.Context(), o.out, "run", o.force, runOutputs()); err != nil {
		return err
	}
	if !o.resume {
		if err := removeCheckpoints(o.out, false); err != nil { // an earlier run's, with --force
			return err
		}
		if err := saveSettings(ck, b); err != nil {
			return err
		}
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "benchmark: M = %d patterns, N = %d neurons, T = %d steps, D = %d delays, %d epochs\n",
		b.Patterns.M, b.Patterns.N, b.Patterns.T, b.Params.D, b.Train.Epochs)
	prog := newProgress(stderr, b.Train.Epochs)
	res, err := b.RunWith(cmd.Context(), learn.TrainOptions{Dir: ck, Every: o.checkpointEvery, OnEpoch: prog.epoch}, o.resume)
	prog.done()
	if err != nil {
		return trainingError(err, ck)
	}
	if err := res.Save(o.out); err != nil {
		return fmt.Errorf("saving the results: %w", err)
	}
	if err := saveRunFigures(o.out, res, &o.plot); err != nil {
		return fmt.Errorf("drawing the results: %w", err)
	}
	if err := finishSet(o.out, "run", runOutputs()); err != nil {
		return err
	}
	if err := removeCheckpoints(o.out, o.keepCheckpoints); err != nil {
		return err
	}
	printReport(cmd.OutOrStdout(), res.Report)
	var wrote []string
	for _, name := range runOutputs() {
		if _, err := os.Stat(filepath.Join(o.out, name)); err == nil {
			wrote = append(wrote, name) // no training curves without an epoch
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s\n", o.out, strings.Join(wrote, ", "))
	return nil
}

// printReport prints the scores of the initial and trained weights.
func printReport(w io.Writer, r study.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "weights\tprecision\trecall\tF1\tseconds\t")
	row := func(name string, ph study.Phase, seconds float64) {
		s := ph.Score
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.2f\t\n", name, s.Precision, s.Recall, s.F1, seconds)
	}
	row("init", r.Init, r.Seconds["init"]+r.Init.Seconds)
	if r.Trained != nil {
		row("trained", *r.Trained, r.Seconds["train"]+r.Trained.Seconds)
	}
	tw.Flush()
	printKept(w, r.Benchmark.Train, len(r.History), r.BestEpoch)
}

// printKept says which weights a keep-best training run ended with and why
// it ran fewer epochs than asked for.
func printKept(w io.Writer, c learn.Config, ran, best int) {
	if !c.KeepBest {
		return
	}
	if ran < c.Epochs {
		fmt.Fprintf(w, "training stopped after %d of %d epochs: the weights of epoch %d (0 = initial) recall the validation trials perfectly\n", ran, c.Epochs, best)
	} else if best < ran {
		fmt.Fprintf(w, "kept the weights of epoch %d of %d, the best on validation (0 = initial; --keep-best=false keeps the last)\n", best, ran)
	}
}
