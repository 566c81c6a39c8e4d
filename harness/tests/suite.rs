//! The conformance suite under `cargo test`: every scenario in scenarios/ against every
//! daemon adapter, one trial each.
//!
//! A trial runs `vrlab run SCENARIO --daemon NAME --expect scenarios/known-deviations` (the
//! real command, in its own sandbox), which compares the failed checks with the daemon's known
//! deviations (scenarios/known-deviations/DAEMON.toml; a mixed run derives its own from its
//! daemons' files) as any user's `--expect` does: the trial
//! passes when every listed deviation still fails and nothing else does. A daemon that starts
//! conforming forces its list to shrink; a new failure cannot hide.
//!
//! Without privilege or without the daemon, a trial is ignored with the reason and the fix —
//! except under CI (`CI=true`), where that is a failure (support/need.rs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[path = "support/need.rs"]
mod need;

use need::skip;

/// The real command: `vrlab run SCENARIO --daemon SPEC --out OUT --expect KNOWN`.
fn vrlab_run(scenario: &Path, spec: &str, out: &Path) -> Result<std::process::Output, Failed> {
    Command::new(env!("CARGO_BIN_EXE_vrlab"))
        .arg("run")
        .arg(scenario)
        .args(["--daemon", spec, "--out"])
        .arg(out)
        .arg("--expect")
        .arg(root().join("scenarios/known-deviations"))
        .output()
        .map_err(|e| e.to_string().into())
}

/// Runs `vrlab run SCENARIO --daemon SPEC` and compares its failed checks with the known
/// deviations of `label` (a daemon's name, or `a+b` for a mixed run).
fn trial(
    scenario: PathBuf,
    name: String,
    spec: String,
    label: String,
) -> Result<Completion, Failed> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("suite-runs");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let before: BTreeSet<PathBuf> = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .collect();
    let o = vrlab_run(&scenario, &spec, &out)?;
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    match o.status.code() {
        Some(0 | 1) => {}
        Some(3) => return skip(stderr.trim().to_string()),
        code => return Err(format!("vrlab exited with {code:?}\n{stdout}\n{stderr}").into()),
    }
    let run_dir = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            !before.contains(p)
                && p.file_name()
                    .is_some_and(|f| f.to_string_lossy().starts_with(&format!("{name}-{label}-")))
        })
        .ok_or("no run directory was written")?;
    let verdict: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir.join("verdict.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    if label == "vrlabd" {
        discards_match(&verdict)?;
    }
    exercised(&verdict);
    let expectation = &verdict["expectation"];
    if expectation.is_null() {
        return Err(format!("verdict.json has no expectation outcome\n{stdout}").into());
    }
    let list = |k: &str| -> Vec<String> {
        expectation[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| {
                x.as_str()
                    .map(String::from)
                    .or_else(|| Some(format!("{} ({})", x["check"].as_str()?, x["at"].as_str()?)))
            })
            .collect()
    };
    let (unexpected, stale) = (list("unexpected"), list("stale"));
    let met = unexpected.is_empty() && stale.is_empty();
    // The exit status says the same as the verdict: 0 exactly when the expectations are met.
    if met != (o.status.code() == Some(0)) {
        return Err(format!(
            "vrlab exited with {:?} but its verdict says the expectations are {}met\n{stdout}",
            o.status.code(),
            if met { "" } else { "not " }
        )
        .into());
    }
    if met {
        return Ok(Completion::Completed);
    }
    let mut msg = String::new();
    if !unexpected.is_empty() {
        msg += &format!("checks failed that are not known deviations of {label}: {unexpected:?}\n");
    }
    if !stale.is_empty() {
        msg += &format!("known deviations of {label} no longer fail (remove the pairs, or mark them intermittent with their race, where listed): {stale:?}\n");
    }
    // The reason goes both before and after the report, so a log excerpt from either end
    // shows why the trial failed.
    Err(format!("{msg}run directory: {}\n{stdout}\n{msg}", run_dir.display()).into())
}

/// The checks that judged something (passed or failed) in some trial of this run of the suite.
static EXERCISED: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());

fn exercised(verdict: &serde_json::Value) {
    let ids = verdict["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| matches!(c["status"].as_str(), Some("pass" | "fail")))
        .filter_map(|c| c["id"].as_str().map(String::from));
    EXERCISED.lock().expect("not poisoned").extend(ids);
}

/// After every trial ran: the checks of the catalogue that no scenario exercised with any
/// daemon (each must be, or it proves nothing in anyone's CI).
fn never_exercised() -> Vec<&'static str> {
    let seen = EXERCISED.lock().expect("not poisoned");
    vrlab::checks::Check::all()
        .map(|c| c.id())
        .filter(|id| !seen.contains(*id))
        .collect()
}

/// vrlabd counts (`vrlabd status`) exactly the adverts the lab injected for it to discard:
/// none missed, none it should have taken, none of the routers' own traffic.
fn discards_match(verdict: &serde_json::Value) -> Result<(), Failed> {
    let tallies = verdict["metrics"]["discards"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if tallies.is_empty() {
        return Err("vrlabd left no status with discard counters (nodes/NODE/status.json)".into());
    }
    for t in tallies {
        if t["counted"] != t["injected"] {
            return Err(format!(
                "{}: vrlabd counted {} discards ({}), the lab injected {} adverts to discard",
                t["node"], t["counted"], t["by_reason"], t["injected"]
            )
            .into());
        }
    }
    Ok(())
}

/// A skip (a failure under CI) when one of the daemons is not on this machine.
fn not_installed(needed: &[&str]) -> Option<Result<Completion, Failed>> {
    let adapters = needed.iter().filter_map(|d| vrlab::daemons::by_name(d));
    let m = adapters.filter_map(|a| a.installed().err()).next()?;
    Some(skip(format!(
        "{} is not installed: {}; fix: {}",
        m.daemon, m.what, m.fix
    )))
}

/// `vrlab run` refuses a scenario the daemon cannot render: exit 3, each reason on stderr, no
/// run directory.
fn refused(
    scenario: PathBuf,
    name: String,
    spec: String,
    label: String,
    reasons: Vec<String>,
) -> Result<Completion, Failed> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("suite-refusals");
    let o = vrlab_run(&scenario, &spec, &out)?;
    let stderr = String::from_utf8_lossy(&o.stderr);
    if o.status.code() != Some(3) {
        return Err(format!(
            "expected exit 3 (cannot render), got {:?}\n{stderr}",
            o.status.code()
        )
        .into());
    }
    if let Some(missing) = reasons.iter().find(|r| !stderr.contains(r.as_str())) {
        return Err(format!("the refusal does not say `{missing}`:\n{stderr}").into());
    }
    let prefix = format!("{name}-{label}-");
    let built = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(&prefix));
    if built {
        return Err(format!("a run directory {prefix}* was left in {}", out.display()).into());
    }
    Ok(Completion::Completed)
}

/// `VRLAB_SUITE_JOBS`: how many labs run at once (default 1).
fn suite_jobs() -> usize {
    match std::env::var("VRLAB_SUITE_JOBS") {
        Err(_) => 1,
        Ok(v) => v
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| panic!("VRLAB_SUITE_JOBS={v}: give a number of labs, 1 or more")),
    }
}

fn main() {
    let mut args = Arguments::from_args();
    // Labs measure time. One at a time unless VRLAB_SUITE_JOBS says otherwise (as
    // `vrlab run --jobs`): each lab is a sandbox of its own, and the capture's times come from
    // the kernel, so two at once on 2 cores must give the same verdicts (docs/determinism.md).
    args.test_threads = Some(suite_jobs());
    // The RFC scenarios, and the field deployments in scenarios/field/.
    let mut scenarios: Vec<PathBuf> = ["scenarios", "scenarios/field"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).expect("scenarios/ exists"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scenarios.sort();
    let mut trials = Vec::new();
    let names: Vec<&'static str> = vrlab::daemons::all().iter().map(|a| a.name()).collect();
    for s in scenarios {
        let scn = vrlab::scenario::load(&s).unwrap_or_else(|e| panic!("{e}"));
        let mut runs: Vec<(String, String, Vec<&'static str>)> = names
            .iter()
            .map(|d| (d.to_string(), d.to_string(), vec![*d]))
            .collect();
        if scn.interop {
            // The first router runs one daemon, every other router the other.
            let first = scn
                .routers()
                .next()
                .map(|r| r.name.clone())
                .unwrap_or_default();
            for a in &names {
                for b in names.iter().filter(|b| *b != a) {
                    runs.push((format!("{b},{first}={a}"), format!("{a}+{b}"), vec![*a, *b]));
                }
            }
        }
        for (spec, label, needed) in runs {
            let (path, name) = (s.clone(), scn.name.clone());
            let assignment = vrlab::daemons::Assignment::parse(&spec).expect("known daemons");
            let refusal = vrlab::run::cannot_render(&scn, &assignment);
            if !refusal.is_empty() {
                // A daemon that cannot express the scenario must say so before anything is
                // built: that is the trial.
                trials.push(Trial::ignorable_test(
                    format!("{name}::{label}"),
                    move || {
                        if let Some(skipped) = not_installed(&needed) {
                            return skipped;
                        }
                        refused(path, name, spec, label, refusal)
                    },
                ));
                continue;
            }
            trials.push(Trial::ignorable_test(
                format!("{name}::{label}"),
                move || {
                    if let Some(skipped) = not_installed(&needed) {
                        return skipped;
                    }
                    trial(path, name, spec, label)
                },
            ));
        }
    }
    // Whether every trial is to run: only then can the suite say what no scenario exercises.
    let whole = args.filter.is_none() && args.skip.is_empty() && !args.ignored && !args.list;
    let conclusion = libtest_mimic::run(&args, trials);
    if whole && conclusion.num_ignored == 0 {
        let missing = never_exercised();
        if !missing.is_empty() {
            eprintln!(
                "error: {} checks of the catalogue were not exercised by any scenario with any daemon (each passed or failed nowhere): {}",
                missing.len(),
                missing.join(", ")
            );
            std::process::exit(101);
        }
        println!(
            "every one of the {} checks of the catalogue judged something in some trial",
            vrlab::checks::Check::all().count()
        );
    }
    conclusion.exit();
}
