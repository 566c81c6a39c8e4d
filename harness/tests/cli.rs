//! The command line itself: completions, the manual page, help that says what each argument
//! is, and arguments refused before anything runs.

#[path = "support/cmd.rs"]
mod cmd;
use cmd::vrlab;

#[test]
fn completions_are_printed_for_each_shell() {
    let (code, out, _) = vrlab(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("complete -F") && out.contains("--expect"),
        "{out}"
    );
    let (code, out, _) = vrlab(&["completions", "zsh"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("#compdef vrlab"), "{out}");
    let (code, _, err) = vrlab(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_manual_page_is_roff_and_names_the_subcommands() {
    let (code, out, _) = vrlab(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH vrlab"), "{out}");
    for sub in ["run", "check", "up", "exec", "fault", "doctor"] {
        assert!(out.contains(sub), "{sub} missing from the page");
    }
}

#[test]
fn every_argument_of_up_and_run_has_a_description() {
    for cmd in ["up", "run", "fault"] {
        let (code, out, _) = vrlab(&[cmd, "--help"]);
        assert_eq!(code, 0);
        // clap prints an argument as its spec, two spaces, then its description; one without
        // a description has nothing after the spec but its `[default: …]`.
        for line in out
            .lines()
            .filter(|l| l.trim_start().starts_with('-') || l.starts_with("  <"))
        {
            let described = line
                .trim()
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .nth(1)
                .is_some_and(|d| !d.starts_with("[default"));
            assert!(
                described,
                "`vrlab {cmd} --help`: no description in {line:?}\n{out}"
            );
        }
    }
}

#[test]
fn a_bad_shard_is_refused_before_anything_runs() {
    let (code, _, err) = vrlab(&["run", "--shard", "4/3", "scenarios/crash-and-return.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is no shard"), "{err}");
}

#[test]
fn a_junit_file_in_a_missing_directory_is_refused_before_anything_runs() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/crash-and-return.toml"
    );
    let (code, _, err) = vrlab(&[
        "run",
        "--daemon",
        "vrlabd",
        "--junit",
        "/no/such/dir/v.xml",
        scenario,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/no/such/dir is no directory"), "{err}");
}
