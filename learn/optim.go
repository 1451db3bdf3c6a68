package learn

import (
	"fmt"
	"math"
)

// Optimizer names.
const (
	SGD   = "sgd"
	Adam  = "adam"
	AdamW = "adamw"
)

// Optimizer updates weights from gradients with the rules of PyTorch's
// SGD (momentum and dampening), Adam (L2 weight decay added to the
// gradient) and AdamW (decoupled weight decay). Its state is exported so
// that checkpoints can save and restore it.
type Optimizer struct {
	Kind        string  `json:"kind"`
	Momentum    float64 `json:"momentum"`  // SGD
	Dampening   float64 `json:"dampening"` // SGD
	Beta1       float64 `json:"beta1"`     // Adam, AdamW
	Beta2       float64 `json:"beta2"`     // Adam, AdamW
	Eps         float64 `json:"eps"`       // Adam, AdamW
	WeightDecay float64 `json:"weight_decay"`

	// Steps is the number of updates made so far.
	Steps int `json:"steps"`
	// M is the SGD momentum buffer or Adam's first moment; V is Adam's
	// second moment. Both are allocated on the first step.
	M, V []float64 `json:"-"`
}

// Validate checks the optimiser's settings.
func (o *Optimizer) Validate() error {
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
		return fmt.Errorf("optimizer %q is not known; use sgd, adam or adamw", o.Kind)
	}
	if !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0) {
		return fmt.Errorf("weight decay = %v: must be a non-negative number", o.WeightDecay)
	}
	return nil
}

// Step updates w in place from the gradient g with learning rate lr.
func (o *Optimizer) Step(w, g []float64, lr float64) {
	if o.M == nil {
		o.M = make([]float64, len(w))
		if o.Kind != SGD {
			o.V = make([]float64, len(w))
		}
	}
	o.Steps++
	wd := o.WeightDecay
	switch o.Kind {
	case SGD:
		first := o.Steps == 1
		for k, gk := range g {
			gk += wd * w[k]
			if o.Momentum != 0 {
				if first {
					o.M[k] = gk
				} else {
					o.M[k] = o.Momentum*o.M[k] + (1-o.Dampening)*gk
				}
				gk = o.M[k]
			}
			w[k] -= lr * gk
		}
	case Adam, AdamW:
		b1, b2 := o.Beta1, o.Beta2
		c1 := 1 - math.Pow(b1, float64(o.Steps))
		c2 := math.Sqrt(1 - math.Pow(b2, float64(o.Steps)))
		decoupled := o.Kind == AdamW
		for k, gk := range g {
			if decoupled {
				w[k] *= 1 - lr*wd
			} else {
				gk += wd * w[k]
			}
			m := b1*o.M[k] + (1-b1)*gk
			v := b2*o.V[k] + (1-b2)*gk*gk
			o.M[k], o.V[k] = m, v
			w[k] -= lr * (m / c1) / (math.Sqrt(v)/c2 + o.Eps)
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
