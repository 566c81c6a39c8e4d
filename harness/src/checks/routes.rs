//! e10: the upstream's route to a VIP held on `lo` follows the master (a cloud deployment: the
//! master holds the service address on its loopback and a BGP speaker announces it only while
//! it does). No RFC times BGP here; the RFC times the rest: the new master adds the VIP with
//! its first advert, its speaker announces the connected /32, the upstream installs the route.
//! The lab's sessions run without an advertisement interval, so the route must reach the new
//! master within one advertisement interval + tolerance + [`PROPAGATION`], and lead there until
//! its successor's first advert (or, a master gone silent, its last). The figure is the time from
//! the first advert to the route; the probes' gap is allowed [`PROPAGATION`] more than
//! Master_Down_Interval for it.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::{Tenure, VrModel};
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, VrSpec};
use crate::scenario::duration::human;

/// What a BGP update may take from the master's speaker to the upstream's kernel: zebra telling
/// bgpd of the connected route, one UPDATE, the upstream's bestpath run and its zebra
/// installing the route. FRR batches its work for up to a few hundred ms; measured here:
/// 79-121 ms (docs, cloud-bgp-vip).
pub const PROPAGATION: Duration = Duration::from_millis(500);

/// How long one master's route took to reach the upstream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteFollow {
    pub vrouter: String,
    pub vip: String,
    /// The node that learns the route.
    pub upstream: String,
    pub master: String,
    /// The master's first advert, seconds since the start of the run.
    pub at_s: f64,
    /// From that advert until the upstream's route led to the master; `None`: it never did
    /// while the master was.
    pub after_advert_ms: Option<f64>,
    pub bound_ms: f64,
}

impl RouteFollow {
    pub fn describe(&self) -> String {
        let took = match self.after_advert_ms {
            Some(ms) => format!("{ms:.1}ms after its first advert"),
            None => "never, while it was master".into(),
        };
        format!(
            "{} {}: {}'s route to {} reached {} (master at {:.3}s) {took} (bound {:.1}ms)",
            self.vrouter, self.vip, self.upstream, self.vip, self.master, self.at_s, self.bound_ms
        )
    }
}

/// The route of `upstream` to `vip`/32 over time: (when, next hop), `None` once deleted.
fn route_states(ctx: &Ctx, upstream: &str, vip: IpAddr) -> Vec<(u64, Option<IpAddr>)> {
    let dst = format!("{vip}/32");
    ctx.events
        .iter()
        .filter_map(|e| {
            let r = e.route()?;
            if r.node != upstream || r.dst != dst {
                return None;
            }
            let via = match r.event {
                crate::events::Change::New => r.via.as_deref().and_then(|v| v.parse().ok()),
                crate::events::Change::Del => None,
            };
            Some((e.t, via))
        })
        .collect()
}

/// The nodes that learn the VIPs: BGP speakers that are not routers of the virtual router.
fn upstreams<'a>(ctx: &'a Ctx, s: &VrSpec) -> Vec<&'a str> {
    let Some(rec) = ctx.rec else {
        return Vec::new();
    };
    rec.scenario
        .nodes
        .iter()
        .filter(|n| n.bgp.is_some() && s.priority_of(&n.name).is_none())
        .map(|n| n.name.as_str())
        .collect()
}

/// The addresses of `node` a route may lead to it by.
fn addresses_of(ctx: &Ctx, node: &str) -> Vec<IpAddr> {
    ctx.rec
        .and_then(|r| r.scenario.node(node))
        .map(|n| n.addresses().collect())
        .unwrap_or_default()
}

/// One master's tenure against the upstream's route: when it first led to the master (ns
/// after the first advert), and the first later moment it led elsewhere while the master
/// still advertised (a master that died may take its VIP, and so its route, with it: that is
/// the route following mastership, not leaving it).
fn follow(
    states: &[(u64, Option<IpAddr>)],
    tenure: &Tenure,
    mine: &[IpAddr],
) -> (Option<u64>, Option<u64>) {
    let leads = |via: &Option<IpAddr>| via.is_some_and(|v| mine.contains(&v));
    let before = states
        .iter()
        .rev()
        .find(|(t, _)| *t <= tenure.first_t)
        .is_some_and(|(_, via)| leads(via));
    let reached = if before {
        Some(0)
    } else {
        states
            .iter()
            .find(|(t, via)| *t > tenure.first_t && *t <= tenure.until && leads(via))
            .map(|(t, _)| t - tenure.first_t)
    };
    let left = reached.and_then(|r| {
        states
            .iter()
            .find(|(t, via)| *t > tenure.first_t + r && *t < tenure.last_t && !leads(via))
            .map(|(t, _)| *t)
    });
    (reached, left)
}

/// Each master's route at each upstream, for the tenures after the upstream first learnt the
/// VIP (before, its sessions were still coming up).
pub fn follows(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> Vec<(RouteFollow, Option<u64>, u32)> {
    if s.vip_interface.is_none() {
        return Vec::new();
    }
    let bound = s.interval() + ctx.tolerance + PROPAGATION;
    let mut out = Vec::new();
    for up in upstreams(ctx, s) {
        for vip in &s.vips {
            let states = route_states(ctx, up, *vip);
            let Some(learnt) = states.first().map(|(t, _)| *t) else {
                continue;
            };
            for t in vm.tenures.iter().filter(|t| t.first_t >= learnt) {
                let master = ctx.node(t.node);
                let (reached, left) = follow(&states, t, &addresses_of(ctx, master));
                out.push((
                    RouteFollow {
                        vrouter: s.name.clone(),
                        vip: vip.to_string(),
                        upstream: up.to_string(),
                        master: master.to_string(),
                        at_s: ctx.at(t.first_t),
                        after_advert_ms: reached.map(|r| r as f64 / 1e6),
                        bound_ms: bound.as_secs_f64() * 1e3,
                    },
                    left,
                    t.adverts[0],
                ));
            }
        }
    }
    out
}

pub(super) fn e10(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E10RouteFollowsMaster;
    if s.vip_interface.is_none() {
        return not_applicable(
            id,
            &s.name,
            "the VIPs are on the segment, not on lo behind a route",
        );
    }
    if upstreams(ctx, s).is_empty() {
        return not_applicable(
            id,
            &s.name,
            "no upstream learns the VIPs (no other node has `bgp`)",
        );
    }
    let all = follows(ctx, s, vm);
    if all.is_empty() {
        return not_applicable(id, &s.name, "no upstream learnt a route to the VIPs");
    }
    let mut bad = Vec::new();
    for (f, left, first) in &all {
        let late = f.after_advert_ms.is_none_or(|ms| ms > f.bound_ms);
        let what = match left {
            _ if late => f.describe(),
            Some(t) => format!(
                "{}'s route to {} left {} at {:.3}s while it was still master",
                f.upstream,
                f.vip,
                f.master,
                ctx.at(*t)
            ),
            None => continue,
        };
        bad.push((
            what,
            ctx.advert_ev(*first, format!("first advert of {}", f.master)),
        ));
    }
    let worst = all
        .iter()
        .filter_map(|(f, _, _)| f.after_advert_ms)
        .fold(0.0, f64::max);
    verdict_of(
        id,
        &s.name,
        format!(
            "the upstream's route to each VIP leads to the master within {} of its first advert (one interval + tolerance + {} for BGP) and until its successor's",
            human(s.interval() + ctx.tolerance + PROPAGATION),
            human(PROPAGATION)
        ),
        format!("{} masters followed, the slowest in {worst:.1}ms", all.len()),
        bad,
    )
}
