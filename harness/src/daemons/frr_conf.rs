//! A vrrpd configuration of the user's (FRR's `interface` blocks with `vrrp` lines), read
//! for what it says of each virtual router, and compared with the scenario's.
//!
//! What vrrpd reads (FRR's VRRP documentation): in an `interface IFNAME` block, `vrrp VRID`
//! creates a virtual router, `vrrp VRID version 2|3` (default 3), `vrrp VRID priority P`
//! (default 100), `vrrp VRID advertisement-interval MS` (default 1000), `vrrp VRID ip A` and
//! `vrrp VRID ipv6 A` add addresses (one VRID carries an IPv4 and an IPv6 router), and
//! `no vrrp VRID preempt` turns pre-emption off. The block ends at `exit` or at the next
//! line that is not indented.

use std::net::IpAddr;

use super::own::{pair_up, vips_differ, At, Finding, Identity, Words};
use super::{RouterSpec, VrouterSpec};
use crate::scenario::Family;

/// One `vrrp VRID` of one interface block, with where each setting was read (its `vrrp`
/// line's first column) and the defaults where the file is silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    pub interface: String,
    pub vrid: u8,
    pub at: At,
    pub version: (u8, At),
    pub priority: (u8, At),
    pub interval_ms: (u32, At),
    pub preempt: (bool, At),
    pub ips: Vec<(IpAddr, At)>,
}

impl Router {
    fn new(interface: &str, vrid: u8, at: At) -> Router {
        Router {
            interface: interface.to_string(),
            vrid,
            at,
            version: (3, at),
            priority: (100, at),
            interval_ms: (1000, at),
            preempt: (true, at),
            ips: Vec::new(),
        }
    }
}

/// The virtual routers of the file, in the order they first appear; what cannot be read is
/// a finding.
pub fn routers(text: &str, bad: &mut Vec<Finding>) -> Vec<Router> {
    let mut out: Vec<Router> = Vec::new();
    let mut interface: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let words: Vec<&str> = line.split_whitespace().collect();
        let indent = line.len() - line.trim_start().len();
        let at = At {
            line: i + 1,
            column: indent + 1,
        };
        match words.as_slice() {
            [] => continue,
            [w, ..] if w.starts_with('!') || w.starts_with('#') => continue,
            ["interface", name, ..] => interface = Some(name.to_string()),
            ["exit" | "exit-vrf"] => interface = None,
            [first, ..] if indent == 0 && *first != "vrrp" && *first != "no" => interface = None,
            ["vrrp", ..] | ["no", "vrrp", ..] => {
                let Some(iface) = &interface else {
                    bad.push(Finding {
                        at,
                        message: "a `vrrp` line outside an `interface` block".into(),
                    });
                    continue;
                };
                vrrp_line(&words, iface, at, &mut out, bad);
            }
            _ => {}
        }
    }
    out
}

/// One `vrrp …` or `no vrrp …` line of interface `iface`.
fn vrrp_line(words: &[&str], iface: &str, at: At, out: &mut Vec<Router>, bad: &mut Vec<Finding>) {
    let negated = words[0] == "no";
    let words = if negated { &words[1..] } else { words };
    let Some(vrid) = words
        .get(1)
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|v| *v >= 1)
    else {
        bad.push(Finding {
            at,
            message: format!("`{}`: a VRID is 1-255", words.join(" ")),
        });
        return;
    };
    let k = match out
        .iter()
        .position(|r| r.interface == iface && r.vrid == vrid)
    {
        Some(k) => k,
        None => {
            out.push(Router::new(iface, vrid, at));
            out.len() - 1
        }
    };
    let r = &mut out[k];
    let value = |bad: &mut Vec<Finding>, what: &str| -> Option<u32> {
        let v = words.get(3).and_then(|v| v.parse::<u32>().ok());
        if v.is_none() {
            bad.push(Finding {
                at,
                message: format!("`vrrp {vrid} {what}` needs a number"),
            });
        }
        v
    };
    match words.get(2).copied() {
        None | Some("shutdown") => {}
        Some("preempt") => r.preempt = (!negated, at),
        Some("version") => {
            if let Some(v) = value(bad, "version").filter(|v| matches!(v, 2 | 3)) {
                r.version = (v as u8, at);
            }
        }
        Some("priority") => {
            if let Some(p) = value(bad, "priority").and_then(|p| u8::try_from(p).ok()) {
                r.priority = (p, at);
            }
        }
        Some("advertisement-interval") => {
            if let Some(ms) = value(bad, "advertisement-interval") {
                r.interval_ms = (ms, at);
            }
        }
        Some(kw @ ("ip" | "ipv6")) => match words.get(3).and_then(|a| a.parse::<IpAddr>().ok()) {
            Some(ip) if ip.is_ipv4() == (kw == "ip") => r.ips.push((ip, at)),
            _ => bad.push(Finding {
                at,
                message: format!(
                    "`vrrp {vrid} {kw}` needs an {} address",
                    if kw == "ip" { "IPv4" } else { "IPv6" }
                ),
            }),
        },
        Some(_) => {}
    }
}

const WORDS: Words = Words {
    instance: "vrrp",
    vrid: "VRID",
};

/// Where the user's vrrpd configuration disagrees with the scenario's virtual routers of
/// `node`: each (VRID, family) the file configures is paired with the virtual router of the
/// same, and compared.
pub fn findings(text: &str, node: &RouterSpec) -> Vec<Finding> {
    let mut bad = Vec::new();
    let found: Vec<(Router, Option<Family>)> = routers(text, &mut bad)
        .into_iter()
        .flat_map(|r| {
            let mut fams: Vec<Option<Family>> = [Family::Ipv4, Family::Ipv6]
                .into_iter()
                .filter(|f| r.ips.iter().any(|(ip, _)| Family::of(ip) == *f))
                .map(Some)
                .collect();
            if fams.is_empty() {
                fams.push(None);
            }
            fams.into_iter().map(move |f| (r.clone(), f))
        })
        .collect();
    let identity = |(r, f): &(Router, Option<Family>)| Identity {
        name: format!("{} on {}", r.vrid, r.interface),
        vrid: Some(r.vrid),
        family: *f,
        at: r.at,
    };
    for ((r, f), vr) in pair_up(&found, identity, node, &WORDS, &mut bad) {
        compare(r, f.unwrap_or(vr.family), vr, &mut bad);
    }
    bad
}

/// One vrrpd router (its addresses of `family`) against its virtual router of the scenario.
fn compare(r: &Router, family: Family, vr: &VrouterSpec, bad: &mut Vec<Finding>) {
    let mut differs = |at: At, what: String| {
        bad.push(Finding {
            at,
            message: format!(
                "vrrp {} on {}: {what} (the scenario's {})",
                r.vrid, r.interface, vr.name
            ),
        })
    };
    if r.interface != vr.interface {
        differs(r.at, format!("the virtual router runs on {}", vr.interface));
    }
    if r.priority.0 != vr.priority {
        differs(
            r.priority.1,
            format!(
                "priority {}, but the scenario gives {}",
                r.priority.0, vr.priority
            ),
        );
    }
    if r.interval_ms.0 != u32::from(vr.interval_cs) * 10 {
        differs(
            r.interval_ms.1,
            format!(
                "advertisement-interval {} ms, but the scenario's interval is {} ms",
                r.interval_ms.0,
                u32::from(vr.interval_cs) * 10
            ),
        );
    }
    if r.version.0 != vr.protocol.version() {
        differs(
            r.version.1,
            format!(
                "version {}, but the scenario's is {}",
                r.version.0,
                vr.protocol.version()
            ),
        );
    }
    if r.preempt.0 != vr.preempt {
        differs(
            r.preempt.1,
            format!(
                "pre-emption {}, but the scenario has it {}",
                on_off(r.preempt.0),
                on_off(vr.preempt)
            ),
        );
    }
    let mine = r.ips.iter().filter(|(ip, _)| Family::of(ip) == family);
    if let Some((mine_s, theirs)) = vips_differ(mine.clone().map(|(ip, _)| *ip), vr) {
        differs(
            mine.clone().next().map_or(r.at, |(_, at)| *at),
            format!("addresses {mine_s}, but the scenario's VIPs are {theirs}"),
        );
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::r1;

    /// What the lab renders for a node agrees with the scenario: the reader and the renderer
    /// speak the same vrrpd.conf.
    #[test]
    fn the_rendered_config_has_no_finding() {
        let node = r1();
        let text = super::super::frr::render_vrrpd(&node);
        assert_eq!(findings(&text, &node), vec![], "{text}");
    }

    #[test]
    fn each_disagreement_is_found_where_it_is() {
        let node = r1();
        let text = "\
interface eth0
 vrrp 51 priority 150
 vrrp 51 advertisement-interval 1000
 vrrp 51 ip 192.0.2.101
 no vrrp 51 preempt
 vrrp 52 version 2
 vrrp 52 priority 200
 vrrp 52 advertisement-interval 100
 vrrp 52 ipv6 2001:db8:1::100
 vrrp 9 ip 192.0.2.9
 vrrp 9 priority 200
exit
";
        let got: Vec<(usize, usize, String)> = findings(text, &node)
            .into_iter()
            .map(|f| (f.at.line, f.at.column, f.message))
            .collect();
        let want = [
            (2, 2, "vrrp 51 on eth0: priority 150, but the scenario gives 200 (the scenario's gw4)"),
            (3, 2, "vrrp 51 on eth0: advertisement-interval 1000 ms, but the scenario's interval is 100 ms (the scenario's gw4)"),
            (5, 2, "vrrp 51 on eth0: pre-emption off, but the scenario has it on (the scenario's gw4)"),
            (4, 2, "vrrp 51 on eth0: addresses 192.0.2.101, but the scenario's VIPs are 192.0.2.100 (the scenario's gw4)"),
            (6, 2, "vrrp 52 on eth0: version 2, but the scenario's is 3 (the scenario's gw6)"),
            (10, 2, "vrrp 9 on eth0 (VRID 9) is not in the scenario: declare it as a virtual router with r1 in its priorities, so that the judge knows it"),
        ];
        for (l, c, m) in want {
            assert!(
                got.iter()
                    .any(|(gl, gc, gm)| (*gl, *gc, gm.as_str()) == (l, c, m)),
                "missing {l}:{c} {m} in {got:#?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:#?}");
    }

    const CONF: &str = "\
! vrrpd.conf of r1
hostname r1
interface eth0
 vrrp 51 version 3
 vrrp 51 priority 200
 vrrp 51 advertisement-interval 100
 vrrp 51 ip 192.0.2.100
 vrrp 51 ipv6 2001:db8:1::100
 no vrrp 51 preempt
exit
!
interface eth1
 vrrp 7
exit
";

    #[test]
    fn reads_each_vrid_of_each_interface_with_the_defaults() {
        let mut bad = Vec::new();
        let rs = routers(CONF, &mut bad);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(rs.len(), 2);
        let r = &rs[0];
        assert_eq!((r.interface.as_str(), r.vrid), ("eth0", 51));
        assert_eq!(r.priority.0, 200);
        assert_eq!(r.priority.1, At { line: 5, column: 2 });
        assert_eq!(r.interval_ms.0, 100);
        assert!(!r.preempt.0);
        assert_eq!(r.preempt.1, At { line: 9, column: 2 });
        assert_eq!(r.ips.len(), 2);
        let d = &rs[1];
        assert_eq!((d.interface.as_str(), d.vrid), ("eth1", 7));
        assert_eq!(
            (d.version.0, d.priority.0, d.interval_ms.0, d.preempt.0),
            (3, 100, 1000, true)
        );
    }

    #[test]
    fn what_cannot_be_read_is_said_where_it_is() {
        let mut bad = Vec::new();
        routers(
            "vrrp 5 priority 9\ninterface eth0\n vrrp 0\n vrrp 5 priority high\n vrrp 5 ip 2001:db8::1\n",
            &mut bad,
        );
        let at: Vec<(usize, usize)> = bad.iter().map(|f| (f.at.line, f.at.column)).collect();
        assert_eq!(at, vec![(1, 1), (3, 2), (4, 2), (5, 2)], "{bad:?}");
        assert!(bad[0].message.contains("outside an `interface` block"));
        assert!(bad[1].message.contains("a VRID is 1-255"));
        assert!(bad[3].message.contains("needs an IPv4 address"));
    }
}
