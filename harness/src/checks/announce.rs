//! Announcements, ARP, Neighbor Discovery and router advertisements (RFC-CHECKLIST C4, D).

use std::net::{IpAddr, Ipv6Addr};

use super::model::{announces, carp_vips, Kind, Transition, VrModel};
use super::observe::{is_virtual, What, NO_NODE};
use super::wire_checks::carp_na;
use super::{
    not_applicable, result, verdict_of, Check, CheckResult, Ctx, Evidence, Status, VrSpec,
};
use crate::events::Change;
use crate::scenario::Family;
use crate::wire::MacAddr;

/// Transitions after which a new master must announce (not a master resuming after a pause,
/// nor one that was master before the capture began).
fn becoming_master(vm: &VrModel) -> impl Iterator<Item = &Transition> {
    vm.transitions
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Resumed | Kind::AlreadyMaster))
}

/// The addresses a master announces: the configured / advertised VIPs, or for CARP those
/// its gratuitous ARPs name.
pub(super) fn vips_of(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<IpAddr> {
    if s.protocol.is_carp() {
        carp_vips(ctx.wire, vm)
    } else {
        s.vips
            .iter()
            .filter(|v| !matches!(v, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80))
            .copied()
            .collect()
    }
}

/// The MAC a frame of the virtual router should carry: the VMAC, unless a run's scenario or
/// `--no-vmac` turned it off (then there is nothing to hold the daemon to). CARP has no rule to hold
/// an implementation to: carp(4) serves its addresses from 00-00-5E-00-01-{VHID}, ucarp
/// from the interface's own MAC (only its adverts carry 00-00-5E-00-00-{VHID}), and both
/// are CARP as deployed.
fn expected_mac(s: &VrSpec) -> Option<MacAddr> {
    (!s.protocol.is_carp() && s.vmac_off().is_none()).then(|| s.vmac_addr())
}

pub(super) fn c4(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::C4AnnounceAfterAdvert;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if let Some(why) = s.routed() {
        return not_applicable(id, &s.name, why);
    }
    let order_slack = 1_000_000; // 1 ms: the advert and the ARP leave by different sockets
    let tol = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut seen = 0;
    for tr in becoming_master(vm) {
        seen += 1;
        let t = &vm.tenures[tr.to];
        let node = ctx.node(t.node);
        let iv = u64::from(t.interval_cs) * 10_000_000;
        let first = t.adverts[0];
        if let Some(&early) = tr
            .announcements
            .iter()
            .find(|&&o| ctx.wire.obs[o as usize].t + order_slack < tr.at)
        {
            let what = format!(
                "{node} announced {:.1}ms before its first advert ({})",
                (tr.at - ctx.wire.obs[early as usize].t) as f64 / 1e6,
                tr.kind.describe()
            );
            bad.push((
                what.clone(),
                ctx.obs_ev(early, format!("announcement by {node}")),
            ));
            bad.push((
                what,
                ctx.advert_ev(first, format!("first advert of {node}")),
            ));
            continue;
        }
        let prompt = tr
            .announcements
            .iter()
            .any(|&o| ctx.wire.obs[o as usize].t <= tr.at + iv + tol);
        if !prompt {
            let what = format!(
                "{node} became master ({}) and announced nothing within one interval + tolerance",
                tr.kind.describe()
            );
            bad.push((
                what,
                ctx.advert_ev(first, format!("first advert of {node}")),
            ));
        }
    }
    if seen == 0 {
        return not_applicable(id, &s.name, "no router became master");
    }
    verdict_of(
        id,
        &s.name,
        "the first advert, then announcements within one interval + tolerance",
        format!("{seen} transitions to master, each advert first, then announcements"),
        bad,
    )
}

pub(super) fn d1(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D1GratuitousArp;
    if s.family != Family::Ipv4 {
        return not_applicable(id, &s.name, "an IPv6 virtual router (see d2)");
    }
    if let Some(why) = s.routed() {
        return not_applicable(id, &s.name, why);
    }
    let vips = vips_of(ctx, s, vm);
    let mac = expected_mac(s);
    let mut bad: Vec<(String, Evidence)> = Vec::new();
    let mut seen = 0;
    for tr in becoming_master(vm) {
        seen += 1;
        let t = &vm.tenures[tr.to];
        let node = ctx.node(t.node);
        if s.protocol.is_carp() && vips.is_empty() {
            bad.push((
                format!("{node} became CARP master and sent no gratuitous ARP"),
                ctx.advert_ev(t.adverts[0], format!("first advert of {node}")),
            ));
            continue;
        }
        for vip in &vips {
            let garps: Vec<u32> = tr
                .announcements
                .iter()
                .copied()
                .filter(|&o| announces(&ctx.wire.obs[o as usize].what, vip))
                .collect();
            if garps.is_empty() {
                bad.push((
                    format!(
                        "{node} became master ({}) and sent no gratuitous ARP for {vip}",
                        tr.kind.describe()
                    ),
                    ctx.advert_ev(t.adverts[0], format!("first advert of {node}")),
                ));
                continue;
            }
            for &g in &garps {
                let o = &ctx.wire.obs[g as usize];
                let What::Arp { sender_mac, .. } = &o.what else {
                    continue;
                };
                let mut wrong = Vec::new();
                if let Some(m) = mac {
                    if *sender_mac != m {
                        wrong.push(format!("sender hardware address {sender_mac}"));
                    }
                    if o.src_mac != MacAddr::ZERO && o.src_mac != m {
                        wrong.push(format!("sent from {}", o.src_mac));
                    }
                }
                if o.dst_mac != MacAddr::ZERO && !o.dst_mac.is_broadcast() {
                    wrong.push(format!("sent to {} (not broadcast)", o.dst_mac));
                }
                if !wrong.is_empty() {
                    let what = format!(
                        "{node}'s gratuitous ARP for {vip}: {}{}",
                        wrong.join(", "),
                        mac.map(|m| format!(" (expected {m})")).unwrap_or_default()
                    );
                    bad.push((what.clone(), ctx.sent_ev(g, what)));
                    break;
                }
            }
        }
    }
    if seen == 0 {
        return not_applicable(id, &s.name, "no router became master");
    }
    verdict_of(
        id,
        &s.name,
        match mac {
            Some(m) => {
                format!("a broadcast gratuitous ARP per VIP from {m}, sender hardware address {m}")
            }
            None => format!(
                "a broadcast gratuitous ARP per VIP ({})",
                s.vmac_off().unwrap_or("no virtual router MAC")
            ),
        },
        format!(
            "{seen} transitions to master, each announced {}",
            vips.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        bad,
    )
}

pub(super) fn d2(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D2UnsolicitedNa;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if s.family != Family::Ipv6 {
        return not_applicable(id, &s.name, "an IPv4 virtual router (see d1)");
    }
    if let Some(why) = s.routed() {
        return not_applicable(id, &s.name, why);
    }
    let vips = vips_of(ctx, s, vm);
    let mac = expected_mac(s);
    let mut bad: Vec<(String, Evidence)> = Vec::new();
    let mut seen = 0;
    for tr in becoming_master(vm) {
        seen += 1;
        let t = &vm.tenures[tr.to];
        let node = ctx.node(t.node);
        for vip in &vips {
            let nas: Vec<u32> = tr
                .announcements
                .iter()
                .copied()
                .filter(|&o| announces(&ctx.wire.obs[o as usize].what, vip))
                .collect();
            if nas.is_empty() {
                bad.push((
                    format!(
                        "{node} became master ({}) and sent no unsolicited NA for {vip}",
                        tr.kind.describe()
                    ),
                    ctx.advert_ev(t.adverts[0], format!("first advert of {node}")),
                ));
                continue;
            }
            for &n in &nas {
                let o = &ctx.wire.obs[n as usize];
                let What::Na {
                    router,
                    solicited,
                    override_flag,
                    tlla,
                    ..
                } = &o.what
                else {
                    continue;
                };
                let mut wrong = Vec::new();
                if !router {
                    wrong.push("R=0".to_string());
                }
                if *solicited {
                    wrong.push("S=1".to_string());
                }
                if !override_flag {
                    wrong.push("O=0".to_string());
                }
                if let Some(m) = mac {
                    match tlla {
                        Some(x) if *x != m => wrong.push(format!("target link-layer address {x}")),
                        None => wrong.push("no target link-layer address option".into()),
                        _ => {}
                    }
                    if o.src_mac != MacAddr::ZERO && o.src_mac != m {
                        wrong.push(format!("sent from {}", o.src_mac));
                    }
                }
                if !wrong.is_empty() {
                    let what = format!(
                        "{node}'s unsolicited NA for {vip}: {} (expected R=1 S=0 O=1{})",
                        wrong.join(", "),
                        mac.map(|m| format!(", target link-layer address {m}"))
                            .unwrap_or_default()
                    );
                    bad.push((what.clone(), ctx.obs_ev(n, what)));
                    break;
                }
            }
        }
    }
    if seen == 0 {
        return not_applicable(id, &s.name, "no router became master");
    }
    verdict_of(
        id,
        &s.name,
        match mac {
            Some(m) => format!(
                "an unsolicited NA per VIP: R=1 S=0 O=1, target link-layer address {m}, from {m}"
            ),
            None => format!(
                "an unsolicited NA per VIP: R=1 S=0 O=1 ({})",
                s.vmac_off().unwrap_or("no virtual router MAC")
            ),
        },
        format!("{seen} transitions to master, each announced with R=1 S=0 O=1"),
        bad,
    )
}

/// The grace an old master has, in words: a request that reached it before its successor's
/// first advert did is answered as master.
fn crossing(ctx: &Ctx) -> String {
    format!(
        "an old master still advertising may answer up to the tolerance {} after its successor's first advert: the time to hear it",
        crate::scenario::duration::human(std::time::Duration::from_nanos(ctx.leave_grace_ns()))
    )
}

/// Who sent `o`, for messages.
fn sender(ctx: &Ctx, node: u16, mac: MacAddr) -> String {
    if node == NO_NODE {
        mac.to_string()
    } else {
        ctx.node(node).to_string()
    }
}

pub(super) fn d3(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D3ArpReplyVmac;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if s.family != Family::Ipv4 {
        return not_applicable(id, &s.name, "an IPv6 virtual router (see d4)");
    }
    let mac = expected_mac(s);
    let slack = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut replies = 0;
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg {
            continue;
        }
        let What::Arp {
            op: 2,
            sender_ip,
            sender_mac,
            target_ip,
            ..
        } = &o.what
        else {
            continue;
        };
        let vip = IpAddr::V4(*sender_ip);
        if !s.vips.contains(&vip) || sender_ip == target_ip {
            continue;
        }
        replies += 1;
        let who = sender(ctx, o.node, o.src_mac);
        if o.node != NO_NODE && !vm.acts_as_master(o.node, o.t, slack, ctx.leave_grace_ns()) {
            let what = format!("{who} answered an ARP request for {vip} while not master");
            bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
        } else if let Some(m) = mac.filter(|m| sender_mac != m) {
            let what = format!("ARP reply for {vip} from {who} names {sender_mac}, not {m}");
            bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
        }
    }
    if replies == 0 {
        return not_applicable(
            id,
            &s.name,
            "no ARP reply for a VIP in the recording; requires: injection (an ARP request sent at the master)",
        );
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "replies from the master naming {} ({})",
            mac.map(|m| m.to_string())
                .unwrap_or_else(|| "its MAC".into()),
            crossing(ctx)
        ),
        format!("{replies} ARP replies for a VIP, all from the master with the VMAC"),
        bad,
    )
}

pub(super) fn d4(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D4NaReplyVmac;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if s.family != Family::Ipv6 {
        return not_applicable(id, &s.name, "an IPv4 virtual router (see d3)");
    }
    let mac = expected_mac(s);
    let slack = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut replies = 0;
    let mut r0 = 0;
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg {
            continue;
        }
        let What::Na {
            solicited: true,
            router,
            target,
            tlla,
            ..
        } = &o.what
        else {
            continue;
        };
        let vip = IpAddr::V6(*target);
        if !s.vips.contains(&vip) {
            continue;
        }
        replies += 1;
        if !router {
            r0 += 1;
        }
        let who = sender(ctx, o.node, o.src_mac);
        if o.node != NO_NODE && !vm.acts_as_master(o.node, o.t, slack, ctx.leave_grace_ns()) {
            let what = format!("{who} answered a solicitation for {vip} while not master");
            bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
        } else if let Some(m) = mac {
            let named = tlla.unwrap_or(o.src_mac);
            if named != m {
                let what = format!("NA for {vip} from {who} names {named}, not {m}");
                bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
            }
        }
    }
    if replies == 0 {
        return not_applicable(
            id,
            &s.name,
            "no solicited NA for a VIP in the recording; requires: injection (an NS sent at the master)",
        );
    }
    let mut r = verdict_of(
        id,
        &s.name,
        format!(
            "solicited NAs from the master naming the VMAC ({})",
            crossing(ctx)
        ),
        format!("{replies} solicited NAs for a VIP from the master with the VMAC"),
        bad,
    );
    if r0 > 0 {
        r.observed = format!(
            "{}; {r0} with R=0 (RFC 9568 §6.4.3 asks for R=1)",
            r.observed
        );
    }
    r
}

pub(super) fn d5(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D5RouterAdverts;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if s.family != Family::Ipv6 {
        return not_applicable(
            id,
            &s.name,
            "an IPv4 virtual router: router advertisements are IPv6",
        );
    }
    let vmac = s.vmac_addr();
    let virtual_ll: Vec<IpAddr> = vm
        .adverts
        .iter()
        .filter_map(|&ai| ctx.wire.adverts[ai as usize].summary.addrs.first().copied())
        .filter(|a| matches!(a, IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80))
        .collect();
    let slack = ctx.tol_ns();
    let mut bad = Vec::new();
    let mut ras = 0;
    let mut by_master = 0;
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg {
            continue;
        }
        let What::Ra { lifetime, slla } = &o.what else {
            continue;
        };
        let ours = o.src_mac == vmac
            || *slla == Some(vmac)
            || o.src_ip.is_some_and(|ip| virtual_ll.contains(&ip));
        if !ours {
            continue;
        }
        ras += 1;
        let who = sender(ctx, o.node, o.src_mac);
        if o.node == NO_NODE {
            continue;
        }
        if vm.is_master(o.node, o.t, slack) {
            by_master += 1;
            continue;
        }
        let master = vm
            .master_at(o.t)
            .map(|m| format!("{} is master", ctx.node(vm.tenures[m].node)))
            .unwrap_or_else(|| "no master".into());
        let what = format!(
            "{who} sent a router advertisement for the virtual router (lifetime {lifetime}s) while {master}"
        );
        bad.push((what.clone(), ctx.sent_ev(i as u32, what)));
    }
    if ras == 0 {
        return not_applicable(
            id,
            &s.name,
            "no router advertisement for the virtual router in the recording (none configured; RFC 9568 §6.4.3 asks the master to send them)",
        );
    }
    verdict_of(
        id,
        &s.name,
        "router advertisements for the virtual router from the master only",
        format!("{ras} router advertisements, {by_master} from the master"),
        bad,
    )
}

pub(super) fn d7(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::D7NoPhysicalMacForVip;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if !s.vmac {
        return not_applicable(
            id,
            &s.name,
            s.vmac_off().unwrap_or(
                "the virtual router does not use its VMAC (adverts come from physical MACs; see a9)",
            ),
        );
    }
    let vips = vips_of(ctx, s, vm);
    let hosts: Vec<u16> = ctx
        .rec
        .map(|r| {
            r.scenario
                .hosts()
                .filter_map(|h| ctx.wire.node_index(&h.name))
                .collect()
        })
        .unwrap_or_default();
    let mut bad = Vec::new();
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if o.seg != s.seg || hosts.contains(&o.node) {
            continue;
        }
        let named = match &o.what {
            What::Arp {
                sender_ip,
                sender_mac,
                ..
            } if vips.contains(&IpAddr::V4(*sender_ip)) => {
                Some((IpAddr::V4(*sender_ip), *sender_mac, "ARP"))
            }
            What::Na { target, tlla, .. } if vips.contains(&IpAddr::V6(*target)) => {
                Some((IpAddr::V6(*target), tlla.unwrap_or(o.src_mac), "NA"))
            }
            What::Ns { slla: Some(m), .. } if o.src_ip.is_some_and(|ip| vips.contains(&ip)) => {
                Some((
                    o.src_ip.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
                    *m,
                    "NS",
                ))
            }
            _ => None,
        };
        if let Some((vip, m, kind)) = named {
            if m != MacAddr::ZERO && !is_virtual(&m) {
                let what = format!(
                    "{kind} from {} maps {vip} to the physical MAC {m}",
                    sender(ctx, o.node, o.src_mac)
                );
                bad.push((what.clone(), ctx.obs_ev(i as u32, what)));
            }
        }
    }
    verdict_of(
        id,
        &s.name,
        format!("every ARP/ND naming a VIP names {}", s.vmac_addr()),
        "no ARP or ND from a router mapped a VIP to a physical MAC",
        bad,
    )
}

pub(super) fn d9(ctx: &Ctx, s: &VrSpec, _vm: &VrModel) -> CheckResult {
    let id = Check::D9VmacNotIid;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    if s.family != Family::Ipv6 {
        return not_applicable(
            id,
            &s.name,
            "an IPv4 virtual router: interface identifiers are IPv6",
        );
    }
    let iid = s.vmac_addr().eui64();
    let from_vmac = |ip: &IpAddr| matches!(ip, IpAddr::V6(v) if v.octets()[8..] == iid);
    let mut bad = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, o) in ctx.wire.obs.iter().enumerate() {
        if let Some(ip) = o.src_ip.filter(|ip| from_vmac(ip)) {
            if seen.insert(ip) {
                let what = format!(
                    "{} uses {ip}, made from {}",
                    sender(ctx, o.node, o.src_mac),
                    s.vmac_addr()
                );
                bad.push((what.clone(), ctx.obs_ev(i as u32, what)));
            }
        }
    }
    for (i, a) in ctx.wire.adverts.iter().enumerate() {
        if from_vmac(&a.summary.src_ip) && seen.insert(a.summary.src_ip) {
            let what = format!(
                "{} advertises from {}, made from {}",
                ctx.node(a.node),
                a.summary.src_ip,
                s.vmac_addr()
            );
            bad.push((what.clone(), ctx.advert_ev(i as u32, what)));
        }
    }
    for (e, addr) in ctx
        .events
        .iter()
        .filter_map(|e| Some((e, e.addr()?)))
        .filter(|(_, a)| a.event == Change::New)
    {
        let Ok(ip) = addr.ip.parse::<IpAddr>() else {
            continue;
        };
        if from_vmac(&ip) && seen.insert(ip) {
            let what = format!(
                "{} got address {ip} on {}, made from {}",
                addr.node,
                addr.interface,
                s.vmac_addr()
            );
            bad.push((what.clone(), ctx.event_ev(e, what)));
        }
    }
    verdict_of(
        id,
        &s.name,
        format!("no address with interface identifier {:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}", iid[0], iid[1], iid[2], iid[3], iid[4], iid[5], iid[6], iid[7]),
        "no IPv6 address made from the VMAC",
        bad,
    )
}

/// d10: each host's acceptance sysctls, as run.json records them.
pub(super) fn d10(ctx: &Ctx) -> Vec<CheckResult> {
    let id = Check::D10HostNaAcceptance;
    let Some(rec) = ctx.rec else {
        return vec![not_applicable(
            id,
            "hosts",
            "needs the hosts' sysctls (run.json of a run directory)",
        )];
    };
    let hosts: Vec<&str> = rec.scenario.hosts().map(|h| h.name.as_str()).collect();
    if hosts.is_empty() {
        return vec![not_applicable(id, "hosts", "the scenario has no host")];
    }
    let keys = ["arp_accept", "drop_unsolicited_na", "accept_untracked_na"];
    hosts
        .iter()
        .map(|h| {
            let mut got = Vec::new();
            let mut missing = Vec::new();
            let mut drops = false;
            for k in keys {
                let vals: Vec<String> = rec
                    .meta
                    .sysctls
                    .iter()
                    .filter(|s| s.node == *h && s.key.ends_with(k))
                    .map(|s| format!("{}={}", s.key, s.value))
                    .collect();
                if vals.is_empty() {
                    missing.push(k);
                }
                if k == "drop_unsolicited_na"
                    && rec
                        .meta
                        .sysctls
                        .iter()
                        .any(|s| s.node == *h && s.key.ends_with(k) && s.value.trim() == "1")
                {
                    drops = true;
                }
                got.extend(vals);
            }
            let expected =
                "arp_accept, drop_unsolicited_na = 0 and accept_untracked_na set and recorded";
            if !missing.is_empty() {
                result(
                    id,
                    *h,
                    Status::Fail,
                    expected,
                    format!("not recorded in run.json: {}", missing.join(", ")),
                    vec![],
                )
            } else if drops {
                result(
                    id,
                    *h,
                    Status::Fail,
                    expected,
                    format!("the host drops unsolicited NAs: {}", got.join(", ")),
                    vec![],
                )
            } else {
                result(id, *h, Status::Pass, expected, got.join(", "), vec![])
            }
        })
        .collect()
}
