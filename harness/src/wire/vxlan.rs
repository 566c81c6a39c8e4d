//! VXLAN (RFC 7348): an Ethernet frame carried in UDP over IPv4. The capture takes the inner
//! frame out of a datagram that enters the underlay, to record the overlay segment.

use std::net::Ipv4Addr;

use super::ethernet::{ethertype, EthernetFrame};
use super::ipv4::Ipv4Packet;

/// UDP's protocol number.
const UDP: u8 = 17;
const UDP_HEADER: usize = 8;
/// Flags (8 bits, I = 0x08: the VNI is valid), 24 reserved bits, the VNI, 8 reserved bits.
const VXLAN_HEADER: usize = 8;
const FLAG_VNI: u8 = 0x08;

/// A VXLAN datagram's facts and the frame it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vxlan<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub vni: u32,
    pub inner: &'a [u8],
}

/// The VXLAN datagram in `frame` (untagged Ethernet, IPv4, UDP to `port`, the I flag set,
/// unfragmented), if it is one.
pub fn decapsulate(frame: &[u8], port: u16) -> Option<Vxlan<'_>> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != ethertype::IPV4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if ip.protocol() != UDP || ip.more_frags() || ip.frag_offset() != 0 {
        return None;
    }
    let udp = ip.payload();
    if udp.len() < UDP_HEADER + VXLAN_HEADER
        || u16::from_be_bytes([udp[2], udp[3]]) != port
        || udp[UDP_HEADER] & FLAG_VNI == 0
    {
        return None;
    }
    let v = &udp[UDP_HEADER..];
    Some(Vxlan {
        src: ip.src(),
        dst: ip.dst(),
        vni: u32::from_be_bytes([0, v[4], v[5], v[6]]),
        inner: &udp[UDP_HEADER + VXLAN_HEADER..],
    })
}

/// `inner` in a VXLAN datagram from `src` to `dst` (for tests and fixtures).
pub fn encapsulate(
    outer: (super::ethernet::MacAddr, super::ethernet::MacAddr),
    src: Ipv4Addr,
    dst: Ipv4Addr,
    port: u16,
    vni: u32,
    inner: &[u8],
) -> Vec<u8> {
    let mut udp = Vec::with_capacity(UDP_HEADER + VXLAN_HEADER + inner.len());
    let len = (UDP_HEADER + VXLAN_HEADER + inner.len()) as u16;
    udp.extend_from_slice(&49152u16.to_be_bytes());
    udp.extend_from_slice(&port.to_be_bytes());
    udp.extend_from_slice(&len.to_be_bytes());
    udp.extend_from_slice(&[0, 0]); // no checksum, as Linux sends VXLAN over IPv4
    let vni = vni.to_be_bytes();
    udp.extend_from_slice(&[FLAG_VNI, 0, 0, 0, vni[1], vni[2], vni[3], 0]);
    udp.extend_from_slice(inner);
    let repr = super::ipv4::Ipv4Repr {
        ttl: 64,
        tos: 0,
        ..super::ipv4::Ipv4Repr::new(src, dst, UDP, udp.len())
    };
    super::emit::ipv4_frame(outer.0, outer.1, &[], &repr, &udp)
}

#[cfg(test)]
mod tests {
    use super::super::ethernet::MacAddr;
    use super::*;

    const PORT: u16 = 4789;

    fn inner() -> Vec<u8> {
        super::super::emit::gratuitous_arp(
            MacAddr([0, 0, 0x5e, 0, 1, 0x33]),
            Ipv4Addr::new(192, 0, 2, 100),
        )
    }

    fn datagram(vni: u32) -> Vec<u8> {
        encapsulate(
            (MacAddr([2, 0, 0, 0, 1, 1]), MacAddr([2, 0, 0, 0, 3, 1])),
            Ipv4Addr::new(10, 0, 1, 1),
            Ipv4Addr::new(10, 0, 2, 1),
            PORT,
            vni,
            &inner(),
        )
    }

    #[test]
    fn rfc7348_5_the_inner_frame_and_the_vni_come_out() {
        let d = datagram(0x0a0b0c);
        let v = decapsulate(&d, PORT).expect("a VXLAN datagram");
        assert_eq!(v.vni, 0x0a0b0c);
        assert_eq!(v.src, Ipv4Addr::new(10, 0, 1, 1));
        assert_eq!(v.dst, Ipv4Addr::new(10, 0, 2, 1));
        assert_eq!(v.inner, &inner()[..]);
    }

    #[test]
    fn rfc7348_5_without_the_i_flag_or_on_another_port_it_is_not_vxlan() {
        let mut d = datagram(42);
        assert!(decapsulate(&d, 8472).is_none());
        let flags = 14 + 20 + 8;
        d[flags] = 0;
        assert!(decapsulate(&d, PORT).is_none());
    }

    #[test]
    fn short_or_other_frames_are_none_not_a_panic() {
        let d = datagram(42);
        for n in 0..d.len() - inner().len() {
            assert!(decapsulate(&d[..n], PORT).is_none(), "{n} bytes");
        }
        assert!(decapsulate(&inner(), PORT).is_none());
    }
}
