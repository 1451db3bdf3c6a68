package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/results"
	"github.com/hdsnn/hdsnn/study/capacity"
	"github.com/hdsnn/hdsnn/study/search"
)

// tinyCapacityArgs are sizes at which "experiment capacity" finishes in
// about a second and one pattern is recalled.
func tinyCapacityArgs(out string, more ...string) []string {
	return append([]string{"experiment", "capacity", "--neurons-list", "48,64", "--delays-list", "10,15",
		"--steps", "80", "--p-a", "0.02", "--pre", "5", "--post", "5", "--epochs", "1", "--seeds", "1",
		"--max-patterns", "16", "--out", out}, more...)
}

func TestExperimentCapacity(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, tinyCapacityArgs(dir)...)
	requireFiles(t, dir, "capacity.csv", "capacity-summary.csv", "capacity-vs-neurons.png", "capacity-vs-neurons.svg",
		"capacity-vs-delays.png", "capacity-vs-delays.svg")
	if !strings.Contains(r.stdout, "capacity") || !strings.Contains(r.stdout, "N²D/(T−D)") {
		t.Errorf("no summary table in the output:\n%s", r.stdout)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "capacity-summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 2 N × 2 D × 2 modes, after the header.
	if lines := strings.Split(strings.TrimSpace(string(sum)), "\n"); len(lines) != 9 {
		t.Errorf("summary has %d lines, want 9:\n%s", len(lines), sum)
	}
	rows, err := results.Read(filepath.Join(dir, "capacity.csv"), capacity.Columns())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 8 {
		t.Errorf("capacity.csv has %d rows, want at least one evaluation per (N, D, mode)", len(rows))
	}

	// A rerun reads every evaluation from the CSV.
	before, _ := os.ReadFile(filepath.Join(dir, "capacity.csv"))
	r = mustRun(t, tinyCapacityArgs(dir)...)
	after, _ := os.ReadFile(filepath.Join(dir, "capacity.csv"))
	if string(before) != string(after) {
		t.Error("a rerun changed capacity.csv")
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n")[1:] {
		if !strings.HasSuffix(line, "(from the CSV)") {
			t.Errorf("rerun evaluated again: %q", line)
		}
	}
}

func TestExperimentSearch(t *testing.T) {
	dir := t.TempDir()
	args := []string{"experiment", "search", "--budget", "3", "--neurons", "48", "--delays", "10", "--patterns", "2",
		"--steps", "80", "--p-a", "0.02", "--pre", "5", "--post", "5", "--epochs", "1", "--out", dir}
	r := mustRun(t, args...)
	requireFiles(t, dir, "search.csv", "best.json", "search.png", "search.svg")
	if !strings.Contains(r.stdout, "best: trial") || !strings.Contains(r.stdout, "--optimizer") {
		t.Errorf("no best configuration printed:\n%s", r.stdout)
	}
	rows, err := results.Read(filepath.Join(dir, "search.csv"), search.Columns())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Errorf("search.csv has %d rows, want 3", len(rows))
	}
	var best struct {
		Best search.Result `json:"best"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "best.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &best); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.Score.F1 > best.Best.F1 {
			t.Errorf("best.json has F1 %v but trial %s reached %v", best.Best.F1, row.Values[0], row.Score.F1)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "search.csv"))
	mustRun(t, args...)
	after, _ := os.ReadFile(filepath.Join(dir, "search.csv"))
	if string(before) != string(after) {
		t.Error("a rerun changed search.csv")
	}
}

func TestExperimentCapacitySearchBadFlags(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty neurons list", tinyCapacityArgs(out, "--neurons-list", ""), "--neurons-list is empty"},
		{"bad neurons list", tinyCapacityArgs(out, "--neurons-list", "64,x"), `--neurons-list: "x" is not a positive integer`},
		{"zero delays", tinyCapacityArgs(out, "--delays-list", "0"), `--delays-list: "0" is not a positive integer`},
		{"duplicate", tinyCapacityArgs(out, "--delays-list", "10,10"), "lists 10 twice"},
		{"threshold above 1", tinyCapacityArgs(out, "--threshold", "1.5"), "--threshold = 1.5"},
		{"threshold 0", tinyCapacityArgs(out, "--threshold", "0"), "--threshold = 0"},
		{"max patterns", tinyCapacityArgs(out, "--max-patterns", "0"), "--max-patterns = 0"},
		{"bad mode", tinyCapacityArgs(out, "--modes", "init,both"), `--modes: "both" is not a mode`},
		{"neurons instead of list", tinyCapacityArgs(out, "--neurons", "64"), "use --neurons-list"},
		{"quick with a list", []string{"experiment", "capacity", "--quick", "--delays-list", "5", "--out", out}, "--quick sets the sizes"},
		{"D not below T", tinyCapacityArgs(out, "--delays-list", "80"), "D = 80"},
		{"budget 0", []string{"experiment", "search", "--budget", "0", "--out", out}, "--budget = 0"},
		{"searched flag", []string{"experiment", "search", "--lr", "0.1", "--out", out}, "--lr is drawn by the search"},
		{"search without epochs", []string{"experiment", "search", "--epochs", "0", "--out", out}, "--epochs = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runHdsnn(t, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", r.err, tc.want)
			}
		})
	}
}

func TestExperimentCapacitySearchHelp(t *testing.T) {
	for name, flags := range map[string][]string{
		"capacity": {"--neurons-list", "--delays-list", "--threshold", "--modes", "--max-patterns", "--quick", "--seeds"},
		"search":   {"--budget", "--search-seed", "--quick", "--seeds"},
	} {
		r := mustRun(t, "experiment", name, "--help")
		for _, want := range append(flags, "Examples:", "--out") {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("experiment %s --help lacks %q:\n%s", name, want, r.stdout)
			}
		}
	}
}

// TestExperimentCapacityFanIn measures the tiny capacity at two fan-ins:
// mode init only, a fan_in column, no figures.
func TestExperimentCapacityFanIn(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, tinyCapacityArgs(dir, "--neurons-list", "48", "--delays-list", "10", "--fan-in-list", "12,48")...)
	requireFiles(t, dir, "capacity.csv", "capacity-summary.csv")
	if _, err := os.Stat(filepath.Join(dir, "capacity-vs-neurons.png")); err == nil {
		t.Error("figures drawn for fan-ins")
	}
	if !strings.Contains(r.stdout, "KD/(T−D)") || !strings.Contains(r.stderr, "fan-in 12, init") || strings.Contains(r.stderr, "trained") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "capacity-summary.csv"))
	if err != nil || !strings.HasPrefix(string(sum), "neurons,delays,fan_in,") || len(strings.Split(strings.TrimSpace(string(sum)), "\n")) != 3 {
		t.Errorf("summary:\n%s (%v)", sum, err)
	}
	if r := runHdsnn(t, tinyCapacityArgs(t.TempDir(), "--fan-in-list", "12", "--modes", "trained")...); r.err == nil || !strings.Contains(r.err.Error(), "--modes init") {
		t.Errorf("--fan-in-list with --modes trained: %v", r.err)
	}
}
