#!/usr/bin/env bash
# End-to-end test of "hdsnn sweep" on a real Slurm cluster: the one-node
# cluster of scripts/slurm-local.sh on localhost. Run as root from anywhere;
# .ci/run calls it. Takes about a minute.
#
#  1. build hdsnn; start the cluster (exit 0 with "SKIP" only when Slurm is
#     not installed and cannot be: slurm-local.sh exits 3);
#  2. a quick scan of D over 4 values × 2 seeds (8 tasks): run it locally
#     with "sweep run" and collect it;
#  3. submit the same sweep with "sweep slurm --submit" (2 array elements of
#     4 tasks, one at a time), scancel element 1 midway, wait;
#  4. collect must report the lost tasks; requeue element 1 (scontrol
#     requeue, else sbatch --array=1) and, to show a requeue repeats nothing,
#     the finished element 0; wait;
#  5. collect must find all 8 tasks, rows equal to the local run's (all
#     columns but seconds), element 0's rerun must have run no task and no
#     done.json written before the requeue may have changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
tmp="$(mktemp -d /tmp/hdsnn-slurm-test.XXXXXX)"
fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
log() { echo "test-slurm: $*"; }

rc=0
scripts/slurm-local.sh start "$@" || rc=$?
if [ "$rc" = 3 ]; then
	echo "test-slurm: SKIP: Slurm is not installed and could not be installed here (see above); the local sweep is covered by go test ./sweep ./cmd/hdsnn"
	exit 0
elif [ "$rc" != 0 ]; then
	fail "the local Slurm cluster did not start (exit $rc)"
fi

go build -o "$tmp/hdsnn" ./cmd/hdsnn
hdsnn="$tmp/hdsnn"
sweepfile="$tmp/sweep.toml"
cat > "$sweepfile" <<'TOML'
experiment = "scan"
seeds = 2
[base]
param = "delays"
quick = true
[grid]
values = [3, 5, 10, 20]
TOML

log "local run"
"$hdsnn" sweep plan "$sweepfile"
"$hdsnn" sweep run "$sweepfile" --out "$tmp/local" --jobs 2 >/dev/null 2>&1 || fail "local sweep run"
"$hdsnn" sweep collect "$sweepfile" --out "$tmp/local" --no-figures || fail "local collect"

log "submitting to Slurm"
out="$tmp/slurm"
sub="$("$hdsnn" sweep slurm "$sweepfile" --out "$out" --chunk 4 --throttle 1 --time 10:00 --partition debug --submit)"
echo "$sub"
job="$(echo "$sub" | awk '/^submitted job/ {print $3}')"
[ -n "$job" ] || fail "no job id from sweep slurm --submit"

# wait_gone JOB SECONDS: wait until the job (all its elements) left the queue.
wait_gone() {
	for _ in $(seq $(( $2 * 5 ))); do
		[ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	squeue; fail "job $1 still queued after $2 s"
}

# Cancel element 1 while it runs (it starts after element 0: --throttle 1).
state=""
for _ in $(seq 600); do
	state="$(squeue -h -j "${job}_1" -o %T 2>/dev/null || true)"
	[ "$state" = RUNNING ] && break
	[ -z "$state" ] && break
	sleep 0.2
done
[ "$state" = RUNNING ] || fail "element 1 never seen running (state '$state')"
sleep 1
scancel "${job}_1"
log "cancelled element ${job}_1 while running"
wait_gone "$job" 120

set +e
"$hdsnn" sweep collect "$sweepfile" --out "$out" --no-figures > "$tmp/collect1.txt"
rc=$?
set -e
cat "$tmp/collect1.txt"
done_before="$(ls "$out"/tasks/*/done.json | wc -l)"
if [ "$rc" = 0 ]; then
	log "note: element 1 finished its 4 tasks before the cancel landed; the rerun will have nothing to do"
else
	grep -q "^missing task" "$tmp/collect1.txt" || fail "collect failed without listing the missing tasks"
	grep -q "sbatch --array=1 " "$tmp/collect1.txt" || fail "collect did not print the sbatch command rerunning element 1"
	log "$done_before of 8 tasks done after the cancel"
fi
[ "$done_before" -ge 4 ] || fail "only $done_before tasks done: element 0 should have finished its 4"
stamps="$(stat -c '%n %Y.%y' "$out"/tasks/*/done.json)"

log "requeueing element 1 (cancelled) and element 0 (finished)"
jobs="$job"
if ! scontrol requeue "${job}_1" 2>/dev/null; then
	log "scontrol requeue of a cancelled element refused; resubmitting it with sbatch --array=1"
	jobs="$jobs,$(sbatch --parsable --array=1 "$out/sweep.sbatch" | cut -d';' -f1)"
fi
scontrol requeue "${job}_0" || fail "scontrol requeue ${job}_0"
sleep 1
# A requeued element waits for a begin time; start it now.
for j in $(squeue -h -j "$jobs" -o %i 2>/dev/null); do scontrol update jobid="$j" StartTime=now 2>/dev/null || true; done
wait_gone "$jobs" 120

"$hdsnn" sweep collect "$sweepfile" --out "$out" || fail "collect after the requeue"
tail -1 "$out/logs/${job}_0.out" | grep -q "^0 tasks run, 4 already done" || { cat "$out/logs/${job}_0.out"; fail "the requeued element 0 ran tasks again"; }
while read -r f stamp; do
	[ "$(stat -c '%n %Y.%y' "$f")" = "$f $stamp" ] || fail "$f was rewritten by the rerun"
done <<<"$stamps"
merged="$out/results/scan-delays.csv"
diff <(sed 's/,[^,]*$//' "$tmp/local/results/scan-delays.csv") <(sed 's/,[^,]*$//' "$merged") || fail "the Slurm sweep's rows differ from the local run's"
[ "$(wc -l < "$merged")" = 9 ] || fail "$merged has $(wc -l < "$merged") lines, want a header and 8 rows"
want="$(( 8 - done_before )) tasks run, $(( done_before - 4 )) already done"
rerun_log="$(ls -t "$out"/logs/*_1.out | head -1)"
tail -1 "$rerun_log" | grep -q "^$want" || { cat "$rerun_log"; fail "the rerun of element 1 did not run exactly its missing tasks ($want)"; }
log "array element logs:"; grep -h "tasks run," "$out"/logs/*.out
log "PASS: 8 tasks through Slurm, cancelled element rerun completed only its missing tasks, requeued element repeated none, rows equal to the local run"
rm -rf "$tmp"
