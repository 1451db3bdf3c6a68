#!/usr/bin/env bash
# A one-node Slurm cluster on localhost (slurmctld + slurmd + munged), to try
# "hdsnn sweep slurm" and to test it (scripts/test-slurm.sh). Run as root.
#
#   scripts/slurm-local.sh start [--install]   write the config, start the daemons, wait for the node
#   scripts/slurm-local.sh status              sinfo and the daemons
#   scripts/slurm-local.sh stop                stop the daemons
#
# --install first runs "apt-get update && apt-get install -y slurm-wlm munge"
# (Debian/Ubuntu); without it nothing is installed. The node has CPUs = nproc
# and RealMemory = free memory minus 1 GiB, one partition "debug" (the
# default), no cgroups (proctrack/linuxproc, task/none). The config is written
# to /etc/slurm/slurm.conf from scripts/slurm/slurm.conf.in (an existing
# config not written by this script is left alone: the script stops), the
# state and logs go to $HDSNN_SLURM_STATE (default /var/spool/hdsnn-slurm).
# Exit status 3 means Slurm is not installed and could not be.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${HDSNN_SLURM_STATE:-/var/spool/hdsnn-slurm}"
conf=/etc/slurm/slurm.conf
marker="hdsnn-slurm-local"

die() { echo "slurm-local: $*" >&2; exit 1; }

install() {
	[ "$(id -u)" = 0 ] || { echo "slurm-local: --install needs root (apt-get)" >&2; exit 3; }
	command -v apt-get >/dev/null || { echo "slurm-local: no apt-get here; install slurm-wlm and munge yourself" >&2; exit 3; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update || { echo "slurm-local: apt-get update failed" >&2; exit 3; }
	apt-get install -y slurm-wlm munge || { echo "slurm-local: apt-get install slurm-wlm munge failed" >&2; exit 3; }
}

pidalive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
	[ "$(id -u)" = 0 ] || die "run as root: the daemons run as root on this one-node cluster"
	for b in slurmctld slurmd munged sinfo sbatch; do
		command -v "$b" >/dev/null || { echo "slurm-local: $b not found; run with --install or apt-get install slurm-wlm munge" >&2; exit 3; }
	done
	if [ -f "$conf" ] && ! grep -q "$marker" "$conf"; then
		die "$conf exists and was not written by this script; move it away to use the local cluster"
	fi
	mkdir -p "$state/ctld" "$state/d" /etc/slurm
	cpus="$(nproc)"
	mem="$(free -m | awk '/^Mem:/ {print $2}')"
	mem=$(( mem > 2048 ? mem - 1024 : mem / 2 ))
	sed -e "s|@STATE@|$state|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM@|$mem|g" "$here/slurm/slurm.conf.in" > "$conf.tmp"
	mv "$conf.tmp" "$conf"

	# munge: a key, then the daemon (as the munge user when it exists).
	if [ ! -s /etc/munge/munge.key ]; then
		mkdir -p /etc/munge
		if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key; else dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; fi
	fi
	mkdir -p /run/munge /var/log/munge /var/lib/munge
	if id munge >/dev/null 2>&1; then
		chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
		chmod 700 /etc/munge; chmod 600 /etc/munge/munge.key
	fi
	if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
		if id munge >/dev/null 2>&1; then
			runuser -u munge -- /usr/sbin/munged || die "munged did not start; see /var/log/munge/munged.log"
		else
			/usr/sbin/munged --force || die "munged did not start; see /var/log/munge/munged.log"
		fi
		for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
		munge -n </dev/null | unmunge >/dev/null || die "munge does not work; see /var/log/munge/munged.log"
	fi

	pidalive "$state/slurmctld.pid" || slurmctld -f "$conf" || die "slurmctld did not start; see $state/slurmctld.log"
	pidalive "$state/slurmd.pid" || slurmd -f "$conf" || die "slurmd did not start; see $state/slurmd.log"
	for i in $(seq 60); do
		st="$(sinfo -h -N -o '%t' 2>/dev/null | head -1)"
		case "$st" in
		idle|mix|alloc) echo "slurm-local: node localhost is $st (partition debug, $cpus CPUs, $mem MB)"; return 0 ;;
		drain*|down*|inval*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
		esac
		sleep 1
	done
	sinfo -N -l || true
	tail -20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
	die "the node did not become idle in 60 s (logs above)"
}

stop() {
	for d in slurmd slurmctld; do
		if pidalive "$state/$d.pid"; then
			kill "$(cat "$state/$d.pid")"
			for _ in $(seq 50); do pidalive "$state/$d.pid" || break; sleep 0.2; done
		fi
	done
	echo "slurm-local: stopped slurmd and slurmctld (munged left running)"
}

status() {
	for d in slurmctld slurmd; do
		if pidalive "$state/$d.pid"; then echo "$d: running (pid $(cat "$state/$d.pid"))"; else echo "$d: not running"; fi
	done
	sinfo -N -l
}

cmd="${1:-}"
shift || true
case "$cmd" in
start)
	[ "${1:-}" = "--install" ] && install
	start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start [--install] | stop | status" >&2; exit 2 ;;
esac
