package studyfig

import (
	"fmt"
	"slices"

	"github.com/hdsnn/hdsnn/figure"
	"github.com/hdsnn/hdsnn/study/capacity"
)

// Capacity draws the capacity against N (one colour per D) and against D
// (one colour per N) on log axes with a tick at every N and D measured.
// Each colour has the capacity of the initial weights (filled circles,
// solid), of the trained weights (open squares, dashed) and the
// per-neuron count N·D/(T−D), the weights of a neuron over the contexts
// of one pattern (dotted, no markers), which capacities are compared
// with; the all-weights bound N²·D/(T−D) is N times larger and would
// squash the capacities to the bottom of the axis. Markers of earlier
// colours and of trained weights are larger, so that a point hidden under
// an equal one still shows around it. A capacity of 0 cannot be shown on a log axis and is
// left out (the title says so); a series with no point left is dropped.
// threshold and seeds are those of the measurement.
func Capacity(rs []capacity.Result, threshold float64, seeds int) (vsN, vsD figure.LinePlot) {
	var ns, ds []int
	var modes []capacity.Mode
	t, zeros := 0, false
	for _, r := range rs {
		ns, ds, modes = addNew(ns, r.Neurons), addNew(ds, r.Delays), addNew(modes, r.Mode)
		t, zeros = r.Steps, zeros || r.Capacity == 0
	}
	slices.Sort(ns)
	slices.Sort(ds)
	subject := fmt.Sprintf("Capacity: largest M with mean F1 ≥ %g", threshold)
	line := Setup{T: t, Seeds: seeds}.String()
	if zeros {
		line += "; capacity 0 not shown on the log axes"
	}
	find := func(n, d int, mode capacity.Mode) (capacity.Result, bool) {
		i := slices.IndexFunc(rs, func(r capacity.Result) bool { return r.Neurons == n && r.Delays == d && r.Mode == mode })
		if i < 0 {
			return capacity.Result{}, false
		}
		return rs[i], true
	}
	build := func(axis string, xs, groups []int, group string, at func(x, g int) (n, d int)) figure.LinePlot {
		p := figure.LinePlot{Title: subject + "\n" + line, XLabel: axis, YLabel: "patterns M",
			LogX: true, LogY: true, XTicks: floats(xs)}
		for gi, g := range groups {
			size := 2.8 + 1.6*float64(len(groups)-1-gi)
			for mi, mode := range modes {
				// Open markers of later modes are larger, so that they
				// frame the filled marker of the same point.
				c := figure.Series{Name: fmt.Sprintf("%s, %s = %d", mode, group, g),
					Style: &figure.Style{Colour: gi, Marker: 4 * mi, Dash: mi, Radius: size + 2*float64(mi)}}
				for _, x := range xs {
					if r, ok := find2(find, at, x, g, mode); ok && r.Capacity > 0 {
						c.X, c.Y = append(c.X, float64(x)), append(c.Y, float64(r.Capacity))
					}
				}
				if len(c.X) > 0 {
					p.Series = append(p.Series, c)
				}
			}
			b := figure.Series{Name: fmt.Sprintf("ND/(T−D), %s = %d", group, g),
				Style: &figure.Style{Colour: gi, Dash: 2, NoMarkers: true}}
			for _, x := range xs {
				for _, mode := range modes {
					if r, ok := find2(find, at, x, g, mode); ok {
						b.X, b.Y = append(b.X, float64(x)), append(b.Y, r.BoundPerNeuron)
						break
					}
				}
			}
			if len(b.X) > 0 {
				p.Series = append(p.Series, b)
			}
		}
		return p
	}
	vsN = build("neurons N", ns, ds, "D", func(x, g int) (int, int) { return x, g })
	vsD = build("delays D", ds, ns, "N", func(x, g int) (int, int) { return g, x })
	return vsN, vsD
}

// find2 looks up the result at x of group g.
func find2(find func(n, d int, mode capacity.Mode) (capacity.Result, bool), at func(x, g int) (int, int), x, g int, mode capacity.Mode) (capacity.Result, bool) {
	n, d := at(x, g)
	return find(n, d, mode)
}

// spread returns the sorted values of xs without those within a factor
// of the value kept before them, so that tick labels on a log axis do not
// overlap (grids such as 256·41 and 512·21 give N·D within 3 %).
func spread(xs []int, factor float64) []int {
	var out []int
	for _, x := range xs {
		if len(out) == 0 || float64(x) > factor*float64(out[len(out)-1]) {
			out = append(out, x)
		}
	}
	return out
}

// addNew appends v to xs unless it is there already.
func addNew[T comparable](xs []T, v T) []T {
	if slices.Contains(xs, v) {
		return xs
	}
	return append(xs, v)
}

// floats converts ints to float64s.
func floats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// Gardner's perceptron capacities at coding level 1e-3 (examples per
// weight): at zero margin, and at a margin of one standard deviation of
// the field (Gardner 1988; see README "Margin storage").
const (
	alphaZeroMargin = 119
	alphaOneSD      = 46
)

// CapacityVsWeights draws every capacity of rs against the weights of one
// neuron, N·D, on log axes with a tick at every N·D measured (one per
// group of values within 15 % of each other), beside the
// perceptron estimates α·N·D/(T−D) for α = 119 (zero margin) and α = 46 (a
// margin of one standard deviation of the field), evaluated at each
// measured (N, D). Each mode has its colour; a capacity whose search found
// a failing M above it (the capacity lies in [Capacity, FailsAt)) is a
// filled marker, one where no tested M failed is only a lower bound and is
// an open triangle. Capacities of 0 are left out (the title says so).
func CapacityVsWeights(rs []capacity.Result, threshold float64, seeds int) figure.LinePlot {
	var xs []int
	var modes []capacity.Mode
	t, zeros := 0, false
	for _, r := range rs {
		xs, modes = addNew(xs, r.Neurons*r.Delays), addNew(modes, r.Mode)
		t, zeros = r.Steps, zeros || r.Capacity == 0
	}
	slices.Sort(xs)
	slices.Sort(modes)
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b capacity.Result) int { return a.Neurons*a.Delays - b.Neurons*b.Delays })
	line := Setup{T: t, Seeds: seeds}.String() + "\nopen triangles: lower bounds (no M failed)"
	if zeros {
		line += "; capacity 0 not shown"
	}
	p := figure.LinePlot{Title: fmt.Sprintf("Capacity (largest M, mean F1 ≥ %g) against weights per neuron\n%s", threshold, line),
		XLabel: "weights per neuron N·D", YLabel: "patterns M", LogX: true, LogY: true, XTicks: floats(spread(xs, 1.15))}
	for mi, mode := range modes {
		bracketed := figure.Series{Name: mode.String(), Style: &figure.Style{Colour: mi, Marker: 0, NoLine: true, Radius: 3.5}}
		lower := figure.Series{Name: mode.String() + ", lower bound", Style: &figure.Style{Colour: mi, Marker: 5, NoLine: true, Radius: 4}}
		for _, r := range sorted {
			if r.Mode != mode || r.Capacity == 0 {
				continue
			}
			s := &bracketed
			if r.FailsAt == 0 {
				s = &lower
			}
			s.X, s.Y = append(s.X, float64(r.Neurons*r.Delays)), append(s.Y, float64(r.Capacity))
		}
		for _, s := range []figure.Series{bracketed, lower} {
			if len(s.X) > 0 {
				p.Series = append(p.Series, s)
			}
		}
	}
	if len(p.Series) == 0 {
		return p // nothing to compare the estimates with
	}
	for k, a := range []struct {
		alpha float64
		name  string
	}{{alphaZeroMargin, "κ = 0"}, {alphaOneSD, "κ = 1 s.d."}} {
		est := figure.Series{Name: fmt.Sprintf("α·N·D/(T−D), α = %g (%s)", a.alpha, a.name),
			Style: &figure.Style{Colour: len(modes) + k, Dash: 1 + k, NoMarkers: true}}
		seen := map[int]bool{}
		for _, r := range sorted {
			if x := r.Neurons * r.Delays; !seen[x] {
				seen[x] = true
				est.X, est.Y = append(est.X, float64(x)), append(est.Y, a.alpha*r.BoundPerNeuron)
			}
		}
		p.Series = append(p.Series, est)
	}
	return p
}
