//! The scenario file exactly as written: serde structs that keep the source spans of every
//! value a later check may need to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(crate) type Name = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<Name>,
    pub summary: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub interop: bool,
    /// Seeds every random choice of the run (which frames a `loss` drops).
    pub seed: Option<Spanned<i64>>,
    #[serde(default)]
    pub segments: BTreeMap<Name, RawSegment>,
    #[serde(default)]
    pub nodes: BTreeMap<Name, RawNode>,
    #[serde(default)]
    pub vrouters: BTreeMap<Name, RawVrouter>,
    /// `[sync_groups] fw = ["inside", "outside"]`: virtual routers that fail over together.
    #[serde(default)]
    pub sync_groups: BTreeMap<Name, Spanned<Vec<Name>>>,
    pub probe: Option<RawProbe>,
    #[serde(default)]
    pub timeline: Vec<Spanned<RawStep>>,
    pub expect: Option<RawExpect>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSegment {
    #[serde(default)]
    pub vlan_aware: bool,
    #[serde(default)]
    pub multicast_snooping: bool,
    /// A VXLAN overlay instead of a switch: `vxlan = { vni = 100 }`.
    pub vxlan: Option<Spanned<RawVxlan>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVxlan {
    pub vni: Spanned<i64>,
}

/// `routes = [{ to = "10.0.2.0/24", via = "10.0.1.254" }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub to: Spanned<String>,
    pub via: Spanned<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawRole {
    Router,
    Host,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNode {
    pub role: Spanned<RawRole>,
    #[serde(default)]
    pub interfaces: BTreeMap<Name, RawInterface>,
    #[serde(default)]
    pub sysctl: BTreeMap<Name, Spanned<toml::Value>>,
    /// A configuration of the user's per daemon (`config.keepalived = "r1.conf"`).
    #[serde(default)]
    pub config: BTreeMap<Name, Spanned<String>>,
    /// Files written into the node's private /run before its daemons start (a file a track
    /// script watches): path → content.
    #[serde(default)]
    pub files: BTreeMap<Name, Spanned<String>>,
    /// A BGP speaker the lab runs in the node (FRR bgpd), beside any daemon under test.
    pub bgp: Option<Spanned<RawBgp>>,
    /// A host's default route: via this virtual router's VIP.
    pub gateway: Option<Name>,
    /// Static routes (a routed underlay between segments).
    #[serde(default)]
    pub routes: Vec<Spanned<RawRoute>>,
}

/// `bgp = { asn = 65001, neighbors = ["198.51.100.254"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBgp {
    pub asn: Spanned<i64>,
    pub neighbors: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterface {
    pub segment: Name,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
    pub vlan: Option<Spanned<i64>>,
    /// On a VXLAN segment: the node's interface whose IPv4 address is the tunnel's endpoint.
    pub underlay: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVrouter {
    pub vrid: Spanned<i64>,
    pub version: Option<Spanned<i64>>,
    pub segment: Name,
    pub vips: Spanned<Vec<Spanned<String>>>,
    pub interval: Option<Spanned<String>>,
    pub priorities: Option<Spanned<BTreeMap<Name, Spanned<i64>>>>,
    /// `vrrp` (default) or `carp`.
    pub protocol: Option<Spanned<String>>,
    /// CARP: the password the routers share.
    pub password: Option<Spanned<String>>,
    /// CARP: each router's advskew (lower is preferred), instead of priorities.
    pub advskew: Option<Spanned<BTreeMap<Name, Spanned<i64>>>>,
    /// CARP: routers configured with another password than `password`.
    pub passwords: Option<BTreeMap<Name, Spanned<String>>>,
    pub preempt: Option<bool>,
    pub preempt_delay: Option<Spanned<String>>,
    pub accept: Option<bool>,
    pub vmac: Option<bool>,
    /// `"lo"`: each router holds the VIPs on its loopback, without a VMAC, and routing (not
    /// ARP) leads traffic to them.
    pub vip_interface: Option<Spanned<String>>,
    pub unicast: Option<bool>,
    /// VRRPv2: RFC 2338's simple text password (keepalived's `auth_type PASS`).
    pub auth_pass: Option<Spanned<String>>,
    pub notify: Option<Spanned<RawNotify>>,
    /// What each router's daemon watches to adjust its priority.
    #[serde(default)]
    pub track: Vec<Spanned<RawTrack>>,
}

/// `[[vrouters.NAME.track]]`: a script or an interface each router watches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrack {
    pub script: Option<Spanned<String>>,
    pub interface: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub fall: Option<Spanned<i64>>,
    pub rise: Option<Spanned<i64>>,
    pub weight: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotify {
    pub master: Option<Spanned<String>>,
    pub backup: Option<Spanned<String>>,
    pub fault: Option<Spanned<String>>,
    pub stop: Option<Spanned<String>>,
    pub moves: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProbe {
    pub interval: Option<Spanned<String>>,
    pub from: Option<Vec<Name>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub action: Name,
    pub node: Option<Name>,
    pub until: Option<Name>,
    pub vrouter: Option<Name>,
    /// `link_down`/`link_up`: one interface of the node instead of all of them.
    pub interface: Option<Name>,
    pub timeout: Option<Spanned<String>>,
    #[serde(rename = "for")]
    pub duration: Option<Spanned<String>>,
    /// `partition`: groups of nodes that stop hearing each other.
    pub groups: Option<Spanned<Vec<Spanned<Vec<Name>>>>>,
    /// `loss`: share of frames dropped, in percent (a number).
    pub percent: Option<Spanned<toml::Value>>,
    /// `loss` both ways between two nodes.
    pub between: Option<Spanned<Vec<Name>>>,
    /// `loss` one way.
    pub from: Option<Name>,
    pub to: Option<Name>,
    /// `exec`: the command and its arguments.
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    /// `exec`: leave it running and go on.
    pub background: Option<Spanned<bool>>,
    /// `exec`: the command makes what the virtual routers track fail (`down`) or recover
    /// (`up`) in its node; the judge expects mastership to follow.
    pub track: Option<Name>,
    /// `inject`: what to send.
    pub frame: Option<Spanned<RawFrame>>,
    /// `inject`: how many times.
    pub count: Option<Spanned<i64>>,
    /// `inject`: how far apart.
    pub every: Option<Spanned<String>>,
    /// `inject`: sent this long after the previous step (the fault) began, not once it ended.
    pub offset: Option<Spanned<String>>,
    /// `snooping`: the segment whose bridge it sets.
    pub segment: Option<Name>,
    /// `snooping`: on or off.
    pub enabled: Option<Spanned<bool>>,
    /// `snooping`: the bridge itself queries.
    pub querier: Option<Spanned<bool>>,
    /// `delay`: how long frames of the flows are held.
    pub delay: Option<Spanned<String>>,
    /// `delay`: each frame's delay varies by up to this, either way.
    pub jitter: Option<Spanned<String>>,
    /// `delay`: share of frames sent at once instead (percent): they overtake the others.
    pub reorder: Option<Spanned<toml::Value>>,
    /// `delay`: share of frames delivered twice (percent).
    pub duplicate: Option<Spanned<toml::Value>>,
}

/// `inject`'s `frame = { kind = "advert", ttl = 254 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFrame {
    pub kind: Name,
    /// Whose physical MAC a stale NA or gratuitous ARP claims the VIP for.
    pub claim: Option<Name>,
    pub priority: Option<Spanned<i64>>,
    pub ttl: Option<Spanned<i64>>,
    pub vrid: Option<Spanned<i64>>,
    pub version: Option<Spanned<i64>>,
    #[serde(rename = "type")]
    pub vrrp_type: Option<Spanned<i64>>,
    /// `"bad"`: a checksum no reading accepts.
    pub checksum: Option<Spanned<String>>,
    /// The count field, whatever the addresses carried.
    pub addresses: Option<Spanned<i64>>,
    /// Bytes cut from the end of the message.
    pub truncate: Option<Spanned<i64>>,
    /// v2 authentication type.
    pub auth_type: Option<Spanned<i64>>,
    /// Advertisement interval (v3: whole centiseconds; v2: whole seconds).
    pub interval: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub tolerance: Option<Spanned<String>>,
    pub gap_tolerance: Option<Spanned<String>>,
}

impl RawStep {
    /// Every optional field that is present, with its span: each action says which it takes.
    pub(crate) fn fields(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        let mut add = |name: &'static str, sp: Option<std::ops::Range<usize>>| {
            if let Some(sp) = sp {
                out.push((name, sp));
            }
        };
        add("node", self.node.as_ref().map(Spanned::span));
        add("until", self.until.as_ref().map(Spanned::span));
        add("vrouter", self.vrouter.as_ref().map(Spanned::span));
        add("interface", self.interface.as_ref().map(Spanned::span));
        add("timeout", self.timeout.as_ref().map(Spanned::span));
        add("for", self.duration.as_ref().map(Spanned::span));
        add("groups", self.groups.as_ref().map(Spanned::span));
        add("percent", self.percent.as_ref().map(Spanned::span));
        add("between", self.between.as_ref().map(Spanned::span));
        add("from", self.from.as_ref().map(Spanned::span));
        add("to", self.to.as_ref().map(Spanned::span));
        add("command", self.command.as_ref().map(Spanned::span));
        add("background", self.background.as_ref().map(Spanned::span));
        add("frame", self.frame.as_ref().map(Spanned::span));
        add("count", self.count.as_ref().map(Spanned::span));
        add("every", self.every.as_ref().map(Spanned::span));
        add("offset", self.offset.as_ref().map(Spanned::span));
        add("segment", self.segment.as_ref().map(Spanned::span));
        add("enabled", self.enabled.as_ref().map(Spanned::span));
        add("querier", self.querier.as_ref().map(Spanned::span));
        add("delay", self.delay.as_ref().map(Spanned::span));
        add("jitter", self.jitter.as_ref().map(Spanned::span));
        add("reorder", self.reorder.as_ref().map(Spanned::span));
        add("duplicate", self.duplicate.as_ref().map(Spanned::span));
        out
    }
}
