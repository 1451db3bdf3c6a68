package network_test

import (
	"math"
	"testing"

	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/score"
)

// neuronMajor converts a step-major L×N array to neuron-major N×L.
func neuronMajor(a []float64, n, l int) []float64 {
	out := make([]float64, len(a))
	for t := 0; t < l; t++ {
		for j := 0; j < n; j++ {
			out[j*l+t] = a[t*n+j]
		}
	}
	return out
}

// TestConformance runs every fixture case and compares spikes exactly and
// currents and membranes within 1e-5 of each array's largest magnitude.
func TestConformance(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			_, spikes, err := c.Binary("spikes.npy")
			if err != nil {
				t.Fatal(err)
			}
			cur, err := c.Float("current.npy")
			if err != nil {
				t.Fatal(err)
			}
			mem, err := c.Float("membrane.npy")
			if err != nil {
				t.Fatal(err)
			}
			n, l := c.Meta.N, c.Params.Len(c.Meta.T)
			tolI, tolU := fixture.Tolerance(cur.Data), fixture.Tolerance(mem.Data)
			var states []*network.State
			for m, x := range c.Inputs {
				st, err := network.Simulate(c.W, c.Params, x, network.Options{Record: true})
				if err != nil {
					t.Fatal(err)
				}
				states = append(states, st)
				got := st.Spikes.Dense()
				want := spikes[m*n*l : (m+1)*n*l]
				for k := range got {
					if got[k] != want[k] {
						t.Fatalf("pattern %d neuron %d step %d: spike %d, want %d", m, k/l, k%l, got[k], want[k])
					}
				}
				for name, pair := range map[string]struct {
					got, want []float64
					tol       float64
				}{
					"current":  {neuronMajor(st.Current, n, l), cur.Data[m*n*l : (m+1)*n*l], tolI},
					"membrane": {neuronMajor(st.Membrane, n, l), mem.Data[m*n*l : (m+1)*n*l], tolU},
				} {
					for k := range pair.got {
						if d := math.Abs(pair.got[k] - pair.want[k]); d > pair.tol {
							t.Fatalf("pattern %d %s[neuron %d, step %d] = %v, want %v (tolerance %g)", m, name, k/l, k%l, pair.got[k], pair.want[k], pair.tol)
						}
					}
				}
			}
			var counts score.Counts
			for m, st := range states {
				counts = counts.Add(st.Score(c.Params, c.Target.Patterns[m]))
			}
			if float64(counts.TP) != c.Meta.TP {
				t.Errorf("TP = %d, want %v", counts.TP, c.Meta.TP)
			}
			for name, v := range map[string][2]float64{
				"precision": {counts.Precision(), c.Meta.Precision},
				"recall":    {counts.Recall(), c.Meta.Recall},
				"f1":        {counts.F1(), c.Meta.F1},
				"loss":      {counts.Loss(), c.Meta.Loss},
			} {
				if math.Abs(v[0]-v[1]) > 1e-12 {
					t.Errorf("%s = %v, want %v", name, v[0], v[1])
				}
			}
		})
	}
}
