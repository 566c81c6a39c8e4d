//! Links and addresses through rtnetlink (never by running `ip`).

use std::net::IpAddr;

use futures::TryStreamExt;
use netlink_packet_route::address::{AddressAttribute, AddressFlag, AddressMessage, AddressScope};
use netlink_packet_route::link::{AfSpecInet6, AfSpecUnspec, LinkAttribute, LinkFlag, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage};
use rtnetlink::Handle;
use thiserror::Error;

use crate::packet::frame::Mac;

/// IFLA_MACVLAN_MODE bridge: macvlans of one parent see each other.
const MACVLAN_MODE_BRIDGE: u32 = 4;
/// IN6_ADDR_GEN_MODE_NONE: the kernel forms no address on the link, so the
/// VMAC never becomes an interface identifier (RFC 9568 §7.4) and no DAD
/// or MLD starts from it on its own.
const ADDR_GEN_MODE_NONE: u8 = 1;

#[derive(Debug, Error)]
pub enum NetlinkError {
    #[error("netlink: {0}")]
    Rt(#[from] rtnetlink::Error),
    #[error("no interface named {0}")]
    NoSuchLink(String),
    #[error("{0} has no usable {1} address")]
    NoAddress(String, &'static str),
    #[error("unicast_source {0} is not an address of this system")]
    NotLocal(IpAddr),
    #[error("cannot open a netlink socket: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone)]
pub struct Link {
    pub index: u32,
    pub mac: Option<Mac>,
    /// Administratively up.
    pub up: bool,
    /// Operationally up (IFF_RUNNING: carrier and not dormant).
    pub running: bool,
}

fn link_of(msg: &LinkMessage) -> Link {
    let mac = msg.attributes.iter().find_map(|a| match a {
        LinkAttribute::Address(m) if m.len() == 6 => m.as_slice().try_into().ok(),
        _ => None,
    });
    Link {
        index: msg.header.index,
        mac,
        up: msg.header.flags.contains(&LinkFlag::Up),
        running: msg.header.flags.contains(&LinkFlag::Running),
    }
}

/// The kernel's announcements of link changes in our namespace (`RTMGRP_LINK`): the loop
/// asks for the tracked interfaces' states on each one, so a tracked link that goes down is
/// seen at once, not at the next poll. What a message says is not read: the poll that follows
/// asks for the states themselves.
pub fn link_changes() -> Result<futures::channel::mpsc::UnboundedReceiver<impl Sized>, NetlinkError>
{
    use netlink_sys::AsyncSocket;
    let (mut conn, _handle, messages) = rtnetlink::new_connection()?;
    conn.socket_mut()
        .socket_mut()
        .bind(&netlink_sys::SocketAddr::new(0, libc::RTMGRP_LINK as u32))?;
    tokio::spawn(conn);
    Ok(messages)
}

/// Open a connection and drive it on the current runtime.
pub fn connect() -> Result<Handle, NetlinkError> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    tokio::spawn(conn);
    Ok(handle)
}

fn is_code(e: &rtnetlink::Error, code: i32) -> bool {
    matches!(e, rtnetlink::Error::NetlinkError(m) if m.raw_code() == -code)
}

pub async fn link(h: &Handle, name: &str) -> Result<Option<Link>, NetlinkError> {
    let mut req = h.link().get().match_name(name.to_string()).execute();
    match req.try_next().await {
        Ok(Some(m)) => Ok(Some(link_of(&m))),
        Ok(None) => Ok(None),
        Err(e) if is_code(&e, libc::ENODEV) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn require_link(h: &Handle, name: &str) -> Result<Link, NetlinkError> {
    link(h, name)
        .await?
        .ok_or_else(|| NetlinkError::NoSuchLink(name.to_string()))
}

/// The link group our VMAC interfaces are put in, so that they can all be
/// deleted in one request at exit: the kernel then waits for one RCU grace
/// period for all of them instead of one each (seconds with 500 links).
pub fn link_group() -> u32 {
    0x8000_0000 | std::process::id()
}

/// Create (or re-create) the VMAC interface: a bridge-mode macvlan on
/// `parent` carrying `mac`, left DOWN and NOARP, with IPv6 address
/// generation off, in `group`.
pub async fn create_vmac(
    h: &Handle,
    name: &str,
    parent: u32,
    mac: Mac,
    group: u32,
) -> Result<u32, NetlinkError> {
    if let Some(old) = link(h, name).await? {
        // A stale one from a crashed run: its state is unknown, start clean.
        h.link().del(old.index).execute().await?;
    }
    let mut req = h
        .link()
        .add()
        .macvlan(name.to_string(), parent, MACVLAN_MODE_BRIDGE);
    let msg = req.message_mut();
    // The builder asks for UP; a backup's VMAC must stay down (no frame at all).
    msg.header.flags.retain(|f| *f != LinkFlag::Up);
    msg.header.change_mask.retain(|f| *f != LinkFlag::Up);
    // IFF_NOARP for good: the kernel never answers ARP or NS on it (vrlabd
    // does, as master only), does no DAD on it, and no flag of it ever
    // changes while it is up (a change would make IPv6 resend MLD reports
    // from the VMAC).
    msg.header.flags.push(LinkFlag::Noarp);
    msg.header.change_mask.push(LinkFlag::Noarp);
    msg.attributes.push(LinkAttribute::Address(mac.to_vec()));
    msg.attributes.push(LinkAttribute::Group(group));
    req.execute().await?;
    let l = require_link(h, name).await?;
    // addrgenmode must be set after creation (the kernel ignores it at add time).
    let mut set = h.link().set(l.index);
    set.message_mut()
        .attributes
        .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
            vec![AfSpecInet6::AddrGenMode(ADDR_GEN_MODE_NONE)],
        )]));
    set.execute().await?;
    Ok(l.index)
}

pub async fn set_up(h: &Handle, index: u32, up: bool) -> Result<(), NetlinkError> {
    let req = h.link().set(index);
    let req = if up { req.up() } else { req.down() };
    req.execute().await?;
    Ok(())
}

pub async fn delete_link(h: &Handle, index: u32) -> Result<(), NetlinkError> {
    match h.link().del(index).execute().await {
        Err(e) if is_code(&e, libc::ENODEV) => Ok(()),
        r => Ok(r?),
    }
}

/// Delete every link of `group` in one request.
pub async fn delete_group(h: &Handle, group: u32) -> Result<(), NetlinkError> {
    let mut req = h.link().del(0);
    req.message_mut()
        .attributes
        .push(LinkAttribute::Group(group));
    match req.execute().await {
        Err(e) if is_code(&e, libc::ENODEV) => Ok(()),
        r => Ok(r?),
    }
}

/// Add an address; IPv6 ones without DAD (a VIP moving between routers
/// must not wait, and DAD probes would leave from the VMAC).
pub async fn add_address(
    h: &Handle,
    index: u32,
    addr: IpAddr,
    prefix: u8,
) -> Result<(), NetlinkError> {
    let mut req = h.address().add(index, addr, prefix);
    if addr.is_ipv6() {
        req.message_mut()
            .attributes
            .push(AddressAttribute::Flags(vec![AddressFlag::Nodad]));
    }
    match req.execute().await {
        Err(e) if is_code(&e, libc::EEXIST) => Ok(()),
        r => Ok(r?),
    }
}

pub async fn del_address(
    h: &Handle,
    index: u32,
    addr: IpAddr,
    prefix: u8,
) -> Result<(), NetlinkError> {
    let mut msg = AddressMessage::default();
    msg.header.index = index;
    msg.header.prefix_len = prefix;
    msg.header.family = match addr {
        IpAddr::V4(_) => netlink_packet_route::AddressFamily::Inet,
        IpAddr::V6(_) => netlink_packet_route::AddressFamily::Inet6,
    };
    msg.attributes.push(AddressAttribute::Address(addr));
    if addr.is_ipv4() {
        msg.attributes.push(AddressAttribute::Local(addr));
    }
    match h.address().del(msg).execute().await {
        Err(e) if is_code(&e, libc::EADDRNOTAVAIL) || is_code(&e, libc::ENODEV) => Ok(()),
        r => Ok(r?),
    }
}

/// Addresses on a link, with their scope.
pub async fn addresses(
    h: &Handle,
    index: u32,
) -> Result<Vec<(IpAddr, AddressScope)>, NetlinkError> {
    let mut out = Vec::new();
    let mut s = h.address().get().set_link_index_filter(index).execute();
    while let Some(m) = s.try_next().await? {
        if m.header.index != index {
            continue;
        }
        let local = m.attributes.iter().find_map(|a| match a {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let addr = local.or_else(|| {
            m.attributes.iter().find_map(|a| match a {
                AddressAttribute::Address(ip) => Some(*ip),
                _ => None,
            })
        });
        if let Some(a) = addr {
            out.push((a, m.header.scope));
        }
    }
    Ok(out)
}

/// The primary address VRRP advertises from: the first IPv4 address, or
/// the IPv6 link-local address (RFC 9568 §5.1.1.1, §5.1.2.1); with
/// `global` (IPv6 unicast to peers beyond the link), the first global
/// IPv6 address. VIPs are never chosen.
pub async fn primary_address(
    h: &Handle,
    name: &str,
    index: u32,
    ipv6: bool,
    global: bool,
    vips: &[IpAddr],
) -> Result<IpAddr, NetlinkError> {
    let all = addresses(h, index).await?;
    all.into_iter()
        .map(|(a, _)| a)
        .find(|a| {
            !vips.contains(a)
                && match a {
                    IpAddr::V4(_) => !ipv6,
                    IpAddr::V6(v6) => ipv6 && ((v6.segments()[0] & 0xffc0) == 0xfe80) != global,
                }
        })
        .ok_or_else(|| {
            NetlinkError::NoAddress(
                name.to_string(),
                match (ipv6, global) {
                    (false, _) => "IPv4",
                    (true, false) => "IPv6 link-local",
                    (true, true) => "global IPv6 (the unicast peers are not link-local)",
                },
            )
        })
}

/// Whether `addr` is an address of this system (on any interface), and
/// the index of the interface that holds it.
pub async fn local_address(h: &Handle, addr: IpAddr) -> Result<Option<u32>, NetlinkError> {
    let mut s = h.address().get().execute();
    while let Some(m) = s.try_next().await? {
        let found = m.attributes.iter().any(|a| match a {
            AddressAttribute::Local(ip) | AddressAttribute::Address(ip) => *ip == addr,
            _ => false,
        });
        if found {
            return Ok(Some(m.header.index));
        }
    }
    Ok(None)
}

/// The route protocol (RTPROT) vrlabd marks its routes and rules with, so
/// that it and its guardian find them again: 112, VRRP's IP protocol
/// number, unassigned in iproute2's rt_protos.
pub const RTPROT_VRLABD: u8 = 112;

fn host_len(addr: &IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

/// A blackhole route for `addr` in `table`: traffic addressed to a VIP of
/// a master without Accept_Mode is dropped (RFC 9568 §6.4.3), traffic
/// through the virtual router is not.
pub async fn add_blackhole(h: &Handle, addr: IpAddr, table: u32) -> Result<(), NetlinkError> {
    let req = h
        .route()
        .add()
        .table_id(table)
        .protocol(RouteProtocol::Other(RTPROT_VRLABD))
        .kind(RouteType::BlackHole)
        .replace();
    let r = match addr {
        IpAddr::V4(a) => req.v4().destination_prefix(a, 32).execute().await,
        IpAddr::V6(a) => req.v6().destination_prefix(a, 128).execute().await,
    };
    Ok(r?)
}

pub async fn del_blackhole(h: &Handle, addr: IpAddr, table: u32) -> Result<(), NetlinkError> {
    let mut msg = RouteMessage::default();
    msg.header.address_family = match addr {
        IpAddr::V4(_) => netlink_packet_route::AddressFamily::Inet,
        IpAddr::V6(_) => netlink_packet_route::AddressFamily::Inet6,
    };
    msg.header.destination_prefix_length = host_len(&addr);
    msg.header.kind = RouteType::BlackHole;
    msg.header.protocol = RouteProtocol::Other(RTPROT_VRLABD);
    msg.header.scope = RouteScope::Universe;
    if table <= 255 {
        msg.header.table = table as u8;
    } else {
        msg.header.table = RouteHeader::RT_TABLE_UNSPEC;
        msg.attributes.push(RouteAttribute::Table(table));
    }
    msg.attributes.push(RouteAttribute::Destination(match addr {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }));
    match h.route().del(msg).execute().await {
        Err(e) if is_code(&e, libc::ESRCH) || is_code(&e, libc::ENOENT) => Ok(()),
        r => Ok(r?),
    }
}

/// The rule that makes `table` consulted before the main table, for one
/// family: `ip rule add pref PRIORITY lookup TABLE proto 112`.
fn rule_message(ipv6: bool, table: u32, priority: u32) -> RuleMessage {
    let mut msg = RuleMessage::default();
    msg.header.family = if ipv6 {
        netlink_packet_route::AddressFamily::Inet6
    } else {
        netlink_packet_route::AddressFamily::Inet
    };
    msg.header.action = RuleAction::ToTable;
    if table <= 255 {
        msg.header.table = table as u8;
    } else {
        msg.header.table = RouteHeader::RT_TABLE_UNSPEC;
    }
    msg.attributes.push(RuleAttribute::Table(table));
    msg.attributes.push(RuleAttribute::Priority(priority));
    msg.attributes
        .push(RuleAttribute::Protocol(RouteProtocol::Other(RTPROT_VRLABD)));
    msg
}

/// Install the rule (idempotent: an identical rule is left as it is).
pub async fn add_blackhole_rule(
    h: &Handle,
    ipv6: bool,
    table: u32,
    priority: u32,
) -> Result<(), NetlinkError> {
    let mut req = h.rule().add();
    *req.message_mut() = rule_message(ipv6, table, priority);
    match req.execute().await {
        Err(e) if is_code(&e, libc::EEXIST) => Ok(()),
        r => Ok(r?),
    }
}

pub async fn del_blackhole_rule(
    h: &Handle,
    ipv6: bool,
    table: u32,
    priority: u32,
) -> Result<(), NetlinkError> {
    match h
        .rule()
        .del(rule_message(ipv6, table, priority))
        .execute()
        .await
    {
        Err(e) if is_code(&e, libc::ENOENT) || is_code(&e, libc::ESRCH) => Ok(()),
        r => Ok(r?),
    }
}

/// Put a link in another group (no RCU wait, unlike bringing it down).
pub async fn set_group(h: &Handle, index: u32, group: u32) -> Result<(), NetlinkError> {
    let mut req = h.link().set(index);
    req.message_mut()
        .attributes
        .push(LinkAttribute::Group(group));
    match req.execute().await {
        Err(e) if is_code(&e, libc::ENODEV) => Ok(()),
        r => Ok(r?),
    }
}
