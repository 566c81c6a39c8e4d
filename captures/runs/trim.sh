#!/bin/sh
# Trims a run directory of `vrlab run` to a small fixture: every frame but ICMP echo traffic,
# one echo frame in 40, and every echo frame a router sent while another one was master
# (between the crash of r1 and its restart, when the run has them: the E6 evidence); one probe
# event in 20; daemon logs left out (configs kept).
# Usage: captures/runs/trim.sh RUN_DIR OUT_DIR
set -eu
run=$1 out=$2
mkdir -p "$out/segments" "$out/nodes"
cp "$run/scenario.toml" "$run/run.json" "$out/"
(cd "$run/nodes" && find . -type f ! -name "*.log") | while read -r f; do mkdir -p "$out/nodes/$(dirname "$f")"; cp "$run/nodes/$f" "$out/nodes/$f"; done
# The crash and the restart of r1, from the timeline's harness events.
crash=$(grep '"action":"fault"' "$run/events.jsonl" | grep '"fault":"crash"' | head -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
start=$(grep '"action":"fault"' "$run/events.jsonl" | grep '"fault":"start"' | head -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
echo_f='icmp.type==0 or icmp.type==8 or icmpv6.type==128 or icmpv6.type==129'
dead=""
if [ -n "$crash" ] && [ -n "$start" ]; then
  lo=$(echo "$crash" | awk '{printf "%.9f", $1 / 1e9}')
  hi=$(echo "$start" | awk '{printf "%.9f", $1 / 1e9}')
  dead=" or (frame.interface_name == \"r1:eth0\" and frame.time_epoch > $lo and frame.time_epoch < $hi)"
fi
for seg in "$run"/segments/*.pcapng; do
  tshark -r "$seg" -w "$out/segments/$(basename "$seg")" -F pcapng \
    -Y "not ($echo_f) or frame.number % 40 == 0$dead"
done
awk '!/"kind":"probe"/ || (match($0, /"seq":[0-9]+/) && substr($0, RSTART + 6, RLENGTH - 6) % 20 == 0)' \
  "$run/events.jsonl" > "$out/events.jsonl"
