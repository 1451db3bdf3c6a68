#!/usr/bin/env bash
# Speed-ups as same-run ratios: times the dense PyTorch reference
# (ref_hdsnn.py, kept outside the repository) and "hdsnn bench" one after
# the other, in one go, and prints each stage's hdsnn median, the
# reference's time and their ratio. Timings on a shared machine vary by
# 2–4× between runs and days, so only ratios from one run are comparable.
#
# usage: scripts/bench-reference.sh [--install] [--fan-in K] [--out FILE] [REF]
#   REF        path to ref_hdsnn.py (default ../shared/reference/ref_hdsnn.py,
#              relative to the repository root)
#   --install  first run "apt-get update" and
#              "apt-get install -y python3-torch python3-numpy libopenblas0-pthread"
#   --fan-in K time only the exact epoch, on the Hebbian weights of a fan-in-K
#              connectivity: dense ("exact epoch", on their dense form),
#              sparse on every synapse of the connectivity ("sparse exact
#              epoch", N·K·D entries, --synapses all: what training on a
#              fixed connectivity costs) and, in a second hdsnn run, sparse
#              on the non-zero Hebbian weights only ("sparse exact epoch,
#              Hebbian support", --synapses nonzero)
#   --out FILE the JSON with both raw outputs, the ratios and the machine
#              (default bench-reference.json in the current directory)
#
# Takes about three minutes on 2 cores, more with --fan-in (the reference epoch alone is over a
# minute); run it on a quiet machine. Not part of .ci/run: it needs torch.
set -euo pipefail
here="$(pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"

install=0
fanin=0
out="bench-reference.json"
ref="$root/../shared/reference/ref_hdsnn.py"
while [ $# -gt 0 ]; do
	case "$1" in
	--install) install=1 ;;
	--fan-in)
		[ $# -ge 2 ] || { echo "bench-reference: --fan-in needs a number" >&2; exit 2; }
		fanin="$2"
		shift
		;;
	--out)
		[ $# -ge 2 ] || { echo "bench-reference: --out needs a file" >&2; exit 2; }
		out="$2"
		shift
		;;
	-h | --help)
		sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "bench-reference: unknown flag $1" >&2; exit 2 ;;
	*) ref="$1" ;;
	esac
	shift
done
case "$out" in /*) ;; *) out="$here/$out" ;; esac
case "$ref" in /*) ;; *) ref="$here/$ref" ;; esac

if [ "$install" = 1 ]; then
	apt-get update
	apt-get install -y python3-torch python3-numpy libopenblas0-pthread
fi
[ -f "$ref" ] || { echo "bench-reference: no reference at $ref (give its path)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null ||
	{ echo "bench-reference: /usr/bin/python3 lacks torch or numpy; rerun with --install" >&2; exit 1; }

tmp="$(mktemp -d /tmp/hdsnn-bench-reference.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/hdsnn" ./cmd/hdsnn)

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
date_utc="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "bench-reference: $date_utc, load $load_before; reference: $ref" >&2
echo "bench-reference: reference bench (N = 512, M = 16, T = 1000, D = 41, 1 epoch) …" >&2
/usr/bin/python3 "$ref" bench --N 512 --M 16 --T 1000 --D 41 --epochs 1 >"$tmp/ref.json"
hdsnn_cmd2=()
if [ "$fanin" -gt 0 ]; then
	hdsnn_cmd=(bench --fan-in "$fanin" --synapses all --stages "exact epoch,sparse exact epoch" --repeats 3 --json)
	hdsnn_cmd2=(bench --fan-in "$fanin" --synapses nonzero --stages "sparse exact epoch" --repeats 3 --json)
else
	hdsnn_cmd=(bench --repeats 3 --json)
fi
echo "bench-reference: hdsnn ${hdsnn_cmd[*]} …" >&2
"$tmp/hdsnn" "${hdsnn_cmd[@]}" >"$tmp/hdsnn.json"
echo '{"timings": []}' >"$tmp/hdsnn2.json"
if [ ${#hdsnn_cmd2[@]} -gt 0 ]; then
	echo "bench-reference: hdsnn ${hdsnn_cmd2[*]} …" >&2
	"$tmp/hdsnn" "${hdsnn_cmd2[@]}" >"$tmp/hdsnn2.json"
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

DATE="$date_utc" LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" REF="$ref" ROOT="$root" \
	HDSNN_CMD="hdsnn ${hdsnn_cmd[*]}${hdsnn_cmd2[*]:+; hdsnn ${hdsnn_cmd2[*]}}" \
	/usr/bin/python3 - "$tmp/ref.json" "$tmp/hdsnn.json" "$out" "$tmp/hdsnn2.json" <<'EOF'
import json, os, platform, statistics, subprocess, sys

ref = json.load(open(sys.argv[1]))
hd = json.load(open(sys.argv[2]))
hd2 = json.load(open(sys.argv[4]))
med = {t["stage"]: t["median_seconds"] for t in hd["timings"]}
med2 = {t["stage"]: t["median_seconds"] for t in hd2["timings"]}
syn = {t["stage"]: t.get("synapses") for t in hd["timings"]}
ref_epoch = statistics.median(ref["epoch_s"])
rows = [
    ("init", med.get("init"), ref["init_s"]),
    ("recall", med.get("recall"), ref["recall_s"]),
    ("exact epoch (vs reference epoch)", med.get("exact epoch"), ref_epoch),
    ("sparse epoch (vs reference epoch)", med.get("sparse epoch"), ref_epoch),
    ("sparse exact epoch (vs reference epoch)", med.get("sparse exact epoch"), ref_epoch),
]
if hd["benchmark"].get("fan_in"):
    rows[-1] = ("sparse exact epoch, all %s synapses (vs reference epoch)" % syn.get("sparse exact epoch"), med.get("sparse exact epoch"), ref_epoch)
    rows.append(("sparse exact epoch, Hebbian support (vs reference epoch)", med2.get("sparse exact epoch"), ref_epoch))
if hd["benchmark"].get("fan_in"):
    rows = [r for r in rows if r[1] is not None]
cpu = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
try:
    commit = subprocess.run(["git", "-C", os.environ["ROOT"], "rev-parse", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
except OSError:
    commit = ""
try:
    import torch
    torch_version = torch.__version__
except ImportError:
    torch_version = ""
table = [dict(stage=s, hdsnn_median_s=h, reference_s=r, ratio=(r / h if h else None)) for s, h, r in rows]
doc = dict(
    date=os.environ["DATE"],
    machine=dict(cpu=cpu, cores=os.cpu_count(), kernel=platform.release(),
                 load_before=os.environ["LOAD_BEFORE"], load_after=os.environ["LOAD_AFTER"]),
    commands=dict(reference="/usr/bin/python3 %s bench --N 512 --M 16 --T 1000 --D 41 --epochs 1" % os.environ["REF"],
                  hdsnn=os.environ["HDSNN_CMD"]),
    commit=commit, torch=torch_version, python=platform.python_version(),
    ratios=table, reference=ref, hdsnn=hd, hdsnn_hebbian_support=hd2 if hd2["timings"] else None,
)
with open(sys.argv[3], "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print("%s; %s, %d cores; load %s before, %s after" % (doc["date"], cpu, os.cpu_count(),
      os.environ["LOAD_BEFORE"], os.environ["LOAD_AFTER"]))
repeats = max((len(t.get("seconds") or []) for t in hd["timings"]), default=0)
print("reference: torch %s, %d threads, 1 epoch; hdsnn: GOMAXPROCS %d, median of %d" % (torch_version, ref.get("threads", 0), hd.get("gomaxprocs", 0), repeats))
print("%-58s %14s %14s %10s" % ("stage", "hdsnn median", "reference", "ref/hdsnn"))
for r in table:
    h = "—" if r["hdsnn_median_s"] is None else "%.3f s" % r["hdsnn_median_s"]
    x = "—" if r["ratio"] is None else "%.1f×" % r["ratio"]
    print("%-58s %14s %14s %10s" % (r["stage"], h, "%.3f s" % r["reference_s"], x))
if "store" in med:
    print("store (margin storage; the reference has none): %.3f s" % med["store"])
print("wrote %s" % sys.argv[3])
EOF
