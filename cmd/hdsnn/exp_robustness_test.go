package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// csvLines returns the number of lines of a file, failing the test if it
// cannot be read.
func csvLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// TestRobustnessCommand runs the quick robustness experiment with one seed
// and two kinds, then resumes it.
func TestRobustnessCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rob")
	args := []string{"experiment", "robustness", "--quick", "--seeds", "1", "--kinds", "flip,truncate,flip-input", "--out", out}
	r := mustRun(t, args...)
	requireFiles(t, out, "robustness.csv", "robustness-flip.png", "robustness-flip.svg",
		"robustness-truncate.png", "robustness-truncate.svg", "robustness-flip-input.png", "robustness-flip-input.svg")
	if _, err := os.Stat(filepath.Join(out, "robustness-jitter.png")); err == nil {
		t.Error("drew a kind that was not asked for")
	}
	// 7 flip, 8 truncate and 7 flip-input levels, one seed, and the header.
	csv := filepath.Join(out, "robustness.csv")
	if n := csvLines(t, csv); n != 23 {
		t.Errorf("robustness.csv has %d lines, want 23", n)
	}
	for _, want := range []string{"kind", "flip", "truncate", "flip-input", "F1", "± s.e.", "wrote"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	head, _ := os.ReadFile(csv)
	if !strings.HasPrefix(string(head), "kind,level,seed,precision,recall,f1,") {
		t.Errorf("header: %s", strings.SplitN(string(head), "\n", 2)[0])
	}

	again := mustRun(t, args...)
	if n := csvLines(t, csv); n != 23 {
		t.Errorf("the resumed run left %d lines, want 23", n)
	}
	if !strings.Contains(again.stderr, "22/22") || strings.Contains(again.stderr, "1/22") {
		t.Errorf("the resumed run should report all runs done at once:\n%s", again.stderr)
	}

	// --init-only writes its own files.
	mustRun(t, "experiment", "robustness", "--quick", "--seeds", "1", "--kinds", "silence", "--init-only", "--out", out)
	requireFiles(t, out, "robustness-init.csv", "robustness-init-silence.png", "robustness-init-silence.svg")
}

// TestSequentialCommand runs the quick sequential experiment with one seed
// and resumes it.
func TestSequentialCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seq")
	args := []string{"experiment", "sequential", "--quick", "--seeds", "1", "--gap", "100", "--window", "20", "--out", out}
	r := mustRun(t, args...)
	requireFiles(t, out, "sequential.csv", "sequential-f1.csv", "sequential.png", "sequential.svg")
	csv := filepath.Join(out, "sequential.csv")
	if n := csvLines(t, csv); n != 1+5 { // header, all, 4 patterns
		t.Errorf("sequential.csv has %d lines, want 6", n)
	}
	// Pre 10 + 4 × (200 + 100) + Post 10 = 1220 steps: 1201 windows of 20.
	if n := csvLines(t, filepath.Join(out, "sequential-f1.csv")); n != 1+1201 {
		t.Errorf("sequential-f1.csv has %d lines, want 1202", n)
	}
	for _, want := range []string{"pattern", "all", "sliding F1", "wrote"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	mustRun(t, args...)
	if n := csvLines(t, csv); n != 6 {
		t.Errorf("the resumed run left %d lines, want 6", n)
	}
	// Another gap is another setting in the same CSV.
	mustRun(t, "experiment", "sequential", "--quick", "--seeds", "1", "--gap", "50", "--window", "20", "--out", out)
	if n := csvLines(t, csv); n != 11 {
		t.Errorf("after a second gap the CSV has %d lines, want 11", n)
	}
}

// TestExperimentBadFlags checks that bad values fail with a message that
// names the flag.
func TestExperimentBadFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bad")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"robustness", "--quick", "--seeds", "0"}, "--seeds"},
		{[]string{"robustness", "--quick", "--kinds", "flip,smudge"}, `"smudge" is not a cue perturbation`},
		{[]string{"robustness", "--quick", "--kinds", ""}, "--kinds is empty"},
		{[]string{"robustness", "--quick", "--neurons", "64"}, "--quick sets the sizes"},
		{[]string{"sequential", "--quick", "--seeds", "0"}, "--seeds"},
		{[]string{"sequential", "--quick", "--gap", "-1"}, "--gap"},
		{[]string{"sequential", "--quick", "--noise", "1.5"}, "--noise"},
		{[]string{"sequential", "--quick", "--window", "0"}, "--window"},
		{[]string{"sequential", "--quick", "--window", "100000"}, "longer than the run"},
	} {
		args := append([]string{"experiment"}, c.args...)
		r := runHdsnn(t, append(args, "--out", out)...)
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("hdsnn %s: err = %v, want it to mention %q", strings.Join(args, " "), r.err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "robustness.csv")); err == nil {
		t.Error("a rejected run wrote a CSV")
	}
}

// TestExperimentHelp checks the help of both commands.
func TestExperimentHelp(t *testing.T) {
	for _, c := range []struct{ name, flag string }{{"robustness", "--kinds"}, {"sequential", "--gap"}} {
		r := mustRun(t, "experiment", c.name, "--help")
		for _, want := range []string{"Examples:", c.flag, "--quick", "--seeds", "--out"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help lacks %s", c.name, want)
			}
		}
	}
	for _, cmd := range []*cobra.Command{newRobustnessCmd(), newSequentialCmd()} {
		if cmd.Short == "" || cmd.Long == "" || cmd.Example == "" {
			t.Errorf("%s lacks Short, Long or Example", cmd.Name())
		}
	}
}
