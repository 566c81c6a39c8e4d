//! Packet capture: one pcapng file per segment, one pcapng interface per bridge port.
//!
//! A single AF_PACKET socket in the switch namespace sees every frame on every bridge port.
//! A frame is written once, on the port it entered the bridge by (the port of the node that
//! sent it): frames the bridge sends out of a port (PACKET_OUTGOING) are skipped. So each
//! frame in a pcapng is attributed to its sender by its interface, and its timestamp is the
//! kernel's CLOCK_REALTIME stamp, the clock of `events.jsonl`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::socket::{
    recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags, SockaddrLike, SockaddrStorage,
};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;
use serde::Serialize;

use super::live::{vrrp_of, LiveWire, Seen};
use crate::topology::Topology;

const PACKET_OUTGOING: u8 = 4;
const SNAPLEN: usize = 256 * 1024;

/// Where each segment's frames went, for run.json.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentFile {
    pub segment: String,
    pub file: String,
    /// pcapng interface id → (node, interface, bridge port).
    pub interfaces: Vec<CaptureInterface>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaptureInterface {
    pub id: u32,
    pub node: String,
    pub interface: String,
    pub port: String,
    pub mac: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureStats {
    pub frames: u64,
    /// Frames the kernel dropped because the socket buffer was full (PACKET_STATISTICS).
    pub kernel_drops: u64,
}

pub struct PacketCapture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<CaptureStats>>>,
    pub files: Vec<SegmentFile>,
}

struct Sink {
    writer: PcapNgWriter<BufWriter<File>>,
    segment: usize,
}

/// Which sink and interface id a port ifindex maps to, and the node index behind it.
struct PortMap {
    by_ifindex: HashMap<u32, (usize, u32, usize)>,
}

impl PacketCapture {
    /// Opens the socket and the pcapng files and starts the capture thread.
    pub fn start(topo: &Topology, dir: &Path, live: Arc<LiveWire>) -> io::Result<PacketCapture> {
        std::fs::create_dir_all(dir)?;
        let sock: OwnedFd = topo.switch.run_in(|| {
            let s = socket2::Socket::new(
                socket2::Domain::PACKET,
                socket2::Type::RAW,
                Some(socket2::Protocol::from(
                    (libc::ETH_P_ALL as u16).to_be() as i32
                )),
            )?;
            Ok(s.into())
        })?;
        // A burst of probes and adverts during a failover must not overflow the buffer.
        let _ = setsockopt(&sock, sockopt::RcvBufForce, &(32 << 20));
        setsockopt(&sock, sockopt::ReceiveTimestampns, &true)?;
        let tv = nix::sys::time::TimeVal::new(0, 50_000);
        setsockopt(&sock, sockopt::ReceiveTimeout, &tv)?;

        let node_index: HashMap<&str, usize> = topo
            .nodes
            .keys()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut sinks = Vec::new();
        let mut files = Vec::new();
        let mut by_ifindex = HashMap::new();
        for (si, bridge) in topo.bridges.iter().enumerate() {
            let file = format!("{}.pcapng", bridge.segment);
            let path: PathBuf = dir.join(&file);
            let shb = SectionHeaderBlock {
                options: vec![
                    SectionHeaderOption::UserApplication(format!("vrlab {}", env!("CARGO_PKG_VERSION")).into()),
                    SectionHeaderOption::OS(os_name().into()),
                    SectionHeaderOption::Comment(format!("segment {} (bridge {}): one interface per bridge port, frames as they entered the bridge", bridge.segment, bridge.name).into()),
                ],
                ..Default::default()
            };
            let mut writer =
                PcapNgWriter::with_section_header(BufWriter::new(File::create(&path)?), shb)
                    .map_err(pcap_err)?;
            let mut interfaces = Vec::new();
            for p in topo.ports.iter().filter(|p| p.segment == bridge.segment) {
                let id = interfaces.len() as u32;
                let idb = InterfaceDescriptionBlock {
                    linktype: DataLink::ETHERNET,
                    snaplen: SNAPLEN as u32,
                    options: vec![
                        InterfaceDescriptionOption::IfName(
                            format!("{}:{}", p.node, p.interface).into(),
                        ),
                        InterfaceDescriptionOption::IfDescription(
                            format!(
                                "bridge port {} of {}, to node {} interface {} ({})",
                                p.port, bridge.name, p.node, p.interface, p.mac
                            )
                            .into(),
                        ),
                        InterfaceDescriptionOption::IfTsResol(9),
                    ],
                };
                writer.write_pcapng_block(idb).map_err(pcap_err)?;
                by_ifindex.insert(p.port_ifindex, (si, id, node_index[p.node.as_str()]));
                interfaces.push(CaptureInterface {
                    id,
                    node: p.node.clone(),
                    interface: p.interface.clone(),
                    port: p.port.clone(),
                    mac: p.mac.clone(),
                });
            }
            // The headers reach the disk at once: a run killed from now on leaves a valid
            // (if empty) capture.
            writer.get_mut().flush()?;
            sinks.push(Sink {
                writer,
                segment: si,
            });
            files.push(SegmentFile {
                segment: bridge.segment.clone(),
                file: format!("segments/{file}"),
                interfaces,
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let map = PortMap { by_ifindex };
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || capture_loop(sock, sinks, map, live, stop2))?;
        Ok(PacketCapture {
            stop,
            thread: Some(thread),
            files,
        })
    }

    /// Stops the thread and closes the files.
    pub fn finish(mut self) -> io::Result<CaptureStats> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("capture thread panicked")),
            None => Ok(CaptureStats::default()),
        }
    }
}

impl Drop for PacketCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn pcap_err(e: pcap_file::PcapError) -> io::Error {
    io::Error::other(e.to_string())
}

fn os_name() -> String {
    nix::sys::utsname::uname()
        .map(|u| {
            format!(
                "{} {}",
                u.sysname().to_string_lossy(),
                u.release().to_string_lossy()
            )
        })
        .unwrap_or_else(|_| "Linux".into())
}

/// How long captured frames may wait in memory before they are written out.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

fn capture_loop(
    sock: OwnedFd,
    mut sinks: Vec<Sink>,
    map: PortMap,
    live: Arc<LiveWire>,
    stop: Arc<AtomicBool>,
) -> io::Result<CaptureStats> {
    let mut buf = vec![0u8; SNAPLEN];
    let mut stats = CaptureStats::default();
    let mut cmsg = nix::cmsg_space!(nix::sys::time::TimeSpec);
    let mut since_flush = 0u32;
    let mut flushed = std::time::Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            // Drain what is already queued, then stop.
            let mut drained = 0;
            while drained < 100_000 {
                match receive(&sock, &mut buf, &mut cmsg) {
                    Ok(Some(frame)) => {
                        handle(&frame, &buf, &mut sinks, &map, &live, &mut stats)?;
                        drained += 1;
                    }
                    _ => break,
                }
            }
            break;
        }
        match receive(&sock, &mut buf, &mut cmsg) {
            Ok(Some(frame)) => {
                handle(&frame, &buf, &mut sinks, &map, &live, &mut stats)?;
                since_flush += 1;
                // A busy segment is written out every FLUSH_EVERY too, so a run killed by
                // SIGKILL loses at most that much of its record.
                if since_flush >= 4096 || flushed.elapsed() >= FLUSH_EVERY {
                    flush(&mut sinks)?;
                    since_flush = 0;
                    flushed = std::time::Instant::now();
                }
            }
            Ok(None) => {
                // Idle: make what we have readable by people watching a kept lab.
                if since_flush > 0 {
                    flush(&mut sinks)?;
                    since_flush = 0;
                    flushed = std::time::Instant::now();
                }
            }
            Err(e) => return Err(e),
        }
    }
    flush(&mut sinks)?;
    stats.kernel_drops = packet_drops(&sock);
    Ok(stats)
}

fn flush(sinks: &mut [Sink]) -> io::Result<()> {
    use std::io::Write;
    for s in sinks {
        s.writer.get_mut().flush()?;
    }
    Ok(())
}

struct Frame {
    ifindex: u32,
    pkttype: u8,
    len: usize,
    orig_len: usize,
    t: u64,
}

fn receive(sock: &OwnedFd, buf: &mut [u8], cmsg: &mut Vec<u8>) -> io::Result<Option<Frame>> {
    let mut iov = [io::IoSliceMut::new(buf)];
    let msg = match recvmsg::<SockaddrStorage>(
        sock.as_raw_fd(),
        &mut iov,
        Some(cmsg),
        MsgFlags::MSG_TRUNC,
    ) {
        Ok(m) => m,
        Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut t = 0;
    for c in msg.cmsgs().into_iter().flatten() {
        if let ControlMessageOwned::ScmTimestampns(ts) = c {
            t = ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64;
        }
    }
    let Some(addr) = msg.address.as_ref().and_then(|a| a.as_link_addr().copied()) else {
        return Ok(None);
    };
    let _ = addr.len();
    let orig_len = msg.bytes;
    Ok(Some(Frame {
        ifindex: addr.ifindex() as u32,
        pkttype: addr.pkttype(),
        len: orig_len.min(SNAPLEN),
        orig_len,
        t,
    }))
}

fn handle(
    f: &Frame,
    buf: &[u8],
    sinks: &mut [Sink],
    map: &PortMap,
    live: &LiveWire,
    stats: &mut CaptureStats,
) -> io::Result<()> {
    if f.pkttype == PACKET_OUTGOING {
        return Ok(());
    }
    let Some(&(sink, iface, node)) = map.by_ifindex.get(&f.ifindex) else {
        return Ok(());
    };
    let data = &buf[..f.len];
    let t = if f.t == 0 {
        crate::events::now_ns()
    } else {
        f.t
    };
    let s = &mut sinks[sink];
    s.writer
        .write_pcapng_block(EnhancedPacketBlock {
            interface_id: iface,
            timestamp: Duration::from_nanos(t),
            original_len: f.orig_len as u32,
            data: data.into(),
            options: vec![],
        })
        .map_err(pcap_err)?;
    stats.frames += 1;
    if let Some(a) = vrrp_of(data) {
        let key = (s.segment, a.family, a.vrid);
        if !live.is_injected(data) && live.accepts(key, a.carp_auth.as_deref()) {
            live.observe(
                key,
                Seen {
                    t,
                    node,
                    priority: a.rank,
                },
            );
        }
    }
    Ok(())
}

/// Frames dropped by the kernel for this socket (PACKET_STATISTICS; reading resets it).
fn packet_drops(sock: &OwnedFd) -> u64 {
    #[repr(C)]
    struct TpacketStats {
        packets: u32,
        drops: u32,
    }
    let mut st = TpacketStats {
        packets: 0,
        drops: 0,
    };
    let mut len = std::mem::size_of::<TpacketStats>() as libc::socklen_t;
    // Safety: the kernel writes at most `len` bytes into `st`.
    let r = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            &mut st as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    if r == 0 {
        st.drops as u64
    } else {
        0
    }
}
