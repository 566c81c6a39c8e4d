//! Decoding errors: which layer, at which byte of the frame, and what is wrong.

use serde::Serialize;

/// The protocol layer a [`WireError`] was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The link type itself (an unsupported capture link type).
    Link,
    /// Ethernet II / IEEE 802.3 header.
    Ethernet,
    /// An 802.1Q or 802.1ad (QinQ) tag.
    Vlan,
    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113).
    Sll,
    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276).
    Sll2,
    /// Raw IP link type: the first nibble is neither 4 nor 6.
    RawIp,
    /// IPv4 header.
    Ipv4,
    /// IPv6 fixed header.
    Ipv6,
    /// An IPv6 extension header.
    Ipv6Ext,
    /// VRRP (version 2 or 3) message.
    Vrrp,
    /// CARP message.
    Carp,
    /// ARP packet.
    Arp,
    /// ICMPv6 header (other than NDP/MLD bodies).
    Icmpv6,
    /// Neighbor Discovery message body or option.
    Ndp,
    /// MLD message body.
    Mld,
    /// IGMP message.
    Igmp,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Layer::Link => "link type",
            Layer::Ethernet => "Ethernet",
            Layer::Vlan => "802.1Q tag",
            Layer::Sll => "Linux SLL",
            Layer::Sll2 => "Linux SLL2",
            Layer::RawIp => "raw IP",
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Ipv6Ext => "IPv6 extension header",
            Layer::Vrrp => "VRRP",
            Layer::Carp => "CARP",
            Layer::Arp => "ARP",
            Layer::Icmpv6 => "ICMPv6",
            Layer::Ndp => "NDP",
            Layer::Mld => "MLD",
            Layer::Igmp => "IGMP",
        };
        f.write_str(s)
    }
}

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Fewer bytes than the header or a length field requires.
    #[error("truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes required from the offset of the error.
        needed: usize,
        /// Bytes present from the offset of the error.
        available: usize,
    },
    /// The capture link type is not one this decoder knows.
    #[error("unsupported link type {0}")]
    UnsupportedLinktype(u32),
    /// A version field holds a value this layer does not accept.
    #[error("unsupported version {0}")]
    BadVersion(u8),
    /// A header length field is smaller than the fixed header or larger than the packet.
    #[error("bad header length {0}")]
    BadHeaderLength(usize),
    /// A total/payload length field disagrees with the header or the bytes present.
    #[error("bad length field {0}")]
    BadLength(usize),
    /// An option (NDP) with length zero, which RFC 4861 §4.6 says to discard.
    #[error("option with length zero")]
    ZeroLengthOption,
    /// Any other structural problem, described.
    #[error("{0}")]
    Invalid(&'static str),
}

/// A malformed frame: the layer, the byte offset from the start of the frame, and what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[error("{layer} at byte {offset}: {kind}")]
pub struct WireError {
    /// Layer that could not be decoded.
    pub layer: Layer,
    /// Offset in bytes from the start of the frame (for captures: of the captured bytes).
    pub offset: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl WireError {
    pub(crate) const fn new(layer: Layer, offset: usize, kind: ErrorKind) -> Self {
        WireError {
            layer,
            offset,
            kind,
        }
    }

    pub(crate) const fn truncated(
        layer: Layer,
        offset: usize,
        needed: usize,
        available: usize,
    ) -> Self {
        WireError::new(layer, offset, ErrorKind::Truncated { needed, available })
    }

    /// Shift a layer-relative error to an offset counted from the start of the frame.
    pub(crate) const fn at(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }
}

/// Check that `buf` holds at least `needed` bytes from `offset`; the error is layer-relative.
#[inline]
pub(crate) fn need(
    layer: Layer,
    buf: &[u8],
    offset: usize,
    needed: usize,
) -> Result<(), WireError> {
    let available = buf.len().saturating_sub(offset);
    if available < needed {
        Err(WireError::truncated(layer, offset, needed, available))
    } else {
        Ok(())
    }
}
