// Package margin stores spike patterns in a network by margin learning
// under teacher forcing.
//
// In a cued-recall trial (SPEC §2.1) whose spikes follow the stored pattern
// (teacher forcing), the membrane of a postsynaptic neuron j is a linear
// function of its own incoming weights W[j][·][·]:
//
//	u_j(t) = β·u_j(t−1) + Σ_i Σ_d W[j][i][d−1]·seen[i][t−d] − θ·r_j(t)
//
// with seen the clamp and the stored pattern, and r_j(t) = 1 where the
// pattern makes j spike at t−1 (subtract reset; under zero reset the
// membrane is set to 0 instead). Storing M patterns therefore splits into N
// independent problems, one per neuron, each a set of linear inequalities:
// u_j(t) ≥ θ + κ where j must spike and u_j(t) ≤ θ − κ where it must stay
// silent, over every step a recall trial computes — the background before
// the cue, the cue, and the free-running replay. κ ≥ 0 is the margin, in
// the units of the membrane (the same as θ).
//
// When every inequality holds, the free-running network follows the
// teacher-forced trajectory exactly: its spikes are the pattern's, and its
// membrane is the teacher-forced one bit for bit (the currents are summed
// in the simulator's order).
//
// Each neuron is solved by the relaxation method for linear inequalities
// (Agmon 1954; Motzkin & Schoenberg 1954), run as an online perceptron in
// time order: a pass walks every track of the teacher-forced trials, and a
// step whose membrane violates its bound moves the weights of that step's
// context (the (neuron, delay) pairs active in its window) by Rate times the
// violation, shared equally among them. A pass with no violation proves
// every constraint satisfied. Contexts stay sparse (never a dense matrix of
// M·T rows × N·D columns); neurons are solved in parallel and each alone,
// so the result is the same for any GOMAXPROCS.
package margin

import (
	"errors"
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/network"
)

// Config sets up a margin solve.
type Config struct {
	// Margin is κ: spiking steps need u ≥ θ + κ, silent steps u ≤ θ − κ.
	// It is in membrane units; 0 asks only for the right side of θ.
	Margin float64 `json:"margin"`
	// Rate is the relaxation factor η in (0, 2): an update corrects this
	// fraction of a violation at the step where it occurs.
	Rate float64 `json:"rate"`
	// MaxPasses bounds the passes over the tracks of one neuron.
	MaxPasses int `json:"max_passes"`
	// DualPasses is the number of first passes that also give back the
	// corrections of steps that have become over-satisfied (Hildreth's
	// method), which drives the weights towards the smallest norm that
	// meets every bound, the most robust solution for a given margin.
	// The passes after them only correct violations, until none is left.
	DualPasses int `json:"dual_passes"`
	// QuietMargin is added to κ at the silent steps before the replay
	// (background and cue), whose contexts hold background noise that no
	// finite set of trials covers: u ≤ θ − κ − QuietMargin there.
	QuietMargin float64 `json:"quiet_margin"`
	// MaxWeight, when positive, bounds every weight to [−MaxWeight,
	// MaxWeight]: one spike more or less in a context then moves a membrane
	// by at most MaxWeight/(1−β), so a margin κ above that absorbs it.
	MaxWeight float64 `json:"max_weight"`
	// Backgrounds is the number of teacher-forced trials per pattern, each
	// with its own background noise before the cue (≥ 1). The first covers
	// the whole pattern; the others only the steps that their background
	// reaches (the background, the cue and D more steps).
	Backgrounds int `json:"backgrounds"`
	// Perturbed is the number of extra trials per pattern whose cue is
	// perturbed as the robustness study perturbs it (package perturb): its
	// spikes jittered by up to ±Jitter steps, or its slots redrawn with
	// probability Flip at the patterns' rate; with both set, the trials
	// alternate between the two. They cover the background, the cue and D
	// more steps, so the replay learns to start from imperfect cues.
	Perturbed int `json:"perturbed"`
	// Jitter is how far a cue spike of a perturbed trial may move.
	Jitter int `json:"jitter"`
	// Flip is the probability that a cue slot of a perturbed trial is
	// redrawn.
	Flip float64 `json:"flip"`
	// Seed names the random streams of the backgrounds and perturbations.
	Seed uint64 `json:"seed"`
}

// DefaultConfig returns the settings measured to store 440 patterns at
// N = 512, D = 41 (10× the Hebbian capacity) with recall F1 = 1 on fresh
// background: κ = 0.3, a quiet margin of 0.3, 6 backgrounds per pattern,
// over-relaxation η = 1.3, 20 dual passes and at most 150 passes.
func DefaultConfig() Config {
	return Config{Margin: 0.3, QuietMargin: 0.3, Rate: 1.3, MaxPasses: 150, DualPasses: 20, Backgrounds: 6, Seed: 1}
}

// Validate checks the configuration against the model parameters.
func (c Config) Validate(p network.Params) error {
	switch {
	case math.IsNaN(c.Margin) || math.IsInf(c.Margin, 0) || c.Margin < 0:
		return fmt.Errorf("margin = %v: %w", c.Margin, ErrMargin)
	case c.Margin >= p.Theta:
		return fmt.Errorf("margin = %v with θ = %v: silent steps would need a negative membrane: %w", c.Margin, p.Theta, ErrMargin)
	case math.IsNaN(c.Rate) || c.Rate <= 0 || c.Rate >= 2:
		return fmt.Errorf("rate = %v: the relaxation factor must be in (0, 2)", c.Rate)
	case math.IsNaN(c.QuietMargin) || math.IsInf(c.QuietMargin, 0) || c.QuietMargin < 0:
		return fmt.Errorf("quiet margin = %v: must be a finite number ≥ 0", c.QuietMargin)
	case math.IsNaN(c.MaxWeight) || c.MaxWeight < 0:
		return fmt.Errorf("max weight = %v: must be ≥ 0 (0: unbounded)", c.MaxWeight)
	case c.MaxPasses < 1:
		return fmt.Errorf("max passes = %d: need at least one pass", c.MaxPasses)
	case c.Backgrounds < 1:
		return fmt.Errorf("backgrounds = %d: need at least one teacher-forced trial per pattern", c.Backgrounds)
	case c.Perturbed < 0:
		return fmt.Errorf("perturbed = %d: cannot be negative", c.Perturbed)
	case c.Jitter < 0:
		return fmt.Errorf("jitter = %d: cannot be negative", c.Jitter)
	case math.IsNaN(c.Flip) || c.Flip < 0 || c.Flip > 1:
		return fmt.Errorf("flip = %v: a probability in [0, 1]", c.Flip)
	case (c.Perturbed > 0) != (c.Jitter > 0 || c.Flip > 0):
		return fmt.Errorf("perturbed = %d trials with jitter = %d and flip = %v: set the number of trials together with a jitter or a flip, or none of them", c.Perturbed, c.Jitter, c.Flip)
	}
	return nil
}

// ErrMargin reports a margin that is negative, not finite, or not below θ.
var ErrMargin = errors.New("the margin κ must be a finite number in [0, θ)")

// Neuron is the outcome of one neuron's solve.
type Neuron struct {
	Index int // postsynaptic neuron j
	// Passes is the number of passes run, the last one included.
	Passes int
	// Updates counts the weight updates over all passes.
	Updates int
	// Violations is the number of violated constraints in the last pass:
	// 0 when the neuron converged.
	Violations int
	// Quiet is how many of the violations are silent steps before the
	// replay (background and cue).
	Quiet int
	// Slack is the smallest distance of a membrane to its bound in the last
	// pass (negative: a violation remains), in membrane units beyond κ.
	Slack float64
}

// Report sums up a solve.
type Report struct {
	// Constraints is the number of inequalities per neuron; Spiking of
	// them require a spike (summed over all neurons).
	Constraints int `json:"constraints"`
	Spiking     int `json:"spiking"`
	// Tracks is the number of teacher-forced trials, Entries the number
	// of active (neuron, delay) pairs in all their contexts.
	Tracks  int `json:"tracks"`
	Entries int `json:"entries"`
	// Converged counts the neurons whose constraints all hold.
	Converged int `json:"converged"`
	// Passes is the largest number of passes any neuron needed.
	Passes int `json:"passes"`
	// Updates is the total number of weight updates.
	Updates int `json:"updates"`
	// Violations is the number of constraints still violated.
	Violations int `json:"violations"`
	// Neurons has one entry per neuron solved by this call, in neuron
	// order (not written to JSON: it grows with N).
	Neurons []Neuron `json:"-"`
}

// Hooks let a caller follow a solve and resume it.
type Hooks struct {
	// Solved marks neurons whose weights in the starting tensor are
	// already final (a resumed solve); they are not solved again.
	Solved []bool
	// OnNeuron is called after neuron n.Index's weights have been written,
	// one call at a time, on the caller's goroutine, with the weights being
	// solved: *network.Weights from Store, *network.Sparse from
	// StoreSparse. An error stops the solve and is returned.
	OnNeuron func(n Neuron, w network.Synapses) error
}
