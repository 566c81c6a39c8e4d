//! Whole frames, for the harness to inject (conforming, spoofed or malformed adverts,
//! gratuitous ARP, NS/NA probes) and for tests. Every field is raw and settable, so that a
//! frame can be wrong on purpose; the constructors give conforming defaults.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::arp::ArpPacket;
use super::carp::CarpRepr;
use super::checksum::IpPair;
use super::ethernet::{ethertype, MacAddr};
use super::icmpv6::{self, NaRepr, NsRepr};
use super::ipv4::Ipv4Repr;
use super::ipv6::{next_header, Ipv6Repr};
use super::vlan::VlanTag;
use super::vrrp::{self, VrrpRepr};

/// Ethernet header (with VLAN tags) followed by `payload`.
pub fn ethernet_frame(
    src: MacAddr,
    dst: MacAddr,
    vlans: &[VlanTag],
    ethertype: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + 4 * vlans.len() + payload.len());
    out.extend_from_slice(&dst.0);
    out.extend_from_slice(&src.0);
    for t in vlans {
        t.emit(&mut out);
    }
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// An IPv4 packet in an Ethernet frame; `repr.payload_len` is set from `payload`.
pub fn ipv4_frame(
    src: MacAddr,
    dst: MacAddr,
    vlans: &[VlanTag],
    repr: &Ipv4Repr,
    payload: &[u8],
) -> Vec<u8> {
    let mut ip = Vec::with_capacity(24 + payload.len());
    Ipv4Repr {
        payload_len: payload.len(),
        ..*repr
    }
    .emit(&mut ip);
    ip.extend_from_slice(payload);
    ethernet_frame(src, dst, vlans, ethertype::IPV4, &ip)
}

/// An IPv6 packet in an Ethernet frame; `repr.payload_len` is set from `payload`.
pub fn ipv6_frame(
    src: MacAddr,
    dst: MacAddr,
    vlans: &[VlanTag],
    repr: &Ipv6Repr,
    payload: &[u8],
) -> Vec<u8> {
    let mut ip = Vec::with_capacity(48 + payload.len());
    Ipv6Repr {
        payload_len: payload.len(),
        ..*repr
    }
    .emit(&mut ip);
    ip.extend_from_slice(payload);
    ethernet_frame(src, dst, vlans, ethertype::IPV6, &ip)
}

/// The message an [`AdvertFrame`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdvertMessage {
    /// VRRP v2 or v3 (or a deliberately wrong version).
    Vrrp(VrrpRepr),
    /// CARP.
    Carp(CarpRepr),
}

/// A VRRP or CARP advert frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertFrame {
    /// Source MAC (conforming: the virtual router MAC).
    pub src_mac: MacAddr,
    /// Destination MAC (conforming: the group address of `dst_ip`).
    pub dst_mac: MacAddr,
    /// VLAN tags, outermost first.
    pub vlans: Vec<VlanTag>,
    /// IP source; its family selects IPv4 or IPv6.
    pub src_ip: IpAddr,
    /// IP destination; if its family differs from `src_ip`'s, the family's VRRP group is used.
    pub dst_ip: IpAddr,
    /// TTL / hop limit (conforming: 255).
    pub ttl: u8,
    /// The message.
    pub message: AdvertMessage,
}

impl AdvertFrame {
    /// A conforming VRRPv3 advert: family of `src_ip`, VMAC source, group destination, TTL 255,
    /// pseudo-header checksum.
    pub fn vrrp_v3(
        src_ip: IpAddr,
        vrid: u8,
        priority: u8,
        interval_cs: u16,
        addrs: Vec<IpAddr>,
    ) -> Self {
        let (src_mac, dst_ip) = match src_ip {
            IpAddr::V4(_) => (MacAddr::vrrp_v4(vrid), IpAddr::V4(vrrp::MCAST_V4)),
            IpAddr::V6(_) => (MacAddr::vrrp_v6(vrid), IpAddr::V6(vrrp::MCAST_V6)),
        };
        AdvertFrame {
            src_mac,
            dst_mac: group_mac(dst_ip),
            vlans: Vec::new(),
            src_ip,
            dst_ip,
            ttl: 255,
            message: AdvertMessage::Vrrp(VrrpRepr::v3(vrid, priority, interval_cs, addrs)),
        }
    }

    /// A conforming VRRPv2 advert (auth type 0).
    pub fn vrrp_v2(
        src_ip: Ipv4Addr,
        vrid: u8,
        priority: u8,
        interval_s: u8,
        addrs: Vec<Ipv4Addr>,
    ) -> Self {
        let addrs = addrs.into_iter().map(IpAddr::V4).collect();
        AdvertFrame {
            src_mac: MacAddr::vrrp_v4(vrid),
            dst_mac: MacAddr::ipv4_multicast(vrrp::MCAST_V4),
            vlans: Vec::new(),
            src_ip: IpAddr::V4(src_ip),
            dst_ip: IpAddr::V4(vrrp::MCAST_V4),
            ttl: 255,
            message: AdvertMessage::Vrrp(VrrpRepr::v2(vrid, priority, interval_s, addrs)),
        }
    }

    /// A CARP advert as ucarp sends it (source `00:00:5e:00:00:{vhid}`).
    pub fn carp(src_ip: Ipv4Addr, repr: CarpRepr) -> Self {
        AdvertFrame {
            src_mac: MacAddr::ucarp(repr.vhid),
            dst_mac: MacAddr::ipv4_multicast(vrrp::MCAST_V4),
            vlans: Vec::new(),
            src_ip: IpAddr::V4(src_ip),
            dst_ip: IpAddr::V4(vrrp::MCAST_V4),
            ttl: 255,
            message: AdvertMessage::Carp(repr),
        }
    }

    fn pair(&self) -> IpPair {
        match (self.src_ip, self.dst_ip) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => IpPair::V4 { src, dst },
            (IpAddr::V4(src), IpAddr::V6(_)) => IpPair::V4 {
                src,
                dst: vrrp::MCAST_V4,
            },
            (IpAddr::V6(src), IpAddr::V6(dst)) => IpPair::V6 { src, dst },
            (IpAddr::V6(src), IpAddr::V4(_)) => IpPair::V6 {
                src,
                dst: vrrp::MCAST_V6,
            },
        }
    }

    /// The VRRP/CARP message alone (what a raw IP socket sends).
    pub fn message_bytes(&self) -> Vec<u8> {
        let mut msg = Vec::with_capacity(64);
        match &self.message {
            AdvertMessage::Vrrp(v) => v.emit(&self.pair(), &mut msg),
            AdvertMessage::Carp(c) => c.emit(&mut msg),
        }
        msg
    }

    /// The whole Ethernet frame.
    pub fn emit(&self) -> Vec<u8> {
        let msg = self.message_bytes();
        match self.pair() {
            IpPair::V4 { src, dst } => {
                let mut r = Ipv4Repr::new(src, dst, vrrp::PROTO, msg.len());
                r.ttl = self.ttl;
                ipv4_frame(self.src_mac, self.dst_mac, &self.vlans, &r, &msg)
            }
            IpPair::V6 { src, dst } => {
                let mut r = Ipv6Repr::new(src, dst, vrrp::PROTO, msg.len());
                r.hop_limit = self.ttl;
                ipv6_frame(self.src_mac, self.dst_mac, &self.vlans, &r, &msg)
            }
        }
    }
}

fn group_mac(dst: IpAddr) -> MacAddr {
    match dst {
        IpAddr::V4(a) => MacAddr::ipv4_multicast(a),
        IpAddr::V6(a) => MacAddr::ipv6_multicast(a),
    }
}

/// An ARP packet in an Ethernet frame.
pub fn arp_frame(src: MacAddr, dst: MacAddr, vlans: &[VlanTag], arp: &ArpPacket) -> Vec<u8> {
    let mut p = Vec::with_capacity(28);
    arp.emit(&mut p);
    ethernet_frame(src, dst, vlans, ethertype::ARP, &p)
}

/// A gratuitous ARP request for `ip` at `mac`, sent from `mac` to broadcast (RFC-CHECKLIST D1).
pub fn gratuitous_arp(mac: MacAddr, ip: Ipv4Addr) -> Vec<u8> {
    arp_frame(
        mac,
        MacAddr::BROADCAST,
        &[],
        &ArpPacket::gratuitous_request(mac, ip),
    )
}

/// An ARP request for `target` from `mac`/`ip`, to broadcast (a probe of who owns a VIP).
pub fn arp_request(mac: MacAddr, ip: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    arp_frame(
        mac,
        MacAddr::BROADCAST,
        &[],
        &ArpPacket::request(mac, ip, target),
    )
}

/// An ICMPv6 message (checksum filled in) in an IPv6/Ethernet frame.
pub fn icmpv6_frame(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    mut msg: Vec<u8>,
) -> Vec<u8> {
    icmpv6::fill_checksum(&mut msg, src, dst);
    let mut r = Ipv6Repr::new(src, dst, next_header::ICMPV6, msg.len());
    r.hop_limit = hop_limit;
    r.traffic_class = 0;
    ipv6_frame(src_mac, dst_mac, &[], &r, &msg)
}

/// A Neighbor Advertisement frame with hop limit 255.
pub fn neighbor_advert(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    na: &NaRepr,
) -> Vec<u8> {
    let mut m = Vec::with_capacity(32);
    na.emit(&mut m);
    icmpv6_frame(src_mac, dst_mac, src, dst, 255, m)
}

/// The unsolicited NA a new VRRP master sends for an IPv6 VIP (RFC-CHECKLIST D2): from the
/// VMAC and the router's link-local address to ff02::1, R=1 S=0 O=1, target link-layer
/// address = VMAC.
pub fn unsolicited_na(vmac: MacAddr, src_link_local: Ipv6Addr, target: Ipv6Addr) -> Vec<u8> {
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    neighbor_advert(
        vmac,
        MacAddr::ipv6_multicast(all_nodes),
        src_link_local,
        all_nodes,
        &NaRepr {
            router: true,
            solicited: false,
            override_flag: true,
            target,
            target_lla: Some(vmac),
        },
    )
}

/// A Neighbor Solicitation for `target` from `src_mac`/`src` to its solicited-node group,
/// with a source link-layer address option (a probe of who answers for a VIP).
pub fn neighbor_solicit(src_mac: MacAddr, src: Ipv6Addr, target: Ipv6Addr) -> Vec<u8> {
    let dst = icmpv6::solicited_node(target);
    let mut m = Vec::with_capacity(32);
    NsRepr {
        target,
        source_lla: Some(src_mac),
    }
    .emit(&mut m);
    icmpv6_frame(src_mac, MacAddr::ipv6_multicast(dst), src, dst, 255, m)
}
