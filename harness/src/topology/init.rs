//! PID 1 of a node's PID namespace.
//!
//! A node's processes live in a PID namespace of their own, so that what a daemon or an
//! operator's command sees in /proc — `pkill keepalived`, `pidof vrrpd`, keepalived's own
//! check of its pid file — is its node's processes only. A PID namespace needs a first
//! process: when it ends, the kernel ends every other process in the namespace, and orphans
//! are re-parented to it. This one mounts the node's /proc (in the node's mount namespace,
//! where it was forked), says so, then reaps orphans until the lab kills it.
//!
//! It is forked, not executed, by the thread that created the namespaces, from a process that
//! runs other threads: between `fork` and its end it makes only async-signal-safe system calls
//! and allocates nothing.

use std::io::{self, Read};
use std::os::fd::AsRawFd;

use nix::fcntl::OFlag;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe2, ForkResult, Pid};

/// Forks the init of the PID namespace the calling thread's children go to (after
/// `unshare(CLONE_NEWPID)`), and waits until it has mounted the node's /proc.
pub fn start() -> io::Result<Pid> {
    let devnull = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    // Close-on-exec: a daemon forked meanwhile by another thread must not hold it open.
    let (ready_r, ready_w) = pipe2(OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    // Safety: the child runs `init_main` only, which keeps to async-signal-safe calls.
    match unsafe { fork() }.map_err(io::Error::from)? {
        ForkResult::Child => unsafe { init_main(devnull.as_raw_fd(), ready_w.as_raw_fd()) },
        ForkResult::Parent { child } => {
            drop(ready_w);
            let mut said = [0u8; 1];
            let mut r = std::fs::File::from(ready_r);
            match r.read(&mut said) {
                Ok(1) if said[0] == READY => Ok(child),
                outcome => {
                    stop(child);
                    Err(io::Error::other(format!(
                        "the node's init could not mount its /proc ({})",
                        match outcome {
                            Ok(1) => "mount(2) failed".to_string(),
                            Ok(_) => "it ended first".to_string(),
                            Err(e) => e.to_string(),
                        }
                    )))
                }
            }
        }
    }
}

/// Ends the init (and with it every process left in the node), and reaps it.
pub fn stop(init: Pid) {
    kill_only(init);
    let _ = waitpid(init, None);
}

/// Ends the init without waiting for it (it stays a zombie until `stop` reaps it).
pub fn kill_only(init: Pid) {
    let _ = kill(init, Signal::SIGKILL);
}

const READY: u8 = b'1';
const FAILED: u8 = b'0';

/// The init's whole life. Never returns.
///
/// # Safety
/// Only in a child just forked: `devnull` and `ready` are open descriptors.
unsafe fn init_main(devnull: i32, ready: i32) -> ! {
    // Default dispositions (the parent's handlers are the runtime's) and nothing blocked.
    for sig in 1..32 {
        libc::signal(sig, libc::SIG_DFL);
    }
    let mut none: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut none);
    libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    libc::prctl(libc::PR_SET_NAME, c"vrlab-init".as_ptr());
    // No descriptor of the lab's but `ready`: a pipe held open here would never see its end.
    for fd in 0..3 {
        libc::dup2(devnull, fd);
    }
    close_all_but(ready);
    let mounted = libc::mount(
        c"proc".as_ptr(),
        c"/proc".as_ptr(),
        c"proc".as_ptr(),
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        std::ptr::null(),
    ) == 0;
    let said = if mounted { READY } else { FAILED };
    libc::write(ready, (&said as *const u8).cast(), 1);
    libc::close(ready);
    if !mounted {
        libc::_exit(1);
    }
    let second = libc::timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    loop {
        if libc::waitpid(-1, std::ptr::null_mut(), 0) < 0
            && *libc::__errno_location() == libc::ECHILD
        {
            libc::nanosleep(&second, std::ptr::null_mut());
        }
    }
}

/// Closes every descriptor from 3 up except `keep`.
unsafe fn close_all_but(keep: i32) {
    let close_range = |from: u32, to: u32| {
        if from <= to {
            libc::syscall(libc::SYS_close_range, from, to, 0u32);
        }
    };
    let keep = keep as u32;
    close_range(3, keep.saturating_sub(1));
    close_range(keep + 1, u32::MAX);
}
