//! e8: what the notify hooks move with mastership (a scenario's `notify.moves`: the address of
//! a coupled service, as the field's keepalived + quagga pair starts its routing daemon from
//! `notify_master` and stops it from `notify_backup`) is held where the master is, and only
//! there. No RFC bounds it; the daemons' own state does: a router runs its hook when it becomes
//! master (its first advert) or stops being master (its successor's first advert, or its own
//! priority-0 advert), so each change is allowed one Advertisement_Interval, the tolerance and
//! the hook's own run time (catalogue H2: "never on both nodes for longer than X").

use std::net::IpAddr;
use std::time::Duration;

use super::model::VrModel;
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, VrSpec};
use crate::events::{Change, Event};
use crate::scenario::duration::human;

/// What a hook may take to run: `/bin/sh` and an `ip addr` command, on a loaded machine.
const HOOK_RUN: Duration = Duration::from_millis(50);

/// When `node` held `address`, from the kernel's address events: the event that added it and
/// when it was dropped, the last one open to the end of the record.
fn holdings<'a>(
    events: &'a [Event],
    node: &str,
    address: IpAddr,
    end: u64,
) -> Vec<(&'a Event, u64)> {
    let ip = address.to_string();
    let mut out = Vec::new();
    let mut since: Option<&Event> = None;
    for e in events {
        let Some(a) = e.addr() else { continue };
        if a.node != node || a.ip != ip {
            continue;
        }
        match (a.event, since) {
            (Change::New, None) => since = Some(e),
            (Change::Del, Some(added)) => {
                out.push((added, e.t));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(added) = since {
        out.push((added, end));
    }
    out
}

/// When `node` was master, widened by `slack` on both sides.
fn tenures(vm: &VrModel, node: u16, slack: u64) -> Vec<(u64, u64)> {
    vm.tenures
        .iter()
        .filter(|t| t.node == node)
        .map(|t| {
            (
                t.first_t.saturating_sub(slack),
                t.until.saturating_add(slack),
            )
        })
        .collect()
}

/// The first moment of `[from, to)` that no interval of `cover` covers.
fn uncovered(from: u64, to: u64, cover: &[(u64, u64)]) -> Option<u64> {
    let mut t = from;
    while t < to {
        match cover
            .iter()
            .filter(|(a, b)| *a <= t && t < *b)
            .map(|c| c.1)
            .max()
        {
            Some(b) => t = b,
            None => return Some(t),
        }
    }
    None
}

pub(super) fn e8(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::E8HooksFollowMaster;
    if ctx.rec.is_none() {
        return not_applicable(
            id,
            &s.name,
            "needs the routers' address events and the scenario's hooks (a run directory)",
        );
    }
    let moves = s.moves();
    if moves.is_empty() {
        return not_applicable(id, &s.name, "the notify hooks move nothing (no `moves`)");
    }
    let slack = s.interval() + ctx.tolerance + HOOK_RUN;
    let slack_ns = slack.as_nanos() as u64;
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for &address in &moves {
        for (node, _) in &s.priorities {
            let Some(ni) = ctx.wire.node_index(node) else {
                continue;
            };
            let masters = tenures(vm, ni, slack_ns);
            let held = holdings(ctx.events, node, address, ctx.end);
            // Held only while master.
            for (added, to) in &held {
                if let Some(t) = uncovered(added.t, *to, &masters) {
                    let what = format!(
                        "{node} held {address} at {:.3}s while not master",
                        ctx.at(t)
                    );
                    let ev = ctx.event_ev(added, format!("{node}'s kernel adds {address}"));
                    bad.push((what, ev));
                }
            }
            // Held all the while master.
            let holding: Vec<(u64, u64)> = held.iter().map(|(a, to)| (a.t, *to)).collect();
            for t in vm.tenures.iter().filter(|t| t.node == ni) {
                let (from, to) = (t.first_t + slack_ns, t.until);
                if let Some(gap) = uncovered(from, to, &holding) {
                    bad.push((
                        format!(
                            "{node}, master from {:.3}s, did not hold {address} at {:.3}s",
                            ctx.at(t.first_t),
                            ctx.at(gap)
                        ),
                        ctx.advert_ev(t.adverts[0], format!("{node} becomes master")),
                    ));
                }
            }
            seen.push(format!(
                "{node}: {} holding(s) of {address}, {} tenure(s)",
                held.len(),
                vm.tenures.iter().filter(|t| t.node == ni).count()
            ));
        }
    }
    verdict_of(
        id,
        &s.name,
        format!(
            "what the hooks move is held by the master alone, from its first advert to its last, each change within one interval + tolerance + {} for the hook ({})",
            human(HOOK_RUN),
            human(slack)
        ),
        seen.join("; "),
        bad,
    )
}
