package initw

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
)

// TestSparseHebbianEqualsDense checks that sparse Hebbian weights are the
// dense ones with their zeros dropped, bit for bit, for every target,
// normalisation and reset, and that with a fan-in they are the dense ones
// restricted to the connectivity.
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
					r, _, err := InitSparse(context.Background(), set, p, c, conn)
					if err != nil {
						t.Fatal(err)
					}
					masked := w.Clone()
					for i := 0; i < set.N; i++ {
						for k := 1; k <= p.D; k++ {
							for j := range masked.Row(i, k) {
								if !conn.Has(j, i) {
									masked.Row(i, k)[j] = 0
								}
							}
						}
					}
					want = masked.Sparse()
					if !slices.Equal(r.Start, want.Start) || !slices.Equal(r.Post, want.Post) || !bitsEqual(r.W, want.W) {
						t.Fatalf("fan-in weights (%d entries) differ from the masked dense ones (%d)", r.Entries(), want.Entries())
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
