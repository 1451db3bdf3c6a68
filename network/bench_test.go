package network_test

import (
	"context"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/study"
)

// benchSetup returns the published benchmark (N = 512, M = 16, T = 1000,
// D = 41) with its default initial weights.
func benchSetup(b *testing.B) (network.Params, *raster.Set, *network.Weights) {
	b.Helper()
	st, err := study.DefaultBenchmark().Store(context.Background(), false)
	if err != nil {
		b.Fatal(err)
	}
	return st.Bench.Params, st.Patterns, st.Weights
}

// BenchmarkSimulate times one cued-recall trial at the benchmark size.
func BenchmarkSimulate(b *testing.B) {
	p, set, w := benchSetup(b)
	x := network.Inputs(p, set, 1, 0)[0]
	var events int64
	for b.Loop() {
		st, err := network.Simulate(w, p, x, network.Options{})
		if err != nil {
			b.Fatal(err)
		}
		events = st.Events
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRecall times the recall of all 16 patterns on all cores.
func BenchmarkRecall(b *testing.B) {
	p, set, w := benchSetup(b)
	for b.Loop() {
		if _, _, err := network.Recall(w, p, set, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecallSparse times the recall of BenchmarkRecall on the sparse
// form of the same weights (the non-zero entries only).
func BenchmarkRecallSparse(b *testing.B) {
	p, set, w := benchSetup(b)
	s := w.Sparse()
	b.ReportMetric(float64(s.Entries()), "synapses")
	for b.Loop() {
		if _, _, err := network.Recall(s, p, set, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}
