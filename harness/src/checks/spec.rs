//! What each virtual router is expected to be: from the scenario of a run directory, or, for a
//! capture from anywhere, inferred from its adverts (and the flags a person gave).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

use super::observe::{AdvertObs, Observed};
use crate::scenario::{Family, Protocol, Scenario, Vrouter};

/// A virtual router as the checks see it: the scenario's, or one inferred from a capture's
/// adverts, on segment `seg` of the wire. Its parameters and RFC formulas are the one
/// [`Vrouter`]'s (reached through `Deref`); what is the judge's alone is here.
#[derive(Debug, Clone)]
pub struct VrSpec {
    pub vr: Vrouter,
    /// Its segment's index in the wire's segments.
    pub seg: u16,
    /// `None` for a scenario's virtual router.
    pub inferred: Option<Inferred>,
}

impl std::ops::Deref for VrSpec {
    type Target = Vrouter;
    fn deref(&self) -> &Vrouter {
        &self.vr
    }
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
            vr: v.clone(),
            seg,
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
                vr: Vrouter {
                    name,
                    vrid,
                    protocol,
                    family,
                    segment: wire.segments[seg as usize].name.clone(),
                    vips: vips.into_iter().collect(),
                    interval_cs,
                    preempt: true,
                    preempt_delay_cs: 0,
                    accept: false,
                    vmac: !hints.no_vmac && from_vmac * 2 >= ads.len(),
                    vip_interface: None,
                    unicast: hints.unicast,
                    auth_pass: None,
                    priorities: prios.into_iter().filter(|(_, p)| *p > 0).collect(),
                    notify: None,
                    track: Vec::new(),
                    carp_auth: hints.carp_pass.clone().filter(|_| carp).map(|password| {
                        crate::scenario::Carp {
                            password,
                            passwords: Vec::new(),
                        }
                    }),
                },
                seg,
                inferred: Some(Inferred {
                    version_given: hints.version.is_some(),
                    interval_given: hints.interval.is_some(),
                    no_vmac_given: hints.no_vmac,
                }),
            }
        })
        .collect()
}
