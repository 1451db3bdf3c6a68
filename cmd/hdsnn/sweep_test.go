package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for hdsnn when a sweep starts
// its tasks as subprocesses of os.Executable(): with HDSNN_TEST_AS_MAIN=1
// it runs main.
func TestMain(m *testing.M) {
	if os.Getenv("HDSNN_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-test.") {
		// Started as hdsnn without the variable: never rerun the tests.
		fmt.Fprintln(os.Stderr, "hdsnn.test: started with command arguments but without HDSNN_TEST_AS_MAIN=1")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// quickSweep is a small sweep: a quick scan of D over two values and two
// seeds, initial weights only (4 tasks, well under a second each).
const quickSweep = `experiment = "scan"
seeds = 2
[base]
param = "delays"
quick = true
init-only = true
[grid]
values = [5, 20]
`

// csvRows returns the data rows of a CSV without its last column
// (seconds), sorted: the runs, whatever the order they finished in.
func csvRows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var rows []string
	for _, l := range lines[1:] {
		rows = append(rows, l[:strings.LastIndexByte(l, ',')])
	}
	slices.Sort(rows)
	return rows
}

func TestSweepLocal(t *testing.T) {
	t.Setenv("HDSNN_TEST_AS_MAIN", "1")
	dir := t.TempDir()
	file := filepath.Join(dir, "sweep.toml")
	if err := os.WriteFile(file, []byte(quickSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")

	r := mustRun(t, "sweep", "plan", file)
	if !strings.Contains(r.stdout, "4 tasks of hdsnn experiment scan") ||
		!strings.Contains(r.stdout, "hdsnn experiment scan --init-only --param=delays --quick --values=20 --seed 2 --seeds 1") {
		t.Errorf("plan:\n%s", r.stdout)
	}

	r = mustRun(t, "sweep", "run", file, "--out", out, "--jobs", "2")
	if !strings.Contains(r.stdout, "4 tasks run, 0 already done, 0 failed") {
		t.Errorf("run:\n%s\n%s", r.stdout, r.stderr)
	}
	r = mustRun(t, "sweep", "collect", file, "--out", out)
	if !strings.Contains(r.stdout, "4 of 4 tasks done") || !strings.Contains(r.stdout, "no run repeated") {
		t.Errorf("collect:\n%s", r.stdout)
	}
	requireFiles(t, filepath.Join(out, "results"), "scan-delays-init.csv", "scan-delays-init.png", "scan-delays-init.svg")

	// The merged CSV holds the runs of the same experiment run at once.
	once := filepath.Join(dir, "once")
	mustRun(t, "experiment", "scan", "--param", "delays", "--quick", "--init-only", "--values", "5,20", "--seeds", "2", "--out", once)
	if got, want := csvRows(t, filepath.Join(out, "results", "scan-delays-init.csv")), csvRows(t, filepath.Join(once, "scan-delays-init.csv")); !slices.Equal(got, want) {
		t.Errorf("merged rows\n%s\nwant those of one run\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A task lost (as if killed before it finished) is the only one run
	// again; collect reports it first, with the command to rerun it.
	p, err := loadPlan(file)
	if err != nil {
		t.Fatal(err)
	}
	lost := p.Tasks[2]
	if err := os.RemoveAll(filepath.Join(out, "tasks", lost.ID)); err != nil {
		t.Fatal(err)
	}
	r = runHdsnn(t, "sweep", "collect", file, "--out", out)
	if r.err == nil || !strings.Contains(r.stdout, "missing task 2 ("+lost.ID+")") ||
		!strings.Contains(r.stdout, "--out "+out+" --tasks 2") {
		t.Errorf("collect with a task lost: %v\n%s", r.err, r.stdout)
	}
	r = mustRun(t, "sweep", "run", file, "--out", out)
	if !strings.Contains(r.stdout, "1 tasks run, 3 already done") {
		t.Errorf("rerun:\n%s", r.stdout)
	}
	mustRun(t, "sweep", "collect", file, "--out", out, "--no-figures")

	// Chunks of an array: element 1 of chunks of 3 is task 3 alone.
	r = mustRun(t, "sweep", "run", file, "--out", out, "--task-index", "1", "--chunk", "3")
	if !strings.Contains(r.stdout, "0 tasks run, 1 already done") {
		t.Errorf("chunk:\n%s", r.stdout)
	}
}

func TestSweepSlurmScript(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sweep.toml")
	if err := os.WriteFile(file, []byte(quickSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	r := mustRun(t, "sweep", "slurm", file, "--out", out, "--chunk", "3", "--partition", "debug", "--cpus", "2")
	if !strings.Contains(r.stdout, "2 array elements of 3") {
		t.Errorf("slurm:\n%s", r.stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, "sweep.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"#SBATCH --array=0-1%50", "#SBATCH --partition=debug", "#SBATCH --cpus-per-task=2",
		"#SBATCH --mem=600M", "#SBATCH --requeue", "--task-index \"$SLURM_ARRAY_TASK_ID\" --chunk 3", " sweep run " + file + " --out " + out} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "logs")); err != nil {
		t.Errorf("no logs directory for sbatch --output: %v", err)
	}
}

func TestSweepRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", quickSweep)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "plan", write("colour.toml", "experiment = \"scan\"\nseeds = 1\n[base]\ncolour = 3\n")}, "colour"},
		{[]string{"sweep", "plan", write("type.toml", "experiment = \"scan\"\nseeds = 1\n[base]\nneurons = \"many\"\n")}, "neurons"},
		{[]string{"sweep", "plan", filepath.Join(dir, "none.toml")}, "none.toml"},
		{[]string{"sweep", "run", good, "--out", dir, "--jobs", "0"}, "--jobs"},
		{[]string{"sweep", "run", good, "--out", dir, "--task-index", "9"}, "--task-index"},
		{[]string{"sweep", "run", good, "--out", dir, "--tasks", "4"}, "--tasks"},
		{[]string{"sweep", "run", good, "--out", dir, "--chunk", "2"}, "--chunk goes with --task-index"},
		{[]string{"sweep", "slurm", good, "--out", dir, "--mem", "lots"}, "--mem"},
		{[]string{"sweep", "slurm", good, "--out", dir, "--time", "soon"}, "--time"},
		{[]string{"sweep", "collect", good, "--out", filepath.Join(dir, "nowhere")}, "--out"},
	} {
		r := runHdsnn(t, c.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %q", c.args, r.err, c.want)
		}
	}
}
