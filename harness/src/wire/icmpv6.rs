//! ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861) and MLD (RFC 2710, RFC 3810) bodies.
//! The checksum is verified with the IPv6 pseudo-header and reported, never used to reject.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Message body                          |
//! ```
//! RS (133): reserved(4), options. RA (134): cur hop limit, flags (M, O, ...), router lifetime,
//! reachable time(4), retrans timer(4), options. NS (135): reserved(4), target(16), options.
//! NA (136): R|S|O flags + reserved(4), target(16), options. Redirect (137): reserved(4),
//! target(16), destination(16), options. Options are (type, length in 8-octet units, data);
//! a zero length makes the whole message invalid (RFC 4861 §4.6).
//!
//! MLD: query (130), v1 report (131), done (132): max response delay(2), reserved(2),
//! multicast address(16); a query of 28+ bytes is MLDv2 (S|QRV, QQIC, source count, sources).
//! MLDv2 report (143): reserved(2), record count(2), records of (type, aux length, source
//! count, multicast address(16), sources, aux data).

use std::net::Ipv6Addr;

use serde::Serialize;

use super::checksum::{self, ChecksumStatus};
use super::error::{need, ErrorKind, Layer, WireError};
use super::ethernet::MacAddr;
use super::ipv6::next_header::ICMPV6;
use super::small::{Blank, SmallList};

/// ICMPv6 message types this decoder knows.
pub mod types {
    /// Multicast Listener Query.
    pub const MLD_QUERY: u8 = 130;
    /// MLDv1 Report.
    pub const MLD_REPORT: u8 = 131;
    /// MLDv1 Done.
    pub const MLD_DONE: u8 = 132;
    /// Router Solicitation.
    pub const ROUTER_SOLICIT: u8 = 133;
    /// Router Advertisement.
    pub const ROUTER_ADVERT: u8 = 134;
    /// Neighbor Solicitation.
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    /// Neighbor Advertisement.
    pub const NEIGHBOR_ADVERT: u8 = 136;
    /// Redirect.
    pub const REDIRECT: u8 = 137;
    /// MLDv2 Report.
    pub const MLD2_REPORT: u8 = 143;
}

/// NDP option types.
pub mod option {
    /// Source link-layer address.
    pub const SOURCE_LLA: u8 = 1;
    /// Target link-layer address.
    pub const TARGET_LLA: u8 = 2;
    /// Prefix information.
    pub const PREFIX_INFO: u8 = 3;
    /// MTU.
    pub const MTU: u8 = 5;
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A Prefix Information option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PrefixInfo {
    /// Prefix length.
    pub prefix_len: u8,
    /// L flag.
    pub on_link: bool,
    /// A flag.
    pub autonomous: bool,
    /// Valid lifetime, seconds.
    pub valid_lifetime: u32,
    /// Preferred lifetime, seconds.
    pub preferred_lifetime: u32,
    /// Prefix.
    pub prefix: Ipv6Addr,
}

impl Blank for PrefixInfo {
    const BLANK: Self = PrefixInfo {
        prefix_len: 0,
        on_link: false,
        autonomous: false,
        valid_lifetime: 0,
        preferred_lifetime: 0,
        prefix: Ipv6Addr::UNSPECIFIED,
    };
}

/// The options of an NDP message that the checks use; others are counted by type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NdpOptions {
    /// First Source Link-Layer Address option (6-byte address).
    pub source_lla: Option<MacAddr>,
    /// First Target Link-Layer Address option (6-byte address).
    pub target_lla: Option<MacAddr>,
    /// MTU option.
    pub mtu: Option<u32>,
    /// Prefix Information options.
    pub prefixes: SmallList<PrefixInfo, 2>,
    /// Types of the other options, in order.
    pub other: SmallList<u8, 4>,
}

fn parse_options(buf: &[u8], base: usize) -> Result<NdpOptions, WireError> {
    let mut o = NdpOptions::default();
    let mut i = 0;
    while i < buf.len() {
        let err = |off: usize, k: ErrorKind| WireError::new(Layer::Ndp, base + off, k);
        need(Layer::Ndp, buf, i, 2).map_err(|e| e.at(base))?;
        let ty = buf[i];
        let len = usize::from(buf[i + 1]) * 8;
        if len == 0 {
            return Err(err(i, ErrorKind::ZeroLengthOption));
        }
        need(Layer::Ndp, buf, i, len).map_err(|e| e.at(base))?;
        let d = &buf[i..i + len];
        match ty {
            option::SOURCE_LLA | option::TARGET_LLA => {
                // len >= 8 here, so the 6 address bytes are present.
                let mac = MacAddr::from_slice(&d[2..8]);
                let slot = if ty == option::SOURCE_LLA {
                    &mut o.source_lla
                } else {
                    &mut o.target_lla
                };
                if slot.is_none() {
                    *slot = mac;
                }
            }
            option::PREFIX_INFO => {
                if len < 32 {
                    return Err(err(
                        i,
                        ErrorKind::Invalid("prefix information option shorter than 32 bytes"),
                    ));
                }
                o.prefixes.push(PrefixInfo {
                    prefix_len: d[2],
                    on_link: d[3] & 0x80 != 0,
                    autonomous: d[3] & 0x40 != 0,
                    valid_lifetime: be32(&d[4..]),
                    preferred_lifetime: be32(&d[8..]),
                    prefix: v6(&d[16..]),
                });
            }
            option::MTU => o.mtu = Some(be32(&d[4..])),
            t => o.other.push(t),
        }
        i += len;
    }
    Ok(o)
}

/// The Neighbor Discovery messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Ndp {
    /// Router Solicitation.
    RouterSolicit {
        /// Options.
        options: NdpOptions,
    },
    /// Router Advertisement.
    RouterAdvert {
        /// Current hop limit.
        cur_hop_limit: u8,
        /// M flag.
        managed: bool,
        /// O flag.
        other_config: bool,
        /// The whole flags octet.
        flags: u8,
        /// Router lifetime, seconds (0: not a default router).
        router_lifetime: u16,
        /// Reachable time, ms.
        reachable_time: u32,
        /// Retransmission timer, ms.
        retrans_timer: u32,
        /// Options.
        options: NdpOptions,
    },
    /// Neighbor Solicitation.
    NeighborSolicit {
        /// Target address.
        target: Ipv6Addr,
        /// Options.
        options: NdpOptions,
    },
    /// Neighbor Advertisement.
    NeighborAdvert {
        /// R flag: the sender is a router.
        router: bool,
        /// S flag: in response to a solicitation.
        solicited: bool,
        /// O flag: override an existing cache entry.
        override_flag: bool,
        /// Target address.
        target: Ipv6Addr,
        /// Options.
        options: NdpOptions,
    },
    /// Redirect.
    Redirect {
        /// Better first hop.
        target: Ipv6Addr,
        /// Destination being redirected.
        destination: Ipv6Addr,
        /// Options.
        options: NdpOptions,
    },
}

impl Ndp {
    /// The options of any NDP message.
    pub fn options(&self) -> &NdpOptions {
        match self {
            Ndp::RouterSolicit { options }
            | Ndp::RouterAdvert { options, .. }
            | Ndp::NeighborSolicit { options, .. }
            | Ndp::NeighborAdvert { options, .. }
            | Ndp::Redirect { options, .. } => options,
        }
    }
}

/// An NDP message with its ICMPv6 envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NdpMessage {
    /// ICMPv6 code (0 for valid NDP).
    pub code: u8,
    /// Checksum `Good` or `Bad`.
    pub checksum_status: ChecksumStatus,
    /// The message.
    pub message: Ndp,
}

/// Kind of MLD message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MldKind {
    /// Multicast Listener Query (v1 or v2 by length).
    Query,
    /// MLDv1 Report.
    ReportV1,
    /// MLDv1 Done.
    Done,
    /// MLDv2 Report.
    ReportV2,
}

/// One group record of an MLDv2 or IGMPv3 report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct GroupRecord<A> {
    /// Record type (1 MODE_IS_INCLUDE ... 6 BLOCK_OLD_SOURCES).
    pub record_type: u8,
    /// Multicast address.
    pub group: A,
    /// Number of sources.
    pub num_sources: u16,
}

impl<A: Blank> Blank for GroupRecord<A> {
    const BLANK: Self = GroupRecord {
        record_type: 0,
        group: A::BLANK,
        num_sources: 0,
    };
}

/// An MLD message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MldMessage {
    /// Kind.
    pub kind: MldKind,
    /// 1 or 2.
    pub version: u8,
    /// Checksum `Good` or `Bad`.
    pub checksum_status: ChecksumStatus,
    /// Maximum response code (queries).
    pub max_resp: u16,
    /// Multicast address field (unspecified for an MLDv2 report or a general query).
    pub group: Ipv6Addr,
    /// Number of records an MLDv2 report declares.
    pub num_records: u16,
    /// MLDv2 report records.
    pub records: SmallList<GroupRecord<Ipv6Addr>, 4>,
}

/// What an ICMPv6 message carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Icmpv6 {
    /// Neighbor Discovery.
    Ndp(NdpMessage),
    /// MLD.
    Mld(MldMessage),
    /// Any other type.
    Other {
        /// Type.
        icmp_type: u8,
        /// Code.
        code: u8,
        /// Checksum `Good` or `Bad`.
        checksum_status: ChecksumStatus,
    },
}

/// Parse an ICMPv6 message (the upper-layer bytes) sent from `src` to `dst`.
pub fn parse(buf: &[u8], src: Ipv6Addr, dst: Ipv6Addr) -> Result<Icmpv6, WireError> {
    need(Layer::Icmpv6, buf, 0, 4)?;
    let ty = buf[0];
    let code = buf[1];
    let ph = checksum::pseudo_v6(src, dst, ICMPV6, buf.len());
    let checksum_status = ChecksumStatus::from_bool(checksum::verifies(checksum::sum(buf) + ph));
    let ndp = |message| {
        Ok(Icmpv6::Ndp(NdpMessage {
            code,
            checksum_status,
            message,
        }))
    };
    use types::*;
    match ty {
        ROUTER_SOLICIT => {
            need(Layer::Ndp, buf, 0, 8)?;
            ndp(Ndp::RouterSolicit {
                options: parse_options(&buf[8..], 8)?,
            })
        }
        ROUTER_ADVERT => {
            need(Layer::Ndp, buf, 0, 16)?;
            ndp(Ndp::RouterAdvert {
                cur_hop_limit: buf[4],
                managed: buf[5] & 0x80 != 0,
                other_config: buf[5] & 0x40 != 0,
                flags: buf[5],
                router_lifetime: u16::from_be_bytes([buf[6], buf[7]]),
                reachable_time: be32(&buf[8..]),
                retrans_timer: be32(&buf[12..]),
                options: parse_options(&buf[16..], 16)?,
            })
        }
        NEIGHBOR_SOLICIT => {
            need(Layer::Ndp, buf, 0, 24)?;
            ndp(Ndp::NeighborSolicit {
                target: v6(&buf[8..]),
                options: parse_options(&buf[24..], 24)?,
            })
        }
        NEIGHBOR_ADVERT => {
            need(Layer::Ndp, buf, 0, 24)?;
            ndp(Ndp::NeighborAdvert {
                router: buf[4] & 0x80 != 0,
                solicited: buf[4] & 0x40 != 0,
                override_flag: buf[4] & 0x20 != 0,
                target: v6(&buf[8..]),
                options: parse_options(&buf[24..], 24)?,
            })
        }
        REDIRECT => {
            need(Layer::Ndp, buf, 0, 40)?;
            ndp(Ndp::Redirect {
                target: v6(&buf[8..]),
                destination: v6(&buf[24..]),
                options: parse_options(&buf[40..], 40)?,
            })
        }
        MLD_QUERY | MLD_REPORT | MLD_DONE => {
            need(Layer::Mld, buf, 0, 24)?;
            let kind = match ty {
                MLD_QUERY => MldKind::Query,
                MLD_REPORT => MldKind::ReportV1,
                _ => MldKind::Done,
            };
            Ok(Icmpv6::Mld(MldMessage {
                kind,
                version: if ty == MLD_QUERY && buf.len() >= 28 {
                    2
                } else {
                    1
                },
                checksum_status,
                max_resp: u16::from_be_bytes([buf[4], buf[5]]),
                group: v6(&buf[8..]),
                num_records: 0,
                records: SmallList::new(),
            }))
        }
        MLD2_REPORT => {
            need(Layer::Mld, buf, 0, 8)?;
            let n = u16::from_be_bytes([buf[6], buf[7]]);
            let mut records = SmallList::new();
            let mut i = 8;
            for _ in 0..n {
                need(Layer::Mld, buf, i, 20)?;
                let aux = usize::from(buf[i + 1]) * 4;
                let ns = u16::from_be_bytes([buf[i + 2], buf[i + 3]]);
                let rlen = 20 + usize::from(ns) * 16 + aux;
                need(Layer::Mld, buf, i, rlen)?;
                records.push(GroupRecord {
                    record_type: buf[i],
                    group: v6(&buf[i + 4..]),
                    num_sources: ns,
                });
                i += rlen;
            }
            Ok(Icmpv6::Mld(MldMessage {
                kind: MldKind::ReportV2,
                version: 2,
                checksum_status,
                max_resp: 0,
                group: Ipv6Addr::UNSPECIFIED,
                num_records: n,
                records,
            }))
        }
        _ => Ok(Icmpv6::Other {
            icmp_type: ty,
            code,
            checksum_status,
        }),
    }
}

/// Write the ICMPv6 checksum into `msg` (bytes 2..4), for a message from `src` to `dst`.
/// Does nothing if `msg` is shorter than 4 bytes.
pub fn fill_checksum(msg: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr) {
    if msg.len() < 4 {
        return;
    }
    msg[2] = 0;
    msg[3] = 0;
    let ck = checksum::compute(msg, checksum::pseudo_v6(src, dst, ICMPV6, msg.len()));
    msg[2..4].copy_from_slice(&ck.to_be_bytes());
}

/// A Neighbor Advertisement to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NaRepr {
    /// R flag.
    pub router: bool,
    /// S flag.
    pub solicited: bool,
    /// O flag.
    pub override_flag: bool,
    /// Target.
    pub target: Ipv6Addr,
    /// Target link-layer address option.
    pub target_lla: Option<MacAddr>,
}

impl NaRepr {
    /// Append the message with the checksum left zero (see [`fill_checksum`]).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let flags = (u8::from(self.router) << 7)
            | (u8::from(self.solicited) << 6)
            | (u8::from(self.override_flag) << 5);
        out.extend_from_slice(&[types::NEIGHBOR_ADVERT, 0, 0, 0, flags, 0, 0, 0]);
        out.extend_from_slice(&self.target.octets());
        if let Some(m) = self.target_lla {
            out.extend_from_slice(&[option::TARGET_LLA, 1]);
            out.extend_from_slice(&m.0);
        }
    }
}

/// A Neighbor Solicitation to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsRepr {
    /// Target.
    pub target: Ipv6Addr,
    /// Source link-layer address option (absent for DAD).
    pub source_lla: Option<MacAddr>,
}

impl NsRepr {
    /// Append the message with the checksum left zero (see [`fill_checksum`]).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[types::NEIGHBOR_SOLICIT, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&self.target.octets());
        if let Some(m) = self.source_lla {
            out.extend_from_slice(&[option::SOURCE_LLA, 1]);
            out.extend_from_slice(&m.0);
        }
    }
}

/// The solicited-node multicast address of `a` (ff02::1:ffXX:XXXX).
pub fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// Router Solicitation from a veth, fe80::685a:3eff:feb9:7f44 -> ff02::2.
    const RS: [u8; 16] = [
        0x85, 0x00, 0x2e, 0x7e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x6a, 0x5a, 0x3e, 0xb9, 0x7f,
        0x44,
    ];

    #[test]
    fn real_router_solicit() {
        let m = parse(&RS, ll("fe80::685a:3eff:feb9:7f44"), ll("ff02::2")).unwrap();
        let Icmpv6::Ndp(n) = m else { panic!("{m:?}") };
        assert_eq!(n.checksum_status, ChecksumStatus::Good);
        assert_eq!(
            n.message,
            Ndp::RouterSolicit {
                options: NdpOptions {
                    source_lla: Some(MacAddr([0x6a, 0x5a, 0x3e, 0xb9, 0x7f, 0x44])),
                    ..Default::default()
                }
            }
        );
        // Wrong pseudo-header: bad checksum, still decoded.
        let m = parse(&RS, ll("fe80::1"), ll("ff02::2")).unwrap();
        let Icmpv6::Ndp(n) = m else { panic!() };
        assert_eq!(n.checksum_status, ChecksumStatus::Bad);
    }

    /// MLDv2 report from a veth: one record, CHANGE_TO_EXCLUDE ff02::1:ffe5:9f47.
    const MLD2: [u8; 28] = [
        0x8f, 0x00, 0x7a, 0x7b, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0xe5, 0x9f, 0x47,
    ];

    #[test]
    fn real_mldv2_report() {
        let m = parse(&MLD2, ll("fe80::c033:f7ff:fee5:9f47"), ll("ff02::16")).unwrap();
        let Icmpv6::Mld(m) = m else { panic!("{m:?}") };
        assert_eq!(m.kind, MldKind::ReportV2);
        assert_eq!(m.checksum_status, ChecksumStatus::Good);
        assert_eq!(m.num_records, 1);
        assert_eq!(
            &m.records[..],
            &[GroupRecord {
                record_type: 4,
                group: ll("ff02::1:ffe5:9f47"),
                num_sources: 0
            }]
        );
        for n in 0..MLD2.len() {
            assert!(parse(&MLD2[..n], ll("::"), ll("::")).is_err(), "len {n}");
        }
    }

    #[test]
    fn mldv1_and_query() {
        let src = ll("fe80::1");
        for (ty, kind) in [
            (131, MldKind::ReportV1),
            (132, MldKind::Done),
            (130, MldKind::Query),
        ] {
            let mut b = vec![ty, 0, 0, 0, 0x03, 0xe8, 0, 0];
            b.extend_from_slice(&ll("ff02::12").octets());
            fill_checksum(&mut b, src, ll("ff02::12"));
            let Icmpv6::Mld(m) = parse(&b, src, ll("ff02::12")).unwrap() else {
                panic!()
            };
            assert_eq!((m.kind, m.version, m.max_resp), (kind, 1, 1000));
            assert_eq!(m.group, ll("ff02::12"));
            assert_eq!(m.checksum_status, ChecksumStatus::Good);
        }
        let mut q2 = vec![130, 0, 0, 0, 0x27, 0x10, 0, 0];
        q2.extend_from_slice(&[0; 16]);
        q2.extend_from_slice(&[0x02, 125, 0, 0]);
        let Icmpv6::Mld(m) = parse(&q2, src, ll("ff02::1")).unwrap() else {
            panic!()
        };
        assert_eq!((m.kind, m.version), (MldKind::Query, 2));
    }

    fn ra_bytes() -> Vec<u8> {
        let mut b = vec![
            134, 0, 0, 0, 64, 0xc0, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8,
        ];
        b.extend_from_slice(&[1, 1, 0, 0, 0x5e, 0, 2, 9]); // SLLA = VRRP IPv6 VMAC of VRID 9
        b.extend_from_slice(&[5, 1, 0, 0, 0, 0, 0x05, 0xdc]); // MTU 1500
        b.extend_from_slice(&[
            3, 4, 64, 0xc0, 0, 0x27, 0x8d, 0, 0, 0, 0x38, 0x40, 0, 0, 0, 0,
        ]);
        b.extend_from_slice(&ll("2001:db8:1::").octets());
        b.extend_from_slice(&[25, 3, 0, 0, 0, 0, 0, 60]); // RDNSS, kept as "other"
        b.extend_from_slice(&ll("2001:db8::53").octets());
        b
    }

    #[test]
    fn router_advert_with_options() {
        let (src, dst) = (ll("fe80::5e00:209"), ll("ff02::1"));
        let mut b = ra_bytes();
        fill_checksum(&mut b, src, dst);
        let Icmpv6::Ndp(n) = parse(&b, src, dst).unwrap() else {
            panic!()
        };
        assert_eq!(n.checksum_status, ChecksumStatus::Good);
        let Ndp::RouterAdvert {
            cur_hop_limit,
            managed,
            other_config,
            router_lifetime,
            reachable_time,
            retrans_timer,
            options,
            ..
        } = n.message
        else {
            panic!()
        };
        assert_eq!((cur_hop_limit, managed, other_config), (64, true, true));
        assert_eq!(
            (router_lifetime, reachable_time, retrans_timer),
            (1800, 30000, 1000)
        );
        assert_eq!(options.source_lla, Some(MacAddr::vrrp_v6(9)));
        assert_eq!(options.mtu, Some(1500));
        assert_eq!(
            &options.prefixes[..],
            &[PrefixInfo {
                prefix_len: 64,
                on_link: true,
                autonomous: true,
                valid_lifetime: 2_592_000,
                preferred_lifetime: 14_400,
                prefix: ll("2001:db8:1::"),
            }]
        );
        assert_eq!(&options.other[..], &[25]);
        // Every truncation is an error or a shorter valid message, never a panic; cutting
        // inside an option is always an error.
        for n in 17..b.len() {
            if ![24, 32, 64].contains(&n) {
                assert!(parse(&b[..n], src, dst).is_err(), "len {n}");
            }
        }
        // Zero-length option.
        let mut z = ra_bytes();
        z[17] = 0;
        let e = parse(&z, src, dst).unwrap_err();
        assert_eq!(
            (e.layer, e.offset, e.kind),
            (Layer::Ndp, 16, ErrorKind::ZeroLengthOption)
        );
        // Short prefix option.
        let mut s = ra_bytes();
        s[33] = 1;
        assert!(parse(&s[..40], src, dst).is_err());
    }

    #[test]
    fn neighbor_advert_both_ways() {
        let na = NaRepr {
            router: true,
            solicited: false,
            override_flag: true,
            target: ll("2001:db8::1"),
            target_lla: Some(MacAddr::vrrp_v6(1)),
        };
        let (src, dst) = (ll("fe80::1"), ll("ff02::1"));
        let mut b = Vec::new();
        na.emit(&mut b);
        fill_checksum(&mut b, src, dst);
        assert_eq!(b.len(), 32);
        assert_eq!(&b[..8], &[136, 0, b[2], b[3], 0xa0, 0, 0, 0]);
        let Icmpv6::Ndp(n) = parse(&b, src, dst).unwrap() else {
            panic!()
        };
        assert_eq!(n.checksum_status, ChecksumStatus::Good);
        assert_eq!(
            n.message,
            Ndp::NeighborAdvert {
                router: true,
                solicited: false,
                override_flag: true,
                target: na.target,
                options: NdpOptions {
                    target_lla: Some(MacAddr::vrrp_v6(1)),
                    ..Default::default()
                }
            }
        );
    }

    #[test]
    fn neighbor_solicit_both_ways() {
        let ns = NsRepr {
            target: ll("2001:db8::1"),
            source_lla: Some(MacAddr([2, 0, 0, 0, 0, 1])),
        };
        let src = ll("fe80::2");
        let dst = solicited_node(ns.target);
        assert_eq!(dst, ll("ff02::1:ff00:1"));
        let mut b = Vec::new();
        ns.emit(&mut b);
        fill_checksum(&mut b, src, dst);
        let Icmpv6::Ndp(n) = parse(&b, src, dst).unwrap() else {
            panic!()
        };
        assert_eq!(n.checksum_status, ChecksumStatus::Good);
        assert_eq!(n.message.options().source_lla, ns.source_lla);
        let Ndp::NeighborSolicit { target, .. } = n.message else {
            panic!()
        };
        assert_eq!(target, ns.target);
    }

    #[test]
    fn other_icmpv6() {
        let mut b = vec![128, 0, 0, 0, 0, 1, 0, 1];
        fill_checksum(&mut b, ll("::1"), ll("::1"));
        assert_eq!(
            parse(&b, ll("::1"), ll("::1")).unwrap(),
            Icmpv6::Other {
                icmp_type: 128,
                code: 0,
                checksum_status: ChecksumStatus::Good
            }
        );
    }
}
