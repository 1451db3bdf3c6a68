// Package sweep runs a study of hdsnn as many independent tasks: on all
// cores of one machine, or as a Slurm job array on a cluster.
//
// A sweep file (TOML) names an experiment of the command line ("hdsnn
// experiment <study>"), its base flags, a grid (the Cartesian product of
// lists of flag values) and the seeds. Plan expands it into numbered tasks;
// each task is one run of
//
//	hdsnn experiment <study> <flags> --seed s --seeds 1 --out <out>/tasks/<id>
//
// in its own process. Task ids are a hash of the task's canonical
// parameters, so the same file gives the same ids whatever the order of its
// keys, and growing a grid or the seeds keeps the ids (and results) of the
// tasks already run.
//
// The package builds on the command line's contract (flags, output files,
// the resume of experiment CSVs), not on the library: a task is a
// subprocess, its result is the experiment CSV it wrote, and figures are
// drawn by the experiment command itself from the merged CSV (Collect).
package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Studies returns the names of the experiments a sweep can run: the
// subcommands of "hdsnn experiment".
func Studies() []string {
	return []string{"robustness", "sequential", "scan", "capacity", "search"}
}

// ListFlags are the experiment flags that take a comma-separated list of
// values. A grid over one of them is merged back into one list when the
// study's figures are drawn (Collect); a grid over any other flag splits
// the results into one group per value.
func ListFlags() []string {
	return []string{"values", "kinds", "neurons-list", "delays-list", "modes"}
}

// reserved returns why a sweep file cannot set flag k, or "" if it can.
func reserved(k string) string {
	switch k {
	case "seed":
		return "set the first seed with the top-level key seed and the number of seeds with seeds"
	case "seeds":
		return "set the seeds with the top-level key seeds"
	case "out":
		return "the output directory is given to sweep run/slurm/collect with --out"
	case "force":
		return "a sweep never overwrites results; remove the task directories to rerun them"
	case "help":
		return "not an experiment setting"
	}
	return ""
}

// flagName matches a long flag name without its dashes (read only).
var flagName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Spec is a parsed sweep file.
type Spec struct {
	// Experiment is the study: one of Studies().
	Experiment string
	// Base holds the flags every task gets, by name (without "--").
	Base map[string]string
	// Grid holds, by flag name, the values the tasks take: every
	// combination of one value per flag is a setting.
	Grid map[string][]string
	// Seeds are the seeds of every setting, in order.
	Seeds []uint64
}

// file is the TOML layout of a sweep file.
type file struct {
	Experiment string           `toml:"experiment"`
	Seed       *int64           `toml:"seed"`
	Seeds      any              `toml:"seeds"`
	Base       map[string]any   `toml:"base"`
	Grid       map[string][]any `toml:"grid"`
}

// Load reads and parses the sweep file at path.
func Load(path string) (Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("sweep file: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Parse parses a sweep file:
//
//	experiment = "scan"          # any "hdsnn experiment" study
//	seeds = 10                   # seeds seed … seed+9, or a list [1, 4, 9]
//	seed = 1                     # first seed when seeds is a count (default 1)
//	[base]                       # flags of every task
//	param = "delays"
//	quick = true
//	[grid]                       # lists of values: their Cartesian product
//	values = [3, 5, 10, 20]
//
// Values may be strings, numbers or booleans; a list in [base] is passed
// as a comma-separated value.
func Parse(data []byte) (Spec, error) {
	var f file
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&f)
	if err != nil {
		return Spec{}, fmt.Errorf("not a valid sweep file: %w", err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		var keys []string
		for _, k := range un {
			keys = append(keys, k.String())
		}
		return Spec{}, fmt.Errorf("unknown keys %s; a sweep file has experiment, seed, seeds, [base] and [grid]", strings.Join(keys, ", "))
	}
	s := Spec{Experiment: f.Experiment, Base: map[string]string{}, Grid: map[string][]string{}}
	if !slices.Contains(Studies(), s.Experiment) {
		return Spec{}, fmt.Errorf("experiment = %q: name one of %s", s.Experiment, strings.Join(Studies(), ", "))
	}
	for k, v := range f.Base {
		if err := checkFlag(k); err != nil {
			return Spec{}, fmt.Errorf("[base] %w", err)
		}
		str, err := value(v, true)
		if err != nil {
			return Spec{}, fmt.Errorf("[base] %s: %w", k, err)
		}
		s.Base[k] = str
	}
	for k, vs := range f.Grid {
		if err := checkFlag(k); err != nil {
			return Spec{}, fmt.Errorf("[grid] %w", err)
		}
		if _, ok := s.Base[k]; ok {
			return Spec{}, fmt.Errorf("%s is in both [base] and [grid]; keep it in one of them", k)
		}
		if len(vs) == 0 {
			return Spec{}, fmt.Errorf("[grid] %s is empty; give at least one value or move it to [base]", k)
		}
		for _, v := range vs {
			str, err := value(v, false)
			if err != nil {
				return Spec{}, fmt.Errorf("[grid] %s: %w", k, err)
			}
			if slices.Contains(s.Grid[k], str) {
				return Spec{}, fmt.Errorf("[grid] %s lists %s twice", k, str)
			}
			s.Grid[k] = append(s.Grid[k], str)
		}
	}
	if s.Seeds, err = seeds(f.Seed, f.Seeds); err != nil {
		return Spec{}, err
	}
	if s.Experiment == "capacity" && !contiguous(s.Seeds) {
		return Spec{}, errors.New("capacity decides on the mean over all seeds, so its tasks run every seed together: give seeds as a count (and seed as the first), not a list with gaps")
	}
	return s, nil
}

// checkFlag refuses names that are not flags or that a sweep sets itself.
func checkFlag(k string) error {
	if why := reserved(k); why != "" {
		return fmt.Errorf("%s cannot be set in a sweep file: %s", k, why)
	}
	if !flagName.MatchString(k) {
		return fmt.Errorf("%q is not a flag name; write flags without dashes, such as neurons or p-a", k)
	}
	return nil
}

// value formats a TOML value as a flag value.
func value(v any, allowList bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case []any:
		if !allowList {
			return "", errors.New("a grid value cannot be a list; write the comma-separated value as a string, such as \"3,5\"")
		}
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := value(e, false)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("value %v (%T) is not a string, number or boolean", v, v)
}

// seeds returns the seeds a file gives: a count from first (default 1) or
// a list.
func seeds(first *int64, v any) ([]uint64, error) {
	start := int64(1)
	if first != nil {
		start = *first
	}
	if start < 0 {
		return nil, fmt.Errorf("seed = %d: seeds are not negative", start)
	}
	switch x := v.(type) {
	case nil:
		return nil, errors.New("seeds is missing: give a count (seeds = 10) or a list (seeds = [1, 2, 3])")
	case int64:
		if x < 1 {
			return nil, fmt.Errorf("seeds = %d: need at least one seed", x)
		}
		out := make([]uint64, x)
		for i := range out {
			out[i] = uint64(start) + uint64(i)
		}
		return out, nil
	case []any:
		if first != nil {
			return nil, errors.New("seed (the first seed) goes with a count of seeds; with a list of seeds drop it")
		}
		if len(x) == 0 {
			return nil, errors.New("seeds = []: need at least one seed")
		}
		var out []uint64
		for _, e := range x {
			n, ok := e.(int64)
			if !ok || n < 0 {
				return nil, fmt.Errorf("seeds: %v is not a seed (a whole number ≥ 0)", e)
			}
			if slices.Contains(out, uint64(n)) {
				return nil, fmt.Errorf("seeds lists %d twice", n)
			}
			out = append(out, uint64(n))
		}
		return out, nil
	}
	return nil, fmt.Errorf("seeds = %v: give a count (seeds = 10) or a list of whole numbers", v)
}

// contiguous reports whether seeds are s, s+1, s+2, …
func contiguous(seeds []uint64) bool {
	for i := range seeds {
		if seeds[i] != seeds[0]+uint64(i) {
			return false
		}
	}
	return true
}

// Task is one run of the experiment.
type Task struct {
	// Index is the task's position in the plan, from 0.
	Index int
	// ID is the stable id: a hash of the study, the flags and the seeds.
	ID string
	// Flags are the experiment flags of the task (base and grid point),
	// without the seeds.
	Flags map[string]string
	// Seed is the first seed and Seeds the number of seeds the task runs
	// (1, except for capacity, whose tasks run every seed).
	Seed  uint64
	Seeds int
}

// Plan is the list of tasks of a sweep.
type Plan struct {
	Spec  Spec
	Tasks []Task
}

// GridKeys returns the grid's flags in the order they vary in the plan:
// sorted by name, the last varying fastest (before the seeds).
func (s Spec) GridKeys() []string {
	keys := make([]string, 0, len(s.Grid))
	for k := range s.Grid {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Plan expands the spec into tasks: every combination of grid values
// (flags sorted by name, values in the order given), and within it every
// seed. Capacity tasks run all seeds at once, since capacity is decided on
// their mean F1.
func (s Spec) Plan() Plan {
	keys := s.GridKeys()
	var points []map[string]string
	var walk func(i int, cur map[string]string)
	walk = func(i int, cur map[string]string) {
		if i == len(keys) {
			points = append(points, maps(cur))
			return
		}
		for _, v := range s.Grid[keys[i]] {
			cur[keys[i]] = v
			walk(i+1, cur)
		}
		delete(cur, keys[i])
	}
	walk(0, map[string]string{})
	p := Plan{Spec: s}
	for _, pt := range points {
		flags := maps(s.Base)
		for k, v := range pt {
			flags[k] = v
		}
		if s.Experiment == "capacity" {
			p.add(Task{Flags: flags, Seed: s.Seeds[0], Seeds: len(s.Seeds)})
			continue
		}
		for _, seed := range s.Seeds {
			p.add(Task{Flags: maps(flags), Seed: seed, Seeds: 1})
		}
	}
	return p
}

func (p *Plan) add(t Task) {
	t.Index = len(p.Tasks)
	t.ID = taskID(p.Spec.Experiment, t)
	p.Tasks = append(p.Tasks, t)
}

// maps returns a copy of m.
func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// taskID hashes the canonical form of a task: the study, the flags sorted
// by name and the seeds.
func taskID(study string, t Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "experiment=%s\n", study)
	for _, k := range sortedKeys(t.Flags) {
		fmt.Fprintf(&b, "%s=%s\n", k, t.Flags[k])
	}
	fmt.Fprintf(&b, "seed=%d\nseeds=%d\n", t.Seed, t.Seeds)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:6])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Args returns the command line of the task after the program name,
// without --out: experiment, the study, the flags sorted by name (true
// booleans as bare flags), --seed and --seeds.
func (t Task) Args(study string) []string {
	args := []string{"experiment", study}
	for _, k := range sortedKeys(t.Flags) {
		args = append(args, flagArg(k, t.Flags[k]))
	}
	return append(args, "--seed", strconv.FormatUint(t.Seed, 10), "--seeds", strconv.Itoa(t.Seeds))
}

// flagArg formats one flag.
func flagArg(k, v string) string {
	if v == "true" {
		return "--" + k
	}
	return "--" + k + "=" + v
}

// Quote returns args as one shell command line, quoting what needs it.
func Quote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = quote(a)
	}
	return strings.Join(out, " ")
}

// plain matches the words a shell reads literally (read only).
var plain = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

func quote(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
