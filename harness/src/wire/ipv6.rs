//! IPv6 (RFC 8200) with its extension-header chain walked to the upper layer.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  Source Address (16)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |               Destination Address (16)                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Extension headers walked: Hop-by-Hop (0), Routing (43), Fragment (44), Destination Options
//! (60), Mobility (135), HIP (139), Shim6 (140) in the generic (next header, length in 8-octet
//! units not counting the first) form, and AH (51), whose length counts 4-octet units minus 2.
//! ESP (50) and No Next Header (59) end the walk, as does a non-first fragment.

use std::net::Ipv6Addr;

use serde::Serialize;

use super::error::{need, ErrorKind, Layer, WireError};
use super::small::SmallList;

/// Fixed header length.
pub const HEADER_LEN: usize = 40;

/// Next-header values.
pub mod next_header {
    /// Hop-by-Hop Options.
    pub const HOP_BY_HOP: u8 = 0;
    /// Routing.
    pub const ROUTING: u8 = 43;
    /// Fragment.
    pub const FRAGMENT: u8 = 44;
    /// Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMPv6.
    pub const ICMPV6: u8 = 58;
    /// No Next Header.
    pub const NO_NEXT: u8 = 59;
    /// Destination Options.
    pub const DEST_OPTS: u8 = 60;
    /// Mobility.
    pub const MOBILITY: u8 = 135;
    /// Host Identity Protocol.
    pub const HIP: u8 = 139;
    /// Shim6.
    pub const SHIM6: u8 = 140;
}

/// Hop-by-Hop option type of Router Alert (RFC 2711).
pub const OPT_ROUTER_ALERT: u8 = 5;

/// A checked view of an IPv6 packet: fixed header fits, version is 6, the payload length
/// fits in the bytes present (anything after it is link padding and ignored).
#[derive(Debug, Clone, Copy)]
pub struct Ipv6Packet<'a> {
    buf: &'a [u8],
}

impl<'a> Ipv6Packet<'a> {
    /// Validate the lengths; errors are relative to `buf`.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        need(Layer::Ipv6, buf, 0, HEADER_LEN)?;
        let version = buf[0] >> 4;
        if version != 6 {
            return Err(WireError::new(
                Layer::Ipv6,
                0,
                ErrorKind::BadVersion(version),
            ));
        }
        let pl = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
        need(Layer::Ipv6, buf, 0, HEADER_LEN + pl)?;
        Ok(Ipv6Packet {
            buf: &buf[..HEADER_LEN + pl],
        })
    }

    /// Traffic class.
    pub fn traffic_class(&self) -> u8 {
        ((u16::from_be_bytes([self.buf[0], self.buf[1]]) >> 4) & 0xff) as u8
    }
    /// Flow label.
    pub fn flow_label(&self) -> u32 {
        u32::from_be_bytes([0, self.buf[1] & 0x0f, self.buf[2], self.buf[3]])
    }
    /// Payload length field.
    pub fn payload_len(&self) -> usize {
        self.buf.len() - HEADER_LEN
    }
    /// Next header of the fixed header.
    pub fn next_header(&self) -> u8 {
        self.buf[6]
    }
    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buf[7]
    }
    /// Source address.
    pub fn src(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buf[8..24]);
        Ipv6Addr::from(a)
    }
    /// Destination address.
    pub fn dst(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buf[24..40]);
        Ipv6Addr::from(a)
    }
    /// Everything after the fixed header, up to the payload length.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
    /// The packet up to the end of its payload.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// A fragment header (RFC 8200 §4.5); for IPv4, the same facts from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Fragment {
    /// Offset of this fragment's data in bytes.
    pub offset: u16,
    /// More fragments follow.
    pub more: bool,
    /// Identification.
    pub ident: u32,
}

/// Result of walking the extension-header chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtWalk {
    /// Next header of the upper layer (or 50/59/fragment's next header where the walk stopped).
    pub next_header: u8,
    /// Offset of the upper layer from the start of the IPv6 header.
    pub offset: usize,
    /// Extension headers seen, in order.
    pub ext_headers: SmallList<u8, 4>,
    /// The fragment header, if any.
    pub fragment: Option<Fragment>,
    /// A Hop-by-Hop Router Alert option was present (MLD carries one).
    pub router_alert: bool,
}

fn hbh_router_alert(opts: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&t) = opts.get(i) {
        if t == 0 {
            i += 1;
            continue;
        }
        if t == OPT_ROUTER_ALERT {
            return true;
        }
        match opts.get(i + 1) {
            Some(&l) => i += 2 + usize::from(l),
            None => return false,
        }
    }
    false
}

/// Walk the extension headers of a checked packet. Errors are relative to the IPv6 header.
pub fn walk(pkt: &Ipv6Packet<'_>) -> Result<ExtWalk, WireError> {
    use next_header::*;
    let buf = pkt.as_bytes();
    let mut w = ExtWalk {
        next_header: pkt.next_header(),
        offset: HEADER_LEN,
        ext_headers: SmallList::new(),
        fragment: None,
        router_alert: false,
    };
    loop {
        let off = w.offset;
        let nh = w.next_header;
        let len = match nh {
            HOP_BY_HOP | ROUTING | DEST_OPTS | MOBILITY | HIP | SHIM6 => {
                need(Layer::Ipv6Ext, buf, off, 2)?;
                let len = (usize::from(buf[off + 1]) + 1) * 8;
                need(Layer::Ipv6Ext, buf, off, len)?;
                if nh == HOP_BY_HOP && hbh_router_alert(&buf[off + 2..off + len]) {
                    w.router_alert = true;
                }
                len
            }
            AH => {
                need(Layer::Ipv6Ext, buf, off, 2)?;
                let len = (usize::from(buf[off + 1]) + 2) * 4;
                need(Layer::Ipv6Ext, buf, off, len)?;
                len
            }
            FRAGMENT => {
                need(Layer::Ipv6Ext, buf, off, 8)?;
                let fo = u16::from_be_bytes([buf[off + 2], buf[off + 3]]);
                w.fragment = Some(Fragment {
                    offset: fo & 0xfff8,
                    more: fo & 1 == 1,
                    ident: u32::from_be_bytes([
                        buf[off + 4],
                        buf[off + 5],
                        buf[off + 6],
                        buf[off + 7],
                    ]),
                });
                8
            }
            _ => return Ok(w),
        };
        w.ext_headers.push(nh);
        w.next_header = buf[off];
        w.offset = off + len;
        if matches!(w.fragment, Some(f) if f.offset != 0) {
            // What follows a non-first fragment is data, not a header chain.
            return Ok(w);
        }
    }
}

/// Fields to emit an IPv6 header (optionally with a Hop-by-Hop Router Alert, as MLD needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    /// Source.
    pub src: Ipv6Addr,
    /// Destination.
    pub dst: Ipv6Addr,
    /// Upper-layer protocol.
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Emit a Hop-by-Hop header carrying Router Alert (value 0, MLD).
    pub router_alert: bool,
    /// Upper-layer length.
    pub payload_len: usize,
}

impl Ipv6Repr {
    /// Hop limit 255, traffic class 0xc0 (network control), no extension headers.
    pub const fn new(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, payload_len: usize) -> Self {
        Ipv6Repr {
            src,
            dst,
            next_header,
            hop_limit: 255,
            traffic_class: 0xc0,
            flow_label: 0,
            router_alert: false,
            payload_len,
        }
    }

    /// Bytes from the start of the header to the upper layer.
    pub const fn header_len(&self) -> usize {
        if self.router_alert {
            HEADER_LEN + 8
        } else {
            HEADER_LEN
        }
    }

    /// Append the header (and Hop-by-Hop header). The payload length saturates at 65535.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let ext = self.header_len() - HEADER_LEN;
        let pl = u16::try_from(ext + self.payload_len).unwrap_or(u16::MAX);
        let w0 =
            (6u32 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0xf_ffff);
        out.extend_from_slice(&w0.to_be_bytes());
        out.extend_from_slice(&pl.to_be_bytes());
        out.push(if self.router_alert {
            next_header::HOP_BY_HOP
        } else {
            self.next_header
        });
        out.push(self.hop_limit);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        if self.router_alert {
            // Router Alert (value 0: MLD), then PadN of 2 bytes to fill 8 octets.
            out.extend_from_slice(&[self.next_header, 0, OPT_ROUTER_ALERT, 2, 0, 0, 1, 0]);
        }
    }
}

/// True for fe80::/10.
pub const fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    // MLDv2 report header from a veth (captures/README.md): hop limit 1, HBH with Router Alert.
    const MLD_HDR: [u8; 48] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xc0, 0x33,
        0xf7, 0xff, 0xfe, 0xe5, 0x9f, 0x47, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    ];

    fn mld_packet() -> Vec<u8> {
        let mut p = MLD_HDR.to_vec();
        p.extend_from_slice(&[0u8; 28]);
        p
    }

    #[test]
    fn walk_hop_by_hop() {
        let p = mld_packet();
        let v = Ipv6Packet::new_checked(&p).unwrap();
        assert_eq!(v.hop_limit(), 1);
        assert_eq!(v.payload_len(), 36);
        assert_eq!(
            v.src(),
            "fe80::c033:f7ff:fee5:9f47".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(v.dst(), "ff02::16".parse::<Ipv6Addr>().unwrap());
        let w = walk(&v).unwrap();
        assert_eq!(w.next_header, next_header::ICMPV6);
        assert_eq!(w.offset, 48);
        assert_eq!(&w.ext_headers[..], &[0]);
        assert!(w.router_alert);
        assert_eq!(w.fragment, None);
    }

    #[test]
    fn emit_matches_real_header() {
        let r = Ipv6Repr {
            src: "fe80::c033:f7ff:fee5:9f47".parse().unwrap(),
            dst: "ff02::16".parse().unwrap(),
            next_header: 58,
            hop_limit: 1,
            traffic_class: 0,
            flow_label: 0,
            router_alert: true,
            payload_len: 28,
        };
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, MLD_HDR);
    }

    #[test]
    fn walk_chain_of_every_kind() {
        use next_header::*;
        let mut p = Vec::new();
        let mut r = Ipv6Repr::new(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST, HOP_BY_HOP, 0);
        r.traffic_class = 0xab;
        r.flow_label = 0x12345;
        // HBH(8) -> DEST(16) -> ROUTING(8) -> AH(12+4=16) -> FRAG(8) -> VRRP
        let mut ext = Vec::new();
        ext.extend_from_slice(&[DEST_OPTS, 0, 1, 4, 0, 0, 0, 0]);
        ext.extend_from_slice(&[ROUTING, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        ext.extend_from_slice(&[AH, 0, 0, 0, 0, 0, 0, 0]);
        ext.extend_from_slice(&[FRAGMENT, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        ext.extend_from_slice(&[112, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef]);
        ext.extend_from_slice(&[0x31, 1, 100, 0]);
        r.payload_len = ext.len();
        r.emit(&mut p);
        p.extend_from_slice(&ext);
        let v = Ipv6Packet::new_checked(&p).unwrap();
        assert_eq!(v.traffic_class(), 0xab);
        assert_eq!(v.flow_label(), 0x12345);
        let w = walk(&v).unwrap();
        assert_eq!(&w.ext_headers[..], &[0, 60, 43, 51, 44]);
        assert_eq!(w.next_header, 112);
        assert_eq!(w.offset, 40 + 8 + 16 + 8 + 16 + 8);
        assert!(!w.router_alert);
        assert_eq!(
            w.fragment,
            Some(Fragment {
                offset: 0,
                more: true,
                ident: 0xdeadbeef
            })
        );
        // Every truncation of the payload length is an error, never a panic.
        for cut in 0..ext.len() - 4 {
            let mut q = p.clone();
            q.truncate(40 + cut);
            q[4..6].copy_from_slice(&(cut as u16).to_be_bytes());
            let v = Ipv6Packet::new_checked(&q).unwrap();
            assert!(walk(&v).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn non_first_fragment_stops() {
        let mut p = Vec::new();
        let ext = [17u8, 0, 0x05, 0x08, 0, 0, 0, 9, 1, 2, 3, 4];
        Ipv6Repr::new(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST, 44, ext.len()).emit(&mut p);
        p.extend_from_slice(&ext);
        let w = walk(&Ipv6Packet::new_checked(&p).unwrap()).unwrap();
        assert_eq!(w.next_header, 17);
        assert_eq!(w.fragment.unwrap().offset, 0x508);
        assert_eq!(w.offset, 48);
    }

    #[test]
    fn malformed_fixed_header() {
        let p = mld_packet();
        for n in 0..p.len() {
            assert!(Ipv6Packet::new_checked(&p[..n]).is_err(), "len {n}");
        }
        let mut bad = p.clone();
        bad[0] = 0x45;
        assert_eq!(
            Ipv6Packet::new_checked(&bad).unwrap_err().kind,
            ErrorKind::BadVersion(4)
        );
    }

    #[test]
    fn link_local() {
        assert!(is_link_local(&"fe80::1".parse().unwrap()));
        assert!(is_link_local(&"febf::1".parse().unwrap()));
        assert!(!is_link_local(&"fec0::1".parse().unwrap()));
        assert!(!is_link_local(&"2001:db8::1".parse().unwrap()));
    }
}
