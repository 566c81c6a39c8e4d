//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers.
//!
//! Sums are kept unfolded in a `u64` so that partial sums (message, pseudo-header, a field put
//! back) can be added freely and folded once.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// Outcome of a checksum verification.
///
/// Which values a field can take depends on where it is used:
/// IPv4 header, VRRPv2, VRRPv3 over IPv6, CARP, ICMPv6 and IGMP are `Good` or `Bad`;
/// VRRPv3 over IPv4 is `PseudoHeader`, `MessageOnly` or `Bad` (see RFC-CHECKLIST.md,
/// "Checksum of VRRPv3 over IPv4").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumStatus {
    /// Verifies.
    Good,
    /// VRRPv3/IPv4: verifies with the IPv4 pseudo-header (keepalived default, FRR, Wireshark).
    PseudoHeader,
    /// VRRPv3/IPv4: verifies over the VRRP message only (RFC 9568 §5.2.8 reading).
    MessageOnly,
    /// Does not verify in any accepted form.
    Bad,
}

impl ChecksumStatus {
    /// True unless [`ChecksumStatus::Bad`].
    pub const fn is_ok(self) -> bool {
        !matches!(self, ChecksumStatus::Bad)
    }

    pub(crate) const fn from_bool(ok: bool) -> Self {
        if ok {
            ChecksumStatus::Good
        } else {
            ChecksumStatus::Bad
        }
    }
}

/// Unfolded ones'-complement sum of `data` as big-endian 16-bit words (odd tail padded with 0).
#[inline]
pub fn sum(data: &[u8]) -> u64 {
    let mut acc: u64 = 0;
    let mut quads = data.chunks_exact(4);
    for q in &mut quads {
        acc += u64::from(u32::from_be_bytes([q[0], q[1], q[2], q[3]]));
    }
    let rest = quads.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [b] = pairs.remainder() {
        acc += u64::from(*b) << 8;
    }
    acc
}

/// Fold an unfolded sum to 16 bits with end-around carry.
#[inline]
pub const fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// Source and destination of the IP header around a message, for pseudo-header checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpPair {
    /// IPv4 source and destination.
    V4 {
        /// Source.
        src: Ipv4Addr,
        /// Destination.
        dst: Ipv4Addr,
    },
    /// IPv6 source and (final) destination.
    V6 {
        /// Source.
        src: Ipv6Addr,
        /// Destination.
        dst: Ipv6Addr,
    },
}

impl IpPair {
    /// Unfolded pseudo-header sum for `protocol` and an upper-layer length of `len`.
    pub fn pseudo(&self, protocol: u8, len: usize) -> u64 {
        match *self {
            IpPair::V4 { src, dst } => pseudo_v4(src, dst, protocol, len),
            IpPair::V6 { src, dst } => pseudo_v6(src, dst, protocol, len),
        }
    }

    /// True for IPv6.
    pub const fn is_v6(&self) -> bool {
        matches!(self, IpPair::V6 { .. })
    }
}

/// The checksum field value for an unfolded sum taken with the checksum field zero.
#[inline]
pub const fn finish(s: u64) -> u16 {
    !fold(s)
}

/// True when a sum that includes the checksum field verifies.
#[inline]
pub const fn verifies(s: u64) -> bool {
    fold(s) == 0xffff
}

/// Sum of the IPv4 pseudo-header (source, destination, zero, protocol, length).
#[inline]
pub fn pseudo_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: usize) -> u64 {
    sum(&src.octets()) + sum(&dst.octets()) + u64::from(protocol) + (len as u64 & 0xffff_ffff)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 §8.1: source, destination, upper-layer length,
/// zero, next header).
#[inline]
pub fn pseudo_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: usize) -> u64 {
    let len = len as u64 & 0xffff_ffff;
    sum(&src.octets()) + sum(&dst.octets()) + (len >> 16) + (len & 0xffff) + u64::from(next_header)
}

/// Checksum of `data` (its checksum field zero) plus an optional pseudo-header sum.
pub fn compute(data: &[u8], pseudo: u64) -> u16 {
    finish(sum(data) + pseudo)
}

/// Sum of `data` with the 16-bit field at `field` treated as zero (`field + 2 <= data.len()`
/// must hold; otherwise the whole of `data` is summed).
#[inline]
pub(crate) fn sum_without_field(data: &[u8], field: usize) -> u64 {
    match (data.get(..field), data.get(field + 2..)) {
        (Some(head), Some(tail)) => {
            // `sum` pads an odd head; the field is at an even offset in every use here.
            sum(head) + sum(tail)
        }
        _ => sum(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example words: 0001 f203 f4f5 f6f7 -> sum ddf2, checksum 220d.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data)), 0xddf2);
        assert_eq!(compute(&data, 0), 0x220d);
        let mut with = data.to_vec();
        with.extend_from_slice(&0x220du16.to_be_bytes());
        assert!(verifies(sum(&with)));
    }

    #[test]
    fn odd_length_and_field_skip() {
        assert_eq!(sum(&[0xab]), 0xab00);
        assert_eq!(sum(&[1, 2, 3]), 0x0102 + 0x0300);
        let d = [1u8, 2, 0xff, 0xff, 3, 4];
        assert_eq!(sum_without_field(&d, 2), 0x0102 + 0x0304);
        assert_eq!(sum_without_field(&d, 6), sum(&d));
    }

    #[test]
    fn pseudo_v6_long_length() {
        let a = Ipv6Addr::UNSPECIFIED;
        assert_eq!(pseudo_v6(a, a, 58, 0x1_0002), 1 + 2 + 58);
    }
}
