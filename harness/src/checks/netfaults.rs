//! The partitions, losses and delays a run applied, as the judge sees them: which flows were
//! cut (or held back), and from when to when. A delay drops nothing: it excuses no overlap
//! and no takeover (a delay shorter than Master_Down_Interval must change nothing). A check asks whether an advert could have reached a router before it
//! blames the router for not reacting to it (two masters during a partition are expected; the
//! healing is judged).
//!
//! The window is taken wide: from the start of the step that installed the rules to the
//! moment the heal's rules were gone (the heal event, recorded once nft returned), or the end
//! of the run. A frame inside it may have been dropped; one outside it was not.

use crate::events::{self, Event, Fault};
use crate::scenario::{Flow, Scenario, Step};

#[derive(Debug, Clone)]
pub struct NetFault {
    /// Index of the timeline step that started it.
    pub step: usize,
    /// `partition`, `loss` or `delay`.
    pub kind: &'static str,
    pub flows: Vec<Flow>,
    pub permille: u16,
    pub from: u64,
    pub until: u64,
    /// Frames its rules dropped, as counted when it ended.
    pub dropped: Option<u64>,
}

impl NetFault {
    /// Whether it drops frames (a delay holds them back and delivers them).
    pub fn drops(&self) -> bool {
        self.kind != "delay"
    }

    /// Whether a frame from `sender` to `receiver` at `t` may have been dropped by it.
    pub fn cuts(&self, sender: &str, receiver: &str, t: u64) -> bool {
        self.drops()
            && t >= self.from
            && t <= self.until
            && self.flows.iter().any(|f| f.carries(sender, receiver))
    }

    pub fn describe(&self) -> String {
        let what = if self.kind == "loss" {
            format!("loss {}.{} %", self.permille / 10, self.permille % 10)
        } else {
            self.kind.to_string()
        };
        match self.dropped {
            Some(n) => format!("{what} of step {} ({n} frames dropped)", self.step + 1),
            None => format!("{what} of step {}", self.step + 1),
        }
    }
}

/// The network faults of a run, from its scenario and events.
pub fn of_run(scn: &Scenario, events: &[Event], end: u64) -> Vec<NetFault> {
    let mut out: Vec<NetFault> = Vec::new();
    for (i, step) in scn.timeline.iter().enumerate() {
        let (kind, flows, permille) = match step {
            Step::Partition { groups } => ("partition", Flow::partition(groups), 1000),
            Step::Loss { permille, flows } => ("loss", flows.clone(), *permille),
            Step::Delay(d) => ("delay", d.flows.clone(), 0),
            _ => continue,
        };
        let Some(began) = events::step_began(events, i) else {
            continue;
        };
        out.push(NetFault {
            step: i,
            kind,
            flows,
            permille,
            from: began.t,
            until: end,
            dropped: None,
        });
    }
    // Each heal (or the end of the run) ends what it lists.
    for (t, ended) in events.iter().filter_map(|e| match e.fault()? {
        Fault::Heal { ended, .. } => Some((e.t, ended)),
        _ => None,
    }) {
        for x in ended {
            if let Some(f) = out.iter_mut().find(|f| f.step == x.step) {
                f.until = f.until.min(t);
                f.dropped = Some(x.dropped);
            }
        }
    }
    out
}

/// The first fault that may have dropped a frame from `sender` to `receiver` at `t`.
pub fn cut<'a>(
    faults: &'a [NetFault],
    sender: &str,
    receiver: &str,
    t: u64,
) -> Option<&'a NetFault> {
    faults.iter().find(|f| f.cuts(sender, receiver, t))
}

/// A fault that separated `a` and `b` (either way) at some time in `from..=until`.
pub fn separating<'a>(
    faults: &'a [NetFault],
    a: &str,
    b: &str,
    from: u64,
    until: u64,
) -> Option<&'a NetFault> {
    faults.iter().find(|f| {
        f.drops()
            && f.from <= until
            && f.until >= from
            && f.flows
                .iter()
                .any(|fl| fl.carries(a, b) || fl.carries(b, a))
    })
}
