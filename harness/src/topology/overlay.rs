//! VXLAN overlays and static routes, made once every node's switched interfaces are up.
//!
//! A VXLAN segment has no bridge: each member node holds a VXLAN device (the scenario's
//! interface name, UDP 4789, `nolearning`, its tunnel starting from the first IPv4 address of
//! its `underlay` interface) and one all-zero FDB entry per other member, as `bridge fdb
//! append 00:00:00:00:00:00 dev vx0 dst PEER` makes: every frame the node sends into the
//! overlay, multicast included, goes as a unicast UDP datagram to each peer (head-end
//! replication), so VRRP crosses an underlay that routes no multicast.

use crate::wire::MacAddr;
use std::io;
use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{NetlinkMessage, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlag, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::Handle;
use serde::Serialize;

use super::{acked, add_address, ifindex, nl_err, node_mac, Context, Topology, TopologyError};
use crate::scenario::{Scenario, VXLAN_PORT};

/// One member's end of an overlay: where its frames enter the underlay, and to whom they go.
#[derive(Debug, Clone, Serialize)]
pub struct Tunnel {
    pub segment: String,
    pub vni: u32,
    pub node: String,
    /// The VXLAN device in the node.
    pub interface: String,
    pub node_ifindex: u32,
    pub mac: MacAddr,
    /// The tunnel's source address, on the node's underlay interface.
    pub local: Ipv4Addr,
    /// The switch port of that interface: every datagram of the tunnel enters the underlay
    /// there.
    pub underlay_port_ifindex: u32,
    /// The other members' endpoints, in node order: each frame goes to every one of them.
    pub peers: Vec<Ipv4Addr>,
}

impl Tunnel {
    /// The copy of each frame the capture keeps: the one sent to the first peer (the others
    /// are the same frame, replicated).
    pub fn recorded_peer(&self) -> Ipv4Addr {
        self.peers[0]
    }
}

impl Topology {
    /// The ifindex, inside `node`, of its interface on `segment` (a veth or a VXLAN device).
    pub fn node_ifindex(&self, node: &str, segment: &str) -> Option<u32> {
        self.ports
            .iter()
            .find(|p| p.node == node && p.segment == segment)
            .map(|p| p.node_ifindex)
            .or_else(|| {
                self.tunnels
                    .iter()
                    .find(|t| t.node == node && t.segment == segment)
                    .map(|t| t.node_ifindex)
            })
    }

    /// Makes every overlay's tunnels (after the underlay's veths exist).
    pub(super) async fn add_tunnels(&mut self, scn: &Scenario) -> Result<(), TopologyError> {
        for seg in &scn.segments {
            let Some(vni) = seg.vxlan else { continue };
            let members = scn.overlay_members(&seg.name);
            for m in &members {
                let peers: Vec<Ipv4Addr> = members
                    .iter()
                    .filter(|o| o.node != m.node)
                    .map(|o| o.local)
                    .collect();
                let (ni, node) = scn
                    .nodes
                    .iter()
                    .enumerate()
                    .find(|(_, n)| n.name == m.node)
                    .expect("a member is a node");
                let ii = node
                    .interfaces
                    .iter()
                    .position(|i| i.name == m.interface)
                    .expect("a member's interface");
                let port = self
                    .ports
                    .iter()
                    .find(|p| p.node == m.node && p.interface == m.underlay)
                    .expect("validated underlay interface")
                    .port_ifindex;
                let h = self.handles[&m.node].clone();
                let mac = node_mac(ni, ii);
                let what = || format!("VXLAN {vni} on {}:{}", m.node, m.interface);
                let idx = add_vxlan(&h, &m.interface, vni, m.local, mac)
                    .await
                    .ctx(what)?;
                for a in &node.interfaces[ii].addresses {
                    add_address(&h, idx, a)
                        .await
                        .ctx(|| format!("adding {a} to {}:{}", m.node, m.interface))?;
                }
                for peer in &peers {
                    append_flood_entry(&h, idx, *peer)
                        .await
                        .ctx(|| format!("{}: flooding to {peer}", what()))?;
                }
                self.link_up(&m.node, &m.interface).await?;
                self.tunnels.push(Tunnel {
                    segment: seg.name.clone(),
                    vni,
                    node: m.node.clone(),
                    interface: m.interface.clone(),
                    node_ifindex: idx,
                    mac,
                    local: m.local,
                    underlay_port_ifindex: port,
                    peers,
                });
            }
        }
        Ok(())
    }

    /// Adds every node's static routes.
    pub(super) async fn add_routes(&self, scn: &Scenario) -> Result<(), TopologyError> {
        for node in &scn.nodes {
            let h = &self.handles[&node.name];
            for r in &node.routes {
                let req = h.route().add();
                let done = match (r.to.addr, r.via) {
                    (IpAddr::V4(to), IpAddr::V4(via)) => {
                        req.v4()
                            .destination_prefix(to, r.to.prefix)
                            .gateway(via)
                            .execute()
                            .await
                    }
                    (IpAddr::V6(to), IpAddr::V6(via)) => {
                        req.v6()
                            .destination_prefix(to, r.to.prefix)
                            .gateway(via)
                            .execute()
                            .await
                    }
                    _ => unreachable!("validated: one family"),
                };
                done.map_err(nl_err)
                    .ctx(|| format!("adding {}'s route to {} via {}", node.name, r.to, r.via))?;
            }
        }
        Ok(())
    }
}

/// `ip link add NAME type vxlan id VNI local LOCAL dstport 4789 nolearning` with the lab's
/// MAC; down until its addresses and flood entries are in place.
async fn add_vxlan(
    h: &Handle,
    name: &str,
    vni: u32,
    local: Ipv4Addr,
    mac: MacAddr,
) -> io::Result<u32> {
    h.link()
        .add()
        .vxlan(name.to_string(), vni)
        .local(local)
        .port(VXLAN_PORT)
        .learning(false)
        .execute()
        .await
        .map_err(nl_err)?;
    let idx = ifindex(h, name).await?;
    h.link()
        .set(idx)
        .address(mac.octets().to_vec())
        .execute()
        .await
        .map_err(nl_err)?;
    Ok(idx)
}

/// `bridge fdb append 00:00:00:00:00:00 dev IFINDEX dst PEER`: rtnetlink's neighbour request
/// asks for an exclusive entry, which refuses a second all-zero one, so the message is made
/// here with NLM_F_APPEND.
async fn append_flood_entry(h: &Handle, ifindex: u32, peer: Ipv4Addr) -> io::Result<()> {
    let mut msg = NeighbourMessage::default();
    msg.header.family = AddressFamily::Bridge;
    msg.header.ifindex = ifindex;
    msg.header.state = NeighbourState::Permanent;
    msg.header.flags = vec![NeighbourFlag::Own];
    msg.attributes
        .push(NeighbourAttribute::LinkLocalAddress(vec![0; 6]));
    msg.attributes
        .push(NeighbourAttribute::Destination(NeighbourAddress::Inet(
            peer,
        )));
    let mut nl = NetlinkMessage::from(RouteNetlinkMessage::NewNeighbour(msg));
    nl.header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND;
    acked(h, nl).await
}
