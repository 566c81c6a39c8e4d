//! Running commands inside a node.
//!
//! Each process is forked and, before exec, enters the node's mount and network namespaces
//! (nothing is allocated in that window) and gets a process group of its own, so a crash can
//! kill the whole group — keepalived respawns its VRRP child if only the child dies — and a
//! Ctrl-C on the terminal reaches vrlab, not the daemons, which vrlab then stops in order.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use tokio::sync::watch;

use crate::daemons::{ProcessSpec, Ready};
use crate::events::{self, Recorder, What, Who};
use crate::topology::Namespace;

/// A process started in a node, with a watch that says when it has exited.
pub struct Running {
    pub node: String,
    pub spec: ProcessSpec,
    pub pid: i32,
    pub started: std::time::Instant,
    exited: watch::Receiver<Option<String>>,
    /// Stopped by SIGSTOP and not yet continued.
    frozen: std::sync::atomic::AtomicBool,
}

impl Running {
    pub fn is_running(&self) -> bool {
        self.exited.borrow().is_none()
    }

    /// Running and not frozen: it can act on what it receives.
    pub fn is_serving(&self) -> bool {
        self.is_running() && !self.frozen.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How it ended (`exit 0`, `killed by SIGKILL`), once it has.
    pub fn exit_status(&self) -> Option<String> {
        self.exited.borrow().clone()
    }

    /// Waits until the process has exited, at most `limit`. True if it did.
    pub async fn wait_exit(&self, limit: Duration) -> bool {
        let mut rx = self.exited.clone();
        let done = tokio::time::timeout(limit, rx.wait_for(|s| s.is_some()))
            .await
            .is_ok();
        done
    }

    /// Sends `sig` to the process (not its group).
    pub fn signal(&self, sig: Signal, rec: &Recorder, why: &str) {
        if self.is_running() {
            // The time it was sent, not the time it was written down: a fast daemon's reply
            // (a priority-0 advert after SIGTERM) can reach the wire in between.
            let t = crate::events::now_ns();
            let _ = kill(Pid::from_raw(self.pid), sig);
            self.note_frozen(sig);
            rec.at(t, self.signalled(sig, "process", why));
        }
    }

    /// Sends `sig` to the process's whole group.
    pub fn signal_group(&self, sig: Signal, rec: &Recorder, why: &str) {
        // A group can outlive its leader (children of a killed parent); signal it anyway.
        let t = crate::events::now_ns();
        let _ = killpg(Pid::from_raw(self.pid), sig);
        self.note_frozen(sig);
        rec.at(t, self.signalled(sig, "group", why));
    }

    fn note_frozen(&self, sig: Signal) {
        let frozen = match sig {
            Signal::SIGSTOP => true,
            Signal::SIGCONT => false,
            _ => return,
        };
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::Relaxed);
    }

    /// Who this process is, in the record.
    pub fn who(&self) -> Who {
        Who {
            node: self.node.clone(),
            name: self.spec.name.clone(),
            pid: self.pid,
        }
    }

    fn signalled(&self, sig: Signal, target: &str, why: &str) -> What {
        What::Process(events::Process::Signal {
            who: self.who(),
            signal: sig.as_str().to_string(),
            target: target.to_string(),
            why: why.to_string(),
        })
    }
}

/// Starts `spec` inside `ns`, logging stdout and stderr to `log`, in `cwd`.
pub fn spawn(
    ns: &Namespace,
    node: &str,
    spec: &ProcessSpec,
    log: &Path,
    cwd: &Path,
    rec: &Recorder,
) -> io::Result<Running> {
    let out = File::options().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let mut cmd = tokio::process::Command::new(&spec.argv[0]);
    cmd.args(&spec.argv[1..])
        .envs(spec.env.iter().cloned())
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(false);
    enter_node(&mut cmd, ns);
    let mut child = ns.spawn(&mut cmd).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("starting {} in {node}: {e}", spec.argv[0]),
        )
    })?;
    let pid = child.id().map(|p| p as i32).unwrap_or(-1);
    let who = Who {
        node: node.to_string(),
        name: spec.name.clone(),
        pid,
    };
    rec.now(What::Process(events::Process::Start {
        who: who.clone(),
        argv: spec.argv.clone(),
    }));
    let (tx, rx) = watch::channel(None);
    let rec2 = rec.clone();
    tokio::spawn(async move {
        let status = child.wait().await;
        let desc = describe(status);
        rec2.now(What::Process(events::Process::Exit {
            who,
            status: desc.clone(),
        }));
        let _ = tx.send(Some(desc));
    });
    Ok(Running {
        node: node.to_string(),
        spec: spec.clone(),
        pid,
        started: std::time::Instant::now(),
        exited: rx,
        frozen: Default::default(),
    })
}

/// Makes the command start inside the node's mount and network namespaces.
fn enter_node(cmd: &mut tokio::process::Command, ns: &Namespace) {
    let (net, mnt) = (ns.net.as_raw_fd(), ns.mnt.as_raw_fd());
    // Safety: between fork and exec only async-signal-safe calls (setns) are made, and
    // nothing is allocated. The namespace's descriptors outlive the spawn.
    unsafe {
        cmd.pre_exec(move || {
            setns(BorrowedFd::borrow_raw(mnt), CloneFlags::CLONE_NEWNS)?;
            setns(BorrowedFd::borrow_raw(net), CloneFlags::CLONE_NEWNET)?;
            Ok(())
        });
    }
}

/// Runs a command of the lab's own in a node's namespaces (not a daemon, not a fault: no
/// process events) and returns its standard output; killed if it has not ended by `deadline`.
pub async fn output_in(ns: &Namespace, argv: &[String], deadline: Duration) -> io::Result<Vec<u8>> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "an empty command"))?;
    let mut cmd = tokio::process::Command::new(prog);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    enter_node(&mut cmd, ns);
    let child = ns.spawn(&mut cmd)?;
    let out = tokio::time::timeout(deadline, child.wait_with_output())
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "did not end in time"))??;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{}: {}",
            describe(Ok(out.status)),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

fn describe(status: io::Result<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit {c}"),
            (_, Some(sig)) => format!(
                "killed by {}",
                Signal::try_from(sig)
                    .map(|s| s.as_str())
                    .unwrap_or("signal")
            ),
            _ => "exited".into(),
        },
        Err(e) => format!("unknown ({e})"),
    }
}

/// CPU time and memory of a process group, read from /proc (its type is the run record's).
pub use crate::events::Usage;

/// Reads the usage of process group `pgid` (the lab's /proc shows the lab's PID namespace).
pub fn group_usage(pgid: i32) -> Usage {
    let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let mut u = Usage::default();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return u;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name (which may hold spaces) start at field 3 (state).
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // f[0] = state (field 3), f[2] = pgrp (5), f[11] = utime (14), f[12] = stime (15).
        if f.len() < 13 || f[2].parse::<i32>().ok() != Some(pgid) || f[0] == "Z" {
            continue;
        }
        let user = f[11].parse::<f64>().unwrap_or(0.0) * 1000.0 / tick;
        let sys = f[12].parse::<f64>().unwrap_or(0.0) * 1000.0 / tick;
        u.user_ms += user;
        u.sys_ms += sys;
        u.cpu_ms += user + sys;
        u.processes += 1;
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let kib = |key: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            u.rss_kib += kib("VmRSS:");
            u.hwm_kib += kib("VmHWM:");
        }
    }
    u
}

/// The last `n` non-blank lines of a log, indented, for a message (what a daemon said before
/// it gave up); says so when the log cannot be read or is empty.
pub fn log_tail(log: &Path, n: usize) -> String {
    let Ok(text) = std::fs::read(log) else {
        return "  (the log cannot be read)".into();
    };
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return "  (the log is empty)".into();
    }
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits for a readiness condition, at most `limit`.
pub async fn wait_ready(r: &Running, ready: &Ready, limit: Duration) -> Result<(), String> {
    match ready {
        Ready::Started => Ok(()),
        Ready::PathExists(p) => {
            let deadline = tokio::time::Instant::now() + limit;
            // Polling a path: there is no notification for another namespace's files that
            // would be simpler; 5 ms keeps start-up fast.
            while !p.exists() {
                if !r.is_running() {
                    return Err(format!(
                        "{} exited before it was ready ({})",
                        r.spec.name,
                        r.exited.borrow().clone().unwrap_or_default()
                    ));
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(format!(
                        "{} not ready after {:?}: {} does not exist",
                        r.spec.name,
                        limit,
                        p.display()
                    ));
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Ok(())
        }
    }
}

/// The processes of every node, in start order.
#[derive(Default, Clone)]
pub struct Processes {
    inner: Arc<Mutex<Vec<Arc<Running>>>>,
}

impl Processes {
    pub fn add(&self, r: Running) -> Arc<Running> {
        let r = Arc::new(r);
        self.inner.lock().expect("process list").push(r.clone());
        r
    }

    /// The live processes of a node, in start order.
    pub fn of(&self, node: &str) -> Vec<Arc<Running>> {
        self.inner
            .lock()
            .expect("process list")
            .iter()
            .filter(|r| r.node == node && r.is_running())
            .cloned()
            .collect()
    }

    /// Whether `node`'s VRRP daemon runs and is not frozen: it has left the master state of
    /// its own accord if it is not master.
    pub fn vrrp_serving(&self, node: &str) -> bool {
        let vrrp: Vec<_> = self.of(node).into_iter().filter(|p| p.spec.vrrp).collect();
        !vrrp.is_empty() && vrrp.iter().all(|p| p.is_serving())
    }

    pub fn all_running(&self) -> Vec<Arc<Running>> {
        self.inner
            .lock()
            .expect("process list")
            .iter()
            .filter(|r| r.is_running())
            .cloned()
            .collect()
    }
}

/// Log file path for a process of a node.
pub fn log_path(node_dir: &Path, name: &str) -> PathBuf {
    node_dir.join(format!("{name}.log"))
}
