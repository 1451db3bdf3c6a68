package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
)

// progress reports training epochs: a progress bar when w is a terminal,
// one plain line per epoch otherwise (logs, pipes, tests).
type progress struct {
	w     io.Writer
	total int
	bar   *progressbar.ProgressBar
}

// newProgress returns a reporter for a run of total epochs written to w.
func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if isTerminal(w) && total > 0 {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(0),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		_ = p.bar.RenderBlank() // progress display only
	}
	return p
}

// epoch reports a finished epoch; it is the onEpoch callback of training.
func (p *progress) epoch(e learn.Epoch) {
	v := e.Valid
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("loss %.4f  P %.3f  R %.3f  F1 %.3f", v.Loss, v.Precision, v.Recall, v.F1))
		_ = p.bar.Set(e.Epoch)
		return
	}
	fmt.Fprintf(p.w, "epoch %d/%d  lr %.2e  train loss %.4f  valid loss %.4f  P %.4f  R %.4f  F1 %.4f  %.1fs\n",
		e.Epoch, p.total, e.LR, e.Train.Loss, v.Loss, v.Precision, v.Recall, v.F1, e.Seconds)
}

// done ends the progress bar, if any, on its own line.
func (p *progress) done() {
	if p.bar != nil && !p.bar.IsFinished() {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// neuronProgress reports a margin solve neuron by neuron: a progress bar
// on a terminal, a line every 10 % otherwise.
type neuronProgress struct {
	w           io.Writer
	total, done int
	violations  int
	bar         *progressbar.ProgressBar
}

// newNeuronProgress returns a reporter for a solve of total neurons, of
// which those marked in solved are already done.
func newNeuronProgress(w io.Writer, total int, solved []bool) *neuronProgress {
	p := &neuronProgress{w: w, total: total, done: count(solved)}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("storing"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		_ = p.bar.Set(p.done) // progress display only
	}
	return p
}

// neuron reports a solved neuron; it runs on the solve's calling goroutine.
func (p *neuronProgress) neuron(n margin.Neuron) {
	p.done++
	p.violations += n.Violations
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("neuron %d: %d passes, %d left violated (all: %d)", n.Index, n.Passes, n.Violations, p.violations))
		_ = p.bar.Set(p.done)
		return
	}
	if step := max(p.total/10, 1); p.done%step == 0 || p.done == p.total {
		fmt.Fprintf(p.w, "stored %d/%d neurons, %d constraints left violated\n", p.done, p.total, p.violations)
	}
}

// finish ends the progress bar, if any, on its own line.
func (p *neuronProgress) finish() {
	if p.bar != nil && !p.bar.IsFinished() {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}
