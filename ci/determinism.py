#!/usr/bin/env python3
"""Runs the scenario suite several times and tabulates whether every (scenario, daemon, check)
got the same verdict each time.

Usage: ci/determinism.py RUNS [OUT.md] [--after-ci] [--release]

With --after-ci, the run directories already in target/tmp/suite-runs (those of one
`CI=true bash .ci/run` in a fresh clone) count as the first round, and RUNS more follow.

With --release, the rounds use the release build (`cargo build --release` first: the suite
runs target/release/vrlabd); without it, the debug build that .ci/run leaves.

Each round is `cargo test -p vrlab --test suite` with CI=true (every scenario against every
daemon and mixed pair), as .ci/run runs it. A check's verdict in a trial is `fail` if any of its
results failed, else `pass` if any passed, else `n/a`. The table lists every triple whose verdict
differed between rounds, and the totals.
"""

import collections
import glob
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


def intermittent_entries():
    """(scenario, label, check) of every known deviation marked `intermittent` that applied to a
    run of the last round (the verdicts list them, shown or not: the expectations of a mixed run
    are derived, so only the verdict knows them)."""
    out = set()
    for d in glob.glob(os.path.join(RUNS_DIR, "*")):
        m = NAME.match(os.path.basename(d))
        path = os.path.join(d, "verdict.json")
        if not m or not os.path.exists(path):
            continue
        with open(path) as f:
            o = json.load(f).get("expectation") or {}
        for e in o.get("known", []) + o.get("not_shown", []):
            if e.get("intermittent"):
                out.add((m["scenario"], m["label"], e["check"]))
    return out


def intermittent_table(results):
    """How often each entry marked `intermittent` failed: the ones that failed in every round
    or in none are candidates to be made plain deviations or to be removed."""
    rounds = len(results)
    tally = collections.Counter()
    for s, d, c in sorted(intermittent_entries()):
        seen = [r.get((s, d), {}).get(c) for r in results]
        if all(v is None for v in seen):
            tally["not run"] += 1
            continue
        k = sum(v == "fail" for v in seen)
        tally["failed in every round" if k == rounds else "failed in no round" if k == 0 else "changed"] += 1
    lines = [f"Entries marked `intermittent` ({sum(tally.values())}):", ""]
    lines += [f"- {what}: {n}" for what, n in sorted(tally.items())]
    return lines


def main():
    flags = {"--after-ci", "--release"}
    args = [a for a in sys.argv[1:] if a not in flags]
    after_ci = "--after-ci" in sys.argv[1:]
    profile = ["--release"] if "--release" in sys.argv[1:] else []
    rounds = int(args[0]) if args else 5
    report = args[1] if len(args) > 1 else None
    env = dict(os.environ, CI="true")
    results = []
    walls = []
    if after_ci:
        done = sorted(os.listdir(RUNS_DIR))
        results.append(verdicts(os.path.join(RUNS_DIR, n) for n in done))
        print(f"round 1: the {len(done)} run directories of .ci/run", flush=True)
    for r in range(rounds):
        before = set(os.listdir(RUNS_DIR)) if os.path.isdir(RUNS_DIR) else set()
        t0 = time.monotonic()
        p = subprocess.run(
            ["cargo", "test", "-q", *profile, "-p", "vrlab", "--test", "suite"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        walls.append(time.monotonic() - t0)
        tail = [l for l in p.stdout.splitlines() if l.startswith("test result")]
        print(f"round {len(results) + 1}: exit {p.returncode}, {walls[-1]:.0f} s, {tail[-1] if tail else ''}", flush=True)
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
        f"{len(results)} rounds of the suite (`CI=true cargo test -p vrlab --test suite`), "
        f"{len(keys)} trials, {triples} (scenario, daemon, check) triples; "
        f"wall time per round{' after the first (.ci/run)' if after_ci else ''}: "
        f"{', '.join(f'{w:.0f} s' for w in walls)}.",
        "",
        f"Triples whose verdict differed between rounds: {len(unstable)}.",
        "",
    ]
    if unstable:
        lines += ["| scenario | daemon | check | verdicts by round |", "|---|---|---|---|"]
        lines += [f"| {s} | {d} | `{c}` | {' '.join(v)} |" for s, d, c, v in unstable]
    lines += [""] + intermittent_table(results)
    text = "\n".join(lines) + "\n"
    print(text)
    if report:
        with open(report, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
