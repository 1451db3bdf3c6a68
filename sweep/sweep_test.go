package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mustParse parses a sweep file or fails the test.
func mustParse(t *testing.T, text string) Spec {
	t.Helper()
	s, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return s
}

func TestPlanIDsStableUnderKeyOrder(t *testing.T) {
	a := mustParse(t, `
experiment = "scan"
seeds = 2
[base]
param = "delays"
quick = true
init-only = true
[grid]
values = [3, 5]
theta = [0.8, 1.0]
`)
	b := mustParse(t, `
seeds = 2
experiment = "scan"
[grid]
theta = [0.8, 1.0]
values = ["3", "5"]
[base]
init-only = true
quick = true
param = "delays"
`)
	pa, pb := a.Plan(), b.Plan()
	if len(pa.Tasks) != 8 {
		t.Fatalf("%d tasks, want 2 values × 2 θ × 2 seeds = 8", len(pa.Tasks))
	}
	for i := range pa.Tasks {
		ta, tb := pa.Tasks[i], pb.Tasks[i]
		if ta.ID != tb.ID || !slices.Equal(ta.Args("scan"), tb.Args("scan")) {
			t.Errorf("task %d: %s %v vs %s %v", i, ta.ID, ta.Args("scan"), tb.ID, tb.Args("scan"))
		}
		if ta.Index != i {
			t.Errorf("task %d has index %d", i, ta.Index)
		}
	}
	ids := map[string]bool{}
	for _, task := range pa.Tasks {
		ids[task.ID] = true
	}
	if len(ids) != len(pa.Tasks) {
		t.Errorf("ids are not distinct: %d for %d tasks", len(ids), len(pa.Tasks))
	}
	want := []string{"experiment", "scan", "--init-only", "--param=delays", "--quick", "--theta=0.8", "--values=3", "--seed", "1", "--seeds", "1"}
	if got := pa.Tasks[0].Args("scan"); !slices.Equal(got, want) {
		t.Errorf("first task:\n got %v\nwant %v", got, want)
	}
	// Seeds vary fastest, then the last grid key (sorted by name).
	if got := pa.Tasks[1].Args("scan"); got[len(got)-3] != "2" || got[6] != "--values=3" {
		t.Errorf("second task %v: want the next seed of the same setting", got)
	}
	// More seeds keep the ids of the tasks already planned.
	c := mustParse(t, strings.Replace(string(`
experiment = "scan"
seeds = 2
[base]
param = "delays"
quick = true
init-only = true
[grid]
values = [3, 5, 10]
theta = [0.8, 1.0]
`), "seeds = 2", "seeds = [2, 1, 3]", 1))
	have := map[string]bool{}
	for _, task := range c.Plan().Tasks {
		have[task.ID] = true
	}
	for id := range ids {
		if !have[id] {
			t.Errorf("task %s is gone from a plan with more values and seeds", id)
		}
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`experiment = "scan"`, "seeds is missing"},
		{`experiment = "colour"` + "\nseeds = 1", "colour"},
		{"experiment = \"scan\"\nseeds = 0", "at least one"},
		{"experiment = \"scan\"\nseeds = [1, 1]", "twice"},
		{"experiment = \"scan\"\nseed = 3\nseeds = [1, 2]", "drop it"},
		{"experiment = \"scan\"\nseeds = 2\n[base]\nseed = 4", "top-level key seed"},
		{"experiment = \"scan\"\nseeds = 2\n[base]\nout = \"x\"", "--out"},
		{"experiment = \"scan\"\nseeds = 2\n[base]\n\"--neurons\" = 4", "without dashes"},
		{"experiment = \"scan\"\nseeds = 2\n[base]\nneurons = 4\n[grid]\nneurons = [1, 2]", "both"},
		{"experiment = \"scan\"\nseeds = 2\n[grid]\nneurons = []", "empty"},
		{"experiment = \"scan\"\nseeds = 2\n[grid]\nvalues = [[1, 2]]", "cannot be a list"},
		{"experiment = \"scan\"\nseeds = 2\ncolour = 3", "unknown keys colour"},
		{"experiment = \"capacity\"\nseeds = [1, 3]", "count"},
		{"experiment = [", "not a valid sweep file"},
	} {
		_, err := Parse([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func TestCapacityTasksRunAllSeeds(t *testing.T) {
	p := mustParse(t, "experiment = \"capacity\"\nseed = 5\nseeds = 3\n[base]\nquick = true\n[grid]\nmodes = [\"init\", \"trained\"]").Plan()
	if len(p.Tasks) != 2 {
		t.Fatalf("%d tasks, want one per mode", len(p.Tasks))
	}
	args := p.Tasks[1].Args("capacity")
	if got := strings.Join(args[len(args)-4:], " "); got != "--seed 5 --seeds 3" {
		t.Errorf("capacity task seeds %q, want --seed 5 --seeds 3", got)
	}
}

func TestEstimate(t *testing.T) {
	p := mustParse(t, "experiment = \"scan\"\nseeds = 1\n[base]\nparam = \"delays\"\n[grid]\nvalues = [41, 81]").Plan()
	z, b := p.Estimate(p.Tasks[1])
	if z != (Sizes{N: 512, D: 81, M: 16, T: 1000}) {
		t.Errorf("sizes %+v", z)
	}
	want := int64(5*512*512*81*8 + 16*512*1000 + baseBytes)
	if b != want || p.MaxBytes() != want {
		t.Errorf("estimate %d (max %d), want %d", b, p.MaxBytes(), want)
	}
	q := mustParse(t, "experiment = \"scan\"\nseeds = 1\n[base]\nquick = true\nparam = \"neurons\"").Plan()
	if z, _ := q.Estimate(q.Tasks[0]); z != (Sizes{N: 256, D: 20, M: 4, T: 200}) {
		t.Errorf("quick scan of N: sizes %+v", z)
	}
}

func TestChunks(t *testing.T) {
	p := mustParse(t, "experiment = \"scan\"\nseeds = 5\n[base]\nquick = true").Plan()
	if p.Chunks(2) != 3 {
		t.Errorf("5 tasks in chunks of 2: %d chunks", p.Chunks(2))
	}
	last, err := p.Chunk(2, 2)
	if err != nil || len(last) != 1 || last[0].Index != 4 {
		t.Errorf("last chunk %v, %v", last, err)
	}
	if _, err := p.Chunk(3, 2); err == nil || !strings.Contains(err.Error(), "0 … 2") {
		t.Errorf("chunk 3 of 3: %v", err)
	}
}

// fakePlan is a scan over the given values with two seeds.
func fakePlan(t *testing.T, values string) Plan {
	t.Helper()
	return mustParse(t, "experiment = \"scan\"\nseeds = 2\n[base]\nparam = \"delays\"\nquick = true\n[grid]\nvalues = ["+values+"]").Plan()
}

func TestRunResumesAndRerunsFailures(t *testing.T) {
	out := t.TempDir()
	p := fakePlan(t, `"3", "fail", "5"`)
	o, count := fakeOptions(t, out)
	rep, err := Run(context.Background(), p, p.Tasks, o)
	if err == nil || !strings.Contains(err.Error(), "2 of 6 tasks failed") {
		t.Fatalf("error %v, want 2 failures", err)
	}
	if len(rep.Ran) != 4 || !slices.Equal(sorted(rep.Failed), []int{2, 3}) {
		t.Errorf("report %+v", rep)
	}
	st, _, f, err := Status(out, p.Tasks[2].ID)
	if err != nil || st != Failing || f.Exit != 3 || !strings.Contains(f.Stderr, "fails as asked") {
		t.Fatalf("failed task: %v %+v %v", st, f, err)
	}
	st, d, _, err := Status(out, p.Tasks[0].ID)
	if err != nil || st != Finished || d.Rows != 1 || d.CSV != "scan-delays.csv" || len(d.SHA256) != 64 {
		t.Fatalf("done task: %v %+v %v", st, d, err)
	}
	if n := len(invocations(t, count)); n != 6 {
		t.Errorf("%d invocations, want 6", n)
	}

	// The rerun runs only the failed tasks; fixed, they succeed.
	o.Env = append(o.Env, "HDSNN_FAKE_FIX=1")
	rep, err = Run(context.Background(), p, p.Tasks, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sorted(rep.Ran), []int{2, 3}) || len(rep.Skipped) != 4 {
		t.Errorf("rerun report %+v", rep)
	}
	if n := len(invocations(t, count)); n != 8 {
		t.Errorf("%d invocations after the rerun, want 8", n)
	}
	if st, _, _, _ := Status(out, p.Tasks[2].ID); st != Finished {
		t.Errorf("fixed task is %v", st)
	}
	if _, err := os.Stat(filepath.Join(TaskDir(out, p.Tasks[2].ID), FailedFile)); !os.IsNotExist(err) {
		t.Errorf("failed.json of a task now done: %v", err)
	}
	// A third run runs nothing.
	rep, err = Run(context.Background(), p, p.Tasks, o)
	if err != nil || len(rep.Skipped) != 6 || len(invocations(t, count)) != 8 {
		t.Errorf("third run: %+v, %v, %d invocations", rep, err, len(invocations(t, count)))
	}
}

func sorted(xs []int) []int {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

func TestInterruptKeepsFinishedTasks(t *testing.T) {
	out := t.TempDir()
	p := fakePlan(t, `"3", "slow"`)
	o, count := fakeOptions(t, out)
	o.Jobs = 4
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		rep Report
		err error
	}
	done := make(chan result)
	go func() {
		rep, err := Run(ctx, p, p.Tasks, o)
		done <- result{rep, err}
	}()
	// Wait for the fast tasks to finish and the slow ones to start.
	deadline := time.Now().Add(30 * time.Second)
	for {
		s0, _, _, _ := Status(out, p.Tasks[0].ID)
		s1, _, _, _ := Status(out, p.Tasks[1].ID)
		if s0 == Finished && s1 == Finished && len(invocations(t, count)) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fast tasks did not finish in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	r := <-done
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("stopping took %v, want a prompt stop", took)
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("error %v, want the cancellation", r.err)
	}
	for _, task := range p.Tasks[2:] {
		st, _, _, err := Status(out, task.ID)
		if err != nil || st != Missing {
			t.Errorf("interrupted task %d is %v (%v), want missing: neither done nor failed", task.Index, st, err)
		}
	}
	// The rerun runs only the two interrupted tasks (made fast).
	rep, err := Run(context.Background(), p, p.Tasks, withEnv(o, "HDSNN_FAKE_SLOW=0s"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sorted(rep.Ran), []int{2, 3}) || len(rep.Skipped) != 2 || len(invocations(t, count)) != 6 {
		t.Errorf("rerun: %+v, %d invocations in all, want 6", rep, len(invocations(t, count)))
	}
}

// withEnv returns o with more environment.
func withEnv(o RunOptions, env ...string) RunOptions {
	o.Env = append(slices.Clone(o.Env), env...)
	return o
}

func TestCollectMergesInTaskOrderAndRedraws(t *testing.T) {
	out := t.TempDir()
	p := fakePlan(t, `"5", "3", "fail"`)
	o, count := fakeOptions(t, out)
	if _, err := Run(context.Background(), p, p.Tasks, o); err == nil {
		t.Fatal("the fail tasks did not fail")
	}
	// Task 0 never ran: as if its array element were killed.
	if err := os.RemoveAll(TaskDir(out, p.Tasks[0].ID)); err != nil {
		t.Fatal(err)
	}
	c, err := Collect(p, out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Complete() || len(c.Missing) != 1 || c.Missing[0].Index != 0 || len(c.Failed) != 2 || RerunIndices(append(c.Missing, c.Failed...)) != "0,4,5" {
		t.Fatalf("collection: missing %v failed %v", c.Missing, c.Failed)
	}
	if len(c.Groups) != 1 || c.Groups[0].Rows != 3 {
		t.Fatalf("groups %+v", c.Groups)
	}
	if _, err := Redraw(context.Background(), o, c.Groups[0], c); err == nil || !strings.Contains(err.Error(), "not done") {
		t.Errorf("redraw of an incomplete sweep: %v", err)
	}
	o.Env = append(o.Env, "HDSNN_FAKE_FIX=1")
	if _, err := Run(context.Background(), p, p.Tasks, o); err != nil {
		t.Fatal(err)
	}
	c, err = Collect(p, out)
	if err != nil || !c.Complete() {
		t.Fatalf("%v: missing %v failed %v", err, c.Missing, c.Failed)
	}
	g := c.Groups[0]
	merged, err := os.ReadFile(filepath.Join(out, "results", "scan-delays.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "param,value,seed,f1,seconds\n" +
		"delays,5,1,1.5,0.01\ndelays,5,2,2.5,0.01\ndelays,3,1,1.5,0.01\ndelays,3,2,2.5,0.01\ndelays,fail,1,1.5,0.01\ndelays,fail,2,2.5,0.01\n"
	if string(merged) != want {
		t.Errorf("merged CSV:\n%s\nwant\n%s", merged, want)
	}
	wantCmd := "experiment scan --param=delays --quick --values=5,3,fail --seed 1 --seeds 2"
	if got := strings.Join(g.Redraw, " "); got != wantCmd {
		t.Errorf("redraw command %q, want %q", got, wantCmd)
	}
	before := len(invocations(t, count))
	r, err := Redraw(context.Background(), o, g, c)
	if err != nil || !strings.Contains(r.Output, "figures drawn") {
		t.Fatalf("redraw: %v\n%s", err, r.Output)
	}
	if n := len(invocations(t, count)); n != before+1 {
		t.Errorf("%d invocations for one redraw", n-before)
	}
	again, _ := os.ReadFile(filepath.Join(out, "results", "scan-delays.csv"))
	if string(again) != want {
		t.Errorf("the redraw changed the merged CSV:\n%s", again)
	}

	// A corrupted task CSV is caught by its checksum.
	d := filepath.Join(TaskDir(out, p.Tasks[1].ID), "scan-delays.csv")
	if err := os.WriteFile(d, []byte("param,value,seed,f1,seconds\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(p, out); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("collect of a changed CSV: %v", err)
	}
	// A redraw that would run more than the tasks did is refused.
	g.Redraw = slices.Clone(g.Redraw)
	g.Redraw[len(g.Redraw)-1] = "3"
	if _, err := Redraw(context.Background(), o, g, c); err == nil || !strings.Contains(err.Error(), "ran 3 runs") {
		t.Errorf("redraw with a third seed: %v", err)
	}
}

func TestGroupsSplitOnNonListFlags(t *testing.T) {
	p := mustParse(t, "experiment = \"scan\"\nseeds = 3\n[base]\nparam = \"delays\"\n[grid]\nvalues = [21, 41]\nneurons = [256, 512]").Plan()
	gs := p.groups("OUT")
	if len(gs) != 2 || gs[1].Key != "neurons=512" || gs[1].Dir != filepath.Join("OUT", "results", "neurons=512") || len(gs[1].Tasks) != 6 {
		t.Fatalf("groups %+v", gs)
	}
	if got := strings.Join(gs[1].Redraw, " "); got != "experiment scan --neurons=512 --param=delays --values=21,41 --seed 1 --seeds 3" {
		t.Errorf("redraw %q", got)
	}
	q := mustParse(t, "experiment = \"scan\"\nseeds = [1, 5]\n[base]\nquick = true").Plan()
	if gs := q.groups("OUT"); gs[0].Redraw != nil {
		t.Errorf("seeds 1 and 5 give the redraw %v; no single command covers them", gs[0].Redraw)
	}
}

func TestSlurmScript(t *testing.T) {
	p := mustParse(t, "experiment = \"scan\"\nseeds = 10\n[base]\nparam = \"delays\"\n[grid]\nvalues = [21, 41]").Plan()
	o := SlurmOptions{Exe: "/opt/hdsnn", File: "/home/u/sweep.toml", Out: "/scratch/u/out", Chunk: 3, Throttle: 50,
		Time: "2:00:00", MemMB: 1200, CPUs: 2, Partition: "cpu", Account: "abc", Name: "hdsnn-scan"}
	s, err := Slurm(p, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --array=0-6%50\n", // 20 tasks in chunks of 3
		"#SBATCH --time=2:00:00\n",
		"#SBATCH --mem=1200M\n",
		"#SBATCH --cpus-per-task=2\n",
		"#SBATCH --partition=cpu\n",
		"#SBATCH --account=abc\n",
		"#SBATCH --requeue\n",
		"#SBATCH --output=/scratch/u/out/logs/%A_%a.out\n",
		"#SBATCH --job-name=hdsnn-scan\n",
		`exec /opt/hdsnn sweep run /home/u/sweep.toml --out /scratch/u/out --task-index "$SLURM_ARRAY_TASK_ID" --chunk 3 --jobs "${SLURM_CPUS_PER_TASK:-2}"` + "\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	o.Partition, o.Account, o.Throttle = "", "", 0
	s, err = Slurm(p, o)
	if err != nil || strings.Contains(s, "--partition") || strings.Contains(s, "--account") || !strings.Contains(s, "--array=0-6\n") {
		t.Errorf("without partition, account and throttle (%v):\n%s", err, s)
	}
	for _, bad := range []struct {
		mod  func(*SlurmOptions)
		want string
	}{
		{func(o *SlurmOptions) { o.Chunk = 0 }, "--chunk"},
		{func(o *SlurmOptions) { o.Time = "two hours" }, "--time"},
		{func(o *SlurmOptions) { o.MemMB = 0 }, "--mem"},
		{func(o *SlurmOptions) { o.CPUs = 0 }, "--cpus"},
		{func(o *SlurmOptions) { o.Throttle = -1 }, "--throttle"},
		{func(o *SlurmOptions) { o.Account = "a b" }, "--account"},
		{func(o *SlurmOptions) { o.Out = "/my out" }, "--out"},
	} {
		oo := o
		bad.mod(&oo)
		if _, err := Slurm(p, oo); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error %v, want one naming %s", err, bad.want)
		}
	}
}

func TestLockedTaskIsLeftToItsRunner(t *testing.T) {
	out := t.TempDir()
	p := fakePlan(t, `"3"`)
	o, count := fakeOptions(t, out)
	dir := TaskDir(out, p.Tasks[1].ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), p, p.Tasks, o)
	if err != nil || !slices.Equal(rep.Ran, []int{0}) || !slices.Equal(rep.Busy, []int{1}) || len(invocations(t, count)) != 1 {
		t.Errorf("report %+v, %v: want task 0 run and task 1 left to the process holding its lock", rep, err)
	}
}

func TestQuote(t *testing.T) {
	got := Quote([]string{"hdsnn", "--values=3,5", "a b", "it's"})
	if want := `hdsnn --values=3,5 'a b' 'it'\''s'`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
