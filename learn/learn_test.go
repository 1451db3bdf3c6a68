package learn_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// small returns a small benchmark: patterns, parameters and default
// Hebbian weights scaled by scale (below 1 to weaken recall).
func small(t *testing.T, scale float64) (*raster.Set, network.Params, *network.Weights) {
	t.Helper()
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post = 20, 20, 10, 10
	set, err := raster.Generate(raster.Config{M: 4, N: 128, T: 200, P: 0.005}, 5)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	for k := range w.W {
		w.W[k] *= scale
	}
	return set, p, w
}

func TestSparseWithFullSupportIsExact(t *testing.T) {
	for _, c := range mustCases(t) {
		exact, err := learn.Compute(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha})
		if err != nil {
			t.Fatal(err)
		}
		sparse, err := learn.ComputeTuned(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha, Support: 1e9}, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		// Chunk 1 folds each trial's terms into per-coefficient tensors.
		folded, err := learn.ComputeTuned(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha, Support: 1e9}, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		tol := fixture.Tolerance(exact.Grad)
		for k := range folded.Grad {
			if math.Abs(folded.Grad[k]-sparse.Grad[k]) > tol {
				t.Fatalf("%s: chunked sparse grad[%d] = %v, one chunk %v", c.Name, k, folded.Grad[k], sparse.Grad[k])
			}
		}
		for k := range exact.Grad {
			if math.Abs(exact.Grad[k]-sparse.Grad[k]) > tol {
				t.Fatalf("%s: sparse grad[%d] = %v, exact %v", c.Name, k, sparse.Grad[k], exact.Grad[k])
			}
		}
		narrow, err := learn.Compute(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha, Support: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if narrow.Kept == 0 || narrow.Kept >= exact.Pairs/2 {
			t.Errorf("%s: support 0.1 kept %d of %d pairs; want a small non-zero share", c.Name, narrow.Kept, exact.Pairs)
		}
	}
}

// TestDenseFallbackMatchesSparse checks that the dense pass the sparse one
// hands over to when most pairs are near threshold computes the same
// truncated gradient.
func TestDenseFallbackMatchesSparse(t *testing.T) {
	for _, c := range mustCases(t) {
		for _, support := range []float64{0.05, 0.2, 0.5} {
			sparse, err := learn.ComputeTuned(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha, Support: support}, 0, 2)
			if err != nil {
				t.Fatal(err)
			}
			// A share of 1e-9 makes every trial hand over.
			dense, err := learn.ComputeTuned(c.W, c.Params, c.Target, c.Inputs, learn.GradOptions{Alpha: c.Meta.Alpha, Support: support}, 0, 1e-9)
			if err != nil {
				t.Fatal(err)
			}
			if dense.Counts != sparse.Counts {
				t.Errorf("%s, support %v: dense counts %v, sparse %v", c.Name, support, dense.Counts, sparse.Counts)
			}
			tol := fixture.Tolerance(sparse.Grad)
			if tol == 0 {
				t.Fatalf("%s, support %v: sparse gradient is zero; the case does not test the truncation", c.Name, support)
			}
			for k := range sparse.Grad {
				if math.Abs(dense.Grad[k]-sparse.Grad[k]) > tol {
					t.Fatalf("%s, support %v: dense grad[%d] = %v, sparse %v", c.Name, support, k, dense.Grad[k], sparse.Grad[k])
				}
			}
		}
	}
}

func mustCases(t *testing.T) []*fixture.Case {
	t.Helper()
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestGradientIndependentOfCores checks bit-identical gradients and
// trained weights with GOMAXPROCS 1 and 2, with dropout, chunked exact and
// sparse passes.
func TestGradientIndependentOfCores(t *testing.T) {
	set, p, w := small(t, 0.9)
	cfg := learn.DefaultConfig()
	cfg.Epochs, cfg.Chunk = 2, 3
	cfg.KeepBest = false // compare the weights training reached
	results := map[int][][]float64{}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, support := range []float64{0, 0.4} {
			c := cfg
			c.Support = support
			r, err := learn.NewRun(c, p, w.Clone(), set)
			if err != nil {
				t.Fatal(err)
			}
			if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
				t.Fatal(err)
			}
			results[procs] = append(results[procs], r.Weights.W)
		}
	}
	for k := range results[1] {
		if !slices.Equal(results[1][k], results[2][k]) {
			t.Errorf("run %d: weights differ between GOMAXPROCS 1 and 2", k)
		}
		if slices.Equal(results[1][k], w.W) {
			t.Errorf("run %d: training did not change the weights", k)
		}
	}
}

// TestTrainingRaisesF1 starts from deliberately weakened weights and
// checks that validation F1 rises over the epochs: with the default
// settings (sparse gradients, Adam) and with exact gradients and SGD.
func TestTrainingRaisesF1(t *testing.T) {
	set, p, w := small(t, 0.8)
	before, _, err := network.Recall(w, p, set, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if before.F1() > 0.9 || before.TP == 0 {
		t.Fatalf("weakened init has F1 %.3f; the test needs partial recall", before.F1())
	}
	exactSGD := learn.DefaultConfig()
	exactSGD.Support, exactSGD.LR, exactSGD.FinalLR = 0, 3, 0.03
	exactSGD.Optimizer = learn.Optimizer{Kind: learn.SGD, Momentum: 0.9}
	for name, cfg := range map[string]learn.Config{"default": learn.DefaultConfig(), "exact sgd": exactSGD} {
		cfg.Epochs = 12
		r, err := learn.NewRun(cfg, p, w.Clone(), set)
		if err != nil {
			t.Fatal(err)
		}
		if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
			t.Fatal(err)
		}
		last := r.History[len(r.History)-1].Valid.F1
		t.Logf("%s: F1 %.3f → %.3f", name, before.F1(), last)
		if last < before.F1()+0.15 {
			t.Errorf("%s: validation F1 went from %.3f to %.3f; want a rise of at least 0.15", name, before.F1(), last)
		}
	}
}

// TestResumeMatchesUninterrupted trains 2 epochs, resumes from the
// checkpoint for 2 more, and compares with 4 epochs in one go.
func TestResumeMatchesUninterrupted(t *testing.T) {
	set, p, w := small(t, 0.8)
	cfg := learn.DefaultConfig()
	cfg.Epochs = 4
	full, err := learn.NewRun(cfg, p, w.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	if err := learn.Train(context.Background(), full, set, "", nil); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	half := cfg
	half.Epochs = 2
	r, err := learn.NewRun(half, p, w.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	if err := learn.Train(context.Background(), r, set, dir, nil); err != nil {
		t.Fatal(err)
	}
	resumed, err := learn.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed.History) != 2 {
		t.Fatalf("resumed run has %d epochs of history, want 2", len(resumed.History))
	}
	resumed.Config.Epochs = 4
	if err := learn.Train(context.Background(), resumed, set, dir, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.Weights.W, full.Weights.W) {
		t.Error("resumed weights differ from an uninterrupted run")
	}
	other, err := raster.Generate(raster.Config{M: 4, N: 64, T: 200, P: 0.01}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if err := learn.Train(context.Background(), resumed, other, dir, nil); err == nil {
		t.Error("training a resumed run on other patterns did not fail")
	}
}

// TestKeepBest trains a weakened set with a learning rate that
// wrecks it and checks that KeepBest ends with the best weights on
// validation, also across a checkpoint, and that without it the last
// weights are kept.
func TestKeepBest(t *testing.T) {
	set, p, w := small(t, 0.8)
	cfg := learn.DefaultConfig()
	cfg.Epochs, cfg.Warmup, cfg.LR, cfg.FinalLR = 3, 3, 0.2, 0.2
	train := func(cfg learn.Config) *learn.Run {
		r, err := learn.NewRun(cfg, p, w.Clone(), set)
		if err != nil {
			t.Fatal(err)
		}
		if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
			t.Fatal(err)
		}
		return r
	}
	kept := train(cfg)
	losses := []float64{kept.Initial.Loss}
	for _, e := range kept.History {
		losses = append(losses, e.Valid.Loss)
	}
	best := slices.Index(losses, slices.Min(losses))
	if kept.BestEpoch != best {
		t.Fatalf("best epoch %d, want %d (validation losses %v)", kept.BestEpoch, best, losses)
	}
	if slices.Max(losses) <= losses[best] {
		t.Fatalf("validation losses %v never got worse: the case does not test KeepBest", losses)
	}
	// The weights of the best epoch, from a run stopped there.
	upto := cfg
	upto.KeepBest = false
	stopped, err := learn.NewRun(upto, p, w.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if best == 0 {
		cancel()
	}
	err = learn.Train(ctx, stopped, set, "", func(e learn.Epoch) {
		if e.Epoch == best {
			cancel()
		}
	})
	if err == nil || len(stopped.History) != best {
		t.Fatalf("stopped run: %v after %d epochs, want a cancellation after %d", err, len(stopped.History), best)
	}
	if !slices.Equal(kept.Weights.W, stopped.Weights.W) {
		t.Error("KeepBest did not end with the weights of the best epoch")
	}
	last := train(upto)
	if slices.Equal(last.Weights.W, kept.Weights.W) {
		t.Error("without KeepBest the run ended with the best weights, not the last")
	}

	// Interrupted after the first epoch and resumed from the checkpoint.
	dir := t.TempDir()
	r, err := learn.NewRun(cfg, p, w.Clone(), set)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	if err := learn.Train(ctx, r, set, dir, func(learn.Epoch) { cancel() }); err == nil {
		t.Fatal("cancelled training did not stop")
	}
	resumed, err := learn.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := learn.Train(context.Background(), resumed, set, dir, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed.Weights.W, kept.Weights.W) || resumed.BestEpoch != kept.BestEpoch {
		t.Error("resumed KeepBest run differs from an uninterrupted one")
	}
}

// TestStopWhenPerfect checks that KeepBest training stops before the first
// epoch when the initial weights recall the validation trials perfectly,
// and that without it every epoch runs.
func TestStopWhenPerfect(t *testing.T) {
	set, p, w := small(t, 1)
	for _, keep := range []bool{true, false} {
		cfg := learn.DefaultConfig()
		cfg.Epochs, cfg.KeepBest = 3, keep
		r, err := learn.NewRun(cfg, p, w.Clone(), set)
		if err != nil {
			t.Fatal(err)
		}
		if err := learn.Train(context.Background(), r, set, "", nil); err != nil {
			t.Fatal(err)
		}
		if r.Initial.FP != 0 || r.Initial.FN != 0 {
			t.Fatalf("initial validation %+v is not perfect; the case does not test the stop", *r.Initial)
		}
		want := 3
		if keep {
			want = 0
		}
		if len(r.History) != want || !r.Perfect() {
			t.Errorf("KeepBest %v: %d epochs run, want %d (perfect: %v)", keep, len(r.History), want, r.Perfect())
		}
		if keep && !slices.Equal(r.Weights.W, w.W) {
			t.Errorf("KeepBest stopped at once but changed the weights")
		}
	}
}

func TestResumeErrors(t *testing.T) {
	if _, err := learn.Resume(t.TempDir()); err == nil {
		t.Error("resume from an empty directory did not fail")
	}
}

func TestSchedule(t *testing.T) {
	s := learn.Schedule{Base: 1e-2, Final: 1e-4, Warmup: 2, Epochs: 10}
	for e := 0; e < 2; e++ {
		if s.Rate(e) != 1e-2 {
			t.Errorf("warmup epoch %d: rate %v", e, s.Rate(e))
		}
	}
	for e := 3; e < 10; e++ {
		if s.Rate(e) >= s.Rate(e-1) {
			t.Errorf("rate does not fall at epoch %d: %v ≥ %v", e, s.Rate(e), s.Rate(e-1))
		}
	}
	r := 1e-4 / 1e-2
	if got, want := s.Rate(6), 1e-2*(0.5*(1+math.Cos(math.Pi*0.5))+r)/(1+r); math.Abs(got-want) > 1e-15 {
		t.Errorf("rate at half way = %v, want %v", got, want)
	}
}

func TestOptimizerSteps(t *testing.T) {
	tests := []struct {
		name string
		opt  learn.Optimizer
		want [2]float64 // w after steps 1 and 2 from w = 1 with g = 0.5 each time, lr 0.1
	}{
		{"sgd plain", learn.Optimizer{Kind: learn.SGD}, [2]float64{0.95, 0.90}},
		{"sgd momentum", learn.Optimizer{Kind: learn.SGD, Momentum: 0.9, Dampening: 0.5}, [2]float64{0.95, 0.95 - 0.1*(0.9*0.5+0.5*0.5)}},
		{"adam", learn.Optimizer{Kind: learn.Adam, Beta1: 0.9, Beta2: 0.999, Eps: 0}, [2]float64{0.9, 0.8}},
		{"adamw decay", learn.Optimizer{Kind: learn.AdamW, Beta1: 0.9, Beta2: 0.999, Eps: 0, WeightDecay: 1}, [2]float64{1*(1-0.1) - 0.1, (0.8)*(1-0.1) - 0.1}},
	}
	for _, tt := range tests {
		w := []float64{1}
		var st learn.OptimizerState
		for k := 0; k < 2; k++ {
			tt.opt.Step(&st, w, []float64{0.5}, 0.1)
			if math.Abs(w[0]-tt.want[k]) > 1e-12 {
				t.Errorf("%s: step %d: w = %v, want %v", tt.name, k+1, w[0], tt.want[k])
			}
		}
	}
}

// TestOptimizerBlocks checks that a tensor spanning several of the blocks
// Step updates in parallel gets, weight by weight, the update of a
// one-weight optimiser.
func TestOptimizerBlocks(t *testing.T) {
	const n = 3<<16 + 5
	for _, opt := range []learn.Optimizer{
		{Kind: learn.SGD, Momentum: 0.9, WeightDecay: 1e-3},
		{Kind: learn.Adam, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
		{Kind: learn.AdamW, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
	} {
		w, g := make([]float64, n), make([]float64, n)
		for k := range w {
			w[k], g[k] = math.Sin(float64(k)), math.Cos(float64(3*k))
		}
		want := slices.Clone(w)
		var big learn.OptimizerState
		for range 2 {
			opt.Step(&big, w, g, 0.01)
		}
		for _, k := range []int{0, 1, 1<<16 - 1, 1 << 16, 2<<16 + 7, n - 1} {
			var one learn.OptimizerState
			x := []float64{want[k]}
			for range 2 {
				opt.Step(&one, x, []float64{g[k]}, 0.01)
			}
			if x[0] != w[k] {
				t.Errorf("%s: weight %d = %v after two steps, one-weight optimiser gives %v", opt.Kind, k, w[k], x[0])
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := map[string]func(*learn.Config){
		"epochs":    func(c *learn.Config) { c.Epochs = -1 },
		"lr":        func(c *learn.Config) { c.LR = math.NaN() },
		"final lr":  func(c *learn.Config) { c.FinalLR = 1 },
		"alpha":     func(c *learn.Config) { c.Alpha = 0 },
		"dropout":   func(c *learn.Config) { c.Dropout = 1 },
		"support":   func(c *learn.Config) { c.Support = -1 },
		"optimizer": func(c *learn.Config) { c.Optimizer.Kind = 7 },
		"momentum":  func(c *learn.Config) { c.Optimizer = learn.PublishedSGD(); c.Optimizer.Momentum = 1 },
	}
	for name, mod := range bad {
		c := learn.DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := learn.DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestResumeLegacyCheckpoint reads a checkpoint in the format written
// before the optimiser's state left its settings (the step count inside
// config.optimizer) and checks that the state is restored.
func TestResumeLegacyCheckpoint(t *testing.T) {
	set, p, w := small(t, 0.8)
	cfg := learn.DefaultConfig()
	cfg.Epochs = 2
	cfg.KeepBest = false
	r, err := learn.NewRun(cfg, p, w, set)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := learn.Train(context.Background(), r, set, dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, learn.CheckpointFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	st := m["optimizer_state"].(map[string]any)
	m["config"].(map[string]any)["optimizer"].(map[string]any)["steps"] = st["steps"]
	delete(m, "optimizer_state")
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := learn.Resume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Optimizer.Steps != r.Optimizer.Steps || !slices.Equal(back.Optimizer.M, r.Optimizer.M) || !slices.Equal(back.Optimizer.V, r.Optimizer.V) {
		t.Errorf("legacy checkpoint: state after %d steps, want %d and the same moments", back.Optimizer.Steps, r.Optimizer.Steps)
	}
	if _, err := learn.Resume(t.TempDir()); !errors.Is(err, learn.ErrNoCheckpoint) {
		t.Errorf("empty directory: %v, want ErrNoCheckpoint", err)
	}
}
