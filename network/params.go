// Package network holds the recurrent spiking network with heterogeneous
// synaptic delays: its parameters, its weight tensor and the event-driven
// simulation of a cued-recall trial (SPEC §2).
//
// A trial is built and run with a small set of functions: Cue and Inputs
// make the clamp input (background, then the cue), Simulate runs one
// trial, SimulateAll runs many on all cores, Recall cues, runs and scores
// every pattern of a set, and State.Score scores one trial. Stepper runs a
// trial step by step and states the update equations. Weights are read and
// written as (N, N, D) .npy arrays (ReadWeights, WriteWeights and their
// io forms); CheckFits lets a caller refuse sizes beyond the machine's
// memory before it allocates.
//
// Weights are dense (Weights, N²·D float64) or sparse (Sparse, only the
// synapses that exist, as CSR rows per presynaptic neuron and delay); the
// simulation takes either through the Synapses interface and gives the
// same spikes, bit for bit. Sparse weights are read and written as .npz
// archives of COO arrays (ReadSparse, WriteSparse; ReadSynapses picks by
// extension).
package network

import (
	"fmt"
	"math"
	"strings"
)

// Reset is how a neuron's membrane is reset after a spike.
type Reset int

const (
	// Subtract removes θ from the membrane the step after a spike.
	Subtract Reset = iota
	// Zero sets the leaked membrane to zero the step after a spike.
	Zero
)

// String returns "subtract" or "zero".
func (r Reset) String() string {
	switch r {
	case Subtract:
		return "subtract"
	case Zero:
		return "zero"
	}
	return fmt.Sprintf("Reset(%d)", int(r))
}

// ParseReset parses "subtract" or "zero".
func ParseReset(s string) (Reset, error) {
	switch strings.ToLower(s) {
	case "subtract":
		return Subtract, nil
	case "zero":
		return Zero, nil
	}
	return 0, fmt.Errorf("reset %q is not known; use subtract or zero", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Reset) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Reset) UnmarshalText(b []byte) error {
	v, err := ParseReset(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Params are the neuron and trial parameters of SPEC §2.1.
type Params struct {
	Beta    float64 `json:"beta"`    // membrane leak per step, in [0, 1)
	Theta   float64 `json:"theta"`   // firing threshold, > 0
	Reset   Reset   `json:"reset"`   // reset rule after a spike
	D       int     `json:"delays"`  // number of synaptic delays, 1..D steps
	Pre     int     `json:"pre"`     // background steps before the cue
	Post    int     `json:"post"`    // free-running steps after the pattern
	Trigger int     `json:"trigger"` // cue length in steps (default D)
	PA      float64 `json:"p_a"`     // background firing probability per step
}

// Defaults returns the published defaults: β = 0.7, θ = 0.8, subtract
// reset, D = 41, 50 steps before and after, a cue of D steps, p_A = 1e-3.
func Defaults() Params {
	return Params{Beta: 0.7, Theta: 0.8, Reset: Subtract, D: 41, Pre: 50, Post: 50, Trigger: 41, PA: 1e-3}
}

// Len returns the number of steps of a trial over a pattern of t steps.
func (p Params) Len(t int) int { return p.Pre + t + p.Post }

// ScoredRange returns the half-open range of trial steps that are scored
// against a pattern of t steps: [Pre+D, Pre+T).
func (p Params) ScoredRange(t int) (from, to int) { return p.Pre + p.D, p.Pre + t }

// Validate checks the parameters for a pattern length of t steps (t ≤ 0
// skips the checks that need it).
func (p Params) Validate(t int) error {
	switch {
	case math.IsNaN(p.Beta) || p.Beta < 0 || p.Beta >= 1:
		return fmt.Errorf("beta = %v: the leak must be in [0, 1)", p.Beta)
	case math.IsNaN(p.Theta) || math.IsInf(p.Theta, 0) || p.Theta <= 0:
		return fmt.Errorf("theta = %v: the threshold must be a positive number", p.Theta)
	case p.Reset != Subtract && p.Reset != Zero:
		return fmt.Errorf("reset %v is not known; use subtract or zero", p.Reset)
	case p.D <= 0:
		return fmt.Errorf("delays = %d: need at least one delay", p.D)
	case p.Pre < 0 || p.Post < 0:
		return fmt.Errorf("pre = %d, post = %d: background lengths cannot be negative", p.Pre, p.Post)
	case p.Trigger < 0:
		return fmt.Errorf("trigger = %d: the cue length cannot be negative", p.Trigger)
	case math.IsNaN(p.PA) || p.PA < 0 || p.PA >= 1:
		return fmt.Errorf("p-a = %v: the background rate must be in [0, 1)", p.PA)
	}
	if t > 0 {
		if t <= p.D {
			return fmt.Errorf("steps = %d with delays = %d: a pattern must be longer than the delay window (use more steps or fewer delays)", t, p.D)
		}
		if p.Trigger > t {
			return fmt.Errorf("trigger = %d is longer than the pattern (%d steps)", p.Trigger, t)
		}
	}
	return nil
}
