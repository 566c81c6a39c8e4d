//! Checks of a run as a whole: the timeline, one master in steady state, takeover time, and
//! the service gap the hosts saw.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::model::VrModel;
use super::spec::VrSpec;
use super::{Check, CheckResult, Ctx, Evidence, Metrics, Record, ServiceGap, Status, Takeover};
use crate::events::{self, Event, Fault, Harness, Probe};
use crate::rundir::Outcome;
use crate::scenario::{duration::human, FaultKind, Step, Vrouter};

fn result(
    id: Check,
    subject: String,
    status: Status,
    expected: String,
    observed: String,
    evidence: Vec<Evidence>,
) -> CheckResult {
    super::result(id, subject, status, expected, observed, evidence)
}

/// `harness.capture-complete`: the kernel dropped no captured frame and no netlink notification
/// of the table monitors.
pub(super) fn capture_complete(ctx: &super::Ctx) -> Vec<CheckResult> {
    let id = Check::HarnessCaptureComplete;
    let Some(rec) = ctx.rec else {
        return vec![super::not_applicable(
            id,
            "capture",
            "a capture file does not say whether its capturer dropped frames (a run directory does)",
        )];
    };
    let c = &rec.meta.capture;
    let lost: Vec<(&Event, &str)> = rec
        .events
        .iter()
        .filter_map(|e| match e.harness()? {
            Harness::NotificationsLost { namespace } => Some((e, namespace.as_str())),
            _ => None,
        })
        .collect();
    let status = if c.kernel_drops == 0 && lost.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let mut observed = format!("{} frames captured, {} dropped", c.frames, c.kernel_drops);
    if !lost.is_empty() {
        let mut spaces: Vec<&str> = lost.iter().map(|(_, n)| *n).collect();
        spaces.sort_unstable();
        spaces.dedup();
        observed += &format!(
            "; the kernel dropped netlink notifications {} times (FDB, neighbour, address, link changes of {} missing from the record)",
            lost.len(),
            spaces.join(", ")
        );
    }
    let evidence = lost
        .iter()
        .take(super::MAX_EVIDENCE)
        .map(|(e, n)| ctx.event_ev(e, format!("notifications of {n} lost (ENOBUFS)")))
        .collect();
    vec![result(
        id,
        rec.scenario.name.clone(),
        status,
        "0 frames dropped by the kernel, no netlink notification lost".into(),
        observed,
        evidence,
    )]
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn at(rec: &Record, t: u64) -> f64 {
    (t.saturating_sub(rec.t0())) as f64 / 1e9
}

/// A timeline step as recorded: its index, when it began and ended.
struct StepRun<'a> {
    step: &'a Step,
    began: u64,
    ended: Option<u64>,
}

fn steps(rec: &Record) -> Vec<StepRun<'_>> {
    rec.scenario
        .timeline
        .iter()
        .enumerate()
        .filter_map(|(i, step)| {
            let began = events::step_began(&rec.events, i)?.t;
            let ended = rec
                .events
                .iter()
                .find(
                    |e| matches!(e.harness(), Some(Harness::StepDone { index, .. }) if *index == i),
                )
                .map(|e| e.t);
            Some(StepRun { step, began, ended })
        })
        .collect()
}

/// The steps that acted, with their times, for the report's timeline.
pub(super) fn step_spans(rec: &Record) -> Vec<super::StepSpan> {
    let index = |step: &Step| {
        rec.scenario
            .timeline
            .iter()
            .position(|s| std::ptr::eq(s, step))
            .unwrap_or(0)
    };
    steps(rec)
        .iter()
        .filter_map(|s| {
            Some(super::StepSpan {
                step: index(s.step) + 1,
                what: s.step.label()?,
                from_s: at(rec, s.began),
                to_s: s.ended.map(|t| at(rec, t)),
            })
        })
        .collect()
}

/// The index of the last timeline step the record says began.
fn last_step_begun(rec: &Record) -> Option<usize> {
    rec.events.iter().rev().find_map(|e| match e.harness()? {
        Harness::Step { index, .. } => Some(*index),
        _ => None,
    })
}

pub(super) fn timeline(_: &Ctx, rec: &Record, _: &mut Metrics) -> Vec<CheckResult> {
    let n = rec.scenario.timeline.len();
    let (status, observed) = match &rec.meta.outcome {
        Outcome::Completed => (Status::Pass, format!("all {n} steps completed")),
        Outcome::StepFailed { step, reason } => {
            (Status::Fail, format!("step {} failed: {reason}", step + 1))
        }
        Outcome::Interrupted { step } => {
            (Status::Fail, format!("interrupted at step {}", step + 1))
        }
        Outcome::Paused { step } => (
            Status::NotApplicable,
            format!(
                "paused before step {} for inspection (vrlab up --pause-before): {} of {n} steps ran",
                step + 1,
                step
            ),
        ),
        Outcome::Unfinished => (
            Status::Fail,
            match last_step_begun(rec) {
                Some(i) => format!("the run was cut short during step {} (run.json was never completed: vrlab was killed); what was recorded until then is judged", i + 1),
                None => "the run was cut short before its timeline began (run.json was never completed: vrlab was killed)".into(),
            },
        ),
    };
    let evidence = rec
        .events
        .iter()
        .filter_map(|e| match e.harness()? {
            Harness::StepFailed { reason, .. } => Some(Evidence {
                segment: None,
                frame: None,
                at_s: at(rec, e.t),
                t_ns: e.t,
                note: reason.clone(),
                router: None,
            }),
            _ => None,
        })
        .collect();
    vec![result(
        Check::HarnessTimeline,
        rec.scenario.name.clone(),
        status,
        format!("{n} steps complete"),
        observed,
        evidence,
    )]
}

/// e4.single-master: in each completed `hold` window, one master per virtual router as the
/// wire model shows it: exactly one node's tenure advertised in the window (two routers kept
/// apart by a partition or loss are expected both to).
pub(super) fn single_master(ctx: &Ctx, rec: &Record, _: &mut Metrics) -> Vec<CheckResult> {
    let holds: Vec<(u64, u64)> = steps(rec)
        .iter()
        .filter(|s| matches!(s.step, Step::Hold { .. }))
        .filter_map(|s| Some((s.began, s.ended?)))
        .collect();
    let mut out = Vec::new();
    for (v, vm) in ctx.vrs.iter().zip(&ctx.model.vrs) {
        if holds.is_empty() {
            out.push(result(
                Check::E4SingleMaster,
                v.name.clone(),
                Status::NotApplicable,
                "one master in each `hold` window".into(),
                "the timeline has no completed hold".into(),
                vec![],
            ));
            continue;
        }
        let mut bad = Vec::new();
        let mut seen_masters = Vec::new();
        for (i, (b, e)) in holds.iter().enumerate() {
            // Each master's first advert in the window.
            let mut firsts: BTreeMap<&str, u32> = BTreeMap::new();
            for t in &vm.tenures {
                let inside = t.adverts.iter().find(|&&ai| {
                    let at = ctx.wire.adverts[ai as usize].t;
                    at >= *b && at <= *e
                });
                if let Some(&ai) = inside {
                    let first = firsts.entry(ctx.node(t.node)).or_insert(ai);
                    *first = (*first).min(ai);
                }
            }
            let senders: BTreeSet<&str> = firsts.keys().copied().collect();
            let window = format!("hold {} ({:.3}s–{:.3}s)", i + 1, at(rec, *b), at(rec, *e));
            let apart = kept_apart(&ctx.net, &senders, *b, *e);
            match senders.len() {
                1 => {
                    seen_masters.push(format!("{window}: {}", senders.iter().next().expect("one")))
                }
                _ if apart.is_some() => seen_masters.push(format!(
                    "{window}: {} (expected: {})",
                    senders.iter().copied().collect::<Vec<_>>().join(", "),
                    apart.unwrap_or_default()
                )),
                0 => bad.push((window, "no master advertised".to_string(), Vec::new())),
                _ => {
                    let ev = firsts
                        .iter()
                        .map(|(node, &ai)| {
                            let rank = ctx.wire.adverts[ai as usize].rank();
                            ctx.advert_ev(ai, format!("{node} advertises priority {rank}"))
                        })
                        .collect();
                    bad.push((
                        window,
                        format!(
                            "{} masters: {}",
                            senders.len(),
                            senders.into_iter().collect::<Vec<_>>().join(", ")
                        ),
                        ev,
                    ))
                }
            }
        }
        let expected = format!(
            "exactly one router advertising VRID {} ({}) in each of {} hold windows",
            v.vrid,
            v.family,
            holds.len()
        );
        if bad.is_empty() {
            out.push(result(
                Check::E4SingleMaster,
                v.name.clone(),
                Status::Pass,
                expected,
                seen_masters.join("; "),
                vec![],
            ));
        } else {
            let observed = bad
                .iter()
                .map(|(w, what, _)| format!("{w}: {what}"))
                .collect::<Vec<_>>()
                .join("; ");
            let evidence = bad.into_iter().flat_map(|(_, _, ev)| ev).collect();
            out.push(result(
                Check::E4SingleMaster,
                v.name.clone(),
                Status::Fail,
                expected,
                observed,
                evidence,
            ));
        }
    }
    out
}

/// Whether a partition or loss cut every two of `senders` apart, one way at least, for the
/// whole window: a backup that cannot hear the master becomes master, as it should (under
/// partial loss, when enough adverts in a row were dropped; the pcapng shows what was sent,
/// not what was delivered, so such a takeover is not held against it).
fn kept_apart(
    net: &[super::netfaults::NetFault],
    senders: &BTreeSet<&str>,
    from: u64,
    until: u64,
) -> Option<String> {
    let mut why = BTreeSet::new();
    for a in senders {
        for b in senders {
            if a >= b {
                continue;
            }
            let f = net.iter().find(|f| {
                f.drops()
                    && f.from <= from
                    && f.until >= until
                    && f.flows
                        .iter()
                        .any(|fl| fl.carries(a, b) || fl.carries(b, a))
            })?;
            why.insert(f.describe());
        }
    }
    Some(why.into_iter().collect::<Vec<_>>().join(", "))
}

/// A fault of the timeline, as the judge weighs its consequences.
pub(crate) struct FaultHit<'a> {
    pub kind: FaultKind,
    pub node: &'a str,
    /// A link fault of this interface alone.
    pub interface: Option<&'a str>,
    /// When it reached the node.
    pub hit: u64,
    /// The end of the window in which its consequences are judged.
    pub until: u64,
}

impl FaultHit<'_> {
    /// Whether the fault takes `v` out of the node's hands: any fault of the node's daemons
    /// or all its links does; one link's, only `v`'s segment and its sync group.
    pub fn hits(&self, rec: &Record, v: &crate::scenario::Vrouter) -> bool {
        self.interface.is_none()
            || rec
                .scenario
                .vrouters_hit(self.node, self.interface)
                .iter()
                .any(|h| h.name == v.name)
    }
}

/// Each fault of the timeline.
pub(crate) fn faults(rec: &Record) -> Vec<FaultHit<'_>> {
    let runs = steps(rec);
    runs.iter()
        .enumerate()
        .filter_map(|(i, s)| match s.step {
            Step::Fault {
                fault,
                node,
                interface,
            } => {
                // The window: up to the next fault (or the end of the run).
                let until = runs[i + 1..]
                    .iter()
                    .find(|n| matches!(n.step, Step::Fault { .. }))
                    .map(|n| n.began)
                    .unwrap_or(rec.end());
                Some(FaultHit {
                    kind: *fault,
                    node,
                    interface: interface.as_deref(),
                    hit: hit_time(rec, node, s.began, s.ended.unwrap_or(until)),
                    until,
                })
            }
            _ => None,
        })
        .collect()
}

/// When a fault reached the node: its first signal to the daemons, or for a link fault the
/// harness event recorded once the link changed; not the start of the step. The two are a
/// few hundred microseconds apart, and an advert the daemon sent in between is the master's
/// last one, which the backup's Master_Down_Timer counts from. Only events of the step itself
/// count (a later stop at teardown is not this step's). A start sends no signal: the step's
/// start is the moment.
fn hit_time(rec: &Record, node: &str, began: u64, step_end: u64) -> u64 {
    rec.events
        .iter()
        .filter(|e| e.t >= began && e.t <= step_end)
        .find(|e| match (e.process(), e.fault()) {
            (Some(p @ events::Process::Signal { .. }), _) => p.who().node == node,
            (_, Some(Fault::LinkDown { node: n, .. } | Fault::LinkUp { node: n, .. })) => n == node,
            _ => false,
        })
        .map_or(began, |e| e.t)
}

fn bound_text(v: &Vrouter, prio: u8, tol: Duration) -> String {
    format!(
        "Master_Down_Interval {} ({}) + tolerance {}",
        human(v.master_down_interval(prio)),
        v.master_down_formula(prio),
        human(tol)
    )
}

/// c2.takeover-time: after each crash, freeze, stop, restart or link fault of the master, a
/// backup takes over in the time the RFC gives it, counted from what its timers count from on
/// the wire (the old tenure's priority-0 advert or last advert).
pub(super) fn takeover(ctx: &Ctx, rec: &Record, metrics: &mut Metrics) -> Vec<CheckResult> {
    let tol = rec.scenario.expect.tolerance;
    let mut out = Vec::new();
    for f in faults(rec) {
        let (kind, node, tf) = (f.kind, f.node, f.hit);
        if !matches!(
            kind,
            FaultKind::Crash
                | FaultKind::Freeze
                | FaultKind::Stop
                | FaultKind::Restart
                | FaultKind::LinkDown
        ) {
            continue;
        }
        let vrs = ctx.vrs.iter().zip(&ctx.model.vrs);
        for (v, vm) in vrs.filter(|(v, _)| f.hits(rec, v)) {
            let subject = format!(
                "{} of {node} at {:.3}s, {}",
                kind.name(),
                at(rec, tf),
                v.name
            );
            let judged = judge_takeover(ctx, v, vm, &f, tol);
            let (status, expected, observed, evidence) = match judged {
                Ok((took, judged)) => {
                    metrics.takeovers.push(took);
                    judged
                }
                Err(judged) => judged,
            };
            out.push(result(
                Check::C2TakeoverTime,
                subject,
                status,
                expected,
                observed,
                evidence,
            ));
        }
    }
    out
}

/// A check's status, what it expected, what it observed and the evidence.
type Judged = (Status, String, String, Vec<Evidence>);

/// The takeover after fault `f` of virtual router `v`: the first tenure of another node that
/// begins between the fault and the next one.
fn judge_takeover(
    ctx: &Ctx,
    v: &VrSpec,
    vm: &VrModel,
    f: &FaultHit,
    tol: Duration,
) -> Result<(Takeover, Judged), Judged> {
    let (node, tf, until) = (f.node, f.hit, f.until);
    let na = |expected: String, observed: String| {
        Err((Status::NotApplicable, expected, observed, vec![]))
    };
    if v.protocol.is_carp() {
        return na(
            "a VRRP timer to hold the takeover to".into(),
            "CARP: no RFC gives its timers (c2.master-down-interval does not apply either)".into(),
        );
    }
    // The master when the fault hit: the last tenure begun before it, though it may have
    // ended a moment before — a daemon can send priority 0 on carrier loss before the lab has
    // recorded the link's change.
    let Some(old) = vm
        .tenures
        .iter()
        .filter(|t| t.first_t <= tf)
        .max_by_key(|t| t.first_t)
    else {
        return na(
            "a master before the fault".into(),
            "no router was master when the fault hit".into(),
        );
    };
    if ctx.node(old.node) != node {
        return na(
            format!("{node} to be master when the fault hit"),
            format!("{} was master", ctx.node(old.node)),
        );
    }
    let Some(new) = vm
        .tenures
        .iter()
        .find(|t| t.first_t >= tf && t.first_t < until && t.node != old.node)
    else {
        let last = *old.adverts.last().expect("a tenure has an advert");
        return Err((
            Status::Fail,
            "another router takes over".into(),
            format!("no other router advertised before {:.3}s", ctx.at(until)),
            vec![ctx.advert_ev(last, format!("last advert of {node}"))],
        ));
    };
    // What the backup's timers count from is on the wire, whatever the clock of the fault
    // says: the old master's last advert before the takeover (one in flight as the signal
    // was sent counts), and its priority-0 advert (a daemon can answer SIGTERM within
    // microseconds).
    let advert_t = |ai: u32| ctx.wire.adverts[ai as usize].t;
    let last_old = *old
        .adverts
        .iter()
        .rev()
        .find(|&&ai| advert_t(ai) < new.first_t)
        .expect("the old tenure began before the fault");
    let prio0 = old.leave.filter(|&l| advert_t(l) < new.first_t);
    let new_name = ctx.node(new.node);
    let new_first = new.adverts[0];
    let prio = v.priority_of(new_name).unwrap_or(new.rank.min(255) as u8);
    // With a priority-0 advert, the backup's timer is Skew_Time from it (§6.4.2);
    // otherwise Master_Down_Interval from the last advert it heard.
    let (reference, bound, expected) = match prio0 {
        Some(p0) => (p0, v.skew_time(prio) + tol, format!("first advert of the new master within Skew_Time {} (priority {prio}) of the priority-0 advert + tolerance {}", human(v.skew_time(prio)), human(tol))),
        None => (last_old, v.master_down_interval(prio) + tol, format!("first advert of the new master within {} of the old master's last advert", bound_text(v, prio, tol))),
    };
    let delay = new.first_t.saturating_sub(advert_t(reference));
    let status = if delay <= bound.as_nanos() as u64 {
        Status::Pass
    } else {
        Status::Fail
    };
    let took = Takeover {
        vrouter: v.name.clone(),
        fault: format!("{} {node}", f.kind.name()),
        from: node.to_string(),
        to: new_name.to_string(),
        after_fault_ms: ms(new.first_t.saturating_sub(tf)),
        after_last_advert_ms: ms(new.first_t.saturating_sub(advert_t(last_old))),
        bound_ms: ms(bound.as_nanos() as u64),
    };
    let mut evidence =
        vec![ctx.advert_ev(last_old, format!("last advert of {node} before the fault"))];
    if let Some(p0) = prio0 {
        evidence.push(ctx.advert_ev(p0, format!("{node} leaves with priority 0")));
    }
    let first_rank = ctx.wire.adverts[new_first as usize].rank();
    evidence.push(ctx.advert_ev(
        new_first,
        format!("first advert of {new_name} (priority {first_rank})"),
    ));
    let observed = format!(
        "{new_name} took over {:.1}ms after the {}, {:.1}ms after the fault",
        ms(delay),
        if prio0.is_some() {
            "priority-0 advert"
        } else {
            "last advert"
        },
        ms(new.first_t.saturating_sub(tf))
    );
    Ok((took, (status, expected, observed, evidence)))
}

pub(super) fn service_gap(_: &Ctx, rec: &Record, metrics: &mut Metrics) -> Vec<CheckResult> {
    let tol = rec.scenario.expect.gap_tolerance;
    let mut out = Vec::new();
    let probes: Vec<(u64, &Probe)> = rec
        .events
        .iter()
        .filter_map(|e| Some((e.t, e.probe()?)))
        .collect();
    // A kept lab stops probing once its timeline is over (`vrlab up`): the operator's faults
    // after that are not measured.
    let stopped = rec
        .events
        .iter()
        .find(|e| matches!(e.harness(), Some(Harness::ProbesStopped { .. })))
        .map(|e| e.t);
    for f in faults(rec) {
        let (kind, node, tf) = (f.kind, f.node, f.hit);
        if let Some(s) = stopped.filter(|s| *s <= tf) {
            out.push(result(
                Check::E4ServiceGap,
                format!("{} of {node} at {:.3}s", kind.name(), at(rec, tf)),
                Status::NotApplicable,
                "probes answered through the fault".into(),
                format!(
                    "the lab had stopped probing at {:.3}s (the timeline was over and the lab kept): a fault after that is not measured",
                    at(rec, s)
                ),
                vec![],
            ));
            continue;
        }
        for v in rec.scenario.vrouters.iter().filter(|v| f.hits(rec, v)) {
            if !v.answers_probes() {
                out.push(result(
                    Check::E4ServiceGap,
                    format!("{} of {node} at {:.3}s, {}", kind.name(), at(rec, tf), v.name),
                    Status::NotApplicable,
                    "probes answered by the master".into(),
                    "accept = false and no owner: the master rightly does not answer traffic to the VIPs (RFC 5798 §6.4.3), so they are not probed".into(),
                    vec![],
                ));
                continue;
            }
            let slowest = slowest_backup(v, node);
            // VIPs held on lo are reached by a route the new master's BGP speaker announces.
            let routing = match v.vip_interface {
                Some(_) => super::routes::PROPAGATION,
                None => Duration::ZERO,
            };
            let bound = v.master_down_interval(slowest) + tol + routing;
            for vip in &v.vips {
                for host in rec
                    .scenario
                    .probe
                    .from
                    .iter()
                    .filter(|h| rec.scenario.probe_targets(h).contains(vip))
                {
                    let expected = format!(
                        "longest outage (no reply received while probes went unanswered or answered late) ≤ {}{}",
                        bound_text(v, slowest, tol),
                        if routing.is_zero() {
                            String::new()
                        } else {
                            format!(" + {} for the upstream's route (BGP)", human(routing))
                        }
                    );
                    let case = GapCase {
                        host,
                        target: vip.to_string(),
                        bound,
                        expected,
                    };
                    out.push(judge_gap(rec, &probes, &f, case, metrics));
                }
            }
        }
        out.extend(through_gaps(rec, &probes, &f, metrics));
    }
    out
}

/// The priority of the backup the RFC allows the slowest takeover after `node`'s fault: the
/// lowest among the others.
fn slowest_backup(v: &crate::scenario::Vrouter, node: &str) -> u8 {
    v.priorities
        .iter()
        .filter(|(n, _)| n != node)
        .map(|(_, p)| *p)
        .min()
        .unwrap_or(1)
}

/// One host's probes of one target, judged against one fault.
struct GapCase<'a> {
    host: &'a str,
    target: String,
    bound: Duration,
    /// The bound as the verdict states it.
    expected: String,
}

/// The longest outage `case.host` saw to `case.target` while the fault's consequences last,
/// against the bound, recorded in the metrics.
fn judge_gap(
    rec: &Record,
    probes: &[(u64, &Probe)],
    f: &FaultHit,
    case: GapCase,
    metrics: &mut Metrics,
) -> CheckResult {
    let (kind, node, tf, until) = (f.kind, f.node, f.hit, f.until);
    let GapCase {
        host,
        target,
        bound,
        expected,
    } = case;
    let mine: Vec<(u64, &Probe)> = probes
        .iter()
        .filter(|(_, p)| p.target == target && p.node == host)
        .copied()
        .collect();
    let lost = mine
        .iter()
        .filter(|(t, p)| *t >= tf && *t < until && p.lost)
        .count() as u64;
    let subject = format!(
        "{} of {node} at {:.3}s, {host} → {target}",
        kind.name(),
        at(rec, tf)
    );
    if !mine.iter().any(|(t, p)| *t >= tf && p.rtt_us.is_some()) {
        return result(
            Check::E4ServiceGap,
            subject,
            Status::Fail,
            format!("replies resume within {}", human(bound)),
            format!("no reply after the fault ({lost} probes lost)"),
            vec![],
        );
    }
    let (gap, resolution) = outage(&mine, tf, until);
    let status = if gap.0 <= bound.as_nanos() as u64 {
        Status::Pass
    } else {
        Status::Fail
    };
    metrics.service_gaps.push(ServiceGap {
        fault: format!("{} {node}", kind.name()),
        host: host.to_string(),
        target: target.clone(),
        gap_ms: ms(gap.0),
        lost,
        bound_ms: ms(bound.as_nanos() as u64),
    });
    result(
        Check::E4ServiceGap,
        subject,
        status,
        expected,
        format!(
            "{:.1}ms without replies ({lost} probes lost; probes at most {:.1}ms apart)",
            ms(gap.0),
            ms(resolution)
        ),
        vec![
            Evidence {
                segment: None,
                frame: None,
                at_s: at(rec, gap.1),
                t_ns: gap.1,
                note: "last reply before the gap (received)".into(),
                router: None,
            },
            Evidence {
                segment: None,
                frame: None,
                at_s: at(rec, gap.2),
                t_ns: gap.2,
                note: "first reply after the gap (received)".into(),
                router: None,
            },
        ],
    )
}

/// Traffic *through* the virtual routers (a host's probes of a host behind another segment,
/// out by its gateway and back by the other's) must flow again within the slowest
/// Master_Down_Interval of the virtual routers on the path the fault hits + tolerance.
fn through_gaps(
    rec: &Record,
    probes: &[(u64, &Probe)],
    f: &FaultHit,
    metrics: &mut Metrics,
) -> Vec<CheckResult> {
    let tol = rec.scenario.expect.gap_tolerance;
    let mut out = Vec::new();
    for host in &rec.scenario.probe.from {
        for (target, path) in rec.scenario.through_targets(host) {
            let hit: Vec<&crate::scenario::Vrouter> =
                path.into_iter().filter(|v| f.hits(rec, v)).collect();
            let Some(worst) = hit
                .iter()
                .map(|v| v.master_down_interval(slowest_backup(v, f.node)))
                .max()
            else {
                continue;
            };
            let names: Vec<&str> = hit.iter().map(|v| v.name.as_str()).collect();
            let case = GapCase {
                host,
                target: target.to_string(),
                bound: worst + tol,
                expected: format!(
                    "longest outage of traffic through {} ≤ the slowest Master_Down_Interval among them ({}) + tolerance {}",
                    names.join(" and "),
                    human(worst),
                    human(tol)
                ),
            };
            out.push(judge_gap(rec, probes, f, case, metrics));
        }
    }
    out
}

/// The longest outage a host saw in `[from, until)`, by when its replies *arrived* (a probe's
/// send time plus its round trip): the time between two consecutive replies during which the
/// host sent a probe that went unanswered, or several that were answered only later (queued
/// behind address resolution, say). Returned as (length, last reply before, first reply after) in ns. A
/// pause of the prober itself (a busy machine) is not an outage — every probe it sent was
/// answered in turn — so it only widens the resolution, the second value: the longest interval
/// between consecutive probes sent in the window.
pub(super) fn outage(probes: &[(u64, &Probe)], from: u64, until: u64) -> ((u64, u64, u64), u64) {
    let arrival = |(t, p): &(u64, &Probe)| p.rtt_us.map(|us| t + us * 1000);
    let sent: Vec<(u64, &Probe)> = probes.iter().copied().filter(|(t, _)| *t < until).collect();
    let resolution = sent
        .windows(2)
        .filter(|w| w[1].0 >= from)
        .map(|w| w[1].0 - w[0].0)
        .max()
        .unwrap_or(0);
    let mut replies: Vec<u64> = sent.iter().filter_map(arrival).collect();
    replies.sort_unstable();
    let mut worst = (0u64, from, from);
    for w in replies.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b < from || b - a <= worst.0 {
            continue;
        }
        // The probes sent between the two replies (sent is in send order).
        let first = sent.partition_point(|(t, _)| *t <= a);
        let last = sent.partition_point(|(t, _)| *t < b);
        // No reply came in between, so every probe sent in between waited at least until
        // b: two of them, or one never answered, is the host going without service. One
        // answered later (a reply overtaken) or none (the prober paused) is not.
        let between = &sent[first..last];
        let starved = between.len() >= 2 || between.iter().any(|s| arrival(s).is_none());
        if starved {
            worst = (b - a, a, b);
        }
    }
    (worst, resolution)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(t: u64, answered: bool) -> (u64, Probe) {
        let p = Probe {
            node: "h1".into(),
            target: "192.0.2.100".into(),
            seq: 0,
            rtt_us: answered.then_some(50),
            lost: !answered,
            error: None,
            unfinished: false,
        };
        (t, p)
    }

    fn refs(ev: &[(u64, Probe)]) -> Vec<(u64, &Probe)> {
        ev.iter().map(|(t, p)| (*t, p)).collect()
    }

    #[test]
    fn outage_spans_unanswered_probes_only() {
        // Answered at 0..=10 ms, lost 11..=20, answered again from 21; then a 100 ms pause of
        // the prober with every probe answered.
        let mut ev: Vec<(u64, Probe)> = (0..=10).map(|i| probe(i * 1_000_000, true)).collect();
        ev.extend((11..=20).map(|i| probe(i * 1_000_000, false)));
        ev.extend((21..=30).map(|i| probe(i * 1_000_000, true)));
        ev.push(probe(130_000_000, true));
        let rr = refs(&ev);
        let ((gap, last, first), resolution) = outage(&rr, 5_000_000, 200_000_000);
        assert_eq!(
            gap, 11_000_000,
            "from the last reply (10.05 ms) to the next (21.05 ms)"
        );
        assert_eq!((last, first), (10_050_000, 21_050_000));
        assert_eq!(
            resolution, 100_000_000,
            "the prober's pause shows as resolution, not outage"
        );
    }

    /// Probes queued behind address resolution are answered, but late: the host has no reply
    /// from the last one before the queue until the queue's first reply arrives.
    #[test]
    fn outage_counts_replies_that_arrive_late() {
        let mut ev: Vec<(u64, Probe)> = (0..=10).map(|i| probe(i * 1_000_000, true)).collect();
        // Sent at 11..=20 ms, all answered when resolution completes at 350 ms.
        ev.extend((11..=20).map(|i| {
            let mut e = probe(i * 1_000_000, true);
            e.1.rtt_us = Some(350_000 - i * 1_000);
            e
        }));
        ev.extend((351..=360).map(|i| probe(i * 1_000_000, true)));
        let rr = refs(&ev);
        let ((gap, last, first), _) = outage(&rr, 5_000_000, u64::MAX);
        assert_eq!((last, first), (10_050_000, 350_000_000));
        assert_eq!(gap, 339_950_000, "not the 1 ms between sends");
    }

    #[test]
    fn no_loss_no_outage() {
        let ev: Vec<(u64, Probe)> = (0..50).map(|i| probe(i * 1_000_000, true)).collect();
        let rr = refs(&ev);
        assert_eq!(outage(&rr, 0, u64::MAX).0 .0, 0);
    }
}
