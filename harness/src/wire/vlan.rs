//! IEEE 802.1Q VLAN tags and 802.1ad (QinQ) service tags.
//!
//! A tag sits where the EtherType would be: the TPID (0x8100, 0x88a8 or the legacy 0x9100),
//! then the TCI (PCP 3 bits, DEI 1 bit, VID 12 bits), then the next EtherType.

use serde::Serialize;

use super::error::{need, Layer, WireError};
use super::ethernet::ethertype;
use super::small::Blank;

/// Length of one tag after the TPID: TCI + inner EtherType.
pub const TAG_LEN: usize = 4;

/// True for the TPIDs this decoder unwraps.
pub const fn is_tag(ethertype: u16) -> bool {
    matches!(
        ethertype,
        ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_LEGACY
    )
}

/// One VLAN tag, outermost first in [`super::Frame::vlans`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct VlanTag {
    /// Tag protocol identifier: 0x8100 (C-tag), 0x88a8 (S-tag) or 0x9100.
    pub tpid: u16,
    /// Priority code point.
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier (0 = priority tag only).
    pub vid: u16,
}

impl Blank for VlanTag {
    const BLANK: Self = VlanTag {
        tpid: 0,
        pcp: 0,
        dei: false,
        vid: 0,
    };
}

impl VlanTag {
    /// Parse the 4 bytes that follow a TPID: returns the tag and the inner EtherType.
    /// Errors are relative to `buf`.
    pub fn parse(tpid: u16, buf: &[u8]) -> Result<(VlanTag, u16), WireError> {
        need(Layer::Vlan, buf, 0, TAG_LEN)?;
        let tci = u16::from_be_bytes([buf[0], buf[1]]);
        let inner = u16::from_be_bytes([buf[2], buf[3]]);
        Ok((
            VlanTag {
                tpid,
                pcp: (tci >> 13) as u8,
                dei: tci & 0x1000 != 0,
                vid: tci & 0x0fff,
            },
            inner,
        ))
    }

    /// Append TPID and TCI (the caller appends the inner EtherType).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let tci =
            (u16::from(self.pcp & 7) << 13) | (u16::from(self.dei) << 12) | (self.vid & 0x0fff);
        out.extend_from_slice(&self.tpid.to_be_bytes());
        out.extend_from_slice(&tci.to_be_bytes());
    }

    /// A plain 802.1Q tag with priority 0.
    pub const fn dot1q(vid: u16) -> VlanTag {
        VlanTag {
            tpid: ethertype::VLAN,
            pcp: 0,
            dei: false,
            vid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_both_ways() {
        // PCP 5, DEI 1, VID 0x123, inner IPv4.
        let bytes = [0xb1, 0x23, 0x08, 0x00];
        let (t, inner) = VlanTag::parse(0x8100, &bytes).unwrap();
        assert_eq!(
            t,
            VlanTag {
                tpid: 0x8100,
                pcp: 5,
                dei: true,
                vid: 0x123
            }
        );
        assert_eq!(inner, 0x0800);
        let mut out = Vec::new();
        t.emit(&mut out);
        assert_eq!(out, [0x81, 0x00, 0xb1, 0x23]);
        assert!(VlanTag::parse(0x8100, &bytes[..3]).is_err());
        assert!(is_tag(0x88a8) && is_tag(0x8100) && !is_tag(0x0800));
    }
}
