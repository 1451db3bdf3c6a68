package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hdsnn/hdsnn/internal/fixture"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/score"
)

// modelArgs returns the command-line flags that reproduce a fixture case's
// neuron and trial parameters.
func modelArgs(c *fixture.Case) []string {
	m := c.Meta
	return []string{
		"--beta", fmt.Sprint(m.Beta), "--theta", fmt.Sprint(m.Theta), "--reset", m.Reset,
		"--pre", fmt.Sprint(m.Pre), "--trigger", fmt.Sprint(m.Trigger),
	}
}

// compareFloat checks got against the fixture array name of c within the
// conformance tolerance.
func compareFloat(t *testing.T, c *fixture.Case, dir, name string) {
	t.Helper()
	want, err := c.Float(name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := npy.ReadFloat64(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
	}
	if got.DType != "<f8" {
		t.Errorf("%s: dtype %s, want <f8", name, got.DType)
	}
	tol := fixture.Tolerance(want.Data)
	for k := range got.Data {
		if d := math.Abs(got.Data[k] - want.Data[k]); !(d <= tol) {
			t.Fatalf("%s[%d] = %v, want %v (tolerance %g)", name, k, got.Data[k], want.Data[k], tol)
		}
	}
}

// TestSimulateFixtures reproduces the spikes, membranes and currents of
// every conformance case from the command line.
func TestSimulateFixtures(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"simulate", "--weights", filepath.Join(c.Dir, "w.npy"),
				"--input", filepath.Join(c.Dir, "input.npy"), "--post", fmt.Sprint(c.Meta.Post), "--out", out}, modelArgs(c)...)
			mustRun(t, args...)

			wantShape, want, err := c.Binary("spikes.npy")
			if err != nil {
				t.Fatal(err)
			}
			a, err := npy.ReadFloat64(filepath.Join(out, "spikes.npy"))
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != "|u1" {
				t.Errorf("spikes.npy: dtype %s, want |u1", a.DType)
			}
			if !slices.Equal(a.Shape, wantShape) {
				t.Fatalf("spikes.npy: shape %v, want %v", a.Shape, wantShape)
			}
			for k, v := range a.Data {
				if v != float64(want[k]) {
					t.Fatalf("spikes.npy[%d] = %v, want %d", k, v, want[k])
				}
			}
			compareFloat(t, c, out, "membrane.npy")
			compareFloat(t, c, out, "current.npy")
		})
	}
}

// TestGradientFixtures reproduces the exact gradient and the loss of every
// conformance case from the command line, with --post derived from the
// input length.
func TestGradientFixtures(t *testing.T) {
	cases, err := fixture.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"gradient", "--weights", filepath.Join(c.Dir, "w.npy"),
				"--input", filepath.Join(c.Dir, "input.npy"), "--target", filepath.Join(c.Dir, "target.npy"),
				"--alpha", fmt.Sprint(c.Meta.Alpha), "--out", out}, modelArgs(c)...)
			mustRun(t, args...)
			compareFloat(t, c, out, "grad_w.npy")
			compareSparseGradient(t, c, args)

			b, err := os.ReadFile(filepath.Join(out, "loss.json"))
			if err != nil {
				t.Fatal(err)
			}
			var got score.Result
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			m := c.Meta
			if float64(got.TP) != m.TP {
				t.Errorf("tp = %d, want %v", got.TP, m.TP)
			}
			for name, v := range map[string][2]float64{
				"loss": {got.Loss, m.Loss}, "precision": {got.Precision, m.Precision},
				"recall": {got.Recall, m.Recall}, "f1": {got.F1, m.F1},
			} {
				if math.Abs(v[0]-v[1]) > 1e-12 {
					t.Errorf("%s = %v, want %v", name, v[0], v[1])
				}
			}
		})
	}
}

// compareSparseGradient runs the gradient command of args on the sparse
// form of the case's weights (every other non-zero weight kept) and
// compares grad_w.npz with the fixture's gradient at the stored synapses.
func compareSparseGradient(t *testing.T, c *fixture.Case, args []string) {
	t.Helper()
	s := c.W.Sparse()
	for k := range s.W {
		if k%2 == 1 {
			s.W[k] = 0 // stored, weight zero: the dense gradient of a zero weight
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "w.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := network.WriteSparseTo(f, s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	sargs := slices.Clone(args)
	for k := range sargs {
		switch {
		case k > 0 && sargs[k-1] == "--weights":
			sargs[k] = path
		case k > 0 && sargs[k-1] == "--out":
			sargs[k] = out
		}
	}
	// The dense gradient of the same weights, zeros where none is stored.
	dense := filepath.Join(dir, "w-dense.npy")
	mustRun(t, "convert", "--in", path, "--out", dense)
	dargs := slices.Clone(sargs)
	for k := range dargs {
		switch {
		case k > 0 && dargs[k-1] == "--weights":
			dargs[k] = dense
		case k > 0 && dargs[k-1] == "--out":
			dargs[k] = filepath.Join(dir, "out-dense")
		}
	}
	mustRun(t, sargs...)
	mustRun(t, dargs...)
	got, _, err := network.ReadSparse(filepath.Join(out, "grad_w.npz"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := npy.ReadFloat64(filepath.Join(dir, "out-dense", "grad_w.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Start, s.Start) || !slices.Equal(got.Post, s.Post) {
		t.Fatal("grad_w.npz stores other synapses than the weights")
	}
	tol := 1e-9 * fixture.Tolerance(want.Data) / 1e-5
	n, d := s.N, s.D
	for r := 0; r < n*d; r++ {
		i, k := r/d, r%d
		for e := got.Start[r]; e < got.Start[r+1]; e++ {
			j := int(got.Post[e])
			if w := want.Data[(j*n+i)*d+k]; math.Abs(got.W[e]-w) > tol {
				t.Fatalf("grad_w.npz [post %d, pre %d, delay %d] = %v, dense %v", j, i, k+1, got.W[e], w)
			}
		}
	}
}
