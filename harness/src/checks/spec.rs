//! What each virtual router is expected to be: from the scenario of a run directory, or, for a
//! capture from anywhere, inferred from its adverts (and the flags a person gave).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

use super::observe::{AdvertObs, Observed};
use crate::scenario::{Family, Protocol, Scenario, Vrouter};
use crate::wire::MacAddr;

/// A virtual router as the checks see it.
#[derive(Debug, Clone)]
pub struct VrSpec {
    pub name: String,
    pub seg: u16,
    pub segment: String,
    pub family: Family,
    pub vrid: u8,
    pub protocol: Protocol,
    /// Advertisement interval, centiseconds (v2: seconds × 100; CARP: advbase × 100).
    pub interval_cs: u16,
    pub vips: Vec<IpAddr>,
    pub vmac: bool,
    /// Where the master holds the VIPs instead of the segment's interface (`lo`).
    pub vip_interface: Option<String>,
    /// VRRPv2: the simple text password the routers are configured with, if any.
    pub auth_pass: Option<String>,
    pub preempt: bool,
    pub preempt_delay_cs: u32,
    pub accept: bool,
    pub unicast: bool,
    /// (node, configured priority).
    pub priorities: Vec<(String, u8)>,
    /// Addresses the scenario's notify hooks move with mastership (not VIPs).
    pub moves: Vec<IpAddr>,
    /// What each router watches to adjust its priority (a scenario's `track`).
    pub track: Vec<crate::scenario::Track>,
    /// CARP: the password the routers share and any router's other one, if known (verifies
    /// the adverts' HMAC).
    pub carp_auth: Option<crate::scenario::Carp>,
    /// `None` for a scenario's virtual router.
    pub inferred: Option<Inferred>,
}

/// How an inferred virtual router's parameters were found.
#[derive(Debug, Clone, Default)]
pub struct Inferred {
    pub version_given: bool,
    pub interval_given: bool,
    /// `--no-vmac`: the person said the deployment does not use the virtual router MAC.
    pub no_vmac_given: bool,
}

/// What a person told `vrlab check FILE` about the capture.
#[derive(Debug, Clone, Default)]
pub struct CaptureHints {
    pub vrid: Option<u8>,
    pub version: Option<u8>,
    pub interval: Option<Duration>,
    pub tolerance: Option<Duration>,
    /// The routers advertise to unicast peers.
    pub unicast: bool,
    /// The deployment does not use the virtual router MAC.
    pub no_vmac: bool,
    /// The CARP password the routers share.
    pub carp_pass: Option<String>,
    /// The CARP virtual hosts' addresses (their adverts carry none).
    pub vips: Vec<IpAddr>,
    /// (address as the capture names a sender, the name to show instead).
    pub names: Vec<(String, String)>,
}

impl CaptureHints {
    /// Whether a person said anything about the capture.
    pub fn given(&self) -> bool {
        self.vrid.is_some()
            || self.version.is_some()
            || self.interval.is_some()
            || self.tolerance.is_some()
            || self.unicast
            || self.no_vmac
            || self.carp_pass.is_some()
            || !self.vips.is_empty()
            || !self.names.is_empty()
    }
}

impl VrSpec {
    pub fn from_scenario(v: &Vrouter, seg: u16) -> VrSpec {
        VrSpec {
            name: v.name.clone(),
            seg,
            segment: v.segment.clone(),
            family: v.family,
            vrid: v.vrid,
            protocol: v.protocol,
            interval_cs: v.interval_cs,
            vips: v.vips.clone(),
            vmac: v.vmac,
            vip_interface: v.vip_interface.clone(),
            auth_pass: v.auth_pass.clone(),
            preempt: v.preempt,
            preempt_delay_cs: v.preempt_delay_cs,
            accept: v.accept,
            unicast: v.unicast,
            priorities: v.priorities.clone(),
            moves: v.notify.iter().flat_map(|n| n.moves.clone()).collect(),
            track: v.track.clone(),
            carp_auth: v.carp_auth.clone(),
            inferred: None,
        }
    }

    /// A CARP advert whose HMAC is not the shared password's (over this virtual router's
    /// addresses): a router with the password ignores it, so it is no part of the election.
    /// Unknown (false) without the password or the addresses.
    pub fn carp_stranger(&self, a: &AdvertObs) -> bool {
        let (Some(shared), Some(auth)) = (&self.carp_auth, &a.summary.carp_auth) else {
            return false;
        };
        !self.vips.is_empty() && !shared.authentic(self.vrid, &self.vips, auth)
    }

    /// The virtual router MAC ([`Protocol::vmac`]).
    pub fn vmac_addr(&self) -> MacAddr {
        self.protocol.vmac(self.family, self.vrid)
    }

    /// The priorities `node` may advertise while the virtual router is up: its configured
    /// one and, where it tracks something, that lowered by the weights of any of its tracked
    /// things that fail (the address owner's 255 does not move).
    pub fn priorities_of(&self, node: &str) -> BTreeSet<u8> {
        let mut out: BTreeSet<u8> = self.priority_of(node).into_iter().collect();
        for t in &self.track {
            let lowered: Vec<u8> = out.iter().filter_map(|p| t.failed_priority(*p)).collect();
            out.extend(lowered);
        }
        out
    }

    pub fn priority_of(&self, node: &str) -> Option<u8> {
        self.priorities
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, p)| *p)
    }

    pub fn kind(&self) -> &'static str {
        self.protocol.name()
    }

    /// The scenario model of this router with `interval_cs` as its (learnt) interval: the RFC
    /// formulas (`skew_time`, `master_down_interval`) live there.
    pub fn vrouter(&self, interval_cs: u16) -> Vrouter {
        Vrouter {
            name: self.name.clone(),
            vrid: self.vrid,
            protocol: self.protocol,
            family: self.family,
            segment: self.segment.clone(),
            vips: self.vips.clone(),
            interval_cs: if interval_cs == 0 {
                self.interval_cs
            } else {
                interval_cs
            },
            preempt: self.preempt,
            preempt_delay_cs: self.preempt_delay_cs,
            accept: self.accept,
            vmac: self.vmac,
            vip_interface: self.vip_interface.clone(),
            auth_pass: self.auth_pass.clone(),
            unicast: self.unicast,
            priorities: self.priorities.clone(),
            notify: None,
            track: self.track.clone(),
            carp_auth: self.carp_auth.clone(),
        }
    }

    pub fn interval(&self) -> Duration {
        Duration::from_millis(u64::from(self.interval_cs) * 10)
    }

    /// Why frames are not held to the virtual router MAC, when they are not: the scenario
    /// turned it off, or the person judging a capture said the deployment does not use it.
    pub fn vmac_off(&self) -> Option<&'static str> {
        match &self.inferred {
            None if !self.vmac => Some("the scenario sets vmac = false"),
            Some(i) if i.no_vmac_given => {
                Some("--no-vmac: the deployment does not use the virtual router MAC")
            }
            _ => None,
        }
    }

    /// Why no host resolves the VIPs on the segment, when none does: the routers hold them on
    /// another interface (`lo`), and routing leads traffic to them.
    pub fn routed(&self) -> Option<String> {
        self.vip_interface.as_ref().map(|dev| {
            format!("the VIPs are held on {dev} and reached by routing: nothing announces them on the segment")
        })
    }

    /// Why adverts are not held to the multicast groups, when they are not.
    pub fn unicast_peers(&self) -> Option<&'static str> {
        match (&self.inferred, self.unicast) {
            (_, false) => None,
            (None, true) => Some("the scenario sets unicast peers (outside the RFCs)"),
            (Some(_), true) => Some("--unicast: adverts go to unicast peers (outside the RFCs)"),
        }
    }
}

/// The scenario's virtual routers, with their segment index in `wire`.
pub fn from_scenario(scn: &Scenario, wire: &Observed) -> Vec<VrSpec> {
    scn.vrouters
        .iter()
        .map(|v| {
            let seg = wire
                .segments
                .iter()
                .position(|s| s.name == v.segment)
                .unwrap_or(usize::from(u16::MAX)) as u16;
            VrSpec::from_scenario(v, seg)
        })
        .collect()
}

fn most_common<T: Ord + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v)
}

/// One virtual router per (segment, family, VRID, CARP) seen in the adverts, with its version,
/// interval and addresses inferred, or as the hints say.
pub fn infer(wire: &Observed, hints: &CaptureHints) -> Vec<VrSpec> {
    let mut keys: BTreeMap<(u16, Family, u8, bool), Vec<&AdvertObs>> = BTreeMap::new();
    for a in &wire.adverts {
        if hints.vrid.is_some_and(|v| v != a.summary.vrid) {
            continue;
        }
        keys.entry((a.seg, a.summary.family, a.summary.vrid, a.is_carp()))
            .or_default()
            .push(a);
    }
    keys.into_iter()
        .map(|((seg, family, vrid, carp), ads)| {
            let protocol = if carp {
                Protocol::Carp
            } else {
                hints
                    .version
                    .or_else(|| most_common(ads.iter().map(|a| a.version)))
                    .and_then(Protocol::vrrp)
                    .unwrap_or(Protocol::VrrpV3)
            };
            let to_cs = |a: &AdvertObs| (a.summary.interval_ns / 10_000_000).min(4095) as u16;
            let interval_cs = match hints.interval {
                Some(d) => (d.as_millis() / 10).clamp(1, 65535) as u16,
                None => most_common(
                    ads.iter()
                        .filter(|a| carp || a.version == protocol.version())
                        .filter(|a| !a.leaving())
                        .map(|a| to_cs(a)),
                )
                .or_else(|| most_common(ads.iter().map(|a| to_cs(a))))
                .unwrap_or(100),
            };
            let mut vips: BTreeSet<IpAddr> = ads
                .iter()
                .flat_map(|a| a.summary.addrs.iter().copied())
                .collect();
            if carp && vips.is_empty() {
                // CARP adverts carry no addresses: the person's, of this family.
                vips = hints
                    .vips
                    .iter()
                    .filter(|a| Family::of(a) == family)
                    .copied()
                    .collect();
            }
            let mut prios: BTreeMap<String, u8> = BTreeMap::new();
            for a in &ads {
                let e = prios.entry(wire.node_name(a.node).to_string()).or_insert(0);
                let r = if carp {
                    255 - a.summary.carp_advskew.unwrap_or(0)
                } else {
                    a.priority()
                };
                *e = (*e).max(r);
            }
            let vmac_mac = protocol.vmac(family, vrid);
            let from_vmac = ads
                .iter()
                .filter(|a| a.summary.src_mac == Some(vmac_mac))
                .count();
            let mut name = if carp {
                format!("VHID {vrid} (CARP)")
            } else {
                format!("VRID {vrid} ({family})")
            };
            if wire.segments.len() > 1 {
                name = format!("{name} on {}", wire.segments[seg as usize].name);
            }
            VrSpec {
                name,
                seg,
                segment: wire.segments[seg as usize].name.clone(),
                family,
                vrid,
                protocol,
                interval_cs,
                vips: vips.into_iter().collect(),
                vmac: !hints.no_vmac && from_vmac * 2 >= ads.len(),
                vip_interface: None,
                auth_pass: None,
                preempt: true,
                preempt_delay_cs: 0,
                accept: false,
                unicast: hints.unicast,
                priorities: prios.into_iter().filter(|(_, p)| *p > 0).collect(),
                moves: Vec::new(),
                track: Vec::new(),
                carp_auth: hints.carp_pass.clone().filter(|_| carp).map(|password| {
                    crate::scenario::Carp {
                        password,
                        passwords: Vec::new(),
                    }
                }),
                inferred: Some(Inferred {
                    version_given: hints.version.is_some(),
                    interval_given: hints.interval.is_some(),
                    no_vmac_given: hints.no_vmac,
                }),
            }
        })
        .collect()
}
