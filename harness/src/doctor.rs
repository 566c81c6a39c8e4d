//! `vrlab doctor`: can this machine run vrlab, and which daemons? Every answer comes from doing
//! the thing, not from guessing: the sandbox is entered, a two-node segment is built and torn
//! down, a macvlan is made on it, an nftables table is loaded in the bridge family, a
//! VLAN-aware segment is tried, and each daemon's adapter says what it found.

use std::time::Instant;

use serde::Serialize;

use crate::daemons;
use crate::scenario;
use crate::topology::Topology;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Works.
    Ok,
    /// Missing, but only what needs it cannot run (a daemon, a kind of fault).
    Limited,
    /// vrlab cannot run labs here.
    Broken,
}

/// One thing that was tried.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub what: String,
    pub level: Level,
    /// What was found (a version, a time) or what failed.
    pub detail: String,
    /// What to do about it, when it is not `Ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// What cannot run without it, when it is not `Ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_by: Option<String>,
}

impl Finding {
    fn ok(what: &str, detail: impl Into<String>) -> Finding {
        Finding {
            what: what.into(),
            level: Level::Ok,
            detail: detail.into(),
            fix: None,
            needed_by: None,
        }
    }

    fn not_ok(what: &str, level: Level, detail: String, fix: &str, needed_by: &str) -> Finding {
        Finding {
            what: what.into(),
            level,
            detail,
            fix: Some(fix.into()),
            needed_by: Some(needed_by.into()),
        }
    }
}

/// A segment with two hosts: what every lab is made of.
const PROBE_LAB: &str = r#"name = "doctor"
[segments.lan]
[nodes.a]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.1/24"] }
[nodes.b]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.2/24"] }
[[timeline]]
action = "hold"
for = "1s"
"#;

/// Two nodes joined by a VXLAN overlay over the probe lab's segment.
const OVERLAY_LAB: &str = r#"name = "doctor-vxlan"
[segments.lan]
[segments.ovl]
vxlan = { vni = 4242 }
[nodes.a]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.1/24"] }
interfaces.vx0 = { segment = "ovl", addresses = ["198.51.100.1/24"], underlay = "eth0" }
[nodes.b]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.2/24"] }
interfaces.vx0 = { segment = "ovl", addresses = ["198.51.100.2/24"], underlay = "eth0" }
[[timeline]]
action = "hold"
for = "1s"
"#;

/// The daemons, as their adapters find them; in a rootless sandbox, those that must run as a
/// user of their own cannot run at all. Then the BGP speaker the lab runs itself.
fn daemon_findings(rootless: bool) -> Vec<Finding> {
    let mut out: Vec<Finding> = daemons::all()
        .iter()
        .map(|a| {
            let what = format!("daemon {}", a.name());
            let needed_by = format!("runs with --daemon {}", a.name());
            match a.installed() {
                Ok(v) if rootless && !a.needs_users().is_empty() => Finding::not_ok(
                    &what,
                    Level::Limited,
                    format!(
                        "{} is installed, but runs as user {}, which a rootless lab cannot have",
                        v.0,
                        a.needs_users().join(", ")
                    ),
                    "run vrlab as root (sudo)",
                    &needed_by,
                ),
                Ok(v) => Finding::ok(&what, v.0),
                Err(m) => Finding::not_ok(&what, Level::Limited, m.what, &m.fix, &needed_by),
            }
        })
        .collect();
    let what = "the lab's BGP speaker (FRR zebra + bgpd)";
    out.push(match daemons::bgp::missing() {
        None => Finding::ok(what, "found, and its user `frr`"),
        Some(why) => Finding::not_ok(
            what,
            Level::Limited,
            why,
            "apt-get install frr, and run vrlab as root",
            "scenarios with `bgp` (scenarios/field/cloud-bgp-vip.toml)",
        ),
    });
    out
}

/// What can only be tried inside the sandbox: topology, macvlan, nftables, VLAN filtering.
async fn lab_findings() -> Vec<Finding> {
    let mut out = Vec::new();
    let scn = scenario::parse(std::path::Path::new("doctor.toml"), PROBE_LAB)
        .expect("the doctor's own lab is valid");
    let state = std::path::Path::new(crate::sandbox::STATE_DIR).join("doctor");
    let t = Instant::now();
    let topo = match Topology::build(&scn, &state).await {
        Ok(t) => t,
        Err(e) => {
            out.push(Finding::not_ok(
                "namespaces, veth, bridge (rtnetlink)",
                Level::Broken,
                e.to_string(),
                "a kernel with network namespaces, veth and bridge (CONFIG_NET_NS, CONFIG_VETH, CONFIG_BRIDGE)",
                "every lab",
            ));
            return out;
        }
    };
    out.push(Finding::ok(
        "namespaces, veth, bridge (rtnetlink)",
        format!(
            "a two-node segment built in {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        ),
    ));
    out.push(
        match topo
            .add_macvlan("a", "vmac0", "eth0", crate::wire::MacAddr::vrrp_v4(1), &[])
            .await
        {
            Ok(()) => Finding::ok("macvlan (virtual MACs)", "made one on a node's interface"),
            Err(e) => Finding::not_ok(
                "macvlan (virtual MACs)",
                Level::Limited,
                e.to_string(),
                "a kernel with CONFIG_MACVLAN",
                "keepalived and FRR with a virtual MAC, vrlabd's VMAC",
            ),
        },
    );
    let table = format!(
        "table bridge {} {{\n  chain forward {{\n    type filter hook forward priority 0; policy accept;\n  }}\n}}\n",
        crate::faults::netfilter::TABLE
    );
    let nft = crate::faults::netfilter::available().and_then(|()| {
        crate::faults::netfilter::install(&topo.switch, &table)?;
        crate::faults::netfilter::clear(&topo.switch)
    });
    out.push(match nft {
        Ok(()) => Finding::ok(
            "nftables, bridge family",
            "loaded and removed a forward-hook table in the switch namespace",
        ),
        Err(e) => Finding::not_ok(
            "nftables, bridge family",
            Level::Limited,
            e,
            "apt-get install nftables, on a kernel with CONFIG_NF_TABLES_BRIDGE",
            "timeline actions `partition` and `loss`",
        ),
    });
    out.push(relay_finding(&topo));
    out.push(match topo.set_snooping("lan", true, true).await {
        Ok(()) => Finding::ok(
            "IGMP/MLD snooping, bridge as querier",
            "turned snooping and the querier on for a segment",
        ),
        Err(e) => Finding::not_ok(
            "IGMP/MLD snooping, bridge as querier",
            Level::Limited,
            e.to_string(),
            "a kernel with CONFIG_BRIDGE_IGMP_SNOOPING",
            "timeline action `snooping`, segments with `multicast_snooping = true`",
        ),
    });
    drop(topo);
    let vlan = PROBE_LAB.replace("[segments.lan]", "[segments.lan]\nvlan_aware = true");
    let vlan_scn = scenario::parse(std::path::Path::new("doctor-vlan.toml"), &vlan)
        .expect("the doctor's VLAN lab is valid");
    out.push(
        match Topology::build(&vlan_scn, &state.join("vlan")).await {
            Ok(t) => {
                drop(t);
                Finding::ok("bridge VLAN filtering", "built a VLAN-aware segment")
            }
            Err(e) => Finding::not_ok(
                "bridge VLAN filtering",
                Level::Limited,
                e.to_string(),
                "a kernel with CONFIG_BRIDGE_VLAN_FILTERING",
                "segments with `vlan_aware = true`",
            ),
        },
    );
    let overlay = scenario::parse(std::path::Path::new("doctor-vxlan.toml"), OVERLAY_LAB)
        .expect("the doctor's VXLAN lab is valid");
    out.push(
        match Topology::build(&overlay, &state.join("vxlan")).await {
            Ok(t) => {
                drop(t);
                Finding::ok(
                    "VXLAN overlays",
                    "joined two nodes by VXLAN devices with flood entries",
                )
            }
            Err(e) => Finding::not_ok(
                "VXLAN overlays",
                Level::Limited,
                e.to_string(),
                "a kernel with CONFIG_VXLAN",
                "segments with `vxlan = { vni }` (scenarios/field/cloud-vxlan-overlay.toml)",
            ),
        },
    );
    out
}

/// `delay` is served by the lab's relay on every kernel (seeded, so that a run impairs the same
/// frames on a kernel with netem and on one without): start one on a port, stop it.
fn relay_finding(topo: &Topology) -> Finding {
    use crate::faults::relay::{Impairment, Relay, Tap};
    const WHAT: &str = "delay, jitter, reorder, duplicate (the lab's relay)";
    const NEEDED_BY: &str = "timeline action `delay`";
    let tap = topo.ports.first().and_then(|p| {
        let b = topo.bridges.iter().find(|b| b.segment == p.segment)?;
        Some(Tap {
            port_ifindex: p.port_ifindex,
            bridge_ifindex: b.ifindex,
        })
    });
    let imp = Impairment {
        delay: std::time::Duration::from_millis(1),
        jitter: std::time::Duration::ZERO,
        reorder_permille: 0,
        duplicate_permille: 0,
        seed: 0,
    };
    match tap.map(|t| Relay::start(&topo.switch, &[t], 0, imp)) {
        Some(Ok(relay)) => {
            relay.stop();
            Finding::ok(
                WHAT,
                "started and stopped a relay on a bridge port (packet sockets in the switch namespace)",
            )
        }
        Some(Err(e)) => Finding::not_ok(
            WHAT,
            Level::Limited,
            e.to_string(),
            "a kernel with AF_PACKET sockets (CONFIG_PACKET)",
            NEEDED_BY,
        ),
        None => Finding::not_ok(
            WHAT,
            Level::Limited,
            "the doctor's lab has no bridge port".into(),
            "report it: the doctor's own lab is built wrong",
            NEEDED_BY,
        ),
    }
}

/// Runs every check; prints a table or JSON; exit 0 when labs can run (some daemons or fault
/// kinds may be missing: said, with the fix), 3 when they cannot.
pub fn main(json: bool) -> i32 {
    const SANDBOX: &str = "the lab's sandbox (mount, network, PID namespaces)";
    let mut findings = Vec::new();
    match crate::sandbox::enter() {
        Err(e) => {
            findings.push(Finding::not_ok(
                SANDBOX,
                Level::Broken,
                e.to_string(),
                "run vrlab as root (sudo), or enable unprivileged user namespaces",
                "every lab",
            ));
            findings.extend(daemon_findings(false));
        }
        Ok(()) => {
            let rootless = crate::sandbox::rootless();
            findings.push(Finding::ok(
                SANDBOX,
                if rootless {
                    "entered through a user namespace (rootless)"
                } else {
                    "entered as root"
                },
            ));
            // Multi-threaded, as in a run: nft is run with block_in_place.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            findings.extend(rt.block_on(lab_findings()));
            findings.extend(daemon_findings(rootless));
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        );
    } else {
        print!("{}", text(&findings));
    }
    if findings.iter().any(|f| f.level == Level::Broken) {
        crate::exit::EXIT_ENVIRONMENT
    } else {
        crate::exit::EXIT_OK
    }
}

/// The findings as people read them.
fn text(findings: &[Finding]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for f in findings {
        let mark = match f.level {
            Level::Ok => "  ok ",
            Level::Limited => " miss",
            Level::Broken => "FAIL ",
        };
        let _ = writeln!(s, "{mark} {:<52} {}", f.what, f.detail);
        if let (Some(fix), Some(by)) = (&f.fix, &f.needed_by) {
            let _ = writeln!(s, "       needed by: {by}\n       fix: {fix}");
        }
    }
    let verdict = if findings.iter().any(|f| f.level == Level::Broken) {
        "vrlab cannot run labs on this machine"
    } else if findings.iter().any(|f| f.level == Level::Limited) {
        "vrlab can run labs here; what is missing limits only what needs it"
    } else {
        "vrlab can run everything here"
    };
    let _ = writeln!(s, "{verdict}");
    s
}
