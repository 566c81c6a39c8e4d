//! ucarp command lines of the user's (`config.ucarp = "r1-ucarp.args"`): ucarp has no
//! configuration file, so the user's "configuration" is how they start it — one line per
//! virtual host (one ucarp process each), its options as ucarp(8) takes them, long
//! (`--vhid=3`, `--vhid 3`) or short (`-v 3`, `-v3`), a leading `ucarp` optional, `#`
//! comments. The lab runs each line as a process of its own, in the foreground, and holds each
//! to the scenario's CARP virtual host of the same VHID.

use std::net::IpAddr;

use super::own::{pair_up, At, Finding, Identity, Words};
use super::{RouterSpec, VrouterSpec};
use crate::scenario::Family;

/// One option as written: its long name, its value (none for a flag), where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub name: &'static str,
    pub value: Option<String>,
    pub at: At,
}

/// One command line: its words (what the lab runs after the program) and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub at: At,
    pub words: Vec<String>,
    pub opts: Vec<Opt>,
}

impl Line {
    fn get(&self, name: &str) -> Option<&Opt> {
        self.opts.iter().rev().find(|o| o.name == name)
    }

    /// The VHID, if the line gives one that is a number 1-255.
    pub fn vhid(&self) -> Option<u8> {
        self.get("vhid")?
            .value
            .as_ref()?
            .parse()
            .ok()
            .filter(|v| *v >= 1)
    }
}

/// ucarp 1.5's options: (long, short, takes a value).
const OPTIONS: &[(&str, char, bool)] = &[
    ("interface", 'i', true),
    ("srcip", 's', true),
    ("mcast", 'm', true),
    ("vhid", 'v', true),
    ("pass", 'p', true),
    ("passfile", 'o', true),
    ("preempt", 'P', false),
    ("neutral", 'n', false),
    ("addr", 'a', true),
    ("help", 'h', false),
    ("advbase", 'b', true),
    ("advskew", 'k', true),
    ("upscript", 'u', true),
    ("downscript", 'd', true),
    ("deadratio", 'r', true),
    ("shutdown", 'z', false),
    ("daemonize", 'B', false),
    ("ignoreifstate", 'S', false),
    ("nomcast", 'M', false),
    ("facility", 'f', true),
    ("xparam", 'x', true),
];

/// The command lines of the file; what cannot be read is a finding.
pub fn lines(text: &str, bad: &mut Vec<Finding>) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let body = raw.split('#').next().unwrap_or_default();
        let mut words: Vec<(usize, &str)> = Vec::new();
        let mut col = 0;
        for w in body.split(' ') {
            if !w.trim().is_empty() {
                words.push((col, w.trim()));
            }
            col += w.len() + 1;
        }
        if words
            .first()
            .is_some_and(|(_, w)| *w == "ucarp" || w.ends_with("/ucarp"))
        {
            words.remove(0);
        }
        let Some(&(first, _)) = words.first() else {
            continue;
        };
        let at = |c: usize| At {
            line: i + 1,
            column: c + 1,
        };
        let line = Line {
            at: at(first),
            words: words.iter().map(|(_, w)| w.to_string()).collect(),
            opts: options(&words, i + 1, bad),
        };
        out.push(line);
    }
    out
}

/// The options of one line's words (column, word).
fn options(words: &[(usize, &str)], line: usize, bad: &mut Vec<Finding>) -> Vec<Opt> {
    let mut opts = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let (col, w) = words[k];
        let at = At {
            line,
            column: col + 1,
        };
        let (spec, inline) = if let Some(long) = w.strip_prefix("--") {
            let (name, v) = long
                .split_once('=')
                .map_or((long, None), |(n, v)| (n, Some(v)));
            (OPTIONS.iter().find(|o| o.0 == name), v)
        } else if let Some(short) = w.strip_prefix('-') {
            let mut cs = short.chars();
            let c = cs.next();
            let rest = cs.as_str();
            (
                OPTIONS.iter().find(|o| Some(o.1) == c),
                (!rest.is_empty()).then_some(rest),
            )
        } else {
            bad.push(Finding {
                at,
                message: format!("`{w}` is not an option of ucarp's"),
            });
            k += 1;
            continue;
        };
        let Some(&(name, _, takes)) = spec else {
            bad.push(Finding {
                at,
                message: format!("`{w}`: ucarp has no such option"),
            });
            k += 1;
            continue;
        };
        let value = match (takes, inline) {
            (true, Some(v)) => Some(v.to_string()),
            (true, None) => {
                k += 1;
                match words.get(k) {
                    Some((_, v)) => Some(v.to_string()),
                    None => {
                        bad.push(Finding {
                            at,
                            message: format!("`--{name}` needs a value"),
                        });
                        None
                    }
                }
            }
            (false, Some(_)) => {
                bad.push(Finding {
                    at,
                    message: format!("`--{name}` takes no value"),
                });
                None
            }
            (false, None) => None,
        };
        opts.push(Opt { name, value, at });
        k += 1;
    }
    opts
}

const WORDS: Words = Words {
    instance: "ucarp line",
    vrid: "--vhid",
};

/// Where the user's ucarp lines disagree with the scenario's CARP virtual hosts of `node`.
pub fn findings(text: &str, node: &RouterSpec) -> Vec<Finding> {
    let mut bad = Vec::new();
    let found = lines(text, &mut bad);
    for l in &found {
        if let Some(o) = l.get("daemonize") {
            bad.push(Finding {
                at: o.at,
                message: "`--daemonize`: the lab runs ucarp in the foreground, to see it exit and signal it; leave it out".into(),
            });
        }
    }
    let identity = |l: &Line| Identity {
        name: format!("at line {}", l.at.line),
        vrid: l.vhid(),
        family: Some(Family::Ipv4),
        at: l.at,
    };
    for (l, vr) in pair_up(&found, identity, node, &WORDS, &mut bad) {
        compare(l, vr, node, &mut bad);
    }
    bad
}

/// One line against its virtual host of the scenario.
fn compare(l: &Line, vr: &VrouterSpec, node: &RouterSpec, bad: &mut Vec<Finding>) {
    let mut differs = |at: At, what: String| {
        bad.push(Finding {
            at,
            message: format!(
                "ucarp --vhid {}: {what} (the scenario's {})",
                vr.vrid, vr.name
            ),
        })
    };
    let want_pass = vr
        .carp_auth
        .as_ref()
        .map(|c| c.password_of(&node.node).to_string());
    let advskew = 255 - u16::from(vr.priority);
    let expected: [(&str, Option<String>); 5] = [
        ("interface", Some(vr.interface.clone())),
        ("pass", want_pass),
        ("addr", vr.vips.first().map(IpAddr::to_string)),
        ("advbase", Some((vr.interval_cs / 100).to_string())),
        ("advskew", Some(advskew.to_string())),
    ];
    // ucarp's defaults where a line is silent: advbase 1, advskew 0.
    let default = |name: &str| match name {
        "advbase" => Some("1"),
        "advskew" => Some("0"),
        _ => None,
    };
    for (name, want) in expected {
        let Some(want) = want else { continue };
        let got = l.get(name);
        let value = got.and_then(|o| o.value.as_deref()).or(default(name));
        if value != Some(want.as_str()) {
            differs(
                got.map_or(l.at, |o| o.at),
                match value {
                    Some(v) => format!("--{name} {v}, but the scenario's is {want}"),
                    None => format!("no --{name} (the scenario's is {want})"),
                },
            );
        }
    }
    let preempt = l.get("preempt").is_some();
    if preempt != vr.preempt {
        differs(
            l.get("preempt").map_or(l.at, |o| o.at),
            if vr.preempt {
                "no --preempt, but the scenario pre-empts".into()
            } else {
                "--preempt, but the scenario says preempt = false".into()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemons::tests_support::r1;
    use crate::scenario::Carp;

    /// r1 with one CARP virtual host: VHID 7, 192.0.2.53, advbase 1 s, priority 255 − 10,
    /// password `s3cret`, pre-empting.
    fn carp_node() -> RouterSpec {
        let mut node = r1();
        let mut vr = crate::daemons::tests_support::vr("dns", 7, Family::Ipv4, "192.0.2.53");
        vr.protocol = crate::scenario::Protocol::Carp;
        vr.carp_auth = Some(Carp {
            password: "s3cret".into(),
            passwords: Vec::new(),
        });
        vr.interval_cs = 100;
        vr.priority = 245;
        vr.vmac = false;
        node.vrouters = vec![vr];
        node
    }

    #[test]
    fn the_lab_s_own_command_line_has_no_finding() {
        let node = carp_node();
        let vr = &node.vrouters[0];
        let argv = super::super::ucarp::argv(
            std::path::Path::new("/usr/sbin/ucarp"),
            &node,
            vr,
            std::path::Path::new("/d/up"),
            std::path::Path::new("/d/down"),
        );
        let text = argv.join(" ");
        assert_eq!(findings(&text, &node), vec![], "{text}");
    }

    #[test]
    fn long_short_and_glued_forms_are_read_where_they_are() {
        let mut bad = Vec::new();
        let ls = lines(
            "# r1\nucarp -i eth0 --vhid=7 -ps3cret --addr 192.0.2.53 -P -z\n\n-v 8 --bogus -k\n",
            &mut bad,
        );
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].vhid(), Some(7));
        assert_eq!(ls[0].at, At { line: 2, column: 7 });
        let pass = ls[0].get("pass").unwrap();
        assert_eq!(pass.value.as_deref(), Some("s3cret"));
        assert_eq!(
            pass.at,
            At {
                line: 2,
                column: 24
            }
        );
        assert!(ls[0].get("preempt").is_some() && ls[0].get("shutdown").is_some());
        let at: Vec<(usize, usize, &str)> = bad
            .iter()
            .map(|f| (f.at.line, f.at.column, f.message.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (4, 6, "`--bogus`: ucarp has no such option"),
                (4, 14, "`--advskew` needs a value")
            ]
        );
    }

    #[test]
    fn each_disagreement_is_found_where_it_is() {
        let node = carp_node();
        let text = "ucarp --interface=eth0 --vhid=7 --pass=other --addr=192.0.2.54 --advskew=0 --daemonize\nucarp --vhid=9 --addr=192.0.2.9\n";
        let got: Vec<(usize, usize, String)> = findings(text, &node)
            .into_iter()
            .map(|f| (f.at.line, f.at.column, f.message))
            .collect();
        for (l, c, m) in [
            (1, 76, "`--daemonize`: the lab runs ucarp in the foreground"),
            (
                1,
                33,
                "ucarp --vhid 7: --pass other, but the scenario's is s3cret (the scenario's dns)",
            ),
            (
                1,
                46,
                "ucarp --vhid 7: --addr 192.0.2.54, but the scenario's is 192.0.2.53",
            ),
            (
                1,
                64,
                "ucarp --vhid 7: --advskew 0, but the scenario's is 10",
            ),
            (
                1,
                7,
                "ucarp --vhid 7: no --preempt, but the scenario pre-empts",
            ),
            (
                2,
                7,
                "ucarp line at line 2 (--vhid 9) is not in the scenario",
            ),
        ] {
            assert!(
                got.iter()
                    .any(|(gl, gc, gm)| (*gl, *gc) == (l, c) && gm.starts_with(m)),
                "missing {l}:{c} {m} in {got:#?}"
            );
        }
        assert_eq!(got.len(), 6, "{got:#?}");
    }
}
