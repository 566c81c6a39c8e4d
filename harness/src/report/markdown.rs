//! A Markdown report: what a GitHub job summary (`$GITHUB_STEP_SUMMARY`) or a pull-request
//! comment shows — one table across runs, then each run's failures, known deviations and
//! failover figures.

use std::fmt::Write;

use crate::checks::{CheckResult, Status, Verdict};

/// A table cell: no line breaks, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn verdict_word(v: &Verdict) -> &'static str {
    if v.passed() {
        "✅ PASSED"
    } else {
        "❌ FAILED"
    }
}

/// The slowest takeover and the largest service gap of a run, as the roll-up shows them.
fn figures(v: &Verdict) -> (String, String) {
    let slowest = v
        .metrics
        .takeovers
        .iter()
        .max_by(|a, b| a.after_last_advert_ms.total_cmp(&b.after_last_advert_ms))
        .map_or("-".into(), |t| {
            format!(
                "{:.1} ms (bound {:.1} ms)",
                t.after_last_advert_ms, t.bound_ms
            )
        });
    let gap = v
        .metrics
        .service_gaps
        .iter()
        .max_by(|a, b| a.gap_ms.total_cmp(&b.gap_ms))
        .map_or("-".into(), |g| {
            format!("{:.1} ms (bound {:.1} ms)", g.gap_ms, g.bound_ms)
        });
    (slowest, gap)
}

/// Every run: a roll-up table, then one section per run.
pub fn report(verdicts: &[&Verdict]) -> String {
    let mut s = String::new();
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let _ = writeln!(
        s,
        "## vrlab: {} of {} runs passed\n",
        verdicts.len() - failed,
        verdicts.len()
    );
    let _ = writeln!(
        s,
        "| verdict | scenario × daemon | passed | failed | known | n/a | slowest takeover (after the last advert) | largest service gap |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---|---|");
    for v in verdicts {
        let known = v.known();
        let (slowest, gap) = figures(v);
        let _ = writeln!(
            s,
            "| {} | {} × {} | {} | {} | {} | {} | {} | {} |",
            verdict_word(v),
            cell(&v.scenario),
            cell(&v.daemon),
            v.count(Status::Pass),
            v.count(Status::Fail) - known,
            known,
            v.count(Status::NotApplicable),
            slowest,
            gap
        );
    }
    for v in verdicts {
        s.push('\n');
        s.push_str(&run(v));
    }
    s
}

/// One run: its verdict, failed and known checks with their evidence, its figures.
pub fn run(v: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### {} {} × {} ({})\n",
        verdict_word(v),
        cell(&v.scenario),
        cell(&v.daemon),
        cell(&v.daemon_version)
    );
    let first = super::summary(v);
    let _ = writeln!(s, "{}\n", cell(first.lines().next().unwrap_or_default()));
    // A run directory (a capture knows no daemons): where its files are.
    if !v.daemons.is_empty() {
        let _ = writeln!(
            s,
            "Recorded in `{}` (timeline: `timeline.svg`, report: `report.html`).\n",
            v.run_dir
        );
    }
    for n in &v.notes {
        let _ = writeln!(s, "> {}\n", cell(n));
    }
    let known = |c: &CheckResult| v.expectation.as_ref().and_then(|o| o.explaining(c));
    let failed: Vec<&CheckResult> = v
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(s, "| | check | clause | subject | observed | evidence |");
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for c in failed {
            let (mark, why) = match known(c) {
                Some(e) => ("⚠️ KNOWN", format!("known deviation ({}); ", e.cite())),
                None => ("❌ FAIL", String::new()),
            };
            let evidence = c.evidence.first().map_or(String::new(), |e| {
                format!("{:.3} s, {}: {}", e.at_s, e.place(), e.note)
            });
            let _ = writeln!(
                s,
                "| {mark} | `{}` | {} | {} | {}{} | {} |",
                c.id,
                cell(&c.clause),
                cell(&c.subject),
                cell(&why),
                cell(&c.observed),
                cell(&evidence)
            );
        }
        s.push('\n');
    }
    for e in v.expectation.iter().flat_map(|o| &o.stale) {
        let _ = writeln!(
            s,
            "- ❌ STALE `{}`: listed ({}) as failing every run, but it passed\n",
            e.check,
            cell(&e.cite())
        );
    }
    if !v.metrics.takeovers.is_empty() {
        let _ = writeln!(
            s,
            "| virtual router | fault | new master | after the fault | after the last advert | bound |"
        );
        let _ = writeln!(s, "|---|---|---|---:|---:|---:|");
        for t in &v.metrics.takeovers {
            let _ = writeln!(
                s,
                "| {} | {} | {} → {} | {:.1} ms | {:.1} ms | {:.1} ms |",
                cell(&t.vrouter),
                cell(&t.fault),
                cell(&t.from),
                cell(&t.to),
                t.after_fault_ms,
                t.after_last_advert_ms,
                t.bound_ms
            );
        }
        s.push('\n');
    }
    if !v.metrics.service_gaps.is_empty() {
        let _ = writeln!(
            s,
            "| fault | host → VIP | service gap | probes lost | bound |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|");
        for g in &v.metrics.service_gaps {
            let _ = writeln!(
                s,
                "| {} | {} → {} | {:.1} ms | {} | {:.1} ms |",
                cell(&g.fault),
                cell(&g.host),
                cell(&g.target),
                g.gap_ms,
                g.lost,
                g.bound_ms
            );
        }
        s.push('\n');
    }
    s
}
