//! IPv4 (RFC 791). The header checksum is verified and reported, never used to reject;
//! options are skipped except that a Router Alert (RFC 2113) is noted.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |Flags|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options                    |    Padding    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::net::Ipv4Addr;

use super::checksum;
use super::error::{need, ErrorKind, Layer, WireError};

/// Length of a header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// Router Alert option type (copied flag set, class 0, number 20).
pub const OPT_ROUTER_ALERT: u8 = 148;

/// A checked view of an IPv4 packet: header fits, version is 4, IHL and total length are
/// consistent with the bytes present. Bytes beyond the total length (Ethernet padding) are
/// outside [`Ipv4Packet::payload`].
#[derive(Debug, Clone, Copy)]
pub struct Ipv4Packet<'a> {
    buf: &'a [u8],
    header_len: usize,
    total_len: usize,
}

impl<'a> Ipv4Packet<'a> {
    /// Validate the lengths; errors are relative to `buf`.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        need(Layer::Ipv4, buf, 0, MIN_HEADER_LEN)?;
        let version = buf[0] >> 4;
        if version != 4 {
            return Err(WireError::new(
                Layer::Ipv4,
                0,
                ErrorKind::BadVersion(version),
            ));
        }
        let header_len = usize::from(buf[0] & 0x0f) * 4;
        if header_len < MIN_HEADER_LEN {
            return Err(WireError::new(
                Layer::Ipv4,
                0,
                ErrorKind::BadHeaderLength(header_len),
            ));
        }
        need(Layer::Ipv4, buf, 0, header_len)?;
        let total_len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
        if total_len < header_len {
            return Err(WireError::new(
                Layer::Ipv4,
                2,
                ErrorKind::BadLength(total_len),
            ));
        }
        need(Layer::Ipv4, buf, 0, total_len)?;
        Ok(Ipv4Packet {
            buf,
            header_len,
            total_len,
        })
    }

    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        self.header_len
    }
    /// Total length field.
    pub fn total_len(&self) -> usize {
        self.total_len
    }
    /// Type of service / DSCP+ECN octet.
    pub fn tos(&self) -> u8 {
        self.buf[1]
    }
    /// Identification.
    pub fn ident(&self) -> u16 {
        u16::from_be_bytes([self.buf[4], self.buf[5]])
    }
    /// Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.buf[6] & 0x40 != 0
    }
    /// More Fragments flag.
    pub fn more_frags(&self) -> bool {
        self.buf[6] & 0x20 != 0
    }
    /// Fragment offset in bytes.
    pub fn frag_offset(&self) -> u16 {
        (u16::from_be_bytes([self.buf[6], self.buf[7]]) & 0x1fff) << 3
    }
    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buf[8]
    }
    /// Protocol.
    pub fn protocol(&self) -> u8 {
        self.buf[9]
    }
    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.buf[10], self.buf[11]])
    }
    /// Source address.
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.buf[12], self.buf[13], self.buf[14], self.buf[15])
    }
    /// Destination address.
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.buf[16], self.buf[17], self.buf[18], self.buf[19])
    }
    /// Options bytes.
    pub fn options(&self) -> &'a [u8] {
        &self.buf[MIN_HEADER_LEN..self.header_len]
    }
    /// The payload as delimited by the total length.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[self.header_len..self.total_len]
    }
    /// True when the header checksum verifies.
    pub fn checksum_ok(&self) -> bool {
        checksum::verifies(checksum::sum(&self.buf[..self.header_len]))
    }
    /// True when the options carry a Router Alert. Malformed options end the scan.
    pub fn router_alert(&self) -> bool {
        let opts = self.options();
        let mut i = 0;
        while let Some(&t) = opts.get(i) {
            match t {
                0 => return false,
                1 => i += 1,
                _ => {
                    if t == OPT_ROUTER_ALERT {
                        return true;
                    }
                    match opts.get(i + 1) {
                        Some(&l) if l >= 2 => i += usize::from(l),
                        _ => return false,
                    }
                }
            }
        }
        false
    }
}

/// The fields the rest of the stack uses, also the input of [`Ipv4Repr::emit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source.
    pub src: Ipv4Addr,
    /// Destination.
    pub dst: Ipv4Addr,
    /// Protocol.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Type of service octet.
    pub tos: u8,
    /// Identification.
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// Emit a 4-byte Router Alert option (IGMP).
    pub router_alert: bool,
    /// Payload length in bytes.
    pub payload_len: usize,
}

impl Ipv4Repr {
    /// A header with TTL 255, TOS 0xc0 (network control), DF, no options.
    pub const fn new(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload_len: usize) -> Self {
        Ipv4Repr {
            src,
            dst,
            protocol,
            ttl: 255,
            tos: 0xc0,
            ident: 0,
            dont_frag: true,
            router_alert: false,
            payload_len,
        }
    }

    /// Header length this repr emits.
    pub const fn header_len(&self) -> usize {
        if self.router_alert {
            MIN_HEADER_LEN + 4
        } else {
            MIN_HEADER_LEN
        }
    }

    /// Append the header with a correct checksum. The total length saturates at 65535.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let start = out.len();
        let hl = self.header_len();
        let total = u16::try_from(hl + self.payload_len).unwrap_or(u16::MAX);
        out.push(0x40 | (hl / 4) as u8);
        out.push(self.tos);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        out.extend_from_slice(&(if self.dont_frag { 0x4000u16 } else { 0 }).to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        if self.router_alert {
            out.extend_from_slice(&[OPT_ROUTER_ALERT, 4, 0, 0]);
        }
        let ck = checksum::compute(&out[start..], 0);
        out[start + 10..start + 12].copy_from_slice(&ck.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // IGMPv3 report header captured on a veth (see captures/README.md): TOS 0xc0, TTL 1,
    // DF, Router Alert option, 10.9.0.1 -> 224.0.0.22.
    const IGMP_HDR: [u8; 24] = [
        0x46, 0xc0, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xf9, 0xef, 0x0a, 0x09, 0x00,
        0x01, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00,
    ];

    fn igmp_packet() -> Vec<u8> {
        let mut p = IGMP_HDR.to_vec();
        p.extend_from_slice(&[0u8; 16]);
        p.extend_from_slice(&[0xee; 6]); // trailing link padding, outside the total length
        p
    }

    #[test]
    fn parse_real_header() {
        let p = igmp_packet();
        let v = Ipv4Packet::new_checked(&p).unwrap();
        assert_eq!(v.header_len(), 24);
        assert_eq!(v.total_len(), 40);
        assert_eq!(v.tos(), 0xc0);
        assert!(v.dont_frag() && !v.more_frags());
        assert_eq!(v.frag_offset(), 0);
        assert_eq!(v.ttl(), 1);
        assert_eq!(v.protocol(), 2);
        assert_eq!(v.src(), Ipv4Addr::new(10, 9, 0, 1));
        assert_eq!(v.dst(), Ipv4Addr::new(224, 0, 0, 22));
        assert!(v.checksum_ok());
        assert!(v.router_alert());
        assert_eq!(v.payload().len(), 16);
    }

    #[test]
    fn emit_matches_real_header() {
        let r = Ipv4Repr {
            src: Ipv4Addr::new(10, 9, 0, 1),
            dst: Ipv4Addr::new(224, 0, 0, 22),
            protocol: 2,
            ttl: 1,
            tos: 0xc0,
            ident: 0,
            dont_frag: true,
            router_alert: true,
            payload_len: 16,
        };
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, IGMP_HDR);
    }

    #[test]
    fn bad_checksum_is_reported_not_rejected() {
        let mut p = igmp_packet();
        p[10] ^= 0x01;
        let v = Ipv4Packet::new_checked(&p).unwrap();
        assert!(!v.checksum_ok());
    }

    #[test]
    fn malformed() {
        let p = igmp_packet();
        for n in 0..40 {
            assert!(Ipv4Packet::new_checked(&p[..n]).is_err(), "len {n}");
        }
        let mut v6 = p.clone();
        v6[0] = 0x66;
        assert_eq!(
            Ipv4Packet::new_checked(&v6).unwrap_err().kind,
            ErrorKind::BadVersion(6)
        );
        let mut ihl = p.clone();
        ihl[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&ihl).unwrap_err().kind,
            ErrorKind::BadHeaderLength(16)
        );
        let mut tl = p.clone();
        tl[3] = 20; // total length below header length
        let e = Ipv4Packet::new_checked(&tl).unwrap_err();
        assert_eq!((e.offset, e.kind), (2, ErrorKind::BadLength(20)));
    }

    #[test]
    fn options_scan_is_bounded() {
        let mut p = igmp_packet();
        // NOP, then an option claiming 200 bytes: the scan stops without panicking.
        p[20..24].copy_from_slice(&[1, 7, 200, 0]);
        assert!(!Ipv4Packet::new_checked(&p).unwrap().router_alert());
        p[20..24].copy_from_slice(&[7, 0, 0, 0]); // length 0
        assert!(!Ipv4Packet::new_checked(&p).unwrap().router_alert());
    }
}
