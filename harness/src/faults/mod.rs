//! Faults applied to a node's daemons.
//!
//! Faults aimed at "the daemon" act on the processes that speak VRRP (keepalived's whole
//! process tree; FRR's vrrpd, not zebra): stop = SIGTERM (a graceful shutdown, which should
//! send priority 0), crash = SIGKILL to each process group (a silent death; killing only
//! keepalived's VRRP child would make its parent respawn it), freeze/thaw = SIGSTOP/SIGCONT to
//! the groups. `start` starts whatever of the node's plan is not running, in plan order.
//!
//! Link faults act on the wire instead: `link_down` sets the node's bridge ports down from the
//! switch side (a pulled cable: the node's interfaces lose carrier), `link_up` brings them back.
//! Partitions and loss drop frames between bridge ports ([`netfilter`]), delays hold them in a
//! relay ([`relay`]); `exec` runs an
//! operator's command in a node ([`exec`]).

pub mod exec;
pub mod inject;
pub mod netfilter;
pub mod relay;

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::events::{Fault, Harness, Recorder};
use crate::process::Processes;
use crate::scenario::FaultKind;
use crate::topology::Topology;

/// How long a graceful stop may take before the group is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// Applies a link fault to every link of the node, or to `interface`'s alone. The harness
/// event is recorded once the kernel has made the change, so its time is when the link went
/// down (or up): the judge counts from it.
pub async fn set_links(
    kind: FaultKind,
    node: &str,
    interface: Option<&str>,
    topo: &Topology,
    rec: &Recorder,
) -> Result<(), String> {
    let up = kind == FaultKind::LinkUp;
    let links = topo
        .set_node_ports(node, interface, up)
        .await
        .map_err(|e| e.to_string())?;
    if links.is_empty() {
        return Err(format!("`{}` on {node}: it has no such link", kind.name()));
    }
    let node = node.to_string();
    rec.harness(Harness::Fault(if up {
        Fault::LinkUp { node, links }
    } else {
        Fault::LinkDown { node, links }
    }));
    Ok(())
}

/// How a signal fault is recorded: the daemons' PIDs it reached.
fn signal_fault(kind: FaultKind, node: &str, pids: Vec<i32>) -> Fault {
    let node = node.to_string();
    match kind {
        FaultKind::Stop => Fault::Stop { node, pids },
        FaultKind::Crash => Fault::Crash { node, pids },
        FaultKind::Freeze => Fault::Freeze { node, pids },
        FaultKind::Thaw => Fault::Thaw { node, pids },
        FaultKind::Restart => Fault::Restart { node, pids },
        FaultKind::Start | FaultKind::LinkDown | FaultKind::LinkUp => {
            unreachable!(
                "`{}` is applied by its own step, not by a signal",
                kind.name()
            )
        }
    }
}

/// Applies a signal-based fault to the VRRP processes of `node`. `start` and `restart` need
/// the run's start logic and are handled by the caller.
pub async fn apply(
    kind: FaultKind,
    node: &str,
    procs: &Processes,
    rec: &Recorder,
) -> Result<(), String> {
    let targets: Vec<_> = procs.of(node).into_iter().filter(|p| p.spec.vrrp).collect();
    if targets.is_empty() {
        return Err(format!(
            "`{}` on {node}: no VRRP daemon is running there",
            kind.name()
        ));
    }
    let pids = targets.iter().map(|p| p.pid).collect();
    rec.harness(Harness::Fault(signal_fault(kind, node, pids)));
    let why = kind.name();
    match kind {
        FaultKind::Crash => {
            for p in &targets {
                p.signal_group(Signal::SIGKILL, rec, why);
            }
            for p in &targets {
                p.wait_exit(Duration::from_secs(2)).await;
            }
        }
        FaultKind::Stop | FaultKind::Restart => {
            for p in targets.iter().rev() {
                p.signal(Signal::SIGTERM, rec, why);
                if !p.wait_exit(STOP_GRACE).await {
                    p.signal_group(Signal::SIGKILL, rec, "stop took too long");
                    p.wait_exit(Duration::from_secs(2)).await;
                }
            }
        }
        FaultKind::Freeze => {
            for p in &targets {
                p.signal_group(Signal::SIGSTOP, rec, why);
            }
        }
        FaultKind::Thaw => {
            for p in &targets {
                p.signal_group(Signal::SIGCONT, rec, why);
            }
        }
        FaultKind::Start | FaultKind::LinkDown | FaultKind::LinkUp => {}
    }
    Ok(())
}
