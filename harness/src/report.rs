//! Reports of a verdict: text for people, JUnit XML for CI.

use std::fmt::Write;

use crate::checks::{Status, Verdict};

/// A terminal report: one line per check result, details for failures, then the figures.
pub fn text(v: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n{} × {} ({})", v.scenario, v.daemon, v.daemon_version);
    for n in &v.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    for c in &v.checks {
        let mark = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotApplicable => " n/a",
        };
        let _ = writeln!(s, "  {mark}  {:<28} {}", c.id, c.subject);
        if c.status == Status::Fail {
            let _ = writeln!(s, "        {}  [{}]", c.title, c.clause);
            let _ = writeln!(s, "        expected: {}", c.expected);
            let _ = writeln!(s, "        observed: {}", c.observed);
            for e in &c.evidence {
                let place = match (&e.segment, e.frame) {
                    // A segment's file (`lan.pcapng`) or a capture's name.
                    (Some(file), Some(f)) if file.contains('.') => format!("{file} frame {f}"),
                    (Some(seg), Some(f)) => format!("{seg}.pcapng frame {f}"),
                    _ => "events.jsonl".into(),
                };
                let _ = writeln!(s, "        at {:>8.3}s  {place}: {}", e.at_s, e.note);
            }
        }
    }
    if !v.metrics.masters.is_empty() {
        let _ = writeln!(s, "  masters (from the wire):");
        for m in &v.metrics.masters {
            let _ = writeln!(
                s,
                "    {:<16} {:<18} {:>8.3}s-{:>8.3}s  {} adverts from {}, priority {}, every {:.0}ms{}  ({})",
                m.vrouter,
                m.node,
                m.from_s,
                m.to_s,
                m.adverts,
                if m.mac.is_empty() { "-" } else { m.mac.as_str() },
                m.priority,
                m.interval_ms,
                if m.left { ", left with priority 0" } else { "" },
                m.how
            );
        }
    }
    if !v.metrics.takeovers.is_empty() {
        let _ = writeln!(s, "  takeover:");
        for t in &v.metrics.takeovers {
            let _ = writeln!(
                s,
                "    {:<6} {:<12} {} → {}: {:.1}ms after the fault, {:.1}ms after the last advert (bound {:.1}ms)",
                t.vrouter, t.fault, t.from, t.to, t.after_fault_ms, t.after_last_advert_ms, t.bound_ms
            );
        }
    }
    if !v.metrics.service_gaps.is_empty() {
        let _ = writeln!(s, "  service gap:");
        for g in &v.metrics.service_gaps {
            let _ = writeln!(
                s,
                "    {:<12} {} → {}: {:.1}ms, {} probes lost (bound {:.1}ms)",
                g.fault, g.host, g.target, g.gap_ms, g.lost, g.bound_ms
            );
        }
    }
    if v.metrics
        .discards
        .iter()
        .any(|d| d.counted > 0 || d.injected > 0)
    {
        let _ = writeln!(s, "  discards (the daemon's own counters):");
        for d in &v.metrics.discards {
            let _ = writeln!(s, "    {}", d.describe());
        }
    }
    // Every handover where hooks move addresses (the comparison is the point); elsewhere only
    // those where the old master or a host's entry lagged.
    let hooks = v.metrics.handovers.iter().any(|h| h.moved_by == "hook");
    let shown: Vec<_> = v
        .metrics
        .handovers
        .iter()
        .filter(|h| hooks || h.old_used > 0 || h.hosts.iter().any(|x| x.stale_ms > 0.0))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(s, "  handovers:");
        for h in shown {
            let _ = writeln!(s, "    {}", h.describe());
        }
    }
    let _ = writeln!(
        s,
        "  {}: {} passed, {} failed, {} not applicable",
        if v.passed() { "PASSED" } else { "FAILED" },
        v.count(Status::Pass),
        v.count(Status::Fail),
        v.count(Status::NotApplicable)
    );
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one testsuite per run, one testcase per check result.
pub fn junit(v: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<testsuites><testsuite name="{} × {}" tests="{}" failures="{}" skipped="{}">"#,
        xml_escape(&v.scenario),
        xml_escape(&v.daemon),
        v.checks.len(),
        v.count(Status::Fail),
        v.count(Status::NotApplicable)
    );
    for c in &v.checks {
        let _ = write!(
            s,
            r#"  <testcase classname="{}" name="{}">"#,
            xml_escape(&c.id),
            xml_escape(&c.subject)
        );
        match c.status {
            Status::Fail => {
                let evidence: String = c
                    .evidence
                    .iter()
                    .map(|e| {
                        let place = match (&e.segment, e.frame) {
                            (Some(file), Some(f)) if file.contains('.') => {
                                format!("{file} frame {f}")
                            }
                            (Some(seg), Some(f)) => format!("{seg}.pcapng frame {f}"),
                            _ => "events.jsonl".into(),
                        };
                        format!(
                            "&#10;at {:.3}s {}: {}",
                            e.at_s,
                            xml_escape(&place),
                            xml_escape(&e.note)
                        )
                    })
                    .collect();
                let _ = write!(
                    s,
                    r#"<failure message="{}">{}&#10;expected: {}&#10;observed: {}{evidence}</failure>"#,
                    xml_escape(&c.title),
                    xml_escape(&c.clause),
                    xml_escape(&c.expected),
                    xml_escape(&c.observed)
                );
            }
            Status::NotApplicable => {
                let _ = write!(s, r#"<skipped message="{}"/>"#, xml_escape(&c.observed));
            }
            Status::Pass => {}
        }
        let _ = writeln!(s, "</testcase>");
    }
    let _ = writeln!(s, "</testsuite></testsuites>");
    s
}
