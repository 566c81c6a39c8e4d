//! The sandbox every lab lives in.
//!
//! At start-up, while still single-threaded, vrlab moves into a fresh mount + network + PID
//! namespace (plus a user namespace when not root). Three processes result:
//!
//! ```text
//! outer (the command the user ran, host PID P)   waits, forwards SIGINT/SIGTERM/SIGHUP
//!  └─ init (PID 1 in the lab)                    reaps orphans, forwards signals, dies with outer
//!      └─ worker (PID 2)                         builds the lab, runs daemons, records
//! ```
//!
//! init holds the PID namespace: when it dies — because the worker finished, or because the
//! outer process was killed, even by SIGKILL (init has a parent-death signal) — the kernel
//! kills every process in the lab, and with the last of them every namespace, veth, bridge and
//! mount goes too. Nothing is created in the caller's namespaces: mounts are private, and the
//! sandbox's /run is a tmpfs of its own.

use std::ffi::CString;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, getpid, getppid, ForkResult, Pid};

use crate::topology::netns::Published;

/// Environment variable through which the worker learns the host PID of the outer process
/// (the PID people pass to `vrlab exec --lab`).
pub const LAB_PID_ENV: &str = "VRLAB_LAB_PID";
/// Where, inside the sandbox, each node's namespaces are published for `vrlab exec`.
pub const NETNS_DIR: &str = "/run/netns";
pub const STATE_DIR: &str = "/run/vrlab";
/// Where each node's PID namespace is published.
const PIDNS_DIR: &str = "/run/vrlab/pidns";

/// The host directories the sandbox mounts its own file systems over (nodes also have their
/// own `topology::netns::PRIVATE_TMP`).
const PRIVATE_MOUNTS: [&str; 3] = ["/run", "/proc", "/sys"];

/// Which of the lab's private mounts `path` (absolute) lies under once its symbolic links are
/// resolved (`/var/run` is `/run`), if any: a file written there inside the lab is not the
/// host's, and a node would not see it.
pub fn hidden_in_lab(path: &Path) -> Option<PathBuf> {
    // The deepest ancestor that exists, resolved, with the rest appended.
    let (base, rest) = path
        .ancestors()
        .find_map(|a| {
            let real = std::fs::canonicalize(a).ok()?;
            Some((real, path.strip_prefix(a).ok()?.to_path_buf()))
        })
        .unwrap_or_else(|| (path.to_path_buf(), PathBuf::new()));
    let real = base.join(rest);
    PRIVATE_MOUNTS
        .into_iter()
        .chain(crate::topology::netns::PRIVATE_TMP.map(|(target, _)| target))
        .map(Path::new)
        .find(|m| real.starts_with(m))
        .map(Path::to_path_buf)
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot create the lab's namespaces: {cause}\n  fix: {fix}")]
    Unshare { cause: String, fix: String },
    #[error("sandbox set-up failed at {step}: {source}")]
    Setup {
        step: &'static str,
        #[source]
        source: Errno,
    },
    #[error("no kept lab found: start one with `vrlab up SCENARIO` (in another terminal)")]
    NoLab,
    #[error("several kept labs are running ({0}): say which with --lab PID")]
    SeveralLabs(String),
    #[error("cannot enter lab {pid}: {what}: {source}")]
    Join {
        pid: i32,
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("node `{node}` is not in lab {pid}; its nodes are: {nodes}")]
    NoNode {
        node: String,
        pid: i32,
        nodes: String,
    },
    #[error("lab {pid}: {what}: {source}")]
    Control {
        pid: i32,
        what: String,
        #[source]
        source: std::io::Error,
    },
}

static FORWARD_TO: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = FORWARD_TO.load(Ordering::Relaxed);
    if pid > 0 {
        // Async-signal-safe: kill(2) only.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

fn forward_signals_to(pid: Pid) {
    FORWARD_TO.store(pid.as_raw(), Ordering::Relaxed);
    let action = SigAction::new(
        SigHandler::Handler(forward_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        // Safety: the handler only calls kill(2).
        let _ = unsafe { signal::sigaction(sig, &action) };
    }
}

fn exit_code(status: WaitStatus) -> i32 {
    match status {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        _ => 1,
    }
}

fn wait_for(pid: Pid) -> i32 {
    loop {
        match waitpid(pid, None) {
            Ok(s @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => return exit_code(s),
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return 1,
        }
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Why unprivileged user namespaces may be refused, and what to do about it.
fn diagnose_unshare(err: Errno) -> SandboxError {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .ok()
    };
    let (cause, fix) = if is_root() {
        (
            format!("unshare(2) failed: {err}"),
            "vrlab needs CAP_SYS_ADMIN and CAP_NET_ADMIN; inside a container, run it with --privileged".to_string(),
        )
    } else if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1")
    {
        (
            format!("unprivileged user namespaces are restricted by AppArmor ({err})"),
            "run as root (sudo vrlab ...), or allow them: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0".to_string(),
        )
    } else if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        (
            format!("unprivileged user namespaces are disabled ({err})"),
            "run as root (sudo vrlab ...), or: sudo sysctl kernel.unprivileged_userns_clone=1"
                .to_string(),
        )
    } else if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        (
            format!("user namespaces are disabled ({err})"),
            "run as root, or: sudo sysctl user.max_user_namespaces=15000".to_string(),
        )
    } else {
        (
            format!("unshare(2) failed without root: {err}"),
            "run as root (sudo vrlab ...)".to_string(),
        )
    };
    SandboxError::Unshare { cause, fix }
}

fn step(step: &'static str) -> impl Fn(Errno) -> SandboxError {
    move |source| SandboxError::Setup { step, source }
}

/// Enters a fresh sandbox. Returns only in the worker process; the outer process and the
/// sandbox's init exit with the worker's exit code.
///
/// Must be called while the process is single-threaded (before any runtime starts).
pub fn enter() -> Result<(), SandboxError> {
    let root = is_root();
    let (uid, gid) = (nix::unistd::getuid(), nix::unistd::getgid());
    let mut flags = CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWPID;
    if !root {
        flags |= CloneFlags::CLONE_NEWUSER;
    }
    unshare(flags).map_err(diagnose_unshare)?;
    if !root {
        let w = |p: &str, s: String| {
            std::fs::write(p, s)
                .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EPERM)))
        };
        w("/proc/self/setgroups", "deny".into()).map_err(step("setgroups"))?;
        w("/proc/self/uid_map", format!("0 {uid} 1")).map_err(step("uid_map"))?;
        w("/proc/self/gid_map", format!("0 {gid} 1")).map_err(step("gid_map"))?;
    }
    // Nothing mounted from here on may propagate back to the caller's namespace.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(step("making mounts private"))?;

    let outer = getpid();
    // Safety: single-threaded here (documented precondition).
    match unsafe { fork() }.map_err(step("fork of the lab's init"))? {
        ForkResult::Parent { child } => {
            forward_signals_to(child);
            std::process::exit(wait_for(child));
        }
        ForkResult::Child => {}
    }
    // Lab init, PID 1 of the new PID namespace.
    die_with_parent(outer);
    mount_proc().map_err(step("mounting /proc"))?;
    mount(
        Some("tmpfs"),
        "/run",
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755"),
    )
    .map_err(step("mounting a private /run"))?;
    for d in [NETNS_DIR, STATE_DIR, "/run/vrlab/nodes", PIDNS_DIR] {
        std::fs::create_dir_all(d).map_err(|e| SandboxError::Setup {
            step: "creating /run/vrlab",
            source: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        })?;
    }
    let init = getpid();
    match unsafe { fork() }.map_err(step("fork of the lab's worker"))? {
        ForkResult::Parent { child } => {
            forward_signals_to(child);
            std::process::exit(reap_until(child));
        }
        ForkResult::Child => {}
    }
    die_with_parent(init);
    std::env::set_var(LAB_PID_ENV, outer.as_raw().to_string());
    Ok(())
}

/// Mounts a /proc that shows the caller's PID namespace (the lab's init; a command `vrlab
/// exec` runs in a node). A node's own init does the same with bare system calls
/// (`topology::init`).
fn mount_proc() -> nix::Result<()> {
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
}

/// Reaps every child (orphaned daemons are re-parented to init) until the worker exits.
fn reap_until(worker: Pid) -> i32 {
    loop {
        match waitpid(None, None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == worker => return code,
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == worker => return 128 + sig as i32,
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return 1,
        }
    }
}

/// Asks the kernel to SIGKILL this process when its parent dies, and closes the race where
/// the parent died before the request.
fn die_with_parent(parent: Pid) {
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    // In the new PID namespace the parent (outside it) shows as PID 0.
    let ppid = getppid();
    if ppid.as_raw() != 0 && ppid != parent {
        std::process::exit(1);
    }
}

/// True inside a rootless sandbox: a user namespace in which only ID 0 is mapped, so no
/// other user (such as `frr`) exists for a daemon to switch to.
pub fn rootless() -> bool {
    std::fs::read_to_string("/proc/self/uid_map")
        .map(|m| {
            !m.split_whitespace()
                .collect::<Vec<_>>()
                .starts_with(&["0", "0"])
        })
        .unwrap_or(false)
}

/// The host PIDs of running `vrlab up` processes, read from /proc.
pub fn find_labs() -> Vec<i32> {
    let me = std::fs::read_link("/proc/self/exe").ok();
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let exe = std::fs::read_link(e.path().join("exe")).ok();
        if exe.is_none() || exe != me {
            continue;
        }
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmd.split(|b| *b == 0).collect();
        // The outer process of `vrlab up` is the one still in the caller's PID namespace;
        // its children in the lab have the same command line, so keep only PIDs whose parent
        // is not itself a vrlab up.
        if args.iter().any(|a| *a == b"up") {
            found.push(pid);
        }
    }
    let outer: Vec<i32> = found
        .iter()
        .copied()
        .filter(|pid| {
            let ppid = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().nth(1))
                        .and_then(|p| p.parse::<i32>().ok())
                });
            !ppid.is_some_and(|p| found.contains(&p))
        })
        .collect();
    outer
}

fn open_ns(pid: i32, name: &str) -> Result<std::fs::File, SandboxError> {
    let p = format!("/proc/{pid}/ns/{name}");
    std::fs::File::open(&p).map_err(|source| SandboxError::Join {
        pid,
        what: format!("opening {p}"),
        source,
    })
}

/// Paths under which a node is published inside the sandbox: its network and PID
/// namespaces, and a symlink to the directory it sees as /run.
pub fn node_paths(node: &str) -> Published {
    Published {
        net: Path::new(NETNS_DIR).join(node),
        pid: Path::new(PIDNS_DIR).join(node),
        run: Path::new(STATE_DIR).join("nodes").join(node),
    }
}

/// Joins the kept lab `lab` (or the only one) — its user namespace unless root, and its mount
/// namespace, whose /run holds the lab's state — and returns the lab's PID.
pub fn enter_lab(lab: Option<i32>) -> Result<i32, SandboxError> {
    let pid = match lab {
        Some(p) => p,
        None => match find_labs().as_slice() {
            [] => return Err(SandboxError::NoLab),
            [one] => *one,
            many => {
                return Err(SandboxError::SeveralLabs(
                    many.iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ))
            }
        },
    };
    let join = |f: &std::fs::File, kind: CloneFlags, what: &str| {
        setns(f.as_fd(), kind).map_err(|e| SandboxError::Join {
            pid,
            what: what.to_string(),
            source: std::io::Error::from(e),
        })
    };
    // Open everything first: after the first setns, /proc/PID may resolve differently.
    let user = open_ns(pid, "user")?;
    let mnt = open_ns(pid, "mnt")?;
    if !is_root() {
        join(
            &user,
            CloneFlags::CLONE_NEWUSER,
            "joining the lab's user namespace",
        )?;
    }
    join(
        &mnt,
        CloneFlags::CLONE_NEWNS,
        "joining the lab's mount namespace",
    )?;
    Ok(pid)
}

/// Runs `argv` inside `node` of the kept lab whose outer process is `lab`, and returns its
/// exit code. Must be called while single-threaded.
pub fn exec_in_lab(lab: Option<i32>, node: &str, argv: &[String]) -> Result<i32, SandboxError> {
    let pid = enter_lab(lab)?;
    let join = |f: &std::fs::File, kind: CloneFlags, what: &str| {
        setns(f.as_fd(), kind).map_err(|e| SandboxError::Join {
            pid,
            what: what.to_string(),
            source: std::io::Error::from(e),
        })
    };
    let paths = node_paths(node);
    let node_net = std::fs::File::open(&paths.net);
    let node_pid = std::fs::File::open(&paths.pid);
    let node_run = std::fs::read_link(&paths.run);
    let (Ok(node_net), Ok(node_pid), Ok(node_run)) = (node_net, node_pid, node_run) else {
        let nodes = std::fs::read_dir(NETNS_DIR)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        return Err(SandboxError::NoNode {
            node: node.to_string(),
            pid,
            nodes,
        });
    };
    // The command is forked into the node's PID namespace: it sees the node's processes
    // only, and `pkill` in one node never reaches another's.
    join(
        &node_pid,
        CloneFlags::CLONE_NEWPID,
        "joining the node's PID namespace",
    )?;
    let cargs: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()).unwrap_or_default())
        .collect();
    match unsafe { fork() }.map_err(step("fork"))? {
        ForkResult::Parent { child } => {
            // The command owns the terminal; we only wait.
            let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
            let _ = unsafe { signal::sigaction(Signal::SIGINT, &ignore) };
            Ok(wait_for(child))
        }
        ForkResult::Child => {
            // The node's view, as its daemons have it: its network namespace, a /sys that
            // shows it, a /proc that shows its processes, and its own /run.
            let entered = setns(node_net.as_fd(), CloneFlags::CLONE_NEWNET)
                .and_then(|_| unshare(CloneFlags::CLONE_NEWNS))
                .and_then(|_| {
                    let _ = nix::mount::umount2("/sys", nix::mount::MntFlags::MNT_DETACH);
                    mount(
                        Some("sysfs"),
                        "/sys",
                        Some("sysfs"),
                        MsFlags::empty(),
                        None::<&str>,
                    )
                })
                .and_then(|_| {
                    mount(
                        Some(&node_run),
                        "/run",
                        None::<&str>,
                        MsFlags::MS_BIND,
                        None::<&str>,
                    )
                })
                .and_then(|_| mount_proc())
                .map_err(std::io::Error::from)
                .and_then(|_| crate::topology::netns::bind_private_tmp(&node_run));
            if let Err(e) = entered {
                eprintln!("vrlab exec: cannot enter node {node}: {e}");
                std::process::exit(126);
            }
            let err = nix::unistd::execvp(&cargs[0], &cargs).unwrap_err();
            eprintln!("vrlab exec: {}: {err}", argv[0]);
            std::process::exit(127);
        }
    }
}
