//! `delay`: the lab's own netem, for kernels without it. The nftables table drops the
//! frames of a delayed flow on the bridge's forward hook; a relay thread in the switch
//! namespace reads the same frames from the sending node's port (a packet socket sees a frame
//! as it enters, before the bridge decides), holds each for its delay, and sends it into the
//! bridge device again, with a mark. The bridge forwards the copy by its own FDB, and a rule
//! on the output hook lets a marked copy out only by the flow's receiving ports. The capture
//! records each frame once, as it was sent (it skips what the bridge sends out).
//!
//! Each frame's fate is drawn from a generator seeded by the run's seed and the step, so the
//! same run impairs the same frames of the same sequence.

use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::topology::Namespace;

const PACKET_OUTGOING: u8 = 4;
const ETH_P_ALL: u16 = 0x0003;

/// How a relay impairs the frames it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    pub delay: Duration,
    pub jitter: Duration,
    pub reorder_permille: u16,
    pub duplicate_permille: u16,
    pub seed: u64,
}

/// What a relay did, for the record (its type is the run record's: `Ended::relayed`).
pub use crate::events::RelayStats;

impl RelayStats {
    pub fn add(&mut self, o: &RelayStats) {
        self.frames += o.frames;
        self.sent += o.sent;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.held_at_end += o.held_at_end;
        self.send_errors += o.send_errors;
    }
}

/// When each copy of a frame leaves, after it arrived: none, one or two offsets.
pub fn schedule(imp: &Impairment, rng: &mut ChaCha8Rng) -> (Vec<Duration>, bool) {
    let reorder = chance(rng, imp.reorder_permille);
    let duplicate = chance(rng, imp.duplicate_permille);
    let first = if reorder {
        Duration::ZERO
    } else {
        jittered(imp, rng)
    };
    let mut out = vec![first];
    if duplicate {
        out.push(first);
    }
    (out, reorder)
}

fn chance(rng: &mut ChaCha8Rng, permille: u16) -> bool {
    permille > 0 && rng.random_range(0..1000u16) < permille
}

fn jittered(imp: &Impairment, rng: &mut ChaCha8Rng) -> Duration {
    if imp.jitter.is_zero() {
        return imp.delay;
    }
    let j = imp.jitter.as_nanos() as i128;
    let offset = rng.random_range(-j..=j);
    let d = imp.delay.as_nanos() as i128 + offset;
    Duration::from_nanos(d.max(0) as u64)
}

/// A running relay for one flow.
pub struct Relay {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<RelayStats>>,
}

/// One port the relay reads, and the bridge its frames go back into.
#[derive(Debug, Clone, Copy)]
pub struct Tap {
    pub port_ifindex: u32,
    pub bridge_ifindex: u32,
}

impl Relay {
    /// Opens the sockets in the switch namespace and starts the thread.
    pub fn start(
        switch: &Namespace,
        taps: &[Tap],
        mark: u32,
        imp: Impairment,
    ) -> io::Result<Relay> {
        let taps = taps.to_vec();
        let (readers, sender) = switch.run_in(|| {
            let readers = taps
                .iter()
                .map(|t| Ok((reader(t.port_ifindex)?, t.bridge_ifindex)))
                .collect::<io::Result<Vec<_>>>()?;
            Ok((readers, marked_sender(mark)?))
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("relay".into())
            .spawn(move || relay_loop(&readers, &sender, imp, &stop2))?;
        Ok(Relay {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread; frames still held are dropped.
    pub fn stop(mut self) -> RelayStats {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A non-blocking packet socket bound to one port, every protocol.
fn reader(ifindex: u32) -> io::Result<OwnedFd> {
    let s = socket2::Socket::new(
        socket2::Domain::PACKET,
        socket2::Type::RAW,
        Some(socket2::Protocol::from(i32::from(ETH_P_ALL.to_be()))),
    )?;
    // Safety: a zeroed sockaddr_ll is valid; the fields set are plain integers.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = ETH_P_ALL.to_be();
    addr.sll_ifindex = ifindex as i32;
    // Safety: `addr` outlives the call; the length is its own.
    let rc = unsafe {
        libc::bind(
            s.as_raw_fd(),
            (&addr as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    s.set_nonblocking(true)?;
    Ok(OwnedFd::from(s))
}

/// The socket the copies leave by: each carries `mark`, which the output rule matches.
fn marked_sender(mark: u32) -> io::Result<OwnedFd> {
    let s = socket2::Socket::new(socket2::Domain::PACKET, socket2::Type::RAW, None)?;
    s.set_mark(mark)?;
    Ok(OwnedFd::from(s))
}

/// A copy waiting for its time.
struct Held {
    due: Instant,
    seq: u64,
    bridge: u32,
    frame: Vec<u8>,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.seq) == (o.due, o.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    /// Earliest first in a max-heap.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.due, o.seq).cmp(&(self.due, self.seq))
    }
}

fn relay_loop(
    readers: &[(OwnedFd, u32)],
    sender: &OwnedFd,
    imp: Impairment,
    stop: &AtomicBool,
) -> RelayStats {
    let mut rng = ChaCha8Rng::seed_from_u64(imp.seed);
    let mut held: BinaryHeap<Held> = BinaryHeap::new();
    let mut stats = RelayStats::default();
    let mut seq = 0u64;
    let mut buf = vec![0u8; 65536];
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        while held.peek().is_some_and(|h| h.due <= now) {
            let h = held.pop().expect("peeked");
            match send(sender, h.bridge, &h.frame) {
                Ok(()) => stats.sent += 1,
                Err(_) => stats.send_errors += 1,
            }
        }
        let wait = held
            .peek()
            .map_or(Duration::from_millis(20), |h| {
                h.due.saturating_duration_since(now)
            })
            .min(Duration::from_millis(20));
        if !readable(readers, wait) {
            continue;
        }
        for (fd, bridge) in readers {
            while let Some(frame) = receive(fd, &mut buf) {
                stats.frames += 1;
                let arrived = Instant::now();
                let (offsets, reordered) = schedule(&imp, &mut rng);
                stats.reordered += u64::from(reordered);
                stats.duplicated += offsets.len() as u64 - 1;
                for off in offsets {
                    seq += 1;
                    held.push(Held {
                        due: arrived + off,
                        seq,
                        bridge: *bridge,
                        frame: frame.clone(),
                    });
                }
            }
        }
    }
    stats.held_at_end = held.len() as u64;
    stats
}

/// Waits up to `wait` for a frame on any reader.
fn readable(readers: &[(OwnedFd, u32)], wait: Duration) -> bool {
    let mut fds: Vec<libc::pollfd> = readers
        .iter()
        .map(|(fd, _)| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ts = libc::timespec {
        tv_sec: wait.as_secs() as libc::time_t,
        tv_nsec: wait.subsec_nanos() as libc::c_long,
    };
    // Safety: `fds` and `ts` outlive the call; the count is the vector's length.
    let n = unsafe {
        libc::ppoll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            &ts,
            std::ptr::null(),
        )
    };
    n > 0
}

/// The next frame that entered by the port (not one the bridge sent out of it).
fn receive(fd: &OwnedFd, buf: &mut [u8]) -> Option<Vec<u8>> {
    loop {
        // Safety: a zeroed sockaddr_ll is valid.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // Safety: `buf` and `addr` outlive the call; the lengths are theirs.
        let n = unsafe {
            libc::recvfrom(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut addr as *mut libc::sockaddr_ll).cast(),
                &mut len,
            )
        };
        if n < 0 {
            return None;
        }
        if addr.sll_pkttype != PACKET_OUTGOING {
            return Some(buf[..n as usize].to_vec());
        }
    }
}

/// Sends a frame into the bridge device.
fn send(fd: &OwnedFd, bridge: u32, frame: &[u8]) -> io::Result<()> {
    if frame.len() < 14 {
        return Err(io::Error::other("a frame shorter than its Ethernet header"));
    }
    super::inject::send_one(fd, bridge, frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(delay_ms: u64, jitter_ms: u64, reorder: u16, duplicate: u16) -> Impairment {
        Impairment {
            delay: Duration::from_millis(delay_ms),
            jitter: Duration::from_millis(jitter_ms),
            reorder_permille: reorder,
            duplicate_permille: duplicate,
            seed: 7,
        }
    }

    fn draws(i: &Impairment, n: usize) -> Vec<(Vec<Duration>, bool)> {
        let mut rng = ChaCha8Rng::seed_from_u64(i.seed);
        (0..n).map(|_| schedule(i, &mut rng)).collect()
    }

    #[test]
    fn a_plain_delay_holds_every_frame_as_long() {
        for (offsets, reordered) in draws(&imp(30, 0, 0, 0), 100) {
            assert_eq!(offsets, vec![Duration::from_millis(30)]);
            assert!(!reordered);
        }
    }

    #[test]
    fn jitter_stays_within_its_bounds_either_way() {
        let d = draws(&imp(30, 10, 0, 0), 2000);
        let all: Vec<Duration> = d.iter().map(|(o, _)| o[0]).collect();
        assert!(all
            .iter()
            .all(|x| *x >= Duration::from_millis(20) && *x <= Duration::from_millis(40)));
        assert!(all.iter().any(|x| *x < Duration::from_millis(25)));
        assert!(all.iter().any(|x| *x > Duration::from_millis(35)));
    }

    #[test]
    fn shares_of_reorder_and_duplicate_are_near_their_permille_and_seeded() {
        let i = imp(30, 0, 200, 100);
        let d = draws(&i, 10_000);
        let reordered = d.iter().filter(|(_, r)| *r).count();
        let duplicated = d.iter().filter(|(o, _)| o.len() == 2).count();
        assert!((1800..2200).contains(&reordered), "{reordered}");
        assert!((800..1200).contains(&duplicated), "{duplicated}");
        // A reordered frame leaves at once.
        assert!(d.iter().filter(|(_, r)| *r).all(|(o, _)| o[0].is_zero()));
        // The same seed, the same fates.
        assert_eq!(d, draws(&i, 10_000));
    }
}
