package network

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Weights is the synaptic weight tensor of a network of N neurons with D
// delays.
//
// In memory it is pre-major: the N weights from presynaptic neuron i at
// delay d (1..D) onto every postsynaptic neuron are the contiguous row
// W[(i·D + d−1)·N : (i·D + d)·N]. A spike of i is felt d steps later by
// adding that row to the currents, so the simulation reads whole rows.
// Files use the SPEC layout (post, pre, delay); see ToSpec and FromSpec.
type Weights struct {
	N, D int
	W    []float64
}

// bytesPerTensor returns the memory taken by one N×N×D float64 tensor.
func bytesPerTensor(n, d int) float64 { return 8 * float64(n) * float64(n) * float64(d) }

// ErrTooLarge is returned (wrapped) by CheckFits when the tensors would
// not fit in memory.
var ErrTooLarge = errors.New("tensors would not fit in memory")

// CheckFits returns an error wrapping ErrTooLarge if `copies` tensors of
// N×N×D float64 would not fit in the memory available on this machine
// now; the error gives the estimate. Constructors do not call it: callers
// about to allocate large tensors (a command, a benchmark) call it first
// to refuse a size before any work starts.
func CheckFits(n, d, copies int) error {
	if n <= 0 || d <= 0 {
		return fmt.Errorf("neurons = %d, delays = %d: both must be positive", n, d)
	}
	need := bytesPerTensor(n, d) * float64(copies)
	avail := availableMemory()
	if need > 0.9*avail {
		return fmt.Errorf("a network of N = %d, D = %d needs about %.1f GiB (%d tensors of N²·D float64) but about %.1f GiB is available; use fewer neurons or delays: %w",
			n, d, need/(1<<30), copies, avail/(1<<30), ErrTooLarge)
	}
	return nil
}

// availableMemory reads MemAvailable from /proc/meminfo; where that is not
// possible it assumes 8 GiB.
func availableMemory() float64 {
	const fallback = 8 << 30
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return fallback
}

// NewWeights returns a zero tensor for n neurons and d delays. It does not
// check the machine's memory; see CheckFits.
func NewWeights(n, d int) *Weights {
	return &Weights{N: n, D: d, W: make([]float64, n*n*d)}
}

// Row returns the weights from presynaptic neuron pre at delay (1..D)
// onto every postsynaptic neuron. The slice aliases w.W.
func (w *Weights) Row(pre, delay int) []float64 {
	o := (pre*w.D + delay - 1) * w.N
	return w.W[o : o+w.N : o+w.N]
}

// At returns the weight from pre onto post at delay (1..D).
func (w *Weights) At(post, pre, delay int) float64 {
	return w.W[(pre*w.D+delay-1)*w.N+post]
}

// Clone returns a deep copy.
func (w *Weights) Clone() *Weights {
	return &Weights{N: w.N, D: w.D, W: append([]float64(nil), w.W...)}
}

// ToSpec returns the tensor in the SPEC file layout, C order of shape
// (N, N, D) indexed [post][pre][delay−1].
func (w *Weights) ToSpec() []float64 {
	n, d := w.N, w.D
	out := make([]float64, len(w.W))
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			row := w.W[(i*d+k)*n : (i*d+k+1)*n]
			for j, v := range row {
				out[(j*n+i)*d+k] = v
			}
		}
	}
	return out
}

// FromSpec builds weights from a C-ordered (N, N, D) array in the SPEC
// layout [post][pre][delay−1]. It rejects NaN and infinite entries.
func FromSpec(n, d int, data []float64) (*Weights, error) {
	if len(data) != n*n*d {
		return nil, fmt.Errorf("weights have %d entries, want N·N·D = %d·%d·%d = %d", len(data), n, n, d, n*n*d)
	}
	w := &Weights{N: n, D: d, W: make([]float64, len(data))}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			src := data[(j*n+i)*d : (j*n+i+1)*d]
			for k, v := range src {
				w.W[(i*d+k)*n+j] = v
			}
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

// Validate checks the tensor's size and that every entry is finite.
func (w *Weights) Validate() error {
	if w.N <= 0 || w.D <= 0 || len(w.W) != w.N*w.N*w.D {
		return fmt.Errorf("weights: %d entries for N = %d, D = %d", len(w.W), w.N, w.D)
	}
	for k, v := range w.W {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			i, d, j := k/(w.D*w.N), (k/w.N)%w.D, k%w.N
			return fmt.Errorf("weight [post %d, pre %d, delay %d] is %v; weights must be finite (retrain or re-initialise)", j, i, d+1, v)
		}
	}
	return nil
}
