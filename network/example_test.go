package network_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// Store four patterns with the default (Hebbian) initialisation, cue each
// with its first D steps and score the replay of the rest.
func ExampleRecall() {
	p := network.Defaults()
	p.D, p.Trigger = 20, 20 // a cue of one full delay window
	p.Pre, p.Post = 10, 10
	p.PA = 0.005
	const m, n, steps = 4, 128, 200
	if err := p.Validate(steps); err != nil {
		log.Fatal(err)
	}

	set, err := raster.Generate(raster.Config{M: m, N: n, T: steps, P: p.PA}, 5)
	if err != nil {
		log.Fatal(err)
	}
	w, stats, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("weights: N = %d, D = %d, %d contexts\n", w.N, w.D, stats.Contexts)

	from, to := p.ScoredRange(steps)
	fmt.Printf("trial of %d steps, scored on [%d, %d)\n", p.Len(steps), from, to)

	// Round r draws fresh background; the same (seed, round) replays the
	// same trials.
	all, per, err := network.Recall(w, p, set, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pooled F1 %.3f, precision %.3f, recall %.3f\n", all.F1(), all.Precision(), all.Recall())
	for mu, c := range per {
		fmt.Printf("pattern %d: F1 %.3f\n", mu, c.F1())
	}

	// Replay pattern 0 with its currents and membranes recorded.
	st, err := network.Simulate(w, p, network.Inputs(p, set, 1, 0)[0], network.Options{Record: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recorded steps:", st.L, "membrane entries:", len(st.Membrane) == st.N*st.L)
	// Output:
	// weights: N = 128, D = 20, 720 contexts
	// trial of 220 steps, scored on [30, 210)
	// pooled F1 1.000, precision 1.000, recall 1.000
	// pattern 0: F1 1.000
	// pattern 1: F1 1.000
	// pattern 2: F1 1.000
	// pattern 3: F1 1.000
	// recorded steps: 220 membrane entries: true
}

// Weights files are (N, N, D) float64 .npy arrays in the SPEC layout
// [post][pre][delay−1], with a JSON sidecar saying how they were made.
func ExampleWriteWeights() {
	dir, err := os.MkdirTemp("", "network-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	p := network.Defaults()
	p.D, p.Trigger = 3, 3
	w := network.NewWeights(2, p.D)
	w.Row(0, 2)[1] = 0.5 // neuron 0 excites neuron 1 two steps later
	w.Row(1, 3)[0] = -0.25

	path := filepath.Join(dir, "weights.npy")
	if err := network.WriteWeights(path, w, network.Meta{Params: &p, Source: "example"}); err != nil {
		log.Fatal(err)
	}
	back, meta, err := network.ReadWeights(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sidecar:", filepath.Base(network.SidecarPath(path)), meta.Source, meta.N, meta.D)
	fmt.Println("same weights:", slices.Equal(back.W, w.W))
	fmt.Println("W[post 1][pre 0][delay 2] =", back.At(1, 0, 2))
	fmt.Println("W[post 0][pre 1][delay 3] =", back.At(0, 1, 3))
	fmt.Println("file layout:", back.ToSpec())
	// Output:
	// sidecar: weights.json example 2 3
	// same weights: true
	// W[post 1][pre 0][delay 2] = 0.5
	// W[post 0][pre 1][delay 3] = -0.25
	// file layout: [0 0 0 0 0 -0.25 0 0.5 0 0 0 0]
}
