//! Receive-side packet checks of RFC 9568 §7.1 / RFC 3768 §7.1 that come
//! before the state machine: TTL, decoding, VRID, version, authentication.
//! Each rejection has a stable name, used as a counter key in `vrlabd status`.

use serde::Serialize;

use super::instance::{Anomaly, RxAdvert};
use crate::packet::{Advertisement, Auth, ChecksumForm, IpPair, ParseError, Version};

/// Hop limit / TTL every advertisement must arrive with (RFC 9568 §5.1.1.3,
/// §5.1.2.3): anything else may have crossed a router.
pub const REQUIRED_TTL: u8 = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    Ttl,
    Short,
    Version,
    Type,
    VridZero,
    CountZero,
    Length,
    Checksum,
    Carp,
    V2OverIpv6,
    UnknownVrid,
    VersionMismatch,
    AuthType,
    AuthData,
    IntervalMismatch,
    AddressMismatch,
    NotLinkLocalFirst,
    OwnAdvert,
    NotAPeer,
}

impl DiscardReason {
    pub const ALL: [DiscardReason; 19] = [
        DiscardReason::Ttl,
        DiscardReason::Short,
        DiscardReason::Version,
        DiscardReason::Type,
        DiscardReason::VridZero,
        DiscardReason::CountZero,
        DiscardReason::Length,
        DiscardReason::Checksum,
        DiscardReason::Carp,
        DiscardReason::V2OverIpv6,
        DiscardReason::UnknownVrid,
        DiscardReason::VersionMismatch,
        DiscardReason::AuthType,
        DiscardReason::AuthData,
        DiscardReason::IntervalMismatch,
        DiscardReason::AddressMismatch,
        DiscardReason::NotLinkLocalFirst,
        DiscardReason::OwnAdvert,
        DiscardReason::NotAPeer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DiscardReason::Ttl => "ttl",
            DiscardReason::Short => "short",
            DiscardReason::Version => "version",
            DiscardReason::Type => "type",
            DiscardReason::VridZero => "vrid_zero",
            DiscardReason::CountZero => "count_zero",
            DiscardReason::Length => "length",
            DiscardReason::Checksum => "checksum",
            DiscardReason::Carp => "carp",
            DiscardReason::V2OverIpv6 => "v2_over_ipv6",
            DiscardReason::UnknownVrid => "unknown_vrid",
            DiscardReason::VersionMismatch => "version_mismatch",
            DiscardReason::AuthType => "auth_type",
            DiscardReason::AuthData => "auth_data",
            DiscardReason::IntervalMismatch => "interval_mismatch",
            DiscardReason::AddressMismatch => "address_mismatch",
            DiscardReason::NotLinkLocalFirst => "not_link_local_first",
            DiscardReason::OwnAdvert => "own_advert",
            DiscardReason::NotAPeer => "not_a_peer",
        }
    }
}

impl From<&ParseError> for DiscardReason {
    fn from(e: &ParseError) -> Self {
        match e {
            ParseError::Short { .. } => DiscardReason::Short,
            ParseError::BadVersion(_) => DiscardReason::Version,
            ParseError::BadType(_) => DiscardReason::Type,
            ParseError::ZeroVrid => DiscardReason::VridZero,
            ParseError::ZeroCount => DiscardReason::CountZero,
            ParseError::LengthMismatch { .. } => DiscardReason::Length,
            ParseError::BadChecksum { .. } => DiscardReason::Checksum,
            ParseError::Carp => DiscardReason::Carp,
            ParseError::V2OverIpv6 => DiscardReason::V2OverIpv6,
        }
    }
}

impl From<Anomaly> for DiscardReason {
    fn from(a: Anomaly) -> Self {
        match a {
            Anomaly::IntervalMismatch | Anomaly::IntervalDiffers => DiscardReason::IntervalMismatch,
            Anomaly::AddressMismatch => DiscardReason::AddressMismatch,
            Anomaly::NotLinkLocalFirst => DiscardReason::NotLinkLocalFirst,
            Anomaly::OwnAdvert => DiscardReason::OwnAdvert,
        }
    }
}

/// A packet as the socket delivered it.
#[derive(Debug, Clone)]
pub struct RxPacket<'a> {
    pub ip: IpPair,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    pub payload: &'a [u8],
}

/// What passed the checks, for the instance with `vrid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub vrid: u8,
    pub advert: RxAdvert,
    pub checksum_form: ChecksumForm,
}

/// Check a received packet. `version_of(vrid)` says which version (and, for
/// VRRPv2, which authentication) the instance with that VRID runs, if any: for a multicast advert, the instance
/// on the interface it came in on; for a unicast one, only an instance that
/// has the sender as a configured peer. A unicast advert no instance expects
/// from that sender is `NotAPeer`: adverts go to the VRRP group (RFC 9568
/// §5.1.1.2, §5.1.2.2) unless the operator has named the peers, and a stranger
/// addressing us directly must not take part in the election.
pub fn check(
    pkt: &RxPacket<'_>,
    version_of: impl Fn(u8) -> Option<(Version, Auth)>,
) -> Result<Accepted, (DiscardReason, Option<u8>)> {
    if pkt.ttl != REQUIRED_TTL {
        return Err((DiscardReason::Ttl, pkt.payload.get(1).copied()));
    }
    let parsed = Advertisement::parse(pkt.payload, &pkt.ip)
        .map_err(|e| (DiscardReason::from(&e), pkt.payload.get(1).copied()))?;
    let adv = parsed.advert;
    let Some((version, auth)) = version_of(adv.vrid) else {
        let reason = if pkt.ip.dst_is_multicast() {
            DiscardReason::UnknownVrid
        } else {
            DiscardReason::NotAPeer
        };
        return Err((reason, Some(adv.vrid)));
    };
    if version != adv.version {
        return Err((DiscardReason::VersionMismatch, Some(adv.vrid)));
    }
    if adv.version == Version::V2 {
        // The Auth Type must be the one configured (RFC 3768 §7.1): none, or
        // RFC 2338's password, whose data must then match (RFC 2338 §7.1).
        if adv.auth_type != auth.type_code() {
            return Err((DiscardReason::AuthType, Some(adv.vrid)));
        }
        if let Auth::Password(p) = auth {
            if adv.auth_data != p {
                return Err((DiscardReason::AuthData, Some(adv.vrid)));
            }
        }
    }
    Ok(Accepted {
        vrid: adv.vrid,
        advert: RxAdvert {
            src: pkt.ip.src(),
            priority: adv.priority,
            interval: adv.interval,
            addresses: adv.addresses,
        },
        checksum_form: parsed.checksum_form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{MCAST_V4, MCAST_V6};
    use std::net::{IpAddr, Ipv4Addr};

    fn ip() -> IpPair {
        IpPair::V4 {
            src: Ipv4Addr::new(10, 0, 0, 2),
            dst: MCAST_V4,
        }
    }

    fn advert(version: Version, vrid: u8) -> Vec<u8> {
        Advertisement {
            version,
            vrid,
            priority: 100,
            interval: if version == Version::V3 { 100 } else { 1 },
            auth_type: 0,
            auth_data: [0; 8],
            addresses: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))],
        }
        .emit(&ip(), ChecksumForm::PseudoHeader)
        .unwrap()
    }

    fn only(vrid: u8, v: Version) -> impl Fn(u8) -> Option<(Version, Auth)> {
        move |x| (x == vrid).then_some((v, Auth::None))
    }

    #[test]
    fn rfc9568_5_1_1_3_ttl_other_than_255_is_discarded() {
        let bytes = advert(Version::V3, 1);
        for ttl in [0, 1, 64, 254] {
            let pkt = RxPacket {
                ip: ip(),
                ttl,
                payload: &bytes,
            };
            assert_eq!(
                check(&pkt, only(1, Version::V3)).unwrap_err().0,
                DiscardReason::Ttl
            );
        }
        let pkt = RxPacket {
            ip: ip(),
            ttl: 255,
            payload: &bytes,
        };
        assert_eq!(check(&pkt, only(1, Version::V3)).unwrap().vrid, 1);
    }

    #[test]
    fn rfc9568_7_1_unknown_vrid_and_version_mismatch_are_discarded() {
        let bytes = advert(Version::V3, 9);
        let pkt = RxPacket {
            ip: ip(),
            ttl: 255,
            payload: &bytes,
        };
        assert_eq!(
            check(&pkt, only(1, Version::V3)).unwrap_err(),
            (DiscardReason::UnknownVrid, Some(9))
        );
        assert_eq!(
            check(&pkt, only(9, Version::V2)).unwrap_err(),
            (DiscardReason::VersionMismatch, Some(9))
        );
    }

    #[test]
    fn rfc9568_5_1_1_2_a_unicast_advert_from_a_stranger_is_discarded() {
        let unicast = IpPair::V4 {
            src: Ipv4Addr::new(10, 0, 0, 66),
            dst: Ipv4Addr::new(10, 0, 0, 1),
        };
        let bytes = Advertisement {
            version: Version::V3,
            vrid: 1,
            priority: 250,
            interval: 100,
            auth_type: 0,
            auth_data: [0; 8],
            addresses: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))],
        }
        .emit(&unicast, ChecksumForm::PseudoHeader)
        .unwrap();
        let pkt = RxPacket {
            ip: unicast,
            ttl: 255,
            payload: &bytes,
        };
        // No instance has 10.0.0.66 as a peer.
        assert_eq!(
            check(&pkt, |_| None).unwrap_err(),
            (DiscardReason::NotAPeer, Some(1))
        );
        // One that has it accepts it.
        assert_eq!(check(&pkt, only(1, Version::V3)).unwrap().vrid, 1);
    }

    #[test]
    fn rfc3768_7_1_auth_type_mismatch_is_discarded() {
        let mut bytes = advert(Version::V2, 1);
        bytes[4] = 1; // simple text password
        let ck = crate::packet::checksum::checksum(&{
            let mut b = bytes.clone();
            b[6] = 0;
            b[7] = 0;
            b
        });
        bytes[6..8].copy_from_slice(&ck.to_be_bytes());
        let pkt = RxPacket {
            ip: ip(),
            ttl: 255,
            payload: &bytes,
        };
        assert_eq!(
            check(&pkt, only(1, Version::V2)).unwrap_err().0,
            DiscardReason::AuthType
        );
    }

    /// A VRRPv2 advert as a router configured with `auth` sends it.
    fn v2_with(auth: Auth) -> Vec<u8> {
        Advertisement {
            version: Version::V2,
            vrid: 1,
            priority: 100,
            interval: 1,
            auth_type: auth.type_code(),
            auth_data: auth.data(),
            addresses: vec!["10.0.0.1".parse().unwrap()],
        }
        .emit(&ip(), ChecksumForm::PseudoHeader)
        .unwrap()
    }

    fn password(p: &str) -> Auth {
        let mut d = [0; 8];
        d[..p.len()].copy_from_slice(p.as_bytes());
        Auth::Password(d)
    }

    #[test]
    fn rfc2338_7_1_a_configured_password_is_required_and_must_match() {
        let with = |auth: Auth| move |x: u8| (x == 1).then_some((Version::V2, auth));
        let ours = password("s3cret");
        let check_of = |bytes: &[u8], auth: Auth| {
            let pkt = RxPacket {
                ip: ip(),
                ttl: 255,
                payload: bytes,
            };
            check(&pkt, with(auth)).map(|a| a.vrid).map_err(|e| e.0)
        };
        // Interoperation with a router sending RFC 2338's password (keepalived's auth_pass).
        assert_eq!(check_of(&v2_with(ours), ours), Ok(1));
        assert_eq!(
            check_of(&v2_with(password("guess")), ours),
            Err(DiscardReason::AuthData)
        );
        // A router without a password does not match one configured with it, either way.
        assert_eq!(
            check_of(&v2_with(Auth::None), ours),
            Err(DiscardReason::AuthType)
        );
        assert_eq!(
            check_of(&v2_with(ours), Auth::None),
            Err(DiscardReason::AuthType)
        );
        // The password round-trips through the codec.
        let parsed = Advertisement::parse(&v2_with(ours), &ip()).unwrap().advert;
        assert_eq!((parsed.auth_type, parsed.auth_data), (1, ours.data()));
    }

    #[test]
    fn codec_errors_map_to_their_counter() {
        let mut bytes = advert(Version::V3, 1);
        bytes[7] ^= 1;
        let pkt = RxPacket {
            ip: ip(),
            ttl: 255,
            payload: &bytes,
        };
        assert_eq!(
            check(&pkt, only(1, Version::V3)).unwrap_err().0,
            DiscardReason::Checksum
        );
        let v6 = IpPair::V6 {
            src: "fe80::1".parse().unwrap(),
            dst: MCAST_V6,
        };
        let pkt = RxPacket {
            ip: v6,
            ttl: 255,
            payload: &bytes[..4],
        };
        assert_eq!(
            check(&pkt, only(1, Version::V3)).unwrap_err().0,
            DiscardReason::Short
        );
    }

    #[test]
    fn every_reason_has_a_distinct_name() {
        let mut names: Vec<_> = DiscardReason::ALL.iter().map(|r| r.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DiscardReason::ALL.len());
    }
}
