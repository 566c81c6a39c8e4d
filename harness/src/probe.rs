//! Data-plane probes: hosts ping every virtual address at a fixed rate (default every 1 ms)
//! and record each reply, so a run knows its service gap to the probe interval.
//!
//! Each probe is one ICMP or ICMPv6 echo on an unprivileged ping socket opened inside the
//! host's namespace. A `probe` event is written per probe: `sent` (the event time), `seq`, and
//! `rtt_us` if a reply came back within a second, `lost: true` otherwise.

use std::collections::HashMap;
use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::events::{now_ns, Probe, Recorder, What};
use crate::topology::Namespace;

/// A probe not answered within this long is lost.
const REPLY_DEADLINE: Duration = Duration::from_secs(1);

struct Target {
    addr: IpAddr,
    sock: Socket,
    seq: u16,
    /// seq → (sent at, ns since epoch; monotonic instant)
    outstanding: HashMap<u16, (u64, Instant)>,
}

pub struct Prober {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Prober {
    /// Starts one probing thread per host.
    /// Starts probing: each host (name, namespace) its own targets.
    pub fn start(
        hosts: &[(&str, &Namespace, Vec<IpAddr>)],
        interval: Duration,
        rec: &Recorder,
    ) -> io::Result<Prober> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for (name, ns, targets) in hosts {
            let socks: Vec<(IpAddr, Socket)> = ns.run_in(|| {
                targets
                    .iter()
                    .map(|t| {
                        let (domain, proto) = match t {
                            IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4),
                            IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6),
                        };
                        let s = Socket::new(domain, Type::DGRAM, Some(proto)).map_err(|e| {
                            io::Error::new(
                                e.kind(),
                                format!(
                                    "ping socket for {t}: {e} (is net.ipv4.ping_group_range set?)"
                                ),
                            )
                        })?;
                        s.set_nonblocking(true)?;
                        Ok((*t, s))
                    })
                    .collect()
            })?;
            let mut tg: Vec<Target> = socks
                .into_iter()
                .map(|(addr, sock)| Target {
                    addr,
                    sock,
                    seq: 0,
                    outstanding: HashMap::new(),
                })
                .collect();
            let (stop2, rec2, node) = (stop.clone(), rec.clone(), name.to_string());
            threads.push(
                std::thread::Builder::new()
                    .name(format!("probe-{node}"))
                    .spawn(move || probe_loop(&node, &mut tg, interval, &rec2, &stop2))?,
            );
        }
        Ok(Prober { stop, threads })
    }

    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

fn echo_request(v6: bool, seq: u16) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[0] = if v6 { 128 } else { 8 };
    // Identifier and checksum are filled in by the kernel for ping sockets.
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    p[8..16].copy_from_slice(b"vrlab-pr");
    p
}

fn probe_loop(
    node: &str,
    targets: &mut [Target],
    interval: Duration,
    rec: &Recorder,
    stop: &AtomicBool,
) {
    let mut next = Instant::now();
    let mut buf = [MaybeUninit::<u8>::uninit(); 512];
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= next {
            for t in targets.iter_mut() {
                t.seq = t.seq.wrapping_add(1);
                let pkt = echo_request(t.addr.is_ipv6(), t.seq);
                let dst = SockAddr::from(SocketAddr::new(t.addr, 0));
                let sent = now_ns();
                match t.sock.send_to(&pkt, &dst) {
                    Ok(_) => {
                        t.outstanding.insert(t.seq, (sent, Instant::now()));
                    }
                    // No route or neighbour yet (ENETUNREACH, EHOSTUNREACH): a lost probe.
                    Err(e) => rec.at(
                        sent,
                        What::Probe(Probe {
                            lost: true,
                            error: Some(e.to_string()),
                            ..probe(node, t.addr, t.seq)
                        }),
                    ),
                }
            }
            next += interval;
            // After a stall (the machine was busy), do not send a burst to catch up.
            if next < now {
                next = now + interval;
            }
        }
        // Wait for replies until the next send.
        let wait = next.saturating_duration_since(Instant::now());
        let mut fds: Vec<libc::pollfd> = targets
            .iter()
            .map(|t| libc::pollfd {
                fd: t.sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = wait.as_micros().div_ceil(1000) as i32;
        // Safety: fds is a valid array of pollfd of the given length.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        for t in targets.iter_mut() {
            while let Ok(n) = t.sock.recv(&mut buf) {
                let reply_at = Instant::now();
                // Safety: recv initialised the first n bytes.
                let data: Vec<u8> = buf[..n]
                    .iter()
                    .map(|b| unsafe { b.assume_init() })
                    .collect();
                let is_reply = matches!(
                    (t.addr.is_ipv6(), data.first()),
                    (false, Some(0)) | (true, Some(129))
                );
                if !is_reply || n < 8 {
                    continue;
                }
                let seq = u16::from_be_bytes([data[6], data[7]]);
                if let Some((sent, at)) = t.outstanding.remove(&seq) {
                    let rtt = reply_at.duration_since(at).as_micros() as u64;
                    rec.at(
                        sent,
                        What::Probe(Probe {
                            rtt_us: Some(rtt),
                            ..probe(node, t.addr, seq)
                        }),
                    );
                }
            }
            let now = Instant::now();
            t.outstanding.retain(|seq, (sent, at)| {
                let keep = now.duration_since(*at) < REPLY_DEADLINE;
                if !keep {
                    rec.at(
                        *sent,
                        What::Probe(Probe {
                            lost: true,
                            ..probe(node, t.addr, *seq)
                        }),
                    );
                }
                keep
            });
        }
    }
    // Whatever is still outstanding at the end has not been answered in time to count.
    for t in targets.iter_mut() {
        for (seq, (sent, _)) in t.outstanding.drain() {
            rec.at(
                sent,
                What::Probe(Probe {
                    lost: true,
                    unfinished: true,
                    ..probe(node, t.addr, seq)
                }),
            );
        }
    }
}

/// A probe of `target` as the record has it, before its outcome is known.
fn probe(node: &str, target: IpAddr, seq: u16) -> Probe {
    Probe {
        node: node.to_string(),
        target: target.to_string(),
        seq: seq.into(),
        rtt_us: None,
        lost: false,
        error: None,
        unfinished: false,
    }
}
