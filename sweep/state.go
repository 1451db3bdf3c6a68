package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdsnn/hdsnn/atomicfile"
)

// File names inside a task directory, besides the experiment's outputs.
const (
	// DoneFile marks a finished task; it is written atomically, last.
	DoneFile = "done.json"
	// FailedFile records the last failure of a task.
	FailedFile = "failed.json"
	// LogFile holds the task's standard output and error, appended run
	// after run.
	LogFile = "log.txt"
	// lockFile is held (flock) while a process runs the task.
	lockFile = ".lock"
	// settingsSuffix ends the settings record the experiment writes
	// beside its CSV: <name>.settings.json.
	settingsSuffix = ".settings.json"
)

// Done is the record of a finished task (DoneFile).
type Done struct {
	ID      string   `json:"id"`
	Index   int      `json:"index"`
	Command []string `json:"command"`
	Exit    int      `json:"exit"`
	Seconds float64  `json:"seconds"`
	// CSV is the experiment CSV the task wrote, relative to its
	// directory, SHA256 its checksum and Rows its number of data rows.
	CSV    string `json:"csv"`
	SHA256 string `json:"sha256"`
	Rows   int    `json:"rows"`
	Host   string `json:"host"`
}

// Failed is the record of a task that failed (FailedFile). It is removed
// when the task is run again.
type Failed struct {
	ID      string   `json:"id"`
	Index   int      `json:"index"`
	Command []string `json:"command"`
	Exit    int      `json:"exit"`
	Seconds float64  `json:"seconds"`
	Error   string   `json:"error"`
	// Stderr is the end of the task's output.
	Stderr string `json:"stderr"`
	Host   string `json:"host"`
}

// State is where a task stands.
type State int

// The states of a task.
const (
	// Missing: never finished (not run, running, or interrupted).
	Missing State = iota
	// Finished: DoneFile exists.
	Finished
	// Failing: its last run failed (FailedFile exists).
	Failing
)

// String names the state.
func (s State) String() string {
	return [...]string{"missing", "done", "failed"}[s]
}

// TaskDir returns the directory of task id under the sweep's output
// directory out.
func TaskDir(out, id string) string { return filepath.Join(out, "tasks", id) }

// Status reads the state of task id under out, with its records.
func Status(out, id string) (State, *Done, *Failed, error) {
	dir := TaskDir(out, id)
	var d Done
	switch err := readJSON(filepath.Join(dir, DoneFile), &d); {
	case err == nil:
		return Finished, &d, nil, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Missing, nil, nil, err
	}
	var f Failed
	switch err := readJSON(filepath.Join(dir, FailedFile), &f); {
	case err == nil:
		return Failing, nil, &f, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Missing, nil, nil, err
	}
	return Missing, nil, nil, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w (remove the file to rerun the task)", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// resultCSV finds the experiment CSV in a task directory: the one
// <name>.csv beside a <name>.settings.json.
func resultCSV(dir string) (string, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "*"+settingsSuffix))
	if err != nil {
		return "", err
	}
	if len(ms) != 1 {
		return "", fmt.Errorf("%s: found %d experiment settings files (*%s), want exactly one", dir, len(ms), settingsSuffix)
	}
	name := strings.TrimSuffix(filepath.Base(ms[0]), settingsSuffix) + ".csv"
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return "", fmt.Errorf("the experiment wrote %s but no CSV: %w", ms[0], err)
	}
	return name, nil
}

// checksum returns the SHA-256 of a file and its number of lines after
// the first (the CSV's data rows).
func checksum(path string) (string, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	sum := sha256.Sum256(b)
	rows := strings.Count(string(b), "\n") - 1
	return hex.EncodeToString(sum[:]), max(rows, 0), nil
}

// tail returns at most n bytes from the end of the file at path.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-n, 0)
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f) // best effort: a diagnostic
	return string(b)
}
