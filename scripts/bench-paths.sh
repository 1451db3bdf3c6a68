#!/usr/bin/env bash
# The recall paths side by side: runs "hdsnn bench --stages 'sparse
# recall,float32 recall,integer recall'" several times in a row with one
# binary, and prints each round's medians and the ratio of the integer
# path's synaptic events per second to the sparse float64 path's (the same
# events: the stored synapses of the spikes seen), then the median ratio
# over the rounds. Within a run the stages take turns, repeat by repeat;
# the rounds show how much the ratio moves between runs.
#
# usage: scripts/bench-paths.sh [--rounds R] [--repeats K] [--out FILE] [-- BENCH-FLAGS…]
#   --rounds R   hdsnn bench runs (default 5)
#   --repeats K  repeats of each stage within a run, median taken (default 21)
#   --out FILE   the JSON with every run's output and the ratios
#                (default bench-paths.json in the current directory)
#   BENCH-FLAGS  more flags for hdsnn bench, e.g. -- --neurons 4096 --fan-in 512 --synapses all
#
# GOMAXPROCS in the environment is passed on (the runs record it). Takes
# about ten seconds at the benchmark size. Not part of .ci/run: it times.
set -euo pipefail
here="$(pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"

rounds=5
repeats=21
out="bench-paths.json"
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds | --repeats | --out)
		[ $# -ge 2 ] || { echo "bench-paths: $1 needs a value" >&2; exit 2; }
		case "$1" in
		--rounds) rounds="$2" ;;
		--repeats) repeats="$2" ;;
		--out) out="$2" ;;
		esac
		shift
		;;
	--)
		shift
		break
		;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	*) echo "bench-paths: unknown argument $1 (flags for hdsnn bench go after --)" >&2; exit 2 ;;
	esac
	shift
done
case "$rounds" in '' | *[!0-9]* | 0) echo "bench-paths: --rounds $rounds: want a positive whole number" >&2; exit 2 ;; esac
case "$repeats" in '' | *[!0-9]* | 0) echo "bench-paths: --repeats $repeats: want a positive whole number" >&2; exit 2 ;; esac
case "$out" in /*) ;; *) out="$here/$out" ;; esac

tmp="$(mktemp -d /tmp/hdsnn-bench-paths.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/hdsnn" ./cmd/hdsnn)
commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
date_utc="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
cmd=(bench --stages "sparse recall,float32 recall,integer recall" --repeats "$repeats" --json "$@")
echo "bench-paths: $date_utc, commit $commit, load $load_before: $rounds × hdsnn ${cmd[*]}" >&2
for r in $(seq "$rounds"); do
	"$tmp/hdsnn" "${cmd[@]}" >"$tmp/run$r.json" 2>"$tmp/run$r.log" ||
		{ cat "$tmp/run$r.log" >&2; exit 1; }
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

DATE="$date_utc" COMMIT="$commit" LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" \
	HDSNN_CMD="hdsnn ${cmd[*]}" /usr/bin/python3 - "$out" "$tmp"/run*.json <<'EOF'
import json, os, statistics, sys

runs = [json.load(open(p)) for p in sys.argv[2:]]
rows = []
for k, run in enumerate(runs, 1):
    t = {x["stage"]: x for x in run["timings"]}
    f64, f32, i8 = t["sparse recall"], t["float32 recall"], t["integer recall"]
    ratio = i8["events_per_second"] / f64["events_per_second"]
    rows.append({"round": k, "sparse_recall_s": f64["median_seconds"], "float32_recall_s": f32["median_seconds"],
                 "integer_recall_s": i8["median_seconds"], "integer_over_float64": ratio})
    print("round %d: float64 %.4f s, float32 %.4f s, integer %.4f s; integer / float64 events/s %.2f×"
          % (k, f64["median_seconds"], f32["median_seconds"], i8["median_seconds"], ratio))
ratios = [r["integer_over_float64"] for r in rows]
med = statistics.median(ratios)
print("median over %d rounds: %.2f× (%.2f–%.2f); %s events per recall; membrane kernel %s, GOMAXPROCS %d"
      % (len(rows), med, min(ratios), max(ratios), runs[0]["timings"][0]["synaptic_events"],
         runs[0]["membrane_kernel"], runs[0]["gomaxprocs"]))
cpu = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
doc = {"date": os.environ["DATE"], "commit": os.environ["COMMIT"], "command": os.environ["HDSNN_CMD"],
       "load_before": os.environ["LOAD_BEFORE"], "load_after": os.environ["LOAD_AFTER"],
       "cpu": cpu, "cores": os.cpu_count(), "rounds": rows, "median_ratio": med, "runs": runs}
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
os.replace(tmp, sys.argv[1])
EOF
echo "bench-paths: wrote $out" >&2
