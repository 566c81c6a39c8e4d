#!/usr/bin/env bash
# Measures a vrlabd master under a flood of lower-priority adverts (issue 9: a daemon must not
# be an amplifier): keeps the lab of ci/flood.toml up, floods from h1 with ci/flood.py at
# PPS adverts/s for SECONDS, from 1 sender and from 200, and prints how many adverts the master
# received and sent (vrlabd status) and the CPU its processes used (/proc/PID/stat).
# Usage (root): ci/bench-flood.sh [PPS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
pps=${1:-50000}
secs=${2:-10}
cargo build --release -q
vrlab=$PWD/target/release/vrlab
vrlabd=$PWD/target/release/vrlabd
out=$(mktemp -d)
log=$out/up.log
"$vrlab" up ci/flood.toml --daemon vrlabd --out "$out/runs" >"$log" 2>&1 &
up=$!
trap 'kill -INT $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 100); do grep -q "lab is up" "$log" && break; sleep 0.2; done
grep -q "lab is up" "$log" || { cat "$log"; exit 1; }
pids=$(pgrep -f "vrlabd -f $out/runs/.*/nodes/r1/")
counters() {
  "$vrlab" exec r1 -- "$vrlabd" status --control /run/vrlabd.sock |
    python3 -c "import json,sys; c=json.load(sys.stdin)['instances'][0]['counters']; print(c['rx_adverts'], c['tx_adverts'])"
}
ticks() { local t=0; for p in $pids; do read -r u s < <(cut -d' ' -f14,15 "/proc/$p/stat"); t=$((t + u + s)); done; echo $t; }
for senders in 1 200; do
  read -r rx0 tx0 < <(counters); c0=$(ticks); w0=$(date +%s.%N)
  "$vrlab" exec h1 -- python3 "$PWD/ci/flood.py" --sources "$senders" --pps "$pps" --seconds "$secs" >/dev/null
  read -r rx1 tx1 < <(counters); c1=$(ticks); w1=$(date +%s.%N)
  python3 -c "
w=$w1-$w0; hz=$(getconf CLK_TCK)
print(f'{$senders:>3} sender(s): master received {$rx1-$rx0} adverts in {w:.1f} s, sent {$tx1-$tx0} (regular: about {w*10:.0f}); CPU {100*($c1-$c0)/hz/w:.1f} % of one core')"
done
