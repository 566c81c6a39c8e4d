//! The command line as the harness adapter will use it (no privileges needed).

use std::process::Command;

fn vrlabd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vrlabd"))
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vrlabd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn check_config_accepts_the_annotated_example() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vrlabd.toml");
    let out = vrlabd().args(["--check-config", example]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK, 2 instance(s)"));
}

#[test]
fn check_config_reports_file_line_column_and_exits_2() {
    let p = temp_file(
        "bad.toml",
        "[[instance]]\nname = \"a\"\ninterface = \"eth0\"\nvrid = 300\nversion = 3\npriority = 100\nvips = [\"10.0.0.1\"]\n",
    );
    let out = vrlabd().arg("--check-config").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:4:8: vrid must be between 1 and 255",
            p.display()
        )),
        "{err}"
    );
}

#[test]
fn run_with_an_invalid_config_exits_2_before_touching_anything() {
    let p = temp_file("typo.toml", "[[instance]]\nnmae = \"a\"\n");
    let out = vrlabd()
        .arg("-f")
        .arg(&p)
        .args(["--control", "/nonexistent/ctl.sock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2:1: unknown field `nmae`"));
}

#[test]
fn status_without_a_daemon_says_so_and_fails() {
    let out = vrlabd()
        .args(["status", "--control", "/nonexistent/vrlabd.sock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the daemon"));
}
