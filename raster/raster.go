// Package raster holds binary spike rasters: the patterns a network stores
// and the spike trains it produces.
//
// A Raster is kept in sparse event form, one ascending list of neuron
// indices per time step, because spiking activity is sparse (about one
// spike per neuron per second at the default rate) and the simulator
// consumes it step by step. Dense (neuron-major) conversion exists for file
// I/O and small cases.
package raster

import (
	"fmt"
	"slices"
)

// Event is one spike: a neuron index and a time step.
type Event struct {
	Neuron int
	Step   int
}

// Raster is a binary spike raster of N neurons over T steps.
//
// Steps[t] lists, in ascending order and without repeats, the neurons
// that spike at step t. len(Steps) == T.
type Raster struct {
	N, T  int
	Steps [][]int32
}

// New returns an empty raster of n neurons and t steps.
func New(n, t int) *Raster {
	return &Raster{N: n, T: t, Steps: make([][]int32, t)}
}

// FromEvents builds a raster from events in any order; repeated events
// are merged. It returns an error if an event lies outside n × t.
func FromEvents(n, t int, events []Event) (*Raster, error) {
	r := New(n, t)
	for _, e := range events {
		if e.Neuron < 0 || e.Neuron >= n || e.Step < 0 || e.Step >= t {
			return nil, fmt.Errorf("raster: event (neuron %d, step %d) outside a raster of %d neurons × %d steps", e.Neuron, e.Step, n, t)
		}
		r.Steps[e.Step] = append(r.Steps[e.Step], int32(e.Neuron))
	}
	for s := range r.Steps {
		slices.Sort(r.Steps[s])
		r.Steps[s] = slices.Compact(r.Steps[s])
	}
	return r, nil
}

// FromDense builds a raster from a neuron-major dense array d of length
// n·t, where d[i*t+s] != 0 means neuron i spikes at step s.
func FromDense(n, t int, d []uint8) (*Raster, error) {
	if len(d) != n*t {
		return nil, fmt.Errorf("raster: dense array has %d entries, want %d neurons × %d steps = %d", len(d), n, t, n*t)
	}
	r := New(n, t)
	for i := 0; i < n; i++ {
		row := d[i*t : (i+1)*t]
		for s, v := range row {
			if v != 0 {
				r.Steps[s] = append(r.Steps[s], int32(i))
			}
		}
	}
	return r, nil
}

// Dense returns the raster as a neuron-major array of length N·T with
// 1 where a neuron spikes.
func (r *Raster) Dense() []uint8 {
	d := make([]uint8, r.N*r.T)
	for s, ns := range r.Steps {
		for _, i := range ns {
			d[int(i)*r.T+s] = 1
		}
	}
	return d
}

// Events returns all spikes ordered by step, then neuron.
func (r *Raster) Events() []Event {
	ev := make([]Event, 0, r.Count())
	for s, ns := range r.Steps {
		for _, i := range ns {
			ev = append(ev, Event{Neuron: int(i), Step: s})
		}
	}
	return ev
}

// Count returns the number of spikes.
func (r *Raster) Count() int {
	c := 0
	for _, ns := range r.Steps {
		c += len(ns)
	}
	return c
}

// Has reports whether neuron i spikes at step s.
func (r *Raster) Has(i, s int) bool {
	if s < 0 || s >= r.T {
		return false
	}
	_, ok := slices.BinarySearch(r.Steps[s], int32(i))
	return ok
}

// Rate returns the mean firing probability per neuron and step.
func (r *Raster) Rate() float64 {
	if r.N == 0 || r.T == 0 {
		return 0
	}
	return float64(r.Count()) / float64(r.N*r.T)
}

// Clone returns a deep copy of r.
func (r *Raster) Clone() *Raster {
	c := New(r.N, r.T)
	for s, ns := range r.Steps {
		if len(ns) > 0 {
			c.Steps[s] = slices.Clone(ns)
		}
	}
	return c
}

// Set is a list of M rasters of equal size: the stored patterns, or the
// trials recorded from them.
type Set struct {
	N, T     int
	Patterns []*Raster
}

// M returns the number of rasters in the set.
func (s *Set) M() int { return len(s.Patterns) }

// Validate checks that every raster in the set has the set's size and
// well-formed step lists.
func (s *Set) Validate() error {
	if s.N <= 0 || s.T <= 0 {
		return fmt.Errorf("raster: set has %d neurons × %d steps; both must be positive", s.N, s.T)
	}
	if len(s.Patterns) == 0 {
		return fmt.Errorf("raster: set holds no patterns")
	}
	for m, p := range s.Patterns {
		if p.N != s.N || p.T != s.T || len(p.Steps) != s.T {
			return fmt.Errorf("raster: pattern %d is %d×%d, the set is %d×%d", m, p.N, p.T, s.N, s.T)
		}
		for t, ns := range p.Steps {
			for k, i := range ns {
				if i < 0 || int(i) >= s.N || (k > 0 && ns[k-1] >= i) {
					return fmt.Errorf("raster: pattern %d step %d: neuron list not ascending within [0, %d)", m, t, s.N)
				}
			}
		}
	}
	return nil
}

// Dense returns the set as an (M, N, T) C-ordered array.
func (s *Set) Dense() []uint8 {
	d := make([]uint8, 0, len(s.Patterns)*s.N*s.T)
	for _, p := range s.Patterns {
		d = append(d, p.Dense()...)
	}
	return d
}

// SetFromDense builds a set from an (m, n, t) C-ordered array.
func SetFromDense(m, n, t int, d []uint8) (*Set, error) {
	if len(d) != m*n*t {
		return nil, fmt.Errorf("raster: dense array has %d entries, want %d×%d×%d", len(d), m, n, t)
	}
	s := &Set{N: n, T: t, Patterns: make([]*Raster, m)}
	for k := range s.Patterns {
		r, err := FromDense(n, t, d[k*n*t:(k+1)*n*t])
		if err != nil {
			return nil, err
		}
		s.Patterns[k] = r
	}
	return s, nil
}

// Union merges two ascending step lists (neuron indices) without
// repeats: the spikes of either. It returns one of them unchanged when the
// other is empty.
func Union(a, b []int32) []int32 {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
