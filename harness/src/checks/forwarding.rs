//! Forwarding state and the invariants across the segment (RFC-CHECKLIST D8, E): who the
//! switch believes owns each VMAC, what hosts' neighbour caches hold for each VIP, two
//! masters at once, and what an old master still says after its successor announced.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::announce::vips_of;
use super::model::{Kind, VrModel};
use super::observe::{What, NO_NODE};
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, Evidence, VrSpec};
use crate::events::{self, Change, Event, Fdb, Neigh};
use crate::scenario::duration::human;
use crate::scenario::Family;
use crate::wire::MacAddr;

/// FDB events that put `mac` on a port of `segment`'s bridge (two segments may each have a
/// virtual router with the same VRID, hence the same VMAC, each on its own bridge).
fn fdb_events<'a>(ctx: &'a Ctx, mac: MacAddr, segment: &str) -> Vec<(&'a Event, &'a Fdb)> {
    let on_segment = |port: Option<&str>| {
        let Some(rec) = ctx.rec else { return true };
        let known = rec
            .meta
            .segments
            .iter()
            .find(|s| s.interfaces.iter().any(|i| Some(i.port.as_str()) == port));
        known.is_none_or(|s| s.segment == segment)
    };
    ctx.events
        .iter()
        .filter_map(|e| Some((e, e.fdb()?)))
        .filter(|(_, f)| {
            f.event == Change::New && f.mac == Some(mac) && on_segment(Some(f.port.as_str()))
        })
        .collect()
}

fn describe_master(ctx: &Ctx, vm: &VrModel, t: u64) -> String {
    vm.master_at(t)
        .map(|m| format!("{} is master", ctx.node(vm.tenures[m].node)))
        .unwrap_or_else(|| "no router is master".into())
}

/// What a frame is, with its article: "an ARP reply".
fn kind_of(w: &What) -> String {
    match w {
        What::Arp { op: 1, .. } => "an ARP request".into(),
        What::Arp { op: 2, .. } => "an ARP reply".into(),
        What::Arp { op, .. } => format!("an ARP op {op} packet"),
        What::Na { .. } => "a neighbor advertisement".into(),
        What::Ns { .. } => "a neighbor solicitation".into(),
        What::Ra { .. } => "a router advertisement".into(),
        What::Rs => "a router solicitation".into(),
        What::Membership => "an IGMP/MLD report".into(),
        What::Ip { protocol } | What::ToVrrpGroup { protocol } => {
            format!("an IP protocol {protocol} packet")
        }
        What::NonIp { ethertype } => format!("a frame of EtherType {ethertype:#06x}"),
    }
}

pub(super) fn d8(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D8VmacLearning;
    if !ctx.is_run() {
        return not_applicable(
            id,
            &s.name,
            "needs the switch's FDB events (a run directory)",
        );
    }
    if let Some(why) = s.vmac_off() {
        return not_applicable(id, &s.name, why);
    }
    if ctx.rec.is_some_and(|r| r.scenario.is_overlay(&s.segment)) {
        return not_applicable(
            id,
            &s.name,
            format!(
                "segment {} is a VXLAN overlay: no switch learns its MACs",
                s.segment
            ),
        );
    }
    let mac = s.vmac_addr();
    let fdb = fdb_events(ctx, mac, &s.segment);
    if fdb.is_empty() {
        return not_applicable(id, &s.name, format!("no FDB event for {mac} was recorded"));
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = 0;
    for tr in vm
        .transitions
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Resumed | Kind::AlreadyMaster))
    {
        let t = &vm.tenures[tr.to];
        let node = ctx.node(t.node);
        let iv = u64::from(t.interval_cs) * 10_000_000;
        let before = fdb.iter().rev().find(|(e, _)| e.t <= tr.at);
        let learnt = fdb
            .iter()
            .find(|(e, f)| e.t > tr.at && e.t <= tr.at + iv + tol && f.node == node);
        let already = before.is_some_and(|(_, f)| f.node == node);
        seen += 1;
        if !already && learnt.is_none() {
            let what = format!(
                "{node} became master ({}) but the switch did not learn {mac} on its port within one interval + tolerance{}",
                tr.kind.describe(),
                before
                    .map(|(_, f)| format!(" (it stayed on {}'s port {})", f.node, f.port))
                    .unwrap_or_default()
            );
            bad.push((
                what.clone(),
                ctx.advert_ev(t.adverts[0], format!("first advert of {node}")),
            ));
        }
    }
    if seen == 0 {
        return not_applicable(id, &s.name, "no router became master");
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "{mac} on the new master's port within one interval + tolerance {}",
            human(ctx.tolerance)
        ),
        format!(
            "after each of {seen} transitions the switch learnt {mac} on the new master's port"
        ),
        bad,
    )
}

/// How much later than the frame it learnt from an FDB notification may be recorded.
const FDB_LAG_NS: u64 = 5_000_000;

pub(super) fn e1(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E1VmacOnMasterPort;
    let vmac = s.vmac_addr();
    let slack = ctx.tol_ns();
    let owner = |node: u16, t: u64| vm.acts_as_master(node, t, slack, ctx.leave_grace_ns());
    let mut bad: Vec<(String, Evidence)> = Vec::new();
    let mut frames = 0;
    let mut unattributed = 0;
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg || o.src_mac != vmac {
            continue;
        }
        frames += 1;
        if o.node == NO_NODE {
            // Whoever sent it, nobody may while no router is master.
            let none = vm.master_at(o.t).is_none()
                && !vm
                    .tenures
                    .iter()
                    .any(|t| t.first_t.saturating_sub(slack) <= o.t && o.t <= t.first_t);
            if none {
                let what = format!(
                    "someone sent {} from {vmac} (not attributable to a router{}) while no router is master",
                    kind_of(&o.what),
                    o.src_ip.map(|ip| format!(", source {ip}")).unwrap_or_default()
                );
                bad.push((what.clone(), ctx.obs_ev(i as u32, what)));
            } else {
                unattributed += 1;
            }
            continue;
        }
        if !owner(o.node, o.t) {
            let what = format!(
                "{} sent {} from {vmac} while {}",
                ctx.node(o.node),
                kind_of(&o.what),
                describe_master(ctx, vm, o.t)
            );
            bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
        }
    }
    let mac = vmac;
    let fdb = fdb_events(ctx, mac, &s.segment);
    for (e, f) in &fdb {
        let node = f.node.as_str();
        let Some(ni) = ctx.wire.node_index(node) else {
            continue;
        };
        // The switch learnt from a frame, and the notification reaches the recorder a little
        // later: judge the entry by that frame (the node's last from the VMAC), if recent.
        let cause = ctx
            .wire
            .obs
            .iter()
            .rev()
            .skip_while(|o| o.t > e.t)
            .take_while(|o| e.t - o.t <= FDB_LAG_NS)
            .find(|o| o.seg == s.seg && o.node == ni && o.src_mac == vmac);
        if !owner(ni, cause.map_or(e.t, |o| o.t)) {
            let what = format!(
                "the switch put {mac} on {node}'s port {} while {}",
                f.port,
                describe_master(ctx, vm, e.t)
            );
            bad.push((
                what.clone(),
                ctx.event_ev(e, format!("fdb: {what}")).by(node),
            ));
        }
    }
    // Wire evidence first, then the FDB's, each in time order.
    bad.sort_by(|a, b| {
        (a.1.frame.is_none(), a.1.at_s)
            .partial_cmp(&(b.1.frame.is_none(), b.1.at_s))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let attribution = if ctx.wire.knows_ports() {
        "by bridge port"
    } else {
        "by source address (the capture has no ports: frames from the VMAC that name no router address cannot be attributed)"
    };
    verdict_of(
        id,
        &s.name,
        format!("frames from {vmac} only from the current master ({attribution}; an old master still advertising may act as one up to the tolerance {} after its successor's first advert: the time to hear it and leave); FDB entries for it only on the master's port", human(std::time::Duration::from_nanos(ctx.leave_grace_ns()))),
        format!(
            "{frames} frames from {vmac}{}, all from the master; {} FDB events, all on the master's port",
            if unattributed > 0 {
                format!(" ({unattributed} not attributable)")
            } else {
                String::new()
            },
            fdb.len()
        ),
        bad,
    )
}

pub(super) fn router_macs(ctx: &Ctx) -> Vec<(MacAddr, String)> {
    ctx.rec
        .map(|r| {
            r.meta
                .nodes
                .iter()
                .filter(|(_, n)| n.role == "router")
                .flat_map(|(name, n)| n.macs.iter().map(move |m| (*m, name.clone())))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn e2(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E2HostNeighVmac;
    let Some(rec) = ctx.rec else {
        return not_applicable(
            id,
            &s.name,
            "needs hosts' neighbour-cache events (a run directory)",
        );
    };
    if !s.vmac {
        return not_applicable(
            id,
            &s.name,
            "the scenario sets vmac = false: hosts rightly hold the master's own MAC",
        );
    }
    let hosts: Vec<&str> = rec.scenario.hosts().map(|h| h.name.as_str()).collect();
    let vips: Vec<String> = vips_of(ctx, s, vm).iter().map(|v| v.to_string()).collect();
    let routers = router_macs(ctx);
    let vmac = s.vmac_addr().to_string();
    let mut bad = Vec::new();
    let mut entries = 0;
    let mut repaired = Vec::new();
    let poisonings = poisonings_of(ctx, s);
    for (e, n) in events::new_neigh(ctx.events)
        .filter(|(_, n)| hosts.contains(&n.node.as_str()) && vips.contains(&n.ip))
    {
        let Some(mac) = &n.mac else { continue };
        entries += 1;
        if let Some((_, r)) = routers.iter().find(|(m, _)| m == mac) {
            let what = format!(
                "{}'s entry for {} holds {mac}, {r}'s physical MAC",
                n.node, n.ip
            );
            // Poisoned by a frame the lab injected: the stimulus, not the fault. The master
            // must repair it within one interval of the last injected frame.
            let during = |p: &&Poisoning| {
                p.host == n.node
                    && p.vip == n.ip
                    && e.t >= p.poisoned_t
                    && e.t <= p.repaired_t.unwrap_or(u64::MAX)
            };
            if let Some(p) = poisonings.iter().find(during) {
                if p.poisoned_t != e.t {
                    // The same poisoning again (a burst): judged once, below, by its repair.
                    continue;
                }
                let bound = p.last_injected_t + s.interval().as_nanos() as u64 + ctx.tol_ns();
                match p.repaired_t {
                    Some(rt) if rt <= bound => {
                        repaired.push(format!(
                            "{what} after the injected frames of step {}, repaired {:.1}ms after the last one",
                            p.step + 1,
                            (rt.saturating_sub(p.last_injected_t)) as f64 / 1e6
                        ));
                        continue;
                    }
                    Some(rt) => bad.push((
                        format!(
                            "{what} after the injected frames of step {}: repaired only {:.1}ms after the last one (bound: one interval {} + tolerance {})",
                            p.step + 1,
                            (rt - p.last_injected_t) as f64 / 1e6,
                            human(s.interval()),
                            human(ctx.tolerance)
                        ),
                        ctx.event_ev(e, format!("neigh: {what}")),
                    )),
                    None => bad.push((
                        format!(
                            "{what} after the injected frames of step {}, and the master never repaired it",
                            p.step + 1
                        ),
                        ctx.event_ev(e, format!("neigh: {what}")),
                    )),
                }
                continue;
            }
            bad.push((what.clone(), ctx.event_ev(e, format!("neigh: {what}"))));
        }
    }
    if entries == 0 {
        return not_applicable(
            id,
            &s.name,
            "no host's neighbour entry for a VIP was recorded",
        );
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "hosts' entries for {} hold {vmac}, never a router's physical MAC",
            vips.join(", ")
        ),
        if repaired.is_empty() {
            format!("{entries} neighbour entries for the VIPs, none with a router's physical MAC")
        } else {
            format!(
                "{entries} neighbour entries for the VIPs; {}",
                repaired.join("; ")
            )
        },
        bad,
    )
}

/// A host's entry for a VIP that an injected stale NA or gratuitous ARP pointed at a router's
/// physical MAC, and when (if ever) it held the virtual MAC again.
#[derive(Debug, Clone)]
pub(super) struct Poisoning {
    pub step: usize,
    pub host: String,
    pub vip: String,
    pub mac: MacAddr,
    pub poisoned_t: u64,
    /// The last time the step's frames poisoned it (a burst poisons it again and again).
    pub last_poison_t: u64,
    pub last_injected_t: u64,
    pub repaired_t: Option<u64>,
}

/// Entries poisoned by each injected stale NA / gratuitous ARP of `s`: the host's first
/// entry for the VIP with the claimed MAC within the injection (plus the time an answer takes),
/// and the first entry with the virtual MAC after it.
pub(super) fn poisonings_of(ctx: &Ctx, s: &VrSpec) -> Vec<Poisoning> {
    const TAKES: u64 = 100_000_000;
    let routers = router_macs(ctx);
    let vmac = s.vmac_addr();
    let vips: Vec<String> = s.vips.iter().map(|v| v.to_string()).collect();
    let neigh = || events::new_neigh(ctx.events).filter(|(_, n)| vips.contains(&n.ip));
    let mut out: Vec<Poisoning> = Vec::new();
    for inj in ctx
        .injections
        .iter()
        .filter(|i| i.vrouter == s.name && (i.kind() == "stale-na" || i.kind() == "garp"))
    {
        let (from, until) = (inj.first_t, inj.last_t + TAKES + ctx.tol_ns());
        for (e, n) in neigh() {
            let (host, ip) = (n.node.as_str(), n.ip.as_str());
            let Some(mac) = n.mac else {
                continue;
            };
            if e.t < from || e.t > until || !routers.iter().any(|(m, _)| *m == mac) {
                continue;
            }
            if out
                .iter()
                .any(|p| p.host == host && p.vip == ip && p.step == inj.step)
            {
                continue;
            }
            let same = || neigh().filter(|(_, r)| r.node == host && r.ip == ip);
            let mac_is = |r: &Neigh, m: &MacAddr| r.mac.as_ref() == Some(m);
            // The last time the burst poisoned it, then the first entry with the VMAC after.
            let last_poison = same()
                .filter(|(r, _)| r.t >= e.t && r.t <= until)
                .filter(|(_, r)| routers.iter().any(|(x, _)| mac_is(r, x)))
                .map(|(r, _)| r.t)
                .max()
                .unwrap_or(e.t);
            let repaired_t = same()
                .find(|(r, n)| r.t > last_poison && mac_is(n, &vmac))
                .map(|(r, _)| r.t);
            out.push(Poisoning {
                step: inj.step,
                host: host.to_string(),
                vip: ip.to_string(),
                mac,
                poisoned_t: e.t,
                last_poison_t: last_poison,
                last_injected_t: inj.last_t,
                repaired_t,
            });
        }
    }
    out
}

pub(super) fn e3(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E3Ipv6DefaultRouter;
    if s.family != Family::Ipv6 || s.protocol.is_carp() {
        return not_applicable(
            id,
            &s.name,
            "an IPv4 virtual router: the router flag is IPv6's",
        );
    }
    let vips = vips_of(ctx, s, vm);
    let mut bad = Vec::new();
    let mut nas = 0;
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg {
            continue;
        }
        if let What::Na {
            router: false,
            target,
            ..
        } = &o.what
        {
            if vips.contains(&IpAddr::V6(*target)) {
                let what = format!(
                    "{} sent an NA for {target} with R=0: hosts stop treating it as a router",
                    if o.node == NO_NODE {
                        o.src_mac.to_string()
                    } else {
                        ctx.node(o.node).to_string()
                    }
                );
                bad.push((what.clone(), ctx.obs_ev(i as u32, what)));
            }
        }
        if matches!(&o.what, What::Na { target, .. } if vips.contains(&IpAddr::V6(*target))) {
            nas += 1;
        }
    }
    // Hosts' entries: once a router, always a router.
    let mut entries = 0;
    if let Some(rec) = ctx.rec {
        let hosts: Vec<&str> = rec.scenario.hosts().map(|h| h.name.as_str()).collect();
        let vip_text: Vec<String> = vips.iter().map(|v| v.to_string()).collect();
        let mut was_router: Vec<(String, String)> = Vec::new();
        for (e, n) in events::new_neigh(ctx.events)
            .filter(|(_, n)| hosts.contains(&n.node.as_str()) && vip_text.contains(&n.ip))
        {
            entries += 1;
            let key = (n.node.clone(), n.ip.clone());
            if n.router {
                if !was_router.contains(&key) {
                    was_router.push(key);
                }
            } else if was_router.contains(&key) {
                let what = format!("{}'s entry for {} lost its router flag", key.0, key.1);
                bad.push((what.clone(), ctx.event_ev(e, format!("neigh: {what}"))));
            }
        }
    }
    if nas == 0 && entries == 0 {
        return not_applicable(
            id,
            &s.name,
            "no NA for a VIP and no host entry for one in the recording",
        );
    }
    verdict_of(
        id,
        &s.name,
        "every NA for a VIP with R=1; hosts' entries keep the router flag",
        format!("{nas} NAs for the VIPs, all R=1; {entries} host entries, router flag kept"),
        bad,
    )
}

pub(super) fn e4_dual(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E4DualMaster;
    if vm.tenures.is_empty() {
        return not_applicable(id, &s.name, "no master was seen");
    }
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut expected = Vec::new();
    for o in vm.contests(tol) {
        let (a, b) = (&vm.tenures[o.a], &vm.tenures[o.b]);
        let (an, bn) = (ctx.node(a.node), ctx.node(b.node));
        let what = format!(
            "{an} and {bn} both advertised as master for {:.1}ms ({:.3}s-{:.3}s)",
            o.duration_ns() as f64 / 1e6,
            ctx.at(o.start),
            ctx.at(o.end)
        );
        // Two masters while the lab kept them apart are expected; once it stops, the lower
        // one hears the higher one's next advert, within one interval.
        let iv = u64::from(a.interval_cs.max(b.interval_cs)) * 10_000_000;
        if let Some(f) = super::netfaults::separating(&ctx.net, an, bn, o.start, o.end) {
            if o.end <= f.until.saturating_add(iv + tol) {
                expected.push(format!("{what}, expected: {}", f.describe()));
                continue;
            }
            let late = format!(
                "{what}: it lasted {:.1}ms past the end of the {} at {:.3}s (bound: one interval {} + tolerance {})",
                (o.end - f.until) as f64 / 1e6,
                f.describe(),
                ctx.at(f.until),
                human(std::time::Duration::from_nanos(iv)),
                human(ctx.tolerance)
            );
            let last = *b.adverts.last().unwrap_or(&b.adverts[0]);
            bad.push((late, ctx.advert_ev(last, format!("{bn} still advertises"))));
            continue;
        }
        let first_b = b.adverts[0];
        let a_in = a
            .adverts
            .iter()
            .copied()
            .find(|&x| ctx.wire.adverts[x as usize].t >= o.start)
            .unwrap_or(a.adverts[0]);
        bad.push((
            what.clone(),
            ctx.advert_ev(a_in, format!("{an} advertises")),
        ));
        bad.push((what, ctx.advert_ev(first_b, format!("{bn} advertises"))));
    }
    let mut ok = format!(
        "{} tenures, {} overlaps, none longer than the tolerance",
        vm.tenures.len(),
        vm.overlaps.len()
    );
    if !expected.is_empty() {
        ok = format!(
            "{} tenures; no unexpected overlap; {}",
            vm.tenures.len(),
            expected.join("; ")
        );
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "no two masters for longer than the tolerance {}, except while the lab kept them apart and one interval after",
            human(ctx.tolerance)
        ),
        ok,
        bad,
    )
}

pub(super) fn e5(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E5SplitBrainReannounce;
    let tol = ctx.tol_ns();
    let vips = vips_of(ctx, s, vm);
    let mut bad = Vec::new();
    let mut seen = 0;
    let mut notes = Vec::new();
    for o in &vm.overlaps {
        let (a, b) = (&vm.tenures[o.a], &vm.tenures[o.b]);
        let iv = u64::from(a.interval_cs.max(b.interval_cs)) * 10_000_000;
        if o.end - o.start <= iv {
            continue;
        }
        seen += 1;
        let (survivor, loser) = if a.last_t >= b.last_t { (a, b) } else { (b, a) };
        let (sn, ln) = (ctx.node(survivor.node), ctx.node(loser.node));
        // The survivor learns of the split brain from the first advert of the loser it can
        // hear. Kept apart by the lab, that is the first one after the heal; if the loser
        // yielded before sending one, the survivor had nothing to react to.
        let heard = loser.adverts.iter().copied().find(|&x| {
            let t = ctx.wire.adverts[x as usize].t;
            t >= o.start && super::netfaults::cut(&ctx.net, ln, sn, t).is_none()
        });
        let Some(heard) = heard else {
            notes.push(format!(
                "{ln} yielded before {sn} could hear it (the lab kept them apart): nothing to re-announce"
            ));
            continue;
        };
        let healed = ctx.wire.adverts[heard as usize]
            .t
            .max(if ctx.net.is_empty() { loser.last_t } else { 0 });
        let window = healed + iv + tol;
        for vip in &vips {
            let ok = ctx.wire.obs.iter().any(|x| {
                x.t >= healed
                    && x.t <= window
                    && (x.node == survivor.node
                        || (x.node == NO_NODE && x.src_mac == s.vmac_addr()))
                    && super::model::announces(&x.what, vip)
            });
            if !ok {
                let what = format!(
                    "the split brain of {} and {} healed at {:.3}s and {sn} did not announce {vip} within one interval + tolerance",
                    ctx.node(a.node),
                    ctx.node(b.node),
                    ctx.at(healed),
                );
                bad.push((
                    what.clone(),
                    ctx.advert_ev(heard, format!("{sn} hears {ln}'s advert"))
                        .by(sn),
                ));
            }
        }
    }
    if seen == 0 {
        return not_applicable(
            id,
            &s.name,
            "no two masters overlapped for longer than an interval",
        );
    }
    let mut ok = format!("{seen} split brains, each followed by announcements");
    if !notes.is_empty() {
        ok = format!("{seen} split brains; {}", notes.join("; "));
    }
    verdict_of(
        id,
        &s.name,
        "after a split brain the survivor announces every VIP within one interval + tolerance of hearing the other master",
        ok,
        bad,
    )
}

pub(super) fn e6(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E6NoVipFromOldMaster;
    let vips = vips_of(ctx, s, vm);
    let mut bad = Vec::new();
    let mut changes = 0;
    for tr in &vm.transitions {
        let Some(from) = tr.from else { continue };
        if !matches!(tr.kind, Kind::Leave | Kind::Silence | Kind::Preempt) {
            continue;
        }
        let old = &vm.tenures[from];
        let new = &vm.tenures[tr.to];
        if old.node == new.node || old.node == NO_NODE {
            continue;
        }
        changes += 1;
        let announced = tr
            .announcements
            .iter()
            .map(|&o| ctx.wire.obs[o as usize].t)
            .min()
            .unwrap_or(tr.at);
        // Until the old master is master again — for CARP from just before its first advert:
        // ucarp sends its gratuitous ARP first.
        let lead = if s.protocol.is_carp() {
            ctx.tol_ns()
        } else {
            0
        };
        let until = vm
            .tenures
            .iter()
            .filter(|t| t.node == old.node && t.first_t > tr.at)
            .map(|t| t.first_t.saturating_sub(lead))
            .min()
            .unwrap_or(u64::MAX);
        let start = ctx.wire.obs.partition_point(|o| o.t <= announced);
        let oldn = ctx.node(old.node);
        for (k, o) in ctx.wire.obs[start..].iter().enumerate() {
            if o.t >= until {
                break;
            }
            // Not while it still advertises as master itself (an overlap: c9, e4 judge it),
            // nor what it sent before the successor's first advert could reach it.
            if o.node != old.node
                || o.seg != s.seg
                || vm.is_master(old.node, o.t, 0)
                || vm.just_ended(old.node, o.t, ctx.leave_grace_ns())
            {
                continue;
            }
            let named = match &o.what {
                What::Arp { sender_ip, .. } if vips.contains(&IpAddr::V4(*sender_ip)) => {
                    Some(IpAddr::V4(*sender_ip))
                }
                What::Na { target, .. } if vips.contains(&IpAddr::V6(*target)) => {
                    Some(IpAddr::V6(*target))
                }
                _ => o.src_ip.filter(|ip| vips.contains(ip)),
            };
            if let Some(vip) = named {
                let what = format!(
                    "{oldn} sent {} naming {vip} from {} {:.1}ms after {} announced it",
                    kind_of(&o.what),
                    o.src_mac,
                    (o.t - announced) as f64 / 1e6,
                    ctx.node(new.node)
                );
                bad.push((what.clone(), ctx.sent_ev((start + k) as u32, what)));
            }
        }
    }
    if changes == 0 {
        return not_applicable(id, &s.name, "the master never changed to another router");
    }
    verdict_of(
        id,
        &s.name,
        format!("after the successor's first announcement, no ARP/NA naming a VIP and no packet from a VIP from the old master (but for what a master still advertising sent up to the tolerance {} after its successor's first advert: the time to hear it and leave)", human(std::time::Duration::from_nanos(ctx.leave_grace_ns()))),
        format!("{changes} changes of master; the old master fell silent about the VIPs each time"),
        bad,
    )
}

/// e7: what a router with another CARP password does about the address. The routers that
/// share the password ignore its adverts (the model sets them aside), but nothing stops it
/// from claiming the address itself: its ARP for a VIP, and hosts' entries naming its MAC.
pub(super) fn e7(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E7StrangerNeverClaims;
    if vm.strangers.is_empty() {
        let why = if !s.protocol.is_carp() {
            "VRRP: the password is CARP's"
        } else if s.carp_auth.is_none() {
            "needs the password the routers share (a CARP scenario's `password`; `vrlab check --carp-pass`)"
        } else if s.vips.is_empty() {
            "needs the virtual addresses, which the HMAC covers and CARP adverts do not carry (a scenario's `vips`)"
        } else {
            "no advert carried another password's HMAC"
        };
        return not_applicable(id, &s.name, why);
    }
    let strangers: BTreeSet<u16> = vm
        .strangers
        .iter()
        .map(|&ai| ctx.wire.adverts[ai as usize].node)
        .collect();
    let names: Vec<&str> = strangers.iter().map(|&n| ctx.node(n)).collect();
    let vips = &s.vips;
    let mut bad = Vec::new();
    for (k, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg || !strangers.contains(&o.node) {
            continue;
        }
        if let What::Arp { sender_ip, .. } = &o.what {
            if vips.contains(&IpAddr::V4(*sender_ip)) {
                let what = format!(
                    "{} sent {} naming {sender_ip} from {}",
                    ctx.node(o.node),
                    kind_of(&o.what),
                    o.src_mac
                );
                bad.push((what.clone(), ctx.obs_ev(k as u32, what)));
            }
        }
    }
    let stranger_macs: Vec<(MacAddr, String)> = router_macs(ctx)
        .into_iter()
        .filter(|(_, r)| names.contains(&r.as_str()))
        .collect();
    let vip_names: Vec<String> = vips.iter().map(ToString::to_string).collect();
    for (e, n) in events::new_neigh(ctx.events).filter(|(_, n)| vip_names.contains(&n.ip)) {
        let Some(mac) = &n.mac else { continue };
        if let Some((_, r)) = stranger_macs.iter().find(|(m, _)| m == mac) {
            let what = format!("{}'s entry for {} holds {mac}, {r}'s MAC", n.node, n.ip);
            bad.push((what.clone(), ctx.event_ev(e, format!("neigh: {what}"))));
        }
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "{}, whose adverts carry another password's HMAC, never claims {}: no ARP naming it, no host's entry naming its MAC",
            names.join(", "),
            vip_names.join(", ")
        ),
        format!(
            "{} advertised with another password ({} adverts, set aside) and never claimed the address",
            names.join(", "),
            vm.strangers.len()
        ),
        bad,
    )
}
