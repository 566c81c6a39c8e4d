//! Framing and header checks (RFC-CHECKLIST A and B): one result per virtual router, judged
//! over every advert it sent. Reactions to injected adverts are `reactions`'.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::model::VrModel;
use super::observe::{AdvertObs, What};
use super::{
    not_applicable, result, verdict_of, Check, CheckResult, Ctx, Evidence, Status, VrSpec,
};
use crate::scenario::{Family, Protocol};
use crate::wire::{ChecksumStatus, LengthStatus, MacAddr};

pub(super) fn no_routers(ctx: &Ctx, id: Check) -> CheckResult {
    let what = if ctx.is_run() {
        "the scenario has no virtual router"
    } else {
        "no VRRP or CARP advert in the capture"
    };
    not_applicable(id, "-", what)
}

pub(super) fn carp_na(id: Check, s: &VrSpec) -> CheckResult {
    not_applicable(
        id,
        &s.name,
        "CARP: no RFC binds it, and this rule is VRRP's",
    )
}

/// Judge every advert of `s` with `f` (None: conforms; Some(what is wrong)).
fn per_advert(
    ctx: &Ctx,
    id: Check,
    s: &VrSpec,
    vm: &VrModel,
    expected: String,
    mut f: impl FnMut(&AdvertObs) -> Option<String>,
) -> CheckResult {
    if vm.adverts.is_empty() {
        return not_applicable(id, &s.name, "no advert of this virtual router was seen");
    }
    let mut bad: Vec<(u32, String)> = Vec::new();
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for &ai in &vm.adverts {
        let a = &ctx.wire.adverts[ai as usize];
        if let Some(what) = f(a) {
            *per_node.entry(ctx.node(a.node)).or_default() += 1;
            bad.push((ai, what));
        }
    }
    let n = vm.adverts.len();
    if bad.is_empty() {
        return result(
            id,
            &s.name,
            Status::Pass,
            expected,
            format!("all {n} adverts conform"),
            vec![],
        );
    }
    let who = per_node
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let observed = format!("{} of {n} adverts ({who}); first: {}", bad.len(), bad[0].1);
    let evidence = bad
        .iter()
        .take(super::MAX_EVIDENCE)
        .map(|(ai, what)| {
            let a = &ctx.wire.adverts[*ai as usize];
            ctx.advert_ev(*ai, format!("{}: {what}", ctx.node(a.node)))
        })
        .collect();
    result(id, &s.name, Status::Fail, expected, observed, evidence)
}

fn only(
    id: Check,
    s: &VrSpec,
    family: Option<Family>,
    protocol: Option<Protocol>,
) -> Option<CheckResult> {
    if s.protocol.is_carp() {
        return Some(carp_na(id, s));
    }
    if let Some(f) = family.filter(|f| *f != s.family) {
        return Some(not_applicable(
            id,
            &s.name,
            format!("an {} virtual router; this check is for {f}", s.family),
        ));
    }
    if let Some(p) = protocol.filter(|p| *p != s.protocol) {
        return Some(not_applicable(
            id,
            &s.name,
            format!("{}; this check is for {p}", s.protocol),
        ));
    }
    None
}

const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

pub(super) fn a1(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A1Ipv4AdvertDestination;
    if let Some(r) = only(id, s, Some(Family::Ipv4), None) {
        return r;
    }
    if let Some(why) = s.unicast_peers() {
        return not_applicable(id, &s.name, why);
    }
    let mac = MacAddr::ipv4_multicast(GROUP_V4);
    per_advert(
        ctx,
        id,
        s,
        vm,
        "destination 224.0.0.18, 01:00:5e:00:00:12".into(),
        |a| {
            let s = &a.summary;
            if s.dst_ip != IpAddr::V4(GROUP_V4) {
                Some(format!("sent to {}", s.dst_ip))
            } else if s.dst_mac.is_some_and(|m| m != mac) {
                Some(format!(
                    "Ethernet destination {}",
                    s.dst_mac.unwrap_or_default()
                ))
            } else {
                None
            }
        },
    )
}

pub(super) fn a2(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A2Ipv6AdvertDestination;
    if let Some(r) = only(id, s, Some(Family::Ipv6), None) {
        return r;
    }
    if let Some(why) = s.unicast_peers() {
        return not_applicable(id, &s.name, why);
    }
    let mac = MacAddr::ipv6_multicast(GROUP_V6);
    per_advert(
        ctx,
        id,
        s,
        vm,
        "destination ff02::12, 33:33:00:00:00:12".into(),
        |a| {
            let s = &a.summary;
            if s.dst_ip != IpAddr::V6(GROUP_V6) {
                Some(format!("sent to {}", s.dst_ip))
            } else if s.dst_mac.is_some_and(|m| m != mac) {
                Some(format!(
                    "Ethernet destination {}",
                    s.dst_mac.unwrap_or_default()
                ))
            } else {
                None
            }
        },
    )
}

pub(super) fn a3(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A3Ipv4Ttl;
    if let Some(r) = only(id, s, Some(Family::Ipv4), None) {
        return r;
    }
    per_advert(ctx, id, s, vm, "TTL 255".into(), |a| {
        (a.summary.ttl != 255).then(|| format!("TTL {}", a.summary.ttl))
    })
}

pub(super) fn a4(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A4Ipv6HopLimit;
    if let Some(r) = only(id, s, Some(Family::Ipv6), None) {
        return r;
    }
    per_advert(ctx, id, s, vm, "hop limit 255".into(), |a| {
        (a.summary.ttl != 255).then(|| format!("hop limit {}", a.summary.ttl))
    })
}

pub(super) fn a6(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A6Protocol112;
    if s.protocol.is_carp() {
        return carp_na(id, s);
    }
    let expected = format!(
        "adverts for VRID {} as IP protocol 112; nothing but adverts and membership reports sent to {}",
        s.vrid,
        if s.family == Family::Ipv4 { "224.0.0.18" } else { "ff02::12" }
    );
    if vm.adverts.is_empty() {
        return result(
            id,
            &s.name,
            Status::Fail,
            expected,
            format!(
                "no IP protocol 112 advert for VRID {} ({}) on segment {}",
                s.vrid, s.family, s.segment
            ),
            vec![],
        );
    }
    let bad: Vec<(String, Evidence)> = ctx
        .wire
        .obs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.seg == s.seg)
        .filter_map(|(i, o)| match &o.what {
            What::ToVrrpGroup { protocol }
                if o.src_ip.is_some_and(|ip| Family::of(&ip) == s.family) =>
            {
                let what = format!(
                    "{} sent IP protocol {protocol} to the VRRP group",
                    ctx.node(o.node)
                );
                Some((what.clone(), ctx.obs_ev(i as u32, what)))
            }
            _ => None,
        })
        .collect();
    verdict_of(
        id,
        &s.name,
        expected,
        format!("{} adverts, all IP protocol 112", vm.adverts.len()),
        bad,
    )
}

/// The sending node's addresses of `family` on the segment, primary first (run directories).
fn node_addresses(ctx: &Ctx, node: &str, s: &VrSpec) -> Option<Vec<IpAddr>> {
    let rec = ctx.rec?;
    let n = rec.scenario.node(node)?;
    Some(
        n.interfaces
            .iter()
            .filter(|i| i.segment == s.segment)
            .flat_map(|i| i.addresses.iter().map(|a| a.addr))
            .filter(|a| Family::of(a) == s.family)
            .collect(),
    )
}

pub(super) fn a7(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A7Ipv4AdvertSource;
    if let Some(r) = only(id, s, Some(Family::Ipv4), None) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "source = the sender's primary IPv4 address, not a virtual address".into(),
        |a| {
            let src = a.summary.src_ip;
            let owner = a.priority() == 255;
            if (s.vips.contains(&src) || a.summary.addrs.contains(&src)) && !owner {
                return Some(format!("source {src} is a virtual address"));
            }
            match &src {
                IpAddr::V4(v) if v.is_unspecified() || v.is_multicast() || v.is_broadcast() => {
                    return Some(format!("source {src} is not a unicast address"))
                }
                _ => {}
            }
            if let Some(addrs) = node_addresses(ctx, ctx.node(a.node), s) {
                if let Some(primary) = addrs.first() {
                    if *primary != src && !(owner && s.vips.contains(&src)) {
                        return Some(format!(
                            "source {src}, but the interface's primary address is {primary}"
                        ));
                    }
                }
            }
            None
        },
    )
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

pub(super) fn a8(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A8Ipv6AdvertSource;
    if let Some(r) = only(id, s, Some(Family::Ipv6), None) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "source = a link-local address of the sending interface, not a virtual address".into(),
        |a| match a.summary.src_ip {
            IpAddr::V6(v) if !is_link_local(&v) => Some(format!("source {v} is not link-local")),
            src if s.vips.contains(&src) => Some(format!("source {src} is a virtual address")),
            _ => None,
        },
    )
}

pub(super) fn a9(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::A9AdvertSourceMac;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    if let Some(why) = s.vmac_off() {
        return not_applicable(id, &s.name, why);
    }
    let vmac = s.vmac_addr();
    if vm
        .adverts
        .iter()
        .all(|&ai| ctx.wire.adverts[ai as usize].summary.src_mac.is_none())
        && !vm.adverts.is_empty()
    {
        return not_applicable(id, &s.name, "the capture's link type records no source MAC");
    }
    per_advert(ctx, id, s, vm, format!("source MAC {vmac}"), |a| {
        match a.summary.src_mac {
            Some(m) if m != vmac => Some(format!("source MAC {m}")),
            _ => None,
        }
    })
}

pub(super) fn b1(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B1Version;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    // A router sending both versions is migrating (RFC 5798 §8.4): allowed.
    let mut versions: BTreeMap<u16, BTreeSet<u8>> = BTreeMap::new();
    for &ai in &vm.adverts {
        let a = &ctx.wire.adverts[ai as usize];
        versions.entry(a.node).or_default().insert(a.version);
    }
    let given = match &s.inferred {
        None => "configured",
        Some(i) if i.version_given => "given with --version",
        Some(_) => "inferred: most adverts",
    };
    per_advert(
        ctx,
        id,
        s,
        vm,
        format!("version {} ({given})", s.protocol.version()),
        |a| {
            let want = s.protocol.version();
            let migrating = versions.get(&a.node).is_some_and(|v| v.contains(&want));
            (a.version != want && !migrating).then(|| format!("version {}", a.version))
        },
    )
}

pub(super) fn b2(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B2Type;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    per_advert(ctx, id, s, vm, "type 1 (ADVERTISEMENT)".into(), |a| {
        (a.vrrp_type != 1).then(|| format!("type {}", a.vrrp_type))
    })
}

pub(super) fn b3(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B3Vrid;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "VRID 1-255, configured on the segment".into(),
        |a| (a.summary.vrid == 0).then(|| "VRID 0".to_string()),
    )
}

/// Adverts for a VRID the scenario does not configure on that segment.
pub(super) fn b3_unmatched(ctx: &Ctx) -> Vec<CheckResult> {
    if !ctx.is_run() || ctx.model.unmatched.is_empty() {
        return vec![];
    }
    let mut by_seg: BTreeMap<u16, Vec<u32>> = BTreeMap::new();
    for &ai in &ctx.model.unmatched {
        by_seg
            .entry(ctx.wire.adverts[ai as usize].seg)
            .or_default()
            .push(ai);
    }
    by_seg
        .into_iter()
        .map(|(seg, ads)| {
            let bad = ads
                .iter()
                .map(|&ai| {
                    let a = &ctx.wire.adverts[ai as usize];
                    let what = format!(
                        "{} advertises VRID {} ({}{}), which the scenario does not configure on this segment",
                        ctx.node(a.node),
                        a.summary.vrid,
                        a.summary.family,
                        if a.is_carp() { ", CARP" } else { "" }
                    );
                    (what.clone(), ctx.advert_ev(ai, what))
                })
                .collect();
            verdict_of(
                Check::B3Vrid,
                format!("segment {}", ctx.wire.segments[seg as usize].name),
                "only configured VRIDs on the segment",
                "-",
                bad,
            )
        })
        .collect()
}

pub(super) fn b4(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B4Priority;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    if s.inferred.is_none() {
        let conf = s
            .priorities
            .iter()
            .map(|(n, p)| format!("{n} {p}"))
            .collect::<Vec<_>>()
            .join(", ");
        return per_advert(
            ctx,
            id,
            s,
            vm,
            format!("the configured priority ({conf}), or 0 to leave"),
            |a| {
                let node = ctx.node(a.node);
                let allowed = s.priorities_of(node);
                match s.priority_of(node) {
                    None => Some(format!(
                        "{node} is not configured in this virtual router (priority {})",
                        a.priority()
                    )),
                    Some(p) if !allowed.contains(&a.priority()) && a.priority() != 0 => {
                        let tracked = if allowed.len() > 1 {
                            format!(" (or, tracking, {allowed:?})")
                        } else {
                            String::new()
                        };
                        Some(format!(
                            "priority {}, configured {p}{tracked}",
                            a.priority()
                        ))
                    }
                    _ => None,
                }
            },
        );
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "255 only from the owner of the virtual address (its IPv4 source is the address), 1-254 otherwise".into(),
        |a| {
            let src = a.summary.src_ip;
            let owns = a.summary.addrs.contains(&src);
            match (a.priority(), src) {
                (255, IpAddr::V4(_)) if !owns => {
                    Some(format!("priority 255 from {src}, which does not own the addresses"))
                }
                (p, IpAddr::V4(_)) if owns && p != 255 && p != 0 => Some(format!(
                    "priority {p} from the address owner {src} (the owner advertises 255)"
                )),
                _ => None,
            }
        },
    )
}

pub(super) fn b5(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B5Count;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "count = addresses carried ≥ 1".into(),
        |a| {
            let n = a.summary.addrs.len();
            if a.summary.count == 0 {
                Some("count 0".into())
            } else if usize::from(a.summary.count) != n {
                Some(format!(
                    "count {} but {n} addresses carried",
                    a.summary.count
                ))
            } else {
                None
            }
        },
    )
}

pub(super) fn b6(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B6V2Authentication;
    if let Some(r) = only(id, s, None, Some(Protocol::VrrpV2)) {
        return r;
    }
    // RFC 2338's simple text password where the scenario configures one (to interoperate
    // with routers that send it); else RFC 3768's type 0 with zero data.
    let (want_type, want_data, expected) = match &s.auth_pass {
        Some(p) => {
            let mut d = [0; crate::wire::vrrp::AUTH_LEN];
            d[..p.len()].copy_from_slice(p.as_bytes());
            (
                1,
                d,
                format!("Auth Type 1 with the configured password `{p}` (RFC 2338 compatibility, as the scenario configures)"),
            )
        }
        None => (
            0,
            [0; crate::wire::vrrp::AUTH_LEN],
            "Auth Type 0, authentication data zero".into(),
        ),
    };
    per_advert(ctx, id, s, vm, expected, |a| {
        match (a.version, a.auth_type, a.auth_data) {
            (2, Some(t), _) if t != want_type => Some(format!(
                "Auth Type {t}{}",
                if t <= 2 && want_type == 0 {
                    " (RFC 2338 compatibility only)"
                } else {
                    ""
                }
            )),
            (2, _, Some(d)) if d != want_data => Some(if want_type == 0 {
                "authentication data is not zero".into()
            } else {
                "authentication data is not the configured password".into()
            }),
            _ => None,
        }
    })
}

pub(super) fn b7(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B7V3Reserved;
    if let Some(r) = only(id, s, None, Some(Protocol::VrrpV3)) {
        return r;
    }
    per_advert(ctx, id, s, vm, "reserved bits 0".into(), |a| {
        a.reserved
            .filter(|r| *r != 0)
            .map(|r| format!("reserved bits {r:#x}"))
    })
}

pub(super) fn b8(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B8Interval;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    let (want, unit) = if s.protocol == Protocol::VrrpV2 {
        (u64::from(s.interval_cs) / 100, "s")
    } else {
        (u64::from(s.interval_cs), "cs")
    };
    let given = match &s.inferred {
        None => "configured",
        Some(i) if i.interval_given => "given with --interval",
        Some(_) => "inferred: most adverts",
    };
    per_advert(
        ctx,
        id,
        s,
        vm,
        format!("interval {want}{unit} ({given}), non-zero"),
        |a| {
            let got = if a.version == 2 {
                a.summary.interval_ns / 1_000_000_000
            } else {
                a.summary.interval_ns / 10_000_000
            };
            let unit = if a.version == 2 { "s" } else { "cs" };
            if got == 0 {
                Some("interval 0".into())
            } else if a.version == s.protocol.version() && got != want {
                Some(format!("interval {got}{unit}"))
            } else {
                None
            }
        },
    )
}

pub(super) fn b9(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B9Checksum;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    for &ai in &vm.adverts {
        let a = &ctx.wire.adverts[ai as usize];
        let f = match a.summary.checksum {
            ChecksumStatus::Good => "good",
            ChecksumStatus::PseudoHeader => "IPv4 pseudo-header",
            ChecksumStatus::MessageOnly => "message only",
            ChecksumStatus::Bad => "bad",
        };
        *forms.entry(f).or_default() += 1;
    }
    let mut r = per_advert(
        ctx,
        id,
        s,
        vm,
        "a checksum that verifies (v3/IPv4: with the pseudo-header or over the message only)"
            .into(),
        |a| (a.summary.checksum == ChecksumStatus::Bad).then(|| "checksum does not verify".into()),
    );
    if r.status == Status::Pass {
        r.observed = format!(
            "{}: {}",
            r.observed,
            forms
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    r
}

/// b14: the HMAC of every CARP advert, computed with its sender's password (the routers
/// share one; a scenario may give a router another) over the VHID, the virtual addresses (for a
/// capture, those the masters announced) and the counter.
pub(super) fn b14(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B14CarpHmac;
    if !s.protocol.is_carp() {
        return not_applicable(id, &s.name, "VRRP: the HMAC is CARP's");
    }
    let Some(auth) = &s.carp_auth else {
        return not_applicable(
            id,
            &s.name,
            "the routers' password was not given (--carp-pass PASSWORD)",
        );
    };
    let vips: Vec<IpAddr> = if s.vips.is_empty() {
        super::model::carp_vips(ctx.wire, vm)
    } else {
        s.vips.iter().copied().filter(|a| a.is_ipv4()).collect()
    };
    if vips.is_empty() {
        return not_applicable(
            id,
            &s.name,
            "no virtual address was seen announced, and the HMAC covers them",
        );
    }
    let listed = vips
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let others = auth
        .passwords
        .iter()
        .map(|(r, _)| r.as_str())
        .collect::<Vec<_>>();
    let expected = if others.is_empty() {
        format!(
            "HMAC-SHA1 of the shared password over VHID {}, {listed} and the counter",
            s.vrid
        )
    } else {
        format!(
            "HMAC-SHA1 of the sender's password over VHID {}, {listed} and the counter (the shared one; {} another, which the others ignore)",
            s.vrid,
            others.join(", ")
        )
    };
    per_advert(ctx, id, s, vm, expected, |a| {
        let mac = a.summary.carp_auth.as_ref()?;
        let password = auth.password_of(ctx.node(a.node));
        let want = crate::scenario::Carp::hmac(password, s.vrid, &vips, mac.counter);
        (want != mac.hmac)
            .then(|| "its HMAC is not its password's: another password (or other addresses)".into())
    })
}

fn without_link_local(addrs: &[IpAddr]) -> BTreeSet<IpAddr> {
    addrs
        .iter()
        .filter(|a| !matches!(a, IpAddr::V6(v) if is_link_local(v)))
        .copied()
        .collect()
}

pub(super) fn b10(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B10Addresses;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    let want: BTreeSet<IpAddr> = if s.inferred.is_none() {
        s.vips.iter().copied().collect()
    } else {
        // The set most adverts carry.
        let mut counts: BTreeMap<BTreeSet<IpAddr>, usize> = BTreeMap::new();
        for &ai in &vm.adverts {
            *counts
                .entry(without_link_local(
                    &ctx.wire.adverts[ai as usize].summary.addrs,
                ))
                .or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(k, _)| k)
            .unwrap_or_default()
    };
    let show = |set: &BTreeSet<IpAddr>| {
        set.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let source = if s.inferred.is_none() {
        "configured"
    } else {
        "carried by most adverts"
    };
    per_advert(
        ctx,
        id,
        s,
        vm,
        format!("{} addresses {{{}}} ({source})", s.family, show(&want)),
        |a| {
            if let Some(x) = a
                .summary
                .addrs
                .iter()
                .find(|x| Family::of(x) != a.summary.family)
            {
                return Some(format!("address {x} is not of the IP header's family"));
            }
            let got = without_link_local(&a.summary.addrs);
            (got != want).then(|| format!("carries {{{}}}", show(&got)))
        },
    )
}

pub(super) fn b11(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B11Ipv6FirstLinkLocal;
    if let Some(r) = only(id, s, Some(Family::Ipv6), Some(Protocol::VrrpV3)) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "first address link-local (fe80::/10)".into(),
        |a| match a.summary.addrs.first() {
            Some(IpAddr::V6(v)) if is_link_local(v) => None,
            Some(x) => Some(format!("first address {x} is not link-local")),
            None => Some("no address".into()),
        },
    )
}

pub(super) fn b12(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::B12Length;
    if let Some(r) = only(id, s, None, None) {
        return r;
    }
    per_advert(
        ctx,
        id,
        s,
        vm,
        "length = 8 + count × address length (+ 8 authentication bytes for v2)".into(),
        |a| match a.length {
            LengthStatus::Exact => None,
            LengthStatus::Trailing(n) => Some(format!("{n} bytes beyond what the count says")),
            LengthStatus::Short(n) => Some(format!("{n} bytes short of what the count says")),
        },
    )
}

/// Protocol-112 frames that do not decode at all, per segment.
pub(super) fn b12_malformed(ctx: &Ctx) -> Vec<CheckResult> {
    let mut by_seg: BTreeMap<u16, Vec<(String, Evidence)>> = BTreeMap::new();
    for m in ctx.wire.malformed.iter().filter(|m| m.proto112) {
        let what = format!(
            "malformed VRRP/CARP message from {}: {}",
            if m.node == super::observe::NO_NODE {
                m.src_mac
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "?".into())
            } else {
                ctx.node(m.node).to_string()
            },
            m.error
        );
        by_seg.entry(m.seg).or_default().push((
            what.clone(),
            Evidence {
                segment: ctx.file(m.seg),
                frame: Some(m.frame),
                at_s: ctx.at(m.t),
                t_ns: m.t,
                note: what,
                router: None,
            },
        ));
    }
    by_seg
        .into_iter()
        .map(|(seg, bad)| {
            verdict_of(
                Check::B12Length,
                format!("segment {}", ctx.wire.segments[seg as usize].name),
                "every IP protocol 112 message decodes",
                "-",
                bad,
            )
        })
        .collect()
}
