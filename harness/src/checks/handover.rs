//! Handovers of addresses at each change of master: who held each address when, whether the
//! old master still used it with its own MAC, and how long each host's neighbour entry kept
//! naming the router that left. A measurement, not a check: for an address the scenario's
//! notify hooks move (beside the VRRP of another family, as in the 2004 freevrrpd report) no
//! RFC states a bound; for a VIP it sets the figures beside the checks that judge it (E2, E6).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use super::forwarding::router_macs;
use super::model::Kind;
use super::observe::{What, NO_NODE};
use super::run_checks::outage;
use super::Ctx;
use crate::events::{Change, Event, Probe};
use crate::wire::MacAddr;

/// One address at one change of master.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handover {
    pub vrouter: String,
    pub address: String,
    /// `vip` (the daemon moves it, with the virtual MAC) or `hook` (the notify hooks move it,
    /// with each router's own MAC).
    pub moved_by: String,
    pub from: String,
    pub to: String,
    /// The new master's first advert, seconds since the start of the run.
    pub at_s: f64,
    /// When the old master's kernel dropped the address, ms after the takeover (negative:
    /// before it); `None`: it kept it until the end of the run, or never had it.
    pub old_dropped_ms: Option<f64>,
    /// When the new master's kernel got the address, ms after the takeover.
    pub new_added_ms: Option<f64>,
    /// Frames the old master sent after the takeover that used the address with its own MAC
    /// (sourced from it, or an ARP/NA naming it).
    pub old_used: usize,
    /// The last of them, ms after the takeover.
    pub old_used_last_ms: Option<f64>,
    pub hosts: Vec<HostView>,
}

/// What one host saw of a handover.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostView {
    pub host: String,
    /// How long after the takeover its neighbour entry for the address still named the old
    /// master's own MAC (in all, until the next change of master or the end of the run).
    pub stale_ms: f64,
    /// It still did when the window ended.
    pub stale_at_end: bool,
    /// Its longest run of unanswered probes to the address in the window, if it probed it.
    pub outage_ms: Option<f64>,
}

impl Handover {
    /// One line for the text report.
    pub fn describe(&self) -> String {
        let ms = |v: Option<f64>, what: &str| match v {
            Some(x) if x < 0.0 => format!("{what} {:.1}ms before", -x),
            Some(x) => format!("{what} {x:.1}ms after"),
            None => format!("{what}: never"),
        };
        let mut s = format!(
            "{} {} ({}) {} → {} at {:.3}s: {}, {}",
            self.vrouter,
            self.address,
            self.moved_by,
            self.from,
            self.to,
            self.at_s,
            ms(self.old_dropped_ms, &format!("{} dropped it", self.from)),
            ms(self.new_added_ms, &format!("{} added it", self.to)),
        );
        match self.old_used_last_ms {
            Some(last) => s.push_str(&format!(
                "; {} used it with its own MAC {} times, the last {last:.1}ms after",
                self.from, self.old_used
            )),
            None => s.push_str(&format!("; {} never used it after", self.from)),
        }
        for h in &self.hosts {
            s.push_str(&format!(
                "; {}'s entry named {} for {:.1}ms{}",
                h.host,
                self.from,
                h.stale_ms,
                if h.stale_at_end {
                    " (still at the end)"
                } else {
                    ""
                }
            ));
            if let Some(o) = h.outage_ms {
                s.push_str(&format!(", outage {o:.1}ms"));
            }
        }
        s
    }
}

/// Every handover of a run: for each change of master to another router, each VIP and each
/// address the virtual router's hooks move.
pub fn handovers(ctx: &Ctx) -> Vec<Handover> {
    let Some(rec) = ctx.rec else {
        return Vec::new();
    };
    let macs = router_macs(ctx);
    let mut out = Vec::new();
    for (vm, s) in ctx.model.vrs.iter().zip(&ctx.vrs) {
        let addresses = s
            .vips
            .iter()
            .map(|a| (*a, "vip"))
            .chain(s.moves().into_iter().map(|a| (a, "hook")));
        let changes: Vec<(u16, u16, u64)> = vm
            .transitions
            .iter()
            // A contest is no handover: the old master outranks the newcomer and stays.
            .filter(|tr| tr.kind != Kind::Contest)
            .filter_map(|tr| {
                let old = &vm.tenures[tr.from?];
                let new = &vm.tenures[tr.to];
                (old.node != new.node && old.node != NO_NODE).then_some((old.node, new.node, tr.at))
            })
            .collect();
        for (k, &(old, new, at)) in changes.iter().enumerate() {
            let until = changes.get(k + 1).map_or(ctx.end, |c| c.2);
            let (from, to) = (ctx.node(old).to_string(), ctx.node(new).to_string());
            let own: Vec<MacAddr> = macs
                .iter()
                .filter(|(_, n)| *n == from)
                .map(|(m, _)| *m)
                .collect();
            for (address, moved_by) in addresses.clone() {
                let rel = |t: u64| (t as f64 - at as f64) / 1e6;
                let used: Vec<u64> = ctx
                    .wire
                    .obs
                    .iter()
                    .filter(|o| o.t > at && o.t < until && o.seg == s.seg && o.node == old)
                    .filter(|o| own.contains(&o.src_mac))
                    .filter(|o| names(&o.what, o.src_ip, address))
                    .map(|o| o.t)
                    .collect();
                out.push(Handover {
                    vrouter: s.name.clone(),
                    address: address.to_string(),
                    moved_by: moved_by.into(),
                    from: from.clone(),
                    to: to.clone(),
                    at_s: ctx.at(at),
                    old_dropped_ms: addr_change(ctx.events, &from, address, Change::Del, at, until)
                        .map(rel),
                    new_added_ms: addr_change(ctx.events, &to, address, Change::New, at, until)
                        .map(rel),
                    old_used: used.len(),
                    old_used_last_ms: used.last().map(|t| rel(*t)),
                    hosts: rec
                        .scenario
                        .probe
                        .from
                        .iter()
                        .filter(|h| rec.scenario.probe_targets(h).contains(&address))
                        .map(|h| host_view(ctx, h, address, &own, at, until))
                        .collect(),
                });
            }
        }
    }
    out
}

/// Whether a frame uses `address`: sourced from it, or an ARP or NA naming it.
fn names(what: &What, src: Option<IpAddr>, address: IpAddr) -> bool {
    match (what, address) {
        (What::Arp { sender_ip, .. }, IpAddr::V4(a)) => *sender_ip == a,
        (What::Na { target, .. }, IpAddr::V6(a)) => *target == a,
        _ => src == Some(address),
    }
}

/// When `node`'s kernel dropped (`del`) or got (`new`) the address around the takeover at
/// `at`: the first such change from one second before it (a graceful leaver drops its
/// addresses before its successor's first advert) to the next change of master.
fn addr_change(
    events: &[Event],
    node: &str,
    address: IpAddr,
    event: Change,
    at: u64,
    until: u64,
) -> Option<u64> {
    let ip = address.to_string();
    let from = at.saturating_sub(1_000_000_000);
    events
        .iter()
        .filter(|e| e.t >= from && e.t < until)
        .filter_map(|e| Some((e.t, e.addr()?)))
        .find(|(_, a)| a.node == node && a.ip == ip && a.event == event)
        .map(|(t, _)| t)
}

/// How long `host`'s entry for `address` named one of `own` (the old master's MACs) within
/// `[at, until)`, and its probe outage there.
fn host_view(
    ctx: &Ctx,
    host: &str,
    address: IpAddr,
    own: &[MacAddr],
    at: u64,
    until: u64,
) -> HostView {
    let ip = address.to_string();
    let entries: Vec<(u64, bool)> = ctx
        .events
        .iter()
        .filter(|e| e.t < until)
        .filter_map(|e| Some((e.t, e.neigh()?)))
        .filter(|(_, n)| n.node == host && n.ip == ip)
        .map(|(t, n)| {
            let names_old = n.event == Change::New && n.mac.is_some_and(|m| own.contains(&m));
            (t, names_old)
        })
        .collect();
    let (stale, stale_at_end) = stale_time(&entries, at, until);
    let probes: Vec<(u64, &Probe)> = ctx
        .events
        .iter()
        .filter_map(|e| Some((e.t, e.probe()?)))
        .filter(|(_, p)| p.node == host && p.target == ip)
        .collect();
    let outage_ms = (!probes.is_empty()).then(|| outage(&probes, at, until).0 .0 as f64 / 1e6);
    HostView {
        host: host.to_string(),
        stale_ms: stale as f64 / 1e6,
        stale_at_end,
        outage_ms,
    }
}

/// How long in `[at, until)` an entry named the old master, from its changes in time order
/// (`true`: this change names the old master), and whether it still did at `until`.
fn stale_time(entries: &[(u64, bool)], at: u64, until: u64) -> (u64, bool) {
    let at_takeover = entries.iter().rev().find(|(t, _)| *t <= at);
    let mut stale_since = at_takeover.is_some_and(|(_, old)| *old).then_some(at);
    let mut total = 0u64;
    for &(t, old) in entries.iter().filter(|(t, _)| *t > at && *t < until) {
        match (stale_since, old) {
            (Some(since), false) => {
                total += t - since;
                stale_since = None;
            }
            (None, true) => stale_since = Some(t),
            _ => {}
        }
    }
    if let Some(since) = stale_since {
        total += until.saturating_sub(since);
    }
    (total, stale_since.is_some())
}

#[cfg(test)]
mod tests {
    use super::stale_time;

    #[test]
    fn an_entry_naming_the_old_master_at_the_takeover_is_stale_until_it_changes() {
        // Learnt before the takeover at 100, replaced at 130.
        assert_eq!(
            stale_time(&[(10, true), (130, false)], 100, 1000),
            (30, false)
        );
        // Never replaced: stale to the end of the window.
        assert_eq!(stale_time(&[(10, true)], 100, 1000), (900, true));
        // A later change in the next window does not count.
        assert_eq!(
            stale_time(&[(10, true), (2000, false)], 100, 1000),
            (900, true)
        );
    }

    #[test]
    fn a_poisoning_after_the_takeover_counts_each_time() {
        // Right at the takeover, poisoned at 200 until 250, again from 400 to 410.
        let e = [
            (10, false),
            (200, true),
            (250, false),
            (400, true),
            (410, false),
        ];
        assert_eq!(stale_time(&e, 100, 1000), (60, false));
        // Still poisoned at the end.
        assert_eq!(
            stale_time(&[(10, false), (900, true)], 100, 1000),
            (100, true)
        );
    }

    #[test]
    fn an_entry_that_never_named_the_old_master_is_never_stale() {
        assert_eq!(stale_time(&[], 100, 1000), (0, false));
        assert_eq!(
            stale_time(&[(10, false), (500, false)], 100, 1000),
            (0, false)
        );
    }
}
