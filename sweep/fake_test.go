package sweep

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a fake "hdsnn experiment scan" when
// HDSNN_SWEEP_FAKE is set, so that the pool runs real subprocesses
// without the cost of real experiments.
func TestMain(m *testing.M) {
	if os.Getenv("HDSNN_SWEEP_FAKE") != "" {
		os.Exit(fakeExperiment(os.Args[1:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "experiment" {
		// A task started without the fake's environment: never run the
		// tests again from a subprocess.
		fmt.Fprintln(os.Stderr, "sweep.test: started as an experiment without HDSNN_SWEEP_FAKE")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// fakeExperiment mimics the command line contract of an experiment:
// "experiment scan --param=P --values=a,b --seed s --seeds k --out DIR"
// keeps DIR/scan-P.csv with one row per (value, seed), skipping the rows
// already there, and writes DIR/scan-P.settings.json. A value "fail"
// exits 3 unless HDSNN_FAKE_FIX is set; a value "slow" sleeps a minute
// (HDSNN_FAKE_SLOW, a duration) or until interrupted, exiting 1. Every invocation appends its
// arguments to the file HDSNN_FAKE_COUNT.
func fakeExperiment(args []string) int {
	if f := os.Getenv("HDSNN_FAKE_COUNT"); f != "" {
		w, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			fmt.Fprintln(w, strings.Join(args, " "))
			w.Close()
		}
	}
	flags := map[string]string{}
	for i := 2; i < len(args); i++ {
		a := strings.TrimPrefix(args[i], "--")
		if k, v, ok := strings.Cut(a, "="); ok {
			flags[k] = v
		} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			flags[a] = args[i+1]
			i++
		} else {
			flags[a] = "true"
		}
	}
	out := flags["out"]
	param := flags["param"]
	first, _ := strconv.Atoi(flags["seed"])
	n, _ := strconv.Atoi(flags["seeds"])
	name := filepath.Join(out, "scan-"+param)
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.WriteFile(name+".settings.json", []byte(`{"quick":"`+flags["quick"]+`"}`+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	have, _ := os.ReadFile(name + ".csv")
	if len(have) == 0 {
		have = []byte("param,value,seed,f1,seconds\n")
	}
	for _, v := range strings.Split(flags["values"], ",") {
		for s := first; s < first+n; s++ {
			key := fmt.Sprintf("%s,%s,%d,", param, v, s)
			if strings.Contains(string(have), "\n"+key) {
				continue
			}
			switch v {
			case "fail":
				if os.Getenv("HDSNN_FAKE_FIX") == "" {
					fmt.Fprintln(os.Stderr, "fake: value fail fails as asked")
					return 3
				}
			case "slow":
				wait := time.Minute
				if d, err := time.ParseDuration(os.Getenv("HDSNN_FAKE_SLOW")); err == nil {
					wait = d
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				select {
				case <-ctx.Done():
					stop()
					fmt.Fprintln(os.Stderr, "fake: interrupted")
					return 1
				case <-time.After(wait):
				}
				stop()
			}
			have = append(have, fmt.Sprintf("%s%d.5,0.01\n", key, s)...)
		}
	}
	if err := os.WriteFile(name+".csv", have, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("fake: figures drawn")
	return 0
}

// fakeOptions returns run options that run the fake experiment, counting
// invocations in a file it returns.
func fakeOptions(t *testing.T, out string, env ...string) (RunOptions, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(t.TempDir(), "count")
	return RunOptions{Exe: exe, Out: out, Jobs: 2, Grace: 5 * time.Second,
		Env: append([]string{"HDSNN_SWEEP_FAKE=1", "HDSNN_FAKE_COUNT=" + count}, env...)}, count
}

// invocations returns the argument lines the fake recorded.
func invocations(t *testing.T, count string) []string {
	t.Helper()
	b, err := os.ReadFile(count)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}
