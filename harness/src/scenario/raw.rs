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
    #[serde(default)]
    pub segments: BTreeMap<Name, RawSegment>,
    #[serde(default)]
    pub nodes: BTreeMap<Name, RawNode>,
    #[serde(default)]
    pub vrouters: BTreeMap<Name, RawVrouter>,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterface {
    pub segment: Name,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
    pub vlan: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVrouter {
    pub vrid: Spanned<i64>,
    pub version: Option<Spanned<i64>>,
    pub segment: Name,
    pub vips: Spanned<Vec<Spanned<String>>>,
    pub interval: Option<Spanned<String>>,
    pub priorities: Spanned<BTreeMap<Name, Spanned<i64>>>,
    pub preempt: Option<bool>,
    pub preempt_delay: Option<Spanned<String>>,
    pub accept: Option<bool>,
    pub vmac: Option<bool>,
    pub unicast: Option<bool>,
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
    pub timeout: Option<Spanned<String>>,
    #[serde(rename = "for")]
    pub duration: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub tolerance: Option<Spanned<String>>,
    pub gap_tolerance: Option<Spanned<String>>,
}
