//! Reading captures: pcap (microsecond and nanosecond) and pcapng, told apart by their magic.
//!
//! Timestamps come out as nanoseconds since the UNIX epoch (CLOCK_REALTIME, DESIGN.md "Time").
//!
//! pcapng timestamps are in units of the interface's `if_tsresol` (default 10⁻⁶ s; bit 7 set
//! means a power of two) plus its `if_tsoffset` seconds. pcap-file 2.0.0 does not apply either:
//! it stores the raw 64-bit tick count in a `Duration` as if it were nanoseconds. So this
//! reader takes the raw blocks, reads the ticks itself and converts them with the interface's
//! resolution. It also takes raw pcap records, because pcap-file 2.0.0 rejects a record whose
//! original length exceeds the snapshot length, which every capture taken with `-s` has.
//!
//! The reader lends each packet ([`CaptureReader::next_packet`]); it is also an [`Iterator`]
//! of [`OwnedPacket`]s for convenience. After an error the reader is finished.

use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::path::Path;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::blocks::{
    ENHANCED_PACKET_BLOCK, INTERFACE_DESCRIPTION_BLOCK, PACKET_BLOCK, SECTION_HEADER_BLOCK,
    SIMPLE_PACKET_BLOCK,
};
use pcap_file::pcapng::PcapNgReader;
use pcap_file::{Endianness, PcapError, TsResolution};

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Opening or reading the file.
    #[error("reading capture: {0}")]
    Io(#[from] std::io::Error),
    /// Not a file that can be read as a capture (a directory, a FIFO, a device).
    #[error("{0}")]
    Input(#[from] crate::input::InputError),
    /// The file holds no byte at all.
    #[error("the file is empty (a capture that was never written to?)")]
    Empty,
    /// Neither a pcap nor a pcapng magic number.
    #[error("not a pcap or pcapng file (magic {0:02x?})")]
    UnknownMagic([u8; 4]),
    /// The file ends inside a record (a capture still being written, or cut short).
    #[error("capture ends inside a record after {packets} packets")]
    Truncated {
        /// Packets read before the cut.
        packets: u64,
    },
    /// A structural error in the file.
    #[error("malformed capture after {packets} packets: {message}")]
    Format {
        /// Packets read before the error.
        packets: u64,
        /// What pcap-file or this reader found.
        message: String,
    },
    /// A pcapng packet names an interface with no Interface Description Block.
    #[error("packet {packet} names interface {interface_id}, which is not described")]
    UnknownInterface {
        /// 1-based packet number.
        packet: u64,
        /// The interface id.
        interface_id: u32,
    },
}

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// libpcap format.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// One packet, borrowed from the reader until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapturedPacket<'a> {
    /// 1-based packet number in the file (as Wireshark numbers frames).
    pub number: u64,
    /// Nanoseconds since the UNIX epoch (0 for a pcapng Simple Packet Block, which has none).
    pub ts_ns: i64,
    /// pcapng interface id (0 for pcap).
    pub interface_id: u32,
    /// pcapng `if_name`, when recorded.
    pub interface_name: Option<&'a str>,
    /// LINKTYPE_* of the interface / file.
    pub linktype: u32,
    /// Length on the wire (may exceed `data.len()` when the capture was cut by a snaplen).
    pub orig_len: u32,
    /// Captured bytes.
    pub data: &'a [u8],
}

/// An owned [`CapturedPacket`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPacket {
    /// 1-based packet number.
    pub number: u64,
    /// Nanoseconds since the UNIX epoch.
    pub ts_ns: i64,
    /// pcapng interface id (0 for pcap).
    pub interface_id: u32,
    /// pcapng `if_name`.
    pub interface_name: Option<String>,
    /// LINKTYPE_*.
    pub linktype: u32,
    /// Length on the wire.
    pub orig_len: u32,
    /// Captured bytes.
    pub data: Vec<u8>,
}

impl CapturedPacket<'_> {
    /// Copy into an [`OwnedPacket`].
    pub fn to_owned_packet(&self) -> OwnedPacket {
        OwnedPacket {
            number: self.number,
            ts_ns: self.ts_ns,
            interface_id: self.interface_id,
            interface_name: self.interface_name.map(str::to_owned),
            linktype: self.linktype,
            orig_len: self.orig_len,
            data: self.data.to_vec(),
        }
    }
}

#[derive(Debug, Clone)]
struct Iface {
    linktype: u32,
    name: Option<String>,
    snaplen: u32,
    tsresol: u8,
    tsoffset_s: i64,
}

type Src<R> = Chain<Cursor<[u8; 4]>, R>;

enum Inner<R: Read> {
    Pcap {
        r: PcapReader<Src<R>>,
        linktype: u32,
        nanos: bool,
    },
    Ng {
        r: PcapNgReader<Src<R>>,
    },
}

struct Meta {
    ts_ns: i64,
    interface_id: u32,
    linktype: u32,
    orig_len: u32,
}

/// A pcap or pcapng reader.
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    ifaces: Vec<Iface>,
    buf: Vec<u8>,
    count: u64,
    done: bool,
}

/// Open a capture file, pcap or pcapng.
pub fn open(path: impl AsRef<Path>) -> Result<CaptureReader<File>, CaptureError> {
    let file = crate::input::open_regular(path.as_ref())?;
    CaptureReader::new(file)
}

/// Read every packet of a capture file.
pub fn read_all(path: impl AsRef<Path>) -> Result<Vec<OwnedPacket>, CaptureError> {
    open(path)?.collect()
}

/// Convert pcapng ticks to nanoseconds with `if_tsresol` (RFC-to-be pcapng §4.2): bit 7 clear,
/// units of 10^-n s; set, units of 2^-n s. Saturates rather than overflowing.
pub fn ticks_to_ns(ticks: u64, tsresol: u8) -> i64 {
    let t = u128::from(ticks);
    let ns: u128 = if tsresol & 0x80 == 0 {
        let e = u32::from(tsresol);
        if e <= 9 {
            t * 10u128.pow(9 - e)
        } else {
            10u128.checked_pow(e - 9).map_or(0, |d| t / d)
        }
    } else {
        let e = u32::from(tsresol & 0x7f);
        (t * 1_000_000_000) >> e
    };
    i64::try_from(ns).unwrap_or(i64::MAX)
}

fn rd_u32(b: &[u8], at: usize, big: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if big {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
}

fn rd_u16(b: &[u8], at: usize, big: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if big {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

impl<R: Read> CaptureReader<R> {
    /// Sniff the magic and set up the matching reader.
    pub fn new(mut reader: R) -> Result<Self, CaptureError> {
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < magic.len() {
            match reader.read(&mut magic[got..]) {
                Ok(0) if got == 0 => return Err(CaptureError::Empty),
                Ok(0) => return Err(CaptureError::UnknownMagic(magic)),
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::Io(e)),
            }
        }
        let src = Cursor::new(magic).chain(reader);
        let fmt_err = |e: PcapError| map_err(e, 0);
        let inner = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d] => {
                let r = PcapReader::new(src).map_err(fmt_err)?;
                let h = r.header();
                Inner::Pcap {
                    linktype: u32::from(h.datalink) & 0xffff,
                    nanos: h.ts_resolution == TsResolution::NanoSecond,
                    r,
                }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => Inner::Ng {
                r: PcapNgReader::new(src).map_err(fmt_err)?,
            },
            m => return Err(CaptureError::UnknownMagic(m)),
        };
        Ok(CaptureReader {
            inner,
            ifaces: Vec::new(),
            buf: Vec::with_capacity(2048),
            count: 0,
            done: false,
        })
    }

    /// The file format.
    pub fn format(&self) -> CaptureFormat {
        match self.inner {
            Inner::Pcap { .. } => CaptureFormat::Pcap,
            Inner::Ng { .. } => CaptureFormat::PcapNg,
        }
    }

    /// The next packet, borrowed until the next call; `None` at the end or after an error.
    pub fn next_packet(&mut self) -> Option<Result<CapturedPacket<'_>, CaptureError>> {
        if self.done {
            return None;
        }
        match self.fill() {
            None => {
                self.done = true;
                None
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(e))
            }
            Some(Ok(m)) => {
                self.count += 1;
                let interface_name = match self.inner {
                    Inner::Ng { .. } => self
                        .ifaces
                        .get(m.interface_id as usize)
                        .and_then(|i| i.name.as_deref()),
                    Inner::Pcap { .. } => None,
                };
                Some(Ok(CapturedPacket {
                    number: self.count,
                    ts_ns: m.ts_ns,
                    interface_id: m.interface_id,
                    interface_name,
                    linktype: m.linktype,
                    orig_len: m.orig_len,
                    data: &self.buf,
                }))
            }
        }
    }

    fn fill(&mut self) -> Option<Result<Meta, CaptureError>> {
        let packets = self.count;
        let buf = &mut self.buf;
        match &mut self.inner {
            Inner::Pcap { r, linktype, nanos } => {
                let p = match r.next_raw_packet()? {
                    Ok(p) => p,
                    Err(e) => return Some(Err(map_err(e, packets))),
                };
                buf.clear();
                buf.extend_from_slice(&p.data);
                let frac = i64::from(p.ts_frac) * if *nanos { 1 } else { 1000 };
                Some(Ok(Meta {
                    ts_ns: i64::from(p.ts_sec) * 1_000_000_000 + frac,
                    interface_id: 0,
                    linktype: *linktype,
                    orig_len: p.orig_len,
                }))
            }
            Inner::Ng { r } => loop {
                let big = r.section().endianness == Endianness::Big;
                enum Step {
                    Section,
                    Iface,
                    Packet {
                        iface: u32,
                        ticks: Option<u64>,
                        orig_len: u32,
                    },
                    Skip,
                }
                let step = match r.next_raw_block()? {
                    Err(e) => return Some(Err(map_err(e, packets))),
                    Ok(raw) => {
                        let body: &[u8] = &raw.body;
                        let bad = |what: &str| {
                            Some(Err(CaptureError::Format {
                                packets,
                                message: format!("{what} block too short"),
                            }))
                        };
                        match raw.type_ {
                            SECTION_HEADER_BLOCK => Step::Section,
                            INTERFACE_DESCRIPTION_BLOCK => Step::Iface,
                            ENHANCED_PACKET_BLOCK => {
                                let (Some(id), Some(hi), Some(lo), Some(cap), Some(orig)) = (
                                    rd_u32(body, 0, big),
                                    rd_u32(body, 4, big),
                                    rd_u32(body, 8, big),
                                    rd_u32(body, 12, big),
                                    rd_u32(body, 16, big),
                                ) else {
                                    return bad("enhanced packet");
                                };
                                let Some(data) = body.get(20..20 + cap as usize) else {
                                    return bad("enhanced packet");
                                };
                                buf.clear();
                                buf.extend_from_slice(data);
                                Step::Packet {
                                    iface: id,
                                    ticks: Some((u64::from(hi) << 32) | u64::from(lo)),
                                    orig_len: orig,
                                }
                            }
                            PACKET_BLOCK => {
                                let (Some(id), Some(hi), Some(lo), Some(cap), Some(orig)) = (
                                    rd_u16(body, 0, big),
                                    rd_u32(body, 4, big),
                                    rd_u32(body, 8, big),
                                    rd_u32(body, 12, big),
                                    rd_u32(body, 16, big),
                                ) else {
                                    return bad("packet");
                                };
                                let Some(data) = body.get(20..20 + cap as usize) else {
                                    return bad("packet");
                                };
                                buf.clear();
                                buf.extend_from_slice(data);
                                Step::Packet {
                                    iface: u32::from(id),
                                    ticks: Some((u64::from(hi) << 32) | u64::from(lo)),
                                    orig_len: orig,
                                }
                            }
                            SIMPLE_PACKET_BLOCK => {
                                let Some(orig) = rd_u32(body, 0, big) else {
                                    return bad("simple packet");
                                };
                                // Captured length = min(original length, snaplen); the rest
                                // of the body is padding.
                                let snap = self.ifaces.first().map_or(0, |i| i.snaplen);
                                let mut n = (orig as usize).min(body.len() - 4);
                                if snap != 0 {
                                    n = n.min(snap as usize);
                                }
                                buf.clear();
                                buf.extend_from_slice(&body[4..4 + n]);
                                Step::Packet {
                                    iface: 0,
                                    ticks: None,
                                    orig_len: orig,
                                }
                            }
                            _ => Step::Skip,
                        }
                    }
                };
                match step {
                    Step::Section => self.ifaces.clear(),
                    Step::Iface => {
                        if let Some(idb) = r.interfaces().last() {
                            let mut i = Iface {
                                linktype: u32::from(idb.linktype) & 0xffff,
                                name: None,
                                snaplen: idb.snaplen,
                                tsresol: 6,
                                tsoffset_s: 0,
                            };
                            for o in &idb.options {
                                match o {
                                    InterfaceDescriptionOption::IfName(n) => {
                                        i.name = Some(n.to_string())
                                    }
                                    InterfaceDescriptionOption::IfTsResol(v) => i.tsresol = *v,
                                    InterfaceDescriptionOption::IfTsOffset(v) => {
                                        i.tsoffset_s = *v as i64
                                    }
                                    _ => {}
                                }
                            }
                            self.ifaces.push(i);
                        }
                    }
                    Step::Packet {
                        iface,
                        ticks,
                        orig_len,
                    } => {
                        let Some(i) = self.ifaces.get(iface as usize) else {
                            return Some(Err(CaptureError::UnknownInterface {
                                packet: packets + 1,
                                interface_id: iface,
                            }));
                        };
                        let ts_ns = ticks.map_or(0, |t| {
                            ticks_to_ns(t, i.tsresol)
                                .saturating_add(i.tsoffset_s.saturating_mul(1_000_000_000))
                        });
                        return Some(Ok(Meta {
                            ts_ns,
                            interface_id: iface,
                            linktype: i.linktype,
                            orig_len,
                        }));
                    }
                    Step::Skip => {}
                }
            },
        }
    }
}

fn map_err(e: PcapError, packets: u64) -> CaptureError {
    match e {
        PcapError::IncompleteBuffer => CaptureError::Truncated { packets },
        PcapError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            CaptureError::Truncated { packets }
        }
        PcapError::IoError(e) => CaptureError::Io(e),
        other => CaptureError::Format {
            packets,
            message: other.to_string(),
        },
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Result<OwnedPacket, CaptureError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_packet().map(|r| r.map(|p| p.to_owned_packet()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::time::Duration;

    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter, RawPcapPacket};
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    use pcap_file::pcapng::blocks::simple_packet::SimplePacketBlock;
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::DataLink;

    #[test]
    fn tsresol_conversion() {
        assert_eq!(
            ticks_to_ns(1_700_000_000_123_456, 6),
            1_700_000_000_123_456_000
        );
        assert_eq!(
            ticks_to_ns(1_700_000_000_123_456_789, 9),
            1_700_000_000_123_456_789
        );
        assert_eq!(
            ticks_to_ns(17_000_000_001_234, 4),
            1_700_000_000_123_400_000
        );
        assert_eq!(ticks_to_ns(1_234_567, 12), 1_234);
        assert_eq!(ticks_to_ns(3, 0x80 | 1), 1_500_000_000); // units of 1/2 s
        assert_eq!(ticks_to_ns(1 << 30, 0x80 | 30), 1_000_000_000);
        assert_eq!(ticks_to_ns(u64::MAX, 0), i64::MAX);
        assert_eq!(ticks_to_ns(5, 127), 0);
        assert_eq!(ticks_to_ns(5, 0xff), 0);
    }

    fn pcap_bytes(ts: TsResolution, snaplen: u32, pkts: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let header = PcapHeader {
            ts_resolution: ts,
            snaplen,
            ..Default::default()
        };
        let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
        for &(sec, frac, data, orig) in pkts {
            w.write_raw_packet(&RawPcapPacket {
                ts_sec: sec,
                ts_frac: frac,
                incl_len: data.len() as u32,
                orig_len: orig,
                data: Cow::Borrowed(data),
            })
            .unwrap();
        }
        w.into_writer()
    }

    #[test]
    fn pcap_micro_and_nano() {
        let b = pcap_bytes(
            TsResolution::MicroSecond,
            65535,
            &[(1_700_000_000, 123_456, &[1, 2, 3], 3)],
        );
        let mut r = CaptureReader::new(&b[..]).unwrap();
        assert_eq!(r.format(), CaptureFormat::Pcap);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.ts_ns, 1_700_000_000_123_456_000);
        assert_eq!(
            (p.number, p.linktype, p.interface_id, p.data),
            (1, 1, 0, &[1u8, 2, 3][..])
        );
        assert!(r.next_packet().is_none());
        let b = pcap_bytes(
            TsResolution::NanoSecond,
            65535,
            &[(1_700_000_000, 123_456_789, &[9], 1)],
        );
        let all: Vec<_> = CaptureReader::new(&b[..])
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all[0].ts_ns, 1_700_000_000_123_456_789);
    }

    #[test]
    fn pcap_snaplen_cut_records_are_read() {
        // orig_len 1500 > snaplen 96: pcap-file's checked path would reject this record.
        let data = [0u8; 96];
        let b = pcap_bytes(TsResolution::MicroSecond, 96, &[(1, 0, &data, 1500)]);
        let p = CaptureReader::new(&b[..]).unwrap().next().unwrap().unwrap();
        assert_eq!((p.orig_len, p.data.len()), (1500, 96));
    }

    #[test]
    fn pcap_truncated_file() {
        let b = pcap_bytes(
            TsResolution::MicroSecond,
            65535,
            &[(1, 0, &[1, 2, 3, 4], 4), (2, 0, &[5, 6, 7, 8], 4)],
        );
        let cut = &b[..b.len() - 2];
        let mut r = CaptureReader::new(cut).unwrap();
        assert!(r.next_packet().unwrap().is_ok());
        assert!(matches!(
            r.next_packet(),
            Some(Err(CaptureError::Truncated { packets: 1 }))
        ));
        assert!(r.next_packet().is_none());
    }

    #[test]
    fn bad_magic() {
        assert!(matches!(
            CaptureReader::new(&b"hello world"[..]),
            Err(CaptureError::UnknownMagic(_))
        ));
        assert!(matches!(
            CaptureReader::new(&b"he"[..]),
            Err(CaptureError::UnknownMagic(_))
        ));
    }

    fn idb(
        linktype: DataLink,
        opts: Vec<InterfaceDescriptionOption<'static>>,
    ) -> InterfaceDescriptionBlock<'static> {
        InterfaceDescriptionBlock {
            linktype,
            snaplen: 0,
            options: opts,
        }
    }

    fn epb(iface: u32, ticks: u64, data: &[u8]) -> EnhancedPacketBlock<'_> {
        EnhancedPacketBlock {
            interface_id: iface,
            // pcap-file writes this Duration's nanoseconds as the raw tick count.
            timestamp: Duration::from_nanos(ticks),
            original_len: data.len() as u32,
            data: Cow::Borrowed(data),
            options: vec![],
        }
    }

    fn pcapng_bytes(endianness: Endianness) -> Vec<u8> {
        let mut w = PcapNgWriter::with_endianness(Vec::new(), endianness).unwrap();
        // Interface 0: default resolution (microseconds), named.
        w.write_pcapng_block(idb(
            DataLink::ETHERNET,
            vec![InterfaceDescriptionOption::IfName("br-seg1".into())],
        ))
        .unwrap();
        // Interface 1: nanoseconds, SLL2, with a 10 s offset.
        w.write_pcapng_block(idb(
            DataLink::LINUX_SLL2,
            vec![
                InterfaceDescriptionOption::IfTsResol(9),
                InterfaceDescriptionOption::IfTsOffset(10),
            ],
        ))
        .unwrap();
        w.write_pcapng_block(epb(0, 1_700_000_000_123_456, &[1, 2, 3]))
            .unwrap();
        w.write_pcapng_block(epb(1, 1_700_000_000_123_456_789, &[4, 5]))
            .unwrap();
        w.write_pcapng_block(SimplePacketBlock {
            original_len: 3,
            data: Cow::Borrowed(&[7, 8, 9, 0][..]),
        })
        .unwrap();
        w.into_inner()
    }

    #[test]
    fn pcapng_interfaces_and_resolutions() {
        for e in [Endianness::Little, Endianness::Big] {
            let b = pcapng_bytes(e);
            let mut r = CaptureReader::new(&b[..]).unwrap();
            assert_eq!(r.format(), CaptureFormat::PcapNg);
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.ts_ns, 1_700_000_000_123_456_000);
            assert_eq!(
                (p.interface_id, p.interface_name, p.linktype),
                (0, Some("br-seg1"), 1)
            );
            assert_eq!(p.data, &[1, 2, 3]);
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.ts_ns, 1_700_000_010_123_456_789);
            assert_eq!(
                (p.interface_id, p.interface_name, p.linktype),
                (1, None, 276)
            );
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!((p.number, p.ts_ns, p.data), (3, 0, &[7u8, 8, 9][..]));
            assert!(r.next_packet().is_none());
        }
    }

    #[test]
    fn pcapng_unknown_interface() {
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        w.write_pcapng_block(idb(DataLink::ETHERNET, vec![]))
            .unwrap();
        w.write_pcapng_block(epb(0, 1, &[1])).unwrap();
        let mut b = w.into_inner();
        // Append an EPB naming interface 5 by hand (the writer would refuse).
        let mut blk = Vec::new();
        for v in [6u32, 36, 5, 0, 1, 1, 1] {
            blk.extend_from_slice(&v.to_le_bytes());
        }
        blk.extend_from_slice(&[0xaa, 0, 0, 0]);
        blk.extend_from_slice(&36u32.to_le_bytes());
        b.extend_from_slice(&blk);
        let mut r = CaptureReader::new(&b[..]).unwrap();
        assert!(r.next_packet().unwrap().is_ok());
        assert!(matches!(
            r.next_packet(),
            Some(Err(CaptureError::UnknownInterface {
                packet: 2,
                interface_id: 5
            }))
        ));
    }

    #[test]
    fn pcapng_written_by_pcap_file_writer_has_no_resol_surprise() {
        // A PcapPacket round trip through the pcap writer keeps nanoseconds.
        let mut w = PcapWriter::with_header(
            Vec::new(),
            PcapHeader {
                ts_resolution: TsResolution::NanoSecond,
                ..Default::default()
            },
        )
        .unwrap();
        w.write_packet(&PcapPacket::new(Duration::new(5, 7), 1, &[0]))
            .unwrap();
        let b = w.into_writer();
        let p = CaptureReader::new(&b[..]).unwrap().next().unwrap().unwrap();
        assert_eq!(p.ts_ns, 5_000_000_007);
    }
}
