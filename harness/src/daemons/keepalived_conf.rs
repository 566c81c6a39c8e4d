//! Reading a keepalived.conf of the user's: its `vrrp_instance` blocks, held against the
//! scenario's virtual routers for the node (keepalived.conf(5): a statement per line, blocks
//! in braces, comments from `#` or `!`).
//!
//! Only what the judge relies on is compared — VRID and family, interface, priority,
//! advertisement interval, version, the virtual addresses, pre-emption, the virtual MAC and
//! unicast peers; everything else (tracking, notify scripts, sync groups, authentication) is
//! the user's and runs as written.

use std::net::IpAddr;

use super::own::{pair_up, vips_differ, At, Finding, Identity, Words};
use super::{RouterSpec, VrouterSpec};
use crate::scenario::Family;

/// One statement: its words, and the block that follows it, if any.
#[derive(Debug, Clone)]
struct Statement {
    words: Vec<Word>,
    block: Option<Vec<Statement>>,
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    at: At,
}

impl Statement {
    fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }
    fn at(&self) -> At {
        self.words
            .first()
            .map_or(At { line: 1, column: 1 }, |w| w.at)
    }
    fn arg(&self, i: usize) -> Option<&Word> {
        self.words.get(i)
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Open,
    Close,
    End,
}

/// Splits the text into words, braces and ends of line, each with its place.
fn tokens(text: &str) -> Vec<(Token, At)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut c = 0;
        while c < chars.len() {
            let at = At {
                line: i + 1,
                column: c + 1,
            };
            match chars[c] {
                '#' | '!' => break,
                ch if ch.is_whitespace() => c += 1,
                '{' => {
                    out.push((Token::Open, at));
                    c += 1;
                }
                '}' => {
                    out.push((Token::Close, at));
                    c += 1;
                }
                '"' => {
                    let end = chars[c + 1..]
                        .iter()
                        .position(|&x| x == '"')
                        .map_or(chars.len(), |p| c + 1 + p);
                    out.push((Token::Word(chars[c + 1..end].iter().collect()), at));
                    c = end + 1;
                }
                _ => {
                    let end = chars[c..]
                        .iter()
                        .position(|&x| x.is_whitespace() || matches!(x, '{' | '}' | '#' | '!'))
                        .map_or(chars.len(), |p| c + p);
                    out.push((Token::Word(chars[c..end].iter().collect()), at));
                    c = end;
                }
            }
        }
        out.push((
            Token::End,
            At {
                line: i + 1,
                column: chars.len() + 1,
            },
        ));
    }
    out
}

/// The statements of a block, up to its `}` (or the end of the text at the top level).
fn statements(toks: &[(Token, At)], pos: &mut usize) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    while let Some((tok, at)) = toks.get(*pos) {
        *pos += 1;
        match tok {
            Token::Word(w) => words.push(Word {
                text: w.clone(),
                at: *at,
            }),
            Token::End => {
                if !words.is_empty() {
                    out.push(Statement {
                        words: std::mem::take(&mut words),
                        block: None,
                    });
                }
            }
            Token::Open => {
                let block = Some(statements(toks, pos));
                // `{` on a line of its own opens the block of the statement above.
                match (words.is_empty(), out.last_mut()) {
                    (true, Some(prev)) if prev.block.is_none() => prev.block = block,
                    _ => out.push(Statement {
                        words: std::mem::take(&mut words),
                        block,
                    }),
                }
            }
            Token::Close => {
                if !words.is_empty() {
                    out.push(Statement {
                        words: std::mem::take(&mut words),
                        block: None,
                    });
                }
                return out;
            }
        }
    }
    if !words.is_empty() {
        out.push(Statement { words, block: None });
    }
    out
}

/// A `vrrp_instance` as far as the judge is concerned.
#[derive(Debug, Clone)]
struct Instance {
    name: String,
    at: At,
    interface: Option<Word>,
    vrid: Option<(u8, At)>,
    priority: (u8, At),
    interval_cs: (u32, At),
    version: (u8, At),
    vips: Vec<(IpAddr, At)>,
    preempt: bool,
    vmac: bool,
    unicast: bool,
    /// keepalived accepts traffic to the VIPs unless told `no_accept` or `vrrp_strict`.
    accept: bool,
}

impl Instance {
    fn family(&self) -> Family {
        match self.vips.first() {
            Some((IpAddr::V6(_), _)) => Family::Ipv6,
            _ => Family::Ipv4,
        }
    }
}

/// Reads the instances of a configuration; what cannot be read is a finding.
fn instances(text: &str, bad: &mut Vec<Finding>) -> Vec<Instance> {
    let toks = tokens(text);
    let mut pos = 0;
    let top = statements(&toks, &mut pos);
    if pos < toks.len() {
        bad.push(Finding {
            at: toks[pos - 1].1,
            message: "`}` closes no block".into(),
        });
    }
    let mut version = (2u8, At { line: 1, column: 1 });
    let mut strict = false;
    for s in top.iter().filter(|s| s.keyword() == "global_defs") {
        for g in s.block.iter().flatten() {
            match g.keyword() {
                "vrrp_version" => {
                    if let Some(v) = number::<u8>(g, 1, bad) {
                        version = (v, g.at());
                    }
                }
                "vrrp_strict" => strict = true,
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for s in &top {
        if s.keyword() == "include" {
            bad.push(Finding {
                at: s.at(),
                message: "`include` is not followed: give the lab one file".into(),
            });
        }
        if s.keyword() != "vrrp_instance" {
            continue;
        }
        let Some(block) = &s.block else {
            bad.push(Finding {
                at: s.at(),
                message: "`vrrp_instance` without its `{ … }` block".into(),
            });
            continue;
        };
        out.push(instance(s, block, version, !strict, bad));
    }
    out
}

fn instance(
    s: &Statement,
    block: &[Statement],
    version: (u8, At),
    accept: bool,
    bad: &mut Vec<Finding>,
) -> Instance {
    let mut i = Instance {
        name: s.arg(1).map_or_else(String::new, |w| w.text.clone()),
        at: s.at(),
        interface: None,
        vrid: None,
        // keepalived's defaults.
        priority: (100, s.at()),
        interval_cs: (100, s.at()),
        version,
        vips: Vec::new(),
        preempt: true,
        vmac: false,
        unicast: false,
        accept,
    };
    for st in block {
        match st.keyword() {
            "interface" => i.interface = st.arg(1).cloned(),
            "virtual_router_id" => i.vrid = number(st, 1, bad).map(|v| (v, st.at())),
            "priority" => {
                if let Some(p) = number(st, 1, bad) {
                    i.priority = (p, st.at());
                }
            }
            "advert_int" => {
                if let Some(secs) = number::<f64>(st, 1, bad) {
                    i.interval_cs = ((secs * 100.0).round() as u32, st.at());
                }
            }
            "version" => {
                if let Some(v) = number(st, 1, bad) {
                    i.version = (v, st.at());
                }
            }
            "nopreempt" => i.preempt = false,
            "use_vmac" => i.vmac = true,
            "unicast_peer" => i.unicast = true,
            "accept" => i.accept = true,
            "no_accept" => i.accept = false,
            "virtual_ipaddress" => {
                for a in st.block.iter().flatten() {
                    let w = &a.words[0];
                    let addr = w.text.split('/').next().unwrap_or_default();
                    match addr.parse::<IpAddr>() {
                        Ok(ip) => i.vips.push((ip, w.at)),
                        Err(_) => bad.push(Finding {
                            at: w.at,
                            message: format!("`{}` is no IP address", w.text),
                        }),
                    }
                }
            }
            _ => {}
        }
    }
    i
}

/// The `i`th word of a statement as a number; a missing or bad one is a finding.
fn number<T: std::str::FromStr>(s: &Statement, i: usize, bad: &mut Vec<Finding>) -> Option<T> {
    let parsed = s.arg(i).and_then(|w| w.text.parse().ok());
    if parsed.is_none() {
        bad.push(Finding {
            at: s.arg(i).map_or(s.at(), |w| w.at),
            message: format!("`{}` needs a number", s.keyword()),
        });
    }
    parsed
}

/// Where the configuration disagrees with the scenario's virtual routers for `node`: each
/// of them needs an instance of the same VRID and family that matches it, and every instance
/// needs a virtual router of the scenario (the judge knows no other).
pub fn findings(text: &str, node: &RouterSpec) -> Vec<Finding> {
    let mut bad = Vec::new();
    let found = instances(text, &mut bad);
    let identity = |i: &Instance| Identity {
        name: i.name.clone(),
        vrid: i.vrid.map(|v| v.0),
        family: Some(i.family()),
        at: i.at,
    };
    for (i, vr) in pair_up(&found, identity, node, &WORDS, &mut bad) {
        compare(i, vr, &mut bad);
    }
    bad
}

const WORDS: Words = Words {
    instance: "vrrp_instance",
    vrid: "virtual_router_id",
};

/// One instance against its virtual router of the scenario.
fn compare(i: &Instance, vr: &VrouterSpec, bad: &mut Vec<Finding>) {
    let mut differs = |at: At, what: String| {
        bad.push(Finding {
            at,
            message: format!(
                "vrrp_instance {}: {what} (the scenario's {})",
                i.name, vr.name
            ),
        })
    };
    match &i.interface {
        Some(w) if w.text != vr.interface => differs(
            w.at,
            format!(
                "interface {}, but the virtual router runs on {}",
                w.text, vr.interface
            ),
        ),
        // keepalived.conf(5) allows a unicast instance without `interface` (since 2.2.1: it
        // sends by route). Whether the installed keepalived does is its to show, not the
        // lab's to hide: 2.2.7 refuses it ("Unknown interface!", keepalived #2270, fixed by
        // #2273), and the run then fails with keepalived's own words.
        None if i.unicast => {}
        None => differs(
            i.at,
            format!(
                "no `interface` (the virtual router runs on {}; only a unicast instance may leave it out)",
                vr.interface
            ),
        ),
        _ => {}
    }
    if i.priority.0 != vr.priority {
        differs(
            i.priority.1,
            format!(
                "priority {}, but the scenario gives {}",
                i.priority.0, vr.priority
            ),
        );
    }
    if i.interval_cs.0 != u32::from(vr.interval_cs) {
        differs(
            i.interval_cs.1,
            format!(
                "advert_int {} cs, but the scenario's interval is {} cs",
                i.interval_cs.0, vr.interval_cs
            ),
        );
    }
    if i.version.0 != vr.protocol.version() {
        differs(
            i.version.1,
            format!(
                "VRRP version {}, but the scenario's is {}",
                i.version.0,
                vr.protocol.version()
            ),
        );
    }
    if let Some((mine, theirs)) = vips_differ(i.vips.iter().map(|v| v.0), vr) {
        differs(
            i.vips.first().map_or(i.at, |v| v.1),
            format!("virtual_ipaddress {mine}, but the scenario's VIPs are {theirs}"),
        );
    }
    if i.preempt != vr.preempt {
        differs(
            i.at,
            if vr.preempt {
                "nopreempt, but the scenario pre-empts (preempt = true)".into()
            } else {
                "pre-empts, but the scenario says preempt = false: add nopreempt".into()
            },
        );
    }
    if i.vmac != vr.vmac {
        differs(
            i.at,
            if vr.vmac {
                "no use_vmac, but the scenario's virtual router uses the virtual MAC: add use_vmac, or set vmac = false in the scenario".into()
            } else {
                "use_vmac, but the scenario says vmac = false".into()
            },
        );
    }
    if i.accept != vr.accept {
        differs(
            i.at,
            if vr.accept {
                "no_accept (or vrrp_strict), but the scenario says accept = true".into()
            } else {
                "accepts traffic to the VIPs (keepalived's default), but the scenario says accept = false: add no_accept, or set accept = true in the scenario".into()
            },
        );
    }
    let scenario_unicast = !vr.unicast_peers.is_empty();
    if i.unicast != scenario_unicast {
        differs(
            i.at,
            if i.unicast {
                "unicast_peer, but the scenario's virtual router is multicast: set unicast = true in the scenario".into()
            } else {
                "multicast, but the scenario's virtual router uses unicast peers: add unicast_peer"
                    .into()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::r1;

    /// What the lab renders for a node agrees with the scenario: the reader and the renderer
    /// speak the same keepalived.conf.
    #[test]
    fn the_rendered_config_has_no_finding() {
        let node = r1();
        let text = super::super::keepalived::render(&node, &[], &[]);
        assert_eq!(findings(&text, &node), vec![], "{text}");
    }

    #[test]
    fn each_disagreement_is_found_where_it_is() {
        let node = r1();
        let text = "\
global_defs {
  vrrp_version 3   # as the scenario
}
vrrp_instance VI_4 {
    state MASTER
    interface eth1
    virtual_router_id 51
    priority 150
    advert_int 0.1
    use_vmac
    virtual_ipaddress {
        192.0.2.101/24
    }
}
vrrp_instance VI_9
{
    interface eth0
    virtual_router_id 60
    virtual_ipaddress { 192.0.2.200 }
}
";
        let bad = findings(text, &node);
        let said: Vec<(usize, usize, &str)> = bad
            .iter()
            .map(|f| (f.at.line, f.at.column, f.message.as_str()))
            .collect();
        let has = |line: usize, col: usize, part: &str| {
            assert!(
                said.iter()
                    .any(|(l, c, m)| *l == line && *c == col && m.contains(part)),
                "no finding at {line}:{col} with `{part}` in {said:#?}"
            )
        };
        has(6, 15, "interface eth1, but the virtual router runs on eth0");
        has(8, 5, "priority 150, but the scenario gives 200");
        has(
            12,
            9,
            "virtual_ipaddress 192.0.2.101, but the scenario's VIPs are 192.0.2.100",
        );
        has(
            1,
            1,
            "no vrrp_instance with virtual_router_id 52 for IPv6 addresses",
        );
        has(
            15,
            1,
            "vrrp_instance VI_9 (virtual_router_id 60) is not in the scenario",
        );
        has(4, 1, "accepts traffic to the VIPs (keepalived's default), but the scenario says accept = false");
        assert_eq!(bad.len(), 6, "{said:#?}");
    }

    #[test]
    fn an_include_and_bad_numbers_are_found() {
        let node = r1();
        let bad = findings(
            "include /etc/keepalived/more.conf\nvrrp_instance A {\n  virtual_router_id x\n}\n",
            &node,
        );
        assert!(bad
            .iter()
            .any(|f| f.at == At { line: 1, column: 1 } && f.message.contains("include")));
        assert!(bad.iter().any(|f| f.at
            == At {
                line: 3,
                column: 21
            }
            && f.message.contains("needs a number")));
    }
}
