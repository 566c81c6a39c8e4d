#!/bin/sh
# Derives the failing fixture of e8.hooks-follow-master from a recorded run whose notify hooks
# move ADDRESS: the same run with NODE's kernel never dropping it (its `addr del` events for
# it taken out), as when a router's backup hook does not run (a crashed daemon, a hook that
# fails) and the coupled service stays up beside the new master's.
# Usage: captures/runs/unhook.sh RUN_DIR OUT_DIR NODE ADDRESS
set -eu
run=$1 out=$2 node=$3 address=$4
mkdir -p "$out"
cp -r "$run/." "$out/"
python3 - "$run/events.jsonl" "$out/events.jsonl" "$node" "$address" <<'PY'
import json, sys
src, dst, node, address = sys.argv[1:]
kept, dropped = [], 0
for line in open(src):
    e = json.loads(line)
    if e.get("kind") == "addr" and e.get("event") == "del" and e.get("node") == node and e.get("ip") == address:
        dropped += 1
        continue
    kept.append(line)
assert dropped > 0, f"{node} never dropped {address}"
open(dst, "w").writelines(kept)
PY
