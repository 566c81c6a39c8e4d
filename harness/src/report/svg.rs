//! A run's timeline as one self-contained SVG: one lane per router per virtual router (its
//! tenures as master, from the wire model), the timeline's steps that acted (faults,
//! partitions, losses, injections) as lines, hosts' neighbour entries poisoned by injected
//! frames, and every failed check marked at the moment its evidence names. Hover a shape for
//! its details (each carries a `<title>`). Written as `timeline.svg` beside `verdict.json`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::checks::{Status, Verdict};

const LABEL_W: f64 = 250.0;
const PLOT_W: f64 = 900.0;
const RIGHT: f64 = 20.0;
const LANE_H: f64 = 22.0;
const HEADER_H: f64 = 86.0;
const PALETTE: [&str; 6] = [
    "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#c05621", "#2c7a7b",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One lane: its label and what is drawn in it.
struct Lane {
    label: String,
    shapes: Vec<String>,
}

/// The scale of the time axis.
struct Axis {
    end_s: f64,
}

impl Axis {
    /// Long enough for everything the verdict places in time.
    fn of(v: &Verdict) -> Axis {
        let m = &v.metrics;
        let times = m
            .masters
            .iter()
            .map(|s| s.to_s)
            .chain(m.steps.iter().map(|s| s.to_s.unwrap_or(s.from_s)))
            .chain(
                m.poisonings
                    .iter()
                    .map(|p| p.poisoned_at_s + p.poisoned_ms.unwrap_or(0.0) / 1000.0),
            )
            .chain(
                v.checks
                    .iter()
                    .flat_map(|c| c.evidence.iter().map(|e| e.at_s)),
            );
        let last = times.fold(0.0_f64, f64::max);
        Axis {
            end_s: (last * 1.03).max(0.5),
        }
    }

    fn x(&self, t: f64) -> f64 {
        LABEL_W + t.clamp(0.0, self.end_s) / self.end_s * PLOT_W
    }

    /// Tick spacing: the smallest of 1, 2, 5 × 10ⁿ s that gives at most 12 ticks.
    fn tick(&self) -> f64 {
        let mut step = 0.01;
        loop {
            for k in [1.0, 2.0, 5.0] {
                if self.end_s / (step * k) <= 12.0 {
                    return step * k;
                }
            }
            step *= 10.0;
        }
    }
}

/// The master lanes: one per (virtual router, router that was ever its master), in the
/// order the verdict lists the tenures.
fn master_lanes(v: &Verdict, axis: &Axis) -> Vec<Lane> {
    let mut order: Vec<(String, String)> = Vec::new();
    for s in &v.metrics.masters {
        let key = (s.vrouter.clone(), s.node.clone());
        if !order.contains(&key) {
            order.push(key);
        }
    }
    order.sort_by(|a, b| {
        let first = |vr: &str| v.metrics.masters.iter().position(|s| s.vrouter == vr);
        first(&a.0).cmp(&first(&b.0)).then(a.1.cmp(&b.1))
    });
    let colour: BTreeMap<&str, &str> = {
        let mut nodes: Vec<&str> = v.metrics.masters.iter().map(|s| s.node.as_str()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, PALETTE[i % PALETTE.len()]))
            .collect()
    };
    order
        .iter()
        .map(|(vr, node)| {
            let shapes = v
                .metrics
                .masters
                .iter()
                .filter(|s| &s.vrouter == vr && &s.node == node)
                .map(|s| {
                    let (x0, x1) = (axis.x(s.from_s), axis.x(s.to_s));
                    format!(
                        r#"<rect class="tenure" x="{x0:.1}" y="{{Y}}" width="{:.1}" height="{:.1}" fill="{}"><title>{}</title></rect>"#,
                        (x1 - x0).max(1.5),
                        LANE_H - 6.0,
                        colour.get(node.as_str()).copied().unwrap_or(PALETTE[0]),
                        esc(&format!(
                            "{node} master of {vr}, {:.3}–{:.3} s: {} adverts, priority {}, every {}ms ({}){}",
                            s.from_s,
                            s.to_s,
                            s.adverts,
                            s.priority,
                            s.interval_ms,
                            s.how,
                            if s.left { ", left with priority 0" } else { "" }
                        ))
                    )
                })
                .collect();
            Lane {
                label: format!("{vr} · {node} master"),
                shapes,
            }
        })
        .collect()
}

/// One lane per host and VIP whose neighbour entry an injected frame poisoned.
fn poisoning_lanes(v: &Verdict, axis: &Axis) -> Vec<Lane> {
    v.metrics
        .poisonings
        .iter()
        .map(|p| {
            let to = p.poisoned_ms.map_or(axis.end_s, |ms| p.poisoned_at_s + ms / 1000.0);
            let (x0, x1) = (axis.x(p.poisoned_at_s), axis.x(to));
            Lane {
                label: format!("{} → {} poisoned", p.host, p.vip),
                shapes: vec![format!(
                    r##"<rect class="poisoned" x="{x0:.1}" y="{{Y}}" width="{:.1}" height="{:.1}" fill="#9b2c2c" fill-opacity="0.55"><title>{}</title></rect>"##,
                    (x1 - x0).max(1.5),
                    LANE_H - 6.0,
                    esc(&format!(
                        "{}'s entry for {} named {} (step {}) from {:.3} s, {}",
                        p.host,
                        p.vip,
                        p.mac,
                        p.step,
                        p.poisoned_at_s,
                        match p.repaired_after_last_ms {
                            Some(ms) => format!("repaired {ms:.1} ms after the last injected frame"),
                            None => "never repaired".into(),
                        }
                    ))
                )],
            }
        })
        .collect()
}

/// The failed checks, each marked where its evidence is (known deviations in orange).
fn findings_lane(v: &Verdict, axis: &Axis) -> Lane {
    let known = |c: &crate::checks::CheckResult| {
        v.expectation
            .as_ref()
            .and_then(|o| o.explaining(c))
            .is_some()
    };
    let shapes = v
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .flat_map(|c| {
            let colour = if known(c) { "#dd6b20" } else { "#c53030" };
            c.evidence.iter().map(move |e| {
                let x = axis.x(e.at_s);
                let frame = match (&e.segment, e.frame) {
                    (Some(s), Some(f)) => format!(" ({s} frame {f})"),
                    _ => String::new(),
                };
                format!(
                    r#"<path class="finding" d="M{x:.1} {{Y}} l5 {h} l-5 {h} l-5 -{h} z" fill="{colour}"><title>{}</title></path>"#,
                    esc(&format!(
                        "{}{} {} at {:.3} s{frame}: {}",
                        c.id,
                        if known(c) { " (known deviation)" } else { "" },
                        c.subject,
                        e.at_s,
                        e.note
                    )),
                    h = (LANE_H - 6.0) / 2.0
                )
            })
        })
        .collect();
    Lane {
        label: "failed checks".into(),
        shapes,
    }
}

/// The whole picture.
pub fn timeline(v: &Verdict) -> String {
    let axis = Axis::of(v);
    let mut lanes = master_lanes(v, &axis);
    lanes.extend(poisoning_lanes(v, &axis));
    lanes.push(findings_lane(v, &axis));
    let width = LABEL_W + PLOT_W + RIGHT;
    let plot_h = lanes.len() as f64 * LANE_H;
    let height = HEADER_H + plot_h + 40.0;
    let failed = v.count(Status::Fail) - v.known();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="20" font-size="15" font-weight="bold">{}</text><text x="10" y="38" fill="#4a5568">{}</text>"##,
        esc(&format!("{} × {} ({})", v.scenario, v.daemon, v.daemon_version)),
        esc(&format!(
            "{}: {} passed, {} failed, {} known deviations, {} not applicable — times in seconds since the run began",
            if v.passed() { "PASSED" } else { "FAILED" },
            v.count(Status::Pass),
            failed,
            v.known(),
            v.count(Status::NotApplicable)
        ))
    );
    // Lanes, alternately shaded, with their labels.
    for (i, lane) in lanes.iter().enumerate() {
        let y = HEADER_H + i as f64 * LANE_H;
        if i % 2 == 0 {
            let _ = writeln!(
                s,
                r##"<rect x="{LABEL_W}" y="{y:.1}" width="{PLOT_W}" height="{LANE_H}" fill="#f7fafc"/>"##
            );
        }
        let _ = writeln!(
            s,
            r#"<text class="lane" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + LANE_H / 2.0 + 4.0,
            esc(&lane.label)
        );
        for shape in &lane.shapes {
            let _ = writeln!(s, "{}", shape.replace("{Y}", &format!("{:.1}", y + 3.0)));
        }
    }
    // The time axis.
    let axis_y = HEADER_H + plot_h;
    let _ = writeln!(
        s,
        r##"<line x1="{LABEL_W}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="#718096"/>"##,
        LABEL_W + PLOT_W
    );
    let tick = axis.tick();
    let mut t = 0.0;
    while t <= axis.end_s + 1e-9 {
        let x = axis.x(t);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#718096"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#4a5568">{}</text>"##,
            axis_y + 5.0,
            axis_y + 18.0,
            format_tick(t, tick)
        );
        t += tick;
    }
    // The steps that acted: a line through every lane, the label above, staggered.
    for (i, st) in v.metrics.steps.iter().enumerate() {
        let x = axis.x(st.from_s);
        let label_y = 56.0 + (i % 3) as f64 * 11.0;
        let _ = writeln!(
            s,
            r##"<g class="step"><title>{}</title><line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" stroke="#1a202c" stroke-dasharray="4 3"/><text x="{:.1}" y="{label_y:.1}" font-size="11">{}</text></g>"##,
            esc(&format!(
                "step {}: {} at {:.3} s{}",
                st.step,
                st.what,
                st.from_s,
                st.to_s
                    .map(|e| format!(", done at {e:.3} s"))
                    .unwrap_or_default()
            )),
            label_y + 3.0,
            x + 3.0,
            esc(&format!("{}. {}", st.step, st.what))
        );
    }
    s.push_str("</svg>\n");
    s
}

fn format_tick(t: f64, tick: f64) -> String {
    if tick >= 1.0 {
        format!("{t:.0}")
    } else if tick >= 0.1 {
        format!("{t:.1}")
    } else {
        format!("{t:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{
        Check, CheckResult, Evidence, MasterSpan, Metrics, PoisoningSpan, StepSpan,
    };

    fn tenure(vrouter: &str, node: &str, from_s: f64, to_s: f64, how: &str) -> MasterSpan {
        MasterSpan {
            vrouter: vrouter.into(),
            node: node.into(),
            mac: "00:00:5e:00:01:33".into(),
            how: how.into(),
            from_s,
            to_s,
            adverts: 10,
            priority: 200,
            interval_ms: 100.0,
            left: false,
        }
    }

    /// r1 master of gw4 until it crashes at 2 s, r2 from 2.361 s; h1's entry poisoned for
    /// 300 ms; e1 failed at 3 s.
    fn story() -> Verdict {
        Verdict {
            scenario: "crash".into(),
            daemon: "vrlabd".into(),
            daemons: Default::default(),
            daemon_version: "0.1".into(),
            run_dir: String::new(),
            checks: vec![CheckResult {
                id: Check::E1VmacOnMasterPort,
                title: String::new(),
                clause: String::new(),
                subject: "gw4".into(),
                status: Status::Fail,
                expected: String::new(),
                observed: String::new(),
                evidence: vec![Evidence {
                    segment: Some("lan".into()),
                    frame: Some(42),
                    at_s: 3.0,
                    t_ns: 3_000_000_000,
                    note: "r1 sent from the VMAC while r2 is master".into(),
                    router: None,
                }],
                routers: vec![],
            }],
            metrics: Metrics {
                masters: vec![
                    tenure("gw4", "r1", 0.5, 2.0, "start-up"),
                    tenure("gw4", "r2", 2.361, 4.0, "after silence"),
                    tenure("gw6", "r1", 0.5, 4.0, "start-up"),
                ],
                steps: vec![StepSpan {
                    step: 2,
                    what: "crash r1".into(),
                    from_s: 2.0,
                    to_s: Some(2.001),
                }],
                poisonings: vec![PoisoningSpan {
                    vrouter: "gw6".into(),
                    step: 3,
                    host: "h1".into(),
                    vip: "2001:db8:1::100".into(),
                    mac: "02:00:00:00:02:01".parse().unwrap(),
                    poisoned_at_s: 2.5,
                    repaired_after_last_ms: Some(280.0),
                    poisoned_ms: Some(300.0),
                }],
                ..Metrics::default()
            },
            notes: vec![],
            capture: None,
            expectation: None,
        }
    }

    #[test]
    fn a_lane_per_router_per_virtual_router_with_its_tenures_to_scale() {
        let svg = timeline(&story());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let lanes: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("lane"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            lanes,
            [
                "gw4 · r1 master",
                "gw4 · r2 master",
                "gw6 · r1 master",
                "h1 → 2001:db8:1::100 poisoned",
                "failed checks"
            ]
        );
        let tenures: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("tenure"))
            .collect();
        assert_eq!(tenures.len(), 3);
        // The axis ends 3 % after the last time (4 s): x = LABEL_W + t / 4.12 × PLOT_W.
        let x = |t: f64| LABEL_W + t / 4.12 * PLOT_W;
        let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
        assert!((num(&tenures[1], "x") - x(2.361)).abs() < 0.1);
        assert!((num(&tenures[1], "width") - (x(4.0) - x(2.361))).abs() < 0.2);
        let title = |n: &roxmltree::Node| {
            n.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|c| c.text())
                .unwrap_or_default()
                .to_string()
        };
        assert!(title(&tenures[1]).starts_with("r2 master of gw4, 2.361–4.000 s"));
    }

    #[test]
    fn steps_and_failed_checks_are_marked_where_they_happened() {
        let svg = timeline(&story());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let step = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("step"))
            .expect("the crash");
        let line = step.children().find(|c| c.has_tag_name("line")).unwrap();
        let x = LABEL_W + 2.0 / 4.12 * PLOT_W;
        assert!((line.attribute("x1").unwrap().parse::<f64>().unwrap() - x).abs() < 0.1);
        assert!(svg.contains(">2. crash r1</text>"));
        let finding = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("finding"))
            .expect("the failed check");
        let title = finding
            .children()
            .find(|c| c.has_tag_name("title"))
            .unwrap();
        assert_eq!(
            title.text().unwrap(),
            "e1.vmac-on-master-port gw4 at 3.000 s (lan frame 42): r1 sent from the VMAC while r2 is master"
        );
        assert_eq!(finding.attribute("fill"), Some("#c53030"));
    }

    #[test]
    fn text_is_escaped_and_an_empty_verdict_still_draws() {
        let mut v = story();
        v.scenario = "a<b & \"c\"".into();
        let svg = timeline(&v);
        roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert!(svg.contains("a&lt;b &amp; &quot;c&quot;"));
        let empty = Verdict {
            checks: vec![],
            metrics: Metrics::default(),
            ..story()
        };
        let doc_text = timeline(&empty);
        let doc = roxmltree::Document::parse(&doc_text).unwrap();
        assert_eq!(
            doc.descendants()
                .filter(|n| n.attribute("class") == Some("lane"))
                .count(),
            1,
            "only the findings lane"
        );
    }
}
