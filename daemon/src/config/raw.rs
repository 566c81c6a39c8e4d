//! The file as written: what serde reads. Spans are kept where a semantic
//! check may need to point at a value.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Control socket path (the command line wins over it).
    pub control: Option<String>,
    /// Routing table of the blackhole routes for the VIPs of masters
    /// without Accept_Mode, and the priority of the rule that consults it.
    pub blackhole_table: Option<Spanned<i64>>,
    pub blackhole_rule_priority: Option<Spanned<i64>>,
    #[serde(default)]
    pub instance: Vec<Instance>,
    /// Instances that leave mastership together (keepalived's `vrrp_sync_group`).
    #[serde(default)]
    pub sync_group: Vec<SyncGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncGroup {
    pub name: Spanned<String>,
    pub instances: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub name: Spanned<String>,
    pub interface: Spanned<String>,
    pub vrid: Spanned<i64>,
    pub version: Spanned<i64>,
    pub family: Option<Spanned<String>>,
    pub priority: Spanned<i64>,
    pub vips: Vec<Spanned<String>>,
    pub vip_interface: Option<Spanned<String>>,
    pub link_local: Option<Spanned<String>>,
    pub interval: Option<Spanned<IntervalValue>>,
    pub preempt: Option<bool>,
    pub preempt_delay: Option<Spanned<String>>,
    pub accept: Option<Spanned<bool>>,
    #[serde(default)]
    pub unicast_peers: Vec<Spanned<String>>,
    pub unicast_source: Option<Spanned<String>>,
    pub vmac: Option<bool>,
    pub vmac_interface: Option<Spanned<String>>,
    pub checksum: Option<Spanned<String>>,
    /// VRRPv2: RFC 2338's simple text password, to interoperate with a router that sends one.
    pub auth_pass: Option<Spanned<String>>,
    pub advert_on_lower_priority: Option<bool>,
    pub strict_address_check: Option<bool>,
    pub graceful_leave: Option<bool>,
    pub router_advertisements: Option<Spanned<bool>>,
    pub ra_interval: Option<Spanned<String>>,
    pub ra_lifetime: Option<Spanned<String>>,
    #[serde(default)]
    pub track_script: Vec<TrackScript>,
    #[serde(default)]
    pub track_file: Vec<TrackFile>,
    #[serde(default)]
    pub track_interface: Vec<TrackInterface>,
    pub notify: Option<Notify>,
}

/// `interval = 100` (milliseconds) or `interval = "100cs"` / `"1s"` / `"10ms"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IntervalValue {
    Millis(i64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackScript {
    pub name: Spanned<String>,
    pub command: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub fall: Option<u32>,
    pub rise: Option<u32>,
    pub weight: Spanned<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackFile {
    pub path: String,
    #[serde(default = "one")]
    pub weight: Spanned<i32>,
}

fn one() -> Spanned<i32> {
    Spanned::new(0..0, 1)
}

fn zero() -> Spanned<i32> {
    Spanned::new(0..0, 0)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackInterface {
    pub name: Spanned<String>,
    #[serde(default = "zero")]
    pub weight: Spanned<i32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    pub master: Option<Vec<String>>,
    pub backup: Option<Vec<String>>,
    pub fault: Option<Vec<String>>,
    pub stop: Option<Vec<String>>,
    pub any: Option<Vec<String>>,
}
