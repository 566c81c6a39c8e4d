//! `inject`: crafted frames sent from a node's port, built by the harness's own encoder
//! (`crate::wire::emit`, never vrlabd's). Every frame sent is recorded in `events.jsonl` with
//! the moment it left and its bytes, so the judge tells it apart from what the routers sent
//! and judges the reaction to it: a spoofed advert a receiver must discard must change no
//! state, an ARP request sent at a backup must go unanswered, a stale NA must be repaired.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use crate::events::{now_ns, Fault, Harness, Injection, Recorder, What};
use crate::scenario::{AdvertSpoof, Family, FrameKind, Inject, Scenario, Vrouter};
use crate::topology::{node_mac, Namespace};
use crate::wire::checksum;
use crate::wire::emit::{self, AdvertFrame, AdvertMessage};
use crate::wire::icmpv6::NaRepr;
use crate::wire::ipv4::Ipv4Repr;
use crate::wire::vrrp::{ChecksumMode, VrrpRepr};
use crate::wire::MacAddr;

/// A node's interface on the virtual router's segment, as the frames name it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub node: String,
    pub mac: MacAddr,
    pub v4: Option<Ipv4Addr>,
    /// The kernel's EUI-64 link-local address for `mac`.
    pub link_local: Ipv6Addr,
}

impl Endpoint {
    /// `node`'s interface on `segment`.
    pub fn of(scn: &Scenario, node: &str, segment: &str) -> Option<Endpoint> {
        let ni = scn.nodes.iter().position(|n| n.name == node)?;
        let (ii, iface) = scn.nodes[ni]
            .interfaces
            .iter()
            .enumerate()
            .find(|(_, i)| i.segment == segment)?;
        let mac = node_mac(ni, ii);
        let v4 = iface.addresses.iter().find_map(|a| match a.addr {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        });
        Some(Endpoint {
            node: node.to_string(),
            mac,
            v4,
            link_local: mac.link_local(),
        })
    }
}

/// The frames of one `inject` step (one burst; repeated `count` times).
/// `advertised`: the addresses a conforming advert of `vr` carries, in order.
pub fn frames(
    inj: &Inject,
    vr: &Vrouter,
    advertised: &[IpAddr],
    sender: &Endpoint,
    to: Option<&Endpoint>,
    claim: Option<&Endpoint>,
) -> Vec<Vec<u8>> {
    let to_mac = to.map(|t| t.mac);
    let unicast = |mut f: Vec<u8>| {
        if let Some(m) = to_mac {
            f[..6].copy_from_slice(&m.0);
        }
        f
    };
    let v4s = vr.vips.iter().filter_map(|a| match a {
        IpAddr::V4(v) => Some(*v),
        IpAddr::V6(_) => None,
    });
    let v6s = vr.vips.iter().filter_map(|a| match a {
        IpAddr::V6(v) => Some(*v),
        IpAddr::V4(_) => None,
    });
    match &inj.frame {
        FrameKind::Advert(spoof) => vec![unicast(advert(spoof, vr, advertised, sender))],
        FrameKind::StaleNa { .. } => {
            let c = claim.expect("validated: a stale NA names its claim");
            v6s.map(|vip| stale_na(c, vip)).map(unicast).collect()
        }
        FrameKind::Garp { .. } => {
            let c = claim.expect("validated: a gratuitous ARP names its claim");
            v4s.map(|vip| emit::gratuitous_arp(c.mac, vip))
                .map(unicast)
                .collect()
        }
        FrameKind::ArpRequest => v4s
            .map(|vip| {
                emit::arp_request(sender.mac, sender.v4.unwrap_or(Ipv4Addr::UNSPECIFIED), vip)
            })
            .map(unicast)
            .collect(),
        FrameKind::Ns => v6s
            .map(|vip| emit::neighbor_solicit(sender.mac, sender.link_local, vip))
            .map(unicast)
            .collect(),
        FrameKind::Echo => {
            let dst = to_mac.unwrap_or(vmac(vr));
            vr.vips.iter().map(|vip| echo(sender, dst, *vip)).collect()
        }
    }
}

fn vmac(vr: &Vrouter) -> MacAddr {
    match vr.family {
        Family::Ipv4 => MacAddr::vrrp_v4(vr.vrid),
        Family::Ipv6 => MacAddr::vrrp_v6(vr.vrid),
    }
}

/// An advert of `vr` from the sender's own MAC and address, changed as `spoof` says. The
/// default priority is 254: higher than any backup, so that accepting it would show.
fn advert(spoof: &AdvertSpoof, vr: &Vrouter, advertised: &[IpAddr], sender: &Endpoint) -> Vec<u8> {
    let version = spoof.version.unwrap_or(vr.protocol.version());
    let vrid = spoof.vrid.unwrap_or(vr.vrid);
    let priority = spoof.priority.unwrap_or(254);
    let interval_cs = spoof.interval_cs.unwrap_or(vr.interval_cs);
    let src_ip = match vr.family {
        Family::Ipv4 => IpAddr::V4(sender.v4.unwrap_or(Ipv4Addr::UNSPECIFIED)),
        Family::Ipv6 => IpAddr::V6(sender.link_local),
    };
    let addrs = advertised.to_vec();
    let mut repr = if version == 2 {
        VrrpRepr::v2(vrid, priority, (interval_cs / 100).min(255) as u8, addrs)
    } else {
        VrrpRepr::v3(vrid, priority, interval_cs, addrs)
    };
    repr.version = version;
    if let Some(t) = spoof.vrrp_type {
        repr.vrrp_type = t;
    }
    if let Some(c) = spoof.addresses {
        repr.count = Some(c);
    }
    if let Some(a) = spoof.auth_type {
        repr.auth_type = a;
    }
    let mut frame = AdvertFrame::vrrp_v3(src_ip, vrid, priority, interval_cs, Vec::new());
    frame.src_mac = sender.mac;
    frame.ttl = spoof.ttl.unwrap_or(255);
    frame.message = AdvertMessage::Vrrp(repr.clone());
    if spoof.bad_checksum {
        repr.checksum = ChecksumMode::Fixed(bad_checksum(&frame, &repr));
        frame.message = AdvertMessage::Vrrp(repr);
    }
    match spoof.truncate {
        None => frame.emit(),
        Some(cut) => {
            let mut msg = frame.message_bytes();
            msg.truncate(msg.len().saturating_sub(usize::from(cut)));
            ip_frame(&frame, &msg)
        }
    }
}

/// A checksum that neither reading of RFC 5798 §5.2.8 (with or without the pseudo-header)
/// accepts.
fn bad_checksum(frame: &AdvertFrame, repr: &VrrpRepr) -> u16 {
    let with = |mode: ChecksumMode| {
        let mut f = frame.clone();
        f.message = AdvertMessage::Vrrp(VrrpRepr {
            checksum: mode,
            ..repr.clone()
        });
        let m = f.message_bytes();
        u16::from_be_bytes([m[6], m[7]])
    };
    let (a, b) = (
        with(ChecksumMode::PseudoHeader),
        with(ChecksumMode::MessageOnly),
    );
    let mut bad = a ^ 0x5a5a;
    while bad == a || bad == b {
        bad = bad.wrapping_add(1);
    }
    bad
}

/// The IP frame of an advert around a message given as bytes (a truncated one).
fn ip_frame(f: &AdvertFrame, msg: &[u8]) -> Vec<u8> {
    match (f.src_ip, f.dst_ip) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut r = Ipv4Repr::new(src, dst, crate::wire::vrrp::PROTO, msg.len());
            r.ttl = f.ttl;
            emit::ipv4_frame(f.src_mac, f.dst_mac, &[], &r, msg)
        }
        (src, dst) => {
            let (IpAddr::V6(src), IpAddr::V6(dst)) = (src, dst) else {
                unreachable!("an advert's addresses are of one family");
            };
            let mut r =
                crate::wire::ipv6::Ipv6Repr::new(src, dst, crate::wire::vrrp::PROTO, msg.len());
            r.hop_limit = f.ttl;
            emit::ipv6_frame(f.src_mac, f.dst_mac, &[], &r, msg)
        }
    }
}

/// What a leaving master that keeps the VIP on its own MAC says: an unsolicited NA, O=1,
/// target = the VIP, target link-layer address = its physical MAC, from its physical MAC.
fn stale_na(claim: &Endpoint, vip: Ipv6Addr) -> Vec<u8> {
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    emit::neighbor_advert(
        claim.mac,
        MacAddr::ipv6_multicast(all_nodes),
        claim.link_local,
        all_nodes,
        &NaRepr {
            router: true,
            solicited: false,
            override_flag: true,
            target: vip,
            target_lla: Some(claim.mac),
        },
    )
}

/// An ICMP / ICMPv6 echo request to `vip` at `dst`.
fn echo(sender: &Endpoint, dst: MacAddr, vip: IpAddr) -> Vec<u8> {
    // Identifier 0x7672 ("vr"), sequence 1, 8 bytes of payload.
    let body = [
        0x76, 0x72, 0x00, 0x01, b'v', b'r', b'l', b'a', b'b', 0, 0, 0,
    ];
    match vip {
        IpAddr::V4(v) => {
            let mut msg = vec![8, 0, 0, 0];
            msg.extend_from_slice(&body);
            let c = checksum::compute(&msg, 0);
            msg[2..4].copy_from_slice(&c.to_be_bytes());
            let r = Ipv4Repr::new(sender.v4.unwrap_or(Ipv4Addr::UNSPECIFIED), v, 1, msg.len());
            emit::ipv4_frame(sender.mac, dst, &[], &r, &msg)
        }
        IpAddr::V6(v) => {
            let mut msg = vec![128, 0, 0, 0];
            msg.extend_from_slice(&body);
            emit::icmpv6_frame(sender.mac, dst, sender.link_local, v, 64, msg)
        }
    }
}

/// Opens a raw packet socket inside the node's namespace (each send names its interface).
pub fn open(ns: &Namespace) -> std::io::Result<OwnedFd> {
    ns.run_in(|| {
        let s = socket2::Socket::new(socket2::Domain::PACKET, socket2::Type::RAW, None)?;
        Ok(OwnedFd::from(s))
    })
}

/// Sends `frame` out of interface `ifindex` on a packet socket.
pub(super) fn send_one(fd: &OwnedFd, ifindex: u32, frame: &[u8]) -> std::io::Result<()> {
    // Safety: a zeroed sockaddr_ll is valid; the fields set are plain integers.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_ifindex = ifindex as i32;
    addr.sll_halen = 6;
    addr.sll_addr[..6].copy_from_slice(&frame[..6]);
    // Safety: `frame` and `addr` outlive the call; the lengths are theirs.
    let n = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&addr as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Where an injection comes from and what the judge is to make of it.
pub struct Origin {
    /// Unique in the run: ties the frames to their `inject` event.
    pub id: usize,
    /// The timeline step it runs in.
    pub step: usize,
    /// The lab's own provocation after a change of master, not an `inject` step.
    pub provoked: bool,
    /// The check that judges a receiver's discard, and why.
    pub discard: Option<(crate::checks::Check, String)>,
    /// Sent by the switch out of its port to this node (`Injection::via`).
    pub via: Option<String>,
}

/// Sends the burst `count` times, `every` apart, recording each frame as it leaves.
pub async fn send(
    origin: &Origin,
    inj: &Inject,
    frames: &[Vec<u8>],
    fd: &OwnedFd,
    ifindex: u32,
    rec: &Recorder,
) -> Result<(), String> {
    let (id, discard) = (origin.id, &origin.discard);
    let injection = Fault::Inject(Injection {
        id,
        step: origin.step,
        provoked: origin.provoked,
        node: inj.node.clone(),
        vrouter: inj.vrouter.clone(),
        frame: inj.frame.clone(),
        to: inj.to.clone(),
        via: origin.via.clone(),
        count: inj.count,
        every_ns: inj.every.as_nanos() as u64,
        frames_per_burst: frames.len(),
        discard_check: discard.as_ref().map(|d| d.0.id().to_string()),
        discard_why: discard.as_ref().map(|d| d.1.clone()),
    });
    // The lab's own questions are no fault: checks that look for the next fault must not
    // stop at them.
    rec.harness(if origin.provoked {
        Harness::Provoke(injection)
    } else {
        Harness::Fault(injection)
    });
    for i in 0..inj.count {
        if i > 0 {
            tokio::time::sleep(inj.every).await;
        }
        for f in frames {
            let t = now_ns();
            send_one(fd, ifindex, f).map_err(|e| {
                format!(
                    "inject from {}: sending a {} frame: {e}",
                    inj.node,
                    inj.frame.name()
                )
            })?;
            rec.at(t, What::Harness(Harness::Injected { id, hex: hex(f) }));
        }
    }
    Ok(())
}

/// Lower-case hex of `bytes`, as events record injected frames.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
