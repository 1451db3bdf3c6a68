// Package incremental measures forgetting: patterns are added to a network
// a few at a time, and after every addition all the patterns stored so far
// are cued and scored, giving F1 against the number stored.
//
// Two rules add patterns. Margin storage (package margin) keeps no
// originals: the patterns stored earlier are recovered from their cues by
// the network's own replay (margin.Rehearse) and stored again with the new
// ones, starting from the current weights (without dual passes after the
// first addition: only the violations are corrected). The Hebbian rule adds patterns
// by summation: its weights after k patterns are the Hebbian weights of
// the first k (initw), which needs every original.
package incremental

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
	"github.com/hdsnn/hdsnn/study"
)

// Rule is how patterns are added.
type Rule int

// The rules: margin storage with rehearsal from cues, or Hebbian summation.
const (
	Margin Rule = iota
	Hebbian
)

var ruleNames = []string{"margin", "hebbian"}

// Rules returns every rule.
func Rules() []Rule { return []Rule{Margin, Hebbian} }

// String returns "margin" or "hebbian".
func (r Rule) String() string { return enum.String("Rule", ruleNames, r) }

// ParseRule parses "margin" or "hebbian".
func ParseRule(s string) (Rule, error) { return enum.Parse[Rule]("rule", ruleNames, s) }

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rule) UnmarshalText(b []byte) (err error) { *r, err = ParseRule(string(b)); return err }

// Config describes an incremental study.
type Config struct {
	// Base gives the sizes and the neuron, trial and initialisation
	// settings; Base.Patterns.M is the number of patterns added in all,
	// and Base.Margin (or the margin package's defaults) the margin
	// storage.
	Base study.Benchmark
	// Step is the number of patterns added at a time.
	Step int
	// Rules are the rules to measure.
	Rules []Rule
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Base.Validate(); err != nil {
		return err
	}
	if c.Step < 1 || c.Step > c.Base.Patterns.M {
		return fmt.Errorf("incremental: step %d must be in [1, M = %d]", c.Step, c.Base.Patterns.M)
	}
	if len(c.Rules) == 0 {
		return errors.New("incremental: no rules; use margin and/or hebbian")
	}
	for _, r := range c.Rules {
		if !enum.Valid(ruleNames, r) {
			return fmt.Errorf("incremental: rule %v is not known; use %s", r, enum.Or(ruleNames))
		}
	}
	return nil
}

// Point is the state after one addition.
type Point struct {
	Rule Rule `json:"rule"`
	// Stored is the number of patterns stored so far.
	Stored int `json:"stored"`
	// All scores the recall of every stored pattern against its original;
	// MinF1 is the worst pattern's F1 and Oldest the F1 of the first
	// Step patterns stored.
	All    score.Result `json:"all"`
	MinF1  float64      `json:"min_f1"`
	Oldest float64      `json:"oldest_f1"`
	// Violations is the number of margin constraints left violated by the
	// solve (margin only).
	Violations int     `json:"violations"`
	Seconds    float64 `json:"seconds"`
}

// Run adds the patterns of cfg.Base (seed Base.Seed) Step at a time under
// every rule and reports each addition to onPoint (if not nil) as it is
// made. Recall after k patterns uses background round k, the same for
// both rules.
func Run(ctx context.Context, cfg Config, onPoint func(Point)) ([]Point, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := cfg.Base
	set, err := raster.GenerateContext(ctx, b.Patterns, b.Seed)
	if err != nil {
		return nil, err
	}
	var out []Point
	for _, rule := range cfg.Rules {
		pts, err := cfg.run(ctx, rule, set, onPoint)
		out = append(out, pts...)
		if err != nil {
			return out, fmt.Errorf("incremental %s: %w", rule, err)
		}
	}
	return out, nil
}

// run adds the patterns of set under one rule.
func (c Config) run(ctx context.Context, rule Rule, set *raster.Set, onPoint func(Point)) ([]Point, error) {
	p := c.Base.Params
	mc := margin.DefaultConfig()
	if c.Base.Margin != nil {
		mc = *c.Base.Margin
	}
	var w *network.Weights
	var cues *raster.Set
	var out []Point
	for k := c.Step; ; k = min(k+c.Step, set.M()) {
		start := time.Now()
		first := &raster.Set{N: set.N, T: set.T, Patterns: set.Patterns[:k]}
		pt := Point{Rule: rule, Stored: k}
		var err error
		switch rule {
		case Hebbian:
			w, _, err = initw.InitContext(ctx, first, p, c.Base.Init)
		case Margin:
			w, cues, pt.Violations, err = addMargin(ctx, p, set, k, c.Step, w, cues, mc)
		}
		if err != nil {
			return out, err
		}
		if err := score1(w, p, first, c.Base.Seed, rng.RecallRound(uint64(k)), c.Step, &pt); err != nil {
			return out, err
		}
		pt.Seconds = time.Since(start).Seconds()
		out = append(out, pt)
		if onPoint != nil {
			onPoint(pt)
		}
		if k == set.M() {
			return out, nil
		}
	}
}

// addMargin stores patterns [k−step, k) of set into w by margin storage,
// with the earlier ones rehearsed from their cues, and returns the new
// weights, the cues of the first k patterns and the violations left.
func addMargin(ctx context.Context, p network.Params, set *raster.Set, k, step int, w *network.Weights, cues *raster.Set, mc margin.Config) (*network.Weights, *raster.Set, int, error) {
	fresh := set.Patterns[max(k-step, 0):k]
	teach := &raster.Set{N: set.N, T: set.T}
	if w != nil {
		old, err := margin.Rehearse(w, p, cues, set.T)
		if err != nil {
			return nil, nil, 0, err
		}
		teach.Patterns = old.Patterns
	}
	teach.Patterns = append(teach.Patterns, fresh...)
	if w != nil {
		// The weights already meet the bounds of the rehearsed patterns:
		// correct the violations the new ones bring, without the dual
		// passes that would first move every weight towards zero.
		mc.DualPasses = 0
	}
	w, rep, err := margin.Store(ctx, p, teach, w, mc, margin.Hooks{})
	if err != nil {
		return nil, nil, 0, err
	}
	newCues := margin.Cues(p, &raster.Set{N: set.N, T: set.T, Patterns: fresh})
	if cues == nil {
		cues = newCues
	} else {
		cues = &raster.Set{N: set.N, T: cues.T, Patterns: append(append([]*raster.Raster{}, cues.Patterns...), newCues.Patterns...)}
	}
	return w, cues, rep.Violations, nil
}

// score1 recalls every pattern of stored against its original and fills
// the scores of pt.
func score1(w *network.Weights, p network.Params, stored *raster.Set, seed, round uint64, step int, pt *Point) error {
	all, per, err := network.Recall(w, p, stored, seed, round)
	if err != nil {
		return err
	}
	pt.All = all.Result()
	pt.MinF1 = 1
	var oldest score.Counts
	for m, c := range per {
		pt.MinF1 = min(pt.MinF1, c.F1())
		if m < step {
			oldest = oldest.Add(c)
		}
	}
	pt.Oldest = oldest.F1()
	return nil
}
