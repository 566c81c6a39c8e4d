//! Nothing survives a run: not after success, not after Ctrl-C mid-run, not after `kill -9`
//! of vrlab. Checked from the outside: no process started for the run is left (daemons carry
//! the run directory in their command line), and the caller's interfaces are unchanged.
//!
//! Needs root and keepalived; ignored locally without them, a failure under CI=true
//! (support/need.rs).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/need.rs"]
mod need;

use need::trial;

/// The runs use keepalived (the default daemon) or vrlabd (built with the tests).
const NEEDS: &[need::Need] = &[need::ROOT, need::KEEPALIVED];

fn main() -> std::process::ExitCode {
    need::run(vec![
        trial(
            "nothing_survives_kill_9_and_the_record_is_judged",
            NEEDS,
            nothing_survives_kill_9_and_the_record_is_judged,
        ),
        trial("nothing_survives_ctrl_c", NEEDS, nothing_survives_ctrl_c),
        trial(
            "nothing_survives_a_completed_run",
            NEEDS,
            nothing_survives_a_completed_run,
        ),
        trial(
            "vrlab_up_pauses_before_a_step_and_keeps_the_lab",
            NEEDS,
            vrlab_up_pauses_before_a_step_and_keeps_the_lab,
        ),
        trial(
            "vrlab_fault_acts_on_a_kept_lab_and_is_judged",
            NEEDS,
            vrlab_fault_acts_on_a_kept_lab_and_is_judged,
        ),
        trial(
            "a_kept_lab_stops_probing_when_its_timeline_is_over",
            NEEDS,
            a_kept_lab_stops_probing_when_its_timeline_is_over,
        ),
        trial(
            "jobs_report_in_file_order_and_a_stop_reaches_every_lab",
            NEEDS,
            jobs_report_in_file_order_and_a_stop_reaches_every_lab,
        ),
    ])
}

fn host_links() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// PIDs of processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .filter(|pid| {
            // Zombies are already dead; their parent reaps them.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| {
                    s.rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().next())
                        != Some("Z")
                })
                .unwrap_or(false)
        })
        .collect()
}

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/crash-and-return.toml")
}

/// Starts `vrlab run` in a process group of its own, so a Ctrl-C can be sent to the group
/// the way a terminal would.
fn start(out: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("run")
        .arg(scenario())
        .args(["--daemon", "keepalived", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap()
}

/// Waits until the daemons of the run are up (their command line holds the out dir).
fn wait_for_daemons(out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let needle = out.to_string_lossy().into_owned();
    while processes_mentioning(&format!("--use-file={needle}")).is_empty() {
        assert!(
            Instant::now() < deadline,
            "daemons did not start within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_nothing_left(out: &Path, before: &[String]) {
    let needle = out.to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_mentioning(&needle);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "processes left behind: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(host_links(), before, "the caller's interfaces changed");
}

/// Interrupts a run by `sig` once its daemons are up; returns the run's out directory (and
/// the temporary directory that holds it).
fn interrupted_by(
    sig: nix::sys::signal::Signal,
    whole_group: bool,
) -> (tempfile::TempDir, PathBuf) {
    let before = host_links();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let mut child = start(&out);
    wait_for_daemons(&out);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    if whole_group {
        nix::sys::signal::killpg(pid, sig).unwrap();
    } else {
        nix::sys::signal::kill(pid, sig).unwrap();
    }
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "an interrupted run does not report success"
    );
    assert_nothing_left(&out, &before);
    (dir, out)
}

/// Nothing is left behind, and what was recorded until the kill can still be judged: the
/// verdict says the run was cut short.
fn nothing_survives_kill_9_and_the_record_is_judged() {
    let (_dir, out) = interrupted_by(nix::sys::signal::Signal::SIGKILL, false);
    let run_dir = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a run directory");
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("check")
        .arg(&run_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("FAIL  harness.timeline") && stdout.contains("the run was cut short"),
        "{stdout}"
    );
}

fn nothing_survives_ctrl_c() {
    interrupted_by(nix::sys::signal::Signal::SIGINT, true);
}

fn nothing_survives_a_completed_run() {
    let before = host_links();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let status = start(&out).wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    assert_nothing_left(&out, &before);
}

/// `vrlab up SCENARIO --daemon vrlabd ARGS --out OUT`, in its own process group.
/// A kept lab (`vrlab up`) a test started: interrupted (Ctrl-C to its process group) and
/// waited for when dropped, so that a test that fails half-way leaves nothing running.
struct KeptLab(Child);

impl Drop for KeptLab {
    fn drop(&mut self) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        );
        let _ = self.0.wait();
    }
}

fn up(scenario: &str, args: &[&str], out: &Path) -> KeptLab {
    use std::os::unix::process::CommandExt;
    let child = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("up")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../scenarios")
                .join(scenario),
        )
        .args(["--daemon", "vrlabd"])
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    KeptLab(child)
}

/// Every event recorded so far in the run directories under `out`.
fn events_in(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("events.jsonl"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The indices of the timeline steps that began, in the order they did.
fn steps_played(events: &[serde_json::Value]) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e["action"] == "step")
        .filter_map(|e| e["index"].as_u64())
        .collect()
}

/// Waits up to 30 s for an event the kept lab records: `what` says which, for the failure.
fn wait_for(out: &Path, what: &str, seen: impl Fn(&serde_json::Value) -> bool) {
    wait_for_all(out, what, |events| events.iter().any(&seen));
}

/// Waits up to 30 s until the events recorded so far satisfy `done`.
fn wait_for_all(out: &Path, what: &str, done: impl Fn(&[serde_json::Value]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(&events_in(out)) {
        assert!(Instant::now() < deadline, "{what} within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ctrl-C to the kept lab's process group, and its end.
/// Ctrl-C to the kept lab, and wait until it has torn down and judged.
fn interrupt(lab: KeptLab) {
    drop(lab);
}

/// A kept lab (`vrlab up`) stops probing when its timeline is over: idle, it writes the
/// daemons' adverts, not ~0.4 MB/s of echo traffic (about 1.5 GB an hour before). The record
/// says when, and no probe follows.
fn a_kept_lab_stops_probing_when_its_timeline_is_over() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let child = up("restart.toml", &[], &out);
    wait_for(&out, "the end of the timeline", |e| {
        e["action"] == "probes-stopped"
    });
    // Idle for a while, then Ctrl-C.
    std::thread::sleep(Duration::from_millis(500));
    interrupt(child);
    let ev = events_in(&out);
    let t = ev
        .iter()
        .find(|e| e["action"] == "probes-stopped")
        .and_then(|e| e["t"].as_u64())
        .unwrap();
    let probes_before = ev.iter().filter(|e| e["kind"] == "probe").count();
    let after: Vec<_> = ev
        .iter()
        .filter(|e| e["kind"] == "probe" && e["t"].as_u64().is_some_and(|p| p > t))
        .collect();
    assert!(probes_before > 0, "the timeline was probed");
    assert!(
        after.is_empty(),
        "{} probes after they stopped: {:?}",
        after.len(),
        after.first()
    );
}

/// `vrlab up --pause-before 3` on `restart` (3: restart r1): the first two steps run, the lab
/// is kept before the third acts — r1's daemon is never restarted — and the record says so:
/// a `paused` event, run.json's outcome, and the timeline check not applicable with the reason.
/// Ctrl-C then tears it down.
fn vrlab_up_pauses_before_a_step_and_keeps_the_lab() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let child = up("restart.toml", &["--pause-before", "3"], &out);
    wait_for(&out, "a pause", |e| e["action"] == "paused");
    // Kept: a while later the third step has still not begun.
    std::thread::sleep(Duration::from_millis(700));
    interrupt(child);
    let ev = events_in(&out);
    assert_eq!(
        steps_played(&ev),
        [0, 1],
        "only the steps before the pause ran"
    );
    // Steps 1 and 2 wait and hold: the restart of step 3 is the only fault, never applied.
    assert!(
        !ev.iter().any(|e| e["action"] == "fault"),
        "a fault was applied after the pause"
    );
    let dir = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .next()
        .unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(meta["outcome"]["status"], "paused", "{}", meta["outcome"]);
    assert_eq!(meta["outcome"]["step"], 2, "{}", meta["outcome"]);
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("verdict.json")).unwrap()).unwrap();
    let timeline = verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "harness.timeline")
        .unwrap();
    assert_eq!(timeline["status"], "not_applicable", "{timeline}");
    assert!(
        timeline["observed"]
            .as_str()
            .unwrap()
            .contains("paused before step 3"),
        "{timeline}"
    );
}

/// `vrlab fault ARGS`, retried while no lab answers yet (exit 3: the kept lab opens its
/// socket just after it says so), for up to 10 s.
fn fault(args: &[&str]) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_vrlab"))
            .arg("fault")
            .args(args)
            .output()
            .unwrap();
        if out.status.code() != Some(3) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `vrlab fault` on a kept lab (`vrlab up restart.toml --no-timeline`): a step the scenario
/// refuses is refused with its place and nothing is recorded (exit 2); `r1 crash` and then
/// `r2 wait until=master` are played (exit 0), recorded as the timeline's next steps,
/// appended to the run directory's scenario.toml, and judged at Ctrl-C: r2 took over.
fn vrlab_fault_acts_on_a_kept_lab_and_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/restart.toml");
    let own = std::fs::read_to_string(&scenario)
        .unwrap()
        .matches("[[timeline]]")
        .count();
    let child = up("restart.toml", &["--no-timeline"], &out);
    wait_for(&out, "the kept lab", |e| e["action"] == "probes-stopped");
    let refused = fault(&["r9", "crash"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("r9") && err.contains("scenario.toml:"),
        "{err}"
    );
    let crash = fault(&["r1", "crash"]);
    assert_eq!(
        crash.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&crash.stderr)
    );
    let wait = fault(&["r2", "wait", "until=master", "timeout=5s"]);
    assert_eq!(
        wait.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&wait.stderr)
    );
    // The lab asks the routers after the change of master the operator's crash made, as it
    // does during the timeline.
    wait_for(
        &out,
        "the lab's questions after the operator's crash",
        |e| e["action"] == "provoke" && e["step"].as_u64().is_some_and(|s| s >= own as u64),
    );
    interrupt(child);
    assert_eq!(
        steps_played(&events_in(&out)),
        [own as u64, own as u64 + 1],
        "the operator's steps follow the timeline's"
    );
    let run = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let recorded = std::fs::read_to_string(run.join("scenario.toml")).unwrap();
    assert_eq!(
        recorded.matches("[[timeline]]").count(),
        own + 2,
        "{recorded}"
    );
    assert!(!recorded.contains("r9"), "a refused step is not recorded");
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("verdict.json")).unwrap()).unwrap();
    let masters = verdict["metrics"]["masters"].as_array().unwrap();
    assert!(
        masters.iter().any(|m| m["node"] == "r2"),
        "r2 took over: {masters:?}"
    );
    // The kept lab stopped probing with its timeline: the crash's service gap is not
    // measured, and says so, rather than failing for want of replies.
    let gaps: Vec<&serde_json::Value> = verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "e4.service-gap")
        .collect();
    assert!(!gaps.is_empty());
    for g in gaps {
        assert_eq!(g["status"], "not_applicable", "{g}");
        assert!(
            g["observed"].as_str().unwrap().contains("stopped probing"),
            "{g}"
        );
    }
}

/// `vrlab run --jobs 2 A B C` with vrlabd, in a process group of its own; stdout captured.
fn jobs(out: &Path, junit: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("run")
        .args(["restart.toml", "no-preempt.toml", "accept-mode-off.toml"].map(|s| dir.join(s)))
        .args(["--daemon", "vrlabd", "--jobs", "2", "--quiet", "--out"])
        .arg(out)
        .arg("--junit")
        .arg(junit)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap()
}

/// `--jobs 2` runs each scenario in a lab of its own, two at a time: the reports come in the
/// order of the files whatever order the runs end in, the roll-up and JUnit cover every run,
/// and a SIGTERM to vrlab alone stops every running lab, leaving nothing behind and each
/// run's record judged.
fn jobs_report_in_file_order_and_a_stop_reaches_every_lab() {
    let before = host_links();
    let dir = tempfile::tempdir().unwrap();
    let (out, junit) = (dir.path().join("runs"), dir.path().join("junit.xml"));
    let done = jobs(&out, &junit).wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&done.stdout);
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(" × vrlabd: ").map(|(name, _)| name))
        .collect();
    assert_eq!(
        order,
        ["restart", "no-preempt", "accept-mode-off"],
        "{text}"
    );
    assert!(text.contains("summary of 3 runs"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 3, "{xml}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        3,
        "one run directory each"
    );
    assert_nothing_left(&out, &before);

    let out = dir.path().join("stopped");
    let child = jobs(&out, &junit);
    wait_for_all(&out, "two labs' daemons", |events| {
        events
            .iter()
            .filter(|e| e["kind"] == "process" && e["event"] == "start")
            .count()
            >= 4
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(130), "{stopped:?}");
    assert_nothing_left(&out, &before);
    let dirs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 2, "the third run never started: {dirs:?}");
    for d in dirs {
        assert!(
            d.join("verdict.json").is_file(),
            "{} was judged",
            d.display()
        );
    }
}
