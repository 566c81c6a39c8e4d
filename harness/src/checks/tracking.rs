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

/// What the wire should show after a turn.
enum Expect {
    /// `to` becomes master, at priority `prio`.
    Moves { to: String, prio: u8 },
    /// The master keeps mastership: nobody outranks its lowered priority (a weight too small
    /// to cross the gap, catalogue H1).
    Stays,
}

/// What should follow the turn, or why the wire cannot show it.
fn expectation(s: &VrSpec, turn: &Turn, master: &str) -> Result<Expect, String> {
    let base = s.priority_of(turn.node).unwrap_or(0);
    match turn.turn {
        TrackTurn::Down if master != turn.node => Err(format!(
            "{} was a backup: its lower priority shows on no wire",
            turn.node
        )),
        TrackTurn::Down => {
            let lowered = failed_priority(s, base);
            Ok(s.priorities
                .iter()
                .filter(|(n, p)| n != turn.node && lowered.is_none_or(|l| *p > l))
                .max_by_key(|(_, p)| *p)
                .map_or(Expect::Stays, |(n, p)| Expect::Moves {
                    to: n.clone(),
                    prio: *p,
                }))
        }
        TrackTurn::Up if master == turn.node => Err(format!("{} was still master", turn.node)),
        TrackTurn::Up => {
            let m = s.priority_of(master).unwrap_or(255);
            if base > m && s.preempt {
                Ok(Expect::Moves {
                    to: turn.node.to_string(),
                    prio: base,
                })
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

/// The detection time of a turn: the slowest tracked thing's, each script run allowed
/// [`SCRIPT_RUN`].
fn detection(s: &VrSpec, turn: TrackTurn) -> Duration {
    s.track
        .iter()
        .map(|t| t.detection(turn) + SCRIPT_RUN * t.runs(turn))
        .max()
        .unwrap_or_default()
}

fn ms(d: u64) -> String {
    format!("{:.1}ms", d as f64 / 1e6)
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
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut unjudged = Vec::new();
    for (k, turn) in turns.iter().enumerate() {
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
        let j = Judging {
            ctx,
            s,
            vm,
            turn,
            head,
            // Judged up to the next turn, or the end of the record.
            until: turns.get(k + 1).map_or(ctx.end, |n| n.t),
        };
        match expectation(s, turn, master) {
            Ok(Expect::Moves { to, prio }) => j.moves(master, (&to, prio), &mut seen, &mut bad),
            Ok(Expect::Stays) => j.stays(&mut seen, &mut bad),
            Err(why) => unjudged.push(format!("{}: {why}", j.head)),
        }
        if turn.turn == TrackTurn::Down && master == turn.node {
            j.lowered_advertised(&mut bad);
        }
    }
    if seen.is_empty() {
        return not_applicable(id, &s.name, unjudged.join("; "));
    }
    seen.extend(unjudged);
    verdict_of(
        id,
        &s.name,
        "after an operator's command turns what a router tracks down (up): the master advertises its lowered priority within the detection time + one interval, and the router that then outranks it takes over within the detection time + Master_Down_Interval + tolerance (none does when none outranks it)",
        seen.join("; "),
        bad,
    )
}

type Bad = Vec<(String, super::Evidence)>;

/// One turn being judged, up to `until` (the next turn, or the end of the record).
struct Judging<'a> {
    ctx: &'a Ctx<'a>,
    s: &'a VrSpec,
    vm: &'a VrModel,
    turn: &'a Turn<'a>,
    /// How the verdict names the turn.
    head: String,
    until: u64,
}

impl Judging<'_> {
    /// The priority the turned router advertises while what it tracks fails (`None`: Fault).
    fn lowered(&self) -> Option<u8> {
        failed_priority(self.s, self.s.priority_of(self.turn.node).unwrap_or(0))
    }

    /// The operator's command, as evidence.
    fn command(&self) -> super::Evidence {
        self.ctx
            .event_ev(self.turn.event, "the operator's command".into())
    }

    /// Mastership moves to `to` within the bound.
    fn moves(&self, master: &str, (to, prio): (&str, u8), seen: &mut Vec<String>, bad: &mut Bad) {
        let Judging {
            ctx,
            s,
            vm,
            turn,
            head,
            ..
        } = self;
        let detection = detection(s, turn.turn);
        let v = &s.vr;
        let delay = match turn.turn {
            TrackTurn::Up => Duration::from_millis(u64::from(s.preempt_delay_cs) * 10),
            TrackTurn::Down => Duration::ZERO,
        };
        let bound = detection + v.master_down_interval(prio) + delay + ctx.tolerance;
        let expected = format!(
        "{head}: {master} → {to} within {} (detection {} + Master_Down_Interval {}{} + tolerance {})",
        human(bound),
        human(detection),
        human(v.master_down_interval(prio)),
        if delay.is_zero() {
            String::new()
        } else {
            format!(" + preempt delay {}", human(delay))
        },
        human(ctx.tolerance)
    );
        let took = ctx.wire.node_index(to).and_then(|ni| {
            vm.tenures
                .iter()
                .find(|x| x.node == ni && x.first_t > turn.t)
        });
        match took {
            Some(x) if x.first_t - turn.t <= bound.as_nanos() as u64 => {
                seen.push(format!(
                    "{expected}: {} after the command",
                    ms(x.first_t - turn.t)
                ));
            }
            Some(x) => {
                let what = format!(
                    "{expected}: {} after the command, too late",
                    ms(x.first_t - turn.t)
                );
                bad.push((what.clone(), self.command()));
                bad.push((
                    what,
                    ctx.advert_ev(x.adverts[0], format!("first advert of {to}")),
                ));
                seen.push(expected);
            }
            None => {
                bad.push((
                    format!("{expected}: {to} never became master after it"),
                    self.command(),
                ));
                seen.push(expected);
            }
        }
    }

    /// Nobody outranks the demoted master: nobody else becomes master before the next turn.
    fn stays(&self, seen: &mut Vec<String>, bad: &mut Bad) {
        let Judging {
            ctx,
            vm,
            turn,
            head,
            until,
            ..
        } = self;
        let lowered = self.lowered();
        let expected = format!(
            "{head}: {} stays master (its priority {} still outranks every other router's)",
            turn.node,
            lowered.map_or("-".into(), |p| p.to_string())
        );
        let me = ctx.wire.node_index(turn.node);
        match vm
            .tenures
            .iter()
            .find(|x| Some(x.node) != me && x.first_t > turn.t && x.first_t < *until)
        {
            Some(x) => {
                let what = format!(
                    "{expected}: {} took over {} after the command",
                    ctx.node(x.node),
                    ms(x.first_t - turn.t)
                );
                bad.push((what.clone(), self.command()));
                bad.push((
                    what,
                    ctx.advert_ev(
                        x.adverts[0],
                        format!("first advert of {}", ctx.node(x.node)),
                    ),
                ));
            }
            None => seen.push(format!("{expected}: it did")),
        }
    }

    /// The demoted master's lowered priority shows in its adverts within the detection time
    /// and one interval (catalogue H1: "the new priority appears in the next advert").
    fn lowered_advertised(&self, bad: &mut Bad) {
        let Judging {
            ctx,
            s,
            vm,
            turn,
            head,
            until,
        } = self;
        let Some(lowered) = self.lowered() else {
            return; // Fault: it leaves, which the takeover shows
        };
        let Some(me) = ctx.wire.node_index(turn.node) else {
            return;
        };
        let bound = detection(s, TrackTurn::Down) + s.interval() + ctx.tolerance;
        let deadline = turn.t + bound.as_nanos() as u64;
        let mine = vm
            .adverts
            .iter()
            .map(|&a| (a, &ctx.wire.adverts[a as usize]));
        let mine: Vec<_> = mine
            .filter(|(_, a)| a.node == me && a.t > turn.t && a.t < *until)
            .collect();
        let shown = mine.iter().find(|(_, a)| a.rank() == u16::from(lowered));
        match shown {
            Some((_, a)) if a.t <= deadline => {}
            _ if mine.last().is_none_or(|(_, a)| a.t <= deadline) => {} // it stopped advertising first
            Some((ai, a)) => bad.push((
                format!(
                    "{head}: priority {lowered} first advertised {} after the command (bound {})",
                    ms(a.t - turn.t),
                    human(bound)
                ),
                ctx.advert_ev(
                    *ai,
                    format!("first advert of {} at priority {lowered}", turn.node),
                ),
            )),
            None => bad.push((
                format!(
                    "{head}: {} never advertised its lowered priority {lowered}",
                    turn.node
                ),
                self.command(),
            )),
        }
    }
}
