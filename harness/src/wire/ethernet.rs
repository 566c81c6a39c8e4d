//! Ethernet II (and IEEE 802.3 length frames), MAC addresses and EtherTypes.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Destination MAC (6)                       |
//! +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                               |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//! |                       Source MAC (6)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   EtherType / length (2)      |  payload ...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::error::{need, Layer, WireError};

/// EtherType values this decoder knows.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service tag (QinQ).
    pub const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ tag some switches still send.
    pub const QINQ_LEGACY: u16 = 0x9100;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
    /// Smallest value that is an EtherType rather than an 802.3 length.
    pub const MIN_ETHERTYPE: u16 = 0x0600;
}

/// A 48-bit IEEE MAC address. Displays and serializes as `00:00:5e:00:01:33`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

/// What a MAC address in the IANA `00-00-5E` block used by redundancy protocols stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum VirtualMac {
    /// `00-00-5E-00-01-{VRID}`: VRRP over IPv4 (RFC 3768 §7.3, RFC 5798 §7.3); also OpenBSD carp.
    VrrpV4(u8),
    /// `00-00-5E-00-02-{VRID}`: VRRP over IPv6 (RFC 5798 §7.3).
    VrrpV6(u8),
    /// `00-00-5E-00-00-{VHID}`: the source ucarp uses for its adverts.
    Ucarp(u8),
}

impl MacAddr {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    /// `00:00:00:00:00:00`.
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// Build from a slice of exactly six bytes.
    pub fn from_slice(b: &[u8]) -> Option<MacAddr> {
        <[u8; 6]>::try_from(b).ok().map(MacAddr)
    }

    /// The six bytes.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Group bit set (multicast or broadcast).
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }

    /// All ones.
    pub const fn is_broadcast(&self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// Individual (not group) address.
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// VRRP virtual router MAC for IPv4: `00-00-5E-00-01-{VRID}`.
    /// The modified EUI-64 interface identifier of this MAC (RFC 4291 appendix A): the
    /// universal/local bit flipped and ff:fe in the middle.
    pub fn eui64(&self) -> [u8; 8] {
        let m = self.0;
        [m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]]
    }

    /// The link-local address a kernel forms from this MAC: fe80:: and the EUI-64 interface
    /// identifier (RFC 4291 §2.5.1).
    pub fn link_local(&self) -> std::net::Ipv6Addr {
        let mut o = [0u8; 16];
        o[..2].copy_from_slice(&[0xfe, 0x80]);
        o[8..].copy_from_slice(&self.eui64());
        std::net::Ipv6Addr::from(o)
    }

    pub const fn vrrp_v4(vrid: u8) -> MacAddr {
        MacAddr([0x00, 0x00, 0x5e, 0x00, 0x01, vrid])
    }

    /// VRRP virtual router MAC for IPv6: `00-00-5E-00-02-{VRID}`.
    pub const fn vrrp_v6(vrid: u8) -> MacAddr {
        MacAddr([0x00, 0x00, 0x5e, 0x00, 0x02, vrid])
    }

    /// The source MAC ucarp uses: `00-00-5E-00-00-{VHID}`.
    pub const fn ucarp(vhid: u8) -> MacAddr {
        MacAddr([0x00, 0x00, 0x5e, 0x00, 0x00, vhid])
    }

    /// Classify an address of the `00-00-5E-00-0{0,1,2}-xx` virtual-router ranges.
    pub const fn virtual_mac(&self) -> Option<VirtualMac> {
        match self.0 {
            [0x00, 0x00, 0x5e, 0x00, 0x01, id] => Some(VirtualMac::VrrpV4(id)),
            [0x00, 0x00, 0x5e, 0x00, 0x02, id] => Some(VirtualMac::VrrpV6(id)),
            [0x00, 0x00, 0x5e, 0x00, 0x00, id] => Some(VirtualMac::Ucarp(id)),
            _ => None,
        }
    }

    /// Ethernet group address of an IPv4 multicast group (RFC 1112 §6.4).
    pub const fn ipv4_multicast(group: Ipv4Addr) -> MacAddr {
        let o = group.octets();
        MacAddr([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }

    /// Ethernet group address of an IPv6 multicast group (RFC 2464 §7).
    pub const fn ipv6_multicast(group: Ipv6Addr) -> MacAddr {
        let o = group.octets();
        MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for MacAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Error parsing a MAC address from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address {0:?} (expected six hex octets separated by ':' or '-')")]
pub struct ParseMacError(pub String);

impl FromStr for MacAddr {
    type Err = ParseMacError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMacError(s.to_string());
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for o in out.iter_mut() {
            let p = parts.next().ok_or_else(err)?;
            if p.is_empty() || p.len() > 2 {
                return Err(err());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| err())?;
        }
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(MacAddr(out))
    }
}

/// Length of the Ethernet II header.
pub const HEADER_LEN: usize = 14;

/// A checked view of an Ethernet II header over a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct EthernetFrame<'a> {
    buf: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Check that the header fits; accessors never panic afterwards.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        need(Layer::Ethernet, buf, 0, HEADER_LEN)?;
        Ok(EthernetFrame { buf })
    }

    /// Destination address.
    pub fn dst(&self) -> MacAddr {
        MacAddr([
            self.buf[0],
            self.buf[1],
            self.buf[2],
            self.buf[3],
            self.buf[4],
            self.buf[5],
        ])
    }

    /// Source address.
    pub fn src(&self) -> MacAddr {
        MacAddr([
            self.buf[6],
            self.buf[7],
            self.buf[8],
            self.buf[9],
            self.buf[10],
            self.buf[11],
        ])
    }

    /// EtherType (or 802.3 length when below 0x0600).
    pub fn ethertype(&self) -> u16 {
        u16::from_be_bytes([self.buf[12], self.buf[13]])
    }

    /// Bytes after the header.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

/// Parsed Ethernet II header, also used to emit one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EthernetRepr {
    /// Source address.
    pub src: MacAddr,
    /// Destination address.
    pub dst: MacAddr,
    /// EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Parse the header of a checked frame.
    pub fn parse(frame: &EthernetFrame<'_>) -> Self {
        EthernetRepr {
            src: frame.src(),
            dst: frame.dst(),
            ethertype: frame.ethertype(),
        }
    }

    /// Append the 14-byte header.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dst.0);
        out.extend_from_slice(&self.src.0);
        out.extend_from_slice(&self.ethertype.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_text_round_trip() {
        let m: MacAddr = "00:00:5E:00:01:33".parse().unwrap();
        assert_eq!(m, MacAddr::vrrp_v4(0x33));
        assert_eq!(m.to_string(), "00:00:5e:00:01:33");
        assert_eq!(
            "00-00-5e-00-02-07".parse::<MacAddr>().unwrap(),
            MacAddr::vrrp_v6(7)
        );
        for bad in [
            "",
            "00:00:5e:00:01",
            "00:00:5e:00:01:33:44",
            "0g:00:00:00:00:00",
            "000:0:0:0:0:0",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"00:00:5e:00:01:33\"");
    }

    #[test]
    fn mac_classes() {
        assert!(MacAddr::BROADCAST.is_broadcast() && MacAddr::BROADCAST.is_multicast());
        assert_eq!(
            MacAddr::vrrp_v4(9).virtual_mac(),
            Some(VirtualMac::VrrpV4(9))
        );
        assert_eq!(
            MacAddr::vrrp_v6(9).virtual_mac(),
            Some(VirtualMac::VrrpV6(9))
        );
        assert_eq!(MacAddr::ucarp(9).virtual_mac(), Some(VirtualMac::Ucarp(9)));
        assert_eq!(MacAddr([2, 0, 0x5e, 0, 1, 1]).virtual_mac(), None);
        assert_eq!(
            MacAddr::ipv4_multicast(Ipv4Addr::new(224, 0, 0, 18)),
            MacAddr([1, 0, 0x5e, 0, 0, 0x12])
        );
        assert_eq!(
            MacAddr::ipv4_multicast(Ipv4Addr::new(239, 129, 2, 3)),
            MacAddr([1, 0, 0x5e, 1, 2, 3])
        );
        assert_eq!(
            MacAddr::ipv6_multicast("ff02::12".parse().unwrap()),
            MacAddr([0x33, 0x33, 0, 0, 0, 0x12])
        );
    }

    #[test]
    fn header_both_ways() {
        let bytes = [
            0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x08, 0x00,
            0xaa,
        ];
        let f = EthernetFrame::new_checked(&bytes).unwrap();
        let r = EthernetRepr::parse(&f);
        assert_eq!(r.dst, MacAddr([1, 0, 0x5e, 0, 0, 0x12]));
        assert_eq!(r.src, MacAddr::vrrp_v4(0x33));
        assert_eq!(r.ethertype, ethertype::IPV4);
        assert_eq!(f.payload(), &[0xaa]);
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(&out[..], &bytes[..14]);
        for n in 0..14 {
            assert!(EthernetFrame::new_checked(&bytes[..n]).is_err());
        }
    }
}
