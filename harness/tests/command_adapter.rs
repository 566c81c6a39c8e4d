//! `--daemon command:PATH`: the user's own daemon under test, through the documented
//! contract (docs/command-adapter.md). The example of docs/examples — a few dozen lines of
//! Python that render the intent for vrlabd and become it — is run on a real scenario, alone
//! and beside vrlabd, and must pass every check as vrlabd does; the intent it was given is
//! kept in the run directory.
//!
//! Needs root and python3 (ignored without them locally, a failure under CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/need.rs"]
mod need;

const NEEDS: &[need::Need] = &[
    need::ROOT,
    need::Need::Program {
        name: "python3",
        package: "python3",
    },
];

fn main() -> std::process::ExitCode {
    need::run(vec![
        need::trial(
            "the_example_command_passes_a_scenario_as_vrlabd_does",
            NEEDS,
            the_example_command_passes_a_scenario_as_vrlabd_does,
        ),
        need::trial(
            "a_command_that_never_gets_ready_is_a_setup_failure_with_its_log",
            NEEDS,
            a_command_that_never_gets_ready_is_a_setup_failure_with_its_log,
        ),
    ])
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `vrlab run SCENARIO --daemon SPEC` with vrlabd (beside vrlab) on PATH for the example.
fn vrlab_run(scenario: &Path, spec: &str, out: &Path) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_vrlab")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("run")
        .arg(scenario)
        .args(["--daemon", spec, "--out"])
        .arg(out)
        .env("PATH", path)
        .output()
        .unwrap()
}

fn the_example_command_passes_a_scenario_as_vrlabd_does() {
    let example = root().join("docs/examples/vrlabd-command.py");
    let scenario = root().join("scenarios/graceful-stop.toml");
    let out = tempfile::tempdir().unwrap();
    for spec in [
        format!("command:{}", example.display()),
        format!("vrlabd,r1=command:{}", example.display()),
    ] {
        let o = vrlab_run(&scenario, &spec, out.path());
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{spec}\n{stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.contains("PASSED"), "{stdout}");
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let alone = runs
        .iter()
        .find(|p| p.to_string_lossy().contains("graceful-stop-command-"))
        .expect("the run of the command alone");
    let intent: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(alone.join("nodes/r2/intent.json")).unwrap())
            .unwrap();
    assert_eq!(intent["node"], "r2");
    assert_eq!(intent["vrouters"][0]["priority"], 100);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(alone.join("run.json")).unwrap()).unwrap();
    assert_eq!(meta["daemons"]["r1"], "command");
    assert!(runs.iter().any(|p| p
        .to_string_lossy()
        .contains("graceful-stop-command+vrlabd-")));
}

fn a_command_that_never_gets_ready_is_a_setup_failure_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let lazy = dir.path().join("lazy.sh");
    std::fs::write(&lazy, "#!/bin/sh\necho \"given $1\"\nexec sleep 60\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&lazy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("runs");
    let o = vrlab_run(
        &root().join("scenarios/graceful-stop.toml"),
        &format!("command:{}", lazy.display()),
        &out,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("r1") && stderr.contains("command.log"),
        "{stderr}"
    );
    let log = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .next()
        .map(|r| r.path().join("nodes/r1/command.log"))
        .unwrap();
    assert!(std::fs::read_to_string(log)
        .unwrap()
        .contains("intent.json"));
}
