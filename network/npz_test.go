package network

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/npy"
)

// testSparse returns a small sparse tensor: N = 4, D = 3, 5 synapses.
func testSparse() *Sparse {
	w := NewWeights(4, 3)
	w.Row(0, 1)[2], w.Row(0, 1)[3] = 0.5, -1
	w.Row(1, 3)[0] = 2
	w.Row(3, 2)[1], w.Row(3, 2)[3] = 0.125, 1e-300
	return w.Sparse()
}

// TestSparseFileRoundTrip writes sparse weights with their sidecar and
// reads them back, by ReadSparse and by ReadSynapses, and checks the
// COO arrays numpy sees.
func TestSparseFileRoundTrip(t *testing.T) {
	s := testSparse()
	path := filepath.Join(t.TempDir(), "weights.npz")
	p := Defaults()
	p.D = 3
	if err := WriteSparse(path, s, Meta{Version: "test", Params: &p, Seed: 7, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	back, meta, err := ReadSparse(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Start, s.Start) || !slices.Equal(back.Post, s.Post) || !slices.Equal(back.W, s.W) {
		t.Errorf("round trip: %+v, want %+v", back, s)
	}
	if meta == nil || meta.Layout != SparseLayout || meta.N != 4 || meta.D != 3 || meta.Seed != 7 || meta.SHA256 == "" {
		t.Errorf("sidecar %+v", meta)
	}
	syn, _, err := ReadSynapses(path)
	if sp, ok := syn.(*Sparse); err != nil || !ok || sp.Entries() != 5 {
		t.Errorf("ReadSynapses: %T, %v", syn, err)
	}
	// The arrays as numpy.load sees them.
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	want := map[string][]float64{
		"post": {2, 3, 0, 1, 3}, "pre": {0, 0, 1, 3, 3}, "delay": {1, 1, 3, 2, 2},
		"weight": {0.5, -1, 2, 0.125, 1e-300}, "shape": {4, 4, 3},
	}
	for _, f := range z.File {
		r, _ := f.Open()
		a, err := npy.ReadFloat64From(r)
		r.Close()
		name := strings.TrimSuffix(f.Name, ".npy")
		if err != nil || !slices.Equal(a.Data, want[name]) {
			t.Errorf("%s = %v (%v), want %v", f.Name, a, err, want[name])
		}
		delete(want, name)
	}
	if len(want) != 0 {
		t.Errorf("arrays missing: %v", want)
	}
	// A changed archive no longer matches its sidecar.
	if err := WriteSparse(filepath.Join(t.TempDir(), "other.npz"), s, Meta{}); err != nil {
		t.Fatal(err)
	}
	s.W[0] = 3
	var buf bytes.Buffer
	if err := WriteSparseTo(&buf, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadSparse(path); !errors.Is(err, ErrSidecar) {
		t.Errorf("changed archive: %v, want ErrSidecar", err)
	}
	if _, _, err := ReadSynapses("weights.csv"); err == nil || !strings.Contains(err.Error(), ".npz") {
		t.Errorf("ReadSynapses of a .csv: %v", err)
	}
}

// npzArrays writes an archive of the given arrays (name → .npy writer),
// deflated like numpy.savez_compressed when deflate is set.
func npzArrays(t testing.TB, deflate bool, arrays map[string]func(io.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	names := make([]string, 0, len(arrays))
	for name := range arrays {
		names = append(names, name)
	}
	slices.Sort(names)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	for _, name := range names {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if err := arrays[name](w); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// i64 and f64 return .npy writers of 1-d arrays.
func i64(v ...int64) func(io.Writer) error {
	return func(w io.Writer) error { return npy.WriteInt64To(w, []int{len(v)}, v) }
}

func f64(v ...float64) func(io.Writer) error {
	return func(w io.Writer) error { return npy.WriteFloat64To(w, []int{len(v)}, v) }
}

// goodArrays returns the arrays of a valid file of N = 3, D = 2 with
// three synapses, as another program might save them (int64 indices).
func goodArrays() map[string]func(io.Writer) error {
	return map[string]func(io.Writer) error{
		"post": i64(1, 2, 0), "pre": i64(0, 0, 2), "delay": i64(2, 2, 1),
		"weight": f64(0.5, -0.25, 1), "shape": i64(3, 3, 2),
	}
}

// TestReadSparseRefuses checks that every kind of bad sparse file is
// refused with a message naming the fix.
func TestReadSparseRefuses(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		b := npzArrays(t, deflate, goodArrays())
		s, err := ReadSparseFrom(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("good file (deflate %v): %v", deflate, err)
		}
		if s.At(1, 0, 2) != 0.5 || s.At(0, 2, 1) != 1 || s.Entries() != 3 {
			t.Errorf("good file read as %+v", s)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(a map[string]func(io.Writer) error)
		want   string
	}{
		{"missing", func(a map[string]func(io.Writer) error) { delete(a, "weight") }, `no array "weight"`},
		{"float index", func(a map[string]func(io.Writer) error) { a["post"] = f64(1, 2, 0) }, "save indices as integers"},
		{"int weight", func(a map[string]func(io.Writer) error) { a["weight"] = i64(1, 2, 3) }, "float64"},
		{"2-d", func(a map[string]func(io.Writer) error) {
			a["pre"] = func(w io.Writer) error { return npy.WriteInt64To(w, []int{3, 1}, []int64{0, 0, 2}) }
		}, "one-dimensional"},
		{"lengths", func(a map[string]func(io.Writer) error) { a["delay"] = i64(2, 2) }, "delay has 2"},
		{"shape N", func(a map[string]func(io.Writer) error) { a["shape"] = i64(3, 4, 2) }, "(N, N, D)"},
		{"shape length", func(a map[string]func(io.Writer) error) { a["shape"] = i64(3, 3) }, "holds 2 numbers"},
		{"post range", func(a map[string]func(io.Writer) error) { a["post"] = i64(1, 3, 0) }, "post[1] = 3 is outside 0..2"},
		{"negative pre", func(a map[string]func(io.Writer) error) { a["pre"] = i64(0, -1, 2) }, "pre[1] = -1"},
		{"delay 0", func(a map[string]func(io.Writer) error) { a["delay"] = i64(2, 0, 1) }, "delay[1] = 0 is outside 1..2"},
		{"delay D+1", func(a map[string]func(io.Writer) error) { a["delay"] = i64(2, 3, 1) }, "outside 1..2"},
		{"duplicate", func(a map[string]func(io.Writer) error) { a["post"] = i64(1, 1, 0) }, "stored twice"},
		{"unsorted post", func(a map[string]func(io.Writer) error) { a["post"] = i64(2, 1, 0) }, "sort the entries"},
		{"unsorted pre", func(a map[string]func(io.Writer) error) { a["pre"] = i64(2, 0, 0) }, "sort the entries"},
		{"nan", func(a map[string]func(io.Writer) error) { a["weight"] = f64(0.5, math.NaN(), 1) }, "must be finite"},
		{"inf", func(a map[string]func(io.Writer) error) { a["weight"] = f64(0.5, 1, math.Inf(1)) }, "must be finite"},
		{"too many", func(a map[string]func(io.Writer) error) {
			a["shape"] = i64(1, 1, 2)
		}, "stored twice"},
		{"truncated", func(a map[string]func(io.Writer) error) {
			a["weight"] = func(w io.Writer) error {
				var buf bytes.Buffer
				if err := npy.WriteFloat64To(&buf, []int{3}, []float64{1, 2, 3}); err != nil {
					return err
				}
				_, err := w.Write(buf.Bytes()[:buf.Len()-4])
				return err
			}
		}, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := goodArrays()
			tc.change(a)
			b := npzArrays(t, false, a)
			_, err := ReadSparseFrom(bytes.NewReader(b), int64(len(b)))
			var pe *npy.ParseError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &pe) {
				t.Errorf("got %v, want a *npy.ParseError containing %q", err, tc.want)
			}
		})
	}
	if _, err := ReadSparseFrom(bytes.NewReader([]byte("not a zip")), 9); err == nil || !strings.Contains(err.Error(), "numpy.savez") {
		t.Errorf("not a zip: %v", err)
	}
	b := npzArrays(t, false, goodArrays())
	if _, err := readSparse("w.npz", bytes.NewReader(b), int64(len(b)), 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("beyond memory: %v, want ErrTooLarge", err)
	}
}

// FuzzReadSparse checks that no archive crashes the sparse reader or
// makes it allocate beyond a small budget (1 MiB, so that each run is fast), and that what it accepts is a
// valid tensor.
func FuzzReadSparse(f *testing.F) {
	f.Add(npzArrays(f, false, goodArrays()))
	f.Add(npzArrays(f, true, goodArrays()))
	var buf bytes.Buffer
	if err := WriteSparseTo(&buf, testSparse()); err == nil {
		f.Add(bytes.Clone(buf.Bytes()))
	}
	a := goodArrays()
	a["shape"] = i64(1<<30, 1<<30, 41)
	f.Add(npzArrays(f, false, a))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := readSparse("", bytes.NewReader(b), int64(len(b)), 1<<20)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted an invalid tensor: %v", err)
		}
	})
}
