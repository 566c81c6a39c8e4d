//! Tracking: scripts, files and interfaces that change an instance's
//! priority, each watched by its own task reporting changes only.

use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::config::{TrackFile, TrackScript};

/// What a tracker task reports (interfaces are polled by the main loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Script,
    File,
}

#[derive(Debug, Clone)]
pub struct TrackReport {
    pub slot: usize,
    pub generation: u64,
    pub kind: TrackKind,
    pub index: usize,
    /// Scripts: 0 = up, 1 = down. Files: the value read.
    pub value: i64,
}

/// Priority after tracking, or None for fault (a failed check of weight 0).
/// `scripts` and `interfaces` hold "down" flags, `files` the values read.
pub fn effective_priority(
    base: u8,
    scripts: &[(bool, i32)],
    files: &[(i64, i32)],
    interfaces: &[(bool, i32)],
) -> Option<u8> {
    if base == 255 {
        // The owner's priority is fixed, but a weight-0 failure still faults it.
        if scripts
            .iter()
            .chain(interfaces)
            .any(|(down, w)| *down && *w == 0)
        {
            return None;
        }
        return Some(255);
    }
    let mut p = i64::from(base);
    for (down, w) in scripts.iter().chain(interfaces) {
        if *down {
            if *w == 0 {
                return None;
            }
            p += i64::from(*w);
        }
    }
    for (value, w) in files {
        p += value.saturating_mul(i64::from(*w));
    }
    Some(p.clamp(1, 254) as u8)
}

/// Value of a track file: its integer, 1 if it exists without one, 0 if absent.
pub fn read_track_file(path: &Path) -> i64 {
    match std::fs::read_to_string(path) {
        Ok(s) => s.trim().parse::<i64>().unwrap_or(1),
        Err(_) => 0,
    }
}

pub fn spawn_script(
    t: TrackScript,
    slot: usize,
    generation: u64,
    index: usize,
    tx: UnboundedSender<TrackReport>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut down = false;
        let (mut fails, mut oks) = (0u32, 0u32);
        loop {
            let ok = run_once(&t).await;
            if ok {
                oks += 1;
                fails = 0;
            } else {
                fails += 1;
                oks = 0;
            }
            let new_down = if down { oks < t.rise } else { fails >= t.fall };
            if new_down != down {
                down = new_down;
                tracing::info!(script = %t.name, down, "track script changed");
                let report = TrackReport {
                    slot,
                    generation,
                    kind: TrackKind::Script,
                    index,
                    value: i64::from(down),
                };
                if tx.send(report).is_err() {
                    return;
                }
            }
            tokio::time::sleep(t.interval).await;
        }
    })
}

async fn run_once(t: &TrackScript) -> bool {
    let Some((prog, args)) = t.command.split_first() else {
        return false;
    };
    let child = tokio::process::Command::new(prog)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = child else { return false };
    match tokio::time::timeout(t.timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        _ => false, // timed out (the child is killed on drop) or failed
    }
}

pub fn spawn_file(
    t: TrackFile,
    slot: usize,
    generation: u64,
    index: usize,
    tx: UnboundedSender<TrackReport>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = None;
        loop {
            let v = read_track_file(&t.path);
            if last != Some(v) {
                last = Some(v);
                if tx
                    .send(TrackReport {
                        slot,
                        generation,
                        kind: TrackKind::File,
                        index,
                        value: v,
                    })
                    .is_err()
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up_and_clamp() {
        assert_eq!(
            effective_priority(100, &[(true, -30)], &[(2, -10)], &[(false, -50)]),
            Some(50)
        );
        assert_eq!(effective_priority(100, &[(true, -200)], &[], &[]), Some(1));
        assert_eq!(effective_priority(200, &[], &[(1, 100)], &[]), Some(254));
    }

    #[test]
    fn a_failed_check_of_weight_zero_is_a_fault() {
        assert_eq!(effective_priority(100, &[], &[], &[(true, 0)]), None);
        assert_eq!(effective_priority(100, &[(false, 0)], &[], &[]), Some(100));
        assert_eq!(effective_priority(255, &[(true, 0)], &[], &[]), None);
        assert_eq!(effective_priority(255, &[(true, -50)], &[], &[]), Some(255));
    }

    #[test]
    fn track_file_values() {
        let dir = std::env::temp_dir().join(format!("vrlabd-track-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("demote");
        assert_eq!(read_track_file(&f), 0);
        std::fs::write(&f, "").unwrap();
        assert_eq!(read_track_file(&f), 1);
        std::fs::write(&f, "-3\n").unwrap();
        assert_eq!(read_track_file(&f), -3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
