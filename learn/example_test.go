package learn_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Train weakened weights of a small network for two epochs of
// surrogate-gradient descent with the default (sparse, Adam) settings.
func ExampleTrain() {
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA = 20, 20, 10, 10, 0.005
	set, err := raster.Generate(raster.Config{M: 4, N: 128, T: 200, P: p.PA}, 5)
	if err != nil {
		log.Fatal(err)
	}
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		log.Fatal(err)
	}
	for k := range w.W {
		w.W[k] *= 0.8 // weaken the stored set so that training has work to do
	}
	initial := w.Clone()

	cfg := learn.DefaultConfig()
	cfg.Epochs = 2
	run, err := learn.NewRun(cfg, p, w, set)
	if err != nil {
		log.Fatal(err)
	}
	// An empty directory writes no checkpoints; pass one to resume later
	// with learn.Resume.
	if err := learn.Train(context.Background(), run, set, "", func(e learn.Epoch) {
		fmt.Printf("epoch %d: lr %g, validation F1 %.3f\n", e.Epoch, e.LR, e.Valid.F1)
	}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("epochs in history:", len(run.History))
	fmt.Println("optimiser steps:", run.Optimizer.Steps)
	// DefaultConfig ends with the weights that recalled the validation
	// trials best, and stops once they are perfect.
	fmt.Printf("initial validation F1 %.3f, best epoch %d\n", run.Initial.F1, run.BestEpoch)
	fmt.Println("weights changed:", !slices.Equal(run.Weights.W, initial.W))
	fmt.Println("sparse backward pass:", run.History[0].Kept < run.History[0].Pairs)
	// Output:
	// epoch 1: lr 0.01, validation F1 0.730
	// epoch 2: lr 0.01, validation F1 0.793
	// epochs in history: 2
	// optimiser steps: 2
	// initial validation F1 0.542, best epoch 2
	// weights changed: true
	// sparse backward pass: true
}
