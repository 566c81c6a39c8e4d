#!/usr/bin/env python3
"""An example of vrlab's "any command" adapter (docs/command-adapter.md): it reads the node's
intent, renders it for an existing daemon — here vrlabd — and becomes that daemon.

    sudo vrlab run scenarios/graceful-stop.toml --daemon command:docs/examples/vrlabd-command.py

It finds vrlabd in $VRLABD or on PATH. Replace the rendering with your own daemon's
configuration to put that daemon under test.
"""

import json
import os
import shutil
import sys
import time


def toml_list(items):
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def render(intent, control):
    """vrlabd.toml: one [[instance]] per virtual router of the node."""
    out = [f"control = {json.dumps(control)}"]
    for vr in intent["vrouters"]:
        out += [
            "",
            "[[instance]]",
            f"name = {json.dumps(vr['name'])}",
            f"interface = {json.dumps(vr['interface'])}",
            f"vrid = {vr['vrid']}",
            f"version = {vr['version']}",
            f"family = {json.dumps(vr['family'])}",
            f"priority = {vr['priority']}",
            f"vips = {toml_list(vr['vips'])}",
            f"interval = \"{vr['interval_ms']}ms\"",
            f"preempt = {str(vr['preempt']).lower()}",
            f"preempt_delay = \"{vr['preempt_delay_ms']}ms\"",
            f"accept = {str(vr['accept']).lower()}",
            f"vmac = {str(vr['vmac']).lower()}",
        ]
        if vr["family"] == "ipv6":
            out.append(f"link_local = {json.dumps(vr['advertised'][0])}")
        if vr["unicast_peers"]:
            out.append(f"unicast_peers = {toml_list(vr['unicast_peers'])}")
        if vr["notify"]:
            out.append("[instance.notify]")
            out += [f"{state} = {toml_list(argv)}" for state, argv in vr["notify"].items()]
    groups = {}
    for vr in intent["vrouters"]:
        if vr.get("sync_group"):
            groups.setdefault(vr["sync_group"], []).append(vr["name"])
    for name, members in groups.items():
        out += ["", "[[sync_group]]", f"name = {json.dumps(name)}", f"instances = {toml_list(members)}"]
    return "\n".join(out) + "\n"


def main():
    with open(sys.argv[1]) as f:
        intent = json.load(f)
    vrlabd = os.environ.get("VRLABD") or shutil.which("vrlabd")
    if not vrlabd:
        sys.exit("vrlabd-command.py: no vrlabd in $VRLABD or on PATH")
    # In the node's private /run: a socket's path must be short.
    control = "/run/vrlabd-command.sock"
    config = os.path.join(intent["dir"], "vrlabd.toml")
    with open(config, "w") as f:
        f.write(render(intent, control))
    # Ready when vrlabd's control socket exists: a child watches for it and says so, while
    # this process becomes vrlabd, so that vrlab's signals (stop, crash, freeze) reach it.
    if os.fork() == 0:
        deadline = time.monotonic() + 10
        while not os.path.exists(control) and time.monotonic() < deadline:
            time.sleep(0.01)
        if os.path.exists(control):
            open(intent["ready_file"], "w").close()
        os._exit(0)
    os.execv(vrlabd, [vrlabd, "-f", config, "--control", control])


if __name__ == "__main__":
    main()
