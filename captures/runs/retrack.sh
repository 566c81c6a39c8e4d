#!/bin/sh
# Derives the failing fixture of c14.tracking-moves-master from a recorded tracked-switchover
# run: the same recording, judged against a scenario whose tracked script is said to run every
# INTERVAL instead — so the switch-over the wire shows (some 1.5 s after the operator's
# command) comes later than that script could explain (interval × fall + Master_Down_Interval).
# Usage: captures/runs/retrack.sh RUN_DIR OUT_DIR INTERVAL
set -eu
run=$1 out=$2 interval=$3
mkdir -p "$out"
cp -r "$run/." "$out/"
sed -i "s/^interval = \"1s\"\$/interval = \"$interval\"/" "$out/scenario.toml"
grep -q "^interval = \"$interval\"\$" "$out/scenario.toml"
