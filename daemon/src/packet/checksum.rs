//! The Internet checksum (RFC 1071) and the pseudo-headers VRRP sums over.

use std::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number / IPv6 next header of VRRP.
pub const IPPROTO_VRRP: u8 = 112;

/// A running one's-complement sum. Feeding data in several pieces gives the
/// same result as one piece, as long as every piece but the last has an even
/// length (all our pieces do: headers and pseudo-headers are even).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sum(u32);

impl Sum {
    pub fn new() -> Self {
        Sum(0)
    }

    pub fn add_bytes(mut self, data: &[u8]) -> Self {
        let mut chunks = data.chunks_exact(2);
        for c in &mut chunks {
            self.0 += u32::from(u16::from_be_bytes([c[0], c[1]]));
            self.fold_once();
        }
        if let [last] = chunks.remainder() {
            self.0 += u32::from(*last) << 8;
            self.fold_once();
        }
        self
    }

    pub fn add_u16(mut self, v: u16) -> Self {
        self.0 += u32::from(v);
        self.fold_once();
        self
    }

    fn fold_once(&mut self) {
        // Keep the accumulator small so it can never overflow, whatever the input length.
        self.0 = (self.0 & 0xffff) + (self.0 >> 16);
    }

    /// The checksum to put in a header: the complement of the folded sum.
    pub fn finish(self) -> u16 {
        let mut s = self.0;
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    }
}

/// Plain checksum over `data`.
pub fn checksum(data: &[u8]) -> u16 {
    Sum::new().add_bytes(data).finish()
}

/// Sum of the IPv4 pseudo-header (source, destination, zero, protocol, length).
pub fn ipv4_pseudo(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: u16) -> Sum {
    Sum::new()
        .add_bytes(&src.octets())
        .add_bytes(&dst.octets())
        .add_u16(u16::from(proto))
        .add_u16(len)
}

/// Sum of the IPv6 pseudo-header of RFC 8200 §8.1 (source, destination,
/// 32-bit upper-layer length, three zero bytes, next header).
pub fn ipv6_pseudo(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: u32) -> Sum {
    Sum::new()
        .add_bytes(&src.octets())
        .add_bytes(&dst.octets())
        .add_bytes(&len.to_be_bytes())
        .add_u16(u16::from(next_header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        // RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(
            checksum(&[0x12, 0x34, 0x56]),
            checksum(&[0x12, 0x34, 0x56, 0x00])
        );
    }

    #[test]
    fn checksum_of_data_with_its_checksum_is_zero() {
        let mut data = vec![
            0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0x00, 0xff, 0x70, 0, 0,
        ];
        let c = checksum(&data);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&data), 0);
    }
}
