//! vrlabd adapter: the project's own daemon, one per router node, in the foreground.
//!
//! The node's virtual routers become `[[instance]]` tables of one `vrlabd.toml` (the format
//! is documented by daemon/examples/vrlabd.toml). vrlabd creates its VMAC macvlans and adds
//! and removes the VIPs itself, so the plan creates no links. The adapter talks to vrlabd only
//! through its configuration file and command line: the judge shares no code with it.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{
    find_program, hook_scripts, own, track_scripts, version_line, vrlabd_conf, Adapter,
    AdapterError, Hook, Missing, NodePaths, Plan, ProcessSpec, Ready, RouterSpec, TrackedScript,
    Version, VrouterSpec,
};
use crate::scenario::Watch;

pub struct Vrlabd;

const PROGRAM: &str = "vrlabd";
/// The control socket, as the node sees it (its private /run).
const CONTROL: &str = "vrlabd.sock";

/// Where vrlabd is: `$VRLABD` if set, then beside the running `vrlab` (a cargo build puts
/// both in target/debug or target/release), then the usual places.
fn program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VRLABD").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join(PROGRAM)))
        // Integration tests run from target/*/deps/.
        .into_iter()
        .chain(
            std::env::current_exe()
                .ok()
                .and_then(|e| e.parent()?.parent().map(|d| d.join(PROGRAM))),
        )
        .find(|p| p.is_file());
    beside.or_else(|| find_program(PROGRAM, &["/usr/local/sbin", "/usr/sbin"]))
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn toml_list<T: ToString>(items: &[T]) -> String {
    let v: Vec<String> = items.iter().map(|i| toml_str(&i.to_string())).collect();
    format!("[{}]", v.join(", "))
}

fn instance(out: &mut String, vr: &VrouterSpec, hooks: &[Hook], tracked: &[TrackedScript]) {
    let _ = writeln!(
        out,
        "\n# {}: VRID {}, VRRPv{}, {}",
        vr.name,
        vr.vrid,
        vr.protocol.version(),
        vr.family
    );
    let _ = writeln!(out, "[[instance]]");
    let _ = writeln!(out, "name = {}", toml_str(&vr.name));
    let _ = writeln!(out, "interface = {}", toml_str(&vr.interface));
    let _ = writeln!(out, "vrid = {}", vr.vrid);
    let _ = writeln!(out, "version = {}", vr.protocol.version());
    let _ = writeln!(out, "family = \"{}\"", vr.family);
    let _ = writeln!(out, "priority = {}", vr.priority);
    let _ = writeln!(out, "vips = {}", toml_list(&vr.vips));
    if let Some(ll) = vr.virtual_link_local() {
        let _ = writeln!(out, "link_local = {}", toml_str(&ll.to_string()));
    }
    let _ = writeln!(out, "interval = \"{}ms\"", vr.interval_cs as u32 * 10);
    let _ = writeln!(out, "preempt = {}", vr.preempt);
    let _ = writeln!(out, "preempt_delay = \"{}ms\"", vr.preempt_delay_cs * 10);
    let _ = writeln!(out, "accept = {}", vr.accept);
    let _ = writeln!(out, "vmac = {}", vr.vmac);
    if let Some(dev) = &vr.vip_interface {
        let _ = writeln!(out, "vip_interface = {}", toml_str(dev));
    }
    if let Some(p) = &vr.auth_pass {
        let _ = writeln!(out, "auth_pass = {}", toml_str(p));
    }
    if !vr.unicast_peers.is_empty() {
        let _ = writeln!(out, "unicast_peers = {}", toml_list(&vr.unicast_peers));
    }
    let mine: Vec<&Hook> = hooks.iter().filter(|h| h.vrouter == vr.name).collect();
    if !mine.is_empty() {
        let _ = writeln!(out, "[instance.notify]");
        for h in mine {
            let _ = writeln!(out, "{} = {}", h.state.name(), toml_list(&h.argv()));
        }
    }
    track(out, vr, tracked);
}

/// What the instance watches: `[[instance.track_script]]` and `[[instance.track_interface]]`
/// (the weight is added while it fails; 0 puts the instance in Fault).
fn track(out: &mut String, vr: &VrouterSpec, tracked: &[TrackedScript]) {
    let mut scripts = tracked.iter().filter(|t| t.vrouter == vr.name);
    for t in &vr.track {
        match &t.watch {
            Watch::Script {
                interval,
                fall,
                rise,
                ..
            } => {
                let Some(script) = scripts.next() else {
                    continue;
                };
                let _ = writeln!(out, "[[instance.track_script]]");
                let _ = writeln!(out, "name = {}", toml_str(&script.name()));
                let _ = writeln!(out, "command = {}", toml_list(&script.argv()));
                let _ = writeln!(out, "interval = \"{}ms\"", interval.as_millis());
                let _ = writeln!(out, "fall = {fall}");
                let _ = writeln!(out, "rise = {rise}");
                let _ = writeln!(out, "weight = {}", t.weight);
            }
            Watch::Interface { name } => {
                let _ = writeln!(out, "[[instance.track_interface]]");
                let _ = writeln!(out, "name = {}", toml_str(name));
                let _ = writeln!(out, "weight = {}", t.weight);
            }
        }
    }
}

/// Renders the node's vrlabd.toml.
pub fn render(node: &RouterSpec, hooks: &[Hook], tracked: &[TrackedScript]) -> String {
    let mut out = format!(
        "# vrlabd configuration for node {}, rendered by vrlab from the scenario.\ncontrol = \"/run/{CONTROL}\"\n",
        node.node
    );
    for vr in &node.vrouters {
        instance(&mut out, vr, hooks, tracked);
    }
    for (name, members) in node.sync_groups() {
        let _ = writeln!(out, "\n[[sync_group]]");
        let _ = writeln!(out, "name = \"{name}\"");
        let _ = writeln!(out, "instances = {members:?}");
    }
    out
}

impl Adapter for Vrlabd {
    fn name(&self) -> &'static str {
        "vrlabd"
    }

    fn describe(&self) -> &'static str {
        "vrlabd, this project's VRRPv2/v3 daemon (creates its own VMAC interfaces)"
    }

    fn installed(&self) -> Result<Version, Missing> {
        let missing = |what: String| {
            Missing {
            daemon: "vrlabd",
            what,
            fix: "cargo build -p vrlabd (vrlab finds it beside itself), or set VRLABD=/path/to/vrlabd".into(),
        }
        };
        let prog = program()
            .ok_or_else(|| missing("no `vrlabd` beside vrlab, in $VRLABD or on PATH".into()))?;
        let line = version_line(&prog, "--version")
            .ok_or_else(|| missing(format!("`{} --version` did not run", prog.display())))?;
        Ok(Version(line))
    }

    fn unsupported(&self, node: &RouterSpec) -> Vec<String> {
        node.vrouters
            .iter()
            .filter(|vr| vr.vip_interface.is_some() && !vr.accept && vr.priority != 255)
            .map(|vr| {
                format!(
                    "{}: vrlabd holds VIPs on another interface only with accept = true (a master without Accept_Mode drops traffic to its VIPs by blackhole routes, not by leaving them off)",
                    vr.name
                )
            })
            .collect()
    }

    fn status_argv(&self) -> Option<Vec<String>> {
        let prog = program()?;
        Some(vec![
            prog.display().to_string(),
            "status".into(),
            "--control".into(),
            format!("/run/{CONTROL}"),
        ])
    }

    fn takes_own_config(&self) -> bool {
        true
    }

    fn own_config_findings(&self, text: &str, node: &RouterSpec) -> Vec<own::Finding> {
        vrlabd_conf::findings(text, node)
    }

    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError> {
        let prog = program().ok_or_else(|| AdapterError::Unsupported {
            daemon: "vrlabd",
            node: node.node.clone(),
            reason: "vrlabd is not installed".into(),
        })?;
        let config = paths.dir.join("vrlabd.toml");
        let mut plan = Plan::default();
        let text = match own::filled(node, self.name(), &paths.dir) {
            Some(text) => text?,
            None => {
                let hooks = hook_scripts(node, paths, &mut plan);
                let tracked = track_scripts(node, paths, &mut plan);
                render(node, &hooks, &tracked)
            }
        };
        plan.files.push((config.clone(), text));
        Ok(Plan {
            processes: vec![ProcessSpec {
                name: "vrlabd".into(),
                argv: vec![
                    prog.display().to_string(),
                    "-f".into(),
                    config.display().to_string(),
                    "--control".into(),
                    format!("/run/{CONTROL}"),
                ],
                env: vec![("RUST_LOG".into(), "info".into())],
                vrrp: true,
                ready: Ready::PathExists(paths.run.join(CONTROL)),
            }],
            ..plan
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::r1;
    use super::*;

    #[test]
    fn renders_notify_hooks_as_the_instance_notify_table() {
        let mut node = r1();
        node.vrouters[0].notify = Some(super::super::tests_support::hooks());
        let (_, hooks) = super::super::tests_support::rendered_hooks(&node);
        let text = render(&node, &hooks, &[]);
        let gw4 = &text[..text.find("# gw6").unwrap()];
        assert!(gw4.contains("[instance.notify]\nmaster = [\"/bin/sh\", \"/run/vrlab-hooks/gw4-master.sh\"]\nstop = [\"/bin/sh\", \"/run/vrlab-hooks/gw4-stop.sh\"]\n"), "{text}");
        assert_eq!(text.matches("[instance.notify]").count(), 1);
        // vrlabd reads it back.
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["instance"][0]["notify"]["master"][1].as_str(),
            Some("/run/vrlab-hooks/gw4-master.sh")
        );
    }

    #[test]
    fn renders_tracking_as_the_instances_track_tables() {
        let mut node = r1();
        node.vrouters[0].track = super::super::tests_support::tracks();
        let (_, tracked) = super::super::tests_support::rendered_tracks(&node);
        let text = render(&node, &[], &tracked);
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        let gw4 = &parsed["instance"][0];
        let script = &gw4["track_script"][0];
        assert_eq!(script["name"].as_str(), Some("gw4_track_1"));
        assert_eq!(
            script["command"][1].as_str(),
            Some("/run/vrlab-hooks/gw4-track-1.sh")
        );
        assert_eq!(script["interval"].as_str(), Some("2000ms"));
        assert_eq!(script["fall"].as_integer(), Some(3));
        assert_eq!(script["rise"].as_integer(), Some(2));
        assert_eq!(script["weight"].as_integer(), Some(-60));
        assert_eq!(gw4["track_interface"][0]["name"].as_str(), Some("eth1"));
        assert_eq!(gw4["track_interface"][0]["weight"].as_integer(), Some(0));
        assert!(parsed["instance"][1].get("track_script").is_none());
    }

    #[test]
    fn renders_the_rfc2338_password() {
        let mut node = r1();
        node.vrouters[0].auth_pass = Some("s3cret".into());
        let parsed: toml::Value = toml::from_str(&render(&node, &[], &[])).unwrap();
        assert_eq!(parsed["instance"][0]["auth_pass"].as_str(), Some("s3cret"));
        assert!(parsed["instance"][1].get("auth_pass").is_none());
    }

    #[test]
    fn renders_a_sync_group_as_a_top_level_table() {
        let mut node = r1();
        for v in &mut node.vrouters {
            v.sync_group = Some("fw".into());
        }
        let text = render(&node, &[], &[]);
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        let group = &parsed["sync_group"][0];
        assert_eq!(group["name"].as_str(), Some("fw"));
        let members: Vec<&str> = group["instances"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m.as_str())
            .collect();
        assert_eq!(members, ["gw4", "gw6"]);
    }

    #[test]
    fn renders_one_instance_per_virtual_router() {
        let text = render(&r1(), &[], &[]);
        assert_eq!(text.matches("[[instance]]").count(), 2);
        assert!(text.contains("control = \"/run/vrlabd.sock\""));
        assert!(text.contains("name = \"gw4\"\ninterface = \"eth0\"\nvrid = 51\nversion = 3\nfamily = \"ipv4\"\npriority = 200\nvips = [\"192.0.2.100\"]\ninterval = \"100ms\""));
        assert!(text.contains("vips = [\"2001:db8:1::100\"]\nlink_local = \"fe80::5e:2:34\""));
        assert_eq!(text.matches("link_local").count(), 1, "IPv6 only");
        assert!(text.contains("accept = false\nvmac = true"));
        assert!(!text.contains("unicast_peers"));
    }

    #[test]
    fn renders_unicast_and_options() {
        let mut n = r1();
        n.vrouters[0].unicast_peers = vec!["192.0.2.2".parse().unwrap()];
        n.vrouters[0].preempt = false;
        n.vrouters[0].preempt_delay_cs = 250;
        n.vrouters[0].vmac = false;
        let text = render(&n, &[], &[]);
        assert!(text.contains("unicast_peers = [\"192.0.2.2\"]"));
        assert!(text.contains("preempt = false\npreempt_delay = \"2500ms\""));
        assert!(text.contains("vmac = false"));
    }
}
