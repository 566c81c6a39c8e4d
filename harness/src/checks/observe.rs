//! What the judge keeps of a capture: every advert in full, and a compact record of every
//! other frame a check can need (ARP, Neighbor Discovery, frames sourced from a virtual MAC,
//! packets sourced from a virtual address, packets to the VRRP groups that are not adverts),
//! each with the node that sent it.
//!
//! Who sent a frame: in a run directory, the bridge port it entered by (run.json maps pcapng
//! interfaces to nodes). In a pcapng file with several named interfaces, the interface name
//! (`r1:eth0` names node `r1`). Otherwise, the source MAC — and for a frame from a virtual
//! MAC, which every master shares, the IP source, mapped back to the physical MAC it was seen
//! with elsewhere in the capture when it was.
//!
//! One pass, one reused [`Frame`]: the loader runs at millions of frames per second.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use crate::wire::{
    self, linktype, AdvertSummary, ArpOp, CaptureError, Frame, LengthStatus, MacAddr, Ndp, Payload,
    Protocol, WireError,
};

/// Node index meaning "not attributed to any node".
pub const NO_NODE: u16 = u16::MAX;

/// An advert, with everything the header checks need.
#[derive(Debug, Clone)]
pub struct AdvertObs {
    pub t: u64,
    pub frame: u64,
    pub seg: u16,
    pub node: u16,
    pub summary: AdvertSummary,
    /// 2 or 3 for VRRP; 2 for CARP.
    pub version: u8,
    /// Type nibble.
    pub vrrp_type: u8,
    /// v2: authentication type.
    pub auth_type: Option<u8>,
    /// v2: authentication data (None: message too short to hold it).
    pub auth_data: Option<[u8; crate::wire::vrrp::AUTH_LEN]>,
    /// v3: reserved bits.
    pub reserved: Option<u8>,
    pub length: LengthStatus,
    /// v3/IPv6: first address link-local.
    pub first_ll: Option<bool>,
    /// IPv6 extension headers before the advert.
    pub ext_headers: usize,
}

impl AdvertObs {
    pub fn priority(&self) -> u8 {
        self.summary.priority.unwrap_or(0)
    }

    /// Election rank: VRRP priority; CARP 255 − advskew (a lower skew wins).
    pub fn rank(&self) -> u16 {
        self.summary.rank()
    }

    pub fn is_carp(&self) -> bool {
        self.summary.protocol == Protocol::Carp
    }

    /// A leaving advert (priority 0). CARP has none.
    pub fn leaving(&self) -> bool {
        self.summary.leaving()
    }
}

/// A non-advert frame a check may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Arp {
        op: u16,
        sender_mac: MacAddr,
        sender_ip: Ipv4Addr,
        target_mac: MacAddr,
        target_ip: Ipv4Addr,
    },
    Na {
        router: bool,
        solicited: bool,
        override_flag: bool,
        target: Ipv6Addr,
        tlla: Option<MacAddr>,
    },
    Ns {
        target: Ipv6Addr,
        slla: Option<MacAddr>,
    },
    Ra {
        lifetime: u16,
        slla: Option<MacAddr>,
    },
    Rs,
    /// MLD or IGMP membership traffic.
    Membership,
    /// Another IP packet (kept when sourced from a virtual MAC or a virtual address).
    Ip {
        protocol: u8,
    },
    /// A packet to 224.0.0.18 / ff02::12 that is neither an advert nor membership traffic.
    ToVrrpGroup {
        protocol: u8,
    },
    /// A non-IP frame from a virtual MAC.
    NonIp {
        ethertype: u16,
    },
}

#[derive(Debug, Clone)]
pub struct Obs {
    pub t: u64,
    pub frame: u64,
    pub seg: u16,
    pub node: u16,
    /// Zero when the link type has none.
    pub src_mac: MacAddr,
    pub dst_mac: MacAddr,
    pub src_ip: Option<IpAddr>,
    pub what: What,
}

/// A frame that did not decode.
#[derive(Debug, Clone)]
pub struct Malformed {
    pub t: u64,
    pub frame: u64,
    pub seg: u16,
    pub node: u16,
    pub src_mac: Option<MacAddr>,
    /// IP protocol 112: a broken VRRP/CARP message.
    pub proto112: bool,
    pub error: WireError,
}

#[derive(Debug, Clone)]
pub struct SegmentInfo {
    pub name: String,
    /// As shown in evidence: `lan.pcapng` (run directory) or the capture's file name.
    pub file: String,
    pub frames: u64,
    pub first_t: Option<u64>,
    pub last_t: Option<u64>,
}

/// A frame the lab injected, as the capture saw it: a stimulus, never a router's doing.
#[derive(Debug, Clone)]
pub struct InjectedObs {
    pub t: u64,
    pub frame: u64,
    pub seg: u16,
    pub node: u16,
    /// The injection it belongs to (`id` of its `inject` event).
    pub id: usize,
}

/// A frame the lab says it sent: when, its bytes and its injection (from `events.jsonl`).
#[derive(Debug, Clone)]
pub struct Sent {
    pub t: u64,
    pub bytes: Vec<u8>,
    pub id: usize,
}

/// Everything kept from the captures of one run (or one capture file).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub segments: Vec<SegmentInfo>,
    pub nodes: Vec<String>,
    pub adverts: Vec<AdvertObs>,
    pub obs: Vec<Obs>,
    pub malformed: Vec<Malformed>,
    /// Frames the lab injected, set apart from what the nodes sent.
    pub injected: Vec<InjectedObs>,
    /// Frames dropped as copies of one another (cooked captures of `-i any`).
    pub duplicates: u64,
    /// Frames of a capture taken out of VXLAN datagrams (judged on their VNI's segment).
    pub tunnelled: u64,
    /// Copies of one of those frames sent to other peers (head-end replication), dropped.
    pub replicated: u64,
    /// Captures that end inside a block (the capture was killed while writing): judged up to
    /// their last whole block.
    pub cut: Vec<Cut>,
    /// How senders were named.
    pub naming: Naming,
}

impl Observed {
    /// Keeps what was captured up to `t` (inclusive) and drops the rest; returns how many frames
    /// were dropped. Segment counts and times still describe the whole files.
    pub fn judge_until(&mut self, t: u64) -> u64 {
        let before = self.frame_count();
        self.adverts.retain(|a| a.t <= t);
        self.obs.retain(|o| o.t <= t);
        self.malformed.retain(|m| m.t <= t);
        self.injected.retain(|i| i.t <= t);
        (before - self.frame_count()) as u64
    }

    fn frame_count(&self) -> usize {
        self.adverts.len() + self.obs.len() + self.malformed.len() + self.injected.len()
    }
}

/// A capture file that ends inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// As shown in evidence (`lan.pcapng`).
    pub file: String,
    /// Whole frames read before the cut.
    pub frames: u64,
    /// Bytes after the last whole block: the incomplete one.
    pub bytes: u64,
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ends inside a block: judged up to its last whole block ({} frames); the {} bytes after it are an incomplete block (the capture was stopped while writing)",
            self.file, self.frames, self.bytes
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// Bridge ports, from run.json.
    #[default]
    Ports,
    /// pcapng interface names.
    Interfaces,
    /// Source MAC (and IP source for virtual-MAC frames).
    SourceAddress,
}

impl Observed {
    pub fn node_name(&self, n: u16) -> &str {
        self.nodes
            .get(n as usize)
            .map(String::as_str)
            .unwrap_or("(unattributed)")
    }

    pub fn node_index(&self, name: &str) -> Option<u16> {
        self.nodes.iter().position(|n| n == name).map(|i| i as u16)
    }

    /// Ports and interface names say which node sent a frame; source addresses only guess.
    pub fn knows_ports(&self) -> bool {
        self.naming != Naming::SourceAddress
    }

    /// Shows senders by the names a person gave their addresses (`--name MAC=r1`): two
    /// addresses given one name are one sender. Returns the addresses no sender had.
    pub fn rename(&mut self, names: &[(String, String)]) -> Vec<String> {
        let old = std::mem::take(&mut self.nodes);
        let mut map: Vec<u16> = Vec::with_capacity(old.len());
        for n in &old {
            let shown = names
                .iter()
                .find(|(addr, _)| addr == n)
                .map_or(n, |(_, name)| name);
            let i = match self.nodes.iter().position(|x| x == shown) {
                Some(i) => i,
                None => {
                    self.nodes.push(shown.clone());
                    self.nodes.len() - 1
                }
            };
            map.push(i as u16);
        }
        let remap = |n: &mut u16| {
            if let Some(&m) = map.get(usize::from(*n)) {
                *n = m;
            }
        };
        self.adverts.iter_mut().for_each(|a| remap(&mut a.node));
        self.obs.iter_mut().for_each(|o| remap(&mut o.node));
        self.malformed.iter_mut().for_each(|m| remap(&mut m.node));
        self.injected.iter_mut().for_each(|i| remap(&mut i.node));
        names
            .iter()
            .filter(|(addr, _)| !old.contains(addr))
            .map(|(addr, _)| addr.clone())
            .collect()
    }
}

/// Where a segment's frames come from and how to name their senders.
pub struct Source {
    pub segment: String,
    pub path: PathBuf,
    /// As shown in evidence.
    pub file: String,
    /// pcapng interface id → node (run directories).
    pub interfaces: Option<HashMap<u32, String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}{}", offset.map(|o| format!(" (at byte offset {o})")).unwrap_or_default())]
    Capture {
        path: PathBuf,
        #[source]
        source: CaptureError,
        /// Byte offset of the first bad record, when the file's structure says.
        offset: Option<u64>,
    },
    /// The capture reads, but holds nothing the checks could judge: no VRRP or CARP advert
    /// (of the VRID asked for). A verdict would be all "not applicable": a silent green.
    #[error("{path}: nothing to judge: {why}")]
    NothingToJudge { path: PathBuf, why: String },
}

/// Virtual-router MAC ranges (VRRP IPv4, IPv6, ucarp).
pub fn is_virtual(m: &MacAddr) -> bool {
    m.virtual_mac().is_some()
}

const VRRP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const VRRP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

fn to_vrrp_group(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => *a == VRRP_V4,
        IpAddr::V6(a) => *a == VRRP_V6,
    }
}

/// FNV-1a, for spotting copies of a frame in cooked captures.
fn fnv(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `tcpdump -i any` records a bridged frame once per port it crosses. Keep the first copy:
/// SLL2 says which interface each copy was seen on, so a copy is the same bytes on another
/// interface within 2 ms; SLL (v1) does not, so it is the same bytes within 1 ms.
struct Dedup {
    seen: HashMap<u64, (Option<u32>, u64)>,
    last_purge: u64,
}

impl Dedup {
    fn new() -> Self {
        Dedup {
            seen: HashMap::new(),
            last_purge: 0,
        }
    }

    fn is_copy(&mut self, t: u64, ifindex: Option<u32>, body: &[u8]) -> bool {
        const WINDOW: u64 = 2_000_000;
        if t.saturating_sub(self.last_purge) > 100 * WINDOW {
            self.seen
                .retain(|_, (_, t0)| t.saturating_sub(*t0) <= WINDOW);
            self.last_purge = t;
        }
        let h = fnv(body);
        match self.seen.get(&h) {
            Some(&(first_if, t0)) if t.saturating_sub(t0) <= WINDOW => match (first_if, ifindex) {
                (Some(a), Some(b)) => a != b,
                _ => t.saturating_sub(t0) <= WINDOW / 2,
            },
            _ => {
                self.seen.insert(h, (ifindex, t));
                false
            }
        }
    }
}

/// Where `src` was cut: everything after its last whole record.
fn cut_of(src: &Source, frames: u64) -> Cut {
    let size = std::fs::metadata(&src.path).map_or(0, |m| m.len());
    let whole = bad_record_offset(&src.path).unwrap_or(size);
    Cut {
        file: src.file.clone(),
        frames,
        bytes: size.saturating_sub(whole),
    }
}

/// Walks a pcap or pcapng file's record structure to find the byte offset of the first record
/// that does not fit: what a person needs to look at a garbled file.
pub fn bad_record_offset(path: &Path) -> Option<u64> {
    let data = std::fs::read(path).ok()?;
    let len = data.len() as u64;
    let rd32 = |at: usize, big: bool| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    match data.get(..4)? {
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xa1, 0xb2, 0x3c, 0x4d] => {
            let big = data[0] == 0xa1;
            if data.len() < 24 {
                return Some(0);
            }
            let snap = rd32(16, big)?;
            let mut at = 24usize;
            while at < data.len() {
                let (Some(incl), Some(_orig)) = (rd32(at + 8, big), rd32(at + 12, big)) else {
                    return Some(at as u64);
                };
                let end = at as u64 + 16 + u64::from(incl);
                if end > len || (snap > 0 && incl > snap.max(262_144)) {
                    return Some(at as u64);
                }
                at = end as usize;
            }
            None
        }
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            let mut at = 0usize;
            let mut big = false;
            while at < data.len() {
                let ty = rd32(at, big).unwrap_or(0);
                if ty == 0x0a0d_0d0a {
                    big = match data.get(at + 8..at + 12)? {
                        [0x1a, 0x2b, 0x3c, 0x4d] => true,
                        [0x4d, 0x3c, 0x2b, 0x1a] => false,
                        _ => return Some(at as u64),
                    };
                }
                let Some(total) = rd32(at + 4, big) else {
                    return Some(at as u64);
                };
                let end = at as u64 + u64::from(total);
                if total < 12 || total % 4 != 0 || end > len {
                    return Some(at as u64);
                }
                if rd32(end as usize - 4, big) != Some(total) {
                    return Some(at as u64);
                }
                at = end as usize;
            }
            None
        }
        _ => Some(0),
    }
}

struct Loader {
    out: Observed,
    node_ix: HashMap<String, u16>,
    vips: HashSet<IpAddr>,
    dedup: Option<Dedup>,
    /// Copies of one overlay frame replicated to several peers (keyed by the datagram's
    /// destination).
    vxlan_dedup: Option<Dedup>,
    /// IP → the physical MAC it was first sent from (captures: names routers whose adverts
    /// come from a virtual MAC).
    phys: HashMap<IpAddr, MacAddr>,
    last_phys: Option<(IpAddr, MacAddr)>,
}

impl Loader {
    /// The index of the segment called `name` (a VLAN or a VXLAN network of a capture),
    /// added on first sight.
    fn segment_named(&mut self, name: String, src: &Source, t: u64) -> u16 {
        match self.out.segments.iter().position(|s| s.name == name) {
            Some(i) => i as u16,
            None => {
                self.out.segments.push(SegmentInfo {
                    name,
                    file: src.file.clone(),
                    frames: 0,
                    first_t: Some(t),
                    last_t: None,
                });
                (self.out.segments.len() - 1) as u16
            }
        }
    }

    fn node(&mut self, name: &str) -> u16 {
        if let Some(i) = self.node_ix.get(name) {
            return *i;
        }
        let i = self.out.nodes.len() as u16;
        self.out.nodes.push(name.to_string());
        self.node_ix.insert(name.to_string(), i);
        i
    }
}

/// Reads every segment's capture. `vips` are the virtual addresses known in advance (a run
/// directory's scenario); addresses carried in adverts are added as they are seen.
/// Matches captured frames with the frames the lab injected: each sent frame claims the first
/// capture of its bytes from the moment it was sent (a millisecond earlier at most: the
/// clocks are one) to a second later.
struct InjectedMatcher {
    pending: HashMap<Vec<u8>, std::collections::VecDeque<(u64, usize)>>,
}

impl InjectedMatcher {
    fn new(sent: &[Sent]) -> Self {
        let mut pending: HashMap<Vec<u8>, std::collections::VecDeque<(u64, usize)>> =
            HashMap::new();
        let mut sorted: Vec<&Sent> = sent.iter().collect();
        sorted.sort_by_key(|s| s.t);
        for s in sorted {
            pending
                .entry(s.bytes.clone())
                .or_default()
                .push_back((s.t, s.id));
        }
        InjectedMatcher { pending }
    }

    /// The injection this captured frame is one of, if it is.
    fn claim(&mut self, bytes: &[u8], t: u64) -> Option<usize> {
        const EARLY: u64 = 1_000_000;
        const LATE: u64 = 1_000_000_000;
        let q = self.pending.get_mut(bytes)?;
        while let Some(&(sent, _)) = q.front() {
            if sent + LATE < t {
                q.pop_front();
            } else {
                break;
            }
        }
        match q.front() {
            Some(&(sent, id)) if t + EARLY >= sent => {
                q.pop_front();
                Some(id)
            }
            _ => None,
        }
    }
}

pub fn load(sources: &[Source], vips: &[IpAddr]) -> Result<Observed, LoadError> {
    load_with(sources, vips, &[])
}

/// [`load`], setting apart the frames the lab injected (`sent`).
pub fn load_with(
    sources: &[Source],
    vips: &[IpAddr],
    sent: &[Sent],
) -> Result<Observed, LoadError> {
    let mut injected = (!sent.is_empty()).then(|| InjectedMatcher::new(sent));
    let run_dir = sources.iter().all(|s| s.interfaces.is_some());
    let mut l = Loader {
        out: Observed::default(),
        node_ix: HashMap::new(),
        vips: vips.iter().copied().collect(),
        dedup: None,
        vxlan_dedup: None,
        phys: HashMap::new(),
        last_phys: None,
    };
    l.out.naming = if run_dir {
        Naming::Ports
    } else {
        Naming::SourceAddress
    };
    let mut named: HashSet<String> = HashSet::new();
    for src in sources {
        load_source(&mut l, src, run_dir, injected.as_mut(), &mut named)?;
    }
    if !run_dir {
        name_capture_senders(&mut l, &named);
    }
    l.out.adverts.sort_by_key(|a| a.t);
    l.out.obs.sort_by_key(|o| o.t);
    Ok(l.out)
}

/// Reads one segment's file into the loader, frame by frame.
fn load_source(
    l: &mut Loader,
    src: &Source,
    run_dir: bool,
    mut injected: Option<&mut InjectedMatcher>,
    named: &mut HashSet<String>,
) -> Result<(), LoadError> {
    let si = l.out.segments.len();
    let seg = si as u16;
    l.out.segments.push(SegmentInfo {
        name: src.segment.clone(),
        file: src.file.clone(),
        frames: 0,
        first_t: None,
        last_t: None,
    });
    let err = |e: CaptureError| LoadError::Capture {
        path: src.path.clone(),
        offset: match e {
            CaptureError::UnknownMagic(_) => Some(0),
            CaptureError::Io(_) | CaptureError::Input(_) | CaptureError::Empty => None,
            _ => bad_record_offset(&src.path),
        },
        source: e,
    };
    let mut reader = wire::open(&src.path).map_err(err)?;
    // Run directory: run.json names each interface's node. Capture: a named interface
    // names its node for now; whether the names are kept is decided after the pass.
    let mut iface_node: HashMap<u32, u16> = HashMap::new();
    if let Some(m) = &src.interfaces {
        for (id, n) in m {
            let ix = l.node(n);
            iface_node.insert(*id, ix);
        }
    }
    let mut frame = Frame::default();
    while let Some(p) = reader.next_packet() {
        let p = match p {
            Ok(p) => p,
            Err(CaptureError::Truncated { packets }) => {
                l.out.cut.push(cut_of(src, packets));
                break;
            }
            Err(e) => return Err(err(e)),
        };
        let t = p.ts_ns.max(0) as u64;
        let info = &mut l.out.segments[si];
        info.frames += 1;
        info.first_t.get_or_insert(t);
        info.last_t = Some(t);
        let node = sender_node(l, src, &mut iface_node, named, &p);
        if let Some(id) = injected.as_mut().and_then(|m| m.claim(p.data, t)) {
            l.out.injected.push(InjectedObs {
                t,
                frame: p.number,
                seg,
                node,
                id,
            });
            continue;
        }
        if is_cooked_copy(l, &p, t) {
            l.out.duplicates += 1;
            continue;
        }
        // A capture of an overlay's underlay (`tcpdump -i eth0` on a VTEP): each VXLAN
        // datagram's frame is judged as a frame of the VNI's segment, once (a member
        // replicates each frame to every peer); its sender named by its addresses.
        let tunnelled = (!run_dir && p.linktype == linktype::ETHERNET)
            .then(|| wire::vxlan::decapsulate(p.data, crate::scenario::VXLAN_PORT))
            .flatten();
        let (data, node) = match &tunnelled {
            Some(v) => {
                let to = Some(u32::from(v.dst));
                if l.vxlan_dedup
                    .get_or_insert_with(Dedup::new)
                    .is_copy(t, to, v.inner)
                {
                    l.out.replicated += 1;
                    continue;
                }
                l.out.tunnelled += 1;
                (v.inner, NO_NODE)
            }
            None => (p.data, node),
        };
        if let Err(e) = wire::decode_into(p.linktype, data, &mut frame) {
            let proto112 = frame.ip.as_ref().is_some_and(|ip| ip.protocol == 112);
            l.out.malformed.push(Malformed {
                t,
                frame: p.number,
                seg,
                node,
                src_mac: frame.src_mac,
                proto112,
                error: e,
            });
            continue;
        }
        // A capture from a trunk: each VLAN is a segment of its own (the same VRID on
        // two VLANs is two virtual routers).
        let seg = match (frame.vlan(), &src.interfaces) {
            _ if tunnelled.is_some() => {
                let vni = tunnelled.as_ref().map_or(0, |v| v.vni);
                l.segment_named(format!("{} VXLAN {vni}", src.segment), src, t)
            }
            (Some(vid), None) => l.segment_named(format!("{} VLAN {vid}", src.segment), src, t),
            _ => seg,
        };
        if seg as usize != si {
            let info = &mut l.out.segments[seg as usize];
            info.frames += 1;
            info.last_t = Some(t);
        }
        observe(l, &frame, t, p.number, seg, node);
    }
    Ok(())
}

/// The node that sent a packet: by its interface (run.json's map, or a capture's named
/// interface `node:iface`), else none.
fn sender_node(
    l: &mut Loader,
    src: &Source,
    iface_node: &mut HashMap<u32, u16>,
    named: &mut HashSet<String>,
    p: &wire::CapturedPacket<'_>,
) -> u16 {
    if let Some(n) = iface_node.get(&p.interface_id) {
        return *n;
    }
    if src.interfaces.is_some() {
        return NO_NODE;
    }
    let node = match p.interface_name {
        Some(name) => {
            let node = name.split_once(':').map_or(name, |(n, _)| n).to_string();
            named.insert(node.clone());
            l.node(&node)
        }
        None => NO_NODE,
    };
    iface_node.insert(p.interface_id, node);
    node
}

/// A Linux cooked capture (`tcpdump -i any`) sees a bridged frame once per interface it
/// crosses: whether this is such a copy.
fn is_cooked_copy(l: &mut Loader, p: &wire::CapturedPacket<'_>, t: u64) -> bool {
    if !matches!(p.linktype, linktype::LINUX_SLL | linktype::LINUX_SLL2) {
        return false;
    }
    let hdr = if p.linktype == linktype::LINUX_SLL {
        wire::sll::SLL_LEN
    } else {
        wire::sll::SLL2_LEN
    };
    let ifindex = wire::sll::parse_sll2(p.data)
        .ok()
        .filter(|_| p.linktype == linktype::LINUX_SLL2)
        .and_then(|c| c.info.ifindex);
    let body = p.data.get(hdr..).unwrap_or(&[]);
    l.dedup
        .get_or_insert_with(Dedup::new)
        .is_copy(t, ifindex, body)
}

/// A capture's senders: by their interfaces' names when two or more were named; else, one
/// capture interface (a bridge, `any`) says nothing about who sent a frame, and every frame
/// is named by its addresses.
fn name_capture_senders(l: &mut Loader, named: &HashSet<String>) {
    if named.len() >= 2 {
        l.out.naming = Naming::Interfaces;
    } else {
        l.out.nodes.clear();
        l.node_ix.clear();
        for a in &mut l.out.adverts {
            a.node = NO_NODE;
        }
        for o in &mut l.out.obs {
            o.node = NO_NODE;
        }
        for m in &mut l.out.malformed {
            m.node = NO_NODE;
        }
    }
    // Frames on unnamed interfaces (or all of them) are named by their addresses.
    name_by_address(l);
}

fn observe(l: &mut Loader, f: &Frame, t: u64, number: u64, seg: u16, node: u16) {
    let src_mac = f.src_mac.unwrap_or_default();
    let dst_mac = f.dst_mac.unwrap_or_default();
    let src_ip = f.ip.as_ref().map(|ip| ip.src);
    let virt = is_virtual(&src_mac);
    if let Some(ip) = src_ip {
        if !virt
            && src_mac != MacAddr::ZERO
            && !src_mac.is_multicast()
            && !ip.is_unspecified()
            && l.last_phys != Some((ip, src_mac))
        {
            l.last_phys = Some((ip, src_mac));
            l.phys.entry(ip).or_insert(src_mac);
        }
    }
    let push = |l: &mut Loader, what: What| {
        l.out.obs.push(Obs {
            t,
            frame: number,
            seg,
            node,
            src_mac,
            dst_mac,
            src_ip,
            what,
        })
    };
    match &f.payload {
        Payload::VrrpV2(_) | Payload::VrrpV3(_) | Payload::Carp(_) => {
            let Some(s) = wire::vrrp_summary(f) else {
                return;
            };
            for a in s.addrs.iter() {
                l.vips.insert(*a);
            }
            let (version, vrrp_type, auth_type, auth_data, reserved, length, first_ll) =
                match &f.payload {
                    Payload::VrrpV2(a) => (
                        2,
                        a.vrrp_type,
                        Some(a.auth_type),
                        a.auth_data,
                        None,
                        a.length,
                        None,
                    ),
                    Payload::VrrpV3(a) => (
                        3,
                        a.vrrp_type,
                        None,
                        None,
                        Some(a.reserved),
                        a.length,
                        a.first_addr_link_local,
                    ),
                    Payload::Carp(c) => (
                        c.version,
                        c.carp_type,
                        None,
                        None,
                        None,
                        LengthStatus::Exact,
                        None,
                    ),
                    _ => unreachable!("matched above"),
                };
            l.out.adverts.push(AdvertObs {
                t,
                frame: number,
                seg,
                node,
                summary: s,
                version,
                vrrp_type,
                auth_type,
                auth_data,
                reserved,
                length,
                first_ll,
                ext_headers: f.ip.as_ref().map_or(0, |ip| ip.ext_headers.len()),
            });
        }
        Payload::Arp(a) => push(
            l,
            What::Arp {
                op: match a.op {
                    ArpOp::Request => 1,
                    ArpOp::Reply => 2,
                    ArpOp::Other(v) => v,
                },
                sender_mac: a.sender_mac,
                sender_ip: a.sender_ip,
                target_mac: a.target_mac,
                target_ip: a.target_ip,
            },
        ),
        Payload::Ndp(n) => {
            let what = match &n.message {
                Ndp::NeighborAdvert {
                    router,
                    solicited,
                    override_flag,
                    target,
                    options,
                } => What::Na {
                    router: *router,
                    solicited: *solicited,
                    override_flag: *override_flag,
                    target: *target,
                    tlla: options.target_lla,
                },
                Ndp::NeighborSolicit { target, options } => What::Ns {
                    target: *target,
                    slla: options.source_lla,
                },
                Ndp::RouterAdvert {
                    router_lifetime,
                    options,
                    ..
                } => What::Ra {
                    lifetime: *router_lifetime,
                    slla: options.source_lla,
                },
                Ndp::RouterSolicit { .. } => What::Rs,
                Ndp::Redirect { .. } => What::Ip { protocol: 58 },
            };
            push(l, what);
        }
        Payload::Mld(_) | Payload::Igmp(_) => {
            if virt {
                push(l, What::Membership);
            }
        }
        Payload::Llc { .. } | Payload::OtherEthertype { .. } => {
            if virt {
                push(
                    l,
                    What::NonIp {
                        ethertype: f.ethertype,
                    },
                );
            }
        }
        Payload::Icmpv6 { .. } | Payload::OtherIp { .. } | Payload::Fragment => {
            let Some(ip) = &f.ip else { return };
            if to_vrrp_group(&ip.dst) && ip.protocol != 112 {
                push(
                    l,
                    What::ToVrrpGroup {
                        protocol: ip.protocol,
                    },
                );
            } else if virt || l.vips.contains(&ip.src) {
                push(
                    l,
                    What::Ip {
                        protocol: ip.protocol,
                    },
                );
            }
        }
        Payload::Malformed(_) => {}
    }
}

/// Names senders by address (captures from anywhere). Frames already attributed by a pcapng
/// interface keep their node.
fn name_by_address(l: &mut Loader) {
    // IP → the physical MAC it was sent from (not a virtual address).
    let vips = l.vips.clone();
    let mut phys: HashMap<IpAddr, MacAddr> = l
        .phys
        .iter()
        .filter(|(ip, _)| !vips.contains(ip))
        .map(|(ip, m)| (*ip, *m))
        .collect();
    for o in &l.out.obs {
        if o.src_mac == MacAddr::ZERO || is_virtual(&o.src_mac) || o.src_mac.is_multicast() {
            continue;
        }
        let ip = match &o.what {
            What::Arp { sender_ip, .. } if !sender_ip.is_unspecified() => {
                Some(IpAddr::V4(*sender_ip))
            }
            _ => o.src_ip,
        };
        if let Some(ip) = ip.filter(|ip| !vips.contains(ip) && !ip.is_unspecified()) {
            phys.entry(ip).or_insert(o.src_mac);
        }
    }
    for a in &l.out.adverts {
        if let Some(m) = a
            .summary
            .src_mac
            .filter(|m| !is_virtual(m) && *m != MacAddr::ZERO)
        {
            phys.entry(a.summary.src_ip).or_insert(m);
        }
    }
    // Advert sources name routers even when their MAC is virtual.
    let advert_ips: HashSet<IpAddr> = l.out.adverts.iter().map(|a| a.summary.src_ip).collect();
    let name_of = |mac: Option<MacAddr>, ip: Option<IpAddr>| -> Option<String> {
        let mac = mac.filter(|m| *m != MacAddr::ZERO);
        match mac {
            Some(m) if !is_virtual(&m) => Some(m.to_string()),
            _ => {
                let ip = ip?;
                if let Some(m) = phys.get(&ip) {
                    Some(m.to_string())
                } else if advert_ips.contains(&ip) {
                    Some(ip.to_string())
                } else if mac.is_none() {
                    // Raw-IP captures: the IP source is all there is.
                    Some(ip.to_string())
                } else {
                    None
                }
            }
        }
    };
    let mut adverts = std::mem::take(&mut l.out.adverts);
    for a in adverts.iter_mut().filter(|a| a.node == NO_NODE) {
        if let Some(n) = name_of(a.summary.src_mac, Some(a.summary.src_ip)) {
            a.node = l.node(&n);
        }
    }
    l.out.adverts = adverts;
    let mut obs = std::mem::take(&mut l.out.obs);
    for o in obs.iter_mut().filter(|o| o.node == NO_NODE) {
        // An ARP from a virtual MAC names the virtual address as its sender: unattributable.
        let ip = match &o.what {
            What::Arp { .. } => None,
            _ => o.src_ip.filter(|ip| !vips.contains(ip)),
        };
        if let Some(n) = name_of(Some(o.src_mac), ip) {
            o.node = l.node(&n);
        }
    }
    l.out.obs = obs;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--name`: two addresses given one name become one sender, every frame follows its
    /// sender, and an address that named no sender is returned.
    #[test]
    fn renaming_merges_addresses_given_one_name() {
        let sent_by = |node: u16| InjectedObs {
            t: 0,
            frame: 0,
            seg: 0,
            node,
            id: 0,
        };
        let mut o = Observed {
            nodes: vec!["02:00:00:00:00:01".into(), "10.0.0.1".into(), "h".into()],
            injected: vec![sent_by(0), sent_by(1), sent_by(2), sent_by(NO_NODE)],
            ..Observed::default()
        };
        let unseen = o.rename(&[
            ("02:00:00:00:00:01".into(), "r1".into()),
            ("10.0.0.1".into(), "r1".into()),
            ("10.0.0.9".into(), "r9".into()),
        ]);
        assert_eq!(o.nodes, ["r1", "h"]);
        let nodes: Vec<u16> = o.injected.iter().map(|i| i.node).collect();
        assert_eq!(nodes, [0, 0, 1, NO_NODE]);
        assert_eq!(unseen, ["10.0.0.9"]);
    }
}
