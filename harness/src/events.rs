//! `events.jsonl`: everything that is not a packet, on the packets' clock.
//!
//! One JSON object per line: `t` (nanoseconds since the UNIX epoch, CLOCK_REALTIME — the
//! clock the kernel stamps captured frames with), `kind`, then fields of that kind. Kinds:
//! `harness` (what vrlab did), `process` (daemon start, signal, exit), `fdb` (bridge
//! forwarding table), `neigh` (a node's neighbour cache), `addr` and `link` (a node's
//! addresses and interfaces), `probe` (one probe and its reply, if any).
//!
//! The contract is the type [`Event`]: the lab writes nothing but `Event`s and the judge reads
//! them back as `Event`s, so a field cannot be renamed on one side only. `kind` selects a
//! [`What`], `action` a [`Harness`] step, `fault` a [`Fault`], `event` a [`Process`] change;
//! a line that does not fit is refused with its line number (extra fields are ignored, so a
//! newer vrlab's additions do not stop an older judge).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scenario::{Flow, FrameKind};
use crate::wire::MacAddr;

/// Nanoseconds since the UNIX epoch, CLOCK_REALTIME.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A cheap, cloneable handle for appending events.
#[derive(Clone)]
pub struct Recorder {
    out: Arc<Mutex<BufWriter<File>>>,
}

/// One line of `events.jsonl`: when, and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Nanoseconds since the UNIX epoch, CLOCK_REALTIME (the capture's clock).
    pub t: u64,
    #[serde(flatten)]
    pub what: What,
}

/// What happened, by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// What vrlab did.
    Harness(Harness),
    /// A process the lab started: start, signal, exit, usage.
    Process(Process),
    /// The bridge forwarding table of a segment's switch.
    Fdb(Fdb),
    /// A node's neighbour cache.
    Neigh(Neigh),
    /// A node's addresses.
    Addr(Addr),
    /// A node's interfaces.
    Link(Link),
    /// A route a routing daemon put into (or took out of) a node's main table.
    Route(Route),
    /// One probe and its reply, if any.
    Probe(Probe),
}

/// What vrlab did, by `action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Harness {
    /// The run began.
    Run {
        scenario: String,
        /// The daemon, or the daemons in router order joined by `+`.
        daemon: String,
        /// Which daemon each router ran.
        #[serde(default)]
        daemons: BTreeMap<String, String>,
        daemon_version: String,
    },
    /// The topology is built.
    Topology {
        nodes: usize,
        segments: usize,
        ms: f64,
    },
    /// A router's configuration files are written (relative to the run directory).
    Prepared {
        node: String,
        files: Vec<String>,
    },
    /// The routers named have started and the wire shows them settled.
    Settled {
        started: Vec<String>,
    },
    /// They did not settle within `waited_ms`; the run goes on.
    Unsettled {
        started: Vec<String>,
        waited_ms: u64,
    },
    /// A timeline step began (`step`: the step as the scenario has it).
    Step {
        index: usize,
        step: Value,
    },
    /// It ended (`began`: when it began).
    StepDone {
        index: usize,
        began: u64,
    },
    /// It failed: the run ends.
    StepFailed {
        index: usize,
        began: u64,
        reason: String,
    },
    /// `vrlab up --pause-before`: the timeline stopped before this step.
    Paused {
        before: usize,
    },
    /// A fault was applied (the event is recorded once it is in force).
    Fault(Fault),
    /// The lab's own questions after a change of master: no fault (an [`Fault::Inject`]).
    Provoke(Fault),
    /// One injected frame left its port.
    Injected {
        id: usize,
        hex: String,
    },
    /// A daemon's own status at the end (`file`, relative to the run directory), or why not.
    DaemonStatus {
        node: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A kept lab's timeline is over: the probes stop.
    ProbesStopped {
        why: String,
    },
    /// The lab could not be set up.
    SetupFailed {
        error: String,
    },
    /// The kernel dropped rtnetlink notifications of a namespace (`ENOBUFS`: the monitor's
    /// socket buffer was full): its FDB, neighbour, address and link record has a gap here.
    NotificationsLost {
        namespace: String,
    },
    /// The lab began tearing down: every daemon is stopped at once and partitions and loss
    /// still in effect end. The judge judges the record up to here (`Record::judged_until`).
    Teardown,
    TeardownError {
        error: String,
    },
    /// The run ended: how the timeline ended, what the capture kept.
    End {
        outcome: crate::rundir::Outcome,
        frames: u64,
        kernel_drops: u64,
    },
}

/// A fault as applied, by `fault`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// The node's daemons started (again).
    Start {
        node: String,
    },
    /// A signal fault: the daemons' PIDs it reached.
    Stop {
        node: String,
        pids: Vec<i32>,
    },
    Crash {
        node: String,
        pids: Vec<i32>,
    },
    Freeze {
        node: String,
        pids: Vec<i32>,
    },
    Thaw {
        node: String,
        pids: Vec<i32>,
    },
    Restart {
        node: String,
        pids: Vec<i32>,
    },
    /// Every link of the node down or up.
    LinkDown {
        node: String,
        links: Vec<String>,
    },
    LinkUp {
        node: String,
        links: Vec<String>,
    },
    Loss(DropFlows),
    Partition(DropFlows),
    Delay {
        step: usize,
        flows: Vec<Flow>,
        delay_ms: f64,
        jitter_ms: f64,
        reorder_permille: u16,
        duplicate_permille: u16,
        seed: u64,
        mechanism: String,
    },
    /// Every network fault in effect ended (`step`: the heal step; none at the end of a run).
    Heal {
        step: Option<usize>,
        ended: Vec<Ended>,
        mechanism: String,
    },
    Snooping {
        step: usize,
        segment: String,
        enabled: bool,
        querier: bool,
    },
    Exec {
        node: String,
        pid: i32,
        command: Vec<String>,
        background: bool,
        /// What the scenario says the command does to what the node's virtual routers track.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        track: Option<crate::scenario::TrackTurn>,
    },
    Inject(Injection),
}

impl Fault {
    /// The node a node fault acts on.
    pub fn node(&self) -> Option<&str> {
        match self {
            Fault::Start { node }
            | Fault::Stop { node, .. }
            | Fault::Crash { node, .. }
            | Fault::Freeze { node, .. }
            | Fault::Thaw { node, .. }
            | Fault::Restart { node, .. }
            | Fault::LinkDown { node, .. }
            | Fault::LinkUp { node, .. }
            | Fault::Exec { node, .. } => Some(node),
            Fault::Inject(i) => Some(&i.node),
            _ => None,
        }
    }
}

/// A loss or a partition: the share of the flows' frames dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DropFlows {
    pub step: usize,
    pub flows: Vec<Flow>,
    /// Per mille (1000 for a partition).
    pub permille: u16,
    pub seed: u64,
    /// What served it (`nftables bridge family, forward hook`).
    pub mechanism: String,
}

/// A network fault that a heal ended, with what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub step: usize,
    /// `loss`, `partition` or `delay`.
    pub fault: String,
    pub dropped: u64,
    /// What a delay's relay did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relayed: Option<RelayStats>,
}

/// Frames injected: an `inject` step, or the lab's provocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    /// Unique in the run: the `injected` events of its frames carry it.
    pub id: usize,
    pub step: usize,
    pub provoked: bool,
    pub node: String,
    pub vrouter: String,
    pub frame: FrameKind,
    pub to: Option<String>,
    /// Sent by the switch out of its port to this node rather than from `node`'s port: what a
    /// switch whose FDB still names an old master's port does with traffic for the VMAC. The
    /// frames never enter the bridge, so the capture does not hold them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub count: u32,
    pub every_ns: u64,
    pub frames_per_burst: usize,
    /// The check that judges a receiver's discard, and why it must discard it.
    pub discard_check: Option<String>,
    pub discard_why: Option<String>,
}

/// What happened to a process the lab started, by `event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Process {
    Start {
        #[serde(flatten)]
        who: Who,
        argv: Vec<String>,
    },
    Signal {
        #[serde(flatten)]
        who: Who,
        signal: String,
        /// `process` or `group`.
        target: String,
        /// The fault or step that sent it (`crash`, `teardown` ...).
        why: String,
    },
    Exit {
        #[serde(flatten)]
        who: Who,
        status: String,
    },
    /// What it cost while it ran, before teardown.
    Usage {
        #[serde(flatten)]
        who: Who,
        #[serde(flatten)]
        usage: Usage,
        wall_ms: f64,
        cpu_percent: f64,
    },
}

impl Process {
    pub fn who(&self) -> &Who {
        match self {
            Process::Start { who, .. }
            | Process::Signal { who, .. }
            | Process::Exit { who, .. }
            | Process::Usage { who, .. } => who,
        }
    }
}

/// CPU time and memory of a process group, read from /proc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// User + system CPU time of every live process in the group.
    pub cpu_ms: f64,
    /// The two parts of `cpu_ms`: the daemon's own code, and the kernel working for it (for
    /// a sender on a veth, that includes delivering each frame through the bridge to every
    /// namespace on the segment, inside the send call).
    pub user_ms: f64,
    pub sys_ms: f64,
    /// Sum of resident set sizes, and of peak resident set sizes (VmHWM).
    pub rss_kib: u64,
    pub hwm_kib: u64,
    pub processes: usize,
}

/// What a relay did, for the record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayStats {
    /// Frames read from the senders' ports.
    pub frames: u64,
    /// Copies sent into the bridge (duplicates included).
    pub sent: u64,
    pub duplicated: u64,
    /// Frames sent at once, overtaking those held back.
    pub reordered: u64,
    /// Frames still held when the fault ended (not delivered, as netem drops its queue).
    pub held_at_end: u64,
    pub send_errors: u64,
}

/// A process: its node, name and PID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Who {
    pub node: String,
    pub name: String,
    pub pid: i32,
}

/// A table entry added (or changed) or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    New,
    Del,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fdb {
    pub event: Change,
    /// The switch's namespace.
    pub ns: String,
    pub mac: Option<MacAddr>,
    /// The bridge port, and whose interface is behind it.
    pub port: String,
    pub node: String,
    pub interface: String,
    pub vlan: Option<u16>,
    pub state: String,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neigh {
    pub event: Change,
    pub node: String,
    pub interface: String,
    pub ip: String,
    pub mac: Option<MacAddr>,
    pub state: String,
    pub router: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addr {
    pub event: Change,
    pub node: String,
    pub interface: String,
    pub ip: String,
    pub prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub event: Change,
    pub node: String,
    /// `203.0.113.10/32`.
    pub dst: String,
    /// The next hop, if the route has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Who put it there: `bgp`, `zebra`, `static`, or the kernel's number for it.
    pub proto: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub event: Change,
    pub node: String,
    pub interface: Option<String>,
    pub ifindex: u32,
    pub mac: Option<MacAddr>,
    pub up: bool,
    pub lower_up: bool,
}

/// One probe: sent at the event's `t`; answered after `rtt_us`, or lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub node: String,
    pub target: String,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_us: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lost: bool,
    /// Why it could not be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Still unanswered when the probing stopped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unfinished: bool,
}

/// The neighbour entries added or changed, with their events.
pub fn new_neigh(events: &[Event]) -> impl Iterator<Item = (&Event, &Neigh)> + Clone {
    events
        .iter()
        .filter_map(|e| Some((e, e.neigh()?)))
        .filter(|(_, n)| n.event == Change::New)
}

/// The event that began timeline step `index`.
pub fn step_began(events: &[Event], index: usize) -> Option<&Event> {
    events
        .iter()
        .find(|e| matches!(e.harness(), Some(Harness::Step { index: i, .. }) if *i == index))
}

impl Event {
    pub fn harness(&self) -> Option<&Harness> {
        match &self.what {
            What::Harness(h) => Some(h),
            _ => None,
        }
    }
    /// A fault of the timeline (not the lab's provocations).
    pub fn fault(&self) -> Option<&Fault> {
        match self.harness()? {
            Harness::Fault(f) => Some(f),
            _ => None,
        }
    }
    pub fn process(&self) -> Option<&Process> {
        match &self.what {
            What::Process(p) => Some(p),
            _ => None,
        }
    }
    pub fn fdb(&self) -> Option<&Fdb> {
        match &self.what {
            What::Fdb(f) => Some(f),
            _ => None,
        }
    }
    pub fn neigh(&self) -> Option<&Neigh> {
        match &self.what {
            What::Neigh(n) => Some(n),
            _ => None,
        }
    }
    pub fn addr(&self) -> Option<&Addr> {
        match &self.what {
            What::Addr(a) => Some(a),
            _ => None,
        }
    }
    pub fn route(&self) -> Option<&Route> {
        match &self.what {
            What::Route(r) => Some(r),
            _ => None,
        }
    }
    pub fn probe(&self) -> Option<&Probe> {
        match &self.what {
            What::Probe(p) => Some(p),
            _ => None,
        }
    }
}

impl Recorder {
    pub fn create(path: &Path) -> io::Result<Recorder> {
        Ok(Recorder {
            out: Arc::new(Mutex::new(BufWriter::new(File::create(path)?))),
        })
    }

    /// Records `what` at time `t`.
    pub fn at(&self, t: u64, what: What) {
        let line = serde_json::to_string(&Event { t, what }).unwrap_or_default();
        if let Ok(mut w) = self.out.lock() {
            // A full disk must not stop the lab mid-fault; the missing lines show in the
            // record, and the final flush reports the error.
            let _ = writeln!(w, "{line}");
        }
    }

    /// Records `what` now.
    pub fn now(&self, what: What) {
        self.at(now_ns(), what)
    }

    /// Records what vrlab did, now.
    pub fn harness(&self, h: Harness) {
        self.now(What::Harness(h))
    }

    pub fn flush(&self) -> io::Result<()> {
        self.out
            .lock()
            .map_err(|_| io::Error::other("recorder poisoned"))?
            .flush()
    }
}

/// Reads `events.jsonl`. Lines that do not parse are reported with their line number.
pub fn read(path: &Path) -> Result<Vec<Event>, String> {
    let text = crate::input::read_text(path, crate::input::RECORD_LIMIT)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // A last line without its newline was being written when the run was killed: drop it
    // rather than refuse the record.
    let whole = if text.ends_with('\n') {
        text.as_str()
    } else {
        text.rfind('\n').map_or("", |i| &text[..=i])
    };
    whole
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(e: &Event) -> String {
        serde_json::to_string(e).unwrap()
    }

    /// Each kind is written with its tags and read back as it was.
    #[test]
    fn events_round_trip_with_their_tags() {
        let who = Who {
            node: "r1".into(),
            name: "keepalived".into(),
            pid: 7,
        };
        let cases = [
            What::Harness(Harness::StepDone { index: 2, began: 5 }),
            What::Harness(Harness::Fault(Fault::Crash {
                node: "r1".into(),
                pids: vec![7],
            })),
            What::Harness(Harness::Fault(Fault::Heal {
                step: None,
                ended: vec![Ended {
                    step: 1,
                    fault: "loss".into(),
                    dropped: 3,
                    relayed: None,
                }],
                mechanism: "nftables".into(),
            })),
            What::Process(Process::Signal {
                who,
                signal: "SIGTERM".into(),
                target: "process".into(),
                why: "stop".into(),
            }),
            What::Probe(Probe {
                node: "h1".into(),
                target: "192.0.2.100".into(),
                seq: 4,
                rtt_us: None,
                lost: true,
                error: None,
                unfinished: false,
            }),
        ];
        for what in cases {
            let e = Event { t: 42, what };
            let text = line(&e);
            assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e, "{text}");
        }
        let crash = line(&Event {
            t: 1,
            what: What::Harness(Harness::Fault(Fault::Crash {
                node: "r1".into(),
                pids: vec![],
            })),
        });
        for field in [
            r#""kind":"harness""#,
            r#""action":"fault""#,
            r#""fault":"crash""#,
        ] {
            assert!(crash.contains(field), "{crash} has {field}");
        }
        let step_done = line(&Event {
            t: 1,
            what: What::Harness(Harness::StepDone { index: 0, began: 0 }),
        });
        assert!(step_done.contains(r#""action":"step-done""#), "{step_done}");
    }

    /// A renamed or missing field is an error at its line, not a check that silently finds
    /// nothing.
    #[test]
    fn a_line_that_breaks_the_contract_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(
            &path,
            "{\"t\":1,\"kind\":\"harness\",\"action\":\"step-done\",\"index\":0,\"began\":0}\n\
             {\"t\":2,\"kind\":\"probe\",\"host\":\"h1\",\"target\":\"192.0.2.1\",\"seq\":1}\n",
        )
        .unwrap();
        let err = read(&path).unwrap_err();
        assert!(err.contains("events.jsonl:2:"), "{err}");
        assert!(err.contains("node"), "names the missing field: {err}");
    }
}
