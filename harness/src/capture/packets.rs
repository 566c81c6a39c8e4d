//! Packet capture: one pcapng file per segment, one pcapng interface per bridge port (or, on
//! a VXLAN overlay, per member's tunnel).
//!
//! A single AF_PACKET socket in the switch namespace sees every frame on every bridge port.
//! A frame is written once, on the port it entered the bridge by (the port of the node that
//! sent it): frames the bridge sends out of a port (PACKET_OUTGOING) are skipped. So each
//! frame in a pcapng is attributed to its sender by its interface, and its timestamp is the
//! kernel's CLOCK_REALTIME stamp, the clock of `events.jsonl`.
//!
//! An overlay has no bridge: its frames are taken out of the VXLAN datagrams that enter the
//! underlay by a member's port — only the copy addressed to the member's first peer, since
//! the member replicates each frame to every peer — and written to the overlay's file on the
//! member's interface, with the datagram's timestamp.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
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

use super::live::{vrrp_of, LiveWire};
use crate::checks::model::Heard;
use crate::topology::Topology;
use crate::wire::MacAddr;

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
    pub mac: MacAddr,
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
    /// Underlay port ifindex → the overlay tunnels whose datagrams enter by it.
    decap: HashMap<u32, Vec<Decap>>,
}

/// Where the inner frames of one tunnel's datagrams are written: only the copy to `dst`, so
/// that a frame replicated to every peer is recorded once.
struct Decap {
    vni: u32,
    src: std::net::Ipv4Addr,
    dst: std::net::Ipv4Addr,
    sink: usize,
    iface: u32,
    node: usize,
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
        let mut decap: HashMap<u32, Vec<Decap>> = HashMap::new();
        for (si, segment) in topo.segments.iter().enumerate() {
            let file = format!("{segment}.pcapng");
            let bridge = topo.bridges.iter().find(|b| &b.segment == segment);
            let comment = match bridge {
                Some(b) => format!("segment {segment} (bridge {}): one interface per bridge port, frames as they entered the bridge", b.name),
                None => format!("segment {segment} (a VXLAN overlay): one interface per member's tunnel, each frame as its member sent it into the overlay, taken out of the datagram to its first peer as it entered the underlay"),
            };
            let shb = SectionHeaderBlock {
                options: vec![
                    SectionHeaderOption::UserApplication(
                        format!("vrlab {}", env!("CARGO_PKG_VERSION")).into(),
                    ),
                    SectionHeaderOption::OS(os_name().into()),
                    SectionHeaderOption::Comment(comment.into()),
                ],
                ..Default::default()
            };
            let mut writer = PcapNgWriter::with_section_header(
                BufWriter::new(File::create(dir.join(&file))?),
                shb,
            )
            .map_err(pcap_err)?;
            let mut interfaces = Vec::new();
            if let Some(bridge) = bridge {
                for p in topo.ports.iter().filter(|p| &p.segment == segment) {
                    let what = format!(
                        "bridge port {} of {}, to node {} interface {} ({})",
                        p.port, bridge.name, p.node, p.interface, p.mac
                    );
                    let id = add_interface(
                        &mut writer,
                        &mut interfaces,
                        [&p.node, &p.interface, &p.port],
                        p.mac,
                        what,
                    )?;
                    by_ifindex.insert(p.port_ifindex, (si, id, node_index[p.node.as_str()]));
                }
            }
            for t in topo.tunnels.iter().filter(|t| &t.segment == segment) {
                let what = format!(
                    "VXLAN {} tunnel of node {} interface {} ({}) from {}: the frames it sent, out of its datagrams to {}",
                    t.vni, t.node, t.interface, t.mac, t.local, t.recorded_peer()
                );
                let port = format!("vxlan{}-{}", t.vni, t.node);
                let id = add_interface(
                    &mut writer,
                    &mut interfaces,
                    [&t.node, &t.interface, &port],
                    t.mac,
                    what,
                )?;
                decap
                    .entry(t.underlay_port_ifindex)
                    .or_default()
                    .push(Decap {
                        vni: t.vni,
                        src: t.local,
                        dst: t.recorded_peer(),
                        sink: si,
                        iface: id,
                        node: node_index[t.node.as_str()],
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
                segment: segment.clone(),
                file: format!("segments/{file}"),
                interfaces,
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let map = PortMap { by_ifindex, decap };
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

/// Describes one more interface (`[node, interface, port]`, `mac`) in a segment's file; its id.
fn add_interface(
    w: &mut PcapNgWriter<BufWriter<File>>,
    interfaces: &mut Vec<CaptureInterface>,
    [node, interface, port]: [&String; 3],
    mac: MacAddr,
    what: String,
) -> io::Result<u32> {
    let id = interfaces.len() as u32;
    let idb = InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: SNAPLEN as u32,
        options: vec![
            InterfaceDescriptionOption::IfName(format!("{node}:{interface}").into()),
            InterfaceDescriptionOption::IfDescription(what.into()),
            InterfaceDescriptionOption::IfTsResol(9),
        ],
    };
    w.write_pcapng_block(idb).map_err(pcap_err)?;
    interfaces.push(CaptureInterface {
        id,
        node: node.clone(),
        interface: interface.clone(),
        port: port.clone(),
        mac,
    });
    Ok(id)
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
    record(&mut sinks[sink], iface, node, t, data, f.orig_len, live)?;
    stats.frames += 1;
    if let Some(tunnels) = map.decap.get(&f.ifindex) {
        if let Some(v) = crate::wire::vxlan::decapsulate(data, crate::scenario::VXLAN_PORT) {
            if let Some(d) = tunnels
                .iter()
                .find(|d| d.vni == v.vni && d.src == v.src && d.dst == v.dst)
            {
                let inner_len = f.orig_len - (data.len() - v.inner.len());
                record(
                    &mut sinks[d.sink],
                    d.iface,
                    d.node,
                    t,
                    v.inner,
                    inner_len,
                    live,
                )?;
                stats.frames += 1;
            }
        }
    }
    Ok(())
}

/// Writes one frame to a segment's file and shows its adverts to the live wire.
fn record(
    s: &mut Sink,
    iface: u32,
    node: usize,
    t: u64,
    data: &[u8],
    orig_len: usize,
    live: &LiveWire,
) -> io::Result<()> {
    s.writer
        .write_pcapng_block(EnhancedPacketBlock {
            interface_id: iface,
            timestamp: Duration::from_nanos(t),
            original_len: orig_len as u32,
            data: data.into(),
            options: vec![],
        })
        .map_err(pcap_err)?;
    if let Some(a) = vrrp_of(data) {
        let key = (s.segment, a.family, a.vrid);
        if !live.is_injected(data) && live.accepts(key, a.carp_auth.as_deref()) {
            live.observe(key, Heard::of(&a, t, node as u16));
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
