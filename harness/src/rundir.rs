//! The run directory: what `vrlab run` leaves and `vrlab check` judges. This module owns its
//! contract — the layout and `run.json` — so that the orchestrator ([`crate::run`]) writes
//! it and the judge ([`crate::checks`]) reads it without either knowing the other.
//!
//! ```text
//! RUN_DIR/
//!   scenario.toml         the scenario as run
//!   run.json              daemon and version, segments → pcapng files and their interfaces,
//!                         ports, sysctls set, outcome of the timeline
//!   events.jsonl          harness actions, processes, FDB/neighbour/address/link changes, probes
//!                         (see crate::events)
//!   segments/SEG.pcapng   one per segment, one pcapng interface per bridge port
//!   nodes/NODE/           rendered configs and daemon logs
//!   verdict.json          the checks' results (also re-made by `vrlab check RUN_DIR`)
//!   timeline.svg          the verdict drawn: masters over time, steps, failed checks
//! ```

use crate::wire::MacAddr;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where each part of a run directory lives.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: &Path) -> Layout {
        Layout {
            dir: dir.to_path_buf(),
        }
    }
    pub fn run_json(&self) -> PathBuf {
        self.dir.join("run.json")
    }
    pub fn scenario(&self) -> PathBuf {
        self.dir.join("scenario.toml")
    }
    pub fn events(&self) -> PathBuf {
        self.dir.join("events.jsonl")
    }
    pub fn segments(&self) -> PathBuf {
        self.dir.join("segments")
    }
    pub fn nodes(&self) -> PathBuf {
        self.dir.join("nodes")
    }
    /// A node's rendered configuration, daemon logs and status files.
    pub fn node(&self, node: &str) -> PathBuf {
        self.nodes().join(node)
    }
    pub fn verdict(&self) -> PathBuf {
        self.dir.join("verdict.json")
    }
    /// The verdict's timeline as SVG (see crate::report::svg).
    pub fn timeline(&self) -> PathBuf {
        self.dir.join("timeline.svg")
    }
    /// The verdict as the console showed it.
    pub fn report_text(&self) -> PathBuf {
        self.dir.join("report.txt")
    }
    /// One self-contained HTML page: verdict, timeline, checks, figures.
    pub fn report_html(&self) -> PathBuf {
        self.dir.join("report.html")
    }
}

/// How the timeline ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// What `run.json` says from the moment the lab is built until the run ends: a run.json
    /// that still says so belongs to a run that was cut short (killed).
    Unfinished,
    Completed,
    /// A wait's condition did not hold by its deadline, or a fault could not be applied.
    StepFailed {
        step: usize,
        reason: String,
    },
    Interrupted {
        step: usize,
    },
    /// `vrlab up --pause-before`: the timeline was stopped before this step for inspection.
    Paused {
        step: usize,
    },
}

/// `run.json`: what the checks need to know about the run besides the scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunMeta {
    pub vrlab_version: String,
    pub scenario: String,
    /// The daemon's name, or the daemons in router order joined by `+` in a mixed run.
    pub daemon: String,
    /// Which daemon each router ran.
    #[serde(default)]
    pub daemons: BTreeMap<String, String>,
    pub daemon_version: String,
    pub started_ns: u64,
    pub ended_ns: u64,
    pub kernel: String,
    pub segments: Vec<SegmentFileMeta>,
    pub nodes: BTreeMap<String, NodeMeta>,
    pub sysctls: Vec<SysctlMeta>,
    pub outcome: Outcome,
    pub capture: CaptureMeta,
    pub topology_build_ms: f64,
    /// Seeds every random choice of the run (which frames a loss drops).
    #[serde(default)]
    pub seed: u64,
    /// What served each kind of network fault the timeline used (`loss` → nftables ...).
    #[serde(default)]
    pub mechanisms: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentFileMeta {
    pub segment: String,
    pub file: String,
    pub interfaces: Vec<InterfaceMeta>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InterfaceMeta {
    pub id: u32,
    pub node: String,
    pub interface: String,
    pub port: String,
    pub mac: MacAddr,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeMeta {
    pub role: String,
    pub macs: Vec<MacAddr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SysctlMeta {
    pub node: String,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaptureMeta {
    pub frames: u64,
    pub kernel_drops: u64,
}

impl RunMeta {
    /// Writes `run.json` in `dir` whole or not at all (a temporary file renamed over it).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let path = Layout::new(dir).run_json();
        let tmp = dir.join(".run.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self).unwrap_or_default())?;
        std::fs::rename(&tmp, &path)
    }
}
