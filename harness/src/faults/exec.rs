//! `exec`: a command run in a node, as an operator would (delete a file a tracking script
//! watches, stop a process). It enters the node's namespaces like a daemon, in a process
//! group of its own, logging to `nodes/NODE/exec-STEP.log`. A foreground command must exit 0
//! before its deadline, or the step fails with what happened; a background one is left
//! running and stopped at teardown with the daemons.

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::daemons::{ProcessSpec, Ready};
use crate::events::{Fault, Harness, Recorder};
use crate::process::{self, Processes};
use crate::topology::Namespace;

/// What the step runs.
pub struct Exec<'a> {
    pub step: usize,
    pub node: &'a str,
    pub command: &'a [String],
    pub track: Option<crate::scenario::TrackTurn>,
    pub background: bool,
    pub deadline: Duration,
}

/// Runs the command; for a foreground one, waits for it.
pub async fn run(
    e: &Exec<'_>,
    ns: &Namespace,
    node_dir: &Path,
    procs: &Processes,
    rec: &Recorder,
) -> Result<(), String> {
    std::fs::create_dir_all(node_dir).map_err(|err| format!("{}: {err}", node_dir.display()))?;
    let name = format!("exec-{}", e.step + 1);
    let spec = ProcessSpec {
        name: name.clone(),
        argv: e.command.to_vec(),
        env: Vec::new(),
        vrrp: false,
        ready: Ready::Started,
    };
    let log = process::log_path(node_dir, &name);
    let running = process::spawn(ns, e.node, &spec, &log, node_dir, rec).map_err(|err| {
        format!(
            "exec on {}: cannot start `{}`: {err}",
            e.node,
            e.command.join(" ")
        )
    })?;
    let running = procs.add(running);
    rec.harness(Harness::Fault(Fault::Exec {
        node: e.node.to_string(),
        pid: running.pid,
        command: e.command.to_vec(),
        background: e.background,
        track: e.track,
    }));
    if e.background {
        return Ok(());
    }
    if !running.wait_exit(e.deadline).await {
        running.signal_group(Signal::SIGKILL, rec, "exec overran its deadline");
        running.wait_exit(Duration::from_secs(2)).await;
        return Err(format!(
            "exec on {}: `{}` did not finish within {}; it was killed (output: {})",
            e.node,
            e.command.join(" "),
            crate::scenario::duration::human(e.deadline),
            log.display()
        ));
    }
    match running.exit_status().as_deref() {
        Some("exit 0") => Ok(()),
        status => Err(format!(
            "exec on {}: `{}` ended with {} (output: {})",
            e.node,
            e.command.join(" "),
            status.unwrap_or("an unknown status"),
            log.display()
        )),
    }
}
