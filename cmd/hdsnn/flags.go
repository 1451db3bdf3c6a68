package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/study"
)

// optSGDPublished is the --optimizer value that selects the original work's
// training (learn.PublishedConfig); adam, adamw and sgd are the library's
// kinds.
const optSGDPublished = "sgd-published"

// options holds the values of the flags that several commands share. Each
// command builds its own options value, so no state is shared between
// commands or between test runs. Every shared flag is defined once, in add,
// and validated once, by the check add registers with it.
type options struct {
	// Sizes and patterns.
	neurons, delays, patterns, steps int
	pA                               float64
	seed                             uint64
	periodic                         bool
	refractory                       int

	// Neuron and trial.
	beta, theta        float64
	reset              string
	pre, post, trigger int

	// Initialisation.
	init, target, norm string

	// Training.
	epochs, warmup                       int
	optimizer                            string
	lr, finalLR, alpha, dropout, support float64
	resume, keepBest                     bool

	// Input files.
	weights, patternsFile, input string

	// Output.
	out   string
	force bool

	fs *pflag.FlagSet
	// checks validate the values of the flags defined by add.
	checks []func() error
}

// add defines the shared flags named on fs, with defaults taken from the
// library's defaults, and registers their checks.
func (o *options) add(fs *pflag.FlagSet, names ...string) {
	o.fs = fs
	b := study.DefaultBenchmark()
	p := b.Params
	tc := learn.DefaultConfig()
	ic := initw.Defaults()
	for _, name := range names {
		var check func() error
		switch name {
		case "neurons":
			fs.IntVar(&o.neurons, name, b.Patterns.N, "number of neurons `N`")
			check = positive("--neurons", &o.neurons, "need at least one neuron")
		case "delays":
			fs.IntVar(&o.delays, name, p.D, "number of synaptic delays `D` (1..D steps)")
			check = positive("--delays", &o.delays, "need at least one delay")
		case "patterns":
			fs.IntVar(&o.patterns, name, b.Patterns.M, "number of patterns `M` to store")
			check = positive("--patterns", &o.patterns, "need at least one pattern")
		case "steps":
			fs.IntVar(&o.steps, name, b.Patterns.T, "steps `T` per pattern (1 step = 1 ms)")
			check = positive("--steps", &o.steps, "a pattern needs at least one step")
		case "p-a":
			fs.Float64Var(&o.pA, name, b.Patterns.P, "spike probability per neuron and step of patterns and background (1e-3 = 1 Hz)")
			check = func() error {
				if !(o.pA > 0 && o.pA < 1) {
					return fmt.Errorf("--p-a = %v: must be a probability in (0, 1) (1e-3 is 1 Hz at 1 ms steps)", o.pA)
				}
				return nil
			}
		case "seed":
			fs.Uint64Var(&o.seed, name, b.Seed, "random seed (patterns, background noise, dropout)")
		case "periodic":
			fs.BoolVar(&o.periodic, name, b.Patterns.Periodic > 0, "make the last --delays steps of each pattern repeat its first ones, so it can replay in a loop")
		case "refractory":
			fs.IntVar(&o.refractory, name, b.Patterns.Refractory, "minimum interval in steps between two spikes of a neuron (0 = none)")
			check = nonNegative("--refractory", &o.refractory)
		case "beta":
			fs.Float64Var(&o.beta, name, p.Beta, "membrane leak β per step, in [0, 1)")
			check = func() error {
				if !(o.beta >= 0 && o.beta < 1) {
					return fmt.Errorf("--beta = %v: the leak must be in [0, 1)", o.beta)
				}
				return nil
			}
		case "theta":
			fs.Float64Var(&o.theta, name, p.Theta, "firing threshold θ, > 0")
			check = func() error {
				if !(o.theta > 0) || math.IsInf(o.theta, 0) {
					return fmt.Errorf("--theta = %v: the threshold must be a positive number", o.theta)
				}
				return nil
			}
		case "reset":
			fs.StringVar(&o.reset, name, p.Reset.String(), "reset after a spike: subtract or zero")
			check = func() error {
				if _, err := network.ParseReset(o.reset); err != nil {
					return fmt.Errorf("--reset: %w", err)
				}
				return nil
			}
		case "pre":
			fs.IntVar(&o.pre, name, p.Pre, "background steps before the cue")
			check = nonNegative("--pre", &o.pre)
		case "post":
			fs.IntVar(&o.post, name, p.Post, "free-running steps after the pattern")
			check = nonNegative("--post", &o.post)
		case "trigger":
			fs.IntVar(&o.trigger, name, 0, "cue length in steps (default: the number of delays)")
			check = nonNegative("--trigger", &o.trigger)
		case "init":
			fs.StringVar(&o.init, name, ic.Method.String(), "initialisation: hebbian or pinv (pseudo-inverse)")
			check = oneOf("--init", &o.init, initw.Hebbian.String(), initw.PseudoInverse.String())
		case "target":
			fs.StringVar(&o.target, name, ic.Target.String(), "initialisation target: matched (to the leak and reset), deconvolved (leak only) or raw")
			check = oneOf("--target", &o.target, initw.Matched.String(), initw.Deconvolved.String(), initw.Raw.String())
		case "norm":
			fs.StringVar(&o.norm, name, ic.Norm.String(), "Hebbian normalisation: row, context or column")
			check = oneOf("--norm", &o.norm, initw.Row.String(), initw.Context.String(), initw.Column.String())
		case "epochs":
			fs.IntVar(&o.epochs, name, tc.Epochs, "training epochs (one full-batch step each)")
			check = nonNegative("--epochs", &o.epochs)
		case "keep-best":
			fs.BoolVar(&o.keepBest, name, tc.KeepBest, "end training with the weights that recalled best on validation (the initial ones included), not the last (default off with sgd-published)")
		case "warmup":
			fs.IntVar(&o.warmup, name, tc.Warmup, "epochs at --lr before the cosine annealing towards --final-lr")
			check = nonNegative("--warmup", &o.warmup)
		case "optimizer":
			fs.StringVar(&o.optimizer, name, tc.Optimizer.Kind.String(), "optimizer: adam, adamw, sgd (momentum 0.9; for exact gradients, with --lr of order 1) or sgd-published (the original work: momentum 0.99, dampening 1 − 5e-5, lr 1e-2 → 1e-4, dropout 0.37, exact gradients, unless those flags are given)")
			check = oneOf("--optimizer", &o.optimizer, learn.Adam.String(), learn.AdamW.String(), learn.SGD.String(), optSGDPublished)
		case "lr":
			fs.Float64Var(&o.lr, name, tc.LR, "base learning rate")
			check = func() error {
				if !(o.lr > 0) || math.IsInf(o.lr, 0) {
					return fmt.Errorf("--lr = %v: the learning rate must be a positive number", o.lr)
				}
				return nil
			}
		case "final-lr":
			fs.Float64Var(&o.finalLR, name, tc.FinalLR, "learning rate the cosine annealing ends at, ≤ --lr")
			check = func() error {
				if !(o.finalLR >= 0) || math.IsInf(o.finalLR, 0) {
					return fmt.Errorf("--final-lr = %v: must be a number ≥ 0", o.finalLR)
				}
				return nil
			}
		case "alpha":
			fs.Float64Var(&o.alpha, name, tc.Alpha, "steepness α of the fast-sigmoid surrogate gradient")
			check = func() error {
				if !(o.alpha > 0) || math.IsInf(o.alpha, 0) {
					return fmt.Errorf("--alpha = %v: the surrogate steepness must be a positive number", o.alpha)
				}
				return nil
			}
		case "dropout":
			fs.Float64Var(&o.dropout, name, tc.Dropout, "probability q of dropping a synaptic current during training, in [0, 1)")
			check = func() error {
				if !(o.dropout >= 0 && o.dropout < 1) {
					return fmt.Errorf("--dropout = %v: must be in [0, 1)", o.dropout)
				}
				return nil
			}
		case "surrogate-support":
			fs.Float64Var(&o.support, name, tc.Support, "sparse (approximate) backward pass: ignore the surrogate where |u − θ| ≥ this (0 = exact)")
			check = func() error {
				if !(o.support >= 0) || math.IsInf(o.support, 0) {
					return fmt.Errorf("--surrogate-support = %v: must be a number ≥ 0 (0 = exact)", o.support)
				}
				return nil
			}
		case "resume":
			fs.BoolVar(&o.resume, name, false, "continue from the checkpoint in --out/checkpoint")
		case "weights":
			fs.StringVar(&o.weights, name, "", "weights `file` (.npy, shape (N, N, D) [post, pre, delay−1])")
		case "patterns-file":
			fs.StringVar(&o.patternsFile, name, "", "patterns `file`: .npy of shape (M, N, T) or .csv of pattern,neuron,step events")
		case "input":
			fs.StringVar(&o.input, name, "", "clamp input `file` (.npy, shape (M, N, L), 0/1 entries)")
		default:
			panic("hdsnn: no shared flag " + name) // a programming error
		}
		if check != nil {
			o.checks = append(o.checks, check)
		}
	}
}

// addOutput defines --out (required when def is empty) and --force.
func (o *options) addOutput(cmd *cobra.Command, def string) {
	fs := cmd.Flags()
	usage := "output `directory`"
	fs.StringVar(&o.out, "out", def, usage)
	fs.BoolVar(&o.force, "force", false, "overwrite existing output files")
	if def == "" {
		_ = cmd.MarkFlagRequired("out") // the flag exists: cannot fail
	}
	o.checks = append(o.checks, func() error {
		if strings.TrimSpace(o.out) == "" {
			return errors.New("--out is empty; pass an output directory")
		}
		return nil
	})
}

// inferDefault changes the help of a flag whose value, when not given, comes
// from the input files rather than from its default.
func inferDefault(fs *pflag.FlagSet, name, note string) {
	f := fs.Lookup(name)
	f.Usage += " (" + note + ")"
	f.DefValue = "0" // hides "(default …)" in the help
}

// changed reports whether the flag was given on the command line.
func (o *options) changed(name string) bool {
	return o.fs != nil && o.fs.Changed(name)
}

// validate runs the checks of every shared flag the command defines.
func (o *options) validate() error {
	for _, check := range o.checks {
		if err := check(); err != nil {
			return err
		}
	}
	if o.fs.Lookup("final-lr") != nil && o.fs.Lookup("lr") != nil {
		if c := o.trainConfig(); c.FinalLR > c.LR {
			return fmt.Errorf("--final-lr = %v is above --lr = %v; the annealing goes down to --final-lr", c.FinalLR, c.LR)
		}
	}
	return nil
}

// params returns the network parameters the flags give for d delays. The
// trigger defaults to d.
func (o *options) params(d int) network.Params {
	p := network.Defaults()
	p.Beta, p.Theta, p.D = o.beta, o.theta, d
	p.Reset, _ = network.ParseReset(o.reset) // checked by validate
	p.Pre, p.Post = o.pre, o.post
	p.Trigger = d
	if o.changed("trigger") {
		p.Trigger = o.trigger
	}
	if o.fs.Lookup("p-a") != nil {
		p.PA = o.pA
	}
	return p
}

// initConfig returns the initialisation the flags select. The flags'
// checks have accepted their values, so parsing cannot fail.
func (o *options) initConfig() initw.Config {
	c := initw.Defaults()
	c.Method, _ = initw.ParseMethod(o.init)
	c.Target, _ = initw.ParseTarget(o.target)
	c.Norm, _ = initw.ParseNorm(o.norm)
	return c
}

// trainConfig returns the training settings the flags give. With
// --optimizer sgd-published, the original work's settings
// (learn.PublishedConfig) replace the defaults of the flags not given.
func (o *options) trainConfig() learn.Config {
	c := learn.DefaultConfig()
	if o.optimizer == optSGDPublished {
		c = learn.PublishedConfig()
	}
	set := func(name string, dst *float64, v float64) {
		if o.changed(name) || o.optimizer != optSGDPublished {
			*dst = v
		}
	}
	set("lr", &c.LR, o.lr)
	set("final-lr", &c.FinalLR, o.finalLR)
	set("dropout", &c.Dropout, o.dropout)
	set("surrogate-support", &c.Support, o.support)
	if o.changed("keep-best") || o.optimizer != optSGDPublished {
		c.KeepBest = o.keepBest
	}
	switch o.optimizer {
	case learn.AdamW.String():
		c.Optimizer.Kind = learn.AdamW
	case learn.SGD.String():
		c.Optimizer = learn.Optimizer{Kind: learn.SGD, Momentum: 0.9, WeightDecay: c.Optimizer.WeightDecay}
	}
	c.Epochs, c.Warmup = o.epochs, o.warmup
	c.Alpha = o.alpha
	c.Seed = o.seed
	return c
}

// benchmark returns the benchmark the flags describe.
func (o *options) benchmark() study.Benchmark {
	b := study.DefaultBenchmark()
	b.Patterns.M, b.Patterns.N, b.Patterns.T, b.Patterns.P = o.patterns, o.neurons, o.steps, o.pA
	b.Patterns.Refractory = o.refractory
	if o.periodic {
		b.Patterns.Periodic = o.delays
	}
	b.Seed = o.seed
	b.Params = o.params(o.delays)
	b.Init = o.initConfig()
	b.Train = o.trainConfig()
	return b
}

// positive returns a check that *v > 0.
func positive(flag string, v *int, why string) func() error {
	return func() error {
		if *v <= 0 {
			return fmt.Errorf("%s = %d: %s", flag, *v, why)
		}
		return nil
	}
}

// nonNegative returns a check that *v ≥ 0.
func nonNegative(flag string, v *int) func() error {
	return func() error {
		if *v < 0 {
			return fmt.Errorf("%s = %d: cannot be negative", flag, *v)
		}
		return nil
	}
}

// oneOf returns a check that *v is one of choices.
func oneOf(flag string, v *string, choices ...string) func() error {
	return func() error {
		if !slices.Contains(choices, *v) {
			return fmt.Errorf("%s %q is not known; use %s", flag, *v, strings.Join(choices, ", "))
		}
		return nil
	}
}
