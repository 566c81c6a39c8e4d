//! `vrlab doctor` on this machine: as root (as CI runs), labs can run, and every part the lab
//! needs is found by trying it. Without root it is ignored locally; under CI=true that is a
//! failure (support/need.rs).

use std::process::Command;

#[path = "support/need.rs"]
mod need;

use need::{in_ci, trial, ROOT};

fn main() -> std::process::ExitCode {
    need::run(vec![trial(
        "doctor_finds_what_the_lab_needs_by_trying_it",
        &[ROOT],
        doctor_finds_what_the_lab_needs_by_trying_it,
    )])
}

fn doctor_finds_what_the_lab_needs_by_trying_it() {
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let findings: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let level = |what: &str| {
        findings
            .iter()
            .find(|f| f["what"].as_str().is_some_and(|w| w.starts_with(what)))
            .map(|f| f["level"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no finding for {what}: {out}"))
    };
    for what in [
        "the lab's sandbox",
        "namespaces, veth, bridge",
        "macvlan",
        "nftables, bridge family",
        "delay, jitter, reorder, duplicate",
        "IGMP/MLD snooping",
        "VXLAN overlays",
        "daemon vrlabd",
    ] {
        assert_eq!(level(what), "ok", "{what}: {out}");
    }
    // CI installs them (ci/install-deps.sh); elsewhere they may be missing, and say so.
    if in_ci() {
        for d in ["daemon keepalived", "daemon frr", "the lab's BGP speaker"] {
            assert_eq!(level(d), "ok", "{d}: {out}");
        }
    }
    // Whatever this kernel lacks is said with what needs it and the fix.
    for f in findings.iter().filter(|f| f["level"] != "ok") {
        assert!(f["fix"].is_string() && f["needed_by"].is_string(), "{f}");
    }
}
