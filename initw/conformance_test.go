package initw_test

import (
	"math"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/network"
)

// TestHebbianConformance reproduces w_hebbian.npy: Hebbian, deconvolved
// targets, column normalisation, from target.npy.
func TestHebbianConformance(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		cfg := initw.Config{Method: initw.Hebbian, Target: initw.Deconvolved, Norm: initw.Column}
		w, _, err := initw.Init(c.Target, network.Params{Beta: c.Meta.Beta, D: c.Meta.D}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.Float("w_hebbian.npy")
		if err != nil {
			t.Fatal(err)
		}
		got := w.ToSpec()
		tol := fixture.Tolerance(want.Data)
		for k := range got {
			if math.Abs(got[k]-want.Data[k]) > tol {
				t.Fatalf("%s: w[%d] = %v, want %v", c.Name, k, got[k], want.Data[k])
			}
		}
	}
}
