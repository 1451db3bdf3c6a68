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
	rep, err := store(ctx, p, set, denseColumns{w}, c, h)
	return w, rep, err
}

// StoreSparse is Store on sparse weights: it solves every neuron j over
// its existing incoming synapses only — the entries of s0 whose
// postsynaptic neuron is j, K presynaptic neurons × D delays on a fan-in-K
// connectivity (initw.Connectivity.Sparse) — and returns weights with the
// support of s0, zero-weight entries included; synapses that s0 does not
// store stay absent. s0 holds the starting weights and is not modified.
//
// Each neuron's contexts are filtered once to its own synapses, so a
// pass costs the active synapses it has, a fraction K/N of the dense
// solve's. On a full connectivity (K = N) the weights are those of Store,
// bit for bit: every context sums the same entries in the same order.
// Hooks.OnNeuron receives the *network.Sparse being solved.
func StoreSparse(ctx context.Context, p network.Params, set *raster.Set, s0 *network.Sparse, c Config, h Hooks) (*network.Sparse, Report, error) {
	if err := set.Validate(); err != nil {
		return nil, Report{}, err
	}
	if s0 == nil {
		return nil, Report{}, fmt.Errorf("sparse margin storage needs starting weights: their entries are the synapses that exist (see initw.Connectivity.Sparse)")
	}
	if s0.N != set.N || s0.D != p.D {
		return nil, Report{}, fmt.Errorf("starting weights are N = %d, D = %d; patterns and parameters need N = %d, D = %d", s0.N, s0.D, set.N, p.D)
	}
	if err := s0.Validate(); err != nil {
		return nil, Report{}, err
	}
	s := s0.Clone()
	rep, err := store(ctx, p, set, newSparseColumns(s), c, h)
	return s, rep, err
}

// store solves the neurons of set not marked solved in h on the weights
// cols, which it updates.
func store(ctx context.Context, p network.Params, set *raster.Set, cols columns, c Config, h Hooks) (Report, error) {
	if h.Solved != nil && len(h.Solved) != set.N {
		return Report{}, fmt.Errorf("resume mask has %d neurons, want %d", len(h.Solved), set.N)
	}
	pr, err := newProblem(p, set, c)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Constraints: pr.constraints(), Tracks: len(pr.tracks), Entries: len(pr.entries)}
	if _, sparse := cols.(*sparseColumns); sparse {
		// Every worker filters the contexts to its neuron's synapses:
		// at most a copy of them and of their offsets each.
		workers := float64(runtime.GOMAXPROCS(0))
		need := workers * (4*float64(len(pr.entries)) + 8*float64(rep.Constraints+len(pr.tracks)))
		if err := network.CheckMemory(need, fmt.Sprintf("the contexts of %d patterns filtered to each neuron's synapses", set.M()), "store fewer or shorter patterns, or use fewer cores (GOMAXPROCS)"); err != nil {
			return Report{}, err
		}
	}
	for _, f := range pr.fires {
		rep.Spiking += len(f)
	}
	var todo []int
	for j := 0; j < set.N; j++ {
		if h.Solved == nil || !h.Solved[j] {
			todo = append(todo, j)
		}
	}
	err = pr.solveAll(ctx, cols, c, todo, func(n Neuron) error {
		rep.Neurons = append(rep.Neurons, n)
		if h.OnNeuron != nil {
			return h.OnNeuron(n, cols.synapses())
		}
		return nil
	})
	rep.summarise()
	return rep, err
}

// columns gives access to the incoming weights of each neuron.
type columns interface {
	// column returns the incoming weights of neuron j and the rows
	// (i·D + d − 1) they belong to, ascending; rows is nil when the
	// neuron has all N·D of them (col is then indexed by row). Only
	// neuron j's weights are read, so it is safe while another
	// neuron's are written.
	column(j int) (rows []int32, col []float64)
	// setColumn writes the incoming weights of neuron j.
	setColumn(j int, col []float64)
	// synapses returns the weights.
	synapses() network.Synapses
}

// denseColumns are the columns of a dense tensor.
type denseColumns struct{ w *network.Weights }

func (d denseColumns) column(j int) ([]int32, []float64) {
	w := d.w
	col := make([]float64, w.N*w.D)
	for r := range col {
		col[r] = w.W[r*w.N+j]
	}
	return nil, col
}

func (d denseColumns) setColumn(j int, col []float64) {
	w := d.w
	for r, v := range col {
		w.W[r*w.N+j] = v
	}
}

func (d denseColumns) synapses() network.Synapses { return d.w }

// sparseColumns are the columns of a Sparse tensor, through the
// transpose of its index: neuron j has synapses in the rows
// row[start[j]:start[j+1]], ascending; the entry of each is found by a
// binary search of j in its row (4 bytes of index per synapse instead of
// 12 for the rows and the entries).
type sparseColumns struct {
	s     *network.Sparse
	start []int64
	row   []int32
}

// newSparseColumns transposes the index of s (not its weights).
func newSparseColumns(s *network.Sparse) *sparseColumns {
	c := &sparseColumns{s: s, start: make([]int64, s.N+1), row: make([]int32, len(s.Post))}
	for _, j := range s.Post {
		c.start[j+1]++
	}
	for j := 0; j < s.N; j++ {
		c.start[j+1] += c.start[j]
	}
	next := slices.Clone(c.start[:s.N])
	for r := 0; r < s.N*s.D; r++ {
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			j := s.Post[k]
			c.row[next[j]] = int32(r)
			next[j]++
		}
	}
	return c
}

// entry returns the index into s.W of the synapse onto j in row r.
func (c *sparseColumns) entry(j int, r int32) int64 {
	a, b := c.s.Start[r], c.s.Start[r+1]
	k, _ := slices.BinarySearch(c.s.Post[a:b], int32(j))
	return a + int64(k)
}

func (c *sparseColumns) column(j int) ([]int32, []float64) {
	a, b := c.start[j], c.start[j+1]
	rows := c.row[a:b:b]
	if rows == nil {
		rows = []int32{} // no synapse at all: not the dense case
	}
	col := make([]float64, len(rows))
	for x, r := range rows {
		col[x] = c.s.W[c.entry(j, r)]
	}
	return rows, col
}

func (c *sparseColumns) setColumn(j int, col []float64) {
	for x, r := range c.row[c.start[j]:c.start[j+1]] {
		c.s.W[c.entry(j, r)] = col[x]
	}
}

func (c *sparseColumns) synapses() network.Synapses { return c.s }

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
func (pr *problem) solveAll(ctx context.Context, w columns, c Config, todo []int, done func(Neuron) error) error {
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
				rows, col := w.column(j)
				n, err := s.solve(ctx, j, rows, col)
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
		w.setColumn(r.n.Index, r.col)
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

// solver holds one worker's scratch space.
type solver struct {
	pr   *problem
	c    Config
	fire [][]bool // per track, per step: must the neuron spike
	// lambda holds, per track and step, the correction accumulated at
	// that step (the dual variable of its constraint), ≥ 0.
	lambda [][]float64
	// entries and off are the contexts the passes read: the problem's
	// (off[k] = tracks[k].off) for a neuron with every synapse, else
	// those filtered to the neuron's synapses, as indices into its
	// column (local and localOff).
	entries []int32
	off     [][]int
	// local, localOff and index hold a neuron's filtered contexts; index
	// maps a row i·D + d − 1 to its place in the neuron's column, −1 when
	// the neuron has no such synapse (allocated on the first sparse
	// neuron, restored after each).
	local    []int32
	localOff [][]int
	index    []int32
}

func (pr *problem) newSolver(c Config) *solver {
	s := &solver{pr: pr, c: c, fire: make([][]bool, len(pr.tracks)), lambda: make([][]float64, len(pr.tracks)), off: make([][]int, len(pr.tracks))}
	for k, tr := range pr.tracks {
		s.fire[k] = make([]bool, tr.end)
		s.lambda[k] = make([]float64, tr.end)
	}
	return s
}

// view points the passes at the contexts of a neuron whose synapses are
// rows (nil: all N·D): the problem's own, or a copy filtered to its
// synapses, each entry renamed to its place in the neuron's column. The
// order of the entries within a context is kept, so the currents are
// summed as the simulator sums them.
func (s *solver) view(rows []int32) {
	if rows == nil {
		s.entries = s.pr.entries
		for k, tr := range s.pr.tracks {
			s.off[k] = tr.off
		}
		return
	}
	if s.index == nil {
		s.index = make([]int32, s.pr.set.N*s.pr.p.D)
		for r := range s.index {
			s.index[r] = -1
		}
		s.localOff = make([][]int, len(s.pr.tracks))
	}
	for x, r := range rows {
		s.index[r] = int32(x)
	}
	s.local = s.local[:0]
	for k, tr := range s.pr.tracks {
		off := s.localOff[k][:0]
		for c := 0; c+1 < len(tr.off); c++ {
			off = append(off, len(s.local))
			for _, e := range s.pr.entries[tr.off[c]:tr.off[c+1]] {
				if x := s.index[e]; x >= 0 {
					s.local = append(s.local, x)
				}
			}
		}
		s.localOff[k] = append(off, len(s.local))
		s.off[k] = s.localOff[k]
	}
	s.entries = s.local
	for _, r := range rows {
		s.index[r] = -1
	}
}

// solve runs passes for neuron j on its incoming weights col until a pass
// finds no violation, MaxPasses is reached or ctx is cancelled.
func (s *solver) solve(ctx context.Context, j int, rows []int32, col []float64) (Neuron, error) {
	s.view(rows)
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
	entries, off := s.entries, s.off[k]
	hi, lo := p.Theta+s.c.Margin+fireEps, p.Theta-s.c.Margin
	quiet := lo - s.c.QuietMargin
	beta, theta := p.Beta, p.Theta
	st.slack = math.Inf(1)
	u := 0.0
	for t := p.D; t < tr.end; t++ {
		ctx := entries[off[t-p.D]:off[t-p.D+1]]
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
