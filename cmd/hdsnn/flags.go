package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
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
	// weightsFormat is dense, sparse or auto; fanIn 0 is all to all.
	weightsFormat string
	fanIn         int
	// synapses is all, nonzero or auto: which synapses of a fan-in
	// sparse weights store (study.Benchmark.AllSynapses).
	synapses string

	// Margin storage (--init margin and hdsnn store).
	margin margin.Config

	// Training.
	epochs, warmup                       int
	optimizer                            string
	lr, finalLR, alpha, dropout, support float64
	resume, keepBest                     bool
	keepCheckpoints                      bool
	checkpointEvery                      int

	// Input files.
	weights, patternsFile, input string
	dt                           float64

	// Output.
	out   string
	force bool

	fs *pflag.FlagSet
	// cmd is the command the options belong to (set by addOutput), whose
	// stderr receives notes on inferred values.
	cmd *cobra.Command
	// checks validate the values of the flags defined by add.
	checks []func() error
}

// add defines the shared flags named on fs, with defaults taken from the
// library's defaults, and registers their checks.
func (o *options) add(fs *pflag.FlagSet, names ...string) {
	o.fs = fs
	d := flagDefaults{b: study.DefaultBenchmark(), tc: learn.DefaultConfig(), ic: initw.Defaults(), mc: margin.DefaultConfig()}
	d.p = d.b.Params
	groups := []func(*pflag.FlagSet, string, flagDefaults) (func() error, bool){
		o.addSize, o.addModel, o.addInit, o.addMargin, o.addTraining, o.addFiles,
	}
	for _, name := range names {
		var check func() error
		found := false
		for _, add := range groups {
			if check, found = add(fs, name, d); found {
				break
			}
		}
		if !found {
			panic("hdsnn: no shared flag " + name) // a programming error
		}
		if check != nil {
			o.checks = append(o.checks, check)
		}
	}
}

// flagDefaults are the library defaults the shared flags start from.
type flagDefaults struct {
	b  study.Benchmark
	p  network.Params
	tc learn.Config
	ic initw.Config
	mc margin.Config
}

// addSize defines the flag name if it is one of the sizes and patterns
// (--neurons --delays --patterns --steps --p-a --seed --periodic --refractory), and reports whether it was.
func (o *options) addSize(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	switch name {
	case "neurons":
		fs.IntVar(&o.neurons, name, d.b.Patterns.N, "number of neurons `N`")
		check = positive("--neurons", &o.neurons, "need at least one neuron")
		return check, true
	case "delays":
		fs.IntVar(&o.delays, name, d.p.D, "number of synaptic delays `D` (1..D steps)")
		check = positive("--delays", &o.delays, "need at least one delay")
		return check, true
	case "patterns":
		fs.IntVar(&o.patterns, name, d.b.Patterns.M, "number of patterns `M` to store")
		check = positive("--patterns", &o.patterns, "need at least one pattern")
		return check, true
	case "steps":
		fs.IntVar(&o.steps, name, d.b.Patterns.T, "steps `T` per pattern (1 step = 1 ms)")
		check = positive("--steps", &o.steps, "a pattern needs at least one step")
		return check, true
	case "p-a":
		fs.Float64Var(&o.pA, name, d.b.Patterns.P, "spike probability per neuron and step of patterns and background (1e-3 = 1 Hz)")
		check = floatCheck("--p-a", &o.pA, func(v float64) bool { return v > 0 && v < 1 }, "must be a probability in (0, 1) (1e-3 is 1 Hz at 1 ms steps)")
		return check, true
	case "seed":
		fs.Uint64Var(&o.seed, name, d.b.Seed, "random seed (patterns, background noise, dropout)")
		return check, true
	case "periodic":
		fs.BoolVar(&o.periodic, name, d.b.Patterns.Periodic > 0, "make the last --delays steps of each pattern repeat its first ones, so it can replay in a loop")
		return check, true
	case "refractory":
		fs.IntVar(&o.refractory, name, d.b.Patterns.Refractory, "minimum interval in steps between two spikes of a neuron (0 = none)")
		check = nonNegative("--refractory", &o.refractory)
		return check, true
	}
	return nil, false
}

// addModel defines the flag name if it is one of the neuron and trial
// (--beta --theta --reset --pre --post --trigger), and reports whether it was.
func (o *options) addModel(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	switch name {
	case "beta":
		fs.Float64Var(&o.beta, name, d.p.Beta, "membrane leak β per step, in [0, 1)")
		check = floatCheck("--beta", &o.beta, inUnit, "the leak must be in [0, 1)")
		return check, true
	case "theta":
		fs.Float64Var(&o.theta, name, d.p.Theta, "firing threshold θ, > 0")
		check = floatCheck("--theta", &o.theta, positiveFinite, "the threshold must be a positive number")
		return check, true
	case "reset":
		fs.StringVar(&o.reset, name, d.p.Reset.String(), "reset after a spike: subtract or zero")
		check = func() error {
			if _, err := network.ParseReset(o.reset); err != nil {
				return fmt.Errorf("--reset: %w", err)
			}
			return nil
		}
		return check, true
	case "pre":
		fs.IntVar(&o.pre, name, d.p.Pre, "background steps before the cue")
		check = nonNegative("--pre", &o.pre)
		return check, true
	case "post":
		fs.IntVar(&o.post, name, d.p.Post, "free-running steps after the pattern")
		check = nonNegative("--post", &o.post)
		return check, true
	case "trigger":
		fs.IntVar(&o.trigger, name, 0, "cue length in steps (default: the number of delays)")
		check = func() error {
			if o.changed("trigger") && o.trigger <= 0 {
				return fmt.Errorf("--trigger = %d: the cue needs at least one step; omit --trigger for a cue of D steps", o.trigger)
			}
			return nil
		}
		return check, true
	}
	return nil, false
}

// addInit defines the flag name if it is one of the initialisation
// (--init --target --norm --weights-format --fan-in --synapses), and reports whether it was.
func (o *options) addInit(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	switch name {
	case "init":
		fs.StringVar(&o.init, name, d.ic.Method.String(), "initialisation: hebbian, pinv (pseudo-inverse) or margin (margin storage, see hdsnn store)")
		one := oneOf("--init", &o.init, initw.Hebbian.String(), initw.PseudoInverse.String(), initMargin)
		// --init margin takes the margin-storage flags.
		mc, _ := o.addMargin(fs, marginFlags, d)
		check = func() error {
			if err := one(); err != nil {
				return err
			}
			return mc()
		}
		return check, true
	case "target":
		fs.StringVar(&o.target, name, d.ic.Target.String(), "initialisation target: matched (to the leak and reset), deconvolved (leak only) or raw")
		check = oneOf("--target", &o.target, initw.Matched.String(), initw.Deconvolved.String(), initw.Raw.String())
		return check, true
	case "norm":
		fs.StringVar(&o.norm, name, d.ic.Norm.String(), "Hebbian normalisation: row, context or column")
		check = oneOf("--norm", &o.norm, initw.Row.String(), initw.Context.String(), initw.Column.String())
		return check, true
	case "weights-format":
		fs.StringVar(&o.weightsFormat, name, formatAuto, fmt.Sprintf("weights in memory and on disk: dense (.npy, N²·D float64), sparse (.npz, the synapses that exist; Hebbian init, training of the stored synapses only) or auto: dense when N ≤ %d and no --fan-in, sparse otherwise", autoDenseMax))
		check = oneOf("--weights-format", &o.weightsFormat, formatAuto, formatDense, formatSparse)
		return check, true
	case "fan-in":
		fs.IntVar(&o.fanIn, name, 0, "structural connectivity: each neuron receives from `K` random presynaptic neurons (seeded by --seed), at all delays; Hebbian weights are built on those synapses only (0: all to all)")
		check = nonNegative("--fan-in", &o.fanIn)
		return check, true
	case "synapses":
		fs.StringVar(&o.synapses, name, synapsesAuto, "which synapses sparse weights on a --fan-in connectivity store: all (every N·K·D synapse, zero where the Hebbian rule gives nothing, so training can grow any of them), nonzero (the non-zero Hebbian weights only; training keeps that support) or auto: all when training (--epochs > 0, bench's epoch stages), nonzero otherwise")
		check = oneOf("--synapses", &o.synapses, synapsesAuto, synapsesAll, synapsesNonzero)
		return check, true
	}
	return nil, false
}

// The values of --synapses.
const (
	synapsesAuto    = "auto"
	synapsesAll     = "all"
	synapsesNonzero = "nonzero"
)

// allSynapses reports whether the benchmark b stores every synapse of its
// connectivity under --synapses: auto does when sparse weights on a
// connectivity are trained, where the zero synapses are room to learn;
// untrained weights recall the same with or without them, at a fraction of
// the memory and time.
func (o *options) allSynapses(b study.Benchmark) bool {
	switch o.synapses {
	case synapsesAll:
		return true
	case synapsesAuto:
		return b.Sparse && b.FanIn > 0 && b.Train.Epochs > 0 && b.Margin == nil
	}
	return false
}

// The values of --weights-format.
const (
	formatAuto   = "auto"
	formatDense  = "dense"
	formatSparse = "sparse"
)

// autoDenseMax is the largest N for which --weights-format auto keeps
// dense weights (without a fan-in): N²·D float64 at N = 4096, D = 41 is
// 5.5 GB.
const autoDenseMax = 4096

// sparseWeights reports whether the weights of a network of n neurons
// are sparse under --weights-format and --fan-in.
func (o *options) sparseWeights(n int) bool {
	switch o.weightsFormat {
	case formatSparse:
		return true
	case formatAuto:
		return n > autoDenseMax || o.fanIn > 0
	}
	return false
}

// initMargin is the --init value that stores the patterns by margin
// learning (package margin) instead of an analytical initialisation.
const initMargin = "margin"

// marginFlags are the flags of margin storage, defined together by
// naming "margin" in add.
const marginFlags = "margin"

// addMargin defines the margin-storage flags when name is "margin"
// (--margin --quiet-margin --max-weight --rate --passes --dual-passes
// --backgrounds --jitter --flip --perturbed), and reports whether it did.
func (o *options) addMargin(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	if name != marginFlags {
		return nil, false
	}
	c, m := &o.margin, d.mc
	*c = m
	fs.Float64Var(&c.Margin, "margin", m.Margin, "margin storage: margin κ, u ≥ θ + κ where a neuron spikes and u ≤ θ − κ where it is silent (membrane units)")
	fs.Float64Var(&c.QuietMargin, "quiet-margin", m.QuietMargin, "margin storage: extra margin at the silent steps before the replay (background and cue)")
	fs.Float64Var(&c.MaxWeight, "max-weight", m.MaxWeight, "margin storage: bound every weight to [−w, w] (0: unbounded)")
	fs.Float64Var(&c.Rate, "rate", m.Rate, "margin storage: relaxation factor in (0, 2), the share of a violation corrected per update")
	fs.IntVar(&c.MaxPasses, "passes", m.MaxPasses, "margin storage: most passes over the patterns per neuron")
	fs.IntVar(&c.DualPasses, "dual-passes", m.DualPasses, "margin storage: first passes that also give back corrections of over-satisfied steps (towards the smallest weights)")
	fs.IntVar(&c.Backgrounds, "backgrounds", m.Backgrounds, "margin storage: teacher-forced trials per pattern, each with its own background noise")
	fs.IntVar(&c.Jitter, "jitter", m.Jitter, "margin storage: how far the cue spikes of --perturbed trials move (±steps)")
	fs.Float64Var(&c.Flip, "flip", m.Flip, "margin storage: probability that a cue slot of --perturbed trials is redrawn")
	fs.IntVar(&c.Perturbed, "perturbed", m.Perturbed, "margin storage: trials per pattern with perturbed cues (with --jitter and/or --flip; alternating when both)")
	return func() error {
		if err := c.Validate(network.Params{Theta: o.theta}); err != nil {
			return fmt.Errorf("margin storage: %w", err)
		}
		return nil
	}, true
}

// addTraining defines the flag name if it is one of the training
// (--epochs --keep-best --warmup --optimizer --lr --final-lr --alpha --dropout --surrogate-support --resume
// --keep-checkpoints --checkpoint-every), and reports whether it was.
func (o *options) addTraining(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	switch name {
	case "epochs":
		fs.IntVar(&o.epochs, name, d.tc.Epochs, "training epochs (one full-batch step each)")
		check = nonNegative("--epochs", &o.epochs)
		return check, true
	case "keep-best":
		fs.BoolVar(&o.keepBest, name, d.tc.KeepBest, "end training with the weights that recalled best on validation (the initial ones included), not the last (default off with sgd-published)")
		return check, true
	case "warmup":
		fs.IntVar(&o.warmup, name, d.tc.Warmup, "epochs at --lr before the cosine annealing towards --final-lr")
		check = nonNegative("--warmup", &o.warmup)
		return check, true
	case "optimizer":
		fs.StringVar(&o.optimizer, name, d.tc.Optimizer.Kind.String(), "optimizer: adam, adamw, sgd (momentum 0.9; for exact gradients, with --lr of order 1) or sgd-published (the original work: momentum 0.99, dampening 1 − 5e-5, lr 1e-2 → 1e-4, dropout 0.37, exact gradients, unless those flags are given)")
		check = oneOf("--optimizer", &o.optimizer, learn.Adam.String(), learn.AdamW.String(), learn.SGD.String(), optSGDPublished)
		return check, true
	case "lr":
		fs.Float64Var(&o.lr, name, d.tc.LR, "base learning rate")
		check = floatCheck("--lr", &o.lr, positiveFinite, "the learning rate must be a positive number")
		return check, true
	case "final-lr":
		fs.Float64Var(&o.finalLR, name, d.tc.FinalLR, "learning rate the cosine annealing ends at, ≤ --lr")
		check = floatCheck("--final-lr", &o.finalLR, nonNegativeFinite, "must be a number ≥ 0")
		return check, true
	case "alpha":
		fs.Float64Var(&o.alpha, name, d.tc.Alpha, "steepness α of the fast-sigmoid surrogate gradient")
		check = floatCheck("--alpha", &o.alpha, positiveFinite, "the surrogate steepness must be a positive number")
		return check, true
	case "dropout":
		fs.Float64Var(&o.dropout, name, d.tc.Dropout, "probability q of dropping a synaptic current during training, in [0, 1)")
		check = floatCheck("--dropout", &o.dropout, inUnit, "must be in [0, 1)")
		return check, true
	case "surrogate-support":
		fs.Float64Var(&o.support, name, d.tc.Support, "sparse (approximate) backward pass: ignore the surrogate where |u − θ| ≥ this (0 = exact)")
		check = floatCheck("--surrogate-support", &o.support, nonNegativeFinite, "must be a number ≥ 0 (0 = exact)")
		return check, true
	case "resume":
		fs.BoolVar(&o.resume, name, false, "continue from the checkpoint in --out/checkpoint, with the settings the run was started with")
		return check, true
	case "keep-checkpoints":
		fs.BoolVar(&o.keepCheckpoints, name, false, "keep --out/checkpoint after the run finishes (it is removed by default)")
		return check, true
	case "checkpoint-every":
		fs.IntVar(&o.checkpointEvery, name, 1, "write a checkpoint every `K` epochs (and after the last, and on interruption)")
		check = positive("--checkpoint-every", &o.checkpointEvery, "checkpoints are written every K ≥ 1 epochs")
		return check, true
	}
	return nil, false
}

// addFiles defines the flag name if it is one of the input files
// (--weights --patterns-file --input --dt), and reports whether it was.
func (o *options) addFiles(fs *pflag.FlagSet, name string, d flagDefaults) (check func() error, ok bool) {
	switch name {
	case "weights":
		fs.StringVar(&o.weights, name, "", "weights `file`: dense .npy of shape (N, N, D) [post, pre, delay−1], or sparse .npz (recall, simulate, train, gradient; see hdsnn convert)")
		return check, true
	case "patterns-file":
		fs.StringVar(&o.patternsFile, name, "", "patterns `file`: .npy of shape (M, N, T) or .csv of pattern,neuron,step events")
		return check, true
	case "input":
		fs.StringVar(&o.input, name, "", "clamp input `file` (.npy, shape (M, N, L), 0/1 entries)")
		return check, true
	case "dt":
		fs.Float64Var(&o.dt, name, 0, "for a .csv --patterns-file whose step column holds times in ms (Brian2, NEST): the step length `ms`; an event at time t falls in step floor(t/dt)")
		check = floatCheck("--dt", &o.dt, nonNegativeFinite, "must be a step length in ms > 0 (0: the column holds whole steps)")
		return check, true
	}
	return nil, false
}

// addOutput defines --out (required when def is empty) and --force.
func (o *options) addOutput(cmd *cobra.Command, def string) {
	fs := cmd.Flags()
	o.cmd = cmd
	usage := "output `directory`"
	fs.StringVar(&o.out, "out", def, usage)
	fs.BoolVar(&o.force, "force", false, "replace the output set this command wrote into --out before (its files are removed first)")
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

// notes returns the writer of notes: the command's stderr, or nil.
func (o *options) notes() io.Writer {
	if o.cmd == nil {
		return nil
	}
	return o.cmd.ErrOrStderr()
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
	if o.init == initMargin {
		m := o.margin
		b.Margin = &m
	}
	b.Train = o.trainConfig()
	if o.fs.Lookup("fan-in") != nil {
		b.FanIn = o.fanIn
	}
	if o.fs.Lookup("weights-format") != nil {
		b.Sparse = o.sparseWeights(o.neurons)
	}
	if o.fs.Lookup("synapses") != nil {
		b.AllSynapses = o.allSynapses(b)
	}
	return b
}

// floatCheck returns a check that ok(*v) holds, else the error
// "flag = value: why".
func floatCheck(flag string, v *float64, ok func(float64) bool, why string) func() error {
	return func() error {
		if !ok(*v) {
			return fmt.Errorf("%s = %v: %s", flag, *v, why)
		}
		return nil
	}
}

// Predicates of floatCheck; NaN satisfies none.
func positiveFinite(v float64) bool    { return v > 0 && !math.IsInf(v, 0) }
func nonNegativeFinite(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
func inUnit(v float64) bool            { return v >= 0 && v < 1 }

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
