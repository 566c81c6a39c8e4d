//! VRRP version 2 (RFC 3768 §5.1) and version 3 (RFC 5798 / RFC 9568 §5.1), both families.
//!
//! VRRPv2 (IPv4 only):
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Auth Type   |   Adver Int   |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         IP Address (1) ... (n)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Authentication Data (1)                   |
//! |                     Authentication Data (2)                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Length = 8 + 4·count + 8. Adver Int in seconds. Checksum over the VRRP message (§5.3.8).
//!
//! VRRPv3:
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |(rsvd) |     Max Adver Int     |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 IPvX Address(es) (4 or 16 bytes each)         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Length = 8 + 4·count (IPv4) or 8 + 16·count (IPv6). Max Adver Int in centiseconds (12 bits).
//! Checksum: IPv6 pseudo-header for IPv6; for IPv4 either with the IPv4 pseudo-header or over
//! the message only, classified (see RFC-CHECKLIST.md, "Checksum of VRRPv3 over IPv4").
//!
//! The checksum is always computed over the whole IP payload, as a receiving stack and
//! Wireshark do; bytes beyond what `count` implies are reported as trailing.
//!
//! The decoder reports rather than rejects: a wrong version/type nibble, count 0, a count that
//! disagrees with the length, a bad checksum, all come back as fields for the checks to judge.
//! Only a message shorter than the 8-byte fixed header, or a version other than 2 or 3, is an
//! error.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::checksum::{self, ChecksumStatus, IpPair};
use super::error::{need, ErrorKind, Layer, WireError};
use super::ipv6::is_link_local;
use super::small::SmallList;

/// IP protocol number of VRRP (and CARP).
pub const PROTO: u8 = 112;
/// Fixed header length.
pub const HEADER_LEN: usize = 8;
/// VRRPv2 authentication data length.
pub const AUTH_LEN: usize = 8;
/// The IPv4 multicast group of VRRP (and CARP): 224.0.0.18.
pub const MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 multicast group of VRRP: ff02::12.
pub const MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Type value of an advertisement.
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// Addresses of an advert: up to 16 inline, more on the heap (VRRP allows 255).
pub type AddrList = SmallList<IpAddr, 8>;

/// How the message length compares with what `count` implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthStatus {
    /// Exactly as long as the count says.
    Exact,
    /// This many bytes beyond what the count says.
    Trailing(usize),
    /// This many bytes missing for the count (addresses present are still decoded).
    Short(usize),
}

impl LengthStatus {
    fn of(actual: usize, expected: usize) -> Self {
        use std::cmp::Ordering::*;
        match actual.cmp(&expected) {
            Equal => LengthStatus::Exact,
            Greater => LengthStatus::Trailing(actual - expected),
            Less => LengthStatus::Short(expected - actual),
        }
    }

    /// True for [`LengthStatus::Exact`].
    pub const fn is_exact(self) -> bool {
        matches!(self, LengthStatus::Exact)
    }
}

/// A checked view of a VRRP message (the IP payload): at least the 8-byte fixed header.
#[derive(Debug, Clone, Copy)]
pub struct VrrpPacket<'a> {
    buf: &'a [u8],
}

impl<'a> VrrpPacket<'a> {
    /// Check that the fixed header fits.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        need(Layer::Vrrp, buf, 0, HEADER_LEN)?;
        Ok(VrrpPacket { buf })
    }
    /// Version nibble.
    pub fn version(&self) -> u8 {
        self.buf[0] >> 4
    }
    /// Type nibble.
    pub fn vrrp_type(&self) -> u8 {
        self.buf[0] & 0x0f
    }
    /// Virtual router id.
    pub fn vrid(&self) -> u8 {
        self.buf[1]
    }
    /// Priority.
    pub fn priority(&self) -> u8 {
        self.buf[2]
    }
    /// Count of addresses.
    pub fn count(&self) -> u8 {
        self.buf[3]
    }
    /// v2: authentication type.
    pub fn auth_type(&self) -> u8 {
        self.buf[4]
    }
    /// v2: advertisement interval in seconds.
    pub fn adver_int(&self) -> u8 {
        self.buf[5]
    }
    /// v3: the 4 reserved bits.
    pub fn reserved(&self) -> u8 {
        self.buf[4] >> 4
    }
    /// v3: maximum advertisement interval in centiseconds (12 bits).
    pub fn max_adver_int(&self) -> u16 {
        u16::from_be_bytes([self.buf[4], self.buf[5]]) & 0x0fff
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.buf[6], self.buf[7]])
    }
    /// Everything after the fixed header.
    pub fn body(&self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
    /// The whole message.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// A VRRPv2 advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VrrpV2Advert {
    /// Type nibble (1 = advertisement).
    pub vrrp_type: u8,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority (255 owner, 0 leaving).
    pub priority: u8,
    /// Count field.
    pub count: u8,
    /// Authentication type (0 none; 1, 2 from RFC 2338).
    pub auth_type: u8,
    /// Advertisement interval, seconds.
    pub adver_int: u8,
    /// Checksum field.
    pub checksum: u16,
    /// Checksum over the message: `Good` or `Bad`.
    pub checksum_status: ChecksumStatus,
    /// The checksum this message should carry.
    pub checksum_expected: u16,
    /// Addresses present (at most `count`; fewer when the message is short).
    pub addrs: AddrList,
    /// Authentication data, when the message is long enough to hold it.
    #[serde(serialize_with = "super::small::ser_hex_opt")]
    pub auth_data: Option<[u8; AUTH_LEN]>,
    /// Length compared with 8 + 4·count + 8.
    pub length: LengthStatus,
    /// Length of the VRRP message (the IP payload).
    pub message_len: usize,
}

/// A VRRPv3 advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VrrpV3Advert {
    /// Type nibble (1 = advertisement).
    pub vrrp_type: u8,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority (255 owner, 0 leaving).
    pub priority: u8,
    /// Count field.
    pub count: u8,
    /// The 4 reserved bits (must be zero on send).
    pub reserved: u8,
    /// Maximum advertisement interval, centiseconds.
    pub max_adver_int: u16,
    /// Checksum field.
    pub checksum: u16,
    /// IPv4: `PseudoHeader`, `MessageOnly` or `Bad`; IPv6: `Good` or `Bad`.
    pub checksum_status: ChecksumStatus,
    /// The checksum computed with the pseudo-header of the carrying IP header.
    pub checksum_pseudo: u16,
    /// The checksum computed over the message only.
    pub checksum_message_only: u16,
    /// Addresses present, of the family of the IP header.
    pub addrs: AddrList,
    /// IPv6: whether the first address is link-local (RFC 5798 §5.2.9; erratum 8300).
    pub first_addr_link_local: Option<bool>,
    /// Length compared with 8 + (4|16)·count.
    pub length: LengthStatus,
    /// Length of the VRRP message (the IP payload).
    pub message_len: usize,
}

fn read_addrs(body: &[u8], v6: bool, count: usize) -> AddrList {
    let mut out = AddrList::new();
    if v6 {
        for c in body.chunks_exact(16).take(count) {
            let mut a = [0u8; 16];
            a.copy_from_slice(c);
            out.push(IpAddr::V6(Ipv6Addr::from(a)));
        }
    } else {
        for c in body.chunks_exact(4).take(count) {
            out.push(IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])));
        }
    }
    out
}

/// Parse a VRRPv2 message. VRRPv2 is IPv4-only; over IPv6 the addresses are read as 16 bytes
/// each so that the checks can report the misuse.
pub fn parse_v2(msg: &[u8], ips: &IpPair) -> Result<VrrpV2Advert, WireError> {
    let p = VrrpPacket::new_checked(msg)?;
    let v6 = ips.is_v6();
    let al = if v6 { 16 } else { 4 };
    let count = usize::from(p.count());
    let expected = HEADER_LEN + al * count + AUTH_LEN;
    let len = msg.len();
    let auth_data = if len >= expected {
        let a = &msg[expected - AUTH_LEN..expected];
        let mut d = [0u8; AUTH_LEN];
        d.copy_from_slice(a);
        Some(d)
    } else {
        None
    };
    let s0 = checksum::sum_without_field(msg, 6);
    let ck = p.checksum();
    Ok(VrrpV2Advert {
        vrrp_type: p.vrrp_type(),
        vrid: p.vrid(),
        priority: p.priority(),
        count: p.count(),
        auth_type: p.auth_type(),
        adver_int: p.adver_int(),
        checksum: ck,
        checksum_status: ChecksumStatus::from_bool(checksum::verifies(s0 + u64::from(ck))),
        checksum_expected: checksum::finish(s0),
        addrs: read_addrs(p.body(), v6, count),
        auth_data,
        length: LengthStatus::of(len, expected),
        message_len: len,
    })
}

/// Parse a VRRPv3 message; `ips` gives the family of the addresses and the pseudo-header.
pub fn parse_v3(msg: &[u8], ips: &IpPair) -> Result<VrrpV3Advert, WireError> {
    let p = VrrpPacket::new_checked(msg)?;
    let v6 = ips.is_v6();
    let al = if v6 { 16 } else { 4 };
    let count = usize::from(p.count());
    let expected = HEADER_LEN + al * count;
    let len = msg.len();
    let s0 = checksum::sum_without_field(msg, 6);
    let ph = ips.pseudo(PROTO, len);
    let ck = u64::from(p.checksum());
    let checksum_status = if checksum::verifies(s0 + ph + ck) {
        if v6 {
            ChecksumStatus::Good
        } else {
            ChecksumStatus::PseudoHeader
        }
    } else if !v6 && checksum::verifies(s0 + ck) {
        ChecksumStatus::MessageOnly
    } else {
        ChecksumStatus::Bad
    };
    let addrs = read_addrs(p.body(), v6, count);
    let first_addr_link_local = match addrs.first() {
        Some(IpAddr::V6(a)) => Some(is_link_local(a)),
        _ => None,
    };
    Ok(VrrpV3Advert {
        vrrp_type: p.vrrp_type(),
        vrid: p.vrid(),
        priority: p.priority(),
        count: p.count(),
        reserved: p.reserved(),
        max_adver_int: p.max_adver_int(),
        checksum: p.checksum(),
        checksum_status,
        checksum_pseudo: checksum::finish(s0 + ph),
        checksum_message_only: checksum::finish(s0),
        addrs,
        first_addr_link_local,
        length: LengthStatus::of(len, expected),
        message_len: len,
    })
}

/// A version nibble other than 2 or 3, as a layer-relative error.
pub(crate) fn bad_version(v: u8) -> WireError {
    WireError::new(Layer::Vrrp, 0, ErrorKind::BadVersion(v))
}

/// How [`VrrpRepr::emit`] fills the checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumMode {
    /// What the RFC's common reading says: v2 over the message; v3 with the pseudo-header.
    Auto,
    /// With the pseudo-header of the IP header the caller passes.
    PseudoHeader,
    /// Over the message only.
    MessageOnly,
    /// This exact value (to inject a bad checksum).
    Fixed(u16),
}

/// An advert to emit. Every field is raw so that malformed adverts can be built on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpRepr {
    /// Version nibble: 2 selects the v2 layout (auth type, seconds, auth data); anything else
    /// the v3 layout.
    pub version: u8,
    /// Type nibble.
    pub vrrp_type: u8,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority.
    pub priority: u8,
    /// Count field; `None` writes the number of `addrs`.
    pub count: Option<u8>,
    /// v2: auth type. v3: ignored.
    pub auth_type: u8,
    /// v3: the 4 reserved bits. v2: ignored.
    pub reserved: u8,
    /// v2: seconds (saturates at 255). v3: centiseconds (12 bits kept).
    pub interval: u16,
    /// Addresses, each written in its own family's length.
    pub addrs: Vec<IpAddr>,
    /// v2 authentication data.
    pub auth_data: [u8; AUTH_LEN],
    /// Checksum choice.
    pub checksum: ChecksumMode,
    /// Bytes appended after the message proper.
    pub trailing: Vec<u8>,
}

impl VrrpRepr {
    /// A conforming VRRPv2 advert (auth type 0, zero auth data).
    pub fn v2(vrid: u8, priority: u8, adver_int_s: u8, addrs: Vec<IpAddr>) -> Self {
        VrrpRepr {
            version: 2,
            vrrp_type: TYPE_ADVERTISEMENT,
            vrid,
            priority,
            count: None,
            auth_type: 0,
            reserved: 0,
            interval: u16::from(adver_int_s),
            addrs,
            auth_data: [0; AUTH_LEN],
            checksum: ChecksumMode::Auto,
            trailing: Vec::new(),
        }
    }

    /// A conforming VRRPv3 advert.
    pub fn v3(vrid: u8, priority: u8, max_adver_int_cs: u16, addrs: Vec<IpAddr>) -> Self {
        VrrpRepr {
            version: 3,
            interval: max_adver_int_cs,
            ..VrrpRepr::v2(vrid, priority, 0, addrs)
        }
    }

    /// Bytes [`VrrpRepr::emit`] appends.
    pub fn len(&self) -> usize {
        let addrs: usize = self
            .addrs
            .iter()
            .map(|a| if a.is_ipv4() { 4 } else { 16 })
            .sum();
        let auth = if self.version == 2 { AUTH_LEN } else { 0 };
        HEADER_LEN + addrs + auth + self.trailing.len()
    }

    /// Never empty: the fixed header is always written.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Append the message; `ips` gives the pseudo-header when the checksum mode needs one.
    pub fn emit(&self, ips: &IpPair, out: &mut Vec<u8>) {
        let start = out.len();
        let count = self
            .count
            .unwrap_or(u8::try_from(self.addrs.len()).unwrap_or(u8::MAX));
        out.push((self.version << 4) | (self.vrrp_type & 0x0f));
        out.push(self.vrid);
        out.push(self.priority);
        out.push(count);
        if self.version == 2 {
            out.push(self.auth_type);
            out.push(u8::try_from(self.interval).unwrap_or(u8::MAX));
        } else {
            let w = (u16::from(self.reserved & 0x0f) << 12) | (self.interval & 0x0fff);
            out.extend_from_slice(&w.to_be_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        for a in &self.addrs {
            match a {
                IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
                IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
            }
        }
        if self.version == 2 {
            out.extend_from_slice(&self.auth_data);
        }
        out.extend_from_slice(&self.trailing);
        let msg = &out[start..];
        let pseudo = || ips.pseudo(PROTO, msg.len());
        let ck = match self.checksum {
            ChecksumMode::Fixed(v) => v,
            ChecksumMode::MessageOnly => checksum::compute(msg, 0),
            ChecksumMode::PseudoHeader => checksum::compute(msg, pseudo()),
            ChecksumMode::Auto if self.version == 2 => checksum::compute(msg, 0),
            ChecksumMode::Auto => checksum::compute(msg, pseudo()),
        };
        out[start + 6..start + 8].copy_from_slice(&ck.to_be_bytes());
    }
}

impl From<&VrrpV2Advert> for VrrpRepr {
    /// The repr that re-emits a parsed advert byte for byte (trailing bytes aside).
    fn from(a: &VrrpV2Advert) -> Self {
        VrrpRepr {
            version: 2,
            vrrp_type: a.vrrp_type,
            vrid: a.vrid,
            priority: a.priority,
            count: Some(a.count),
            auth_type: a.auth_type,
            reserved: 0,
            interval: u16::from(a.adver_int),
            addrs: a.addrs.to_vec(),
            auth_data: a.auth_data.unwrap_or_default(),
            checksum: ChecksumMode::Fixed(a.checksum),
            trailing: Vec::new(),
        }
    }
}

impl From<&VrrpV3Advert> for VrrpRepr {
    /// The repr that re-emits a parsed advert byte for byte (trailing bytes aside).
    fn from(a: &VrrpV3Advert) -> Self {
        VrrpRepr {
            version: 3,
            vrrp_type: a.vrrp_type,
            vrid: a.vrid,
            priority: a.priority,
            count: Some(a.count),
            auth_type: 0,
            reserved: a.reserved,
            interval: a.max_adver_int,
            addrs: a.addrs.to_vec(),
            auth_data: [0; AUTH_LEN],
            checksum: ChecksumMode::Fixed(a.checksum),
            trailing: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4pair() -> IpPair {
        IpPair::V4 {
            src: Ipv4Addr::new(198, 51, 100, 10),
            dst: MCAST_V4,
        }
    }

    /// RFC-CHECKLIST.md vector: VRID 51, priority 200, 100 cs, one VIP 192.0.2.100,
    /// 198.51.100.10 -> 224.0.0.18.
    fn checklist_msg(ck: u16) -> Vec<u8> {
        let mut m = vec![
            0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0, 0, 0xc0, 0x00, 0x02, 0x64,
        ];
        m[6..8].copy_from_slice(&ck.to_be_bytes());
        m
    }

    #[test]
    fn v3_ipv4_checksum_vectors() {
        let a = parse_v3(&checklist_msg(0x4402), &v4pair()).unwrap();
        assert_eq!(a.checksum_status, ChecksumStatus::MessageOnly);
        assert_eq!(a.checksum_message_only, 0x4402);
        assert_eq!(a.checksum_pseudo, 0x3935);
        let b = parse_v3(&checklist_msg(0x3935), &v4pair()).unwrap();
        assert_eq!(b.checksum_status, ChecksumStatus::PseudoHeader);
        let c = parse_v3(&checklist_msg(0x3936), &v4pair()).unwrap();
        assert_eq!(c.checksum_status, ChecksumStatus::Bad);
        assert!(!c.checksum_status.is_ok());
    }

    #[test]
    fn v3_ipv4_fields_and_emit_both_ways() {
        let bytes = checklist_msg(0x3935);
        let a = parse_v3(&bytes, &v4pair()).unwrap();
        assert_eq!((a.vrrp_type, a.vrid, a.priority, a.count), (1, 51, 200, 1));
        assert_eq!((a.reserved, a.max_adver_int), (0, 100));
        assert_eq!(&a.addrs[..], &[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))]);
        assert_eq!(a.length, LengthStatus::Exact);
        assert_eq!(a.first_addr_link_local, None);
        let mut out = Vec::new();
        VrrpRepr::from(&a).emit(&v4pair(), &mut out);
        assert_eq!(out, bytes);
        // The conforming constructor gives the pseudo-header form by default...
        let r = VrrpRepr::v3(51, 200, 100, vec!["192.0.2.100".parse().unwrap()]);
        let mut out = Vec::new();
        r.emit(&v4pair(), &mut out);
        assert_eq!(out, bytes);
        assert_eq!(r.len(), out.len());
        // ...and the message-only form on request.
        let mut out = Vec::new();
        VrrpRepr {
            checksum: ChecksumMode::MessageOnly,
            ..r
        }
        .emit(&v4pair(), &mut out);
        assert_eq!(out, checklist_msg(0x4402));
    }

    #[test]
    fn v3_ipv6() {
        let ips = IpPair::V6 {
            src: "fe80::1".parse().unwrap(),
            dst: MCAST_V6,
        };
        let addrs: Vec<IpAddr> = vec!["fe80::1:1".parse().unwrap(), "2001:db8::1".parse().unwrap()];
        let r = VrrpRepr::v3(7, 100, 4095, addrs.clone());
        let mut out = Vec::new();
        r.emit(&ips, &mut out);
        assert_eq!(out.len(), 8 + 32);
        let a = parse_v3(&out, &ips).unwrap();
        assert_eq!(a.checksum_status, ChecksumStatus::Good);
        assert_eq!(a.max_adver_int, 4095);
        assert_eq!(&a.addrs[..], &addrs[..]);
        assert_eq!(a.first_addr_link_local, Some(true));
        // Message-only over IPv6 is simply bad.
        let mut mo = Vec::new();
        VrrpRepr {
            checksum: ChecksumMode::MessageOnly,
            ..r.clone()
        }
        .emit(&ips, &mut mo);
        assert_eq!(
            parse_v3(&mo, &ips).unwrap().checksum_status,
            ChecksumStatus::Bad
        );
        // First address global.
        let r2 = VrrpRepr::v3(7, 100, 100, vec!["2001:db8::1".parse().unwrap()]);
        let mut out = Vec::new();
        r2.emit(&ips, &mut out);
        assert_eq!(
            parse_v3(&out, &ips).unwrap().first_addr_link_local,
            Some(false)
        );
    }

    #[test]
    fn v3_reserved_bits_and_12_bit_interval() {
        let mut m = checklist_msg(0);
        m[4] = 0xf0 | 0x0f;
        m[5] = 0xff;
        let a = parse_v3(&m, &v4pair()).unwrap();
        assert_eq!(a.reserved, 0xf);
        assert_eq!(a.max_adver_int, 0x0fff);
    }

    // RFC 3768 advert: VRID 1, priority 100, 2 addresses, auth none, 1 s; checksum 0x6632
    // computed independently (Python, RFC 1071 sum).
    const V2_BYTES: [u8; 24] = [
        0x21, 0x01, 0x64, 0x02, 0x00, 0x01, 0x66, 0x32, 0x0a, 0x00, 0x00, 0x64, 0x0a, 0x00, 0x00,
        0x65, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn v2_both_ways() {
        let ips = IpPair::V4 {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: MCAST_V4,
        };
        let a = parse_v2(&V2_BYTES, &ips).unwrap();
        assert_eq!(
            (a.vrid, a.priority, a.count, a.auth_type, a.adver_int),
            (1, 100, 2, 0, 1)
        );
        assert_eq!(
            a.checksum_status,
            ChecksumStatus::Good,
            "expected {:#06x}",
            a.checksum_expected
        );
        assert_eq!(a.auth_data, Some([0; 8]));
        assert_eq!(a.length, LengthStatus::Exact);
        assert_eq!(
            &a.addrs[..],
            &[
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 100)),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 101))
            ]
        );
        let mut out = Vec::new();
        VrrpRepr::from(&a).emit(&ips, &mut out);
        assert_eq!(out, V2_BYTES);
        let mut out = Vec::new();
        VrrpRepr::v2(1, 100, 1, a.addrs.to_vec()).emit(&ips, &mut out);
        assert_eq!(out, V2_BYTES);
    }

    #[test]
    fn v2_auth_and_length_reports() {
        let ips = IpPair::V4 {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: MCAST_V4,
        };
        let mut r = VrrpRepr::v2(1, 100, 1, vec!["10.0.0.100".parse().unwrap()]);
        r.auth_type = 1;
        r.auth_data = *b"secret\0\0";
        r.trailing = vec![1, 2, 3];
        let mut out = Vec::new();
        r.emit(&ips, &mut out);
        let a = parse_v2(&out, &ips).unwrap();
        assert_eq!(a.auth_type, 1);
        assert_eq!(a.auth_data, Some(*b"secret\0\0"));
        assert_eq!(a.length, LengthStatus::Trailing(3));
        assert_eq!(a.checksum_status, ChecksumStatus::Good);
        // Count says 3 but only one address and the auth data are present.
        r.count = Some(3);
        r.trailing.clear();
        let mut out = Vec::new();
        r.emit(&ips, &mut out);
        let a = parse_v2(&out, &ips).unwrap();
        assert_eq!(a.length, LengthStatus::Short(8));
        assert_eq!(a.auth_data, None);
        assert_eq!(a.addrs.len(), 3); // 12 bytes after the header: read as 3 addresses
                                      // Count 0.
        r.count = Some(0);
        r.addrs.clear();
        let mut out = Vec::new();
        r.emit(&ips, &mut out);
        let a = parse_v2(&out, &ips).unwrap();
        assert_eq!(
            (a.count, a.length, a.addrs.len()),
            (0, LengthStatus::Exact, 0)
        );
        // A bad checksum is reported.
        r.checksum = ChecksumMode::Fixed(0x1234);
        let mut out = Vec::new();
        r.emit(&ips, &mut out);
        let a = parse_v2(&out, &ips).unwrap();
        assert_eq!(a.checksum_status, ChecksumStatus::Bad);
        assert_ne!(a.checksum_expected, 0x1234);
    }

    #[test]
    fn many_addresses_spill() {
        let ips = v4pair();
        let addrs: Vec<IpAddr> = (0..40u8)
            .map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, 1, i)))
            .collect();
        let mut out = Vec::new();
        VrrpRepr::v3(1, 1, 100, addrs.clone()).emit(&ips, &mut out);
        let a = parse_v3(&out, &ips).unwrap();
        assert!(a.addrs.spilled());
        assert_eq!(&a.addrs[..], &addrs[..]);
    }

    #[test]
    fn short_header_is_error() {
        for n in 0..HEADER_LEN {
            let e = parse_v3(&checklist_msg(0)[..n], &v4pair()).unwrap_err();
            assert_eq!(e.layer, Layer::Vrrp);
            assert!(parse_v2(&V2_BYTES[..n], &v4pair()).is_err());
        }
    }
}
