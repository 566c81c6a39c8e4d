//! Linux "cooked" capture headers, what `tcpdump -i any` writes.
//!
//! SLL (LINKTYPE_LINUX_SLL = 113), 16 bytes, all big-endian:
//! packet type (2), ARPHRD type (2), link-layer address length (2), link-layer address (8,
//! zero-padded), protocol (2).
//!
//! SLL2 (LINKTYPE_LINUX_SLL2 = 276), 20 bytes: protocol (2), reserved (2), interface index (4),
//! ARPHRD type (2), packet type (1), link-layer address length (1), link-layer address (8).
//!
//! The link-layer address is the *sender's* address; a cooked header has no destination.

use serde::Serialize;

use super::error::{need, ErrorKind, Layer, WireError};
use super::ethernet::MacAddr;

/// Length of an SLL header.
pub const SLL_LEN: usize = 16;
/// Length of an SLL2 header.
pub const SLL2_LEN: usize = 20;

/// ARPHRD_ETHER.
pub const ARPHRD_ETHER: u16 = 1;
/// ARPHRD_LOOPBACK.
pub const ARPHRD_LOOPBACK: u16 = 772;
/// ARPHRD_NETLINK: the protocol field is a netlink family, not an EtherType.
pub const ARPHRD_NETLINK: u16 = 824;

/// Linux packet types (`PACKET_HOST` ...).
pub mod packet_type {
    /// To us.
    pub const HOST: u8 = 0;
    /// Broadcast.
    pub const BROADCAST: u8 = 1;
    /// Multicast.
    pub const MULTICAST: u8 = 2;
    /// To someone else (promiscuous).
    pub const OTHERHOST: u8 = 3;
    /// Sent by this host.
    pub const OUTGOING: u8 = 4;
}

/// What a cooked header says beyond the addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CookedInfo {
    /// `PACKET_HOST` (0), `BROADCAST` (1), `MULTICAST` (2), `OTHERHOST` (3), `OUTGOING` (4).
    pub packet_type: u8,
    /// ARPHRD type of the interface (1 = Ethernet).
    pub arphrd: u16,
    /// Interface index (SLL2 only).
    pub ifindex: Option<u32>,
}

/// A parsed cooked header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cooked {
    /// Header fields.
    pub info: CookedInfo,
    /// Sender's MAC when the address is 6 bytes long.
    pub src: Option<MacAddr>,
    /// The protocol field (an EtherType for Ethernet-like interfaces).
    pub protocol: u16,
    /// Header length.
    pub header_len: usize,
}

fn lladdr(len: usize, addr: &[u8]) -> Option<MacAddr> {
    if len == 6 {
        MacAddr::from_slice(&addr[..6])
    } else {
        None
    }
}

/// Parse an SLL header.
pub fn parse_sll(buf: &[u8]) -> Result<Cooked, WireError> {
    need(Layer::Sll, buf, 0, SLL_LEN)?;
    let pkttype = u16::from_be_bytes([buf[0], buf[1]]);
    let arphrd = u16::from_be_bytes([buf[2], buf[3]]);
    let alen = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
    let protocol = u16::from_be_bytes([buf[14], buf[15]]);
    let packet_type = u8::try_from(pkttype)
        .map_err(|_| WireError::new(Layer::Sll, 0, ErrorKind::Invalid("packet type above 255")))?;
    Ok(Cooked {
        info: CookedInfo {
            packet_type,
            arphrd,
            ifindex: None,
        },
        src: lladdr(alen, &buf[6..14]),
        protocol,
        header_len: SLL_LEN,
    })
}

/// Parse an SLL2 header.
pub fn parse_sll2(buf: &[u8]) -> Result<Cooked, WireError> {
    need(Layer::Sll2, buf, 0, SLL2_LEN)?;
    let protocol = u16::from_be_bytes([buf[0], buf[1]]);
    let ifindex = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let arphrd = u16::from_be_bytes([buf[8], buf[9]]);
    let packet_type = buf[10];
    let alen = usize::from(buf[11]);
    Ok(Cooked {
        info: CookedInfo {
            packet_type,
            arphrd,
            ifindex: Some(ifindex),
        },
        src: lladdr(alen, &buf[12..20]),
        protocol,
        header_len: SLL2_LEN,
    })
}

/// Append an SLL header (for tests and synthetic captures).
pub fn emit_sll(packet_type: u8, arphrd: u16, src: MacAddr, protocol: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&u16::from(packet_type).to_be_bytes());
    out.extend_from_slice(&arphrd.to_be_bytes());
    out.extend_from_slice(&6u16.to_be_bytes());
    out.extend_from_slice(&src.0);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&protocol.to_be_bytes());
}

/// Append an SLL2 header (for tests and synthetic captures).
pub fn emit_sll2(
    packet_type: u8,
    arphrd: u16,
    ifindex: u32,
    src: MacAddr,
    protocol: u16,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(&protocol.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&ifindex.to_be_bytes());
    out.extend_from_slice(&arphrd.to_be_bytes());
    out.push(packet_type);
    out.push(6);
    out.extend_from_slice(&src.0);
    out.extend_from_slice(&[0, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sll_both_ways() {
        // As tcpdump -i any writes an incoming multicast VRRP advert.
        let bytes = [
            0x00, 0x02, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x00, 0x00,
            0x08, 0x00,
        ];
        let c = parse_sll(&bytes).unwrap();
        assert_eq!(c.info.packet_type, packet_type::MULTICAST);
        assert_eq!(c.info.arphrd, ARPHRD_ETHER);
        assert_eq!(c.info.ifindex, None);
        assert_eq!(c.src, Some(MacAddr::vrrp_v4(0x33)));
        assert_eq!(c.protocol, 0x0800);
        let mut out = Vec::new();
        emit_sll(2, 1, MacAddr::vrrp_v4(0x33), 0x0800, &mut out);
        assert_eq!(out, bytes);
        for n in 0..SLL_LEN {
            assert!(parse_sll(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn sll2_both_ways() {
        let bytes = [
            0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x04, 0x06, 0x00, 0x00,
            0x5e, 0x00, 0x02, 0x01, 0x00, 0x00,
        ];
        let c = parse_sll2(&bytes).unwrap();
        assert_eq!(c.info.packet_type, packet_type::OUTGOING);
        assert_eq!(c.info.ifindex, Some(7));
        assert_eq!(c.src, Some(MacAddr::vrrp_v6(1)));
        assert_eq!(c.protocol, 0x86dd);
        let mut out = Vec::new();
        emit_sll2(4, 1, 7, MacAddr::vrrp_v6(1), 0x86dd, &mut out);
        assert_eq!(out, bytes);
        for n in 0..SLL2_LEN {
            assert!(parse_sll2(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn non_ethernet_address_length() {
        let mut bytes = [0u8; 16];
        bytes[5] = 0; // address length 0 (e.g. a tunnel)
        bytes[14] = 0x08;
        let c = parse_sll(&bytes).unwrap();
        assert_eq!(c.src, None);
    }
}
