package initw

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/hdsnn/hdsnn/internal/parallel"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Connectivity is a structural connectivity of fan-in K: every
// postsynaptic neuron receives from K distinct presynaptic neurons
// (possibly itself, as in the dense tensor), at all D delays. Synapses
// outside it do not exist.
type Connectivity struct {
	N, K int
	// Pre lists the K presynaptic neurons of every postsynaptic neuron j,
	// ascending: Pre[j·K : (j+1)·K].
	Pre []int32
}

// NewConnectivity draws a connectivity of n neurons with fan-in k. The
// presynaptic neurons of postsynaptic neuron j are a uniform sample of k
// of the n neurons drawn from the stream (seed, rng.Connectivity, j)
// (Floyd's algorithm), so the connectivity depends only on the seed,
// never on the number of cores.
func NewConnectivity(n, k int, seed uint64) (*Connectivity, error) {
	if n <= 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("connectivity of %d neurons: need 1 to %d", n, math.MaxInt32)
	}
	if k <= 0 || k > n {
		return nil, fmt.Errorf("fan-in %d: each neuron can receive from 1 to N = %d neurons; set the fan-in in that range", k, n)
	}
	c := &Connectivity{N: n, K: k, Pre: make([]int32, n*k)}
	const chunk = 256
	err := parallel.For((n+chunk-1)/chunk, func(b int) error {
		mark := make([]bool, n)
		for j := b * chunk; j < min(n, (b+1)*chunk); j++ {
			r := rng.Stream(seed, rng.Connectivity, uint64(j))
			pre := c.Pre[j*k : (j+1)*k]
			for v, m := n-k, 0; v < n; v, m = v+1, m+1 {
				t := r.IntN(v + 1)
				if mark[t] {
					t = v
				}
				mark[t] = true
				pre[m] = int32(t)
			}
			slices.Sort(pre)
			for _, i := range pre {
				mark[i] = false
			}
		}
		return nil
	})
	return c, err
}

// Has reports whether post receives from pre.
func (c *Connectivity) Has(post, pre int) bool {
	_, ok := slices.BinarySearch(c.Pre[post*c.K:(post+1)*c.K], int32(pre))
	return ok
}

// posts returns, for every presynaptic neuron i, the postsynaptic neurons
// it projects to, ascending, as CSR (start has N + 1 offsets).
func (c *Connectivity) posts() (start []int64, post []int32) {
	start = make([]int64, c.N+1)
	for _, i := range c.Pre {
		start[i+1]++
	}
	for i := 0; i < c.N; i++ {
		start[i+1] += start[i]
	}
	post = make([]int32, len(c.Pre))
	next := slices.Clone(start[:c.N])
	for j := 0; j < c.N; j++ {
		for _, i := range c.Pre[j*c.K : (j+1)*c.K] {
			post[next[i]] = int32(j)
			next[i]++
		}
	}
	return start, post
}

// Sparse returns the connectivity as a Sparse tensor of d delays whose
// every synapse has weight zero: N·K·D entries, the fixed support on
// which training can then learn.
func (c *Connectivity) Sparse(d int) *network.Sparse {
	start, post := c.posts()
	n := c.N
	s := &network.Sparse{N: n, D: d, Start: make([]int64, n*d+1), Post: make([]int32, 0, len(post)*d), W: make([]float64, len(post)*d)}
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			s.Post = append(s.Post, post[start[i]:start[i+1]]...)
			s.Start[i*d+k+1] = int64(len(s.Post))
		}
	}
	return s
}

// Bytes returns the memory of the connectivity's list.
func (c *Connectivity) Bytes() int64 { return 4 * int64(len(c.Pre)) }

// hebbContexts holds, for every context (pattern μ, step t ≥ D) in the order
// Hebbian initialisation visits them, its scale and its nonzero targets.
type hebbContexts struct {
	d, t  int       // delays, pattern length
	scale []float64 // per context
	// termScale, with a connectivity and row normalisation, replaces
	// scale: the scale of each target, 1 / the context's active entries
	// that target receives from.
	termScale []float64
	start     []int     // per context, into terms; one more
	terms     []term    // targets
	spike     [][]int64 // per pattern: CSR offsets of each neuron's spike steps
	steps     [][]int32 // per pattern: each neuron's spike steps, ascending
	bound     int64     // Σ context size × targets: an upper bound on entries
	norm      Norm      // the normalisation
	stats     Stats     // Contexts and Active
	inv       float64   // 1/Z, applied when Z ≠ 1
	z1        bool      // Z == 1
}

// newHebbContexts lists the contexts of set under rule c and normalisation
// norm.
func newHebbContexts(set *raster.Set, d int, c rule, norm Norm) *hebbContexts {
	x := &hebbContexts{d: d, t: set.T, start: []int{0}, norm: norm}
	x.stats.Contexts = set.M() * (set.T - d)
	var ys []term
	for _, p := range set.Patterns {
		for t := d; t < set.T; t++ {
			size := contextSize(p, t, d)
			x.stats.Active += size
			ys = c.targets(p, t, ys)
			scale := 1.0
			if norm == Row && size > 0 {
				scale = 1 / float64(size)
			}
			if size == 0 {
				ys = ys[:0] // no presynaptic spike: the context adds nothing
			}
			x.scale = append(x.scale, scale)
			x.terms = append(x.terms, ys...)
			x.start = append(x.start, len(x.terms))
			x.bound += int64(size) * int64(len(ys))
		}
		start := make([]int64, set.N+1)
		for _, ns := range p.Steps {
			for _, i := range ns {
				start[i+1]++
			}
		}
		for i := 0; i < set.N; i++ {
			start[i+1] += start[i]
		}
		steps := make([]int32, start[set.N])
		next := slices.Clone(start[:set.N])
		for s, ns := range p.Steps {
			for _, i := range ns {
				steps[next[i]] = int32(s)
				next[i]++
			}
		}
		x.spike = append(x.spike, start)
		x.steps = append(x.steps, steps)
	}
	switch norm {
	case Column:
		x.stats.Z = float64(x.stats.Active) / float64(set.N*d)
	case Context:
		x.stats.Z = float64(x.stats.Active) / float64(x.stats.Contexts)
	case Row:
		x.stats.Z = 1
	}
	x.z1 = x.stats.Z == 1
	x.inv = 1 / x.stats.Z
	return x
}

// connect adapts the normalisation to the connectivity conn: a target
// receives only from the active entries of a context that connect to it,
// on average K/N of them. Row normalisation then scales each target's
// term by 1 / the number of active entries connected to it (counted
// exactly), so that a stored context still drives every target with the
// current of its target value; context normalisation divides by the mean
// number of connected entries, Z·K/N. Column normalisation, which
// counts contexts per entry, is kept.
//
// It also counts, for the memory estimate, the contributions of every
// context to existing synapses (x.bound), which bound the entries.
func (x *hebbContexts) connect(ctx context.Context, set *raster.Set, conn *Connectivity) error {
	if x.norm == Context {
		x.stats.Z *= float64(conn.K) / float64(conn.N)
		x.z1 = x.stats.Z == 1
		x.inv = 1 / x.stats.Z
	}
	counts := make([]int32, len(x.terms))
	per := x.t - x.d
	err := parallel.For(set.M(), func(m int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := set.Patterns[m]
		mark := make([]int32, set.N) // spikes of each neuron in the window
		for t := 0; t < x.d; t++ {
			for _, i := range p.Steps[t] {
				mark[i]++
			}
		}
		for t := x.d; t < x.t; t++ {
			if t > x.d {
				for _, i := range p.Steps[t-1] {
					mark[i]++
				}
				for _, i := range p.Steps[t-1-x.d] {
					mark[i]--
				}
			}
			c := m*per + t - x.d
			for k := x.start[c]; k < x.start[c+1]; k++ {
				j := int(x.terms[k].neuron)
				n := int32(0)
				for _, i := range conn.Pre[j*conn.K : (j+1)*conn.K] {
					n += mark[i]
				}
				counts[k] = n
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	x.bound = 0
	for _, n := range counts {
		x.bound += int64(n)
	}
	if x.norm == Row {
		x.termScale = make([]float64, len(x.terms))
		for k, n := range counts {
			if n > 0 {
				x.termScale[k] = 1 / float64(n)
			}
		}
	}
	return nil
}

// EstimateSparse returns an upper bound on the memory InitSparse needs
// for the patterns of set with d delays and connectivity conn (nil: all
// to all), for network.CheckMemory before any tensor is allocated.
func EstimateSparse(set *raster.Set, d int, conn *Connectivity) float64 {
	var bound int64
	for _, p := range set.Patterns {
		for t := d; t < set.T; t++ {
			// Matched and deconvolved targets hold at most the spikes of
			// two steps.
			bound += int64(contextSize(p, t, d)) * int64(len(p.Steps[t])+len(p.Steps[t-1]))
		}
	}
	return estimate(set.N, d, bound, conn)
}

// estimate bounds the memory of sparse Hebbian weights of at most bound
// entries: twice the entries (the rows computed, then the tensor) plus
// the connectivity's per-presynaptic list.
func estimate(n, d int, bound int64, conn *Connectivity) float64 {
	most := float64(n) * float64(n) * float64(d)
	extra := 0.0
	if conn != nil {
		most = float64(n) * float64(conn.K) * float64(d)
		extra = 8*float64(n+1) + float64(conn.Bytes())
	}
	entries := min(float64(bound), most)
	return 2*network.SparseBytes(n, d, int64(entries)) + extra
}

// InitSparse computes Hebbian weights as Init does, but as a Sparse
// tensor that holds only the synapses of conn (all N² pairs when conn is
// nil) whose weight is not zero, without ever allocating the dense
// N×N×D tensor: its cost and memory grow with the pairs of a presynaptic
// spike and a target that the patterns hold. Without a connectivity its
// weights are those of Init with the zero entries dropped, bit for bit
// (every entry sums the same terms in the same order). With one, only the
// connectivity's synapses are built, and the normalisation counts only
// the entries of a context that connect to each target (see
// hebbContexts.connect): row normalisation divides each term by the
// context's active entries that its target receives from, so a stored
// context still drives its targets with their target currents. It
// refuses, wrapping
// network.ErrTooLarge, when its estimate of the memory (EstimateSparse)
// exceeds what the machine has. The pseudo-inverse needs dense linear
// algebra and is refused.
func InitSparse(ctx context.Context, set *raster.Set, p network.Params, c Config, conn *Connectivity) (*network.Sparse, Stats, error) {
	if err := check(set, p, c); err != nil {
		return nil, Stats{}, err
	}
	if c.Method != Hebbian {
		return nil, Stats{}, fmt.Errorf("the %v initialisation needs the dense tensor; use hebbian initialisation for sparse weights, or dense weights (--weights-format dense) without a fan-in", c.Method)
	}
	if conn != nil && conn.N != set.N {
		return nil, Stats{}, fmt.Errorf("connectivity of %d neurons for patterns of %d neurons", conn.N, set.N)
	}
	n, d := set.N, p.D
	if n > math.MaxInt32 {
		return nil, Stats{}, fmt.Errorf("%d neurons do not fit 32-bit indices", n)
	}
	x := newHebbContexts(set, d, rule{target: c.Target, beta: p.Beta, theta: p.Theta, reset: p.Reset}, c.Norm)
	var cStart []int64
	var cPost []int32
	if conn != nil {
		if err := x.connect(ctx, set, conn); err != nil {
			return nil, Stats{}, err
		}
	}
	if err := network.CheckMemory(estimate(n, d, x.bound, conn), fmt.Sprintf("sparse Hebbian weights of N = %d, D = %d", n, d), "use a smaller fan-in, fewer neurons, patterns or delays"); err != nil {
		return nil, Stats{}, err
	}
	if conn != nil {
		cStart, cPost = conn.posts()
	}
	type block struct {
		count []int64 // entries per row
		post  []int32
		w     []float64
	}
	const chunk = 64 // presynaptic neurons per job
	blocks := make([]block, (n+chunk-1)/chunk)
	err := parallel.For(len(blocks), func(b int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		i0, i1 := b*chunk, min(n, (b+1)*chunk)
		bl := block{count: make([]int64, (i1-i0)*d)}
		acc := make([]float64, n)
		hit := make([]bool, n)
		var allowed []bool
		if conn != nil {
			allowed = make([]bool, n)
		}
		var touched []int32
		for i := i0; i < i1; i++ {
			if conn != nil {
				for _, j := range cPost[cStart[i]:cStart[i+1]] {
					allowed[j] = true
				}
			}
			for k := 1; k <= d; k++ {
				touched = x.row(acc, hit, allowed, touched[:0], i, k)
				slices.Sort(touched)
				before := len(bl.post)
				for _, j := range touched {
					v := acc[j]
					if !x.z1 {
						v *= x.inv
					}
					if v != 0 {
						bl.post = append(bl.post, j)
						bl.w = append(bl.w, v)
					}
					acc[j], hit[j] = 0, false
				}
				bl.count[(i-i0)*d+k-1] = int64(len(bl.post) - before)
			}
			if conn != nil {
				for _, j := range cPost[cStart[i]:cStart[i+1]] {
					allowed[j] = false
				}
			}
		}
		blocks[b] = bl
		return nil
	})
	if err != nil {
		return nil, Stats{}, err
	}
	var total int64
	for _, bl := range blocks {
		total += int64(len(bl.post))
	}
	s := &network.Sparse{N: n, D: d, Start: make([]int64, 1, n*d+1), Post: make([]int32, 0, total), W: make([]float64, 0, total)}
	for b := range blocks {
		for _, c := range blocks[b].count {
			s.Start = append(s.Start, s.Start[len(s.Start)-1]+c)
		}
		s.Post = append(s.Post, blocks[b].post...)
		s.W = append(s.W, blocks[b].w...)
		blocks[b] = block{}
	}
	st := x.stats
	st.Synapses = s.Entries()
	return s, st, nil
}

// row accumulates into acc the unnormalised Hebbian weights of row (pre
// i, delay k) — Σ over contexts (μ, t) with i spiking at t − k of
// scale·y(μ, t) — visiting the contexts in the order the dense
// initialisation does, so each sum is the same. Only posts marked in
// allowed are kept (all when allowed is nil); the posts first touched are
// appended to touched (marked in hit), which is returned.
func (x *hebbContexts) row(acc []float64, hit, allowed []bool, touched []int32, i, k int) []int32 {
	per := x.t - x.d
	for m, start := range x.spike {
		for _, s := range x.steps[m][start[i]:start[i+1]] {
			t := int(s) + k
			if t < x.d || t >= x.t {
				continue
			}
			c := m*per + t - x.d
			scale := x.scale[c]
			for n, y := range x.terms[x.start[c]:x.start[c+1]] {
				j := y.neuron
				if allowed != nil && !allowed[j] {
					continue
				}
				if x.termScale != nil {
					scale = x.termScale[x.start[c]+n]
				}
				if !hit[j] {
					hit[j] = true
					touched = append(touched, j)
				}
				acc[j] += scale * y.value
			}
		}
	}
	return touched
}

// Place returns the weights of s placed on the whole support of c: the
// connectivity's N·K·D synapses (c.Sparse(s.D)), each with its weight in
// s, zero where s stores none. Training on the result can then grow any
// synapse of the connectivity, not only those s stores. It never
// allocates N²·D, only the N·K·D entries, and refuses s when one of its
// entries is not a synapse of c.
func (c *Connectivity) Place(s *network.Sparse) (*network.Sparse, error) {
	if s.N != c.N {
		return nil, fmt.Errorf("weights of %d neurons on a connectivity of %d", s.N, c.N)
	}
	full := c.Sparse(s.D)
	for r := 0; r < s.N*s.D; r++ {
		a, b := s.Start[r], s.Start[r+1]
		for k := full.Start[r]; k < full.Start[r+1] && a < b; k++ {
			if full.Post[k] == s.Post[a] {
				full.W[k] = s.W[a]
				a++
			}
		}
		if a < b {
			return nil, fmt.Errorf("synapse [post %d, pre %d, delay %d] is not in the fan-in-%d connectivity", s.Post[a], r/s.D, r%s.D+1, c.K)
		}
	}
	return full, nil
}
