//! FRR adapter: one zebra and one vrrpd per router node.
//!
//! vrrpd does not create interfaces: it looks for a macvlan on the virtual router's interface
//! carrying the virtual MAC, and puts it in `protodown` while Backup. So the plan creates, per
//! virtual router and before the daemons start, a macvlan in bridge mode (a backup must still
//! receive adverts on the parent) with `addrgenmode none` and these addresses:
//! - the VIPs, as host prefixes (vrrpd only activates a VIP configured on its macvlan);
//! - for IPv6, a link-local of its own, not derived from the virtual MAC (IPv6 adverts leave
//!   from the macvlan's link-local; two routers with the same one would both win elections).
//!   It is `fe80::VRID:M0M1:M2M3:M4M5` from the parent's MAC, e.g. `fe80::34:200:0:101`.
//!
//! The daemons run as user `frr` (FRR refuses to run as root without the `frrvty` group) and
//! read their configuration as that user, so it lives in the node's `/run/frr/NODE/` (owned by
//! `frr`), with a copy in the node's run directory for the record. `-N NODE` puts pid files and
//! sockets under `/run/frr/NODE/` as well; each node's /run is private anyway.
//!
//! What vrrpd 8.4 cannot render is refused by [`Frr::unsupported`]: unicast peers, `vmac =
//! false`, priority 255 and preempt delay. Accept_Mode has no setting in vrrpd: a master
//! accepts packets to its VIPs whatever the scenario says (the VIPs are addresses of its
//! macvlan), so `accept = false` runs and the judge sees the deviation.
//!
//! Behaviour of FRR 8.4.4 seen in the lab (findings, not fixed here):
//! - on Backup → Master (start-up included), the IPv6 router's first advertisement never
//!   reaches the wire (probably sent while the macvlan is still protodown): the first IPv6
//!   advert comes one Advertisement_Interval after the takeover, the unsolicited NA at the
//!   takeover; vrrpd logs "Failed to find address to bind on vrrp6-…" then; IPv4 is not
//!   affected;
//! - as IPv6 master it has zebra send Router Advertisements from the macvlan's own link-local
//!   (router lifetime 48 s, a prefix option for the /128 VIP with the A flag), so hosts' default
//!   router is a per-router address, not a shared one;
//! - after SIGKILL the macvlans stay as they were: a killed master keeps its VIPs up and answers
//!   ARP/ND with the virtual MAC; after SIGTERM they stay protodown;
//! - one gratuitous ARP (a request) per IPv4 VIP and one NA (Router and Override flags) per
//!   IPv6 VIP on becoming master;
//! - zebra and vrrpd log at info level; vrrpd repeats "Refusing to start Virtual Router: No VRRP
//!   interface" for the other family of each VRID.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

use crate::scenario::{Family, IpNet};

use super::{
    find_program, host_prefix, own, version_line, Adapter, AdapterError, InterfaceSpec, LinkSpec,
    Missing, NodePaths, Plan, ProcessSpec, Ready, RouterSpec, Version, VrouterSpec,
};

pub struct Frr;

/// Where distributions put FRR's daemons: Debian/Ubuntu, Fedora/RHEL, then PATH.
pub(crate) const DIRS: &[&str] = &["/usr/lib/frr", "/usr/libexec/frr", "/usr/sbin"];
pub(crate) const USER: &str = "frr";

impl Adapter for Frr {
    fn name(&self) -> &'static str {
        "frr"
    }

    fn describe(&self) -> &'static str {
        "FRR zebra + vrrpd (macvlan VMAC interfaces created by vrlab)"
    }

    fn installed(&self) -> Result<Version, Missing> {
        let missing = |what: String| Missing {
            daemon: "frr",
            what,
            fix: "apt-get install frr".into(),
        };
        let mut version = None;
        for prog in ["zebra", "vrrpd"] {
            let path = find_program(prog, DIRS).ok_or_else(|| {
                missing(format!(
                    "no `{prog}` in /usr/lib/frr, /usr/libexec/frr, /usr/sbin or on PATH"
                ))
            })?;
            if version.is_none() {
                version = Some(version_line(&path, "--version").ok_or_else(|| {
                    missing(format!("`{} --version` did not run", path.display()))
                })?);
            }
        }
        match nix::unistd::User::from_name(USER) {
            Ok(Some(_)) => {}
            _ => {
                return Err(missing(format!(
                    "no user `{USER}` (FRR's daemons run as it)"
                )))
            }
        }
        // "zebra version 8.4.4" → "FRR 8.4.4".
        let line = version.unwrap_or_default();
        let v = line.rsplit(' ').next().unwrap_or(&line);
        Ok(Version(format!("FRR {v}")))
    }

    fn unsupported(&self, node: &RouterSpec) -> Vec<String> {
        let mut out = Vec::new();
        for vr in &node.vrouters {
            if node.interface(&vr.interface).is_none() {
                out.push(format!(
                    "{}: node {} has no interface {}",
                    vr.name, node.node, vr.interface
                ));
            }
            if !vr.vmac {
                out.push(format!(
                    "{}: vrrpd works only through a macvlan carrying the virtual MAC; \
                     vmac = false cannot be rendered",
                    vr.name
                ));
            }
            if !vr.unicast_peers.is_empty() {
                out.push(format!(
                    "{}: vrrpd only multicasts advertisements; unicast peers cannot be rendered",
                    vr.name
                ));
            }
            if vr.priority == 255 {
                out.push(format!(
                    "{}: vrrpd takes priorities 1-254 and claims 255 only when a VIP is an \
                     address of the parent interface; priority 255 cannot be rendered",
                    vr.name
                ));
            }
            if vr.notify.is_some() {
                out.push(format!(
                    "{}: vrrpd runs no command on a change of state (FRR 8.4 has no notify \
                     hooks); notify cannot be rendered",
                    vr.name
                ));
            }
            if vr.preempt_delay_cs > 0 {
                out.push(format!("{}: vrrpd has no preempt delay", vr.name));
            }
            if !vr.track.is_empty() {
                out.push(format!(
                    "{}: vrrpd tracks nothing (FRR 8.4 has no track scripts or interfaces;                      its priority is fixed): track cannot be rendered",
                    vr.name
                ));
            }
            if vr.auth_pass.is_some() {
                out.push(format!(
                    "{}: vrrpd sends and accepts no authentication (RFC 3768 type 0 only): auth_pass cannot be rendered",
                    vr.name
                ));
            }
            if let Some(dev) = &vr.vip_interface {
                out.push(format!(
                    "{}: vrrpd holds the VIPs on its macvlan only: vip_interface = \"{dev}\" cannot be rendered",
                    vr.name
                ));
            }
            if let Some(g) = &vr.sync_group {
                out.push(format!(
                    "{}: vrrpd has no sync groups (each FRR virtual router fails over on its \
                     own): sync group `{g}` cannot be rendered",
                    vr.name
                ));
            }
        }
        // vrrpd keeps one router per (interface, VRID) for both families: version, priority,
        // interval and preempt are shared.
        for group in groups(node).values() {
            if let [a, b] = group[..] {
                let differ: Vec<&str> = [
                    ("version", a.protocol != b.protocol),
                    ("priority", a.priority != b.priority),
                    ("interval", a.interval_cs != b.interval_cs),
                    ("preempt", a.preempt != b.preempt),
                ]
                .iter()
                .filter(|(_, d)| *d)
                .map(|(n, _)| *n)
                .collect();
                if !differ.is_empty() {
                    out.push(format!(
                        "{} and {}: vrrpd shares {} between the IPv4 and IPv6 halves of VRID {} \
                         on {}; give them the same values or different VRIDs",
                        a.name,
                        b.name,
                        differ.join(", "),
                        a.vrid,
                        a.interface
                    ));
                }
            }
        }
        out
    }

    fn takes_own_config(&self) -> bool {
        true
    }

    fn own_config_findings(&self, text: &str, node: &RouterSpec) -> Vec<own::Finding> {
        super::frr_conf::findings(text, node)
    }

    fn needs_users(&self) -> &'static [&'static str] {
        &["frr"]
    }

    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError> {
        if let Some(reason) = self.unsupported(node).into_iter().next() {
            return Err(AdapterError::Unsupported {
                daemon: "frr",
                node: node.node.clone(),
                reason,
            });
        }
        // As the node sees it, and as the harness does.
        let node_dir = PathBuf::from("/run/frr").join(&node.node);
        let host_dir = paths.run.join("frr").join(&node.node);
        let zebra_conf = render_zebra(node);
        let vrrpd_conf = match own::filled(node, self.name(), &paths.dir) {
            Some(text) => text?,
            None => render_vrrpd(node),
        };
        let files = vec![
            (host_dir.join("zebra.conf"), zebra_conf.clone()),
            (host_dir.join("vrrpd.conf"), vrrpd_conf.clone()),
            (paths.dir.join("zebra.conf"), zebra_conf),
            (paths.dir.join("vrrpd.conf"), vrrpd_conf),
        ];
        Ok(Plan {
            links: links(node),
            sysctls: sysctls(node),
            files,
            run_dirs: vec![
                (PathBuf::from("/run/frr"), Some(USER.into())),
                (node_dir.clone(), Some(USER.into())),
            ],
            processes: vec![
                ProcessSpec {
                    name: "zebra".into(),
                    argv: argv("zebra", &node.node, &node_dir.join("zebra.conf")),
                    env: Vec::new(),
                    vrrp: false,
                    // vrrpd connects to it once; if it is not there yet, vrrpd retries 10 s later.
                    ready: Ready::PathExists(host_dir.join("zserv.api")),
                },
                ProcessSpec {
                    name: "vrrpd".into(),
                    argv: argv("vrrpd", &node.node, &node_dir.join("vrrpd.conf")),
                    env: Vec::new(),
                    vrrp: true,
                    ready: Ready::PathExists(host_dir.join("vrrpd.vty")),
                },
            ],
        })
    }
}

/// The virtual routers of a node as vrrpd groups them: by (interface, VRID).
fn groups(node: &RouterSpec) -> BTreeMap<(&str, u8), Vec<&VrouterSpec>> {
    let mut g: BTreeMap<(&str, u8), Vec<&VrouterSpec>> = BTreeMap::new();
    for vr in &node.vrouters {
        g.entry((vr.interface.as_str(), vr.vrid))
            .or_default()
            .push(vr);
    }
    g
}

/// Foreground (no `-d`), logging to stdout at info level (state changes), no TCP vty
/// (`-P 0`; the Unix vty sockets stay, so `vtysh -N NODE` works inside the node).
pub(crate) fn argv(daemon: &str, node: &str, conf: &Path) -> Vec<String> {
    let prog = find_program(daemon, DIRS).unwrap_or_else(|| Path::new("/usr/lib/frr").join(daemon));
    vec![
        prog.display().to_string(),
        "-N".into(),
        node.into(),
        "-P".into(),
        "0".into(),
        "-f".into(),
        conf.display().to_string(),
        "--log".into(),
        "stdout".into(),
        "--log-level".into(),
        "info".into(),
    ]
}

/// The link-local of an IPv6 VMAC interface: `fe80::VRID:M0M1:M2M3:M4M5` from the parent's
/// MAC, unique per router and VRID, never the EUI-64 of the virtual MAC.
fn link_local(parent: &InterfaceSpec, vrid: u8) -> IpNet {
    let m = parent.mac.octets();
    let w = |a: u8, b: u8| u16::from_be_bytes([a, b]);
    let addr = Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        vrid.into(),
        w(m[0], m[1]),
        w(m[2], m[3]),
        w(m[4], m[5]),
    );
    IpNet {
        addr: IpAddr::V6(addr),
        prefix: 64,
    }
}

fn links(node: &RouterSpec) -> Vec<LinkSpec> {
    node.vrouters
        .iter()
        .filter_map(|vr| {
            let (_, parent) = node.interface(&vr.interface)?;
            let mut addresses = Vec::new();
            if vr.family == Family::Ipv6 {
                addresses.push(link_local(parent, vr.vrid));
            }
            addresses.extend(vr.vips.iter().map(|ip| host_prefix(*ip)));
            Some(LinkSpec::Macvlan {
                name: node.vmac_ifname(vr),
                parent: vr.interface.clone(),
                mac: vr.vmac_addr(),
                addresses,
                up: true,
            })
        })
        .collect()
}

/// A VRRP router forwards (which also keeps the kernel from sending Router Solicitations from
/// the VMAC interfaces and from autoconfiguring addresses from FRR's own RAs). The VIPs stay
/// configured on a backup's macvlans, so:
/// - `arp_ignore=1` on the parent: only the macvlan holding a VIP answers ARP for it (without
///   it, a backup answers with its own MAC);
/// - `arp_ignore=1` on every macvlan: the IPv6 one must not answer ARP for IPv4 VIPs;
/// - `arp_announce=2` on the parent: ARP requests from its MAC never carry a VIP;
/// - no IPv6 on IPv4 macvlans: they would send MLD reports from `::` with the virtual MAC
///   each time vrrpd lifts protodown.
fn sysctls(node: &RouterSpec) -> Vec<(String, String)> {
    let mut out = vec![
        ("net.ipv4.ip_forward".to_string(), "1".to_string()),
        ("net.ipv6.conf.all.forwarding".to_string(), "1".to_string()),
    ];
    for iface in &node.interfaces {
        if node.vrouters.iter().any(|v| v.interface == iface.name) {
            out.push((
                format!("net.ipv4.conf.{}.arp_ignore", iface.name),
                "1".into(),
            ));
            out.push((
                format!("net.ipv4.conf.{}.arp_announce", iface.name),
                "2".into(),
            ));
        }
    }
    for vr in &node.vrouters {
        let mvl = node.vmac_ifname(vr);
        out.push((format!("net.ipv4.conf.{mvl}.arp_ignore"), "1".into()));
        if vr.family == Family::Ipv4 {
            out.push((format!("net.ipv6.conf.{mvl}.disable_ipv6"), "1".into()));
        }
    }
    out
}

pub(crate) fn render_zebra(node: &RouterSpec) -> String {
    render_zebra_for(&node.node)
}

/// zebra.conf for a node: its hostname; the rest is the kernel's.
pub(crate) fn render_zebra_for(node: &str) -> String {
    format!(
        "! zebra.conf for node {n}, rendered by vrlab.\n\
         hostname {n}\n\
         !\n",
        n = node
    )
}

pub(crate) fn render_vrrpd(node: &RouterSpec) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "! vrrpd.conf for node {}, rendered by vrlab (adapter frr).",
        node.node
    );
    let mvls: Vec<String> = node.vrouters.iter().map(|v| node.vmac_ifname(v)).collect();
    let _ = writeln!(
        s,
        "! vrlab creates the VMAC interfaces before vrrpd starts: {}.",
        mvls.join(", ")
    );
    let _ = writeln!(s, "hostname {}", node.node);
    let _ = writeln!(s, "!");
    let mut by_iface: BTreeMap<&str, Vec<&VrouterSpec>> = BTreeMap::new();
    for vr in &node.vrouters {
        by_iface.entry(vr.interface.as_str()).or_default().push(vr);
    }
    for (iface, vrs) in by_iface {
        let _ = writeln!(s, "interface {iface}");
        let mut done: Vec<u8> = Vec::new();
        for vr in &vrs {
            let id = vr.vrid;
            if !done.contains(&id) {
                done.push(id);
                let _ = writeln!(s, " vrrp {id} version {}", vr.protocol.version());
                let _ = writeln!(s, " vrrp {id} priority {}", vr.priority);
                let _ = writeln!(
                    s,
                    " vrrp {id} advertisement-interval {}",
                    u32::from(vr.interval_cs) * 10
                );
                if !vr.preempt {
                    let _ = writeln!(s, " no vrrp {id} preempt");
                }
            }
            let _ = writeln!(s, " ! {} ({})", vr.name, vr.family);
            if !vr.accept {
                let _ = writeln!(
                    s,
                    " ! accept = false: vrrpd has no Accept_Mode setting; a master accepts"
                );
            }
            // IPv6: the virtual link-local first, as every adapter lists it (RFC 9568 §5.2.9),
            // so that daemons comparing address lists (keepalived) accept vrrpd's adverts.
            // vrrpd advertises its addresses in the order configured; it adds none itself.
            for ip in &vr.advertised() {
                let kw = match ip {
                    IpAddr::V4(_) => "ip",
                    IpAddr::V6(_) => "ipv6",
                };
                let _ = writeln!(s, " vrrp {id} {kw} {ip}");
            }
        }
        let _ = writeln!(s, "exit");
        let _ = writeln!(s, "!");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::{r1, vr};

    #[test]
    fn renders_vrrpd_for_two_virtual_routers() {
        let text = render_vrrpd(&r1());
        let expected = "\
! vrrpd.conf for node r1, rendered by vrlab (adapter frr).
! vrlab creates the VMAC interfaces before vrrpd starts: vrrp4-0-51, vrrp6-0-52.
hostname r1
!
interface eth0
 vrrp 51 version 3
 vrrp 51 priority 200
 vrrp 51 advertisement-interval 100
 ! gw4 (ipv4)
 ! accept = false: vrrpd has no Accept_Mode setting; a master accepts
 vrrp 51 ip 192.0.2.100
 vrrp 52 version 3
 vrrp 52 priority 200
 vrrp 52 advertisement-interval 100
 ! gw6 (ipv6)
 ! accept = false: vrrpd has no Accept_Mode setting; a master accepts
 vrrp 52 ipv6 fe80::5e:2:34
 vrrp 52 ipv6 2001:db8:1::100
exit
!
";
        assert_eq!(text, expected);
        assert!(render_zebra(&r1()).contains("\nhostname r1\n"));
    }

    #[test]
    fn shared_vrid_is_rendered_once() {
        let mut node = r1();
        node.vrouters[1].vrid = 51;
        node.vrouters[0].preempt = false;
        node.vrouters[1].preempt = false;
        node.vrouters[0].accept = true;
        node.vrouters[1].accept = true;
        assert!(Frr.unsupported(&node).is_empty());
        let text = render_vrrpd(&node);
        assert_eq!(text.matches("vrrp 51 version 3").count(), 1, "{text}");
        assert_eq!(text.matches("no vrrp 51 preempt").count(), 1, "{text}");
        assert!(text.contains(" vrrp 51 ip 192.0.2.100\n"));
        assert!(text.contains(" vrrp 51 ipv6 2001:db8:1::100\n"));
        assert!(!text.contains("accept = false"));
        node.vrouters[1].priority = 100;
        let why = Frr.unsupported(&node);
        assert_eq!(why.len(), 1);
        assert!(why[0].contains("shares priority"), "{why:?}");
    }

    #[test]
    fn plan_creates_macvlans_then_zebra_then_vrrpd() {
        let paths = NodePaths {
            dir: "/runs/x/nodes/r1".into(),
            run: "/sandbox/r1/run".into(),
        };
        let plan = Frr.prepare(&r1(), &paths).unwrap();
        let links: Vec<_> = plan
            .links
            .iter()
            .map(
                |LinkSpec::Macvlan {
                     name,
                     parent,
                     mac,
                     addresses,
                     up,
                 }| {
                    (
                        name.as_str(),
                        parent.as_str(),
                        mac.to_string(),
                        addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                        *up,
                    )
                },
            )
            .collect();
        assert_eq!(
            links,
            [
                (
                    "vrrp4-0-51",
                    "eth0",
                    "00:00:5e:00:01:33".into(),
                    vec!["192.0.2.100/32".into()],
                    true
                ),
                (
                    "vrrp6-0-52",
                    "eth0",
                    "00:00:5e:00:02:34".into(),
                    vec!["fe80::34:200:0:101/64".into(), "2001:db8:1::100/128".into()],
                    true
                ),
            ]
        );
        for (k, v) in [
            ("net.ipv4.conf.eth0.arp_ignore", "1"),
            ("net.ipv4.conf.eth0.arp_announce", "2"),
            ("net.ipv4.conf.vrrp4-0-51.arp_ignore", "1"),
            ("net.ipv4.conf.vrrp6-0-52.arp_ignore", "1"),
            ("net.ipv6.conf.vrrp4-0-51.disable_ipv6", "1"),
            ("net.ipv6.conf.all.forwarding", "1"),
        ] {
            assert!(plan.sysctls.contains(&(k.into(), v.into())), "{k}");
        }
        assert!(!plan
            .sysctls
            .iter()
            .any(|(k, _)| k == "net.ipv6.conf.vrrp6-0-52.disable_ipv6"));
        assert_eq!(
            plan.run_dirs,
            [
                (PathBuf::from("/run/frr"), Some("frr".into())),
                (PathBuf::from("/run/frr/r1"), Some("frr".into())),
            ]
        );
        let files: Vec<_> = plan.files.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            files,
            [
                PathBuf::from("/sandbox/r1/run/frr/r1/zebra.conf"),
                PathBuf::from("/sandbox/r1/run/frr/r1/vrrpd.conf"),
                PathBuf::from("/runs/x/nodes/r1/zebra.conf"),
                PathBuf::from("/runs/x/nodes/r1/vrrpd.conf"),
            ]
        );
        let names: Vec<_> = plan.processes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["zebra", "vrrpd"]);
        let (zebra, vrrpd) = (&plan.processes[0], &plan.processes[1]);
        assert!(!zebra.vrrp && vrrpd.vrrp);
        assert!(zebra.argv[0].ends_with("/zebra"));
        assert_eq!(
            zebra.argv[1..],
            [
                "-N",
                "r1",
                "-P",
                "0",
                "-f",
                "/run/frr/r1/zebra.conf",
                "--log",
                "stdout",
                "--log-level",
                "info"
            ]
        );
        assert_eq!(vrrpd.argv[6], "/run/frr/r1/vrrpd.conf");
        assert!(
            matches!(&zebra.ready, Ready::PathExists(p) if p == Path::new("/sandbox/r1/run/frr/r1/zserv.api"))
        );
        assert!(
            matches!(&vrrpd.ready, Ready::PathExists(p) if p == Path::new("/sandbox/r1/run/frr/r1/vrrpd.vty"))
        );
    }

    #[test]
    fn refuses_what_vrrpd_cannot_do() {
        let mut node = r1();
        node.vrouters[0].vmac = false;
        node.vrouters[0].unicast_peers = vec!["192.0.2.2".parse().unwrap()];
        node.vrouters[1].priority = 255;
        node.vrouters[1].preempt_delay_cs = 100;
        node.vrouters[1].notify = Some(crate::daemons::tests_support::hooks());
        node.vrouters[1].track = crate::daemons::tests_support::tracks();
        let why = Frr.unsupported(&node);
        assert_eq!(why.len(), 6, "{why:?}");
        assert!(why[0].contains("vmac = false"));
        assert!(why[1].contains("unicast"));
        assert!(why[2].contains("priority 255"));
        assert!(why[3].contains("notify cannot be rendered"));
        assert!(why[4].contains("preempt delay"));
        assert!(why[5].contains("track cannot be rendered"));
        let paths = NodePaths {
            dir: "/d".into(),
            run: "/r".into(),
        };
        assert!(Frr.prepare(&node, &paths).is_err());
        // A VRRPv2 IPv4 router with a whole-second interval renders.
        let mut v2 = r1();
        let mut gw4 = vr("gw4", 51, Family::Ipv4, "192.0.2.100");
        gw4.protocol = crate::scenario::Protocol::VrrpV2;
        gw4.interval_cs = 100;
        v2.vrouters = vec![gw4];
        let text = render_vrrpd(&v2);
        assert!(text.contains(" vrrp 51 version 2\n"));
        assert!(text.contains(" vrrp 51 advertisement-interval 1000\n"));
    }

    #[test]
    fn link_locals_differ_per_router_and_vrid() {
        let a = r1();
        let mut b = r1();
        b.interfaces[0].mac = crate::wire::MacAddr([0x02, 0, 0, 0, 2, 1]);
        let la = link_local(&a.interfaces[0], 52);
        assert_eq!(la.to_string(), "fe80::34:200:0:101/64");
        assert_ne!(la, link_local(&b.interfaces[0], 52));
        assert_ne!(la, link_local(&a.interfaces[0], 53));
    }
}
