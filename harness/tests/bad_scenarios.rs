//! Broken scenario files are refused before anything is built, with file:line:column and
//! what is wrong. Each case names the file under tests/bad/ and the location and words the
//! message must hold.

use std::path::Path;
use std::process::Command;

fn bad_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// (file, line:column of the first diagnostic, text the message must contain)
const CASES: &[(&str, &str, &str)] = &[
    (
        "vxlan-link-down-tunnel.toml",
        "29:13",
        "r1:vx0 is a VXLAN tunnel, not a cable",
    ),
    (
        "vxlan-no-underlay.toml",
        "9:30",
        "name the interface that carries its tunnel",
    ),
    (
        "vxlan-one-member.toml",
        "4:11",
        "an overlay joins two or more nodes",
    ),
    (
        "vxlan-partition-across-overlay.toml",
        "28:10",
        "this partition would cut nothing",
    ),
    (
        "vxlan-underlay-itself.toml",
        "9:78",
        "is itself on a VXLAN segment",
    ),
    (
        "vxlan-underlay-on-switched.toml",
        "18:78",
        "`underlay` belongs to an interface on a VXLAN segment",
    ),
    (
        "vxlan-underlay-unknown.toml",
        "9:78",
        "`r1` has no interface `eth9`",
    ),
    ("vxlan-vni-range.toml", "5:17", "VNI 16777216 is out of range"),
    (
        "route-host-bits.toml",
        "10:18",
        "10.0.2.1/24 is not a network",
    ),
    (
        "route-via-off-subnet.toml",
        "10:39",
        "a route goes via a neighbour",
    ),
    ("syntax-error.toml", "2:14", "expected `.`, `]`"),
    (
        "carp-no-password.toml",
        "6:11",
        "a CARP virtual host needs `password`",
    ),
    (
        "carp-with-priorities.toml",
        "12:14",
        "`priorities` is VRRP's: give `advskew` instead",
    ),
    (
        "carp-field-on-vrrp.toml",
        "11:12",
        "`password` is CARP's: add `protocol = \"carp\"`",
    ),
    (
        "own-config-missing.toml",
        "6:21",
        "cannot read r1's keepalived configuration",
    ),
    (
        "own-config-on-host.toml",
        "6:8",
        "`h1` is a host: only a router runs a daemon with a configuration of yours",
    ),
    ("unknown-key.toml", "6:1", "unknown field `priorty`"),
    (
        "sync-group-unknown-member.toml",
        "23:12",
        "virtual router `c` is not defined; virtual routers: `a`, `b`",
    ),
    (
        "sync-group-split-routers.toml",
        "23:12",
        "the members of a sync group share their routers",
    ),
    (
        "link-down-unknown-interface.toml",
        "25:13",
        "`r1` has no interface `eth7`; its interfaces: `eth0`, `eth1`",
    ),
    (
        "vip-interface-not-lo.toml",
        "12:17",
        "only \"lo\" is supported",
    ),
    (
        "bgp-neighbor-unknown.toml",
        "8:35",
        "198.51.100.254 is no node's address",
    ),
    (
        "bgp-same-asn.toml",
        "8:35",
        "up has the same asn 65001: the lab's BGP sessions are external",
    ),
    (
        "gateway-off-segment.toml",
        "15:11",
        "`a` is on segment `lan`, which u1 is not on",
    ),
    (
        "auth-pass-on-v3.toml",
        "10:13",
        "auth_pass is VRRPv2's (RFC 2338's simple text password): add `version = 2`",
    ),
    (
        "crash-with-interface.toml",
        "25:13",
        "`interface` has no meaning for action `crash`",
    ),
    (
        "undefined-segment.toml",
        "5:31",
        "segment `wan` is not defined; defined segments: `lan`",
    ),
    (
        "undefined-node.toml",
        "10:26",
        "node `r9` is not defined; routers: `r1`",
    ),
    (
        "duplicate-address.toml",
        "8:51",
        "address 192.0.2.1 is already used by r1:eth0",
    ),
    (
        "overlapping-subnets.toml",
        "7:51",
        "192.0.2.129/25 on segment `wan` overlaps 192.0.2.1/24 of r1:eth0 on segment `lan`",
    ),
    (
        "vrid-out-of-range.toml",
        "7:8",
        "VRID 256 is out of range: VRRP allows 1-255",
    ),
    (
        "ifname-too-long.toml",
        "5:12",
        "interface name `uplink-to-core-1` is 16 bytes; Linux allows at most 15",
    ),
    ("priority-zero.toml", "10:21", "priority 0 is out of range"),
    (
        "v2-subsecond.toml",
        "11:12",
        "VRRPv2 advertises in whole seconds",
    ),
    ("mixed-families.toml", "9:24", "2001:db8::100 is not ipv4"),
    ("host-in-vrouter.toml", "13:26", "node `h1` is a host"),
    ("unknown-action.toml", "7:10", "unknown action `explode`"),
    (
        "delay-jitter-too-large.toml",
        "14:10",
        "the jitter is larger than the delay",
    ),
    (
        "delay-missing.toml",
        "10:1",
        "`delay` needs `delay = \"30ms\"`",
    ),
    (
        "delay-reorder-range.toml",
        "14:11",
        "percent 120 is out of range: reorder takes more than 0 and at most 100",
    ),
    (
        "delay-too-long.toml",
        "13:9",
        "`11s` is longer than a delay may be (at most 10s)",
    ),
    (
        "snooping-querier-without-snooping.toml",
        "11:11",
        "a querier needs snooping on",
    ),
    (
        "snooping-undefined-segment.toml",
        "9:11",
        "segment `wan` is not defined or has no node on it; segments: `lan`",
    ),
    (
        "notify-empty-hook.toml",
        "15:10",
        "the `master` hook is an empty command",
    ),
    (
        "notify-moves-vip.toml",
        "16:10",
        "192.0.2.100 is a virtual address of `gw`: the daemon moves it, not a hook",
    ),
    (
        "notify-moves-without-master.toml",
        "14:1",
        "`moves` lists addresses but there is no `master` hook to move them",
    ),
    (
        "notify-no-hook.toml",
        "14:1",
        "`notify` names no hook: give at least one of master, backup, fault, stop",
    ),
    (
        "notify-unknown-state.toml",
        "16:1",
        "unknown field `on_master`, expected one of `master`, `backup`, `fault`, `stop`, `moves`",
    ),
    // A link fault may hit a host (line 7 is accepted); a daemon fault may not.
    (
        "fault-on-host.toml",
        "11:8",
        "`h1` is a host; `crash` acts on a router's daemons",
    ),
    (
        "vip-is-node-address.toml",
        "12:9",
        "virtual address 192.0.2.2 is also the address of r2:eth0",
    ),
    (
        "bad-duration.toml",
        "8:7",
        "write a whole number of a smaller unit (1500ms, not 1.5s)",
    ),
    (
        "duplicate-vrid.toml",
        "12:8",
        "VRID 9 is already used for ipv4 on segment `lan`",
    ),
    // Network faults and commands on the timeline.
    (
        "partition-node-twice.toml",
        "11:26",
        "node `r2` is named twice",
    ),
    (
        "partition-one-group.toml",
        "11:10",
        "a partition needs at least two groups",
    ),
    (
        "heal-without-fault.toml",
        "10:10",
        "`heal` with no partition, loss or delay in effect",
    ),
    (
        "loss-percent-range.toml",
        "12:11",
        "percent 130 is out of range: loss takes more than 0 and at most 100",
    ),
    (
        "loss-no-target.toml",
        "9:1",
        "`loss` needs exactly one of: `between",
    ),
    (
        "loss-undefined-node.toml",
        "12:6",
        "node `r3` is not defined; nodes: `r1`, `r2`",
    ),
    ("exec-no-command.toml", "9:1", "`exec` needs `command = ["),
    // Injected frames.
    (
        "inject-unknown-kind.toml",
        "22:18",
        "unknown frame kind `ping-of-death`: use `advert`, `stale-na`",
    ),
    (
        "inject-undefined-vrouter.toml",
        "21:11",
        "virtual router `gw9` is not defined; virtual routers: `gw4`",
    ),
    (
        "inject-off-segment.toml",
        "20:8",
        "sender `h9` has no interface on segment `lan`, where `gw4` runs",
    ),
    (
        "inject-wrong-family.toml",
        "22:18",
        "a `stale-na` frame is ipv6, but virtual router `gw4` is ipv4",
    ),
    (
        "inject-ttl-range.toml",
        "22:34",
        "ttl 300 is out of range: 0-255",
    ),
    (
        "inject-field-of-advert.toml",
        "22:51",
        "`priority` is a field of an injected advert, not of a `garp` frame",
    ),
    (
        "inject-no-frame.toml",
        "18:1",
        "`inject` needs `frame = { kind = \"...\" }`",
    ),
    (
        "inject-offset-first.toml",
        "23:10",
        "`offset` counts from the start of the step before; this inject is the first step",
    ),
    (
        "field-of-another-action.toml",
        "21:9",
        "`delay` has no meaning for action `hold`",
    ),
    // Values that would overflow, wrap, or mean something else than written.
    (
        "wait-timeout-overflow.toml",
        "17:11",
        "`9300000000000000000s` is longer than a scenario's durations may be (at most 3600s)",
    ),
    (
        "preempt-delay-wraps.toml",
        "14:17",
        "`42949672960ms` is longer than a scenario's durations may be (at most 3600s)",
    ),
    (
        "tolerance-too-large.toml",
        "18:13",
        "`3600s` is longer than a tolerance added to the RFC's bounds may be (at most 1s)",
    ),
    (
        "name-too-long.toml",
        "1:8",
        "scenario name is 300 characters; at most 64",
    ),
    (
        "sysctl-host-wide.toml",
        "9:8",
        "sysctl `net.core.rmem_max`: only per-namespace keys, net.ipv4.* and net.ipv6.*",
    ),
    (
        "sysctl-no-interface.toml",
        "9:8",
        "sysctl `net.ipv4.conf.eth9.arp_ignore`: the node has no interface `eth9` (its interfaces: eth0",
    ),
    (
        "sysctl-typo.toml",
        "9:8",
        "sysctl `net.ipv4.ip_forwrd`: this kernel has no such sysctl",
    ),
    (
        "host-multicast-address.toml",
        "11:51",
        "224.0.0.5 cannot be an interface's address: it is a multicast address",
    ),
    (
        "vip-unspecified.toml",
        "12:9",
        "0.0.0.0 cannot be a virtual address: it is the unspecified address",
    ),
    (
        "vip-vrrp-group.toml",
        "12:9",
        "224.0.0.18 cannot be a virtual address: it is a multicast address (224.0.0.18 and ff02::12 are VRRP's own group)",
    ),
    (
        "vip-link-local-only.toml",
        "12:8",
        "an IPv6 virtual router needs an address hosts use beyond the link-local one",
    ),
    (
        "no-timeline.toml",
        "14:1",
        "the scenario has no timeline, so nothing happens that could be judged",
    ),
    // The cause, alone: no follow-on "overlaps" errors for the undefined segment's subnet.
    (
        "undefined-segment-no-follow-on.toml",
        "11:31",
        "segment `wan` is not defined; defined segments: `lan`",
    ),
    (
        "exec-background-timeout.toml",
        "14:11",
        "`timeout` has no meaning for a background command",
    ),
    (
        "track-fall-zero.toml",
        "21:8",
        "fall 0: from 1 to 255 runs of the script in a row",
    ),
    (
        "track-positive-weight.toml",
        "21:10",
        "weight 10: what is added to the priority while the tracked thing fails",
    ),
    (
        "track-script-and-interface.toml",
        "19:1",
        "a `track` entry watches one thing",
    ),
    (
        "track-unknown-interface.toml",
        "20:13",
        "router `r1` has no interface `eth1` to track",
    ),
    (
        "exec-track-untracked.toml",
        "23:9",
        "node `r1` is a router of no virtual router with `track`",
    ),
    (
        "exec-track-unknown-turn.toml",
        "26:9",
        "track = \"sideways\": say `down`",
    ),
    (
        "node-file-outside-run.toml",
        "8:7",
        "a node's files go in its private /run",
    ),
];

#[test]
fn every_broken_file_is_refused_with_its_location() {
    let mut failures = Vec::new();
    for (file, at, text) in CASES {
        let path = bad_dir().join(file);
        match vrlab::scenario::load(&path) {
            Ok(_) => failures.push(format!("{file}: accepted")),
            Err(e) => {
                let shown = e.to_string();
                let want = format!("{}:{at}: error: ", path.display());
                if !shown.starts_with(&want) || !shown.contains(text) {
                    failures.push(format!("{file}: expected `{want}…{text}…`, got:\n{shown}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A cause is reported alone, not buried under what follows from it.
#[test]
fn an_undefined_segment_is_one_diagnostic() {
    let e =
        vrlab::scenario::load(&bad_dir().join("undefined-segment-no-follow-on.toml")).unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e}");
}

#[test]
fn every_file_in_bad_dir_has_a_case() {
    for e in std::fs::read_dir(bad_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            CASES.iter().any(|(f, _, _)| *f == name),
            "tests/bad/{name} has no case in CASES"
        );
    }
}

/// The command refuses a broken file with exit code 2 and creates nothing: the run
/// directory is not made, and no sandbox is entered (no privilege needed).
#[test]
fn vrlab_run_exits_2_and_builds_nothing() {
    let out = tempfile::tempdir().unwrap();
    let runs = out.path().join("runs");
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .args(["run", "--out"])
        .arg(&runs)
        .arg(bad_dir().join("undefined-node.toml"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("undefined-node.toml:10:26: error: node `r9` is not defined"),
        "{err}"
    );
    assert!(
        err.contains("^^"),
        "the message underlines the offending text: {err}"
    );
    assert!(
        !runs.exists(),
        "nothing may be created for a refused scenario"
    );
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [
        vec!["run"],
        vec!["frobnicate"],
        vec!["run", "--daemon", "nosuchd", "x.toml"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
