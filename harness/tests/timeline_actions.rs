//! The timeline's operator actions, run for real: `exec` in a node (its output logged, a
//! non-zero exit or an overrun failing its step with the reason, never a hang) and
//! `partition`/`heal` (frames between the groups dropped while it lasts, and counted).
//!
//! Hosts only, so no daemon is needed; root is (ignored locally without it, a failure under
//! CI=true: support/need.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/need.rs"]
mod need;

use need::trial;

const NEEDS: &[need::Need] = &[need::ROOT];

fn main() -> std::process::ExitCode {
    need::run(vec![
        trial(
            "exec_runs_in_the_node_and_its_output_is_kept",
            NEEDS,
            exec_runs_in_the_node_and_its_output_is_kept,
        ),
        trial(
            "a_nodes_var_tmp_is_its_own",
            NEEDS,
            a_nodes_var_tmp_is_its_own,
        ),
        trial(
            "a_nodes_processes_are_its_own",
            NEEDS,
            a_nodes_processes_are_its_own,
        ),
        trial(
            "a_failing_command_fails_its_step_with_the_exit_status",
            NEEDS,
            a_failing_command_fails_its_step_with_the_exit_status,
        ),
        trial(
            "a_command_that_overruns_its_deadline_is_killed_and_fails_its_step",
            NEEDS,
            a_command_that_overruns_its_deadline_is_killed_and_fails_its_step,
        ),
        trial(
            "a_partition_drops_frames_between_groups_until_healed",
            NEEDS,
            a_partition_drops_frames_between_groups_until_healed,
        ),
        trial(
            "after_a_heal_frames_pass_again",
            NEEDS,
            after_a_heal_frames_pass_again,
        ),
        trial(
            "a_delay_holds_frames_back_and_duplicates_them_until_healed",
            NEEDS,
            a_delay_holds_frames_back_and_duplicates_them_until_healed,
        ),
        trial(
            "snooping_with_a_querier_makes_the_bridge_query",
            NEEDS,
            snooping_with_a_querier_makes_the_bridge_query,
        ),
        trial(
            "an_inject_at_an_offset_goes_then_or_fails_its_step",
            NEEDS,
            an_inject_at_an_offset_goes_then_or_fails_its_step,
        ),
    ])
}

const HOSTS: &str = r#"
[segments.lan]
[nodes.h1]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.10/24"] }
[nodes.h2]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.20/24"] }
[probe]
enabled = false
"#;

/// Runs a scenario made of `HOSTS` and `timeline`, returning the run directory and verdict.
fn run(name: &str, timeline: &str) -> (PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap().keep();
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, format!("name = \"{name}\"\n{HOSTS}\n{timeline}")).unwrap();
    let out = dir.join("runs");
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .args(["run", "--daemon", "vrlabd", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "vrlab exited with {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    let run_dir = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("a run directory");
    let verdict =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("verdict.json")).unwrap())
            .unwrap();
    (run_dir, verdict)
}

fn timeline_check(v: &serde_json::Value) -> serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "harness.timeline")
        .cloned()
        .unwrap()
}

fn events(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn exec_runs_in_the_node_and_its_output_is_kept() {
    let (dir, v) = run(
        "exec-ok",
        r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["sh", "-c", "cat /sys/class/net/eth0/address"]
"#,
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
    let log = std::fs::read_to_string(dir.join("nodes/h1/exec-1.log")).unwrap();
    // The node's own interface, not the host's: h1 is node 0, interface 0.
    assert_eq!(log.trim(), "02:00:00:00:01:01", "{log}");
}

/// A node's /var/tmp is its own (FRR keeps /var/tmp/frr/DAEMON.PID there, and leaves it after
/// a SIGKILL): what a node writes there never reaches the host, and two nodes do not share it.
fn a_nodes_var_tmp_is_its_own() {
    let name = format!("vrlab-private-{}", std::process::id());
    let (dir, v) = run(
        "private-var-tmp",
        &format!(
            r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["sh", "-c", "echo h1 > /var/tmp/{name} && test -s /var/tmp/{name}"]

[[timeline]]
action = "exec"
node = "h2"
command = ["sh", "-c", "test ! -e /var/tmp/{name} && echo clean"]
"#
        ),
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
    assert_eq!(
        std::fs::read_to_string(dir.join("nodes/h2/exec-2.log"))
            .unwrap()
            .trim(),
        "clean"
    );
    let p = Path::new("/var/tmp").join(&name);
    assert!(!p.exists(), "{} reached the host", p.display());
}

/// Every node has a PID namespace of its own: `pkill` in h1 ends h1's process and not the one
/// of the same name in h2, and a node's /proc lists its own processes only.
fn a_nodes_processes_are_its_own() {
    let (dir, v) = run(
        "private-pids",
        r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["sleep", "60"]
background = true

[[timeline]]
action = "exec"
node = "h2"
command = ["sleep", "60"]
background = true

[[timeline]]
action = "exec"
node = "h1"
command = ["sh", "-c", "pgrep -c -x sleep; pkill -x sleep; sleep 0.2; pgrep -c -x sleep || true"]

[[timeline]]
action = "exec"
node = "h2"
command = ["sh", "-c", "pgrep -c -x sleep; ps -e -o pid=,comm= | sort -n | head -1"]
"#,
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
    let h1 = std::fs::read_to_string(dir.join("nodes/h1/exec-3.log")).unwrap();
    assert_eq!(
        h1.split_whitespace().collect::<Vec<_>>(),
        ["1", "0"],
        "h1: {h1}"
    );
    let h2 = std::fs::read_to_string(dir.join("nodes/h2/exec-4.log")).unwrap();
    let h2: Vec<&str> = h2.split_whitespace().collect();
    // h2's sleep survived h1's pkill, and PID 1 of h2's namespace is the node's init.
    assert_eq!(h2, ["1", "1", "vrlab-init"], "h2: {h2:?}");
}

fn a_failing_command_fails_its_step_with_the_exit_status() {
    let (_, v) = run(
        "exec-fails",
        r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["sh", "-c", "exit 3"]

[[timeline]]
action = "hold"
for = "100ms"
"#,
    );
    let t = timeline_check(&v);
    assert_eq!(t["status"], "fail");
    let observed = t["observed"].as_str().unwrap();
    assert!(
        observed.contains("step 1 failed: exec on h1: `sh -c exit 3` ended with exit 3"),
        "{observed}"
    );
}

fn a_command_that_overruns_its_deadline_is_killed_and_fails_its_step() {
    let started = std::time::Instant::now();
    let (_, v) = run(
        "exec-overruns",
        r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["sleep", "30"]
timeout = "200ms"
"#,
    );
    let observed = timeline_check(&v)["observed"].as_str().unwrap().to_string();
    assert!(
        observed.contains("`sleep 30` did not finish within 200ms; it was killed"),
        "{observed}"
    );
    // Not a hang: the run ends long before the command would have.
    assert!(started.elapsed().as_secs() < 20);
}

fn a_partition_drops_frames_between_groups_until_healed() {
    // h1 pings h2 across the partition (fails), then after the heal (succeeds).
    let (dir, v) = run(
        "partition-hosts",
        r#"
[[timeline]]
action = "partition"
groups = [["h1"], ["h2"]]

[[timeline]]
action = "exec"
node = "h1"
command = ["ping", "-c", "3", "-i", "0.05", "-W", "1", "192.0.2.20"]
timeout = "5s"

[[timeline]]
action = "heal"

[[timeline]]
action = "exec"
node = "h1"
command = ["ping", "-c", "1", "-W", "2", "192.0.2.20"]
timeout = "5s"
"#,
    );
    let observed = timeline_check(&v)["observed"].as_str().unwrap().to_string();
    // The first ping fails (the partition holds), the run stops there.
    assert!(
        observed.contains("step 2 failed") && observed.contains("ended with exit 1"),
        "{observed}"
    );
    let ev = events(&dir);
    let started = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "partition")
        .expect("partition event");
    assert_eq!(started["mechanism"], "nftables bridge family, forward hook");
    // Torn down at the end of the run: the rules' counts are recorded.
    let healed = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "heal")
        .expect("heal event at teardown");
    let dropped = healed["ended"][0]["dropped"].as_u64().unwrap();
    assert!(dropped >= 1, "{healed}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert!(meta["seed"].as_u64().is_some());
    assert_eq!(
        meta["mechanisms"]["partition"],
        "nftables bridge family, forward hook"
    );
}

fn after_a_heal_frames_pass_again() {
    let (_, v) = run(
        "heal-hosts",
        r#"
[[timeline]]
action = "partition"
groups = [["h1"], ["h2"]]

[[timeline]]
action = "heal"

[[timeline]]
action = "exec"
node = "h1"
command = ["ping", "-c", "1", "-W", "2", "192.0.2.20"]
timeout = "5s"
"#,
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
}

/// The round-trip times `ping` printed, in ms.
fn rtts(log: &str) -> Vec<f64> {
    log.lines()
        .filter_map(|l| l.split("time=").nth(1))
        .filter_map(|t| t.split_whitespace().next()?.parse().ok())
        .collect()
}

fn a_delay_holds_frames_back_and_duplicates_them_until_healed() {
    // h1 → h2 held back 200 ms and every frame delivered twice; h2 → h1 untouched.
    let (dir, v) = run(
        "delay-hosts",
        r#"
[[timeline]]
action = "delay"
from = "h1"
to = "h2"
delay = "200ms"
duplicate = 100

[[timeline]]
action = "exec"
node = "h1"
command = ["ping", "-c", "3", "-i", "0.3", "-W", "2", "192.0.2.20"]
timeout = "5s"

[[timeline]]
action = "heal"

[[timeline]]
action = "exec"
node = "h1"
command = ["ping", "-c", "2", "-i", "0.2", "-W", "2", "192.0.2.20"]
timeout = "5s"
"#,
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
    let delayed = std::fs::read_to_string(dir.join("nodes/h1/exec-2.log")).unwrap();
    let times = rtts(&delayed);
    // Each echo request waited 200 ms in the relay (the reply did not).
    assert!(
        times.len() >= 3 && times.iter().all(|t| *t >= 200.0),
        "{delayed}"
    );
    assert!(
        delayed.contains("DUP!"),
        "every request delivered twice:\n{delayed}"
    );
    let healed = std::fs::read_to_string(dir.join("nodes/h1/exec-4.log")).unwrap();
    assert!(
        rtts(&healed).iter().all(|t| *t < 200.0) && !healed.contains("DUP!"),
        "after the heal, no delay and no duplicates:\n{healed}"
    );
    let ev = events(&dir);
    let started = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "delay")
        .expect("delay event");
    assert!(started["mechanism"].as_str().unwrap().contains("relay"));
    assert_eq!(started["delay_ms"], 200.0);
    let ended = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "heal")
        .expect("heal event");
    let relayed = &ended["ended"][0]["relayed"];
    let frames = relayed["frames"].as_u64().unwrap();
    assert!(frames >= 4, "ARP and three echo requests: {relayed}");
    assert_eq!(relayed["duplicated"].as_u64(), Some(frames), "{relayed}");
    // Every copy was sent, or was still held when the heal came (a frame of the last 200 ms).
    let (sent, held) = (relayed["sent"].as_u64(), relayed["held_at_end"].as_u64());
    assert_eq!(
        sent.zip(held).map(|(s, h)| s + h),
        Some(2 * frames),
        "{relayed}"
    );
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert!(meta["mechanisms"]["delay"]
        .as_str()
        .unwrap()
        .contains("relay"));
}

fn snooping_with_a_querier_makes_the_bridge_query() {
    // h1 listens for IGMP while the bridge becomes the segment's querier.
    let (dir, v) = run(
        "snooping-hosts",
        r#"
[[timeline]]
action = "exec"
node = "h1"
command = ["timeout", "4", "tcpdump", "-l", "-n", "-i", "eth0", "-c", "1", "igmp"]
background = true

[[timeline]]
action = "hold"
for = "300ms"

[[timeline]]
action = "snooping"
segment = "lan"
querier = true

[[timeline]]
action = "hold"
for = "2500ms"
"#,
    );
    assert_eq!(timeline_check(&v)["status"], "pass", "{v:#}");
    let log = std::fs::read_to_string(dir.join("nodes/h1/exec-1.log")).unwrap();
    assert!(
        log.contains("igmp query"),
        "no general query reached h1:\n{log}"
    );
    let ev = events(&dir);
    let set = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "snooping")
        .expect("snooping event");
    assert_eq!(
        (set["enabled"].as_bool(), set["querier"].as_bool()),
        (Some(true), Some(true))
    );
}

const ROUTER: &str = r#"
[nodes.r1]
role = "router"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.1/24"] }
[vrouters.gw]
vrid = 51
segment = "lan"
vips = ["192.0.2.100"]
interval = "100ms"
priorities = { r1 = 200 }
"#;

/// An `inject` with `offset` goes that long after the step before began, whatever that step
/// is doing; when the step before took longer, the inject fails its step instead of going late.
fn an_inject_at_an_offset_goes_then_or_fails_its_step() {
    let timeline = |hold: &str, offset: &str| {
        format!(
            "{ROUTER}\n[[timeline]]\naction = \"wait\"\nuntil = \"master\"\nnode = \"r1\"\n\
             [[timeline]]\naction = \"hold\"\nfor = \"{hold}\"\n\
             [[timeline]]\naction = \"inject\"\nnode = \"h1\"\nvrouter = \"gw\"\n\
             frame = {{ kind = \"arp-request\" }}\nto = \"r1\"\noffset = \"{offset}\"\n"
        )
    };
    let (dir, v) = run("inject-offset", &timeline("100ms", "250ms"));
    assert_eq!(timeline_check(&v)["status"], "pass", "{v}");
    let ev = events(&dir);
    let hold_began = ev
        .iter()
        .find(|e| e["action"] == "step" && e["index"] == 1)
        .and_then(|e| e["t"].as_u64())
        .unwrap();
    let sent = ev
        .iter()
        .find(|e| e["action"] == "fault" && e["fault"] == "inject")
        .and_then(|e| e["t"].as_u64())
        .unwrap();
    // Never early; late only by the timer's wake-up (50 ms is far beyond it, even loaded).
    let after_ms = (sent - hold_began) as f64 / 1e6;
    assert!((250.0..300.0).contains(&after_ms), "{after_ms} ms");

    let (_, v) = run("inject-offset-late", &timeline("300ms", "50ms"));
    let t = timeline_check(&v);
    assert_eq!(t["status"], "fail", "{v}");
    assert!(
        t["observed"]
            .as_str()
            .unwrap()
            .contains("longer than the offset 50ms"),
        "{t}"
    );
}
