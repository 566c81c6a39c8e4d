//! What a verdict records of the expected findings it was given: the entries that explain its
//! failures, those that no longer show, the failures nothing explains. The file format and
//! how a run's entries are derived from it are `crate::expect`'s; this is what the judge's
//! verdict carries, so the judge needs nothing of `expect`.

use serde::{Deserialize, Serialize};

use super::{Check, CheckResult};

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
    /// The routers of the run whose doing it explains (those running the daemon, as the pair
    /// names them); empty: any (a capture, a deviation of no particular daemon).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<String>,
    /// Where it is written: `FILE:LINE`.
    pub at: String,
}

impl Entry {
    /// Whether it explains failed result `c`: the same check, and — where both name routers —
    /// one of the routers `c` blames runs the daemon here.
    pub fn explains(&self, c: &CheckResult) -> bool {
        c.id == self.check && (c.routers.is_empty() || c.routers.iter().any(|r| self.covers(r)))
    }

    /// Whether it speaks for what router `r` did.
    pub fn covers(&self, r: &str) -> bool {
        self.routers.is_empty() || self.routers.iter().any(|x| x == r)
    }

    /// How reports name it: `frr lost-first-ipv6-advert on r2, k/frr.toml:12`.
    pub fn cite(&self) -> String {
        let mut who: Vec<&str> = [self.daemon.as_deref(), self.behaviour.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let on = self.routers.join(", ");
        if !on.is_empty() {
            who.extend(["on", &on]);
        }
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

    /// The entry that explains failed result `c` — when the known entries together speak for
    /// every router it blames — preferring one that fails every run.
    pub fn explaining(&self, c: &CheckResult) -> Option<&Entry> {
        let of: Vec<&Entry> = self.known.iter().filter(|e| e.explains(c)).collect();
        if !c.routers.iter().all(|r| of.iter().any(|e| e.covers(r))) {
            return None;
        }
        of.iter().find(|e| !e.intermittent).or(of.first()).copied()
    }
}
