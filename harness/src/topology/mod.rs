//! Topologies: namespaces, bridges, veth links, addresses and sysctls, all through netlink.
//!
//! Layout of a lab: one `switch` namespace holds a Linux bridge per segment; each node is a
//! namespace of its own, joined to its segments by veth pairs whose switch-side ends are the
//! bridge ports (and the capture points: see `capture`).

mod init;
pub(crate) mod netns;
mod overlay;

use crate::wire::MacAddr;
use std::collections::BTreeMap;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use futures::channel::mpsc::UnboundedReceiver;
use futures::TryStreamExt;
use netlink_packet_core::NetlinkMessage;
use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, InfoBridge, InfoData, LinkAttribute, LinkFlag, LinkInfo,
};
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::Handle;
use serde::Serialize;

pub use netns::{sysctl_path, Namespace};
pub use overlay::Tunnel;

use crate::scenario::{IpNet, Role, Scenario};

/// The name of the namespace that holds the bridges.
pub const SWITCH: &str = "switch";

#[derive(Debug, thiserror::Error)]
#[error("building the topology: {what}: {source}")]
pub struct TopologyError {
    pub what: String,
    #[source]
    pub source: io::Error,
}

trait Context<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, TopologyError>;
}

impl<T, E: Into<io::Error>> Context<T> for Result<T, E> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T, TopologyError> {
        self.map_err(|e| TopologyError {
            what: what(),
            source: e.into(),
        })
    }
}

fn nl_err(e: rtnetlink::Error) -> io::Error {
    io::Error::other(e.to_string())
}

/// One bridge port: the switch-side end of a node's interface.
#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub segment: String,
    pub node: String,
    pub interface: String,
    /// Name of the switch-side veth: `r1-eth0` ([`port_name`]).
    pub port: String,
    #[serde(skip)]
    pub port_ifindex: u32,
    pub node_ifindex: u32,
    pub mac: MacAddr,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bridge {
    pub segment: String,
    pub name: String,
    #[serde(skip)]
    pub ifindex: u32,
}

/// A sysctl that vrlab set, recorded in the run.
#[derive(Debug, Clone, Serialize)]
pub struct SysctlRecord {
    pub node: String,
    pub key: String,
    pub value: String,
}

/// A built topology. Dropping it closes every namespace descriptor; with no process left
/// inside, the kernel then removes the namespaces and everything in them.
pub struct Topology {
    pub switch: Namespace,
    /// The scenario's segments in its order (the capture's and the live wire's segment
    /// indices): a bridge each, or a VXLAN overlay's tunnels.
    pub segments: Vec<String>,
    pub nodes: BTreeMap<String, Namespace>,
    pub bridges: Vec<Bridge>,
    pub ports: Vec<Port>,
    /// The VXLAN overlays' ends, one per member node.
    pub tunnels: Vec<Tunnel>,
    pub sysctls: Vec<SysctlRecord>,
    /// Per node: the directory the node sees as /run.
    pub run_dirs: BTreeMap<String, PathBuf>,
    handles: BTreeMap<String, Handle>,
}

/// Opens an rtnetlink connection inside `ns` and drives it from the current runtime.
pub fn netlink_in(ns: &Namespace) -> io::Result<Handle> {
    let rt = tokio::runtime::Handle::current();
    ns.run_in(|| {
        let _guard = rt.enter();
        let (conn, handle, _) = rtnetlink::new_connection()?;
        rt.spawn(conn);
        Ok(handle)
    })
}

/// Subscribes to rtnetlink multicast `groups` (RTMGRP_* bits) inside `ns`.
pub fn monitor_in(
    ns: &Namespace,
    groups: u32,
) -> io::Result<UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, netlink_sys::SocketAddr)>> {
    let rt = tokio::runtime::Handle::current();
    ns.run_in(|| {
        let _guard = rt.enter();
        let (mut conn, _handle, messages) = rtnetlink::new_connection()?;
        use netlink_sys::AsyncSocket;
        let socket = conn.socket_mut().socket_mut();
        socket.bind(&netlink_sys::SocketAddr::new(0, groups))?;
        grow_receive_buffer(socket);
        rt.spawn(conn);
        Ok(messages)
    })
}

/// A monitor's socket buffer: the kernel drops notifications that do not fit (and says so,
/// `ENOBUFS`, recorded as `notifications-lost`). A start-up or a failover produces bursts of
/// FDB, neighbour and address changes; 4 MiB holds thousands. Root may exceed
/// `net.core.rmem_max` (SO_RCVBUFFORCE); a rootless lab gets what SO_RCVBUF allows.
fn grow_receive_buffer(socket: &netlink_sys::Socket) {
    use std::os::fd::AsRawFd;
    const SIZE: libc::c_int = 4 << 20;
    let set = |opt| {
        // Safety: a valid descriptor and a pointer to an int of the size given.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&SIZE as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            ) == 0
        }
    };
    if !set(libc::SO_RCVBUFFORCE) {
        set(libc::SO_RCVBUF);
    }
}

async fn ifindex(h: &Handle, name: &str) -> io::Result<u32> {
    let mut links = h.link().get().match_name(name.to_string()).execute();
    match links.try_next().await.map_err(nl_err)? {
        Some(l) => Ok(l.header.index),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no link {name}"),
        )),
    }
}

/// Whether interface `name` in `ns` is up with its carrier (a switch port a link fault has not
/// taken down). `false` when it cannot be read.
pub fn port_is_up(ns: &Namespace, name: &str) -> bool {
    use nix::net::if_::InterfaceFlags;
    ns.run_in(|| {
        let addrs = nix::ifaddrs::getifaddrs().map_err(io::Error::from)?;
        Ok(addrs.into_iter().any(|a| {
            a.interface_name == name
                && a.flags
                    .contains(InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING)
        }))
    })
    .unwrap_or(false)
}

/// The MAC vrlab gives a node's interface: locally administered, readable in captures as
/// 02:00:00:00:NODE:IFACE (1-based).
pub fn node_mac(node_index: usize, iface_index: usize) -> MacAddr {
    MacAddr([
        0x02,
        0,
        0,
        0,
        (node_index + 1) as u8,
        (iface_index + 1) as u8,
    ])
}

/// Sysctls vrlab sets on every node before any interface exists, so they apply to all.
/// DAD is off because the lab's addresses are known unique (validation refuses duplicates)
/// and tentative addresses would delay daemons' start by a second or more.
const NODE_SYSCTLS: &[(&str, &str)] = &[
    ("net.ipv6.conf.all.accept_dad", "0"),
    ("net.ipv6.conf.default.accept_dad", "0"),
    ("net.ipv6.conf.default.dad_transmits", "0"),
];

/// Routers forward: without it, IPv6 interfaces behave as hosts (accept RAs, form SLAAC
/// addresses on VMAC interfaces, send RS) and unsolicited NAs lack the Router flag.
const ROUTER_SYSCTLS: &[(&str, &str)] = &[
    ("net.ipv4.ip_forward", "1"),
    ("net.ipv6.conf.all.forwarding", "1"),
    ("net.ipv6.conf.default.forwarding", "1"),
];

/// Sysctls that decide how hosts learn neighbours from unsolicited ARP/NA (RFC 9568 §8.2.4,
/// RFC-CHECKLIST D10). Set to the kernel's defaults explicitly so a run records them, and
/// overridable per node in the scenario.
const HOST_SYSCTLS: &[(&str, &str)] = &[
    ("net.ipv4.conf.all.arp_accept", "0"),
    ("net.ipv4.conf.default.arp_accept", "0"),
    ("net.ipv6.conf.all.drop_unsolicited_na", "0"),
    ("net.ipv6.conf.default.drop_unsolicited_na", "0"),
    ("net.ipv6.conf.all.accept_untracked_na", "0"),
    ("net.ipv6.conf.default.accept_untracked_na", "0"),
    // Probes use ICMP echo ("ping") sockets, open to group 0: the lab runs as root, or as
    // root of its own user namespace where only ID 0 is mapped.
    ("net.ipv4.ping_group_range", "0 0"),
];

impl Drop for Topology {
    /// Every node's init is killed first, all at once; each namespace then reaps its own.
    fn drop(&mut self) {
        for ns in self.nodes.values().chain(std::iter::once(&self.switch)) {
            ns.end_init();
        }
    }
}

impl Topology {
    /// Builds the scenario's topology. `state_dir` is a private scratch directory (inside the
    /// sandbox's /run) where each node's /run lives.
    pub async fn build(scn: &Scenario, state_dir: &Path) -> Result<Topology, TopologyError> {
        let switch_run = state_dir.join(SWITCH).join("run");
        std::fs::create_dir_all(&switch_run)
            .ctx(|| format!("creating {}", switch_run.display()))?;
        let switch = Namespace::create(SWITCH, &switch_run)
            .ctx(|| "creating the switch namespace".into())?;
        let mut topo = Topology {
            switch,
            segments: scn.segments.iter().map(|s| s.name.clone()).collect(),
            nodes: BTreeMap::new(),
            bridges: Vec::new(),
            ports: Vec::new(),
            tunnels: Vec::new(),
            sysctls: Vec::new(),
            run_dirs: BTreeMap::new(),
            handles: BTreeMap::new(),
        };
        // The switch is a pure layer-2 box: no IPv6 on bridges or ports, so it sends nothing
        // of its own (no RS, MLD or DAD) into the segments.
        for (k, v) in [
            ("net.ipv6.conf.all.disable_ipv6", "1"),
            ("net.ipv6.conf.default.disable_ipv6", "1"),
        ] {
            topo.set_sysctl(SWITCH, k, v)?;
        }
        let sw = netlink_in(&topo.switch).ctx(|| "netlink in the switch namespace".into())?;
        topo.handles.insert(SWITCH.into(), sw.clone());

        // A VXLAN segment has no switch: its members' tunnels are made below.
        for seg in scn.segments.iter().filter(|s| s.vxlan.is_none()) {
            let name = format!("br-{}", seg.name);
            let mut req = sw.link().add().bridge(name.clone());
            req.message_mut()
                .attributes
                .retain(|a| !matches!(a, LinkAttribute::LinkInfo(_)));
            let mut opts = vec![
                InfoBridge::MulticastSnooping(seg.multicast_snooping as u8),
                // Learn and forward at once: no STP listening/learning delay.
                InfoBridge::ForwardDelay(0),
            ];
            // Only asked for when wanted: some kernels are built without bridge VLAN
            // filtering and refuse the attribute even when it says "off".
            if seg.vlan_aware {
                opts.push(InfoBridge::VlanFiltering(1));
            }
            req.message_mut()
                .attributes
                .push(LinkAttribute::LinkInfo(vec![
                    LinkInfo::Kind(netlink_packet_route::link::InfoKind::Bridge),
                    LinkInfo::Data(InfoData::Bridge(opts)),
                ]));
            req.execute().await.map_err(|e| {
                let msg = e.to_string();
                if seg.vlan_aware && msg.contains("not supported") {
                    io::Error::other(format!("{msg}: this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING); segment `{}` asks for vlan_aware", seg.name))
                } else {
                    io::Error::other(msg)
                }
            }).ctx(|| format!("creating bridge {name}"))?;
            let idx = ifindex(&sw, &name)
                .await
                .ctx(|| format!("finding bridge {name}"))?;
            sw.link()
                .set(idx)
                .up()
                .execute()
                .await
                .map_err(nl_err)
                .ctx(|| format!("bringing {name} up"))?;
            topo.bridges.push(Bridge {
                segment: seg.name.clone(),
                name,
                ifindex: idx,
            });
        }

        // Node namespaces are created in parallel, and each node is then wired up
        // concurrently: most of the time goes into the kernel waiting for RCU grace periods
        // (namespace creation, moving a veth end), which overlap when done together.
        let mut runs = Vec::new();
        for node in &scn.nodes {
            let run = state_dir.join(&node.name).join("run");
            std::fs::create_dir_all(&run).ctx(|| format!("creating {}", run.display()))?;
            runs.push(run);
        }
        let created: Vec<Result<Namespace, TopologyError>> = std::thread::scope(|s| {
            let handles: Vec<_> = scn
                .nodes
                .iter()
                .zip(&runs)
                .map(|(node, run)| {
                    s.spawn(move || {
                        Namespace::create(&node.name, run)
                            .ctx(|| format!("creating namespace of node {}", node.name))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(TopologyError {
                            what: "namespace thread".into(),
                            source: io::Error::other("panicked"),
                        })
                    })
                })
                .collect()
        });
        for ((node, ns), run) in scn.nodes.iter().zip(created).zip(runs) {
            topo.nodes.insert(node.name.clone(), ns?);
            topo.run_dirs.insert(node.name.clone(), run);
        }
        let mut first_port = Vec::new();
        let mut next = 0;
        for node in &scn.nodes {
            first_port.push(next);
            next += node.interfaces.len();
        }
        let wired = futures::future::join_all(scn.nodes.iter().enumerate().map(|(ni, node)| {
            let ns = &topo.nodes[&node.name];
            wire_node(&sw, ns, node, ni, first_port[ni], &topo.bridges)
        }))
        .await;
        for (node, w) in scn.nodes.iter().zip(wired) {
            let (handle, ports, sysctls) = w?;
            topo.handles.insert(node.name.clone(), handle);
            topo.ports.extend(ports);
            topo.sysctls.extend(sysctls);
        }
        topo.add_tunnels(scn).await?;
        topo.add_routes(scn).await?;
        for host in scn.hosts() {
            if let Some(via) = default_gateway(scn, host) {
                topo.handles[&host.name]
                    .route()
                    .add()
                    .v4()
                    .gateway(via)
                    .execute()
                    .await
                    .map_err(nl_err)
                    .ctx(|| format!("adding {}'s default route via {via}", host.name))?;
            }
        }
        Ok(topo)
    }

    /// The netlink handle of a namespace (`switch` or a node name).
    pub fn handle(&self, ns: &str) -> &Handle {
        &self.handles[ns]
    }

    pub fn namespace(&self, name: &str) -> &Namespace {
        if name == SWITCH {
            &self.switch
        } else {
            &self.nodes[name]
        }
    }

    /// Sets a sysctl in a namespace and records it.
    pub fn set_sysctl(&mut self, ns: &str, key: &str, value: &str) -> Result<(), TopologyError> {
        self.namespace(ns)
            .sysctl(key, value)
            .ctx(|| format!("setting {key} in {ns}"))?;
        self.sysctls.push(SysctlRecord {
            node: ns.into(),
            key: key.into(),
            value: value.into(),
        });
        Ok(())
    }

    /// Creates a macvlan (bridge mode) on `parent` inside `node`, down, with `addrgenmode none`
    /// set after creation so the kernel never forms an IPv6 address from its MAC (RFC 5798
    /// §7.4). Bring it up with [`Topology::link_up`] once its sysctls are set.
    pub async fn add_macvlan(
        &self,
        node: &str,
        name: &str,
        parent: &str,
        mac: MacAddr,
        addresses: &[IpNet],
    ) -> Result<(), TopologyError> {
        let h = self.handle(node);
        let parent_idx = ifindex(h, parent)
            .await
            .ctx(|| format!("finding {parent} in {node}"))?;
        const MACVLAN_MODE_BRIDGE: u32 = 4;
        let mut req = h
            .link()
            .add()
            .macvlan(name.to_string(), parent_idx, MACVLAN_MODE_BRIDGE)
            .address(mac.octets().to_vec());
        // rtnetlink's macvlan() asks for the link up; it must stay down until addrgenmode and
        // the adapter's sysctls are set, or the kernel forms an EUI-64 link-local from the VMAC
        // and sends MLD and DAD from it at once.
        req.message_mut()
            .header
            .flags
            .retain(|f| *f != LinkFlag::Up);
        req.message_mut()
            .header
            .change_mask
            .retain(|f| *f != LinkFlag::Up);
        req.execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("creating macvlan {name} in {node}"))?;
        let idx = ifindex(h, name).await.ctx(|| format!("finding {name}"))?;
        const IN6_ADDR_GEN_MODE_NONE: u8 = 1;
        let mut req = h.link().set(idx);
        req.message_mut()
            .attributes
            .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
                vec![AfSpecInet6::AddrGenMode(IN6_ADDR_GEN_MODE_NONE)],
            )]));
        req.execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("addrgenmode none on {name}"))?;
        for a in addresses {
            add_address(h, idx, a)
                .await
                .ctx(|| format!("adding {a} to {node}:{name}"))?;
        }
        Ok(())
    }

    /// Sets the bridge ports of `node` (all, or `interface`'s alone) down or up, from the switch side: the node's
    /// interfaces lose (or regain) carrier as with a pulled cable, and the node sees it as
    /// a real link change (operstate LOWERLAYERDOWN), which daemons tracking their
    /// interface react to. Returns the ports changed.
    pub async fn set_node_ports(
        &self,
        node: &str,
        interface: Option<&str>,
        up: bool,
    ) -> Result<Vec<String>, TopologyError> {
        let sw = self.handle(SWITCH);
        let mut changed = Vec::new();
        let ports = self
            .ports
            .iter()
            .filter(|p| p.node == node && interface.is_none_or(|i| p.interface == i));
        for p in ports {
            let req = sw.link().set(p.port_ifindex);
            let req = if up { req.up() } else { req.down() };
            req.execute().await.map_err(nl_err).ctx(|| {
                format!(
                    "bringing {} ({node}:{}) {}",
                    p.port,
                    p.interface,
                    if up { "up" } else { "down" }
                )
            })?;
            changed.push(format!("{node}:{}", p.interface));
        }
        Ok(changed)
    }

    /// Brings a link of a node up.
    /// Sets IGMP/MLD snooping on a segment's bridge, and whether the bridge itself queries
    /// (IGMP queries leave from 0.0.0.0). MLD queries need an IPv6 link-local address on the
    /// bridge, so IPv6 is turned on for that bridge alone while it queries (no DAD: usable at
    /// once); a bridge that does not query has no address, as before.
    pub async fn set_snooping(
        &self,
        segment: &str,
        enabled: bool,
        querier: bool,
    ) -> Result<(), TopologyError> {
        let bridge = self
            .bridges
            .iter()
            .find(|b| b.segment == segment)
            .ok_or_else(|| TopologyError {
                what: format!("segment {segment}"),
                source: io::Error::other("no such segment"),
            })?;
        let sysctls: &[(&str, &str)] = if querier {
            &[("accept_dad", "0"), ("disable_ipv6", "0")]
        } else {
            &[("disable_ipv6", "1")]
        };
        for (key, value) in sysctls {
            let key = format!("net.ipv6.conf.{}.{key}", bridge.name);
            self.switch
                .sysctl(&key, value)
                .ctx(|| format!("setting {key} in the switch"))?;
        }
        // The timers first, in a request of their own: turning snooping on starts the querier
        // with the intervals in force at that moment.
        let timers = vec![
            // The first query 1 s after, answered within 1 s (the defaults: 31.25 s and
            // 10 s), so that a scenario sees the querier's effect within its timeline.
            InfoBridge::MulticastStartupQueryInterval(100),
            InfoBridge::MulticastQueryResponseInterval(100),
        ];
        let state = vec![
            InfoBridge::MulticastSnooping(enabled as u8),
            InfoBridge::MulticastQuerier(querier as u8),
        ];
        for opts in [timers, state] {
            change_bridge(self.handle(SWITCH), bridge.ifindex, opts)
                .await
                .ctx(|| format!("setting snooping on {}", bridge.name))?;
        }
        Ok(())
    }

    pub async fn link_up(&self, node: &str, name: &str) -> Result<(), TopologyError> {
        let h = self.handle(node);
        let idx = ifindex(h, name)
            .await
            .ctx(|| format!("finding {name} in {node}"))?;
        h.link()
            .set(idx)
            .up()
            .execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("bringing {node}:{name} up"))
    }
}

/// The switch's end of a node's interface, as FDB entries, captures and `bridge fdb` name it:
/// `r1-eth0`; `vpN` (the `n`th port of the lab) where that would be longer than an interface
/// name may be, or a bridge's name.
fn port_name(node: &str, iface: &str, n: usize, bridges: &[Bridge]) -> String {
    let name = format!("{node}-{iface}");
    if name.len() <= crate::scenario::IFNAME_MAX && bridges.iter().all(|b| b.name != name) {
        name
    } else {
        format!("vp{n}")
    }
}

/// Sets one node up: its sysctls, loopback, and a veth per interface joined to its segment's
/// bridge. Returns the node's netlink handle, its ports and the sysctls it set.
async fn wire_node(
    sw: &Handle,
    ns: &Namespace,
    node: &crate::scenario::Node,
    ni: usize,
    first_port: usize,
    bridges: &[Bridge],
) -> Result<(Handle, Vec<Port>, Vec<SysctlRecord>), TopologyError> {
    // vrlab's defaults first, then the scenario's own, which may override them.
    let mut wanted: Vec<(String, String)> = NODE_SYSCTLS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if node.role == Role::Router {
        wanted.extend(
            ROUTER_SYSCTLS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    if node.role == Role::Host {
        wanted.extend(
            HOST_SYSCTLS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    let sysctls = ns
        .sysctls(&wanted)
        .ctx(|| format!("setting sysctls in {}", node.name))?;
    let mut records: Vec<SysctlRecord> = sysctls
        .into_iter()
        .map(|(key, value)| SysctlRecord {
            node: node.name.clone(),
            key,
            value,
        })
        .collect();
    let h = netlink_in(ns).ctx(|| format!("netlink in node {}", node.name))?;
    let lo = ifindex(&h, "lo").await.ctx(|| "finding lo".into())?;
    h.link()
        .set(lo)
        .up()
        .execute()
        .await
        .map_err(nl_err)
        .ctx(|| format!("bringing lo up in {}", node.name))?;
    let mut ports = Vec::new();
    for (ii, iface) in node.interfaces.iter().enumerate() {
        let port = port_name(&node.name, &iface.name, first_port + ii, bridges);
        let mac = node_mac(ni, ii);
        // No bridge: a VXLAN interface, made once every node's underlay is up.
        let Some(bridge) = bridges.iter().find(|b| b.segment == iface.segment) else {
            continue;
        };
        // One request makes the pair with the node's end already inside the node, named, with
        // its MAC and up. Moving an existing link
        // between namespaces instead costs the kernel an RCU grace period (~20ms) per link.
        let fd = ns.net_fd().ctx(|| "dup of namespace fd".into())?;
        let mut req = sw.link().add().veth(port.clone(), iface.name.clone());
        {
            let msg = req.message_mut();
            msg.attributes.push(LinkAttribute::NetNsFd(fd.as_raw_fd()));
            msg.attributes
                .push(LinkAttribute::Address(mac.octets().to_vec()));
        }
        req.execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("creating veth for {}:{}", node.name, iface.name))?;
        drop(fd);
        let idx = ifindex(&h, &iface.name)
            .await
            .ctx(|| format!("finding {}:{}", node.name, iface.name))?;
        for a in &iface.addresses {
            add_address(&h, idx, a)
                .await
                .ctx(|| format!("adding {a} to {}:{}", node.name, iface.name))?;
        }

        let port_idx = ifindex(sw, &port).await.ctx(|| format!("finding {port}"))?;
        // The kernel ignores a controller given for a veth's peer at creation: attach here.
        sw.link()
            .set(port_idx)
            .controller(bridge.ifindex)
            .execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("attaching {port} to {}", bridge.name))?;
        if let Some(vid) = iface.vlan {
            set_access_vlan(sw, port_idx, vid)
                .await
                .ctx(|| format!("VLAN {vid} on {port}"))?;
        }
        sw.link()
            .set(port_idx)
            .up()
            .execute()
            .await
            .map_err(nl_err)
            .ctx(|| format!("bringing {port} up"))?;
        ports.push(Port {
            segment: iface.segment.clone(),
            node: node.name.clone(),
            interface: iface.name.clone(),
            port,
            port_ifindex: port_idx,
            node_ifindex: idx,
            mac,
        });
    }
    let extra = ns
        .sysctls(&node.sysctls)
        .ctx(|| format!("setting the scenario's sysctls in {}", node.name))?;
    records.extend(extra.into_iter().map(|(key, value)| SysctlRecord {
        node: node.name.clone(),
        key,
        value,
    }));
    Ok((h, ports, records))
}

/// Changes an existing bridge's options, as `ip link set BR type bridge …` does: RTM_NEWLINK
/// without NLM_F_CREATE (the kernel applies link-info data only on NEWLINK; rtnetlink's
/// `set` sends SETLINK, which ignores it, and its `add` asks for EXCL or REPLACE, which an
/// existing link refuses).
async fn change_bridge(h: &Handle, ifindex: u32, opts: Vec<InfoBridge>) -> io::Result<()> {
    use netlink_packet_route::link::LinkMessage;
    let mut msg = LinkMessage::default();
    msg.header.index = ifindex;
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(netlink_packet_route::link::InfoKind::Bridge),
        LinkInfo::Data(InfoData::Bridge(opts)),
    ]));
    let mut nl = NetlinkMessage::from(RouteNetlinkMessage::NewLink(msg));
    nl.header.flags = netlink_packet_core::NLM_F_REQUEST | netlink_packet_core::NLM_F_ACK;
    acked(h, nl).await
}

/// Sends a request and waits for its acknowledgement.
async fn acked(h: &Handle, nl: NetlinkMessage<RouteNetlinkMessage>) -> io::Result<()> {
    use futures::StreamExt;
    let mut resp = h.clone().request(nl).map_err(nl_err)?;
    while let Some(m) = resp.next().await {
        if let netlink_packet_core::NetlinkPayload::Error(e) = m.payload {
            if e.code.is_some() {
                return Err(io::Error::other(format!("netlink: {e:?}")));
            }
        }
    }
    Ok(())
}

/// Where a host's default route goes: the first IPv4 VIP of its gateway virtual router.
fn default_gateway(scn: &Scenario, host: &crate::scenario::Node) -> Option<std::net::Ipv4Addr> {
    let v = scn.vrouter(host.gateway.as_deref()?)?;
    v.vips.iter().find_map(|ip| match ip {
        std::net::IpAddr::V4(v4) => Some(*v4),
        std::net::IpAddr::V6(_) => None,
    })
}

async fn add_address(h: &Handle, idx: u32, a: &IpNet) -> io::Result<()> {
    h.address()
        .add(idx, a.addr, a.prefix)
        .execute()
        .await
        .map_err(nl_err)
}

/// Makes a bridge port an access port of `vid` (PVID, untagged) and removes the default
/// VLAN 1, as `bridge vlan add dev PORT vid VID pvid untagged` + `del vid 1` would.
async fn set_access_vlan(h: &Handle, port: u32, vid: u16) -> io::Result<()> {
    use netlink_packet_route::link::{AfSpecBridge, LinkMessage};
    use netlink_packet_route::AddressFamily;
    const BRIDGE_VLAN_INFO_PVID: u16 = 1 << 1;
    const BRIDGE_VLAN_INFO_UNTAGGED: u16 = 1 << 2;
    for (del, flags, id) in [
        (true, 0, 1u16),
        (
            false,
            BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED,
            vid,
        ),
    ] {
        let mut msg = LinkMessage::default();
        msg.header.interface_family = AddressFamily::Bridge;
        msg.header.index = port;
        msg.attributes
            .push(LinkAttribute::AfSpecBridge(vec![AfSpecBridge::VlanInfo(
                vlan_info(flags, id)?,
            )]));
        let req = if del {
            RouteNetlinkMessage::DelLink(msg)
        } else {
            RouteNetlinkMessage::SetLink(msg)
        };
        let mut nl = NetlinkMessage::from(req);
        nl.header.flags = netlink_packet_core::NLM_F_REQUEST | netlink_packet_core::NLM_F_ACK;
        acked(h, nl).await?;
    }
    Ok(())
}

/// BridgeVlanInfo is non-exhaustive: build it from its wire form (flags, vid; native endian).
fn vlan_info(flags: u16, vid: u16) -> io::Result<netlink_packet_route::link::BridgeVlanInfo> {
    let mut b = [0u8; 4];
    b[..2].copy_from_slice(&flags.to_ne_bytes());
    b[2..].copy_from_slice(&vid.to_ne_bytes());
    netlink_packet_route::link::BridgeVlanInfo::try_from(&b[..])
        .map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bridge(name: &str) -> Bridge {
        Bridge {
            segment: name.trim_start_matches("br-").into(),
            name: name.into(),
            ifindex: 0,
        }
    }

    /// A port is named after the node's interface behind it, unless that name is too long
    /// for the kernel or is a bridge's.
    #[test]
    fn ports_are_named_after_their_node_and_interface() {
        let bridges = [bridge("br-lan")];
        assert_eq!(port_name("r1", "eth0", 0, &bridges), "r1-eth0");
        assert_eq!(
            port_name("gateway-east", "eth0", 3, &bridges),
            "vp3",
            "17 characters"
        );
        assert_eq!(
            port_name("br", "lan", 4, &bridges),
            "vp4",
            "the bridge's name"
        );
        assert_eq!(
            port_name("abcdefghij", "eth0", 5, &bridges),
            "abcdefghij-eth0"
        );
    }
}
