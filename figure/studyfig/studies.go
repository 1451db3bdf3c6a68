package studyfig

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/perturb"
	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study"
	"github.com/hdsnn/hdsnn/study/scan"
	"github.com/hdsnn/hdsnn/study/search"
	"github.com/hdsnn/hdsnn/study/sequential"
)

// scanAxis names the x axis of each scan parameter.
var scanAxis = map[scan.Param]string{
	scan.Delays: "delays D", scan.Steps: "pattern length T (steps)", scan.Rate: "firing probability p_A",
	scan.Patterns: "patterns M", scan.Neurons: "neurons N", scan.Theta: "threshold θ",
	scan.Target: "initialisation target", scan.Init: "initialisation", scan.Training: "weights",
}

// Scan draws the F1 of cued recall (mean ± s.e. over seeds) against the
// scanned value: categories (target, init, training) as labelled points
// in the order scanned, numbers on an axis with a tick at every value
// measured (log scale for sizes and rates). s is the setup of the scan;
// the size it varies is left out of the title.
func Scan(param scan.Param, sums []results.Summary, s Setup) figure.LinePlot {
	switch param {
	case scan.Delays:
		s.D = 0
	case scan.Steps:
		s.T = 0
	case scan.Patterns:
		s.M = 0
	case scan.Neurons:
		s.N = 0
	case scan.Rate:
		s.PA = 0
	case scan.Training:
		s.Weights = ""
	}
	line := s.String() + fewerSeeds(sums, s.Seeds)
	var f1 figure.Series // one series: no legend, the y label says it all
	p := figure.LinePlot{Title: "Scan of " + scanAxis[param] + ": F1 of cued recall\n" + line,
		XLabel: scanAxis[param], YLabel: "F1 (mean ± s.e. over seeds)"}
	p.YMin, p.YMax = unit()
	for k, sum := range sums {
		x := float64(k)
		if param.Categorical() {
			p.XCategories = append(p.XCategories, sum.Values[1])
		} else if v, err := strconv.ParseFloat(sum.Values[1], 64); err == nil {
			x = v
		} else {
			continue
		}
		f1.X, f1.Y, f1.Err = append(f1.X, x), append(f1.Y, sum.F1), append(f1.Err, sum.F1Err)
	}
	if !param.Categorical() {
		p.LogX = param != scan.Theta
		p.XTicks = valueTicks(f1.X)
		f1 = byX(f1)
	}
	p.Series = []figure.Series{f1}
	return p
}

// fewerSeeds returns a note naming the values that have fewer runs than
// seeds, such as " (fewer at 4096: 1)", or "" when every value has them all.
func fewerSeeds(sums []results.Summary, seeds int) string {
	var notes []string
	for _, s := range sums {
		if s.Runs < seeds {
			notes = append(notes, fmt.Sprintf("%s: %d", s.Values[len(s.Values)-1], s.Runs))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " (fewer at " + strings.Join(notes, ", ") + ")"
}

// robustnessAxis names the level of each perturbation.
func robustnessAxis(kind perturb.Kind, b study.Benchmark) (subject, axis string) {
	switch kind {
	case perturb.Flip:
		return "Flipped cue slots", "probability p that a cue slot is redrawn at the pattern rate"
	case perturb.Truncate:
		return "Truncated cue", fmt.Sprintf("cue steps kept k (of %d)", b.CueLen())
	case perturb.Silence:
		return "Silenced cue neurons", fmt.Sprintf("neurons silenced during the cue (of N = %d)", b.Patterns.N)
	case perturb.FlipInput:
		return "Flipped input slots (published protocol)", "probability p that an input slot (any step) is redrawn at the input's mean rate"
	default:
		return "Jittered cue spikes", "cue spike jitter k (uniform offset in [−k, k] steps)"
	}
}

// Robustness draws recall from cues perturbed by kind against the level,
// one metric per panel: F1 (mean ± s.e. over seeds), precision and recall
// (means). The precision of a silent run is undefined, so it is averaged
// over the runs that fired only, and left out where none fired. sums are
// the summaries of the robustness rows (other kinds are skipped), b the
// benchmark the networks were made from.
func Robustness(kind perturb.Kind, sums []results.Summary, b study.Benchmark, s Setup) figure.Stack {
	subject, axis := robustnessAxis(kind, b)
	// Unnamed series: each panel's title says what it shows.
	var f1 figure.Series
	pr := figure.Series{Style: &figure.Style{Colour: 1, Marker: 1}}
	rc := figure.Series{Style: &figure.Style{Colour: 2, Marker: 2}}
	for _, sum := range sums {
		if len(sum.Values) != 2 || sum.Values[0] != kind.String() {
			continue
		}
		x, err := strconv.ParseFloat(sum.Values[1], 64)
		if err != nil {
			continue
		}
		f1.X, f1.Y, f1.Err = append(f1.X, x), append(f1.Y, sum.F1), append(f1.Err, sum.F1Err)
		pr.X, pr.Y = append(pr.X, x), append(pr.Y, sum.Precision) // NaN: no run fired
		rc.X, rc.Y = append(rc.X, x), append(rc.Y, sum.Recall)
	}
	f1, pr, rc = byX(f1), byX(pr), byX(rc)
	st := figure.Stack{Title: title(subject, s), SharedX: true}
	for _, panel := range []struct {
		s            figure.Series
		title, label string
	}{
		{f1, "F1 (mean ± s.e. over seeds)", "F1"},
		{pr, "precision (mean over the runs that fired; silent runs have none)", "precision"},
		{rc, "recall (mean over seeds)", "recall"},
	} {
		p := figure.LinePlot{Title: panel.title, XLabel: axis, YLabel: panel.label,
			Series: []figure.Series{panel.s}, XTicks: valueTicks(panel.s.X)}
		if !hasFinite(panel.s.Y) {
			p.Title += ": no run fired"
			p.Series[0].Y = make([]float64, len(panel.s.Y)) // an empty axis, said so above
			p.Series[0].Style = &figure.Style{NoLine: true, NoMarkers: true}
		}
		p.YMin, p.YMax = unit()
		st.Panels = append(st.Panels, p)
	}
	return st
}

// hasFinite reports whether any of ys is a number.
func hasFinite(ys []float64) bool {
	for _, y := range ys {
		if finite(y) {
			return true
		}
	}
	return false
}

// Sequential draws the sliding-window F1 over a sequential run, with the
// scored pattern steps and the cue steps shaded behind it. Where no seed
// has an expected or produced spike in the window, F1 is undefined
// (0/0) and the curve has a gap rather than a 0.
func Sequential(sr sequential.Series, s Setup, gap int, noise float64) figure.LinePlot {
	f1 := figure.Series{Name: fmt.Sprintf("sliding F1 (w = %d)", sr.Window)}
	ys := sr.DefinedF1
	if len(ys) != len(sr.F1) {
		ys = sr.F1 // a series without the defined mean
	}
	for i, step := range sr.Step {
		f1.X, f1.Y = append(f1.X, float64(step)), append(f1.Y, ys[i])
	}
	subject := fmt.Sprintf("Sequential recall of every pattern, gap %d", gap)
	if noise > 0 {
		subject += fmt.Sprintf(", cue noise %g", noise)
	}
	p := figure.LinePlot{
		Title: title(subject, s), XLabel: "step (window centre)",
		YLabel: "F1 (mean over seeds; gap: undefined)",
		Series: []figure.Series{f1},
		Bands: []figure.Band{
			{Name: "pattern (scored)", Spans: spans(sr.Step, sr.InPattern)},
			{Name: "cue", Spans: spans(sr.Step, sr.InCue)},
		},
	}
	p.YMin, p.YMax = unit()
	return p
}

// spans returns the runs of consecutive entries of steps where in is
// true, each as [first step, last step + 1).
func spans(steps []int, in []bool) [][2]float64 {
	var out [][2]float64
	for i := 0; i < len(steps); i++ {
		if !in[i] {
			continue
		}
		j := i
		for j+1 < len(steps) && in[j+1] {
			j++
		}
		out = append(out, [2]float64{float64(steps[i]), float64(steps[j] + 1)})
		i = j
	}
	return out
}

// Search draws the validation F1 of every trial (mean ± s.e. over the
// seeds, as points: trials are independent) and the best F1 found up to
// each trial (a line), in trial order.
func Search(rs []search.Result, s Setup) figure.LinePlot {
	trial := figure.Series{Name: "trial F1", Style: &figure.Style{NoLine: true}}
	run := figure.Series{Name: "best so far", Style: &figure.Style{Colour: 1, NoMarkers: true}}
	best := math.Inf(-1)
	hasErr := false
	rs = slices.SortedFunc(slices.Values(rs), func(a, b search.Result) int { return a.Index - b.Index })
	for _, r := range rs {
		x := float64(r.Index)
		trial.X, trial.Y, trial.Err = append(trial.X, x), append(trial.Y, r.F1), append(trial.Err, r.F1Err)
		hasErr = hasErr || r.F1Err > 0
		if r.F1 > best {
			best = r.F1
		}
		run.X, run.Y = append(run.X, x), append(run.Y, best)
	}
	if !hasErr {
		trial.Err = nil
	}
	p := figure.LinePlot{Title: title("Random hyper-parameter search", s), XLabel: "trial",
		YLabel: "validation F1 after training", Series: []figure.Series{trial, run}}
	if len(trial.X) <= 2*maxValueTicks {
		p.XTicks = trial.X
	}
	p.YMin, p.YMax = unit()
	return p
}

// byX returns s with its points in ascending order of X (rows read from a
// CSV come in the order they finished).
func byX(s figure.Series) figure.Series {
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.X[a], s.X[b]) })
	out := s
	out.X, out.Y = make([]float64, len(idx)), make([]float64, len(idx))
	if s.Err != nil {
		out.Err = make([]float64, len(idx))
	}
	for k, i := range idx {
		out.X[k], out.Y[k] = s.X[i], s.Y[i]
		if s.Err != nil {
			out.Err[k] = s.Err[i]
		}
	}
	return out
}
