//! ucarp adapter: CARP on Linux, one ucarp per CARP virtual host of a router node, in the
//! foreground.
//!
//! ucarp is configured on its command line (`--vhid`, `--pass`, `--addr`, `--advbase`,
//! `--advskew`, `--preempt`) and moves the address through scripts: the lab writes an up
//! script that adds the VIP to the interface and a down script that removes it (ucarp calls
//! them with the interface and the address), into the node's run directory. It speaks CARP
//! only, over IPv4, one address per VHID; a scenario asking for more is refused before
//! anything is built.
//!
//! Behaviour of ucarp 1.5.2 seen in the lab (findings, not fixed here):
//! - its adverts leave from 00:00:5e:00:00:{VHID}; the address is answered from the
//!   interface's own MAC, and its gratuitous ARP on becoming master names that MAC;
//! - its HMAC covers version and type (one octet each), the VHID, the address and the counter
//!   (`b14.carp-hmac`).

use std::path::{Path, PathBuf};

use super::{
    find_program, own, version_line, Adapter, AdapterError, Missing, NodePaths, Plan, ProcessSpec,
    Ready, RouterSpec, Version, VrouterSpec,
};
use crate::scenario::Family;

pub struct Ucarp;

const PROGRAM: &str = "ucarp";
const DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/local/sbin"];

impl Adapter for Ucarp {
    fn name(&self) -> &'static str {
        "ucarp"
    }

    fn describe(&self) -> &'static str {
        "ucarp (CARP over IPv4, one process per VHID, foreground; up/down scripts move the address)"
    }

    fn installed(&self) -> Result<Version, Missing> {
        let missing = |what: String| Missing {
            daemon: "ucarp",
            what,
            fix: "apt-get install ucarp".into(),
        };
        let prog = find_program(PROGRAM, DIRS)
            .ok_or_else(|| missing("no `ucarp` in /usr/sbin, /sbin or on PATH".into()))?;
        // ucarp has no --version; its help begins with `ucarp 1.5.2 - Jan  3 2023`.
        let line = version_line(&prog, "--help")
            .ok_or_else(|| missing(format!("`{} --help` did not run", prog.display())))?;
        Ok(Version(line))
    }

    fn speaks_vrrp(&self) -> bool {
        false
    }

    fn speaks_carp(&self) -> bool {
        true
    }

    fn takes_own_config(&self) -> bool {
        true
    }

    fn own_config_findings(&self, text: &str, node: &RouterSpec) -> Vec<own::Finding> {
        super::ucarp_args::findings(text, node)
    }

    fn unsupported(&self, node: &RouterSpec) -> Vec<String> {
        let mut out = Vec::new();
        for vr in node.vrouters.iter().filter(|v| v.protocol.is_carp()) {
            if vr.family != Family::Ipv4 {
                out.push(format!("{}: ucarp speaks CARP over IPv4 only", vr.name));
            }
            if vr.vips.len() != 1 {
                out.push(format!(
                    "{}: ucarp carries one address per VHID; this one has {}",
                    vr.name,
                    vr.vips.len()
                ));
            }
            if source(node, vr).is_none() {
                out.push(format!(
                    "{}: {} has no IPv4 address on {} for ucarp's --srcip",
                    vr.name, node.node, vr.interface
                ));
            }
            if vr.notify.is_some() {
                out.push(format!(
                    "{}: ucarp runs only its up and down scripts, which move the address: notify hooks cannot be rendered",
                    vr.name
                ));
            }
            if vr.vmac {
                out.push(format!(
                    "{}: ucarp answers for the address from the interface's own MAC (its adverts alone leave from 00:00:5e:00:00:{:02x}): set vmac = false",
                    vr.name, vr.vrid
                ));
            }
            if vr.preempt_delay_cs > 0 {
                out.push(format!("{}: ucarp has no pre-emption delay", vr.name));
            }
            if !vr.track.is_empty() {
                out.push(format!(
                    "{}: ucarp watches nothing but its own interface (no track scripts): track cannot be rendered",
                    vr.name
                ));
            }
            if let Some(g) = &vr.sync_group {
                out.push(format!(
                    "{}: each ucarp process runs one virtual host and knows no other: sync group `{g}` cannot be rendered",
                    vr.name
                ));
            }
            if !vr.unicast_peers.is_empty() {
                out.push(format!(
                    "{}: ucarp advertises by multicast (or broadcast) only",
                    vr.name
                ));
            }
        }
        out
    }

    fn prepare(&self, node: &RouterSpec, paths: &NodePaths) -> Result<Plan, AdapterError> {
        if let Some(reason) = self.unsupported(node).into_iter().next() {
            return Err(AdapterError::Unsupported {
                daemon: "ucarp",
                node: node.node.clone(),
                reason,
            });
        }
        let prog = find_program(PROGRAM, DIRS).unwrap_or_else(|| PathBuf::from("/usr/sbin/ucarp"));
        let up = paths.dir.join("vip-up.sh");
        let down = paths.dir.join("vip-down.sh");
        let mut plan = Plan::default();
        plan.files.push((up.clone(), script("add")));
        plan.files.push((down.clone(), script("del")));
        if let Some(text) = own::filled(node, self.name(), &paths.dir) {
            // Your own command lines: one process per line, as written (placeholders filled;
            // the lab's scripts are `{{dir}}/vip-up.sh` and `{{dir}}/vip-down.sh`).
            for line in super::ucarp_args::lines(&text?, &mut Vec::new()) {
                let vhid = line.vhid().unwrap_or_default();
                let mut argv = vec![prog.display().to_string()];
                argv.extend(line.words);
                plan.processes.push(ProcessSpec {
                    name: format!("ucarp-{vhid}"),
                    argv,
                    env: Vec::new(),
                    vrrp: true,
                    ready: Ready::Started,
                });
            }
            return Ok(plan);
        }
        for vr in node.vrouters.iter().filter(|v| v.protocol.is_carp()) {
            plan.processes.push(ProcessSpec {
                name: format!("ucarp-{}", vr.vrid),
                argv: argv(&prog, node, vr, &up, &down),
                env: Vec::new(),
                vrrp: true,
                ready: Ready::Started,
            });
        }
        Ok(plan)
    }
}

/// The node's first IPv4 address on the virtual host's interface: ucarp's `--srcip`.
fn source(node: &RouterSpec, vr: &VrouterSpec) -> Option<std::net::IpAddr> {
    let (_, iface) = node.interface(&vr.interface)?;
    super::first_address(iface, Family::Ipv4)
}

/// ucarp calls its scripts as `SCRIPT INTERFACE ADDRESS`; the address goes on as a host
/// route, as the other adapters add VIPs.
fn script(verb: &str) -> String {
    format!(
        "#!/bin/sh\n# Written by vrlab: ucarp runs it as `$0 INTERFACE ADDRESS` to {} the address.\nexec ip address {verb} \"$2\"/32 dev \"$1\"\n",
        if verb == "add" { "take" } else { "give up" }
    )
}

/// The command line of one virtual host: foreground, its password (this router's), advbase
/// and advskew, and `--shutdown` so that a stopped ucarp gives the address up.
pub(super) fn argv(
    prog: &Path,
    node: &RouterSpec,
    vr: &VrouterSpec,
    up: &Path,
    down: &Path,
) -> Vec<String> {
    let carp = vr.carp_auth.as_ref().expect("CARP virtual hosts only");
    let src = source(node, vr).map_or_else(String::new, |a| a.to_string());
    let mut argv = vec![
        prog.display().to_string(),
        format!("--interface={}", vr.interface),
        format!("--srcip={src}"),
        format!("--vhid={}", vr.vrid),
        format!("--pass={}", carp.password_of(&node.node)),
        format!("--addr={}", vr.vips[0]),
        format!("--advbase={}", vr.interval_cs / 100),
        format!("--advskew={}", 255 - u16::from(vr.priority)),
        format!("--upscript={}", up.display()),
        format!("--downscript={}", down.display()),
        "--shutdown".into(),
    ];
    if vr.preempt {
        argv.push("--preempt".into());
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::{r1, vr};
    use crate::scenario::Carp;

    fn carp_node() -> RouterSpec {
        let mut node = r1();
        let mut v = vr("dns", 7, Family::Ipv4, "192.0.2.53");
        v.interval_cs = 100;
        v.vmac = false;
        v.priority = 255 - 50;
        v.protocol = crate::scenario::Protocol::Carp;
        v.carp_auth = Some(Carp {
            password: "s3cret".into(),
            passwords: vec![("r2".into(), "guess".into())],
        });
        node.vrouters = vec![v];
        node
    }

    #[test]
    fn a_virtual_host_becomes_one_ucarp_with_its_scripts() {
        let node = carp_node();
        let paths = NodePaths {
            dir: "/runs/x/nodes/r1".into(),
            run: "/tmp/run".into(),
        };
        let plan = Ucarp.prepare(&node, &paths).unwrap();
        let argv = &plan.processes[0].argv;
        for a in [
            "--interface=eth0",
            "--srcip=192.0.2.1",
            "--vhid=7",
            "--pass=s3cret",
            "--addr=192.0.2.53",
            "--advbase=1",
            "--advskew=50",
            "--upscript=/runs/x/nodes/r1/vip-up.sh",
            "--downscript=/runs/x/nodes/r1/vip-down.sh",
            "--shutdown",
            "--preempt",
        ] {
            assert!(argv.iter().any(|x| x == a), "missing {a} in {argv:?}");
        }
        assert_eq!(plan.files.len(), 2);
        assert!(plan.files[0]
            .1
            .contains("ip address add \"$2\"/32 dev \"$1\""));
        assert!(plan.files[1].1.contains("ip address del"));
    }

    #[test]
    fn what_ucarp_cannot_do_is_refused() {
        let mut node = carp_node();
        node.vrouters[0].vips.push("192.0.2.54".parse().unwrap());
        node.vrouters[0].preempt_delay_cs = 100;
        node.vrouters[0].track = crate::daemons::tests_support::tracks();
        let why = Ucarp.unsupported(&node).join("; ");
        assert!(why.contains("one address per VHID"), "{why}");
        assert!(why.contains("no pre-emption delay"), "{why}");
        assert!(why.contains("track cannot be rendered"), "{why}");
        assert!(!Ucarp.speaks_vrrp() && Ucarp.speaks_carp());
    }
}
