//! CARP, the Common Address Redundancy Protocol (OpenBSD carp(4), ucarp on Linux).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  |     VHID      |    AdvSkew    |    AuthLen    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Demote/pad   |    AdvBase    |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Counter (64 bits)                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 HMAC-SHA1 digest (20 bytes)                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! 36 bytes; version 2, type 1 (advertisement); AuthLen 7 (counter + digest in 32-bit words);
//! the checksum is the Internet checksum of the 36 bytes, no pseudo-header. The advertisement
//! period is AdvBase + AdvSkew/256 seconds; lower wins, there is no priority and no leaving
//! advert. ucarp sends from `00:00:5e:00:00:{vhid}`, OpenBSD carp from `00:00:5e:00:01:{vhid}`.
//!
//! # Telling CARP from VRRPv2
//!
//! Both use IP protocol 112, 224.0.0.18 and the same first octet `0x21` (version 2, type 1),
//! so the first octet decides nothing. The length does:
//!
//! * a VRRPv2 advert is exactly `8 + 4·count + 8` bytes, `count` being octet 3;
//! * a CARP advert is exactly 36 bytes with AuthLen, also octet 3, equal to 7.
//!
//! A whole VRRPv2 advert with 7 at octet 3 is 44 bytes long, never 36, so a 36-byte message
//! with 7 at octet 3 is CARP. The one VRRPv2 advert that is 36 bytes long (count 5) has 5 at
//! octet 3 and stays VRRPv2. The two sets are disjoint; nothing else (MAC, checksum) is needed
//! to decide, and the source MAC is reported rather than used, so CARP sent from an unexpected
//! MAC is still recognised as CARP.

use serde::Serialize;

use super::checksum::{self, ChecksumStatus};
use super::error::{need, Layer, WireError};

/// Length of a CARP advertisement.
pub const LEN: usize = 36;
/// AuthLen of every CARP advertisement: (8 + 20) / 4.
pub const AUTHLEN: u8 = 7;

/// The classification rule explained in the module documentation.
pub fn is_carp(msg: &[u8]) -> bool {
    msg.len() == LEN && msg[0] >> 4 == 2 && msg[3] == AUTHLEN
}

/// A CARP advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarpAdvert {
    /// Version nibble (2).
    pub version: u8,
    /// Type nibble (1 = advertisement).
    pub carp_type: u8,
    /// Virtual host id.
    pub vhid: u8,
    /// Advertisement skew (1/256 s).
    pub advskew: u8,
    /// AuthLen (7).
    pub authlen: u8,
    /// Octet 4: pad in ucarp, demotion counter in later OpenBSD.
    pub demote: u8,
    /// Advertisement base, seconds.
    pub advbase: u8,
    /// Checksum field.
    pub checksum: u16,
    /// `Good` or `Bad` (over the 36 bytes).
    pub checksum_status: ChecksumStatus,
    /// The checksum the message should carry.
    pub checksum_expected: u16,
    /// Replay counter.
    pub counter: u64,
    /// HMAC-SHA1 over the shared secret.
    #[serde(serialize_with = "super::small::ser_hex")]
    pub hmac: [u8; 20],
}

impl CarpAdvert {
    /// The advertisement period, AdvBase + AdvSkew/256 s, in nanoseconds (exact).
    pub const fn interval_ns(&self) -> u64 {
        self.advbase as u64 * 1_000_000_000 + self.advskew as u64 * 3_906_250
    }
}

/// Parse a CARP message (callers decide with [`is_carp`] first; this only needs 36 bytes).
pub fn parse(msg: &[u8]) -> Result<CarpAdvert, WireError> {
    need(Layer::Carp, msg, 0, LEN)?;
    let m = &msg[..LEN];
    let ck = u16::from_be_bytes([m[6], m[7]]);
    let s0 = checksum::sum_without_field(m, 6);
    let mut counter = [0u8; 8];
    counter.copy_from_slice(&m[8..16]);
    let mut hmac = [0u8; 20];
    hmac.copy_from_slice(&m[16..36]);
    Ok(CarpAdvert {
        version: m[0] >> 4,
        carp_type: m[0] & 0x0f,
        vhid: m[1],
        advskew: m[2],
        authlen: m[3],
        demote: m[4],
        advbase: m[5],
        checksum: ck,
        checksum_status: ChecksumStatus::from_bool(checksum::verifies(s0 + u64::from(ck))),
        checksum_expected: checksum::finish(s0),
        counter: u64::from_be_bytes(counter),
        hmac,
    })
}

/// What authenticates a CARP advert: its replay counter and HMAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarpAuth {
    pub counter: u64,
    #[serde(serialize_with = "super::small::ser_hex")]
    pub hmac: [u8; 20],
}

/// The HMAC-SHA1 a CARP advert of `vhid` carries when its sender shares `password`: keyed
/// with the password, over the version and the type (one octet each: 2, 1), the VHID, the
/// virtual IPv4 addresses in ascending order, and the 64-bit counter. This is what ucarp
/// computes: its adverts in captures/ucarp.pcap verify with `secret`. Several addresses are
/// hashed in ascending order, as carp(4) does (ucarp carries one).
pub fn hmac(password: &str, vhid: u8, vips: &[std::net::Ipv4Addr], counter: u64) -> [u8; 20] {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(password.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(&[2, 1, vhid]);
    let mut sorted = vips.to_vec();
    sorted.sort();
    for v in sorted {
        mac.update(&v.octets());
    }
    mac.update(&counter.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// A CARP advert to emit (tests, fault injection). The HMAC is taken as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarpRepr {
    /// Virtual host id.
    pub vhid: u8,
    /// Skew.
    pub advskew: u8,
    /// Base interval, seconds.
    pub advbase: u8,
    /// Octet 4.
    pub demote: u8,
    /// Replay counter.
    pub counter: u64,
    /// Digest bytes.
    pub hmac: [u8; 20],
    /// `None` computes a correct checksum.
    pub checksum: Option<u16>,
}

impl CarpRepr {
    /// Append the 36-byte message.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[
            0x21,
            self.vhid,
            self.advskew,
            AUTHLEN,
            self.demote,
            self.advbase,
        ]);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.counter.to_be_bytes());
        out.extend_from_slice(&self.hmac);
        let ck = self
            .checksum
            .unwrap_or_else(|| checksum::compute(&out[start..], 0));
        out[start + 6..start + 8].copy_from_slice(&ck.to_be_bytes());
    }
}

impl From<&CarpAdvert> for CarpRepr {
    fn from(a: &CarpAdvert) -> Self {
        CarpRepr {
            vhid: a.vhid,
            advskew: a.advskew,
            advbase: a.advbase,
            demote: a.demote,
            counter: a.counter,
            hmac: a.hmac,
            checksum: Some(a.checksum),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ucarp 1.5.2 advert, VHID 7, advbase 1, advskew 20, captured on a veth
    /// (captures/README.md); tcpdump prints it as "VRRPv2 ... addrs(7)".
    pub(crate) const UCARP: [u8; 36] = [
        0x21, 0x07, 0x14, 0x07, 0x00, 0x01, 0xc0, 0x81, 0x1d, 0x32, 0x7d, 0x50, 0x2e, 0x7e, 0xc6,
        0x89, 0x61, 0x08, 0x42, 0xd6, 0xa1, 0x5c, 0x69, 0x6d, 0x1b, 0xcb, 0xfe, 0x3b, 0xe0, 0x78,
        0x96, 0x88, 0x6e, 0x9a, 0xcc, 0x98,
    ];

    #[test]
    fn real_ucarp_both_ways() {
        assert!(is_carp(&UCARP));
        let a = parse(&UCARP).unwrap();
        assert_eq!((a.version, a.carp_type, a.vhid, a.advskew), (2, 1, 7, 20));
        assert_eq!((a.authlen, a.demote, a.advbase), (7, 0, 1));
        assert_eq!(a.checksum, 0xc081);
        assert_eq!(a.checksum_status, ChecksumStatus::Good);
        assert_eq!(a.counter, 0x1d32_7d50_2e7e_c689);
        assert_eq!(a.hmac[0], 0x61);
        assert_eq!(a.interval_ns(), 1_078_125_000);
        let mut out = Vec::new();
        CarpRepr::from(&a).emit(&mut out);
        assert_eq!(out, UCARP);
        let mut out = Vec::new();
        CarpRepr {
            checksum: None,
            ..CarpRepr::from(&a)
        }
        .emit(&mut out);
        assert_eq!(out, UCARP);
    }

    /// r2's first advert of captures/ucarp.pcap (`ucarp -v 7 -p secret -a 10.9.1.100 -k 50`).
    const UCARP_SECRET: [u8; 36] = [
        0x21, 0x07, 0x32, 0x07, 0x00, 0x01, 0x80, 0x40, 0x67, 0x72, 0x84, 0xf4, 0x43, 0xdb, 0x9e,
        0x85, 0xce, 0xcb, 0xde, 0x92, 0xae, 0x3c, 0x92, 0x29, 0xfc, 0x72, 0x7c, 0x7d, 0xf9, 0x2e,
        0xda, 0x8c, 0xf4, 0x37, 0x2f, 0x3f,
    ];

    #[test]
    fn ucarps_hmac_is_the_passwords_over_vhid_address_and_counter() {
        let a = parse(&UCARP_SECRET).unwrap();
        let vip = [std::net::Ipv4Addr::new(10, 9, 1, 100)];
        assert_eq!(hmac("secret", a.vhid, &vip, a.counter), a.hmac);
        assert_ne!(hmac("Secret", a.vhid, &vip, a.counter), a.hmac);
        assert_ne!(
            hmac("secret", a.vhid, &vip, a.counter + 1),
            a.hmac,
            "the counter counts"
        );
        let other = [std::net::Ipv4Addr::new(10, 9, 1, 101)];
        assert_ne!(
            hmac("secret", a.vhid, &other, a.counter),
            a.hmac,
            "so does the address"
        );
    }

    #[test]
    fn rule_is_disjoint_from_vrrpv2() {
        // VRRPv2 with five addresses is 36 bytes too, but has 5 at octet 3.
        let mut v2 = [0u8; 36];
        v2[0] = 0x21;
        v2[3] = 5;
        assert!(!is_carp(&v2));
        // 7 at octet 3 but 44 bytes: a VRRPv2 advert with seven addresses.
        let mut v2b = [0u8; 44];
        v2b[0] = 0x21;
        v2b[3] = 7;
        assert!(!is_carp(&v2b));
        // CARP truncated or padded is not CARP.
        assert!(!is_carp(&UCARP[..35]));
        // Version 3 is never CARP.
        let mut v3 = UCARP;
        v3[0] = 0x31;
        assert!(!is_carp(&v3));
    }

    #[test]
    fn bad_checksum_reported() {
        let mut m = UCARP;
        m[20] ^= 0xff;
        let a = parse(&m).unwrap();
        assert_eq!(a.checksum_status, ChecksumStatus::Bad);
        assert_eq!(a.checksum_expected, {
            let mut z = m;
            z[6] = 0;
            z[7] = 0;
            checksum::compute(&z, 0)
        });
        for n in 0..LEN {
            assert!(parse(&UCARP[..n]).is_err());
        }
    }
}
