package learn

import (
	"fmt"
	"math"

	"github.com/hdsnn/hdsnn/internal/enum"
	"github.com/hdsnn/hdsnn/internal/parallel"
)

// OptimizerKind is an update rule.
type OptimizerKind int

const (
	// Adam is PyTorch's Adam, with L2 weight decay added to the gradient.
	Adam OptimizerKind = iota
	// AdamW is Adam with decoupled weight decay.
	AdamW
	// SGD is PyTorch's SGD with momentum and dampening.
	SGD
)

var kindNames = []string{"adam", "adamw", "sgd"}

// String returns "adam", "adamw" or "sgd".
func (k OptimizerKind) String() string { return enum.String("OptimizerKind", kindNames, k) }

// ParseOptimizerKind parses "adam", "adamw" or "sgd".
func ParseOptimizerKind(s string) (OptimizerKind, error) {
	return enum.Parse[OptimizerKind]("optimizer", kindNames, s)
}

// MarshalText implements encoding.TextMarshaler.
func (k OptimizerKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *OptimizerKind) UnmarshalText(b []byte) (err error) {
	*k, err = ParseOptimizerKind(string(b))
	return err
}

// Optimizer are the settings of an update rule, with the rules of
// PyTorch's SGD (momentum and dampening), Adam (L2 weight decay added to
// the gradient) and AdamW (decoupled weight decay). It holds no state:
// the moments live in an OptimizerState, which a Run owns.
type Optimizer struct {
	Kind        OptimizerKind `json:"kind"`
	Momentum    float64       `json:"momentum"`  // SGD
	Dampening   float64       `json:"dampening"` // SGD
	Beta1       float64       `json:"beta1"`     // Adam, AdamW
	Beta2       float64       `json:"beta2"`     // Adam, AdamW
	Eps         float64       `json:"eps"`       // Adam, AdamW
	WeightDecay float64       `json:"weight_decay"`
}

// OptimizerState is what an optimiser remembers between steps. The zero
// value is the state before the first step.
type OptimizerState struct {
	// Steps is the number of updates made so far.
	Steps int `json:"steps"`
	// M is the SGD momentum buffer or Adam's first moment; V is Adam's
	// second moment. Both are allocated on the first step.
	M, V []float64 `json:"-"`
}

// Validate checks the optimiser's settings.
func (o Optimizer) Validate() error {
	switch o.Kind {
	case SGD:
		if o.Momentum < 0 || o.Momentum >= 1 || math.IsNaN(o.Momentum) {
			return fmt.Errorf("momentum = %v: must be in [0, 1)", o.Momentum)
		}
		if o.Dampening < 0 || o.Dampening > 1 || math.IsNaN(o.Dampening) {
			return fmt.Errorf("dampening = %v: must be in [0, 1]", o.Dampening)
		}
	case Adam, AdamW:
		if !(o.Beta1 >= 0 && o.Beta1 < 1 && o.Beta2 >= 0 && o.Beta2 < 1) {
			return fmt.Errorf("adam betas (%v, %v): both must be in [0, 1)", o.Beta1, o.Beta2)
		}
		if !(o.Eps > 0) {
			return fmt.Errorf("adam eps = %v: must be positive", o.Eps)
		}
	default:
		return fmt.Errorf("optimizer %v is not known; use %s", o.Kind, enum.Or(kindNames))
	}
	if !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0) {
		return fmt.Errorf("weight decay = %v: must be a non-negative number", o.WeightDecay)
	}
	return nil
}

// stepBlock is the number of weights one goroutine of Step updates at a
// time.
const stepBlock = 1 << 16

// Step updates w in place from the gradient g with learning rate lr,
// advancing the state st (which o does not change). Every weight is
// updated on its own, so the blocks run on all cores and the result does
// not depend on their number.
func (o Optimizer) Step(st *OptimizerState, w, g []float64, lr float64) {
	if st.M == nil {
		st.M = make([]float64, len(w))
		if o.Kind != SGD {
			st.V = make([]float64, len(w))
		}
	}
	st.Steps++
	parallel.For((len(w)+stepBlock-1)/stepBlock, func(b int) error {
		lo, hi := b*stepBlock, min((b+1)*stepBlock, len(w))
		var v []float64
		if st.V != nil {
			v = st.V[lo:hi]
		}
		o.update(st.Steps, w[lo:hi], g[lo:hi], st.M[lo:hi], v, lr)
		return nil
	})
}

// update applies step number steps to one block of weights w with
// gradients g and moments m and v (v is empty for SGD).
func (o Optimizer) update(steps int, w, g, m, v []float64, lr float64) {
	wd := o.WeightDecay
	switch o.Kind {
	case SGD:
		first := steps == 1
		for k, gk := range g {
			gk += wd * w[k]
			if o.Momentum != 0 {
				if first {
					m[k] = gk
				} else {
					m[k] = o.Momentum*m[k] + (1-o.Dampening)*gk
				}
				gk = m[k]
			}
			w[k] -= lr * gk
		}
	case Adam, AdamW:
		b1, b2 := o.Beta1, o.Beta2
		c1 := 1 - math.Pow(b1, float64(steps))
		c2 := math.Sqrt(1 - math.Pow(b2, float64(steps)))
		decoupled := o.Kind == AdamW
		for k, gk := range g {
			if decoupled {
				w[k] *= 1 - lr*wd
			} else {
				gk += wd * w[k]
			}
			mk := b1*m[k] + (1-b1)*gk
			vk := b2*v[k] + (1-b2)*gk*gk
			m[k], v[k] = mk, vk
			w[k] -= lr * (mk / c1) / (math.Sqrt(vk)/c2 + o.Eps)
		}
	}
}

// Schedule is the learning rate of SPEC §4: Base for Warmup epochs, then
// cosine-annealed towards Final over the remaining epochs.
type Schedule struct {
	Base, Final float64
	Warmup      int
	Epochs      int
}

// Rate returns the learning rate of epoch e (0-based).
func (s Schedule) Rate(e int) float64 {
	if e < s.Warmup || s.Epochs <= s.Warmup || s.Base == 0 {
		return s.Base
	}
	p := float64(e-s.Warmup) / float64(s.Epochs-s.Warmup)
	r := s.Final / s.Base
	return s.Base * (0.5*(1+math.Cos(math.Pi*p)) + r) / (1 + r)
}
