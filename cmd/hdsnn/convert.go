package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/network"
	"github.com/hdsnn/hdsnn/quant"
)

// convertCmd holds the flags of "hdsnn convert".
type convertCmd struct {
	in, out  string
	force    bool
	bits     int
	rounding string
	seed     uint64
}

// newConvertCmd builds "hdsnn convert": dense .npy weights to sparse .npz
// and back.
func newConvertCmd() *cobra.Command {
	o := &convertCmd{}
	cmd := &cobra.Command{
		Use:   "convert --in W.npy|W.npz --out W.npz|W.npy",
		Short: "Convert weights between dense .npy and sparse .npz",
		Long: `Convert the weights of --in between the dense .npy tensor of shape (N, N, D)
[post, pre, delay−1] and the sparse .npz archive of COO arrays post, pre,
delay (1..D), weight and shape (see README "Files"), by the extensions of
--in and --out. Dense to sparse keeps the non-zero weights; sparse to dense
puts zero where no synapse is stored (and needs memory for N²·D float64).

The sidecar of --in (weights.json beside it), if any, is written beside
--out with the new file's SHA-256, so the parameters travel with the
weights; --out must therefore not share the sidecar of --in (another
directory or another name). When the directory of --out has a manifest,
the new files are added to it, so that recall accepts them.

--bits b (16, 8, 6, 4, 2 or 1) quantises the weights (one symmetric scale per
postsynaptic neuron, --rounding nearest or stochastic seeded by --seed; SPEC
§2.3) and writes a quantised .npz: the sparse arrays with the dequantised
weights, which every reader of sparse weights takes, plus int (int32, one per
synapse), scale (float64, one per neuron) and bits. hdsnn recall --integer
runs such a file on the integer path without --bits.`,
		Example: `  hdsnn convert --in out/run/weights.npy --out sparse/weights.npz
  hdsnn convert --in sparse/weights.npz --out dense/weights.npy
  hdsnn convert --in out/run/weights.npy --out int8/weights.npz --bits 8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.in, "in", "", "weights `file` to convert: dense .npy or sparse .npz")
	fs.StringVar(&o.out, "out", "", "converted weights `file`: .npz (sparse) or .npy (dense)")
	fs.BoolVar(&o.force, "force", false, "overwrite --out and its sidecar")
	fs.IntVar(&o.bits, "bits", 0, "quantise to `b` bits (16, 8, 6, 4, 2 or 1) and write a quantised .npz (0: no quantisation)")
	fs.StringVar(&o.rounding, "rounding", "nearest", "rounding of --bits: nearest or stochastic")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of stochastic rounding")
	_ = cmd.MarkFlagRequired("in")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// run checks the flags and files, converts and writes.
func (o *convertCmd) run(cmd *cobra.Command) error {
	inExt, outExt := strings.ToLower(filepath.Ext(o.in)), strings.ToLower(filepath.Ext(o.out))
	for _, f := range []struct{ flag, path, ext string }{{"--in", o.in, inExt}, {"--out", o.out, outExt}} {
		if f.ext != ".npy" && f.ext != ".npz" {
			return fmt.Errorf("%s %s: weights are .npy (dense) or .npz (sparse); name the file with one of those extensions", f.flag, f.path)
		}
	}
	var qc *quant.Config
	if o.bits != 0 || cmd.Flags().Changed("rounding") {
		r, err := quant.ParseRounding(o.rounding)
		if err != nil {
			return fmt.Errorf("--rounding: %w", err)
		}
		qc = &quant.Config{Bits: o.bits, Rounding: r, Seed: o.seed}
		if err := qc.Validate(); err != nil {
			return fmt.Errorf("--bits: %w", err)
		}
		if outExt != ".npz" {
			return fmt.Errorf("--out %s: quantised weights are written as .npz; name --out with that extension", o.out)
		}
	} else if inExt == outExt {
		return fmt.Errorf("--in and --out are both %s files: nothing to convert; use .npy for dense and .npz for sparse weights (or --bits to quantise)", inExt)
	}
	if filepath.Clean(network.SidecarPath(o.in)) == filepath.Clean(network.SidecarPath(o.out)) {
		return fmt.Errorf("--out %s would share the sidecar %s of --in; write it into another directory or under another name", o.out, network.SidecarPath(o.out))
	}
	if !o.force {
		for _, p := range []string{o.out, network.SidecarPath(o.out)} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s exists; pass --force to overwrite it or choose another --out", p)
			}
		}
	}
	dir := filepath.Dir(o.out)
	if err := checkWritable(dir); err != nil {
		return err
	}
	// Dense input: the sparse copy holds at most as many entries, at 12
	// bytes each, so 2 tensors bound it. Sparse input: the dense tensor.
	w, meta, err := readSynapses("--in", o.in, 2)
	if err != nil {
		return err
	}
	n, d := w.Size()
	if err := makeOut(cmd.Context(), dir); err != nil {
		return err
	}
	m := network.Meta{Version: hdsnn.Version, Source: "hdsnn convert --in " + o.in}
	if meta != nil {
		m = *meta
		m.Source = strings.TrimSpace(m.Source + " (converted by hdsnn convert from " + filepath.Base(o.in) + ")")
	}
	if qc != nil {
		sp, ok := w.(*network.Sparse)
		if !ok {
			sp = w.(*network.Weights).Sparse()
		}
		q, err := quant.Quantize(sp, *qc)
		if err != nil {
			return err
		}
		m.Source = strings.TrimSpace(fmt.Sprintf("%s (quantised to %d bits, %v rounding, seed %d)", m.Source, qc.Bits, qc.Rounding, qc.Seed))
		if err := quant.WriteWeights(o.out, q, m); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d synapses quantised to %d bits (%v): %.4g kbit of weights, %.4g kbit in float64\n", q.S.Entries(), q.Bits, qc.Rounding, float64(q.MemoryBits())/1000, float64(quant.FloatBits(sp))/1000)
		w = nil
	}
	switch w := w.(type) {
	case *network.Weights:
		s := w.Sparse()
		err = network.WriteSparse(o.out, s, m)
		fmt.Fprintf(cmd.OutOrStdout(), "%d of %d weights are non-zero (%.3g %%): %s of %s\n", s.Entries(), len(w.W), 100*float64(s.Entries())/float64(len(w.W)), network.FormatBytes(float64(s.Bytes())), network.FormatBytes(float64(8*len(w.W))))
	case *network.Sparse:
		if err := network.CheckFits(n, d, 1); err != nil {
			return fmt.Errorf("--out %s: the dense tensor of %s: %w", o.out, o.in, err)
		}
		err = network.WriteWeights(o.out, w.Dense(), m)
	}
	if err != nil {
		return err
	}
	if err := addToManifest(dir, "convert", o.out, network.SidecarPath(o.out)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s (N = %d, D = %d)\n", o.out, network.SidecarPath(o.out), n, d)
	return nil
}

// addToManifest records files of dir written by command in the manifest
// of dir when it has one, so that readers of the directory accept them;
// a directory without a manifest keeps none.
func addToManifest(dir, command string, paths ...string) error {
	m, err := readManifest(dir)
	if err != nil || m == nil {
		return err
	}
	for _, p := range paths {
		sum, err := network.FileSHA256(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		m.Files[filepath.Base(p)] = manifestEntry{SHA256: sum, Command: command}
	}
	return writeManifest(dir, m)
}
