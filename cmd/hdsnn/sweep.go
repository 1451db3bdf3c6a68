package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hdsnn/hdsnn/atomicfile"
	"github.com/hdsnn/hdsnn/sweep"
)

// newSweepCmd builds "hdsnn sweep" and its subcommands.
func newSweepCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Run a study as independent tasks: on all cores, or as a Slurm job array",
		Long: `A sweep file (TOML) names an experiment, its base flags, a grid of flag values
and the seeds:

  experiment = "scan"          # robustness, sequential, scan, capacity or search
  seeds = 10                   # seeds 1 … 10 (seed = S sets the first), or a list [1, 4, 9]
  [base]                       # flags of every task, without dashes
  param = "delays"
  [grid]                       # every combination of one value per flag
  values = [1, 3, 5, 11, 21, 41, 81, 127]

Every (grid point, seed) is a task: one process running
  hdsnn experiment <study> <flags> --seed s --seeds 1 --out DIR/tasks/<id>
which gives exactly the rows seed s gives in a --seeds run (capacity tasks run
all seeds at once: capacity is decided on their mean). Task ids hash the
task's flags and seed, so the same file gives the same ids in any key order
and a grown grid keeps the tasks already done.

  plan     list the tasks, their ids, commands and memory estimates
  run      run them on a pool of processes (resumes; Ctrl-C keeps what finished)
  slurm    write DIR/sweep.sbatch, a job array running chunks of tasks
  collect  merge the task CSVs into the study's CSV and draw its figures`,
		Example: `  hdsnn sweep plan docs/sweeps/scan-delays.toml
  hdsnn sweep run docs/sweeps/scan-delays.toml --out out/sweep
  hdsnn sweep slurm docs/sweeps/scan-delays.toml --out /scratch/me/sweep --partition cpu --submit
  hdsnn sweep collect docs/sweeps/scan-delays.toml --out out/sweep`,
	}
	cmd.AddCommand(newSweepPlanCmd(), newSweepRunCmd(), newSweepSlurmCmd(), newSweepCollectCmd())
	return cmd
}

// loadPlan reads a sweep file, plans it and checks every task's command
// line against the experiment's flags, so that a typo fails before any
// task starts.
func loadPlan(path string) (sweep.Plan, error) {
	s, err := sweep.Load(path)
	if err != nil {
		return sweep.Plan{}, err
	}
	p := s.Plan()
	for _, t := range p.Tasks {
		args := t.Args(s.Experiment)
		c, rest, err := newRoot().Find(args)
		if err != nil {
			return p, fmt.Errorf("%s: task %d: %w", path, t.Index, err)
		}
		if err := c.ParseFlags(rest); err != nil {
			return p, fmt.Errorf("%s: task %d (%s): %w; see hdsnn experiment %s --help", path, t.Index, sweep.Quote(args), err, s.Experiment)
		}
		if n := c.Flags().NArg(); n > 0 {
			return p, fmt.Errorf("%s: task %d: unexpected arguments %v", path, t.Index, c.Flags().Args())
		}
	}
	return p, nil
}

// gib formats bytes in GiB or MiB.
func gib(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// newSweepPlanCmd builds "hdsnn sweep plan".
func newSweepPlanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plan FILE",
		Short: "List a sweep's tasks: index, stable id, memory estimate and exact command",
		Long: `Print one line per task (index, id, sizes, memory estimate, command), then
the number of tasks and the largest memory estimate. The estimate is
5·N²·D·8 bytes (weights, gradient, two Adam moments and the best weights, the
copies the experiments check against the available memory) plus M·N·T bytes
of patterns plus 256 MiB, for the largest N, D, M, T the task uses.`,
		Example: `  hdsnn sweep plan docs/sweeps/scan-delays.toml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPlan(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "index\tid\tN\tD\tM\tT\tmemory\tcommand")
			for _, t := range p.Tasks {
				z, b := p.Estimate(t)
				fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%s\thdsnn %s --out DIR/tasks/%s\n", t.Index, t.ID, z.N, z.D, z.M, z.T, gib(b),
					sweep.Quote(t.Args(p.Spec.Experiment)), t.ID)
			}
			tw.Flush()
			fmt.Fprintf(w, "%d tasks of hdsnn experiment %s; at most %s of memory per task\n", len(p.Tasks), p.Spec.Experiment, gib(p.MaxBytes()))
			return nil
		},
	}
}

// sweepRunCmd holds the flags of "hdsnn sweep run".
type sweepRunCmd struct {
	out          string
	jobs         int
	index, chunk int
	tasks        []int
}

// newSweepRunCmd builds "hdsnn sweep run".
func newSweepRunCmd() *cobra.Command {
	o := &sweepRunCmd{}
	cmd := &cobra.Command{
		Use:   "run FILE --out DIR",
		Short: "Run a sweep's tasks on a pool of processes; resumes, and Ctrl-C keeps every finished task",
		Long: `Run every task not yet done, --jobs at a time, each as its own hdsnn
process writing into DIR/tasks/<id>/ (its output in log.txt). A task is done
when DIR/tasks/<id>/done.json exists (written atomically after the
experiment's CSV, with its checksum); done tasks are skipped, so rerunning
the same command resumes. A failed task leaves failed.json (exit status, end
of its output) and is run again by the next run.

Ctrl-C or SIGTERM (as Slurm sends before a kill or requeue) stops at once:
no new task starts, running tasks get the interrupt and are not marked done
(their experiment CSV keeps its finished rows, and the next run resumes
them); the tasks already done stay done.

--task-index I --chunk C runs only tasks I·C … I·C+C−1, as element I of the
job array written by "hdsnn sweep slurm"; --tasks runs the listed indices.
Each task gets GOMAXPROCS = cores / --jobs; results do not depend on it.`,
		Example: `  hdsnn sweep run docs/sweeps/scan-delays.toml --out out/sweep
  hdsnn sweep run sweep.toml --out out/sweep --jobs 1 --tasks 3,7`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.out, "out", "", "output `directory` of the sweep (tasks go to DIR/tasks/<id>)")
	_ = cmd.MarkFlagRequired("out") // the flag exists
	fs.IntVar(&o.jobs, "jobs", runtime.NumCPU(), "tasks run at once")
	fs.IntVar(&o.index, "task-index", -1, "run only chunk `I` (0-based; a Slurm array element: $SLURM_ARRAY_TASK_ID)")
	fs.IntVar(&o.chunk, "chunk", 1, "tasks per chunk for --task-index")
	fs.IntSliceVar(&o.tasks, "tasks", nil, "run only these task indices, comma-separated (as printed by plan and collect)")
	return cmd
}

func (o *sweepRunCmd) run(cmd *cobra.Command, file string) error {
	if o.jobs < 1 {
		return fmt.Errorf("--jobs = %d: need at least one", o.jobs)
	}
	if strings.TrimSpace(o.out) == "" {
		return errors.New("--out is empty; pass the sweep's output directory")
	}
	p, err := loadPlan(file)
	if err != nil {
		return err
	}
	tasks := p.Tasks
	switch {
	case o.index >= 0 && len(o.tasks) > 0:
		return errors.New("--task-index and --tasks both choose tasks; give one of them")
	case o.index >= 0:
		if tasks, err = p.Chunk(o.index, o.chunk); err != nil {
			return err
		}
	case cmd.Flags().Changed("task-index"):
		return fmt.Errorf("--task-index = %d: chunks are numbered from 0", o.index)
	case cmd.Flags().Changed("chunk"):
		return errors.New("--chunk goes with --task-index")
	case len(o.tasks) > 0:
		tasks = nil
		for _, i := range o.tasks {
			if i < 0 || i >= len(p.Tasks) {
				return fmt.Errorf("--tasks: %d is not a task index; the plan has tasks 0 … %d", i, len(p.Tasks)-1)
			}
			tasks = append(tasks, p.Tasks[i])
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the hdsnn binary to run the tasks: %w", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "sweep %s: %d of %d tasks, %d at a time, into %s\n", file, len(tasks), len(p.Tasks), min(o.jobs, len(tasks)), o.out)
	rep, err := sweep.Run(cmd.Context(), p, tasks, sweep.RunOptions{
		Exe: exe, Out: o.out, Jobs: o.jobs,
		Progress: taskBar(stderr), Log: lineLog(stderr),
	})
	fmt.Fprintf(cmd.OutOrStdout(), "%d tasks run, %d already done, %d failed, %d running elsewhere\n",
		len(rep.Ran), len(rep.Skipped), len(rep.Failed), len(rep.Busy))
	return err
}

// taskBar returns a progress callback: a bar on a terminal, a line per
// task otherwise.
func taskBar(w io.Writer) func(settled, total int) {
	var bar *progressbar.ProgressBar
	return func(settled, total int) {
		if !isTerminal(w) {
			fmt.Fprintf(w, "sweep: %d/%d tasks\n", settled, total)
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("tasks"),
				progressbar.OptionShowCount(), progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(0),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set(settled) // progress display only
	}
}

// lineLog returns w when it is not a terminal (where the bar would be
// broken by lines), else nil: failures are listed at the end anyway.
func lineLog(w io.Writer) io.Writer {
	if isTerminal(w) {
		return nil
	}
	return w
}

// sweepSlurmCmd holds the flags of "hdsnn sweep slurm".
type sweepSlurmCmd struct {
	out, binary                   string
	chunk, throttle, cpus         int
	time, mem, partition, account string
	name                          string
	submit                        bool
}

// newSweepSlurmCmd builds "hdsnn sweep slurm".
func newSweepSlurmCmd() *cobra.Command {
	o := &sweepSlurmCmd{}
	cmd := &cobra.Command{
		Use:   "slurm FILE --out DIR",
		Short: "Write DIR/sweep.sbatch: a Slurm job array whose elements run chunks of the sweep",
		Long: `Write DIR/sweep.sbatch, a job array with one element per --chunk tasks. Element
I runs "hdsnn sweep run FILE --out DIR --task-index I --chunk C --jobs CPUs",
so DIR must be on a file system every node sees, and FILE and the hdsnn
binary too (--binary when its path differs on the nodes). Results are one
directory per task, marked done atomically: a killed, pre-empted (SIGTERM
then SIGKILL) or requeued element loses no finished task and repeats none.
Logs go to DIR/logs/<job>_<element>.out.

--mem defaults to the plan's largest per-task estimate times the tasks an
element runs at once (--cpus), rounded up; --time is per element.
Rerun chosen elements with "sbatch --array=3,7 DIR/sweep.sbatch" (collect
prints the list).`,
		Example: `  hdsnn sweep slurm sweep.toml --out /scratch/me/sweep --partition cpu --account abc123 --submit
  hdsnn sweep slurm sweep.toml --out out/sweep --chunk 4 --cpus 2 --time 30:00 --throttle 20`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.out, "out", "", "output `directory` of the sweep, on a shared file system")
	_ = cmd.MarkFlagRequired("out") // the flag exists
	fs.IntVar(&o.chunk, "chunk", 1, "tasks per array element")
	fs.IntVar(&o.throttle, "throttle", 50, "most array elements running at once (--array=…%N; 0 = no limit)")
	fs.StringVar(&o.time, "time", "2:00:00", "wall-clock limit per element (minutes, H:MM:SS or D-HH:MM:SS)")
	fs.StringVar(&o.mem, "mem", "", "memory per element in MB, or with a unit: 800M, 4G (default: from the plan's estimate)")
	fs.IntVar(&o.cpus, "cpus", 1, "CPUs per element (--cpus-per-task); the element runs as many tasks at once")
	fs.StringVar(&o.partition, "partition", "", "Slurm partition (default: the cluster's default)")
	fs.StringVar(&o.account, "account", "", "Slurm account to charge (default: yours)")
	fs.StringVar(&o.name, "name", "", "job name (default: hdsnn-<experiment>)")
	fs.StringVar(&o.binary, "binary", "", "path of hdsnn on the compute nodes (default: this binary)")
	fs.BoolVar(&o.submit, "submit", false, "submit the script with sbatch and print the job id")
	return cmd
}

// parseMem parses --mem into megabytes.
func parseMem(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1024, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		s = strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("--mem %q: give megabytes (800, 800M) or gigabytes (4G)", s)
	}
	return v * mult, nil
}

func (o *sweepSlurmCmd) run(cmd *cobra.Command, file string) error {
	p, err := loadPlan(file)
	if err != nil {
		return err
	}
	var memMB int64
	if o.mem != "" {
		if memMB, err = parseMem(o.mem); err != nil {
			return err
		}
	} else {
		// Round up to 100 MB.
		memMB = (p.MaxBytes()*int64(max(o.cpus, 1))/(1<<20) + 99) / 100 * 100
	}
	exe := o.binary
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("finding the hdsnn binary: %w; pass --binary", err)
		}
	}
	abs := func(path string) (string, error) {
		a, err := filepath.Abs(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		return a, nil
	}
	if exe, err = abs(exe); err != nil {
		return err
	}
	fileAbs, err := abs(file)
	if err != nil {
		return err
	}
	if strings.TrimSpace(o.out) == "" {
		return errors.New("--out is empty; pass the sweep's output directory")
	}
	out, err := abs(o.out)
	if err != nil {
		return err
	}
	name := o.name
	if name == "" {
		name = "hdsnn-" + p.Spec.Experiment
	}
	script, err := sweep.Slurm(p, sweep.SlurmOptions{Exe: exe, File: fileAbs, Out: out, Chunk: o.chunk, Throttle: o.throttle,
		Time: o.time, MemMB: memMB, CPUs: o.cpus, Partition: o.partition, Account: o.account, Name: name})
	if err != nil {
		return err
	}
	// Slurm does not create the directory of --output itself.
	if err := os.MkdirAll(filepath.Join(out, "logs"), 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	path := filepath.Join(out, "sweep.sbatch")
	if err := atomicfile.WriteBytes(path, []byte(script)); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "wrote %s: %d tasks in %d array elements of %d, %d MB and %d CPUs each, %s per element\n",
		path, len(p.Tasks), p.Chunks(o.chunk), o.chunk, memMB, o.cpus, o.time)
	if !o.submit {
		fmt.Fprintf(w, "submit with: sbatch %s\n", sweep.Quote([]string{path}))
		return nil
	}
	c := exec.CommandContext(cmd.Context(), "sbatch", "--parsable", path)
	c.Stderr = cmd.ErrOrStderr()
	b, err := c.Output()
	if err != nil {
		return fmt.Errorf("sbatch %s: %w (is Slurm installed and its controller up? see scripts/slurm-local.sh)", path, err)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(b)), ";")
	fmt.Fprintf(w, "submitted job %s\n", id)
	return nil
}

// newSweepCollectCmd builds "hdsnn sweep collect".
func newSweepCollectCmd() *cobra.Command {
	var out string
	var noFigures bool
	cmd := &cobra.Command{
		Use:   "collect FILE --out DIR",
		Short: "Merge the task CSVs into the study's CSV, list missing and failed tasks, draw the figures",
		Long: `Check every task of the sweep: done (its CSV checksum must match done.json),
failed (failed.json) or missing (not run, running, or killed). The CSVs of
the done tasks are merged, in task order, into DIR/results/<study>.csv (one
directory per value of any grid flag that is not a list flag such as
--values, under DIR/results/<flag=value>). Missing and failed tasks are listed
with the commands that rerun just those, and collect then fails.

When every task is done, the figures are drawn by the experiment command
itself, run in DIR/results with the sweep's whole grid and seeds: it finds
every run in the merged CSV, runs nothing (checked: the CSV must not grow)
and writes the summary, the figures and the study's other outputs.`,
		Example: `  hdsnn sweep collect docs/sweeps/scan-delays.toml --out out/sweep`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return collect(cmd, args[0], out, noFigures)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output `directory` of the sweep")
	_ = cmd.MarkFlagRequired("out") // the flag exists
	cmd.Flags().BoolVar(&noFigures, "no-figures", false, "only merge the CSVs")
	return cmd
}

// chunkOf matches the chunk size in a script written by sweep slurm.
var chunkOf = regexp.MustCompile(`--chunk (\d+)`)

func collect(cmd *cobra.Command, file, out string, noFigures bool) error {
	p, err := loadPlan(file)
	if err != nil {
		return err
	}
	if _, err := os.Stat(out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	c, err := sweep.Collect(p, out)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%d of %d tasks done, %d missing, %d failed\n", len(c.Done), len(p.Tasks), len(c.Missing), len(c.Failed))
	for _, g := range c.Groups {
		if g.CSV != "" {
			fmt.Fprintf(w, "merged %d rows of %d tasks into %s\n", g.Rows, len(g.Tasks), filepath.Join(g.Dir, g.CSV))
		}
	}
	if !c.Complete() {
		for _, t := range c.Missing {
			fmt.Fprintf(w, "missing task %d (%s): hdsnn %s\n", t.Index, t.ID, sweep.Quote(t.Args(p.Spec.Experiment)))
		}
		for _, t := range c.Failed {
			f := c.Failures[t.Index]
			fmt.Fprintf(w, "failed task %d (%s), exit %d on %s: %s\n", t.Index, t.ID, f.Exit, f.Host, lastLine(f.Stderr))
		}
		todo := append(slices.Clone(c.Missing), c.Failed...)
		slices.SortFunc(todo, func(a, b sweep.Task) int { return a.Index - b.Index })
		fmt.Fprintf(w, "rerun just those: hdsnn sweep run %s --out %s --tasks %s\n", sweep.Quote([]string{file}), sweep.Quote([]string{out}), sweep.RerunIndices(todo))
		if b, err := os.ReadFile(filepath.Join(out, "sweep.sbatch")); err == nil {
			if m := chunkOf.FindSubmatch(b); m != nil {
				chunk, _ := strconv.Atoi(string(m[1]))
				var elems []string
				for _, t := range todo {
					e := strconv.Itoa(t.Index / max(chunk, 1))
					if !slices.Contains(elems, e) {
						elems = append(elems, e)
					}
				}
				fmt.Fprintf(w, "or on Slurm: sbatch --array=%s %s\n", strings.Join(elems, ","), sweep.Quote([]string{filepath.Join(out, "sweep.sbatch")}))
			}
		}
		return fmt.Errorf("%d tasks missing and %d failed; the merged CSV holds the %d done", len(c.Missing), len(c.Failed), len(c.Done))
	}
	if noFigures {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the hdsnn binary to draw the figures: %w", err)
	}
	for _, g := range c.Groups {
		r, err := sweep.Redraw(cmd.Context(), sweep.RunOptions{Exe: exe}, g, c)
		if err != nil {
			return err
		}
		fmt.Fprint(w, r.Output)
		fmt.Fprintf(w, "figures drawn in %.1f s by: hdsnn %s --out %s (no run repeated)\n", r.Seconds, sweep.Quote(g.Redraw), sweep.Quote([]string{g.Dir}))
	}
	return nil
}

// lastLine returns the last line of a task's output that is not one of
// the pool's "===" markers.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "=== ") {
			return l
		}
	}
	return "(no output)"
}
