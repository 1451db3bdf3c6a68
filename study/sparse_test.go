package study_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/study"
)

// TestSparseBenchmark runs the tiny benchmark without training on dense
// and on sparse weights: the same weights, scores and trial; the sparse
// run saves weights.npz. With a fan-in, the weights keep only the
// connectivity's synapses, dense or sparse alike.
func TestSparseBenchmark(t *testing.T) {
	b := tiny()
	b.Train.Epochs = 0
	dense, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Sparse = true
	sparse, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sparse.Weights != nil || sparse.Sparse == nil || sparse.Synapses() != network.Synapses(sparse.Sparse) {
		t.Fatalf("sparse run: weights %v, sparse %v", sparse.Weights, sparse.Sparse)
	}
	if want := dense.Weights.Sparse(); !slices.Equal(sparse.Sparse.Post, want.Post) || !slices.Equal(sparse.Sparse.W, want.W) {
		t.Error("sparse Hebbian weights differ from the dense ones")
	}
	if !slices.Equal(sparse.Report.Init.F1, dense.Report.Init.F1) || sparse.Report.Init.Score != dense.Report.Init.Score {
		t.Errorf("initial recall: sparse %+v, dense %+v", sparse.Report.Init.Score, dense.Report.Init.Score)
	}
	if sparse.Report.InitStats.Synapses != sparse.Sparse.Entries() {
		t.Errorf("init stats count %d synapses, the tensor has %d", sparse.Report.InitStats.Synapses, sparse.Sparse.Entries())
	}
	dir := t.TempDir()
	if err := sparse.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, meta, err := network.ReadSparse(filepath.Join(dir, "weights.npz"))
	if err != nil || back.Entries() != sparse.Sparse.Entries() || meta == nil || meta.Layout != network.SparseLayout {
		t.Fatalf("saved sparse weights: %v, %+v", err, meta)
	}
	if _, err := os.Stat(filepath.Join(dir, "weights.npy")); !os.IsNotExist(err) {
		t.Errorf("a sparse run wrote weights.npy too (%v)", err)
	}
	if tr, err := sparse.TrialOf(0); err != nil || !slices.Equal(tr.Spikes.Dense(), sparse.Trial.Spikes.Dense()) {
		t.Errorf("TrialOf(0) is not the trial of the run (%v)", err)
	}

	b.FanIn = 8
	fan, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := initw.NewConnectivity(b.Patterns.N, 8, b.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s := fan.Sparse
	for i := 0; i < s.N; i++ {
		for k := 1; k <= s.D; k++ {
			post, _ := s.Row(i, k)
			for _, j := range post {
				if !conn.Has(int(j), i) {
					t.Fatalf("synapse pre %d → post %d is outside the connectivity", i, j)
				}
			}
		}
	}
	if s.Entries() == 0 || s.Entries() >= sparse.Sparse.Entries() {
		t.Errorf("fan-in 8 of 64 kept %d of %d synapses", s.Entries(), sparse.Sparse.Entries())
	}
	b.Sparse = false
	fanDense, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fanDense.Weights == nil || !slices.Equal(fanDense.Weights.Sparse().W, s.W) || fanDense.Report.Init.Score != fan.Report.Init.Score {
		t.Error("dense weights with a fan-in differ from the sparse ones")
	}
}

// TestSparseBenchmarkRefuses checks what sparse weights and fan-ins do
// not take.
func TestSparseBenchmarkRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(b *study.Benchmark)
		want   string
	}{
		{"pinv", func(b *study.Benchmark) { b.Sparse, b.Train.Epochs, b.Init.Method = true, 0, initw.PseudoInverse }, "pinv"},
		{"fan-in > N", func(b *study.Benchmark) { b.FanIn, b.Train.Epochs = 65, 0 }, "fan-in 65"},
		{"all synapses without a fan-in", func(b *study.Benchmark) { b.Sparse, b.AllSynapses = true, true }, "give a fan-in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tiny()
			tc.change(&b)
			if err := b.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestBenchSparse times a sparse benchmark: the sparse stages run on the
// sparse weights, the dense ones on their dense form, with the same
// spikes and the exact pass visiting every pair.
func TestBenchSparse(t *testing.T) {
	b := tiny()
	b.Train.Epochs, b.Sparse, b.FanIn = 0, true, 16
	stages := []study.Stage{study.StageInit, study.StageSparseRecall, study.StageRecall, study.StageExactEpoch, study.StageSparseExactEpoch}
	ts, err := b.Bench(1, stages, nil)
	if err != nil || len(ts) != len(stages) || ts[1].Events <= 0 {
		t.Fatalf("timings %+v, %v", ts, err)
	}
	if ts[2].Events <= ts[1].Events {
		t.Errorf("dense recall processed %d events, sparse %d; want more on the dense form", ts[2].Events, ts[1].Events)
	}
	if ts[3].Pairs == 0 || ts[4].Kept != ts[3].Kept || ts[4].Pairs != ts[3].Pairs {
		t.Errorf("exact epochs: dense kept %d/%d, sparse %d/%d", ts[3].Kept, ts[3].Pairs, ts[4].Kept, ts[4].Pairs)
	}
}

// TestSparseTrainingBenchmark trains the tiny benchmark on sparse weights
// with a fan-in: the connectivity stays fixed, the report and the saved
// weights are sparse, and a resumed run ends where an uninterrupted one
// does; a dense checkpoint is refused for a sparse benchmark.
func TestSparseTrainingBenchmark(t *testing.T) {
	b := tiny()
	b.Train.Epochs, b.Train.KeepBest, b.Sparse, b.FanIn = 2, false, true, 16
	full, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.Sparse == nil || full.Weights != nil || len(full.Report.History) != 2 || full.Report.Trained == nil {
		t.Fatalf("sparse training run: sparse %v, dense %v, %d epochs", full.Sparse != nil, full.Weights != nil, len(full.Report.History))
	}
	init, err := b.Store(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(init.Sparse.Post, full.Sparse.Post) || !slices.Equal(init.Sparse.Start, full.Sparse.Start) {
		t.Error("training changed the connectivity")
	}
	if slices.Equal(init.Sparse.W, full.Sparse.W) {
		t.Error("training did not change the sparse weights")
	}
	if tr, err := full.TrialOf(0); err != nil || !slices.Equal(tr.Spikes.Dense(), full.Trial.Spikes.Dense()) {
		t.Errorf("TrialOf(0) is not the trial of the run (%v)", err)
	}
	trained, err := b.Store(context.Background(), true)
	if err != nil || !slices.Equal(trained.Sparse.W, full.Sparse.W) {
		t.Errorf("Store(trained) differs from Run (%v)", err)
	}

	dir := t.TempDir()
	half := b
	half.Train.Epochs = 1
	if _, err := half.Run(context.Background(), dir, false, nil); err != nil {
		t.Fatal(err)
	}
	resumed, err := b.Run(context.Background(), dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.Sparse.W, full.Sparse.W) {
		t.Error("resumed sparse run differs from an uninterrupted one")
	}
	dense := b
	dense.Sparse = false
	if _, err := dense.Run(context.Background(), dir, true, nil); !errors.Is(err, study.ErrOtherCheckpoint) {
		t.Errorf("dense benchmark resumed from a sparse checkpoint: %v, want ErrOtherCheckpoint", err)
	}
}

// TestAllSynapsesBenchmark trains sparse weights on the whole support of
// a fan-in connectivity: N·K·D entries from the start, the same initial
// recall as the non-zero weights alone, and training grows synapses whose
// Hebbian weight was zero.
func TestAllSynapsesBenchmark(t *testing.T) {
	b := tiny()
	b.Train.KeepBest, b.Sparse, b.FanIn = false, true, 16
	nz, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.AllSynapses = true
	all, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(b.Patterns.N * b.FanIn * b.Params.D)
	if all.Sparse.Entries() != want || all.Report.InitStats.Synapses != want {
		t.Fatalf("%d entries (stats %d), want N·K·D = %d", all.Sparse.Entries(), all.Report.InitStats.Synapses, want)
	}
	if all.Report.Init.Score != nz.Report.Init.Score {
		t.Errorf("initial recall %+v on all synapses, %+v on the non-zero ones", all.Report.Init.Score, nz.Report.Init.Score)
	}
	init, err := b.Store(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	grown := 0
	for k, v := range init.Sparse.W {
		if v == 0 && all.Sparse.W[k] != 0 {
			grown++
		}
	}
	if grown == 0 {
		t.Error("training grew no synapse whose Hebbian weight was zero")
	}
}

// TestMarginFanInBenchmark stores the tiny benchmark by margin learning on
// a fan-in connectivity: sparse weights with every synapse of it, recalled
// as well as their dense form, and the store stage times it.
func TestMarginFanInBenchmark(t *testing.T) {
	b := tiny()
	mc := margin.DefaultConfig()
	b.Margin, b.Train.Epochs, b.Sparse, b.FanIn = &mc, 0, true, 48
	res, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(b.Patterns.N * b.FanIn * b.Params.D); res.Sparse == nil || res.Sparse.Entries() != want || res.Report.Margin == nil {
		t.Fatalf("margin on a fan-in: sparse %v, margin report %v", res.Sparse != nil, res.Report.Margin != nil)
	}
	if f1 := res.Report.Init.Score.F1; f1 < 0.9 {
		t.Errorf("margin storage on fan-in 48 of 64 recalls with F1 %v", f1)
	}
	b.Sparse = false
	dense, err := b.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dense.Weights == nil || dense.Report.Init.Score != res.Report.Init.Score {
		t.Errorf("dense form recalls %+v, sparse %+v", dense.Report.Init.Score, res.Report.Init.Score)
	}
	// Without a fan-in, sparse margin weights are the dense solve's
	// non-zero entries.
	nb := b
	nb.FanIn, nb.Sparse = 0, false
	whole, err := nb.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	nb.Sparse = true
	sparse, err := nb.Run(context.Background(), "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := whole.Weights.Sparse(); sparse.Sparse == nil || !slices.Equal(sparse.Sparse.W, want.W) || !slices.Equal(sparse.Sparse.Post, want.Post) {
		t.Error("sparse margin weights without a fan-in are not the dense ones' non-zero entries")
	}
	b.Sparse = true
	ts, err := b.Bench(1, []study.Stage{study.StageStore}, nil)
	if err != nil || len(ts) != 1 {
		t.Fatalf("store stage on a fan-in: %v", err)
	}
}
