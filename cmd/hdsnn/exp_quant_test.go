package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuantisationCommand runs the quick quantisation experiment with one
// seed, both kinds of weights and two widths, and checks its CSV, figure
// and summary, and that bad flags are refused.
func TestQuantisationCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "q")
	r := mustRun(t, "experiment", "bits", "--quick", "--seeds", "1", "--bits-list", "8,1", "--roundings", "nearest", "--out", out)
	requireFiles(t, out, "quantisation.csv", "quantisation.png", "quantisation.svg")
	// 2 kinds × (float64, 8, 1) × 3 cues × 1 seed, and the header.
	csv := filepath.Join(out, "quantisation.csv")
	if n := csvLines(t, csv); n != 19 {
		t.Errorf("quantisation.csv has %d lines, want 19", n)
	}
	head, _ := os.ReadFile(csv)
	if !strings.HasPrefix(string(head), "weights,bits,rounding,cue,seed,") {
		t.Errorf("header: %s", strings.SplitN(string(head), "\n", 2)[0])
	}
	for _, want := range []string{"hebbian", "margin", "float64", "flip 0.25", "jitter 1", "wrote"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--bits-list", "3"}, "--bits-list"},
		{[]string{"--weights-kinds", "trained"}, "--weights-kinds"},
		{[]string{"--roundings", "floor"}, "--roundings"},
	} {
		args := append([]string{"experiment", "quantisation", "--quick", "--out", filepath.Join(t.TempDir(), "bad")}, bad.args...)
		if r := runHdsnn(t, args...); r.err == nil || !strings.Contains(r.err.Error(), bad.want) {
			t.Errorf("%v: err = %v, want one naming %s", bad.args, r.err, bad.want)
		}
	}
}
