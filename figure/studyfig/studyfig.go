// Package studyfig draws the figures of the benchmark and the studies from
// their results, as a scientist reads them: one metric per panel, the
// sizes, seed count and weights in the title, categories as categories,
// ticks at the measured values on log axes, and undefined values left
// undefined. Each function returns a figure value from package figure;
// call its Save to write PNG and SVG.
//
// The studies do not import this package, so using them does not pull in
// gonum/plot.
package studyfig

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/study"
)

// Setup is what a figure's title says about the runs behind it: sizes,
// seeds and weights. Zero sizes and an empty Weights are left out (the
// parameter a scan varies, say).
type Setup struct {
	N, M, T, D int
	// PA is the firing probability p_A (0: left out).
	PA float64
	// Seeds is the number of independent runs per point (0: left out).
	Seeds int
	// Weights names the weights scored: "initial", "trained",
	// "margin-stored" or "margin-stored, trained".
	Weights string
	// Storage, if not empty, says how margin-stored weights were made
	// (κ and the perturbed cues); it gets a title line of its own.
	Storage string
}

// SetupOf returns the setup of runs of b over seeds seeds, with trained
// or initial weights.
func SetupOf(b study.Benchmark, seeds int, trained bool) Setup {
	w, storage := "initial", ""
	if b.Margin != nil {
		w, storage = "margin-stored", marginLabel(*b.Margin)
	}
	if trained {
		w += ", trained"
		if b.Margin == nil {
			w = "trained"
		}
	}
	return Setup{N: b.Patterns.N, M: b.Patterns.M, T: b.Patterns.T, D: b.Params.D, PA: b.Params.PA, Seeds: seeds, Weights: w, Storage: storage}
}

// marginLabel describes margin storage by the settings that shape the
// robustness of its weights: κ, and the perturbed cues stored with the
// patterns.
func marginLabel(c margin.Config) string {
	var how []string
	if c.Jitter > 0 {
		how = append(how, fmt.Sprintf("jitter ±%d", c.Jitter))
	}
	if c.Flip > 0 {
		how = append(how, fmt.Sprintf("flip %g", c.Flip))
	}
	if c.Perturbed == 0 || len(how) == 0 {
		return fmt.Sprintf("margin storage with κ = %g", c.Margin)
	}
	return fmt.Sprintf("margin storage with κ = %g and %d perturbed cues per pattern (%s)", c.Margin, c.Perturbed, strings.Join(how, ", "))
}

// Sizes returns s without seeds and weights.
func (s Setup) Sizes() Setup {
	s.Seeds, s.Weights, s.Storage = 0, "", ""
	return s
}

// String returns the setup as a title line, such as "N = 512, M = 16,
// T = 1000, D = 41, p_A = 0.001, 3 seeds, trained weights", followed by
// a line with Storage when it is set.
func (s Setup) String() string {
	var parts []string
	for _, v := range []struct {
		name string
		v    int
	}{{"N", s.N}, {"M", s.M}, {"T", s.T}, {"D", s.D}} {
		if v.v > 0 {
			parts = append(parts, fmt.Sprintf("%s = %d", v.name, v.v))
		}
	}
	if s.PA > 0 {
		parts = append(parts, fmt.Sprintf("p_A = %g", s.PA))
	}
	switch {
	case s.Seeds == 1:
		parts = append(parts, "1 seed")
	case s.Seeds > 1:
		parts = append(parts, fmt.Sprintf("%d seeds", s.Seeds))
	}
	if s.Weights != "" {
		parts = append(parts, s.Weights+" weights")
	}
	line := strings.Join(parts, ", ")
	if s.Storage != "" {
		line += "\n" + s.Storage
	}
	return line
}

// title joins a figure's subject and its setup on two lines.
func title(subject string, s Setup) string {
	if line := s.String(); line != "" {
		return subject + "\n" + line
	}
	return subject
}

// maxValueTicks is the most measured values that get a tick each; longer
// grids get round-number ticks.
const maxValueTicks = 12

// valueTicks returns the distinct values of xs, in ascending order, when
// there are few enough to label each; nil otherwise.
func valueTicks(xs []float64) []float64 {
	v := slices.Compact(slices.Sorted(slices.Values(xs)))
	if len(v) > maxValueTicks {
		return nil
	}
	return v
}

// unit returns pointers to the ends of the y axis of a score in [0, 1],
// with room above 1 for markers at 1.
func unit() (lo, hi *float64) {
	l, h := 0.0, 1.05
	return &l, &h
}
