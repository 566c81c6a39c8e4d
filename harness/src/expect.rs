//! Expected findings: the deviations a user knows their daemon has, as data, so that a run or a
//! `vrlab check` is green when nothing *new* fails — and red when a listed deviation no longer
//! shows, so the list stays true.
//!
//! The file is the format of `scenarios/known-deviations/DAEMON.toml`:
//!
//! ```toml
//! [[deviation]]
//! scenario = "crash-and-return"     # optional: without it, every scenario (and captures)
//! check = "d3.arp-reply-vmac"
//! evidence = "what the record shows, and why it is the daemon's, not the lab's"
//! link = "https://github.com/acassen/keepalived/issues/…"   # optional
//! intermittent = true               # optional: it may pass; the evidence says why
//! ```
//!
//! `--expect` takes such a file, or a directory holding one file per daemon label
//! (`keepalived.toml`, `keepalived+frr.toml`): each run then uses its own label's file, and a
//! label without one expects nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::checks::{Check, Status, Verdict};
use crate::scenario::{locate, Diagnostics, ScenarioError};

/// The largest expectations file vrlab reads.
const LIMIT: u64 = 4 << 20;

/// Where the expectations come from: one file, or a directory of files per daemon label.
#[derive(Debug, Clone)]
pub enum Source {
    File(Expectations),
    Dir(PathBuf),
}

impl Source {
    /// Reads `path`: a file is loaded and validated now; a directory's files when a run's
    /// label is known ([`Source::for_label`]).
    pub fn open(path: &Path) -> Result<Source, ScenarioError> {
        if path.is_dir() {
            Ok(Source::Dir(path.to_path_buf()))
        } else {
            Expectations::load(path).map(Source::File)
        }
    }

    /// The expectations of a run of `label` (`keepalived`, `vrlabd+frr`): a directory's
    /// `LABEL.toml`, or nothing expected when it has none.
    pub fn for_label(&self, label: &str) -> Result<Expectations, ScenarioError> {
        match self {
            Source::File(e) => Ok(e.clone()),
            Source::Dir(dir) => {
                let path = dir.join(format!("{label}.toml"));
                if path.exists() {
                    Expectations::load(&path)
                } else {
                    Ok(Expectations {
                        path,
                        entries: Vec::new(),
                    })
                }
            }
        }
    }
}

/// One file's expected findings.
#[derive(Debug, Clone)]
pub struct Expectations {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The scenario it concerns; `None` for every scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub check: Check,
    pub evidence: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
    #[serde(default)]
    pub intermittent: bool,
    /// Where it is written: `FILE:LINE`.
    pub at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    deviation: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    scenario: Option<String>,
    check: Spanned<String>,
    evidence: Spanned<String>,
    #[serde(default)]
    link: String,
    #[serde(default)]
    intermittent: bool,
}

impl Expectations {
    /// Reads and validates a file: TOML errors, unknown fields, a check id the catalogue does
    /// not have and an empty evidence are refused with their line and column.
    pub fn load(path: &Path) -> Result<Expectations, ScenarioError> {
        let text = crate::input::read_text(path, LIMIT).map_err(|e| {
            ScenarioError::whole_file(path, format!("cannot read the expectations file: {e}"))
        })?;
        Self::parse(path, &text)
    }

    /// Validates expectations text; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Expectations, ScenarioError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ScenarioError {
            path: path.to_path_buf(),
            diagnostics: vec![locate(
                text,
                e.span().unwrap_or(0..0),
                e.message().trim().to_string(),
            )],
        })?;
        let mut d = Diagnostics::new(text);
        let mut entries = Vec::new();
        for item in raw.deviation {
            let line = locate(text, item.span(), String::new()).line;
            let e = item.into_inner();
            let id = e.check.get_ref();
            let check = Check::from_id(id);
            if check.is_none() {
                d.at(
                    e.check.span(),
                    format!("`{id}` is not a check of the catalogue (see `vrlab checks`)"),
                );
            }
            if e.evidence.get_ref().trim().is_empty() {
                d.at(
                    e.evidence.span(),
                    "`evidence` is empty: say what the record shows and why it is the daemon's",
                );
            }
            let Some(check) = check else { continue };
            entries.push(Entry {
                scenario: e.scenario,
                check,
                evidence: e.evidence.into_inner(),
                link: e.link,
                intermittent: e.intermittent,
                at: format!("{}:{line}", path.display()),
            });
        }
        if !d.found.is_empty() {
            return Err(ScenarioError {
                path: path.to_path_buf(),
                diagnostics: d.found,
            });
        }
        Ok(Expectations {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The entries that concern a scenario.
    fn of<'a>(&'a self, scenario: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.scenario.as_deref().is_none_or(|s| s == scenario))
    }

    /// Compares a verdict with what is expected of it, and records the outcome in it.
    pub fn apply(&self, v: &mut Verdict) {
        let failed = |id: Check| {
            v.checks
                .iter()
                .any(|c| c.id == id && c.status == Status::Fail)
        };
        let mine: Vec<&Entry> = self.of(&v.scenario).collect();
        let known: Vec<Entry> = mine
            .iter()
            .filter(|e| failed(e.check))
            .map(|e| (*e).clone())
            .collect();
        let stale: Vec<Entry> = mine
            .iter()
            .filter(|e| !e.intermittent && !failed(e.check))
            .map(|e| (*e).clone())
            .collect();
        let mut unexpected: Vec<Check> = v
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail && !mine.iter().any(|e| e.check == c.id))
            .map(|c| c.id)
            .collect();
        unexpected.dedup();
        v.expectation = Some(Outcome {
            file: self.path.display().to_string(),
            known,
            stale,
            unexpected,
        });
    }
}

/// What a verdict made of its expectations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// The expectations file.
    pub file: String,
    /// Failed checks that the file lists: known deviations.
    pub known: Vec<Entry>,
    /// Entries the file lists as failing every run whose check did not fail.
    pub stale: Vec<Entry>,
    /// Failed checks that the file does not list.
    pub unexpected: Vec<Check>,
}

impl Outcome {
    /// Nothing failed that is not expected, and nothing expected every run passed.
    pub fn met(&self) -> bool {
        self.unexpected.is_empty() && self.stale.is_empty()
    }

    /// The entry that explains a failed check, if any.
    pub fn explaining(&self, id: Check) -> Option<&Entry> {
        self.known.iter().find(|e| e.check == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckResult, Metrics};

    fn verdict(results: &[(Check, Status)]) -> Verdict {
        Verdict {
            scenario: "crash-and-return".into(),
            daemon: "keepalived".into(),
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
                })
                .collect(),
            metrics: Metrics::default(),
            notes: Vec::new(),
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

[[deviation]]
check = "c7.advert-interval"
evidence = "every scenario: late adverts"

[[deviation]]
scenario = "graceful-stop"
check = "d4.na-reply-vmac"
evidence = "another scenario's"
"#;

    fn expectations() -> Expectations {
        Expectations::parse(Path::new("k.toml"), FILE).unwrap()
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
        assert_eq!(o.explaining(Check::D3ArpReplyVmac).unwrap().at, "k.toml:2");
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
        let e = Expectations::parse(Path::new("k.toml"), text).unwrap_err();
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
        let e = Expectations::parse(Path::new("k.toml"), text).unwrap_err();
        assert!(
            e.to_string()
                .contains("k.toml:4:1: error: unknown field `flaky`"),
            "{e}"
        );
    }

    #[test]
    fn every_known_deviations_file_of_the_suite_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/known-deviations");
        let mut n = 0;
        for f in std::fs::read_dir(&dir).unwrap().flatten() {
            let e = Expectations::load(&f.path()).unwrap_or_else(|e| panic!("{e}"));
            n += e.entries.len();
        }
        assert!(n > 100, "{n} entries");
    }
}
