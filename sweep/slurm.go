package sweep

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// SlurmOptions describe the job array of a sweep.
type SlurmOptions struct {
	// Exe, File and Out are the hdsnn binary, the sweep file and the
	// output directory, as absolute paths on the cluster's shared file
	// system.
	Exe, File, Out string
	// Chunk is the number of tasks per array element (≥ 1).
	Chunk int
	// Throttle is the most array elements running at once (0: no limit).
	Throttle int
	// Time is the wall-clock limit of one element (Slurm format, such as
	// 1:00:00).
	Time string
	// MemMB is the memory per element in megabytes.
	MemMB int64
	// CPUs is the number of CPUs per element; the element runs as many
	// tasks at once.
	CPUs int
	// Partition and Account are passed to sbatch when not empty.
	Partition, Account string
	// Name is the job name.
	Name string
}

// slurmTime matches the time formats of sbatch --time.
var slurmTime = regexp.MustCompile(`^(\d+-)?\d+(:\d+){0,2}$`)

// Slurm returns the sbatch script of a job array that runs the plan in
// chunks of o.Chunk tasks: element i runs
//
//	hdsnn sweep run FILE --out DIR --task-index i --chunk C --jobs CPUs
//
// Output goes to OUT/logs/<job>_<element>.out. Elements are requeued
// when pre-empted or when their node fails (--requeue); a requeued or
// resubmitted element skips the tasks already done.
func Slurm(p Plan, o SlurmOptions) (string, error) {
	switch {
	case o.Chunk < 1:
		return "", fmt.Errorf("--chunk = %d: need at least one task per array element", o.Chunk)
	case o.Throttle < 0:
		return "", fmt.Errorf("--throttle = %d: cannot be negative (0 = no limit)", o.Throttle)
	case !slurmTime.MatchString(o.Time):
		return "", fmt.Errorf("--time %q is not a Slurm time; use minutes, H:MM:SS or D-HH:MM:SS", o.Time)
	case o.MemMB < 1:
		return "", fmt.Errorf("--mem = %d MB: need a positive amount", o.MemMB)
	case o.CPUs < 1:
		return "", fmt.Errorf("--cpus = %d: need at least one CPU per element", o.CPUs)
	case len(p.Tasks) == 0:
		return "", errors.New("the sweep has no tasks")
	}
	for _, s := range []struct{ name, v string }{{"--partition", o.Partition}, {"--account", o.Account}, {"job name", o.Name},
		{"--out", o.Out}, {"the sweep file", o.File}, {"the hdsnn binary", o.Exe}} {
		if strings.ContainsAny(s.v, " \t\n'\"$`\\") {
			return "", fmt.Errorf("%s %q: spaces, quotes and shell characters are not allowed in a Slurm script; choose another name or path", s.name, s.v)
		}
	}
	array := fmt.Sprintf("0-%d", p.Chunks(o.Chunk)-1)
	if o.Throttle > 0 {
		array += fmt.Sprintf("%%%d", o.Throttle)
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# Sweep %s: %d tasks of \"hdsnn experiment %s\" in %d array elements of %d.\n",
		o.File, len(p.Tasks), p.Spec.Experiment, p.Chunks(o.Chunk), o.Chunk)
	b.WriteString("# Written by \"hdsnn sweep slurm\". Submit with: sbatch " + quote(o.Out+"/sweep.sbatch") + "\n")
	b.WriteString("# Rerun chosen elements with: sbatch --array=3,7 " + quote(o.Out+"/sweep.sbatch") + "\n")
	sb := func(format string, args ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", args...) }
	sb("--job-name=%s", o.Name)
	sb("--array=%s", array)
	sb("--time=%s", o.Time)
	sb("--mem=%dM", o.MemMB)
	sb("--ntasks=1")
	sb("--cpus-per-task=%d", o.CPUs)
	if o.Partition != "" {
		sb("--partition=%s", o.Partition)
	}
	if o.Account != "" {
		sb("--account=%s", o.Account)
	}
	sb("--requeue")
	sb("--open-mode=append")
	sb("--output=%s/logs/%%A_%%a.out", o.Out)
	b.WriteString("set -euo pipefail\n")
	// exec: the signals Slurm sends (SIGTERM before a kill or requeue)
	// reach hdsnn, which forwards them to its running tasks.
	fmt.Fprintf(&b, "exec %s sweep run %s --out %s --task-index \"$SLURM_ARRAY_TASK_ID\" --chunk %d --jobs \"${SLURM_CPUS_PER_TASK:-%d}\"\n",
		quote(o.Exe), quote(o.File), quote(o.Out), o.Chunk, o.CPUs)
	return b.String(), nil
}
