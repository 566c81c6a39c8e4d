//! The guardian: a small child process that outlives a crashed daemon just
//! long enough to undo what it did to the system.
//!
//! A killed master would otherwise leave its macvlan up, holding the VIPs:
//! its kernel would go on answering ARP and NS for them with the VMAC, and
//! the segment would see the VMAC from two ports (checklist E1, E6). The
//! daemon tells the guardian, over a pipe, everything it puts in place (VMAC
//! interfaces, VIPs on other interfaces, blackhole routes and their rules)
//! and everything it takes away; when the pipe closes (the daemon is gone,
//! however it died), the guardian undoes what is left and exits. After a
//! clean stop nothing is left and it exits at once.
//!
//! The guardian runs in its own session (so its own process group): a
//! SIGKILL sent to the daemon's process group, which is what a supervisor
//! or the lab's `crash` fault sends, does not reach it. It never outlives
//! its work: it exits as soon as the pipe closes and the clean-up is done.
//! The pipe is close-on-exec, so hooks and track scripts never hold it open.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::os::fd::OwnedFd;

use nix::fcntl::OFlag;
use nix::sys::signal::{signal, SigHandler, Signal};
use nix::unistd::{fork, pipe2, setsid, ForkResult};

/// Something the daemon changed on the system, to undo if it dies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Undo {
    /// A VMAC interface, by name.
    Link(String),
    /// An address on an interface that is not a VMAC (e.g. `lo`).
    Addr {
        index: u32,
        addr: IpAddr,
        prefix: u8,
    },
    /// A blackhole route for a VIP.
    Blackhole { addr: IpAddr, table: u32 },
    /// The rule consulting the blackhole table.
    Rule {
        ipv6: bool,
        table: u32,
        priority: u32,
    },
}

impl Undo {
    fn encode(&self) -> String {
        match self {
            Undo::Link(n) => format!("link {n}"),
            Undo::Addr {
                index,
                addr,
                prefix,
            } => format!("addr {index} {addr} {prefix}"),
            Undo::Blackhole { addr, table } => format!("route {table} {addr}"),
            Undo::Rule {
                ipv6,
                table,
                priority,
            } => format!("rule {} {table} {priority}", if *ipv6 { 6 } else { 4 }),
        }
    }

    fn decode(s: &str) -> Option<Undo> {
        let w: Vec<&str> = s.split(' ').collect();
        match w.as_slice() {
            ["link", n] => Some(Undo::Link((*n).to_string())),
            ["addr", i, a, p] => Some(Undo::Addr {
                index: i.parse().ok()?,
                addr: a.parse().ok()?,
                prefix: p.parse().ok()?,
            }),
            ["route", t, a] => Some(Undo::Blackhole {
                table: t.parse().ok()?,
                addr: a.parse().ok()?,
            }),
            ["rule", f, t, p] => Some(Undo::Rule {
                ipv6: *f == "6",
                table: t.parse().ok()?,
                priority: p.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// The daemon's end of the pipe.
pub struct Guardian {
    pipe: File,
}

impl Guardian {
    /// Fork the guardian. Call while the process is still single-threaded
    /// (before the async runtime starts). Returns None if it cannot be
    /// started; the daemon then runs without it.
    pub fn spawn() -> Option<Guardian> {
        let (read, write): (OwnedFd, OwnedFd) = pipe2(OFlag::O_CLOEXEC).ok()?;
        // SAFETY: no other thread exists yet, so the child may run any code.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(write);
                watch(File::from(read));
            }
            Ok(ForkResult::Parent { .. }) => {
                drop(read);
                Some(Guardian {
                    pipe: File::from(write),
                })
            }
            Err(_) => None,
        }
    }

    /// `u` is (about to be) in place.
    pub fn added(&mut self, u: &Undo) {
        let _ = writeln!(self.pipe, "+ {}", u.encode());
    }

    /// `u` is gone.
    pub fn removed(&mut self, u: &Undo) {
        let _ = writeln!(self.pipe, "- {}", u.encode());
    }
}

fn watch(read: File) -> ! {
    // The daemon's link group (see netlink::link_group), from its pid.
    let group = 0x8000_0000 | nix::unistd::getppid().as_raw() as u32;
    // Out of the daemon's session and process group: what kills the
    // daemon's group must not kill its clean-up.
    let _ = setsid();
    // The daemon handles these; the guardian waits for the pipe to close.
    // SAFETY: setting dispositions to SIG_IGN installs no handler code.
    unsafe {
        let _ = signal(Signal::SIGTERM, SigHandler::SigIgn);
        let _ = signal(Signal::SIGINT, SigHandler::SigIgn);
        let _ = signal(Signal::SIGHUP, SigHandler::SigIgn);
    }
    let mut left: BTreeMap<Undo, u32> = BTreeMap::new();
    for line in BufReader::new(read).lines() {
        let Ok(line) = line else { break };
        let (sign, rest) = line.split_at(line.len().min(2));
        let Some(u) = Undo::decode(rest) else {
            continue;
        };
        match sign {
            "+ " => *left.entry(u).or_default() += 1,
            "- " => {
                if let Some(n) = left.get_mut(&u) {
                    *n -= 1;
                    if *n == 0 {
                        left.remove(&u);
                    }
                }
            }
            _ => {}
        }
    }
    if !left.is_empty() {
        eprintln!(
            "vrlabd guardian: daemon gone, undoing {:?}",
            left.keys().collect::<Vec<_>>()
        );
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(undo(group, left.into_keys().collect()));
        }
    }
    std::process::exit(0);
}

async fn undo(group: u32, items: Vec<Undo>) {
    use super::netlink;
    let Ok(h) = netlink::connect() else {
        return;
    };
    // Every VMAC interface at once (their VIPs go with them), then anything
    // not in the group; then what lives elsewhere.
    let _ = netlink::delete_group(&h, group).await;
    for u in &items {
        match u {
            Undo::Link(name) => {
                if let Ok(Some(l)) = netlink::link(&h, name).await {
                    let _ = netlink::delete_link(&h, l.index).await;
                }
            }
            Undo::Addr {
                index,
                addr,
                prefix,
            } => {
                let _ = netlink::del_address(&h, *index, *addr, *prefix).await;
            }
            Undo::Blackhole { addr, table } => {
                let _ = netlink::del_blackhole(&h, *addr, *table).await;
            }
            Undo::Rule { .. } => {}
        }
    }
    for u in &items {
        if let Undo::Rule {
            ipv6,
            table,
            priority,
        } = u
        {
            let _ = netlink::del_blackhole_rule(&h, *ipv6, *table, *priority).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_lines_round_trip() {
        for u in [
            Undo::Link("vr4.51.2".into()),
            Undo::Addr {
                index: 1,
                addr: "192.0.2.1".parse().unwrap(),
                prefix: 32,
            },
            Undo::Blackhole {
                addr: "2001:db8::1".parse().unwrap(),
                table: 112,
            },
            Undo::Rule {
                ipv6: true,
                table: 1000,
                priority: 112,
            },
        ] {
            assert_eq!(Undo::decode(&u.encode()), Some(u));
        }
        assert_eq!(Undo::decode("link"), None);
        assert_eq!(Undo::decode("addr x y z"), None);
    }
}
