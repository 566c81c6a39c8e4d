//! Running the `vrlab` command as a user does, for the tests that judge what it prints.

use std::process::Command;

/// `vrlab ARGS…`: its exit status, stdout and stderr.
pub fn vrlab(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
