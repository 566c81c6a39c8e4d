//! Whole Ethernet frames the daemon sends from the virtual router MAC
//! (advertisements, gratuitous ARP, unsolicited NA), and the few fields it
//! reads from ARP and NA it hears (for VIP defense). Sent through AF_PACKET so
//! the source MAC is the VMAC, whatever the kernel would pick (RFC 9568 §7.3).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::checksum::{checksum, ipv6_pseudo, IPPROTO_VRRP};

pub type Mac = [u8; 6];

pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_IPV6: u16 = 0x86dd;
const IPPROTO_ICMPV6: u8 = 58;
const ND_ROUTER_SOLICIT: u8 = 133;
const ND_ROUTER_ADVERT: u8 = 134;
const ND_NEIGHBOR_SOLICIT: u8 = 135;
const ND_NEIGHBOR_ADVERT: u8 = 136;
const ND_OPT_SOURCE_LL: u8 = 1;
const ND_OPT_TARGET_LL: u8 = 2;
/// Cur Hop Limit advertised to hosts (RFC 4861 §6.2.1 AdvCurHopLimit).
const ADV_CUR_HOP_LIMIT: u8 = 64;
/// Hop limit of VRRP and of ND messages (RFC 9568 §5.1.2.3, RFC 4861 §7.1.2).
pub const HOP_LIMIT: u8 = 255;
/// DSCP CS6 (network control), as routing protocols use.
const TOS_NETWORK_CONTROL: u8 = 0xc0;

pub const BROADCAST: Mac = [0xff; 6];
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Virtual router MAC of RFC 9568 §7.3: 00-00-5E-00-01-{VRID} for IPv4,
/// 00-00-5E-00-02-{VRID} for IPv6.
pub fn vmac(ipv6: bool, vrid: u8) -> Mac {
    [0x00, 0x00, 0x5e, 0x00, if ipv6 { 0x02 } else { 0x01 }, vrid]
}

/// Multicast MAC of an IPv4 group (RFC 1112 §6.4).
pub fn mcast_mac_v4(group: Ipv4Addr) -> Mac {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// Multicast MAC of an IPv6 group (RFC 2464 §7).
pub fn mcast_mac_v6(group: Ipv6Addr) -> Mac {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

pub fn format_mac(m: &Mac) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ethernet(dst: Mac, src: Mac, ethertype: u16, payload_len: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload_len);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// Ethernet + IPv4 (TTL 255, protocol 112) around a VRRP message.
pub fn advert_v4(src_mac: Mac, src: Ipv4Addr, dst: Ipv4Addr, vrrp: &[u8]) -> Vec<u8> {
    let dst_mac = mcast_mac_v4(dst);
    let mut f = ethernet(dst_mac, src_mac, ETH_P_IP, 20 + vrrp.len());
    let total = (20 + vrrp.len()) as u16;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[1] = TOS_NETWORK_CONTROL;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[8] = HOP_LIMIT;
    ip[9] = IPPROTO_VRRP;
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let ck = checksum(&ip);
    ip[10..12].copy_from_slice(&ck.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(vrrp);
    f
}

fn ipv6_header(src: Ipv6Addr, dst: Ipv6Addr, next: u8, payload_len: usize) -> [u8; 40] {
    let mut h = [0u8; 40];
    // Version 6, traffic class CS6, flow label 0.
    h[0] = 0x60 | (TOS_NETWORK_CONTROL >> 4);
    h[1] = (TOS_NETWORK_CONTROL & 0x0f) << 4;
    h[4..6].copy_from_slice(&(payload_len as u16).to_be_bytes());
    h[6] = next;
    h[7] = HOP_LIMIT;
    h[8..24].copy_from_slice(&src.octets());
    h[24..40].copy_from_slice(&dst.octets());
    h
}

/// Ethernet + IPv6 (hop limit 255, next header 112) around a VRRP message.
pub fn advert_v6(src_mac: Mac, src: Ipv6Addr, dst: Ipv6Addr, vrrp: &[u8]) -> Vec<u8> {
    let mut f = ethernet(mcast_mac_v6(dst), src_mac, ETH_P_IPV6, 40 + vrrp.len());
    f.extend_from_slice(&ipv6_header(src, dst, IPPROTO_VRRP, vrrp.len()));
    f.extend_from_slice(vrrp);
    f
}

/// Gratuitous ARP request for `vip`, sender hardware address = VMAC
/// (RFC 9568 §6.4.2 "Broadcast a gratuitous ARP request").
pub fn gratuitous_arp(vmac: Mac, vip: Ipv4Addr) -> Vec<u8> {
    let mut f = ethernet(BROADCAST, vmac, ETH_P_ARP, 28);
    f.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
    f.extend_from_slice(&vmac);
    f.extend_from_slice(&vip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&vip.octets());
    f
}

/// Unsolicited NA to all-nodes with R=1, S=0, O=1, target = `vip`, target
/// link-layer address = VMAC (RFC 9568 §6.4.2). `src` is the virtual router's
/// link-local address, which lives on the VMAC interface.
pub fn unsolicited_na(vmac: Mac, src: Ipv6Addr, vip: Ipv6Addr) -> Vec<u8> {
    let mut icmp = Vec::with_capacity(32);
    icmp.extend_from_slice(&[ND_NEIGHBOR_ADVERT, 0, 0, 0]);
    icmp.extend_from_slice(&[0xa0, 0, 0, 0]); // R=1 S=0 O=1
    icmp.extend_from_slice(&vip.octets());
    icmp.extend_from_slice(&[ND_OPT_TARGET_LL, 1]);
    icmp.extend_from_slice(&vmac);
    let ck = ipv6_pseudo(src, ALL_NODES, IPPROTO_ICMPV6, icmp.len() as u32)
        .add_bytes(&icmp)
        .finish();
    icmp[2..4].copy_from_slice(&ck.to_be_bytes());
    let mut f = ethernet(mcast_mac_v6(ALL_NODES), vmac, ETH_P_IPV6, 40 + icmp.len());
    f.extend_from_slice(&ipv6_header(src, ALL_NODES, IPPROTO_ICMPV6, icmp.len()));
    f.extend_from_slice(&icmp);
    f
}

/// Unicast or all-nodes neighbour advertisement answering a solicitation
/// for `target` (RFC 4861 §7.2.4), from the virtual router: source address
/// = the target, R=1 (RFC 9568 §8.2.2: the Router flag is set), O=1, target
/// link-layer address = VMAC. A solicitation from the unspecified address
/// (duplicate address detection) gets S=0 to all-nodes.
pub fn solicited_na(vmac: Mac, target: Ipv6Addr, to: Ipv6Addr, to_mac: Mac) -> Vec<u8> {
    let dad = to.is_unspecified();
    let (dst, dst_mac) = if dad {
        (ALL_NODES, mcast_mac_v6(ALL_NODES))
    } else {
        (to, to_mac)
    };
    let flags = if dad { 0xa0 } else { 0xe0 }; // R, (S), O
    let mut icmp = Vec::with_capacity(32);
    icmp.extend_from_slice(&[ND_NEIGHBOR_ADVERT, 0, 0, 0]);
    icmp.extend_from_slice(&[flags, 0, 0, 0]);
    icmp.extend_from_slice(&target.octets());
    icmp.extend_from_slice(&[ND_OPT_TARGET_LL, 1]);
    icmp.extend_from_slice(&vmac);
    let ck = ipv6_pseudo(target, dst, IPPROTO_ICMPV6, icmp.len() as u32)
        .add_bytes(&icmp)
        .finish();
    icmp[2..4].copy_from_slice(&ck.to_be_bytes());
    let mut f = ethernet(dst_mac, vmac, ETH_P_IPV6, 40 + icmp.len());
    f.extend_from_slice(&ipv6_header(target, dst, IPPROTO_ICMPV6, icmp.len()));
    f.extend_from_slice(&icmp);
    f
}

/// ARP reply for `vip` from the VMAC to the host that asked (RFC 826;
/// RFC 9568 §6.4.3: the master answers ARP requests for the VIPs with the
/// virtual router MAC).
pub fn arp_reply(vmac: Mac, vip: Ipv4Addr, to: Ipv4Addr, to_mac: Mac) -> Vec<u8> {
    let mut f = ethernet(to_mac, vmac, ETH_P_ARP, 28);
    f.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02]);
    f.extend_from_slice(&vmac);
    f.extend_from_slice(&vip.octets());
    f.extend_from_slice(&to_mac);
    f.extend_from_slice(&to.octets());
    f
}

/// Router advertisement for the virtual router to all-nodes (RFC 4861
/// §4.2; RFC 9568 §8.2.3: from the virtual router's link-local address),
/// with the VMAC as source link-layer address and `lifetime_s` as Router
/// Lifetime. Reachable Time and Retrans Timer are 0 (unspecified).
pub fn router_advert(vmac: Mac, src: Ipv6Addr, lifetime_s: u16) -> Vec<u8> {
    let mut icmp = Vec::with_capacity(24);
    icmp.extend_from_slice(&[ND_ROUTER_ADVERT, 0, 0, 0]);
    icmp.extend_from_slice(&[ADV_CUR_HOP_LIMIT, 0]);
    icmp.extend_from_slice(&lifetime_s.to_be_bytes());
    icmp.extend_from_slice(&[0; 8]);
    icmp.extend_from_slice(&[ND_OPT_SOURCE_LL, 1]);
    icmp.extend_from_slice(&vmac);
    let ck = ipv6_pseudo(src, ALL_NODES, IPPROTO_ICMPV6, icmp.len() as u32)
        .add_bytes(&icmp)
        .finish();
    icmp[2..4].copy_from_slice(&ck.to_be_bytes());
    let mut f = ethernet(mcast_mac_v6(ALL_NODES), vmac, ETH_P_IPV6, 40 + icmp.len());
    f.extend_from_slice(&ipv6_header(src, ALL_NODES, IPPROTO_ICMPV6, icmp.len()));
    f.extend_from_slice(&icmp);
    f
}

/// A request heard on the link that a master may have to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// ARP request (RFC 826): who has `target`? (`sender_ip` 0.0.0.0 for a probe.)
    Arp {
        target: Ipv4Addr,
        sender_ip: Ipv4Addr,
        sender_mac: Mac,
    },
    /// Neighbour solicitation (RFC 4861 §4.3), validated as §7.1.1 says;
    /// `src` is unspecified for duplicate address detection; `src_mac` is
    /// the source link-layer option, else the frame's source.
    Neighbour {
        target: Ipv6Addr,
        src: Ipv6Addr,
        src_mac: Mac,
    },
    /// Router solicitation (RFC 4861 §4.1), validated as §6.1.1 says.
    Router,
}

/// Read a request out of an Ethernet frame. Never panics; anything else,
/// or a message failing the RFC's validation, is `None`.
pub fn parse_request(frame: &[u8]) -> Option<Request> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let frame_src: Mac = frame.get(6..12)?.try_into().ok()?;
    let body = frame.get(14..)?;
    match ethertype {
        ETH_P_ARP => {
            let arp = body.get(..28)?;
            if arp[0..6] != [0x00, 0x01, 0x08, 0x00, 6, 4] || arp[6..8] != [0, 1] {
                return None;
            }
            Some(Request::Arp {
                sender_mac: arp[8..14].try_into().ok()?,
                sender_ip: Ipv4Addr::new(arp[14], arp[15], arp[16], arp[17]),
                target: Ipv4Addr::new(arp[24], arp[25], arp[26], arp[27]),
            })
        }
        ETH_P_IPV6 => {
            let ip6 = body.get(..40)?;
            let plen = usize::from(u16::from_be_bytes([ip6[4], ip6[5]]));
            if ip6[0] >> 4 != 6 || ip6[6] != IPPROTO_ICMPV6 || ip6[7] != HOP_LIMIT {
                return None;
            }
            let src = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[8..24]).ok()?);
            let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[24..40]).ok()?);
            let icmp = body.get(40..40 + plen)?;
            if icmp.len() < 8 || icmp[1] != 0 {
                return None;
            }
            let sum = ipv6_pseudo(src, dst, IPPROTO_ICMPV6, icmp.len() as u32)
                .add_bytes(icmp)
                .finish();
            if sum != 0 {
                return None;
            }
            let (opts_at, kind) = match icmp[0] {
                ND_ROUTER_SOLICIT => (8, ND_ROUTER_SOLICIT),
                ND_NEIGHBOR_SOLICIT if icmp.len() >= 24 => (24, ND_NEIGHBOR_SOLICIT),
                _ => return None,
            };
            let mut src_ll = None;
            let mut opts = &icmp[opts_at..];
            while !opts.is_empty() {
                let len = usize::from(*opts.get(1)?) * 8;
                if len == 0 || len > opts.len() {
                    return None; // RFC 4861: a zero-length option invalidates the message
                }
                if opts[0] == ND_OPT_SOURCE_LL && len >= 8 {
                    src_ll = Some(<Mac>::try_from(&opts[2..8]).ok()?);
                }
                opts = &opts[len..];
            }
            if kind == ND_ROUTER_SOLICIT {
                // §6.1.1: from the unspecified address, no source link-layer option.
                if src.is_unspecified() && src_ll.is_some() {
                    return None;
                }
                return Some(Request::Router);
            }
            let target = Ipv6Addr::from(<[u8; 16]>::try_from(&icmp[8..24]).ok()?);
            // §7.1.1: the target is not multicast; DAD goes to a solicited-node group
            // and carries no source link-layer option.
            if target.is_multicast() {
                return None;
            }
            if src.is_unspecified()
                && (src_ll.is_some() || dst.segments()[..6] != [0xff02, 0, 0, 0, 0, 1])
            {
                return None;
            }
            Some(Request::Neighbour {
                target,
                src,
                src_mac: src_ll.unwrap_or(frame_src),
            })
        }
        _ => None,
    }
}

/// Someone on the link claimed an address: from an ARP packet (request or
/// reply, sender fields) or a neighbour advertisement (target + its link-layer
/// option, or the frame's source MAC when the option is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    V4 { ip: Ipv4Addr, mac: Mac },
    V6 { ip: Ipv6Addr, mac: Mac },
}

/// Read a claim out of an Ethernet frame, if it is an ARP packet or an NA.
/// Never panics; anything else is `None`.
pub fn parse_claim(frame: &[u8]) -> Option<Claim> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let src_mac: Mac = frame.get(6..12)?.try_into().ok()?;
    let body = frame.get(14..)?;
    match ethertype {
        ETH_P_ARP => {
            let arp = body.get(..28)?;
            if arp[0..6] != [0x00, 0x01, 0x08, 0x00, 6, 4] {
                return None;
            }
            let mac: Mac = arp[8..14].try_into().ok()?;
            let ip = Ipv4Addr::new(arp[14], arp[15], arp[16], arp[17]);
            Some(Claim::V4 { ip, mac })
        }
        ETH_P_IPV6 => {
            let ip6 = body.get(..40)?;
            if ip6[6] != IPPROTO_ICMPV6 {
                return None;
            }
            let icmp = body.get(40..)?;
            if *icmp.first()? != ND_NEIGHBOR_ADVERT || icmp.len() < 24 {
                return None;
            }
            let target: [u8; 16] = icmp[8..24].try_into().ok()?;
            let mut mac = src_mac;
            let mut opts = &icmp[24..];
            while opts.len() >= 8 {
                let len = usize::from(opts[1]) * 8;
                if len == 0 || len > opts.len() {
                    break;
                }
                if opts[0] == ND_OPT_TARGET_LL {
                    mac = opts[2..8].try_into().ok()?;
                }
                opts = &opts[len..];
            }
            Some(Claim::V6 {
                ip: Ipv6Addr::from(target),
                mac,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vmac_follows_rfc_9568_7_3() {
        assert_eq!(vmac(false, 51), [0, 0, 0x5e, 0, 1, 51]);
        assert_eq!(vmac(true, 255), [0, 0, 0x5e, 0, 2, 255]);
    }

    #[test]
    fn advert_v4_frame_has_ttl_255_proto_112_and_a_valid_ip_checksum() {
        let f = advert_v4(
            vmac(false, 1),
            "10.0.0.2".parse().unwrap(),
            super::super::MCAST_V4,
            &[1, 2, 3, 4],
        );
        assert_eq!(&f[0..6], &[0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]);
        assert_eq!(&f[6..12], &vmac(false, 1));
        assert_eq!(f[14 + 8], 255);
        assert_eq!(f[14 + 9], 112);
        assert_eq!(checksum(&f[14..34]), 0);
        assert_eq!(&f[34..], &[1, 2, 3, 4]);
    }

    #[test]
    fn advert_v6_frame_goes_to_33_33_00_00_00_12_with_hop_limit_255() {
        let f = advert_v6(
            vmac(true, 9),
            "fe80::1".parse().unwrap(),
            super::super::MCAST_V6,
            &[9; 8],
        );
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 0x12]);
        assert_eq!(f[14 + 6], 112);
        assert_eq!(f[14 + 7], 255);
        assert_eq!(u16::from_be_bytes([f[18], f[19]]), 8);
    }

    #[test]
    fn gratuitous_arp_names_the_vmac_and_parses_back() {
        let m = vmac(false, 7);
        let f = gratuitous_arp(m, "192.0.2.1".parse().unwrap());
        assert_eq!(f.len(), 42);
        assert_eq!(
            parse_claim(&f),
            Some(Claim::V4 {
                ip: "192.0.2.1".parse().unwrap(),
                mac: m
            })
        );
    }

    #[test]
    fn unsolicited_na_has_r_and_o_flags_valid_checksum_and_parses_back() {
        let m = vmac(true, 7);
        let src: Ipv6Addr = "fe80::200:5eff:fe00:207".parse().unwrap();
        let vip: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let f = unsolicited_na(m, src, vip);
        let icmp = &f[54..];
        assert_eq!(icmp[0], 136);
        assert_eq!(icmp[4], 0xa0, "R=1 S=0 O=1");
        assert_eq!(
            ipv6_pseudo(src, ALL_NODES, 58, icmp.len() as u32)
                .add_bytes(icmp)
                .finish(),
            0
        );
        assert_eq!(f[14 + 7], 255);
        assert_eq!(parse_claim(&f), Some(Claim::V6 { ip: vip, mac: m }));
    }

    fn ns(src: Ipv6Addr, dst: Ipv6Addr, target: Ipv6Addr, sll: Option<Mac>) -> Vec<u8> {
        let mut icmp = vec![ND_NEIGHBOR_SOLICIT, 0, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&target.octets());
        if let Some(m) = sll {
            icmp.extend_from_slice(&[ND_OPT_SOURCE_LL, 1]);
            icmp.extend_from_slice(&m);
        }
        let ck = ipv6_pseudo(src, dst, IPPROTO_ICMPV6, icmp.len() as u32)
            .add_bytes(&icmp)
            .finish();
        icmp[2..4].copy_from_slice(&ck.to_be_bytes());
        let mut f = ethernet(
            mcast_mac_v6(dst),
            [2, 0, 0, 0, 0, 9],
            ETH_P_IPV6,
            40 + icmp.len(),
        );
        f.extend_from_slice(&ipv6_header(src, dst, IPPROTO_ICMPV6, icmp.len()));
        f.extend_from_slice(&icmp);
        f
    }

    #[test]
    fn rfc4861_7_1_1_neighbour_solicitation_is_parsed_and_validated() {
        let host: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let vip: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let snm: Ipv6Addr = "ff02::1:ff00:1".parse().unwrap();
        let m = [2, 0, 0, 0, 0, 0x10];
        let f = ns(host, snm, vip, Some(m));
        assert_eq!(
            parse_request(&f),
            Some(Request::Neighbour {
                target: vip,
                src: host,
                src_mac: m
            })
        );
        // Without the option, the frame's source MAC is where to answer.
        let f = ns(host, vip, vip, None);
        assert!(
            matches!(parse_request(&f), Some(Request::Neighbour { src_mac, .. }) if src_mac == [2, 0, 0, 0, 0, 9])
        );
        // Hop limit other than 255: not from the link.
        let mut bad = ns(host, snm, vip, Some(m));
        bad[14 + 7] = 64;
        assert_eq!(parse_request(&bad), None);
        // Bad checksum.
        let mut bad = ns(host, snm, vip, Some(m));
        bad[14 + 40 + 2] ^= 1;
        assert_eq!(parse_request(&bad), None);
        // DAD with a source link-layer option is invalid.
        assert_eq!(
            parse_request(&ns(Ipv6Addr::UNSPECIFIED, snm, vip, Some(m))),
            None
        );
        assert!(parse_request(&ns(Ipv6Addr::UNSPECIFIED, snm, vip, None)).is_some());
        for len in 0..f.len() {
            let _ = parse_request(&f[..len]);
        }
    }

    #[test]
    fn arp_request_is_parsed_and_answered_from_the_vmac() {
        let host_mac = [2, 0, 0, 0, 0, 0x10];
        let vip: Ipv4Addr = "192.0.2.1".parse().unwrap();
        let host: Ipv4Addr = "192.0.2.10".parse().unwrap();
        let mut req = ethernet(BROADCAST, host_mac, ETH_P_ARP, 28);
        req.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
        req.extend_from_slice(&host_mac);
        req.extend_from_slice(&host.octets());
        req.extend_from_slice(&[0; 6]);
        req.extend_from_slice(&vip.octets());
        assert_eq!(
            parse_request(&req),
            Some(Request::Arp {
                target: vip,
                sender_ip: host,
                sender_mac: host_mac
            })
        );
        // A gratuitous ARP request is a request too (target = sender).
        let m = vmac(false, 7);
        let r = arp_reply(m, vip, host, host_mac);
        assert_eq!(&r[0..6], &host_mac);
        assert_eq!(&r[6..12], &m);
        assert_eq!(&r[14 + 6..14 + 8], &[0, 2], "op = reply");
        assert_eq!(&r[14 + 8..14 + 14], &m, "sender hardware address = VMAC");
        assert_eq!(&r[14 + 14..14 + 18], &vip.octets());
        assert_eq!(&r[14 + 18..14 + 24], &host_mac);
        assert_eq!(parse_request(&r), None, "a reply is not a request");
        assert_eq!(parse_claim(&r), Some(Claim::V4 { ip: vip, mac: m }));
    }

    #[test]
    fn solicited_na_sets_r_s_o_and_dad_answers_go_to_all_nodes() {
        let m = vmac(true, 7);
        let vip: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let host: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let hm = [2, 0, 0, 0, 0, 0x10];
        let f = solicited_na(m, vip, host, hm);
        assert_eq!(&f[0..6], &hm);
        let icmp = &f[54..];
        assert_eq!(icmp[4], 0xe0, "R=1 S=1 O=1");
        assert_eq!(
            ipv6_pseudo(vip, host, 58, icmp.len() as u32)
                .add_bytes(icmp)
                .finish(),
            0
        );
        assert_eq!(parse_claim(&f), Some(Claim::V6 { ip: vip, mac: m }));
        let f = solicited_na(m, vip, Ipv6Addr::UNSPECIFIED, hm);
        assert_eq!(&f[0..6], &mcast_mac_v6(ALL_NODES));
        assert_eq!(f[54 + 4], 0xa0, "R=1 S=0 O=1");
    }

    #[test]
    fn router_advert_is_from_the_virtual_link_local_and_the_vmac() {
        let m = vmac(true, 7);
        let ll: Ipv6Addr = "fe80::200:5eff:fe00:207".parse().unwrap();
        let f = router_advert(m, ll, 1800);
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(&f[6..12], &m);
        assert_eq!(f[14 + 7], 255, "hop limit 255 (RFC 4861 §6.1.2)");
        assert_eq!(&f[14 + 8..14 + 24], &ll.octets());
        let icmp = &f[54..];
        assert_eq!(icmp[0], 134);
        assert_eq!(u16::from_be_bytes([icmp[6], icmp[7]]), 1800);
        assert_eq!(&icmp[16..18], &[1, 1], "source link-layer option");
        assert_eq!(&icmp[18..24], &m);
        assert_eq!(
            ipv6_pseudo(ll, ALL_NODES, 58, icmp.len() as u32)
                .add_bytes(icmp)
                .finish(),
            0
        );
    }

    #[test]
    fn parse_claim_never_panics_on_truncations() {
        let f = unsolicited_na(
            vmac(true, 1),
            "fe80::1".parse().unwrap(),
            "fe80::2".parse().unwrap(),
        );
        let a = gratuitous_arp(vmac(false, 1), "10.0.0.1".parse().unwrap());
        for len in 0..f.len() {
            let _ = parse_claim(&f[..len]);
        }
        for len in 0..a.len() {
            let _ = parse_claim(&a[..len]);
        }
        let mut bad = f.clone();
        bad[54 + 25] = 0; // option length 0 must not loop forever
        let _ = parse_claim(&bad);
    }
}
