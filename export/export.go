// Package export writes a network as connection lists that other
// simulators and neuromorphic toolchains load one to one: Brian2
// (Synapses.connect(i=pre, j=post), per-synapse delay and w), NEST
// (Connect(pre, post, "one_to_one", syn_spec={"weight", "delay"})) and
// Lava (DelaySparse: weights and delays as (post, pre) sparse matrices,
// one process per delay slot of a connection).
//
// An export directory holds, one entry per synapse in (pre, delay, post)
// order:
//
//	pre.npy, post.npy   int32 neuron indices
//	delay.npy           int32 delay in steps, 1..D
//	slot.npy            int32 rank of the synapse among its connection's
//	                    synapses by delay (0 for the shortest): the synapses
//	                    of one slot hold at most one delay per (post, pre)
//	weight.npy          int32 integer weight when quantised, else float64
//	scale.npy           float64 per postsynaptic neuron (N values): the
//	                    synaptic weight is weight · scale[post] (ones when
//	                    not quantised)
//	connections.csv     the same as columns pre,post,delay,slot,weight,scale
//	neurons.json        β, θ, reset, dt and the trial layout (see Neurons)
//	patterns.npy        uint8 (M, N, T) stored patterns, when given
//	input.npy           uint8 (M, N, L) clamp input x of each cued trial
//	                    (background, then the cue; SPEC §2.1), when given
//
// Every file is written atomically, the .npy files through package npy.
package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/raster"
)

// Format names the layout of an export directory in neurons.json.
const Format = "hdsnn-connections-1"

// Files returns the names of the files Write always writes.
func Files() []string {
	return []string{"pre.npy", "post.npy", "delay.npy", "slot.npy", "weight.npy", "scale.npy", "connections.csv", "neurons.json"}
}

// Network is what Write exports.
type Network struct {
	// Weights are the synapses; with Int they are the dequantised
	// weights Int[k]·Scale[post].
	Weights *network.Sparse
	// Int, when not nil, holds the integer weight of every entry of
	// Weights (quantised networks), and Scale the scale of every
	// postsynaptic neuron; Bits is their width.
	Int   []int32
	Scale []float64
	Bits  int
	// Params are the neuron and trial parameters.
	Params network.Params
	// Patterns and Inputs, when not nil, are the stored patterns and the
	// clamp input of one cued trial of each (network.Inputs), for a
	// replay; Seed and Round name the background stream of Inputs.
	Patterns    *raster.Set
	Inputs      []*raster.Raster
	Seed, Round uint64
}

// Neurons is the content of neurons.json: what a simulator needs besides
// the connections to run the trials as hdsnn does.
type Neurons struct {
	Format  string `json:"format"`
	Version string `json:"version"`
	N       int    `json:"n"`
	D       int    `json:"delays"`
	// Beta, Theta and Reset are the neuron of SPEC §2; VInit the
	// membrane at the start of a trial.
	Beta  float64 `json:"beta"`
	Theta float64 `json:"theta"`
	Reset string  `json:"reset"`
	VInit float64 `json:"v_init"`
	// DtMS is the length of one step in ms.
	DtMS float64 `json:"dt_ms"`
	// Update is the discrete update, in the order it is computed.
	Update []string `json:"update"`
	// Trial is the layout of a cued-recall trial.
	Trial Trial `json:"trial"`
	// Synapses counts the exported synapses, Slots the delay slots.
	Synapses int64 `json:"synapses"`
	Slots    int   `json:"slots"`
	// Weight says how a synaptic weight is formed from the files.
	Weight string `json:"weight"`
	// Bits is the width of the integer weights (0: float64 weights).
	Bits int `json:"bits"`
	// Usage is what the synapses ask of the hardware.
	Usage prune.Usage `json:"usage"`
	// Files lists the files of the export.
	Files []string `json:"files"`
}

// Trial is the layout of a cued-recall trial (SPEC §2.1).
type Trial struct {
	Pre     int     `json:"pre"`
	T       int     `json:"steps"`
	Post    int     `json:"post"`
	L       int     `json:"length"`
	Trigger int     `json:"trigger"`
	PA      float64 `json:"p_a"`
	// FirstStep is the first step whose membrane is computed (D): before
	// it the neurons only pass their clamp input on.
	FirstStep int `json:"first_computed_step"`
	// Scored is the half-open range of scored steps.
	Scored [2]int `json:"scored_steps"`
	// M is the number of patterns exported (0: none); Seed and Round name
	// the background stream of input.npy.
	M     int    `json:"patterns"`
	Seed  uint64 `json:"seed"`
	Round uint64 `json:"round"`
}

// Check validates the network: valid weights, integer weights and
// scales that match them, and inputs that match the patterns.
func (nw Network) Check() error {
	s := nw.Weights
	if s == nil {
		return fmt.Errorf("export: no weights")
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if nw.Params.D != s.D {
		return fmt.Errorf("export: weights have %d delays, parameters say %d", s.D, nw.Params.D)
	}
	if nw.Int != nil {
		if int64(len(nw.Int)) != s.Entries() {
			return fmt.Errorf("export: %d integer weights for %d synapses; want one per synapse", len(nw.Int), s.Entries())
		}
		if len(nw.Scale) != s.N {
			return fmt.Errorf("export: %d scales for N = %d; want one per postsynaptic neuron", len(nw.Scale), s.N)
		}
	}
	if nw.Patterns != nil {
		if nw.Patterns.N != s.N {
			return fmt.Errorf("export: patterns have %d neurons, weights %d", nw.Patterns.N, s.N)
		}
		if err := nw.Params.Validate(nw.Patterns.T); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if nw.Inputs != nil && len(nw.Inputs) != nw.Patterns.M() {
			return fmt.Errorf("export: %d inputs for %d patterns; want one cued trial per pattern", len(nw.Inputs), nw.Patterns.M())
		}
	} else if nw.Inputs != nil {
		return fmt.Errorf("export: inputs without their patterns; pass both")
	}
	return nil
}

// columns are the connection arrays of an export, in entry order.
type columns struct {
	pre, post, delay, slot []int32
	slots                  int
}

// connectionColumns returns the arrays of s.
func connectionColumns(s *network.Sparse) columns {
	e := s.Entries()
	c := columns{pre: make([]int32, e), post: make([]int32, e), delay: make([]int32, e), slot: make([]int32, e)}
	for r := 0; r < s.N*s.D; r++ {
		for k := s.Start[r]; k < s.Start[r+1]; k++ {
			c.pre[k], c.post[k], c.delay[k] = int32(r/s.D), s.Post[k], int32(r%s.D+1)
		}
	}
	es := prune.Connections(s) // (post, pre, delay) order
	for a := 0; a < len(es); {
		b := a
		for b < len(es) && es[b].Post == es[a].Post && es[b].Pre == es[a].Pre {
			c.slot[es[b].K] = int32(b - a)
			b++
		}
		c.slots = max(c.slots, b-a)
		a = b
	}
	return c
}

// Write writes nw into dir (created if needed) as the files listed in the
// package doc and returns what neurons.json holds.
func Write(dir string, nw Network) (*Neurons, error) {
	if err := nw.Check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	s, p := nw.Weights, nw.Params
	c := connectionColumns(s)
	scale := nw.Scale
	if nw.Int == nil {
		scale = make([]float64, s.N)
		for j := range scale {
			scale[j] = 1
		}
	}
	e := []int{int(s.Entries())}
	ints := func(name string, data []int32) error {
		return atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error { return npy.WriteInt32To(w, e, data) })
	}
	for _, a := range []struct {
		name string
		data []int32
	}{{"pre.npy", c.pre}, {"post.npy", c.post}, {"delay.npy", c.delay}, {"slot.npy", c.slot}} {
		if err := ints(a.name, a.data); err != nil {
			return nil, err
		}
	}
	var err error
	if nw.Int != nil {
		err = ints("weight.npy", nw.Int)
	} else {
		err = npy.WriteFloat64(filepath.Join(dir, "weight.npy"), e, s.W)
	}
	if err != nil {
		return nil, err
	}
	if err := npy.WriteFloat64(filepath.Join(dir, "scale.npy"), []int{s.N}, scale); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, "connections.csv"), func(w io.Writer) error {
		return writeCSV(w, nw, c, scale)
	}); err != nil {
		return nil, err
	}
	files := Files()
	tr := Trial{Pre: p.Pre, Post: p.Post, Trigger: p.Trigger, PA: p.PA, FirstStep: p.D, Seed: nw.Seed, Round: nw.Round}
	if nw.Patterns != nil {
		set := nw.Patterns
		tr.T, tr.L, tr.M = set.T, p.Len(set.T), set.M()
		from, to := p.ScoredRange(set.T)
		tr.Scored = [2]int{from, to}
		if err := raster.WriteNPY(filepath.Join(dir, "patterns.npy"), set); err != nil {
			return nil, err
		}
		files = append(files, "patterns.npy")
		if nw.Inputs != nil {
			in := &raster.Set{N: set.N, T: tr.L, Patterns: nw.Inputs}
			if err := raster.WriteNPY(filepath.Join(dir, "input.npy"), in); err != nil {
				return nil, err
			}
			files = append(files, "input.npy")
		}
	}
	nj := &Neurons{
		Format: Format, Version: hdsnn.Version, N: s.N, D: s.D,
		Beta: p.Beta, Theta: p.Theta, Reset: p.Reset.String(), DtMS: 1,
		Update: update(p.Reset), Trial: tr, Synapses: s.Entries(), Slots: c.slots,
		Weight: "weight[k] * scale[post[k]]", Bits: nw.Bits, Usage: prune.Measure(s), Files: files,
	}
	if nw.Int == nil {
		nj.Weight = "weight[k] (scale is 1)"
	}
	b, err := json.MarshalIndent(nj, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "neurons.json"), append(b, '\n')); err != nil {
		return nil, err
	}
	return nj, nil
}

// update is the discrete update of SPEC §2.1 as the steps a simulator
// makes, in order.
func update(r network.Reset) []string {
	u := []string{
		"for t < first_computed_step: u = 0, no own spike; seen(t) = x(t)",
		"I(t) = sum over synapses k with seen[pre[k]](t - delay[k]) of w[k], w[k] = weight[k]*scale[post[k]]",
		"r = 1 if u(t-1) > theta else 0  (the previous step spiked)",
	}
	if r == network.Zero {
		u = append(u, "u(t) = beta*(1 - r)*u(t-1) + I(t)")
	} else {
		u = append(u, "u(t) = beta*u(t-1) + I(t) - theta*r")
	}
	return append(u, "s(t) = 1 if u(t) > theta else 0  (strictly greater)", "seen(t) = s(t) OR x(t)  (x: input.npy)")
}

// writeCSV writes the connection list as CSV.
func writeCSV(out io.Writer, nw Network, c columns, scale []float64) error {
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "pre,post,delay,slot,weight,scale")
	b := make([]byte, 0, 96)
	for k := range c.pre {
		b = b[:0]
		b = strconv.AppendInt(b, int64(c.pre[k]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.post[k]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.delay[k]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.slot[k]), 10)
		b = append(b, ',')
		if nw.Int != nil {
			b = strconv.AppendInt(b, int64(nw.Int[k]), 10)
		} else {
			b = strconv.AppendFloat(b, nw.Weights.W[k], 'g', -1, 64)
		}
		b = append(b, ',')
		b = strconv.AppendFloat(b, scale[c.post[k]], 'g', -1, 64)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return w.Flush()
}

// Dyadic returns a copy of s with every weight rounded to the nearest
// multiple of 2^−bits (ties to even). Sums of such weights are exact in
// float64 in any order as long as they stay below 2^(53−bits), so a
// simulator that adds the synaptic currents in another order than hdsnn
// (Brian2, NEST) computes the same currents, membranes and spikes.
// bits must be in 0..52.
func Dyadic(s *network.Sparse, bits int) (*network.Sparse, error) {
	if bits < 0 || bits > 52 {
		return nil, fmt.Errorf("export: dyadic grid 2^-%d; use 0 to 52 fraction bits", bits)
	}
	out := s.Clone()
	f := math.Ldexp(1, bits)
	for k, v := range out.W {
		out.W[k] = math.RoundToEven(v*f) / f
	}
	return out, nil
}
