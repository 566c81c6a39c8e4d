//! The "any command" adapter: your own daemon or script under test, `--daemon
//! command:/path/to/it`. vrlab writes what the node is meant to do — its interfaces and the
//! virtual routers it takes part in — as JSON (the *intent*), starts the command in the node
//! with that file's path, and treats it like any daemon: faults signal it, its frames are
//! judged. The contract is docs/command-adapter.md; [`Intent`] is its schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{
    hook_scripts, Adapter, AdapterError, Missing, NodePaths, Plan, ProcessSpec, Ready, RouterSpec,
    Version,
};

/// The prefix of `--daemon command:PATH`.
pub const PREFIX: &str = "command:";

/// The version of the intent's schema, in the file: a change that breaks a reader bumps it.
pub const INTENT_VERSION: u32 = 1;

pub struct Command {
    path: PathBuf,
}

impl Command {
    /// `--daemon command:PATH`: the path as given (relative to where vrlab runs), made
    /// absolute, since the command starts inside the node's namespaces.
    pub fn new(path: &str) -> Command {
        let path = Path::new(path);
        Command {
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        }
    }
}

/// What one router node is meant to do: `nodes/NODE/intent.json`.
#[derive(Debug, Serialize)]
pub struct Intent {
    pub intent_version: u32,
    pub node: String,
    /// The node's directory in the run directory: write configuration and logs here.
    pub dir: PathBuf,
    /// Create this file once the daemon is ready (within 10 s of its start).
    pub ready_file: PathBuf,
    pub interfaces: Vec<IntentInterface>,
    pub vrouters: Vec<IntentVrouter>,
}

#[derive(Debug, Serialize)]
pub struct IntentInterface {
    pub name: String,
    pub segment: String,
    pub mac: String,
    /// `192.0.2.1/24`, `2001:db8:1::1/64`.
    pub addresses: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct IntentVrouter {
    pub name: String,
    pub vrid: u8,
    /// 2 or 3.
    pub version: u8,
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub interface: String,
    /// 1-254, or 255 for the address owner.
    pub priority: u8,
    pub vips: Vec<String>,
    /// The addresses to put in adverts, in order (IPv6: the virtual link-local first).
    pub advertised: Vec<String>,
    pub interval_ms: u32,
    pub preempt: bool,
    pub preempt_delay_ms: u32,
    pub accept: bool,
    /// Use the virtual router MAC ([`IntentVrouter::vmac_address`]).
    pub vmac: bool,
    pub vmac_address: String,
    /// A name for a VMAC interface, if the daemon makes one (at most 15 bytes).
    pub vmac_interface: String,
    /// VRRPv2: RFC 2338's simple text password to send (Auth Type 1) and require.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_pass: Option<String>,
    /// Where the master holds the VIPs instead of `interface` (`lo`), if elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip_interface: Option<String>,
    /// Empty: multicast.
    pub unicast_peers: Vec<String>,
    /// Commands to run on entering a state (`master`, `backup`, `fault`, `stop`).
    pub notify: BTreeMap<String, Vec<String>>,
    /// What to watch: while one fails, add its `weight` to the priority (0: go to Fault).
    pub track: Vec<IntentTrack>,
    /// The sync group it is a member of: a fault of any member (its interface down, a
    /// weight-0 track failing) should take every member out of mastership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_group: Option<String>,
}

/// One thing a virtual router tracks.
#[derive(Debug, Serialize)]
pub struct IntentTrack {
    /// `script` or `interface`.
    pub kind: &'static str,
    /// A script: the command to run; it succeeds (exit 0) while what it watches is up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    /// A script: how often, and how many failures (`fall`) or successes (`rise`) in a row
    /// change its state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fall: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rise: Option<u32>,
    /// An interface: down while its link is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    pub weight: i32,
}

impl Intent {
    pub fn of(
        node: &RouterSpec,
        dir: &Path,
        hooks: &[super::Hook],
        tracked: &[super::TrackedScript],
    ) -> Intent {
        Intent {
            intent_version: INTENT_VERSION,
            node: node.node.clone(),
            dir: dir.to_path_buf(),
            ready_file: dir.join("ready"),
            interfaces: node
                .interfaces
                .iter()
                .map(|i| IntentInterface {
                    name: i.name.clone(),
                    segment: i.segment.clone(),
                    mac: i.mac.to_string(),
                    addresses: i.addresses.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            vrouters: node
                .vrouters
                .iter()
                .map(|vr| IntentVrouter {
                    name: vr.name.clone(),
                    vrid: vr.vrid,
                    version: vr.protocol.version(),
                    family: vr.family.to_string(),
                    interface: vr.interface.clone(),
                    priority: vr.priority,
                    vips: vr.vips.iter().map(ToString::to_string).collect(),
                    advertised: vr.advertised().iter().map(ToString::to_string).collect(),
                    interval_ms: u32::from(vr.interval_cs) * 10,
                    preempt: vr.preempt,
                    preempt_delay_ms: vr.preempt_delay_cs * 10,
                    accept: vr.accept,
                    vmac: vr.vmac,
                    vmac_address: vr.vmac_addr().to_string(),
                    vmac_interface: node.vmac_ifname(vr),
                    vip_interface: vr.vip_interface.clone(),
                    auth_pass: vr.auth_pass.clone(),
                    unicast_peers: vr.unicast_peers.iter().map(ToString::to_string).collect(),
                    notify: hooks
                        .iter()
                        .filter(|h| h.vrouter == vr.name)
                        .map(|h| (h.state.name().to_string(), h.argv().to_vec()))
                        .collect(),
                    track: intent_track(vr, tracked),
                    sync_group: vr.sync_group.clone(),
                })
                .collect(),
        }
    }
}

fn intent_track(vr: &super::VrouterSpec, tracked: &[super::TrackedScript]) -> Vec<IntentTrack> {
    use crate::scenario::Watch;
    let mut scripts = tracked.iter().filter(|t| t.vrouter == vr.name);
    vr.track
        .iter()
        .filter_map(|t| match &t.watch {
            Watch::Script {
                interval,
                fall,
                rise,
                ..
            } => Some(IntentTrack {
                kind: "script",
                argv: scripts.next()?.argv().to_vec(),
                interval_ms: Some(interval.as_millis() as u64),
                fall: Some(*fall),
                rise: Some(*rise),
                interface: None,
                weight: t.weight,
            }),
            Watch::Interface { name } => Some(IntentTrack {
                kind: "interface",
                argv: Vec::new(),
                interval_ms: None,
                fall: None,
                rise: None,
                interface: Some(name.clone()),
                weight: t.weight,
            }),
        })
        .collect()
}

impl Adapter for Command {
    fn name(&self) -> &'static str {
        "command"
    }

    fn describe(&self) -> &'static str {
        "your own daemon or script: --daemon command:PATH (it gets the node's intent as JSON; docs/command-adapter.md)"
    }

    fn installed(&self) -> Result<Version, Missing> {
        let missing = |what: String| Missing {
            daemon: "command",
            what,
            fix: "give the path of an executable file: --daemon command:./mydaemon".into(),
        };
        self.path
            .metadata()
            .map_err(|e| missing(format!("{}: {e}", self.path.display())))?;
        if !super::is_executable(&self.path) {
            return Err(missing(format!(
                "{} is not an executable file",
                self.path.display()
            )));
        }
        Ok(Version(format!("command {}", self.path.display())))
    }

    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError> {
        let mut plan = Plan::default();
        let hooks = hook_scripts(node, paths, &mut plan);
        let tracked = super::track_scripts(node, paths, &mut plan);
        let intent = Intent::of(node, &paths.dir, &hooks, &tracked);
        let file = paths.dir.join("intent.json");
        let text =
            serde_json::to_string_pretty(&intent).map_err(|e| AdapterError::Unsupported {
                daemon: "command",
                node: node.node.clone(),
                reason: e.to_string(),
            })?;
        plan.files.push((file.clone(), text + "\n"));
        let file = file.display().to_string();
        plan.processes.push(ProcessSpec {
            name: "command".into(),
            argv: vec![self.path.display().to_string(), file.clone()],
            env: vec![
                ("VRLAB_INTENT".into(), file),
                ("VRLAB_NODE".into(), node.node.clone()),
                ("VRLAB_DIR".into(), paths.dir.display().to_string()),
                (
                    "VRLAB_READY".into(),
                    intent.ready_file.display().to_string(),
                ),
            ],
            vrrp: true,
            ready: Ready::PathExists(intent.ready_file),
        });
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::vr;
    use crate::daemons::InterfaceSpec;
    use crate::scenario::{Family, IpNet};

    #[test]
    fn the_intent_names_everything_a_daemon_needs_and_the_process_gets_its_path() {
        let node = RouterSpec {
            node: "r1".into(),
            interfaces: vec![InterfaceSpec {
                name: "eth0".into(),
                segment: "lan".into(),
                mac: crate::wire::MacAddr([2, 0, 0, 0, 2, 1]),
                addresses: vec![IpNet {
                    addr: "192.0.2.1".parse().unwrap(),
                    prefix: 24,
                }],
            }],
            vrouters: vec![
                vr("gw4", 51, Family::Ipv4, "192.0.2.100"),
                vr("gw6", 52, Family::Ipv6, "2001:db8:1::100"),
            ],
            configs: vec![],
            files: Vec::new(),
        };
        let dir = tempfile::tempdir().unwrap();
        let paths = NodePaths {
            dir: dir.path().join("r1"),
            run: dir.path().join("run"),
        };
        let plan = Command::new("/opt/mine/vrrpd")
            .prepare(&node, &paths)
            .unwrap();
        let (file, text) = &plan.files[0];
        assert_eq!(file, &paths.dir.join("intent.json"));
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["intent_version"], 1);
        assert_eq!(v["interfaces"][0]["mac"], "02:00:00:00:02:01");
        assert_eq!(v["interfaces"][0]["addresses"][0], "192.0.2.1/24");
        let gw6 = &v["vrouters"][1];
        assert_eq!(gw6["vmac_address"], "00:00:5e:00:02:34");
        assert_eq!(gw6["advertised"][0], "fe80::5e:2:34");
        assert_eq!(gw6["interval_ms"], 100);
        let p = &plan.processes[0];
        assert_eq!(p.argv, ["/opt/mine/vrrpd", file.to_str().unwrap()]);
        assert!(p
            .env
            .iter()
            .any(|(k, v)| k == "VRLAB_READY" && v.ends_with("r1/ready")));
        assert!(matches!(&p.ready, Ready::PathExists(r) if r == &paths.dir.join("ready")));
    }

    #[test]
    fn a_path_that_is_not_an_executable_file_is_missing_with_the_fix() {
        let m = Command::new("/nonexistent/daemon").installed().unwrap_err();
        assert!(m.what.contains("/nonexistent/daemon") && m.fix.contains("command:"));
        let plain = tempfile::NamedTempFile::new().unwrap();
        let m = Command::new(plain.path().to_str().unwrap())
            .installed()
            .unwrap_err();
        assert!(m.what.contains("not an executable file"), "{}", m.what);
    }
}
