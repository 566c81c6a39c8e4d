//! When the machine itself stood still. A host's prober sends an echo request every few
//! milliseconds from its own thread (the largest gap between two sends of a run's probers
//! together, over 911 suite runs with two labs at once on a 2-core machine: 9.5 ms). When none
//! of them sent for far longer, nothing of the lab ran: not the daemons, not the prober, not
//! the capture's clockwork. The kernel's clock went on, so on waking every daemon's timers had
//! expired at once — a master "silent" for seconds that never stopped, a backup taking over, a
//! reply from the VMAC "while no router is master". What the daemons did in a stall and up to
//! a Master_Down_Interval after it is the machine's doing, not theirs: a failure whose every
//! piece of evidence lies there is withdrawn (not applicable, saying why), never turned into a
//! pass, and the verdict says the machine stalled.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CheckResult, Evidence, Status, MAX_EVIDENCE};
use crate::events::Event;

/// The least silence of every prober that counts as a stall: 25 times the largest gap seen
/// in normal runs under load, and below any scenario's Master_Down_Interval worth testing.
pub const STALL_MIN: Duration = Duration::from_millis(250);

/// A stretch in which no prober of the run sent anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stall {
    /// The last probe sent before it (ns since the epoch).
    pub from_ns: u64,
    /// The first probe sent after it.
    pub to_ns: u64,
}

impl Stall {
    pub fn len(&self) -> Duration {
        Duration::from_nanos(self.to_ns - self.from_ns)
    }
}

/// The stalls of a run: gaps longer than `STALL_MIN` between consecutive probe sends of all
/// probers together, up to `end` (what is judged). A run without probes shows none.
pub fn find(events: &[Event], end: u64) -> Vec<Stall> {
    let mut sent: Vec<u64> = events
        .iter()
        .filter(|e| e.t <= end && e.probe().is_some())
        .map(|e| e.t)
        .collect();
    sent.sort_unstable();
    sent.windows(2)
        .filter(|w| w[1] - w[0] > STALL_MIN.as_nanos() as u64)
        .map(|w| Stall {
            from_ns: w[0],
            to_ns: w[1],
        })
        .collect()
}

/// The stall whose shadow (the stall and `after` beyond it) holds `t`, if any.
fn shadowing(stalls: &[Stall], after: Duration, t: u64) -> Option<&Stall> {
    let after = after.as_nanos() as u64;
    stalls
        .iter()
        .find(|s| t >= s.from_ns && t <= s.to_ns.saturating_add(after))
}

/// Withdraws each failure whose evidence lies wholly in a stall's shadow (`after`: the longest
/// Master_Down_Interval of the run plus the tolerance). A failure with no evidence, or with more
/// than the verdict keeps (some of it unseen), stands.
pub fn withdraw(checks: &mut [CheckResult], stalls: &[Stall], after: Duration, t0: u64) {
    for c in checks.iter_mut().filter(|c| c.status == Status::Fail) {
        let Some(stall) = in_shadow(&c.evidence, stalls, after) else {
            continue;
        };
        c.status = Status::NotApplicable;
        c.observed = format!(
            "not judged: the machine stalled for {:.3}s ({:.3}s-{:.3}s: no probe was sent, nothing of the lab ran) and what failed lies in the stall or the Master_Down_Interval after it ({}); the evidence stays below",
            stall.len().as_secs_f64(),
            rel(stall.from_ns, t0),
            rel(stall.to_ns, t0),
            c.observed
        );
    }
}

fn in_shadow<'s>(ev: &[Evidence], stalls: &'s [Stall], after: Duration) -> Option<&'s Stall> {
    if ev.is_empty() || ev.len() >= MAX_EVIDENCE {
        return None;
    }
    let first = shadowing(stalls, after, ev[0].t_ns)?;
    ev.iter()
        .all(|e| shadowing(stalls, after, e.t_ns) == Some(first))
        .then_some(first)
}

fn rel(t: u64, t0: u64) -> f64 {
    t.saturating_sub(t0) as f64 / 1e9
}

/// The verdict's note for each stall.
pub fn notes(stalls: &[Stall], t0: u64) -> impl Iterator<Item = String> + '_ {
    stalls.iter().map(move |s| {
        format!(
            "the machine stalled for {:.3}s ({:.3}s-{:.3}s): no prober sent anything (they send every few ms); failures seen only in it or within a Master_Down_Interval after it are not judged",
            s.len().as_secs_f64(),
            rel(s.from_ns, t0),
            rel(s.to_ns, t0)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{result, Check};
    use crate::events::{Probe, What};

    fn probe_at(t: u64) -> Event {
        Event {
            t,
            what: What::Probe(Probe {
                node: "h1".into(),
                target: "192.0.2.100".into(),
                seq: t,
                rtt_us: Some(100),
                lost: false,
                error: None,
                unfinished: false,
            }),
        }
    }

    const MS: u64 = 1_000_000;

    fn probes(from_ms: u64, to_ms: u64) -> impl Iterator<Item = Event> {
        (from_ms..to_ms).step_by(5).map(|ms| probe_at(ms * MS))
    }

    fn failure_at(ms: &[u64]) -> CheckResult {
        let ev = ms
            .iter()
            .map(|&m| Evidence {
                segment: None,
                frame: None,
                at_s: m as f64 / 1e3,
                t_ns: m * MS,
                note: "r1 sent from the VMAC while no router is master".into(),
                router: None,
            })
            .collect();
        result(
            Check::E1VmacOnMasterPort,
            "gw4",
            Status::Fail,
            "only the master",
            "r1 sent an ARP reply from the VMAC while no router is master",
            ev,
        )
    }

    #[test]
    fn steady_probes_show_no_stall() {
        let ev: Vec<Event> = probes(0, 5_000).collect();
        assert!(find(&ev, u64::MAX).is_empty());
    }

    #[test]
    fn a_silence_of_every_prober_is_a_stall_and_the_teardown_is_not() {
        let ev: Vec<Event> = probes(0, 4_500).chain(probes(17_800, 19_000)).collect();
        let stalls = find(&ev, u64::MAX);
        assert_eq!(stalls.len(), 1);
        assert_eq!(stalls[0].from_ns, 4_495 * MS);
        assert_eq!(stalls[0].to_ns, 17_800 * MS);
        assert!(find(&ev, 4_600 * MS).is_empty(), "judged only up to `end`");
    }

    #[test]
    fn a_failure_in_the_shadow_is_withdrawn_with_the_reason_and_keeps_its_evidence() {
        let stalls = [Stall {
            from_ns: 4_500 * MS,
            to_ns: 17_800 * MS,
        }];
        let mut checks = vec![failure_at(&[17_784]), failure_at(&[18_300])];
        withdraw(&mut checks, &stalls, Duration::from_millis(400), 0);
        assert_eq!(checks[0].status, Status::NotApplicable);
        assert!(
            checks[0].observed.contains("stalled for 13.300s"),
            "{}",
            checks[0].observed
        );
        assert_eq!(checks[0].evidence.len(), 1);
        assert_eq!(
            checks[1].status,
            Status::Fail,
            "beyond the shadow it stands"
        );
    }

    #[test]
    fn a_failure_partly_outside_the_shadow_stands() {
        let stalls = [Stall {
            from_ns: 4_500 * MS,
            to_ns: 17_800 * MS,
        }];
        let mut checks = vec![failure_at(&[1_000, 17_784]), failure_at(&[17_784; 6])];
        withdraw(&mut checks, &stalls, Duration::from_millis(400), 0);
        assert_eq!(checks[0].status, Status::Fail);
        assert_eq!(
            checks[1].status,
            Status::Fail,
            "evidence cut short: unseen violations"
        );
    }
}
