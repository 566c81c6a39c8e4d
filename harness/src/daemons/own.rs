//! A configuration of the user's own (`config.keepalived = "r1.conf"`, `config.vrlabd`,
//! `config.frr`, `config.ucarp` on a router node): its
//! placeholders, filled in from the lab, and the findings where it disagrees with the
//! scenario's virtual routers.
//!
//! Placeholders, so that one file serves the lab and the router it came from:
//!
//! | placeholder            | becomes                                                      |
//! |------------------------|--------------------------------------------------------------|
//! | `{{interface SEGMENT}}`| the node's interface on that segment (`eth0`)                |
//! | `{{address SEGMENT}}`  | the node's first address there, without its prefix length  |
//! | `{{node}}`             | the node's name                                              |
//! | `{{dir}}`              | the node's directory in the run (`RUN_DIR/nodes/NODE`), for scripts and files it writes |
//!
//! Lines that are comments (`#` or `!` first) are kept as they are.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use super::{AdapterError, RouterSpec, VrouterSpec};
use crate::scenario::{Family, OwnConfig};

/// A place in the user's configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub line: usize,
    pub column: usize,
}

/// What the config says against the scenario, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: At,
    pub message: String,
}

impl Finding {
    /// `FILE:LINE:COL: error: message; the file is named at SCENARIO:LINE:COL`: both places.
    pub fn cite(&self, config: &OwnConfig) -> String {
        format!(
            "{}:{}:{}: error: {}; the file is named at {}",
            config.path.display(),
            self.at.line,
            self.at.column,
            self.message,
            config.named_at
        )
    }
}

/// An instance of the user's file as the pairing sees it: its name, VRID and family (`None`
/// where the file does not say or cannot be read), and where it begins.
pub struct Identity {
    pub name: String,
    pub vrid: Option<u8>,
    pub family: Option<Family>,
    pub at: At,
}

/// The daemon's words for an instance and its VRID (`vrrp_instance`, `virtual_router_id`).
pub struct Words {
    pub instance: &'static str,
    pub vrid: &'static str,
}

/// Pairs each of the scenario's virtual routers of `node` with the instance of the user's
/// file of the same VRID and family; a virtual router without one, and an instance without a
/// virtual router (the judge would not know it), are findings.
pub fn pair_up<'a, I>(
    found: &'a [I],
    identity: impl Fn(&I) -> Identity,
    node: &'a RouterSpec,
    words: &Words,
    bad: &mut Vec<Finding>,
) -> Vec<(&'a I, &'a VrouterSpec)> {
    let ids: Vec<Identity> = found.iter().map(identity).collect();
    let mut used = BTreeSet::new();
    let mut pairs = Vec::new();
    for vr in &node.vrouters {
        match ids
            .iter()
            .position(|i| i.vrid == Some(vr.vrid) && i.family == Some(vr.family))
        {
            Some(k) => {
                used.insert(k);
                pairs.push((&found[k], vr));
            }
            None => bad.push(Finding {
                at: At { line: 1, column: 1 },
                message: format!(
                    "no {} with {} {} for {} addresses: the scenario's {} ({}) has {} in it",
                    words.instance,
                    words.vrid,
                    vr.vrid,
                    family_name(vr.family),
                    vr.name,
                    list(vr.vips.iter()),
                    node.node
                ),
            }),
        }
    }
    for (_, i) in ids.iter().enumerate().filter(|(k, _)| !used.contains(k)) {
        bad.push(Finding {
            at: i.at,
            message: format!(
                "{} {} ({} {}) is not in the scenario: declare it as a virtual router with {} in its priorities, so that the judge knows it",
                words.instance,
                i.name,
                words.vrid,
                i.vrid.map_or("?".into(), |v| v.to_string()),
                node.node
            ),
        });
    }
    pairs
}

/// The addresses of `mine` and of the virtual router, link-local ones aside (each daemon
/// adds its own virtual link-local), listed when they differ.
pub fn vips_differ(
    mine: impl Iterator<Item = IpAddr>,
    vr: &VrouterSpec,
) -> Option<(String, String)> {
    let global = |a: &IpAddr| !matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80);
    let mine: BTreeSet<IpAddr> = mine.filter(global).collect();
    let theirs: BTreeSet<IpAddr> = vr.vips.iter().copied().filter(global).collect();
    (mine != theirs).then(|| (list(mine.iter()), list(theirs.iter())))
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "IPv4",
        Family::Ipv6 => "IPv6",
    }
}

fn list<'a>(addrs: impl Iterator<Item = &'a IpAddr>) -> String {
    addrs.map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
}

/// The user's own configuration of `daemon` for `node`, placeholders filled, if the node
/// names one (checked against the scenario before the lab was built); a placeholder that
/// cannot be filled refuses the node, citing the file.
pub fn filled(
    node: &RouterSpec,
    daemon: &'static str,
    dir: &Path,
) -> Option<Result<String, AdapterError>> {
    let own = node.own_config(daemon)?;
    Some(fill(&own.text, node, dir).map_err(|bad| {
        AdapterError::Unsupported {
            daemon,
            node: node.node.clone(),
            reason: bad
                .iter()
                .map(|f| f.cite(own))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }))
}

/// The text with every placeholder filled in for `node`, whose run directory is `dir`; an
/// unknown placeholder, or one that names a segment the node is not on, is a finding.
pub fn fill(text: &str, node: &RouterSpec, dir: &Path) -> Result<String, Vec<Finding>> {
    let mut out = String::with_capacity(text.len());
    let mut bad = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        // A comment line (`#` or `!`, as keepalived.conf and FRR's files have them) may
        // mention placeholders: it is kept as it is.
        if line.trim_start().starts_with(['#', '!']) {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        let mut column = 1;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            column += rest[..open].chars().count();
            let at = At {
                line: i + 1,
                column,
            };
            let Some(close) = rest[open..].find("}}") else {
                bad.push(Finding {
                    at,
                    message: "`{{` without its `}}`".into(),
                });
                rest = &rest[open + 2..];
                continue;
            };
            let inner = &rest[open + 2..open + close];
            match value(inner, node, dir) {
                Ok(v) => out.push_str(&v),
                Err(message) => bad.push(Finding { at, message }),
            }
            column += rest[open..open + close + 2].chars().count();
            rest = &rest[open + close + 2..];
        }
        out.push_str(rest);
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

/// What one placeholder (the text between `{{` and `}}`) stands for.
fn value(inner: &str, node: &RouterSpec, dir: &Path) -> Result<String, String> {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let on = |segment: &str| {
        node.interfaces
            .iter()
            .find(|i| i.segment == segment)
            .ok_or_else(|| {
                format!(
                    "`{{{{{inner}}}}}`: {} is not on segment `{segment}`",
                    node.node
                )
            })
    };
    match words.as_slice() {
        ["node"] => Ok(node.node.clone()),
        ["dir"] => Ok(dir.display().to_string()),
        ["interface", segment] => Ok(on(segment)?.name.clone()),
        ["address", segment] => on(segment)?
            .addresses
            .first()
            .map(|a| a.addr.to_string())
            .ok_or_else(|| format!("`{{{{{inner}}}}}`: {} has no address on `{segment}`", node.node)),
        _ => Err(format!(
            "unknown placeholder `{{{{{inner}}}}}`: use {{{{interface SEGMENT}}}}, {{{{address SEGMENT}}}}, {{{{node}}}} or {{{{dir}}}}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_from_the_node() {
        let node = crate::daemons::tests_support::r1();
        let text = "! {{comment}}\nvrrp_instance A {\n  interface {{interface lan}}\n  unicast_src_ip {{ address lan }}\n  notify {{dir}}/n.sh {{node}}\n}\n";
        let filled = fill(text, &node, Path::new("/runs/x/nodes/r1")).unwrap();
        assert_eq!(
            filled,
            "! {{comment}}\nvrrp_instance A {\n  interface eth0\n  unicast_src_ip 192.0.2.1\n  notify /runs/x/nodes/r1/n.sh r1\n}\n"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_found_at_its_line_and_column() {
        let node = crate::daemons::tests_support::r1();
        let bad = fill(
            "a\n  interface {{iface lan}} {{interface wan}}\n",
            &node,
            Path::new("/d"),
        )
        .unwrap_err();
        assert_eq!(bad.len(), 2);
        assert_eq!(
            bad[0].at,
            At {
                line: 2,
                column: 13
            }
        );
        assert!(
            bad[0]
                .message
                .contains("unknown placeholder `{{iface lan}}`"),
            "{}",
            bad[0].message
        );
        assert_eq!(
            bad[1].at,
            At {
                line: 2,
                column: 27
            }
        );
        assert!(
            bad[1].message.contains("not on segment `wan`"),
            "{}",
            bad[1].message
        );
    }
}
