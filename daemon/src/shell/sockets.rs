//! Sockets: raw IP (protocol 112) to receive advertisements with their TTL,
//! AF_PACKET to send whole frames from the VMAC, raw IP to send unicast.

use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use crate::packet::checksum::IPPROTO_VRRP;
use crate::packet::{Family, IpPair, MCAST_V4, MCAST_V6};

/// A received advertisement's envelope.
#[derive(Debug, Clone)]
pub struct Received {
    pub ip: IpPair,
    pub ttl: u8,
    /// The interface it arrived on.
    pub ifindex: u32,
    /// When the kernel received it (CLOCK_REALTIME), if it said.
    pub arrival: Option<std::time::SystemTime>,
    /// Where the VRRP message starts and ends in its buffer.
    pub start: usize,
    pub end: usize,
}

fn setsockopt_int(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: value outlives the call and the length matches its type.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const i32).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Receive buffer of the advertisement sockets: with hundreds of virtual
/// routers a burst of adverts must not overflow while the loop is busy.
const RX_BUFFER_BYTES: i32 = 4 << 20;
/// Packets read per system call.
pub const RX_BATCH: usize = 64;
/// Largest advertisement: VRRPv3 over IPv6 with 255 addresses is 4,088
/// bytes of VRRP; IPv4 raw sockets also deliver the IP header.
const RX_SLOT: usize = 4160;
const CMSG_SPACE: usize = 128;

/// Receives protocol 112 of one family on every interface (no device
/// binding: unicast adverts from peers may arrive on any interface). The
/// multicast group is joined per interface; each packet comes with the
/// index of the interface it arrived on.
pub struct RxSocket {
    /// Registered with the reactor (woken by arrivals), or parked: read
    /// only when the loop decides to, and no wake-up for each packet.
    fd: Option<AsyncFd<Socket>>,
    parked: Option<Socket>,
    family: Family,
    bufs: Vec<u8>,
    cmsgs: Vec<u64>,
    names: Vec<libc::sockaddr_in6>,
}

impl RxSocket {
    pub fn open(family: Family) -> io::Result<RxSocket> {
        let proto = Some(Protocol::from(i32::from(IPPROTO_VRRP)));
        let s = match family {
            Family::Ipv4 => {
                let s = Socket::new(Domain::IPV4, Type::RAW, proto)?;
                setsockopt_int(s.as_raw_fd(), libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
                // Our multicast adverts leave by AF_PACKET; never loop others back.
                s.set_multicast_loop_v4(false)?;
                s
            }
            Family::Ipv6 => {
                let s = Socket::new(Domain::IPV6, Type::RAW, proto)?;
                // The hop limit, destination and interface are not in the
                // payload of an IPv6 raw socket: ask for them.
                setsockopt_int(
                    s.as_raw_fd(),
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RECVHOPLIMIT,
                    1,
                )?;
                setsockopt_int(s.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
                s.set_multicast_loop_v6(false)?;
                s
            }
        };
        // SO_RCVBUFFORCE passes the rmem_max limit (we have CAP_NET_ADMIN).
        if setsockopt_int(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            RX_BUFFER_BYTES,
        )
        .is_err()
        {
            let _ = s.set_recv_buffer_size(RX_BUFFER_BYTES as usize);
        }
        // Arrival times: a packet read late is still handled as of when it came.
        setsockopt_int(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
        s.set_nonblocking(true)?;
        // SAFETY: the socket is owned by the AsyncFd and stays open as long as it.
        let fd = unsafe { AsyncFd::register(s) }?;
        Ok(RxSocket {
            fd: Some(fd),
            parked: None,
            family,
            bufs: vec![0; RX_BATCH * RX_SLOT],
            cmsgs: vec![0; RX_BATCH * CMSG_SPACE / 8],
            // SAFETY: sockaddr_in6 is plain data; all-zero is valid.
            names: vec![unsafe { std::mem::zeroed() }; RX_BATCH],
        })
    }

    fn socket(&self) -> &Socket {
        match (&self.fd, &self.parked) {
            (Some(fd), _) => fd.get_ref(),
            (None, Some(s)) => s,
            (None, None) => unreachable!("an RxSocket always holds its socket"),
        }
    }

    /// Stop being woken by arrivals (the socket leaves the reactor's epoll
    /// set: a sender no longer pays a wake-up per packet either).
    pub fn park(&mut self) -> io::Result<()> {
        if let Some(fd) = self.fd.take() {
            self.parked = Some(fd.into_inner());
        }
        Ok(())
    }

    /// Be woken by arrivals again (the reactor reports data already queued).
    pub fn unpark(&mut self) -> io::Result<()> {
        if let Some(s) = self.parked.take() {
            // SAFETY: the socket is owned by the AsyncFd and stays open as long as it.
            self.fd = Some(unsafe { AsyncFd::register(s) }?);
        }
        Ok(())
    }

    pub fn is_parked(&self) -> bool {
        self.fd.is_none()
    }

    /// Join the VRRP group (224.0.0.18 / ff02::12) on an interface.
    pub fn join_vrrp(&self, ifindex: u32) -> io::Result<()> {
        match self.family {
            Family::Ipv4 => self
                .socket()
                .join_multicast_v4_n(&MCAST_V4, &InterfaceIndexOrAddress::Index(ifindex)),
            Family::Ipv6 => self.socket().join_multicast_v6(&MCAST_V6, ifindex),
        }
    }

    pub fn leave_vrrp(&self, ifindex: u32) -> io::Result<()> {
        match self.family {
            Family::Ipv4 => self
                .socket()
                .leave_multicast_v4_n(&MCAST_V4, &InterfaceIndexOrAddress::Index(ifindex)),
            Family::Ipv6 => self.socket().leave_multicast_v6(&MCAST_V6, ifindex),
        }
    }

    /// IPv6: join or leave another group (a VIP's solicited-node group, the
    /// all-routers group), so that the interface and the switches deliver
    /// it when the kernel itself has no reason to.
    pub fn group_v6(&self, group: &Ipv6Addr, ifindex: u32, join: bool) -> io::Result<()> {
        if join {
            self.socket().join_multicast_v6(group, ifindex)
        } else {
            self.socket().leave_multicast_v6(group, ifindex)
        }
    }

    /// Read up to [`RX_BATCH`] packets in one system call, without waiting:
    /// `Err(WouldBlock)` when there is none. Unusable packets (truncated,
    /// no hop limit) are left out of `out`. `data(i)` gives packet i's bytes.
    pub fn recv_batch(&mut self, out: &mut Vec<Received>) -> io::Result<usize> {
        out.clear();
        // SAFETY: all-zero mmsghdr/iovec are valid; every pointer set below
        // refers to a slot of self.bufs / self.cmsgs / self.names, which
        // outlive the call and are not moved during it.
        let mut iovs: [libc::iovec; RX_BATCH] = unsafe { std::mem::zeroed() };
        let mut hdrs: [libc::mmsghdr; RX_BATCH] = unsafe { std::mem::zeroed() };
        for i in 0..RX_BATCH {
            iovs[i] = libc::iovec {
                iov_base: self.bufs[i * RX_SLOT..].as_mut_ptr().cast(),
                iov_len: RX_SLOT,
            };
            let h = &mut hdrs[i].msg_hdr;
            h.msg_iov = &mut iovs[i];
            h.msg_iovlen = 1;
            h.msg_control = self.cmsgs[i * CMSG_SPACE / 8..].as_mut_ptr().cast();
            h.msg_controllen = CMSG_SPACE as _;
            h.msg_name = (&mut self.names[i] as *mut libc::sockaddr_in6).cast();
            h.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        }
        // SAFETY: hdrs describes RX_BATCH valid buffers (see above).
        let n = unsafe {
            libc::recvmmsg(
                self.socket().as_raw_fd(),
                hdrs.as_mut_ptr(),
                RX_BATCH as u32,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        for (i, h) in hdrs.iter().enumerate().take(n) {
            let len = (h.msg_len as usize).min(RX_SLOT);
            let r = match self.family {
                Family::Ipv4 => parse_v4(&self.bufs[i * RX_SLOT..i * RX_SLOT + len], &h.msg_hdr),
                Family::Ipv6 => parse_v6(len, &self.names[i], &h.msg_hdr),
            };
            if let Some(mut r) = r {
                r.start += i * RX_SLOT;
                r.end += i * RX_SLOT;
                out.push(r);
            }
        }
        Ok(n)
    }

    /// The bytes of a packet returned by [`RxSocket::recv_batch`].
    pub fn data(&self, r: &Received) -> &[u8] {
        &self.bufs[r.start..r.end]
    }

    /// Wait until the reactor has seen data arrive (never, while parked);
    /// the flag stays set for [`RxSocket::take_ready`], which clears it
    /// before reading: anything arriving after that raises a new edge.
    pub async fn wait_readable(&self) -> io::Result<()> {
        match &self.fd {
            Some(fd) => fd.readable().await.map(drop),
            None => std::future::pending().await,
        }
    }

    /// Whether the reactor has seen data arrive (no system call); clears
    /// the flag.
    pub fn take_ready(&self) -> bool {
        self.fd.as_ref().is_some_and(take_ready)
    }
}

/// Walk the control messages of a received message.
///
/// SAFETY (for callers): `msg` must describe a control buffer the kernel
/// filled, bounded by msg_controllen.
fn for_each_cmsg(msg: &libc::msghdr, mut f: impl FnMut(i32, i32, *const u8)) {
    // SAFETY: the CMSG_* macros walk the buffer within msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            let h = &*c;
            f(h.cmsg_level, h.cmsg_type, libc::CMSG_DATA(c));
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
}

/// The SCM_TIMESTAMPNS of a received message, if any.
fn arrival_of(level: i32, kind: i32, data: *const u8) -> Option<std::time::SystemTime> {
    if level != libc::SOL_SOCKET || kind != libc::SCM_TIMESTAMPNS {
        return None;
    }
    // SAFETY: an SCM_TIMESTAMPNS message carries a timespec.
    let ts = unsafe { std::ptr::read_unaligned(data as *const libc::timespec) };
    let d = std::time::Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    );
    Some(std::time::UNIX_EPOCH + d)
}

fn parse_v4(pkt: &[u8], msg: &libc::msghdr) -> Option<Received> {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]])).min(pkt.len());
    if ihl < 20 || total < ihl {
        return None;
    }
    let mut ifindex = 0;
    let mut arrival = None;
    for_each_cmsg(msg, |level, kind, data| {
        if let Some(t) = arrival_of(level, kind, data) {
            arrival = Some(t);
        } else if level == libc::IPPROTO_IP && kind == libc::IP_PKTINFO {
            // SAFETY: an IP_PKTINFO message carries an in_pktinfo.
            let info = unsafe { std::ptr::read_unaligned(data as *const libc::in_pktinfo) };
            ifindex = info.ipi_ifindex as u32;
        }
    });
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let dst = Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19]);
    Some(Received {
        ip: IpPair::V4 { src, dst },
        ttl: pkt[8],
        ifindex,
        arrival,
        start: ihl,
        end: total,
    })
}

fn parse_v6(len: usize, src: &libc::sockaddr_in6, msg: &libc::msghdr) -> Option<Received> {
    let mut hop: Option<u8> = None;
    let mut dst = Ipv6Addr::UNSPECIFIED;
    let mut ifindex = 0;
    let mut arrival = None;
    for_each_cmsg(msg, |level, kind, data| {
        if let Some(t) = arrival_of(level, kind, data) {
            arrival = Some(t);
        } else if level == libc::IPPROTO_IPV6 && kind == libc::IPV6_HOPLIMIT {
            // SAFETY: an IPV6_HOPLIMIT message carries an int.
            let v = unsafe { std::ptr::read_unaligned(data as *const libc::c_int) };
            hop = u8::try_from(v).ok();
        } else if level == libc::IPPROTO_IPV6 && kind == libc::IPV6_PKTINFO {
            // SAFETY: an IPV6_PKTINFO message carries an in6_pktinfo.
            let info = unsafe { std::ptr::read_unaligned(data as *const libc::in6_pktinfo) };
            dst = Ipv6Addr::from(info.ipi6_addr.s6_addr);
            ifindex = info.ipi6_ifindex;
        }
    });
    Some(Received {
        ip: IpPair::V6 {
            src: Ipv6Addr::from(src.sin6_addr.s6_addr),
            dst,
        },
        ttl: hop?,
        ifindex,
        arrival,
        start: 0,
        end: len,
    })
}

/// Sends whole Ethernet frames on one interface (the VMAC macvlan).
pub struct FrameSocket {
    fd: OwnedFd,
    ifindex: i32,
}

impl FrameSocket {
    /// Protocol 0: this socket sends only and receives nothing.
    pub fn open(ifindex: u32) -> io::Result<FrameSocket> {
        // SAFETY: plain socket(2); the fd is owned right after.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(FrameSocket {
            fd,
            ifindex: ifindex as i32,
        })
    }

    fn sockaddr(&self) -> libc::sockaddr_ll {
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_ifindex = self.ifindex;
        sll.sll_halen = 6;
        sll
    }

    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        let sll = self.sockaddr();
        // SAFETY: frame and sll are valid for the lengths given.
        let r = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Send several frames with as few system calls as possible
    /// (sendmmsg). Returns how many left; on an error, the frames before
    /// the failing one went out and the error is that frame's.
    pub fn send_many(&self, frames: &[&[u8]]) -> (usize, Option<io::Error>) {
        const CHUNK: usize = 64;
        let sll = self.sockaddr();
        let mut done = 0;
        while done < frames.len() {
            let chunk = &frames[done..frames.len().min(done + CHUNK)];
            // SAFETY: zeroed iovec/mmsghdr are valid; the pointers set
            // below refer to `chunk` and `sll`, alive for the call.
            let mut iovs: [libc::iovec; CHUNK] = unsafe { std::mem::zeroed() };
            let mut hdrs: [libc::mmsghdr; CHUNK] = unsafe { std::mem::zeroed() };
            for (i, f) in chunk.iter().enumerate() {
                iovs[i] = libc::iovec {
                    iov_base: f.as_ptr() as *mut libc::c_void,
                    iov_len: f.len(),
                };
                let h = &mut hdrs[i].msg_hdr;
                h.msg_iov = &mut iovs[i];
                h.msg_iovlen = 1;
                h.msg_name = (&sll as *const libc::sockaddr_ll) as *mut libc::c_void;
                h.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            }
            // SAFETY: hdrs[..chunk.len()] are valid messages (see above).
            let r = unsafe {
                libc::sendmmsg(
                    self.fd.as_raw_fd(),
                    hdrs.as_mut_ptr(),
                    chunk.len() as u32,
                    0,
                )
            };
            if r < 0 {
                return (done, Some(io::Error::last_os_error()));
            }
            let r = r as usize;
            done += r;
            if r < chunk.len() {
                // The next one failed: send it alone to learn why.
                if let Err(e) = self.send(frames[done]) {
                    return (done, Some(e));
                }
                done += 1;
            }
        }
        (done, None)
    }
}

/// Sends unicast advertisements through the kernel (routing and neighbour
/// resolution), TTL / hop limit 255, from the primary address.
pub struct UnicastSocket {
    sock: Socket,
}

impl UnicastSocket {
    pub fn open(primary: IpAddr, ifindex: u32) -> io::Result<UnicastSocket> {
        let proto = Some(Protocol::from(i32::from(IPPROTO_VRRP)));
        let sock = match primary {
            IpAddr::V4(a) => {
                let s = Socket::new(Domain::IPV4, Type::RAW, proto)?;
                s.set_ttl(255)?;
                s.bind(&SockAddr::from(SocketAddr::new(IpAddr::V4(a), 0)))?;
                s
            }
            IpAddr::V6(a) => {
                let s = Socket::new(Domain::IPV6, Type::RAW, proto)?;
                s.set_unicast_hops_v6(255)?;
                s.bind(&SockAddr::from(SocketAddrV6::new(a, 0, 0, ifindex)))?;
                s
            }
        };
        Ok(UnicastSocket { sock })
    }

    pub fn send(&self, to: IpAddr, msg: &[u8], ifindex: u32) -> io::Result<()> {
        let addr = match to {
            IpAddr::V4(a) => SockAddr::from(SocketAddr::new(IpAddr::V4(a), 0)),
            IpAddr::V6(a) => {
                let scope = if (a.segments()[0] & 0xffc0) == 0xfe80 {
                    ifindex
                } else {
                    0
                };
                SockAddr::from(SocketAddrV6::new(a, 0, 0, scope))
            }
        };
        self.sock.send_to(msg, &addr).map(|_| ())
    }
}

/// Hears ARP and the ICMPv6 messages of neighbour and router discovery on
/// a parent interface: for VIP defense, and to answer ARP requests and
/// neighbour solicitations for the VIPs of masters without Accept_Mode.
///
/// Bound with ETH_P_ALL, so that it sees frames before the macvlan takes
/// those addressed to the VMAC (hosts revalidate their neighbour entries
/// with unicast ARP requests and solicitations). A socket filter keeps
/// everything else in the kernel, and outgoing frames are never copied to
/// it (PACKET_IGNORE_OUTGOING).
pub struct ClaimSocket {
    fd: AsyncFd<OwnedFd>,
}

/// linux/if_packet.h (not in every libc).
const PACKET_IGNORE_OUTGOING: i32 = 23;

impl ClaimSocket {
    pub fn open(ifindex: u32) -> io::Result<ClaimSocket> {
        // Protocol 0 receives nothing until bound: the filter is in place
        // before the first frame.
        // SAFETY: plain socket(2); owned right after.
        let fd = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                0,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        attach_claim_filter(fd.as_raw_fd())?;
        // Older kernels lack the option: the filter then drops our own
        // outgoing frames, at the cost of a copy each.
        let _ = setsockopt_int(fd.as_raw_fd(), libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: sll is a valid sockaddr_ll.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the descriptor is owned by the AsyncFd and stays open as long as it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        Ok(ClaimSocket { fd })
    }

    /// Read one frame now, without waiting: `Err(WouldBlock)` when there is
    /// none.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: buf is valid for its length.
        let n = unsafe {
            libc::recv(
                self.fd.get_ref().as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// As [`RxSocket::wait_readable`].
    pub async fn wait_readable(&self) -> io::Result<()> {
        self.fd.readable().await.map(drop)
    }

    /// As [`RxSocket::take_ready`].
    pub fn take_ready(&self) -> bool {
        take_ready(&self.fd)
    }
}

const fn bpf(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// Keep the kernel from waking us for frames we do not want: everything
/// but ARP and, in IPv6 (no extension headers, as RFC 4861 messages come),
/// router solicitations (133), neighbour solicitations (135) and
/// advertisements (136). Our own outgoing frames are dropped too.
fn attach_claim_filter(fd: RawFd) -> io::Result<()> {
    const LD_W_ABS: u16 = 0x20;
    const LD_H_ABS: u16 = 0x28;
    const LD_B_ABS: u16 = 0x30;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    // SKF_AD_OFF + SKF_AD_PKTTYPE, as the u32 the kernel reads.
    const PKTTYPE: u32 = (-0x1000i32 + 4) as u32;
    const OUTGOING: u32 = libc::PACKET_OUTGOING as u32;
    const ETH_P_ARP: u32 = crate::packet::frame::ETH_P_ARP as u32;
    const ETH_P_IPV6: u32 = crate::packet::frame::ETH_P_IPV6 as u32;
    let prog = [
        bpf(LD_W_ABS, 0, 0, PKTTYPE),
        bpf(JEQ_K, 10, 0, OUTGOING),  // -> drop
        bpf(LD_H_ABS, 0, 0, 12),      // ethertype
        bpf(JEQ_K, 7, 0, ETH_P_ARP),  // -> keep
        bpf(JEQ_K, 0, 7, ETH_P_IPV6), // else drop
        bpf(LD_B_ABS, 0, 0, 14 + 6),  // IPv6 next header
        bpf(JEQ_K, 0, 5, 58),         // ICMPv6, else drop
        bpf(LD_B_ABS, 0, 0, 14 + 40), // ICMPv6 type
        bpf(JEQ_K, 2, 0, 133),        // router solicitation -> keep
        bpf(JEQ_K, 1, 0, 135),        // neighbour solicitation -> keep
        bpf(JEQ_K, 0, 1, 136),        // neighbour advertisement, else drop
        bpf(RET_K, 0, 0, 0x4_0000),   // keep
        bpf(RET_K, 0, 0, 0),          // drop
    ];
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points at `prog`, alive for the call; the kernel copies it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&fprog as *const libc::sock_fprog).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A timerfd on CLOCK_MONOTONIC (the clock of `std::time::Instant`), for
/// waking at a deadline with microsecond precision: tokio's own timers
/// round up to the next millisecond, a tenth of a 10 ms interval.
pub struct DeadlineTimer {
    fd: AsyncFd<OwnedFd>,
    armed: Option<std::time::Instant>,
}

impl DeadlineTimer {
    pub fn new() -> io::Result<DeadlineTimer> {
        // SAFETY: plain timerfd_create; owned right after.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptor, owned by the AsyncFd from here on.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: the descriptor is owned by the AsyncFd and stays open as long as it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        Ok(DeadlineTimer { fd, armed: None })
    }

    /// Arm for `deadline` (a no-op if already armed for it).
    pub fn arm(&mut self, deadline: std::time::Instant) -> io::Result<()> {
        if self.armed == Some(deadline) {
            return Ok(());
        }
        let mut now: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: `now` is a valid timespec to write.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
        let ahead = deadline.saturating_duration_since(std::time::Instant::now());
        let mut ns = now.tv_nsec as i64 + i64::from(ahead.subsec_nanos());
        let mut sec = now.tv_sec as i64 + ahead.as_secs() as i64 + ns / 1_000_000_000;
        ns %= 1_000_000_000;
        if sec == 0 && ns == 0 {
            // An all-zero it_value disarms the timer; fire a nanosecond later.
            ns = 1;
            sec = 0;
        }
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: sec as libc::time_t,
                tv_nsec: ns as _,
            },
        };
        // SAFETY: spec is a valid itimerspec; old value not requested.
        let r = unsafe {
            libc::timerfd_settime(
                self.fd.get_ref().as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        self.armed = Some(deadline);
        Ok(())
    }

    /// Wait until the armed deadline has passed.
    pub async fn expired(&mut self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut n = [0u8; 8];
            // SAFETY: reads 8 bytes into `n`.
            let r = unsafe { libc::read(guard.get_ref().as_raw_fd(), n.as_mut_ptr().cast(), 8) };
            if r == 8 {
                self.armed = None;
                return Ok(());
            }
            guard.clear_ready();
        }
    }
}

fn take_ready<T: AsRawFd>(fd: &AsyncFd<T>) -> bool {
    use futures::FutureExt;
    match fd.readable().now_or_never() {
        Some(Ok(mut guard)) => {
            guard.clear_ready();
            true
        }
        _ => false,
    }
}
