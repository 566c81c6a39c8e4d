//! One self-contained HTML page per run directory (`report.html`): the verdict, the SVG
//! timeline inline, every check with its evidence, the figures and the text report. No script,
//! no style sheet or font from elsewhere: it opens offline, from an artifact or a mail.
//! Written as XHTML-compatible HTML5 so that a test can parse it as XML.

use std::fmt::Write;

use crate::checks::{CheckResult, Status, Verdict};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#1a202c}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\
table{border-collapse:collapse;font-size:.9em;width:100%}td,th{border:1px solid #cbd5e0;padding:.25em .5em;text-align:left;vertical-align:top;}td.long{overflow-wrap:anywhere;min-width:9em}td code{white-space:nowrap}\
tr.fail td:first-child{background:#fed7d7;color:#9b2c2c;font-weight:bold}\
tr.known td:first-child{background:#feebc8;color:#9c4221;font-weight:bold}\
tr.pass td:first-child{color:#276749}tr.na td{color:#718096}\
.passed{color:#276749}.failed{color:#c53030}\
pre{background:#f7fafc;padding:.75em;overflow-x:auto;font-size:.85em}\
.timeline{overflow-x:auto}";

/// The page.
pub fn page(v: &Verdict) -> String {
    let mut s = String::new();
    let (word, class) = if v.passed() {
        ("PASSED", "passed")
    } else {
        ("FAILED", "failed")
    };
    let title = format!("{} × {}", v.scenario, v.daemon);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <title>{} — {word}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(
        s,
        "<h1>{} <span class=\"{class}\">{word}</span></h1>\n<p>{}</p>",
        esc(&title),
        esc(super::summary(v).lines().next().unwrap_or_default())
    );
    let _ = writeln!(s, "<p>{} — {}</p>", esc(&v.daemon_version), esc(&v.run_dir));
    for n in &v.notes {
        let _ = writeln!(s, "<p><em>note:</em> {}</p>", esc(n));
    }
    let svg = super::svg::timeline(v);
    let svg = svg
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .unwrap_or(&svg);
    let _ = writeln!(
        s,
        "<h2>Timeline</h2>\n<div class=\"timeline\">{}</div>",
        svg.trim()
    );
    checks(&mut s, v);
    let _ = writeln!(
        s,
        "<h2>Report</h2>\n<pre>{}</pre>\n</body></html>",
        esc(super::text(v).trim())
    );
    s
}

/// Every check result: failures first, each with its clause, expectation, observation and
/// evidence.
fn checks(s: &mut String, v: &Verdict) {
    let known = |c: &CheckResult| v.expectation.as_ref().and_then(|o| o.explaining(c));
    let _ = writeln!(
        s,
        "<h2>Checks</h2>\n<table>\n<tr><th></th><th>check</th><th>subject</th><th>clause</th><th>expected</th><th>observed</th><th>evidence</th></tr>"
    );
    let rank = |st: Status| match st {
        Status::Fail => 0,
        Status::Pass => 1,
        Status::NotApplicable => 2,
    };
    let mut rows: Vec<_> = v.checks.iter().collect();
    rows.sort_by_key(|c| rank(c.status));
    for c in rows {
        let (mark, class) = match c.status {
            Status::Fail if known(c).is_some() => ("KNOWN", "known"),
            Status::Fail => ("FAIL", "fail"),
            Status::Pass => ("PASS", "pass"),
            Status::NotApplicable => ("n/a", "na"),
        };
        let mut observed = esc(&c.observed);
        if let Some(e) = known(c).filter(|_| c.status == Status::Fail) {
            observed = format!(
                "{observed}<br/><em>known deviation ({}):</em> {}",
                esc(&e.cite()),
                esc(&e.evidence)
            );
        }
        const SHOWN: usize = 3;
        let mut evidence: Vec<String> = c
            .evidence
            .iter()
            .take(SHOWN)
            .map(|e| format!("{:.3} s, {}: {}", e.at_s, esc(&e.place()), esc(&e.note)))
            .collect();
        if c.evidence.len() > SHOWN {
            evidence.push(format!(
                "… {} more in verdict.json",
                c.evidence.len() - SHOWN
            ));
        }
        let _ = writeln!(
            s,
            "<tr class=\"{class}\"><td>{mark}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"long\">{observed}</td><td class=\"long\">{}</td></tr>",
            c.id,
            esc(&c.subject),
            esc(&c.clause),
            esc(&c.expected),
            evidence.join("<br/>")
        );
    }
    let _ = writeln!(s, "</table>");
}
