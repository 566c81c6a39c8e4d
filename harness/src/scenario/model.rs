//! The validated scenario: what the rest of vrlab builds, runs and judges.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Family, IpNet};
use crate::checks::Check;
pub use crate::wire::Protocol;

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: String,
    pub summary: String,
    pub references: Vec<String>,
    /// Run by the suite for every ordered pair of daemons too (the first router runs one, the
    /// others the other), not only with one daemon everywhere.
    pub interop: bool,
    /// Where the scenario was read from, and its text (copied into the run directory).
    pub path: PathBuf,
    #[serde(skip)]
    pub source: String,
    /// Seeds every random choice of the run; from the file, or derived from the name so that
    /// a run is repeatable without one.
    pub seed: u64,
    pub segments: Vec<Segment>,
    pub nodes: Vec<Node>,
    pub vrouters: Vec<Vrouter>,
    /// Virtual routers that fail over together (keepalived's `vrrp_sync_group`).
    pub sync_groups: Vec<SyncGroup>,
    pub probe: Probe,
    pub timeline: Vec<Step>,
    pub expect: Expect,
}

/// `[sync_groups] NAME = [...]`: virtual routers with the same routers whose daemons take
/// them out of mastership together — a fault of one member (its interface down, a tracked
/// check failing with weight 0) is a fault of all — so that traffic in through one never
/// leaves through a router that is no longer master of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncGroup {
    pub name: String,
    /// Two or more virtual routers, in file order; each in one group at most.
    pub vrouters: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub name: String,
    pub vlan_aware: bool,
    pub multicast_snooping: bool,
    /// A VXLAN overlay (this VNI) instead of a switch: each member node has a VXLAN device
    /// (UDP 4789, no learning) with one all-zero FDB entry per other member — head-end
    /// replication, so multicast crosses an underlay that carries none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vxlan: Option<u32>,
}

/// The well-known VXLAN port (RFC 7348 §5).
pub const VXLAN_PORT: u16 = 4789;

/// One member of a VXLAN overlay: the node, its VXLAN interface, and the IPv4 address of its
/// tunnel's endpoint (the first on its `underlay` interface).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverlayMember {
    pub node: String,
    pub interface: String,
    pub underlay: String,
    pub local: std::net::Ipv4Addr,
}

/// A static route of a node (`routes = [{ to, via }]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticRoute {
    pub to: IpNet,
    pub via: IpAddr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Router,
    Host,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub role: Role,
    pub interfaces: Vec<Interface>,
    /// Extra sysctls from the scenario, applied after vrlab's own defaults.
    pub sysctls: Vec<(String, String)>,
    /// The user's own daemon configurations for this router, by daemon.
    pub configs: Vec<OwnConfig>,
    /// Files written into the node's private /run before its daemons start: (absolute path
    /// as the node sees it, content).
    pub files: Vec<(String, String)>,
    /// The BGP speaker the lab runs in the node, if any.
    pub bgp: Option<Bgp>,
    /// A host's default route goes via this virtual router's (first IPv4) VIP.
    pub gateway: Option<String>,
    /// Static routes, added once the node's interfaces are up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<StaticRoute>,
}

/// A node's BGP speaker (FRR zebra + bgpd, run by the lab beside the daemon under test):
/// external sessions to its neighbours; a router announces the VIPs it holds on `lo` while it
/// holds them (its connected /32s), and a node without VIPs learns them — the upstream whose
/// route follows the master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bgp {
    pub asn: u32,
    /// IPv4 addresses of other nodes with a BGP speaker, on a segment this node shares.
    pub neighbors: Vec<std::net::Ipv4Addr>,
}

/// A daemon configuration of the user's (`config.keepalived = "r1.conf"` on a router node):
/// when the node runs that daemon, the lab runs it with this file, its placeholders filled
/// in, instead of the configuration it would render from the scenario.
#[derive(Debug, Clone, Serialize)]
pub struct OwnConfig {
    /// The daemon it is for.
    pub daemon: String,
    /// The file, resolved against the scenario's directory.
    pub path: PathBuf,
    /// Its text, read with the scenario.
    #[serde(skip)]
    pub text: String,
    /// `SCENARIO:LINE:COL` of the entry that names it, for findings that cite both places.
    pub named_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interface {
    pub name: String,
    pub segment: String,
    pub addresses: Vec<IpNet>,
    /// Access VLAN on a VLAN-aware segment.
    pub vlan: Option<u16>,
    /// On a VXLAN segment: the node's interface that carries the tunnel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underlay: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Vrouter {
    pub name: String,
    pub vrid: u8,
    /// VRRPv2, VRRPv3 or CARP (`vrid` is then its VHID, `interval` its advbase, and
    /// `priorities` hold 255 − advskew, the rank the judge gives CARP routers: lower advskew
    /// wins).
    pub protocol: Protocol,
    pub family: Family,
    pub segment: String,
    pub vips: Vec<IpAddr>,
    /// Advertisement interval in centiseconds.
    pub interval_cs: u16,
    pub preempt: bool,
    pub preempt_delay_cs: u32,
    pub accept: bool,
    pub vmac: bool,
    /// Where the master holds the VIPs when not on the segment's interface: `lo` (a service
    /// address that routing, e.g. BGP, leads to; never with a VMAC).
    pub vip_interface: Option<String>,
    pub unicast: bool,
    /// VRRPv2: RFC 2338's simple text password the routers send and require (Auth Type 1),
    /// to interoperate with routers configured with one.
    pub auth_pass: Option<String>,
    /// (router node, priority), in file order of the node names.
    pub priorities: Vec<(String, u8)>,
    /// Commands the routers' daemons run on their state changes, if any.
    pub notify: Option<Notify>,
    /// What each router's daemon watches to adjust its priority, in file order.
    pub track: Vec<Track>,
    /// CARP: the passwords its routers are configured with (a scenario always gives them; a
    /// capture only with `--carp-pass`). `None` for VRRP.
    pub carp_auth: Option<Carp>,
}

/// What a CARP virtual host adds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Carp {
    /// The password the routers share (ucarp's `--pass`).
    pub password: String,
    /// Routers configured with another password: (router, its password).
    pub passwords: Vec<(String, String)>,
}

impl Carp {
    /// Whether a CARP advert of `vhid` carries the HMAC of the shared password over `vips`:
    /// what a router with that password accepts. The one rule for the live view of the wire
    /// and for the judge.
    pub fn authentic(
        &self,
        vhid: u8,
        vips: &[std::net::IpAddr],
        auth: &crate::wire::carp::CarpAuth,
    ) -> bool {
        Carp::hmac(&self.password, vhid, vips, auth.counter) == auth.hmac
    }

    /// The HMAC a CARP advert of `vhid` with this `counter` carries from a router configured
    /// with `password`, over the IPv4 ones of `vips` (CARP's addresses).
    pub fn hmac(password: &str, vhid: u8, vips: &[std::net::IpAddr], counter: u64) -> [u8; 20] {
        let v4: Vec<std::net::Ipv4Addr> = vips
            .iter()
            .filter_map(|a| match a {
                std::net::IpAddr::V4(v4) => Some(*v4),
                std::net::IpAddr::V6(_) => None,
            })
            .collect();
        crate::wire::carp::hmac(password, vhid, &v4, counter)
    }

    /// The password `router` is configured with.
    pub fn password_of(&self, router: &str) -> &str {
        self.passwords
            .iter()
            .find(|(r, _)| r == router)
            .map_or(self.password.as_str(), |(_, p)| p.as_str())
    }
}

/// What every router of a virtual router watches in its own node to adjust its priority
/// (keepalived's `vrrp_script` and `track_interface`, vrlabd's `[[instance.track_script]]`
/// and `[[instance.track_interface]]`): how operators tie mastership to a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Track {
    pub watch: Watch,
    /// Added to the priority while what it watches fails (negative lowers it); 0: the
    /// router goes to the Fault state and leaves mastership.
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Watch {
    /// A shell command (`/bin/sh -c`), run every `interval`: `fall` failures in a row mark
    /// it down, `rise` successes in a row up again.
    Script {
        command: String,
        interval: Duration,
        fall: u32,
        rise: u32,
    },
    /// One of the node's interfaces: down while its link is.
    Interface { name: String },
}

/// Which way an operator's command turns what the virtual routers track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackTurn {
    Down,
    Up,
}

impl TrackTurn {
    pub fn name(self) -> &'static str {
        match self {
            TrackTurn::Down => "down",
            TrackTurn::Up => "up",
        }
    }
}

impl Track {
    /// The longest a daemon may take to see the change: `fall` (down) or `rise` (up) runs of
    /// a script, one interval apart; an interface's link change is seen at once.
    pub fn detection(&self, turn: TrackTurn) -> Duration {
        match &self.watch {
            Watch::Script { interval, .. } => *interval * self.runs(turn),
            Watch::Interface { .. } => Duration::ZERO,
        }
    }

    /// How many runs of a script see the change (`fall` or `rise`); none for an interface.
    pub fn runs(&self, turn: TrackTurn) -> u32 {
        match (&self.watch, turn) {
            (Watch::Script { fall, .. }, TrackTurn::Down) => *fall,
            (Watch::Script { rise, .. }, TrackTurn::Up) => *rise,
            (Watch::Interface { .. }, _) => 0,
        }
    }

    /// The priority a router configured with `base` advertises while this fails: `None` for
    /// the Fault state (weight 0). The address owner's 255 does not move.
    pub fn failed_priority(&self, base: u8) -> Option<u8> {
        match (self.weight, base) {
            (0, _) => None,
            (_, 255) => Some(255),
            (w, b) => Some((i32::from(b) + w).clamp(1, 254) as u8),
        }
    }
}

/// A router's state as a daemon's notify hooks name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookState {
    Master,
    Backup,
    Fault,
    /// The daemon is shutting down.
    Stop,
}

impl HookState {
    pub const ALL: [HookState; 4] = [
        HookState::Master,
        HookState::Backup,
        HookState::Fault,
        HookState::Stop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HookState::Master => "master",
            HookState::Backup => "backup",
            HookState::Fault => "fault",
            HookState::Stop => "stop",
        }
    }
}

/// Commands each router's daemon runs in its node when its state in the virtual router
/// changes (keepalived's `notify_master` …, vrlabd's `[instance.notify]`): how operators move
/// what VRRP does not carry, such as an IPv6 gateway address beside an IPv4 virtual router.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Notify {
    /// A shell command (`/bin/sh -c`) per state, in [`HookState::ALL`] order.
    pub hooks: Vec<(HookState, String)>,
    /// Addresses the hooks move with mastership. They sit on the router's own interface with
    /// its own MAC, not the virtual MAC: hosts probe them, and the judge measures, at each
    /// change of master, how long the old master kept them and how long hosts kept its MAC.
    pub moves: Vec<IpAddr>,
}

impl Notify {
    pub fn hook(&self, state: HookState) -> Option<&str> {
        self.hooks
            .iter()
            .find(|(s, _)| *s == state)
            .map(|(_, c)| c.as_str())
    }
}

#[cfg(test)]
impl Vrouter {
    /// A unit tests' fixture: VRRPv3 on segment `lan`, 100 ms, preempt, no accept, VMAC, r1 at
    /// priority 200.
    pub(crate) fn fixture(name: &str, vrid: u8, family: Family, vip: &str) -> Vrouter {
        Vrouter {
            name: name.into(),
            vrid,
            protocol: crate::wire::Protocol::VrrpV3,
            family,
            segment: "lan".into(),
            vips: vec![vip.parse().expect("a VIP")],
            interval_cs: 10,
            preempt: true,
            preempt_delay_cs: 0,
            accept: false,
            vmac: true,
            vip_interface: None,
            unicast: false,
            auth_pass: None,
            priorities: vec![("r1".into(), 200)],
            notify: None,
            track: Vec::new(),
            carp_auth: None,
        }
    }
}

impl Vrouter {
    pub fn priority_of(&self, node: &str) -> Option<u8> {
        self.priorities
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, p)| *p)
    }

    /// The priorities `node` may advertise while the virtual router is up: its configured
    /// one and, where it tracks something, that lowered by the weights of any of its tracked
    /// things that fail (the address owner's 255 does not move).
    pub fn priorities_of(&self, node: &str) -> std::collections::BTreeSet<u8> {
        let mut out: std::collections::BTreeSet<u8> = self.priority_of(node).into_iter().collect();
        for t in &self.track {
            let lowered: Vec<u8> = out.iter().filter_map(|p| t.failed_priority(*p)).collect();
            out.extend(lowered);
        }
        out
    }

    /// The virtual router MAC ([`Protocol::vmac`]).
    pub fn vmac_addr(&self) -> crate::wire::MacAddr {
        self.protocol.vmac(self.family, self.vrid)
    }

    /// Addresses its notify hooks move with mastership (not VIPs).
    pub fn moves(&self) -> Vec<IpAddr> {
        self.notify.iter().flat_map(|n| n.moves.clone()).collect()
    }

    /// This virtual router advertising every `interval_cs` centiseconds (0: as configured):
    /// the RFC formulas at an interval learnt from the wire.
    pub fn with_interval(&self, interval_cs: u16) -> Vrouter {
        let mut v = self.clone();
        if interval_cs != 0 {
            v.interval_cs = interval_cs;
        }
        v
    }

    /// Whether hosts can expect the master to answer traffic addressed to the VIPs: only
    /// with Accept_Mode, or on the address owner (RFC 5798 §6.4.3, RFC 3768 §6.4.3). Probes
    /// target only such virtual routers.
    pub fn answers_probes(&self) -> bool {
        self.accept || self.priorities.iter().any(|(_, p)| *p == 255)
    }

    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_cs as u64 * 10)
    }

    /// Skew_Time for a router of `priority`: RFC 3768 §6.1 ((256 − Priority) / 256 s) for v2,
    /// RFC 5798 §6.1 (((256 − Priority) × Master_Adver_Interval) / 256 cs) for v3.
    /// Computed in nanoseconds: truncating to whole centiseconds would make it zero at the
    /// short intervals the suite uses.
    pub fn skew_time(&self, priority: u8) -> Duration {
        let weight = 256 - priority as u64;
        let nanos = match self.protocol {
            Protocol::VrrpV2 => weight * 1_000_000_000 / 256,
            Protocol::VrrpV3 | Protocol::Carp => {
                weight * self.interval_cs as u64 * 10_000_000 / 256
            }
        };
        Duration::from_nanos(nanos)
    }

    /// Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time (RFC 3768 §6.1,
    /// RFC 5798 §6.1). For CARP, what carp(4) and ucarp wait: three of the backup's own
    /// advertisement periods, 3 × (advbase + advskew/256 s), advskew being 255 − `priority`.
    pub fn master_down_interval(&self, priority: u8) -> Duration {
        if self.protocol.is_carp() {
            return self.carp_period(priority) * 3;
        }
        self.interval() * 3 + self.skew_time(priority)
    }

    /// CARP's advertisement period for the router of rank `priority`: advbase + advskew/256 s.
    pub fn carp_period(&self, priority: u8) -> Duration {
        let advskew = 255 - u64::from(priority);
        self.interval() + Duration::from_nanos(advskew * 1_000_000_000 / 256)
    }

    /// How the Master_Down_Interval of a router of rank `priority` is made, in words.
    pub fn master_down_formula(&self, priority: u8) -> String {
        let human = super::duration::human;
        if self.protocol.is_carp() {
            return format!(
                "3 × (advbase {} + advskew {}/256 s)",
                human(self.interval()),
                255 - priority
            );
        }
        format!(
            "3 × {} + Skew_Time {} at priority {priority}",
            human(self.interval()),
            human(self.skew_time(priority))
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub enabled: bool,
    pub interval: Duration,
    /// Host nodes that send probes.
    pub from: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Wait until an observable condition holds, or fail the run at the deadline.
    Wait { until: Until, timeout: Duration },
    /// Keep observing for a while: the window is a steady-state sample for the checks.
    Hold { duration: Duration },
    /// Act on a node's daemons, or on its links: all of them, or with `interface` (link
    /// faults only) that one.
    Fault {
        fault: FaultKind,
        node: String,
        interface: Option<String>,
    },
    /// Nodes in different groups stop hearing each other, on every segment; nodes in no group
    /// keep hearing everyone.
    Partition { groups: Vec<Vec<String>> },
    /// Drop a share of the frames of some flows.
    Loss { permille: u16, flows: Vec<Flow> },
    /// Hold back, reorder or duplicate the frames of some flows.
    Delay(Delay),
    /// End every partition, loss and delay in effect.
    Heal,
    /// Turn IGMP/MLD snooping on a segment's bridge on or off, with or without the bridge
    /// itself as querier.
    Snooping {
        segment: String,
        enabled: bool,
        querier: bool,
    },
    /// Run a command in a node, as an operator would.
    Exec {
        node: String,
        command: Vec<String>,
        /// What the command does to what the node's virtual routers track, when it is said.
        track: Option<TrackTurn>,
        /// Leave it running and go on (it is stopped at teardown).
        background: bool,
        /// A foreground command that has not exited by then is killed and fails the step.
        deadline: Duration,
    },
    /// Send crafted frames from a node's port.
    Inject(Inject),
}

/// How a `delay` step impairs the frames of its flows (netem's delay, jitter, reorder and
/// duplicate, served by the lab's relay where the kernel has no netem).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delay {
    pub flows: Vec<Flow>,
    pub delay: Duration,
    /// Each frame's delay is `delay` ± up to this (uniform, seeded).
    pub jitter: Duration,
    /// Share of frames sent at once instead, per mille: they overtake those held back.
    pub reorder_permille: u16,
    /// Share of frames delivered twice, per mille.
    pub duplicate_permille: u16,
}

/// Frames the lab sends itself, built by its own encoder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inject {
    /// Whose port they leave by (a host, or a router impersonating itself).
    pub node: String,
    /// The virtual router they concern (VRID, VIPs, segment).
    pub vrouter: String,
    pub frame: FrameKind,
    /// Addressed to this router's physical MAC instead of the usual destination.
    pub to: Option<String>,
    pub count: u32,
    pub every: Duration,
    /// Sent this long after the previous step began (a fault's start), instead of once it
    /// ended; the step fails if the previous one took longer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FrameKind {
    /// A VRRP advert for the virtual router, spoofed as the fields say.
    Advert(AdvertSpoof),
    /// An unsolicited NA (O=1) for each IPv6 VIP naming `claim`'s physical MAC: what a
    /// leaving master that keeps using the VIP with its own MAC sends.
    StaleNa { claim: String },
    /// A gratuitous ARP for each IPv4 VIP naming `claim`'s physical MAC.
    Garp { claim: String },
    /// An ARP request for each IPv4 VIP.
    ArpRequest,
    /// A Neighbor Solicitation for each IPv6 VIP.
    Ns,
    /// An ICMP echo request to each VIP (to the VMAC, or to `to`'s physical MAC).
    Echo,
}

/// How an injected advert differs from a conforming one of its virtual router (source: the
/// sending node's own MAC and address). `None` keeps the conforming value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvertSpoof {
    pub priority: Option<u8>,
    pub ttl: Option<u8>,
    pub vrid: Option<u8>,
    pub version: Option<u8>,
    pub vrrp_type: Option<u8>,
    pub bad_checksum: bool,
    /// The count field.
    pub addresses: Option<u8>,
    pub truncate: Option<u16>,
    pub auth_type: Option<u8>,
    /// Centiseconds (v2: seconds × 100).
    pub interval_cs: Option<u16>,
}

impl AdvertSpoof {
    /// The check that judges a receiver's discard of it, and why it must be discarded; `None`
    /// for an advert a receiver must act on. `v` is the virtual router it is sent to.
    /// `carried`: how many addresses a conforming advert of it carries.
    pub fn discard_rule(&self, v: &Vrouter, carried: usize) -> Option<(Check, String)> {
        if let Some(t) = self.ttl.filter(|t| *t != 255) {
            return Some((Check::A5TtlDiscard, format!("TTL/hop limit {t}, not 255")));
        }
        if let Some(x) = self.version.filter(|x| *x != v.protocol.version()) {
            return Some((
                Check::B1Version,
                format!("version {x}, the router runs {}", v.protocol.version()),
            ));
        }
        if let Some(x) = self.vrrp_type.filter(|x| *x != 1) {
            return Some((Check::B2Type, format!("type {x}, not 1 (advertisement)")));
        }
        if let Some(x) = self.vrid.filter(|x| *x != v.vrid) {
            return Some((
                Check::B3Vrid,
                format!("VRID {x}, which no router on the segment runs"),
            ));
        }
        if let Some(x) = self.addresses.filter(|x| usize::from(*x) != carried) {
            return Some((
                Check::B5Count,
                format!("count {x} for {carried} addresses carried"),
            ));
        }
        if let Some(x) = self
            .auth_type
            .filter(|x| *x != 0 && v.protocol == Protocol::VrrpV2)
        {
            return Some((
                Check::B6V2Authentication,
                format!("authentication type {x}, the routers use 0"),
            ));
        }
        if self.bad_checksum {
            return Some((Check::B9Checksum, "a checksum no reading accepts".into()));
        }
        if let Some(x) = self.truncate.filter(|x| *x > 0) {
            return Some((Check::B12Length, format!("truncated by {x} bytes")));
        }
        if let Some(x) = self
            .interval_cs
            .filter(|x| *x != v.interval_cs && v.protocol == Protocol::VrrpV2)
        {
            return Some((
                Check::B13IntervalMismatch,
                format!(
                    "interval {} s, the routers use {} s",
                    x / 100,
                    v.interval_cs / 100
                ),
            ));
        }
        None
    }
}

impl FrameKind {
    pub fn name(&self) -> &'static str {
        match self {
            FrameKind::Advert(_) => "advert",
            FrameKind::StaleNa { .. } => "stale-na",
            FrameKind::Garp { .. } => "garp",
            FrameKind::ArpRequest => "arp-request",
            FrameKind::Ns => "ns",
            FrameKind::Echo => "echo",
        }
    }

    pub const NAMES: [&'static str; 6] =
        ["advert", "stale-na", "garp", "arp-request", "ns", "echo"];
}

/// Frames entering the segments from the `from` nodes' ports and leaving by the `to` nodes'
/// ports. `None` is any port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub from: Option<Vec<String>>,
    pub to: Option<Vec<String>>,
}

impl Flow {
    /// Whether frames sent by `sender` are dropped on their way to `receiver` by this flow.
    pub fn carries(&self, sender: &str, receiver: &str) -> bool {
        let has = |side: &Option<Vec<String>>, n: &str| {
            side.as_ref().is_none_or(|v| v.iter().any(|x| x == n))
        };
        has(&self.from, sender) && has(&self.to, receiver)
    }

    /// The flows that cut every group off from every other.
    pub fn partition(groups: &[Vec<String>]) -> Vec<Flow> {
        let mut out = Vec::new();
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    out.push(Flow {
                        from: Some(a.clone()),
                        to: Some(b.clone()),
                    });
                }
            }
        }
        out
    }
}

impl Step {
    /// The action's name as written in a scenario.
    pub fn action(&self) -> &'static str {
        match self {
            Step::Wait { .. } => "wait",
            Step::Hold { .. } => "hold",
            Step::Fault { fault, .. } => fault.name(),
            Step::Partition { .. } => "partition",
            Step::Loss { .. } => "loss",
            Step::Delay(_) => "delay",
            Step::Snooping { .. } => "snooping",
            Step::Heal => "heal",
            Step::Exec { .. } => "exec",
            Step::Inject(_) => "inject",
        }
    }

    /// What the step does, in a few words for a timeline: `crash r1`, `partition r1 | r2`,
    /// `loss 30%`, `inject stale-na from h1`. `None` for the steps that only observe.
    pub fn label(&self) -> Option<String> {
        let percent = |permille: u16| format!("{}%", f64::from(permille) / 10.0);
        Some(match self {
            Step::Wait { .. } | Step::Hold { .. } => return None,
            Step::Fault {
                fault,
                node,
                interface,
            } => match interface {
                Some(i) => format!("{} {node}:{i}", fault.name()),
                None => format!("{} {node}", fault.name()),
            },
            Step::Partition { groups } => format!(
                "partition {}",
                groups
                    .iter()
                    .map(|g| g.join(" "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            Step::Loss { permille, .. } => format!("loss {}", percent(*permille)),
            Step::Delay(d) => format!("delay {}", super::duration::human(d.delay)),
            Step::Heal => "heal".into(),
            Step::Snooping {
                segment, enabled, ..
            } => format!(
                "snooping {} on {segment}",
                if *enabled { "on" } else { "off" }
            ),
            Step::Exec { node, .. } => format!("exec in {node}"),
            Step::Inject(i) => format!("inject {} from {}", i.frame.name(), i.node),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum Until {
    /// Every virtual router has exactly one master on the wire.
    Steady,
    /// `node` is the master of `vrouter` (of every virtual router it is in, if none is named).
    Master {
        node: String,
        vrouter: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Start the node's daemons (after a stop or crash).
    Start,
    /// SIGTERM: a graceful shutdown, which should send priority 0.
    Stop,
    /// SIGKILL to every process group of the node's daemons: a silent death.
    Crash,
    /// SIGSTOP: the daemon hangs and stops advertising without leaving.
    Freeze,
    /// SIGCONT after a freeze.
    Thaw,
    /// Stop, then start.
    Restart,
    /// Every bridge port of the node goes down, as if its cables were pulled: the node's
    /// interfaces lose carrier and nothing passes either way. Routers and hosts alike.
    LinkDown,
    /// The node's bridge ports come back up.
    LinkUp,
}

impl FaultKind {
    pub const ALL: [(&'static str, FaultKind); 8] = [
        ("start", FaultKind::Start),
        ("stop", FaultKind::Stop),
        ("crash", FaultKind::Crash),
        ("freeze", FaultKind::Freeze),
        ("thaw", FaultKind::Thaw),
        ("restart", FaultKind::Restart),
        ("link_down", FaultKind::LinkDown),
        ("link_up", FaultKind::LinkUp),
    ];

    /// Whether the fault acts on the node's links rather than its daemons.
    pub fn is_link(self) -> bool {
        matches!(self, FaultKind::LinkDown | FaultKind::LinkUp)
    }

    pub fn name(self) -> &'static str {
        FaultKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Expect {
    /// Added to RFC-derived timing bounds (takeover).
    pub tolerance: Duration,
    /// Added to the RFC-derived bound on the service gap seen by probes.
    pub gap_tolerance: Duration,
}

impl Expect {
    /// The tolerance a scenario that states none has, and `vrlab check` on a capture.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_millis(50);
    /// The service-gap tolerance a scenario that states none has.
    pub const DEFAULT_GAP_TOLERANCE: Duration = Duration::from_millis(100);
}

impl Node {
    /// Every address of the node's interfaces, in file order.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.interfaces
            .iter()
            .flat_map(|i| i.addresses.iter().map(|a| a.addr))
    }
}

impl Scenario {
    /// The members of VXLAN segment `segment`, in node order (none for a switched segment).
    pub fn overlay_members(&self, segment: &str) -> Vec<OverlayMember> {
        self.nodes
            .iter()
            .flat_map(|n| {
                n.interfaces
                    .iter()
                    .filter(move |i| i.segment == segment)
                    .filter_map(move |i| {
                        let underlay = i.underlay.as_ref()?;
                        let local = n
                            .interfaces
                            .iter()
                            .find(|u| &u.name == underlay)?
                            .addresses
                            .iter()
                            .find_map(|a| match a.addr {
                                IpAddr::V4(v4) => Some(v4),
                                IpAddr::V6(_) => None,
                            })?;
                        Some(OverlayMember {
                            node: n.name.clone(),
                            interface: i.name.clone(),
                            underlay: underlay.clone(),
                            local,
                        })
                    })
            })
            .collect()
    }

    /// Whether `segment` is a VXLAN overlay.
    pub fn is_overlay(&self, segment: &str) -> bool {
        self.segments
            .iter()
            .any(|s| s.name == segment && s.vxlan.is_some())
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn routers(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Router)
    }

    pub fn hosts(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Host)
    }

    pub fn vrouter(&self, name: &str) -> Option<&Vrouter> {
        self.vrouters.iter().find(|v| v.name == name)
    }

    /// The sync group `vrouter` is a member of.
    pub fn sync_group_of(&self, vrouter: &str) -> Option<&SyncGroup> {
        self.sync_groups
            .iter()
            .find(|g| g.vrouters.iter().any(|v| v == vrouter))
    }

    /// The virtual routers a fault of `node` takes out of its hands: with `interface`, those
    /// on that interface's segment and the other members of their sync groups; else all.
    pub fn vrouters_hit(&self, node: &str, interface: Option<&str>) -> Vec<&Vrouter> {
        let Some(interface) = interface else {
            return self.vrouters.iter().collect();
        };
        let segment = self
            .node(node)
            .and_then(|n| n.interfaces.iter().find(|i| i.name == interface))
            .map(|i| i.segment.as_str());
        let cut: Vec<&str> = self
            .vrouters
            .iter()
            .filter(|v| Some(v.segment.as_str()) == segment)
            .map(|v| v.name.as_str())
            .collect();
        self.vrouters
            .iter()
            .filter(|v| {
                cut.contains(&v.name.as_str())
                    || self
                        .sync_group_of(&v.name)
                        .is_some_and(|g| g.vrouters.iter().any(|m| cut.contains(&m.as_str())))
            })
            .collect()
    }

    /// What `host` probes: the VIPs of the virtual routers on a segment it is attached to that
    /// answer traffic to their VIPs (Accept_Mode, or an owner), and the addresses their notify
    /// hooks move (a router's own kernel answers those). A VIP of another segment is
    /// not the host's gateway, and no reply from it says nothing about a failover. VIPs held
    /// on `lo` are reached by routing: a host with a BGP speaker (the upstream that learns
    /// them) probes them, wherever it is, and the segment's hosts, with no route, do not.
    pub fn probe_targets(&self, host: &str) -> Vec<std::net::IpAddr> {
        let Some(node) = self.node(host) else {
            return Vec::new();
        };
        self.vrouters
            .iter()
            .filter(|v| match v.vip_interface {
                Some(_) => node.bgp.is_some(),
                None => node.interfaces.iter().any(|i| i.segment == v.segment),
            })
            .flat_map(|v| {
                let vips = v.vips.iter().filter(|_| v.answers_probes());
                let moved = v.notify.iter().flat_map(|n| n.moves.iter());
                vips.chain(moved).copied()
            })
            .chain(self.through_targets(host).into_iter().map(|(ip, _)| ip))
            .collect()
    }

    /// What `host` reaches *through* the virtual routers: the first IPv4 address of every
    /// other host with a gateway that shares no segment with it — its traffic goes out by its
    /// own gateway and comes back by the other's — with the virtual routers on that path.
    pub fn through_targets(&self, host: &str) -> Vec<(std::net::IpAddr, Vec<&Vrouter>)> {
        let Some(me) = self.node(host) else {
            return Vec::new();
        };
        let Some(mine) = me.gateway.as_deref().and_then(|g| self.vrouter(g)) else {
            return Vec::new();
        };
        self.hosts()
            .filter(|u| u.name != me.name)
            .filter(|u| {
                !u.interfaces
                    .iter()
                    .any(|i| me.interfaces.iter().any(|m| m.segment == i.segment))
            })
            .filter_map(|u| {
                let theirs = self.vrouter(u.gateway.as_deref()?)?;
                let ip = u.addresses().find(IpAddr::is_ipv4)?;
                Some((ip, vec![mine, theirs]))
            })
            .collect()
    }
}
