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
