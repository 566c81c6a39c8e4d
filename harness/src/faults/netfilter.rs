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
use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::relay::{Impairment, Relay, RelayStats, Tap};
use crate::events::{DropFlows, Ended, Fault, Harness, Recorder};
use crate::scenario::{Family, Flow};
use crate::topology::{Namespace, Port, Topology};

/// What serves partitions and loss, as the run records it.
pub const MECHANISM: &str = "nftables bridge family, forward hook";
/// What serves delay, jitter, reordering and duplication where the kernel has no netem.
pub const RELAY_MECHANISM: &str =
    "userspace relay (packet sockets) behind an nftables bridge-family drop, output hook by mark";
/// Marks of relayed copies: this base, plus 16 × step + flow.
const MARK_BASE: u32 = 0x7672_0000;
pub const TABLE: &str = "vrlab";
/// VRRP's IP protocol number (RFC 5798 §5.1.1.4).
const VRRP_PROTO: u8 = 112;
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
    /// Seeds the choice of dropped slots, or the relay's draws.
    pub seed: u64,
    /// A `delay`: its flows are dropped on the forward hook and relayed, impaired.
    pub impair: Option<Impairment>,
    /// The virtual routers whose adverts a loss counts apart (family, VRID).
    pub adverts: Vec<(Family, u8)>,
}

impl Active {
    fn comment(&self) -> String {
        format!("step {} {}", self.step + 1, self.kind)
    }

    /// The fault as the record has it, once in force.
    fn recorded(&self) -> Fault {
        let (step, flows, seed) = (self.step, self.flows.clone(), self.seed);
        if let Some(imp) = self.impair {
            return Fault::Delay {
                step,
                flows,
                delay_ms: imp.delay.as_secs_f64() * 1e3,
                jitter_ms: imp.jitter.as_secs_f64() * 1e3,
                reorder_permille: imp.reorder_permille,
                duplicate_permille: imp.duplicate_permille,
                seed,
                mechanism: RELAY_MECHANISM.to_string(),
            };
        }
        let drop = DropFlows {
            step,
            flows,
            permille: self.permille,
            seed,
            mechanism: MECHANISM.to_string(),
        };
        if self.kind == "partition" {
            Fault::Partition(drop)
        } else {
            Fault::Loss(drop)
        }
    }
}

/// The mark of the copies a delay step's relay sends for its flow `flow`.
pub fn relay_mark(step: usize, flow: usize) -> u32 {
    MARK_BASE + (step as u32) * 16 + flow as u32
}

/// The ports a relay reads for a flow (its senders that are not also its receivers), and
/// those its copies may leave by (its receivers that are not also its senders).
fn relay_ports<'a>(f: &Flow, ports: &'a [Port]) -> (Vec<&'a Port>, Vec<&'a Port>) {
    let on =
        |side: &Option<Vec<String>>, p: &Port| side.as_ref().is_none_or(|v| v.contains(&p.node));
    let only =
        |side: &Option<Vec<String>>, p: &Port| side.as_ref().is_some_and(|v| v.contains(&p.node));
    let taps = ports
        .iter()
        .filter(|p| on(&f.from, p) && !only(&f.to, p))
        .collect();
    let exits = ports
        .iter()
        .filter(|p| on(&f.to, p) && !only(&f.from, p))
        .collect();
    (taps, exits)
}

/// The partitions, losses and delays in effect in a running lab.
#[derive(Default)]
pub struct NetFaults {
    active: std::sync::Mutex<Vec<Active>>,
    /// Each delay step's relays.
    relays: std::sync::Mutex<Vec<(usize, Relay)>>,
    /// Frames each step's rules dropped in tables since replaced, by step.
    dropped: std::sync::Mutex<Vec<(usize, u64)>>,
    /// Whether the lab's table exists.
    installed: AtomicBool,
}

impl NetFaults {
    /// Adds a fault and installs the rules; the event is recorded once they are in force.
    ///
    /// A delay starts in two transactions so that its relay never sends a copy unguarded
    /// and no frame of its flows is lost: first the output rule that keeps the relay's copies
    /// to the flow's receivers (the flow still crosses the bridge), then the relay reads, then
    /// the forward rule drops the flow, which from then on only the relay carries.
    pub fn start(&self, a: Active, topo: &Topology, rec: &Recorder) -> Result<(), String> {
        let mut active = self.active.lock().expect("net faults");
        let mut next = active.clone();
        next.push(a.clone());
        if let Some(imp) = a.impair {
            self.replace(&topo.switch, &ruleset(&next, &topo.ports, &[a.step])?)?;
            if let Err(e) = self.start_relays(&a, imp, topo) {
                self.replace(&topo.switch, &ruleset(&active, &topo.ports, &[])?)?;
                return Err(e);
            }
        }
        if let Err(e) = self.replace(&topo.switch, &ruleset(&next, &topo.ports, &[])?) {
            // Without the drop rule the relays would deliver every frame twice. Stop them.
            self.stop_relays(Some(a.step));
            return Err(e);
        }
        *active = next;
        rec.harness(Harness::Fault(a.recorded()));
        Ok(())
    }

    /// One relay per flow of a delay step, reading the flow's senders' ports.
    fn start_relays(&self, a: &Active, imp: Impairment, topo: &Topology) -> Result<(), String> {
        let mut relays = self.relays.lock().expect("relays");
        for (fi, f) in a.flows.iter().enumerate() {
            let (taps, _) = relay_ports(f, &topo.ports);
            let taps: Vec<Tap> = taps
                .iter()
                .filter_map(|p| {
                    let b = topo.bridges.iter().find(|b| b.segment == p.segment)?;
                    Some(Tap {
                        port_ifindex: p.port_ifindex,
                        bridge_ifindex: b.ifindex,
                    })
                })
                .collect();
            let imp = Impairment {
                seed: imp.seed ^ fi as u64,
                ..imp
            };
            match Relay::start(&topo.switch, &taps, relay_mark(a.step, fi), imp) {
                Ok(relay) => relays.push((a.step, relay)),
                Err(e) => {
                    drop(relays);
                    self.stop_relays(Some(a.step));
                    return Err(format!("starting the relay of step {}: {e}", a.step + 1));
                }
            }
        }
        Ok(())
    }

    /// Stops the relays of one step (or all), returning what each step's relays did.
    fn stop_relays(&self, step: Option<usize>) -> Vec<(usize, RelayStats)> {
        let mut relays = self.relays.lock().expect("relays");
        let (mine, others): (Vec<_>, Vec<_>) = relays
            .drain(..)
            .partition(|(s, _)| step.is_none_or(|x| x == *s));
        *relays = others;
        let mut stats: Vec<(usize, RelayStats)> = Vec::new();
        for (s, relay) in mine {
            let r = relay.stop();
            match stats.iter_mut().find(|(x, _)| *x == s) {
                Some((_, t)) => t.add(&r),
                None => stats.push((s, r)),
            }
        }
        stats
    }

    /// Replaces the lab's table, first adding what the rules being replaced dropped to each
    /// step's tally (a new table starts its counters at zero).
    fn replace(&self, switch: &Namespace, rules: &str) -> Result<(), String> {
        let counts = if self.installed.load(Ordering::Relaxed) {
            dropped(switch)?
        } else {
            Vec::new()
        };
        let mut tally = self.dropped.lock().expect("tally");
        for (step, n) in counts {
            match tally.iter_mut().find(|(s, _)| *s == step) {
                Some((_, t)) => *t += n,
                None => tally.push((step, n)),
            }
        }
        install(switch, rules)?;
        self.installed.store(!rules.is_empty(), Ordering::Relaxed);
        Ok(())
    }

    /// Ends every fault in effect, recording how many frames each dropped. `step` is the heal
    /// step's index, or `None` at the end of the run.
    pub fn heal(&self, step: Option<usize>, topo: &Topology, rec: &Recorder) -> Result<(), String> {
        let switch = &topo.switch;
        let mut active = self.active.lock().expect("net faults");
        if active.is_empty() {
            return Ok(());
        }
        // The relays stop behind their output rules, with their flows crossing again, so
        // that no copy leaves unguarded and no frame is lost in between.
        let delays: Vec<Active> = active
            .iter()
            .filter(|a| a.impair.is_some())
            .cloned()
            .collect();
        let steps: Vec<usize> = delays.iter().map(|a| a.step).collect();
        self.replace(switch, &ruleset(&delays, &topo.ports, &steps)?)?;
        let relayed = self.stop_relays(None);
        self.replace(switch, "")?;
        let counts = std::mem::take(&mut *self.dropped.lock().expect("tally"));
        let ended: Vec<Ended> = active
            .iter()
            .map(|a| Ended {
                step: a.step,
                fault: a.kind.to_string(),
                dropped: counts.iter().find(|(s, _)| *s == a.step).map_or(0, |c| c.1),
                relayed: relayed.iter().find(|(s, _)| *s == a.step).map(|(_, r)| *r),
            })
            .collect();
        active.clear();
        rec.harness(Harness::Fault(Fault::Heal {
            step,
            ended,
            mechanism: MECHANISM.to_string(),
        }));
        Ok(())
    }
}

/// The rule text of the lab's table for the faults in effect: on the forward hook, what
/// partitions and losses drop and the frames of delayed flows (their relays carry them); on
/// the output hook, each relay's copies only out by its flow's receiving ports. The delays of
/// the steps in `passing` have only their output rules: their flows cross while their relays
/// start or stop.
pub fn ruleset(active: &[Active], ports: &[Port], passing: &[usize]) -> Result<String, String> {
    let mut rules = Vec::new();
    let mut out = Vec::new();
    for a in active {
        let drop = match a.impair {
            Some(_) => String::new(),
            None => drop_expr(a.permille, a.seed),
        };
        for (fi, f) in a.flows.iter().enumerate() {
            let iif = side(&f.from, ports, "iifname")?;
            let oif = side(&f.to, ports, "oifname")?;
            if !passing.contains(&a.step) {
                rules.extend(forward_rules(a, fi, &format!("{iif}{oif}"), &drop));
            }
            if a.impair.is_some() {
                let (_, exits) = relay_ports(f, ports);
                let names: Vec<String> = exits.iter().map(|p| format!("\"{}\"", p.port)).collect();
                let not_out = if names.is_empty() {
                    String::new()
                } else {
                    format!("oifname != {{ {} }} ", names.join(", "))
                };
                out.push(format!(
                    "    meta mark {:#x} {not_out}counter drop comment \"relay of step {}\"",
                    relay_mark(a.step, fi),
                    a.step + 1
                ));
            }
        }
    }
    let output = if out.is_empty() {
        String::new()
    } else {
        format!(
            "  chain output {{\n    type filter hook output priority 0; policy accept;\n{}\n  }}\n",
            out.join("\n")
        )
    };
    Ok(format!(
        "table bridge {TABLE} {{\n  chain forward {{\n    type filter hook forward priority 0; policy accept;\n{}\n  }}\n{output}}}\n",
        rules.join("\n")
    ))
}

/// The forward rules of one flow of a fault. A partition or delay drops the whole flow. A
/// loss counts the adverts of each virtual router apart from each other and from the rest of
/// the flow, each on its own seeded slots: which of a virtual router's adverts are lost then
/// depends only on their order, not on what else crossed (an MLD report, an NS), so the same
/// seed takes the same adverts and a takeover under loss happens, or not, every run.
fn forward_rules(a: &Active, flow: usize, ports: &str, drop: &str) -> Vec<String> {
    let comment = a.comment();
    if drop.is_empty() || a.adverts.is_empty() {
        return vec![format!(
            "    {ports}{drop}counter drop comment \"{comment}\""
        )];
    }
    let mut rules: Vec<String> = a
        .adverts
        .iter()
        .enumerate()
        .map(|(k, (family, vrid))| {
            let proto = match family {
                Family::Ipv4 => "ip",
                Family::Ipv6 => "ip6",
            };
            let seed = a.seed ^ ((flow as u64) << 32 | (k as u64 + 1)).wrapping_mul(0x2545_f491_4f6c_dd1d);
            format!(
                "    {ports}meta protocol {proto} meta l4proto {VRRP_PROTO} @th,8,8 {vrid} {}counter drop comment \"{comment}\"",
                drop_expr(a.permille, seed)
            )
        })
        .collect();
    rules.push(format!(
        "    {ports}meta l4proto != {VRRP_PROTO} {drop}counter drop comment \"{comment}\""
    ));
    rules
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
            mac: crate::wire::MacAddr::ZERO,
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
            impair: None,
            adverts: Vec::new(),
        };
        let text = ruleset(&[a], &ports, &[]).unwrap();
        assert!(text.contains(
            "iifname { \"p1\", \"p3\" } oifname { \"p2\" } counter drop comment \"step 3 partition\""
        ));
        assert!(text.contains("iifname { \"p2\" } oifname { \"p1\", \"p3\" } counter drop"));
        assert!(!text.contains("numgen"));
    }

    #[test]
    fn a_delay_drops_its_flows_whole_and_lets_its_copies_out_only_to_the_receivers() {
        let ports = [port("r1", "p1"), port("r2", "p2"), port("h1", "p3")];
        let imp = Impairment {
            delay: std::time::Duration::from_millis(30),
            jitter: std::time::Duration::ZERO,
            reorder_permille: 0,
            duplicate_permille: 0,
            seed: 1,
        };
        let a = Active {
            step: 1,
            kind: "delay",
            flows: vec![
                Flow {
                    from: Some(vec!["r1".into()]),
                    to: Some(vec!["r2".into()]),
                },
                Flow {
                    from: None,
                    to: Some(vec!["h1".into()]),
                },
            ],
            permille: 0,
            seed: 1,
            impair: Some(imp),
            adverts: Vec::new(),
        };
        let a2 = a.clone();
        let text = ruleset(&[a], &ports, &[]).unwrap();
        // Forward: every frame of each flow (no share), counted for the step.
        assert!(text.contains(
            "iifname { \"p1\" } oifname { \"p2\" } counter drop comment \"step 2 delay\""
        ));
        assert!(text.contains("oifname { \"p3\" } counter drop comment \"step 2 delay\""));
        assert!(!text.contains("numgen"));
        // Output: each flow's copies leave only by its receivers, never back to a sender.
        assert!(text.contains("type filter hook output priority 0"));
        assert!(text.contains(
            "meta mark 0x76720010 oifname != { \"p2\" } counter drop comment \"relay of step 2\""
        ));
        assert!(text.contains("meta mark 0x76720011 oifname != { \"p3\" } counter drop"));
        // While its relays start or stop, the flows cross but the copies stay guarded.
        let passing = ruleset(std::slice::from_ref(&a2), &ports, &[1]).unwrap();
        assert!(!passing.contains("step 2 delay"));
        assert!(passing.contains("meta mark 0x76720010 oifname != { \"p2\" } counter drop"));
        // The relays read the senders that are not receivers.
        let (taps, exits) = relay_ports(
            &Flow {
                from: None,
                to: Some(vec!["h1".into()]),
            },
            &ports,
        );
        let names = |v: Vec<&Port>| v.iter().map(|p| p.port.clone()).collect::<Vec<_>>();
        assert_eq!(names(taps), ["p1", "p2"]);
        assert_eq!(names(exits), ["p3"]);
        // Relay drop counters are not the step's dropped frames.
        let json = r#"{"nftables":[{"rule":{"comment":"relay of step 2","expr":[{"counter":{"packets":9,"bytes":1}}]}},
          {"rule":{"comment":"step 2 delay","expr":[{"counter":{"packets":4,"bytes":1}}]}}]}"#;
        assert_eq!(counters(json), vec![(1, 4)]);
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
    fn a_loss_counts_each_virtual_routers_adverts_apart_from_the_rest() {
        let ports = [port("r1", "p1"), port("r2", "p2")];
        let a = Active {
            step: 1,
            kind: "loss",
            flows: vec![Flow {
                from: Some(vec!["r1".into()]),
                to: Some(vec!["r2".into()]),
            }],
            permille: 300,
            seed: 7,
            impair: None,
            adverts: vec![(Family::Ipv4, 51), (Family::Ipv6, 51)],
        };
        let text = ruleset(std::slice::from_ref(&a), &ports, &[]).unwrap();
        let rules: Vec<&str> = text.lines().filter(|l| l.contains("step 2 loss")).collect();
        assert_eq!(rules.len(), 3, "{text}");
        assert!(rules[0].contains("meta protocol ip meta l4proto 112 @th,8,8 51 numgen inc"));
        assert!(rules[1].contains("meta protocol ip6 meta l4proto 112 @th,8,8 51 numgen inc"));
        assert!(rules[2].contains("meta l4proto != 112 numgen inc"));
        let slots = |r: &str| r.split_once("mod 1000").unwrap().1.to_string();
        assert_ne!(
            slots(rules[0]),
            slots(rules[1]),
            "each counter its own slots"
        );
        assert_eq!(
            text,
            ruleset(&[a], &ports, &[]).unwrap(),
            "and the same every time"
        );
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
            impair: None,
            adverts: Vec::new(),
        };
        assert!(ruleset(&[a], &[port("r1", "p1")], &[]).is_err());
    }
}
