package learn_test

import (
	"math"
	"testing"

	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
)

// TestGradientConformance compares the exact gradient of 1 − F1 with the
// reference's grad_w.npy within 1e-5 of its largest magnitude.
func TestGradientConformance(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, chunk := range []int{32, 2, 1} {
			g, err := learn.ComputeTuned(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha}, chunk, 0)
			if err != nil {
				t.Fatal(err)
			}
			want, err := c.Float("grad_w.npy")
			if err != nil {
				t.Fatal(err)
			}
			got := (&network.Weights{N: c.W.N, D: c.W.D, W: g.Grad}).ToSpec()
			tol := fixture.Tolerance(want.Data)
			if tol == 0 {
				t.Fatalf("%s: reference gradient is all zero", c.Name)
			}
			for k := range got {
				if math.Abs(got[k]-want.Data[k]) > tol {
					n, d := c.W.N, c.W.D
					t.Fatalf("%s chunk %d: grad[post %d, pre %d, delay %d] = %v, want %v (tolerance %g)",
						c.Name, chunk, k/(n*d), (k/d)%n, k%d+1, got[k], want.Data[k], tol)
				}
			}
			if math.Abs(g.Counts.Loss()-c.Meta.Loss) > 1e-12 {
				t.Errorf("%s: loss %v, want %v", c.Name, g.Counts.Loss(), c.Meta.Loss)
			}
		}
	}
}
