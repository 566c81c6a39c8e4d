//! Your own keepalived.conf, vrlabd.toml or FRR vrrpd.conf under test (scenario
//! `config.keepalived = "r1.conf"`, `config.vrlabd = "r1.toml"`, `config.frr = "r1-vrrpd.conf"`): the lab runs the daemon with the user's file,
//! placeholders filled, and judges the run as any other; a file that disagrees with the scenario's virtual routers is refused before anything
//! is built, citing the line in the file and where the scenario names it.
//!
//! The refusal needs nothing; the run needs root and keepalived (ignored without them
//! locally, a failure under CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/need.rs"]
mod need;

fn main() -> std::process::ExitCode {
    need::run(vec![
        need::trial(
            "a_config_that_disagrees_with_the_scenario_is_refused_with_both_places",
            &[],
            a_config_that_disagrees_with_the_scenario_is_refused_with_both_places,
        ),
        need::trial(
            "a_vrlabd_config_that_disagrees_is_refused_with_both_places",
            &[],
            a_vrlabd_config_that_disagrees_is_refused_with_both_places,
        ),
        need::trial(
            "vrlabd_runs_your_config_and_the_run_is_judged",
            &[need::ROOT],
            vrlabd_runs_your_config_and_the_run_is_judged,
        ),
        need::trial(
            "an_frr_config_that_disagrees_is_refused_with_both_places",
            &[],
            an_frr_config_that_disagrees_is_refused_with_both_places,
        ),
        need::trial(
            "frr_runs_your_config_and_the_run_is_judged",
            &[need::ROOT, need::FRR],
            frr_runs_your_config_and_the_run_is_judged,
        ),
        need::trial(
            "keepalived_shows_what_its_version_does_with_unicast_and_no_interface",
            &[need::ROOT, need::KEEPALIVED, need::FRR],
            keepalived_shows_what_its_version_does_with_unicast_and_no_interface,
        ),
        need::trial(
            "a_ucarp_line_that_disagrees_is_refused_with_both_places",
            &[],
            a_ucarp_line_that_disagrees_is_refused_with_both_places,
        ),
        need::trial(
            "ucarp_runs_your_lines_and_the_run_is_judged",
            &[need::ROOT, need::UCARP],
            ucarp_runs_your_lines_and_the_run_is_judged,
        ),
        need::trial(
            "keepalived_runs_your_config_and_the_run_is_judged",
            &[need::ROOT, need::KEEPALIVED],
            keepalived_runs_your_config_and_the_run_is_judged,
        ),
    ])
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/own-config")
}

fn vrlab(args: &[&str], scenario: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("run")
        .arg(scenario)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The example copied into `dir`, with `file` edited.
fn example_with(dir: &Path, file: &str, edit: impl Fn(String) -> String) {
    for f in [
        "keepalived-pair.toml",
        "r1.conf",
        "r2.conf",
        "r1.toml",
        "r2.toml",
        "r1-vrrpd.conf",
        "r2-vrrpd.conf",
        "carp-pair.toml",
        "r1-ucarp.args",
        "r2-ucarp.args",
    ] {
        std::fs::copy(example().join(f), dir.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    std::fs::write(dir.join(file), edit(text)).unwrap();
}

/// Every result of each check in `ids` in the run's verdict passed (and there is one).
fn assert_passed(run_dir: &Path, ids: &[&str], output: &str) {
    let verdict: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("verdict.json")).unwrap()).unwrap();
    for id in ids {
        let s: Vec<&str> = verdict["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] == *id)
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        assert!(
            !s.is_empty() && s.iter().all(|s| *s == "pass"),
            "{id}: {s:?}\n{output}"
        );
    }
}

/// `vrlab run SCENARIO --daemon DAEMON` in `dir` is refused (exit 2) before anything is built,
/// its errors holding every one of `parts`.
fn refused(dir: &Path, daemon: &str, scenario: &str, parts: &[String]) {
    let out = dir.join("runs");
    let run = vrlab(&["--daemon", daemon], &dir.join(scenario), &out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    for part in parts {
        assert!(err.contains(part.as_str()), "missing `{part}` in {err}");
    }
    assert!(!out.exists(), "nothing was built: {}", out.display());
}

/// The one run directory under `out`.
fn only_run_dir(out: &Path) -> PathBuf {
    std::fs::read_dir(out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

fn a_config_that_disagrees_with_the_scenario_is_refused_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    // r2's file as someone edited it at work: another priority, a VIP more, a typo.
    example_with(dir.path(), "r2.conf", |t| {
        t.replace("priority 100", "priority 150")
            .replace("192.0.2.100/24", "192.0.2.100/24\n        192.0.2.101/24")
            .replace("{{interface lan}}", "{{interface lan0}}")
    });
    let out = dir.path().join("runs");
    let run = vrlab(
        &["--daemon", "vrlabd"],
        &dir.path().join("keepalived-pair.toml"),
        &out,
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    let file = dir.path().join("r2.conf");
    let named = format!("{}:30:", dir.path().join("keepalived-pair.toml").display());
    assert!(
        err.contains(&format!(
            "{}:9:15: error: `{{{{interface lan0}}}}`: r2 is not on segment `lan0`",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&named),
        "names where the scenario names the file: {err}"
    );
    assert!(!out.exists(), "nothing was built: {}", out.display());
    // With the placeholder right, what is left is the disagreement with the scenario.
    let r2 = std::fs::read_to_string(&file)
        .unwrap()
        .replace("lan0", "lan");
    std::fs::write(&file, r2).unwrap();
    let run = vrlab(
        &["--daemon", "vrlabd"],
        &dir.path().join("keepalived-pair.toml"),
        &out,
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    for part in [
        format!("{}:11:5: error: vrrp_instance gateway: priority 150, but the scenario gives 100", file.display()),
        format!("{}:15:9: error: vrrp_instance gateway: virtual_ipaddress 192.0.2.100, 192.0.2.101, but the scenario's VIPs are 192.0.2.100", file.display()),
    ] {
        assert!(err.contains(&part), "missing `{part}` in {err}");
    }
    assert!(!out.exists());
}

fn keepalived_runs_your_config_and_the_run_is_judged() {
    // And the run was judged like any other: the timeline ran, r2 took over within
    // Master_Down_Interval, the hosts' service came back in time.
    runs_your_file(
        "keepalived",
        ("r1.conf", "keepalived.conf"),
        &[
            "harness.timeline",
            "c2.takeover-time",
            "e4.service-gap",
            "d1.gratuitous-arp",
        ],
    );
}

/// The example run with `daemon`: r1's daemon ran `file` (mine, as the run directory keeps it
/// under `kept`) with its placeholders filled, and each check in `ids` passed.
/// `vrlab run EXAMPLE --daemon DAEMON --quiet` into a directory of its own, kept while this
/// lives.
struct ExampleRun {
    out: tempfile::TempDir,
    code: Option<i32>,
    /// The console's report.
    text: String,
    /// The report and the errors, for a failed assertion.
    shown: String,
}

impl ExampleRun {
    fn of(daemon: &str, scenario: &str) -> ExampleRun {
        let out = tempfile::tempdir().unwrap();
        let run = vrlab(
            &["--daemon", daemon, "--quiet"],
            &example().join(scenario),
            &out.path().join("runs"),
        );
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        let shown = format!("{text}{}", String::from_utf8_lossy(&run.stderr));
        ExampleRun {
            out,
            code: run.status.code(),
            text,
            shown,
        }
    }

    fn run_dir(&self) -> PathBuf {
        only_run_dir(&self.out.path().join("runs"))
    }
}

fn runs_your_file(daemon: &str, (file, kept): (&str, &str), ids: &[&str]) {
    let run = ExampleRun::of(daemon, "keepalived-pair.toml");
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.shown);
    let run_dir = run.run_dir();
    let used = std::fs::read_to_string(run_dir.join("nodes/r1").join(kept)).unwrap();
    let theirs: String = std::fs::read_to_string(example().join(file))
        .unwrap()
        .split_inclusive('\n')
        .map(|l| match l.starts_with('!') {
            true => l.to_string(),
            false => l
                .replace("{{node}}", "r1")
                .replace("{{interface lan}}", "eth0"),
        })
        .collect();
    assert_eq!(used, theirs);
    assert_passed(&run_dir, ids, &run.text);
}

fn a_vrlabd_config_that_disagrees_is_refused_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    // r2's file with a slower interval and without Accept_Mode.
    example_with(dir.path(), "r2.toml", |t| {
        t.replace("interval = \"100ms\"", "interval = \"1s\"")
            .replace("accept = true", "accept = false")
    });
    let file = dir.path().join("r2.toml");
    let named = format!("{}:31:", dir.path().join("keepalived-pair.toml").display());
    refused(
        dir.path(),
        "vrlabd",
        "keepalived-pair.toml",
        &[
        format!("{}:9:12: error: [[instance]] gateway: interval 100 cs, but the scenario's interval is 10 cs (the scenario's gateway); the file is named at {named}", file.display()),
        format!("{}:11:10: error: [[instance]] gateway: accept = false, but the scenario says accept = true", file.display()),
        ],
    );
}

fn vrlabd_runs_your_config_and_the_run_is_judged() {
    let run = ExampleRun::of("vrlabd", "keepalived-pair.toml");
    assert_eq!(
        run.code,
        Some(0),
        "vrlabd passes with the user's file: {}",
        run.shown
    );
    let run_dir = run.run_dir();
    // vrlabd ran the user's file, placeholders filled.
    let used = std::fs::read_to_string(run_dir.join("nodes/r2/vrlabd.toml")).unwrap();
    let theirs: String = std::fs::read_to_string(example().join("r2.toml"))
        .unwrap()
        .split_inclusive('\n')
        .map(|l| match l.starts_with('#') {
            true => l.to_string(),
            false => l.replace("{{interface lan}}", "eth0"),
        })
        .collect();
    assert_eq!(used, theirs);
}

fn an_frr_config_that_disagrees_is_refused_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    // r1's vrrpd.conf with pre-emption off and a second address.
    example_with(dir.path(), "r1-vrrpd.conf", |t| {
        t.replace(
            " vrrp 51 ip 192.0.2.100\n",
            " vrrp 51 ip 192.0.2.100\n vrrp 51 ip 192.0.2.101\n no vrrp 51 preempt\n",
        )
    });
    let file = dir.path().join("r1-vrrpd.conf");
    let named = format!("{}:25:", dir.path().join("keepalived-pair.toml").display());
    refused(
        dir.path(),
        "frr",
        "keepalived-pair.toml",
        &[
        format!("{}:11:2: error: vrrp 51 on eth0: pre-emption off, but the scenario has it on (the scenario's gateway); the file is named at {named}", file.display()),
        format!("{}:9:2: error: vrrp 51 on eth0: addresses 192.0.2.100, 192.0.2.101, but the scenario's VIPs are 192.0.2.100", file.display()),
        ],
    );
}

fn frr_runs_your_config_and_the_run_is_judged() {
    // vrrpd ran the user's file (the lab made its macvlan), and the run was judged like any
    // other: the timeline ran and r2 took over within its Master_Down_Interval of the crash.
    runs_your_file(
        "frr",
        ("r1-vrrpd.conf", "vrrpd.conf"),
        &["harness.timeline", "c2.takeover-time", "c7.advert-interval"],
    );
}

/// The installed keepalived's (major, minor, patch), from `keepalived --version`.
fn keepalived_version() -> (u32, u32, u32) {
    let out = Command::new("keepalived")
        .arg("--version")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let v = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix('v'))
        .unwrap_or_else(|| panic!("no version in {text}"));
    let n: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
    (n[0], n[1], n[2])
}

/// A unicast instance without `interface` (keepalived.conf(5) allows it since 2.2.1) is not
/// refused by the lab: the installed keepalived shows what it does. Before 2.2.8 it refuses
/// it at start-up ("Unknown interface!", keepalived #2270, fixed by #2273), and the lab stops
/// with keepalived's last log lines; from 2.2.8 the run is judged.
fn keepalived_shows_what_its_version_does_with_unicast_and_no_interface() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let run = vrlab(
        &["--daemon", "keepalived", "--quiet"],
        &example().join("cloud-unicast.toml"),
        &out,
    );
    let err = String::from_utf8_lossy(&run.stderr);
    if keepalived_version() < (2, 2, 8) {
        assert_eq!(run.status.code(), Some(4), "{err}");
        // Both routers' keepalived refuse the file; whichever the lab notices first is quoted.
        assert!(
            ["r1", "r2"]
                .iter()
                .any(|r| err.contains(&format!("{r}: keepalived exited before it was ready")))
                && err.contains("(svc) Unknown interface!"),
            "keepalived's own words, quoted: {err}"
        );
    } else {
        assert!(matches!(run.status.code(), Some(0 | 1)), "{err}");
        let verdict = std::fs::read(only_run_dir(&out).join("verdict.json")).unwrap();
        let verdict: serde_json::Value = serde_json::from_slice(&verdict).unwrap();
        assert!(verdict["checks"].as_array().is_some_and(|c| !c.is_empty()));
    }
}

fn a_ucarp_line_that_disagrees_is_refused_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    // r2 started with another password and daemonized, as an init script might.
    example_with(dir.path(), "r2-ucarp.args", |t| {
        t.replace("--pass=s3cret", "--pass=0ther --daemonize")
    });
    let file = dir.path().join("r2-ucarp.args");
    let named = format!("{}:22:", dir.path().join("carp-pair.toml").display());
    refused(
        dir.path(),
        "ucarp",
        "carp-pair.toml",
        &[
        format!("{}:4:", file.display()),
        "error: ucarp --vhid 7: --pass 0ther, but the scenario's is s3cret (the scenario's dns)"
            .to_string(),
        "error: `--daemonize`: the lab runs ucarp in the foreground".to_string(),
        format!("the file is named at {named}"),
        ],
    );
}

fn ucarp_runs_your_lines_and_the_run_is_judged() {
    let run = ExampleRun::of("ucarp", "carp-pair.toml");
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.shown);
    let run_dir = run.run_dir();
    // ucarp ran the user's line, placeholders filled; judged like any run: the address moved
    // within the bound when the cable was pulled, and every advert carries the HMAC.
    let events = std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap();
    let r2 = run_dir.join("nodes/r2");
    let want = format!(
        "\"argv\":[\"/usr/sbin/ucarp\",\"--interface=eth0\",\"--srcip=192.0.2.2\",\"--vhid=7\",\"--pass=s3cret\",\"--addr=192.0.2.53\",\"--advbase=1\",\"--advskew=100\",\"--preempt\",\"--shutdown\",\"--upscript={}/vip-up.sh\"",
        r2.display()
    );
    assert!(events.contains(&want), "no `{want}` in events.jsonl");
    assert_passed(
        &run_dir,
        &[
            "harness.timeline",
            "b14.carp-hmac",
            "e4.service-gap",
            "c9.master-yields",
        ],
        &run.text,
    );
}
