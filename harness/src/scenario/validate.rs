//! From the file as written to a scenario the lab can build, or every reason it cannot.
//!
//! Everything that could make a half-built lab is refused here, before anything exists:
//! undefined names, address clashes, out-of-range protocol values, names the kernel would
//! refuse.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::diag::{locate, Diagnostics, ScenarioError};
use super::duration;
use super::model::*;
use super::raw::*;
use super::{Family, IpNet};

/// Longest interface name Linux accepts (IFNAMSIZ − 1).
pub const IFNAME_MAX: usize = 15;
/// Bridges are named `br-SEGMENT`.
pub const SEGMENT_NAME_MAX: usize = IFNAME_MAX - 3;

const DEFAULT_TOLERANCE: Duration = Duration::from_millis(50);
const DEFAULT_GAP_TOLERANCE: Duration = Duration::from_millis(100);
const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::whole_file(path, format!("cannot read the scenario file: {e}"))
    })?;
    parse(path, &text)
}

/// Validates scenario text; `path` is used for messages and the default name.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        // toml's message repeats the location on its first lines; keep the last line.
        let message = e.message().trim().to_string();
        ScenarioError {
            path: path.to_path_buf(),
            diagnostics: vec![locate(text, span, message)],
        }
    })?;
    let mut v = Validator {
        d: Diagnostics::new(text),
    };
    let scenario = v.scenario(path, text, raw);
    if v.d.found.is_empty() {
        Ok(scenario)
    } else {
        v.d.found.sort_by_key(|d| (d.line, d.column));
        Err(ScenarioError {
            path: path.to_path_buf(),
            diagnostics: v.d.found,
        })
    }
}

struct Validator<'a> {
    d: Diagnostics<'a>,
}

fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

impl Validator<'_> {
    fn name(&mut self, n: &Spanned<String>, what: &str) {
        if !valid_name(n.get_ref()) {
            self.d.at(
                span(n),
                format!(
                    "{what} name `{}` must start with a letter and hold only letters, digits, `-` and `_`",
                    n.get_ref()
                ),
            );
        }
    }

    fn duration(&mut self, s: &Spanned<String>) -> Option<Duration> {
        match duration::parse(s.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.d.at(span(s), e);
                None
            }
        }
    }

    fn scenario(&mut self, path: &Path, text: &str, raw: RawScenario) -> Scenario {
        let name = match &raw.name {
            Some(n) => {
                self.name(n, "scenario");
                n.get_ref().clone()
            }
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into()),
        };
        let segments = self.segments(&raw.segments);
        let nodes = self.nodes(&raw.nodes, &raw.segments);
        let vrouters = self.vrouters(&raw.vrouters, &raw.nodes, &nodes);
        let probe = self.probe(raw.probe.as_ref(), &raw.nodes, &nodes);
        let timeline = self.timeline(&raw.timeline, &nodes, &vrouters);
        let expect = self.expect(raw.expect.as_ref());
        if nodes.is_empty() {
            self.d
                .at(0..0, "the scenario has no nodes: add a [nodes.NAME] table");
        }
        Scenario {
            name,
            summary: raw.summary.unwrap_or_default(),
            references: raw.references,
            interop: raw.interop,
            path: path.to_path_buf(),
            source: text.to_string(),
            segments,
            nodes,
            vrouters,
            probe,
            timeline,
            expect,
        }
    }

    fn segments(&mut self, raw: &BTreeMap<Spanned<String>, RawSegment>) -> Vec<Segment> {
        raw.iter()
            .map(|(n, s)| {
                self.name(n, "segment");
                if n.get_ref().len() > SEGMENT_NAME_MAX {
                    self.d.at(
                        span(n),
                        format!(
                            "segment name `{}` is {} bytes; at most {SEGMENT_NAME_MAX}, because its bridge is named `br-{}` and Linux interface names are at most {IFNAME_MAX} bytes",
                            n.get_ref(),
                            n.get_ref().len(),
                            n.get_ref()
                        ),
                    );
                }
                Segment {
                    name: n.get_ref().clone(),
                    vlan_aware: s.vlan_aware,
                    multicast_snooping: s.multicast_snooping,
                }
            })
            .collect()
    }

    fn nodes(
        &mut self,
        raw: &BTreeMap<Spanned<String>, RawNode>,
        segments: &BTreeMap<Spanned<String>, RawSegment>,
    ) -> Vec<Node> {
        // Every address in the scenario, to find duplicates and overlapping subnets.
        let mut seen: HashMap<IpAddr, String> = HashMap::new();
        let mut subnets: Vec<(IpNet, String, String)> = Vec::new(); // (net, segment, where)
        let mut nodes = Vec::new();
        for (n, node) in raw {
            self.name(n, "node");
            if n.get_ref() == "switch" {
                self.d.at(
                    span(n),
                    "`switch` is reserved: it names the namespace that holds the segments' bridges",
                );
            }
            if node.interfaces.is_empty() {
                self.d.at(
                    span(n),
                    format!(
                        "node `{}` has no interfaces: add `interfaces.eth0 = {{ segment = \"...\" }}`",
                        n.get_ref()
                    ),
                );
            }
            let mut interfaces = Vec::new();
            for (ifname, iface) in &node.interfaces {
                if ifname.get_ref().len() > IFNAME_MAX {
                    self.d.at(
                        span(ifname),
                        format!(
                            "interface name `{}` is {} bytes; Linux allows at most {IFNAME_MAX}",
                            ifname.get_ref(),
                            ifname.get_ref().len()
                        ),
                    );
                } else if !valid_name(ifname.get_ref()) || ifname.get_ref() == "lo" {
                    self.d.at(
                        span(ifname),
                        format!(
                            "`{}` cannot be an interface name here: use letters, digits, `-`, `_`, not `lo`",
                            ifname.get_ref()
                        ),
                    );
                }
                let seg = iface.segment.get_ref();
                let seg_def = segments.get(seg.as_str());
                if seg_def.is_none() {
                    self.d.at(
                        span(&iface.segment),
                        format!(
                            "segment `{seg}` is not defined; defined segments: {}",
                            list(segments.keys().map(|k| k.get_ref().as_str()))
                        ),
                    );
                }
                let vlan = iface.vlan.as_ref().and_then(|v| {
                    let id = *v.get_ref();
                    if !(1..=4094).contains(&id) {
                        self.d
                            .at(span(v), format!("VLAN {id} is out of range 1-4094"));
                        return None;
                    }
                    if seg_def.is_some_and(|s| !s.vlan_aware) {
                        self.d.at(
                            span(v),
                            format!("segment `{seg}` is not VLAN-aware: set `vlan_aware = true` on [segments.{seg}] to use VLANs"),
                        );
                    }
                    Some(id as u16)
                });
                let mut addresses = Vec::new();
                for a in &iface.addresses {
                    let net: IpNet = match a.get_ref().parse() {
                        Ok(net) => net,
                        Err(e) => {
                            self.d.at(span(a), e.to_string());
                            continue;
                        }
                    };
                    let here = format!("{}:{}", n.get_ref(), ifname.get_ref());
                    if let Some(other) = seen.insert(net.addr, here.clone()) {
                        self.d.at(
                            span(a),
                            format!("address {} is already used by {other}", net.addr),
                        );
                    }
                    for (other, other_seg, other_where) in &subnets {
                        if other_seg != seg
                            && (other.contains(&net.addr) || net.contains(&other.addr))
                            && other.prefix > 0
                            && net.prefix > 0
                            && !is_link_local(&net.addr)
                        {
                            self.d.at(
                                span(a),
                                format!(
                                    "{net} on segment `{seg}` overlaps {other} of {other_where} on segment `{other_seg}`"
                                ),
                            );
                        }
                    }
                    subnets.push((net, seg.clone(), here));
                    addresses.push(net);
                }
                interfaces.push(Interface {
                    name: ifname.get_ref().clone(),
                    segment: seg.clone(),
                    addresses,
                    vlan,
                });
            }
            let mut sysctls = Vec::new();
            for (k, v) in &node.sysctl {
                let value = match v.get_ref() {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => (*b as u8).to_string(),
                    _ => {
                        self.d.at(
                            span(v),
                            "a sysctl value must be a string, integer or boolean",
                        );
                        continue;
                    }
                };
                let key = k.get_ref();
                if !key.starts_with("net.")
                    || key.contains("..")
                    || key.contains('/')
                    || key.split('.').any(str::is_empty)
                {
                    self.d.at(
                        span(k),
                        format!(
                            "sysctl `{key}`: only per-namespace `net.*` keys can be set on a node"
                        ),
                    );
                    continue;
                }
                sysctls.push((key.clone(), value));
            }
            nodes.push(Node {
                name: n.get_ref().clone(),
                role: match node.role.get_ref() {
                    RawRole::Router => Role::Router,
                    RawRole::Host => Role::Host,
                },
                interfaces,
                sysctls,
            });
        }
        nodes
    }

    fn vrouters(
        &mut self,
        raw: &BTreeMap<Spanned<String>, RawVrouter>,
        raw_nodes: &BTreeMap<Spanned<String>, RawNode>,
        nodes: &[Node],
    ) -> Vec<Vrouter> {
        let all_addresses: HashMap<IpAddr, String> = nodes
            .iter()
            .flat_map(|n| {
                n.interfaces.iter().flat_map(move |i| {
                    i.addresses
                        .iter()
                        .map(move |a| (a.addr, format!("{}:{}", n.name, i.name)))
                })
            })
            .collect();
        let mut ids: HashMap<(String, Family, u8), String> = HashMap::new();
        let mut vip_owner: HashMap<IpAddr, String> = HashMap::new();
        let mut out = Vec::new();
        for (name, v) in raw {
            self.name(name, "virtual router");
            let vrid = *v.vrid.get_ref();
            if !(1..=255).contains(&vrid) {
                self.d.at(
                    span(&v.vrid),
                    format!("VRID {vrid} is out of range: VRRP allows 1-255 (RFC 5798 §5.2.3)"),
                );
            }
            let version = v.version.as_ref().map_or(3, |s| *s.get_ref());
            if !(version == 2 || version == 3) {
                if let Some(s) = &v.version {
                    self.d.at(
                        span(s),
                        format!("VRRP version {version} does not exist: use 2 (RFC 3768) or 3 (RFC 5798)"),
                    );
                }
            }
            let seg = v.segment.get_ref();
            if !raw_nodes
                .values()
                .any(|n| n.interfaces.values().any(|i| i.segment.get_ref() == seg))
            {
                self.d.at(
                    span(&v.segment),
                    format!("segment `{seg}` has no node on it (is it defined and linked?)"),
                );
            }
            // VIPs: one family, no clash with node addresses or other virtual routers.
            let mut vips = Vec::new();
            for s in v.vips.get_ref() {
                match s.get_ref().parse::<IpAddr>() {
                    Ok(ip) => {
                        if let Some(owner) = all_addresses.get(&ip) {
                            // An owner (priority 255) legitimately has the VIP on its interface.
                            let owner_node = owner.split(':').next().unwrap_or_default();
                            let owns = v
                                .priorities
                                .get_ref()
                                .get(owner_node)
                                .is_some_and(|p| *p.get_ref() == 255);
                            if !owns {
                                self.d.at(
                                    span(s),
                                    format!("virtual address {ip} is also the address of {owner}; only the owner (priority 255) may have it"),
                                );
                            }
                        }
                        if let Some(other) = vip_owner.insert(ip, name.get_ref().clone()) {
                            self.d.at(
                                span(s),
                                format!(
                                    "virtual address {ip} is already in virtual router `{other}`"
                                ),
                            );
                        }
                        vips.push(ip);
                    }
                    Err(_) => {
                        let hint = if s.get_ref().contains('/') {
                            " (write virtual addresses without a prefix length)"
                        } else {
                            ""
                        };
                        self.d.at(
                            span(s),
                            format!("`{}` is not an IP address{hint}", s.get_ref()),
                        )
                    }
                }
            }
            if v.vips.get_ref().is_empty() {
                self.d.at(
                    span(&v.vips),
                    "a virtual router needs at least one virtual address (RFC 5798 §5.2.5: Count ≥ 1)",
                );
            }
            let family = vips.first().map(Family::of).unwrap_or(Family::Ipv4);
            for (s, ip) in v.vips.get_ref().iter().zip(vips.iter()) {
                if Family::of(ip) != family {
                    self.d.at(
                        span(s),
                        format!("{ip} is not {family}: a virtual router carries addresses of one family (RFC 5798 §5.2.9); make a second virtual router"),
                    );
                }
            }
            if version == 2 && family == Family::Ipv6 {
                self.d.at(
                    span(&v.vips),
                    "VRRPv2 (RFC 3768) is IPv4 only: set `version = 3` for IPv6",
                );
            }
            if (1..=255).contains(&vrid) {
                let key = (seg.clone(), family, vrid as u8);
                if let Some(other) = ids.insert(key, name.get_ref().clone()) {
                    self.d.at(
                        span(&v.vrid),
                        format!("VRID {vrid} is already used for {family} on segment `{seg}` by virtual router `{other}`"),
                    );
                }
            }
            // Interval: v3 centiseconds 1-4095 (RFC 5798 §5.2.7), v2 whole seconds 1-255.
            let interval = match &v.interval {
                Some(s) => self.duration(s).map(|d| (d, span(s))),
                None => Some((Duration::from_secs(1), span(&v.vrid))),
            };
            let mut interval_cs = 100u16;
            if let Some((d, sp)) = interval {
                let ms = d.as_millis();
                if version == 2 {
                    if ms % 1000 != 0 || !(1..=255).contains(&(ms / 1000)) {
                        self.d.at(
                            sp,
                            format!("VRRPv2 advertises in whole seconds, 1-255 (RFC 3768 §5.3.7); `{}` is not", duration::human(d)),
                        );
                    } else {
                        interval_cs = (ms / 10) as u16;
                    }
                } else if d.as_micros() % 10_000 != 0 || !(1..=4095).contains(&(ms / 10)) {
                    self.d.at(
                        sp,
                        format!("VRRPv3 advertises in whole centiseconds, 10ms to 40.95s (RFC 5798 §5.2.7); `{}` is not", duration::human(d)),
                    );
                } else {
                    interval_cs = (ms / 10) as u16;
                }
            }
            let preempt_delay_cs = match &v.preempt_delay {
                Some(s) => self.duration(s).map_or(0, |d| (d.as_millis() / 10) as u32),
                None => 0,
            };
            let mut priorities = Vec::new();
            for (node, p) in v.priorities.get_ref() {
                let prio = *p.get_ref();
                if !(1..=255).contains(&prio) {
                    self.d.at(
                        span(p),
                        format!("priority {prio} is out of range: 1-254 for a backup, 255 for the address owner (0 is reserved for leaving, RFC 5798 §5.2.4)"),
                    );
                }
                match nodes.iter().find(|n| &n.name == node.get_ref()) {
                    None => self.d.at(
                        span(node),
                        format!(
                            "node `{}` is not defined; routers: {}",
                            node.get_ref(),
                            list(
                                nodes
                                    .iter()
                                    .filter(|n| n.role == Role::Router)
                                    .map(|n| n.name.as_str())
                            )
                        ),
                    ),
                    Some(n) if n.role != Role::Router => self.d.at(
                        span(node),
                        format!(
                            "node `{}` is a host; only routers take part in a virtual router",
                            n.name
                        ),
                    ),
                    Some(n) if !n.interfaces.iter().any(|i| &i.segment == seg) => self.d.at(
                        span(node),
                        format!("router `{}` has no interface on segment `{seg}`", n.name),
                    ),
                    Some(n) => {
                        if !n
                            .interfaces
                            .iter()
                            .filter(|i| &i.segment == seg)
                            .any(|i| i.addresses.iter().any(|a| a.family() == family))
                            && family == Family::Ipv4
                        {
                            self.d.at(
                                span(node),
                                format!("router `{}` has no IPv4 address on segment `{seg}`: VRRP over IPv4 needs one as the advert source (RFC 5798 §5.1.1.1)", n.name),
                            );
                        }
                    }
                }
                priorities.push((node.get_ref().clone(), prio.clamp(0, 255) as u8));
            }
            if v.priorities.get_ref().is_empty() {
                self.d.at(
                    span(&v.priorities),
                    "no router takes part: give at least one `router = priority`",
                );
            }
            if priorities.iter().filter(|(_, p)| *p == 255).count() > 1 {
                self.d.at(
                    span(&v.priorities),
                    "more than one router has priority 255: only one can own the addresses",
                );
            }
            out.push(Vrouter {
                name: name.get_ref().clone(),
                vrid: vrid.clamp(0, 255) as u8,
                version: version.clamp(0, 255) as u8,
                family,
                segment: seg.clone(),
                vips,
                interval_cs,
                preempt: v.preempt.unwrap_or(true),
                preempt_delay_cs,
                accept: v.accept.unwrap_or(false),
                vmac: v.vmac.unwrap_or(true),
                unicast: v.unicast.unwrap_or(false),
                priorities,
            });
        }
        out
    }

    fn probe(
        &mut self,
        raw: Option<&RawProbe>,
        raw_nodes: &BTreeMap<Spanned<String>, RawNode>,
        nodes: &[Node],
    ) -> Probe {
        let hosts: Vec<String> = nodes
            .iter()
            .filter(|n| n.role == Role::Host)
            .map(|n| n.name.clone())
            .collect();
        let Some(raw) = raw else {
            return Probe {
                enabled: true,
                interval: Duration::from_millis(1),
                from: hosts,
            };
        };
        let interval = raw
            .interval
            .as_ref()
            .and_then(|s| {
                let d = self.duration(s)?;
                if d < Duration::from_micros(100) || d > Duration::from_secs(10) {
                    self.d
                        .at(span(s), "probe interval must be between 100us and 10s");
                    return None;
                }
                Some(d)
            })
            .unwrap_or(Duration::from_millis(1));
        let from = match &raw.from {
            None => hosts,
            Some(list) => list
                .iter()
                .filter_map(|n| match raw_nodes.get(n.get_ref().as_str()) {
                    Some(node) if *node.role.get_ref() == RawRole::Host => {
                        Some(n.get_ref().clone())
                    }
                    Some(_) => {
                        self.d.at(
                            span(n),
                            format!("`{}` is a router; probes are sent from hosts", n.get_ref()),
                        );
                        None
                    }
                    None => {
                        self.d
                            .at(span(n), format!("node `{}` is not defined", n.get_ref()));
                        None
                    }
                })
                .collect(),
        };
        Probe {
            enabled: raw.enabled.unwrap_or(true),
            interval,
            from,
        }
    }

    fn timeline(
        &mut self,
        raw: &[Spanned<RawStep>],
        nodes: &[Node],
        vrouters: &[Vrouter],
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        for s in raw {
            let step_span = span(s);
            let r = s.get_ref();
            let action = r.action.get_ref().as_str();
            let node = |v: &mut Self, need_router: bool| -> Option<String> {
                let Some(n) = &r.node else {
                    v.d.at(
                        step_span.clone(),
                        format!("`{action}` needs `node = \"...\"`"),
                    );
                    return None;
                };
                match nodes.iter().find(|x| &x.name == n.get_ref()) {
                    None => {
                        v.d.at(span(n), format!("node `{}` is not defined", n.get_ref()));
                        None
                    }
                    Some(x) if need_router && x.role != Role::Router => {
                        v.d.at(
                            span(n),
                            format!(
                                "`{}` is a host; `{action}` acts on a router's daemons",
                                x.name
                            ),
                        );
                        None
                    }
                    Some(x) => Some(x.name.clone()),
                }
            };
            let fault = FaultKind::ALL
                .iter()
                .find(|(n, _)| *n == action)
                .map(|(_, k)| *k);
            let unexpected = |v: &mut Self, allowed: &[&str]| {
                let fields: [(&str, Option<Range<usize>>); 5] = [
                    ("node", r.node.as_ref().map(span)),
                    ("until", r.until.as_ref().map(span)),
                    ("vrouter", r.vrouter.as_ref().map(span)),
                    ("timeout", r.timeout.as_ref().map(span)),
                    ("for", r.duration.as_ref().map(span)),
                ];
                for (f, sp) in fields {
                    if let Some(sp) = sp {
                        if !allowed.contains(&f) {
                            v.d.at(sp, format!("`{f}` has no meaning for action `{action}`"));
                        }
                    }
                }
            };
            if let Some(fault) = fault {
                unexpected(self, &["node"]);
                if let Some(node) = node(self, !fault.is_link()) {
                    steps.push(Step::Fault { fault, node });
                }
                continue;
            }
            match action {
                "wait" => {
                    unexpected(self, &["node", "until", "vrouter", "timeout"]);
                    let timeout = r
                        .timeout
                        .as_ref()
                        .and_then(|t| self.duration(t))
                        .unwrap_or(DEFAULT_WAIT);
                    let until = match r.until.as_ref().map(|u| u.get_ref().as_str()) {
                        Some("steady") => {
                            if let Some(n) = &r.node {
                                self.d.at(
                                    span(n),
                                    "`until = \"steady\"` takes no node; use `until = \"master\"`",
                                );
                            }
                            Some(Until::Steady)
                        }
                        Some("master") => {
                            let vrouter = r.vrouter.as_ref().and_then(|v| {
                                if vrouters.iter().any(|x| &x.name == v.get_ref()) {
                                    Some(v.get_ref().clone())
                                } else {
                                    self.d.at(
                                        span(v),
                                        format!("virtual router `{}` is not defined", v.get_ref()),
                                    );
                                    None
                                }
                            });
                            node(self, true).map(|node| Until::Master { node, vrouter })
                        }
                        Some(other) => {
                            self.d.at(
                                span(r.until.as_ref().expect("matched Some")),
                                format!("unknown condition `{other}`: use `steady` or `master`"),
                            );
                            None
                        }
                        None => {
                            self.d.at(
                                step_span.clone(),
                                "`wait` needs `until = \"steady\"` or `until = \"master\"`",
                            );
                            None
                        }
                    };
                    if let Some(until) = until {
                        steps.push(Step::Wait { until, timeout });
                    }
                }
                "hold" => {
                    unexpected(self, &["for"]);
                    match &r.duration {
                        Some(d) => {
                            if let Some(duration) = self.duration(d) {
                                steps.push(Step::Hold { duration });
                            }
                        }
                        None => self.d.at(step_span.clone(), "`hold` needs `for = \"1s\"`"),
                    }
                }
                other => self.d.at(
                    span(&r.action),
                    format!(
                        "unknown action `{other}`: use wait, hold, {}",
                        list(FaultKind::ALL.iter().map(|(n, _)| *n))
                    ),
                ),
            }
        }
        steps
    }

    fn expect(&mut self, raw: Option<&RawExpect>) -> Expect {
        let mut e = Expect {
            tolerance: DEFAULT_TOLERANCE,
            gap_tolerance: DEFAULT_GAP_TOLERANCE,
        };
        if let Some(r) = raw {
            if let Some(d) = r.tolerance.as_ref().and_then(|t| self.duration(t)) {
                e.tolerance = d;
            }
            if let Some(d) = r.gap_tolerance.as_ref().and_then(|t| self.duration(t)) {
                e.gap_tolerance = d;
            }
        }
        e
    }
}

fn is_link_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
