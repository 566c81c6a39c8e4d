//! Reading a vrlabd.toml of the user's: its `[[instance]]` tables, held against the scenario's
//! virtual routers for the node (the format: daemon/examples/vrlabd.toml and the README's
//! "vrlabd" section).
//!
//! Only what the judge relies on is compared — VRID and family, interface, priority,
//! advertisement interval, version, the virtual addresses, pre-emption, Accept_Mode, the
//! virtual MAC and unicast peers, each with vrlabd's default where the file leaves it out;
//! everything else (tracking, notify, router advertisements) is the user's and runs as
//! written. vrlabd itself refuses what it cannot read, with its own line and column.

use std::net::IpAddr;

use serde::Deserialize;
use toml::Spanned;

use super::own::{pair_up, vips_differ, At, Finding, Identity, Words};
use super::{RouterSpec, VrouterSpec};
use crate::scenario::Family;

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    instance: Vec<Spanned<Instance>>,
}

/// The keys compared; vrlabd checks the others.
#[derive(Debug, Deserialize)]
struct Instance {
    name: Spanned<String>,
    interface: Option<Spanned<String>>,
    vrid: Spanned<i64>,
    version: Option<Spanned<i64>>,
    family: Option<Spanned<String>>,
    priority: Spanned<i64>,
    #[serde(default)]
    vips: Vec<Spanned<String>>,
    interval: Option<Spanned<toml::Value>>,
    preempt: Option<Spanned<bool>>,
    accept: Option<Spanned<bool>>,
    vmac: Option<Spanned<bool>>,
    #[serde(default)]
    unicast_peers: Vec<Spanned<String>>,
}

/// vrlabd's defaults for what an instance leaves out (RFC 9568's, and the VMAC).
const DEFAULT_INTERVAL_CS: u32 = 100;
const DEFAULT_PREEMPT: bool = true;
const DEFAULT_ACCEPT: bool = false;
const DEFAULT_VMAC: bool = true;

/// Where the file's `[[instance]]` tables disagree with the scenario's virtual routers of
/// `node`; a file that is not TOML is one finding at the error.
pub fn findings(text: &str, node: &RouterSpec) -> Vec<Finding> {
    let file: File = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return vec![Finding {
                at: e
                    .span()
                    .map_or(At { line: 1, column: 1 }, |s| at(text, s.start)),
                message: format!("not a vrlabd.toml: {}", e.message()),
            }]
        }
    };
    let mut bad = Vec::new();
    let identity = |i: &Spanned<Instance>| Identity {
        name: i.get_ref().name.get_ref().clone(),
        vrid: u8::try_from(*i.get_ref().vrid.get_ref()).ok(),
        family: family(i.get_ref()),
        at: at(text, i.span().start),
    };
    for (i, vr) in pair_up(&file.instance, identity, node, &WORDS, &mut bad) {
        compare(text, i, vr, &mut bad);
    }
    bad
}

const WORDS: Words = Words {
    instance: "[[instance]]",
    vrid: "vrid",
};

/// One instance against its virtual router of the scenario.
fn compare(text: &str, i: &Spanned<Instance>, vr: &VrouterSpec, bad: &mut Vec<Finding>) {
    let here = at(text, i.span().start);
    let i = i.get_ref();
    let mut differs = |at: At, what: String| {
        bad.push(Finding {
            at,
            message: format!(
                "[[instance]] {}: {what} (the scenario's {})",
                i.name.get_ref(),
                vr.name
            ),
        })
    };
    let place = |s: std::ops::Range<usize>| at(text, s.start);
    match &i.interface {
        Some(w) if *w.get_ref() != vr.interface => differs(
            place(w.span()),
            format!(
                "interface {}, but the virtual router runs on {}",
                w.get_ref(),
                vr.interface
            ),
        ),
        None => differs(
            here,
            format!(
                "no `interface` (the virtual router runs on {})",
                vr.interface
            ),
        ),
        _ => {}
    }
    if *i.priority.get_ref() != i64::from(vr.priority) {
        differs(
            place(i.priority.span()),
            format!(
                "priority {}, but the scenario gives {}",
                i.priority.get_ref(),
                vr.priority
            ),
        );
    }
    match &i.interval {
        Some(v) => match interval_cs(v.get_ref()) {
            Some(cs) if cs == u32::from(vr.interval_cs) => {}
            Some(cs) => differs(
                place(v.span()),
                format!(
                    "interval {cs} cs, but the scenario's interval is {} cs",
                    vr.interval_cs
                ),
            ),
            None => differs(
                place(v.span()),
                format!(
                    "interval {}: not a duration vrlabd reads (milliseconds, or \"100ms\", \"10cs\", \"1s\")",
                    v.get_ref()
                ),
            ),
        },
        None if u32::from(vr.interval_cs) != DEFAULT_INTERVAL_CS => differs(
            here,
            format!(
                "no `interval` (vrlabd's default is {DEFAULT_INTERVAL_CS} cs), but the scenario's interval is {} cs",
                vr.interval_cs
            ),
        ),
        None => {}
    }
    match &i.version {
        Some(v) if *v.get_ref() != i64::from(vr.protocol.version()) => differs(
            place(v.span()),
            format!(
                "VRRP version {}, but the scenario's is {}",
                v.get_ref(),
                vr.protocol.version()
            ),
        ),
        None => differs(
            here,
            format!("no `version` (the scenario's is {})", vr.protocol.version()),
        ),
        _ => {}
    }
    if let Some((mine, theirs)) =
        vips_differ(i.vips.iter().filter_map(|v| address(v.get_ref())), vr)
    {
        differs(
            i.vips.first().map_or(here, |v| place(v.span())),
            format!("vips {mine}, but the scenario's VIPs are {theirs}"),
        );
    }
    let flag = |v: &Option<Spanned<bool>>, default: bool| {
        v.as_ref()
            .map_or((default, here), |b| (*b.get_ref(), place(b.span())))
    };
    for (key, (value, at), wanted) in [
        ("preempt", flag(&i.preempt, DEFAULT_PREEMPT), vr.preempt),
        ("accept", flag(&i.accept, DEFAULT_ACCEPT), vr.accept),
        ("vmac", flag(&i.vmac, DEFAULT_VMAC), vr.vmac),
    ] {
        if value != wanted {
            differs(
                at,
                format!("{key} = {value}, but the scenario says {key} = {wanted}"),
            );
        }
    }
    let (unicast, wanted) = (!i.unicast_peers.is_empty(), !vr.unicast_peers.is_empty());
    if unicast != wanted {
        differs(
            i.unicast_peers.first().map_or(here, |p| place(p.span())),
            if unicast {
                "unicast_peers, but the scenario's virtual router is multicast: set unicast = true in the scenario".into()
            } else {
                "multicast, but the scenario's virtual router uses unicast peers: add unicast_peers"
                    .into()
            },
        );
    }
}

/// The instance's family: as written, or that of its first VIP (as vrlabd infers it).
fn family(i: &Instance) -> Option<Family> {
    match i.family.as_ref().map(|f| f.get_ref().as_str()) {
        Some("ipv4") => Some(Family::Ipv4),
        Some("ipv6") => Some(Family::Ipv6),
        Some(_) => None,
        None => i
            .vips
            .iter()
            .find_map(|v| address(v.get_ref()))
            .map(|a| match a {
                IpAddr::V4(_) => Family::Ipv4,
                IpAddr::V6(_) => Family::Ipv6,
            }),
    }
}

/// A VIP as written (`192.0.2.100` or `192.0.2.100/24`), without its prefix length.
fn address(text: &str) -> Option<IpAddr> {
    text.split('/').next()?.trim().parse().ok()
}

/// vrlabd's interval: an integer of milliseconds, or text with a unit (`ms`, `cs`, `s`).
fn interval_cs(v: &toml::Value) -> Option<u32> {
    let ms = match v {
        toml::Value::Integer(ms) => u64::try_from(*ms).ok()?,
        toml::Value::String(s) => {
            let s = s.trim();
            let (number, per_unit_ms) = if let Some(n) = s.strip_suffix("ms") {
                (n, 1)
            } else if let Some(n) = s.strip_suffix("cs") {
                (n, 10)
            } else if let Some(n) = s.strip_suffix('s') {
                (n, 1000)
            } else {
                return None;
            };
            number.trim().parse::<u64>().ok()? * per_unit_ms
        }
        _ => return None,
    };
    (ms % 10 == 0).then_some(u32::try_from(ms / 10).ok()?)
}

/// Line and column (from 1, in characters) of a byte offset.
fn at(text: &str, offset: usize) -> At {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    At { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::r1;

    /// What the lab renders for a node agrees with the scenario: the reader and the renderer
    /// speak the same vrlabd.toml.
    #[test]
    fn the_rendered_config_has_no_finding() {
        let node = r1();
        let text = super::super::vrlabd::render(&node, &[], &[]);
        assert_eq!(findings(&text, &node), vec![], "{text}");
    }

    #[test]
    fn each_disagreement_is_found_where_it_is() {
        let node = r1();
        let vr = &node.vrouters[0];
        let text = format!(
            "\
[[instance]]
name = \"gw\"
interface = \"eth1\"
vrid = {vrid}
version = {version}
priority = 150
interval = \"1s\"
vips = [\"192.0.2.101/24\"]
accept = {accept}

[[instance]]
name = \"extra\"
interface = \"eth0\"
vrid = 99
version = 3
priority = 100
vips = [\"192.0.2.199\"]
",
            vrid = vr.vrid,
            version = vr.protocol.version(),
            accept = !vr.accept,
        );
        let got: Vec<(usize, usize, String)> = findings(&text, &node)
            .into_iter()
            .map(|f| (f.at.line, f.at.column, f.message))
            .collect();
        let lines: Vec<usize> = got.iter().map(|g| g.0).collect();
        // First the pairing: gw6 has no instance (1:1), the extra one is not in the scenario;
        // then gw4's interface, priority, interval, vips and accept.
        assert_eq!(lines, [1, 11, 3, 6, 7, 8, 9], "{got:#?}");
        let says = |k: usize, what: &str| assert!(got[k].2.contains(what), "{got:#?}");
        says(0, "no [[instance]] with vrid 52 for IPv6");
        says(1, "extra (vrid 99) is not in the scenario");
        assert_eq!(got[2].1, 13, "the column of the value: {got:#?}");
        says(3, "priority 150, but the scenario gives 200");
        says(4, "interval 100 cs, but the scenario's interval is 10 cs");
    }

    #[test]
    fn a_missing_instance_and_a_file_that_is_not_toml_are_found() {
        let node = r1();
        let none = findings("", &node);
        assert_eq!(none.len(), node.vrouters.len());
        assert!(
            none[0].message.starts_with("no [[instance]] with vrid"),
            "{none:?}"
        );
        let broken = findings("[[instance]]\nname = \n", &node);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].at.line, 2, "{broken:?}");
        assert!(
            broken[0].message.starts_with("not a vrlabd.toml"),
            "{broken:?}"
        );
    }

    #[test]
    fn intervals_read_as_vrlabd_reads_them() {
        for (v, cs) in [
            (toml::Value::Integer(250), Some(25)),
            (toml::Value::String("10ms".into()), Some(1)),
            (toml::Value::String("1s".into()), Some(100)),
            (toml::Value::String("4095cs".into()), Some(4095)),
            (toml::Value::String("fast".into()), None),
            (toml::Value::Integer(15), None),
        ] {
            assert_eq!(interval_cs(&v), cs, "{v}");
        }
    }
}
