package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/hdsnn/hdsnn"
	"github.com/hdsnn/hdsnn/network"
)

// manifestName is the file, written last, that lists the files of the
// complete output sets in a directory with their SHA-256 sums. A file of
// a set that is not listed (or listed with another sum) was left by a run
// that did not finish, and readers refuse it.
const manifestName = "manifest.json"

// manifestFormat names the manifest format.
const manifestFormat = "hdsnn-manifest/1"

// manifest is the body of manifest.json.
type manifest struct {
	Format  string                   `json:"format"`
	Version string                   `json:"version"`
	Files   map[string]manifestEntry `json:"files"`
}

// manifestEntry is one file of a set: its sum and the command that
// wrote it.
type manifestEntry struct {
	SHA256  string `json:"sha256"`
	Command string `json:"command"`
}

// readManifest reads the manifest of dir; it returns nil, nil when there
// is none.
func readManifest(dir string) (*manifest, error) {
	path := filepath.Join(dir, manifestName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != manifestFormat {
		return nil, fmt.Errorf("%s is not an hdsnn manifest (%v); remove it, or rerun the command that wrote the directory with --force", path, err)
	}
	if m.Files == nil {
		m.Files = map[string]manifestEntry{}
	}
	return &m, nil
}

// writeManifest atomically writes m into dir.
func writeManifest(dir string, m *manifest) error {
	m.Format, m.Version = manifestFormat, hdsnn.Version
	return writeJSON(filepath.Join(dir, manifestName), m)
}

// startSet prepares dir, locked by makeOut, for the outputs of command:
// with force it first takes the previous set of the command (the files
// its manifest lists for the command, and any file named like one of
// outputs) out of the manifest and then removes those files, so that no
// file of the earlier run survives beside the new ones.
func startSet(dir, command string, force bool, outputs []string) error {
	if !force {
		return nil
	}
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	remove := slices.Clone(outputs)
	if m != nil {
		for name, e := range m.Files {
			if e.Command == command || slices.Contains(outputs, name) {
				remove = append(remove, name)
				delete(m.Files, name)
			}
		}
		if err := writeManifest(dir, m); err != nil {
			return err
		}
	}
	for _, name := range remove {
		if filepath.Base(name) != name {
			continue // a manifest names files in dir only
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--force: removing the earlier %s: %w", name, err)
		}
	}
	return nil
}

// finishSet records the outputs of command that exist in dir, with their
// sums, in the manifest of dir. It is called once every file of the set
// is written, so the manifest is the set's last file.
func finishSet(dir, command string, outputs []string) error {
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	if m == nil {
		m = &manifest{Files: map[string]manifestEntry{}}
	}
	for _, name := range outputs {
		sum, err := network.FileSHA256(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // not every output is written every time
		}
		if err != nil {
			return err
		}
		m.Files[name] = manifestEntry{SHA256: sum, Command: command}
	}
	return writeManifest(dir, m)
}

// checkInSet refuses a file read from a directory with a manifest unless
// the manifest lists it with its current sum: such a file was left by a
// run that did not finish, or changed since.
func checkInSet(flag, path string) error {
	dir := filepath.Dir(path)
	m, err := readManifest(dir)
	if err != nil || m == nil {
		return err
	}
	name := filepath.Base(path)
	e, ok := m.Files[name]
	if !ok {
		return fmt.Errorf("%s %s is not part of a complete output set: %s does not list it, so the run that wrote it did not finish (or the file was put there by hand); rerun that command with --force, or keep files of your own outside %s", flag, path, filepath.Join(dir, manifestName), dir)
	}
	sum, err := network.FileSHA256(path)
	if err != nil {
		return err
	}
	if sum != e.SHA256 {
		return fmt.Errorf("%s %s has changed since %q wrote it (SHA-256 %.12s…, the manifest records %.12s…); rerun that command (with --force)", flag, path, e.Command, sum, e.SHA256)
	}
	return nil
}

// checkWeightsSet checks a weights file and its sidecar against the
// manifest of their directory, if it has one.
func checkWeightsSet(flag, path string) error {
	if err := checkInSet(flag, path); err != nil {
		return err
	}
	if _, err := os.Stat(network.SidecarPath(path)); err == nil {
		return checkInSet(flag+" sidecar", network.SidecarPath(path))
	}
	return nil
}

// beginSet creates and locks the output directory (makeOut) and starts
// the set of command there (startSet).
func beginSet(ctx context.Context, dir, command string, force bool, outputs []string) error {
	if err := makeOut(ctx, dir); err != nil {
		return err
	}
	return startSet(dir, command, force, outputs)
}

// The files of the output sets of the commands that write fixed names.
func initOutputs() []string { return []string{"weights.npy", "weights.npz", "weights.json"} }
func recallOutputs() []string {
	return []string{"spikes.npy", "scores.json", "recall.png", "recall.svg"}
}
func simulateOutputs() []string { return []string{"spikes.npy", "membrane.npy", "current.npy"} }
func gradientOutputs() []string { return []string{"grad_w.npy", "grad_w.npz", "loss.json"} }
