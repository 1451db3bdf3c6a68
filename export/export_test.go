package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/hdsnn/hdsnn/export"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/npy"
	"github.com/hdsnn/hdsnn/prune"
	"github.com/hdsnn/hdsnn/raster"
)

// python is the interpreter with Debian's python3-brian.
const python = "/usr/bin/python3"

// small returns patterns and Hebbian weights of a small network: N = 128,
// M = 2, T = 200, D = 11, at p_A = 0.005, where the replay has both right
// and false spikes (F1 0.73; at N = 64 it saturates).
func small(t *testing.T, reset network.Reset) (*raster.Set, network.Params, *network.Sparse) {
	t.Helper()
	p := network.Defaults()
	p.D, p.Trigger, p.PA, p.Reset = 11, 11, 0.005, reset
	set, err := raster.Generate(raster.Config{M: 2, N: 128, T: 200, P: p.PA}, 3)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := initw.Init(set, p, initw.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return set, p, w.Sparse()
}

func TestWriteFiles(t *testing.T) {
	set, p, s := small(t, network.Subtract)
	s = prune.TopDelays(s, 2)
	dir := t.TempDir()
	nj, err := export.Write(dir, export.Network{Weights: s, Params: p, Patterns: set, Inputs: network.Inputs(p, set, 1, 0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if nj.Slots != 2 || nj.Synapses != s.Entries() || nj.Trial.L != p.Len(set.T) {
		t.Errorf("neurons.json: slots %d, synapses %d, L %d", nj.Slots, nj.Synapses, nj.Trial.L)
	}
	// The CSV and the arrays hold the same synapses, and they rebuild s.
	f, err := os.Open(filepath.Join(dir, "connections.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)) != s.Entries()+1 || !slices.Equal(rows[0], []string{"pre", "post", "delay", "slot", "weight", "scale"}) {
		t.Fatalf("connections.csv: %d rows, header %v", len(rows), rows[0])
	}
	wa, err := npy.ReadFloat64(filepath.Join(dir, "weight.npy"))
	if err != nil {
		t.Fatal(err)
	}
	da, err := npy.ReadFloat64(filepath.Join(dir, "delay.npy"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[3]int]bool{}
	slot := map[[3]int]bool{}
	for k, r := range rows[1:] {
		var v [4]int
		for c := range v {
			if v[c], err = strconv.Atoi(r[c]); err != nil {
				t.Fatal(err)
			}
		}
		pre, post, d, sl := v[0], v[1], v[2], v[3]
		w, _ := strconv.ParseFloat(r[4], 64)
		if got := s.At(post, pre, d); got != w || wa.Data[k] != w || int(da.Data[k]) != d {
			t.Fatalf("row %d: weight %v, npy %v, tensor %v", k, w, wa.Data[k], got)
		}
		if seen[[3]int{pre, post, d}] {
			t.Fatalf("row %d: synapse listed twice", k)
		}
		seen[[3]int{pre, post, d}] = true
		// One delay per (post, pre) in each slot: a Lava DelaySparse each.
		if slot[[3]int{pre, post, sl}] {
			t.Fatalf("row %d: two delays of (post %d, pre %d) in slot %d", k, post, pre, sl)
		}
		slot[[3]int{pre, post, sl}] = true
	}
	b, err := os.ReadFile(filepath.Join(dir, "neurons.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back export.Neurons
	if err := json.Unmarshal(b, &back); err != nil || back.Beta != p.Beta || back.Theta != p.Theta || back.Format != export.Format {
		t.Errorf("neurons.json does not read back: %v %+v", err, back)
	}
}

func TestWriteQuantised(t *testing.T) {
	_, p, s := small(t, network.Subtract)
	ints := make([]int32, s.Entries())
	for k := range ints {
		ints[k] = int32(k%255) - 127
	}
	scale := make([]float64, s.N)
	dir := t.TempDir()
	if _, err := export.Write(dir, export.Network{Weights: s, Int: ints, Scale: scale, Bits: 8, Params: p}); err != nil {
		t.Fatal(err)
	}
	if _, dt, err := npy.Header(filepath.Join(dir, "weight.npy")); err != nil || dt != "<i4" {
		t.Errorf("weight.npy dtype %q (%v), want <i4", dt, err)
	}
	if _, err := export.Write(dir, export.Network{Weights: s, Int: ints[1:], Scale: scale, Params: p}); err == nil {
		t.Error("a short integer weight list was accepted")
	}
}

func TestDyadic(t *testing.T) {
	s := &network.Sparse{N: 1, D: 1, Start: []int64{0, 1}, Post: []int32{0}, W: []float64{0.1}}
	tests := []struct {
		bits int
		want float64
	}{{0, 0}, {1, 0}, {4, 2.0 / 16}, {10, 102.0 / 1024}}
	for _, tt := range tests {
		got, err := export.Dyadic(s, tt.bits)
		if err != nil || got.W[0] != tt.want {
			t.Errorf("bits %d: %v (%v), want %v", tt.bits, got.W[0], err, tt.want)
		}
	}
	if _, err := export.Dyadic(s, 53); err == nil {
		t.Error("53 fraction bits accepted")
	}
}

// TestBrian2Replay rebuilds exported networks in Brian2
// (scripts/brian2_replay.py) and checks that their spikes equal those of
// the trials "hdsnn recall" runs (network.Inputs, network.SimulateAll),
// spike for spike. The weights are on a dyadic grid (export.Dyadic), so
// Brian2's summation order gives the same currents.
func TestBrian2Replay(t *testing.T) {
	required := os.Getenv("HDSNN_REQUIRE_BRIAN2") != "" // set by .ci/run where Brian2 is installed
	if testing.Short() && !required {
		t.Skip("Brian2 replay: skipped in -short mode")
	}
	if err := exec.Command(python, "-c", "import brian2").Run(); err != nil {
		if required {
			t.Fatalf("HDSNN_REQUIRE_BRIAN2 is set but %s cannot import brian2: %v", python, err)
		}
		t.Skipf("Brian2 replay: %s cannot import brian2 (%v); install Debian's python3-brian to run this test", python, err)
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "brian2_replay.py"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		reset  network.Reset
		budget prune.Budget
	}{
		{"subtract, all delays", network.Subtract, prune.Budget{}},
		{"zero reset", network.Zero, prune.Budget{}},
		{"one delay per connection", network.Subtract, prune.Budget{DelaysPerConnection: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, p, s := small(t, tt.reset)
			s, err := prune.Apply(s, tt.budget)
			if err != nil {
				t.Fatal(err)
			}
			if os.Getenv("HDSNN_BRIAN2_RAW") == "" {
				if s, err = export.Dyadic(s, 24); err != nil {
					t.Fatal(err)
				}
			}
			xs := network.Inputs(p, set, 5, 0)
			states := make([]*network.State, len(xs))
			if err := network.SimulateAll(s, p, xs, nil, func(m int, st *network.State) error {
				states[m] = st
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			_, want, err := network.SpikeArray(states)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := export.Write(dir, export.Network{Weights: s, Params: p, Patterns: set, Inputs: xs, Seed: 5}); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "brian2.npy")
			cmd := exec.Command(python, script, dir, "--out", out)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // Brian2's cache and prefs
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", script, err, stderr.String())
			}
			shape, got, err := npy.ReadBinary(out)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(shape) != fmt.Sprint([]int{set.M(), set.N, p.Len(set.T)}) {
				t.Fatalf("Brian2 spikes have shape %v", shape)
			}
			n := 0
			for _, v := range want {
				n += int(v)
			}
			if n == 0 {
				t.Fatal("the Go trials have no spike; the test would prove nothing")
			}
			if !bytes.Equal(got, want) {
				diff := 0
				for k := range got {
					if got[k] != want[k] {
						diff++
					}
				}
				t.Errorf("Brian2 and hdsnn differ at %d of %d slots (%d Go spikes)", diff, len(got), n)
			}
			t.Logf("%d spikes equal", n)
		})
	}
}
