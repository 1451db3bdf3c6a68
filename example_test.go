package hdsnn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// The whole pipeline on a small network: generate patterns, initialise
// the weights, train them, recall every pattern from its cue and score the
// replay.
func Example() {
	// Model: the published neuron, 20 delays, short background phases.
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA = 20, 20, 10, 10, 0.005

	// 1. Generate 4 random patterns of 128 neurons over 200 steps.
	set, err := raster.Generate(raster.Config{M: 4, N: 128, T: 200, P: p.PA}, 5)
	if err != nil {
		log.Fatal(err)
	}

	// 2. Initialise: Hebbian weights matched to p (β, θ, reset, D).
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		log.Fatal(err)
	}
	for k := range w.W {
		w.W[k] *= 0.8 // weaken them so that training has work to do
	}
	before, _, err := network.Recall(w, p, set, 1, 0)
	if err != nil {
		log.Fatal(err)
	}

	// 3. Train for 2 epochs with the default settings.
	cfg := learn.DefaultConfig()
	cfg.Epochs = 2
	run, err := learn.NewRun(cfg, p, w, set)
	if err != nil {
		log.Fatal(err)
	}
	if err := learn.Train(context.Background(), run, set, "", nil); err != nil {
		log.Fatal(err)
	}

	// 4. Recall every pattern from a cue of its first D steps, with fresh
	// background, and 5. score the replay.
	after, per, err := network.Recall(run.Weights, p, set, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("F1 before training %.3f, after %.3f\n", before.F1(), after.F1())
	r := after.Result()
	fmt.Printf("precision %.3f, recall %.3f (tp %d, fp %d, fn %d)\n", r.Precision, r.Recall, r.TP, r.FP, r.FN)
	for mu, c := range per {
		fmt.Printf("pattern %d: F1 %.3f\n", mu, c.F1())
	}
	// Output:
	// F1 before training 0.619, after 0.793
	// precision 1.000, recall 0.657 (tp 309, fp 0, fn 161)
	// pattern 0: F1 0.543
	// pattern 1: F1 1.000
	// pattern 2: F1 0.696
	// pattern 3: F1 0.816
}
