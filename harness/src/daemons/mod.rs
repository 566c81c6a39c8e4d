//! Daemon adapters: one file per implementation.
//!
//! A scenario states intent (virtual routers, priorities, VIPs, intervals). An adapter renders
//! that intent for one router node into its daemon's own configuration and says which
//! processes to start. Adding an implementation means adding one file here and one line in
//! [`all`].

use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

#[cfg(test)]
use crate::scenario::Notify;
use crate::scenario::{Family, HookState, IpNet, OwnConfig, Vrouter};
use crate::wire::MacAddr;

mod assign;
pub mod bgp;
mod command;
mod frr;
mod frr_conf;
mod keepalived;
mod keepalived_conf;
pub mod own;
mod ucarp;
mod ucarp_args;
mod vrlabd;
mod vrlabd_conf;

pub use assign::Assignment;
pub use command::{Command, Intent};
pub use frr::Frr;
pub use keepalived::Keepalived;
pub use ucarp::Ucarp;
pub use vrlabd::Vrlabd;

/// Every adapter vrlab knows, in the order `vrlab list` shows them.
pub fn all() -> Vec<Box<dyn Adapter>> {
    vec![
        Box::new(Keepalived),
        Box::new(Frr),
        Box::new(Vrlabd),
        Box::new(Ucarp),
    ]
}

/// Finds an adapter by its name (`keepalived`, `frr`, ...), or makes the one for a command of
/// the user's (`command:/path/to/it`).
pub fn by_name(name: &str) -> Option<Box<dyn Adapter>> {
    if let Some(path) = name.strip_prefix(command::PREFIX).filter(|p| !p.is_empty()) {
        return Some(Box::new(Command::new(path)));
    }
    all().into_iter().find(|a| a.name() == name)
}

/// The adapter used when `--daemon` is not given.
pub const DEFAULT_DAEMON: &str = "keepalived";

pub trait Adapter: Send + Sync {
    /// Short stable name, used on the command line and in run directories.
    fn name(&self) -> &'static str;
    /// One line for `vrlab list`.
    fn describe(&self) -> &'static str;
    /// Whether the daemon's programs are on this machine; if not, what to install.
    fn installed(&self) -> Result<Version, Missing>;
    /// Which parts of the daemon-neutral spec this daemon cannot render. Checked before anything
    /// is built, so an unsupported scenario is refused, not half-run.
    fn unsupported(&self, node: &RouterSpec) -> Vec<String> {
        let _ = node;
        Vec::new()
    }
    /// System users the daemon's processes switch to (FRR runs as `frr`). A rootless lab has
    /// only root, so such a daemon needs vrlab to run as root.
    fn needs_users(&self) -> &'static [&'static str] {
        &[]
    }
    /// A command that prints the running daemon's own status as JSON in its node (`vrlabd
    /// status`), asked at the end of a run into `nodes/NODE/status.json`; `None` if it has
    /// none.
    fn status_argv(&self) -> Option<Vec<String>> {
        None
    }
    /// Whether it speaks VRRP, and CARP: a virtual router of the other protocol is refused
    /// before anything is built.
    fn speaks_vrrp(&self) -> bool {
        true
    }
    fn speaks_carp(&self) -> bool {
        false
    }
    /// Whether a router can run this daemon with a configuration of the user's
    /// (`config.NAME` in the scenario) instead of the one the adapter renders.
    fn takes_own_config(&self) -> bool {
        false
    }
    /// Where the user's configuration `text` (placeholders filled) disagrees with the
    /// scenario's virtual routers for `node`: the judge holds the run to the scenario.
    fn own_config_findings(&self, text: &str, node: &RouterSpec) -> Vec<own::Finding> {
        let _ = (text, node);
        Vec::new()
    }
    /// Render configuration and the processes to start for one router node.
    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError>;
}

/// The version string a daemon reports, for the record.
#[derive(Debug, Clone)]
pub struct Version(pub String);

/// A daemon that is not installed, and how to fix that.
#[derive(Debug, Clone)]
pub struct Missing {
    pub daemon: &'static str,
    pub what: String,
    pub fix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("{daemon} cannot render node {node}: {reason}")]
    Unsupported {
        daemon: &'static str,
        node: String,
        reason: String,
    },
}

/// Where an adapter may put things for one node.
#[derive(Debug, Clone)]
pub struct NodePaths {
    /// `RUN_DIR/nodes/NODE/`: rendered configs and logs are kept with the run.
    pub dir: PathBuf,
    /// The directory the node sees as `/run` (private to the node; not kept after the run).
    pub run: PathBuf,
}

/// One router node as the adapters see it: its interfaces and the virtual routers it takes
/// part in.
#[derive(Debug, Clone)]
pub struct RouterSpec {
    pub node: String,
    pub interfaces: Vec<InterfaceSpec>,
    pub vrouters: Vec<VrouterSpec>,
    /// The user's own configurations for this router, by daemon (scenario `config.DAEMON`).
    pub configs: Vec<OwnConfig>,
    /// Files the scenario puts into the node's private /run: (path as the node sees it,
    /// content).
    pub files: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct InterfaceSpec {
    /// Interface name inside the node (`eth0`, ...).
    pub name: String,
    pub segment: String,
    pub mac: MacAddr,
    pub addresses: Vec<IpNet>,
}

/// One virtual router instance on one node: the scenario's [`Vrouter`] (reached through
/// `Deref`: its parameters and RFC formulas) and what is this node's own.
#[derive(Debug, Clone)]
pub struct VrouterSpec {
    pub vr: Vrouter,
    /// The node's interface the virtual router runs on.
    pub interface: String,
    /// This node's priority: 1-254, or 255 for the address owner (CARP: 255 − advskew).
    pub priority: u8,
    /// Unicast peers; empty means multicast.
    pub unicast_peers: Vec<IpAddr>,
    /// The sync group the virtual router is a member of (its members leave mastership
    /// together).
    pub sync_group: Option<String>,
}

impl std::ops::Deref for VrouterSpec {
    type Target = Vrouter;
    fn deref(&self) -> &Vrouter {
        &self.vr
    }
}

impl std::ops::DerefMut for VrouterSpec {
    fn deref_mut(&mut self) -> &mut Vrouter {
        &mut self.vr
    }
}

/// Where the node's notify hook scripts live, as the node sees them (in its private /run).
pub const HOOK_DIR: &str = "/run/vrlab-hooks";

/// A notify hook rendered as a script the daemon runs: `/bin/sh SCRIPT`.
#[derive(Debug, Clone)]
pub struct Hook {
    pub vrouter: String,
    pub state: HookState,
    /// The script's path as the node sees it.
    pub script: PathBuf,
}

impl Hook {
    /// The command line a daemon runs: `/bin/sh` reads the script, so it needs no execute bit.
    pub fn argv(&self) -> [String; 2] {
        ["/bin/sh".into(), self.script.display().to_string()]
    }
}

/// The notify hooks of a node, each written as a script into the node's private /run (a
/// fixed path, so no daemon has to quote the run directory) and kept with the run under
/// `nodes/NODE/hooks/`. Adds what it writes to `plan`.
pub fn hook_scripts(node: &RouterSpec, paths: &NodePaths, plan: &mut Plan) -> Vec<Hook> {
    let mut out = Vec::new();
    for vr in &node.vrouters {
        let Some(n) = &vr.notify else { continue };
        for (state, cmd) in &n.hooks {
            let file = format!("{}-{}.sh", vr.name, state.name());
            let text = format!(
                "#!/bin/sh\n# The {} hook of virtual router {} on node {}, rendered by vrlab.\n{cmd}\n",
                state.name(),
                vr.name,
                node.node
            );
            out.push(Hook {
                vrouter: vr.name.clone(),
                state: *state,
                script: node_script(paths, plan, &file, text),
            });
        }
    }
    out
}

/// A tracked script rendered as a file the daemon runs: `/bin/sh SCRIPT`.
#[derive(Debug, Clone)]
pub struct TrackedScript {
    pub vrouter: String,
    /// Its place among the virtual router's `track` entries (from 1).
    pub number: usize,
    /// The script's path as the node sees it.
    pub script: PathBuf,
}

impl TrackedScript {
    /// A name for it, unique in the node (keepalived's `vrrp_script NAME`).
    pub fn name(&self) -> String {
        format!("{}_track_{}", self.vrouter, self.number)
    }

    pub fn argv(&self) -> [String; 2] {
        ["/bin/sh".into(), self.script.display().to_string()]
    }
}

/// The tracked scripts of a node's virtual routers, written as [`hook_scripts`] writes hooks.
pub fn track_scripts(node: &RouterSpec, paths: &NodePaths, plan: &mut Plan) -> Vec<TrackedScript> {
    let mut out = Vec::new();
    for vr in &node.vrouters {
        for (i, t) in vr.track.iter().enumerate() {
            let crate::scenario::Watch::Script { command, .. } = &t.watch else {
                continue;
            };
            let file = format!("{}-track-{}.sh", vr.name, i + 1);
            let text = format!(
                "#!/bin/sh\n# Tracked script {} of virtual router {} on node {}, rendered by vrlab: exit 0 while what it watches is up.\n{command}\n",
                i + 1,
                vr.name,
                node.node
            );
            out.push(TrackedScript {
                vrouter: vr.name.clone(),
                number: i + 1,
                script: node_script(paths, plan, &file, text),
            });
        }
    }
    out
}

/// Puts a script into [`HOOK_DIR`] of the node's private /run and a copy with the run under
/// `nodes/NODE/hooks/`; returns its path as the node sees it.
fn node_script(paths: &NodePaths, plan: &mut Plan, file: &str, text: String) -> PathBuf {
    let script = Path::new(HOOK_DIR).join(file);
    let inside = paths
        .run
        .join(script.strip_prefix("/run").unwrap_or(&script));
    plan.files.push((inside, text.clone()));
    plan.files.push((paths.dir.join("hooks").join(file), text));
    let dir = (PathBuf::from(HOOK_DIR), None);
    if !plan.run_dirs.contains(&dir) {
        plan.run_dirs.push(dir);
    }
    script
}

/// Whether any of the node's virtual routers tracks something.
pub fn tracks_anything(node: &RouterSpec) -> bool {
    node.vrouters.iter().any(|v| !v.track.is_empty())
}

impl VrouterSpec {
    /// The virtual router's IPv6 link-local address, the first address of every IPv6 advert
    /// (RFC 9568 §5.2.9) and the same on every router of the virtual router: a link-local VIP
    /// of the scenario if it names one, else `fe80::5e:2:VRID`. Every adapter renders this
    /// one, so that a daemon which compares the advertised list with its own (keepalived drops
    /// an advert whose count or addresses differ) accepts the others' adverts. None for IPv4.
    pub fn virtual_link_local(&self) -> Option<Ipv6Addr> {
        if self.family != Family::Ipv6 {
            return None;
        }
        let given = self.vips.iter().find_map(|a| match a {
            IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => Some(*v6),
            _ => None,
        });
        Some(given.unwrap_or(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0x5e, 2, self.vrid.into())))
    }

    /// The addresses to advertise, in order: for IPv6 the virtual link-local first, then the
    /// other VIPs; for IPv4 the VIPs.
    pub fn advertised(&self) -> Vec<IpAddr> {
        let ll = self.virtual_link_local().map(IpAddr::V6);
        ll.into_iter()
            .chain(self.vips.iter().copied().filter(|a| Some(*a) != ll))
            .collect()
    }
}

/// What an adapter asks the harness to do for one node, in order: create links, set sysctls,
/// create run directories, write files, then start processes. (Run directories come before
/// files because a daemon that drops privileges, like FRR's, reads its configuration from its
/// own run directory.)
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Extra links to create inside the node before the daemon starts (VMAC macvlans).
    pub links: Vec<LinkSpec>,
    /// Sysctls to set inside the node, `net.ipv4.conf.eth0.arp_ignore` style keys.
    pub sysctls: Vec<(String, String)>,
    /// Files to write: absolute paths as the harness sees them, under [`NodePaths::dir`] or
    /// inside one of `run_dirs` (under [`NodePaths::run`]). One that begins with `#!` is a
    /// script a daemon runs: it is made executable.
    pub files: Vec<(PathBuf, String)>,
    /// Directories to create in the node's private /run, as the node sees them (`/run/frr/r1`),
    /// in order, each with an optional owning user.
    pub run_dirs: Vec<(PathBuf, Option<String>)>,
    /// Processes to start, in order. Stop and crash act on them in reverse order.
    pub processes: Vec<ProcessSpec>,
}

#[derive(Debug, Clone)]
pub enum LinkSpec {
    /// A macvlan in bridge mode on `parent` carrying `mac`. `addrgenmode none` is set after
    /// creation so the kernel never forms an IPv6 link-local from the VMAC (RFC 5798 §7.4).
    Macvlan {
        name: String,
        parent: String,
        mac: MacAddr,
        /// Addresses configured at creation (FRR wants the VIPs on the macvlan up front). IPv6
        /// ones must be usable at once, without DAD: routers share the VIPs (the node-wide
        /// `accept_dad = 0` of the topology does this).
        addresses: Vec<IpNet>,
        up: bool,
    },
}

#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// Short name for logs and events (`keepalived`, `zebra`, `vrrpd`).
    pub name: String,
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// True for the process that speaks VRRP: faults aimed at "the daemon" hit it first.
    pub vrrp: bool,
    /// A condition that says the process is ready, waited for before the next one starts.
    pub ready: Ready,
}

#[derive(Debug, Clone)]
pub enum Ready {
    /// Ready as soon as it is started.
    Started,
    /// Ready when this path exists (a pid file or control socket), seen from the harness.
    /// The harness removes the path before it starts the process: a pid file or socket left by
    /// a killed predecessor must not pass for readiness (FRR's zserv.api survives a SIGKILL, and
    /// a vrrpd started against it waits 10 s before it retries the connection).
    PathExists(PathBuf),
}

impl RouterSpec {
    /// The node's sync groups: (name, members in the scenario's order).
    pub fn sync_groups(&self) -> Vec<(&str, Vec<&str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for vr in &self.vrouters {
            let Some(g) = vr.sync_group.as_deref() else {
                continue;
            };
            match groups.iter_mut().find(|(name, _)| *name == g) {
                Some((_, members)) => members.push(&vr.name),
                None => groups.push((g, vec![&vr.name])),
            }
        }
        groups
    }

    /// The user's own configuration for `daemon`, if the scenario gives one.
    pub fn own_config(&self, daemon: &str) -> Option<&OwnConfig> {
        self.configs.iter().find(|c| c.daemon == daemon)
    }

    /// The interface called `name` and its position in [`RouterSpec::interfaces`].
    pub fn interface(&self, name: &str) -> Option<(usize, &InterfaceSpec)> {
        self.interfaces
            .iter()
            .enumerate()
            .find(|(_, i)| i.name == name)
    }

    /// The name of the VMAC (macvlan) interface for a virtual router of this node:
    /// `vrrp{4|6}-{position of its interface}-{VRID}`, e.g. `vrrp6-0-52`; at most 12 bytes.
    pub fn vmac_ifname(&self, vr: &VrouterSpec) -> String {
        let fam = match vr.family {
            Family::Ipv4 => 4,
            Family::Ipv6 => 6,
        };
        let pos = self.interface(&vr.interface).map_or(0, |(i, _)| i);
        format!("vrrp{fam}-{pos}-{}", vr.vrid)
    }
}

/// Helper for adapters: the first address of `family` on an interface.
pub fn first_address(iface: &InterfaceSpec, family: Family) -> Option<IpAddr> {
    iface
        .addresses
        .iter()
        .map(|n| n.addr)
        .find(|a| Family::of(a) == family)
}

/// Helper for adapters: a VIP as a host prefix (`/32`, `/128`). Both adapters configure VIPs
/// this way, so a VIP never adds a second connected route for the parent's subnet.
pub fn host_prefix(addr: IpAddr) -> IpNet {
    let prefix = match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    IpNet { addr, prefix }
}

/// Helper for `installed()`: runs `PROGRAM FLAG` (`--version`, or `--help` for a program that
/// names its version there) and returns the first non-empty line it prints on stdout or
/// stderr (keepalived prints its version on stderr).
pub fn version_line(program: &Path, flag: &str) -> Option<String> {
    let out = std::process::Command::new(program)
        .arg(flag)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = [out.stdout, out.stderr].concat();
    String::from_utf8_lossy(&text)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// Looks for a program in the usual places and on PATH.
pub fn find_program(name: &str, extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    extra_dirs
        .iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path))
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

pub(super) fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Fixtures for the adapters' unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A virtual router of r1 on eth0: VRRPv3, priority 200, 100 ms, preempt, no accept, VMAC.
    pub fn vr(name: &str, vrid: u8, family: Family, vip: &str) -> VrouterSpec {
        VrouterSpec {
            vr: Vrouter::fixture(name, vrid, family, vip),
            interface: "eth0".into(),
            priority: 200,
            unicast_peers: Vec::new(),
            sync_group: None,
        }
    }

    /// A script checked every 2 s (down after 3 failures, up after 2 successes, −60) and eth1
    /// (Fault while it is down).
    pub fn tracks() -> Vec<crate::scenario::Track> {
        use crate::scenario::{Track, Watch};
        vec![
            Track {
                watch: Watch::Script {
                    command: "test -f /run/service/MASTER".into(),
                    interval: std::time::Duration::from_secs(2),
                    fall: 3,
                    rise: 2,
                },
                weight: -60,
            },
            Track {
                watch: Watch::Interface {
                    name: "eth1".into(),
                },
                weight: 0,
            },
        ]
    }

    /// Hooks that move an IPv6 address with mastership of an IPv4 virtual router.
    pub fn hooks() -> Notify {
        Notify {
            hooks: vec![
                (
                    HookState::Master,
                    "ip -6 addr add 2001:db8:1::100/64 dev eth0".into(),
                ),
                (
                    HookState::Stop,
                    "ip -6 addr del 2001:db8:1::100/64 dev eth0".into(),
                ),
            ],
            moves: vec!["2001:db8:1::100".parse().unwrap()],
        }
    }

    /// Renders `node`'s hooks into `dir` (as the node's directory and its /run).
    pub fn rendered_hooks(node: &RouterSpec) -> (Plan, Vec<Hook>) {
        let paths = NodePaths {
            dir: "/d/nodes/r1".into(),
            run: "/r".into(),
        };
        let mut plan = Plan::default();
        let hooks = hook_scripts(node, &paths, &mut plan);
        (plan, hooks)
    }

    /// `rendered_hooks`, for tracked scripts.
    pub fn rendered_tracks(node: &RouterSpec) -> (Plan, Vec<TrackedScript>) {
        let paths = NodePaths {
            dir: "/d/nodes/r1".into(),
            run: "/r".into(),
        };
        let mut plan = Plan::default();
        let tracked = track_scripts(node, &paths, &mut plan);
        (plan, tracked)
    }

    #[test]
    fn tracked_scripts_are_scripts_in_the_nodes_run_beside_the_hooks() {
        let mut node = r1();
        node.vrouters[0].track = tracks();
        node.vrouters[0].notify = Some(hooks());
        let paths = NodePaths {
            dir: "/d/nodes/r1".into(),
            run: "/r".into(),
        };
        let mut plan = Plan::default();
        hook_scripts(&node, &paths, &mut plan);
        let tracked = track_scripts(&node, &paths, &mut plan);
        assert_eq!(tracked.len(), 1, "the interface is no script");
        assert_eq!(tracked[0].name(), "gw4_track_1");
        assert_eq!(
            tracked[0].argv(),
            ["/bin/sh", "/run/vrlab-hooks/gw4-track-1.sh"]
        );
        let (_, text) = plan
            .files
            .iter()
            .find(|(p, _)| p == Path::new("/r/vrlab-hooks/gw4-track-1.sh"))
            .expect("in the node's /run");
        assert!(text.ends_with("\ntest -f /run/service/MASTER\n"), "{text}");
        assert!(plan
            .files
            .iter()
            .any(|(p, _)| p == Path::new("/d/nodes/r1/hooks/gw4-track-1.sh")));
        assert_eq!(
            plan.run_dirs.len(),
            1,
            "one hook directory: {:?}",
            plan.run_dirs
        );
    }

    #[test]
    fn hooks_are_scripts_in_the_nodes_run_and_kept_with_the_run() {
        let mut node = r1();
        node.vrouters[0].notify = Some(hooks());
        let (plan, hooks) = rendered_hooks(&node);
        assert_eq!(hooks.len(), 2);
        assert_eq!(
            hooks[0].argv(),
            ["/bin/sh", "/run/vrlab-hooks/gw4-master.sh"]
        );
        assert_eq!(hooks[1].argv(), ["/bin/sh", "/run/vrlab-hooks/gw4-stop.sh"]);
        assert_eq!(plan.run_dirs, vec![(PathBuf::from(HOOK_DIR), None)]);
        let paths: Vec<String> = plan
            .files
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/r/vrlab-hooks/gw4-master.sh",
                "/d/nodes/r1/hooks/gw4-master.sh",
                "/r/vrlab-hooks/gw4-stop.sh",
                "/d/nodes/r1/hooks/gw4-stop.sh"
            ]
        );
        assert!(plan.files[0]
            .1
            .ends_with("\nip -6 addr add 2001:db8:1::100/64 dev eth0\n"));
        // No hooks, nothing written.
        let (plan, hooks) = rendered_hooks(&r1());
        assert!(hooks.is_empty() && plan.files.is_empty() && plan.run_dirs.is_empty());
    }

    /// Router r1 of the crash scenario: eth0 with 192.0.2.1/24 and 2001:db8:1::1/64, an IPv4
    /// virtual router (VRID 51, 192.0.2.100) and an IPv6 one (VRID 52, 2001:db8:1::100).
    pub fn r1() -> RouterSpec {
        RouterSpec {
            node: "r1".into(),
            interfaces: vec![InterfaceSpec {
                name: "eth0".into(),
                segment: "lan".into(),
                mac: MacAddr([0x02, 0, 0, 0, 1, 1]),
                addresses: vec![
                    "192.0.2.1/24".parse().unwrap(),
                    "2001:db8:1::1/64".parse().unwrap(),
                ],
            }],
            vrouters: vec![
                vr("gw4", 51, Family::Ipv4, "192.0.2.100"),
                vr("gw6", 52, Family::Ipv6, "2001:db8:1::100"),
            ],
            configs: vec![],
            files: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::vr;
    use super::*;

    #[test]
    fn ipv6_adverts_list_one_virtual_link_local_first() {
        let v6 = vr("gw6", 52, Family::Ipv6, "2001:db8:1::100");
        assert_eq!(
            v6.virtual_link_local(),
            Some("fe80::5e:2:34".parse().unwrap())
        );
        let listed: Vec<String> = v6.advertised().iter().map(|a| a.to_string()).collect();
        assert_eq!(listed, ["fe80::5e:2:34", "2001:db8:1::100"]);
        // A link-local VIP of the scenario is the one, listed once.
        let mut given = v6.clone();
        given.vips.push("fe80::1".parse().unwrap());
        let listed: Vec<String> = given.advertised().iter().map(|a| a.to_string()).collect();
        assert_eq!(listed, ["fe80::1", "2001:db8:1::100"]);
        let v4 = vr("gw4", 51, Family::Ipv4, "192.0.2.100");
        assert_eq!(v4.virtual_link_local(), None);
        assert_eq!(v4.advertised(), v4.vips);
    }
}
