#!/usr/bin/env bash
# vrlabd's benchmarks, measured in the lab beside keepalived (issue 4, item 9); the figures
# are in docs/benchmarks.md under "vrlabd". Needs root (or vrlab's rootless mode), keepalived,
# and release builds:
#
#   cargo build --release -p vrlab -p vrlabd
#   sudo daemon/bench/run.sh                 # N=5 runs of each timing scenario by default
#
# Timing: the crash of the master at 100 ms (scenarios/crash-and-return.toml) and at 10 ms
# (daemon/bench/crash-10ms.toml) intervals, and a planned stop probed every 1 ms
# (scenarios/graceful-stop.toml), each with vrlabd alone, keepalived alone, and the two mixed
# on one VRID (r1 the first-named daemon's master, r2 the other's backup).
# Cost: 255 IPv4 + 255 IPv6 virtual routers at 100 ms (daemon/bench/many-vrouters.sh), held
# for 60 s, vrlabd then keepalived; vrlab records each daemon's CPU time and memory at
# teardown; then the same with r1 alone on the segment (many-vrouters-alone), to tell the
# daemon's own cost from the kernel's delivery of its adverts to the peer.
# ONLY=cost skips the timing runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-5}
OUT=${OUT:-runs/bench}
if [ -z "${VRLAB:-}" ]; then
    VRLAB=./target/release/vrlab
    [ -x "$VRLAB" ] || VRLAB=./target/debug/vrlab
fi
export VRLABD=${VRLABD:-$PWD/target/release/vrlabd}
mkdir -p "$OUT"
for daemon in vrlabd keepalived "vrlabd,r2=keepalived" "keepalived,r2=vrlabd"; do
    [ "${ONLY:-}" = cost ] && break
    for s in scenarios/crash-and-return.toml daemon/bench/crash-10ms.toml scenarios/graceful-stop.toml; do
        for _ in $(seq "$N"); do
            # A failed check is a finding, not a reason to stop measuring.
            "$VRLAB" run "$s" --daemon "$daemon" --out "$OUT/timing" >/dev/null || true
        done
    done
done
HOLD=${HOLD:-60s} daemon/bench/many-vrouters.sh >"$OUT/many-vrouters.toml"
HOLD=${HOLD:-60s} ROUTERS=1 daemon/bench/many-vrouters.sh >"$OUT/many-vrouters-alone.toml"
for daemon in vrlabd keepalived; do
    for s in many-vrouters many-vrouters-alone; do
        "$VRLAB" run "$OUT/$s.toml" --daemon "$daemon" --out "$OUT/cost" >/dev/null || true
    done
done
python3 daemon/bench/summarize.py "$OUT/timing" "$OUT/cost"
