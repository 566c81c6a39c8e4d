//! Node namespaces as owned file descriptors, and the throwaway-thread pattern for doing
//! things inside one.
//!
//! `setns` changes only the calling thread, and a runtime worker that called it would stay in
//! the wrong namespace for good. So every act inside a node runs on a short-lived thread that
//! enters the namespace, does one thing (open a socket, write a sysctl) and ends. A socket
//! stays bound to the namespace it was created in, so the async runtime can drive it after.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};

/// A node: a network namespace, the mount namespace its processes run in, and a PID
/// namespace of their own (so `pkill keepalived` in one node never reaches another's).
#[derive(Debug)]
pub struct Namespace {
    pub name: String,
    pub net: OwnedFd,
    pub mnt: OwnedFd,
    /// The node's PID namespace: processes forked by a thread that entered it are in it.
    pub pid: OwnedFd,
    /// PID 1 of that namespace (see `init`), as the lab sees it.
    init: nix::unistd::Pid,
    /// The directory the namespace's processes see as /run.
    pub run_dir: PathBuf,
    /// Paths where this namespace is published for `vrlab exec`, removed on drop.
    published: Vec<PathBuf>,
}

fn io_err(e: nix::errno::Errno, what: &str) -> io::Error {
    io::Error::new(io::Error::from(e).kind(), format!("{what}: {e}"))
}

/// The host directory where daemons keep scratch files that outlive them (FRR:
/// /var/tmp/frr/DAEMON.PID), and the directory under the node's /run each node has in its
/// place. /tmp stays the host's: run directories (and the configs daemons read from them)
/// often live there.
pub const PRIVATE_TMP: [(&str, &str); 1] = [("/var/tmp", "vrlab-var-tmp")];

/// Gives the calling thread's mount namespace the node's own /var/tmp, bound from a directory
/// under `run` (the node's /run, inside the sandbox's private /run): nothing a node's
/// processes leave there reaches the host, and two nodes never share a path, even when their
/// PIDs repeat. Also what `vrlab exec` does, so a command sees what the daemons see.
pub fn bind_private_tmp(run: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for (target, name) in PRIVATE_TMP {
        if !Path::new(target).is_dir() {
            continue;
        }
        let dir = run.join(name);
        std::fs::create_dir_all(&dir)?;
        // Like /var/tmp: anyone may create, only the owner may remove (FRR runs as `frr`).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777))?;
        mount(
            Some(&dir),
            target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| io_err(e, "binding the node's own /var/tmp"))?;
    }
    Ok(())
}

impl Namespace {
    /// Creates a network namespace and a mount namespace in which `/sys` shows that network
    /// namespace and `/run` is `run_dir` (as `ip netns exec` does for /sys), and /var/tmp is
    /// the node's own, so daemons' pid files, sockets, scratch files and sysfs views never
    /// collide between nodes nor reach the host; and a PID namespace whose /proc is the
    /// node's /proc, so its processes see only one another.
    pub fn create(name: &str, run_dir: &Path) -> io::Result<Namespace> {
        let run_dir = run_dir.to_path_buf();
        let bind_from = run_dir.clone();
        let (net, mnt, pid, init) = std::thread::scope(|s| {
            s.spawn(
                || -> io::Result<(OwnedFd, OwnedFd, OwnedFd, nix::unistd::Pid)> {
                    // CLONE_NEWNS implies CLONE_FS: this thread gets its own root/cwd, which is
                    // fine for a thread that ends right after. CLONE_NEWPID applies to the
                    // processes this thread forks: the first is the node's init.
                    unshare(
                        CloneFlags::CLONE_NEWNET
                            | CloneFlags::CLONE_NEWNS
                            | CloneFlags::CLONE_NEWPID,
                    )
                    .map_err(|e| io_err(e, "unshare(net, mnt, pid)"))?;
                    // The new mount namespace is a private copy of the sandbox's.
                    let _ = umount2("/sys", MntFlags::MNT_DETACH);
                    mount(
                        Some("sysfs"),
                        "/sys",
                        Some("sysfs"),
                        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                        None::<&str>,
                    )
                    .map_err(|e| io_err(e, "mounting /sys"))?;
                    mount(
                        Some(&bind_from),
                        "/run",
                        None::<&str>,
                        MsFlags::MS_BIND,
                        None::<&str>,
                    )
                    .map_err(|e| io_err(e, "binding the node's /run"))?;
                    bind_private_tmp(&bind_from)?;
                    // Opened before the init mounts the node's /proc over this one, in which
                    // this thread does not exist.
                    let net = File::open("/proc/thread-self/ns/net")?;
                    let mnt = File::open("/proc/thread-self/ns/mnt")?;
                    let init = super::init::start()?;
                    // The PID namespace exists for others once it has an init: PID 1 of the
                    // node's /proc, which is now this thread's.
                    let pid = File::open("/proc/1/ns/pid").map_err(|e| {
                        io::Error::new(e.kind(), format!("opening the node's PID namespace: {e}"))
                    })?;
                    Ok((net.into(), mnt.into(), pid.into(), init))
                },
            )
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })?;
        Ok(Namespace {
            name: name.to_string(),
            net,
            mnt,
            pid,
            init,
            run_dir,
            published: Vec::new(),
        })
    }

    /// Spawns `cmd` (which enters the node's mount and network namespaces itself, see
    /// `process::enter_node`) as a process of the node's PID namespace: the fork is made by a
    /// thread that entered it. Needs the async runtime (the child is the runtime's to reap).
    pub fn spawn(&self, cmd: &mut tokio::process::Command) -> io::Result<tokio::process::Child> {
        let runtime = tokio::runtime::Handle::current();
        std::thread::scope(|s| {
            s.spawn(|| {
                setns(self.pid.as_fd(), CloneFlags::CLONE_NEWPID)
                    .map_err(|e| io_err(e, "setns(pid)"))?;
                let _in_runtime = runtime.enter();
                cmd.spawn()
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("spawning thread panicked")))
        })
    }

    /// Runs `f` on a fresh thread inside this network namespace (the mount namespace is left
    /// alone: /proc/sys/net follows the thread's network namespace).
    pub fn run_in<T: Send>(&self, f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
        std::thread::scope(|s| {
            s.spawn(|| {
                setns(self.net.as_fd(), CloneFlags::CLONE_NEWNET)
                    .map_err(|e| io_err(e, "setns(net)"))?;
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })
    }

    /// Writes a sysctl (`net.ipv4.conf.eth0.arp_ignore`) inside this namespace.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        let path = sysctl_path(key);
        self.run_in(|| {
            std::fs::write(&path, value).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("sysctl {key}={value} in {}: {e}", self.name),
                )
            })
        })
    }

    /// Writes several sysctls from one thread. A key this kernel does not have (such as
    /// `accept_untracked_na` before Linux 5.18) is recorded as absent rather than failing;
    /// returns (key, value written or "(absent on this kernel)").
    pub fn sysctls(&self, wanted: &[(String, String)]) -> io::Result<Vec<(String, String)>> {
        self.run_in(|| {
            let mut done = Vec::new();
            for (key, value) in wanted {
                let path = sysctl_path(key);
                if !path.exists() {
                    done.push((key.clone(), "(absent on this kernel)".to_string()));
                    continue;
                }
                std::fs::write(&path, value).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("sysctl {key}={value} in {}: {e}", self.name),
                    )
                })?;
                done.push((key.clone(), value.clone()));
            }
            Ok(done)
        })
    }

    /// Reads a sysctl inside this namespace; `None` when this kernel does not have it.
    pub fn read_sysctl(&self, key: &str) -> Option<String> {
        let path = sysctl_path(key);
        self.run_in(|| std::fs::read_to_string(&path).map(|s| s.trim().to_string()))
            .ok()
    }

    /// Publishes the namespace for another process (`vrlab exec`): the network and PID
    /// namespaces are bound to files, and a symlink names the directory the node sees as
    /// /run. A joining process makes its own mount namespace with that /run, a fresh /sys and
    /// the node's /proc, as `ip netns exec` does for /sys; mount namespaces themselves are not
    /// bound, because the kernel refuses binds of mount namespaces it cannot order against
    /// the caller's.
    pub fn publish(&mut self, paths: &Published) -> io::Result<()> {
        for (fd, path) in [
            (self.net.as_raw_fd(), &paths.net),
            (self.pid.as_raw_fd(), &paths.pid),
        ] {
            bind_ns(fd, path)?;
            self.published.push(path.clone());
        }
        let _ = std::fs::remove_file(&paths.run);
        std::os::unix::fs::symlink(&self.run_dir, &paths.run)?;
        self.published.push(paths.run.clone());
        Ok(())
    }

    /// Kills the node's init (and so every process left in the node) without waiting; the
    /// drop reaps it.
    pub fn end_init(&self) {
        super::init::kill_only(self.init);
    }

    /// A duplicate of the network namespace descriptor (for moving links into it).
    pub fn net_fd(&self) -> io::Result<OwnedFd> {
        let fd = nix::unistd::dup(self.net.as_raw_fd()).map_err(io::Error::from)?;
        // Safety: dup returned a fresh descriptor that we now own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// Where a node's namespaces are published for `vrlab exec` (`sandbox::node_paths`).
#[derive(Debug, Clone)]
pub struct Published {
    /// Bound to the network namespace.
    pub net: PathBuf,
    /// Bound to the PID namespace.
    pub pid: PathBuf,
    /// A symlink to the node's /run.
    pub run: PathBuf,
}

/// Binds the namespace file of descriptor `fd` to `path`, so that it outlives nothing but
/// is reachable by path.
fn bind_ns(fd: std::os::fd::RawFd, path: &Path) -> io::Result<()> {
    let _ = umount2(path, MntFlags::MNT_DETACH);
    File::create(path)?;
    let src = format!("/proc/self/fd/{fd}");
    mount(
        Some(src.as_str()),
        path,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| io_err(e, &format!("binding {src} to {}", path.display())))
}

impl Drop for Namespace {
    fn drop(&mut self) {
        for p in self.published.drain(..) {
            if !p.is_symlink() {
                let _ = umount2(&p, MntFlags::MNT_DETACH);
            }
            let _ = std::fs::remove_file(&p);
        }
        // The init is ours; when it dies the kernel ends whatever is left in the node.
        super::init::stop(self.init);
    }
}

/// `net.ipv4.conf.eth0.arp_ignore` → `/proc/sys/net/ipv4/conf/eth0/arp_ignore`.
pub fn sysctl_path(key: &str) -> PathBuf {
    Path::new("/proc/sys").join(key.replace('.', "/"))
}
