//! VRRP advertisement codec: VRRPv2 (RFC 3768 §5.3) and VRRPv3 (RFC 5798 /
//! RFC 9568 §5.2), IPv4 and IPv6, parse and emit.
//!
//! The decoder takes untrusted bytes and never panics: every index is checked
//! against a length that was verified first, and every failure is a typed
//! [`ParseError`] that the receive path counts.
//!
//! ```text
//! VRRPv3 (RFC 9568 §5.1)                      VRRPv2 (RFC 3768 §5.1)
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |(rsvd) |     Max Adver Int     |          Checksum             |   v3
//! |   Auth Type   |   Adver Int   |          Checksum             |   v2
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  IPvX Address(es) (4 or 16 bytes each)        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          v2 only: Authentication Data (8 bytes)               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

pub mod checksum;
pub mod frame;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use checksum::{ipv4_pseudo, ipv6_pseudo, Sum, IPPROTO_VRRP};

/// The only packet type defined (RFC 3768 §5.3.2, RFC 9568 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// Fixed part of every VRRP header.
pub const HEADER_LEN: usize = 8;
/// VRRPv2's trailing authentication data (RFC 3768 §5.3.10).
pub const V2_AUTH_DATA_LEN: usize = 8;
/// A CARP advertisement is always this long; with version 2, type 1 it would
/// otherwise pass for a VRRPv2 header (see RFC-CHECKLIST "CARP").
pub const CARP_LEN: usize = 36;
/// VRRPv3 Max Adver Int is 12 bits (RFC 9568 §5.2.7).
pub const V3_MAX_INTERVAL: u16 = 0x0fff;

/// IPv4 VRRP multicast group (RFC 9568 §5.1.1.2).
pub const MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 VRRP multicast group (RFC 9568 §5.1.2.2).
pub const MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    V2,
    V3,
}

impl Version {
    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    pub fn addr_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }
}

/// How a VRRPv3-over-IPv4 checksum is computed. RFC 5798 §5.2.8 points at the
/// IPv6 pseudo-header and leaves IPv4 ambiguous: keepalived, FRR, Wireshark and
/// tcpdump use an IPv4 pseudo-header, RFC 9568 §5.2.8 sums the message alone.
/// For VRRPv2 and for IPv6 there is only one form and this value is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ChecksumForm {
    #[default]
    PseudoHeader,
    MessageOnly,
}

/// The IP addresses of the packet carrying the advertisement; the checksum of
/// VRRPv3 depends on them, and the address family of the payload must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpPair {
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
}

impl IpPair {
    /// Whether the packet went to a group (the VRRP group), not to one address.
    pub fn dst_is_multicast(&self) -> bool {
        match self {
            IpPair::V4 { dst, .. } => dst.is_multicast(),
            IpPair::V6 { dst, .. } => dst.is_multicast(),
        }
    }

    pub fn family(&self) -> Family {
        match self {
            IpPair::V4 { .. } => Family::Ipv4,
            IpPair::V6 { .. } => Family::Ipv6,
        }
    }

    pub fn src(&self) -> IpAddr {
        match *self {
            IpPair::V4 { src, .. } => IpAddr::V4(src),
            IpPair::V6 { src, .. } => IpAddr::V6(src),
        }
    }
}

/// VRRPv2's authentication (RFC 3768 §5.3.6): none (type 0, what RFC 3768 sends), or RFC
/// 2338's simple text password (type 1), kept to interoperate with routers configured with one
/// (keepalived's `auth_type PASS`). It protects nothing: the password travels in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    /// Up to 8 bytes, zero-padded (RFC 2338 §5.3.10).
    Password([u8; V2_AUTH_DATA_LEN]),
}

impl Auth {
    /// The Auth Type field.
    pub fn type_code(self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Password(_) => 1,
        }
    }

    /// The Authentication Data field.
    pub fn data(self) -> [u8; V2_AUTH_DATA_LEN] {
        match self {
            Auth::None => [0; V2_AUTH_DATA_LEN],
            Auth::Password(p) => p,
        }
    }
}

/// A parsed advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertisement {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// VRRPv3: Max Adver Int in centiseconds (12 bits).
    /// VRRPv2: Adver Int in seconds (8 bits).
    pub interval: u16,
    /// VRRPv2 Auth Type (0 on send, RFC 3768 §5.3.6); always 0 for VRRPv3.
    pub auth_type: u8,
    /// VRRPv2 Authentication Data (zero for type 0); zero for VRRPv3.
    pub auth_data: [u8; V2_AUTH_DATA_LEN],
    /// One family only, the family of the carrying IP packet.
    pub addresses: Vec<IpAddr>,
}

/// What the decoder found, besides the advertisement itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub advert: Advertisement,
    /// Which checksum form matched (only informative for VRRPv3 over IPv4).
    pub checksum_form: ChecksumForm,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("packet too short: {len} bytes, at least {need} needed")]
    Short { len: usize, need: usize },
    #[error("unsupported VRRP version {0}")]
    BadVersion(u8),
    #[error("unknown VRRP packet type {0}")]
    BadType(u8),
    #[error("VRID 0 is not a valid virtual router id")]
    ZeroVrid,
    #[error("Count IPvX Addr is 0 (RFC 9568 erratum 8299)")]
    ZeroCount,
    #[error("length {len} does not match {count} address(es): expected {expected} bytes")]
    LengthMismatch {
        count: u8,
        len: usize,
        expected: usize,
    },
    #[error("bad checksum: packet carries {got:#06x}, expected {expected:#06x}")]
    BadChecksum { got: u16, expected: u16 },
    #[error("a CARP advertisement (36 bytes, version 2), not VRRP")]
    Carp,
    #[error("VRRPv2 is IPv4 only, got it over IPv6")]
    V2OverIpv6,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmitError {
    #[error("an advertisement carries 1 to 255 addresses, got {0}")]
    AddressCount(usize),
    #[error("address {0} is not of the packet's family")]
    FamilyMismatch(IpAddr),
    #[error("interval {0} does not fit the version's field")]
    Interval(u16),
    #[error("VRRPv2 is IPv4 only")]
    V2OverIpv6,
}

fn read_addr(bytes: &[u8], family: Family) -> IpAddr {
    // Callers pass exactly addr_len() bytes, checked against the packet length.
    match family {
        Family::Ipv4 => {
            let mut o = [0u8; 4];
            o.copy_from_slice(bytes);
            IpAddr::V4(Ipv4Addr::from(o))
        }
        Family::Ipv6 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(bytes);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    }
}

/// The checksum `msg` should carry (its checksum field is treated as zero).
fn compute_checksum(msg: &[u8], version: Version, ip: &IpPair, form: ChecksumForm) -> u16 {
    let len = msg.len();
    let base = match (version, ip, form) {
        (Version::V2, _, _) => Sum::new(),
        (Version::V3, IpPair::V6 { src, dst }, _) => {
            ipv6_pseudo(*src, *dst, IPPROTO_VRRP, len as u32)
        }
        (Version::V3, IpPair::V4 { src, dst }, ChecksumForm::PseudoHeader) => {
            ipv4_pseudo(*src, *dst, IPPROTO_VRRP, len as u16)
        }
        (Version::V3, IpPair::V4 { .. }, ChecksumForm::MessageOnly) => Sum::new(),
    };
    // Sum the message with the checksum bytes (6..8) left out, i.e. as zero.
    let head = msg.get(..6).unwrap_or(msg);
    let tail = msg.get(8..).unwrap_or(&[]);
    base.add_bytes(head).add_bytes(tail).finish()
}

impl Advertisement {
    /// Decode a VRRP message. `ip` are the addresses of the IP packet that
    /// carried it, for the family and the pseudo-header.
    pub fn parse(msg: &[u8], ip: &IpPair) -> Result<Parsed, ParseError> {
        if msg.len() < HEADER_LEN {
            return Err(ParseError::Short {
                len: msg.len(),
                need: HEADER_LEN,
            });
        }
        let version = match msg[0] >> 4 {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(ParseError::BadVersion(v)),
        };
        let ptype = msg[0] & 0x0f;
        if ptype != TYPE_ADVERTISEMENT {
            return Err(ParseError::BadType(ptype));
        }
        let family = ip.family();
        if version == Version::V2 && family == Family::Ipv6 {
            return Err(ParseError::V2OverIpv6);
        }
        let count = msg[3];
        let trailer = if version == Version::V2 {
            V2_AUTH_DATA_LEN
        } else {
            0
        };
        let expected = HEADER_LEN + usize::from(count) * family.addr_len() + trailer;
        if version == Version::V2 && msg.len() == CARP_LEN && expected != CARP_LEN {
            // Same first octet as VRRPv2, but a CARP header's fourth byte is
            // authlen, not a count: classify rather than call it malformed.
            return Err(ParseError::Carp);
        }
        if msg[1] == 0 {
            return Err(ParseError::ZeroVrid);
        }
        if count == 0 {
            return Err(ParseError::ZeroCount);
        }
        if msg.len() != expected {
            return Err(ParseError::LengthMismatch {
                count,
                len: msg.len(),
                expected,
            });
        }
        let got = u16::from_be_bytes([msg[6], msg[7]]);
        let checksum_form = if version == Version::V3 && family == Family::Ipv4 {
            // Accept both readings of RFC 5798 §5.2.8 for IPv4.
            let pseudo = compute_checksum(msg, version, ip, ChecksumForm::PseudoHeader);
            if got == pseudo {
                ChecksumForm::PseudoHeader
            } else if got == compute_checksum(msg, version, ip, ChecksumForm::MessageOnly) {
                ChecksumForm::MessageOnly
            } else {
                return Err(ParseError::BadChecksum {
                    got,
                    expected: pseudo,
                });
            }
        } else {
            let expected = compute_checksum(msg, version, ip, ChecksumForm::PseudoHeader);
            if got != expected {
                return Err(ParseError::BadChecksum { got, expected });
            }
            ChecksumForm::PseudoHeader
        };
        let (interval, auth_type) = match version {
            // The 4 reserved bits are ignored on receive (RFC 9568 §5.2.6).
            Version::V3 => (u16::from_be_bytes([msg[4], msg[5]]) & V3_MAX_INTERVAL, 0),
            Version::V2 => (u16::from(msg[5]), msg[4]),
        };
        let alen = family.addr_len();
        let end = HEADER_LEN + usize::from(count) * alen;
        let addresses = msg[HEADER_LEN..end]
            .chunks_exact(alen)
            .map(|c| read_addr(c, family))
            .collect();
        let mut auth_data = [0; V2_AUTH_DATA_LEN];
        if version == Version::V2 {
            if let Some(d) = msg.get(end..end + V2_AUTH_DATA_LEN) {
                auth_data.copy_from_slice(d);
            }
        }
        Ok(Parsed {
            advert: Advertisement {
                version,
                vrid: msg[1],
                priority: msg[2],
                interval,
                auth_type,
                auth_data,
                addresses,
            },
            checksum_form,
        })
    }

    /// Length of the encoded message.
    pub fn encoded_len(&self, family: Family) -> usize {
        let trailer = if self.version == Version::V2 {
            V2_AUTH_DATA_LEN
        } else {
            0
        };
        HEADER_LEN + self.addresses.len() * family.addr_len() + trailer
    }

    /// Encode for sending inside an IP packet with addresses `ip`.
    /// `form` chooses the VRRPv3/IPv4 checksum form; it is ignored otherwise.
    pub fn emit(&self, ip: &IpPair, form: ChecksumForm) -> Result<Vec<u8>, EmitError> {
        let family = ip.family();
        if self.addresses.is_empty() || self.addresses.len() > 255 {
            return Err(EmitError::AddressCount(self.addresses.len()));
        }
        if let Some(a) = self.addresses.iter().find(|a| Family::of(a) != family) {
            return Err(EmitError::FamilyMismatch(*a));
        }
        let mut msg = Vec::with_capacity(self.encoded_len(family));
        msg.push((self.version.number() << 4) | TYPE_ADVERTISEMENT);
        msg.push(self.vrid);
        msg.push(self.priority);
        msg.push(self.addresses.len() as u8);
        match self.version {
            Version::V3 => {
                if self.interval > V3_MAX_INTERVAL {
                    return Err(EmitError::Interval(self.interval));
                }
                // Reserved bits are zero on send (RFC 9568 §5.2.6).
                msg.extend_from_slice(&self.interval.to_be_bytes());
            }
            Version::V2 => {
                if family == Family::Ipv6 {
                    return Err(EmitError::V2OverIpv6);
                }
                let interval =
                    u8::try_from(self.interval).map_err(|_| EmitError::Interval(self.interval))?;
                msg.push(self.auth_type);
                msg.push(interval);
            }
        }
        msg.extend_from_slice(&[0, 0]);
        for a in &self.addresses {
            match a {
                IpAddr::V4(v4) => msg.extend_from_slice(&v4.octets()),
                IpAddr::V6(v6) => msg.extend_from_slice(&v6.octets()),
            }
        }
        if self.version == Version::V2 {
            // Zero for type 0 (RFC 3768 §5.3.10); RFC 2338's password for type 1.
            msg.extend_from_slice(&self.auth_data);
        }
        let ck = compute_checksum(&msg, self.version, ip, form);
        msg[6..8].copy_from_slice(&ck.to_be_bytes());
        Ok(msg)
    }
}

#[cfg(test)]
mod tests;
