package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// plotOptions choose what recall.png shows. --patterns and --neurons are
// the sizes M and N, so these flags are named --plot-*.
type plotOptions struct {
	pattern int
	neurons string
}

// addPlot defines --plot-pattern and --plot-neurons.
func (o *plotOptions) addPlot(cmd *cobra.Command) {
	cmd.Flags().IntVar(&o.pattern, "plot-pattern", 0, "the pattern whose recall recall.png shows (0-based)")
	cmd.Flags().StringVar(&o.neurons, "plot-neurons", fmt.Sprintf("0:%d", studyfig.DefaultNeurons),
		"the neurons recall.png shows, `FROM:TO` (TO excluded)")
}

// neuronRange parses --plot-neurons for a network of n neurons and
// returns the first neuron shown and how many.
func (o *plotOptions) neuronRange(n int) (first, count int, err error) {
	from, to, ok := strings.Cut(o.neurons, ":")
	a, err1 := strconv.Atoi(strings.TrimSpace(from))
	b, err2 := strconv.Atoi(strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("--plot-neurons %q: give FROM:TO, such as 0:64", o.neurons)
	}
	if a < 0 || a >= b || a >= n {
		return 0, 0, fmt.Errorf("--plot-neurons %q: need 0 ≤ FROM < TO and FROM < N = %d", o.neurons, n)
	}
	return a, min(b, n) - a, nil
}

// check validates both flags for m patterns of n neurons.
func (o *plotOptions) check(m, n int) error {
	if o.pattern < 0 || o.pattern >= m {
		return fmt.Errorf("--plot-pattern %d: there are %d patterns, numbered 0 … %d", o.pattern, m, m-1)
	}
	_, _, err := o.neuronRange(n)
	return err
}

// saveRecall draws the recall trial st of the chosen pattern of set into
// dir/recall.png and .svg.
func (o *plotOptions) saveRecall(dir string, p network.Params, set *raster.Set, st *network.State) error {
	first, count, err := o.neuronRange(set.N)
	if err != nil {
		return err
	}
	fig := studyfig.Recall(p, set.Patterns[o.pattern], st, fmt.Sprintf("pattern %d", o.pattern), first, count)
	return fig.Save(filepath.Join(dir, "recall"))
}

// saveRunFigures draws recall.png (the final recall of the chosen pattern)
// and training.png (the validation of every epoch, from epoch 0) of a
// benchmark run into dir.
func saveRunFigures(dir string, res *study.Result, o *plotOptions) error {
	b := res.Report.Benchmark
	st := res.Trial
	if o.pattern != 0 {
		var err error
		if st, err = res.TrialOf(o.pattern); err != nil {
			return err
		}
	}
	if err := o.saveRecall(dir, b.Params, res.Patterns, st); err != nil {
		return err
	}
	rep := res.Report
	if rep.InitialValid == nil && len(rep.History) == 0 {
		return nil // nothing was validated
	}
	kept := studyfig.KeptEpoch(b.Train.KeepBest, rep.BestEpoch, len(rep.History))
	fig := studyfig.Training(rep.InitialValid, rep.History, kept, true, studyfig.SetupOf(b, 0, false).Sizes())
	return fig.Save(filepath.Join(dir, "training"))
}
