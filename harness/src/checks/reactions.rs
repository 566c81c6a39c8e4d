//! Reactions to what the lab injected (RFC-CHECKLIST A5, B1–B3, B5, B6, B9, B12, B13, C12,
//! C13, D6): each result cites the injected frame and the reaction seen, or the absence of one.
//!
//! - A spoofed advert a receiver must discard (TTL 254, another version, an unknown type or
//!   VRID, a count or length that does not fit, a bad checksum, an authentication or v2
//!   interval mismatch) must change no state: the master before it keeps advertising at its
//!   interval, no other router starts to, through the injection and a Master_Down_Interval
//!   after it (by then a router that had taken the spoof for a master would have shown it).
//! - An ARP request or NS for a VIP sent at a backup goes unanswered (D6); an echo to a VIP at
//!   a backup (C13), or at a non-owner master without Accept_Mode (C12), gets no reply from the
//!   VIP.
//!
//! The injected frames themselves are set apart by the loader (`Observed::injected`): no check
//! of the routers' own framing ever sees them.

use std::net::IpAddr;

use super::model::{Tenure, VrModel};
use super::observe::{What, NO_NODE};
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, Evidence, VrSpec};
use crate::events::{self, Event, Fault, Harness};
use crate::scenario::duration::human;
use crate::scenario::FrameKind;
use crate::scenario::Protocol;
use crate::wire::MacAddr;

/// How long after an injected ARP request, NS or echo an answer would show: a kernel answers
/// within microseconds; this leaves room for a loaded machine.
const ANSWER_WINDOW_NS: u64 = 100_000_000;

/// One injection as it ran: what the lab recorded when it sent it (an `inject` step, or the
/// lab's own provocation after a change of master), with what the judge makes of it.
#[derive(Debug, Clone)]
pub struct Injection {
    /// As recorded in events.jsonl; its fields read through (`inj.node`, `inj.step` …).
    pub sent: events::Injection,
    /// The check that judges the discard, and why the frame must be discarded.
    pub discard: Option<(Check, String)>,
    /// Indices into `Observed::injected`.
    pub frames: Vec<usize>,
    pub first_t: u64,
    pub last_t: u64,
}

impl std::ops::Deref for Injection {
    type Target = events::Injection;
    fn deref(&self) -> &events::Injection {
        &self.sent
    }
}

impl Injection {
    /// The frame kind (`advert`, `arp-request` ...).
    pub fn kind(&self) -> &'static str {
        self.sent.frame.name()
    }

    /// How many frames the lab sent.
    pub fn sent_frames(&self) -> usize {
        self.sent.frames_per_burst * self.sent.count as usize
    }

    /// The router it was aimed at: addressed to (`to`), or sent into the port of (`via`).
    /// `None`: at whoever the switch delivers it to.
    pub fn aimed_at(&self) -> Option<&str> {
        self.sent.to.as_deref().or(self.sent.via.as_deref())
    }

    /// The priority an injected advert claims (`None`: not an advert, or the default).
    pub fn priority(&self) -> Option<u8> {
        match &self.sent.frame {
            FrameKind::Advert(a) => a.priority,
            _ => None,
        }
    }
}

/// The injections of a run, with the frames the capture saw of each.
pub fn of_run(events: &[Event], wire: &super::observe::Observed) -> Vec<Injection> {
    events
        .iter()
        .filter_map(|e| match e.harness()? {
            Harness::Fault(Fault::Inject(i)) | Harness::Provoke(Fault::Inject(i)) => Some((e.t, i)),
            _ => None,
        })
        .map(|(t, i)| {
            let frames: Vec<usize> = wire
                .injected
                .iter()
                .enumerate()
                .filter(|(_, f)| f.id == i.id)
                .map(|(k, _)| k)
                .collect();
            let times: Vec<u64> = frames.iter().map(|&k| wire.injected[k].t).collect();
            Injection {
                sent: i.clone(),
                discard: i
                    .discard_check
                    .as_deref()
                    .and_then(Check::from_id)
                    .map(|c| (c, i.discard_why.clone().unwrap_or_default())),
                first_t: times.iter().copied().min().unwrap_or(t),
                last_t: times.iter().copied().max().unwrap_or(t),
                frames,
            }
        })
        .collect()
}

impl Ctx<'_> {
    fn injected_ev(&self, inj: &Injection, note: String) -> Evidence {
        match inj.frames.first() {
            Some(&i) => {
                let f = &self.wire.injected[i];
                Evidence {
                    segment: self.file(f.seg),
                    frame: Some(f.frame),
                    at_s: self.at(f.t),
                    t_ns: f.t,
                    note,
                    router: None,
                }
            }
            None => Evidence {
                segment: None,
                frame: None,
                at_s: self.at(inj.first_t),
                t_ns: inj.first_t,
                note: match &inj.via {
                    Some(n) => format!(
                        "{note}, sent by the switch into {n}'s port (not in the capture: it \
                         holds what entered the bridge)"
                    ),
                    None => format!("{note} (not seen in the capture)"),
                },
                router: None,
            },
        }
    }

    fn spec_of(&self, inj: &Injection) -> Option<(&VrSpec, &VrModel)> {
        self.vrs
            .iter()
            .zip(&self.model.vrs)
            .find(|(s, _)| s.name == inj.vrouter)
    }
}

/// Results for every check that judges reactions: the discard variants (added to the
/// checks' wire results), and the checks that only injection can exercise (not applicable,
/// with the reason, when the run injected nothing of the kind).
/// The reactions to the adverts injected for the routers to discard as `id` says; a check
/// that only injection exercises is not applicable when the run injected none of them.
pub(super) fn discarded(ctx: &Ctx, id: Check) -> Vec<CheckResult> {
    let out: Vec<CheckResult> = discards(ctx).into_iter().filter(|r| r.id == id).collect();
    let what = match id {
        Check::A5TtlDiscard => {
            "a spoofed higher-priority advert with TTL/hop limit 254 must change nothing"
        }
        Check::B13IntervalMismatch => {
            "an advert with another interval must be discarded (v2) or adopted (v3)"
        }
        _ => return out,
    };
    if out.is_empty() {
        return vec![not_applicable(
            id,
            "all virtual routers",
            format!("requires: injection ({what}); this run injected none"),
        )];
    }
    out
}

/// The addresses of every node interface on each segment: the scenario's, and the EUI-64
/// link-local the kernel forms from the interface's MAC (run.json).
fn addresses_by_segment(rec: &super::Record) -> std::collections::HashMap<String, Vec<IpAddr>> {
    let mut out: std::collections::HashMap<String, Vec<IpAddr>> = Default::default();
    for n in &rec.scenario.nodes {
        for i in &n.interfaces {
            out.entry(i.segment.clone())
                .or_default()
                .extend(i.addresses.iter().map(|a| a.addr));
        }
    }
    for seg in &rec.meta.segments {
        for i in &seg.interfaces {
            out.entry(seg.segment.clone())
                .or_default()
                .push(IpAddr::V6(i.mac.link_local()));
        }
    }
    out
}

/// A10: adverts are link-local multicast and never forwarded (RFC 5798 §5.1.1.2, §5.1.2.2;
/// RFC 3768 §5.2.2). An advert seen on a segment whose source is an address of an interface
/// on another segment only (a host's spoofed advert, a router's own) crossed a router.
pub(super) fn a10(ctx: &Ctx) -> Vec<CheckResult> {
    vec![a10_one(ctx)]
}

fn a10_one(ctx: &Ctx) -> CheckResult {
    let id = Check::A10NoLeak;
    let Some(rec) = ctx.rec else {
        return not_applicable(
            id,
            "all segments",
            "needs the scenario's segments and addresses (a run directory)",
        );
    };
    let joins: Vec<&str> = rec
        .scenario
        .nodes
        .iter()
        .filter(|n| {
            let segs: std::collections::BTreeSet<&str> =
                n.interfaces.iter().map(|i| i.segment.as_str()).collect();
            segs.len() > 1
        })
        .map(|n| n.name.as_str())
        .collect();
    if joins.is_empty() {
        return not_applicable(
            id,
            "all segments",
            "requires: injection (an advert sent at a router joining two segments must not appear on the other); no node of this run joins two segments",
        );
    }
    let by_seg = addresses_by_segment(rec);
    let mut bad = Vec::new();
    let mut judged = 0;
    for (i, a) in ctx.wire.adverts.iter().enumerate() {
        let Some(seg) = ctx.wire.segments.get(a.seg as usize) else {
            continue;
        };
        judged += 1;
        let local = by_seg.get(&seg.name).cloned().unwrap_or_default();
        let src = a.summary.src_ip;
        if local.contains(&src) {
            continue;
        }
        if let Some((other, _)) = by_seg
            .iter()
            .find(|(name, addrs)| **name != seg.name && addrs.contains(&src))
        {
            let what = format!(
                "an advert from {src} (an address on segment {other}) appeared on segment {}",
                seg.name
            );
            bad.push((what.clone(), ctx.advert_ev(i as u32, what)));
        }
    }
    verdict_of(
        id,
        "all segments",
        format!(
            "no advert crosses from one segment to another ({} join{} several)",
            joins.join(", "),
            if joins.len() == 1 { "s" } else { "" }
        ),
        format!("{judged} adverts, each from an address of its own segment"),
        bad,
    )
}

/// Is `s`'s state unchanged over `[from, until]`? `Err` says what changed, with evidence.
fn unchanged(
    ctx: &Ctx,
    vm: &VrModel,
    from: u64,
    until: u64,
) -> Result<String, (String, Option<Box<Evidence>>)> {
    let Some(m) = vm.master_at(from) else {
        return Err(("no router was master when it was injected".into(), None));
    };
    let master = &vm.tenures[m];
    let mn = ctx.node(master.node);
    let iv = u64::from(master.interval_cs) * 10_000_000;
    let tol = ctx.tol_ns();
    if let Some(other) = vm
        .tenures
        .iter()
        .find(|t| t.node != master.node && t.first_t > from && t.first_t <= until)
    {
        return Err((
            format!(
                "{} began advertising as master at {:.3}s",
                ctx.node(other.node),
                ctx.at(other.first_t)
            ),
            Some(Box::new(ctx.advert_ev(
                other.adverts[0],
                format!("{} advertises", ctx.node(other.node)),
            ))),
        ));
    }
    let mine: Vec<u32> = vm
        .adverts
        .iter()
        .copied()
        .filter(|&a| {
            let x = &ctx.wire.adverts[a as usize];
            x.node == master.node && x.t + iv + tol >= from && x.t <= until + iv
        })
        .collect();
    if let Some(&leave) = mine.iter().find(|&&a| {
        let x = &ctx.wire.adverts[a as usize];
        x.leaving() && x.t >= from && x.t <= until
    }) {
        return Err((
            format!("{mn} left with priority 0"),
            Some(Box::new(
                ctx.advert_ev(leave, format!("{mn} sends priority 0")),
            )),
        ));
    }
    let mut last = from;
    let mut longest = 0u64;
    for &a in &mine {
        let t = ctx.wire.adverts[a as usize].t;
        if t <= from {
            last = t.max(from.saturating_sub(iv));
            continue;
        }
        if t > until {
            break;
        }
        let gap = t - last;
        if gap > iv + tol {
            return Err((
                format!(
                    "{mn} was silent {:.1}ms (interval {})",
                    gap as f64 / 1e6,
                    human(std::time::Duration::from_nanos(iv))
                ),
                Some(Box::new(ctx.advert_ev(a, format!("next advert of {mn}")))),
            ));
        }
        longest = longest.max(gap);
        last = t;
    }
    if until.saturating_sub(last) > iv + tol && ctx.end > until {
        return Err((
            format!("{mn} stopped advertising at {:.3}s", ctx.at(last)),
            None,
        ));
    }
    Ok(format!(
        "{mn} stayed master, advertising every {:.1}ms at most, and no other router took over",
        longest as f64 / 1e6
    ))
}

/// The master at an injection, when a fault of the timeline (crash, stop, freeze, link down)
/// had already silenced it: the backups are counting down, and what a discarded advert must
/// not change is when they take over. With the fault's name and moment.
fn silenced_by_fault<'a>(
    ctx: &Ctx,
    master: &'a Tenure,
    at: u64,
) -> Option<(&'a Tenure, String, u64)> {
    use crate::scenario::FaultKind as F;
    let rec = ctx.rec?;
    let iv = u64::from(master.interval_cs) * 10_000_000;
    let name = ctx.node(master.node);
    super::run_checks::faults(rec)
        .into_iter()
        .find(|f| {
            matches!(
                f.kind,
                F::Crash | F::Stop | F::Freeze | F::Restart | F::LinkDown
            ) && f.node == name
                && f.hit <= at
                && master.last_t <= f.hit + iv
                && master.last_t + iv >= f.hit
        })
        .map(|f| (master, format!("{} of {}", f.kind.name(), f.node), f.hit))
}

/// A discarded advert injected while the backups count down after the master fell silent: the
/// next master must come on schedule — Master_Down_Interval after the master's last advert
/// (Skew_Time after its priority 0) + tolerance. Later means the discarded adverts restarted
/// its timer (keepalived #562).
#[allow(clippy::too_many_arguments)]
fn countdown(
    ctx: &Ctx,
    s: &VrSpec,
    vm: &VrModel,
    id: Check,
    subject: String,
    inj: &Injection,
    (master, fault, hit): (&Tenure, String, u64),
    ev: Evidence,
) -> CheckResult {
    let mn = ctx.node(master.node);
    let successor = vm
        .tenures
        .iter()
        .find(|t| t.node != master.node && t.first_t > master.last_t);
    let bound = |node: &str| {
        let prio = s
            .priorities
            .iter()
            .find(|(n, _)| n == node)
            .map_or(1, |(_, p)| *p);
        let v = &s.vr;
        let d = if master.leave.is_some() {
            v.skew_time(prio)
        } else {
            v.master_down_interval(prio)
        };
        d.as_nanos() as u64 + ctx.tol_ns()
    };
    let from = if master.leave.is_some() {
        "its priority-0 advert"
    } else {
        "its last advert"
    };
    let expected = format!(
        "discarded: the {fault} at {:.3}s silenced {mn}, and the next master takes over on schedule — within Master_Down_Interval (Skew_Time after priority 0) + tolerance of {mn}'s last advert — as if the injected adverts (the last at {:.3}s) had never come",
        ctx.at(hit),
        ctx.at(inj.last_t)
    );
    let Some(next) = successor else {
        if ctx.end < master.last_t + bound(mn) {
            return not_applicable(
                id,
                subject,
                "the record ends before anyone was due to take over",
            );
        }
        return super::result(
            id,
            subject,
            super::Status::Fail,
            expected,
            format!("nobody took over after {mn} fell silent: the discarded adverts kept the backups waiting"),
            vec![ev],
        );
    };
    let nn = ctx.node(next.node);
    let after = next.first_t - master.last_t;
    let limit = bound(nn);
    let took = format!(
        "{nn} took over {:.1}ms after {from} (bound {:.1}ms)",
        after as f64 / 1e6,
        limit as f64 / 1e6
    );
    let reaction = ctx.advert_ev(next.adverts[0], format!("{nn} advertises"));
    if after <= limit {
        super::result(
            id,
            subject,
            super::Status::Pass,
            expected,
            format!("{took}: the discarded adverts did not restart its timer"),
            vec![ev, reaction],
        )
    } else {
        super::result(
            id,
            subject,
            super::Status::Fail,
            expected,
            format!(
                "the spoofed advert was acted on: {took} — its Master_Down_Timer was restarted"
            ),
            vec![ev, reaction],
        )
    }
}

/// A spoofed advert a receiver must discard changes no state.
fn discards(ctx: &Ctx) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for inj in &ctx.injections {
        let Some((id, why)) = inj.discard.clone() else {
            continue;
        };
        let subject = format!("injected advert, step {}: {why}", inj.step + 1);
        let Some((s, vm)) = ctx.spec_of(inj) else {
            continue;
        };
        if inj.frames.is_empty() {
            out.push(super::result(
                id,
                subject,
                super::Status::Fail,
                "the injected advert on the wire",
                "the capture holds none of the frames the lab says it sent",
                vec![],
            ));
            continue;
        }
        let lowest = s.priorities.iter().map(|(_, p)| *p).min().unwrap_or(1);
        let mdi = s.master_down_interval(lowest).as_nanos() as u64;
        let until = (inj.last_t + mdi + ctx.tol_ns()).min(ctx.end);
        let expected = format!(
            "discarded: no change of master from the injection to a Master_Down_Interval ({}) + tolerance after it",
            human(std::time::Duration::from_nanos(mdi))
        );
        let ev = ctx.injected_ev(
            inj,
            format!("injected by {} ({} frames)", inj.node, inj.frames.len()),
        );
        if let Some(silenced) = vm
            .master_at(inj.first_t)
            .and_then(|m| silenced_by_fault(ctx, &vm.tenures[m], inj.first_t))
        {
            out.push(countdown(ctx, s, vm, id, subject, inj, silenced, ev));
            continue;
        }
        match unchanged(ctx, vm, inj.first_t, until) {
            Ok(seen) => out.push(super::result(
                id,
                subject,
                super::Status::Pass,
                expected,
                seen,
                vec![ev],
            )),
            Err((what, _)) if what.starts_with("no router was master") => {
                out.push(not_applicable(id, subject, what))
            }
            Err((what, reaction)) => out.push(super::result(
                id,
                subject,
                super::Status::Fail,
                expected,
                format!("the spoofed advert was acted on: {what}"),
                std::iter::once(ev).chain(reaction.map(|e| *e)).collect(),
            )),
        }
    }
    out
}

/// Frames from `node` in `[from, until]` sent to the asker (`to`: its MACs) that answer for
/// one of `vips`: ARP replies and solicited NAs naming a VIP, and packets sourced from one
/// (`echo`: only those).
#[allow(clippy::too_many_arguments)]
fn answers<'a>(
    ctx: &'a Ctx,
    seg: u16,
    node: u16,
    to: &'a [MacAddr],
    vips: &'a [IpAddr],
    from: u64,
    until: u64,
    echo: bool,
) -> impl Iterator<Item = u32> + 'a {
    let start = ctx.wire.obs.partition_point(|o| o.t < from);
    ctx.wire.obs[start..]
        .iter()
        .enumerate()
        .take_while(move |(_, o)| o.t <= until)
        .filter(move |(_, o)| o.seg == seg && o.node == node && node != NO_NODE)
        .filter(move |(_, o)| to.contains(&o.dst_mac))
        // An answer, not an announcement: a gratuitous ARP or an unsolicited NA is what a
        // router becoming master sends, and is judged as such (c4, d1, d2).
        .filter(move |(_, o)| match &o.what {
            What::Arp {
                op: 2,
                sender_ip,
                target_ip,
                ..
            } if !echo => sender_ip != target_ip && vips.contains(&IpAddr::V4(*sender_ip)),
            What::Na {
                target,
                solicited: true,
                ..
            } if !echo => vips.contains(&IpAddr::V6(*target)),
            What::Ip { .. } if echo => o.src_ip.is_some_and(|ip| vips.contains(&ip)),
            _ => false,
        })
        .map(move |(i, _)| (start + i) as u32)
}

/// The MACs of the node that asked (from run.json).
fn asker_macs(ctx: &Ctx, node: &str) -> Vec<MacAddr> {
    ctx.rec
        .and_then(|r| r.meta.nodes.get(node))
        .map(|n| n.macs.clone())
        .unwrap_or_default()
}

/// A probe (`kinds`) sent at a router: its answers, and whether the router was master then.
struct Probe<'a> {
    inj: &'a Injection,
    spec: &'a VrSpec,
    vm: &'a VrModel,
    node: u16,
    master: bool,
}

impl Probe<'_> {
    /// Until when an answer is one to this probe: [`ANSWER_WINDOW_NS`] + tolerance after the
    /// last frame, but not once the router asked has become master (what it answers then, it
    /// answers as master), nor once the asker has asked for a VIP again, on its own or for
    /// the lab (the answer is then to that question).
    fn answer_until(&self, ctx: &Ctx) -> u64 {
        let window = self.inj.last_t + ANSWER_WINDOW_NS + ctx.tol_ns();
        let became_master = self
            .vm
            .tenures
            .iter()
            .filter(|x| x.node == self.node && x.first_t > self.inj.first_t)
            .map(|x| x.first_t);
        let asker = ctx.wire.node_index(&self.inj.node);
        let vips = &self.spec.vips;
        let start = ctx.wire.obs.partition_point(|o| o.t <= self.inj.last_t);
        let asked_again = ctx.wire.obs[start..]
            .iter()
            .take_while(|o| o.t <= window)
            .find(|o| {
                Some(o.node) == asker
                    && o.seg == self.spec.seg
                    && match &o.what {
                        What::Arp {
                            op: 1, target_ip, ..
                        } => vips.contains(&IpAddr::V4(*target_ip)),
                        What::Ns { target, .. } => vips.contains(&IpAddr::V6(*target)),
                        _ => false,
                    }
            })
            .map(|o| o.t);
        let lab_asked_again = ctx
            .injections
            .iter()
            .filter(|i| {
                i.node == self.inj.node
                    && i.vrouter == self.inj.vrouter
                    && i.kind() == self.inj.kind()
                    && i.first_t > self.inj.last_t
            })
            .map(|i| i.first_t);
        became_master
            .chain(asked_again)
            .chain(lab_asked_again)
            .fold(window, u64::min)
    }
}

fn probes<'a>(ctx: &'a Ctx, kinds: &[&str]) -> Vec<Probe<'a>> {
    ctx.injections
        .iter()
        .filter(|i| kinds.contains(&i.kind()))
        .filter_map(|inj| {
            let (spec, vm) = ctx.spec_of(inj)?;
            let node = match inj.aimed_at() {
                Some(n) => ctx.wire.node_index(n)?,
                None => vm.tenures.get(vm.master_at(inj.first_t)?)?.node,
            };
            Some(Probe {
                inj,
                spec,
                vm,
                node,
                master: vm.is_master(node, inj.first_t, 0) && vm.is_master(node, inj.last_t, 0),
            })
        })
        .collect()
}

fn silence_verdict(
    ctx: &Ctx,
    id: Check,
    probes: &[Probe],
    echo: bool,
    expected: &str,
    none: &str,
) -> CheckResult {
    if probes.is_empty() {
        return not_applicable(
            id,
            "all virtual routers",
            format!("requires: injection ({none}); this run injected none"),
        );
    }
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for p in probes {
        let vips = p.spec.vips.clone();
        let until = p.answer_until(ctx);
        let who = ctx.node(p.node).to_string();
        let asker = asker_macs(ctx, &p.inj.node);
        let got: Vec<u32> = answers(
            ctx,
            p.spec.seg,
            p.node,
            &asker,
            &vips,
            p.inj.first_t,
            until,
            echo,
        )
        .collect();
        let at = match &p.inj.via {
            Some(_) => format!("sent into {who}'s port by the switch"),
            None => format!("sent at {who}"),
        };
        let what = format!(
            "{} {} frames {} of step {} {at} ({})",
            p.inj.sent_frames(),
            p.inj.kind(),
            if p.inj.provoked {
                "the lab asked"
            } else {
                "injected"
            },
            p.inj.step + 1,
            p.spec.name
        );
        match got.first() {
            None => seen.push(format!("{what}: unanswered")),
            Some(&o) => {
                let m = format!("{what}: {who} answered");
                bad.push((
                    m.clone(),
                    ctx.injected_ev(p.inj, format!("injected by {}", p.inj.node)),
                ));
                bad.push((m, ctx.obs_ev(o, format!("{who} answers for a VIP"))));
            }
        }
    }
    verdict_of(id, "all virtual routers", expected, seen.join("; "), bad)
}

/// C8 (RFC 5798 / 9568 §6.4.3): a VRRPv3 master that hears priority 0 sends an advert at
/// once, so that the backups do not take over after Skew_Time. Judged on injected priority-0
/// adverts (a router's own are `timing`'s).
pub(super) fn c8(ctx: &Ctx) -> Vec<CheckResult> {
    let id = Check::C8PriorityZeroAnswer;
    let tol = ctx.tol_ns();
    let mut out = Vec::new();
    for inj in ctx
        .injections
        .iter()
        .filter(|i| i.kind() == "advert" && i.priority() == Some(0) && i.discard.is_none())
    {
        let Some((s, vm)) = ctx.spec_of(inj) else {
            continue;
        };
        let subject = format!("injected priority-0 advert, step {}", inj.step + 1);
        if s.protocol != Protocol::VrrpV3 {
            out.push(not_applicable(
                id,
                subject,
                "VRRPv2: RFC 3768 has no such rule",
            ));
            continue;
        }
        let Some(m) = vm.master_at(inj.first_t).map(|m| &vm.tenures[m]) else {
            out.push(not_applicable(
                id,
                subject,
                "no router was master when it was injected",
            ));
            continue;
        };
        let mn = ctx.node(m.node);
        let mut bad = Vec::new();
        let mut answers = Vec::new();
        for &f in &inj.frames {
            let t = ctx.wire.injected[f].t;
            let answer = m.adverts.iter().find(|&&x| {
                let at = ctx.wire.adverts[x as usize].t;
                at > t && at <= t + tol
            });
            match answer {
                Some(&x) => answers.push((ctx.wire.adverts[x as usize].t - t) as f64 / 1e6),
                None => bad.push((
                    format!(
                        "{mn} did not advertise within the tolerance of an injected priority 0"
                    ),
                    ctx.injected_ev(inj, format!("priority 0 injected by {}", inj.node)),
                )),
            }
        }
        let worst = answers.iter().copied().fold(0.0, f64::max);
        out.push(verdict_of(
            id,
            subject,
            format!(
                "the master advertises within the tolerance {} of each priority-0 advert",
                human(ctx.tolerance)
            ),
            format!(
                "{mn} answered each of {} within {worst:.1}ms",
                inj.frames.len()
            ),
            bad,
        ));
    }
    out
}

/// Whether `node`'s daemons were running, and not frozen, at `t` (from the process events;
/// commands run by `exec` do not count). A crashed or frozen former master is no backup:
/// what it still answers is E6's to judge.
fn daemon_running(ctx: &Ctx, node: &str, t: u64) -> bool {
    let mut running = false;
    for p in ctx
        .events
        .iter()
        .filter(|e| e.t <= t)
        .filter_map(|e| e.process())
    {
        let who = p.who();
        if who.node != node || who.name.starts_with("exec-") {
            continue;
        }
        match p {
            events::Process::Start { .. } => running = true,
            events::Process::Exit { .. } => running = false,
            events::Process::Signal { signal, .. } if signal == "SIGCONT" => running = true,
            events::Process::Signal { signal, .. } if signal == "SIGSTOP" => running = false,
            _ => {}
        }
    }
    running
}

/// Probes sent at a router that was a backup: not master, its daemon running.
/// Probes sent at a backup: a router of the virtual router that was not master. A CARP router
/// with another password is none (e7 judges what it does with the address).
fn at_backups<'a>(ctx: &'a Ctx, kinds: &[&str]) -> Vec<Probe<'a>> {
    probes(ctx, kinds)
        .into_iter()
        .filter(|p| {
            p.inj
                .aimed_at()
                .is_some_and(|to| daemon_running(ctx, to, p.inj.first_t))
                && !p.master
                && !p.vm.is_stranger(ctx.wire, p.node)
        })
        .collect()
}

/// D6: ARP requests and NSs for a VIP sent at a backup go unanswered.
pub(super) fn d6(ctx: &Ctx) -> Vec<CheckResult> {
    vec![d6_one(ctx)]
}

fn d6_one(ctx: &Ctx) -> CheckResult {
    let at_backups = at_backups(ctx, &["arp-request", "ns"]);
    silence_verdict(
        ctx,
        Check::D6BackupSilent,
        &at_backups,
        false,
        "no ARP reply or NA for a VIP from a backup asked directly, within 100ms + tolerance",
        "ARP/NS for a VIP sent at a backup",
    )
}

/// C13: a backup accepts no packet addressed to a VIP.
pub(super) fn c13(ctx: &Ctx) -> Vec<CheckResult> {
    vec![c13_one(ctx)]
}

fn c13_one(ctx: &Ctx) -> CheckResult {
    let at_backups = at_backups(ctx, &["echo"]);
    silence_verdict(
        ctx,
        Check::C13BackupNoAccept,
        &at_backups,
        true,
        "no reply from a VIP by a backup sent an echo request for it, within 100ms + tolerance",
        "traffic to a VIP sent at a backup",
    )
}

/// C12: without Accept_Mode, a master that does not own the addresses accepts no packet
/// addressed to a VIP.
pub(super) fn c12(ctx: &Ctx) -> Vec<CheckResult> {
    vec![c12_one(ctx)]
}

fn c12_one(ctx: &Ctx) -> CheckResult {
    let at_masters: Vec<Probe> = probes(ctx, &["echo"])
        .into_iter()
        .filter(|p| {
            p.master
                && !p.spec.accept
                && p.spec
                    .priorities
                    .iter()
                    .any(|(n, prio)| n == ctx.node(p.node) && *prio != 255)
        })
        .collect();
    silence_verdict(
        ctx,
        Check::C12AcceptMode,
        &at_masters,
        true,
        "no reply from a VIP by a non-owner master with Accept_Mode false, within 100ms + tolerance",
        "traffic to a VIP of a non-owner master with Accept_Mode false",
    )
}
