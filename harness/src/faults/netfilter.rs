//! Partitions and loss: nftables rules in the bridge family, in the switch namespace, on the
//! forward hook, so they act on frames crossing the bridge from one node's port to another's.
//! The capture sees every frame as it enters the bridge (before the rule), so a dropped frame
//! is still in the pcapng: what was sent is on record, and the events say what was cut.
//!
//! Every change rewrites the lab's table in one nft transaction. A loss drops a seeded choice
//! of slots of a per-rule packet counter (`numgen inc mod 1000`): the same seed drops the same
//! frames of the same sequence, run after run, where the kernel's random number would not.

use std::io::Write;
use std::process::{Command, Stdio};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use serde_json::json;

use crate::events::Recorder;
use crate::scenario::Flow;
use crate::topology::{Namespace, Port};

/// What serves partitions and loss, as the run records it.
pub const MECHANISM: &str = "nftables bridge family, forward hook";
pub const TABLE: &str = "vrlab";
/// Loss is chosen per 1000 frames of a flow.
const SLOTS: usize = 1000;

/// One partition or loss in effect.
#[derive(Debug, Clone)]
pub struct Active {
    /// Index of the timeline step that started it.
    pub step: usize,
    /// `partition` or `loss`.
    pub kind: &'static str,
    pub flows: Vec<Flow>,
    /// Share dropped, per mille (1000 for a partition).
    pub permille: u16,
    /// Seeds the choice of dropped slots.
    pub seed: u64,
}

impl Active {
    fn comment(&self) -> String {
        format!("step {} {}", self.step + 1, self.kind)
    }
}

/// The partitions and losses in effect in a running lab.
#[derive(Default)]
pub struct NetFaults {
    active: std::sync::Mutex<Vec<Active>>,
}

impl NetFaults {
    /// Adds a fault and installs the rules; the event is recorded once they are in force.
    pub fn start(
        &self,
        a: Active,
        switch: &Namespace,
        ports: &[Port],
        rec: &Recorder,
    ) -> Result<(), String> {
        let mut active = self.active.lock().expect("net faults");
        let mut next = active.clone();
        next.push(a.clone());
        let rules = ruleset(&next, ports)?;
        install(switch, &rules)?;
        *active = next;
        rec.now(
            "harness",
            json!({"action": "fault", "fault": a.kind, "step": a.step, "flows": a.flows,
                   "permille": a.permille, "seed": a.seed, "mechanism": MECHANISM}),
        );
        Ok(())
    }

    /// Ends every fault in effect, recording how many frames each dropped. `step` is the heal
    /// step's index, or `None` at the end of the run.
    pub fn heal(
        &self,
        step: Option<usize>,
        switch: &Namespace,
        rec: &Recorder,
    ) -> Result<(), String> {
        let mut active = self.active.lock().expect("net faults");
        if active.is_empty() {
            return Ok(());
        }
        let counts = dropped(switch)?;
        clear(switch)?;
        let ended: Vec<serde_json::Value> = active
            .iter()
            .map(|a| {
                let n = counts.iter().find(|(s, _)| *s == a.step).map_or(0, |c| c.1);
                json!({"step": a.step, "fault": a.kind, "dropped": n})
            })
            .collect();
        active.clear();
        rec.now(
            "harness",
            json!({"action": "fault", "fault": "heal", "step": step, "ended": ended, "mechanism": MECHANISM}),
        );
        Ok(())
    }
}

/// The rule text of the lab's table for the faults in effect.
pub fn ruleset(active: &[Active], ports: &[Port]) -> Result<String, String> {
    let mut rules = Vec::new();
    for a in active {
        let drop = drop_expr(a.permille, a.seed);
        for f in &a.flows {
            let iif = side(&f.from, ports, "iifname")?;
            let oif = side(&f.to, ports, "oifname")?;
            rules.push(format!(
                "    {iif}{oif}{drop}counter drop comment \"{}\"",
                a.comment()
            ));
        }
    }
    Ok(format!(
        "table bridge {TABLE} {{\n  chain forward {{\n    type filter hook forward priority 0; policy accept;\n{}\n  }}\n}}\n",
        rules.join("\n")
    ))
}

/// `iifname { "p1", "p2" } ` for the ports of `nodes`; empty for any port.
fn side(nodes: &Option<Vec<String>>, ports: &[Port], key: &str) -> Result<String, String> {
    let Some(nodes) = nodes else {
        return Ok(String::new());
    };
    let names: Vec<String> = ports
        .iter()
        .filter(|p| nodes.contains(&p.node))
        .map(|p| format!("\"{}\"", p.port))
        .collect();
    if names.is_empty() {
        return Err(format!("{} has no bridge port", nodes.join(", ")));
    }
    Ok(format!("{key} {{ {} }} ", names.join(", ")))
}

/// The match that selects the dropped share: nothing for all, else a seeded set of slots of
/// the rule's own packet counter.
fn drop_expr(permille: u16, seed: u64) -> String {
    let k = usize::from(permille).min(SLOTS);
    if k == SLOTS {
        return String::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut slots = rand::seq::index::sample(&mut rng, SLOTS, k).into_vec();
    slots.sort_unstable();
    let list: Vec<String> = slots.iter().map(usize::to_string).collect();
    format!("numgen inc mod {SLOTS} {{ {} }} ", list.join(", "))
}

/// The seed of one loss: the run's seed mixed with the step's index, so that two losses of a
/// run drop different slots and a new step elsewhere does not change them.
pub fn step_seed(run_seed: u64, step: usize) -> u64 {
    run_seed ^ (step as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Replaces the lab's table in the switch namespace with `rules` (one transaction).
pub fn install(switch: &Namespace, rules: &str) -> Result<(), String> {
    // `add` then `delete` makes the transaction valid whether or not the table exists yet.
    let script = format!("add table bridge {TABLE}\ndelete table bridge {TABLE}\n{rules}");
    nft(switch, &["-f", "-"], Some(&script)).map(|_| ())
}

/// Removes the lab's table.
pub fn clear(switch: &Namespace) -> Result<(), String> {
    install(switch, "")
}

/// Frames dropped so far by each fault's rules, keyed by the step that started it.
pub fn dropped(switch: &Namespace) -> Result<Vec<(usize, u64)>, String> {
    let out = nft(switch, &["-j", "list", "table", "bridge", TABLE], None)?;
    Ok(counters(&out))
}

/// Sums the rule counters of `nft -j list table` output by the step in their comment.
fn counters(json: &str) -> Vec<(usize, u64)> {
    let mut out: Vec<(usize, u64)> = Vec::new();
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let items = v["nftables"].as_array().cloned().unwrap_or_default();
    for item in items {
        let rule = &item["rule"];
        let Some(step) = rule["comment"]
            .as_str()
            .and_then(|c| c.strip_prefix("step "))
            .and_then(|c| c.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let packets: u64 = rule["expr"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["counter"]["packets"].as_u64())
            .sum();
        match out.iter_mut().find(|(s, _)| *s == step - 1) {
            Some((_, n)) => *n += packets,
            None => out.push((step - 1, packets)),
        }
    }
    out
}

/// Runs nft inside the switch namespace.
fn nft(switch: &Namespace, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    let run = || -> std::io::Result<std::process::Output> {
        let mut child = Command::new("nft")
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        child.wait_with_output()
    };
    let out = tokio::task::block_in_place(|| switch.run_in(run)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "nft is not installed: install nftables (apt-get install nftables)".to_string()
        } else {
            format!("running nft: {e}")
        }
    })?;
    if !out.status.success() {
        return Err(format!(
            "nft {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether nft can be run, for refusing a scenario before anything is built.
pub fn available() -> Result<(), String> {
    match Command::new("nft")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        _ => Err("the scenario partitions or drops frames, which needs nft: install nftables (apt-get install nftables)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(node: &str, name: &str) -> Port {
        Port {
            segment: "lan".into(),
            node: node.into(),
            interface: "eth0".into(),
            port: name.into(),
            port_ifindex: 0,
            node_ifindex: 0,
            mac: String::new(),
        }
    }

    #[test]
    fn a_partition_drops_every_frame_between_groups_both_ways() {
        let ports = [port("r1", "p1"), port("r2", "p2"), port("h1", "p3")];
        let groups = vec![vec!["r1".to_string(), "h1".to_string()], vec!["r2".into()]];
        let a = Active {
            step: 2,
            kind: "partition",
            flows: Flow::partition(&groups),
            permille: 1000,
            seed: 1,
        };
        let text = ruleset(&[a], &ports).unwrap();
        assert!(text.contains(
            "iifname { \"p1\", \"p3\" } oifname { \"p2\" } counter drop comment \"step 3 partition\""
        ));
        assert!(text.contains("iifname { \"p2\" } oifname { \"p1\", \"p3\" } counter drop"));
        assert!(!text.contains("numgen"));
    }

    #[test]
    fn a_loss_drops_the_same_seeded_share_every_time() {
        let a = drop_expr(300, 42);
        assert_eq!(a, drop_expr(300, 42), "same seed, same slots");
        assert_ne!(a, drop_expr(300, 43), "another seed, other slots");
        let inner = a
            .split_once('{')
            .and_then(|(_, r)| r.split_once('}'))
            .unwrap()
            .0;
        assert_eq!(inner.split(',').count(), 300, "30 % of 1000 slots");
        assert_eq!(drop_expr(1000, 42), "", "100 % needs no counter");
    }

    #[test]
    fn counters_are_summed_per_step() {
        let json = r#"{"nftables":[{"metainfo":{}},{"table":{}},
          {"rule":{"comment":"step 3 partition","expr":[{"counter":{"packets":5,"bytes":1}},{"drop":null}]}},
          {"rule":{"comment":"step 3 partition","expr":[{"counter":{"packets":2,"bytes":1}}]}},
          {"rule":{"comment":"step 5 loss","expr":[{"counter":{"packets":7,"bytes":1}}]}}]}"#;
        assert_eq!(counters(json), vec![(2, 7), (4, 7)]);
    }

    #[test]
    fn a_node_without_ports_is_an_error_not_a_rule_for_everyone() {
        let flows = vec![Flow {
            from: Some(vec!["r9".into()]),
            to: None,
        }];
        let a = Active {
            step: 0,
            kind: "loss",
            flows,
            permille: 500,
            seed: 1,
        };
        assert!(ruleset(&[a], &[port("r1", "p1")]).is_err());
    }
}
