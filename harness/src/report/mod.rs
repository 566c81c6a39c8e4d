//! Reports of a verdict: text for people, JUnit XML for CI, an SVG timeline ([`svg`]).

pub mod html;
pub mod markdown;
pub mod svg;

use std::fmt::Write;

use crate::checks::{CheckResult, Status, Verdict};

/// How much of a verdict the terminal report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// One line per check result, details for failures, the figures.
    All,
    /// The failed (and known) checks with their details, and the figures.
    Failures,
    /// The verdict's first and last lines.
    Summary,
}

/// A terminal report: one line per check result, details for failures, then the figures.
pub fn text(v: &Verdict) -> String {
    text_with(v, Detail::All)
}

/// The terminal report at the given detail.
pub fn text_with(v: &Verdict, detail: Detail) -> String {
    if detail == Detail::Summary {
        return format!(
            "{} × {}: {}\n",
            v.scenario,
            v.daemon,
            summary(v).replace("\n", "\n  ")
        );
    }
    let mut s = String::new();
    let _ = writeln!(s, "\n{} × {} ({})", v.scenario, v.daemon, v.daemon_version);
    for n in &v.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    let known = |c: &CheckResult| v.expectation.as_ref().and_then(|o| o.explaining(c));
    for c in &v.checks {
        let mark = match c.status {
            Status::Pass => "PASS",
            Status::Fail if known(c).is_some() => "KNOWN",
            Status::Fail => "FAIL",
            Status::NotApplicable => " n/a",
        };
        if detail == Detail::Failures && c.status != Status::Fail {
            continue;
        }
        let _ = writeln!(s, "  {mark:<5} {:<28} {}", c.id, c.subject);
        if c.status == Status::Fail {
            if let Some(e) = known(c) {
                let _ = writeln!(s, "        known deviation ({}): {}", e.cite(), e.evidence);
            }
            let _ = writeln!(s, "        {}  [{}]", c.title, c.clause);
            let _ = writeln!(s, "        expected: {}", c.expected);
            let _ = writeln!(s, "        observed: {}", c.observed);
            for e in &c.evidence {
                let _ = writeln!(s, "        at {:>8.3}s  {}: {}", e.at_s, e.place(), e.note);
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
    if !v.metrics.routes.is_empty() {
        let _ = writeln!(s, "  upstream route:");
        for r in &v.metrics.routes {
            let _ = writeln!(s, "    {}", r.describe());
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
    let _ = writeln!(s, "  {}", summary(v));
    s
}

/// The verdict's last line: PASSED or FAILED with the counts, and what the expected findings
/// made of it.
pub fn summary(v: &Verdict) -> String {
    let word = if v.passed() { "PASSED" } else { "FAILED" };
    let (pass, fail, na) = (
        v.count(Status::Pass),
        v.count(Status::Fail),
        v.count(Status::NotApplicable),
    );
    let Some(o) = &v.expectation else {
        return format!("{word}: {pass} passed, {fail} failed, {na} not applicable");
    };
    let known = v.known();
    let mut line = format!(
        "{word}: {pass} passed, {} failed, {known} known deviations, {na} not applicable (expected: {})",
        fail - known,
        o.file
    );
    for e in &o.stale {
        line += &format!(
            "\n  STALE {:<28} listed ({}) as failing every run, but it passed: the daemon no longer deviates, or the lab no longer shows it; remove the pair or mark it intermittent with its race",
            e.check,
            e.cite()
        );
    }
    line
}

/// One line per run and a total, after several runs: what a person reads first.
pub fn roll_up(verdicts: &[Verdict]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nsummary of {} runs:", verdicts.len());
    let width = verdicts
        .iter()
        .map(|v| v.scenario.len() + v.daemon.len() + 3)
        .max()
        .unwrap_or(0);
    for v in verdicts {
        let name = format!("{} × {}", v.scenario, v.daemon);
        let known = v.known();
        let _ = writeln!(
            s,
            "  {:<6} {name:<width$}  {:>3} passed, {:>2} failed{}",
            if v.passed() { "PASSED" } else { "FAILED" },
            v.count(Status::Pass),
            v.count(Status::Fail) - known,
            if v.expectation.is_some() {
                format!(", {known:>2} known")
            } else {
                String::new()
            },
            width = width.max(1)
        );
    }
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let _ = writeln!(
        s,
        "  {}: {} of {} runs passed",
        if failed == 0 { "PASSED" } else { "FAILED" },
        verdicts.len() - failed,
        verdicts.len()
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
pub fn junit(verdicts: &[&Verdict]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(s, "<testsuites>");
    for v in verdicts {
        s += &junit_suite(v);
    }
    let _ = writeln!(s, "</testsuites>");
    s
}

/// One run as a testsuite. Each case is named by scenario × daemon (its class) and check and
/// subject (its name), so that the cases of many runs stay apart when their files are merged.
fn junit_suite(v: &Verdict) -> String {
    let mut s = String::new();
    let known = v.known();
    let stale = v.expectation.as_ref().map_or(0, |o| o.stale.len());
    let class = format!("{} × {}", v.scenario, v.daemon);
    let _ = writeln!(
        s,
        r#"<testsuite name="{}" tests="{}" failures="{}" skipped="{}">"#,
        xml_escape(&class),
        v.checks.len() + stale,
        v.count(Status::Fail) - known + stale,
        v.count(Status::NotApplicable) + known
    );
    let mut seen: Vec<String> = Vec::new();
    for c in &v.checks {
        let mut name = format!("{} {}", c.id, c.subject);
        let twins = seen.iter().filter(|n| **n == name).count();
        seen.push(name.clone());
        if twins > 0 {
            name = format!("{name} #{}", twins + 1);
        }
        let _ = write!(
            s,
            r#"  <testcase classname="{}" name="{}">"#,
            xml_escape(&class),
            xml_escape(&name)
        );
        let known = v.expectation.as_ref().and_then(|o| o.explaining(c));
        match c.status {
            Status::Fail if known.is_some() => {
                let e = known.expect("matched");
                let _ = write!(
                    s,
                    r#"<skipped message="known deviation ({}): {}"/>"#,
                    xml_escape(&e.cite()),
                    xml_escape(&e.evidence)
                );
            }
            Status::Fail => {
                let evidence: String = c
                    .evidence
                    .iter()
                    .map(|e| {
                        let place = e.place();
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
    for e in v.expectation.iter().flat_map(|o| &o.stale) {
        let _ = writeln!(
            s,
            r#"  <testcase classname="{}" name="{} expected to fail"><failure message="listed at {} as failing every run, but it passed">{}</failure></testcase>"#,
            xml_escape(&class),
            xml_escape(e.check.id()),
            xml_escape(&e.at),
            xml_escape(&e.evidence)
        );
    }
    let _ = writeln!(s, "</testsuite>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Check, CheckResult, Metrics};

    fn verdict() -> Verdict {
        let result = |id: Check, status: Status| CheckResult {
            id,
            title: "a title".into(),
            clause: "RFC 5798 §6.4.2".into(),
            subject: "gw4".into(),
            status,
            expected: "what should be".into(),
            observed: "what was".into(),
            evidence: Vec::new(),
            routers: Vec::new(),
        };
        Verdict {
            scenario: "crash".into(),
            daemon: "keepalived".into(),
            daemons: Default::default(),
            daemon_version: "2.2.7".into(),
            run_dir: String::new(),
            checks: vec![
                result(Check::C4AnnounceAfterAdvert, Status::Pass),
                result(Check::D3ArpReplyVmac, Status::Fail),
                result(Check::D6BackupSilent, Status::NotApplicable),
            ],
            metrics: Metrics::default(),
            notes: Vec::new(),
            capture: None,
            expectation: None,
        }
    }

    #[test]
    fn each_detail_shows_what_it_says() {
        let v = verdict();
        let all = text_with(&v, Detail::All);
        assert!(
            all.contains("PASS  c4.") && all.contains("FAIL  d3.") && all.contains(" n/a  d6.")
        );
        let failures = text_with(&v, Detail::Failures);
        assert!(failures.contains("FAIL  d3.") && failures.contains("observed: what was"));
        assert!(!failures.contains("c4.") && !failures.contains("d6."));
        assert!(failures.contains("FAILED: 1 passed, 1 failed, 1 not applicable"));
        assert_eq!(
            text_with(&v, Detail::Summary),
            "crash × keepalived: FAILED: 1 passed, 1 failed, 1 not applicable\n"
        );
    }
}
