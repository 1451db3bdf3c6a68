package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotFlags draws the recall of another pattern and neuron range, and
// refuses ranges outside the network.
func TestPlotFlags(t *testing.T) {
	out := t.TempDir()
	mustRun(t, append([]string{"run", "--out", out}, tiny("--plot-pattern", "1", "--plot-neurons", "8:24")...)...)
	requireFiles(t, out, denseRunOutputs()...)
	svg, err := os.ReadFile(filepath.Join(out, "recall.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "pattern 1") {
		t.Error("recall.svg does not show pattern 1")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--plot-pattern", "2"}, "--plot-pattern 2"},
		{[]string{"--plot-neurons", "10"}, "FROM:TO"},
		{[]string{"--plot-neurons", "40:50"}, "FROM < N = 32"},
		{[]string{"--plot-neurons", "9:3"}, "FROM < TO"},
	} {
		r := runHdsnn(t, append([]string{"run", "--force", "--out", t.TempDir()}, tiny(tc.args...)...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, r.err, tc.want)
		}
	}
}

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkOutputs(dir, false, runOutputs()...); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("an existing output was accepted: %v", err)
	}
	if err := checkOutputs(dir, true, runOutputs()...); err != nil {
		t.Errorf("with --force: %v", err)
	}
}
