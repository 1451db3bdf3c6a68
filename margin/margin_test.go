package margin

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/internal/rng"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// small returns a case beyond the Hebbian capacity of its size: 16
// patterns of 150 steps on 96 neurons with 10 delays.
func small(t *testing.T, reset network.Reset) (network.Params, *raster.Set) {
	t.Helper()
	p := network.Defaults()
	p.D, p.Trigger, p.Pre, p.Post, p.PA, p.Reset = 10, 10, 20, 10, 0.01, reset
	set, err := raster.Generate(raster.Config{M: 16, N: 96, T: 150, P: 0.01}, 3)
	if err != nil {
		t.Fatal(err)
	}
	return p, set
}

// teacher computes the teacher-forced membrane of every neuron over
// steps [0, end) of the trial with clamp x, independently of the solver:
// the network's own spikes are the pattern's from the first scored step.
func teacher(p network.Params, w network.Synapses, pat, x *raster.Raster, end int) []float64 {
	n, _ := w.Size()
	at := func(j, i, d int) float64 {
		if s, ok := w.(*network.Sparse); ok {
			return s.At(j, i, d)
		}
		return w.(*network.Weights).At(j, i, d)
	}
	seen := make([][]int32, end)
	for t := 0; t < end; t++ {
		seen[t] = x.Steps[t]
		if t >= p.Pre+p.D && t-p.Pre < pat.T {
			seen[t] = raster.Union(pat.Steps[t-p.Pre], x.Steps[t])
		}
	}
	u := make([]float64, n*end)
	for j := 0; j < n; j++ {
		prev := 0.0
		for t := p.D; t < end; t++ {
			cur := 0.0
			for d := 1; d <= p.D; d++ {
				for _, i := range seen[t-d] {
					cur += at(j, int(i), d)
				}
			}
			r := 0.0
			if t-1 >= p.Pre+p.D && pat.Has(j, t-1-p.Pre) {
				r = 1
			}
			v := prev
			if p.Reset == network.Zero && r == 1 {
				v = 0
			}
			if p.Reset == network.Subtract {
				v = p.Beta*v + cur - p.Theta*r
			} else {
				v = p.Beta*v + cur
			}
			u[t*n+j] = v
			prev = v
		}
	}
	return u
}

func TestStoreFollowsTeacher(t *testing.T) {
	for _, reset := range []network.Reset{network.Subtract, network.Zero} {
		t.Run(reset.String(), func(t *testing.T) {
			p, set := small(t, reset)
			c := DefaultConfig()
			c.Margin, c.Backgrounds, c.DualPasses = 0.2, 3, 10
			w, rep, err := Store(context.Background(), p, set, nil, c, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			checkFollows(t, p, set, c, w, rep)
		})
	}
}

// checkFollows checks that every neuron of a solve converged, that the
// simulated membrane of the first teacher-forced trial of every pattern
// is the teacher-forced one and keeps the margin, that the spikes are the
// pattern's, and that clean cues replay every pattern.
func checkFollows(t *testing.T, p network.Params, set *raster.Set, c Config, w network.Synapses, rep Report) {
	t.Helper()
	if rep.Converged != set.N || rep.Violations != 0 {
		t.Fatalf("%d of %d neurons converged, %d violations left", rep.Converged, set.N, rep.Violations)
	}
	for _, n := range rep.Neurons {
		if n.Slack < 0 {
			t.Fatalf("neuron %d converged with slack %v", n.Index, n.Slack)
		}
	}
	end := p.Pre + set.T
	for m, pat := range set.Patterns {
		// The clamp of the first teacher-forced trial of pattern m.
		x, err := network.Cue(p, pat, rng.Stream(c.Seed, rng.Margin, 0, uint64(m)))
		if err != nil {
			t.Fatal(err)
		}
		st, err := network.Simulate(w, p, x, network.Options{Record: true})
		if err != nil {
			t.Fatal(err)
		}
		want := teacher(p, w, pat, x, end)
		n := set.N
		for tt := p.D; tt < end; tt++ {
			for j := 0; j < n; j++ {
				if got := st.Membrane[tt*n+j]; got != want[tt*n+j] {
					t.Fatalf("pattern %d step %d neuron %d: simulated membrane %v, teacher-forced %v", m, tt, j, got, want[tt*n+j])
				}
				v := want[tt*n+j]
				fire := tt >= p.Pre+p.D && pat.Has(j, tt-p.Pre)
				if fire && v < p.Theta+c.Margin || !fire && v > p.Theta-c.Margin {
					t.Fatalf("pattern %d step %d neuron %d: membrane %v breaks the margin (spike %v)", m, tt, j, v, fire)
				}
			}
			var wantSpk []int32
			if tt >= p.Pre+p.D {
				wantSpk = pat.Steps[tt-p.Pre]
			}
			if !slices.Equal(st.Spikes.Steps[tt], wantSpk) {
				t.Fatalf("pattern %d step %d: spikes %v, want %v", m, tt, st.Spikes.Steps[tt], wantSpk)
			}
		}
	}
	// Without background noise, any cue replays its pattern.
	q := p
	q.PA = 0
	cnt, _, err := network.Recall(w, q, set, 99, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cnt.F1() < 0.999999 {
		t.Errorf("recall F1 %v from clean cues", cnt.F1())
	}
}

// TestStoreBeyondHebbian checks that the case is one the Hebbian rule
// cannot store, so that the test above measures something.
func TestStoreBeyondHebbian(t *testing.T) {
	p, set := small(t, network.Subtract)
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	cnt, _, err := network.Recall(w, p, set, 99, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cnt.F1() > 0.9 {
		t.Fatalf("Hebbian weights already recall with F1 %v: pick a harder case", cnt.F1())
	}
}

func TestStoreDeterministic(t *testing.T) {
	p, set := small(t, network.Subtract)
	c := DefaultConfig()
	c.Perturbed, c.Jitter = 1, 1
	run := func(procs int) *network.Weights {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		w, _, err := Store(context.Background(), p, set, nil, c, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := run(1), run(4)
	if !slices.Equal(a.W, b.W) {
		t.Fatal("weights differ between GOMAXPROCS 1 and 4")
	}
}

func TestStoreResume(t *testing.T) {
	p, set := small(t, network.Subtract)
	c := DefaultConfig()
	whole, _, err := Store(context.Background(), p, set, nil, c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	// Stop after 10 neurons, as a checkpoint would: keep the weights and
	// which neurons were solved.
	errStop := errors.New("stop")
	solved := make([]bool, set.N)
	var snap *network.Weights
	count := 0
	_, _, err = Store(context.Background(), p, set, nil, c, Hooks{OnNeuron: func(n Neuron, w network.Synapses) error {
		solved[n.Index] = true
		if count++; count == 10 {
			snap = w.(*network.Weights).Clone()
			return errStop
		}
		return nil
	}})
	if !errors.Is(err, errStop) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	resumed, rep, err := Store(context.Background(), p, set, snap, c, Hooks{Solved: solved})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Neurons) != set.N-10 {
		t.Errorf("resumed solve ran %d neurons, want %d", len(rep.Neurons), set.N-10)
	}
	if !slices.Equal(whole.W, resumed.W) {
		t.Fatal("resumed weights differ from an uninterrupted solve")
	}
}

func TestStoreCancel(t *testing.T) {
	p, set := small(t, network.Subtract)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Store(ctx, p, set, nil, DefaultConfig(), Hooks{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestStoreBadInput(t *testing.T) {
	p, set := small(t, network.Subtract)
	wrong := network.NewWeights(set.N+1, p.D)
	cases := []struct {
		name string
		edit func(c *Config)
		w0   *network.Weights
		want string
	}{
		{"negative margin", func(c *Config) { c.Margin = -0.1 }, nil, "margin = -0.1"},
		{"NaN margin", func(c *Config) { c.Margin = math.NaN() }, nil, "margin = NaN"},
		{"margin at theta", func(c *Config) { c.Margin = p.Theta }, nil, "negative membrane"},
		{"rate", func(c *Config) { c.Rate = 2 }, nil, "rate = 2"},
		{"passes", func(c *Config) { c.MaxPasses = 0 }, nil, "at least one pass"},
		{"backgrounds", func(c *Config) { c.Backgrounds = 0 }, nil, "at least one teacher-forced"},
		{"perturbed without jitter", func(c *Config) { c.Perturbed = 2 }, nil, "set the number of trials together"},
		{"flip above 1", func(c *Config) { c.Flip = 1.5 }, nil, "flip = 1.5"},
		{"negative jitter", func(c *Config) { c.Jitter = -1 }, nil, "jitter = -1"},
		{"starting weights", func(*Config) {}, wrong, "starting weights are N = 97"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			_, _, err := Store(context.Background(), p, set, tc.w0, c, Hooks{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		// Only the sizes are read: one short silent raster stands for every
		// pattern, so that the test allocates nothing large.
		huge := &raster.Set{N: 4096, T: 100000, Patterns: make([]*raster.Raster, 2000)}
		silent := raster.New(huge.N, 1)
		for m := range huge.Patterns {
			huge.Patterns[m] = silent
		}
		q := p
		q.D, q.Trigger = 41, 41
		err := checkMemory(q, huge, DefaultConfig())
		if !errors.Is(err, network.ErrTooLarge) || !strings.Contains(err.Error(), "store fewer or shorter patterns") {
			t.Fatalf("err = %v, want network.ErrTooLarge with the fix", err)
		}
	})
}
