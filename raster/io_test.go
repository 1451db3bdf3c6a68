package raster

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/npy"
)

// writeText writes s to a file named name in a fresh directory and
// returns its path.
func writeText(t *testing.T, name, s string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNPYRoundTrip(t *testing.T) {
	tests := []Config{
		{M: 1, N: 1, T: 1, P: 0.5},
		{M: 3, N: 96, T: 110, P: 0.02},
		{M: 2, N: 513, T: 1001, P: 0.001, Periodic: 41},
	}
	for _, c := range tests {
		want := mustGenerate(t, c, 2)
		path := filepath.Join(t.TempDir(), "s.npy")
		if err := WriteNPY(path, want); err != nil {
			t.Fatal(err)
		}
		got, err := ReadNPY(path)
		if err != nil {
			t.Fatal(err)
		}
		if !equalSets(got, want) {
			t.Errorf("%+v: set read back differs", c)
		}
		shape, _, err := npy.ReadBinary(path)
		if err != nil || !slices.Equal(shape, []int{c.M, c.N, c.T}) {
			t.Errorf("%+v: file shape %v (err %v), want (M, N, T)", c, shape, err)
		}
	}
}

func TestReadNPY(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, shape []int, data []float64) string {
		path := filepath.Join(dir, name)
		if err := npy.WriteFloat64(path, shape, data); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		path    string
		want    *Set // nil: an error containing wantErr
		wantErr string
	}{
		{
			name: "2-d is one pattern, float64 is fine",
			path: file("nt.npy", []int{2, 3}, []float64{0, 1, 0, 1, 0, 0}),
			want: &Set{N: 2, T: 3, Patterns: []*Raster{{N: 2, T: 3, Steps: [][]int32{{1}, {0}, nil}}}},
		},
		{
			name: "3-d",
			path: file("mnt.npy", []int{2, 1, 2}, []float64{1, 0, 0, 1}),
			want: &Set{N: 1, T: 2, Patterns: []*Raster{{N: 1, T: 2, Steps: [][]int32{{0}, nil}}, {N: 1, T: 2, Steps: [][]int32{nil, {0}}}}},
		},
		{name: "1-d", path: file("n.npy", []int{3}, []float64{0, 1, 0}), wantErr: "shape (3,) is neither (M, N, T) nor (N, T)"},
		{name: "4-d", path: file("4.npy", []int{1, 1, 1, 1}, []float64{0}), wantErr: "shape (1, 1, 1, 1) is neither"},
		{name: "empty", path: file("e.npy", []int{0, 4, 5}, nil), wantErr: "empty dimension"},
		{name: "not binary", path: file("b.npy", []int{1, 2}, []float64{1, 2}), wantErr: "element 1 (index [0 1] of shape (1, 2)) is 2"},
		{name: "missing", path: filepath.Join(dir, "missing.npy"), wantErr: "no such file"},
		{name: "fixture", path: filepath.Join("..", "testdata", "subtract-small", "spikes.npy"), want: nil, wantErr: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadNPY(tt.path)
			switch {
			case tt.want == nil && tt.wantErr == "": // fixture: only the size is known
				if err != nil {
					t.Fatal(err)
				}
				if got.M() != 3 || got.N != 96 || got.T != 110 || got.Validate() != nil {
					t.Errorf("fixture set is %d×%d×%d, want 3×96×110", got.M(), got.N, got.T)
				}
			case tt.want == nil:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
					t.Errorf("ReadNPY error = %v, want one naming the file and containing %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !equalSets(got, tt.want):
				t.Errorf("ReadNPY = %v, want %v", got.Dense(), tt.want.Dense())
			}
		})
	}
}

func TestWriteInvalidSet(t *testing.T) {
	tests := []struct {
		name string
		s    *Set
		want string
	}{
		{"no patterns", &Set{N: 2, T: 2}, "holds no patterns"},
		{"size mismatch", &Set{N: 2, T: 2, Patterns: []*Raster{New(3, 2)}}, "pattern 0 is 3×2"},
		{"unsorted", &Set{N: 3, T: 1, Patterns: []*Raster{{N: 3, T: 1, Steps: [][]int32{{2, 1}}}}}, "not ascending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"s.npy", "s.csv"} {
				path := filepath.Join(dir, name)
				write := WriteNPY
				if strings.HasSuffix(name, ".csv") {
					write = WriteCSV
				}
				err := write(path, tt.s)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path) {
					t.Errorf("%s: error = %v, want one starting with the path and containing %q", name, err, tt.want)
				}
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("failed writes left %d files", len(ents))
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	tests := []Config{
		{M: 1, N: 10, T: 20, P: 0.1},
		{M: 4, N: 50, T: 300, P: 0.01, Refractory: 3},
	}
	for _, c := range tests {
		want := mustGenerate(t, c, 4)
		path := filepath.Join(t.TempDir(), "s.csv")
		if err := WriteCSV(path, want); err != nil {
			t.Fatal(err)
		}
		got, err := ReadCSV(path, c.N, c.T)
		if err != nil {
			t.Fatal(err)
		}
		if !equalSets(got, want) {
			t.Errorf("%+v: set read back differs", c)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		total := 0
		for _, p := range want.Patterns {
			total += p.Count()
		}
		if lines[0] != "pattern,neuron,step" || len(lines) != total+1 {
			t.Errorf("%+v: file has header %q and %d lines, want pattern,neuron,step and %d", c, lines[0], len(lines), total+1)
		}
		// Inferred sizes cover every event.
		inf, err := ReadCSV(path, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if inf.M() != c.M || inf.N > c.N || inf.T > c.T || inf.N < c.N-5 || inf.T < c.T-50 {
			t.Errorf("%+v: inferred %d×%d×%d", c, inf.M(), inf.N, inf.T)
		}
	}
}

func TestWriteCSVContent(t *testing.T) {
	a, _ := FromEvents(3, 4, []Event{{2, 0}, {0, 3}, {1, 0}})
	b := New(3, 4)
	c, _ := FromEvents(3, 4, []Event{{0, 1}})
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := WriteCSV(path, &Set{N: 3, T: 4, Patterns: []*Raster{a, b, c}}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "pattern,neuron,step\n0,1,0\n0,2,0\n0,0,3\n2,0,1\n"
	if string(got) != want {
		t.Errorf("WriteCSV wrote %q, want %q", got, want)
	}
}

func TestReadCSV(t *testing.T) {
	type pat = []Event
	tests := []struct {
		name string
		text string
		n, t int
		want []pat // events of each pattern, by step then neuron
		wn   int   // want N, T
		wt   int
	}{
		{"two columns, header", "neuron,step\n1,2\n0,0\n", 0, 0, []pat{{{0, 0}, {1, 2}}}, 2, 3},
		{"two columns, no header", "3,1\n0,4\n", 5, 6, []pat{{{3, 1}, {0, 4}}}, 5, 6},
		{"three columns with a gap", "pattern,neuron,step\n2,1,1\n0,0,0\n", 0, 0, []pat{{{0, 0}}, nil, {{1, 1}}}, 2, 2},
		{"three columns, no header", "0,0,0\n1,2,3\n", 4, 4, []pat{{{0, 0}}, {{2, 3}}}, 4, 4},
		{"comments, blanks and spaces", "# spikes\n\n neuron , step \n  # more\n 1 , 2 \n\n", 0, 0, []pat{{{1, 2}}}, 2, 3},
		{"byte order mark", "\uFEFFneuron,step\n0,1\n", 0, 0, []pat{{{0, 1}}}, 1, 2},
		{"columns in another order", "Step,Neuron\n5,1\n", 0, 0, []pat{{{1, 5}}}, 2, 6},
		{"pattern column last", "neuron,step,pattern\n1,2,1\n", 0, 0, []pat{nil, {{1, 2}}}, 2, 3},
		{"repeats merge", "0,1\n0,1\n", 0, 0, []pat{{{0, 1}}}, 1, 2},
		{"no events, sizes given", "neuron,step\n", 3, 4, []pat{nil}, 3, 4},
		{"n inferred, t given", "1,1\n", 0, 9, []pat{{{1, 1}}}, 2, 9},
		{"no trailing newline", "neuron,step\n1,1", 0, 0, []pat{{{1, 1}}}, 2, 2},
		{"CRLF", "neuron,step\r\n1,1\r\n", 0, 0, []pat{{{1, 1}}}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadCSV(writeText(t, "s.csv", tt.text), tt.n, tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != tt.wn || s.T != tt.wt || s.M() != len(tt.want) {
				t.Fatalf("set is %d×%d×%d, want %d×%d×%d", s.M(), s.N, s.T, len(tt.want), tt.wn, tt.wt)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			for mu, p := range s.Patterns {
				if got := p.Events(); !slices.Equal(got, tt.want[mu]) && len(got)+len(tt.want[mu]) > 0 {
					t.Errorf("pattern %d events = %v, want %v", mu, got, tt.want[mu])
				}
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		n, t int
		want string // the error after the path
	}{
		{"negative step", "neuron,step\n0,1\n\n2,-3\n", 0, 0, ":4: step -3 is negative"},
		{"negative pattern", "-1,0,0\n", 0, 0, ":1: pattern -1 is negative"},
		{"not an integer", "neuron,step\n0,1\n1,x\n", 0, 0, `:3: step "x" is not an integer`},
		{"float", "0,1.5\n", 0, 0, `:1: step "1.5" is not an integer`},
		{"too many fields", "neuron,step\n0,1,2\n", 0, 0, ":2: 3 fields, want 2 (neuron,step)"},
		{"too few fields", "0,0,0\n# c\n1,2\n", 0, 0, ":3: 2 fields, want 3 (pattern,neuron,step)"},
		{"empty field", "0,\n", 0, 0, `:1: step "" is not an integer`},
		{"neuron beyond n", "5,0\n", 5, 10, ":1: neuron 5 is outside a raster of 5 neurons"},
		{"step beyond t", "0,10\n", 5, 10, ":1: step 10 is outside a raster of 10 steps"},
		{"neuron beyond int32", "2147483648,0\n", 0, 0, ":1: neuron 2147483648 does not fit"},
		{"one column", "7\n", 0, 0, ":1: 1 fields, want 2 (neuron,step) or 3 (pattern,neuron,step)"},
		{"four fields", "0,1,2,3\n", 0, 0, ":1: 4 fields, want 2 (neuron,step) or 3 (pattern,neuron,step)"},
		{"letters in the first line", "1,x\n", 0, 0, `:1: first line "1,x" is neither events nor a header`},
		{"unknown header", "# x\ncell,time\n", 0, 0, `:2: first line "cell,time" is neither events nor a header`},
		{"duplicate header column", "neuron,neuron\n", 0, 0, `:1: header names column "neuron" twice`},
		{"header lacks step", "pattern,neuron\n", 0, 0, `:1: header "pattern,neuron" lacks a neuron or step column`},
		{"no events, size unknown", "neuron,step\n", 0, 5, ": holds no events, so the raster size is unknown"},
		{"empty file", "", 0, 0, ": holds no events"},
		{"no events with a pattern column", "pattern,neuron,step\n", 3, 3, ": holds no events, so the number of patterns is unknown"},
		{"negative n", "0,0\n", -1, 0, ": n = -1 neurons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeText(t, "spikes.csv", tt.text)
			_, err := ReadCSV(path, tt.n, tt.t)
			if want := path + tt.want; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("ReadCSV error = %v, want one starting with %q", err, want)
			}
		})
	}
	if _, err := ReadCSV(filepath.Join(t.TempDir(), "missing.csv"), 0, 0); !os.IsNotExist(err) {
		t.Errorf("ReadCSV of a missing file: error %v, want not-exist", err)
	}
}
