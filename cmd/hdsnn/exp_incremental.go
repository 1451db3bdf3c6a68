package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/figure/studyfig"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/incremental"
)

// incrementalCmd holds the flags of "hdsnn experiment incremental".
type incrementalCmd struct {
	expOptions
	step  int
	rules []string
}

// newIncrementalCmd builds "hdsnn experiment incremental": the forgetting
// curve of patterns added a few at a time.
func newIncrementalCmd() *cobra.Command {
	o := &incrementalCmd{}
	cmd := &cobra.Command{
		Use:   "incremental",
		Short: "Add patterns a few at a time and score every stored pattern after each addition (forgetting curve)",
		Long: `Generate --patterns patterns and add them to one network --step at a time. After
every addition, every pattern stored so far is cued (fresh background) and
scored against its original.

Rules (--rules): margin = margin storage (see hdsnn store, the --margin…
flags), where the patterns stored earlier are recovered from their cues by the
network's own replay and stored again with the new ones, starting from the
current weights, so no original is kept; hebbian = the Hebbian rule, which adds
a pattern by summation (its weights after k patterns are those of the first k,
with every original).

incremental.csv gets one row per rule and addition (patterns stored, pooled
precision, recall and F1, the worst pattern's F1, the F1 of the first --step
patterns, margin constraints left violated, seconds); incremental.png/svg draws
F1 against the number stored. --quick uses the quick sizes (N = 128, T = 200,
D = 20, p_A = 5e-3) and 24 patterns, 4 at a time. One seed (--seed).`,
		Example: `  hdsnn experiment incremental --quick
  hdsnn experiment incremental --patterns 100 --step 1 --out out/incremental
  hdsnn experiment incremental --patterns 200 --step 10 --rules margin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.addExperiment(cmd, "incremental", 1)
	fs := cmd.Flags()
	fs.IntVar(&o.step, "step", 1, "patterns added at a time")
	fs.StringSliceVar(&o.rules, "rules", []string{"margin", "hebbian"}, "rules that add the patterns: margin and/or hebbian")
	_ = fs.MarkHidden("seeds") // one network; --seed selects it
	return cmd
}

// run validates the flags, adds the patterns and writes the CSV and the
// figure.
func (o *incrementalCmd) run(cmd *cobra.Command) error {
	var rules []incremental.Rule
	for _, s := range o.rules {
		r, err := incremental.ParseRule(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("--rules: %w", err)
		}
		rules = append(rules, r)
	}
	if o.quick && !o.changed("step") {
		o.step = 4
	}
	b, csvPath, fig, err := o.prepare(cmd.Context(), "incremental")
	if err != nil {
		return err
	}
	if o.quick {
		b.Patterns.M = 24
	}
	if b.Margin == nil {
		m := o.margin
		b.Margin = &m
	}
	c := incremental.Config{Base: b, Step: o.step, Rules: rules}
	if err := c.Validate(); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "incremental: N = %d, T = %d, D = %d, %d patterns, %d at a time, rules %s\n",
		b.Patterns.N, b.Patterns.T, b.Params.D, b.Patterns.M, o.step, strings.Join(o.rules, ","))
	pts, err := incremental.Run(cmd.Context(), c, func(p incremental.Point) {
		fmt.Fprintf(stderr, "  %s, %d stored: F1 %.4f (worst pattern %.4f, first %.4f), %.1fs\n", p.Rule, p.Stored, p.All.F1, p.MinF1, p.Oldest, p.Seconds)
	})
	if err != nil {
		return err
	}
	if err := writeIncremental(csvPath, pts); err != nil {
		return err
	}
	if err := studyfig.Incremental(pts, studyfig.SetupOf(b, 1, false)).Save(fig); err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s.png, %s.svg\n", csvPath, fig, fig)
	return nil
}

// writeIncremental writes the points as a CSV, atomically.
func writeIncremental(path string, pts []incremental.Point) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := fmt.Fprintln(w, "rule,stored,precision,recall,f1,min_f1,oldest_f1,violations,seconds"); err != nil {
			return err
		}
		for _, p := range pts {
			f := results.FormatFloat
			if _, err := fmt.Fprintf(w, "%s,%d,%s,%s,%s,%s,%s,%d,%.3f\n", p.Rule, p.Stored, f(p.All.Precision), f(p.All.Recall), f(p.All.F1),
				f(p.MinF1), f(p.Oldest), p.Violations, p.Seconds); err != nil {
				return err
			}
		}
		return nil
	})
}
