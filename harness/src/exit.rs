//! vrlab's exit codes: one meaning each, for every command (README, "Exit codes").

pub const EXIT_OK: i32 = 0;
pub const EXIT_CHECK_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_ENVIRONMENT: i32 = 3;
pub const EXIT_LAB: i32 = 4;
/// A capture or a `--vrid` holds nothing the checks could judge: not a pass.
pub const EXIT_NOTHING_TO_JUDGE: i32 = 5;
pub const EXIT_INTERRUPTED: i32 = 130;

/// What `--help` says of them.
pub const EXIT_CODES: &str = "Exit codes: 0 every check passed (with --expect: no failure the file does not list, no listed deviation passed), 1 a check failed, 2 bad input (command line, scenario or expectations file), 3 environment (missing privilege or daemon, or a daemon that cannot render the scenario), 4 the lab could not be built or a daemon could not start, 5 nothing to judge (a capture without one VRRP or CARP advert, or without the VRID asked for), 130 interrupted.";

/// A few words for an exit code, for a line that reports it.
pub fn exit_meaning(code: i32) -> &'static str {
    match code {
        EXIT_OK => "passed",
        EXIT_CHECK_FAILED => "a check failed",
        EXIT_BAD_INPUT => "bad input",
        EXIT_ENVIRONMENT => "environment",
        EXIT_LAB => "the lab failed",
        EXIT_NOTHING_TO_JUDGE => "nothing to judge",
        EXIT_INTERRUPTED => "interrupted",
        _ => "unexpected exit",
    }
}
