//! Fuzz the advertisement decoder and the ARP/NA claim reader.
//! The first byte picks the IP context (family and addresses), the rest is
//! the VRRP message. Whatever parses must re-emit and parse back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{Ipv4Addr, Ipv6Addr};
use vrlabd::packet::{frame, Advertisement, IpPair};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, msg)) = data.split_first() else { return };
    let ip = if sel & 1 == 0 {
        IpPair::V4 { src: Ipv4Addr::new(10, 0, 0, sel), dst: Ipv4Addr::new(224, 0, 0, 18) }
    } else {
        IpPair::V6 {
            src: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(sel)),
            dst: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
        }
    };
    if let Ok(p) = Advertisement::parse(msg, &ip) {
        let bytes = p.advert.emit(&ip, p.checksum_form).expect("a parsed advert re-emits");
        let again = Advertisement::parse(&bytes, &ip).expect("an emitted advert parses");
        assert_eq!(again.advert, p.advert);
    }
    let _ = frame::parse_claim(msg);
});
