//! What a user types can hurt nothing (issue 9): files that are not what they claim to be,
//! values out of range. Each is refused at once with exit 2 and a message that says why;
//! nothing hangs, nothing grows without bound, nothing is built. Broken scenario *contents*
//! are `bad_scenarios.rs`'s.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs vrlab with `args`; fails the test if it has not ended within 20 s (a read blocked on a
/// FIFO, or one filling memory from /dev/zero, never would).
fn vrlab(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let began = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if began.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vrlab {args:?} did not end within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn fifo(dir: &Path) -> String {
    let p = dir.join("pipe");
    nix::unistd::mkfifo(&p, nix::sys::stat::Mode::S_IRWXU).unwrap();
    p.display().to_string()
}

fn refused(args: &[&str], says: &str) {
    let (code, err) = vrlab(args);
    assert_eq!(code, 2, "vrlab {args:?}: {err}");
    assert!(
        err.contains(says),
        "vrlab {args:?}: expected `{says}` in:\n{err}"
    );
}

#[test]
fn run_refuses_a_device_and_a_fifo_as_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &["run", "/dev/zero"],
        "/dev/zero:1:1: error: cannot read the scenario file: a character device, not a regular file",
    );
    let p = fifo(dir.path());
    refused(&["run", &p], "a FIFO (named pipe), not a regular file");
}

#[test]
fn run_refuses_a_scenario_file_over_a_mebibyte() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.toml");
    std::fs::write(&p, vec![b'#'; (1 << 20) + 1]).unwrap();
    refused(
        &["run", &p.display().to_string()],
        "1048577 bytes or more; at most 1048576 are read from such a file",
    );
}

#[test]
fn check_says_what_a_file_that_is_not_a_capture_is() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &["check", "/dev/zero"],
        "/dev/zero: a character device, not a regular file",
    );
    let p = fifo(dir.path());
    refused(&["check", &p], "a FIFO (named pipe), not a regular file");
    let empty = dir.path().join("empty.pcapng");
    std::fs::write(&empty, b"").unwrap();
    refused(
        &["check", &empty.display().to_string()],
        "the file is empty",
    );
    refused(
        &["check", "/nonexistent/capture.pcapng"],
        "no such file or directory",
    );
}

#[test]
fn check_refuses_an_interval_no_router_can_have() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("c.pcap");
    std::fs::write(&empty, b"").unwrap();
    let f = empty.display().to_string();
    for bad in ["0ms", "5ms", "15ms", "256s"] {
        refused(
            &["check", &f, "--interval", bad],
            "is no advertisement interval: whole centiseconds from 10ms",
        );
    }
    refused(
        &["check", &f, "--tolerance", "2s"],
        "is longer than a tolerance added to the RFC's bounds may be (at most 1s)",
    );
}

/// A capture stopped while writing (tcpdump or a vrlab run killed, a full disk) ends inside a
/// block: it is judged up to its last whole block, and the verdict says how much was cut.
#[test]
fn a_capture_cut_mid_block_is_judged_up_to_the_cut() {
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "keepalived-v3-ipv4-vmac.pcap",
        "keepalived-v3-ipv6-vmac.pcapng",
    ] {
        let data = std::fs::read(caps.join(name)).unwrap();
        let cut = dir.path().join(name);
        std::fs::write(&cut, &data[..data.len() - 10]).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
            .arg("check")
            .arg(&cut)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{name}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            out.contains(&format!(
                "note: {name} ends inside a block: judged up to its last whole block"
            )),
            "{name}: {out}"
        );
    }
}

/// The lab mounts its own /run: a run directory there would vanish with it. Refused before
/// anything is made, also through a symbolic link such as /var/run.
#[test]
fn run_refuses_an_out_directory_the_lab_hides() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/restart.toml");
    let s = scenario.display().to_string();
    refused(
        &["run", &s, "--out", "/run/vrlab-test-out"],
        "the lab mounts its own /run over the host's",
    );
    assert!(
        !Path::new("/run/vrlab-test-out").exists(),
        "nothing is made"
    );
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("to-run");
    std::os::unix::fs::symlink("/run", &link).unwrap();
    let out = link.join("x").display().to_string();
    refused(&["run", &s, "--out", &out], "its own /run");
}
