#!/usr/bin/env python3
"""Summarize vrlab run directories into the tables of docs/benchmarks.md ("vrlabd").

    daemon/bench/summarize.py RUNS_DIR...

Reads each run's verdict.json (checks, takeover times, service gaps) and events.jsonl (the
`process` events with "event": "usage" that vrlab records at teardown) and prints Markdown:
one row per (scenario, daemons) with the median and the range over the runs found.
Only the first fault of a run (crash or stop of the master) is counted for timings; the
return of the old master is reported separately by vrlab itself.
"""

import json
import os
import statistics
import sys
from collections import defaultdict


def runs(dirs):
    for top in dirs:
        for root, subdirs, files in os.walk(top):
            if "verdict.json" in files:
                yield root
                subdirs[:] = []


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(xs, unit="ms", digits=1):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    m = med(xs)
    if len(xs) == 1:
        return f"{m:.{digits}f}{unit}"
    return f"{m:.{digits}f}{unit} ({min(xs):.{digits}f}–{max(xs):.{digits}f})"


def main():
    dirs = sys.argv[1:] or ["runs"]
    timing = defaultdict(lambda: defaultdict(list))
    usage = defaultdict(lambda: defaultdict(list))
    for d in sorted(runs(dirs)):
        v = json.load(open(os.path.join(d, "verdict.json")))
        run = json.load(open(os.path.join(d, "run.json")))
        daemons = run.get("daemons") or {}
        who = ",".join(f"{n}={x}" for n, x in sorted(daemons.items())) or v["daemon"]
        key = (v["scenario"], who)
        checks = v.get("checks", [])
        failed = [c for c in checks if c.get("status", c.get("verdict")) in ("fail", "FAIL", "failed")]
        t = timing[key]
        t["runs"].append(1)
        t["failed"].append(len(failed))
        t["failed_ids"].extend(sorted({c.get("id", "?") for c in failed}))
        metrics = v.get("metrics", {})
        takeovers = metrics.get("takeovers", [])
        first_fault = next((x["fault"] for x in takeovers), None)
        for x in takeovers:
            if x["fault"] != first_fault:
                continue
            t["takeover_after_last_advert"].append(x.get("after_last_advert_ms"))
            t["takeover_after_fault"].append(x.get("after_fault_ms"))
            t["bound"].append(x.get("bound_ms"))
            # Master_Down_Interval (or Skew_Time) alone: the bound less the tolerance.
        for g in metrics.get("service_gaps", []):
            if g["fault"] != first_fault:
                continue
            t["gap"].append(g.get("gap_ms"))
            t["lost"].append(g.get("lost"))
        for line in open(os.path.join(d, "events.jsonl")):
            e = json.loads(line)
            if e.get("kind") == "process" and e.get("event") == "usage":
                u = usage[(v["scenario"], f"{e['node']}={e['name']}")]
                u["cpu_percent"].append(e.get("cpu_percent"))
                wall = e.get("wall_ms") or 0
                for part in ("user", "sys"):
                    ms = e.get(f"{part}_ms")
                    u[f"{part}_percent"].append(100.0 * ms / wall if ms is not None and wall else None)
                u["rss_mib"].append(e.get("rss_kib", 0) / 1024)
                u["hwm_mib"].append(e.get("hwm_kib", 0) / 1024)
                u["processes"].append(e.get("processes"))
    if timing:
        print("| scenario | daemons | runs | takeover after the last advert | after the fault | bound | service gap | probes lost | failed checks |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
        for (scenario, who), t in sorted(timing.items()):
            ids = sorted(set(t["failed_ids"]))
            print(
                f"| {scenario} | {who} | {len(t['runs'])} | {fmt(t['takeover_after_last_advert'])} "
                f"| {fmt(t['takeover_after_fault'])} | {fmt(t['bound'])} | {fmt(t['gap'])} "
                f"| {fmt(t['lost'], '', 0)} | {', '.join(ids) if ids else 'none'} |"
            )
    if usage:
        print()
        print("| scenario | node=daemon | runs | CPU (% of one core, whole run) | of which user | of which kernel | RSS | peak RSS | processes |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for (scenario, who), u in sorted(usage.items()):
            print(
                f"| {scenario} | {who} | {len(u['cpu_percent'])} | {fmt(u['cpu_percent'], '%', 2)} "
                f"| {fmt(u['user_percent'], '%', 2)} | {fmt(u['sys_percent'], '%', 2)} "
                f"| {fmt(u['rss_mib'], ' MiB')} | {fmt(u['hwm_mib'], ' MiB')} | {fmt(u['processes'], '', 0)} |"
            )


if __name__ == "__main__":
    main()
