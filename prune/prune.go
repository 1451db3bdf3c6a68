// Package prune fits sparse weights into the budgets of neuromorphic
// hardware: a maximum delay, k delays per connection, a fan-in and a
// global fraction of the synapses, each kept by the magnitude of the
// weights.
//
// A connection is a (post, pre) pair of neurons; its synapses are the
// entries of that pair at its delays. Every function returns a new
// *network.Sparse holding a subset of the entries of its argument, with
// their weights unchanged; the argument is not modified. Ties in |w| are
// broken by index, so the result is the same on every machine: the
// smaller delay, the smaller presynaptic neuron or the earlier entry in
// (pre, delay, post) order wins.
package prune

import (
	"fmt"
	"math"
	"slices"

	"github.com/hdsnn/hdsnn/network"
)

// Budget is a set of limits on sparse weights; a zero field sets no
// limit.
type Budget struct {
	// MaxDelay drops every synapse whose delay (steps) exceeds it.
	MaxDelay int `json:"max_delay,omitempty"`
	// DelaysPerConnection keeps the k synapses of largest |w| of every
	// (post, pre) connection (1: one delay per synapse).
	DelaysPerConnection int `json:"delays_per_connection,omitempty"`
	// FanIn keeps, for every postsynaptic neuron, the synapses of the
	// FanIn presynaptic neurons whose connections are strongest (Σ|w|
	// over the connection's synapses).
	FanIn int `json:"fan_in,omitempty"`
	// Keep is the fraction of synapses kept by |w| over the whole
	// tensor, in (0, 1]; 0 keeps all.
	Keep float64 `json:"keep,omitempty"`
}

// Validate checks that every limit is a possible one.
func (b Budget) Validate() error {
	switch {
	case b.MaxDelay < 0:
		return fmt.Errorf("prune: maximum delay %d; must be ≥ 1 step (0: no limit)", b.MaxDelay)
	case b.DelaysPerConnection < 0:
		return fmt.Errorf("prune: %d delays per connection; must be ≥ 1 (0: no limit)", b.DelaysPerConnection)
	case b.FanIn < 0:
		return fmt.Errorf("prune: fan-in %d; must be ≥ 1 (0: no limit)", b.FanIn)
	case !(b.Keep >= 0 && b.Keep <= 1):
		return fmt.Errorf("prune: keep fraction %v; must be in (0, 1] (0: keep all)", b.Keep)
	}
	return nil
}

// Apply applies the limits of b in the order maximum delay, delays per
// connection, fan-in, kept fraction, and returns the pruned weights.
// The kept fraction counts the synapses of s, so Keep = 0.1 leaves at
// most 10 % of them whatever the other limits removed.
func Apply(s *network.Sparse, b Budget) (*network.Sparse, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	total := s.Entries()
	out := s
	if b.MaxDelay > 0 {
		out = MaxDelay(out, b.MaxDelay)
	}
	if b.DelaysPerConnection > 0 {
		out = TopDelays(out, b.DelaysPerConnection)
	}
	if b.FanIn > 0 {
		out = FanIn(out, b.FanIn)
	}
	if b.Keep > 0 {
		want := keepCount(total, b.Keep)
		if out.Entries() > want {
			out = Largest(out, want)
		}
	}
	if out == s {
		out = s.Clone()
	}
	return out, nil
}

// keepCount is the number of synapses a fraction f of total keeps,
// rounded to the nearest.
func keepCount(total int64, f float64) int64 {
	return int64(math.Round(f * float64(total)))
}

// filter returns the entries k of s with keep[k].
func filter(s *network.Sparse, keep []bool) *network.Sparse {
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	out := &network.Sparse{N: s.N, D: s.D, Start: make([]int64, len(s.Start)), Post: make([]int32, 0, n), W: make([]float64, 0, n)}
	for r := 0; r < s.N*s.D; r++ {
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			if keep[k] {
				out.Post = append(out.Post, s.Post[k])
				out.W = append(out.W, s.W[k])
			}
		}
		out.Start[r+1] = int64(len(out.Post))
	}
	return out
}

// MaxDelay returns the synapses of s whose delay is at most dmax steps.
func MaxDelay(s *network.Sparse, dmax int) *network.Sparse {
	keep := make([]bool, s.Entries())
	for r := 0; r < s.N*s.D; r++ {
		if r%s.D+1 <= dmax {
			for k := s.Start[r]; k < s.Start[r+1]; k++ {
				keep[k] = true
			}
		}
	}
	return filter(s, keep)
}

// Entry is one synapse of a Sparse tensor in connection order.
type Entry struct {
	Post, Pre, Delay int
	// K is the entry's index in the tensor's Post and W.
	K int64
}

// Connections returns the entries of s ordered by (post, pre, delay):
// the synapses of one connection, then of the next.
func Connections(s *network.Sparse) []Entry {
	es := make([]Entry, 0, s.Entries())
	for r := 0; r < s.N*s.D; r++ {
		pre, d := r/s.D, r%s.D+1
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			es = append(es, Entry{Post: int(s.Post[k]), Pre: pre, Delay: d, K: k})
		}
	}
	slices.SortFunc(es, func(a, b Entry) int {
		if a.Post != b.Post {
			return a.Post - b.Post
		}
		if a.Pre != b.Pre {
			return a.Pre - b.Pre
		}
		return a.Delay - b.Delay
	})
	return es
}

// TopDelays keeps the k synapses of largest |w| of every (post, pre)
// connection; among equal |w| the smaller delays.
func TopDelays(s *network.Sparse, k int) *network.Sparse {
	es := Connections(s)
	keep := make([]bool, s.Entries())
	for a := 0; a < len(es); {
		b := a + 1
		for b < len(es) && es[b].Post == es[a].Post && es[b].Pre == es[a].Pre {
			b++
		}
		conn := es[a:b] // ascending delay
		if len(conn) <= k {
			for _, e := range conn {
				keep[e.K] = true
			}
		} else {
			order := slices.Clone(conn)
			slices.SortStableFunc(order, func(x, y Entry) int { return byMagnitude(s.W[x.K], s.W[y.K]) })
			for _, e := range order[:k] {
				keep[e.K] = true
			}
		}
		a = b
	}
	return filter(s, keep)
}

// byMagnitude orders larger |x| first.
func byMagnitude(x, y float64) int {
	ax, ay := math.Abs(x), math.Abs(y)
	switch {
	case ax > ay:
		return -1
	case ax < ay:
		return 1
	}
	return 0
}

// FanIn keeps, for every postsynaptic neuron, the synapses of the k
// presynaptic neurons with the largest Σ|w| over their connection's
// synapses (summed in delay order); among equal sums the smaller
// presynaptic neurons.
func FanIn(s *network.Sparse, k int) *network.Sparse {
	es := Connections(s)
	keep := make([]bool, s.Entries())
	type conn struct {
		pre      int
		from, to int // es[from:to]
		strength float64
	}
	var conns []conn
	for a := 0; a < len(es); {
		post := es[a].Post
		conns = conns[:0]
		b := a
		for b < len(es) && es[b].Post == post {
			c := conn{pre: es[b].Pre, from: b}
			for b < len(es) && es[b].Post == post && es[b].Pre == c.pre {
				c.strength += math.Abs(s.W[es[b].K])
				b++
			}
			c.to = b
			conns = append(conns, c)
		}
		slices.SortStableFunc(conns, func(x, y conn) int { return byMagnitude(x.strength, y.strength) })
		for _, c := range conns[:min(k, len(conns))] {
			for _, e := range es[c.from:c.to] {
				keep[e.K] = true
			}
		}
		a = b
	}
	return filter(s, keep)
}

// Largest keeps the n synapses of s of largest |w|; among equal |w| the
// earlier entries in (pre, delay, post) order.
func Largest(s *network.Sparse, n int64) *network.Sparse {
	idx := make([]int64, s.Entries())
	for k := range idx {
		idx[k] = int64(k)
	}
	slices.SortStableFunc(idx, func(a, b int64) int { return byMagnitude(s.W[a], s.W[b]) })
	keep := make([]bool, s.Entries())
	for _, k := range idx[:max(0, min(n, int64(len(idx))))] {
		keep[k] = true
	}
	return filter(s, keep)
}

// KeepFraction keeps the fraction f ∈ [0, 1] of the synapses of s of
// largest |w| (rounded to the nearest count).
func KeepFraction(s *network.Sparse, f float64) *network.Sparse {
	return Largest(s, keepCount(s.Entries(), f))
}

// Usage is what a tensor asks of the hardware: the numbers a Budget
// limits.
type Usage struct {
	// Synapses is the number of stored entries, Connections the number of
	// (post, pre) pairs with at least one.
	Synapses    int64 `json:"synapses"`
	Connections int64 `json:"connections"`
	// MaxDelay is the longest delay stored (0 when there is none).
	MaxDelay int `json:"max_delay"`
	// DelaysPerConnection is the largest number of delays of one
	// connection; MeanDelays their mean over the connections.
	DelaysPerConnection int     `json:"delays_per_connection"`
	MeanDelays          float64 `json:"mean_delays_per_connection"`
	// FanIn is the largest number of presynaptic neurons of one
	// postsynaptic neuron.
	FanIn int `json:"fan_in"`
}

// Measure returns the usage of s.
func Measure(s *network.Sparse) Usage {
	u := Usage{Synapses: s.Entries()}
	for r := 0; r < s.N*s.D; r++ {
		if s.Start[r+1] > s.Start[r] {
			u.MaxDelay = max(u.MaxDelay, r%s.D+1)
		}
	}
	es := Connections(s)
	fan, lastPost := 0, -1
	for a := 0; a < len(es); {
		b := a + 1
		for b < len(es) && es[b].Post == es[a].Post && es[b].Pre == es[a].Pre {
			b++
		}
		u.Connections++
		u.DelaysPerConnection = max(u.DelaysPerConnection, b-a)
		if es[a].Post != lastPost {
			fan, lastPost = 0, es[a].Post
		}
		fan++
		u.FanIn = max(u.FanIn, fan)
		a = b
	}
	if u.Connections > 0 {
		u.MeanDelays = float64(u.Synapses) / float64(u.Connections)
	}
	return u
}

// Meets reports whether u is within the limits of b, and for each limit
// that is exceeded a message naming it.
func (u Usage) Meets(b Budget, total int64) []string {
	var out []string
	if b.MaxDelay > 0 && u.MaxDelay > b.MaxDelay {
		out = append(out, fmt.Sprintf("delay %d > maximum %d", u.MaxDelay, b.MaxDelay))
	}
	if b.DelaysPerConnection > 0 && u.DelaysPerConnection > b.DelaysPerConnection {
		out = append(out, fmt.Sprintf("%d delays on one connection > %d", u.DelaysPerConnection, b.DelaysPerConnection))
	}
	if b.FanIn > 0 && u.FanIn > b.FanIn {
		out = append(out, fmt.Sprintf("fan-in %d > %d", u.FanIn, b.FanIn))
	}
	if b.Keep > 0 && u.Synapses > keepCount(total, b.Keep) {
		out = append(out, fmt.Sprintf("%d synapses > %d (%.3g of %d)", u.Synapses, keepCount(total, b.Keep), b.Keep, total))
	}
	return out
}
