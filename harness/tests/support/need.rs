//! What a test needs from the machine, and the one rule for a test the machine cannot run:
//! it shows as **ignored**, with the reason and the fix — except in CI, where it fails. Every
//! test binary that needs root, a daemon or a tool declares its trials through [`trial`] and
//! runs them with [`run`] (libtest-mimic, so that a skip is reported as one).

#![allow(dead_code)]

use std::path::Path;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// In CI: the environment variable `CI` is `true` (GitHub Actions, `.ci/run`) or `1`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// One thing a test needs from the machine.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Root: namespaces, bridges, nftables.
    Root,
    /// A program, and the Debian package that has it.
    Program {
        name: &'static str,
        package: &'static str,
    },
}

pub const ROOT: Need = Need::Root;
pub const KEEPALIVED: Need = Need::Program {
    name: "keepalived",
    package: "keepalived",
};
pub const FRR: Need = Need::Program {
    name: "vrrpd",
    package: "frr",
};
pub const UCARP: Need = Need::Program {
    name: "ucarp",
    package: "ucarp",
};
pub const TSHARK: Need = Need::Program {
    name: "tshark",
    package: "tshark",
};

impl Need {
    /// Why the machine lacks it, if it does.
    fn lacking(self) -> Option<String> {
        match self {
            Need::Root => (!nix::unistd::geteuid().is_root())
                .then(|| "needs root: run the tests with sudo (bash ci/test.sh)".to_string()),
            Need::Program { name, package } => (!installed(name)).then(|| {
                format!("{name} is not installed (apt-get install {package}, or bash ci/install-deps.sh)")
            }),
        }
    }
}

/// On PATH, or where Debian puts daemons that are not (`/usr/sbin`, `/usr/lib/frr`).
pub fn installed(name: &str) -> bool {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()));
    on_path
        || ["/usr/sbin", "/sbin", "/usr/lib/frr"]
            .iter()
            .any(|d| Path::new(d).join(name).is_file())
}

/// Why this machine cannot run a test that needs `needs`, if it cannot.
pub fn lacking(needs: &[Need]) -> Option<String> {
    let reasons: Vec<String> = needs.iter().filter_map(|n| n.lacking()).collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// The outcome of a test this machine cannot run: ignored with `reason`, or, in CI, a failure.
pub fn skip(reason: String) -> Result<Completion, Failed> {
    if in_ci() {
        Err(format!("CI=true, so this is a failure, not a skip: {reason}").into())
    } else {
        Ok(Completion::ignored_with(reason))
    }
}

/// A test that needs `needs`: run when the machine has them, else [`skip`]ped. The test fails
/// by panicking, as a `#[test]` does.
pub fn trial(name: &str, needs: &'static [Need], test: fn()) -> Trial {
    Trial::ignorable_test(name, move || match lacking(needs) {
        Some(reason) => skip(reason),
        None => {
            test();
            Ok(Completion::Completed)
        }
    })
}

/// Runs the binary's trials, with the command line's filters and options.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}
