package main

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
)

// write creates the file name in dir with content and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hugeWeightsHeader writes a .npy file whose header declares (20000,
// 20000, 41) float64 weights (131 GB) but which holds no data.
func hugeWeightsHeader(t *testing.T, dir string) string {
	t.Helper()
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000, 41), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	return write(t, dir, "huge.npy", string(append(b, hdr...)))
}

// TestSizesBeyondTheMachine reproduces the sizes of issue 9 that killed
// the process or ran for minutes: each must be refused at once, before
// any allocation, with the estimate and the flag or file to change.
func TestSizesBeyondTheMachine(t *testing.T) {
	dir := t.TempDir()
	pats := filepath.Join(dir, "data")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--out", pats)
	w := filepath.Join(dir, "w")
	mustRun(t, "init", "--patterns-file", filepath.Join(pats, "patterns.npy"), "--delays", "5", "--out", w)
	csv30 := write(t, dir, "p.csv", "pattern,neuron,step\n999999999,0,0\n")
	csvStep := write(t, dir, "s.csv", "neuron,step\n0,9223372036854775807\n")
	huge := hugeWeightsHeader(t, dir)
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"30-byte csv", []string{"init", "--patterns-file", csv30, "--delays", "2"}, []string{"1000000000 patterns", "needs about", "available", "--patterns-file", "largest"}},
		{"step at MaxInt64", []string{"init", "--patterns-file", csvStep, "--delays", "2"}, []string{"too many to address", "largest step 9223372036854775807"}},
		{"run with 1e9 steps", []string{"run", "--neurons", "8", "--delays", "2", "--patterns", "1", "--steps", "1000000000"}, []string{"needs about", "--steps"}},
		{"run with 1e5 patterns of 1e5 steps", []string{"run", "--patterns", "100000", "--steps", "100000"}, []string{"needs about", "--patterns"}},
		{"recall of a (20000, 20000, 41) header", []string{"recall", "--weights", huge, "--patterns-file", filepath.Join(pats, "patterns.npy")}, []string{"--weights", "N = 20000, D = 41", "GiB", "fewer neurons"}},
		{"generate 1e14 entries", []string{"generate", "--neurons", "1000000", "--patterns", "1000", "--steps", "100000"}, []string{"needs about", "--neurons"}},
		{"scan grid beyond memory", []string{"experiment", "scan", "--param", "neurons", "--values", "64,200000"}, []string{"--values 200000", "needs about", "drop 200000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-"))
			r := runHdsnn(t, append(c.args, "--out", out)...)
			if r.err == nil {
				t.Fatalf("accepted; want an error containing %q", c.want)
			}
			for _, s := range c.want {
				if !strings.Contains(r.err.Error(), s) {
					t.Errorf("error %q does not contain %q", r.err, s)
				}
			}
			if _, err := os.Stat(out); err == nil && c.args[0] != "experiment" {
				t.Errorf("%s was created for a refused run", out)
			}
		})
	}
	_ = w
}

// TestSizesUnderUlimit runs the cases of issue 9 that died out of memory
// as a subprocess limited to 2 GB of address space: each must end with
// an error message and status 1, never with the runtime's out-of-memory
// crash (status 2).
func TestSizesUnderUlimit(t *testing.T) {
	bin := hdsnnBinary(t)
	dir := t.TempDir()
	csv30 := write(t, dir, "p.csv", "pattern,neuron,step\n999999999,0,0\n")
	huge := hugeWeightsHeader(t, dir)
	set, err := raster.Generate(raster.Config{M: 2, N: 16, T: 40, P: 0.05}, 1)
	if err != nil {
		t.Fatal(err)
	}
	pats := filepath.Join(dir, "pats.npy")
	if err := raster.WriteNPY(pats, set); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"30-byte csv", []string{"init", "--patterns-file", csv30, "--delays", "2"}},
		{"1e9 steps", []string{"run", "--neurons", "8", "--delays", "2", "--patterns", "1", "--steps", "1000000000"}},
		{"huge weights header", []string{"recall", "--weights", huge, "--patterns-file", pats}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.args, "--out", filepath.Join(dir, "o"))
			cmd := exec.Command("bash", append([]string{"-c", `ulimit -v 2000000; exec "$0" "$@"`, bin}, args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if code != 1 || !strings.Contains(stderr.String(), "needs about") {
				t.Errorf("exit %d (%v), stderr:\n%s\nwant status 1 and the memory estimate", code, err, stderr.String())
			}
		})
	}
}

// TestCSVInputs checks the CSV cases of issue 9: ids beyond --neurons and
// gaps in the pattern ids are refused with what the file holds, long
// lines are reported with their number, and --dt bins float times.
func TestCSVInputs(t *testing.T) {
	dir := t.TempDir()
	w := filepath.Join(dir, "w")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--out", filepath.Join(dir, "data"))
	mustRun(t, "init", "--patterns-file", filepath.Join(dir, "data", "patterns.npy"), "--delays", "5", "--out", w)
	weights := filepath.Join(w, "weights.npy")
	long := "neuron,step\n0,1\n# " + strings.Repeat("x", 2<<20) + "\n"
	for _, c := range []struct {
		name, csv string
		args      []string
		want      []string
	}{
		{"stray neuron id", "neuron,step\n1,2\n500,3\n", []string{"recall", "--weights", weights}, []string{"neuron 500 is outside a raster of 32 neurons", "largest neuron id is 500", ":3:"}},
		{"pattern ids with a gap", "pattern,neuron,step\n0,1,2\n5,1,3\n", []string{"init", "--delays", "2"}, []string{"patterns 0 to 5", "4 of them have none"}},
		{"a line of 2 MiB", long, []string{"init", "--delays", "2"}, []string{":3:", "longer than"}},
		{"float times without --dt", "neuron,step\n1,2.5\n", []string{"init", "--delays", "2"}, []string{`step "2.5" is not an integer`}},
		{"negative --dt", "neuron,step\n1,2\n", []string{"init", "--delays", "2", "--dt", "-1"}, []string{"--dt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, dir, "p.csv", c.csv)
			r := runHdsnn(t, append(c.args, "--patterns-file", p, "--out", filepath.Join(dir, "o"))...)
			if r.err == nil {
				t.Fatalf("accepted; want an error containing %q", c.want)
			}
			for _, s := range c.want {
				if !strings.Contains(r.err.Error(), s) {
					t.Errorf("error %q does not contain %q", r.err, s)
				}
			}
		})
	}

	// --dt: times in ms binned to floor(t/dt).
	times := write(t, dir, "times.csv", "neuron,time\n0,0.4\n1,1.99\n2,2.0\n1,5.5\n")
	if _, _, err := raster.ReadCSVWith(times, raster.CSVOptions{}); err == nil {
		t.Error("a time column without Dt is accepted")
	}
	set, _, err := raster.ReadCSVWith(times, raster.CSVOptions{Dt: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Patterns[0].Events(); len(got) != 4 || got[0] != (raster.Event{Neuron: 0, Step: 0}) || got[1] != (raster.Event{Neuron: 1, Step: 0}) || got[2] != (raster.Event{Neuron: 2, Step: 1}) || got[3] != (raster.Event{Neuron: 1, Step: 2}) {
		t.Errorf("binned events %v, want floor(t/2): (0,0) (1,0) (2,1) (1,2)", got)
	}
	mustRun(t, "init", "--patterns-file", times, "--dt", "2", "--delays", "1", "--steps", "3", "--neurons", "3", "--pre", "0", "--post", "0", "--out", filepath.Join(dir, "dt"))

	// Inferred sizes are noted: one stray id makes a 501-neuron network.
	stray := write(t, dir, "stray.csv", "neuron,step\n1,2\n500,3\n")
	r := mustRun(t, "init", "--patterns-file", stray, "--delays", "2", "--out", filepath.Join(dir, "stray"))
	if !strings.Contains(r.stderr, "N = 501 neurons × T = 4 steps (largest neuron id 500, largest step 3)") {
		t.Errorf("no note on the inferred sizes:\n%s", r.stderr)
	}
}

// TestNPZInput reads patterns saved by numpy.savez: a zip of .npy files.
func TestNPZInput(t *testing.T) {
	dir := t.TempDir()
	set, err := raster.Generate(raster.Config{M: 2, N: 32, T: 60, P: 0.05}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var npyBuf bytes.Buffer
	if err := raster.WriteNPYTo(&npyBuf, set); err != nil {
		t.Fatal(err)
	}
	mk := func(name string, members ...string) string {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for _, m := range members {
			f, err := z.CreateHeader(&zip.FileHeader{Name: m, Method: zip.Deflate})
			if err != nil {
				t.Fatal(err)
			}
			f.Write(npyBuf.Bytes())
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return write(t, dir, name, b.String())
	}
	for _, path := range []string{mk("one.npz", "arr_0.npy"), mk("named.npz", "weights.npy", "patterns.npy")} {
		got, err := raster.ReadNPZ(path, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got.M() != 2 || got.N != 32 || got.T != 60 || !bytes.Equal(got.Dense(), set.Dense()) {
			t.Errorf("%s: read another set", path)
		}
	}
	if _, err := raster.ReadNPZ(mk("two.npz", "a.npy", "b.npy"), nil); err == nil || !strings.Contains(err.Error(), `none is named "patterns"`) {
		t.Errorf("two unnamed arrays: %v", err)
	}
	mustRun(t, "init", "--patterns-file", filepath.Join(dir, "one.npz"), "--delays", "5", "--out", filepath.Join(dir, "o"))
}

// TestSmallerHoles checks the input checks of issue 9: --trigger 0, an
// unknown experiment, an input shorter than D + 1 steps and an unwritable
// --out are refused before any work; Cue's nil background is tested in
// package network.
func TestSmallerHoles(t *testing.T) {
	dir := t.TempDir()
	w := network.NewWeights(8, 5)
	wp := filepath.Join(dir, "w.npy")
	if err := network.WriteWeights(wp, w, network.Meta{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.npy")
	set := &raster.Set{N: 8, T: 5, Patterns: []*raster.Raster{raster.New(8, 5)}}
	if err := raster.WriteNPY(short, set); err != nil {
		t.Fatal(err)
	}
	ro := write(t, dir, "a-file", "not a directory") // --out beneath it cannot be created, even by root
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"trigger 0", append([]string{"run"}, tiny("--trigger", "0", "--out", filepath.Join(dir, "t0"))...), "--trigger = 0"},
		{"unknown experiment", []string{"experiment", "foo"}, `unknown command "foo"`},
		{"input shorter than D + 1", []string{"simulate", "--weights", wp, "--input", short, "--out", filepath.Join(dir, "s")}, "fewer than D + 1 = 6"},
		{"unwritable out", append([]string{"run"}, tiny("--out", filepath.Join(ro, "sub"))...), "--out"},
		{"unwritable out of train", []string{"train", "--weights", wp, "--patterns-file", short, "--out", filepath.Join(ro, "sub")}, "--out"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runHdsnn(t, c.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", r.err, c.want)
			}
		})
	}
}
