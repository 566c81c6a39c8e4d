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

/// A network namespace plus the mount namespace its processes run in.
#[derive(Debug)]
pub struct Namespace {
    pub name: String,
    pub net: OwnedFd,
    pub mnt: OwnedFd,
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
    /// collide between nodes nor reach the host.
    pub fn create(name: &str, run_dir: &Path) -> io::Result<Namespace> {
        let run_dir = run_dir.to_path_buf();
        let bind_from = run_dir.clone();
        let (net, mnt) = std::thread::scope(|s| {
            s.spawn(|| -> io::Result<(OwnedFd, OwnedFd)> {
                // CLONE_NEWNS implies CLONE_FS: this thread gets its own root/cwd, which is
                // fine for a thread that ends right after.
                unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS)
                    .map_err(|e| io_err(e, "unshare(net, mnt)"))?;
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
                let net = File::open("/proc/thread-self/ns/net")?;
                let mnt = File::open("/proc/thread-self/ns/mnt")?;
                Ok((net.into(), mnt.into()))
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })?;
        Ok(Namespace {
            name: name.to_string(),
            net,
            mnt,
            run_dir,
            published: Vec::new(),
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

    /// Publishes the namespace for another process (`vrlab exec`): the network namespace is
    /// bound to `net_path`, and `run_link` becomes a symlink to the directory the node sees
    /// as /run. A joining process makes its own mount namespace with that /run and a fresh
    /// /sys, as `ip netns exec` does; mount namespaces themselves are not bound, because the
    /// kernel refuses binds of mount namespaces it cannot order against the caller's.
    pub fn publish(&mut self, net_path: &Path, run_link: &Path) -> io::Result<()> {
        let _ = umount2(net_path, MntFlags::MNT_DETACH);
        File::create(net_path)?;
        let src = format!("/proc/self/fd/{}", self.net.as_raw_fd());
        mount(
            Some(src.as_str()),
            net_path,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| io_err(e, &format!("binding {src} to {}", net_path.display())))?;
        self.published.push(net_path.to_path_buf());
        let _ = std::fs::remove_file(run_link);
        std::os::unix::fs::symlink(&self.run_dir, run_link)?;
        self.published.push(run_link.to_path_buf());
        Ok(())
    }

    /// A duplicate of the network namespace descriptor (for moving links into it).
    pub fn net_fd(&self) -> io::Result<OwnedFd> {
        let fd = nix::unistd::dup(self.net.as_raw_fd()).map_err(io::Error::from)?;
        // Safety: dup returned a fresh descriptor that we now own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        for p in self.published.drain(..) {
            if !p.is_symlink() {
                let _ = umount2(&p, MntFlags::MNT_DETACH);
            }
            let _ = std::fs::remove_file(&p);
        }
    }
}

/// `net.ipv4.conf.eth0.arp_ignore` → `/proc/sys/net/ipv4/conf/eth0/arp_ignore`.
pub fn sysctl_path(key: &str) -> PathBuf {
    Path::new("/proc/sys").join(key.replace('.', "/"))
}
