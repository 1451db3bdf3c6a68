package margin

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// fireEps makes "spike" strict when κ = 0: the simulator fires on u > θ.
const fireEps = 1e-9

// Store returns weights that store every pattern of set with margin κ
// (see the package documentation), starting from w0 (nil: zero weights).
// w0 is not modified. Cancelling ctx stops every neuron within one pass
// and returns ctx's error with the weights of the neurons solved so far
// (the others keep w0's), so that the caller can checkpoint them.
func Store(ctx context.Context, p network.Params, set *raster.Set, w0 *network.Weights, c Config, h Hooks) (*network.Weights, Report, error) {
	if err := set.Validate(); err != nil {
		return nil, Report{}, err
	}
	if w0 != nil && (w0.N != set.N || w0.D != p.D) {
		return nil, Report{}, fmt.Errorf("starting weights are N = %d, D = %d; patterns and parameters need N = %d, D = %d", w0.N, w0.D, set.N, p.D)
	}
	if err := network.CheckFits(set.N, p.D, 1); err != nil {
		return nil, Report{}, err
	}
	var w *network.Weights
	if w0 != nil {
		w = w0.Clone()
	} else {
		w = network.NewWeights(set.N, p.D)
	}
	if h.Solved != nil && len(h.Solved) != set.N {
		return nil, Report{}, fmt.Errorf("resume mask has %d neurons, want %d", len(h.Solved), set.N)
	}
	pr, err := newProblem(p, set, c)
	if err != nil {
		return nil, Report{}, err
	}
	rep := Report{Constraints: pr.constraints(), Tracks: len(pr.tracks), Entries: len(pr.entries)}
	for _, f := range pr.fires {
		rep.Spiking += len(f)
	}
	var todo []int
	for j := 0; j < set.N; j++ {
		if h.Solved == nil || !h.Solved[j] {
			todo = append(todo, j)
		}
	}
	err = pr.solveAll(ctx, w, c, todo, func(n Neuron) error {
		rep.Neurons = append(rep.Neurons, n)
		if h.OnNeuron != nil {
			return h.OnNeuron(n, w)
		}
		return nil
	})
	rep.summarise()
	return w, rep, err
}

// summarise fills the totals from the per-neuron outcomes and sorts them.
func (r *Report) summarise() {
	slices.SortFunc(r.Neurons, func(a, b Neuron) int { return a.Index - b.Index })
	for _, n := range r.Neurons {
		if n.Violations == 0 {
			r.Converged++
		}
		r.Passes = max(r.Passes, n.Passes)
		r.Updates += n.Updates
		r.Violations += n.Violations
	}
}

// solveAll solves the neurons in todo on all cores. Each worker solves one
// neuron alone on a private copy of its weights; the results are written
// into w and reported by done on the calling goroutine, one at a time.
func (pr *problem) solveAll(ctx context.Context, w *network.Weights, c Config, todo []int, done func(Neuron) error) error {
	type result struct {
		n   Neuron
		col []float64
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := pr.newSolver(c)
			for j := range jobs {
				col := column(w, j)
				n, err := s.solve(ctx, j, col)
				results <- result{n, col, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, j := range todo {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var first error
	for r := range results {
		if r.err != nil {
			if first == nil {
				first = r.err
				cancel()
			}
			continue
		}
		if first != nil {
			continue
		}
		setColumn(w, r.n.Index, r.col)
		if err := done(r.n); err != nil {
			first = err
			cancel()
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// column returns the incoming weights of neuron j, indexed i·D + d − 1.
// Reading other neurons' entries while they are written is safe: only
// neuron j's entries are read, and only the caller writes them.
func column(w *network.Weights, j int) []float64 {
	col := make([]float64, w.N*w.D)
	for r := range col {
		col[r] = w.W[r*w.N+j]
	}
	return col
}

// setColumn writes the incoming weights of neuron j.
func setColumn(w *network.Weights, j int, col []float64) {
	for r, v := range col {
		w.W[r*w.N+j] = v
	}
}

// solver holds one worker's scratch space.
type solver struct {
	pr   *problem
	c    Config
	fire [][]bool // per track, per step: must the neuron spike
	// lambda holds, per track and step, the correction accumulated at
	// that step (the dual variable of its constraint), ≥ 0.
	lambda [][]float64
}

func (pr *problem) newSolver(c Config) *solver {
	s := &solver{pr: pr, c: c, fire: make([][]bool, len(pr.tracks)), lambda: make([][]float64, len(pr.tracks))}
	for k, tr := range pr.tracks {
		s.fire[k] = make([]bool, tr.end)
		s.lambda[k] = make([]float64, tr.end)
	}
	return s
}

// solve runs passes for neuron j on its incoming weights col until a pass
// finds no violation, MaxPasses is reached or ctx is cancelled.
func (s *solver) solve(ctx context.Context, j int, col []float64) (Neuron, error) {
	for _, f := range s.pr.fires[j] {
		s.fire[f.track][f.step] = true
	}
	defer func() {
		for _, f := range s.pr.fires[j] {
			s.fire[f.track][f.step] = false
		}
		for _, l := range s.lambda {
			clear(l)
		}
	}()
	n := Neuron{Index: j}
	for n.Passes < s.c.MaxPasses {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		n.Passes++
		relax := n.Passes <= s.c.DualPasses
		var sum passStats
		sum.slack = math.Inf(1)
		for k := range s.pr.tracks {
			sum.add(s.pass(k, col, relax))
		}
		n.Updates += sum.updates
		viol := sum.fire + sum.silent + sum.quiet
		n.Violations, n.Quiet, n.Slack = viol, sum.quiet, sum.slack
		if viol == 0 {
			break
		}
	}
	return n, nil
}

// passStats counts what a pass over one or more tracks found and did.
type passStats struct {
	// fire, silent and quiet count the violated spiking steps, silent
	// steps of the replay, and silent steps before it.
	fire, silent, quiet int
	updates             int
	slack               float64
}

// add sums b into a.
func (a *passStats) add(b passStats) {
	a.fire, a.silent, a.quiet, a.updates = a.fire+b.fire, a.silent+b.silent, a.quiet+b.quiet, a.updates+b.updates
	a.slack = min(a.slack, b.slack)
}

// pass walks track k in time order under teacher forcing, correcting every
// violated step as it goes (and, when relax is true, giving back the
// corrections of over-satisfied steps). It returns the violations found,
// the updates made and the smallest slack seen (before any correction).
func (s *solver) pass(k int, col []float64, relax bool) (st passStats) {
	p, tr := s.pr.p, s.pr.tracks[k]
	fire, lambda := s.fire[k], s.lambda[k]
	entries := s.pr.entries
	hi, lo := p.Theta+s.c.Margin+fireEps, p.Theta-s.c.Margin
	quiet := lo - s.c.QuietMargin
	beta, theta := p.Beta, p.Theta
	st.slack = math.Inf(1)
	u := 0.0
	for t := p.D; t < tr.end; t++ {
		ctx := entries[tr.off[t-p.D]:tr.off[t-p.D+1]]
		prev := u
		r := 0.0
		if t-1 >= tr.start && fire[t-1] {
			r = 1
		}
		if p.Reset == network.Zero && r == 1 {
			prev = 0
		}
		cur := 0.0
		for _, e := range ctx {
			cur += col[e]
		}
		u = next(p.Reset, beta, prev, cur, theta, r)
		var short float64 // how far u is on the wrong side of its bound
		switch {
		case fire[t]:
			short = hi - u
		case t < tr.start:
			short = u - quiet
		default:
			short = u - lo
		}
		st.slack = min(st.slack, -short)
		if short > 0 {
			switch {
			case fire[t]:
				st.fire++
			case t < tr.start:
				st.quiet++
			default:
				st.silent++
			}
		}
		if len(ctx) == 0 || short <= 0 && (!relax || lambda[t] == 0) {
			continue // nothing to adjust
		}
		step := s.c.Rate * short / float64(len(ctx))
		if relax {
			// Hildreth's step: the accumulated correction never goes
			// below zero, so over-satisfied steps give back theirs.
			step = max(step, -lambda[t])
			lambda[t] += step
		}
		if !fire[t] {
			step = -step
		}
		if bound := s.c.MaxWeight; bound > 0 {
			for _, e := range ctx {
				col[e] = min(max(col[e]+step, -bound), bound)
			}
		} else {
			for _, e := range ctx {
				col[e] += step
			}
		}
		st.updates++
		cur = 0
		for _, e := range ctx {
			cur += col[e]
		}
		u = next(p.Reset, beta, prev, cur, theta, r)
	}
	return st
}

// next is the membrane update of the simulator (SPEC §2.1), written as it
// is there so that the teacher-forced membrane equals the simulated one
// bit for bit. prev is already zeroed after a spike under zero reset.
func next(reset network.Reset, beta, prev, cur, theta, r float64) float64 {
	if reset == network.Subtract {
		return beta*prev + cur - theta*r
	}
	return beta*prev + cur
}
