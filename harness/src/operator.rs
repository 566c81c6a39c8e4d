//! The operator's steps on a kept lab (`vrlab fault NODE ACTION [KEY=VALUE]…`): any timeline
//! action, sent to the `vrlab up` that keeps the lab, which validates it as a step of its
//! scenario, appends it to the run directory's scenario.toml, plays it and records it like the
//! timeline's own — so that the judge, at Ctrl-C, judges what the operator did too.
//!
//! The lab listens on [`CONTROL_SOCKET`] in its own /run: only a process that joined the lab's
//! mount namespace (as `vrlab exec` does) reaches it. One step per connection: the step as
//! TOML (the keys of one `[[timeline]]` table), then the lab's [`Reply`] as one JSON line.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::sandbox::{self, SandboxError};

/// Where a kept lab listens, inside its private /run.
pub const CONTROL_SOCKET: &str = "/run/vrlab/control.sock";

/// The most a step sent to the lab may hold.
pub const STEP_LIMIT: u64 = 64 << 10;

/// What the lab made of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub status: Status,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Played and recorded.
    Done,
    /// Not a valid step of the scenario: nothing was done.
    Refused,
    /// Recorded, but it did not complete (a wait that timed out, a fault that could not act).
    Failed,
}

/// The `[[timeline]]` table of `vrlab fault NODE ACTION KEY=VALUE…`: `node` is left out when
/// it is `-` (actions that name no node: `heal`, `partition`); a value that is not TOML (a
/// bare word) is taken as a string.
pub fn step_toml(node: &str, action: &str, pairs: &[String]) -> Result<String, String> {
    let mut table = toml::Table::new();
    table.insert("action".into(), toml::Value::String(action.into()));
    if node != "-" {
        table.insert("node".into(), toml::Value::String(node.into()));
    }
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}`: expected KEY=VALUE, e.g. percent=30"))?;
        let key = key.trim();
        if key.is_empty() || key == "action" || key == "node" {
            return Err(format!(
                "`{pair}`: give a key other than `action` and `node` (they are the positional arguments)"
            ));
        }
        let value = format!("v = {}", value.trim())
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.trim().into()));
        table.insert(key.into(), value);
    }
    toml::to_string(&table).map_err(|e| e.to_string())
}

/// Sends `step` to the kept lab `lab` (or the only one) and returns its reply. Must be called
/// while single-threaded (it joins the lab's namespaces).
pub fn send(lab: Option<i32>, step: &str) -> Result<Reply, SandboxError> {
    let pid = sandbox::enter_lab(lab)?;
    let io = |what: &str| {
        let what = what.to_string();
        move |source: std::io::Error| SandboxError::Control { pid, what, source }
    };
    let mut stream = std::os::unix::net::UnixStream::connect(CONTROL_SOCKET).map_err(io(
        "connecting to the lab (is its timeline over, or paused?)",
    ))?;
    stream
        .write_all(step.as_bytes())
        .and_then(|_| stream.shutdown(std::net::Shutdown::Write))
        .map_err(io("sending the step"))?;
    let mut answer = String::new();
    stream
        .take(STEP_LIMIT)
        .read_to_string(&mut answer)
        .map_err(io("reading the lab's reply"))?;
    serde_json::from_str(answer.trim()).map_err(|e| SandboxError::Control {
        pid,
        what: "reading the lab's reply".into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_its_action_its_node_and_its_typed_values() {
        let t = step_toml("r1", "loss", &["percent=30".into(), "to=r2".into()]).unwrap();
        let table: toml::Table = t.parse().unwrap();
        assert_eq!(table["action"].as_str(), Some("loss"));
        assert_eq!(table["node"].as_str(), Some("r1"));
        assert_eq!(table["percent"].as_integer(), Some(30));
        assert_eq!(table["to"].as_str(), Some("r2"), "a bare word is a string");
        let t = step_toml("-", "partition", &[r#"groups=[["r1","h1"],["r2"]]"#.into()]).unwrap();
        let table: toml::Table = t.parse().unwrap();
        assert!(!table.contains_key("node"));
        assert_eq!(table["groups"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_pair_without_a_value_or_naming_the_positionals_is_refused() {
        let e = step_toml("r1", "crash", &["percent".into()]).unwrap_err();
        assert!(e.contains("expected KEY=VALUE"), "{e}");
        let e = step_toml("r1", "crash", &["node=r2".into()]).unwrap_err();
        assert!(e.contains("other than `action` and `node`"), "{e}");
    }
}
