//! The lab's own BGP speakers: FRR's zebra and bgpd in each node a scenario gives `bgp`,
//! beside whatever daemon is under test — the routing of a cloud deployment, where the master
//! holds the VIPs on `lo` and a BGP daemon announces them upstream only while it holds them.
//!
//! A router announces its connected /32s that are VIPs held on `lo` (`redistribute connected`
//! through a prefix list of those VIPs): the route appears when the VRRP daemon adds a VIP and
//! is withdrawn when it removes it. A node without such VIPs (the upstream) only learns them.
//! Sessions are external (`remote-as external`), with one-second keepalives, a one-second
//! connect retry and no advertisement interval, so that a change reaches the upstream in
//! milliseconds and what the lab measures is the VRRP daemon's, not BGP's timers.

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use super::frr::{argv, render_zebra_for, USER};
use super::{NodePaths, Plan, ProcessSpec, Ready};
use crate::scenario::{Bgp, Scenario};

/// Why the lab cannot run its BGP speakers on this machine, if it cannot: FRR's zebra and
/// bgpd, and its user, are needed.
pub fn missing() -> Option<String> {
    for prog in ["zebra", "bgpd"] {
        if super::find_program(prog, super::frr::DIRS).is_none() {
            return Some(format!(
                "the scenario's `bgp` needs FRR's {prog} (apt-get install frr)"
            ));
        }
    }
    if crate::sandbox::rootless() {
        return Some("the scenario's `bgp` runs FRR's bgpd as user frr, which a rootless lab cannot have: run vrlab as root".into());
    }
    match nix::unistd::User::from_name(USER) {
        Ok(Some(_)) => None,
        _ => Some(format!("the scenario's `bgp` needs user `{USER}` (FRR's daemons run as it; apt-get install frr)")),
    }
}

/// The VIPs `node` holds on `lo` while it is master: what its speaker announces.
pub fn announced(scn: &Scenario, node: &str) -> Vec<Ipv4Addr> {
    scn.vrouters
        .iter()
        .filter(|v| v.vip_interface.as_deref() == Some("lo") && v.priority_of(node).is_some())
        .flat_map(|v| v.vips.iter())
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) => Some(*v4),
            IpAddr::V6(_) => None,
        })
        .collect()
}

/// The node's first IPv4 address: its BGP router id.
fn router_id(scn: &Scenario, node: &str) -> Option<Ipv4Addr> {
    scn.node(node)?.addresses().find_map(|a| match a {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(_) => None,
    })
}

pub(crate) fn render_bgpd(
    node: &str,
    bgp: &Bgp,
    id: Option<Ipv4Addr>,
    vips: &[Ipv4Addr],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "! bgpd.conf for node {node}, rendered by vrlab: the lab's BGP speaker, beside the daemon under test."
    );
    let _ = writeln!(s, "hostname {node}\n!");
    if !vips.is_empty() {
        for (i, v) in vips.iter().enumerate() {
            let _ = writeln!(s, "ip prefix-list vips seq {} permit {v}/32", (i + 1) * 5);
        }
        let _ = writeln!(
            s,
            "!\nroute-map vips permit 10\n match ip address prefix-list vips\n!"
        );
    }
    let _ = writeln!(s, "router bgp {}", bgp.asn);
    if let Some(id) = id {
        let _ = writeln!(s, " bgp router-id {id}");
    }
    let _ = writeln!(s, " no bgp ebgp-requires-policy");
    let _ = writeln!(s, " timers bgp 1 3");
    for n in &bgp.neighbors {
        let _ = writeln!(s, " neighbor {n} remote-as external");
        let _ = writeln!(s, " neighbor {n} timers connect 1");
        let _ = writeln!(s, " neighbor {n} advertisement-interval 0");
    }
    if !vips.is_empty() {
        let _ = writeln!(s, " !\n address-family ipv4 unicast");
        let _ = writeln!(s, "  redistribute connected route-map vips");
        let _ = writeln!(s, " exit-address-family");
    }
    let _ = writeln!(s, "!");
    s
}

/// Adds the node's BGP speaker to its plan: FRR's run directories, zebra (unless the daemon
/// under test is FRR and runs it already) and bgpd, ready when its vty socket exists. They
/// start before the daemon under test, as a router's routing comes up before keepalived: the
/// judge times the daemon's start-up from its own start, the last of the node's.
pub fn add(plan: &mut Plan, scn: &Scenario, node: &str, bgp: &Bgp, paths: &NodePaths) {
    let node_dir = PathBuf::from("/run/frr").join(node);
    let host_dir = paths.run.join("frr").join(node);
    let bgpd = render_bgpd(node, bgp, router_id(scn, node), &announced(scn, node));
    for dir in [PathBuf::from("/run/frr"), node_dir.clone()] {
        if !plan.run_dirs.iter().any(|(d, _)| *d == dir) {
            plan.run_dirs.push((dir, Some(USER.into())));
        }
    }
    let at = match plan.processes.iter().position(|p| p.name == "zebra") {
        Some(zebra) => zebra + 1,
        None => {
            let zebra = render_zebra_for(node);
            plan.files
                .push((host_dir.join("zebra.conf"), zebra.clone()));
            plan.files.push((paths.dir.join("zebra.conf"), zebra));
            plan.processes.insert(
                0,
                ProcessSpec {
                    name: "zebra".into(),
                    argv: argv("zebra", node, &node_dir.join("zebra.conf")),
                    env: Vec::new(),
                    vrrp: false,
                    ready: Ready::PathExists(host_dir.join("zserv.api")),
                },
            );
            1
        }
    };
    plan.files.push((host_dir.join("bgpd.conf"), bgpd.clone()));
    plan.files.push((paths.dir.join("bgpd.conf"), bgpd));
    plan.processes.insert(
        at,
        ProcessSpec {
            name: "bgpd".into(),
            argv: argv("bgpd", node, &node_dir.join("bgpd.conf")),
            env: Vec::new(),
            vrrp: false,
            ready: Ready::PathExists(host_dir.join("bgpd.vty")),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_router_announces_its_vips_on_lo_and_the_upstream_only_learns() {
        let bgp = Bgp {
            asn: 65001,
            neighbors: vec!["198.51.100.254".parse().unwrap()],
        };
        let text = render_bgpd(
            "r1",
            &bgp,
            Some("198.51.100.1".parse().unwrap()),
            &["203.0.113.10".parse().unwrap()],
        );
        for line in [
            "ip prefix-list vips seq 5 permit 203.0.113.10/32",
            "router bgp 65001",
            " bgp router-id 198.51.100.1",
            " neighbor 198.51.100.254 remote-as external",
            " neighbor 198.51.100.254 advertisement-interval 0",
            "  redistribute connected route-map vips",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
        }
        let up = render_bgpd("up", &bgp, None, &[]);
        assert!(!up.contains("redistribute"), "{up}");
        assert!(!up.contains("prefix-list"), "{up}");
    }
}
