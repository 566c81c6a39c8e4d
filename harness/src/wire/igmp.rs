//! IGMP versions 1, 2 and 3 (RFC 1112, RFC 2236, RFC 3376). The checksum covers the whole
//! IGMP message and is reported, never used to reject.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      | Max Resp Time |           Checksum            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Group Address                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Types: 0x11 query (v1 if 8 bytes and max resp 0, v2 if 8 bytes, v3 if 12 or more),
//! 0x12 v1 report, 0x16 v2 report, 0x17 leave, 0x22 v3 report (reserved(2), record count(2),
//! records of (type, aux words, source count, group, sources, aux data)).

use std::net::Ipv4Addr;

use serde::Serialize;

use super::checksum::{self, ChecksumStatus};
use super::error::{need, Layer, WireError};
use super::icmpv6::GroupRecord;
use super::small::SmallList;

/// IP protocol number of IGMP.
pub const PROTO: u8 = 2;

/// Kind of IGMP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IgmpKind {
    /// Membership query (0x11).
    Query,
    /// v1 membership report (0x12).
    ReportV1,
    /// v2 membership report (0x16).
    ReportV2,
    /// v2 leave group (0x17).
    Leave,
    /// v3 membership report (0x22).
    ReportV3,
    /// Another type.
    Other(u8),
}

/// An IGMP message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgmpMessage {
    /// Kind.
    pub kind: IgmpKind,
    /// 1, 2 or 3 (queries: inferred from length and max resp time, RFC 3376 §7.1).
    pub version: u8,
    /// Max response code.
    pub max_resp: u8,
    /// Checksum `Good` or `Bad`.
    pub checksum_status: ChecksumStatus,
    /// Group address field (0.0.0.0 for a v3 report or a general query).
    pub group: Ipv4Addr,
    /// Number of records a v3 report declares.
    pub num_records: u16,
    /// v3 report records.
    pub records: SmallList<GroupRecord<Ipv4Addr>, 4>,
}

fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

/// Parse an IGMP message (the IPv4 payload).
pub fn parse(buf: &[u8]) -> Result<IgmpMessage, WireError> {
    need(Layer::Igmp, buf, 0, 8)?;
    let checksum_status = ChecksumStatus::from_bool(checksum::verifies(checksum::sum(buf)));
    let ty = buf[0];
    let max_resp = buf[1];
    let mut m = IgmpMessage {
        kind: IgmpKind::Other(ty),
        version: 2,
        max_resp,
        checksum_status,
        group: v4(&buf[4..]),
        num_records: 0,
        records: SmallList::new(),
    };
    match ty {
        0x11 => {
            m.kind = IgmpKind::Query;
            m.version = match (buf.len(), max_resp) {
                (8, 0) => 1,
                (8, _) => 2,
                (9..=11, _) => 2,
                _ => 3,
            };
        }
        0x12 => {
            m.kind = IgmpKind::ReportV1;
            m.version = 1;
        }
        0x16 => m.kind = IgmpKind::ReportV2,
        0x17 => m.kind = IgmpKind::Leave,
        0x22 => {
            m.kind = IgmpKind::ReportV3;
            m.version = 3;
            m.group = Ipv4Addr::UNSPECIFIED;
            let n = u16::from_be_bytes([buf[6], buf[7]]);
            m.num_records = n;
            let mut i = 8;
            for _ in 0..n {
                need(Layer::Igmp, buf, i, 8)?;
                let aux = usize::from(buf[i + 1]) * 4;
                let ns = u16::from_be_bytes([buf[i + 2], buf[i + 3]]);
                let rlen = 8 + usize::from(ns) * 4 + aux;
                need(Layer::Igmp, buf, i, rlen)?;
                m.records.push(GroupRecord {
                    record_type: buf[i],
                    group: v4(&buf[i + 4..]),
                    num_sources: ns,
                });
                i += rlen;
            }
        }
        _ => {}
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IGMPv3 report from a veth: CHANGE_TO_EXCLUDE 224.0.0.18 (ucarp joining the group).
    const V3_REPORT: [u8; 16] = [
        0x22, 0x00, 0xf9, 0xeb, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00,
        0x12,
    ];

    #[test]
    fn real_v3_report() {
        let m = parse(&V3_REPORT).unwrap();
        assert_eq!((m.kind, m.version), (IgmpKind::ReportV3, 3));
        assert_eq!(m.checksum_status, ChecksumStatus::Good);
        assert_eq!(
            &m.records[..],
            &[GroupRecord {
                record_type: 4,
                group: Ipv4Addr::new(224, 0, 0, 18),
                num_sources: 0
            }]
        );
        for n in 0..V3_REPORT.len() {
            assert!(parse(&V3_REPORT[..n]).is_err(), "len {n}");
        }
    }

    fn msg(ty: u8, mr: u8, group: [u8; 4]) -> Vec<u8> {
        let mut b = vec![ty, mr, 0, 0, group[0], group[1], group[2], group[3]];
        let ck = checksum::compute(&b, 0);
        b[2..4].copy_from_slice(&ck.to_be_bytes());
        b
    }

    #[test]
    fn v1_v2_kinds() {
        let g = [224, 0, 0, 18];
        let cases = [
            (msg(0x11, 0, [0; 4]), IgmpKind::Query, 1),
            (msg(0x11, 100, [0; 4]), IgmpKind::Query, 2),
            (msg(0x12, 0, g), IgmpKind::ReportV1, 1),
            (msg(0x16, 0, g), IgmpKind::ReportV2, 2),
            (msg(0x17, 0, g), IgmpKind::Leave, 2),
            (msg(0x99, 0, g), IgmpKind::Other(0x99), 2),
        ];
        for (b, kind, version) in cases {
            let m = parse(&b).unwrap();
            assert_eq!((m.kind, m.version), (kind, version));
            assert_eq!(m.checksum_status, ChecksumStatus::Good);
        }
        let mut q3 = msg(0x11, 100, [0; 4]);
        q3.extend_from_slice(&[0x02, 125, 0, 0]);
        assert_eq!(parse(&q3).unwrap().version, 3);
        let mut bad = msg(0x16, 0, g);
        bad[7] ^= 1;
        assert_eq!(parse(&bad).unwrap().checksum_status, ChecksumStatus::Bad);
    }
}
