package learn

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// GradOptions configure one evaluation of the loss gradient.
type GradOptions struct {
	// Alpha is the steepness α of the fast-sigmoid surrogate.
	Alpha float64
	// Support, when positive, selects the sparse backward pass: the
	// surrogate is taken as zero where |u − θ| ≥ Support, so only
	// near-threshold (step, neuron) pairs carry gradient (sparse spiking
	// gradient descent). It is an approximation; zero is the exact pass.
	Support float64
	// Dropout is the probability q of dropping a current entry; the mask
	// of pattern μ is drawn from the stream (Seed, Round, μ).
	Dropout     float64
	Seed, Round uint64
}

// tuning are the performance settings of a gradient evaluation, which do
// not change its result beyond rounding.
type tuning struct {
	// denseShare is the share of a trial's (step, neuron) pairs above
	// which the sparse pass hands the batch to the dense one, which
	// computes the same truncated gradient (default 0.25; 1 or more never
	// switches). The sparse gather grows with the square of the kept
	// pairs per step, the dense pass with N² per step at matrix-product
	// speed; they cost about the same near 1/4 (N = 512, D = 41).
	denseShare float64
	// chunk is the number of patterns whose exact backward pass is
	// batched into one matrix product per step, and whose sparse gradient
	// terms are held at once (default 32, Config.Chunk). Larger chunks are
	// faster and take more memory.
	chunk int
	// ctx, when not nil, stops the evaluation with ctx.Err() once
	// cancelled (checked every 64 steps of a trial or of the backward
	// pass).
	ctx context.Context
}

// cancelled returns the error of tu.ctx, if it has been cancelled.
func (tu tuning) cancelled() error {
	if tu.ctx == nil {
		return nil
	}
	return tu.ctx.Err()
}

// Gradient is the result of one forward and backward pass over a batch.
type Gradient struct {
	// Grad is ∂(1 − F1)/∂W: for dense weights in the pre-major layout of
	// network.Weights (N²·D values), for sparse weights one value per
	// stored synapse, in the order of network.Sparse.W (the gradient is
	// restricted to the synapses that exist).
	Grad []float64
	// Counts are the pooled counts of the forward pass.
	Counts score.Counts
	// Kept is the number of (step, neuron) pairs the backward pass
	// visited; Pairs is the number the exact pass visits.
	Kept, Pairs int
}

// Compute runs the trials xs (clamp inputs, one per target pattern) on w,
// scores them against targets and returns the gradient of 1 − F1 with
// respect to W (SPEC §4). w is dense *network.Weights or sparse
// *network.Sparse; on sparse weights the backward pass propagates only
// through the stored synapses and the gradient has one value per entry,
// equal (up to rounding) to the dense gradient restricted to them.
func Compute(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions) (*Gradient, error) {
	return compute(w, p, targets, xs, opt, tuning{})
}

// ComputeContext is Compute that stops, returning ctx.Err(), soon after
// ctx is cancelled.
func ComputeContext(ctx context.Context, w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions) (*Gradient, error) {
	return compute(w, p, targets, xs, opt, tuning{ctx: ctx})
}

// compute is Compute with performance settings (zero: the defaults).
func compute(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, tu tuning) (*Gradient, error) {
	size, err := gradSize(w)
	if err != nil {
		return nil, err
	}
	if err := checkGrad(w, p, targets, xs, opt, tu); err != nil {
		return nil, err
	}
	if tu.denseShare == 0 {
		tu.denseShare = 0.25
	}
	if tu.chunk <= 0 {
		tu.chunk = 32
	}
	_, tEnd := p.ScoredRange(targets.T)
	n, _ := w.Size()
	g := &Gradient{Grad: make([]float64, size), Pairs: len(xs) * n * (tEnd - p.D)}
	if opt.Support > 0 {
		g.Counts, g.Kept, err = sparseGrad(w, p, targets, xs, opt, tu, g.Grad)
		if errors.Is(err, errDense) {
			// Most pairs are near threshold: the same truncated gradient
			// is cheaper through the batched matrix products. sparseGrad
			// writes g.Grad only once every trial has run, so it is still
			// zero here.
			g.Counts, g.Kept, err = exactGrad(w, p, targets, xs, opt, tu, g.Grad)
		}
	} else {
		g.Counts, g.Kept, err = exactGrad(w, p, targets, xs, opt, tu, g.Grad)
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// gradSize returns the length of the gradient of w: its number of
// weights, dense or stored.
func gradSize(w network.Synapses) (int, error) {
	switch w := w.(type) {
	case *network.Weights:
		if w != nil {
			return len(w.W), nil
		}
	case *network.Sparse:
		if w != nil {
			return len(w.W), nil
		}
	}
	return 0, fmt.Errorf("weights %T: pass dense *network.Weights or sparse *network.Sparse", w)
}

// checkGrad checks the arguments of compute.
func checkGrad(w network.Synapses, p network.Params, targets *raster.Set, xs []*raster.Raster, opt GradOptions, tu tuning) error {
	n, d := w.Size()
	if d != p.D {
		return fmt.Errorf("weights have D = %d delays, parameters D = %d", d, p.D)
	}
	if len(xs) != targets.M() {
		return fmt.Errorf("%d inputs for %d target patterns", len(xs), targets.M())
	}
	if err := p.Validate(targets.T); err != nil {
		return err
	}
	if targets.N != n {
		return fmt.Errorf("targets have %d neurons, weights have %d", targets.N, n)
	}
	for m, x := range xs {
		if x.N != n || x.T != p.Len(targets.T) {
			return fmt.Errorf("input %d is %d×%d, want %d neurons × %d steps", m, x.N, x.T, n, p.Len(targets.T))
		}
	}
	if math.IsNaN(opt.Alpha) || opt.Alpha <= 0 {
		return fmt.Errorf("alpha = %v: the surrogate steepness must be positive", opt.Alpha)
	}
	if math.IsNaN(opt.Support) || opt.Support < 0 {
		return fmt.Errorf("surrogate support = %v: must be ≥ 0 (0 = exact)", opt.Support)
	}
	if math.IsNaN(tu.denseShare) || tu.denseShare < 0 {
		return fmt.Errorf("dense share = %v: must be ≥ 0 (0 = default 0.25)", tu.denseShare)
	}
	return nil
}

// errDense tells compute that a trial of the sparse pass kept more than
// tuning.denseShare of its pairs.
var errDense = errors.New("sparse pass kept too many pairs")

// simOptions returns the options of trial m of the batch.
func (o GradOptions) simOptions(m int) network.Options {
	var s network.Options
	if o.Dropout > 0 {
		s.Dropout = o.Dropout
		s.Mask = rng.Stream(o.Seed, rng.Dropout, o.Round, uint64(m))
	}
	return s
}

// eachTrial runs the trials xs (trial c0+k of the batch is xs[k]) on all
// cores, each through a network.Stepper, calling step after every step
// (if not nil) and done with the finished state, on the trial's goroutine.
func eachTrial(w network.Synapses, p network.Params, xs []*raster.Raster, opt GradOptions, tu tuning, c0 int,
	step func(k int, s *network.Stepper), done func(k int, st *network.State) error) error {
	return parallel.For(len(xs), func(k int) error {
		s, err := network.NewStepper(w, p, xs[k], opt.simOptions(c0+k))
		if err != nil {
			return fmt.Errorf("trial %d: %w", c0+k, err)
		}
		for n := 0; s.Step(); n++ {
			if step != nil {
				step(k, s)
			}
			if n%64 == 63 {
				if err := tu.cancelled(); err != nil {
					return err
				}
			}
		}
		return done(k, s.State())
	})
}
