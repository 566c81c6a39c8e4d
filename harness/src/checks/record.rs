//! A run directory, loaded for judging: the scenario, run.json, events and the adverts of
//! every segment, each with its frame number in its pcapng file.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::observe::{self, LoadError, Observed, Source};

use crate::events::{self, Event, Harness};
use crate::rundir::{Layout, Outcome, RunMeta};
use crate::scenario::{self, Scenario};

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0} is not a run directory (no run.json); run `vrlab run` to make one")]
    NotARun(PathBuf),
    #[error("{path}: {reason}")]
    Bad { path: PathBuf, reason: String },
}

pub struct Record {
    pub dir: PathBuf,
    pub scenario: Scenario,
    pub meta: RunMeta,
    pub events: Vec<Event>,
    /// Everything the wire checks look at.
    pub wire: Observed,
    /// When the lab began tearing down, if it did: what came after is not judged.
    pub teardown: Option<Teardown>,
}

/// The lab's teardown stops every daemon at once (and ends what partitions and loss are still
/// in effect): no scenario asks for that, nobody is left to serve the hosts, and which daemon
/// stops first is a race. The record is judged up to its beginning; what came after stays in the
/// capture and is counted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Teardown {
    pub t: u64,
    /// Frames of interest to the judge (adverts, ARP, ND, frames from a VMAC …) captured
    /// after it (not judged).
    pub frames: u64,
    /// Events recorded after it (not judged).
    pub events: usize,
}

fn bad(path: &Path, reason: impl ToString) -> RecordError {
    RecordError::Bad {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// The frames the lab injected, from their `injected` events.
fn injected_frames(events: &[Event]) -> Vec<observe::Sent> {
    events
        .iter()
        .filter_map(|e| match e.harness()? {
            Harness::Injected { id, hex } => Some(observe::Sent {
                t: e.t,
                bytes: unhex(hex)?,
                id: *id,
            }),
            _ => None,
        })
        .collect()
}

/// Drops the events after `t` (the teardown's signals, exits and heals, and what the network
/// did meanwhile). Returns how many were dropped.
fn judge_events_until(events: &mut Vec<Event>, t: u64) -> usize {
    let before = events.len();
    events.retain(|e| e.t <= t);
    before - events.len()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Record {
    pub fn load(dir: &Path) -> Result<Record, RecordError> {
        let layout = Layout::new(dir);
        let meta_path = layout.run_json();
        if !meta_path.exists() {
            return Err(RecordError::NotARun(dir.to_path_buf()));
        }
        let meta: RunMeta = serde_json::from_str(
            &crate::input::read_text(&meta_path, crate::input::RECORD_LIMIT)
                .map_err(|e| bad(&meta_path, e))?,
        )
        .map_err(|e| bad(&meta_path, e))?;
        let scenario =
            scenario::load_recorded(&layout.scenario()).map_err(|e| bad(&layout.scenario(), e))?;
        let mut events = events::read(&layout.events()).map_err(|e| bad(&layout.events(), e))?;
        events.sort_by_key(|e| e.t);
        let sources: Vec<Source> = meta
            .segments
            .iter()
            .map(|seg| Source {
                segment: seg.segment.clone(),
                path: dir.join(&seg.file),
                file: Path::new(&seg.file)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| seg.file.clone()),
                interfaces: Some(
                    seg.interfaces
                        .iter()
                        .map(|i| (i.id, i.node.clone()))
                        .collect::<HashMap<u32, String>>(),
                ),
            })
            .collect();
        let vips: Vec<IpAddr> = scenario
            .vrouters
            .iter()
            .flat_map(|v| v.vips.iter().copied())
            .collect();
        let sent = injected_frames(&events);
        let mut wire = observe::load_with(&sources, &vips, &sent).map_err(|e| match e {
            LoadError::Capture { ref path, .. } | LoadError::NothingToJudge { ref path, .. } => {
                bad(path, &e)
            }
        })?;
        let teardown = events
            .iter()
            .find(|e| matches!(e.harness(), Some(Harness::Teardown)))
            .map(|e| e.t);
        let teardown = teardown.map(|t| Teardown {
            t,
            frames: wire.judge_until(t),
            events: judge_events_until(&mut events, t),
        });
        let mut meta = meta;
        if meta.outcome == Outcome::Unfinished {
            // Killed: the run ended with the last thing it recorded.
            let last_frame = wire.segments.iter().filter_map(|s| s.last_t).max();
            let last_event = events.last().map(|e| e.t);
            meta.ended_ns = [Some(meta.ended_ns), last_frame, last_event]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(meta.ended_ns);
        }
        Ok(Record {
            dir: dir.to_path_buf(),
            scenario,
            meta,
            events,
            wire,
            teardown,
        })
    }

    /// The end of what is judged: the teardown's beginning, or the end of the run.
    pub fn end(&self) -> u64 {
        self.teardown.map_or(self.meta.ended_ns, |td| td.t)
    }

    /// Time zero of the run, for relative times in reports.
    pub fn t0(&self) -> u64 {
        self.meta.started_ns
    }
}
