//! c14: what tracking does to mastership when an operator's command breaks or repairs what
//! the routers watch (a scenario's `track`, an `exec` step with `track = "down"` or `"up"`).
//!
//! No RFC has tracking; the RFC has the rest of the chain. A master whose tracked script fails
//! advertises its lowered priority; a backup that now outranks it and pre-empts discards those
//! adverts (RFC 5798 §6.4.2), so its Master_Down_Timer runs out and it becomes master; the old
//! master hears a higher priority and backs up (§6.4.3). Repaired, the router is a backup that
//! outranks the master: the same, the other way round. So the new master's first advert comes
//! at most the detection time (script interval × fall or rise; an interface at once) plus the
//! new master's Master_Down_Interval (plus its preemption delay) after the command; each run
//! of a script is allowed [`SCRIPT_RUN`] of its own.

use std::time::Duration;

use super::model::VrModel;
use super::{not_applicable, verdict_of, Check, CheckResult, Ctx, VrSpec};
use crate::events::Fault;
use crate::scenario::duration::human;
use crate::scenario::TrackTurn;

/// What each run of a tracked script may add to its interval: `/bin/sh` starting and the
/// check itself, on a loaded machine.
const SCRIPT_RUN: Duration = Duration::from_millis(50);

/// An operator's command that the scenario says turns what the node tracks down or up.
struct Turn<'a> {
    t: u64,
    node: &'a str,
    turn: TrackTurn,
    event: &'a crate::events::Event,
}

fn turns<'a>(ctx: &'a Ctx, s: &VrSpec) -> Vec<Turn<'a>> {
    ctx.events
        .iter()
        .filter_map(|e| match e.fault()? {
            Fault::Exec {
                node,
                track: Some(turn),
                ..
            } if s.priority_of(node).is_some() => Some(Turn {
                t: e.t,
                node,
                turn: *turn,
                event: e,
            }),
            _ => None,
        })
        .collect()
}

/// The priority `node` advertises while everything it tracks fails: `None` in Fault.
fn failed_priority(s: &VrSpec, base: u8) -> Option<u8> {
    s.track.iter().try_fold(base, |p, t| t.failed_priority(p))
}

/// The router that should be master after the turn, if mastership should move: (node, its
/// priority then).
fn successor(s: &VrSpec, turn: &Turn, master: &str) -> Result<(String, u8), String> {
    let base = s.priority_of(turn.node).unwrap_or(0);
    let effective = |n: &str, p: u8| -> Option<u8> {
        // Only the node the command ran in changed; the others keep their priority.
        if n != turn.node {
            return Some(p);
        }
        match turn.turn {
            TrackTurn::Down => failed_priority(s, p),
            TrackTurn::Up => Some(p),
        }
    };
    match turn.turn {
        TrackTurn::Down if master != turn.node => Err(format!(
            "{} was a backup: its lower priority shows on no wire",
            turn.node
        )),
        TrackTurn::Down => s
            .priorities
            .iter()
            .filter(|(n, _)| n != turn.node)
            .filter(|(_, p)| effective(turn.node, base).is_none_or(|lowered| *p > lowered))
            .max_by_key(|(_, p)| *p)
            .map(|(n, p)| (n.clone(), *p))
            .ok_or_else(|| format!("nobody outranks {}'s lowered priority", turn.node)),
        TrackTurn::Up if master == turn.node => Err(format!("{} was still master", turn.node)),
        TrackTurn::Up => {
            let m = s.priority_of(master).unwrap_or(255);
            if base > m && s.preempt {
                Ok((turn.node.to_string(), base))
            } else {
                Err(format!(
                    "{} (priority {base}) does not pre-empt {master} (priority {m}{})",
                    turn.node,
                    if s.preempt { "" } else { ", preempt off" }
                ))
            }
        }
    }
}

pub(super) fn c14(ctx: &Ctx, s: &VrSpec, vm: &VrModel) -> CheckResult {
    let id = Check::C14TrackingMovesMaster;
    if s.track.is_empty() {
        return not_applicable(id, &s.name, "the virtual router tracks nothing");
    }
    let turns = turns(ctx, s);
    if turns.is_empty() {
        return not_applicable(
            id,
            &s.name,
            "no `exec` step says it turns what the routers track down or up",
        );
    }
    let tol = ctx.tolerance;
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut unjudged = Vec::new();
    for turn in &turns {
        let head = format!(
            "{} turned {} at {:.3}s",
            turn.node,
            turn.turn.name(),
            ctx.at(turn.t)
        );
        let Some(master) = vm.master_at(turn.t).map(|i| ctx.node(vm.tenures[i].node)) else {
            unjudged.push(format!("{head}: no master then"));
            continue;
        };
        let (next, prio) = match successor(s, turn, master) {
            Ok(x) => x,
            Err(why) => {
                unjudged.push(format!("{head}: {why}"));
                continue;
            }
        };
        let detection = s
            .track
            .iter()
            .map(|t| t.detection(turn.turn) + SCRIPT_RUN * t.runs(turn.turn))
            .max()
            .unwrap_or_default();
        let v = s.vrouter(s.interval_cs);
        let delay = match turn.turn {
            TrackTurn::Up => Duration::from_millis(u64::from(s.preempt_delay_cs) * 10),
            TrackTurn::Down => Duration::ZERO,
        };
        let bound = detection + v.master_down_interval(prio) + delay + tol;
        let took = ctx.wire.node_index(&next).and_then(|ni| {
            vm.tenures
                .iter()
                .find(|x| x.node == ni && x.first_t > turn.t)
        });
        let expected = format!(
            "{head}: {master} → {next} within {} (detection {} + Master_Down_Interval {}{} + tolerance {})",
            human(bound),
            human(detection),
            human(v.master_down_interval(prio)),
            if delay.is_zero() {
                String::new()
            } else {
                format!(" + preempt delay {}", human(delay))
            },
            human(tol)
        );
        match took {
            Some(x) if x.first_t - turn.t <= bound.as_nanos() as u64 => {
                seen.push(format!(
                    "{expected}: {:.1}ms after the command",
                    (x.first_t - turn.t) as f64 / 1e6
                ));
            }
            Some(x) => {
                let what = format!(
                    "{expected}: {:.1}ms after the command, too late",
                    (x.first_t - turn.t) as f64 / 1e6
                );
                bad.push((
                    what.clone(),
                    ctx.event_ev(turn.event, "the operator's command".into()),
                ));
                bad.push((
                    what,
                    ctx.advert_ev(x.adverts[0], format!("first advert of {next}")),
                ));
                seen.push(expected);
            }
            None => {
                let what = format!("{expected}: {next} never became master after it");
                bad.push((
                    what,
                    ctx.event_ev(turn.event, "the operator's command".into()),
                ));
                seen.push(expected);
            }
        }
    }
    if seen.is_empty() {
        return not_applicable(id, &s.name, unjudged.join("; "));
    }
    seen.extend(unjudged);
    verdict_of(
        id,
        &s.name,
        "after an operator's command turns what a router tracks down (up), the router that then outranks the master takes over within the detection time + Master_Down_Interval + tolerance",
        seen.join("; "),
        bad,
    )
}
