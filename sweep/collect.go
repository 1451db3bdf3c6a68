package sweep

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hdsnn/hdsnn/atomicfile"
)

// Group is a set of tasks whose rows belong in one experiment CSV: the
// tasks that differ only in seeds and in list flags (ListFlags). A sweep
// whose grid has only list flags has one group.
type Group struct {
	// Key names the group by its values of the other grid flags
	// ("neurons=256,theta=0.8"); it is empty for a single group.
	Key string
	// Dir is where the merged CSV and the figures go: <out>/results, or
	// <out>/results/<Key> when there are several groups.
	Dir string
	// CSV is the file name of the experiment CSV (such as
	// scan-delays.csv).
	CSV string
	// Tasks are the group's tasks, in plan order.
	Tasks []Task
	// Rows is the number of data rows merged.
	Rows int
	// Redraw is the experiment command line (after the program name)
	// that covers exactly the group's tasks; run in Dir it finds every
	// row in the merged CSV and only draws the figures. It is nil when
	// the seeds are not contiguous, since one command cannot name them.
	Redraw []string
}

// Collection is the outcome of Collect.
type Collection struct {
	Done, Missing, Failed []Task
	// Failures holds the records of the failed tasks, by task index.
	Failures map[int]*Failed
	// Groups are the merged CSVs; a group with tasks missing or failed
	// holds the rows of its finished tasks only.
	Groups []Group
}

// Complete reports whether every task is done.
func (c Collection) Complete() bool { return len(c.Missing) == 0 && len(c.Failed) == 0 }

// Collect reads the state of every task of the plan under out, checks the
// checksum of every finished task's CSV, and merges the CSVs of the
// finished tasks of each group, in task order, into <group dir>/<csv>
// (atomically, replacing an earlier merge and removing the settings file
// an earlier redraw left). Missing and failed tasks are listed, not
// merged; figures are drawn by Redraw.
func Collect(p Plan, out string) (Collection, error) {
	c := Collection{Failures: map[int]*Failed{}}
	csvs := map[int][]byte{}
	names := map[int]string{}
	for _, t := range p.Tasks {
		st, d, f, err := Status(out, t.ID)
		if err != nil {
			return c, err
		}
		switch st {
		case Missing:
			c.Missing = append(c.Missing, t)
			continue
		case Failing:
			c.Failed = append(c.Failed, t)
			c.Failures[t.Index] = f
			continue
		}
		path := filepath.Join(TaskDir(out, t.ID), d.CSV)
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("task %d (%s) is marked done but: %w; remove %s to rerun it", t.Index, t.ID, err, filepath.Join(TaskDir(out, t.ID), DoneFile))
		}
		if sum, _, _ := checksum(path); sum != d.SHA256 {
			return c, fmt.Errorf("task %d (%s): %s changed after the task finished (checksum differs from %s); remove %s to rerun it", t.Index, t.ID, path, DoneFile, filepath.Join(TaskDir(out, t.ID), DoneFile))
		}
		c.Done = append(c.Done, t)
		csvs[t.Index], names[t.Index] = b, d.CSV
	}
	c.Groups = p.groups(out)
	for gi := range c.Groups {
		g := &c.Groups[gi]
		var header []byte
		var body bytes.Buffer
		for _, t := range g.Tasks {
			b, ok := csvs[t.Index]
			if !ok {
				continue
			}
			if g.CSV == "" {
				g.CSV = names[t.Index]
			} else if names[t.Index] != g.CSV {
				return c, fmt.Errorf("task %d wrote %s where the other tasks of its group wrote %s", t.Index, names[t.Index], g.CSV)
			}
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return c, fmt.Errorf("task %d (%s): %s has no header line", t.Index, t.ID, names[t.Index])
			}
			if header == nil {
				header = b[:i+1]
			} else if !bytes.Equal(header, b[:i+1]) {
				return c, fmt.Errorf("task %d (%s): %s has other columns than the group's first task", t.Index, t.ID, names[t.Index])
			}
			rest := b[i+1:]
			if len(rest) > 0 && rest[len(rest)-1] != '\n' {
				rest = append(rest, '\n')
			}
			body.Write(rest)
			g.Rows += bytes.Count(rest, []byte{'\n'})
		}
		if g.CSV == "" {
			continue // no task of this group is done yet
		}
		if err := os.MkdirAll(g.Dir, 0o755); err != nil {
			return c, err
		}
		settings := filepath.Join(g.Dir, strings.TrimSuffix(g.CSV, ".csv")+settingsSuffix)
		if err := os.Remove(settings); err != nil && !os.IsNotExist(err) {
			return c, err
		}
		if err := atomicfile.WriteBytes(filepath.Join(g.Dir, g.CSV), append(slices.Clone(header), body.Bytes()...)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// groups splits the plan's tasks by their values of the grid flags that
// are not list flags.
func (p Plan) groups(out string) []Group {
	var split []string
	for _, k := range p.Spec.GridKeys() {
		if !slices.Contains(ListFlags(), k) {
			split = append(split, k)
		}
	}
	var gs []Group
	index := map[string]int{}
	for _, t := range p.Tasks {
		var parts []string
		for _, k := range split {
			parts = append(parts, k+"="+t.Flags[k])
		}
		key := strings.Join(parts, ",")
		i, ok := index[key]
		if !ok {
			i = len(gs)
			index[key] = i
			gs = append(gs, Group{Key: key})
		}
		gs[i].Tasks = append(gs[i].Tasks, t)
	}
	for i := range gs {
		gs[i].Dir = filepath.Join(out, "results")
		if len(gs) > 1 {
			gs[i].Dir = filepath.Join(out, "results", dirName(gs[i].Key))
		}
		gs[i].Redraw = p.redraw(gs[i].Tasks)
	}
	return gs
}

// unsafeName matches the characters left out of a directory name.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.=,+-]`)

func dirName(key string) string { return unsafeName.ReplaceAllString(key, "_") }

// redraw returns the experiment command line that covers exactly the
// given tasks of one group: their common flags, each grid list flag with
// the union of its values in task order, and the seeds as --seed first
// --seeds count. It is nil when the seeds are not contiguous.
func (p Plan) redraw(tasks []Task) []string {
	seeds := p.Spec.Seeds
	if !contiguous(seeds) {
		return nil
	}
	flags := maps(tasks[0].Flags)
	for _, k := range p.Spec.GridKeys() {
		if !slices.Contains(ListFlags(), k) {
			continue
		}
		var vals []string
		for _, t := range tasks {
			for _, v := range strings.Split(t.Flags[k], ",") {
				if !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
		}
		flags[k] = strings.Join(vals, ",")
	}
	t := Task{Flags: flags, Seed: seeds[0], Seeds: len(seeds)}
	return t.Args(p.Spec.Experiment)
}

// Redrawn is the outcome of Redraw.
type Redrawn struct {
	Seconds float64
	// Output is what the experiment printed (its summary table).
	Output string
}

// Redraw runs the group's Redraw command with o.Exe (and o.Env) in the group's
// directory, where Collect merged its CSV: the experiment finds every row
// there and only writes its summaries and figures. It fails if the
// experiment added rows (it ran something the tasks did not), or if the
// group has tasks not done.
func Redraw(ctx context.Context, o RunOptions, g Group, c Collection) (Redrawn, error) {
	if g.Redraw == nil {
		return Redrawn{}, fmt.Errorf("the seeds are not contiguous, so no single experiment command covers them; draw figures from %s yourself", filepath.Join(g.Dir, g.CSV))
	}
	for _, t := range g.Tasks {
		if !slices.ContainsFunc(c.Done, func(d Task) bool { return d.Index == t.Index }) {
			return Redrawn{}, fmt.Errorf("task %d (%s) is not done; the experiment would run it", t.Index, t.ID)
		}
	}
	path := filepath.Join(g.Dir, g.CSV)
	_, before, err := checksum(path)
	if err != nil {
		return Redrawn{}, err
	}
	args := append(slices.Clone(g.Redraw), "--out", g.Dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, o.Exe, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	err = cmd.Run()
	r := Redrawn{Seconds: time.Since(start).Seconds(), Output: outb.String()}
	if err != nil {
		return r, fmt.Errorf("%s: %w\n%s", Quote(append([]string{"hdsnn"}, args...)), err, r.Output)
	}
	_, after, err := checksum(path)
	if err != nil {
		return r, err
	}
	if after != before {
		return r, fmt.Errorf("drawing the figures ran %d runs that no task had (%d rows merged, %d after); the sweep and the command %s do not cover the same runs",
			after-before, before, after, Quote(args))
	}
	return r, nil
}

// RerunIndices formats task indices for --tasks.
func RerunIndices(tasks []Task) string {
	s := make([]string, len(tasks))
	for i, t := range tasks {
		s[i] = strconv.Itoa(t.Index)
	}
	return strings.Join(s, ",")
}
