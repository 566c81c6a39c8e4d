//! Which daemon runs on which router: one implementation for all, or a mix for interop runs
//! (`--daemon vrlabd,r2=keepalived`: vrlabd everywhere but r2).

use std::collections::BTreeMap;

use super::{by_name, Adapter};
use crate::scenario::{Role, Scenario};

pub struct Assignment {
    default: Option<Box<dyn Adapter>>,
    nodes: Vec<(String, Box<dyn Adapter>)>,
}

impl std::fmt::Debug for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assignment")
            .field("default", &self.default.as_ref().map(|a| a.name()))
            .field(
                "nodes",
                &self
                    .nodes
                    .iter()
                    .map(|(n, a)| (n, a.name()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Assignment {
    /// Parses `NAME`, `NODE=NAME,NODE=NAME`, or a mix with at most one bare default.
    pub fn parse(spec: &str) -> Result<Assignment, String> {
        let known = || {
            super::all()
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let adapter = |name: &str| {
            by_name(name).ok_or_else(|| {
                format!(
                    "unknown daemon `{name}`; known: {}, or your own as command:PATH",
                    known()
                )
            })
        };
        let mut a = Assignment {
            default: None,
            nodes: Vec::new(),
        };
        for item in spec.split(',').map(str::trim) {
            match item.split_once('=') {
                Some((node, name)) => {
                    let node = node.trim();
                    if node.is_empty() || a.nodes.iter().any(|(n, _)| n == node) {
                        return Err(format!("`{item}`: name each router once, as NODE=DAEMON"));
                    }
                    a.nodes.push((node.to_string(), adapter(name.trim())?));
                }
                None if item.is_empty() => return Err("an empty daemon name".into()),
                None if a.default.is_some() => {
                    return Err(format!(
                        "`{spec}` names two defaults; give per-router ones as NODE=DAEMON"
                    ))
                }
                None => a.default = Some(adapter(item)?),
            }
        }
        Ok(a)
    }

    /// One daemon for every router.
    pub fn single(adapter: Box<dyn Adapter>) -> Assignment {
        Assignment {
            default: Some(adapter),
            nodes: Vec::new(),
        }
    }

    pub fn for_node(&self, node: &str) -> Option<&dyn Adapter> {
        self.nodes
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, a)| a.as_ref())
            .or(self.default.as_deref())
    }

    /// Every distinct adapter named, default first.
    pub fn adapters(&self) -> Vec<&dyn Adapter> {
        let mut out: Vec<&dyn Adapter> = Vec::new();
        for a in self
            .default
            .iter()
            .map(|a| a.as_ref())
            .chain(self.nodes.iter().map(|(_, a)| a.as_ref()))
        {
            if !out.iter().any(|o| o.name() == a.name()) {
                out.push(a);
            }
        }
        out
    }

    /// Every router of `scn` gets a daemon, and every named node is a router of it.
    pub fn check(&self, scn: &Scenario) -> Result<(), String> {
        for (n, _) in &self.nodes {
            match scn.node(n) {
                Some(node) if node.role == Role::Router => {}
                Some(_) => {
                    return Err(format!(
                        "`{n}` is a host in {}; only routers run a daemon",
                        scn.name
                    ))
                }
                None => {
                    return Err(format!(
                        "`{n}` is not a router of {}; its routers: {}",
                        scn.name,
                        scn.routers()
                            .map(|r| r.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
        let unassigned: Vec<&str> = scn
            .routers()
            .filter(|r| self.for_node(&r.name).is_none())
            .map(|r| r.name.as_str())
            .collect();
        if !unassigned.is_empty() {
            return Err(format!(
                "no daemon for {} in {}: add a default (`--daemon NAME,...`) or NODE=NAME for each",
                unassigned.join(", "),
                scn.name
            ));
        }
        Ok(())
    }

    /// Daemon per router of `scn`.
    pub fn per_router(&self, scn: &Scenario) -> BTreeMap<String, String> {
        scn.routers()
            .filter_map(|r| Some((r.name.clone(), self.for_node(&r.name)?.name().to_string())))
            .collect()
    }

    /// The name runs are labelled with: the daemon's name when every router runs it,
    /// otherwise the daemons in router order joined by `+` (`vrlabd+keepalived`).
    pub fn label(&self, scn: &Scenario) -> String {
        let names: Vec<String> = self.per_router(scn).into_values().collect();
        let mut distinct = names.clone();
        distinct.dedup();
        if distinct.len() == 1 {
            distinct.remove(0)
        } else {
            names.join("+")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scn() -> Scenario {
        crate::scenario::parse(
            std::path::Path::new("t.toml"),
            r#"
[segments.lan]
[nodes.r1]
role = "router"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.1/24"] }
[nodes.r2]
role = "router"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.2/24"] }
[nodes.h1]
role = "host"
interfaces.eth0 = { segment = "lan", addresses = ["192.0.2.10/24"] }
[[timeline]]
action = "hold"
for = "1s"
"#,
        )
        .unwrap()
    }

    #[test]
    fn single_and_mixed() {
        let s = scn();
        let a = Assignment::parse("keepalived").unwrap();
        assert_eq!(a.label(&s), "keepalived");
        a.check(&s).unwrap();
        let m = Assignment::parse("vrlabd,r2=keepalived").unwrap();
        assert_eq!(m.label(&s), "vrlabd+keepalived");
        assert_eq!(m.for_node("r1").unwrap().name(), "vrlabd");
        assert_eq!(m.adapters().len(), 2);
        let p = Assignment::parse("r1=frr,r2=frr").unwrap();
        assert_eq!(p.label(&s), "frr");
    }

    #[test]
    fn refusals() {
        let s = scn();
        assert!(Assignment::parse("nosuch")
            .unwrap_err()
            .contains("unknown daemon `nosuch`"));
        assert!(Assignment::parse("frr,keepalived")
            .unwrap_err()
            .contains("two defaults"));
        assert!(Assignment::parse("r1=frr")
            .unwrap()
            .check(&s)
            .unwrap_err()
            .contains("no daemon for r2"));
        assert!(Assignment::parse("frr,h1=frr")
            .unwrap()
            .check(&s)
            .unwrap_err()
            .contains("is a host"));
        assert!(Assignment::parse("frr,r9=frr")
            .unwrap()
            .check(&s)
            .unwrap_err()
            .contains("not a router"));
    }
}
