//! What a verdict records of the expected findings it was given: the entries that explain its
//! failures, those that no longer show, the failures nothing explains. The file format and
//! how a run's entries are derived from it are `crate::expect`'s; this is what the judge's
//! verdict carries, so the judge needs nothing of `expect`.

use serde::{Deserialize, Serialize};

use super::Check;

/// One expected (check, scenario) finding of a run, and the behaviour that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon: Option<String>,
    /// The scenario it concerns; `None` for every scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub check: Check,
    pub evidence: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
    #[serde(default)]
    pub intermittent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<String>,
    /// Where it is written: `FILE:LINE`.
    pub at: String,
}

impl Entry {
    /// How reports name it: `frr lost-first-ipv6-advert, k/frr.toml:12`.
    pub fn cite(&self) -> String {
        let who: Vec<&str> = [self.daemon.as_deref(), self.behaviour.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if who.is_empty() {
            self.at.clone()
        } else {
            format!("{}, {}", who.join(" "), self.at)
        }
    }
}

/// What a verdict made of its expectations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// The expectations file or directory.
    pub file: String,
    /// Failed checks that the file lists: known deviations.
    pub known: Vec<Entry>,
    /// Entries the file lists as failing every run whose check did not fail.
    pub stale: Vec<Entry>,
    /// Intermittent entries whose check did not fail this run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_shown: Vec<Entry>,
    /// Failed checks that the file does not list.
    pub unexpected: Vec<Check>,
}

impl Outcome {
    /// Nothing failed that is not expected, and nothing expected every run passed.
    pub fn met(&self) -> bool {
        self.unexpected.is_empty() && self.stale.is_empty()
    }

    /// The entry that explains a failed check, if any (one that fails every run first).
    pub fn explaining(&self, id: Check) -> Option<&Entry> {
        let mut of = self.known.iter().filter(|e| e.check == id);
        let first = of.clone().next();
        of.find(|e| !e.intermittent).or(first)
    }
}
