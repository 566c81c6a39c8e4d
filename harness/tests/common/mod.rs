//! Synthetic run directories for the judge's tests: a scenario, run.json, events.jsonl and a
//! pcapng with one interface per bridge port, built from `vrlab::wire::emit` frames.
//!
//! The story (times in units of the advertisement interval I, Master_Down_Interval from the
//! RFC formulas): r1 (priority 200) and r2 (100) start; r1 becomes master after its
//! Master_Down_Interval; h1 resolves the VIPs, probes them, and is answered; r1 crashes and r2
//! takes over Master_Down_Interval after r1's last advert; r1 comes back and pre-empts r2; r1
//! is stopped, leaves with priority 0 and r2 takes over after Skew_Time; at teardown r2 leaves.
//! Every frame conforms and every check that can pass does. Each `Knobs` field breaks exactly
//! one thing, so that a check can be shown to fail on it.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use vrlab::events::{
    Change, Ended, Event, Fault, Fdb, Harness, Injection, Neigh, Probe, Process, What, Who,
};
use vrlab::scenario::{AdvertSpoof, FrameKind};
use vrlab::wire::arp::{ArpOp, ArpPacket};
use vrlab::wire::emit::{self, AdvertFrame, AdvertMessage};
use vrlab::wire::icmpv6::NaRepr;
use vrlab::wire::ipv4::Ipv4Repr;
use vrlab::wire::vrrp::ChecksumMode;
use vrlab::wire::MacAddr;

pub const T0: u64 = 1_800_000_000_000_000_000;

pub const H1: u32 = 0;
pub const R1: u32 = 1;
pub const R2: u32 = 2;

pub fn mac(iface: u32) -> MacAddr {
    MacAddr([0x02, 0, 0, 0, iface as u8 + 1, 0x01])
}

pub fn ip4(iface: u32) -> Ipv4Addr {
    match iface {
        H1 => Ipv4Addr::new(192, 0, 2, 10),
        n => Ipv4Addr::new(192, 0, 2, n as u8),
    }
}

pub fn ll(iface: u32) -> Ipv6Addr {
    Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        0,
        0xff,
        0xfe00,
        0x101 + 0x100 * iface as u16,
    )
}

pub const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
pub const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100);
/// The IPv6 virtual router's link-local address (first in its adverts).
pub const VLL6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x52);
pub const VRID4: u8 = 51;
pub const VRID6: u8 = 52;

pub fn vmac4() -> MacAddr {
    MacAddr::vrrp_v4(VRID4)
}
pub fn vmac6() -> MacAddr {
    MacAddr::vrrp_v6(VRID6)
}

/// One deviation each.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// r2's IPv4 adverts to 224.0.0.19.
    pub a1_wrong_group: bool,
    /// r2's IPv6 adverts to ff02::13.
    pub a2_wrong_group: bool,
    /// r2's adverts with this TTL / hop limit.
    pub ttl: Option<u8>,
    /// A UDP packet to 224.0.0.18 from r1.
    pub a6_udp_to_group: bool,
    /// No IPv6 advert at all (gw6 never heard).
    pub a6_no_v6_adverts: bool,
    /// r2's IPv4 adverts sourced from the VIP.
    pub a7_vip_source: bool,
    /// r2's IPv6 adverts sourced from its global address.
    pub a8_global_source: bool,
    /// r2's adverts from its physical MAC.
    pub a9_physical_mac: bool,
    /// r2 advertises this version.
    pub version: Option<u8>,
    /// r2 advertises this type.
    pub vrrp_type: Option<u8>,
    /// An advert for a VRID the scenario does not configure.
    pub b3_unknown_vrid: bool,
    /// r2 advertises this priority.
    pub priority: Option<u8>,
    /// r2's count field says 2 for 1 address.
    pub b5_count: bool,
    /// v2: r2's auth type.
    pub auth_type: Option<u8>,
    /// v3: r2's reserved bits.
    pub reserved: Option<u8>,
    /// r2 advertises this interval (cs for v3, s for v2).
    pub interval: Option<u16>,
    /// r2's checksum is wrong.
    pub bad_checksum: bool,
    /// r2 carries 192.0.2.101 instead of the VIP.
    pub b10_wrong_address: bool,
    /// IPv6 adverts carry only the global VIP (no link-local first).
    pub b11_no_link_local: bool,
    /// r2's adverts carry 4 trailing bytes.
    pub b12_trailing: bool,
    /// A truncated protocol-112 frame.
    pub b12_truncated: bool,
    /// After r1's priority 0, r2 takes over after 1 ms (no Skew_Time).
    pub c1_no_skew: bool,
    /// After r1's crash, r2 takes over this many intervals late.
    pub late_takeover: Option<u64>,
    /// After r1's crash, r2 takes over after one interval.
    pub early_takeover: bool,
    /// r1 advertises 5 ms after its daemon starts.
    pub c3_early_start: bool,
    /// r2 sends its gratuitous ARP / NA this many ms before its first advert.
    pub announce_early_ms: Option<u64>,
    /// r2 does not announce after the crash.
    pub no_announce: bool,
    /// After r1's priority 0, r2 waits Master_Down_Interval.
    pub c5_slow: bool,
    /// r1 comes back and never pre-empts r2.
    pub c6_no_preempt: bool,
    /// r1 skips 3 adverts in the first hold.
    pub c7_gap: bool,
    /// r2 sends priority 0 while r1 is master; r1 answers at once (true) or not (false).
    pub c8_stray_p0: Option<bool>,
    /// On pre-emption, r2 sends one more advert 1 ms after r1's first (a brief overlap).
    pub brief_overlap: bool,
    /// In the first hold, r2 sends one IPv4 advert at its own priority while r1 is master (a
    /// contest r1 wins: r1 stays master).
    pub contest: bool,
    /// On pre-emption, r2 keeps advertising for this many intervals.
    pub long_overlap: Option<u64>,
    /// On pre-emption, r1 (higher) stops after 2 adverts and r2 carries on.
    pub c10_winner_yields: bool,
    /// After a long overlap, r1 announces again.
    pub reannounce: bool,
    /// In the first hold the lab injects this from h1, and the routers react as it says.
    pub inject: Option<Injected>,
    /// r1 also joins a second segment, `wan` (198.51.100.1/24). `Some(true)`: an advert from
    /// that address appears on `lan`, as a router forwarding the group would leak it (A10).
    pub a10_second_segment: Option<bool>,
    /// With a long overlap: the lab partitioned r1 from r2 from r1's start (steps 10 and 11
    /// of the timeline) and healed it this many intervals before r2's adverts end.
    pub partition_healed_ivs_before_end: Option<u64>,
    /// r1 sends no priority 0 when stopped.
    pub c11_no_leave: bool,
    /// r2's gratuitous ARP names its physical MAC.
    pub d1_physical_sender: bool,
    /// r2's unsolicited NA has R=0.
    pub d2_r0: bool,
    /// r1 answers h1's ARP with its physical MAC.
    pub d3_physical_reply: bool,
    /// r1 answers h1's NS with its physical MAC.
    pub d4_physical_reply: bool,
    /// r2 (backup) sends a router advertisement from the VMAC while r1 is master.
    pub d5_backup_ra: bool,
    /// No FDB event for r2's takeover after the crash.
    pub d8_no_fdb: bool,
    /// An IPv6 packet from the VMAC-derived address fe80::200:5eff:fe00:234.
    pub d9_vmac_iid: bool,
    /// h1's sysctls not recorded.
    pub d10_missing: bool,
    /// h1 drops unsolicited NAs.
    pub d10_drop: bool,
    /// r2 (backup) sends an MLD report from the IPv6 VMAC while r1 is master.
    pub e1_backup_frame: bool,
    /// The FDB puts the IPv4 VMAC on r2's port while r1 is master.
    pub e1_fdb: bool,
    /// h1's entry for the VIP holds r1's physical MAC.
    pub e2_physical: bool,
    /// h1's entry for the IPv6 VIP loses its router flag.
    pub e3_flag_lost: bool,
    /// The crashed r1 answers an ARP for the VIP after r2 announced.
    pub e6_old_master_arp: bool,
    /// The pre-empted master sends a frame from the VMAC this many µs after its successor's
    /// first advert (E1: a frame crossing that advert in flight, or a late one).
    pub e1_old_master_frame_us: Option<u64>,
    /// The crashed master sends a frame from the VMAC this many µs after its successor's
    /// first advert.
    pub e1_crashed_master_frame_us: Option<u64>,
    /// The pre-empted master sends an ARP reply for the IPv4 VIP this many µs after its
    /// successor's first advert (E6: crossing in flight, or late).
    pub e6_preempted_arp_us: Option<u64>,
    /// The pre-empted master answers h1's ARP request for the IPv4 VIP from the VMAC this
    /// many µs after its successor's first advert (D3: a request that reached it before that
    /// advert did, or a late answer).
    pub d3_preempted_reply_us: Option<u64>,
    /// Probes go unanswered for 20 intervals after the crash.
    pub e4_probe_gap: bool,
    /// At teardown r1, stopped long before, sends a frame from the IPv4 VMAC (E1, were it
    /// judged).
    pub vmac_frame_in_teardown: bool,
    /// A recording older than the `teardown` event: judged to its end.
    pub no_teardown_event: bool,
    /// The timeline failed.
    pub step_failed: bool,
    /// The capture dropped frames.
    pub drops: bool,
    /// The kernel dropped netlink notifications of the switch's monitor.
    pub notifications_lost: bool,
    /// The whole machine stalls for 5 intervals in the first hold: no advert and no probe
    /// (the CI run of 3ef4e59); on waking, r1's kernel answers h1's ARP from the VMAC 140 ms
    /// before its daemon's first advert ("while no router is master": E1, were it judged).
    pub stall: bool,
}

/// An injection in the first hold (r1 master, r2 backup), and whether it was wrongly acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Three priority-254 adverts for gw4 with this TTL (A5 for TTL ≠ 255; v2 stories: with a
    /// 2 s interval, B13). Acted on: r1 goes silent for three intervals.
    Spoof { ttl: u8, acted_on: bool },
    /// An ARP request for the IPv4 VIP sent at r2 (D6). Acted on: r2 answers it.
    ArpAtBackup { acted_on: bool },
    /// The same, but h1 asks the segment for the VIP on its own 5 ms later and r2 answers
    /// only after that: the answer is to h1's question (D3's to judge), not to the lab's.
    ArpAtBackupAskedAgain,
    /// An echo to the IPv4 VIP sent at r2 (C13). Acted on: r2 replies from the VIP.
    EchoAtBackup { acted_on: bool },
    /// The lab's stale-FDB provocation: an echo to the IPv4 VIP at the VMAC, sent by the
    /// switch into r2's port (`via`; it never enters the bridge, so the capture does not hold
    /// it) (C13). Acted on: r2 replies from the VIP.
    EchoIntoBackupPort { acted_on: bool },
    /// A priority-0 advert for gw4 from h1 (C8). Acted on: r1, the master, advertises
    /// 0.2 ms later; else it keeps its cadence.
    PriorityZero { acted_on: bool },
    /// An echo to the IPv4 VIP at the VMAC, with Accept_Mode false (C12). Acted on: r1
    /// replies from the VIP.
    EchoAtMaster { acted_on: bool },
}

#[derive(Debug, Clone)]
pub struct Story {
    pub version: u8,
    /// Advertisement interval, ms (v2: whole seconds).
    pub interval_ms: u64,
    /// Include the IPv6 virtual router (v3 only).
    pub v6: bool,
    pub knobs: Knobs,
}

impl Story {
    pub fn v3() -> Story {
        Story {
            version: 3,
            interval_ms: 100,
            v6: true,
            knobs: Knobs::default(),
        }
    }
    pub fn v2() -> Story {
        Story {
            version: 2,
            interval_ms: 1000,
            v6: false,
            knobs: Knobs::default(),
        }
    }
    pub fn with(mut self, f: impl FnOnce(&mut Knobs)) -> Story {
        f(&mut self.knobs);
        self
    }
}

/// A recording being built.
pub struct Lab {
    pub story: Story,
    /// (t ns since T0, interface, bytes)
    pub frames: Vec<(u64, u32, Vec<u8>)>,
    pub events: Vec<(u64, What)>,
    pub end: u64,
}

const MS: u64 = 1_000_000;

impl Lab {
    fn ev(&mut self, t: u64, what: What) {
        self.events.push((t, what));
    }
    fn harness(&mut self, t: u64, h: Harness) {
        self.ev(t, What::Harness(h));
    }
    fn frame(&mut self, t: u64, iface: u32, bytes: Vec<u8>) {
        self.frames.push((t, iface, bytes));
    }
    fn iv(&self) -> u64 {
        self.story.interval_ms * MS
    }
    fn k(&self) -> &Knobs {
        &self.story.knobs
    }

    /// Skew_Time (ns) at `prio`, RFC 3768 / 5798 §6.1.
    pub fn skew(&self, prio: u8) -> u64 {
        let w = 256 - u64::from(prio);
        if self.story.version == 2 {
            w * 1_000_000_000 / 256
        } else {
            w * self.iv() / 256
        }
    }
    pub fn mdi(&self, prio: u8) -> u64 {
        3 * self.iv() + self.skew(prio)
    }

    fn advert(&mut self, t: u64, node: u32, v6: bool, prio: u8) {
        let k = self.k().clone();
        let mine = node == R2;
        let version = if mine {
            k.version.unwrap_or(self.story.version)
        } else {
            self.story.version
        };
        let interval_field = if mine { k.interval } else { None };
        let mut f = if v6 {
            let mut addrs = vec![IpAddr::V6(VLL6), IpAddr::V6(VIP6)];
            if k.b11_no_link_local {
                addrs.remove(0);
            }
            let src = if mine && k.a8_global_source {
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2))
            } else {
                IpAddr::V6(ll(node))
            };
            AdvertFrame::vrrp_v3(
                src,
                VRID6,
                prio,
                interval_field.unwrap_or((self.story.interval_ms / 10) as u16),
                addrs,
            )
        } else {
            let vip = if mine && k.b10_wrong_address {
                Ipv4Addr::new(192, 0, 2, 101)
            } else {
                VIP4
            };
            let src = if mine && k.a7_vip_source {
                VIP4
            } else {
                ip4(node)
            };
            if version == 2 {
                let mut a = AdvertFrame::vrrp_v2(
                    src,
                    VRID4,
                    prio,
                    (self.story.interval_ms / 1000).max(1) as u8,
                    vec![vip],
                );
                if let Some(i) = interval_field {
                    if let AdvertMessage::Vrrp(r) = &mut a.message {
                        r.interval = i;
                    }
                }
                a
            } else {
                AdvertFrame::vrrp_v3(
                    IpAddr::V4(src),
                    VRID4,
                    prio,
                    interval_field.unwrap_or((self.story.interval_ms / 10) as u16),
                    vec![IpAddr::V4(vip)],
                )
            }
        };
        if mine {
            if let AdvertMessage::Vrrp(r) = &mut f.message {
                if version != r.version {
                    // Same fields, the other layout.
                    r.version = version;
                    if version == 2 {
                        r.interval = (self.story.interval_ms / 1000).max(1) as u16;
                    }
                }
                if let Some(t) = k.vrrp_type {
                    r.vrrp_type = t;
                }
                if let Some(p) = k.priority {
                    if r.priority != 0 {
                        r.priority = p;
                    }
                }
                if k.b5_count {
                    r.count = Some(2);
                }
                if let Some(a) = k.auth_type {
                    r.auth_type = a;
                }
                if let Some(x) = k.reserved {
                    r.reserved = x;
                }
                if k.bad_checksum {
                    r.checksum = ChecksumMode::Fixed(0x1234);
                }
                if k.b12_trailing {
                    r.trailing = vec![0, 0, 0, 0];
                }
            }
            if let Some(t) = k.ttl {
                f.ttl = t;
            }
            if k.a9_physical_mac {
                f.src_mac = mac(node);
            }
            if k.a1_wrong_group && !v6 {
                f.dst_ip = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 19));
                f.dst_mac = MacAddr::ipv4_multicast(Ipv4Addr::new(224, 0, 0, 19));
            }
            if k.a2_wrong_group && v6 {
                let g = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x13);
                f.dst_ip = IpAddr::V6(g);
                f.dst_mac = MacAddr::ipv6_multicast(g);
            }
        }
        self.frame(t, node, f.emit());
    }

    /// One advert per virtual router.
    fn adverts(&mut self, t: u64, node: u32, prio: u8) {
        self.advert(t, node, false, prio);
        if self.story.v6 && !self.k().a6_no_v6_adverts {
            self.advert(t + 50_000, node, true, prio);
        }
    }

    fn announce(&mut self, t: u64, node: u32) {
        let k = self.k().clone();
        let (sender4, src4) = if node == R2 && k.d1_physical_sender {
            (mac(node), mac(node))
        } else {
            (vmac4(), vmac4())
        };
        self.frame(
            t,
            node,
            emit::arp_frame(
                src4,
                MacAddr::BROADCAST,
                &[],
                &ArpPacket::gratuitous_request(sender4, VIP4),
            ),
        );
        if self.story.v6 {
            let all = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
            let na = NaRepr {
                router: !(node == R2 && k.d2_r0),
                solicited: false,
                override_flag: true,
                target: VIP6,
                target_lla: Some(vmac6()),
            };
            self.frame(
                t + 10_000,
                node,
                emit::neighbor_advert(vmac6(), MacAddr::ipv6_multicast(all), ll(node), all, &na),
            );
        }
    }

    fn fdb(&mut self, t: u64, node: u32, m: MacAddr) {
        let name = ["h1", "r1", "r2"][node as usize];
        self.ev(
            t,
            What::Fdb(Fdb {
                event: Change::New,
                ns: "switch".into(),
                mac: Some(m),
                port: format!("vp{node}"),
                node: name.into(),
                interface: "eth0".into(),
                vlan: None,
                state: "reachable".into(),
                flags: vec![],
            }),
        );
    }

    fn fdbs(&mut self, t: u64, node: u32) {
        self.fdb(t, node, vmac4());
        if self.story.v6 {
            self.fdb(t, node, vmac6());
        }
    }

    /// A master's run of adverts from `from` while `< until` (exclusive), every interval.
    /// Returns the time of the last advert.
    fn tenure(&mut self, from: u64, until: u64, node: u32, prio: u8) -> u64 {
        let mut t = from;
        let mut last = from;
        let mut n = 0;
        while t < until {
            let skip = (self.k().c7_gap
                && node == R1
                && (4..6).contains(&n)
                && from < 3 * self.iv() + self.mdi(200))
                || (node == R1 && self.daemon_stalled(t));
            if !skip {
                self.adverts(t, node, prio);
                last = t;
            }
            t += self.iv();
            n += 1;
        }
        last
    }

    /// The stall of the `stall` knob: 5 intervals from 2.5 intervals into the first hold.
    fn stall(&self) -> Option<(u64, u64)> {
        let iv = self.iv();
        let hold1 = 10 * MS + self.mdi(200) + MS + iv;
        let from = hold1 + 2 * iv + iv / 2;
        self.k().stall.then_some((from, from + 5 * iv))
    }

    fn stalled(&self, t: u64) -> bool {
        self.stall().is_some_and(|(a, b)| t > a && t < b)
    }

    /// r1's daemon wakes an interval after the machine.
    fn daemon_stalled(&self, t: u64) -> bool {
        self.stall()
            .is_some_and(|(a, b)| t > a && t < b + self.iv())
    }

    fn step(&mut self, i: usize, began: u64, ended: u64, step: Value) {
        self.harness(began, Harness::Step { index: i, step });
        if self.k().step_failed && i == 9 {
            self.harness(
                ended,
                Harness::StepFailed {
                    index: i,
                    began: T0 + began,
                    reason: "wait until r2 is master did not hold within 1s".into(),
                },
            );
        } else {
            self.harness(
                ended,
                Harness::StepDone {
                    index: i,
                    began: T0 + began,
                },
            );
        }
    }

    /// The injection of `i` at `at`, as the lab records it, and the reaction.
    fn inject(&mut self, i: Injected, at: u64) {
        let iv = self.iv();
        let v2 = self.story.version == 2;
        type Discard = Option<(&'static str, &'static str)>;
        let via = matches!(i, Injected::EchoIntoBackupPort { .. }).then_some("r2");
        let (kind, to, discard, frames): (&str, Option<&str>, Discard, Vec<Vec<u8>>) = match i {
            Injected::Spoof { ttl, .. } => {
                let mut f = if v2 {
                    AdvertFrame::vrrp_v2(ip4(H1), VRID4, 254, 2, vec![VIP4])
                } else {
                    AdvertFrame::vrrp_v3(
                        IpAddr::V4(ip4(H1)),
                        VRID4,
                        254,
                        10,
                        vec![IpAddr::V4(VIP4)],
                    )
                };
                f.src_mac = mac(H1);
                f.ttl = ttl;
                let discard = if ttl != 255 {
                    ("a5.ttl-discard", "TTL/hop limit 254, not 255")
                } else {
                    ("b13.interval-mismatch", "interval 2 s, the routers use 1 s")
                };
                ("advert", None, Some(discard), vec![f.emit(); 3])
            }
            Injected::PriorityZero { .. } => {
                let mut f = AdvertFrame::vrrp_v3(
                    IpAddr::V4(ip4(H1)),
                    VRID4,
                    0,
                    (self.story.interval_ms / 10) as u16,
                    vec![IpAddr::V4(VIP4)],
                );
                f.src_mac = mac(H1);
                ("advert", None, None, vec![f.emit()])
            }
            Injected::ArpAtBackup { .. } | Injected::ArpAtBackupAskedAgain => {
                let mut f = emit::arp_request(mac(H1), ip4(H1), VIP4);
                f[..6].copy_from_slice(&mac(R2).0);
                ("arp-request", Some("r2"), None, vec![f])
            }
            Injected::EchoAtBackup { .. } => (
                "echo",
                Some("r2"),
                None,
                vec![echo(mac(H1), mac(R2), ip4(H1), VIP4, 8)],
            ),
            Injected::EchoAtMaster { .. } | Injected::EchoIntoBackupPort { .. } => (
                "echo",
                None,
                None,
                vec![echo(mac(H1), vmac4(), ip4(H1), VIP4, 8)],
            ),
        };
        let frame = match kind {
            "advert" => FrameKind::Advert(AdvertSpoof {
                priority: matches!(i, Injected::PriorityZero { .. }).then_some(0),
                ..AdvertSpoof::default()
            }),
            "arp-request" => FrameKind::ArpRequest,
            _ => FrameKind::Echo,
        };
        // The lab's own provocation is recorded as such, not as a fault.
        let injection = |i| match via {
            Some(_) => Harness::Provoke(Fault::Inject(i)),
            None => Harness::Fault(Fault::Inject(i)),
        };
        self.harness(
            at - 100_000,
            injection(Injection {
                id: 0,
                step: 10,
                provoked: via.is_some(),
                node: "h1".into(),
                vrouter: "gw4".into(),
                frame,
                to: to.map(String::from),
                via: via.map(String::from),
                count: frames.len() as u32,
                every_ns: 20 * MS,
                frames_per_burst: 1,
                discard_check: discard.map(|d| d.0.to_string()),
                discard_why: discard.map(|d| d.1.to_string()),
            }),
        );
        for (n, f) in frames.into_iter().enumerate() {
            let t = at + n as u64 * 20 * MS;
            self.harness(
                t,
                Harness::Injected {
                    id: 0,
                    hex: f.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                },
            );
            if via.is_none() {
                self.frame(t + 20_000, H1, f);
            }
        }
        match i {
            Injected::Spoof { acted_on: true, .. } => {
                // r1 takes the spoof for a master: silent for three intervals.
                let (from, until) = (at, at + 3 * iv);
                self.frames
                    .retain(|(t, f, _)| !(*f == R1 && *t > from && *t < until));
            }
            Injected::ArpAtBackupAskedAgain => {
                self.frame(at + 5 * MS, H1, emit::arp_request(mac(H1), ip4(H1), VIP4));
                self.frame(at + 6 * MS, R2, arp_reply_to_h1(mac(R2)));
            }
            Injected::ArpAtBackup { acted_on: true } => {
                self.frame(at + MS, R2, arp_reply_to_h1(mac(R2)));
            }
            Injected::PriorityZero { acted_on: true } => {
                self.advert(at + 20_000 + 200_000, R1, false, 200);
            }
            Injected::EchoAtBackup { acted_on: true }
            | Injected::EchoIntoBackupPort { acted_on: true } => {
                self.frame(at + MS, R2, echo(mac(R2), mac(H1), VIP4, ip4(H1), 0));
            }
            Injected::EchoAtMaster { acted_on: true } => {
                self.frame(at + MS, R1, echo(vmac4(), mac(H1), VIP4, ip4(H1), 0));
            }
            _ => {}
        }
    }

    fn proc(&mut self, t: u64, p: Process) {
        self.ev(t, What::Process(p));
    }
}

/// Builds the story.
pub fn build(story: Story) -> Lab {
    let mut l = Lab {
        story,
        frames: Vec::new(),
        events: Vec::new(),
        end: 0,
    };
    let k = l.k().clone();
    let iv = l.iv();
    l.harness(
        0,
        Harness::Run {
            scenario: "story".into(),
            daemon: "frr".into(),
            daemons: Default::default(),
            daemon_version: "FRR 8.4.4".into(),
        },
    );
    // Start: both daemons; r1 becomes master after its Master_Down_Interval.
    l.proc(10 * MS, start("r1"));
    l.proc(12 * MS, start("r2"));
    let t_r1 = if k.c3_early_start {
        15 * MS
    } else {
        10 * MS + l.mdi(200) + MS
    };
    l.step(0, 20 * MS, t_r1 + iv, json!({"action": "wait"}));
    let hold1 = t_r1 + iv;
    let crash = hold1 + 12 * iv;
    l.step(1, hold1, crash, json!({"action": "hold"}));
    l.announce(t_r1 + 200_000, R1);
    l.fdbs(t_r1 + 100_000, R1);
    let last_r1 = l.tenure(t_r1, crash - iv / 2, R1, 200);
    if let Some((_, woke)) = l.stall() {
        l.frame(
            woke + 10 * MS,
            H1,
            emit::arp_request(mac(H1), ip4(H1), VIP4),
        );
        l.frame(woke + 10 * MS + 100_000, R1, arp_reply_to_h1(vmac4()));
    }
    // h1 resolves the VIPs (answered by r1) and the hosts' caches hold the VMACs.
    let q = t_r1 + 3 * iv;
    l.frame(q, H1, emit::arp_request(mac(H1), ip4(H1), VIP4));
    let reply_mac = if k.d3_physical_reply {
        mac(R1)
    } else {
        vmac4()
    };
    l.frame(
        q + 100_000,
        R1,
        emit::arp_frame(
            reply_mac,
            mac(H1),
            &[],
            &ArpPacket {
                op: ArpOp::Reply,
                sender_mac: reply_mac,
                sender_ip: VIP4,
                target_mac: mac(H1),
                target_ip: ip4(H1),
                gratuitous: false,
            },
        ),
    );
    let host_mac = if k.e2_physical { mac(R1) } else { vmac4() };
    l.ev(
        q + 200_000,
        neigh_new(VIP4.to_string(), host_mac, "reachable", false),
    );
    if l.story.v6 {
        let h1ll = ll(H1);
        l.frame(q + MS, H1, emit::neighbor_solicit(mac(H1), h1ll, VIP6));
        let lla = if k.d4_physical_reply {
            mac(R1)
        } else {
            vmac6()
        };
        l.frame(
            q + MS + 100_000,
            R1,
            emit::neighbor_advert(
                lla,
                mac(H1),
                VIP6,
                h1ll,
                &NaRepr {
                    router: true,
                    solicited: true,
                    override_flag: true,
                    target: VIP6,
                    target_lla: Some(lla),
                },
            ),
        );
        l.ev(
            q + MS + 200_000,
            neigh_new(VIP6.to_string(), vmac6(), "reachable", true),
        );
        // r1 sends a router advertisement for the virtual router.
        l.frame(q + 2 * MS, R1, ra_frame(vmac6(), VLL6, 1800));
        if k.d5_backup_ra {
            l.frame(q + 3 * MS, R2, ra_frame(vmac6(), VLL6, 0));
        }
        if k.e1_backup_frame {
            l.frame(q + 4 * MS, R2, mld_frame(vmac6()));
        }
        if k.d9_vmac_iid {
            let bad = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x0234);
            l.frame(
                q + 5 * MS,
                R1,
                emit::icmpv6_frame(
                    vmac6(),
                    MacAddr::ipv6_multicast(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2)),
                    bad,
                    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2),
                    255,
                    vec![133, 0, 0, 0, 0, 0, 0, 0],
                ),
            );
        }
        if k.e3_flag_lost {
            l.ev(
                q + 6 * MS,
                neigh_new(VIP6.to_string(), vmac6(), "stale", false),
            );
        }
    }
    if k.e1_fdb {
        l.fdb(q + 7 * MS, R2, vmac4());
    }
    if k.a6_udp_to_group {
        let g = Ipv4Addr::new(224, 0, 0, 18);
        l.frame(
            q + 8 * MS,
            R1,
            emit::ipv4_frame(
                mac(R1),
                MacAddr::ipv4_multicast(g),
                &[],
                &Ipv4Repr::new(ip4(R1), g, 17, 8),
                &[0, 1, 0, 2, 0, 8, 0, 0],
            ),
        );
    }
    if k.b3_unknown_vrid {
        let f = AdvertFrame::vrrp_v3(
            IpAddr::V4(ip4(R2)),
            99,
            100,
            (l.story.interval_ms / 10) as u16,
            vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 199))],
        );
        l.frame(q + 9 * MS, R2, f.emit());
    }
    if k.a10_second_segment == Some(true) {
        let f = AdvertFrame::vrrp_v3(
            IpAddr::V4(WAN_R1),
            VRID4,
            200,
            (l.story.interval_ms / 10) as u16,
            vec![IpAddr::V4(VIP4)],
        );
        l.frame(q + 12 * MS, R1, f.emit());
    }
    if k.b12_truncated {
        let mut f =
            AdvertFrame::vrrp_v3(IpAddr::V4(ip4(R2)), VRID4, 100, 10, vec![IpAddr::V4(VIP4)])
                .emit();
        // Cut inside the VRRP header; fix the IPv4 total length so the IP layer decodes.
        f.truncate(14 + 20 + 6);
        f[16] = 0;
        f[17] = 26;
        l.frame(q + 10 * MS, R2, f);
    }
    if k.contest {
        l.advert(q + 13 * MS, R2, false, 100);
    }
    if let Some(answered) = k.c8_stray_p0 {
        let t = q + 11 * MS;
        l.advert(t, R2, false, 0);
        if answered {
            l.advert(t + 200_000, R1, false, 200);
        }
    }
    // Crash of r1 (step 2), r2 takes over after Master_Down_Interval (step 3 waits for it).
    l.step(
        2,
        crash,
        crash + 2 * MS,
        json!({"action": "fault", "fault": "crash", "node": "r1"}),
    );
    l.harness(
        crash,
        Harness::Fault(Fault::Crash {
            node: "r1".into(),
            pids: vec![100],
        }),
    );
    l.proc(crash + MS, signal("r1", "SIGKILL", "group", "crash"));
    l.proc(crash + 2 * MS, exit("r1", "killed by SIGKILL"));
    let mut t_r2 = last_r1 + l.mdi(100) + 500_000;
    if let Some(n) = k.late_takeover {
        t_r2 += n * iv;
    }
    if k.early_takeover {
        t_r2 = last_r1 + iv + MS;
    }
    l.step(3, crash + 2 * MS, t_r2 + iv, json!({"action": "wait"}));
    if !k.no_announce {
        match k.announce_early_ms {
            Some(ms) => l.announce(t_r2 - ms * MS, R2),
            None => l.announce(t_r2 + 200_000, R2),
        }
    }
    if !k.d8_no_fdb {
        l.fdbs(t_r2 + 100_000, R2);
    }
    if let Some(us) = k.e1_crashed_master_frame_us {
        l.frame(t_r2 + us * 1000, R1, mld_frame(vmac4()));
    }
    if k.e6_old_master_arp {
        l.frame(t_r2 + 300_000, R1, vip_arp_reply());
    }
    let hold2 = t_r2 + iv;
    let start_r1 = hold2 + 10 * iv;
    l.step(4, hold2, start_r1, json!({"action": "hold"}));
    // r1 comes back (step 5) and pre-empts r2 after its Master_Down_Interval (step 6).
    l.step(
        5,
        start_r1,
        start_r1 + MS,
        json!({"action": "fault", "fault": "start", "node": "r1"}),
    );
    l.harness(start_r1, Harness::Fault(Fault::Start { node: "r1".into() }));
    l.proc(start_r1 + 500_000, start("r1"));
    let t_pre = start_r1 + 500_000 + l.mdi(200) + MS;
    let stop = t_pre + 14 * iv;
    let mut r2_until = t_pre;
    if let Some(n) = k.long_overlap {
        r2_until = t_pre + n * iv;
    }
    if k.c6_no_preempt || k.c10_winner_yields {
        r2_until = stop + iv;
    }
    // r2's adverts are on its own schedule from t_r2.
    let mut t = t_r2;
    let mut last_r2 = t_r2;
    while t < r2_until {
        l.adverts(t, R2, 100);
        last_r2 = t;
        t += iv;
    }
    let _ = last_r2;
    if let Some(n) = k.partition_healed_ivs_before_end {
        let heal = r2_until - n * iv;
        l.harness(
            start_r1 - MS,
            Harness::Step {
                index: 10,
                step: json!({"action": "partition"}),
            },
        );
        l.harness(
            heal,
            Harness::Fault(Fault::Heal {
                step: Some(11),
                ended: vec![Ended {
                    step: 10,
                    fault: "partition".into(),
                    dropped: 42,
                    relayed: None,
                }],
                mechanism: "nftables bridge family, forward hook".into(),
            }),
        );
    }
    if k.brief_overlap {
        l.adverts(t_pre + MS, R2, 100);
    }
    if let Some(us) = k.e1_old_master_frame_us {
        l.frame(t_pre + us * 1000, R2, mld_frame(vmac4()));
    }
    if let Some(us) = k.e6_preempted_arp_us {
        l.frame(t_pre + us * 1000, R2, vip_arp_reply());
    }
    if let Some(us) = k.d3_preempted_reply_us {
        l.frame(t_pre + us * 1000, R2, arp_reply_to_h1(vmac4()));
    }
    l.step(6, start_r1 + MS, t_pre + iv, json!({"action": "wait"}));
    let hold3 = t_pre + iv;
    l.step(7, hold3, stop, json!({"action": "hold"}));
    if !k.c6_no_preempt {
        let r1_until = if k.c10_winner_yields {
            t_pre + 2 * iv
        } else {
            stop
        };
        l.announce(t_pre + 200_000, R1);
        l.fdbs(t_pre + 100_000, R1);
        l.tenure(t_pre, r1_until, R1, 200);
        if k.reannounce {
            if let Some(n) = k.long_overlap {
                l.announce(t_pre + n * iv + 20 * MS, R1);
            }
        }
    }
    // Stop r1 (step 8): priority 0, r2 takes over after Skew_Time; hold (step 9).
    l.step(
        8,
        stop,
        stop + MS,
        json!({"action": "fault", "fault": "stop", "node": "r1"}),
    );
    l.harness(
        stop,
        Harness::Fault(Fault::Stop {
            node: "r1".into(),
            pids: vec![100],
        }),
    );
    l.proc(stop + 200_000, signal("r1", "SIGTERM", "group", "stop"));
    let p0 = stop + 500_000;
    let leave = !(k.c6_no_preempt || k.c10_winner_yields);
    if leave && !k.c11_no_leave {
        l.adverts(p0, R1, 0);
    }
    l.proc(stop + 2 * MS, exit("r1", "exit 0"));
    let mut t_r2b = p0 + l.skew(100) + 300_000;
    if k.c1_no_skew {
        t_r2b = p0 + MS;
    }
    if k.c5_slow {
        t_r2b = p0 + l.mdi(100);
    }
    let end_hold = t_r2b + 6 * iv;
    l.step(9, stop + MS, end_hold, json!({"action": "hold"}));
    if leave {
        l.announce(t_r2b + 200_000, R2);
        l.fdbs(t_r2b + 100_000, R2);
        l.tenure(t_r2b, end_hold, R2, 100);
    }
    if k.notifications_lost {
        l.harness(
            end_hold - 3 * iv,
            Harness::NotificationsLost {
                namespace: "switch".into(),
            },
        );
    }
    // Teardown: r2 leaves.
    let down = end_hold + 5 * MS;
    if !k.no_teardown_event {
        l.harness(down - 1, Harness::Teardown);
    }
    l.proc(down, signal("r2", "SIGTERM", "process", "teardown"));
    if k.vmac_frame_in_teardown {
        l.frame(down + MS, R1, mld_frame(vmac4()));
    }
    l.adverts(down + 300_000, R2, 0);
    l.proc(down + 3 * MS, exit("r2", "exit 0"));
    l.end = down + 10 * MS;
    l.harness(
        l.end,
        Harness::End {
            outcome: vrlab::rundir::Outcome::Completed,
            frames: 0,
            kernel_drops: 0,
        },
    );
    if let Some(i) = k.inject {
        l.inject(i, t_r1 + 5 * iv + 3 * MS);
    }
    // Probes: every interval/10 from the first master to the teardown, one reply per probe
    // (recorded as events; a few echo replies also as frames).
    let every = (iv / 10).max(MS);
    let mut t = t_r1 + iv;
    let mut seq = 0u64;
    while t < down {
        for target in [VIP4.to_string(), VIP6.to_string()] {
            if target.contains(':') && !l.story.v6 {
                continue;
            }
            let lost = k.e4_probe_gap && t > crash && t < crash + 20 * iv;
            if l.stalled(t) {
                continue;
            }
            l.ev(
                t,
                What::Probe(Probe {
                    node: "h1".into(),
                    target,
                    seq,
                    rtt_us: (!lost).then_some(80),
                    lost,
                    error: None,
                    unfinished: false,
                }),
            );
        }
        seq += 1;
        t += every;
    }
    l
}

/// An ICMP echo request (type 8) or reply (type 0).
fn echo(src_mac: MacAddr, dst_mac: MacAddr, src: Ipv4Addr, dst: Ipv4Addr, ty: u8) -> Vec<u8> {
    let mut m = vec![ty, 0, 0, 0, 0x76, 0x72, 0, 1];
    let c = vrlab::wire::checksum::compute(&m, 0);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    emit::ipv4_frame(
        src_mac,
        dst_mac,
        &[],
        &Ipv4Repr::new(src, dst, 1, m.len()),
        &m,
    )
}

fn ra_frame(src_mac: MacAddr, src: Ipv6Addr, lifetime: u16) -> Vec<u8> {
    let all = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let mut m = vec![134, 0, 0, 0, 64, 0];
    m.extend_from_slice(&lifetime.to_be_bytes());
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&[1, 1]);
    m.extend_from_slice(&src_mac.0);
    emit::icmpv6_frame(src_mac, MacAddr::ipv6_multicast(all), src, all, 255, m)
}

/// An ARP reply from the IPv4 VMAC naming the IPv4 VIP.
fn vip_arp_reply() -> Vec<u8> {
    emit::arp_frame(
        vmac4(),
        vmac4(),
        &[],
        &ArpPacket {
            op: ArpOp::Reply,
            sender_mac: vmac4(),
            sender_ip: VIP4,
            target_mac: vmac4(),
            target_ip: VIP4,
            gratuitous: true,
        },
    )
}

fn mld_frame(src_mac: MacAddr) -> Vec<u8> {
    let g = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);
    emit::icmpv6_frame(
        src_mac,
        MacAddr::ipv6_multicast(g),
        VLL6,
        g,
        1,
        vec![143, 0, 0, 0, 0, 0, 0, 0],
    )
}

/// r1's address on the second segment of the A10 story.
const WAN_R1: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);

pub fn scenario_text(s: &Story) -> String {
    let iv = if s.version == 2 {
        format!("{}s", s.interval_ms / 1000)
    } else {
        format!("{}ms", s.interval_ms)
    };
    let mut t = format!(
        r#"name = "synthetic"
summary = "Synthetic recording for the judge's tests"

[segments.lan]

[nodes.r1]
role = "router"
interfaces.eth0 = {{ segment = "lan", addresses = ["192.0.2.1/24", "2001:db8:1::1/64"] }}
{wan_if}
[nodes.r2]
role = "router"
interfaces.eth0 = {{ segment = "lan", addresses = ["192.0.2.2/24", "2001:db8:1::2/64"] }}

[nodes.h1]
role = "host"
interfaces.eth0 = {{ segment = "lan", addresses = ["192.0.2.10/24", "2001:db8:1::10/64"] }}

[vrouters.gw4]
vrid = 51
version = {v}
segment = "lan"
vips = ["192.0.2.100"]
interval = "{iv}"
accept = {accept}
priorities = {{ r1 = 200, r2 = 100 }}
"#,
        v = s.version,
        accept = !matches!(s.knobs.inject, Some(Injected::EchoAtMaster { .. })),
        wan_if = if s.knobs.a10_second_segment.is_some() {
            format!("interfaces.eth1 = {{ segment = \"wan\", addresses = [\"{WAN_R1}/24\"] }}\n")
        } else {
            String::new()
        },
    );
    if s.knobs.a10_second_segment.is_some() {
        t.push_str("\n[segments.wan]\n");
    }
    if s.v6 {
        t.push_str(&format!(
            r#"
[vrouters.gw6]
vrid = 52
version = 3
segment = "lan"
vips = ["2001:db8:1::100"]
interval = "{iv}"
accept = true
priorities = {{ r1 = 200, r2 = 100 }}
"#
        ));
    }
    t.push_str(&format!(
        r#"
[probe]
interval = "{}ms"

[[timeline]]
action = "wait"
until = "master"
node = "r1"
timeout = "10s"

[[timeline]]
action = "hold"
for = "1s"

[[timeline]]
action = "crash"
node = "r1"

[[timeline]]
action = "wait"
until = "master"
node = "r2"
timeout = "5s"

[[timeline]]
action = "hold"
for = "1s"

[[timeline]]
action = "start"
node = "r1"

[[timeline]]
action = "wait"
until = "master"
node = "r1"
timeout = "10s"

[[timeline]]
action = "hold"
for = "1s"

[[timeline]]
action = "stop"
node = "r1"

[[timeline]]
action = "hold"
for = "500ms"
"#,
        (s.interval_ms / 10).max(1)
    ));
    if s.knobs.partition_healed_ivs_before_end.is_some() {
        // Steps 10 and 11; their events are placed in the pre-emption window.
        t.push_str(
            r#"
[[timeline]]
action = "partition"
groups = [["r1"], ["r2"]]

[[timeline]]
action = "heal"
"#,
        );
    }
    t
}

/// Writes the run directory.
pub fn write(l: &Lab, dir: &Path) -> PathBuf {
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    let k = &l.story.knobs;
    std::fs::create_dir_all(dir.join("segments")).unwrap();
    std::fs::write(dir.join("scenario.toml"), scenario_text(&l.story)).unwrap();
    let mut frames = l.frames.clone();
    frames.sort_by_key(|f| f.0);
    {
        let file = std::io::BufWriter::new(
            std::fs::File::create(dir.join("segments/lan.pcapng")).unwrap(),
        );
        let mut w = pcap_file::pcapng::PcapNgWriter::new(file).unwrap();
        for name in ["h1:eth0", "r1:eth0", "r2:eth0"] {
            w.write_pcapng_block(InterfaceDescriptionBlock {
                linktype: pcap_file::DataLink::ETHERNET,
                snaplen: 0,
                options: vec![
                    InterfaceDescriptionOption::IfName(name.into()),
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            })
            .unwrap();
        }
        for (t, iface, bytes) in &frames {
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id: *iface,
                timestamp: std::time::Duration::from_nanos(T0 + t),
                original_len: bytes.len() as u32,
                data: std::borrow::Cow::Borrowed(bytes),
                options: vec![],
            })
            .unwrap();
        }
    }
    let mut events = l.events.clone();
    events.sort_by_key(|e| e.0);
    let mut text = String::new();
    for (t, what) in events {
        let e = Event { t: T0 + t, what };
        text.push_str(&serde_json::to_string(&e).unwrap());
        text.push('\n');
    }
    std::fs::write(dir.join("events.jsonl"), text).unwrap();
    let mut sysctls = Vec::new();
    if !k.d10_missing {
        for key in [
            "net.ipv4.conf.all.arp_accept",
            "net.ipv6.conf.all.accept_untracked_na",
        ] {
            sysctls.push(json!({"node": "h1", "key": key, "value": "0"}));
        }
        sysctls.push(json!({"node": "h1", "key": "net.ipv6.conf.all.drop_unsolicited_na", "value": if k.d10_drop { "1" } else { "0" }}));
    }
    let iface = |id: u32, node: &str| json!({"id": id, "node": node, "interface": "eth0", "port": format!("vp{id}"), "mac": mac(id).to_string()});
    let meta = json!({
        "vrlab_version": "0.1.0",
        "scenario": "synthetic",
        "daemon": "synthetic",
        "daemon_version": "wire::emit",
        "started_ns": T0,
        "ended_ns": T0 + l.end,
        "kernel": "test",
        "segments": [{"segment": "lan", "file": "segments/lan.pcapng", "interfaces": [iface(0, "h1"), iface(1, "r1"), iface(2, "r2")]}],
        "nodes": {
            "h1": {"role": "host", "macs": [mac(H1).to_string()]},
            "r1": {"role": "router", "macs": [mac(R1).to_string()]},
            "r2": {"role": "router", "macs": [mac(R2).to_string()]},
        },
        "sysctls": sysctls,
        "outcome": if k.step_failed { json!({"status": "step_failed", "step": 9, "reason": "wait did not hold"}) } else { json!({"status": "completed"}) },
        "capture": {"frames": frames.len(), "kernel_drops": if k.drops { 7 } else { 0 }},
        "topology_build_ms": 1.0,
    });
    std::fs::write(
        dir.join("run.json"),
        serde_json::to_string_pretty(&meta).unwrap(),
    )
    .unwrap();
    dir.to_path_buf()
}

/// Builds, writes and judges a story.
pub fn judge(story: Story) -> vrlab::checks::Verdict {
    let dir = tempfile::tempdir().unwrap();
    let lab = build(story);
    write(&lab, dir.path());
    vrlab::checks::judge_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"))
}

/// An ARP reply for the IPv4 VIP to h1, from `from`.
fn arp_reply_to_h1(from: MacAddr) -> Vec<u8> {
    emit::arp_frame(
        from,
        mac(H1),
        &[],
        &ArpPacket {
            op: ArpOp::Reply,
            sender_mac: from,
            sender_ip: VIP4,
            target_mac: mac(H1),
            target_ip: ip4(H1),
            gratuitous: false,
        },
    )
}

fn who(node: &str) -> Who {
    Who {
        node: node.into(),
        name: "vrrpd".into(),
        pid: 100,
    }
}

fn start(node: &str) -> Process {
    Process::Start {
        who: who(node),
        argv: vec!["vrrpd".into()],
    }
}

fn signal(node: &str, signal: &str, target: &str, why: &str) -> Process {
    Process::Signal {
        who: who(node),
        signal: signal.into(),
        target: target.into(),
        why: why.into(),
    }
}

fn exit(node: &str, status: &str) -> Process {
    Process::Exit {
        who: who(node),
        status: status.into(),
    }
}

/// h1's neighbour entry for `ip`, added or changed.
fn neigh_new(ip: String, mac: MacAddr, state: &str, router: bool) -> What {
    What::Neigh(Neigh {
        event: Change::New,
        node: "h1".into(),
        interface: "eth0".into(),
        ip,
        mac: Some(mac),
        state: state.into(),
        router,
    })
}
