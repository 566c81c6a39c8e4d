//! ARP for Ethernet and IPv4 (RFC 826), gratuitous ARP (RFC 5227 §3 "announcement") detection.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Hardware type (1)           |   Protocol type (0x0800)      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | HLEN (6)      | PLEN (4)      |   Operation                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Sender hardware address (6) | Sender protocol address (4)     |
//! | Target hardware address (6) | Target protocol address (4)     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::net::Ipv4Addr;

use serde::Serialize;

use super::error::{need, ErrorKind, Layer, WireError};
use super::ethernet::MacAddr;

/// Length of an Ethernet/IPv4 ARP packet.
pub const LEN: usize = 28;

/// ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArpOp {
    /// 1.
    Request,
    /// 2.
    Reply,
    /// Anything else (RARP 3/4, InARP 8/9 ...).
    Other(u16),
}

impl ArpOp {
    /// The wire value.
    pub const fn code(self) -> u16 {
        match self {
            ArpOp::Request => 1,
            ArpOp::Reply => 2,
            ArpOp::Other(v) => v,
        }
    }
    const fn from_code(v: u16) -> Self {
        match v {
            1 => ArpOp::Request,
            2 => ArpOp::Reply,
            v => ArpOp::Other(v),
        }
    }
}

/// An Ethernet/IPv4 ARP packet; also the input of [`ArpPacket::emit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ArpPacket {
    /// Operation.
    pub op: ArpOp,
    /// Sender hardware address.
    pub sender_mac: MacAddr,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: MacAddr,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
    /// Sender IP equals target IP: a gratuitous ARP (request or reply form).
    pub gratuitous: bool,
}

impl ArpPacket {
    /// Parse; bytes after the 28 (Ethernet padding) are ignored. Other hardware or protocol
    /// types are an error.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need(Layer::Arp, buf, 0, 8)?;
        let htype = u16::from_be_bytes([buf[0], buf[1]]);
        let ptype = u16::from_be_bytes([buf[2], buf[3]]);
        if htype != 1 || ptype != 0x0800 || buf[4] != 6 || buf[5] != 4 {
            return Err(WireError::new(
                Layer::Arp,
                0,
                ErrorKind::Invalid("not an Ethernet/IPv4 ARP packet"),
            ));
        }
        need(Layer::Arp, buf, 0, LEN)?;
        let ip = |o: usize| Ipv4Addr::new(buf[o], buf[o + 1], buf[o + 2], buf[o + 3]);
        let mac = |o: usize| {
            MacAddr([
                buf[o],
                buf[o + 1],
                buf[o + 2],
                buf[o + 3],
                buf[o + 4],
                buf[o + 5],
            ])
        };
        let sender_ip = ip(14);
        let target_ip = ip(24);
        Ok(ArpPacket {
            op: ArpOp::from_code(u16::from_be_bytes([buf[6], buf[7]])),
            sender_mac: mac(8),
            sender_ip,
            target_mac: mac(18),
            target_ip,
            gratuitous: sender_ip == target_ip,
        })
    }

    /// An ARP probe (RFC 5227 §2.1.1): sender IP 0.0.0.0.
    pub fn is_probe(&self) -> bool {
        self.sender_ip.is_unspecified()
    }

    /// A gratuitous ARP request announcing `ip` at `mac` (as keepalived and the kernel send it).
    pub const fn gratuitous_request(mac: MacAddr, ip: Ipv4Addr) -> Self {
        ArpPacket {
            op: ArpOp::Request,
            sender_mac: mac,
            sender_ip: ip,
            target_mac: MacAddr::ZERO,
            target_ip: ip,
            gratuitous: true,
        }
    }

    /// A request for `target_ip`.
    pub fn request(sender_mac: MacAddr, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Self {
        ArpPacket {
            op: ArpOp::Request,
            sender_mac,
            sender_ip,
            target_mac: MacAddr::ZERO,
            target_ip,
            gratuitous: sender_ip == target_ip,
        }
    }

    /// Append the 28 bytes (`gratuitous` is derived on parse, not emitted).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4]);
        out.extend_from_slice(&self.op.code().to_be_bytes());
        out.extend_from_slice(&self.sender_mac.0);
        out.extend_from_slice(&self.sender_ip.octets());
        out.extend_from_slice(&self.target_mac.0);
        out.extend_from_slice(&self.target_ip.octets());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gratuitous request ucarp sent for 10.9.0.100 (captures/README.md).
    const GARP: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xc2, 0x33, 0xf7, 0xe5, 0x9f, 0x47, 0x0a,
        0x09, 0x00, 0x64, 0xc2, 0x33, 0xf7, 0xe5, 0x9f, 0x47, 0x0a, 0x09, 0x00, 0x64,
    ];

    #[test]
    fn gratuitous_both_ways() {
        let a = ArpPacket::parse(&GARP).unwrap();
        assert_eq!(a.op, ArpOp::Request);
        assert!(a.gratuitous && !a.is_probe());
        assert_eq!(a.sender_ip, Ipv4Addr::new(10, 9, 0, 100));
        assert_eq!(a.sender_mac, MacAddr([0xc2, 0x33, 0xf7, 0xe5, 0x9f, 0x47]));
        assert_eq!(a.target_mac, a.sender_mac);
        let mut out = Vec::new();
        a.emit(&mut out);
        assert_eq!(out, GARP);
    }

    #[test]
    fn reply_and_probe() {
        let r = ArpPacket {
            op: ArpOp::Reply,
            sender_mac: MacAddr::vrrp_v4(1),
            sender_ip: Ipv4Addr::new(10, 0, 0, 254),
            target_mac: MacAddr([2, 0, 0, 0, 0, 1]),
            target_ip: Ipv4Addr::new(10, 0, 0, 1),
            gratuitous: false,
        };
        let mut out = Vec::new();
        r.emit(&mut out);
        out.extend_from_slice(&[0; 18]); // Ethernet padding
        assert_eq!(ArpPacket::parse(&out).unwrap(), r);
        let p = ArpPacket::request(
            MacAddr([2, 0, 0, 0, 0, 1]),
            Ipv4Addr::UNSPECIFIED,
            r.sender_ip,
        );
        assert!(p.is_probe() && !p.gratuitous);
        let g = ArpPacket::gratuitous_request(MacAddr::vrrp_v4(1), Ipv4Addr::new(10, 0, 0, 254));
        let mut out = Vec::new();
        g.emit(&mut out);
        assert_eq!(ArpPacket::parse(&out).unwrap(), g);
    }

    #[test]
    fn malformed() {
        for n in 0..LEN {
            assert!(ArpPacket::parse(&GARP[..n]).is_err());
        }
        let mut ib = GARP;
        ib[1] = 32; // InfiniBand
        assert_eq!(ArpPacket::parse(&ib).unwrap_err().layer, Layer::Arp);
    }
}
