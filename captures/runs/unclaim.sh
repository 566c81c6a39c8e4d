#!/bin/sh
# Derives the passing fixture of e7.stranger-never-claims from a recorded carp-wrong-password
# run: the same run with the stranger's claims on the address taken out — the ARP frames it
# sent naming the address, and the hosts' neighbour events that name its MAC for it — so that
# the stranger only advertises, as a router that respected the password's verdict would.
# Usage: captures/runs/unclaim.sh RUN_DIR OUT_DIR STRANGER ADDRESS
set -eu
run=$1 out=$2 node=$3 vip=$4
mkdir -p "$out/segments"
cp "$run/scenario.toml" "$run/run.json" "$out/"
if [ -d "$run/nodes" ]; then cp -r "$run/nodes" "$out/"; fi
tshark -r "$run/segments/lan.pcapng" -w "$out/segments/lan.pcapng" -F pcapng \
  -Y "not (frame.interface_name == \"$node:eth0\" and arp.src.proto_ipv4 == $vip)"
python3 - "$run" "$out" "$node" "$vip" <<'PY'
import json, sys
run, out, node, vip = sys.argv[1:]
macs = {m.lower() for m in json.load(open(f"{run}/run.json"))["nodes"][node]["macs"]}
with open(f"{run}/events.jsonl") as src, open(f"{out}/events.jsonl", "w") as dst:
    for line in src:
        e = json.loads(line)
        if e.get("kind") == "neigh" and e.get("ip") == vip and (e.get("mac") or "").lower() in macs:
            continue
        dst.write(line)
PY
