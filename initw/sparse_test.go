package initw

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// TestSparseHebbianEqualsDense checks that sparse Hebbian weights are the
// dense ones with their zeros dropped, bit for bit, for every target,
// normalisation and reset, and that with a fan-in they are those of a
// direct computation on the connectivity.
func TestSparseHebbianEqualsDense(t *testing.T) {
	set := testSet(t, 3, 40, 120, 0.04)
	conn, err := NewConnectivity(set.N, 7, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []Target{Matched, Deconvolved, Raw} {
		for _, norm := range []Norm{Row, Context, Column} {
			for _, reset := range []network.Reset{network.Subtract, network.Zero} {
				name := target.String() + "/" + norm.String() + "/" + reset.String()
				t.Run(name, func(t *testing.T) {
					p := network.Defaults()
					p.D, p.Reset = 6, reset
					c := Defaults()
					c.Target, c.Norm = target, norm
					w, wst, err := Init(set, p, c)
					if err != nil {
						t.Fatal(err)
					}
					s, sst, err := InitSparse(context.Background(), set, p, c, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := s.Validate(); err != nil {
						t.Fatal(err)
					}
					want := w.Sparse()
					if !slices.Equal(s.Start, want.Start) || !slices.Equal(s.Post, want.Post) || !bitsEqual(s.W, want.W) {
						t.Fatalf("sparse Hebbian weights (%d entries) differ from the dense ones (%d non-zero)", s.Entries(), want.Entries())
					}
					if sst.Synapses != s.Entries() || sst.Active != wst.Active || sst.Z != wst.Z || sst.Contexts != wst.Contexts {
						t.Errorf("stats %+v, dense %+v", sst, wst)
					}
					r, rst, err := InitSparse(context.Background(), set, p, c, conn)
					if err != nil {
						t.Fatal(err)
					}
					ref, z := fanInReference(set, p, c, conn)
					want = ref.Sparse()
					if !slices.Equal(r.Start, want.Start) || !slices.Equal(r.Post, want.Post) || !bitsEqual(r.W, want.W) {
						t.Fatalf("fan-in weights (%d entries) differ from the reference (%d)", r.Entries(), want.Entries())
					}
					if rst.Z != z {
						t.Errorf("fan-in Z = %v, want %v", rst.Z, z)
					}
					if r.Entries() == 0 || r.Entries() >= s.Entries() {
						t.Errorf("fan-in 7 of 40 kept %d of %d entries", r.Entries(), s.Entries())
					}
				})
			}
		}
	}
}

// bitsEqual reports whether two slices hold the same float64 bits.
func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// TestConnectivity checks fan-in sampling: K distinct ascending
// presynaptic neurons per neuron, the same for any GOMAXPROCS, different
// for another seed, and the structural tensor it gives.
func TestConnectivity(t *testing.T) {
	const n, k = 700, 30
	old := runtime.GOMAXPROCS(1)
	one, err := NewConnectivity(n, k, 11)
	runtime.GOMAXPROCS(4)
	four, err2 := NewConnectivity(n, k, 11)
	runtime.GOMAXPROCS(old)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if !slices.Equal(one.Pre, four.Pre) {
		t.Error("the connectivity depends on GOMAXPROCS")
	}
	other, _ := NewConnectivity(n, k, 12)
	if slices.Equal(one.Pre, other.Pre) {
		t.Error("seeds 11 and 12 give the same connectivity")
	}
	counts := make([]int, n)
	for j := 0; j < n; j++ {
		pre := one.Pre[j*k : (j+1)*k]
		for m, i := range pre {
			if i < 0 || int(i) >= n || (m > 0 && i <= pre[m-1]) {
				t.Fatalf("neuron %d receives from %v: not %d distinct ascending neurons", j, pre, k)
			}
			counts[i]++
		}
	}
	// Each neuron projects to Binomial(n, k/n) ≈ 30 ± 5.4 others.
	lo, hi := slices.Min(counts), slices.Max(counts)
	if lo < 5 || hi > 70 {
		t.Errorf("fan-out from %d to %d; want about %d", lo, hi, k)
	}
	s := one.Sparse(3)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Entries() != n*k*3 {
		t.Errorf("structural tensor has %d entries, want %d", s.Entries(), n*k*3)
	}
	if post, _ := s.Row(5, 2); len(post) != counts[5] || !one.Has(int(post[0]), 5) {
		t.Errorf("row (5, 2) = %v, fan-out %d", post, counts[5])
	}
	full, _ := NewConnectivity(10, 10, 1)
	for j := 0; j < 10; j++ {
		if !slices.Equal(full.Pre[j*10:(j+1)*10], []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Fatalf("fan-in N: neuron %d receives from %v", j, full.Pre[j*10:(j+1)*10])
		}
	}
	for _, bad := range [][2]int{{10, 0}, {10, 11}, {0, 1}} {
		if _, err := NewConnectivity(bad[0], bad[1], 1); err == nil {
			t.Errorf("NewConnectivity(%d, %d): no error", bad[0], bad[1])
		}
	}
}

// TestInitSparseRefuses checks the arguments InitSparse refuses.
func TestInitSparseRefuses(t *testing.T) {
	set := testSet(t, 1, 20, 60, 0.05)
	p := network.Defaults()
	p.D = 5
	c := Defaults()
	c.Method = PseudoInverse
	if _, _, err := InitSparse(context.Background(), set, p, c, nil); err == nil || !strings.Contains(err.Error(), "dense") {
		t.Errorf("pinv: %v", err)
	}
	conn, _ := NewConnectivity(21, 3, 1)
	if _, _, err := InitSparse(context.Background(), set, p, Defaults(), conn); err == nil || !strings.Contains(err.Error(), "21 neurons") {
		t.Errorf("connectivity of another size: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := InitSparse(ctx, set, p, Defaults(), nil); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
	if e := EstimateSparse(set, p.D, nil); !(e > 0) {
		t.Errorf("EstimateSparse = %v", e)
	}
}

// fanInReference computes Hebbian weights on a connectivity the direct
// way, on a dense tensor: every context adds y·scale to the synapses of
// its active entries that exist, where row normalisation's scale is 1 /
// the number of the context's active entries connected to the target,
// and context normalisation's Z counts connected entries (×K/N).
func fanInReference(set *raster.Set, p network.Params, c Config, conn *Connectivity) (*network.Weights, float64) {
	d := p.D
	w := network.NewWeights(set.N, d)
	r := rule{c.Target, p.Beta, p.Theta, p.Reset}
	active, contexts := 0, 0
	var ys []term
	for _, pat := range set.Patterns {
		for s := d; s < set.T; s++ {
			contexts++
			size := contextSize(pat, s, d)
			active += size
			if size == 0 {
				continue
			}
			for _, y := range r.targets(pat, s, ys) {
				j := int(y.neuron)
				connected := 0
				for k := 1; k <= d; k++ {
					for _, i := range pat.Steps[s-k] {
						if conn.Has(j, int(i)) {
							connected++
						}
					}
				}
				scale := 1.0
				if c.Norm == Row && connected > 0 {
					scale = 1 / float64(connected)
				}
				for k := 1; k <= d; k++ {
					for _, i := range pat.Steps[s-k] {
						if conn.Has(j, int(i)) {
							w.Row(int(i), k)[j] += scale * y.value
						}
					}
				}
			}
		}
	}
	z := 1.0
	switch c.Norm {
	case Column:
		z = float64(active) / float64(set.N*d)
	case Context:
		z = float64(active) / float64(contexts) * (float64(conn.K) / float64(conn.N))
	}
	if z != 1 {
		for k := range w.W {
			w.W[k] *= 1 / z
		}
	}
	return w, z
}

// TestInitSparseCores checks that sparse Hebbian weights on a connectivity
// are the same bits for GOMAXPROCS 1 and 4.
func TestInitSparseCores(t *testing.T) {
	set := testSet(t, 4, 300, 100, 0.02)
	p := network.Defaults()
	p.D = 8
	run := func(procs int) *network.Sparse {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		conn, err := NewConnectivity(set.N, 40, 3)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := InitSparse(context.Background(), set, p, Defaults(), conn)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, four := run(1), run(4)
	if !slices.Equal(one.Start, four.Start) || !slices.Equal(one.Post, four.Post) || !bitsEqual(one.W, four.W) {
		t.Error("sparse Hebbian weights depend on GOMAXPROCS")
	}
	if one.Entries() == 0 {
		t.Error("no synapses")
	}
}

// TestPlaceOnConnectivity checks Hebbian weights placed on the whole
// support of their connectivity: N·K·D entries, the non-zero weights
// those of InitSparse bit for bit, the others zero, and recall with the
// same spikes and membranes (a zero weight adds exactly nothing).
func TestPlaceOnConnectivity(t *testing.T) {
	set := testSet(t, 3, 40, 120, 0.04)
	p := network.Defaults()
	p.D, p.Pre, p.Post, p.Trigger = 6, 10, 10, 10
	conn, err := NewConnectivity(set.N, 7, 5)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := InitSparse(context.Background(), set, p, Defaults(), conn)
	if err != nil {
		t.Fatal(err)
	}
	all, err := conn.Place(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := all.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := int64(set.N * conn.K * p.D); all.Entries() != want {
		t.Fatalf("%d entries on the whole support, want N·K·D = %d", all.Entries(), want)
	}
	var kept []float64
	nz := &network.Sparse{N: all.N, D: all.D, Start: make([]int64, 1, len(all.Start))}
	for r := 0; r < all.N*all.D; r++ {
		for k := all.Start[r]; k < all.Start[r+1]; k++ {
			if v := all.W[k]; v != 0 {
				nz.Post, kept = append(nz.Post, all.Post[k]), append(kept, v)
			}
		}
		nz.Start = append(nz.Start, int64(len(nz.Post)))
	}
	if !slices.Equal(nz.Start, s.Start) || !slices.Equal(nz.Post, s.Post) || !bitsEqual(kept, s.W) {
		t.Fatal("the non-zero weights on the whole support differ from InitSparse's")
	}
	for i := 0; i < set.N; i++ {
		post, _ := all.Row(i, 1)
		for j := 0; j < set.N; j++ {
			_, ok := slices.BinarySearch(post, int32(j))
			if ok != conn.Has(j, i) {
				t.Fatalf("synapse %d → %d stored %v, in the connectivity %v", i, j, ok, conn.Has(j, i))
			}
		}
	}
	xs := network.Inputs(p, set, 3, 0)
	for m, x := range xs {
		a, err := network.Simulate(s, p, x, network.Options{Record: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := network.Simulate(all, p, x, network.Options{Record: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(a.Spikes.Steps, b.Spikes.Steps, slices.Equal[[]int32]) {
			t.Fatalf("pattern %d: the whole support gives other spikes than the non-zero weights", m)
		}
		// −0 and +0 may differ where a membrane is exactly zero; every
		// other value is the same number.
		if !slices.Equal(a.Membrane, b.Membrane) || !slices.Equal(a.Current, b.Current) {
			t.Fatalf("pattern %d: the whole support gives other membranes or currents", m)
		}
	}
	other, _ := NewConnectivity(set.N, 7, 6)
	if _, err := other.Place(s); err == nil || !strings.Contains(err.Error(), "not in the fan-in-7 connectivity") {
		t.Errorf("weights on another connectivity: %v", err)
	}
}
