//! Timers and states (RFC-CHECKLIST C) from the wire model: every transition judged against
//! the RFC formulas (Skew_Time, Master_Down_Interval) with the learnt interval and the
//! stated tolerance; overlaps of two masters; and, in a run directory, what daemons did when
//! they were started or stopped.

use std::time::Duration;

use super::model::{outranks, Kind, VrModel};
use super::wire_checks::carp_na;
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, Evidence, VrSpec};
use crate::events::{Event, Process};
use crate::scenario::duration::human;
use crate::scenario::Protocol;

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

fn ms(ns: u64) -> String {
    format!("{:.1}ms", ns as f64 / 1e6)
}

/// The results of a judge of two checks that belong to `id`.
fn only(id: Check, results: Vec<CheckResult>) -> Vec<CheckResult> {
    results.into_iter().filter(|r| r.id == id).collect()
}

pub(super) fn c1(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    only(Check::C1SkewTime, c1_c5(ctx, s, vm))
}

pub(super) fn c5(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    only(Check::C5PriorityZeroTakeover, c1_c5(ctx, s, vm))
}

pub(super) fn c9(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let expected = format!(
        "the lower-ranked master stops within tolerance {} of hearing the higher",
        human(ctx.tolerance)
    );
    vec![judge_contests(
        ctx,
        s,
        vm,
        Check::C9MasterYields,
        expected,
        |c| &c.yields_bad,
    )]
}

pub(super) fn c10(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let expected = "the higher-ranked master stays master".to_string();
    vec![judge_contests(
        ctx,
        s,
        vm,
        Check::C10MasterHolds,
        expected,
        |c| &c.holds_bad,
    )]
}

/// The new master's own priority: configured (run directory) or advertised.
fn own_priority(ctx: &Ctx, s: &VrSpec, node: u16, rank: u16) -> u8 {
    s.priority_of(ctx.node(node))
        .unwrap_or(rank.min(255) as u8)
        .max(1)
}

/// c1 (lower bound) and c5 (upper bound) over every takeover after priority 0.
fn c1_c5(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let (c1, c5) = (Check::C1SkewTime, Check::C5PriorityZeroTakeover);
    if s.protocol.is_carp() {
        return vec![carp_na(c1, s), carp_na(c5, s)];
    }
    let tol = ctx.tol_ns();
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut seen = Vec::new();
    for tr in vm.transitions.iter().filter(|t| t.kind == Kind::Leave) {
        let (Some(from), Some(p0)) = (tr.from, tr.reference) else {
            continue;
        };
        let old = &vm.tenures[from];
        let new = &vm.tenures[tr.to];
        let prio = own_priority(ctx, s, new.node, new.rank);
        let v = s.with_interval(old.interval_cs);
        let skew = ns(v.skew_time(prio));
        let p0t = ctx.wire.adverts[p0 as usize].t;
        let delay = tr.at.saturating_sub(p0t);
        let what = format!(
            "{} → {}: first advert {} after the priority-0 advert; Skew_Time {} (priority {prio}, Master_Adver_Interval {}cs)",
            ctx.node(old.node),
            ctx.node(new.node),
            ms(delay),
            ms(skew),
            old.interval_cs
        );
        let ev = || {
            vec![
                ctx.advert_ev(p0, format!("{} leaves with priority 0", ctx.node(old.node))),
                ctx.advert_ev(
                    new.adverts[0],
                    format!("first advert of {}", ctx.node(new.node)),
                ),
            ]
        };
        if delay + tol < skew {
            for e in ev() {
                low.push((what.clone(), e));
            }
        }
        if delay > skew + tol {
            for e in ev() {
                high.push((what.clone(), e));
            }
        }
        seen.push(what);
    }
    if seen.is_empty() {
        let why = "no master left with a priority-0 advert while a backup was there to take over";
        return vec![
            not_applicable(c1, &s.name, why),
            not_applicable(c5, &s.name, why),
        ];
    }
    let tolerance = human(ctx.tolerance);
    vec![
        verdict_of(
            c1,
            &s.name,
            format!("takeover no sooner than Skew_Time − tolerance {tolerance} after priority 0"),
            seen.join("; "),
            low,
        ),
        verdict_of(
            c5,
            &s.name,
            format!("takeover within Skew_Time + tolerance {tolerance} of priority 0"),
            seen.join("; "),
            high,
        ),
    ]
}

pub(super) fn c2(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C2MasterDownInterval;
    if s.protocol.is_carp() {
        return vec![carp_na(id, s)];
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for tr in vm.transitions.iter().filter(|t| t.kind == Kind::Silence) {
        let (Some(from), Some(last)) = (tr.from, tr.reference) else {
            continue;
        };
        let old = &vm.tenures[from];
        let new = &vm.tenures[tr.to];
        let prio = own_priority(ctx, s, new.node, new.rank);
        let v = s.with_interval(old.interval_cs);
        let mdi = ns(v.master_down_interval(prio));
        let delay = tr.at.saturating_sub(ctx.wire.adverts[last as usize].t);
        let what = format!(
            "{} → {}: first advert {} after the last one; Master_Down_Interval {} (3 × {}cs + Skew_Time {} at priority {prio})",
            ctx.node(old.node),
            ctx.node(new.node),
            ms(delay),
            ms(mdi),
            old.interval_cs,
            human(v.skew_time(prio))
        );
        if delay + tol < mdi || delay > mdi + tol {
            let early = delay + tol < mdi;
            let what = format!("{what}: {}", if early { "too soon" } else { "too late" });
            bad.push((
                what.clone(),
                ctx.advert_ev(last, format!("last advert of {}", ctx.node(old.node))),
            ));
            bad.push((
                what,
                ctx.advert_ev(
                    new.adverts[0],
                    format!("first advert of {}", ctx.node(new.node)),
                ),
            ));
        }
        seen.push(what);
    }
    if seen.is_empty() {
        return vec![not_applicable(
            id,
            &s.name,
            "no master fell silent while a backup was there to take over",
        )];
    }
    vec![verdict_of(
        id,
        &s.name,
        format!(
            "takeover Master_Down_Interval ± tolerance {} after the old master's last advert",
            human(ctx.tolerance)
        ),
        seen.join("; "),
        bad,
    )]
}

/// The starts of `node`'s daemons (not the commands an `exec` step ran there).
fn starts_of<'a>(ctx: &'a Ctx, node: &str) -> Vec<&'a Event> {
    let commands: Vec<i32> = ctx
        .events
        .iter()
        .filter_map(|e| match e.fault()? {
            crate::events::Fault::Exec { node: n, pid, .. } if n == node => Some(*pid),
            _ => None,
        })
        .collect();
    ctx.events
        .iter()
        .filter(|e| {
            matches!(e.process(), Some(p @ Process::Start { .. })
                if p.who().node == node && !commands.contains(&p.who().pid))
        })
        .collect()
}

/// The name of the process an event of the record concerns.
fn process_name(e: &Event) -> &str {
    e.process().map_or("daemon", |p| p.who().name.as_str())
}

/// c3: after each daemon start, the first advert of the node.
pub(super) fn c3(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C3Startup;
    if s.protocol.is_carp() {
        return vec![carp_na(id, s)];
    }
    if !ctx.is_run() {
        return vec![not_applicable(
            id,
            &s.name,
            "needs when each daemon started (a run directory)",
        )];
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (node, prio) in &s.priorities {
        let Some(ni) = ctx.wire.node_index(node) else {
            continue;
        };
        let starts = starts_of(ctx, node);
        for t in vm.tenures.iter().filter(|t| t.node == ni) {
            // The latest start of the node's daemons before this tenure, with no earlier
            // tenure of the node after it: the tenure is the first after that start.
            let Some(start) = starts.iter().rev().find(|e| e.t < t.first_t) else {
                continue;
            };
            if vm
                .tenures
                .iter()
                .any(|o| o.node == ni && o.first_t > start.t && o.first_t < t.first_t)
            {
                continue;
            }
            let delay = t.first_t - start.t;
            let v = &s.vr;
            let mdi = ns(v.master_down_interval(*prio));
            // Much later, it took over from another master: not start-up behaviour.
            if delay > 2 * mdi + 1_000_000_000 {
                continue;
            }
            let what = if *prio == 255 {
                format!(
                    "{node} (owner) advertised {} after its daemon started",
                    ms(delay)
                )
            } else {
                format!(
                    "{node} advertised {} after its daemon started; Master_Down_Interval {} at priority {prio}",
                    ms(delay),
                    ms(mdi)
                )
            };
            let wrong = if *prio == 255 {
                delay > ns(v.interval()) + tol
            } else {
                delay + tol < mdi
            };
            if wrong {
                bad.push((
                    what.clone(),
                    ctx.event_ev(start, format!("{node}: {} started", process_name(start))),
                ));
                bad.push((
                    what.clone(),
                    ctx.advert_ev(t.adverts[0], format!("first advert of {node}")),
                ));
            }
            seen.push(what);
        }
    }
    if seen.is_empty() {
        return vec![not_applicable(
            id,
            &s.name,
            "no router became master after a recorded daemon start",
        )];
    }
    vec![verdict_of(
        id,
        &s.name,
        format!(
            "owner: first advert within one interval; others: no sooner than Master_Down_Interval − tolerance {} after the start",
            human(ctx.tolerance)
        ),
        seen.join("; "),
        bad,
    )]
}

/// c6: a router starting while a lower-priority master runs.
pub(super) fn c6(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C6Preempt;
    if s.protocol.is_carp() {
        return vec![carp_na(id, s)];
    }
    let Some(rec) = ctx.rec else {
        return vec![not_applicable(
            id,
            &s.name,
            "needs when each daemon started and the configured Preempt_Mode (a run directory)",
        )];
    };
    let ends: Vec<u64> = ctx
        .events
        .iter()
        .filter(|e| e.fault().is_some())
        .map(|e| e.t)
        .chain(std::iter::once(rec.end()))
        .collect();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (node, prio) in &s.priorities {
        let Some(ni) = ctx.wire.node_index(node) else {
            continue;
        };
        let starts = starts_of(ctx, node);
        // One start per burst (zebra, then vrrpd): the last of a node's starts within 1 s.
        let starts: Vec<&Event> = starts
            .iter()
            .enumerate()
            .filter(|(i, e)| starts.get(i + 1).is_none_or(|n| n.t > e.t + 1_000_000_000))
            .map(|(_, e)| *e)
            .collect();
        for st in starts {
            let Some(mi) = vm.master_at(st.t) else {
                continue;
            };
            let m = &vm.tenures[mi];
            if m.node == ni {
                continue;
            }
            let mprio = own_priority(ctx, s, m.node, m.rank);
            if mprio >= *prio {
                continue;
            }
            let until = ends
                .iter()
                .copied()
                .filter(|t| *t > st.t)
                .min()
                .unwrap_or(u64::MAX);
            let took = vm
                .tenures
                .iter()
                .find(|t| t.node == ni && t.first_t > st.t && t.first_t < until);
            let mdi = s.master_down_interval(*prio)
                + Duration::from_millis(u64::from(s.preempt_delay_cs) * 10);
            let master = ctx.node(m.node).to_string();
            match (s.preempt, took) {
                (true, Some(t)) => seen.push(format!(
                    "{node} (priority {prio}) took over from {master} (priority {mprio}) {} after starting (Master_Down_Interval + preempt delay {})",
                    ms(t.first_t - st.t),
                    human(mdi)
                )),
                (true, None) => {
                    let what = format!(
                        "{node} (priority {prio}) started while {master} (priority {mprio}) was master and never took over"
                    );
                    bad.push((what.clone(), ctx.event_ev(st, format!("{node} started"))));
                    seen.push(what);
                }
                (false, Some(t)) if t.first_t < m.end_t => {
                    let what = format!(
                        "{node} (priority {prio}) took over from {master} with preempt = false"
                    );
                    bad.push((what.clone(), ctx.advert_ev(t.adverts[0], format!("first advert of {node}"))));
                    seen.push(what);
                }
                (false, _) => seen.push(format!(
                    "{node} (priority {prio}) stayed backup to {master} (preempt = false)"
                )),
            }
        }
    }
    if seen.is_empty() {
        return vec![not_applicable(
            id,
            &s.name,
            "no router started while a lower-priority master was advertising",
        )];
    }
    vec![verdict_of(
        id,
        &s.name,
        if s.preempt {
            "the higher-priority router takes over (Preempt_Mode true)".to_string()
        } else {
            "the higher-priority router stays backup (Preempt_Mode false)".to_string()
        },
        seen.join("; "),
        bad,
    )]
}

/// Harness signals to a node's daemons (a gap they explain is not the daemon's).
fn signalled(ctx: &Ctx, node: &str, from: u64, to: u64) -> bool {
    ctx.events.iter().any(|e| {
        e.t >= from
            && e.t <= to
            && e.process().is_some_and(|p| {
                p.who().node == node
                    && matches!(
                        p,
                        Process::Signal { .. } | Process::Exit { .. } | Process::Start { .. }
                    )
            })
    })
}

pub(super) fn c7(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C7AdvertInterval;
    if vm.tenures.is_empty() {
        return vec![not_applicable(id, &s.name, "no master was seen")];
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut gaps = 0usize;
    let mut longest = 0u64;
    for t in &vm.tenures {
        let iv = u64::from(t.interval_cs) * 10_000_000;
        let node = ctx.node(t.node);
        for w in t.adverts.windows(2) {
            let (a, b) = (
                &ctx.wire.adverts[w[0] as usize],
                &ctx.wire.adverts[w[1] as usize],
            );
            let gap = b.t - a.t;
            gaps += 1;
            if gap > iv + tol
                && !signalled(ctx, node, a.t, b.t)
                && !yielded_under_fault(ctx, vm, t.node, t.rank, a.t, b.t)
            {
                let what = format!(
                    "{node} was silent {} between adverts (interval {}cs)",
                    ms(gap),
                    t.interval_cs
                );
                bad.push((
                    what.clone(),
                    ctx.advert_by(w[0], format!("advert of {node}")),
                ));
                bad.push((what, ctx.advert_by(w[1], format!("next advert of {node}"))));
            } else {
                longest = longest.max(gap);
            }
        }
    }
    vec![verdict_of(
        id,
        &s.name,
        format!(
            "consecutive adverts of a master at most the advertised interval + tolerance {} apart",
            human(ctx.tolerance)
        ),
        format!(
            "{} tenures, {gaps} intervals, longest {}",
            vm.tenures.len(),
            ms(longest)
        ),
        bad,
    )]
}

/// Whether a master silent in `(from, until)` may have yielded to a higher-ranked router it
/// heard then, while the lab was dropping frames between them (a split brain under loss
/// ends and starts again; that is the loss, not a slow timer).
fn yielded_under_fault(
    ctx: &Ctx,
    vm: &VrModel,
    node: u16,
    rank: u16,
    from: u64,
    until: u64,
) -> bool {
    vm.tenures.iter().any(|u| {
        u.node != node
            && u.rank > rank
            && u.adverts.iter().any(|&x| {
                let t = ctx.wire.adverts[x as usize].t;
                t > from && t < until
            })
            && super::netfaults::separating(&ctx.net, ctx.node(node), ctx.node(u.node), from, until)
                .is_some()
    })
}

pub(super) fn c8(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C8PriorityZeroAnswer;
    if s.protocol.is_carp() {
        return vec![carp_na(id, s)];
    }
    if s.protocol != Protocol::VrrpV3 {
        return vec![not_applicable(
            id,
            &s.name,
            "VRRPv2: RFC 3768 has no such rule",
        )];
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for &p0 in &vm.stray_leaves {
        let a = &ctx.wire.adverts[p0 as usize];
        let Some(mi) = vm.master_at(a.t) else {
            continue;
        };
        let m = &vm.tenures[mi];
        if m.node == a.node {
            continue;
        }
        let answered = m.adverts.iter().find(|&&x| {
            let t = ctx.wire.adverts[x as usize].t;
            t > a.t && t <= a.t + tol
        });
        let what = format!(
            "{} sent priority 0 while {} was master",
            ctx.node(a.node),
            ctx.node(m.node)
        );
        match answered {
            Some(&x) => seen.push(format!(
                "{what}; answered {} later",
                ms(ctx.wire.adverts[x as usize].t - a.t)
            )),
            None => {
                bad.push((
                    format!(
                        "{what}; no advert from {} within the tolerance",
                        ctx.node(m.node)
                    ),
                    ctx.advert_ev(p0, what.clone()),
                ));
                seen.push(what);
            }
        }
    }
    if seen.is_empty() {
        return vec![not_applicable(
            id,
            &s.name,
            "no priority-0 advert from another router while a master was active (provoking one needs injection)",
        )];
    }
    vec![verdict_of(
        id,
        &s.name,
        format!(
            "the master advertises within tolerance {}",
            human(ctx.tolerance)
        ),
        seen.join("; "),
        bad,
    )]
}

/// One overlap of two masters, or one pre-emption, judged: who should have yielded, and what
/// each did after hearing the other.
struct Contest {
    /// "r1 (rank 200) and r2 (rank 100) both master …".
    what: String,
    /// No longer than the tolerance, and no pre-emption: adverts crossing in flight at a
    /// handover, which no router could avoid and which shows up or not by a few milliseconds'
    /// luck. It makes c9 and c10 applicable only when it fails them (what followed it is
    /// still judged).
    crossing: bool,
    /// c9: the lower-ranked one kept advertising after hearing the higher.
    yields_bad: Vec<(String, Evidence)>,
    /// c10: the higher-ranked one stopped while the lower carried on.
    holds_bad: Vec<(String, Evidence)>,
    /// RFC 9568: whether the higher-ranked one re-advertised at once.
    immediate: Option<String>,
}

/// Every overlap in which the higher-ranked master's advert reached the lower-ranked one (a
/// partition or loss between them is not the loser's fault), and every pre-emption: the
/// pre-empted master yielding is the same rule whether or not one of its adverts happened to
/// cross the new master's first in flight.
fn contests(ctx: &Ctx, vm: &VrModel) -> Vec<Contest> {
    let tol = ctx.tol_ns();
    let t = |x: u32| ctx.wire.adverts[x as usize].t;
    let preemption = |a: usize, b: usize| {
        vm.transitions.iter().any(|tr| {
            tr.kind == Kind::Preempt
                && tr
                    .from
                    .is_some_and(|f| (f, tr.to) == (a, b) || (f, tr.to) == (b, a))
        })
    };
    let mut out = Vec::new();
    for tr in vm.transitions.iter().filter(|tr| tr.kind == Kind::Preempt) {
        let Some(from) = tr.from else { continue };
        if vm.overlaps.iter().any(|o| (o.a, o.b) == (from, tr.to)) {
            continue; // judged below, with the adverts that crossed
        }
        let (old, new) = (&vm.tenures[from], &vm.tenures[tr.to]);
        let (on, nn) = (ctx.node(old.node), ctx.node(new.node));
        out.push(Contest {
            what: format!(
                "{nn} (rank {}) pre-empted {on} (rank {}) at {:.3}s; {on}'s last advert {:.1}ms before",
                new.rank_at(ctx.wire, tr.at),
                old.rank_at(ctx.wire, tr.at),
                ctx.at(tr.at),
                tr.at.saturating_sub(old.last_t) as f64 / 1e6
            ),
            crossing: false,
            yields_bad: Vec::new(),
            holds_bad: Vec::new(),
            immediate: None,
        });
    }
    for o in &vm.overlaps {
        let (ta, tb) = (&vm.tenures[o.a], &vm.tenures[o.b]);
        // Ranks as advertised when the overlap began (tracking may have lowered one).
        let (ra, rb) = (ta.rank_at(ctx.wire, o.start), tb.rank_at(ctx.wire, o.start));
        let ((w, w_rank), (l, l_rank)) = if outranks(ra, ta.src_ip, rb, tb.src_ip) {
            ((ta, ra), (tb, rb))
        } else {
            ((tb, rb), (ta, ra))
        };
        let (wn, ln) = (ctx.node(w.node), ctx.node(l.node));
        let start = w.first_t.max(l.first_t);
        let Some(heard) =
            w.adverts.iter().copied().find(|&x| {
                t(x) >= start && super::netfaults::cut(&ctx.net, wn, ln, t(x)).is_none()
            })
        else {
            continue;
        };
        let th = t(heard);
        let what = format!(
            "{wn} (rank {w_rank}) and {ln} (rank {l_rank}) both master {:.3}s-{:.3}s",
            ctx.at(o.start),
            ctx.at(o.end)
        );
        let late: Vec<u32> = l
            .adverts
            .iter()
            .copied()
            .filter(|&x| t(x) > th + tol)
            .collect();
        let mut yields_bad = Vec::new();
        if let Some(&x) = late.first() {
            let m = format!(
                "{ln} kept advertising {} times after hearing {wn}",
                late.len()
            );
            yields_bad.push((
                format!("{what}: {m}"),
                ctx.advert_ev(heard, format!("{wn} advertises rank {w_rank}")),
            ));
            yields_bad.push((format!("{what}: {m}"), ctx.advert_ev(x, m.clone())));
        }
        let mut holds_bad = Vec::new();
        if w.last_t < l.last_t {
            let m = format!("{wn} stopped while the lower-ranked {ln} carried on");
            holds_bad.push((
                format!("{what}: {m}"),
                ctx.advert_ev(
                    *w.adverts.last().unwrap_or(&heard),
                    format!("last advert of {wn}"),
                ),
            ));
        }
        // RFC 9568: the master re-advertises at once on hearing a lower priority.
        let immediate = l.adverts.iter().find(|&&x| t(x) >= w.first_t).map(|&fl| {
            match w
                .adverts
                .iter()
                .any(|&x| t(x) > t(fl) && t(x) <= t(fl) + tol)
            {
                true => format!("{wn} re-advertised at once (RFC 9568 behaviour)"),
                false => format!("{wn} did not re-advertise at once (RFC 5798 behaviour)"),
            }
        });
        out.push(Contest {
            what,
            crossing: o.duration_ns() <= tol && !preemption(o.a, o.b),
            yields_bad,
            holds_bad,
            immediate,
        });
    }
    out
}

/// c9 or c10 over the contests that make it applicable.
fn judge_contests(
    ctx: &Ctx,
    s: &VrSpec,
    vm: &VrModel,
    id: Check,
    expected: String,
    bad_of: fn(&Contest) -> &Vec<(String, Evidence)>,
) -> CheckResult {
    let all = contests(ctx, vm);
    let judged: Vec<&Contest> = all
        .iter()
        .filter(|c| !c.crossing || !bad_of(c).is_empty())
        .collect();
    if judged.is_empty() {
        let why = match (vm.overlaps.len(), all.len()) {
            (0, _) => "no two routers advertised as master at the same time".to_string(),
            (n, 0) => format!(
                "two routers advertised as master at the same time {n} time{}, but neither heard the other then (the lab kept them apart)",
                if n == 1 { "" } else { "s" }
            ),
            (_, n) => format!(
                "no two routers advertised as master at the same time for longer than the tolerance {} ({n} crossing{} of adverts within it, resolved)",
                human(ctx.tolerance),
                if n == 1 { "" } else { "s" }
            ),
        };
        return not_applicable(id, &s.name, why);
    }
    let mut seen: Vec<&str> = judged.iter().map(|c| c.what.as_str()).collect();
    if id == Check::C10MasterHolds {
        seen.extend(judged.iter().filter_map(|c| c.immediate.as_deref()));
    }
    verdict_of(
        id,
        &s.name,
        expected,
        seen.join("; "),
        judged.iter().flat_map(|c| bad_of(c).clone()).collect(),
    )
}

pub(super) fn c11(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<CheckResult> {
    let id = Check::C11LeavePriorityZero;
    if s.protocol.is_carp() {
        return vec![carp_na(id, s)];
    }
    if !ctx.is_run() {
        return vec![not_applicable(
            id,
            &s.name,
            "needs when daemons were stopped (a run directory)",
        )];
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for (node, _) in &s.priorities {
        let Some(ni) = ctx.wire.node_index(node) else {
            continue;
        };
        let mut last_start = 0u64;
        let mut handled_since_start = false;
        for (e, p) in ctx
            .events
            .iter()
            .filter_map(|e| Some((e, e.process()?)))
            .filter(|(_, p)| &p.who().node == node)
        {
            match p {
                Process::Start { .. } => {
                    last_start = e.t;
                    handled_since_start = false;
                }
                Process::Signal { signal, .. }
                    if signal == "SIGTERM" && !handled_since_start && e.t > last_start =>
                {
                    handled_since_start = true;
                    let Some(t) = vm
                        .tenures
                        .iter()
                        .filter(|t| t.node == ni && t.first_t <= e.t && e.t <= t.end_t + tol)
                        .max_by_key(|t| t.first_t)
                    else {
                        continue;
                    };
                    let bound = e.t + ns(s.interval()) + tol;
                    match t.leave.map(|l| (l, ctx.wire.adverts[l as usize].t)) {
                        Some((_, lt)) if lt >= e.t.saturating_sub(tol) && lt <= bound => {
                            seen.push(format!(
                                "{node} sent priority 0 {} after SIGTERM",
                                ms(lt.saturating_sub(e.t))
                            ));
                        }
                        _ => {
                            let what = format!(
                                "{node} was master when its daemon got SIGTERM and sent no priority-0 advert"
                            );
                            bad.push((
                                what.clone(),
                                ctx.event_ev(e, format!("SIGTERM to {node}'s {}", process_name(e))),
                            ));
                            if let Some(&la) = t.adverts.last() {
                                bad.push((
                                    what.clone(),
                                    ctx.advert_ev(la, format!("last advert of {node}")),
                                ));
                            }
                            seen.push(what);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if seen.is_empty() {
        return vec![not_applicable(
            id,
            &s.name,
            "no master's daemon was stopped with SIGTERM",
        )];
    }
    vec![verdict_of(
        id,
        &s.name,
        format!(
            "a priority-0 advert within one interval + tolerance {} of SIGTERM",
            human(ctx.tolerance)
        ),
        seen.join("; "),
        bad,
    )]
}
