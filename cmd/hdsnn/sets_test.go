package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/network"
)

// TestLockOut checks that a second command into an --out another one is
// writing into fails at once, naming the problem.
func TestLockOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "g")
	p := startHdsnn(t, "generate", "--neurons", "200000", "--patterns", "8", "--steps", "2000", "--out", out)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(out, lockName)); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	p.stillRunning(t)
	start := time.Now()
	r := runHdsnn(t, "generate", "--neurons", "16", "--steps", "40", "--force", "--out", out)
	if r.err == nil || !strings.Contains(r.err.Error(), "in use: another hdsnn command is writing into it") {
		t.Errorf("second run into a locked --out: %v", r.err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the second run took %v to fail", d)
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	p.wait(t, 3*time.Second)
	// The lock ends with the process: a run now succeeds.
	mustRun(t, "generate", "--neurons", "16", "--steps", "40", "--force", "--out", out)
}

// TestMixedPairRefused reproduces the mixed output set of issue 9: a
// weights.npy of one run beside the weights.json of another must be
// refused by recall and train, through the manifest and, without one,
// through the sidecar's checksum.
func TestMixedPairRefused(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustRun(t, append([]string{"run", "--out", a, "--seed", "1"}, tiny()...)...)
	mustRun(t, append([]string{"run", "--out", b, "--seed", "2"}, tiny()...)...)
	wb, err := os.ReadFile(filepath.Join(b, "weights.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a, "weights.npy"), wb, 0o644); err != nil {
		t.Fatal(err)
	}
	pats := filepath.Join(a, "patterns.npy")
	weights := filepath.Join(a, "weights.npy")
	for _, cmd := range [][]string{
		{"recall", "--weights", weights, "--patterns-file", pats, "--out", filepath.Join(dir, "r")},
		{"train", "--weights", weights, "--patterns-file", pats, "--out", filepath.Join(dir, "t")},
	} {
		r := runHdsnn(t, cmd...)
		if r.err == nil || !strings.Contains(r.err.Error(), "has changed since \"run\" wrote it") {
			t.Errorf("%s with a weights file from another run: %v, want the manifest's refusal", cmd[0], r.err)
		}
	}
	// A weights file the manifest does not list: left by a run that did
	// not finish.
	unlisted := filepath.Join(b, "other.npy")
	if err := os.WriteFile(unlisted, wb, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runHdsnn(t, "recall", "--weights", unlisted, "--patterns-file", pats, "--out", filepath.Join(dir, "r")); r.err == nil || !strings.Contains(r.err.Error(), "is not part of a complete output set") {
		t.Errorf("recall of weights the manifest does not list: %v", r.err)
	}
	if err := os.Remove(filepath.Join(a, manifestName)); err != nil {
		t.Fatal(err)
	}
	r := runHdsnn(t, "recall", "--weights", weights, "--patterns-file", pats, "--out", filepath.Join(dir, "r"))
	if r.err == nil || !strings.Contains(r.err.Error(), "come from different runs") {
		t.Errorf("recall of a mixed pair without a manifest: %v, want the sidecar's refusal", r.err)
	}
}

// TestForceRemovesTheEarlierSet checks that --force leaves no file of the
// earlier run: a training figure of a run with epochs is gone after a
// run without, and the manifest lists only the new files.
func TestForceRemovesTheEarlierSet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, append([]string{"run", "--out", out, "--keep-best=false"}, tiny()...)...)
	requireFiles(t, out, "training.png", "training.svg", manifestName)
	mustRun(t, append([]string{"run", "--out", out, "--force"}, tiny("--epochs", "0")...)...)
	for _, f := range []string{"training.png", "training.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s of the earlier run survived --force", f)
		}
	}
	m, err := readManifest(out)
	if err != nil || m == nil {
		t.Fatalf("manifest: %v", err)
	}
	var names []string
	for n := range m.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"patterns.npy", "recall.png", "recall.svg", "report.json", "weights.json", "weights.npy"}; !slices.Equal(names, want) {
		t.Errorf("manifest lists %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(out, checkpointDir)); err == nil {
		t.Error("the checkpoint of a finished run was kept without --keep-checkpoints")
	}
}

// TestEpochsZeroTrainedIsInit checks that with --epochs 0 the "trained"
// row scores the initial weights on the same background as the init row.
func TestEpochsZeroTrainedIsInit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, append([]string{"run", "--out", out}, tiny("--epochs", "0")...)...)
	rep := readReport(t, out)
	if rep.Trained == nil || rep.Trained.Score != rep.Init.Score {
		t.Errorf("trained %+v, init %+v: want the same scores", rep.Trained, rep.Init.Score)
	}
}

// TestCheckpointsChecked overwrites 8 bytes of a checkpoint's weights and
// checks that resuming refuses it; it also checks that orphans of a
// killed run (an epoch directory, hidden temporary files) are removed by
// the next run.
func TestCheckpointsChecked(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "t")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--out", data)
	pats := filepath.Join(data, "patterns.npy")
	mustRun(t, "init", "--patterns-file", pats, "--delays", "5", "--out", filepath.Join(dir, "i"))
	mustRun(t, "train", "--weights", filepath.Join(dir, "i", "weights.npy"), "--patterns-file", pats,
		"--epochs", "2", "--keep-best=false", "--keep-checkpoints", "--out", out)
	ck := filepath.Join(out, checkpointDir)
	tensor := filepath.Join(ck, "epoch-0002", "weights.npy")
	f, err := os.OpenFile(tensor, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("\x01\x02\x03\x04\x05\x06\x07\x08"), 300); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := runHdsnn(t, "train", "--patterns-file", pats, "--epochs", "3", "--resume", "--force", "--out", out)
	if r.err == nil || !strings.Contains(r.err.Error(), "SHA-256") || !strings.Contains(r.err.Error(), "damaged") {
		t.Errorf("resume from a checkpoint with 8 overwritten bytes: %v", r.err)
	}

	// Orphans of a killed run.
	orphans := []string{filepath.Join(ck, "epoch-0009"), filepath.Join(ck, ".opt_m.npy.tmp-123"), filepath.Join(out, ".weights.npy.tmp-456")}
	if err := os.MkdirAll(orphans[0], 0o755); err != nil {
		t.Fatal(err)
	}
	for _, o := range orphans[1:] {
		writeFile(t, o)
	}
	mustRun(t, "train", "--weights", filepath.Join(dir, "i", "weights.npy"), "--patterns-file", pats, "--epochs", "1", "--force", "--out", out)
	for _, o := range orphans {
		if _, err := os.Stat(o); err == nil {
			t.Errorf("orphan %s survived the next run", o)
		}
	}
}

// TestCheckpointEvery checks that --checkpoint-every K saves every K-th
// epoch and the last.
func TestCheckpointEvery(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--p-a", "0.05", "--out", data)
	pats := filepath.Join(data, "patterns.npy")
	mustRun(t, "init", "--patterns-file", pats, "--delays", "5", "--out", filepath.Join(dir, "i"))
	out := filepath.Join(dir, "t")
	r := mustRun(t, "train", "--weights", filepath.Join(dir, "i", "weights.npy"), "--patterns-file", pats,
		"--epochs", "3", "--keep-best=false", "--keep-checkpoints", "--checkpoint-every", "2", "--out", out)
	b, err := os.ReadFile(filepath.Join(out, checkpointDir, learn.CheckpointFile))
	if err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	var c struct {
		History []json.RawMessage `json:"history"`
		Dir     string            `json:"dir"`
	}
	if err := json.Unmarshal(b, &c); err != nil || len(c.History) != 3 || c.Dir != "epoch-0003" {
		t.Errorf("checkpoint after 3 epochs every 2: %d epochs in %s (%v)", len(c.History), c.Dir, err)
	}
}

// TestKilledRunNeverMixes kills "run --force" with SIGKILL after random
// short delays, alternating two seeds into one --out, and checks after
// each kill that recall never accepts a weights.npy and weights.json of
// two different runs.
func TestKilledRunNeverMixes(t *testing.T) {
	bin := hdsnnBinary(t)
	dir := t.TempDir()
	size := []string{"--neurons", "128", "--patterns", "4", "--steps", "300", "--delays", "11", "--epochs", "3", "--keep-best=false", "--p-a", "0.005"}
	ref := map[uint64]string{}
	for _, seed := range []uint64{1, 2} {
		o := filepath.Join(dir, "ref", string(rune('0'+seed)))
		args := append([]string{"run", "--seed", string(rune('0' + seed)), "--out", o}, size...)
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("reference run: %v\n%s", err, out)
		}
		sum, err := network.FileSHA256(filepath.Join(o, "weights.npy"))
		if err != nil {
			t.Fatal(err)
		}
		ref[seed] = sum
	}
	out := filepath.Join(dir, "out")
	rng := rand.New(rand.NewPCG(9, 9))
	accepted, refused := 0, 0
	for k := range 8 {
		seed := uint64(1 + k%2)
		args := append([]string{"run", "--force", "--seed", string(rune('0' + seed)), "--out", out}, size...)
		p := startHdsnn(t, args...)
		time.Sleep(time.Duration(200+rng.IntN(1400)) * time.Millisecond)
		_ = p.cmd.Process.Kill()
		<-p.done
		weights := filepath.Join(out, "weights.npy")
		r := runHdsnn(t, "recall", "--weights", weights, "--patterns-file", filepath.Join(out, "patterns.npy"), "--force", "--out", filepath.Join(dir, "recall"))
		if r.err != nil {
			refused++
			continue
		}
		accepted++
		_, meta, err := network.ReadWeights(weights)
		if err != nil || meta == nil {
			t.Fatalf("recall accepted weights that do not read back: %v", err)
		}
		sum, _ := network.FileSHA256(weights)
		if sum != ref[meta.Seed] {
			t.Errorf("kill %d: recall accepted weights.npy (SHA-256 %.12s) beside a weights.json of seed %d (whose weights are %.12s)", k, sum, meta.Seed, ref[meta.Seed])
		}
	}
	t.Logf("after 8 kills: recall accepted %d sets, refused %d", accepted, refused)
}
