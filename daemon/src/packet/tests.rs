//! Codec tests: the RFC-CHECKLIST vectors, vectors computed independently
//! (Python, see comments), error classification, and never-panic sweeps.

use super::*;

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}
fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// RFC-CHECKLIST "Checksum of VRRPv3 over IPv4": VRID 51, priority 200,
/// interval 100 cs, VIP 192.0.2.100, 198.51.100.10 -> 224.0.0.18.
const CHECKLIST_MSG: [u8; 12] = [
    0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0, 0, 0xc0, 0x00, 0x02, 0x64,
];

fn checklist_ip() -> IpPair {
    IpPair::V4 {
        src: v4("198.51.100.10"),
        dst: v4("224.0.0.18"),
    }
}

fn checklist_advert() -> Advertisement {
    Advertisement {
        version: Version::V3,
        vrid: 51,
        priority: 200,
        interval: 100,
        auth_type: 0,
        auth_data: [0; 8],
        addresses: vec![IpAddr::V4(v4("192.0.2.100"))],
    }
}

fn with_checksum(mut msg: Vec<u8>, ck: u16) -> Vec<u8> {
    msg[6..8].copy_from_slice(&ck.to_be_bytes());
    msg
}

#[test]
fn v3_ipv4_emit_pseudo_header_form_is_0x3935() {
    let bytes = checklist_advert()
        .emit(&checklist_ip(), ChecksumForm::PseudoHeader)
        .unwrap();
    assert_eq!(bytes, with_checksum(CHECKLIST_MSG.to_vec(), 0x3935));
}

#[test]
fn v3_ipv4_emit_message_only_form_is_0x4402() {
    let bytes = checklist_advert()
        .emit(&checklist_ip(), ChecksumForm::MessageOnly)
        .unwrap();
    assert_eq!(bytes, with_checksum(CHECKLIST_MSG.to_vec(), 0x4402));
}

#[test]
fn v3_ipv4_parse_accepts_both_forms_and_says_which() {
    let ip = checklist_ip();
    let p = Advertisement::parse(&with_checksum(CHECKLIST_MSG.to_vec(), 0x3935), &ip).unwrap();
    assert_eq!(p.advert, checklist_advert());
    assert_eq!(p.checksum_form, ChecksumForm::PseudoHeader);
    let p = Advertisement::parse(&with_checksum(CHECKLIST_MSG.to_vec(), 0x4402), &ip).unwrap();
    assert_eq!(p.checksum_form, ChecksumForm::MessageOnly);
}

#[test]
fn v3_ipv4_parse_rejects_a_checksum_matching_neither_form() {
    let err = Advertisement::parse(
        &with_checksum(CHECKLIST_MSG.to_vec(), 0x3936),
        &checklist_ip(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ParseError::BadChecksum {
            got: 0x3936,
            expected: 0x3935
        }
    );
}

#[test]
fn v3_ipv4_pseudo_header_checksum_depends_on_the_addresses() {
    // The same bytes from another source fail in the pseudo-header form.
    let ip = IpPair::V4 {
        src: v4("198.51.100.11"),
        dst: v4("224.0.0.18"),
    };
    let err =
        Advertisement::parse(&with_checksum(CHECKLIST_MSG.to_vec(), 0x3935), &ip).unwrap_err();
    assert!(matches!(err, ParseError::BadChecksum { .. }));
}

/// VRRPv2, VRID 1, priority 100, 1 s, VIP 10.0.0.1, auth type 0: checksum
/// 0x70fb over the message only (computed with Python's struct/ipaddress).
#[test]
fn v2_vector_round_trips_with_message_only_checksum() {
    let expected: Vec<u8> = vec![
        0x21, 1, 100, 1, 0, 1, 0x70, 0xfb, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let adv = Advertisement {
        version: Version::V2,
        vrid: 1,
        priority: 100,
        interval: 1,
        auth_type: 0,
        auth_data: [0; 8],
        addresses: vec![IpAddr::V4(v4("10.0.0.1"))],
    };
    let ip = IpPair::V4 {
        src: v4("10.0.0.2"),
        dst: MCAST_V4,
    };
    // The form argument must not matter for v2.
    assert_eq!(adv.emit(&ip, ChecksumForm::PseudoHeader).unwrap(), expected);
    assert_eq!(adv.emit(&ip, ChecksumForm::MessageOnly).unwrap(), expected);
    let p = Advertisement::parse(&expected, &ip).unwrap();
    assert_eq!(p.advert, adv);
    // Any source address: v2 has no pseudo-header.
    let other = IpPair::V4 {
        src: v4("10.9.9.9"),
        dst: MCAST_V4,
    };
    assert!(Advertisement::parse(&expected, &other).is_ok());
}

/// VRRPv3/IPv6, VRID 7, priority 150, 10 cs, fe80::1 and 2001:db8::1,
/// fe80::a -> ff02::12: checksum 0x0e78 with the IPv6 pseudo-header (Python).
#[test]
fn v3_ipv6_vector_uses_the_ipv6_pseudo_header() {
    let adv = Advertisement {
        version: Version::V3,
        vrid: 7,
        priority: 150,
        interval: 10,
        auth_type: 0,
        auth_data: [0; 8],
        addresses: vec![IpAddr::V6(v6("fe80::1")), IpAddr::V6(v6("2001:db8::1"))],
    };
    let ip = IpPair::V6 {
        src: v6("fe80::a"),
        dst: MCAST_V6,
    };
    let bytes = adv.emit(&ip, ChecksumForm::MessageOnly).unwrap();
    assert_eq!(bytes.len(), 8 + 32);
    assert_eq!(&bytes[6..8], &[0x0e, 0x78]);
    assert_eq!(Advertisement::parse(&bytes, &ip).unwrap().advert, adv);
    let wrong_src = IpPair::V6 {
        src: v6("fe80::b"),
        dst: MCAST_V6,
    };
    assert!(matches!(
        Advertisement::parse(&bytes, &wrong_src),
        Err(ParseError::BadChecksum { .. })
    ));
}

#[test]
fn short_packets_are_short() {
    for len in 0..HEADER_LEN {
        let err = Advertisement::parse(&CHECKLIST_MSG[..len], &checklist_ip()).unwrap_err();
        assert_eq!(
            err,
            ParseError::Short {
                len,
                need: HEADER_LEN
            }
        );
    }
}

#[test]
fn unknown_version_and_type_are_rejected() {
    let mut m = with_checksum(CHECKLIST_MSG.to_vec(), 0x3935);
    m[0] = 0x41;
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::BadVersion(4))
    );
    m[0] = 0x11;
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::BadVersion(1))
    );
    m[0] = 0x32;
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::BadType(2))
    );
}

#[test]
fn count_zero_and_vrid_zero_are_rejected() {
    let mut m = CHECKLIST_MSG.to_vec();
    m[3] = 0;
    m.truncate(8);
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::ZeroCount)
    );
    let mut m = CHECKLIST_MSG.to_vec();
    m[1] = 0;
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::ZeroVrid)
    );
}

#[test]
fn count_not_matching_length_is_rejected() {
    let mut m = with_checksum(CHECKLIST_MSG.to_vec(), 0x3935);
    m[3] = 2;
    assert_eq!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::LengthMismatch {
            count: 2,
            len: 12,
            expected: 16
        })
    );
    // Trailing bytes are not silently ignored either.
    let mut m = with_checksum(CHECKLIST_MSG.to_vec(), 0x3935);
    m.push(0);
    assert!(matches!(
        Advertisement::parse(&m, &checklist_ip()),
        Err(ParseError::LengthMismatch { .. })
    ));
}

#[test]
fn v3_reserved_bits_are_ignored_on_receive() {
    let mut m = CHECKLIST_MSG.to_vec();
    m[4] = 0xf0; // reserved nibble set, interval still 100
    let ip = checklist_ip();
    let ck = compute_checksum(&m, Version::V3, &ip, ChecksumForm::PseudoHeader);
    let p = Advertisement::parse(&with_checksum(m, ck), &ip).unwrap();
    assert_eq!(p.advert.interval, 100);
}

#[test]
fn carp_is_classified_not_misparsed_as_vrrpv2() {
    // CARP: version 2 type 1, vhid 5, advskew 0, authlen 7, pad, advbase 1,
    // checksum, 8-byte counter, 20-byte HMAC: 36 bytes.
    let mut carp = vec![0x21, 5, 0, 7, 0, 1, 0, 0];
    carp.extend_from_slice(&[0u8; 28]);
    assert_eq!(carp.len(), CARP_LEN);
    assert_eq!(
        Advertisement::parse(&carp, &checklist_ip()),
        Err(ParseError::Carp)
    );
    // A genuine 36-byte VRRPv2 (5 addresses) is still VRRP.
    let adv = Advertisement {
        version: Version::V2,
        vrid: 5,
        priority: 100,
        interval: 1,
        auth_type: 0,
        auth_data: [0; 8],
        addresses: (1..=5)
            .map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, 0, i)))
            .collect(),
    };
    let bytes = adv
        .emit(&checklist_ip(), ChecksumForm::PseudoHeader)
        .unwrap();
    assert_eq!(bytes.len(), CARP_LEN);
    assert_eq!(
        Advertisement::parse(&bytes, &checklist_ip())
            .unwrap()
            .advert,
        adv
    );
}

#[test]
fn v2_over_ipv6_is_rejected_both_ways() {
    let ip = IpPair::V6 {
        src: v6("fe80::1"),
        dst: MCAST_V6,
    };
    let m = [0x21, 1, 100, 1, 0, 1, 0, 0];
    assert_eq!(Advertisement::parse(&m, &ip), Err(ParseError::V2OverIpv6));
    let adv = Advertisement {
        version: Version::V2,
        vrid: 1,
        priority: 1,
        interval: 1,
        auth_type: 0,
        auth_data: [0; 8],
        addresses: vec![IpAddr::V6(v6("fe80::1"))],
    };
    assert_eq!(
        adv.emit(&ip, ChecksumForm::PseudoHeader),
        Err(EmitError::V2OverIpv6)
    );
}

#[test]
fn emit_refuses_what_the_wire_cannot_carry() {
    let ip = checklist_ip();
    let mut adv = checklist_advert();
    adv.interval = 4096;
    assert_eq!(
        adv.emit(&ip, ChecksumForm::PseudoHeader),
        Err(EmitError::Interval(4096))
    );
    adv.interval = 100;
    adv.addresses.clear();
    assert_eq!(
        adv.emit(&ip, ChecksumForm::PseudoHeader),
        Err(EmitError::AddressCount(0))
    );
    adv.addresses = vec![IpAddr::V6(v6("fe80::1"))];
    assert!(matches!(
        adv.emit(&ip, ChecksumForm::PseudoHeader),
        Err(EmitError::FamilyMismatch(_))
    ));
    let mut v2 = checklist_advert();
    v2.version = Version::V2;
    v2.interval = 256;
    assert_eq!(
        v2.emit(&ip, ChecksumForm::PseudoHeader),
        Err(EmitError::Interval(256))
    );
}

#[test]
fn round_trip_every_count_both_families_both_forms() {
    for count in [1usize, 2, 17, 255] {
        for form in [ChecksumForm::PseudoHeader, ChecksumForm::MessageOnly] {
            let a4 = Advertisement {
                version: Version::V3,
                vrid: 200,
                priority: 254,
                interval: 4095,
                auth_type: 0,
                auth_data: [0; 8],
                addresses: (0..count)
                    .map(|i| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i as u32)))
                    .collect(),
            };
            let ip4 = IpPair::V4 {
                src: v4("10.1.1.1"),
                dst: MCAST_V4,
            };
            let p = Advertisement::parse(&a4.emit(&ip4, form).unwrap(), &ip4).unwrap();
            assert_eq!((p.advert, p.checksum_form), (a4, form));
            let a6 = Advertisement {
                version: Version::V3,
                vrid: 1,
                priority: 0,
                interval: 1,
                auth_type: 0,
                auth_data: [0; 8],
                addresses: (0..count)
                    .map(|i| IpAddr::V6(Ipv6Addr::from(0xfe80_u128 << 112 | i as u128)))
                    .collect(),
            };
            let ip6 = IpPair::V6 {
                src: v6("fe80::2"),
                dst: MCAST_V6,
            };
            assert_eq!(
                Advertisement::parse(&a6.emit(&ip6, form).unwrap(), &ip6)
                    .unwrap()
                    .advert,
                a6
            );
        }
    }
}

/// A tiny deterministic generator, so the sweep needs no extra crate.
pub(crate) struct XorShift(pub u64);
impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn all_ip_pairs() -> [IpPair; 2] {
    [
        checklist_ip(),
        IpPair::V6 {
            src: v6("fe80::1"),
            dst: MCAST_V6,
        },
    ]
}

#[test]
fn never_panics_on_every_input_of_up_to_two_bytes_and_all_headers_prefixes() {
    for ip in all_ip_pairs() {
        for len in 0..=2usize {
            for n in 0..(1u32 << (8 * len)) {
                let bytes = &n.to_be_bytes()[4 - len..];
                let _ = Advertisement::parse(bytes, &ip);
            }
        }
        // Every first octet with every count, at every length up to 64.
        for first in 0..=255u8 {
            for count in 0..=255u8 {
                let mut m = vec![first, 1, 100, count, 0, 100, 0, 0];
                m.resize(64, 0xaa);
                for len in 0..=m.len() {
                    let _ = Advertisement::parse(&m[..len], &ip);
                }
            }
        }
    }
}

#[test]
fn never_panics_on_random_inputs_and_valid_ones_re_emit_identically() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for i in 0..200_000 {
        let len = (rng.next() % 80) as usize;
        let mut m: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Bias half the inputs towards plausible headers to reach deep paths.
        if i % 2 == 0 && len >= 8 {
            m[0] = if rng.next() % 2 == 0 { 0x31 } else { 0x21 };
            m[1] |= 1;
            m[3] = (rng.next() % 5) as u8;
        }
        for ip in all_ip_pairs() {
            if let Ok(p) = Advertisement::parse(&m, &ip) {
                let form = p.checksum_form;
                let mut again = p.advert.emit(&ip, form).unwrap();
                // Reserved v3 bits are not kept; compare on what we keep.
                if p.advert.version == Version::V3 {
                    let mut m2 = m.clone();
                    m2[4] &= 0x0f;
                    let ck = compute_checksum(&m2, Version::V3, &ip, form);
                    m2[6..8].copy_from_slice(&ck.to_be_bytes());
                    again[6..8].copy_from_slice(&ck.to_be_bytes());
                    assert_eq!(again, m2);
                } else {
                    // Auth data is zeroed on send, so the checksum may differ.
                    assert_eq!(again[..6], m[..6]);
                    assert_eq!(again[8..again.len() - 8], m[8..m.len() - 8]);
                }
            }
        }
    }
}
