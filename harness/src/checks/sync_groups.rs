//! e9: the members of a sync group (a scenario's `[sync_groups]`, keepalived's
//! `vrrp_sync_group`) have one master. No RFC has sync groups — the RFC's virtual routers are
//! independent, and each member's own changes are still judged by c2, c5 and the rest — so the
//! bound is the RFC's for the slowest member: whenever a router becomes master of one member,
//! it is master of every other member within that member's longest Master_Down_Interval (its
//! lowest-priority router's) + tolerance, before or after. A router left master of one member
//! while its peer took the others is the split the group exists to prevent: traffic in through
//! one router, out through the other.

use std::time::Duration;

use super::model::{down_interval, VrModel};
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, VrSpec};
use crate::scenario::duration::human;
use crate::scenario::SyncGroup;

const SUBJECT: &str = "sync groups";

pub(super) fn e9(ctx: &Ctx) -> Vec<CheckResult> {
    let id = Check::E9SyncGroupTogether;
    let Some(rec) = ctx.rec else {
        return vec![not_applicable(
            id,
            SUBJECT,
            "sync groups are the scenario's: a capture names none",
        )];
    };
    if rec.scenario.sync_groups.is_empty() {
        return vec![not_applicable(
            id,
            SUBJECT,
            "the scenario has no [sync_groups]",
        )];
    }
    rec.scenario
        .sync_groups
        .iter()
        .map(|g| together(ctx, g))
        .collect()
}

/// The slowest change of master the RFC allows a member: Master_Down_Interval of its
/// lowest-priority router.
fn slowest(s: &VrSpec) -> Duration {
    s.priorities
        .iter()
        .map(|(_, p)| down_interval(s, u16::from(*p), s.interval_cs))
        .max()
        .unwrap_or_default()
}

fn together(ctx: &Ctx, g: &SyncGroup) -> CheckResult {
    let id = Check::E9SyncGroupTogether;
    let subject = format!("{} ({})", g.name, g.vrouters.join(", "));
    let members: Vec<(&VrSpec, &VrModel)> = g
        .vrouters
        .iter()
        .filter_map(|name| {
            let i = ctx.vrs.iter().position(|s| &s.name == name)?;
            Some((&ctx.vrs[i], ctx.model.vrs.get(i)?))
        })
        .collect();
    let bound = members
        .iter()
        .map(|(s, _)| slowest(s))
        .max()
        .unwrap_or_default()
        + ctx.tolerance;
    let b = bound.as_nanos() as u64;
    let mut bad = Vec::new();
    let mut judged = 0;
    for (s, vm) in &members {
        for t in &vm.tenures {
            if t.first_t + b > ctx.end {
                continue;
            }
            judged += 1;
            let node = ctx.node(t.node);
            for (o, om) in members.iter().filter(|(o, _)| o.name != s.name) {
                let with = om.tenures.iter().any(|u| {
                    u.node == t.node
                        && u.first_t <= t.first_t + b
                        && u.until >= t.first_t.saturating_sub(b)
                });
                if !with {
                    let other = om.master_at(t.first_t + b).map_or("none".to_string(), |i| {
                        ctx.node(om.tenures[i].node).to_string()
                    });
                    bad.push((
                        format!(
                            "{node} became master of {} at {:.3}s, but not of {} within {}: its master then was {other}",
                            s.name,
                            ctx.at(t.first_t),
                            o.name,
                            human(bound)
                        ),
                        ctx.advert_ev(t.adverts[0], format!("first advert of {node} for {}", s.name)),
                    ));
                }
            }
        }
    }
    if judged == 0 {
        return not_applicable(
            id,
            subject,
            format!(
                "no master of a member took office at least {} before the end of the record",
                human(bound)
            ),
        );
    }
    verdict_of(
        id,
        subject,
        format!(
            "whoever becomes master of one member is master of every member within {} (the slowest member's Master_Down_Interval + tolerance)",
            human(bound)
        ),
        format!("{judged} changes of master, each followed by every member"),
        bad,
    )
}
