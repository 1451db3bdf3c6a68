// Command hdsnn stores spike patterns in a recurrent spiking network with
// synaptic delays and replays them from a cue: it runs the whole benchmark,
// or each step of it on files (generate patterns, initialise weights,
// train, recall), and exposes the simulation and its exact gradient so that
// other implementations can be checked against this one.
//
// The command is a thin layer over the library: it parses and validates
// flags and files, calls the library, prints and writes files.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/learn"
)

func main() {
	ctx, sigs := watchSignals(os.Stderr, graceAfterSignal, os.Exit)
	err := execute(ctx, newRoot(), os.Args[1:])
	code := sigs.stop()
	if err != nil {
		if code != 0 && errors.Is(err, context.Canceled) {
			err = errors.New("interrupted; the output set of this run was not written (an experiment keeps the rows it finished)")
		}
		fmt.Fprintf(os.Stderr, "hdsnn: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// execute runs the command tree root with args and translates library
// errors into advice on flags.
func execute(ctx context.Context, root *cobra.Command, args []string) error {
	root.SetArgs(args)
	ctx, s := withSession(ctx)
	defer s.release()
	return advise(root.ExecuteContext(ctx))
}

// advice names, for library errors a caller can branch on, the flags that
// fix them.
var advice = []struct {
	err error
	fix string
}{
	{learn.ErrNoCheckpoint, "run without --resume"},
	{learn.ErrCheckpoint, "start again without --resume, with --force"},
	{learn.ErrOtherPatterns, "pass the --patterns-file the run started with"},
}

// advise appends to err the flag advice of the first library error it
// wraps, if any.
func advise(err error) error {
	if err == nil {
		return nil
	}
	for _, a := range advice {
		if errors.Is(err, a.err) && !strings.Contains(err.Error(), a.fix) {
			return fmt.Errorf("%w (%s)", err, a.fix)
		}
	}
	return err
}

// newRoot builds the command tree. Each call returns a fresh tree with its
// own flag values.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "hdsnn",
		Short: "Working memory in recurrent spiking networks with synaptic delays",
		Long: `hdsnn stores M spike patterns of N neurons in a recurrent network of leaky
integrate-and-fire neurons whose synapses have D delays, and replays any of
them from a short cue (see SPEC.md).

Run the whole benchmark with "hdsnn run", or its steps on files:
generate → init → train → recall. "simulate" and "gradient" run the engine
on given weights and inputs so that another implementation can be checked
against it.

Files: patterns and spike rasters are .npy arrays of shape (M, N, T) indexed
[pattern, neuron, step] (patterns may also be .csv events); weights are .npy
arrays of shape (N, N, D) indexed [post, pre, delay−1], with a JSON sidecar
recording how they were made.`,
		Example: `  hdsnn run --out out/run
  hdsnn generate --out data --csv
  hdsnn init --patterns-file data/patterns.npy --out init
  hdsnn train --weights init/weights.npy --patterns-file data/patterns.npy --out trained
  hdsnn recall --weights trained/weights.npy --patterns-file data/patterns.npy --out recall`,
		Version:       hdsnn.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newRunCmd(),
		newGenerateCmd(),
		newInitCmd(),
		newStoreCmd(),
		newTrainCmd(),
		newRecallCmd(),
		newSimulateCmd(),
		newGradientCmd(),
		newConvertCmd(),
		newDeployCmd(),
		newBenchCmd(),
		newExperimentCmd(),
		newSweepCmd(),
	)
	return root
}
