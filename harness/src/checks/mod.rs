//! The judge: named checks, each citing its clause, run as pure functions of a run directory.
//!
//! A check never trusts what a daemon says about itself: who is master is who advertises on
//! the wire (principle 4). Timing bounds come from the scenario's parameters through the RFC
//! formulas, plus the tolerance the scenario states (principle 6).

mod announce;
mod capture;
mod catalogue;
mod coupled;
mod discards;
pub mod expectation;
mod forwarding;
mod handover;
pub mod model;
pub mod netfaults;
pub mod observe;
mod reactions;
mod record;
pub mod routes;
mod run_checks;
pub mod spec;
pub mod stalls;
mod sync_groups;
mod timing;
mod tracking;
mod wire_checks;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use capture::{judge_capture, CaptureVerdictError};
pub use catalogue::{markdown, Check, CheckDef, Judge, Requires};
pub use discards::{DiscardTally, DAEMON_STATUS_FILE};
pub use handover::{Handover, HostView};
pub use record::{Record, RecordError};
pub use spec::{CaptureHints, VrSpec};

use crate::events::Event;
use model::Model;
use observe::Observed;

/// Every check vrlab runs, in report order.
pub fn catalogue() -> &'static [CheckDef] {
    catalogue::CATALOGUE
}

/// `vrlab checks` as text.
pub fn catalogue_text() -> String {
    catalogue::text()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// The check has nothing to judge in this run (no fault of that kind, say).
    NotApplicable,
}

/// A piece of evidence: where in the record to look.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// Frame number in the segment's pcapng (1-based, as Wireshark shows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// Seconds since the start of the run (of a capture: since its first frame, as Wireshark's
    /// relative times count).
    pub at_s: f64,
    /// The same moment as an absolute time: nanoseconds since the UNIX epoch (CLOCK_REALTIME,
    /// the clock of the captures' timestamps and of events.jsonl).
    #[serde(default)]
    pub t_ns: u64,
    pub note: String,
    /// The router this evidence shows acting — the sender of the frame, the router whose port
    /// the switch put a MAC on — where the check blames one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<String>,
}

impl Evidence {
    /// The same evidence, blaming `router`.
    pub fn by(mut self, router: impl Into<String>) -> Evidence {
        self.router = Some(router.into());
        self
    }

    /// Where to look, as reports name it: `lan.pcapng frame 12` (a segment's file or a
    /// capture's name), or `events.jsonl` for evidence that is not a frame.
    pub fn place(&self) -> String {
        match (&self.segment, self.frame) {
            (Some(file), Some(f)) if file.contains('.') => format!("{file} frame {f}"),
            (Some(seg), Some(f)) => format!("{seg}.pcapng frame {f}"),
            _ => "events.jsonl".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: Check,
    pub title: String,
    pub clause: String,
    /// What this result is about: a virtual router, a fault, a VIP.
    pub subject: String,
    pub status: Status,
    pub expected: String,
    pub observed: String,
    pub evidence: Vec<Evidence>,
    /// The routers a failure blames: those of every violation, not only of the evidence kept
    /// (empty where the check blames none). A known deviation of a daemon explains only what
    /// the routers running it did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<String>,
}

/// Measured figures a person wants to read without parsing checks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metrics {
    pub takeovers: Vec<Takeover>,
    pub service_gaps: Vec<ServiceGap>,
    /// The wire model's timeline of masters.
    #[serde(default)]
    pub masters: Vec<MasterSpan>,
    /// Hosts' entries for a VIP poisoned by an injected frame, and how long until repaired.
    #[serde(default)]
    pub poisonings: Vec<PoisoningSpan>,
    /// Each address at each change of master to another router (run directories only).
    #[serde(default)]
    pub handovers: Vec<Handover>,
    /// Each router daemon's own count of discarded adverts, where it reports one.
    #[serde(default)]
    pub discards: Vec<DiscardTally>,
    /// The timeline's steps that act (not the waits), when each began and ended (run
    /// directories only).
    #[serde(default)]
    pub steps: Vec<StepSpan>,
    /// How long each master's route took to reach the upstream (VIPs on lo behind BGP).
    #[serde(default)]
    pub routes: Vec<routes::RouteFollow>,
}

/// A timeline step that acted on the lab.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepSpan {
    /// 1-based, as people count.
    pub step: usize,
    /// `crash r1`, `partition r1 | r2`, `loss 30%` …
    pub what: String,
    pub from_s: f64,
    /// `None`: it had not ended when the run did.
    pub to_s: Option<f64>,
}

/// A host's neighbour entry for a VIP that an injected frame pointed at a router's physical
/// MAC.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoisoningSpan {
    pub vrouter: String,
    /// The `inject` step (1-based, as people count).
    pub step: usize,
    pub host: String,
    pub vip: String,
    pub mac: crate::wire::MacAddr,
    pub poisoned_at_s: f64,
    /// From the last injected frame of the step to the entry holding the virtual MAC again;
    /// `None`: never repaired.
    pub repaired_after_last_ms: Option<f64>,
    /// How long the entry held the physical MAC the last time the step poisoned it.
    pub poisoned_ms: Option<f64>,
}

/// One tenure of the wire model: a node advertising as master.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MasterSpan {
    pub vrouter: String,
    pub node: String,
    /// Source MAC of its adverts.
    #[serde(default)]
    pub mac: String,
    /// How it became master (start-up, after priority 0, after silence, pre-emption ...).
    pub how: String,
    pub from_s: f64,
    pub to_s: f64,
    pub adverts: usize,
    pub priority: u16,
    pub interval_ms: f64,
    /// Ended with a priority-0 advert.
    pub left: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Takeover {
    pub vrouter: String,
    pub fault: String,
    pub from: String,
    pub to: String,
    /// From the fault to the new master's first advert.
    pub after_fault_ms: f64,
    /// From the old master's last advert (what the backup's timer counts from).
    pub after_last_advert_ms: f64,
    pub bound_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceGap {
    pub fault: String,
    pub host: String,
    pub target: String,
    pub gap_ms: f64,
    pub lost: u64,
    pub bound_ms: f64,
}

/// What a capture held, as judged: the same facts as the report's first line, as fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaptureFacts {
    pub frames: u64,
    /// Copies of one frame recorded by `tcpdump -i any` on several ports, or replicated by a
    /// VXLAN endpoint to several peers, dropped.
    pub copies_dropped: u64,
    /// Frames taken out of VXLAN datagrams (UDP 4789), judged on their VNI's segment.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tunnelled: u64,
    /// The virtual routers found (or asked for with `--vrid`), as the report names them.
    pub vrouters: Vec<String>,
    /// How senders were named: `bridge ports`, `pcapng interfaces`, `source address`.
    pub senders_named_by: String,
    pub tolerance_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub scenario: String,
    pub daemon: String,
    /// Which daemon each router ran (empty for a capture): what known deviations derive from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub daemons: BTreeMap<String, String>,
    pub daemon_version: String,
    pub run_dir: String,
    pub checks: Vec<CheckResult>,
    pub metrics: Metrics,
    /// What a reader must know to trust the verdict: captures cut short, a run killed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A capture's facts as fields (`vrlab check FILE`): none for a run directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureFacts>,
    /// What the verdict made of the expected findings it was given (`--expect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectation: Option<expectation::Outcome>,
}

impl Verdict {
    /// No check failed — or, given expected findings, none failed that was not expected and
    /// every deviation expected every run still failed.
    pub fn passed(&self) -> bool {
        match &self.expectation {
            Some(o) => o.met(),
            None => self.checks.iter().all(|c| c.status != Status::Fail),
        }
    }

    pub fn count(&self, s: Status) -> usize {
        self.checks.iter().filter(|c| c.status == s).count()
    }

    /// Failed results that the expected findings explain.
    pub fn known(&self) -> usize {
        self.expectation.as_ref().map_or(0, |o| {
            self.checks
                .iter()
                .filter(|c| c.status == Status::Fail && o.explaining(c).is_some())
                .count()
        })
    }
}

/// Judges a run directory.
pub fn judge_dir(dir: &Path) -> Result<Verdict, RecordError> {
    let rec = Record::load(dir)?;
    Ok(judge(&rec))
}

/// Judges a loaded record.
pub fn judge(rec: &Record) -> Verdict {
    let mut metrics = Metrics {
        steps: run_checks::step_spans(rec),
        ..Metrics::default()
    };
    let vrs = spec::from_scenario(&rec.scenario, &rec.wire);
    let ctx = Ctx::new(
        Some(rec),
        &rec.wire,
        vrs,
        rec.scenario.expect.tolerance,
        rec.t0(),
        rec.end(),
        &rec.events,
    );
    let mut checks = ctx.run_all(&mut metrics);
    let stalled = stalls::find(&rec.events, rec.end());
    stalls::withdraw(&mut checks, &stalled, ctx.stall_shadow(), rec.t0());
    metrics.masters = ctx.masters();
    metrics.poisonings = ctx.poisonings();
    metrics.handovers = handover::handovers(&ctx);
    metrics.routes = ctx
        .vrs
        .iter()
        .zip(&ctx.model.vrs)
        .flat_map(|(s, vm)| routes::follows(&ctx, s, vm))
        .map(|(f, _, _)| f)
        .collect();
    metrics.discards = discards::tallies(&ctx);
    sort_results(&mut checks);
    Verdict {
        scenario: rec.meta.scenario.clone(),
        daemon: rec.meta.daemon.clone(),
        daemons: daemons_of(rec),
        daemon_version: rec.meta.daemon_version.clone(),
        run_dir: rec.dir.display().to_string(),
        checks,
        metrics,
        notes: rec
            .wire
            .cut
            .iter()
            .map(ToString::to_string)
            .chain(time_base(rec))
            .chain(teardown_note(rec))
            .chain(stalls::notes(&stalled, rec.t0()))
            .collect(),
        capture: None,
        expectation: None,
    }
}

/// Which daemon each router ran: run.json says; a recording older than that field has only
/// the label, which names the daemon of every router, or (`a+b`) the first router's and the
/// others'.
fn daemons_of(rec: &Record) -> BTreeMap<String, String> {
    if !rec.meta.daemons.is_empty() {
        return rec.meta.daemons.clone();
    }
    let (first, others) = rec
        .meta
        .daemon
        .split_once('+')
        .unwrap_or((&rec.meta.daemon, &rec.meta.daemon));
    rec.scenario
        .routers()
        .enumerate()
        .map(|(i, r)| {
            (
                r.name.clone(),
                if i == 0 { first } else { others }.to_string(),
            )
        })
        .collect()
}

/// What the times of a run's verdict count from, against what Wireshark shows: verdict times
/// are seconds since the run began; Wireshark's relative times since a file's first frame.
fn time_base(rec: &Record) -> Option<String> {
    let firsts: Vec<String> = rec
        .wire
        .segments
        .iter()
        .filter_map(|s| {
            let t = s.first_t?;
            Some(format!(
                "{}'s first frame is at {:.3}s",
                s.file,
                t.saturating_sub(rec.t0()) as f64 / 1e9
            ))
        })
        .collect();
    (!firsts.is_empty()).then(|| {
        format!(
            "times are seconds since the run began; Wireshark counts from each file's first frame: {} (subtract it to compare)",
            firsts.join(", ")
        )
    })
}

/// What the judge left out: the lab's teardown.
fn teardown_note(rec: &Record) -> Option<String> {
    let td = rec.teardown?;
    Some(format!(
        "judged up to {:.3}s, when the lab began tearing down (every daemon stopped at once); {} frames of interest and {} events after it are in the record, not judged",
        td.t.saturating_sub(rec.t0()) as f64 / 1e9,
        td.frames,
        td.events
    ))
}

/// Catalogue order; within a check, the order the results were made in.
fn sort_results(checks: &mut [CheckResult]) {
    checks.sort_by_key(|c| c.id);
}

/// Everything a check looks at: the record (run directories only), the frames, the virtual
/// routers expected, and the wire model.
pub struct Ctx<'a> {
    pub rec: Option<&'a Record>,
    pub wire: &'a Observed,
    pub vrs: Vec<VrSpec>,
    pub model: Model,
    pub tolerance: Duration,
    pub t0: u64,
    pub end: u64,
    pub events: &'a [Event],
    /// Partitions and losses the run applied (none for a capture).
    pub net: Vec<netfaults::NetFault>,
    /// Frames the run injected (none for a capture).
    pub injections: Vec<reactions::Injection>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        rec: Option<&'a Record>,
        wire: &'a Observed,
        vrs: Vec<VrSpec>,
        tolerance: Duration,
        t0: u64,
        end: u64,
        events: &'a [Event],
    ) -> Ctx<'a> {
        // A capture may begin in the middle of a tenure; a run's record begins before any
        // daemon starts.
        let capture_start = rec.is_none().then_some(t0);
        let model = Model::build(wire, &vrs, tolerance, end, capture_start);
        let net = rec
            .map(|r| netfaults::of_run(&r.scenario, events, end))
            .unwrap_or_default();
        let injections = rec
            .map(|_| reactions::of_run(events, wire))
            .unwrap_or_default();
        Ctx {
            net,
            injections,
            rec,
            wire,
            vrs,
            model,
            tolerance,
            t0,
            end,
            events,
        }
    }

    /// Every check of the catalogue that is not a run check (those are in `run_checks`).
    pub fn run_all(&self, metrics: &mut Metrics) -> Vec<CheckResult> {
        let mut out = Vec::new();
        for def in catalogue::CATALOGUE {
            for judge in def.judges {
                out.extend(self.judge(*judge, def.check, metrics));
            }
        }
        out
    }

    /// One judge of check `id`'s declaration.
    fn judge(&self, judge: Judge, id: Check, metrics: &mut Metrics) -> Vec<CheckResult> {
        let per_vrouter = || self.vrs.iter().zip(&self.model.vrs);
        match judge {
            _ if self.vrs.is_empty() && judge.per_vrouter() => {
                vec![wire_checks::no_routers(self, id)]
            }
            Judge::PerVrouter(f) => per_vrouter().map(|(s, vm)| f(self, s, vm)).collect(),
            Judge::PerVrouterEach(f) => per_vrouter().flat_map(|(s, vm)| f(self, s, vm)).collect(),
            Judge::Whole(f) => f(self),
            Judge::Run(f) => self.rec.map(|r| f(self, r, metrics)).unwrap_or_default(),
            Judge::Discards => reactions::discarded(self, id),
        }
    }

    /// Seconds since the start of the record.
    pub fn at(&self, t: u64) -> f64 {
        t.saturating_sub(self.t0) as f64 / 1e9
    }

    /// How long after a stall of the machine the daemons' behaviour is still its doing: the
    /// longest Master_Down_Interval of the run's virtual routers, plus the tolerance.
    pub fn stall_shadow(&self) -> Duration {
        self.vrs
            .iter()
            .flat_map(|s| {
                let vr = &s.vr;
                s.priorities
                    .iter()
                    .map(move |(_, p)| vr.master_down_interval(*p))
            })
            .max()
            .unwrap_or_default()
            + self.tolerance
    }

    pub fn tol_ns(&self) -> u64 {
        self.tolerance.as_nanos() as u64
    }

    /// How long after its successor's first advert an old master that was still advertising may
    /// still act as master: the advert crosses the bridge in microseconds, but the daemon must
    /// receive it, leave, and take its addresses down, which the RFCs give no time for. The
    /// scenario's tolerance bounds it, as it bounds every timing: 4 ms to leave and 6 more until
    /// the kernel stopped answering from the VIP were seen for vrlabd's debug build under the
    /// suite's load (link-flap × frr+vrlabd, CI of aeff2ab); 0.3 ms at a 10 ms interval before.
    pub fn leave_grace_ns(&self) -> u64 {
        self.tol_ns()
    }

    pub fn node(&self, n: u16) -> &str {
        self.wire.node_name(n)
    }

    /// The segment's capture as evidence names it.
    pub fn file(&self, seg: u16) -> Option<String> {
        self.wire.segments.get(seg as usize).map(|s| s.file.clone())
    }

    pub fn advert_ev(&self, ai: u32, note: String) -> Evidence {
        let a = &self.wire.adverts[ai as usize];
        Evidence {
            segment: self.file(a.seg),
            frame: Some(a.frame),
            at_s: self.at(a.t),
            t_ns: a.t,
            note,
            router: None,
        }
    }

    /// An advert as evidence against its sender.
    pub fn advert_by(&self, ai: u32, note: String) -> Evidence {
        let node = self.wire.adverts[ai as usize].node;
        self.advert_ev(ai, note).by(self.node(node))
    }

    /// A frame as evidence against its sender, where a node of the lab (or a capture's named
    /// sender) sent it.
    pub fn sent_ev(&self, oi: u32, note: String) -> Evidence {
        let node = self.wire.obs[oi as usize].node;
        let ev = self.obs_ev(oi, note);
        if node == observe::NO_NODE {
            ev
        } else {
            ev.by(self.node(node))
        }
    }

    pub fn obs_ev(&self, oi: u32, note: String) -> Evidence {
        let o = &self.wire.obs[oi as usize];
        Evidence {
            segment: self.file(o.seg),
            frame: Some(o.frame),
            at_s: self.at(o.t),
            t_ns: o.t,
            note,
            router: None,
        }
    }

    pub fn event_ev(&self, e: &Event, note: String) -> Evidence {
        Evidence {
            segment: None,
            frame: None,
            at_s: self.at(e.t),
            t_ns: e.t,
            note,
            router: None,
        }
    }

    /// A run directory (scenario, events) rather than a capture from anywhere.
    pub fn is_run(&self) -> bool {
        self.rec.is_some()
    }

    /// Entries poisoned by injected frames, for the report.
    pub fn poisonings(&self) -> Vec<PoisoningSpan> {
        self.vrs
            .iter()
            .flat_map(|s| {
                forwarding::poisonings_of(self, s)
                    .into_iter()
                    .map(move |p| PoisoningSpan {
                        vrouter: s.name.clone(),
                        step: p.step + 1,
                        host: p.host,
                        vip: p.vip,
                        mac: p.mac,
                        poisoned_at_s: self.at(p.poisoned_t),
                        repaired_after_last_ms: p
                            .repaired_t
                            .map(|r| r.saturating_sub(p.last_injected_t) as f64 / 1e6),
                        poisoned_ms: p.repaired_t.map(|r| (r - p.last_poison_t) as f64 / 1e6),
                    })
            })
            .collect()
    }

    /// The wire model's timeline, for the report.
    pub fn masters(&self) -> Vec<MasterSpan> {
        let mut out = Vec::new();
        for (vm, spec) in self.model.vrs.iter().zip(&self.vrs) {
            for tr in &vm.transitions {
                let t = &vm.tenures[tr.to];
                out.push(MasterSpan {
                    vrouter: spec.name.clone(),
                    node: self.node(t.node).to_string(),
                    mac: t.src_mac.map(|m| m.to_string()).unwrap_or_default(),
                    how: tr.kind.describe().to_string(),
                    from_s: self.at(t.first_t),
                    to_s: self.at(t.last_t),
                    adverts: t.adverts.len(),
                    priority: t.rank,
                    interval_ms: f64::from(t.interval_cs) * 10.0,
                    left: t.leave.is_some(),
                });
            }
        }
        out
    }
}

/// A result of check `id`.
pub fn result(
    id: Check,
    subject: impl Into<String>,
    status: Status,
    expected: impl Into<String>,
    observed: impl Into<String>,
    evidence: Vec<Evidence>,
) -> CheckResult {
    let d = id.def();
    CheckResult {
        id,
        title: d.title.into(),
        clause: d.clause.into(),
        subject: subject.into(),
        status,
        expected: expected.into(),
        observed: observed.into(),
        routers: blamed(&evidence),
        evidence,
    }
}

/// The routers `evidence` blames, sorted, each once.
fn blamed<'e>(evidence: impl IntoIterator<Item = &'e Evidence>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = evidence
        .into_iter()
        .filter_map(|e| e.router.as_deref())
        .collect();
    set.into_iter().map(String::from).collect()
}

/// A check that cannot judge this recording, with the reason.
pub fn not_applicable(
    id: Check,
    subject: impl Into<String>,
    why: impl Into<String>,
) -> CheckResult {
    result(id, subject, Status::NotApplicable, "-", why, vec![])
}

/// Evidence lists are capped: the first few are what a person reads.
pub const MAX_EVIDENCE: usize = 6;

/// Pass when `bad` is empty, else Fail with the first `MAX_EVIDENCE` items as evidence.
pub fn verdict_of(
    id: Check,
    subject: impl Into<String>,
    expected: impl Into<String>,
    ok_observed: impl Into<String>,
    bad: Vec<(String, Evidence)>,
) -> CheckResult {
    if bad.is_empty() {
        return result(id, subject, Status::Pass, expected, ok_observed, vec![]);
    }
    let n = bad.len();
    let first = bad[0].0.clone();
    let observed = if n == 1 {
        first
    } else {
        format!("{n} violations; first: {first}")
    };
    let routers = blamed(bad.iter().map(|(_, e)| e));
    let evidence = bad.into_iter().take(MAX_EVIDENCE).map(|(_, e)| e).collect();
    CheckResult {
        routers,
        ..result(id, subject, Status::Fail, expected, observed, evidence)
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
