package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExperimentScan(t *testing.T) {
	out := t.TempDir()
	args := []string{"experiment", "scan", "--quick", "--param", "delays", "--values", "5,20", "--seeds", "1", "--init-only", "--out", out}
	r := mustRun(t, args...)
	if !strings.Contains(r.stdout, "delays") || !strings.Contains(r.stdout, "F1") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	csvPath := filepath.Join(out, "scan-delays-init.csv")
	first, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(first), "\n"); n != 3 {
		t.Errorf("scan-delays-init.csv has %d lines, want a header and 2 rows:\n%s", n, first)
	}
	for _, ext := range []string{".png", ".svg"} {
		if _, err := os.Stat(filepath.Join(out, "scan-delays-init"+ext)); err != nil {
			t.Error(err)
		}
	}
	mustRun(t, args...)
	again, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(first) {
		t.Errorf("a second run changed the CSV instead of resuming:\n%s", again)
	}
	// Rows made with θ = 0.8 are not resumed with θ = 0.7; --force starts again.
	other := append(append([]string{}, args...), "--theta", "0.7")
	if r := runHdsnn(t, other...); r.err == nil || !strings.Contains(r.err.Error(), "--force") {
		t.Errorf("resuming with another θ: %v, want advice to pass --force", r.err)
	}
	mustRun(t, append(other, "--force")...)
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"experiment", "scan", "--param", "delays", "--values", "5,20", "--seeds", "1", "--init-only", "--neurons", "64", "--out", out}, "--force"},
		{[]string{"experiment", "scan", "--quick", "--param", "colour", "--out", out}, "colour"},
		{[]string{"experiment", "scan", "--quick", "--neurons", "64", "--out", out}, "--quick"},
		{[]string{"experiment", "scan", "--quick", "--seeds", "0", "--out", out}, "--seeds"},
		{[]string{"experiment", "scan", "--quick", "--param", "delays", "--values", "500", "--out", out}, "delays"},
	} {
		r := runHdsnn(t, bad.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), bad.want) {
			t.Errorf("%v: error %v, want one naming %q", bad.args, r.err, bad.want)
		}
	}
}
