package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// trainCmd holds the flags of "hdsnn train".
type trainCmd struct {
	options
}

// trainOutputs are the files "hdsnn train" writes into --out.
func trainOutputs() []string {
	return []string{"weights.npy", "weights.npz", "weights.json", "history.json", "training.png", "training.svg"}
}

// newTrainCmd builds "hdsnn train": surrogate-gradient training.
func newTrainCmd() *cobra.Command {
	o := &trainCmd{}
	cmd := &cobra.Command{
		Use:   "train --weights W.npy|W.npz --patterns-file FILE --out DIR",
		Short: "Train weights by surrogate-gradient BPTT on an F1 loss",
		Long: `Train the weights of --weights to recall the patterns of --patterns-file
(SPEC §4): every epoch cues all patterns with fresh background noise and
dropout, takes one optimiser step along the surrogate gradient of 1 − F1, and
scores a validation trial without dropout.

A checkpoint is written to --out/checkpoint after every epoch; --resume
continues from it (the checkpoint then supplies the weights and settings;
other values of the model and training flags are refused, and --epochs, if
given, is the run's new total). At the end the command writes
weights.npy (+ weights.json), history.json (every epoch's scores) and
training.png/svg into --out.

The neuron and trial flags (--beta, --theta, --reset, --pre, --post,
--trigger, --p-a) default to the values the weights' sidecar records (a flag
given with another value wins, with a note); D comes from the weights file.

Sparse weights (.npz, e.g. from init --fan-in) train only the synapses they
store: the connectivity stays fixed, the backward pass runs through the
stored synapses alone and the gradient and optimiser state hold one value per
synapse, so an epoch costs about the synapses, not N²·D. The trained weights
are then written as weights.npz.`,
		Example: `  hdsnn train --weights init/weights.npy --patterns-file data/patterns.npy --out trained
  hdsnn train --weights init/weights.npy --patterns-file data/patterns.npy --epochs 32 --optimizer adamw --out trained
  hdsnn train --patterns-file data/patterns.npy --out trained --resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "weights", "patterns-file", "dt", "neurons", "steps",
		"beta", "theta", "reset", "pre", "post", "trigger", "p-a",
		"epochs", "optimizer", "lr", "final-lr", "warmup", "alpha", "dropout", "surrogate-support", "keep-best", "seed", "resume", "keep-checkpoints", "checkpoint-every")
	inferDefault(fs, "neurons", "for .csv patterns; default: from the weights")
	inferDefault(fs, "steps", "for .csv patterns; default: from the file")
	_ = cmd.MarkFlagRequired("patterns-file")
	o.addOutput(cmd, "")
	return cmd
}

// run validates the flags, files and outputs, trains and writes the
// results.
func (o *trainCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.epochs < 1 {
		return fmt.Errorf("--epochs = %d: nothing to train; pass --epochs 1 or more", o.epochs)
	}
	if err := checkOutputs(o.out, o.force, trainOutputs()...); err != nil {
		return err
	}
	ck := filepath.Join(o.out, checkpointDir)
	if err := checkCheckpoint(ck, learn.CheckpointFile, o.resume, o.force); err != nil {
		return err
	}
	run, set, err := o.start(cmd, ck)
	if err != nil {
		return err
	}
	if err := beginSet(cmd.Context(), o.out, "train", o.force, trainOutputs()); err != nil {
		return err
	}
	if !o.resume {
		if err := removeCheckpoints(o.out, false); err != nil { // an earlier run's, with --force
			return err
		}
	}

	prog := newProgress(cmd.ErrOrStderr(), run.Config.Epochs)
	err = learn.TrainWith(cmd.Context(), run, set, learn.TrainOptions{Dir: ck, Every: o.checkpointEvery, OnEpoch: prog.epoch})
	prog.done()
	if err != nil {
		return trainingError(err, ck)
	}
	printKept(cmd.OutOrStdout(), run.Config, len(run.History), run.BestEpoch)
	return o.save(cmd, run)
}

// start returns the training run to continue: a new one from --weights, or
// the one in the checkpoint with --resume.
func (o *trainCmd) start(cmd *cobra.Command, ck string) (*learn.Run, *raster.Set, error) {
	if o.resume {
		if o.weights != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: --resume continues from the weights in %s; --weights is not used\n", ck)
		}
		run, err := learn.Resume(ck)
		if err != nil {
			return nil, nil, fmt.Errorf("--resume: %w", err)
		}
		set, err := o.readPatterns(run.N())
		if err != nil {
			return nil, nil, err
		}
		if learn.Fingerprint(set) != run.Patterns {
			return nil, nil, fmt.Errorf("--patterns-file %s holds other patterns than the run in %s was started with; pass the same patterns file", o.patternsFile, ck)
		}
		saved := study.Benchmark{Seed: run.Config.Seed, Params: run.Params, Train: run.Config}
		saved.Patterns.N, saved.Patterns.T, saved.Patterns.P = set.N, set.T, run.Params.PA
		if diffs := o.resumeDiffs(saved, o.benchmark()); len(diffs) > 0 {
			return nil, nil, refuseChanges(ck, diffs)
		}
		if o.changed("epochs") && o.epochs != run.Config.Epochs {
			if o.epochs < len(run.History) {
				return nil, nil, fmt.Errorf("--epochs %d is the run's total, but %d epochs are already done; pass a larger --epochs or drop it", o.epochs, len(run.History))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "note: --epochs %d is the run's new total (it was started with %d)\n", o.epochs, run.Config.Epochs)
			run.Config.Epochs = o.epochs
		}
		return run, set, nil
	}
	if o.weights == "" {
		return nil, nil, fmt.Errorf("--weights is required to start training (or pass --resume to continue from %s)", ck)
	}
	// The gradient, two optimiser moments and the best weights come on
	// top of the weights.
	w, meta, err := readSynapses("--weights", o.weights, 4)
	if err != nil {
		return nil, nil, err
	}
	n, d := w.Size()
	set, err := o.readPatterns(n)
	if err != nil {
		return nil, nil, err
	}
	p := o.sidecarParams(meta, d, cmd.ErrOrStderr())
	if err := p.Validate(set.T); err != nil {
		return nil, nil, err
	}
	cfg := o.trainConfig()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if _, dense := w.(*network.Weights); dense {
		if err := network.CheckFits(n, d, 4); err != nil {
			return nil, nil, err
		}
	}
	run, err := learn.NewRun(cfg, p, w, set)
	if err != nil {
		return nil, nil, err
	}
	return run, set, nil
}

// save writes the trained weights, the history and the training curves.
func (o *trainCmd) save(cmd *cobra.Command, run *learn.Run) error {
	var final *learn.Epoch
	if n := len(run.History); n > 0 {
		final = &run.History[n-1]
	}
	details, err := json.Marshal(struct {
		Train    learn.Config `json:"train"`
		From     string       `json:"initial_weights,omitempty"`
		Patterns string       `json:"patterns_file"`
		Final    *learn.Epoch `json:"final,omitempty"`
		Best     int          `json:"best_epoch"`
	}{run.Config, o.weights, o.patternsFile, final, run.BestEpoch})
	if err != nil {
		return err
	}
	meta := network.Meta{Version: hdsnn.Version, Params: &run.Params, Seed: run.Config.Seed,
		Source:  fmt.Sprintf("train %s, %d epochs", run.Config.Optimizer.Kind, len(run.History)),
		Details: details}
	if run.Sparse != nil {
		err = network.WriteSparse(filepath.Join(o.out, "weights.npz"), run.Sparse, meta)
	} else {
		err = network.WriteWeights(filepath.Join(o.out, "weights.npy"), run.Weights, meta)
	}
	if err != nil {
		return err
	}
	history := struct {
		Version  string         `json:"version"`
		Params   network.Params `json:"params"`
		Config   learn.Config   `json:"config"`
		Patterns string         `json:"patterns_fingerprint"`
		Initial  *score.Result  `json:"initial_valid,omitempty"`
		History  []learn.Epoch  `json:"history"`
		Best     int            `json:"best_epoch"`
	}{hdsnn.Version, run.Params, run.Config, run.Patterns, run.Initial, run.History, run.BestEpoch}
	if err := writeJSON(filepath.Join(o.out, "history.json"), history); err != nil {
		return err
	}
	if run.Initial != nil || len(run.History) > 0 {
		sizes := studyfig.Setup{N: run.N(), D: run.Params.D}
		kept := studyfig.KeptEpoch(run.Config.KeepBest, run.BestEpoch, len(run.History))
		fig := studyfig.Training(run.Initial, run.History, kept, true, sizes)
		if err := fig.Save(filepath.Join(o.out, "training")); err != nil {
			return err
		}
	}
	if err := finishSet(o.out, "train", trainOutputs()); err != nil {
		return err
	}
	if err := removeCheckpoints(o.out, o.keepCheckpoints); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if final != nil {
		printScore(out, fmt.Sprintf("epoch %d validation", final.Epoch), final.Valid)
	}
	fmt.Fprintf(out, "wrote %s\n", o.out)
	return nil
}
