#!/bin/sh
# Records a run through a stall of the whole lab: while SCENARIO runs against DAEMON, when the
# timeline's step STEP begins (a `hold`), vrlab and every process it started (the daemons, the
# BGP speakers, the capture and the probers in vrlab's own threads) are stopped with SIGSTOP
# for SECONDS, and then continued — what a virtual machine paused by its host does to a lab.
# The kernel's clock runs on: on waking every daemon's timers have expired at once.
# Usage: captures/runs/stall.sh SCENARIO DAEMON STEP SECONDS OUT_DIR   (as root)
set -eu
scenario=$1 daemon=$2 step=$3 seconds=$4 out=$5
vrlab=${VRLAB:-target/release/vrlab}
mkdir -p "$out"
"$vrlab" run "$scenario" --daemon "$daemon" --out "$out" --quiet &
runner=$!

# vrlab's pid and every descendant of it.
tree() {
    echo "$1"
    for c in $(cat /proc/*/task/*/children 2>/dev/null | tr ' ' '\n' | sort -u); do
        if [ "$(awk '{print $4}' "/proc/$c/stat" 2>/dev/null)" = "$1" ]; then tree "$c"; fi
    done
    return 0
}

events=""
while [ -z "$events" ]; do
    events=$(ls "$out"/*/events.jsonl 2>/dev/null | head -1)
    sleep 0.05
done
until grep -q "\"action\":\"step\",\"index\":$step," "$events"; do sleep 0.02; done
sleep 0.3
pids=$(tree "$runner" | tr "\n" " ")
echo "stopping: $pids" >&2
kill -STOP $pids
sleep "$seconds"
kill -CONT $pids
wait "$runner" || true
