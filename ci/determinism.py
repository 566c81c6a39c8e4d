#!/usr/bin/env python3
"""Runs the scenario suite several times and tabulates whether every (scenario, daemon, check)
got the same verdict each time.

Usage: ci/determinism.py RUNS [OUT.md]

Each round is `cargo test -p vrlab --test suite` with CI=true (every scenario against every
daemon and mixed pair), as .ci/run runs it. A check's verdict in a trial is `fail` if any of its
results failed, else `pass` if any passed, else `n/a`. The table lists every triple whose verdict
differed between rounds, and the totals.
"""

import collections
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS_DIR = os.path.join(ROOT, "target", "tmp", "suite-runs")
NAME = re.compile(r"^(?P<scenario>.+?)-(?P<label>[a-z+]+)-\d{8}T\d{6}(-\d+)?$")


def verdicts(dirs):
    """(scenario, label) -> {check: verdict} for the run directories `dirs`."""
    out = {}
    for d in dirs:
        m = NAME.match(os.path.basename(d))
        path = os.path.join(d, "verdict.json")
        if not m or not os.path.exists(path):
            continue
        with open(path) as f:
            v = json.load(f)
        per = collections.defaultdict(set)
        for c in v["checks"]:
            per[c["id"]].add(c["status"])
        out[(m["scenario"], m["label"])] = {
            k: "fail" if "fail" in s else "pass" if "pass" in s else "n/a"
            for k, s in per.items()
        }
    return out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    report = sys.argv[2] if len(sys.argv) > 2 else None
    env = dict(os.environ, CI="true")
    results = []
    walls = []
    for r in range(rounds):
        before = set(os.listdir(RUNS_DIR)) if os.path.isdir(RUNS_DIR) else set()
        t0 = time.monotonic()
        p = subprocess.run(
            ["cargo", "test", "-q", "-p", "vrlab", "--test", "suite"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        walls.append(time.monotonic() - t0)
        tail = [l for l in p.stdout.splitlines() if l.startswith("test result")]
        print(f"round {r + 1}: exit {p.returncode}, {walls[-1]:.0f} s, {tail[-1] if tail else ''}", flush=True)
        new = sorted(set(os.listdir(RUNS_DIR)) - before)
        results.append(verdicts(os.path.join(RUNS_DIR, n) for n in new))
    keys = sorted(set().union(*[set(r) for r in results]))
    triples = 0
    unstable = []
    for key in keys:
        checks = sorted(set().union(*[set(r.get(key, {})) for r in results]))
        for c in checks:
            triples += 1
            seen = [r.get(key, {}).get(c, "missing") for r in results]
            if len(set(seen)) > 1:
                unstable.append((key[0], key[1], c, seen))
    lines = [
        f"{rounds} rounds of the suite (`CI=true cargo test -p vrlab --test suite`), "
        f"{len(keys)} trials, {triples} (scenario, daemon, check) triples; "
        f"wall time per round: {', '.join(f'{w:.0f} s' for w in walls)}.",
        "",
        f"Triples whose verdict differed between rounds: {len(unstable)}.",
        "",
    ]
    if unstable:
        lines += ["| scenario | daemon | check | verdicts by round |", "|---|---|---|---|"]
        lines += [f"| {s} | {d} | `{c}` | {' '.join(v)} |" for s, d, c, v in unstable]
    text = "\n".join(lines) + "\n"
    print(text)
    if report:
        with open(report, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
