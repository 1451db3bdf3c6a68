package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/study"
)

// benchCmd holds the flags of "hdsnn bench".
type benchCmd struct {
	options
	repeats int
	stages  []string
	json    bool
}

// newBenchCmd builds "hdsnn bench": timings of the benchmark's stages.
func newBenchCmd() *cobra.Command {
	o := &benchCmd{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time initialisation, recall and one exact and one sparse training epoch",
		Long: `Time the stages of the benchmark at a given size (default: the published
benchmark, N = 512, M = 16, T = 1000, D = 41): the initialisation, the recall
of all M patterns on the dense weights and on their sparse form (the non-zero
entries only, same spikes), one exact training epoch on the dense weights and
on their sparse form ("sparse exact epoch": the gradient of the stored
synapses only), and one sparse epoch (surrogate support --surrogate-support,
or 0.5 when that is 0), margin storage, and the recall of the sparse form in
float32 ("float32 recall") and, quantised to 8 bits, on the integer path
("integer recall", SPEC §2.3). With --fan-in (or --weights-format sparse) the
weights are built sparse on that connectivity and the dense stages run on
their dense form; the sparse stages then run on every synapse of the
connectivity (--synapses all, the default here) or on the non-zero Hebbian
weights only (--synapses nonzero), as the line below the table says. Each
stage is repeated --repeats times, the stages taking turns (one repeat of
each, then the next), so that a change in the machine's speed moves all
stages alike, and each repeat starts from a collected heap; the table
shows the median, the synaptic
events processed by recall (N per weight row added to the currents; the
row's entries for sparse, float32 and integer recall) and their rate, the
synaptic operations of recall (one per delivered spike and existing synapse,
the same on every path) and their rate, and the (step, neuron) pairs each
backward pass visited.`,
		Example: `  hdsnn bench
  hdsnn bench --repeats 5 --json > bench.json
  hdsnn bench --fan-in 64 --stages "exact epoch","sparse exact epoch"
  hdsnn bench --fan-in 64 --synapses nonzero --stages "sparse exact epoch"
  hdsnn bench --neurons 1024 --patterns 1024 --stages init,recall,"sparse epoch"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.add(cmd.Flags(), "neurons", "delays", "patterns", "steps", "p-a", "seed",
		"beta", "theta", "reset", "pre", "post", "trigger", "init", "target", "norm",
		"optimizer", "lr", "final-lr", "alpha", "dropout", "surrogate-support", "fan-in", "weights-format", "synapses")
	cmd.Flags().IntVar(&o.repeats, "repeats", 3, "repeats of each stage (the median is reported)")
	cmd.Flags().StringSliceVar(&o.stages, "stages", nil, `stages to time, comma-separated: init, recall, "sparse recall", "exact epoch", "sparse exact epoch", "sparse epoch", store, "float32 recall", "integer recall" (default all)`)
	cmd.Flags().BoolVar(&o.json, "json", false, "print the timings as JSON instead of a table")
	return cmd
}

func (o *benchCmd) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.repeats <= 0 {
		return fmt.Errorf("--repeats = %d: need at least one repeat", o.repeats)
	}
	var stages []study.Stage
	for _, s := range o.stages {
		st, err := study.ParseStage(s)
		if err != nil {
			return fmt.Errorf("--stages: %q is not a stage; use init, recall, \"sparse recall\", \"exact epoch\", \"sparse exact epoch\", \"sparse epoch\", store, \"float32 recall\" or \"integer recall\"", s)
		}
		stages = append(stages, st)
	}
	o.epochs = 1
	b := o.benchmark()
	if err := b.Validate(); err != nil {
		return err
	}
	if err := checkBenchmark(b); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	timings, err := b.Bench(o.repeats, stages, func(stage study.Stage, k int) {
		fmt.Fprintf(stderr, "bench: %s, repeat %d/%d\n", stage, k+1, o.repeats)
	})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if o.json {
		b, err := json.MarshalIndent(struct {
			Benchmark  study.Benchmark `json:"benchmark"`
			GOMAXPROCS int             `json:"gomaxprocs"`
			Kernel     string          `json:"membrane_kernel"`
			Timings    []study.Timing  `json:"timings"`
		}{b, runtime.GOMAXPROCS(0), network.MembraneKernel(), timings}, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	fmt.Fprintf(out, "N = %d, M = %d, T = %d, D = %d, %d cores, median of %d, membrane updates: %s\n",
		b.Patterns.N, b.Patterns.M, b.Patterns.T, b.Params.D, runtime.GOMAXPROCS(0), o.repeats, network.MembraneKernel())
	printTimings(out, timings)
	printSupport(out, b, timings)
	return nil
}

// printSupport says which synapses the sparse stages ran on.
func printSupport(w io.Writer, b study.Benchmark, ts []study.Timing) {
	for _, t := range ts {
		if t.Synapses == 0 {
			continue
		}
		switch {
		case b.AllSynapses:
			fmt.Fprintf(w, "sparse stages: all %d synapses of the fan-in-%d connectivity (N·K·D, zero weights included; --synapses all)\n", t.Synapses, b.FanIn)
		case b.FanIn > 0:
			fmt.Fprintf(w, "sparse stages: the %d non-zero Hebbian weights of the fan-in-%d connectivity (--synapses nonzero)\n", t.Synapses, b.FanIn)
		default:
			fmt.Fprintf(w, "sparse stages: the %d non-zero weights\n", t.Synapses)
		}
		return
	}
}

// printTimings writes the timings as a table.
func printTimings(w io.Writer, ts []study.Timing) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tmedian s\tsynaptic events\tevents/s\tSynOps/s\tpairs kept\tpeak MB\t")
	for _, t := range ts {
		ev, rate, ops, kept := "", "", "", ""
		if t.Events > 0 {
			ev, rate = fmt.Sprintf("%.3g", float64(t.Events)), fmt.Sprintf("%.3g", t.EventsPerSecond)
		}
		if t.SynOps > 0 {
			ops = fmt.Sprintf("%.3g", t.SynOpsPerSecond)
		}
		if t.Pairs > 0 {
			kept = fmt.Sprintf("%d / %d", t.Kept, t.Pairs)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%s\t%s\t%s\t%s\t%.0f\t\n", strings.ReplaceAll(t.Stage.String(), "\t", " "), t.Median, ev, rate, ops, kept, t.PeakMemoryMB)
	}
	tw.Flush()
}
