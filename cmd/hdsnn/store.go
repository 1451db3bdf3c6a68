package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/initw"
	"github.com/hdsnn/hdsnn/learn"
	"github.com/hdsnn/hdsnn/margin"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/raster"
	"github.com/hdsnn/hdsnn/score"
)

// storeCmd holds the flags of "hdsnn store".
type storeCmd struct {
	options
	start    string
	saveEach time.Duration
}

// storeOutputs are the files "hdsnn store" writes into --out.
func storeOutputs() []string {
	return []string{"weights.npy", "weights.npz", "weights.json", "cues.npy", "store.json"}
}

// newStoreCmd builds "hdsnn store": margin storage under teacher forcing,
// from scratch or added to a stored network.
func newStoreCmd() *cobra.Command {
	o := &storeCmd{}
	cmd := &cobra.Command{
		Use:   "store --patterns-file FILE [--weights W.npy|W.npz] --out DIR",
		Short: "Store patterns by margin learning under teacher forcing (capacity far beyond Hebbian)",
		Long: `Store the patterns of --patterns-file so that every one replays from its cue
with a margin: along each pattern, under teacher forcing, every neuron's
membrane must be ≥ θ + κ where it spikes and ≤ θ − κ where it stays silent,
over every step of a recall trial (background, cue and replay). Each neuron's
weights are found by the relaxation method for linear inequalities, neurons in
parallel; see package margin and README "Capacity".

With --weights, the patterns are ADDED to that network (incremental storage):
the earlier patterns are recovered by replaying their cues (cues.npy beside
the weights, written by every store), so their originals are not needed, and
both old and new are stored again starting from the given weights.

--fan-in K solves every neuron over the synapses of a random connectivity of
fan-in K only (K presynaptic neurons × D delays; seeded by --seed) and writes
sparse weights.npz with every synapse of the connectivity (see README
"Margin storage"); --weights-format sparse without a fan-in solves on the
dense tensor and writes its non-zero entries. With sparse --weights W.npz
each neuron is solved over the synapses W stores, and the result keeps them.

Writes --out/weights.npy or weights.npz (+ weights.json), cues.npy (M, N, trigger) and
store.json (settings, solver statistics, recall of old and new patterns).
A checkpoint of the neurons solved so far is written to --out/checkpoint
every --checkpoint-every (and on Ctrl-C); --resume continues from it.`,
		Example: `  hdsnn generate --patterns 440 --out data
  hdsnn store --patterns-file data/patterns.npy --out stored
  hdsnn store --patterns-file data/patterns.npy --jitter 1 --flip 0.25 --perturbed 192 --out robust
  hdsnn store --weights stored/weights.npy --patterns-file more/patterns.npy --out stored2
  hdsnn store --patterns-file data/patterns.npy --fan-in 128 --out sparse
  hdsnn store --weights sparse/weights.npz --patterns-file more/patterns.npy --out sparse2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.add(fs, "weights", "patterns-file", "neurons", "steps", "delays", "fan-in", "weights-format",
		"beta", "theta", "reset", "pre", "post", "trigger", "p-a", "seed", "resume", marginFlags)
	inferDefault(fs, "neurons", "for .csv patterns; default: from the file")
	inferDefault(fs, "steps", "for .csv patterns; default: from the file")
	fs.StringVar(&o.start, "start", "zero", "starting weights without --weights: zero or hebbian")
	fs.DurationVar(&o.saveEach, "checkpoint-every", time.Minute, "time between checkpoints of the solved neurons")
	_ = cmd.MarkFlagRequired("patterns-file")
	o.addOutput(cmd, "")
	return cmd
}

// storeReport is store.json.
type storeReport struct {
	Version  string         `json:"version"`
	Params   network.Params `json:"params"`
	Config   margin.Config  `json:"margin"`
	Start    string         `json:"start"`
	Patterns struct {
		Old int `json:"old"`
		New int `json:"new"`
	} `json:"patterns"`
	Solver  margin.Report `json:"solver"`
	Seconds float64       `json:"seconds"`
	// RecallOld and RecallNew score cued recall (fresh background) of the
	// earlier patterns, against their rehearsed versions, and of the new ones.
	RecallOld *score.Result `json:"recall_old,omitempty"`
	RecallNew score.Result  `json:"recall_new"`
	// FanIn is the fan-in of the connectivity solved on (0: all the
	// synapses of the dense tensor, or those of the sparse --weights),
	// Synapses the number of synapses of sparse weights.
	FanIn    int   `json:"fan_in,omitempty"`
	Synapses int64 `json:"synapses,omitempty"`
	// weightsFile names the weights written.
	weightsFile string
}

// run validates, prepares the teacher patterns, solves and writes.
func (o *storeCmd) run(cmd *cobra.Command) error {
	if err := o.validateStore(); err != nil {
		return err
	}
	if err := checkOutputs(o.out, o.force, storeOutputs()...); err != nil {
		return err
	}
	ck := filepath.Join(o.out, checkpointDir)
	if err := checkCheckpoint(ck, storeStateFile, o.resume, o.force); err != nil {
		return err
	}
	fresh, err := o.readPatterns(0)
	if err != nil {
		return err
	}
	p := o.params(o.delays)
	old, w0, err := o.previous(&p, fresh)
	if err != nil {
		return err
	}
	all := fresh
	if old != nil {
		all = &raster.Set{N: fresh.N, T: fresh.T, Patterns: append(append([]*raster.Raster{}, old.Patterns...), fresh.Patterns...)}
	}
	if err := p.Validate(all.T); err != nil {
		return err
	}
	if err := o.margin.Validate(p); err != nil {
		return err
	}
	if w0 == nil {
		if w0, err = o.startWeights(cmd, all, p); err != nil {
			return err
		}
	}
	if err := beginSet(cmd.Context(), o.out, "store", o.force, storeOutputs()); err != nil {
		return err
	}
	hooks, w0, err := o.resumeFrom(cmd, ck, p, all, w0)
	if err != nil {
		return err
	}
	began := time.Now()
	w, rep, err := o.solve(cmd, ck, p, all, w0, hooks)
	if err != nil {
		return err
	}
	if dw, ok := w.(*network.Weights); ok && o.weights == "" && o.sparseWeights(all.N) {
		w = dw.Sparse() // margin storage without a fan-in, written sparse
	}
	r := storeReport{Version: hdsnn.Version, Params: p, Config: o.margin, Start: o.start, Solver: rep, Seconds: time.Since(began).Seconds()}
	r.Patterns.Old, r.Patterns.New = all.M()-fresh.M(), fresh.M()
	r.FanIn, r.weightsFile = o.fanIn, weightsName(w)
	if s, ok := w.(*network.Sparse); ok {
		r.Synapses = s.Entries()
	}
	if err := o.score(&r, w, p, all, fresh.M()); err != nil {
		return err
	}
	if err := o.save(w, p, all, r); err != nil {
		return err
	}
	if err := finishSet(o.out, "store", storeOutputs()); err != nil {
		return err
	}
	_ = os.RemoveAll(ck)
	o.print(cmd.OutOrStdout(), r)
	return nil
}

// solve runs the margin solve with a progress display and checkpoints of
// the solved neurons; when cancelled, it saves a last checkpoint and says
// how to resume.
func (o *storeCmd) solve(cmd *cobra.Command, ck string, p network.Params, all *raster.Set, w0 network.Synapses, hooks margin.Hooks) (network.Synapses, margin.Report, error) {
	prog := newNeuronProgress(cmd.ErrOrStderr(), all.N, hooks.Solved)
	saver := &storeCheckpoint{dir: ck, every: o.saveEach, solved: hooks.Solved, last: time.Now()}
	if saver.solved == nil {
		saver.solved = make([]bool, all.N)
	}
	hooks.Solved = saver.solved
	hooks.OnNeuron = func(n margin.Neuron, w network.Synapses) error {
		prog.neuron(n)
		return saver.neuron(n, w, p, all)
	}
	var w network.Synapses
	var rep margin.Report
	var err error
	switch w0 := w0.(type) {
	case *network.Sparse:
		var s *network.Sparse
		if s, rep, err = margin.StoreSparse(cmd.Context(), p, all, w0, o.margin, hooks); s != nil {
			w = s
		}
	case *network.Weights:
		var d *network.Weights
		if d, rep, err = margin.Store(cmd.Context(), p, all, w0, o.margin, hooks); d != nil {
			w = d
		}
	}
	prog.finish()
	if err != nil && w != nil && errors.Is(err, cmd.Context().Err()) {
		if serr := saver.save(w, p, all); serr == nil {
			err = fmt.Errorf("%w; the %d neurons solved so far are checkpointed in %s (continue with --resume)", err, count(saver.solved), ck)
		}
	}
	return w, rep, err
}

// validateStore runs the flag checks and the store-specific ones.
func (o *storeCmd) validateStore() error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.start != "zero" && o.start != "hebbian" {
		return fmt.Errorf("--start %q is not known; use zero or hebbian", o.start)
	}
	o.margin.Seed = o.seed
	if o.saveEach <= 0 {
		return fmt.Errorf("--checkpoint-every = %v: must be positive", o.saveEach)
	}
	if o.weights != "" && (o.fanIn > 0 || o.changed("weights-format")) {
		return fmt.Errorf("--fan-in and --weights-format do not go with --weights: the patterns are added on the synapses of the given weights, in their format; drop them (or convert the weights first with hdsnn convert)")
	}
	return nil
}

// startWeights returns the weights a store without --weights starts from,
// which also fix the synapses that exist: with --fan-in, the connectivity's
// N·K·D synapses (sparse), zero or Hebbian on them; else the dense tensor,
// zero or Hebbian.
func (o *storeCmd) startWeights(cmd *cobra.Command, all *raster.Set, p network.Params) (network.Synapses, error) {
	if o.fanIn == 0 {
		if err := network.CheckFits(all.N, p.D, 3); err != nil {
			return nil, fmt.Errorf("%w (margin storage without --fan-in solves on the dense tensor)", err)
		}
		if o.start == "hebbian" {
			w, _, err := initw.Init(all, p, initw.Defaults())
			return w, err
		}
		return network.NewWeights(all.N, p.D), nil
	}
	if o.fanIn > all.N {
		return nil, fmt.Errorf("--fan-in %d: each neuron can receive from at most N = %d neurons; lower --fan-in", o.fanIn, all.N)
	}
	entries := int64(all.N) * int64(o.fanIn) * int64(p.D)
	// The weights, the result, the transposed index and a checkpoint.
	if err := network.CheckMemory(4*network.SparseBytes(all.N, p.D, entries), fmt.Sprintf("margin storage on the %d synapses of a fan-in-%d connectivity", entries, o.fanIn), "use a smaller --fan-in"); err != nil {
		return nil, err
	}
	conn, err := initw.NewConnectivity(all.N, o.fanIn, o.seed)
	if err != nil {
		return nil, fmt.Errorf("--fan-in: %w", err)
	}
	if o.start != "hebbian" {
		return conn.Sparse(p.D), nil
	}
	s, _, err := initw.InitSparse(cmd.Context(), all, p, initw.Defaults(), conn)
	if err != nil {
		return nil, err
	}
	return conn.Place(s)
}

// previous returns, with --weights, the network's earlier patterns as
// rehearsed from the cues beside it, and the weights to start from; p takes
// the weights' delays.
func (o *storeCmd) previous(p *network.Params, fresh *raster.Set) (*raster.Set, network.Synapses, error) {
	if o.weights == "" {
		return nil, nil, nil
	}
	w, _, err := readSynapses("--weights", o.weights, 3)
	if err != nil {
		return nil, nil, err
	}
	n, d := w.Size()
	if n != fresh.N {
		return nil, nil, fmt.Errorf("--weights has N = %d neurons, --patterns-file %d", n, fresh.N)
	}
	*p = o.params(d)
	path := filepath.Join(filepath.Dir(o.weights), "cues.npy")
	cues, err := raster.ReadNPY(path)
	if err != nil {
		return nil, nil, fmt.Errorf("the cues of the stored patterns: %w (store writes cues.npy beside its weights)", err)
	}
	old, err := margin.Rehearse(w, *p, cues, fresh.T)
	if err != nil {
		return nil, nil, fmt.Errorf("rehearsing the stored patterns from %s: %w", path, err)
	}
	return old, w, nil
}

// score recalls the old and the new patterns with fresh background.
func (o *storeCmd) score(r *storeReport, w network.Synapses, p network.Params, all *raster.Set, fresh int) error {
	_, per, err := network.Recall(w, p, all, o.seed, 0)
	if err != nil {
		return err
	}
	var oldC, newC score.Counts
	for m, c := range per {
		if m < all.M()-fresh {
			oldC = oldC.Add(c)
		} else {
			newC = newC.Add(c)
		}
	}
	if all.M() > fresh {
		res := oldC.Result()
		r.RecallOld = &res
	}
	r.RecallNew = newC.Result()
	return nil
}

// save writes the weights, the cues and the report.
func (o *storeCmd) save(w network.Synapses, p network.Params, all *raster.Set, r storeReport) error {
	details, err := json.Marshal(r)
	if err != nil {
		return err
	}
	meta := network.Meta{Version: hdsnn.Version, Params: &p, Seed: o.seed, Source: "store margin", Details: details}
	if err := raster.WriteNPY(filepath.Join(o.out, "cues.npy"), margin.Cues(p, all)); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(o.out, "store.json"), r); err != nil {
		return err
	}
	return writeSynapses(o.out, w, meta)
}

// weightsName returns the file name of weights w: weights.npz when
// sparse, weights.npy when dense.
func weightsName(w network.Synapses) string {
	if _, ok := w.(*network.Sparse); ok {
		return "weights.npz"
	}
	return "weights.npy"
}

// writeSynapses writes w into dir as weightsName(w), with its sidecar.
func writeSynapses(dir string, w network.Synapses, meta network.Meta) error {
	path := filepath.Join(dir, weightsName(w))
	switch w := w.(type) {
	case *network.Sparse:
		return network.WriteSparse(path, w, meta)
	case *network.Weights:
		return network.WriteWeights(path, w, meta)
	}
	return fmt.Errorf("weights of type %T cannot be written", w)
}

// print summarises the store on w.
func (o *storeCmd) print(w io.Writer, r storeReport) {
	s := r.Solver
	fmt.Fprintf(w, "stored %d patterns (%d new) with margin κ = %g: %d of %d neurons meet every bound, %d violations left, at most %d passes, %.1fs\n",
		r.Patterns.Old+r.Patterns.New, r.Patterns.New, r.Config.Margin, s.Converged, len(s.Neurons), s.Violations, s.Passes, r.Seconds)
	if r.RecallOld != nil {
		printScore(w, "recall old", *r.RecallOld)
	}
	printScore(w, "recall new", r.RecallNew)
	fmt.Fprintf(w, "wrote %s\n", filepath.Join(o.out, r.weightsFile))
}

// storeCheckpoint saves the weights and the mask of solved neurons now and
// then, so that a long solve can be resumed.
type storeCheckpoint struct {
	dir    string
	every  time.Duration
	last   time.Time
	solved []bool
}

// neuron marks n solved and saves a checkpoint when one is due.
func (s *storeCheckpoint) neuron(n margin.Neuron, w network.Synapses, p network.Params, set *raster.Set) error {
	s.solved[n.Index] = true
	if time.Since(s.last) < s.every {
		return nil
	}
	s.last = time.Now()
	return s.save(w, p, set)
}

// storeStateFile names the checkpoint's state within its directory.
const storeStateFile = "store-state.json"

// storeState is the checkpoint's JSON: which neurons are solved and for
// which patterns and parameters.
type storeState struct {
	Params   network.Params `json:"params"`
	Patterns string         `json:"patterns"`
	Solved   []bool         `json:"solved"`
	// Weights names the weights file of the checkpoint: weights.npy
	// (dense, also when empty) or weights.npz (sparse).
	Weights string `json:"weights,omitempty"`
}

// save writes the checkpoint: weights first, then the state naming them.
func (s *storeCheckpoint) save(w network.Synapses, p network.Params, set *raster.Set) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	if err := writeSynapses(s.dir, w, network.Meta{Version: hdsnn.Version, Params: &p, Source: "store checkpoint"}); err != nil {
		return err
	}
	return writeJSON(filepath.Join(s.dir, storeStateFile), storeState{Params: p, Patterns: learn.Fingerprint(set), Solved: s.solved, Weights: weightsName(w)})
}

// resumeFrom returns the hooks and starting weights of a resumed solve, or
// of a new one without --resume.
func (o *storeCmd) resumeFrom(cmd *cobra.Command, ck string, p network.Params, set *raster.Set, w0 network.Synapses) (margin.Hooks, network.Synapses, error) {
	if !o.resume {
		return margin.Hooks{}, w0, nil
	}
	b, err := os.ReadFile(filepath.Join(ck, storeStateFile))
	if err != nil {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: no store checkpoint in %s: %w", ck, err)
	}
	var st storeState
	if err := json.Unmarshal(b, &st); err != nil {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: %s: %w", ck, err)
	}
	if st.Params != p {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: the checkpoint was made with parameters %+v, the flags give %+v; pass the same flags", st.Params, p)
	}
	if st.Patterns != learn.Fingerprint(set) || len(st.Solved) != set.N {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: the checkpoint in %s was made for other patterns; pass the same --patterns-file (and --weights)", ck)
	}
	name := st.Weights
	if name == "" {
		name = "weights.npy"
	}
	if name != weightsName(w0) {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: the checkpoint in %s holds %s, this store would start from %s; pass the same --fan-in, --weights-format and --weights", ck, name, weightsName(w0))
	}
	w, _, err := network.ReadSynapses(filepath.Join(ck, name))
	if err != nil {
		return margin.Hooks{}, nil, fmt.Errorf("--resume: %w", err)
	}
	if s, ok := w.(*network.Sparse); ok {
		s0 := w0.(*network.Sparse)
		if !slices.Equal(s.Start, s0.Start) || !slices.Equal(s.Post, s0.Post) {
			return margin.Hooks{}, nil, fmt.Errorf("--resume: the checkpoint in %s has other synapses than this store; pass the same --fan-in, --seed and --weights", ck)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "resuming: %d of %d neurons already solved\n", count(st.Solved), set.N)
	return margin.Hooks{Solved: st.Solved}, w, nil
}

// count returns the number of true entries of b.
func count(b []bool) int {
	k := 0
	for _, v := range b {
		if v {
			k++
		}
	}
	return k
}
