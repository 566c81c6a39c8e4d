//! From the file as written to a scenario the lab can build, or every reason it cannot.
//!
//! Everything that could make a half-built lab is refused here, before anything exists:
//! undefined names, address clashes, out-of-range protocol values, names the kernel would
//! refuse.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
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

const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// How long a foreground `exec` may run before it is killed and the step fails.
pub const DEFAULT_EXEC_DEADLINE: Duration = Duration::from_secs(10);
/// How far apart repeated injected frames go by default.
pub const DEFAULT_INJECT_EVERY: Duration = Duration::from_millis(10);

/// What the network faults of the timeline have in effect so far.
#[derive(Default)]
struct NetState {
    in_effect: bool,
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = crate::input::read_text(path, crate::input::SCENARIO_LIMIT).map_err(|e| {
        ScenarioError::whole_file(path, format!("cannot read the scenario file: {e}"))
    })?;
    parse(path, &text)
}

/// Reads the scenario a run directory recorded (`RUN_DIR/scenario.toml`) for judging: the
/// files it names (a router's own configuration) are not read again — the run kept what it
/// ran under `nodes/`, and the judge needs only the scenario.
pub fn load_recorded(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = crate::input::read_text(path, crate::input::SCENARIO_LIMIT).map_err(|e| {
        ScenarioError::whole_file(path, format!("cannot read the scenario file: {e}"))
    })?;
    validate(path, &text, false)
}

/// Validates a recorded scenario's text (see [`load_recorded`]): the files it names are not
/// read again.
pub fn parse_recorded(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    validate(path, text, false)
}

/// Validates scenario text; `path` is used for messages and the default name.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    validate(path, text, true)
}

/// `read_files`: read the files the scenario names (a router's own configuration).
fn validate(path: &Path, text: &str, read_files: bool) -> Result<Scenario, ScenarioError> {
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
        path: path.to_path_buf(),
        read_files,
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

mod overlay;

struct Validator<'a> {
    d: Diagnostics<'a>,
    /// The scenario file, against whose directory the files it names are resolved.
    path: PathBuf,
    /// Whether to read the files it names (not when judging a recorded run).
    read_files: bool,
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

/// The longest name of a scenario, node or virtual router: names become directory and file
/// names of the run (`NAME-DAEMON-TIMESTAMP/nodes/NODE/…`), which Linux limits to 255 bytes.
pub const NAME_MAX: usize = 64;

/// The longest a scenario's durations may be: no step of a lab lasts longer than an hour, and
/// the bound keeps every time sum far from overflowing.
pub const DURATION_MAX: Duration = Duration::from_secs(3600);
/// The largest `tolerance` (added to the RFC's timing bounds, which are a few intervals).
pub const TOLERANCE_MAX: Duration = Duration::from_secs(1);
/// The longest `delay` (or jitter) a step may hold frames for.
pub const DELAY_MAX: Duration = Duration::from_secs(10);
/// The longest notify hook command, in bytes.
pub const HOOK_MAX: usize = 4096;
/// The largest `gap_tolerance` (added to the service-gap bound, Master_Down_Interval).
pub const GAP_TOLERANCE_MAX: Duration = Duration::from_secs(10);

impl Validator<'_> {
    fn name(&mut self, n: &Spanned<String>, what: &str) {
        let chars = n.get_ref().chars().count();
        if chars > NAME_MAX {
            self.d.at(
                span(n),
                format!(
                    "{what} name is {chars} characters; at most {NAME_MAX} (names become the run's directory and file names)"
                ),
            );
        } else if !valid_name(n.get_ref()) {
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
        self.duration_at_most(s, DURATION_MAX, "a scenario's durations")
    }

    /// A duration of at most `max`; `what` names what the bound is for.
    fn duration_at_most(
        &mut self,
        s: &Spanned<String>,
        max: Duration,
        what: &str,
    ) -> Option<Duration> {
        match duration::parse(s.get_ref()) {
            Ok(d) if d > max => {
                self.d.at(
                    span(s),
                    format!(
                        "`{}` is longer than {what} may be (at most {})",
                        s.get_ref(),
                        duration::human(max)
                    ),
                );
                None
            }
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
            None => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "scenario".into());
                if stem.chars().count() > NAME_MAX || !valid_name(&stem) {
                    self.d.at(
                        0..0,
                        format!(
                            "the scenario is named after its file, `{stem}`, which cannot name a run: add `name = \"...\"` (a letter, then letters, digits, `-` and `_`, at most {NAME_MAX})"
                        ),
                    );
                }
                stem
            }
        };
        let segments = self.segments(&raw.segments);
        let mut nodes = self.nodes(&raw.nodes, &raw.segments);
        self.overlays(&raw.nodes, &raw.segments);
        self.routes(&raw.nodes, &mut nodes);
        self.bgp(&raw.nodes, &mut nodes);
        let vrouters = self.vrouters(&raw.vrouters, &raw.nodes, &nodes);
        let sync_groups = self.sync_groups(&raw.sync_groups, &vrouters);
        self.gateways(&raw.nodes, &mut nodes, &vrouters);
        let probe = self.probe(raw.probe.as_ref(), &raw.nodes, &nodes);
        let timeline = self.timeline(&raw.timeline, &nodes, &vrouters);
        let expect = self.expect(raw.expect.as_ref());
        let seed = match &raw.seed {
            Some(s) if *s.get_ref() < 0 => {
                self.d.at(
                    span(s),
                    format!(
                        "seed {} is negative: use a whole number from 0",
                        s.get_ref()
                    ),
                );
                0
            }
            Some(s) => *s.get_ref() as u64,
            None => seed_of(&name),
        };
        if nodes.is_empty() {
            self.d
                .at(0..0, "the scenario has no nodes: add a [nodes.NAME] table");
        }
        if raw.timeline.is_empty() {
            // Located where the timeline would be added: the end of the file.
            self.d.at(
                text.len()..text.len(),
                "the scenario has no timeline, so nothing happens that could be judged: add at least `[[timeline]] action = \"wait\"` with `until = \"steady\"`",
            );
        }
        Scenario {
            name,
            summary: raw.summary.unwrap_or_default(),
            references: raw.references,
            interop: raw.interop,
            path: path.to_path_buf(),
            source: text.to_string(),
            seed,
            segments,
            nodes,
            vrouters,
            sync_groups,
            probe,
            timeline,
            expect,
        }
    }

    /// `[sync_groups]`: each group names two or more VRRP virtual routers run by the same
    /// routers; a virtual router is in one group at most.
    fn sync_groups(
        &mut self,
        raw: &BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
        vrouters: &[Vrouter],
    ) -> Vec<SyncGroup> {
        let mut member_of: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for (name, members) in raw {
            self.name(name, "sync group");
            if members.get_ref().len() < 2 {
                self.d.at(
                    span(members),
                    format!(
                        "sync group `{}` needs two virtual routers or more",
                        name.get_ref()
                    ),
                );
            }
            let mut routers: Option<(Vec<&str>, &str)> = None;
            for m in members.get_ref() {
                let Some(v) = vrouters.iter().find(|v| &v.name == m.get_ref()) else {
                    self.d.at(
                        span(m),
                        format!(
                            "virtual router `{}` is not defined; virtual routers: {}",
                            m.get_ref(),
                            list(vrouters.iter().map(|v| v.name.as_str()))
                        ),
                    );
                    continue;
                };
                if v.protocol.is_carp() {
                    self.d.at(
                        span(m),
                        format!("`{}` is a CARP virtual host: sync groups are VRRP's (keepalived's vrrp_sync_group)", v.name),
                    );
                }
                if let Some(other) = member_of.insert(v.name.clone(), name.get_ref().clone()) {
                    self.d.at(
                        span(m),
                        format!(
                            "virtual router `{}` is already in sync group `{other}`",
                            v.name
                        ),
                    );
                }
                let mine: Vec<&str> = v.priorities.iter().map(|(r, _)| r.as_str()).collect();
                match &routers {
                    None => routers = Some((mine, v.name.as_str())),
                    Some((first, first_name)) if *first != mine => self.d.at(
                        span(m),
                        format!(
                            "`{}` is run by {} but `{first_name}` by {}: the members of a sync group share their routers",
                            v.name,
                            list(mine.iter().copied()),
                            list(first.iter().copied())
                        ),
                    ),
                    Some(_) => {}
                }
            }
            out.push(SyncGroup {
                name: name.get_ref().clone(),
                vrouters: members
                    .get_ref()
                    .iter()
                    .map(|m| m.get_ref().clone())
                    .collect(),
            });
        }
        out
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
                    vxlan: self.vxlan(n, s),
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
                    if let Some(why) = not_an_interface_address(&net.addr) {
                        self.d.at(
                            span(a),
                            format!("{} cannot be an interface's address: it is {why}", net.addr),
                        );
                        continue;
                    }
                    let here = format!("{}:{}", n.get_ref(), ifname.get_ref());
                    if let Some(other) = seen.insert(net.addr, here.clone()) {
                        self.d.at(
                            span(a),
                            format!("address {} is already used by {other}", net.addr),
                        );
                    }
                    for (other, other_seg, other_where) in &subnets {
                        if seg_def.is_some()
                            && other_seg != seg
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
                    // An undefined segment is reported once, above; comparing its subnets
                    // would only bury that cause under follow-on errors.
                    if seg_def.is_some() {
                        subnets.push((net, seg.clone(), here));
                    }
                    addresses.push(net);
                }
                interfaces.push(Interface {
                    name: ifname.get_ref().clone(),
                    segment: seg.clone(),
                    addresses,
                    vlan,
                    underlay: iface.underlay.as_ref().map(|u| u.get_ref().clone()),
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
                let ifnames: Vec<&str> = node
                    .interfaces
                    .keys()
                    .map(|i| i.get_ref().as_str())
                    .collect();
                if let Err(why) = sysctl_key(key, &ifnames) {
                    self.d.at(span(k), format!("sysctl `{key}`: {why}"));
                    continue;
                }
                sysctls.push((key.clone(), value));
            }
            let configs = self.own_configs(n, node);
            let files = self.node_files(node);
            nodes.push(Node {
                name: n.get_ref().clone(),
                role: match node.role.get_ref() {
                    RawRole::Router => Role::Router,
                    RawRole::Host => Role::Host,
                },
                interfaces,
                sysctls,
                configs,
                files,
                bgp: None,
                gateway: None,
                routes: Vec::new(),
            });
        }
        nodes
    }

    /// Each host's `gateway`: a VRRP virtual router on one of its segments with an IPv4 VIP
    /// (its default route goes via the first).
    fn gateways(
        &mut self,
        raw: &BTreeMap<Spanned<String>, RawNode>,
        nodes: &mut [Node],
        vrouters: &[Vrouter],
    ) {
        for (n, r) in raw {
            let Some(g) = &r.gateway else { continue };
            let Some(node) = nodes.iter_mut().find(|x| &x.name == n.get_ref()) else {
                continue;
            };
            if node.role != Role::Host {
                self.d.at(
                    span(g),
                    format!(
                        "`{}` is a router: only a host takes a virtual router as its gateway",
                        node.name
                    ),
                );
                continue;
            }
            let Some(v) = vrouters.iter().find(|v| &v.name == g.get_ref()) else {
                self.d.at(
                    span(g),
                    format!(
                        "virtual router `{}` is not defined; virtual routers: {}",
                        g.get_ref(),
                        list(vrouters.iter().map(|v| v.name.as_str()))
                    ),
                );
                continue;
            };
            if !node.interfaces.iter().any(|i| i.segment == v.segment) {
                self.d.at(
                    span(g),
                    format!(
                        "`{}` is on segment `{}`, which {} is not on",
                        v.name, v.segment, node.name
                    ),
                );
                continue;
            }
            if !v.vips.iter().any(IpAddr::is_ipv4) || v.vip_interface.is_some() {
                self.d.at(
                    span(g),
                    format!("`{}` has no IPv4 VIP on the segment to route by (IPv6 hosts take their default router from router advertisements)", v.name),
                );
                continue;
            }
            node.gateway = Some(v.name.clone());
        }
    }

    /// Each node's `bgp`: an ASN, and neighbours that are IPv4 addresses of other nodes with a
    /// BGP speaker of another ASN (external sessions), on a segment the two share.
    fn bgp(&mut self, raw: &BTreeMap<Spanned<String>, RawNode>, nodes: &mut [Node]) {
        let asns: HashMap<&str, i64> = raw
            .iter()
            .filter_map(|(n, r)| {
                Some((
                    n.get_ref().as_str(),
                    *r.bgp.as_ref()?.get_ref().asn.get_ref(),
                ))
            })
            .collect();
        let mut found = Vec::new();
        for (n, r) in raw {
            let Some(b) = &r.bgp else { continue };
            let b = b.get_ref();
            let asn = *b.asn.get_ref();
            if !(1..=4_294_967_294).contains(&asn) {
                self.d.at(
                    span(&b.asn),
                    format!("asn {asn}: an AS number is from 1 to 4294967294"),
                );
            }
            if b.neighbors.get_ref().is_empty() {
                self.d.at(
                    span(&b.neighbors),
                    "a BGP speaker needs at least one neighbour",
                );
            }
            let me = nodes.iter().find(|x| &x.name == n.get_ref());
            let mut neighbors = Vec::new();
            for a in b.neighbors.get_ref() {
                let Ok(std::net::IpAddr::V4(ip)) = a.get_ref().parse::<IpAddr>() else {
                    self.d.at(
                        span(a),
                        format!(
                            "`{}` is not an IPv4 address (the lab's BGP sessions are IPv4)",
                            a.get_ref()
                        ),
                    );
                    continue;
                };
                let owner = nodes.iter().find_map(|x| {
                    x.interfaces
                        .iter()
                        .find(|i| i.addresses.iter().any(|net| net.addr == IpAddr::V4(ip)))
                        .map(|i| (x, i))
                });
                let Some((other, iface)) = owner else {
                    self.d.at(span(a), format!("{ip} is no node's address"));
                    continue;
                };
                if other.name == *n.get_ref() {
                    self.d
                        .at(span(a), format!("{ip} is {}'s own address", other.name));
                    continue;
                }
                if me.is_some_and(|m| !m.interfaces.iter().any(|i| i.segment == iface.segment)) {
                    self.d.at(
                        span(a),
                        format!(
                            "{ip} is {}'s address on segment `{}`, which {} is not on",
                            other.name,
                            iface.segment,
                            n.get_ref()
                        ),
                    );
                    continue;
                }
                match asns.get(other.name.as_str()) {
                    None => self.d.at(
                        span(a),
                        format!("{} has no `bgp`: give it one to be a neighbour", other.name),
                    ),
                    Some(theirs) if *theirs == asn => self.d.at(
                        span(a),
                        format!("{} has the same asn {asn}: the lab's BGP sessions are external, give each speaker its own", other.name),
                    ),
                    Some(_) => neighbors.push(ip),
                }
            }
            found.push((
                n.get_ref().clone(),
                Bgp {
                    asn: asn.clamp(0, u32::MAX as i64) as u32,
                    neighbors,
                },
            ));
        }
        for (name, bgp) in found {
            if let Some(node) = nodes.iter_mut().find(|x| x.name == name) {
                node.bgp = Some(bgp);
            }
        }
    }

    /// A node's `files`: each an absolute path in the node's private /run (the only place a
    /// node can write without touching the host), with a short text.
    fn node_files(&mut self, node: &RawNode) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, text) in &node.files {
            let p = path.get_ref();
            let inside_run = p.starts_with("/run/")
                && p.len() > "/run/".len()
                && !p.ends_with('/')
                && std::path::Path::new(p)
                    .components()
                    .all(|c| !matches!(c, std::path::Component::ParentDir));
            if !inside_run {
                self.d.at(
                    span(path),
                    format!("`{p}`: a node's files go in its private /run (an absolute path under /run/, without `..`)"),
                );
            } else if p.contains('\0') || text.get_ref().contains('\0') {
                self.d.at(span(text), "a file cannot hold a NUL byte");
            } else if text.get_ref().len() > HOOK_MAX {
                self.d.at(
                    span(text),
                    format!("a node's file is at most {HOOK_MAX} bytes"),
                );
            } else {
                out.push((p.clone(), text.get_ref().clone()));
            }
        }
        out
    }

    /// A router's own daemon configurations: each file read now, so that a missing one is
    /// refused with the scenario's line and column before anything is built.
    fn own_configs(&mut self, n: &Spanned<String>, node: &RawNode) -> Vec<OwnConfig> {
        let mut out = Vec::new();
        for (daemon, file) in &node.config {
            if matches!(node.role.get_ref(), RawRole::Host) {
                self.d.at(
                    span(daemon),
                    format!(
                        "`{}` is a host: only a router runs a daemon with a configuration of yours",
                        n.get_ref()
                    ),
                );
                continue;
            }
            if !valid_name(daemon.get_ref()) {
                self.d.at(
                    span(daemon),
                    format!("`{}` names no daemon (e.g. `keepalived`)", daemon.get_ref()),
                );
                continue;
            }
            let dir = self.path.parent().unwrap_or(Path::new("."));
            let path = dir.join(file.get_ref());
            let read = if self.read_files {
                crate::input::read_text(&path, crate::input::SCENARIO_LIMIT)
            } else {
                Ok(String::new())
            };
            match read {
                Ok(text) => {
                    let at = self.d.locate(span(file));
                    out.push(OwnConfig {
                        daemon: daemon.get_ref().clone(),
                        path,
                        text,
                        named_at: format!("{}:{}:{}", self.path.display(), at.line, at.column),
                    });
                }
                Err(e) => self.d.at(
                    span(file),
                    format!(
                        "cannot read {}'s {} configuration {}: {e}",
                        n.get_ref(),
                        daemon.get_ref(),
                        path.display()
                    ),
                ),
            }
        }
        out
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
            let vrid = self.vrid(v);
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
            let carp_auth = self.carp(name, v);
            let protocol = match carp_auth {
                Some(_) => Protocol::Carp,
                None => self.vrrp_version(v),
            };
            let vips = self.vips(name, v, &all_addresses, &mut vip_owner);
            let family = self.family(v, &vips, protocol);
            if (1..=255).contains(&vrid) {
                let key = (seg.clone(), family, vrid as u8);
                if let Some(other) = ids.insert(key, name.get_ref().clone()) {
                    self.d.at(
                        span(&v.vrid),
                        format!("VRID {vrid} is already used for {family} on segment `{seg}` by virtual router `{other}`"),
                    );
                }
            }
            let interval_cs = self.interval_cs(v, protocol);
            let preempt_delay_cs = match &v.preempt_delay {
                Some(s) => self.duration(s).map_or(0, |d| (d.as_millis() / 10) as u32),
                None => 0,
            };
            let priorities = self.priorities(name, v, nodes, family, protocol.is_carp());
            out.push(Vrouter {
                name: name.get_ref().clone(),
                vrid: vrid.clamp(0, 255) as u8,
                protocol,
                family,
                segment: seg.clone(),
                vips,
                interval_cs,
                preempt: v.preempt.unwrap_or(true),
                preempt_delay_cs,
                accept: v.accept.unwrap_or(false),
                vmac: v.vmac.unwrap_or(v.vip_interface.is_none()),
                vip_interface: self.vip_interface(v),
                auth_pass: self.auth_pass(v, protocol),
                unicast: v.unicast.unwrap_or(false),
                priorities,
                notify: v.notify.as_ref().map(|n| self.notify(n)),
                track: self.tracks(v, nodes),
                carp_auth,
            });
        }
        self.moved_addresses(raw, &all_addresses, &vip_owner);
        out
    }

    /// `auth_pass`: VRRPv2 only, 1 to 8 printable ASCII characters (RFC 2338 §5.3.10).
    fn auth_pass(&mut self, v: &RawVrouter, protocol: Protocol) -> Option<String> {
        let p = v.auth_pass.as_ref()?;
        let text = p.get_ref();
        if protocol != Protocol::VrrpV2 {
            self.d.at(
                span(p),
                "auth_pass is VRRPv2's (RFC 2338's simple text password): add `version = 2` (VRRPv3 has no authentication; CARP has `password`)",
            );
            return None;
        }
        if text.is_empty() || text.len() > 8 || !text.bytes().all(|b| b.is_ascii_graphic()) {
            self.d.at(
                span(p),
                "auth_pass must be 1 to 8 printable ASCII characters (RFC 2338 §5.3.10)",
            );
            return None;
        }
        Some(text.clone())
    }

    /// `vip_interface`: only `lo`, for VRRP without a VMAC (the default then).
    fn vip_interface(&mut self, v: &RawVrouter) -> Option<String> {
        let i = v.vip_interface.as_ref()?;
        if i.get_ref() != "lo" {
            self.d.at(
                span(i),
                format!(
                    "vip_interface `{}`: only \"lo\" is supported (the VIPs as a service address that routing leads to); leave it out to hold them on the segment's interface",
                    i.get_ref()
                ),
            );
            return None;
        }
        if v.vmac == Some(true) {
            self.d.at(
                span(i),
                "VIPs on lo have no virtual MAC: no host resolves them; leave out `vmac = true`",
            );
        }
        if v.protocol.as_ref().is_some_and(|p| p.get_ref() == "carp") {
            self.d.at(
                span(i),
                "ucarp's up script decides where the address goes: `vip_interface` is VRRP's",
            );
        }
        Some(i.get_ref().clone())
    }

    /// The VRID (1-255), as written.
    fn vrid(&mut self, v: &RawVrouter) -> i64 {
        let vrid = *v.vrid.get_ref();
        if !(1..=255).contains(&vrid) {
            self.d.at(
                span(&v.vrid),
                format!("VRID {vrid} is out of range: VRRP allows 1-255 (RFC 5798 §5.2.3)"),
            );
        }
        vrid
    }

    /// The VRRP version (2 or 3, default 3); a version that does not exist is reported and
    /// taken as 3, so that nothing else is reported of it.
    fn vrrp_version(&mut self, v: &RawVrouter) -> Protocol {
        let Some(s) = &v.version else {
            return Protocol::VrrpV3;
        };
        let version = *s.get_ref();
        match u8::try_from(version).ok().and_then(Protocol::vrrp) {
            Some(p) => p,
            None => {
                self.d.at(
                    span(s),
                    format!(
                        "VRRP version {version} does not exist: use 2 (RFC 3768) or 3 (RFC 5798)"
                    ),
                );
                Protocol::VrrpV3
            }
        }
    }

    /// The virtual addresses: each an IP address a host can use, no node's (but the owner's),
    /// in no other virtual router, at least one.
    fn vips(
        &mut self,
        name: &Spanned<String>,
        v: &RawVrouter,
        all_addresses: &HashMap<IpAddr, String>,
        vip_owner: &mut HashMap<IpAddr, String>,
    ) -> Vec<IpAddr> {
        let mut vips = Vec::new();
        for s in v.vips.get_ref() {
            match s.get_ref().parse::<IpAddr>() {
                Ok(ip) if not_an_interface_address(&ip).is_some() => {
                    self.d.at(
                        span(s),
                        format!(
                            "{ip} cannot be a virtual address: it is {}",
                            not_an_interface_address(&ip).unwrap_or_default()
                        ),
                    );
                }
                Ok(ip) => {
                    if let Some(owner) = all_addresses.get(&ip) {
                        // An owner (priority 255) legitimately has the VIP on its interface.
                        let owner_node = owner.split(':').next().unwrap_or_default();
                        let owns = v
                            .priorities
                            .as_ref()
                            .and_then(|t| t.get_ref().get(owner_node))
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
                            format!("virtual address {ip} is already in virtual router `{other}`"),
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
        vips
    }

    /// The family of the first address; every address of it (RFC 5798 §5.2.9), a usable IPv6
    /// address beside the link-local, and IPv4 for VRRPv2.
    fn family(&mut self, v: &RawVrouter, vips: &[IpAddr], protocol: Protocol) -> Family {
        let family = vips.first().map(Family::of).unwrap_or(Family::Ipv4);
        for (s, ip) in v.vips.get_ref().iter().zip(vips.iter()) {
            if Family::of(ip) != family {
                self.d.at(
                    span(s),
                    format!("{ip} is not {family}: a virtual router carries addresses of one family (RFC 5798 §5.2.9); make a second virtual router"),
                );
            }
        }
        if family == Family::Ipv6 && !vips.is_empty() && vips.iter().all(is_link_local) {
            self.d.at(
                span(&v.vips),
                "an IPv6 virtual router needs an address hosts use beyond the link-local one: add a global or unique-local VIP (the daemon derives the virtual link-local address it advertises first, RFC 5798 §5.2.9)",
            );
        }
        if protocol == Protocol::VrrpV2 && family == Family::Ipv6 {
            self.d.at(
                span(&v.vips),
                "VRRPv2 (RFC 3768) is IPv4 only: set `version = 3` for IPv6",
            );
        }
        family
    }

    /// The advertisement interval in centiseconds: v3 1-4095 (RFC 5798 §5.2.7), v2 whole
    /// seconds 1-255 (RFC 3768 §5.3.7); 1 s when not given.
    fn interval_cs(&mut self, v: &RawVrouter, protocol: Protocol) -> u16 {
        let interval = match &v.interval {
            Some(s) => self.duration(s).map(|d| (d, span(s))),
            None => Some((Duration::from_secs(1), span(&v.vrid))),
        };
        let mut interval_cs = 100u16;
        if let Some((d, sp)) = interval {
            let ms = d.as_millis();
            if protocol.version() == 2 {
                if ms % 1000 != 0 || !(1..=255).contains(&(ms / 1000)) {
                    let who = if protocol.is_carp() {
                        "CARP advertises (advbase) in whole seconds, 1-255"
                    } else {
                        "VRRPv2 advertises in whole seconds, 1-255 (RFC 3768 §5.3.7)"
                    };
                    self.d
                        .at(sp, format!("{who}; `{}` is not", duration::human(d)));
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
        interval_cs
    }

    /// Each router's priority (1-255, one owner at most), each a router of the scenario with an
    /// interface on the segment (and an IPv4 address there for VRRP over IPv4).
    fn priorities(
        &mut self,
        name: &Spanned<String>,
        v: &RawVrouter,
        nodes: &[Node],
        family: Family,
        carp: bool,
    ) -> Vec<(String, u8)> {
        let seg = v.segment.get_ref();
        let mut priorities = Vec::new();
        let Some(table) = (if carp { &v.advskew } else { &v.priorities }) else {
            self.d.at(
                span(name),
                if carp {
                    "a CARP virtual host needs `advskew = { router = 0-254, … }` (lower is preferred)"
                } else {
                    "a virtual router needs `priorities = { router = 1-255, … }`"
                },
            );
            return priorities;
        };
        for (node, p) in table.get_ref() {
            let mut prio = *p.get_ref();
            if carp {
                if !(0..=254).contains(&prio) {
                    self.d.at(
                        span(p),
                        format!("advskew {prio} is out of range: 0-254 (lower is preferred)"),
                    );
                }
                // The judge's rank of a CARP router.
                prio = 255 - prio.clamp(0, 254);
            } else if !(1..=255).contains(&prio) {
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
        if table.get_ref().is_empty() {
            self.d.at(
                span(table),
                "no router takes part: give at least one `router = priority`",
            );
        }
        if !carp && priorities.iter().filter(|(_, p)| *p == 255).count() > 1 {
            self.d.at(
                span(table),
                "more than one router has priority 255: only one can own the addresses",
            );
        }
        priorities
    }

    /// `protocol = "carp"`: the password, the per-router passwords; what only VRRP has is
    /// refused on a CARP virtual host and what only CARP has on a VRRP one.
    fn carp(&mut self, name: &Spanned<String>, v: &RawVrouter) -> Option<Carp> {
        let carp = match &v.protocol {
            None => false,
            Some(p) if p.get_ref() == "vrrp" => false,
            Some(p) if p.get_ref() == "carp" => true,
            Some(p) => {
                self.d.at(
                    span(p),
                    format!(
                        "protocol `{}`: use `vrrp` (the default) or `carp`",
                        p.get_ref()
                    ),
                );
                false
            }
        };
        if !carp {
            for (field, at) in [
                ("password", v.password.as_ref().map(span)),
                ("advskew", v.advskew.as_ref().map(span)),
                (
                    "passwords",
                    v.passwords.as_ref().and_then(|p| p.keys().next()).map(span),
                ),
            ] {
                if let Some(at) = at {
                    self.d.at(
                        at,
                        format!("`{field}` is CARP's: add `protocol = \"carp\"`, or drop it"),
                    );
                }
            }
            return None;
        }
        for (field, at) in [
            ("priorities", v.priorities.as_ref().map(span)),
            ("version", v.version.as_ref().map(span)),
        ] {
            if let Some(at) = at {
                let instead = if field == "priorities" {
                    "give `advskew` instead (lower is preferred)"
                } else {
                    "CARP has one version"
                };
                self.d.at(at, format!("`{field}` is VRRP's: {instead}"));
            }
        }
        let password = match &v.password {
            Some(p) if !p.get_ref().is_empty() && !p.get_ref().contains('\0') => {
                p.get_ref().clone()
            }
            Some(p) => {
                self.d
                    .at(span(p), "the password cannot be empty or hold a NUL");
                String::new()
            }
            None => {
                self.d.at(
                    span(name),
                    "a CARP virtual host needs `password` (the routers' shared secret)",
                );
                String::new()
            }
        };
        let passwords = v
            .passwords
            .iter()
            .flatten()
            .map(|(r, p)| {
                let in_it = v
                    .advskew
                    .as_ref()
                    .is_some_and(|t| t.get_ref().contains_key(r.get_ref().as_str()));
                if !in_it {
                    self.d.at(
                        span(r),
                        format!("`{}` is not in this virtual host's advskew", r.get_ref()),
                    );
                }
                (r.get_ref().clone(), p.get_ref().clone())
            })
            .collect();
        Some(Carp {
            password,
            passwords,
        })
    }

    /// A virtual router's `track` entries: each watches a script or an interface that every
    /// router of the virtual router has.
    fn tracks(&mut self, v: &RawVrouter, nodes: &[Node]) -> Vec<Track> {
        let mut out = Vec::new();
        for raw in &v.track {
            let t = raw.get_ref();
            let watch = match (&t.script, &t.interface) {
                (Some(cmd), None) => self.track_script(t, cmd),
                (None, Some(name)) => {
                    for (what, field) in [
                        ("interval", t.interval.as_ref().map(span)),
                        ("fall", t.fall.as_ref().map(span)),
                        ("rise", t.rise.as_ref().map(span)),
                    ] {
                        if let Some(at) = field {
                            self.d.at(at, format!("`{what}` is for a tracked script; an interface is seen at once"));
                        }
                    }
                    self.track_interface(v, name, nodes)
                }
                (Some(_), Some(_)) => {
                    self.d.at(
                        span(raw),
                        "a `track` entry watches one thing: `script` or `interface`, not both",
                    );
                    None
                }
                (None, None) => {
                    self.d.at(span(raw), "a `track` entry needs `script = \"test -f /run/ok\"` or `interface = \"eth1\"`");
                    None
                }
            };
            let weight = match &t.weight {
                None => 0,
                Some(w) if (-253..=0).contains(w.get_ref()) => *w.get_ref() as i32,
                Some(w) => {
                    self.d.at(span(w), format!("weight {}: what is added to the priority while the tracked thing fails, from -253 to -1, or 0 for the Fault state", w.get_ref()));
                    0
                }
            };
            if let Some(watch) = watch {
                out.push(Track { watch, weight });
            }
        }
        out
    }

    fn track_script(&mut self, t: &RawTrack, cmd: &Spanned<String>) -> Option<Watch> {
        let text = cmd.get_ref();
        if text.trim().is_empty() || text.contains('\0') || text.len() > HOOK_MAX {
            self.d.at(span(cmd), format!("a tracked script is a non-empty shell command of at most {HOOK_MAX} bytes, without NUL"));
            return None;
        }
        let interval = match &t.interval {
            None => Duration::from_secs(1),
            Some(i) => {
                self.duration_at_most(i, Duration::from_secs(3600), "a tracked script's interval")?
            }
        };
        if interval.is_zero() {
            self.d.at(
                span(t.interval.as_ref().expect("given")),
                "a tracked script's interval must be longer than 0",
            );
            return None;
        }
        let count = |v: &mut Self, c: &Option<Spanned<i64>>, what: &str| -> Option<u32> {
            match c {
                None => Some(1),
                Some(n) if (1..=255).contains(n.get_ref()) => Some(*n.get_ref() as u32),
                Some(n) => {
                    v.d.at(
                        span(n),
                        format!(
                            "{what} {}: from 1 to 255 runs of the script in a row",
                            n.get_ref()
                        ),
                    );
                    None
                }
            }
        };
        let fall = count(self, &t.fall, "fall");
        let rise = count(self, &t.rise, "rise");
        Some(Watch::Script {
            command: text.clone(),
            interval,
            fall: fall?,
            rise: rise?,
        })
    }

    fn track_interface(
        &mut self,
        v: &RawVrouter,
        name: &Spanned<String>,
        nodes: &[Node],
    ) -> Option<Watch> {
        let routers = v
            .priorities
            .iter()
            .flat_map(|p| p.get_ref().keys())
            .chain(v.advskew.iter().flat_map(|p| p.get_ref().keys()));
        let mut ok = true;
        for r in routers {
            let Some(n) = nodes.iter().find(|n| &n.name == r.get_ref()) else {
                continue;
            };
            if !n.interfaces.iter().any(|i| &i.name == name.get_ref()) {
                self.d.at(
                    span(name),
                    format!(
                        "router `{}` has no interface `{}` to track",
                        n.name,
                        name.get_ref()
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| Watch::Interface {
            name: name.get_ref().clone(),
        })
    }

    /// A virtual router's notify hooks: a non-empty shell command per state named, and the
    /// addresses they move, each an address a host can use.
    fn notify(&mut self, raw: &Spanned<RawNotify>) -> Notify {
        let n = raw.get_ref();
        let mut hooks = Vec::new();
        for (state, cmd) in HookState::ALL
            .into_iter()
            .zip([&n.master, &n.backup, &n.fault, &n.stop])
        {
            let Some(cmd) = cmd else { continue };
            let text = cmd.get_ref();
            if text.trim().is_empty() {
                self.d.at(
                    span(cmd),
                    format!("the `{}` hook is an empty command", state.name()),
                );
            } else if text.contains('\0') {
                self.d
                    .at(span(cmd), "a hook command cannot contain a NUL character");
            } else if text.len() > HOOK_MAX {
                self.d.at(
                    span(cmd),
                    format!("a hook command is at most {HOOK_MAX} bytes; put a longer one in a script and call it"),
                );
            } else {
                hooks.push((state, text.clone()));
            }
        }
        let given = [&n.master, &n.backup, &n.fault, &n.stop];
        if given.iter().all(|c| c.is_none()) {
            self.d.at(
                span(raw),
                "`notify` names no hook: give at least one of master, backup, fault, stop",
            );
        }
        let mut moves = Vec::new();
        for a in n.moves.iter().flatten() {
            match a.get_ref().parse::<IpAddr>() {
                Ok(ip) => match not_an_interface_address(&ip) {
                    Some(why) => self.d.at(
                        span(a),
                        format!("{ip} cannot be moved between routers: it is {why}"),
                    ),
                    None if moves.contains(&ip) => {
                        self.d.at(span(a), format!("{ip} is listed twice"))
                    }
                    None => moves.push(ip),
                },
                Err(_) => self.d.at(
                    span(a),
                    format!(
                        "`{}` is not an IP address (write moved addresses without a prefix length)",
                        a.get_ref()
                    ),
                ),
            }
        }
        if !moves.is_empty() && n.master.is_none() {
            self.d.at(
                span(raw),
                "`moves` lists addresses but there is no `master` hook to move them",
            );
        }
        Notify { hooks, moves }
    }

    /// An address the hooks move is nobody's own address and no virtual router's VIP: the
    /// judge tells them apart.
    fn moved_addresses(
        &mut self,
        raw: &BTreeMap<Spanned<String>, RawVrouter>,
        nodes: &HashMap<IpAddr, String>,
        vips: &HashMap<IpAddr, String>,
    ) {
        let mut seen: HashMap<IpAddr, &str> = HashMap::new();
        for (name, v) in raw {
            let moves = v
                .notify
                .iter()
                .flat_map(|n| n.get_ref().moves.iter().flatten());
            for a in moves {
                let Ok(ip) = a.get_ref().parse::<IpAddr>() else {
                    continue;
                };
                if let Some(owner) = nodes.get(&ip) {
                    self.d.at(span(a), format!("{ip} is the address of {owner}: a hook can move only an address no node has of its own"));
                } else if let Some(vr) = vips.get(&ip) {
                    self.d.at(
                        span(a),
                        format!(
                            "{ip} is a virtual address of `{vr}`: the daemon moves it, not a hook"
                        ),
                    );
                } else if let Some(other) = seen
                    .insert(ip, name.get_ref())
                    .filter(|o| o != name.get_ref())
                {
                    self.d.at(
                        span(a),
                        format!("{ip} is already moved by the hooks of `{other}`"),
                    );
                }
            }
        }
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
        let mut net = NetState::default();
        raw.iter()
            .enumerate()
            .filter_map(|(index, s)| self.step(index, s, nodes, vrouters, &mut net))
            .collect()
    }

    /// Step `index` of the timeline, or none when it is refused (said where).
    fn step(
        &mut self,
        index: usize,
        s: &Spanned<RawStep>,
        nodes: &[Node],
        vrouters: &[Vrouter],
        net: &mut NetState,
    ) -> Option<Step> {
        let step_span = span(s);
        let r = s.get_ref();
        let action = r.action.get_ref().as_str();
        if let Some(&(_, fault)) = FaultKind::ALL.iter().find(|(n, _)| *n == action) {
            return self.fault_step(r, step_span, fault, nodes);
        }
        match action {
            "wait" => {
                self.unexpected(r, &["node", "until", "vrouter", "timeout"]);
                self.wait_step(r, step_span, nodes, vrouters)
            }
            "hold" => {
                self.unexpected(r, &["for"]);
                match &r.duration {
                    Some(d) => self.duration(d).map(|duration| Step::Hold { duration }),
                    None => {
                        self.d.at(step_span, "`hold` needs `for = \"1s\"`");
                        None
                    }
                }
            }
            "partition" => {
                self.unexpected(r, &["groups"]);
                self.partition(r, step_span, nodes, net)
            }
            "loss" => {
                self.unexpected(r, &["percent", "between", "from", "to", "node"]);
                let step = self.loss(r, step_span, nodes)?;
                net.in_effect = true;
                Some(step)
            }
            "delay" => {
                self.unexpected(
                    r,
                    &[
                        "delay",
                        "jitter",
                        "reorder",
                        "duplicate",
                        "between",
                        "from",
                        "to",
                        "node",
                    ],
                );
                let step = self.delay(r, step_span, nodes)?;
                net.in_effect = true;
                Some(step)
            }
            "snooping" => {
                self.unexpected(r, &["segment", "enabled", "querier"]);
                self.snooping(r, step_span, nodes)
            }
            "heal" => {
                self.unexpected(r, &[]);
                if !net.in_effect {
                    self.d.at(
                        span(&r.action),
                        "`heal` with no partition, loss or delay in effect: heal ends what an earlier `partition`, `loss` or `delay` started",
                    );
                }
                *net = NetState::default();
                Some(Step::Heal)
            }
            "exec" => {
                self.unexpected(r, &["node", "command", "background", "timeout", "track"]);
                let node = self.step_node(r, step_span.clone(), nodes, false);
                self.exec(r, step_span, node, vrouters)
            }
            "inject" => {
                self.unexpected(
                    r,
                    &["node", "vrouter", "frame", "to", "count", "every", "offset"],
                );
                if let (Some(o), 0) = (&r.offset, index) {
                    self.d.at(
                        span(o),
                        "`offset` counts from the start of the step before; this inject is the first step",
                    );
                }
                self.inject(r, step_span, nodes, vrouters)
            }
            other => {
                self.d.at(
                    span(&r.action),
                    format!(
                        "unknown action `{other}`: use wait, hold, partition, loss, delay, heal, snooping, exec, inject, {}",
                        list(FaultKind::ALL.iter().map(|(n, _)| *n))
                    ),
                );
                None
            }
        }
    }

    /// Says so of every field of the step that its action does not take.
    fn unexpected(&mut self, r: &RawStep, allowed: &[&str]) {
        let action = r.action.get_ref();
        for (f, sp) in r.fields() {
            if !allowed.contains(&f) {
                self.d
                    .at(sp, format!("`{f}` has no meaning for action `{action}`"));
            }
        }
    }

    /// The step's `node`: given, defined, and a router where the action acts on daemons.
    fn step_node(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        nodes: &[Node],
        need_router: bool,
    ) -> Option<String> {
        let action = r.action.get_ref();
        let Some(n) = &r.node else {
            self.d
                .at(step_span, format!("`{action}` needs `node = \"...\"`"));
            return None;
        };
        match nodes.iter().find(|x| &x.name == n.get_ref()) {
            None => {
                self.d
                    .at(span(n), format!("node `{}` is not defined", n.get_ref()));
                None
            }
            Some(x) if need_router && x.role != Role::Router => {
                self.d.at(
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
    }

    /// A fault of a node's daemon, or of its links (all, or one `interface`).
    fn fault_step(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        fault: FaultKind,
        nodes: &[Node],
    ) -> Option<Step> {
        if fault.is_link() {
            self.unexpected(r, &["node", "interface"]);
        } else {
            self.unexpected(r, &["node"]);
        }
        let node = self.step_node(r, step_span, nodes, !fault.is_link())?;
        let interface = r
            .interface
            .as_ref()
            .and_then(|i| self.fault_interface(i, &node, nodes));
        (r.interface.is_none() || interface.is_some()).then_some(Step::Fault {
            fault,
            node,
            interface,
        })
    }

    /// `wait`: until one condition holds (`steady`, or `master` of a node, of one virtual
    /// router or of all it is in), within `timeout`.
    fn wait_step(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        nodes: &[Node],
        vrouters: &[Vrouter],
    ) -> Option<Step> {
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
                self.step_node(r, step_span, nodes, true)
                    .map(|node| Until::Master { node, vrouter })
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
                    step_span,
                    "`wait` needs `until = \"steady\"` or `until = \"master\"`",
                );
                None
            }
        };
        Some(Step::Wait {
            until: until?,
            timeout,
        })
    }

    /// A node named in a network fault: defined, and said once.
    /// `interface` of a link fault: one of the node's interfaces.
    fn fault_interface(
        &mut self,
        i: &Spanned<String>,
        node: &str,
        nodes: &[Node],
    ) -> Option<String> {
        let n = nodes.iter().find(|n| n.name == node)?;
        if let Some(x) = n.interfaces.iter().find(|x| &x.name == i.get_ref()) {
            if let Some(u) = &x.underlay {
                self.d.at(
                    span(i),
                    format!(
                        "{node}:{} is a VXLAN tunnel, not a cable: pull its underlay's, `interface = \"{u}\"`",
                        x.name
                    ),
                );
                return None;
            }
            return Some(i.get_ref().clone());
        }
        self.d.at(
            span(i),
            format!(
                "`{node}` has no interface `{}`; its interfaces: {}",
                i.get_ref(),
                list(n.interfaces.iter().map(|x| x.name.as_str()))
            ),
        );
        None
    }

    fn fault_node(
        &mut self,
        n: &Spanned<String>,
        nodes: &[Node],
        seen: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<String> {
        if !nodes.iter().any(|x| &x.name == n.get_ref()) {
            self.d.at(
                span(n),
                format!(
                    "node `{}` is not defined; nodes: {}",
                    n.get_ref(),
                    list(nodes.iter().map(|x| x.name.as_str()))
                ),
            );
            return None;
        }
        if seen.insert(n.get_ref().clone(), span(n)).is_some() {
            self.d
                .at(span(n), format!("node `{}` is named twice", n.get_ref()));
            return None;
        }
        Some(n.get_ref().clone())
    }

    fn partition(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        nodes: &[Node],
        net: &mut NetState,
    ) -> Option<Step> {
        let Some(raw) = &r.groups else {
            self.d.at(
                step_span,
                "`partition` needs `groups = [[\"r1\", \"h1\"], [\"r2\"]]`: nodes in different groups stop hearing each other",
            );
            return None;
        };
        if raw.get_ref().len() < 2 {
            self.d.at(
                span(raw),
                "a partition needs at least two groups: nodes in different groups stop hearing each other",
            );
            return None;
        }
        let mut seen = BTreeMap::new();
        let mut groups = Vec::new();
        for g in raw.get_ref() {
            if g.get_ref().is_empty() {
                self.d
                    .at(span(g), "a partition group needs at least one node");
            }
            let names: Vec<String> = g
                .get_ref()
                .iter()
                .filter_map(|n| self.fault_node(n, nodes, &mut seen))
                .collect();
            groups.push(names);
        }
        if groups.iter().any(Vec::is_empty) {
            return None;
        }
        let crosses = groups.iter().enumerate().any(|(i, g)| {
            groups[i + 1..]
                .iter()
                .flatten()
                .any(|b| g.iter().any(|a| share_a_switch(a, b, nodes)))
        });
        if !crosses {
            self.d.at(
                span(raw),
                "no two nodes in different groups share a switched segment, so this partition would cut nothing (a VXLAN overlay is cut in its underlay)",
            );
            return None;
        }
        net.in_effect = true;
        Some(Step::Partition { groups })
    }

    fn loss(&mut self, r: &RawStep, step_span: Range<usize>, nodes: &[Node]) -> Option<Step> {
        let permille = match &r.percent {
            None => {
                self.d.at(
                    step_span.clone(),
                    "`loss` needs `percent = 30` (the share of frames dropped)",
                );
                None
            }
            Some(p) => self.percent(p, "loss"),
        };
        let flows = self.flows(r, step_span, nodes, "loss")?;
        Some(Step::Loss {
            permille: permille?,
            flows,
        })
    }

    /// The flows a `loss` or `delay` acts on: `between` two nodes (both ways), `from` one
    /// `to` another, or everything in and out of a `node`'s ports.
    fn flows(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        nodes: &[Node],
        action: &str,
    ) -> Option<Vec<Flow>> {
        let mut seen = BTreeMap::new();
        let mut one = |v: &mut Self, n: &Spanned<String>| v.fault_node(n, nodes, &mut seen);
        let flows = match (&r.between, &r.from, &r.to, &r.node) {
            (Some(b), None, None, None) => {
                if b.get_ref().len() != 2 {
                    self.d.at(
                        span(b),
                        "`between` names two nodes: `between = [\"r1\", \"r2\"]`",
                    );
                    return None;
                }
                let a = one(self, &b.get_ref()[0]);
                let c = one(self, &b.get_ref()[1]);
                let (a, c) = (a?, c?);
                self.shared_switch(&a, &c, nodes, span(b))?;
                vec![
                    Flow {
                        from: Some(vec![a.clone()]),
                        to: Some(vec![c.clone()]),
                    },
                    Flow {
                        from: Some(vec![c]),
                        to: Some(vec![a]),
                    },
                ]
            }
            (None, Some(f), Some(t), None) => {
                let (from, to) = (one(self, f), one(self, t));
                let (from, to) = (from?, to?);
                self.shared_switch(&from, &to, nodes, span(f).start..span(t).end)?;
                vec![Flow {
                    from: Some(vec![from]),
                    to: Some(vec![to]),
                }]
            }
            (None, None, None, Some(n)) => {
                let n = one(self, n)?;
                vec![
                    Flow {
                        from: Some(vec![n.clone()]),
                        to: None,
                    },
                    Flow {
                        from: None,
                        to: Some(vec![n]),
                    },
                ]
            }
            _ => {
                self.d.at(
                    step_span,
                    format!("`{action}` needs exactly one of: `between = [\"r1\", \"r2\"]` (both ways), `from = \"r1\"` with `to = \"r2\"` (one way), or `node = \"r1\"` (everything in and out of its ports)"),
                );
                return None;
            }
        };
        Some(flows)
    }

    /// Whether `a` and `b` share a switched segment (where the lab's filters act), else says so.
    fn shared_switch(&mut self, a: &str, b: &str, nodes: &[Node], at: Range<usize>) -> Option<()> {
        if share_a_switch(a, b, nodes) {
            return Some(());
        }
        self.d.at(
            at,
            format!("{a} and {b} share no switched segment: the lab's filters act on a switch's ports, so this would cut nothing (a VXLAN overlay is cut in its underlay, e.g. between {a} and the router it goes through)"),
        );
        None
    }

    /// `snooping`: a segment some node is on; a querier only where snooping is on.
    fn snooping(&mut self, r: &RawStep, step_span: Range<usize>, nodes: &[Node]) -> Option<Step> {
        let Some(seg) = &r.segment else {
            self.d.at(
                step_span,
                "`snooping` needs `segment = \"lan\"` (whose bridge it sets)",
            );
            return None;
        };
        let mut known: Vec<&str> = nodes
            .iter()
            .flat_map(|n| n.interfaces.iter().map(|i| i.segment.as_str()))
            .collect();
        known.sort_unstable();
        known.dedup();
        if !known.contains(&seg.get_ref().as_str()) {
            self.d.at(
                span(seg),
                format!(
                    "segment `{}` is not defined or has no node on it; segments: {}",
                    seg.get_ref(),
                    list(known.iter().copied())
                ),
            );
            return None;
        }
        let enabled = r.enabled.as_ref().is_none_or(|e| *e.get_ref());
        let querier = r.querier.as_ref().is_some_and(|q| *q.get_ref());
        if querier && !enabled {
            self.d.at(
                span(r.querier.as_ref().expect("given")),
                "a querier needs snooping on: a bridge that does not snoop does not query",
            );
            return None;
        }
        Some(Step::Snooping {
            segment: seg.get_ref().clone(),
            enabled,
            querier,
        })
    }

    fn delay(&mut self, r: &RawStep, step_span: Range<usize>, nodes: &[Node]) -> Option<Step> {
        let flows = self.flows(r, step_span.clone(), nodes, "delay");
        let delay = match &r.delay {
            Some(d) => self.duration_at_most(d, DELAY_MAX, "a delay"),
            None => {
                self.d.at(
                    step_span,
                    "`delay` needs `delay = \"30ms\"` (how long frames are held)",
                );
                None
            }
        };
        let jitter = match &r.jitter {
            Some(j) => {
                let j = self.duration_at_most(j, DELAY_MAX, "a jitter")?;
                if delay.is_some_and(|d| j > d) {
                    self.d.at(
                        span(r.jitter.as_ref().expect("given")),
                        "the jitter is larger than the delay: a frame cannot leave before it arrived",
                    );
                    return None;
                }
                j
            }
            None => Duration::ZERO,
        };
        let share = |v: &mut Self, p: &Option<Spanned<toml::Value>>, what: &str| match p {
            Some(p) => v.percent(p, what).map(Some),
            None => Some(None),
        };
        let reorder = share(self, &r.reorder, "reorder");
        let duplicate = share(self, &r.duplicate, "duplicate");
        Some(Step::Delay(Delay {
            flows: flows?,
            delay: delay?,
            jitter,
            reorder_permille: reorder?.unwrap_or(0),
            duplicate_permille: duplicate?.unwrap_or(0),
        }))
    }

    fn inject(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        nodes: &[Node],
        vrouters: &[Vrouter],
    ) -> Option<Step> {
        let vr = match &r.vrouter {
            None => {
                self.d.at(
                    step_span.clone(),
                    "`inject` needs `vrouter = \"...\"`: the virtual router whose VRID and addresses the frames concern",
                );
                None
            }
            Some(v) => match vrouters.iter().find(|x| &x.name == v.get_ref()) {
                Some(x) => Some(x),
                None => {
                    self.d.at(
                        span(v),
                        format!(
                            "virtual router `{}` is not defined; virtual routers: {}",
                            v.get_ref(),
                            list(vrouters.iter().map(|x| x.name.as_str()))
                        ),
                    );
                    None
                }
            },
        };
        let on_segment = |n: &Node, seg: &str| n.interfaces.iter().any(|i| i.segment == seg);
        let mut member = |v: &mut Self, n: &Spanned<String>, what: &str, router: bool| {
            let vr = vr?;
            let Some(node) = nodes.iter().find(|x| &x.name == n.get_ref()) else {
                v.d.at(span(n), format!("node `{}` is not defined", n.get_ref()));
                return None;
            };
            if router && vr.priority_of(&node.name).is_none() {
                v.d.at(
                    span(n),
                    format!(
                        "{what} `{}` is not a router of virtual router `{}`",
                        node.name, vr.name
                    ),
                );
                return None;
            }
            if !on_segment(node, &vr.segment) {
                v.d.at(
                    span(n),
                    format!(
                        "{what} `{}` has no interface on segment `{}`, where `{}` runs",
                        node.name, vr.segment, vr.name
                    ),
                );
                return None;
            }
            Some(node.name.clone())
        };
        let node = match &r.node {
            Some(n) => member(self, n, "sender", false),
            None => {
                self.d.at(
                    step_span.clone(),
                    "`inject` needs `node = \"h1\"`: the node whose port the frames leave by",
                );
                None
            }
        };
        let to = match &r.to {
            Some(t) => Some(member(self, t, "`to`", true)?),
            None => None,
        };
        let count = match &r.count {
            None => 1,
            Some(c) if (1..=10_000).contains(c.get_ref()) => *c.get_ref() as u32,
            Some(c) => {
                self.d.at(
                    span(c),
                    format!(
                        "count {} is out of range: send 1 to 10000 frames",
                        c.get_ref()
                    ),
                );
                1
            }
        };
        let every = match &r.every {
            None => DEFAULT_INJECT_EVERY,
            Some(e) => match self.duration(e) {
                Some(d) if d.is_zero() || d > Duration::from_secs(60) => {
                    self.d
                        .at(span(e), "`every` must be more than 0 and at most 60s");
                    DEFAULT_INJECT_EVERY
                }
                Some(d) => d,
                None => DEFAULT_INJECT_EVERY,
            },
        };
        let offset = match &r.offset {
            None => None,
            Some(o) => match self.duration(o) {
                Some(d) if d > Duration::from_secs(60) => {
                    self.d.at(span(o), "`offset` must be at most 60s");
                    None
                }
                d => d,
            },
        };
        let Some(raw) = &r.frame else {
            self.d.at(
                step_span,
                format!(
                    "`inject` needs `frame = {{ kind = \"...\" }}`; kinds: {}",
                    list(FrameKind::NAMES.iter().copied())
                ),
            );
            return None;
        };
        let vr = vr?;
        let frame = self.frame(raw, vr, &mut member)?;
        Some(Step::Inject(Inject {
            node: node?,
            vrouter: vr.name.clone(),
            frame,
            to,
            count,
            every,
            offset,
        }))
    }

    fn frame(
        &mut self,
        raw: &Spanned<RawFrame>,
        vr: &Vrouter,
        member: &mut impl FnMut(&mut Self, &Spanned<String>, &str, bool) -> Option<String>,
    ) -> Option<FrameKind> {
        let f = raw.get_ref();
        let kind = f.kind.get_ref().as_str();
        let advert_fields: [(&str, Option<Range<usize>>); 10] = [
            ("priority", f.priority.as_ref().map(span)),
            ("ttl", f.ttl.as_ref().map(span)),
            ("vrid", f.vrid.as_ref().map(span)),
            ("version", f.version.as_ref().map(span)),
            ("type", f.vrrp_type.as_ref().map(span)),
            ("checksum", f.checksum.as_ref().map(span)),
            ("addresses", f.addresses.as_ref().map(span)),
            ("truncate", f.truncate.as_ref().map(span)),
            ("auth_type", f.auth_type.as_ref().map(span)),
            ("interval", f.interval.as_ref().map(span)),
        ];
        if kind != "advert" {
            for (name, sp) in &advert_fields {
                if let Some(sp) = sp {
                    self.d.at(
                        sp.clone(),
                        format!(
                            "`{name}` is a field of an injected advert, not of a `{kind}` frame"
                        ),
                    );
                }
            }
        }
        let family = |v: &mut Self, want: Family| -> Option<()> {
            if vr.family == want {
                return Some(());
            }
            v.d.at(
                span(&f.kind),
                format!(
                    "a `{kind}` frame is {want}, but virtual router `{}` is {}",
                    vr.name, vr.family
                ),
            );
            None
        };
        if kind != "stale-na" && kind != "garp" {
            if let Some(c) = &f.claim {
                self.d.at(
                    span(c),
                    format!("`claim` has no meaning for a `{kind}` frame"),
                );
            }
        }
        match kind {
            "advert" => self.advert_spoof(f, vr).map(FrameKind::Advert),
            "stale-na" => {
                family(self, Family::Ipv6)?;
                Some(FrameKind::StaleNa {
                    claim: self.claim(raw, member)?,
                })
            }
            "garp" => {
                family(self, Family::Ipv4)?;
                Some(FrameKind::Garp {
                    claim: self.claim(raw, member)?,
                })
            }
            "arp-request" => family(self, Family::Ipv4).map(|_| FrameKind::ArpRequest),
            "ns" => family(self, Family::Ipv6).map(|_| FrameKind::Ns),
            "echo" => Some(FrameKind::Echo),
            other => {
                self.d.at(
                    span(&f.kind),
                    format!(
                        "unknown frame kind `{other}`: use {}",
                        list(FrameKind::NAMES.iter().copied())
                    ),
                );
                None
            }
        }
    }

    /// The node a stale NA or gratuitous ARP names.
    fn claim(
        &mut self,
        raw: &Spanned<RawFrame>,
        member: &mut impl FnMut(&mut Self, &Spanned<String>, &str, bool) -> Option<String>,
    ) -> Option<String> {
        let f = raw.get_ref();
        match &f.claim {
            Some(c) => member(self, c, "`claim`", false),
            None => {
                self.d.at(
                    span(raw),
                    format!(
                        "a `{}` frame needs `claim = \"r1\"`: the node whose physical MAC it names for the VIP",
                        f.kind.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// A small integer field of an injected advert, in `lo..=hi`.
    fn byte(
        &mut self,
        v: &Option<Spanned<i64>>,
        name: &str,
        lo: i64,
        hi: i64,
    ) -> Option<Option<u8>> {
        match v {
            None => Some(None),
            Some(x) if (lo..=hi).contains(x.get_ref()) => Some(Some(*x.get_ref() as u8)),
            Some(x) => {
                self.d.at(
                    span(x),
                    format!("{name} {} is out of range: {lo}-{hi}", x.get_ref()),
                );
                None
            }
        }
    }

    fn advert_spoof(&mut self, f: &RawFrame, vr: &Vrouter) -> Option<AdvertSpoof> {
        let priority = self.byte(&f.priority, "priority", 0, 255);
        let ttl = self.byte(&f.ttl, "ttl", 0, 255);
        let vrid = self.byte(&f.vrid, "vrid", 0, 255);
        let version = self.byte(&f.version, "version", 0, 15);
        let vrrp_type = self.byte(&f.vrrp_type, "type", 0, 15);
        let addresses = self.byte(&f.addresses, "addresses", 0, 255);
        let auth_type = self.byte(&f.auth_type, "auth_type", 0, 255);
        let truncate = match &f.truncate {
            None => Some(None),
            Some(x) if (1..=64).contains(x.get_ref()) => Some(Some(*x.get_ref() as u16)),
            Some(x) => {
                self.d.at(
                    span(x),
                    format!(
                        "truncate {} is out of range: cut 1-64 bytes from the message",
                        x.get_ref()
                    ),
                );
                None
            }
        };
        let bad_checksum = match &f.checksum {
            None => false,
            Some(c) if c.get_ref() == "bad" => true,
            Some(c) => {
                self.d.at(
                    span(c),
                    format!(
                        "checksum `{}`: the only choice is \"bad\" (a correct one is the default)",
                        c.get_ref()
                    ),
                );
                false
            }
        };
        let version_used = version.flatten().unwrap_or(vr.protocol.version());
        let interval_cs = match &f.interval {
            None => Some(None),
            Some(s) => {
                match self.duration(s) {
                    None => None,
                    Some(d) => {
                        let ms = d.as_millis();
                        let ok = if version_used == 2 {
                            ms % 1000 == 0 && (1..=255).contains(&(ms / 1000))
                        } else {
                            d.as_micros() % 10_000 == 0 && (1..=4095).contains(&(ms / 10))
                        };
                        if ok {
                            Some(Some((ms / 10) as u16))
                        } else {
                            self.d.at(
                            span(s),
                            format!(
                                "an injected VRRPv{version_used} advert carries {}; `{}` is not",
                                if version_used == 2 { "whole seconds, 1-255" } else { "whole centiseconds, 10ms to 40.95s" },
                                duration::human(d)
                            ),
                        );
                            None
                        }
                    }
                }
            }
        };
        Some(AdvertSpoof {
            priority: priority?,
            ttl: ttl?,
            vrid: vrid?,
            version: version?,
            vrrp_type: vrrp_type?,
            bad_checksum,
            addresses: addresses?,
            truncate: truncate?,
            auth_type: auth_type?,
            interval_cs: interval_cs?,
        })
    }

    /// A percentage in (0, 100] with at most one decimal, as per mille.
    /// A share in percent, as per mille: more than 0, at most 100, in steps of 0.1 %.
    /// `what` names the share in messages (`loss`, `reorder`).
    fn percent(&mut self, p: &Spanned<toml::Value>, what: &str) -> Option<u16> {
        let value = match p.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => {
                self.d.at(
                    span(p),
                    format!(
                        "`{what}` is a percent, a number, not a {}",
                        other.type_str()
                    ),
                );
                return None;
            }
        };
        let permille = (value * 10.0).round();
        if !(value > 0.0 && value <= 100.0 && value.is_finite()) {
            self.d.at(
                span(p),
                format!(
                    "percent {value} is out of range: {what} takes more than 0 and at most 100"
                ),
            );
            return None;
        }
        if (permille - value * 10.0).abs() > 1e-6 || permille < 1.0 {
            self.d.at(
                span(p),
                format!("percent {value}: {what} is set in steps of 0.1 %"),
            );
            return None;
        }
        Some(permille as u16)
    }

    fn exec(
        &mut self,
        r: &RawStep,
        step_span: Range<usize>,
        node: Option<String>,
        vrouters: &[Vrouter],
    ) -> Option<Step> {
        let track = match &r.track {
            None => None,
            Some(t) => {
                let turn = match t.get_ref().as_str() {
                    "down" => TrackTurn::Down,
                    "up" => TrackTurn::Up,
                    other => {
                        self.d.at(span(t), format!("track = \"{other}\": say `down` (the command makes what is tracked fail) or `up` (it recovers)"));
                        return None;
                    }
                };
                let tracked = node.as_ref().is_some_and(|n| {
                    vrouters
                        .iter()
                        .any(|v| !v.track.is_empty() && v.priority_of(n).is_some())
                });
                if node.is_some() && !tracked {
                    self.d.at(
                        span(t),
                        format!(
                            "node `{}` is a router of no virtual router with `track`",
                            node.as_deref().unwrap_or_default()
                        ),
                    );
                    return None;
                }
                Some(turn)
            }
        };
        let command: Vec<String> = match &r.command {
            None => {
                self.d.at(
                    step_span,
                    "`exec` needs `command = [\"rm\", \"-f\", \"/run/track-ok\"]` (the program and its arguments)",
                );
                return None;
            }
            Some(c) if c.get_ref().is_empty() || c.get_ref()[0].get_ref().is_empty() => {
                self.d
                    .at(span(c), "`command` needs at least the program to run");
                return None;
            }
            Some(c) => c.get_ref().iter().map(|a| a.get_ref().clone()).collect(),
        };
        if let Some(arg) = r
            .command
            .iter()
            .flat_map(|c| c.get_ref())
            .find(|a| a.get_ref().contains('\0'))
        {
            self.d
                .at(span(arg), "a command argument cannot hold a NUL byte");
            return None;
        }
        let background = r.background.as_ref().is_some_and(|b| *b.get_ref());
        if background {
            if let Some(t) = &r.timeout {
                self.d.at(
                    span(t),
                    "`timeout` has no meaning for a background command: it runs until the lab is torn down",
                );
            }
        }
        let deadline = match &r.timeout {
            Some(t) => self.duration(t)?,
            None => DEFAULT_EXEC_DEADLINE,
        };
        if deadline.is_zero() {
            self.d.at(
                span(r.timeout.as_ref().expect("a zero deadline was written")),
                "a command's `timeout` must be longer than 0",
            );
        }
        Some(Step::Exec {
            node: node?,
            command,
            track,
            background,
            deadline,
        })
    }

    fn expect(&mut self, raw: Option<&RawExpect>) -> Expect {
        let mut e = Expect {
            tolerance: Expect::DEFAULT_TOLERANCE,
            gap_tolerance: Expect::DEFAULT_GAP_TOLERANCE,
        };
        if let Some(r) = raw {
            if let Some(d) = r.tolerance.as_ref().and_then(|t| {
                self.duration_at_most(t, TOLERANCE_MAX, "a tolerance added to the RFC's bounds")
            }) {
                e.tolerance = d;
            }
            if let Some(d) = r.gap_tolerance.as_ref().and_then(|t| {
                self.duration_at_most(
                    t,
                    GAP_TOLERANCE_MAX,
                    "a tolerance added to the service-gap bound",
                )
            }) {
                e.gap_tolerance = d;
            }
        }
        e
    }
}

/// The default seed: FNV-1a of the scenario's name, so that a scenario without a seed still
/// makes the same choices on every run.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn is_link_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Whether nodes `a` and `b` have interfaces on one switched (not VXLAN) segment.
fn share_a_switch(a: &str, b: &str, nodes: &[Node]) -> bool {
    let switched = |n: &str| -> Vec<&str> {
        nodes
            .iter()
            .filter(|x| x.name == n)
            .flat_map(|x| &x.interfaces)
            .filter(|i| i.underlay.is_none())
            .map(|i| i.segment.as_str())
            .collect()
    };
    let sa = switched(a);
    switched(b).iter().any(|s| sa.contains(s))
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Why `ip` cannot be configured on an interface (or be a VIP), if it cannot.
fn not_an_interface_address(ip: &IpAddr) -> Option<&'static str> {
    if ip.is_unspecified() {
        Some("the unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast address (224.0.0.18 and ff02::12 are VRRP's own group)")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if *ip == IpAddr::V4(std::net::Ipv4Addr::BROADCAST) {
        Some("the limited broadcast address")
    } else {
        None
    }
}

/// Whether `key` is a sysctl a node may set: per network namespace (`net.ipv4.*`,
/// `net.ipv6.*`; `net.core.*` and the rest are the host's), and, for a per-interface key
/// (`net.ipv4.conf.IF.*`, `net.ipv6.neigh.IF.*` …), naming one of the node's interfaces or
/// `all` / `default`. On Linux the key must also exist in this kernel.
fn sysctl_key(key: &str, ifnames: &[&str]) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if key.contains('/') || parts.iter().any(|p| p.is_empty()) {
        return Err("write the key with dots, e.g. net.ipv4.conf.eth0.arp_ignore".into());
    }
    if !matches!(parts.as_slice(), ["net", "ipv4" | "ipv6", _, ..]) {
        return Err("only per-namespace keys, net.ipv4.* and net.ipv6.*, can be set on a node (other keys, such as net.core.*, are the host's)".into());
    }
    let mut probe: Vec<&str> = parts.clone();
    if let ["net", _, "conf" | "neigh", iface, _, ..] = parts.as_slice() {
        if !matches!(*iface, "all" | "default" | "lo") && !ifnames.contains(iface) {
            return Err(format!(
                "the node has no interface `{iface}` (its interfaces: {}; or all, default)",
                ifnames.join(", ")
            ));
        }
        probe[3] = "default";
    }
    let proc = Path::new("/proc/sys/net/ipv4");
    if proc.is_dir() && !Path::new("/proc/sys").join(probe.join("/")).exists() {
        return Err("this kernel has no such sysctl (a typo?)".into());
    }
    Ok(())
}
