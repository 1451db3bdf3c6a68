package quant_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
	"github.com/hdsnn/hdsnn/raster"
)

// Store four patterns, quantise the weights to 8 bits and recall them on
// the integer path, with the cost of the recall.
func ExampleRecall() {
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
	q, err := quant.QuantizeDense(w, quant.Config{Bits: 8, Rounding: quant.Nearest})
	if err != nil {
		log.Fatal(err)
	}
	all, _, cost, err := quant.Recall(context.Background(), q, p, set, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	c := quant.NewCost(cost.SynOps, set.M(), q.MemoryBits())
	fmt.Printf("8-bit integer recall: F1 %.3f\n", all.F1())
	fmt.Printf("%d synapses, %d bits of weights, SynOps > 0: %v, %d energy estimates\n", q.S.Entries(), c.WeightBits, c.SynOps > 0, len(c.Energy))
	// Output:
	// 8-bit integer recall: F1 1.000
	// 11759 synapses, 98168 bits of weights, SynOps > 0: true, 3 energy estimates
}
