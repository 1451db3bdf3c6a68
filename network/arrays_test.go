package network

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/raster"
)

// TestArraysAndStreams checks the (M, N, L) arrays of recorded trials
// against the step-major records, and the weights' stream forms.
func TestArraysAndStreams(t *testing.T) {
	p := Defaults()
	p.D, p.Trigger, p.Pre, p.Post = 2, 2, 0, 0
	w := NewWeights(3, 2)
	w.Row(0, 1)[1], w.Row(1, 2)[2], w.Row(2, 1)[0] = 1, 1, 0.5
	x, err := raster.FromEvents(3, 6, []raster.Event{{Neuron: 0, Step: 0}, {Neuron: 0, Step: 3}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Simulate(w, p, x, Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	states := []*State{st, st}
	shape, mem, err := MembraneArray(states)
	if err != nil || !slices.Equal(shape, []int{2, 3, 6}) {
		t.Fatalf("MembraneArray shape %v, %v", shape, err)
	}
	for k := 0; k < 2; k++ {
		for j := 0; j < 3; j++ {
			for s := 0; s < 6; s++ {
				if got, want := mem[(k*3+j)*6+s], st.Membrane[s*3+j]; got != want {
					t.Fatalf("membrane [%d, %d, %d] = %v, want %v", k, j, s, got, want)
				}
			}
		}
	}
	_, spk, err := SpikeArray(states)
	if err != nil || !bytes.Equal(spk[:18], st.Spikes.Dense()) {
		t.Errorf("SpikeArray: %v", err)
	}
	if _, _, err := CurrentArray([]*State{{N: 3, L: 6}}); err == nil {
		t.Error("CurrentArray of an unrecorded trial: no error")
	}

	var buf bytes.Buffer
	if err := WriteWeightsTo(&buf, w); err != nil {
		t.Fatal(err)
	}
	back, err := ReadWeightsFrom(&buf)
	if err != nil || !slices.Equal(back.W, w.W) {
		t.Errorf("weights round trip: %v", err)
	}
	buf.Reset()
	if err := npy.WriteFloat64To(&buf, []int{3, 2, 2}, make([]float64, 12)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWeightsFrom(&buf); !errors.Is(err, npy.ErrShape) {
		t.Errorf("non-square weights: %v, want npy.ErrShape", err)
	}
}

// TestStepper checks the step-level API against Simulate and the update
// equations of its doc on a hand-made network.
func TestStepper(t *testing.T) {
	p := Defaults()
	p.D, p.Trigger, p.Pre, p.Post = 2, 2, 0, 0
	w := NewWeights(3, 2)
	w.Row(0, 1)[1], w.Row(1, 2)[2], w.Row(2, 1)[0] = 1, 1, 0.5
	x, err := raster.FromEvents(3, 8, []raster.Event{{Neuron: 0, Step: 0}, {Neuron: 0, Step: 4}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Simulate(w, p, x, Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStepper(w, p, x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	prevU, prevS := make([]float64, 3), make([]bool, 3)
	for s.Step() {
		tt := s.T()
		for j := 0; j < 3; j++ {
			cur := 0.0
			for d := 1; d <= 2; d++ {
				for i := 0; i < 3; i++ {
					if s.State().Seen.Has(i, tt-d) {
						cur += w.At(j, i, d)
					}
				}
			}
			u := p.Beta*prevU[j] + cur
			if prevS[j] {
				u -= p.Theta
			}
			if got := s.Membrane()[j]; got != u || got != want.Membrane[tt*3+j] || s.Current()[j] != cur {
				t.Fatalf("step %d neuron %d: u = %v, want %v (Simulate %v)", tt, j, got, u, want.Membrane[tt*3+j])
			}
			prevU[j], prevS[j] = u, u > p.Theta
		}
		if !slices.Equal(s.Spikes(), want.Spikes.Steps[tt]) && !(len(s.Spikes()) == 0 && len(want.Spikes.Steps[tt]) == 0) {
			t.Fatalf("step %d: spikes %v, want %v", tt, s.Spikes(), want.Spikes.Steps[tt])
		}
	}
	if s.T() != 7 || !bytes.Equal(s.State().Spikes.Dense(), want.Spikes.Dense()) {
		t.Errorf("stepper ended at step %d with other spikes than Simulate", s.T())
	}
}
