//! keepalived adapter: one keepalived per router node, VRRP subsystem only, in the foreground.
//!
//! The node's virtual routers become `vrrp_instance` blocks of one `keepalived.conf`, kept in
//! the node's run directory. keepalived creates its VMAC (macvlan) interfaces itself
//! (`use_vmac NAME`, named as [`RouterSpec::vmac_ifname`] says) and adds and removes the VIPs
//! itself, so the plan creates no links.
//!
//! Behaviour of keepalived 2.2.7 seen in the lab (findings, not fixed here):
//! - its VMACs are macvlans in `private` mode with `addrgenmode none`; an IPv6 VMAC gets a copy
//!   of the parent's link-local address (`nodad`, deprecated), so IPv6 adverts leave from the
//!   parent's link-local with the VMAC as Ethernet source;
//! - it sets `arp_ignore=1`/`arp_filter=1` on the parent and `arp_ignore=1` on IPv4 VMACs only:
//!   the IPv6 VMAC answers ARP requests for the IPv4 VIPs with the IPv6 virtual MAC;
//! - after SIGKILL its VMACs stay up with the VIPs on them (nobody removes them); SIGTERM sends
//!   priority-0 adverts and removes them;
//! - the unsolicited NA has the Router flag only when the node forwards IPv6;
//! - it warns when the first IPv6 VIP is not link-local (RFC 5798 §5.2.9) and runs anyway, so
//!   the adapter lists the virtual link-local first ([`VrouterSpec::virtual_link_local`]);
//! - as backup it drops an advert whose address count or addresses differ from its own list
//!   ("ip address associated with VRID not present in MASTER advert").

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{
    find_program, hook_scripts, host_prefix, keepalived_conf, own, track_scripts, version_line,
    Adapter, AdapterError, Hook, Missing, NodePaths, Plan, ProcessSpec, Ready, RouterSpec,
    TrackedScript, Version, VrouterSpec,
};
use crate::scenario::Watch;

pub struct Keepalived;

const PROGRAM: &str = "keepalived";
const DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/local/sbin"];

/// Pid files, as the node sees them (its private /run).
const PID: &str = "keepalived.pid";
const VRRP_PID: &str = "keepalived_vrrp.pid";

/// keepalived's own limit for `preempt_delay` (seconds).
const MAX_PREEMPT_DELAY_CS: u32 = 1000 * 100;

impl Adapter for Keepalived {
    fn name(&self) -> &'static str {
        "keepalived"
    }

    fn describe(&self) -> &'static str {
        "keepalived (VRRP only, foreground; creates its own VMAC interfaces)"
    }

    fn installed(&self) -> Result<Version, Missing> {
        let missing = |what: String| Missing {
            daemon: "keepalived",
            what,
            fix: "apt-get install keepalived".into(),
        };
        let prog = find_program(PROGRAM, DIRS)
            .ok_or_else(|| missing("no `keepalived` in /usr/sbin, /sbin or on PATH".into()))?;
        let line = version_line(&prog, "--version")
            .ok_or_else(|| missing(format!("`{} --version` did not run", prog.display())))?;
        Ok(Version(line))
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
            if vr.priority == 255 && !vr.preempt {
                out.push(format!(
                    "{}: the address owner (priority 255) starts as MASTER and always preempts; \
                     keepalived ignores `nopreempt` with it, so preempt = false cannot be rendered",
                    vr.name
                ));
            }
            for t in &vr.track {
                if let Watch::Script { interval, .. } = &t.watch {
                    if interval.subsec_nanos() != 0 {
                        out.push(format!(
                            "{}: keepalived runs a vrrp_script every whole number of seconds; a tracked script's interval of {interval:?} cannot be rendered",
                            vr.name
                        ));
                    }
                }
            }
            if vr.preempt_delay_cs > MAX_PREEMPT_DELAY_CS {
                out.push(format!(
                    "{}: keepalived's preempt_delay is at most 1000 s",
                    vr.name
                ));
            }
        }
        out
    }

    fn takes_own_config(&self) -> bool {
        true
    }

    fn own_config_findings(&self, text: &str, node: &RouterSpec) -> Vec<own::Finding> {
        keepalived_conf::findings(text, node)
    }

    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError> {
        if let Some(reason) = self.unsupported(node).into_iter().next() {
            return Err(AdapterError::Unsupported {
                daemon: "keepalived",
                node: node.node.clone(),
                reason,
            });
        }
        let conf = paths.dir.join("keepalived.conf");
        let prog =
            find_program(PROGRAM, DIRS).unwrap_or_else(|| PathBuf::from("/usr/sbin/keepalived"));
        let mut plan = Plan::default();
        let text = match own::filled(node, self.name(), &paths.dir) {
            Some(text) => text?,
            None => {
                let hooks = hook_scripts(node, paths, &mut plan);
                let tracked = track_scripts(node, paths, &mut plan);
                render(node, &hooks, &tracked)
            }
        };
        plan.files.push((conf.clone(), text));
        Ok(Plan {
            sysctls: sysctls(node),
            processes: vec![ProcessSpec {
                name: "keepalived".into(),
                argv: argv(&prog, &conf),
                env: Vec::new(),
                vrrp: true,
                // Written by the VRRP child once it runs.
                ready: Ready::PathExists(paths.run.join(VRRP_PID)),
            }],
            ..plan
        })
    }
}

/// The command line: foreground (`--dont-fork`), logging to stdout (`--log-console
/// --log-detail`) and not to syslog (the node's /run has no /dev/log target), VRRP subsystem
/// only, pid files in the node's private /run. The parent keeps its VRRP child in its process
/// group, so a crash (SIGKILL to the group) kills both; killing only the child makes the
/// parent respawn it.
fn argv(prog: &Path, conf: &Path) -> Vec<String> {
    vec![
        prog.display().to_string(),
        "--dont-fork".into(),
        "--log-console".into(),
        "--log-detail".into(),
        "--no-syslog".into(),
        "--vrrp".into(),
        format!("--use-file={}", conf.display()),
        format!("--pid=/run/{PID}"),
        format!("--vrrp_pid=/run/{VRRP_PID}"),
    ]
}

/// A VRRP router forwards: keepalived sets the Router flag in its unsolicited NAs only when
/// IPv6 forwarding is on. Where a VMAC is used, `arp_announce=2` on the parent keeps the VIPs
/// out of ARP requests the node sends from its own MAC (a reply sourced from a VIP otherwise
/// triggers `who-has HOST tell VIP` from the parent's MAC, and hosts re-point the VIP there).
fn sysctls(node: &RouterSpec) -> Vec<(String, String)> {
    let mut out = vec![
        ("net.ipv4.ip_forward".to_string(), "1".to_string()),
        ("net.ipv6.conf.all.forwarding".to_string(), "1".to_string()),
    ];
    for iface in &node.interfaces {
        if node
            .vrouters
            .iter()
            .any(|v| v.vmac && v.interface == iface.name)
        {
            out.push((
                format!("net.ipv4.conf.{}.arp_announce", iface.name),
                "2".into(),
            ));
        }
    }
    out
}

/// keepalived.conf for one node.
pub(crate) fn render(node: &RouterSpec, hooks: &[Hook], tracked: &[TrackedScript]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# keepalived.conf for node {}, rendered by vrlab (adapter keepalived).",
        node.node
    );
    let _ = writeln!(
        s,
        "# VIPs are host prefixes (/32, /128): the subnet stays on the parent interface."
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "global_defs {{");
    let _ = writeln!(s, "    router_id {}", node.node);
    let _ = writeln!(s, "    process_names");
    if !tracked.is_empty() {
        // Scripts run as root, as the lab's nodes have no other user (keepalived warns and
        // looks for a `keepalived_script` user otherwise).
        let _ = writeln!(s, "    script_user root");
    }
    let _ = writeln!(s, "}}");
    for vr in &node.vrouters {
        for (t, script) in vr
            .track
            .iter()
            .zip(tracked.iter().filter(|x| x.vrouter == vr.name))
        {
            vrrp_script(&mut s, t, script);
        }
    }
    sync_groups(&mut s, node);
    for vr in &node.vrouters {
        let _ = writeln!(s);
        instance(&mut s, node, vr, hooks, tracked);
    }
    s
}

/// The node's sync groups as `vrrp_sync_group` blocks, members in the scenario's order: a
/// FAULT of one member puts every member in FAULT.
fn sync_groups(s: &mut String, node: &RouterSpec) {
    for (name, members) in node.sync_groups() {
        let _ = writeln!(s);
        let _ = writeln!(s, "vrrp_sync_group {name} {{");
        let _ = writeln!(s, "    group {{");
        for m in members {
            let _ = writeln!(s, "        {m}");
        }
        let _ = writeln!(s, "    }}");
        let _ = writeln!(s, "}}");
    }
}

/// A tracked script as a `vrrp_script` block: its weight is added while it fails (a
/// negative weight lowers the priority; 0 puts the instance in FAULT).
fn vrrp_script(s: &mut String, t: &crate::scenario::Track, script: &TrackedScript) {
    let Watch::Script {
        interval,
        fall,
        rise,
        ..
    } = &t.watch
    else {
        return;
    };
    let _ = writeln!(s);
    let _ = writeln!(s, "vrrp_script {} {{", script.name());
    let _ = writeln!(s, "    script \"{}\"", script.argv().join(" "));
    let _ = writeln!(s, "    interval {}", interval.as_secs().max(1));
    let _ = writeln!(s, "    fall {fall}");
    let _ = writeln!(s, "    rise {rise}");
    let _ = writeln!(s, "    weight {}", t.weight);
    let _ = writeln!(s, "}}");
}

fn instance(
    s: &mut String,
    node: &RouterSpec,
    vr: &VrouterSpec,
    hooks: &[Hook],
    tracked: &[TrackedScript],
) {
    let _ = writeln!(
        s,
        "# {}: VRID {}, VRRPv{}, {}",
        vr.name,
        vr.vrid,
        vr.protocol.version(),
        vr.family
    );
    let _ = writeln!(s, "vrrp_instance {} {{", vr.name);
    // Only the address owner may start as MASTER (RFC 5798 §6.4.1).
    let state = if vr.priority == 255 {
        "MASTER"
    } else {
        "BACKUP"
    };
    let _ = writeln!(s, "    state {state}");
    let _ = writeln!(s, "    interface {}", vr.interface);
    let _ = writeln!(s, "    virtual_router_id {}", vr.vrid);
    let _ = writeln!(s, "    version {}", vr.protocol.version());
    let _ = writeln!(s, "    priority {}", vr.priority);
    let _ = writeln!(s, "    advert_int {}", seconds(vr.interval_cs.into()));
    if vr.vmac {
        let _ = writeln!(s, "    use_vmac {}", node.vmac_ifname(vr));
        if !vr.unicast_peers.is_empty() {
            // keepalived requires it with unicast: adverts then leave from the parent, with
            // its own MAC; the VMAC still carries the VIPs.
            let _ = writeln!(s, "    vmac_xmit_base");
        }
    }
    let _ = writeln!(s, "    {}", if vr.accept { "accept" } else { "no_accept" });
    if !vr.preempt {
        let _ = writeln!(s, "    nopreempt");
    } else if vr.preempt_delay_cs > 0 {
        let _ = writeln!(s, "    preempt_delay {}", seconds(vr.preempt_delay_cs));
    }
    if !vr.unicast_peers.is_empty() {
        let _ = writeln!(s, "    unicast_peer {{");
        for p in &vr.unicast_peers {
            let _ = writeln!(s, "        {p}");
        }
        let _ = writeln!(s, "    }}");
    }
    if let Some(p) = &vr.auth_pass {
        let _ = writeln!(s, "    authentication {{");
        let _ = writeln!(s, "        auth_type PASS");
        let _ = writeln!(s, "        auth_pass {p}");
        let _ = writeln!(s, "    }}");
    }
    // IPv6: the virtual link-local first (RFC 9568 §5.2.9; keepalived warns when it is not),
    // the same on every router, so keepalived and the other daemons list the same addresses.
    let _ = writeln!(s, "    virtual_ipaddress {{");
    let dev = vr
        .vip_interface
        .as_ref()
        .map(|d| format!(" dev {d}"))
        .unwrap_or_default();
    for ip in &vr.advertised() {
        let _ = writeln!(s, "        {}{dev}", host_prefix(*ip));
    }
    let _ = writeln!(s, "    }}");
    for h in hooks.iter().filter(|h| h.vrouter == vr.name) {
        let _ = writeln!(
            s,
            "    notify_{} \"{}\"",
            h.state.name(),
            h.argv().join(" ")
        );
    }
    let scripts: Vec<&TrackedScript> = tracked.iter().filter(|t| t.vrouter == vr.name).collect();
    if !scripts.is_empty() {
        let _ = writeln!(s, "    track_script {{");
        for t in scripts {
            let _ = writeln!(s, "        {}", t.name());
        }
        let _ = writeln!(s, "    }}");
    }
    let interfaces: Vec<(&str, i32)> = vr
        .track
        .iter()
        .filter_map(|t| match &t.watch {
            Watch::Interface { name } => Some((name.as_str(), t.weight)),
            Watch::Script { .. } => None,
        })
        .collect();
    if !interfaces.is_empty() {
        let _ = writeln!(s, "    track_interface {{");
        for (name, weight) in interfaces {
            let _ = writeln!(s, "        {name} weight {weight}");
        }
        let _ = writeln!(s, "    }}");
    }
    let _ = writeln!(s, "}}");
}

/// Centiseconds as keepalived's seconds: `0.10`, `1`, `2.50`.
fn seconds(cs: u32) -> String {
    if cs % 100 == 0 {
        format!("{}", cs / 100)
    } else {
        format!("{}.{:02}", cs / 100, cs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::{r1, vr};
    use crate::scenario::Family;

    #[test]
    fn renders_two_virtual_routers() {
        let text = render(&r1(), &[], &[]);
        for line in [
            "global_defs {",
            "    router_id r1",
            "vrrp_instance gw4 {",
            "    state BACKUP",
            "    interface eth0",
            "    virtual_router_id 51",
            "    version 3",
            "    priority 200",
            "    advert_int 0.10",
            "    use_vmac vrrp4-0-51",
            "    no_accept",
            "        192.0.2.100/32",
            "vrrp_instance gw6 {",
            "    virtual_router_id 52",
            "    use_vmac vrrp6-0-52",
            "        2001:db8:1::100/128",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        // The virtual link-local comes first in the IPv6 list (RFC 9568 §5.2.9).
        assert!(
            text.contains("virtual_ipaddress {\n        fe80::5e:2:34/128\n        2001:db8:1::100/128\n    }"),
            "{text}"
        );
        assert!(!text.contains("nopreempt"));
        assert!(!text.contains("unicast_peer"));
        assert!(!text.contains("vmac_xmit_base"));
        assert_eq!(text.matches("vrrp_instance").count(), 2);
        assert_eq!(
            text.matches('{').count(),
            text.matches('}').count(),
            "{text}"
        );
    }

    #[test]
    fn renders_options() {
        let mut node = r1();
        let v = &mut node.vrouters[0];
        v.protocol = crate::scenario::Protocol::VrrpV2;
        v.interval_cs = 100;
        v.accept = true;
        v.preempt_delay_cs = 250;
        v.unicast_peers = vec!["192.0.2.2".parse().unwrap()];
        let w = &mut node.vrouters[1];
        w.preempt = false;
        w.vmac = false;
        w.priority = 100;
        let text = render(&node, &[], &[]);
        for line in [
            "    version 2",
            "    advert_int 1",
            "    accept",
            "    preempt_delay 2.50",
            "    vmac_xmit_base",
            "    unicast_peer {",
            "        192.0.2.2",
            "    nopreempt",
            "    priority 100",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        assert!(!text.contains("use_vmac vrrp6"), "{text}");
    }

    #[test]
    fn renders_rfc2338_password_authentication() {
        let mut node = r1();
        node.vrouters[0].auth_pass = Some("s3cret".into());
        let text = render(&node, &[], &[]);
        assert!(
            text.contains(
                "    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn renders_a_sync_group_before_its_members() {
        let mut node = r1();
        for v in &mut node.vrouters {
            v.sync_group = Some("fw".into());
        }
        let text = render(&node, &[], &[]);
        let block = "vrrp_sync_group fw {\n    group {\n        gw4\n        gw6\n    }\n}\n";
        let at = text
            .find(block)
            .unwrap_or_else(|| panic!("no sync group in\n{text}"));
        assert!(at < text.find("vrrp_instance gw4").unwrap());
        assert!(!render(&r1(), &[], &[]).contains("vrrp_sync_group"));
    }

    #[test]
    fn owner_starts_as_master() {
        let mut node = r1();
        node.vrouters[0].priority = 255;
        let text = render(&node, &[], &[]);
        assert!(text.contains("    state MASTER\n    interface eth0\n    virtual_router_id 51"));
        assert!(Keepalived.unsupported(&node).is_empty());
        node.vrouters[0].preempt = false;
        assert_eq!(Keepalived.unsupported(&node).len(), 1);
    }

    #[test]
    fn plan_runs_one_foreground_process() {
        let paths = NodePaths {
            dir: "/runs/x/nodes/r1".into(),
            run: "/sandbox/r1/run".into(),
        };
        let plan = Keepalived.prepare(&r1(), &paths).unwrap();
        assert!(plan.links.is_empty());
        assert!(plan.run_dirs.is_empty());
        assert_eq!(plan.files.len(), 1);
        assert_eq!(
            plan.files[0].0,
            Path::new("/runs/x/nodes/r1/keepalived.conf")
        );
        assert_eq!(plan.processes.len(), 1);
        let p = &plan.processes[0];
        assert!(p.vrrp);
        assert_eq!(
            p.argv[1..],
            [
                "--dont-fork",
                "--log-console",
                "--log-detail",
                "--no-syslog",
                "--vrrp",
                "--use-file=/runs/x/nodes/r1/keepalived.conf",
                "--pid=/run/keepalived.pid",
                "--vrrp_pid=/run/keepalived_vrrp.pid",
            ]
        );
        assert!(p.argv[0].ends_with("keepalived"));
        assert!(
            matches!(&p.ready, Ready::PathExists(q) if q == Path::new("/sandbox/r1/run/keepalived_vrrp.pid"))
        );
        assert!(plan
            .sysctls
            .contains(&("net.ipv4.conf.eth0.arp_announce".into(), "2".into())));
        assert!(plan
            .sysctls
            .contains(&("net.ipv6.conf.all.forwarding".into(), "1".into())));
    }

    #[test]
    fn renders_notify_hooks_in_their_instance() {
        let mut node = r1();
        node.vrouters[0].notify = Some(super::super::tests_support::hooks());
        let (_, hooks) = super::super::tests_support::rendered_hooks(&node);
        let text = render(&node, &hooks, &[]);
        let gw4 =
            &text[text.find("vrrp_instance gw4").unwrap()..text.find("vrrp_instance gw6").unwrap()];
        assert!(
            gw4.contains("    notify_master \"/bin/sh /run/vrlab-hooks/gw4-master.sh\"\n"),
            "{gw4}"
        );
        assert!(
            gw4.contains("    notify_stop \"/bin/sh /run/vrlab-hooks/gw4-stop.sh\"\n"),
            "{gw4}"
        );
        assert_eq!(text.matches("notify_").count(), 2, "{text}");
    }

    #[test]
    fn renders_tracked_scripts_and_interfaces() {
        let mut node = r1();
        node.vrouters[0].track = super::super::tests_support::tracks();
        let (_, tracked) = super::super::tests_support::rendered_tracks(&node);
        let text = render(&node, &[], &tracked);
        assert!(text.contains("    script_user root\n"), "{text}");
        assert!(
            text.contains(
                "vrrp_script gw4_track_1 {\n    script \"/bin/sh /run/vrlab-hooks/gw4-track-1.sh\"\n    interval 2\n    fall 3\n    rise 2\n    weight -60\n}\n"
            ),
            "{text}"
        );
        let gw4 =
            &text[text.find("vrrp_instance gw4").unwrap()..text.find("vrrp_instance gw6").unwrap()];
        assert!(
            gw4.contains("    track_script {\n        gw4_track_1\n    }\n"),
            "{gw4}"
        );
        assert!(
            gw4.contains("    track_interface {\n        eth1 weight 0\n    }\n"),
            "{gw4}"
        );
        assert_eq!(
            text.matches("    track_script {").count(),
            1,
            "gw6 tracks nothing: {text}"
        );
        assert_eq!(text.matches("    track_interface {").count(), 1, "{text}");
        // keepalived runs a vrrp_script every whole number of seconds.
        if let crate::scenario::Watch::Script { interval, .. } =
            &mut node.vrouters[0].track[0].watch
        {
            *interval = std::time::Duration::from_millis(1500);
        }
        let why = Keepalived.unsupported(&node);
        assert!(
            why.iter().any(|w| w.contains("whole number of seconds")),
            "{why:?}"
        );
    }

    #[test]
    fn refuses_what_keepalived_cannot_do() {
        let mut node = r1();
        node.vrouters.push(VrouterSpec {
            interface: "eth9".into(),
            ..vr("gw9", 9, Family::Ipv4, "192.0.2.109")
        });
        node.vrouters[0].preempt_delay_cs = 200_000;
        let why = Keepalived.unsupported(&node);
        assert_eq!(why.len(), 2, "{why:?}");
        assert!(why[0].contains("preempt_delay is at most 1000 s"));
        assert!(why[1].contains("no interface eth9"));
        let paths = NodePaths {
            dir: "/d".into(),
            run: "/r".into(),
        };
        assert!(Keepalived.prepare(&node, &paths).is_err());
    }

    #[test]
    fn formats_seconds() {
        assert_eq!(seconds(10), "0.10");
        assert_eq!(seconds(100), "1");
        assert_eq!(seconds(4095), "40.95");
        assert_eq!(seconds(1), "0.01");
    }
}
