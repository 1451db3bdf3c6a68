package main

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/raster"
)

// badFiles writes the valid and broken input files the bad-input cases use
// into dir and returns dir.
func badFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	gen := func(name string, n int) *raster.Set {
		set, err := raster.Generate(raster.Config{M: 2, N: n, T: 60, P: 0.05}, 1)
		must(err)
		must(raster.WriteNPY(path(name), set))
		return set
	}
	set := gen("pats.npy", 32)
	gen("pats16.npy", 16)
	one, err := raster.Generate(raster.Config{M: 1, N: 32, T: 60, P: 0.05}, 2)
	must(err)
	must(raster.WriteNPY(path("pats1.npy"), one))

	w := network.NewWeights(32, 5)
	must(network.WriteWeights(path("w.npy"), w, network.Meta{Source: "test"}))
	nan := make([]float64, 32*32*5)
	nan[17] = math.NaN()
	must(npy.WriteFloat64(path("nan.npy"), []int{32, 32, 5}, nan))
	inf := make([]float64, 32*32*5)
	inf[3] = math.Inf(1)
	must(npy.WriteFloat64(path("inf.npy"), []int{32, 32, 5}, inf))
	must(npy.WriteFloat64(path("w2d.npy"), []int{32, 160}, make([]float64, 32*160)))
	must(npy.WriteFloat64(path("wrect.npy"), []int{32, 16, 5}, make([]float64, 32*16*5)))
	b, err := os.ReadFile(path("w.npy"))
	must(err)
	must(os.WriteFile(path("trunc.npy"), b[:len(b)-100], 0o644))
	must(os.WriteFile(path("text.npy"), []byte("neuron,step\n1,2\n"), 0o644))
	must(os.WriteFile(path("pats.txt"), []byte("0,1,2\n"), 0o644))
	must(os.WriteFile(path("bad.csv"), []byte("pattern,neuron,step\n0,1,2\n0,x,3\n"), 0o644))
	half := make([]float64, 2*32*60)
	half[5] = 0.5
	must(npy.WriteFloat64(path("half.npy"), []int{2, 32, 60}, half))
	must(npy.WriteUint8(path("4d.npy"), []int{1, 2, 32, 60}, make([]uint8, 2*32*60)))

	p := network.Defaults()
	p.D, p.Trigger = 5, 5
	xs := network.Inputs(p, set, 1, 0)
	must(raster.WriteNPY(path("input.npy"), &raster.Set{N: 32, T: p.Len(60), Patterns: xs}))
	must(os.WriteFile(path("file"), []byte("not a directory"), 0o644))
	return dir
}

// snapshot lists the files under dir with their sizes and times, or nil if
// dir does not exist.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files[p] = fmt.Sprint(fi.ModTime(), fi.Mode(), fi.Size())
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBadInput checks that every command refuses bad flags and files before
// doing any work: it exits with an error that names the problem, and leaves
// the output directory as it was (absent for a fresh --out).
func TestBadInput(t *testing.T) {
	files := badFiles(t)
	// In args, $F/ is the directory of input files and $OUT the output
	// directory; setup, if set, prepares the output directory first.
	cases := []struct {
		name  string
		args  []string
		want  []string
		setup func(t *testing.T, out string)
	}{
		// Flag values.
		{"p-a zero", tiny("run", "--p-a", "0"), []string{"--p-a", "(0, 1)"}, nil},
		{"p-a above one", tiny("run", "--p-a", "1.5"), []string{"--p-a", "(0, 1)"}, nil},
		{"p-a NaN", tiny("run", "--p-a", "NaN"), []string{"--p-a"}, nil},
		{"beta one", tiny("run", "--beta", "1"), []string{"--beta", "[0, 1)"}, nil},
		{"beta negative", tiny("run", "--beta", "-0.1"), []string{"--beta"}, nil},
		{"theta zero", tiny("run", "--theta", "0"), []string{"--theta", "positive"}, nil},
		{"theta infinite", tiny("run", "--theta", "+Inf"), []string{"--theta"}, nil},
		{"unknown reset", tiny("run", "--reset", "soft"), []string{"--reset", "subtract or zero"}, nil},
		{"unknown init", tiny("run", "--init", "magic"), []string{"--init", "hebbian", "pinv"}, nil},
		{"unknown optimizer", tiny("run", "--optimizer", "rmsprop"), []string{"--optimizer", "adam", "sgd-published"}, nil},
		{"unknown norm", tiny("run", "--norm", "l2"), []string{"--norm", "row"}, nil},
		{"unknown target", tiny("run", "--target", "smooth"), []string{"--target", "deconvolved"}, nil},
		{"zero neurons", tiny("run", "--neurons", "0"), []string{"--neurons"}, nil},
		{"zero delays", tiny("run", "--delays", "0"), []string{"--delays"}, nil},
		{"negative delays", tiny("run", "--delays", "-3"), []string{"--delays"}, nil},
		{"zero patterns", tiny("run", "--patterns", "0"), []string{"--patterns"}, nil},
		{"steps within delays", tiny("run", "--steps", "5"), []string{"steps", "delays"}, nil},
		{"too big for memory", tiny("run", "--neurons", "2000000", "--delays", "41", "--weights-format", "dense"), []string{"GiB", "fewer neurons or delays"}, nil},
		{"large N sparse weights refused before any output", tiny("run", "--neurons", "2000000", "--delays", "41"), []string{"sparse weights of N = 2000000", "expected size", "--fan-in"}, nil},
		{"dropout one", tiny("run", "--dropout", "1"), []string{"--dropout", "[0, 1)"}, nil},
		{"zero lr", tiny("run", "--lr", "0"), []string{"--lr", "positive"}, nil},
		{"final lr above lr", tiny("run", "--final-lr", "0.5"), []string{"--final-lr", "--lr"}, nil},
		{"negative support", tiny("run", "--surrogate-support", "-1"), []string{"--surrogate-support"}, nil},
		{"negative epochs", tiny("run", "--epochs", "-1"), []string{"--epochs"}, nil},
		{"negative pre", tiny("run", "--pre", "-1"), []string{"--pre"}, nil},
		{"trigger beyond pattern", tiny("run", "--trigger", "100"), []string{"trigger", "longer than the pattern"}, nil},
		{"not a number", tiny("run", "--beta", "abc"), []string{"--beta", "invalid argument"}, nil},
		{"stray argument", tiny("run", "extra"), []string{"unknown command", "extra"}, nil},
		{"periodic too long", []string{"generate", "--periodic", "--delays", "60", "--steps", "60"}, []string{"--periodic", "--delays"}, nil},

		// Outputs and checkpoints.
		{"existing run output", tiny("run"), []string{"report.json", "--force"}, func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "report.json"))
		}},
		{"resume without checkpoint", tiny("run", "--resume"), []string{"--resume", "no checkpoint"}, nil},
		{"earlier checkpoint", tiny("run"), []string{"checkpoint", "--resume", "--force"}, func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, checkpointDir, "checkpoint.json"))
		}},
		{"out is a file", tiny("run", "--out", "$F/file"), []string{"is a file"}, nil},
		{"existing patterns", []string{"generate"}, []string{"patterns.npy", "--force"}, func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "patterns.npy"))
		}},
		{"existing spikes", []string{"simulate", "--weights", "$F/w.npy", "--input", "$F/input.npy"}, []string{"spikes.npy", "--force"}, func(t *testing.T, out string) {
			writeFile(t, filepath.Join(out, "spikes.npy"))
		}},
		{"empty out", []string{"generate", "--out", ""}, []string{"--out", "empty"}, nil},
		{"missing out", []string{"init", "--patterns-file", "$F/pats.npy", "--out"}, []string{"--out", "argument"}, nil},
		{"missing required file flag", []string{"recall", "--patterns-file", "$F/pats.npy"}, []string{"weights"}, nil},
		{"train resume without checkpoint", []string{"train", "--patterns-file", "$F/pats.npy", "--resume"}, []string{"--resume", "no checkpoint"}, nil},
		{"train without weights", []string{"train", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "--resume"}, nil},
		{"train zero epochs", []string{"train", "--weights", "$F/w.npy", "--patterns-file", "$F/pats.npy", "--epochs", "0"}, []string{"--epochs"}, nil},

		// Pattern files.
		{"missing patterns file", []string{"init", "--patterns-file", "$F/none.npy"}, []string{"--patterns-file", "no such file"}, nil},
		{"text as npy", []string{"init", "--patterns-file", "$F/text.npy"}, []string{"--patterns-file", "not a .npy file"}, nil},
		{"non-binary patterns", []string{"init", "--patterns-file", "$F/half.npy"}, []string{"--patterns-file", "0 and 1"}, nil},
		{"unknown extension", []string{"init", "--patterns-file", "$F/pats.txt"}, []string{"--patterns-file", "unknown file type", ".npy, .npz or .csv"}, nil},
		{"malformed csv", []string{"init", "--patterns-file", "$F/bad.csv"}, []string{"bad.csv:3", "not an integer"}, nil},
		{"4-D patterns", []string{"init", "--patterns-file", "$F/4d.npy"}, []string{"shape", "(M, N, T)"}, nil},
		{"neurons contradict patterns", []string{"init", "--patterns-file", "$F/pats.npy", "--neurons", "16"}, []string{"neurons", "16"}, nil},
		{"patterns too short for delays", []string{"init", "--patterns-file", "$F/pats.npy", "--delays", "60"}, []string{"steps", "delays"}, nil},

		// Weight files.
		{"NaN weights", []string{"recall", "--weights", "$F/nan.npy", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "NaN", "finite"}, nil},
		{"infinite weights", []string{"train", "--weights", "$F/inf.npy", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "finite"}, nil},
		{"2-D weights", []string{"recall", "--weights", "$F/w2d.npy", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "shape", "(N, N, D)"}, nil},
		{"non-square weights", []string{"simulate", "--weights", "$F/wrect.npy", "--input", "$F/input.npy"}, []string{"shape", "(N, N, D)"}, nil},
		{"truncated weights", []string{"recall", "--weights", "$F/trunc.npy", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "truncated"}, nil},
		{"weights are patterns", []string{"train", "--weights", "$F/pats.npy", "--patterns-file", "$F/pats.npy"}, []string{"--weights", "shape"}, nil},
		{"unsupported bits", []string{"recall", "--weights", "$F/w.npy", "--patterns-file", "$F/pats.npy", "--bits", "3"}, []string{"--bits", "16, 8, 6, 4, 2 or 1"}, nil},
		{"unknown rounding", []string{"recall", "--weights", "$F/w.npy", "--patterns-file", "$F/pats.npy", "--bits", "8", "--rounding", "up"}, []string{"--rounding", "nearest or stochastic"}, nil},
		{"integer without bits", []string{"recall", "--weights", "$F/w.npy", "--patterns-file", "$F/pats.npy", "--integer"}, []string{"--integer", "--bits"}, nil},
		{"integer and float32", []string{"recall", "--weights", "$F/w.npy", "--patterns-file", "$F/pats.npy", "--bits", "8", "--integer", "--float32"}, []string{"--integer", "--float32"}, nil},
		{"convert to 3 bits", []string{"convert", "--in", "$F/w.npy", "--out", "$OUT/q.npz", "--bits", "3"}, []string{"--bits", "16, 8, 6, 4, 2 or 1"}, nil},
		{"quantised to npy", []string{"convert", "--in", "$F/w.npy", "--out", "$OUT/q.npy", "--bits", "8"}, []string{"--out", ".npz"}, nil},
		{"weights and patterns differ in size", []string{"recall", "--weights", "$F/w.npy", "--patterns-file", "$F/pats16.npy"}, []string{"16 neurons", "want 32"}, nil},
		{"train sizes differ", []string{"train", "--weights", "$F/w.npy", "--patterns-file", "$F/pats16.npy"}, []string{"16 neurons", "want 32"}, nil},

		// Simulation and gradient inputs.
		{"input of other size", []string{"simulate", "--weights", "$F/w.npy", "--input", "$F/pats16.npy"}, []string{"--input", "16 neurons", "want 32"}, nil},
		{"4-D input", []string{"simulate", "--weights", "$F/w.npy", "--input", "$F/4d.npy"}, []string{"--input", "shape"}, nil},
		{"simulate pre beyond input", []string{"simulate", "--weights", "$F/w.npy", "--input", "$F/input.npy", "--pre", "150"}, []string{"--pre", "--trigger"}, nil},
		{"gradient pre beyond input", []string{"gradient", "--weights", "$F/w.npy", "--input", "$F/input.npy", "--target", "$F/pats.npy", "--pre", "200"}, []string{"--pre", "160"}, nil},
		{"gradient lengths disagree", []string{"gradient", "--weights", "$F/w.npy", "--input", "$F/input.npy", "--target", "$F/pats.npy", "--post", "3"}, []string{"--post", "160"}, nil},
		{"gradient pattern counts differ", []string{"gradient", "--weights", "$F/w.npy", "--input", "$F/input.npy", "--target", "$F/pats1.npy"}, []string{"2 trials", "1 patterns"}, nil},
		{"gradient zero alpha", []string{"gradient", "--weights", "$F/w.npy", "--input", "$F/input.npy", "--target", "$F/pats.npy", "--alpha", "0"}, []string{"--alpha"}, nil},
		{"gradient target missing", []string{"gradient", "--weights", "$F/w.npy", "--input", "$F/input.npy"}, []string{"target"}, nil},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if c.setup != nil {
				c.setup(t, out)
			}
			args := make([]string, 0, len(c.args)+2)
			hasOut := false
			for _, a := range c.args {
				a = strings.ReplaceAll(a, "$F", files)
				a = strings.ReplaceAll(a, "$OUT", out)
				args = append(args, a)
				hasOut = hasOut || a == "--out"
			}
			if !hasOut {
				args = append(args, "--out", out)
			}
			before := snapshot(t, out)
			r := runHdsnn(t, args...)
			if r.err == nil {
				t.Fatalf("hdsnn %s succeeded; want an error containing %q", strings.Join(args, " "), c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("error %q does not contain %q", r.err, w)
				}
			}
			if after := snapshot(t, out); len(after) != len(before) {
				t.Errorf("output directory changed: %d entries before, %d after", len(before), len(after))
			} else {
				for k, v := range before {
					if after[k] != v {
						t.Errorf("%s changed", k)
					}
				}
			}
		})
	}
	if len(cases) < 20 {
		t.Errorf("only %d bad inputs", len(cases))
	}
}

// writeFile creates path, and its directory, with some content.
func writeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("earlier result"), 0o644); err != nil {
		t.Fatal(err)
	}
}
