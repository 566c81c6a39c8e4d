//! Expected findings: the deviations a user knows their daemon has, as data, so that a run or a
//! `vrlab check` is green when nothing *new* fails — and red when a listed deviation no longer
//! shows, so the list stays true.
//!
//! One entry per *behaviour* of a daemon, with the (scenario, check) pairs it explains:
//!
//! ```toml
//! [[deviation]]
//! behaviour = "lost-first-ipv6-advert"     # optional: a short name reports show
//! daemon = "frr"                           # optional in DAEMON.toml of a directory
//! evidence = "what the record shows, and why it is the daemon's, not the lab's"
//! link = "https://github.com/…/issues/…"   # optional: the upstream report
//! race = "why it may pass"                 # required when a pair is intermittent
//!
//! [[deviation.shows]]
//! scenarios = ["crash-and-return"]         # optional: without it, every scenario (and captures)
//! checks = ["c2.takeover-time", "c4.announce-after-advert"]
//! routers = ["r2"]                         # optional: only where these routers run the daemon
//! with = ["keepalived"]                    # optional: only when another router runs one of these
//! intermittent = true                      # optional: it may pass; `race` says why
//! ```
//!
//! A deviation of one pair may say it inline: `scenario = "…"`, `check = "…"` (and
//! `intermittent = true`) instead of `[[deviation.shows]]`.
//!
//! `--expect` takes such a file, or a directory of files named after daemons
//! (`keepalived.toml`, `frr.toml`). A run applies the behaviours of the daemons its routers
//! run; a mixed run (r1 runs FRR, r2 keepalived) takes each daemon's pairs where `routers` and
//! `with` match who runs what, so its expectations are derived, never listed per pair of daemons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use crate::checks::expectation::{Entry, Outcome};
use crate::checks::{Check, CheckResult, Status, Verdict};
use crate::scenario::{locate, Diagnostics, ScenarioError};

/// The largest expectations file vrlab reads.
const LIMIT: u64 = 4 << 20;

/// Expected findings: one file's, or a directory's files' together.
#[derive(Debug, Clone)]
pub struct Expectations {
    pub path: PathBuf,
    pub deviations: Vec<Deviation>,
}

/// One behaviour of a daemon and the (scenario, check) pairs it explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub behaviour: Option<String>,
    /// The daemon that behaves so; `None`: whatever runs.
    pub daemon: Option<String>,
    pub evidence: String,
    pub link: String,
    /// Why an intermittent pair may pass.
    pub race: Option<String>,
    pub shows: Vec<Shows>,
    /// Where it is written: `FILE:LINE`.
    pub at: String,
}

/// Where a behaviour shows: the checks it fails, in which scenarios, on which routers.
#[derive(Debug, Clone, PartialEq)]
pub struct Shows {
    /// Empty: every scenario.
    pub scenarios: Vec<String>,
    pub checks: Vec<Check>,
    /// Empty: any router that runs the daemon.
    pub routers: Vec<String>,
    /// Empty: whatever the other routers run.
    pub with: Vec<String>,
    pub intermittent: bool,
}

impl Shows {
    /// The routers of a run of `scenario`, whose routers run `daemons`, on which it is expected
    /// to show; `None` where it is not expected, an empty list for any router (a capture, no
    /// daemons known, takes every deviation of its scenario; so does a deviation of no daemon).
    fn on_routers(
        &self,
        daemon: Option<&str>,
        scenario: &str,
        daemons: &BTreeMap<String, String>,
    ) -> Option<Vec<String>> {
        if !(self.scenarios.is_empty() || self.scenarios.iter().any(|s| s == scenario)) {
            return None;
        }
        let Some(daemon) = daemon else {
            return Some(Vec::new());
        };
        if daemons.is_empty() {
            return Some(Vec::new());
        }
        let on: Vec<String> = daemons
            .iter()
            .filter(|(r, d)| *d == daemon && (self.routers.is_empty() || self.routers.contains(r)))
            .filter(|(r, _)| {
                self.with.is_empty()
                    || daemons
                        .iter()
                        .any(|(other, d)| other != *r && self.with.contains(d))
            })
            .map(|(r, _)| r.clone())
            .collect();
        (!on.is_empty()).then_some(on)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    deviation: Vec<Spanned<RawDeviation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviation {
    behaviour: Option<String>,
    daemon: Option<Spanned<String>>,
    evidence: Spanned<String>,
    #[serde(default)]
    link: String,
    race: Option<Spanned<String>>,
    scenario: Option<Spanned<String>>,
    check: Option<Spanned<String>>,
    intermittent: Option<Spanned<bool>>,
    #[serde(default)]
    shows: Vec<Spanned<RawShows>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShows {
    #[serde(default)]
    scenarios: Vec<String>,
    checks: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    routers: Vec<String>,
    #[serde(default)]
    with: Vec<Spanned<String>>,
    #[serde(default)]
    intermittent: bool,
}

impl Expectations {
    /// Reads `--expect`: a file, or every `DAEMON.toml` of a directory.
    pub fn open(path: &Path) -> Result<Expectations, ScenarioError> {
        if !path.is_dir() {
            return Self::load(path, None);
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| {
                ScenarioError::whole_file(path, format!("cannot read the directory: {e}"))
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut deviations = Vec::new();
        for f in files {
            let stem = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !is_daemon(&stem) {
                return Err(ScenarioError::whole_file(
                    &f,
                    format!(
                        "a directory of expectations holds one file per daemon, named after it ({}); \
                         a mixed run's expectations are derived from its daemons' files (`routers`, `with`)",
                        known_daemons()
                    ),
                ));
            }
            deviations.extend(Self::load(&f, Some(&stem))?.deviations);
        }
        Ok(Expectations {
            path: path.to_path_buf(),
            deviations,
        })
    }

    /// Reads and validates a file; in a directory, `daemon` is the one its name gives.
    pub fn load(path: &Path, daemon: Option<&str>) -> Result<Expectations, ScenarioError> {
        let text = crate::input::read_text(path, LIMIT).map_err(|e| {
            ScenarioError::whole_file(path, format!("cannot read the expectations file: {e}"))
        })?;
        Self::parse(path, &text, daemon)
    }

    /// Validates expectations text; `path` names it in messages. TOML errors, unknown fields,
    /// a check id the catalogue does not have, an unknown daemon, an empty evidence and an
    /// intermittent pair without its `race` are refused with their line and column.
    pub fn parse(
        path: &Path,
        text: &str,
        daemon: Option<&str>,
    ) -> Result<Expectations, ScenarioError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ScenarioError {
            path: path.to_path_buf(),
            diagnostics: vec![locate(
                text,
                e.span().unwrap_or(0..0),
                e.message().trim().to_string(),
            )],
        })?;
        let mut d = Diagnostics::new(text);
        let deviations = raw
            .deviation
            .into_iter()
            .filter_map(|item| {
                let line = locate(text, item.span(), String::new()).line;
                let at = format!("{}:{line}", path.display());
                deviation(&mut d, item, at, daemon)
            })
            .collect();
        if !d.found.is_empty() {
            return Err(ScenarioError {
                path: path.to_path_buf(),
                diagnostics: d.found,
            });
        }
        Ok(Expectations {
            path: path.to_path_buf(),
            deviations,
        })
    }

    /// The findings expected of a run of `scenario` whose routers run `daemons` (router →
    /// daemon; empty for a capture).
    pub fn entries(&self, scenario: &str, daemons: &BTreeMap<String, String>) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for dev in &self.deviations {
            for s in &dev.shows {
                let Some(routers) = s.on_routers(dev.daemon.as_deref(), scenario, daemons) else {
                    continue;
                };
                out.extend(s.checks.iter().map(|&check| Entry {
                    behaviour: dev.behaviour.clone(),
                    daemon: dev.daemon.clone(),
                    scenario: (!s.scenarios.is_empty()).then(|| scenario.to_string()),
                    check,
                    evidence: dev.evidence.clone(),
                    link: dev.link.clone(),
                    intermittent: s.intermittent,
                    race: dev.race.clone().filter(|_| s.intermittent),
                    at: dev.at.clone(),
                    routers: routers.clone(),
                }));
            }
        }
        // Two pairs of one deviation may name one check (on two routers): it is one entry,
        // on both.
        let mut merged: Vec<Entry> = Vec::new();
        for e in out {
            match merged
                .iter_mut()
                .find(|m| (m.check, &m.at, m.intermittent) == (e.check, &e.at, e.intermittent))
            {
                Some(m) if m.routers.is_empty() || e.routers.is_empty() => m.routers.clear(),
                Some(m) => {
                    m.routers.extend(e.routers);
                    m.routers.sort();
                    m.routers.dedup();
                }
                None => merged.push(e),
            }
        }
        merged
    }

    /// Compares a verdict with what is expected of it, and records the outcome in it.
    ///
    /// A failure that blames routers is a known deviation only of the daemons those routers
    /// run: keepalived's entry does not explain what FRR's router did beside it, and every
    /// router a failure blames must be explained.
    pub fn apply(&self, v: &mut Verdict) {
        let failures: Vec<&CheckResult> = v
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .collect();
        let shown = |e: &Entry| failures.iter().any(|c| e.explains(c));
        let mine = self.entries(&v.scenario, &v.daemons);
        let known: Vec<Entry> = mine.iter().filter(|e| shown(e)).cloned().collect();
        let (stale, not_shown): (Vec<Entry>, Vec<Entry>) = mine
            .iter()
            .filter(|e| !shown(e))
            .cloned()
            .partition(|e| !e.intermittent);
        let explained = |c: &CheckResult| {
            let of_check = || mine.iter().filter(|e| e.check == c.id);
            if c.routers.is_empty() {
                of_check().next().is_some()
            } else {
                c.routers.iter().all(|r| of_check().any(|e| e.covers(r)))
            }
        };
        let mut unexpected: Vec<Check> = failures
            .iter()
            .filter(|c| !explained(c))
            .map(|c| c.id)
            .collect();
        unexpected.dedup();
        v.expectation = Some(Outcome {
            file: self.path.display().to_string(),
            known,
            stale,
            not_shown,
            unexpected,
        });
    }
}

/// A daemon's name as runs record it: an adapter's, or `command` for the user's own.
fn is_daemon(name: &str) -> bool {
    name == "command" || crate::daemons::all().iter().any(|a| a.name() == name)
}

fn known_daemons() -> String {
    crate::daemons::all()
        .iter()
        .map(|a| a.name())
        .chain(["command"])
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validates one `[[deviation]]`; `None` (with its diagnostics) when it cannot be used.
fn deviation(
    d: &mut Diagnostics,
    item: Spanned<RawDeviation>,
    at: String,
    file_daemon: Option<&str>,
) -> Option<Deviation> {
    let whole = item.span();
    let e = item.into_inner();
    let mut ok = true;
    if e.evidence.get_ref().trim().is_empty() {
        d.at(
            e.evidence.span(),
            "`evidence` is empty: say what the record shows and why it is the daemon's",
        );
        ok = false;
    }
    let daemon = match (&e.daemon, file_daemon) {
        (Some(n), _) if !is_daemon(n.get_ref()) => {
            d.at(
                n.span(),
                format!(
                    "unknown daemon `{}`; known: {}",
                    n.get_ref(),
                    known_daemons()
                ),
            );
            ok = false;
            None
        }
        (Some(n), Some(f)) if n.get_ref() != f => {
            d.at(
                n.span(),
                format!(
                    "this file holds the deviations of {f} (its name): move it to {}.toml",
                    n.get_ref()
                ),
            );
            ok = false;
            None
        }
        (Some(n), _) => Some(n.get_ref().clone()),
        (None, f) => f.map(str::to_string),
    };
    let shows = shows(d, &e, whole.clone());
    let intermittent = shows
        .as_ref()
        .is_some_and(|s| s.iter().any(|s| s.intermittent));
    match &e.race {
        None if intermittent => {
            d.at(
                whole,
                "an intermittent deviation says why it may pass: add `race = \"…\"`",
            );
            ok = false;
        }
        // Shows that did not parse say nothing about intermittence: their errors stand alone.
        Some(r) if shows.is_some() && !intermittent => {
            d.at(
                r.span(),
                "`race` says why an intermittent pair may pass, and no pair here is `intermittent = true`",
            );
            ok = false;
        }
        _ => {}
    }
    Some(Deviation {
        behaviour: e.behaviour,
        daemon,
        evidence: e.evidence.into_inner(),
        link: e.link,
        race: e.race.map(Spanned::into_inner),
        shows: shows?,
        at,
    })
    .filter(|_| ok)
}

/// What a deviation explains: its `[[deviation.shows]]`, or the one pair it names inline.
fn shows(
    d: &mut Diagnostics,
    e: &RawDeviation,
    whole: std::ops::Range<usize>,
) -> Option<Vec<Shows>> {
    if e.shows.is_empty() {
        let Some(id) = &e.check else {
            d.at(
                whole,
                "say what this deviation explains: `check = \"…\"`, or `[[deviation.shows]]` with `checks`",
            );
            return None;
        };
        return Some(vec![Shows {
            scenarios: e.scenario.iter().map(|s| s.get_ref().clone()).collect(),
            checks: vec![check(d, id)?],
            routers: Vec::new(),
            with: Vec::new(),
            intermittent: e.intermittent.as_ref().is_some_and(|i| *i.get_ref()),
        }]);
    }
    let inline = [
        e.scenario.as_ref().map(|s| ("scenario", s.span())),
        e.check.as_ref().map(|s| ("check", s.span())),
        e.intermittent.as_ref().map(|s| ("intermittent", s.span())),
    ];
    let mut ok = true;
    for (key, span) in inline.into_iter().flatten() {
        d.at(
            span,
            format!("`{key}` belongs in each `[[deviation.shows]]` (as `{key}s` for scenarios and checks) when the deviation has them"),
        );
        ok = false;
    }
    let mut out = Vec::new();
    for s in &e.shows {
        let raw = s.get_ref();
        if raw.checks.get_ref().is_empty() {
            d.at(
                raw.checks.span(),
                "`checks` is empty: name the checks it fails",
            );
            ok = false;
        }
        for w in &raw.with {
            if !is_daemon(w.get_ref()) {
                d.at(
                    w.span(),
                    format!(
                        "unknown daemon `{}`; known: {}",
                        w.get_ref(),
                        known_daemons()
                    ),
                );
                ok = false;
            }
        }
        let checks: Vec<Option<Check>> = raw.checks.get_ref().iter().map(|c| check(d, c)).collect();
        if checks.iter().any(Option::is_none) {
            ok = false;
            continue;
        }
        out.push(Shows {
            scenarios: raw.scenarios.clone(),
            checks: checks.into_iter().flatten().collect(),
            routers: raw.routers.clone(),
            with: raw.with.iter().map(|w| w.get_ref().clone()).collect(),
            intermittent: raw.intermittent,
        });
    }
    ok.then_some(out)
}

/// A check id of the catalogue, or a diagnostic where it is written.
fn check(d: &mut Diagnostics, id: &Spanned<String>) -> Option<Check> {
    let found = Check::from_id(id.get_ref());
    if found.is_none() {
        d.at(
            id.span(),
            format!(
                "`{}` is not a check of the catalogue (see `vrlab checks`)",
                id.get_ref()
            ),
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckResult, Metrics};

    fn verdict(results: &[(Check, Status)]) -> Verdict {
        Verdict {
            scenario: "crash-and-return".into(),
            daemon: "keepalived".into(),
            daemons: [("r1", "keepalived"), ("r2", "keepalived")]
                .into_iter()
                .map(|(r, d)| (r.to_string(), d.to_string()))
                .collect(),
            daemon_version: "2.2.7".into(),
            run_dir: String::new(),
            checks: results
                .iter()
                .map(|(id, status)| CheckResult {
                    id: *id,
                    title: String::new(),
                    clause: String::new(),
                    subject: "gw4".into(),
                    status: *status,
                    expected: String::new(),
                    observed: String::new(),
                    evidence: Vec::new(),
                    routers: Vec::new(),
                })
                .collect(),
            metrics: Metrics::default(),
            notes: Vec::new(),
            capture: None,
            expectation: None,
        }
    }

    const FILE: &str = r#"
[[deviation]]
scenario = "crash-and-return"
check = "d3.arp-reply-vmac"
evidence = "the IPv6 VMAC answers ARP"

[[deviation]]
scenario = "crash-and-return"
check = "e1.vmac-on-master-port"
evidence = "a yielded router sends from the VMAC"
intermittent = true
race = "a yielded router sends only when traffic reaches it"

[[deviation]]
check = "c7.advert-interval"
evidence = "every scenario: late adverts"

[[deviation]]
scenario = "graceful-stop"
check = "d4.na-reply-vmac"
evidence = "another scenario's"
"#;

    fn expectations() -> Expectations {
        Expectations::parse(Path::new("k.toml"), FILE, None).unwrap()
    }

    #[test]
    fn failures_the_file_lists_are_known_and_the_verdict_is_met() {
        let mut v = verdict(&[
            (Check::D3ArpReplyVmac, Status::Fail),
            (Check::C7AdvertInterval, Status::Fail),
            (Check::D4NaReplyVmac, Status::Pass),
        ]);
        expectations().apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        assert!(o.met(), "{o:?}");
        assert_eq!(o.known.len(), 2);
        assert_eq!(o.explaining(&v.checks[0]).unwrap().at, "k.toml:2");
        assert!(v.passed(), "known deviations alone pass");
        assert_eq!(v.count(Status::Fail), 2, "the raw count stays");
    }

    #[test]
    fn a_failure_the_file_does_not_list_is_unexpected() {
        let mut v = verdict(&[
            (Check::D3ArpReplyVmac, Status::Fail),
            (Check::C7AdvertInterval, Status::Fail),
            (Check::D4NaReplyVmac, Status::Fail),
        ]);
        expectations().apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        assert_eq!(o.unexpected, vec![Check::D4NaReplyVmac]);
        assert!(!v.passed());
    }

    #[test]
    fn a_listed_deviation_that_passed_is_stale_unless_intermittent() {
        let mut v = verdict(&[
            (Check::D3ArpReplyVmac, Status::Pass),
            (Check::E1VmacOnMasterPort, Status::Pass),
            (Check::C7AdvertInterval, Status::Fail),
        ]);
        expectations().apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        let stale: Vec<Check> = o.stale.iter().map(|e| e.check).collect();
        assert_eq!(stale, vec![Check::D3ArpReplyVmac]);
        assert!(!v.passed());
    }

    #[test]
    fn an_unknown_check_and_an_empty_evidence_are_refused_where_they_are() {
        let text = "[[deviation]]\ncheck = \"z9.nothing\"\nevidence = \" \"\n";
        let e = Expectations::parse(Path::new("k.toml"), text, None).unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("k.toml:2:9: error: `z9.nothing` is not a check"),
            "{shown}"
        );
        assert!(
            shown.contains("k.toml:3:12: error: `evidence` is empty"),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_with_its_place() {
        let text = "[[deviation]]\ncheck = \"d3.arp-reply-vmac\"\nevidence = \"x\"\nflaky = true\n";
        let e = Expectations::parse(Path::new("k.toml"), text, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("k.toml:4:1: error: unknown field `flaky`"),
            "{e}"
        );
    }

    /// A mixed run: r1 runs `first`, r2 `second`.
    fn mixed(first: &str, second: &str) -> BTreeMap<String, String> {
        [("r1", first), ("r2", second)]
            .into_iter()
            .map(|(r, d)| (r.to_string(), d.to_string()))
            .collect()
    }

    const BEHAVIOURS: &str = r#"
[[deviation]]
behaviour = "lost-first-advert"
evidence = "the new master's first advert never leaves"

[[deviation.shows]]
scenarios = ["crash-and-return"]
checks = ["c2.takeover-time", "c4.announce-after-advert"]
routers = ["r2"]

[[deviation.shows]]
scenarios = ["crash-and-return"]
checks = ["e1.vmac-on-master-port"]
routers = ["r1"]
with = ["keepalived"]
"#;

    fn checks_of(e: &Expectations, daemons: &BTreeMap<String, String>) -> Vec<Check> {
        e.entries("crash-and-return", daemons)
            .iter()
            .map(|e| e.check)
            .collect()
    }

    #[test]
    fn a_mixed_run_takes_the_pairs_of_the_routers_that_run_the_daemon() {
        let e = Expectations::parse(Path::new("frr.toml"), BEHAVIOURS, Some("frr")).unwrap();
        // Every router runs FRR: everything applies.
        assert_eq!(
            checks_of(&e, &mixed("frr", "frr")),
            vec![Check::C2TakeoverTime, Check::C4AnnounceAfterAdvert]
        );
        // FRR on r2 only: the takeover pairs; `with` asks for keepalived beside r1's FRR.
        assert_eq!(
            checks_of(&e, &mixed("vrlabd", "frr")),
            vec![Check::C2TakeoverTime, Check::C4AnnounceAfterAdvert]
        );
        assert_eq!(
            checks_of(&e, &mixed("frr", "keepalived")),
            vec![Check::E1VmacOnMasterPort]
        );
        assert!(checks_of(&e, &mixed("frr", "vrlabd")).is_empty());
        // Runs without FRR expect nothing of it.
        assert!(checks_of(&e, &mixed("keepalived", "vrlabd")).is_empty());
        // Another scenario: nothing.
        assert!(e.entries("graceful-stop", &mixed("frr", "frr")).is_empty());
        // A capture (no daemons known) takes every pair of its scenario.
        assert_eq!(checks_of(&e, &BTreeMap::new()).len(), 3);
        let cited = e.entries("crash-and-return", &mixed("frr", "frr"))[0].cite();
        assert_eq!(cited, "frr lost-first-advert on r2, frr.toml:2");
        let cited = e.entries("crash-and-return", &BTreeMap::new())[0].cite();
        assert_eq!(
            cited, "frr lost-first-advert, frr.toml:2",
            "a capture names no router"
        );
    }

    /// A run of crash-and-return where r1 runs `first` and r2 `second`, whose e1 failed
    /// blaming `blamed`.
    fn e1_failed_blaming(first: &str, second: &str, blamed: &[&str]) -> Verdict {
        let mut v = verdict(&[(Check::E1VmacOnMasterPort, Status::Fail)]);
        v.scenario = "crash-and-return".into();
        v.daemons = mixed(first, second);
        v.checks[0].routers = blamed.iter().map(|r| r.to_string()).collect();
        v
    }

    #[test]
    fn a_daemons_deviation_explains_only_what_its_routers_did() {
        let e = Expectations::parse(Path::new("frr.toml"), BEHAVIOURS, Some("frr")).unwrap();
        // FRR's r1 beside keepalived: its e1 explains r1's frames.
        let mut v = e1_failed_blaming("frr", "keepalived", &["r1"]);
        e.apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        assert!(o.met(), "{o:?}");
        assert_eq!(o.known[0].routers, vec!["r1".to_string()]);
        let cited = o.explaining(&v.checks[0]).unwrap().cite();
        assert_eq!(cited, "frr lost-first-advert on r1, frr.toml:2");
        // The same failure blaming keepalived's r2 is new: FRR's entry does not speak for it,
        // and it did not show either.
        let mut v = e1_failed_blaming("frr", "keepalived", &["r2"]);
        e.apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        assert_eq!(o.unexpected, vec![Check::E1VmacOnMasterPort]);
        assert_eq!(o.stale.len(), 1);
        // Both: r1's part is known, r2's is not — the failure is unexpected.
        let mut v = e1_failed_blaming("frr", "keepalived", &["r1", "r2"]);
        e.apply(&mut v);
        let o = v.expectation.as_ref().unwrap();
        assert_eq!(o.unexpected, vec![Check::E1VmacOnMasterPort]);
        assert!(o.stale.is_empty());
        assert!(
            o.explaining(&v.checks[0]).is_none(),
            "r2's part is nobody's"
        );
        // A failure that blames no router is any entry's of its check, as before.
        let mut v = e1_failed_blaming("frr", "keepalived", &[]);
        e.apply(&mut v);
        assert!(v.expectation.as_ref().unwrap().met());
    }

    #[test]
    fn an_intermittent_pair_needs_its_race_and_a_race_an_intermittent_pair() {
        let text = "[[deviation]]\ncheck = \"d3.arp-reply-vmac\"\nevidence = \"x\"\nintermittent = true\n\n[[deviation]]\ncheck = \"d4.na-reply-vmac\"\nevidence = \"y\"\nrace = \"z\"\n";
        let shown = Expectations::parse(Path::new("k.toml"), text, None)
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("k.toml:1:1: error: an intermittent deviation says why it may pass"),
            "{shown}"
        );
        assert!(
            shown.contains("k.toml:9:8: error: `race` says why an intermittent pair may pass"),
            "{shown}"
        );
        // A race beside pairs that did not parse is not blamed for them.
        let broken = "[[deviation]]\nevidence = \"x\"\nrace = \"y\"\n\n[[deviation.shows]]\nchecks = [\"z9.none\"]\nintermittent = true\n";
        let shown = Expectations::parse(Path::new("k.toml"), broken, None)
            .unwrap_err()
            .to_string();
        assert!(shown.contains("`z9.none` is not a check"), "{shown}");
        assert!(!shown.contains("`race` says why"), "{shown}");
    }

    #[test]
    fn both_forms_at_once_an_empty_list_and_unknown_daemons_are_refused_where_they_are() {
        let text = r#"[[deviation]]
daemon = "quagga"
check = "d3.arp-reply-vmac"
evidence = "x"

[[deviation.shows]]
checks = []
with = ["bird"]
"#;
        let shown = Expectations::parse(Path::new("k.toml"), text, None)
            .unwrap_err()
            .to_string();
        for want in [
            "k.toml:2:10: error: unknown daemon `quagga`",
            "k.toml:3:9: error: `check` belongs in each `[[deviation.shows]]`",
            "k.toml:7:10: error: `checks` is empty",
            "k.toml:8:9: error: unknown daemon `bird`",
        ] {
            assert!(shown.contains(want), "{want}\n{shown}");
        }
        let moved = "[[deviation]]\ndaemon = \"keepalived\"\ncheck = \"d3.arp-reply-vmac\"\nevidence = \"x\"\n";
        let shown = Expectations::parse(Path::new("frr.toml"), moved, Some("frr"))
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("frr.toml:2:10: error: this file holds the deviations of frr"),
            "{shown}"
        );
    }

    #[test]
    fn a_directory_holds_one_file_per_daemon() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("frr.toml"), BEHAVIOURS).unwrap();
        let e = Expectations::open(dir.path()).unwrap();
        assert_eq!(e.deviations[0].daemon.as_deref(), Some("frr"));
        std::fs::write(dir.path().join("keepalived+frr.toml"), BEHAVIOURS).unwrap();
        let shown = Expectations::open(dir.path()).unwrap_err().to_string();
        assert!(
            shown.contains("keepalived+frr.toml") && shown.contains("derived"),
            "{shown}"
        );
    }

    /// The suite's files load, and every scenario and router they name exists: a renamed
    /// scenario or router cannot leave a pair that never applies.
    #[test]
    fn every_known_deviations_file_of_the_suite_loads_and_names_what_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let e = Expectations::open(&root.join("scenarios/known-deviations"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut pairs = 0;
        for dev in &e.deviations {
            for s in &dev.shows {
                pairs += s.checks.len() * s.scenarios.len().max(1);
                for name in &s.scenarios {
                    // The suite's scenarios, and the field deployments' in their folder.
                    let path = ["scenarios", "scenarios/field"]
                        .iter()
                        .map(|d| root.join(format!("{d}/{name}.toml")))
                        .find(|p| p.exists())
                        .unwrap_or_else(|| root.join(format!("scenarios/{name}.toml")));
                    let scn = crate::scenario::load(&path)
                        .unwrap_or_else(|e| panic!("{}: scenario {name}: {e}", dev.at));
                    for r in &s.routers {
                        assert!(
                            scn.routers().any(|n| &n.name == r),
                            "{}: {r} is not a router of {name}",
                            dev.at
                        );
                    }
                }
            }
        }
        assert!(pairs > 100, "{pairs} pairs");
    }
}
