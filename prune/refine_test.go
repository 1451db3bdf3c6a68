package prune

import (
	"context"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

func TestRefineKeepsTheSupport(t *testing.T) {
	p := network.Defaults()
	p.D, p.Trigger, p.PA, p.Pre, p.Post = 5, 5, 0.05, 10, 10
	set, err := raster.Generate(raster.Config{M: 2, N: 32, T: 60, P: p.PA}, 2)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	pruned, err := Apply(w.Sparse(), Budget{DelaysPerConnection: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := pruned.Clone()
	for _, epochs := range []int{0, 5} {
		r, err := Refine(context.Background(), pruned, p, set, RefineConfig(epochs, DefaultRefineLR), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pruned.W, before.W) {
			t.Fatal("Refine changed its argument")
		}
		if !slices.Equal(r.Weights.Start, pruned.Start) || !slices.Equal(r.Weights.Post, pruned.Post) {
			t.Errorf("%d epochs: the refined weights have another support", epochs)
		}
		if len(r.History) > epochs || r.BestEpoch > len(r.History) {
			t.Errorf("%d epochs: %d epochs trained, best %d", epochs, len(r.History), r.BestEpoch)
		}
		if epochs == 0 && (!slices.Equal(r.Weights.W, pruned.W) || r.After != r.Before) {
			t.Error("0 epochs changed the weights or the score")
		}
		if r.BestEpoch == 0 && !slices.Equal(r.Weights.W, pruned.W) {
			t.Error("best epoch 0 but the weights changed")
		}
	}
}
