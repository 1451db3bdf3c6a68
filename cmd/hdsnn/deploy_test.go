package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/prune"
)

func TestDeploy(t *testing.T) {
	dir := t.TempDir()
	data, ini := filepath.Join(dir, "data"), filepath.Join(dir, "init")
	pats := filepath.Join(data, "patterns.npy")
	mustRun(t, "generate", "--neurons", "32", "--patterns", "2", "--steps", "60", "--delays", "5", "--p-a", "0.05", "--seed", "3", "--out", data)
	mustRun(t, "init", "--patterns-file", pats, "--delays", "5", "--p-a", "0.05", "--out", ini)
	w := filepath.Join(ini, "weights.npy")
	tests := []struct {
		name string
		args []string
		want prune.Budget
		bits int
	}{
		{"loihi2", []string{"--profile", "loihi2"}, prune.Budget{DelaysPerConnection: 1, MaxDelay: 62}, 8},
		{"spinnaker2, max delay overridden", []string{"--profile", "spinnaker2", "--max-delay", "3"}, prune.Budget{MaxDelay: 3}, 16},
		{"custom", []string{"--profile", "custom", "--bits", "4", "--delays-per-connection", "2", "--max-delay", "4", "--fan-in", "8", "--keep", "0.5"},
			prune.Budget{DelaysPerConnection: 2, MaxDelay: 4, FanIn: 8, Keep: 0.5}, 4},
		{"custom float, no refinement", []string{"--profile", "custom", "--fan-in", "4", "--refine-epochs", "0"}, prune.Budget{FanIn: 4}, 0},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "deploy", string(rune('a'+k)))
			args := append([]string{"deploy", "--weights", w, "--patterns-file", pats, "--refine-epochs", "3", "--out", out}, tt.args...)
			r := mustRun(t, args...)
			refined := !slices.Contains(tt.args, "--refine-epochs")
			if !strings.Contains(r.stdout, "budget") || strings.Contains(r.stdout, "refined") != refined {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			requireFiles(t, out, "weights.npz", "deploy.json", "connections.csv", "neurons.json", "input.npy", "patterns.npy")
			var rep struct {
				Profile prune.Profile `json:"profile"`
				Budget  []budgetRow   `json:"budget_check"`
				Stages  []deployStage `json:"stages"`
			}
			b, err := os.ReadFile(filepath.Join(out, "deploy.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Profile.Budget != tt.want || rep.Profile.Bits != tt.bits {
				t.Errorf("profile %+v, want budget %+v and %d bits", rep.Profile, tt.want, tt.bits)
			}
			for _, row := range rep.Budget {
				if !row.OK {
					t.Errorf("budget check fails: %+v", row)
				}
			}
			s, _, err := network.ReadSparse(filepath.Join(out, "weights.npz"))
			if err != nil {
				t.Fatal(err)
			}
			if msgs := prune.Measure(s).Meets(tt.want, rep.Stages[0].Synapses); len(msgs) > 0 {
				t.Errorf("deployed weights exceed the budget: %v", msgs)
			}
			// The deployed weights are recalled by hdsnn recall.
			mustRun(t, "recall", "--weights", filepath.Join(out, "weights.npz"), "--patterns-file", pats, "--out", filepath.Join(out, "recall"))
			if tt.bits > 0 { // quantised weights file: the integer path runs it as deployed
				mustRun(t, "recall", "--integer", "--weights", filepath.Join(out, "weights.npz"), "--patterns-file", pats, "--out", filepath.Join(out, "recall-int"))
			}
		})
	}
}

func TestDeployRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	data, ini := filepath.Join(dir, "data"), filepath.Join(dir, "init")
	pats := filepath.Join(data, "patterns.npy")
	mustRun(t, "generate", "--neurons", "16", "--patterns", "1", "--steps", "30", "--delays", "3", "--p-a", "0.05", "--out", data)
	mustRun(t, "init", "--patterns-file", pats, "--delays", "3", "--out", ini)
	w := filepath.Join(ini, "weights.npy")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "loihi3"}, "loihi2, spinnaker2 or custom"},
		{[]string{"--profile", "custom", "--bits", "3"}, "--bits"},
		{[]string{"--profile", "custom", "--keep", "2"}, "--keep"},
		{[]string{"--profile", "loihi2", "--rounding", "up"}, "--rounding"},
		{[]string{"--profile", "loihi2", "--refine-epochs", "-1"}, "--refine-epochs"},
		{[]string{"--profile", "loihi2", "--refine", "hebbian"}, "--refine"},
		{[]string{"--profile", "loihi2", "--refine", "margin", "--margin", "-1"}, "margin"},
	}
	for _, tt := range tests {
		args := append([]string{"deploy", "--weights", w, "--patterns-file", pats, "--out", filepath.Join(dir, "out")}, tt.args...)
		r := runHdsnn(t, args...)
		if r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %q", tt.args, r.err, tt.want)
		}
	}
}

// TestDeployRefineMargin checks refinement by margin storage on the kept
// synapses: it keeps the pruned support, meets the budget and brings back
// the replay that pruning broke.
func TestDeployRefineMargin(t *testing.T) {
	dir := t.TempDir()
	data, ini, out := filepath.Join(dir, "data"), filepath.Join(dir, "init"), filepath.Join(dir, "deploy")
	pats := filepath.Join(data, "patterns.npy")
	// Margin storage needs about 50 active (neuron, delay) pairs per window
	// (N·D·p_A) to carry a replay through background noise; smaller
	// networks fail with every rule (README, capacity over N and D).
	mustRun(t, "generate", "--neurons", "256", "--patterns", "2", "--steps", "200", "--delays", "21", "--p-a", "0.01", "--seed", "5", "--out", data)
	mustRun(t, "init", "--patterns-file", pats, "--delays", "21", "--p-a", "0.01", "--out", ini)
	mustRun(t, "deploy", "--profile", "loihi2", "--refine", "margin", "--weights", filepath.Join(ini, "weights.npy"), "--patterns-file", pats, "--out", out)
	var rep struct {
		Method string        `json:"refine_method"`
		Stages []deployStage `json:"stages"`
		Budget []budgetRow   `json:"budget_check"`
	}
	b, err := os.ReadFile(filepath.Join(out, "deploy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Method != "margin" {
		t.Errorf("refine_method %q, want margin", rep.Method)
	}
	f1 := map[string]float64{}
	syn := map[string]int64{}
	for _, st := range rep.Stages {
		f1[st.Stage], syn[st.Stage] = st.Result.F1, st.Synapses
	}
	if f1["refined (margin storage)"] < 0.99 || f1["refined, quantised"] < 0.99 {
		t.Errorf("after margin refinement F1 %v (8-bit %v), want ≥ 0.99; stages %+v", f1["refined (margin storage)"], f1["refined, quantised"], rep.Stages)
	}
	if syn["refined (margin storage)"] != syn["pruned"] {
		t.Errorf("margin refinement has %d synapses, the pruned weights %d: it must keep their support", syn["refined (margin storage)"], syn["pruned"])
	}
	for _, row := range rep.Budget {
		if !row.OK {
			t.Errorf("budget check fails: %+v", row)
		}
	}
}
