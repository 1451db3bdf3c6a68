// Package score compares recalled spikes with the stored pattern: pooled
// (micro-averaged) precision, recall and F1 as in SPEC §2.2.
package score

import "github.com/hdsnn/hdsnn/raster"

// Eps is the ε of SPEC §2.2 that keeps the ratios finite.
const Eps = 1e-12

// Counts are true positives, false positives and false negatives.
type Counts struct {
	TP, FP, FN int
}

// Add returns the pooled counts of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{TP: c.TP + o.TP, FP: c.FP + o.FP, FN: c.FN + o.FN}
}

// Precision is TP / (TP + FP + ε).
func (c Counts) Precision() float64 { return float64(c.TP) / (float64(c.TP+c.FP) + Eps) }

// Recall is TP / (TP + FN + ε).
func (c Counts) Recall() float64 { return float64(c.TP) / (float64(c.TP+c.FN) + Eps) }

// F1 is 2PR / (P + R + ε).
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	return 2 * p * r / (p + r + Eps)
}

// Loss is 1 − F1.
func (c Counts) Loss() float64 { return 1 - c.F1() }

// Result is a set of counts with the derived scores, ready to report.
type Result struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Loss      float64 `json:"loss"`
}

// Result returns the counts with their scores.
func (c Counts) Result() Result {
	return Result{TP: c.TP, FP: c.FP, FN: c.FN, Precision: c.Precision(), Recall: c.Recall(), F1: c.F1(), Loss: c.Loss()}
}

// Steps counts the agreement of got at steps [from, to) with want at steps
// shifted by −offset: got step t is compared with want step t − offset.
func Steps(got, want *raster.Raster, offset, from, to int) Counts {
	var c Counts
	for t := from; t < to; t++ {
		a, b := got.Steps[t], want.Steps[t-offset]
		tp := intersect(a, b)
		c.TP += tp
		c.FP += len(a) - tp
		c.FN += len(b) - tp
	}
	return c
}

// Series returns, for every step in [from, to), the counts of that step
// alone, so that windows and subsets can be pooled afterwards.
func Series(got, want *raster.Raster, offset, from, to int) []Counts {
	out := make([]Counts, 0, max(to-from, 0))
	for t := from; t < to; t++ {
		out = append(out, Steps(got, want, offset, t, t+1))
	}
	return out
}

// Sliding returns the F1 of every window of w consecutive entries of
// per-step counts (len(steps) − w + 1 values; none if w exceeds the length).
func Sliding(steps []Counts, w int) []float64 {
	if w <= 0 || w > len(steps) {
		return nil
	}
	var win Counts
	out := make([]float64, 0, len(steps)-w+1)
	for t, c := range steps {
		win = win.Add(c)
		if t >= w {
			o := steps[t-w]
			win = Counts{TP: win.TP - o.TP, FP: win.FP - o.FP, FN: win.FN - o.FN}
		}
		if t >= w-1 {
			out = append(out, win.F1())
		}
	}
	return out
}

// intersect counts the common entries of two ascending lists.
func intersect(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
