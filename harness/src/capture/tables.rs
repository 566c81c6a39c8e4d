//! Table changes: every bridge FDB change in the switch, and every neighbour-cache, address
//! and link change in every node, from rtnetlink notifications, into `events.jsonl`.

use std::collections::HashMap;
use std::net::IpAddr;

use futures::StreamExt;
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlag, LinkMessage};
use netlink_packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::events::{now_ns, Addr, Change, Fdb, Harness, Link, Neigh, Recorder, Route, What};
use crate::topology::{monitor_in, Topology, SWITCH};
use crate::wire::MacAddr;

const RTMGRP_LINK: u32 = 0x1;
const RTMGRP_NEIGH: u32 = 0x4;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV4_ROUTE: u32 = 0x40;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;

/// Starts one monitor task per namespace. They end when the runtime shuts down or the
/// namespaces go away.
pub fn start(topo: &Topology, rec: &Recorder) -> std::io::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    // Switch: FDB entries arrive as AF_BRIDGE neighbour messages; name ports by node.
    let ports: HashMap<u32, (String, String, String)> = topo
        .ports
        .iter()
        .map(|p| {
            (
                p.port_ifindex,
                (p.port.clone(), p.node.clone(), p.interface.clone()),
            )
        })
        .chain(topo.bridges.iter().map(|b| {
            (
                b.ifindex,
                (b.name.clone(), SWITCH.to_string(), b.name.clone()),
            )
        }))
        .collect();
    let mut rx = monitor_in(&topo.switch, RTMGRP_NEIGH)?;
    let r = rec.clone();
    tasks.push(tokio::spawn(async move {
        while let Some((msg, _)) = rx.next().await {
            let t = now_ns();
            match msg.payload {
                NetlinkPayload::InnerMessage(m) => {
                    if let Some(v) = fdb_event(&m, &ports) {
                        r.at(t, What::Fdb(v));
                    }
                }
                NetlinkPayload::Overrun(_) => r.at(t, lost(SWITCH)),
                _ => {}
            }
        }
    }));
    for (name, ns) in &topo.nodes {
        let mut names: HashMap<u32, String> = topo
            .ports
            .iter()
            .filter(|p| &p.node == name)
            .map(|p| (p.node_ifindex, p.interface.clone()))
            .chain(
                topo.tunnels
                    .iter()
                    .filter(|t| &t.node == name)
                    .map(|t| (t.node_ifindex, t.interface.clone())),
            )
            .collect();
        names.insert(1, "lo".into());
        let mut rx = monitor_in(
            ns,
            RTMGRP_LINK
                | RTMGRP_NEIGH
                | RTMGRP_IPV4_IFADDR
                | RTMGRP_IPV6_IFADDR
                | RTMGRP_IPV4_ROUTE,
        )?;
        let (r, node) = (rec.clone(), name.clone());
        tasks.push(tokio::spawn(async move {
            while let Some((msg, _)) = rx.next().await {
                let t = now_ns();
                let m = match msg.payload {
                    NetlinkPayload::InnerMessage(m) => m,
                    NetlinkPayload::Overrun(_) => {
                        r.at(t, lost(&node));
                        continue;
                    }
                    _ => continue,
                };
                let ev = match &m {
                    RouteNetlinkMessage::NewLink(l) | RouteNetlinkMessage::DelLink(l) => {
                        let new = matches!(m, RouteNetlinkMessage::NewLink(_));
                        Some(What::Link(link_event(l, new, &node, &mut names)))
                    }
                    RouteNetlinkMessage::NewNeighbour(n) | RouteNetlinkMessage::DelNeighbour(n) => {
                        let new = matches!(m, RouteNetlinkMessage::NewNeighbour(_));
                        neigh_event(n, new, &node, &names).map(What::Neigh)
                    }
                    RouteNetlinkMessage::NewAddress(a) | RouteNetlinkMessage::DelAddress(a) => {
                        let new = matches!(m, RouteNetlinkMessage::NewAddress(_));
                        addr_event(a, new, &node, &names).map(What::Addr)
                    }
                    RouteNetlinkMessage::NewRoute(rt) | RouteNetlinkMessage::DelRoute(rt) => {
                        let new = matches!(m, RouteNetlinkMessage::NewRoute(_));
                        route_event(rt, new, &node).map(What::Route)
                    }
                    _ => None,
                };
                if let Some(what) = ev {
                    r.at(t, what);
                }
            }
        }));
    }
    Ok(tasks)
}

/// The monitor of `namespace` was told that notifications were dropped.
fn lost(namespace: &str) -> What {
    What::Harness(Harness::NotificationsLost {
        namespace: namespace.to_string(),
    })
}

fn change(new: bool) -> Change {
    if new {
        Change::New
    } else {
        Change::Del
    }
}

fn lladdr(attrs: &[NeighbourAttribute]) -> Option<MacAddr> {
    attrs.iter().find_map(|a| match a {
        NeighbourAttribute::LinkLocalAddress(m) => MacAddr::from_slice(m),
        _ => None,
    })
}

fn state_name(n: &NeighbourMessage) -> String {
    format!("{:?}", n.header.state).to_lowercase()
}

fn fdb_event(
    m: &RouteNetlinkMessage,
    ports: &HashMap<u32, (String, String, String)>,
) -> Option<Fdb> {
    let (n, new) = match m {
        RouteNetlinkMessage::NewNeighbour(n) => (n, true),
        RouteNetlinkMessage::DelNeighbour(n) => (n, false),
        _ => return None,
    };
    if n.header.family != AddressFamily::Bridge {
        return None;
    }
    let (port, node, iface) = ports.get(&n.header.ifindex).cloned().unwrap_or_default();
    let vlan = n.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::Vlan(v) => Some(*v),
        _ => None,
    });
    let flags: Vec<String> = n
        .header
        .flags
        .iter()
        .map(|f| format!("{f:?}").to_lowercase())
        .collect();
    Some(Fdb {
        event: change(new),
        ns: SWITCH.to_string(),
        mac: lladdr(&n.attributes),
        port,
        node,
        interface: iface,
        vlan,
        state: state_name(n),
        flags,
    })
}

fn neigh_event(
    n: &NeighbourMessage,
    new: bool,
    node: &str,
    names: &HashMap<u32, String>,
) -> Option<Neigh> {
    let ip: IpAddr = n.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)) => Some(IpAddr::V4(*v4)),
        NeighbourAttribute::Destination(NeighbourAddress::Inet6(v6)) => Some(IpAddr::V6(*v6)),
        _ => None,
    })?;
    let router = n.header.flags.iter().any(|f| format!("{f:?}") == "Router");
    Some(Neigh {
        event: change(new),
        node: node.to_string(),
        interface: names
            .get(&n.header.ifindex)
            .cloned()
            .unwrap_or_else(|| n.header.ifindex.to_string()),
        ip: ip.to_string(),
        mac: lladdr(&n.attributes),
        state: state_name(n),
        router,
    })
}

/// A route of the main table that a routing daemon made (BGP's, zebra's, a static one): the
/// kernel's own (connected, local, from an address) are in the address events already.
fn route_event(rt: &RouteMessage, new: bool, node: &str) -> Option<Route> {
    let main = rt.header.table == RouteHeader::RT_TABLE_MAIN
        || rt
            .attributes
            .iter()
            .any(|a| matches!(a, RouteAttribute::Table(254)));
    if !main
        || matches!(
            rt.header.protocol,
            RouteProtocol::Kernel | RouteProtocol::Boot
        )
    {
        return None;
    }
    let dst = rt.attributes.iter().find_map(|a| match a {
        RouteAttribute::Destination(RouteAddress::Inet(v4)) => Some(IpAddr::V4(*v4)),
        RouteAttribute::Destination(RouteAddress::Inet6(v6)) => Some(IpAddr::V6(*v6)),
        _ => None,
    });
    let dst = match dst {
        Some(ip) => format!("{ip}/{}", rt.header.destination_prefix_length),
        None => "default".into(),
    };
    let via = rt.attributes.iter().find_map(|a| match a {
        RouteAttribute::Gateway(RouteAddress::Inet(v4)) => Some(v4.to_string()),
        RouteAttribute::Gateway(RouteAddress::Inet6(v6)) => Some(v6.to_string()),
        _ => None,
    });
    let proto = match rt.header.protocol {
        RouteProtocol::Bgp => "bgp".to_string(),
        RouteProtocol::Zebra => "zebra".to_string(),
        RouteProtocol::Static => "static".to_string(),
        other => u8::from(other).to_string(),
    };
    Some(Route {
        event: change(new),
        node: node.to_string(),
        dst,
        via,
        proto,
    })
}

fn addr_event(
    a: &AddressMessage,
    new: bool,
    node: &str,
    names: &HashMap<u32, String>,
) -> Option<Addr> {
    // IFA_LOCAL is the interface's own address on point-to-point links; prefer it.
    let ip = a
        .attributes
        .iter()
        .find_map(|x| match x {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        })
        .or_else(|| {
            a.attributes.iter().find_map(|x| match x {
                AddressAttribute::Address(ip) => Some(*ip),
                _ => None,
            })
        })?;
    Some(Addr {
        event: change(new),
        node: node.to_string(),
        interface: names
            .get(&a.header.index)
            .cloned()
            .unwrap_or_else(|| a.header.index.to_string()),
        ip: ip.to_string(),
        prefix: a.header.prefix_len,
    })
}

fn link_event(l: &LinkMessage, new: bool, node: &str, names: &mut HashMap<u32, String>) -> Link {
    let name = l.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(n) => Some(n.clone()),
        _ => None,
    });
    if let Some(n) = &name {
        names.insert(l.header.index, n.clone());
    }
    let mac = l.attributes.iter().find_map(|a| match a {
        LinkAttribute::Address(m) => MacAddr::from_slice(m),
        _ => None,
    });
    Link {
        event: change(new),
        node: node.to_string(),
        interface: name,
        ifindex: l.header.index,
        mac,
        up: l.header.flags.contains(&LinkFlag::Up),
        lower_up: l.header.flags.contains(&LinkFlag::LowerUp),
    }
}
