//! What a daemon says it discarded, beside what the lab sent it to discard. The daemon's own
//! counters (`nodes/NODE/status.json`, asked at the end of the run where its adapter can:
//! `vrlabd status`) are reported, never trusted: the checks judge discards from the wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;

/// Where a run keeps a daemon's own status, under `nodes/NODE/`.
pub const DAEMON_STATUS_FILE: &str = "status.json";

/// One router's tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscardTally {
    pub node: String,
    /// The daemon's own count of discarded adverts, by its reason.
    pub by_reason: BTreeMap<String, u64>,
    pub counted: u64,
    /// Adverts the lab injected on the router's segments that a receiver must discard.
    pub injected: u64,
}

impl DiscardTally {
    pub fn describe(&self) -> String {
        let reasons: Vec<String> = self
            .by_reason
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        format!(
            "{}: the daemon counted {} discards ({}); the lab injected {} adverts to discard",
            self.node,
            self.counted,
            if reasons.is_empty() {
                "none".to_string()
            } else {
                reasons.join(", ")
            },
            self.injected
        )
    }
}

/// Every router whose daemon left a status with discard counters.
pub fn tallies(ctx: &Ctx) -> Vec<DiscardTally> {
    let Some(rec) = ctx.rec else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in rec.scenario.routers() {
        let path = crate::rundir::Layout::new(&rec.dir)
            .node(&r.name)
            .join(DAEMON_STATUS_FILE);
        let Some(status) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        else {
            continue;
        };
        let by_reason = counted(&status);
        let segments: Vec<&str> = r.interfaces.iter().map(|i| i.segment.as_str()).collect();
        let injected = ctx
            .injections
            .iter()
            .filter(|i| i.kind() == "advert" && i.discard.is_some() && i.node != r.name)
            .filter(|i| {
                rec.scenario
                    .vrouters
                    .iter()
                    .any(|v| v.name == i.vrouter && segments.contains(&v.segment.as_str()))
            })
            .map(|i| i.frames.len() as u64)
            .sum();
        out.push(DiscardTally {
            node: r.name.clone(),
            counted: by_reason.values().sum(),
            by_reason,
            injected,
        });
    }
    out
}

/// The discard counters of a status: each instance's `counters.discarded` and the
/// `discarded_unattributed` of adverts no instance took, summed by reason.
fn counted(status: &Value) -> BTreeMap<String, u64> {
    let instances = status["instances"].as_array().into_iter().flatten();
    let maps = instances
        .map(|i| &i["counters"]["discarded"])
        .chain([&status["discarded_unattributed"]]);
    let mut out = BTreeMap::new();
    for m in maps.filter_map(Value::as_object) {
        for (reason, n) in m {
            *out.entry(reason.clone()).or_default() += n.as_u64().unwrap_or(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn counts_every_instance_and_the_unattributed() {
        let s = serde_json::json!({
            "instances": [
                {"counters": {"discarded": {"ttl": 8, "checksum": 8, "type": 0}}},
                {"counters": {"discarded": {"ttl": 8}}}
            ],
            "discarded_unattributed": {"unknown_vrid": 8}
        });
        let c = counted(&s);
        assert_eq!(c["ttl"], 16);
        assert_eq!(c["checksum"], 8);
        assert_eq!(c["unknown_vrid"], 8);
        assert_eq!(c.values().sum::<u64>(), 32);
        assert!(counted(&serde_json::json!({"pid": 1})).is_empty());
    }
}
