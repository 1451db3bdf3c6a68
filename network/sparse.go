package network

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// Sparse is a weight tensor that stores only the synapses that exist, for
// networks whose weights are mostly zero or whose connectivity has a
// fan-in far below N. Its cost and memory grow with the entries, not with
// N²·D.
//
// It is CSR keyed like the rows of Weights: row r = pre·D + delay − 1
// holds the entries Start[r] ≤ k < Start[r+1], each the weight W[k] from
// presynaptic neuron pre at delay (1..D) onto postsynaptic neuron
// Post[k]. Within a row Post is strictly ascending. A synapse that is
// stored may have weight zero (it exists and may be trained); one that is
// not stored has weight zero and does not exist.
type Sparse struct {
	N, D int
	// Start has N·D + 1 offsets into Post and W, from 0 to Entries().
	Start []int64
	// Post holds the postsynaptic neuron of every entry, ascending per row.
	Post []int32
	// W holds the weight of every entry.
	W []float64
}

// sparseEntryBytes is the memory of one entry: an int32 index and a
// float64 weight.
const sparseEntryBytes = 4 + 8

// SparseBytes returns the memory of a Sparse tensor of n neurons, d
// delays and the given number of entries, for CheckMemory before it is
// allocated.
func SparseBytes(n, d int, entries int64) float64 {
	return 8*(float64(n)*float64(d)+1) + sparseEntryBytes*float64(entries)
}

// Entries returns the number of stored synapses.
func (s *Sparse) Entries() int64 { return int64(len(s.Post)) }

// Bytes returns the memory the tensor's slices take.
func (s *Sparse) Bytes() int64 {
	return int64(8*len(s.Start) + 4*len(s.Post) + 8*len(s.W))
}

// Row returns the postsynaptic neurons and the weights of the synapses
// from presynaptic neuron pre at delay (1..D). The slices alias s.Post
// and s.W.
func (s *Sparse) Row(pre, delay int) (post []int32, w []float64) {
	r := pre*s.D + delay - 1
	a, b := s.Start[r], s.Start[r+1]
	return s.Post[a:b:b], s.W[a:b:b]
}

// At returns the weight from pre onto post at delay (1..D): zero when the
// synapse is not stored.
func (s *Sparse) At(post, pre, delay int) float64 {
	ps, ws := s.Row(pre, delay)
	if k, ok := slices.BinarySearch(ps, int32(post)); ok {
		return ws[k]
	}
	return 0
}

// Clone returns a deep copy.
func (s *Sparse) Clone() *Sparse {
	return &Sparse{N: s.N, D: s.D, Start: slices.Clone(s.Start), Post: slices.Clone(s.Post), W: slices.Clone(s.W)}
}

// Sparse returns the non-zero entries of w as a Sparse tensor: every
// entry that is zero (or −0) is dropped.
func (w *Weights) Sparse() *Sparse {
	n, d := w.N, w.D
	nnz := 0
	for _, v := range w.W {
		if v != 0 {
			nnz++
		}
	}
	s := &Sparse{N: n, D: d, Start: make([]int64, n*d+1), Post: make([]int32, 0, nnz), W: make([]float64, 0, nnz)}
	for r := 0; r < n*d; r++ {
		for j, v := range w.W[r*n : (r+1)*n] {
			if v != 0 {
				s.Post = append(s.Post, int32(j))
				s.W = append(s.W, v)
			}
		}
		s.Start[r+1] = int64(len(s.Post))
	}
	return s
}

// Dense returns the tensor as dense Weights, with zero where no synapse
// is stored. It allocates N²·D float64: call CheckFits first for large N.
func (s *Sparse) Dense() *Weights {
	w := NewWeights(s.N, s.D)
	n := s.N
	for r := 0; r < s.N*s.D; r++ {
		row := w.W[r*n : (r+1)*n]
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			row[s.Post[k]] = s.W[k]
		}
	}
	return w
}

// Validate checks the tensor's structure — N·D + 1 offsets from 0 to the
// number of entries, never decreasing; postsynaptic indices in [0, N),
// strictly ascending within each row (so no synapse is stored twice) —
// and that every weight is finite.
func (s *Sparse) Validate() error {
	if s.N <= 0 || s.D <= 0 {
		return fmt.Errorf("sparse weights: N = %d, D = %d; both must be positive", s.N, s.D)
	}
	if s.N > math.MaxInt32 {
		return fmt.Errorf("sparse weights: N = %d neurons is more than the %d an int32 index can name", s.N, math.MaxInt32)
	}
	rows := s.N * s.D
	if len(s.Start) != rows+1 {
		return fmt.Errorf("sparse weights: %d row offsets for N = %d, D = %d; want N·D + 1 = %d", len(s.Start), s.N, s.D, rows+1)
	}
	if len(s.Post) != len(s.W) {
		return fmt.Errorf("sparse weights: %d postsynaptic indices but %d weights; want one of each per synapse", len(s.Post), len(s.W))
	}
	if s.Start[0] != 0 || s.Start[rows] != int64(len(s.Post)) {
		return fmt.Errorf("sparse weights: row offsets run from %d to %d, want 0 to the %d entries", s.Start[0], s.Start[rows], len(s.Post))
	}
	for r := 0; r < rows; r++ {
		if a, b := s.Start[r], s.Start[r+1]; b < a {
			return fmt.Errorf("sparse weights: row offsets decrease at pre %d, delay %d (%d after %d)", r/s.D, r%s.D+1, b, a)
		}
	}
	for r := 0; r < rows; r++ {
		a, b := s.Start[r], s.Start[r+1]
		for k := a; k < b; k++ {
			j := s.Post[k]
			if j < 0 || int(j) >= s.N {
				return fmt.Errorf("sparse weights: synapse [post %d, pre %d, delay %d] names a neuron outside 0..%d", j, r/s.D, r%s.D+1, s.N-1)
			}
			if k > a && j <= s.Post[k-1] {
				if j == s.Post[k-1] {
					return fmt.Errorf("sparse weights: synapse [post %d, pre %d, delay %d] is stored twice; store each synapse once", j, r/s.D, r%s.D+1)
				}
				return fmt.Errorf("sparse weights: postsynaptic neurons of pre %d, delay %d are not ascending (%d after %d); sort each row", r/s.D, r%s.D+1, j, s.Post[k-1])
			}
			if v := s.W[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("sparse weights: weight [post %d, pre %d, delay %d] is %v; weights must be finite (retrain or re-initialise)", j, r/s.D, r%s.D+1, v)
			}
		}
	}
	return nil
}

// Synapses is a weight tensor a simulation reads: dense *Weights or
// sparse *Sparse, the only two implementations. Simulate, Stepper,
// SimulateAll and Recall take either and give the same spikes.
type Synapses interface {
	// Size returns the number of neurons N and of delays D.
	Size() (n, d int)
	// addRow adds the row of (pre, delay) to cur and returns the synaptic
	// events processed.
	addRow(cur []float64, pre, delay int) int64
	// subRow subtracts the row of (pre, delay) from cur and returns the
	// synaptic events processed.
	subRow(cur []float64, pre, delay int) int64
}

// Size returns the number of neurons N and of delays D.
func (w *Weights) Size() (n, d int) { return w.N, w.D }

func (w *Weights) addRow(cur []float64, pre, delay int) int64 {
	floats.Add(cur, w.Row(pre, delay))
	return int64(w.N)
}

func (w *Weights) subRow(cur []float64, pre, delay int) int64 {
	floats.Sub(cur, w.Row(pre, delay))
	return int64(w.N)
}

// Size returns the number of neurons N and of delays D.
func (s *Sparse) Size() (n, d int) { return s.N, s.D }

func (s *Sparse) addRow(cur []float64, pre, delay int) int64 {
	post, w := s.Row(pre, delay)
	for k, j := range post {
		cur[j] += w[k]
	}
	return int64(len(post))
}

func (s *Sparse) subRow(cur []float64, pre, delay int) int64 {
	post, w := s.Row(pre, delay)
	for k, j := range post {
		cur[j] -= w[k]
	}
	return int64(len(post))
}
