//! The TOML configuration: the file model (serde, unknown keys refused), its
//! validation with line:column for every error, and the resolved model the
//! rest of the daemon uses. The annotated example is examples/vrlabd.toml.

mod duration;
mod raw;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;
use toml::Spanned;

use crate::packet::{Auth, ChecksumForm, Family, Version, V2_AUTH_DATA_LEN};
pub use duration::parse_duration;

/// One problem in a config file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .problems.iter().map(|p| format!("{}:{p}", .path.display())).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub instances: Vec<InstanceConfig>,
    pub control: Option<PathBuf>,
    /// Where the blackhole routes of masters without Accept_Mode go.
    pub blackhole_table: u32,
    pub blackhole_rule_priority: u32,
}

/// Default routing table and rule priority for the blackhole routes (112:
/// VRRP's protocol number, also the route protocol vrlabd marks them with).
pub const DEFAULT_BLACKHOLE_TABLE: u32 = 112;
pub const DEFAULT_BLACKHOLE_RULE_PRIORITY: u32 = 112;

/// Router advertisement defaults: RFC 4861 §6.2.1 (MaxRtrAdvInterval 600 s,
/// AdvDefaultLifetime 3 × MaxRtrAdvInterval).
pub const DEFAULT_RA_INTERVAL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceConfig {
    pub name: String,
    pub interface: String,
    pub vrid: u8,
    pub version: Version,
    pub family: Family,
    pub priority: u8,
    /// Addresses with their prefix length, in advertised order. IPv6: the
    /// virtual link-local address is first.
    pub vips: Vec<(IpAddr, u8)>,
    /// Interface the VIPs go on when `vmac` is false (default: `interface`).
    pub vip_interface: Option<String>,
    pub interval_cs: u16,
    pub preempt: bool,
    pub preempt_delay: Duration,
    pub accept: bool,
    pub unicast_peers: Vec<IpAddr>,
    /// Source of unicast advertisements (and tie-breaking address) when not
    /// the interface's primary: an address on the link towards the peers.
    pub unicast_source: Option<IpAddr>,
    pub vmac: bool,
    pub vmac_interface: Option<String>,
    pub checksum: ChecksumForm,
    /// VRRPv2 authentication sent and required (RFC 3768 §5.3.6, §7.1).
    pub auth: Auth,
    pub advert_on_lower_priority: bool,
    pub strict_address_check: bool,
    pub graceful_leave: bool,
    /// IPv6: router advertisements while master (None: off).
    pub router_advertisements: Option<RouterAdvertisements>,
    pub track_scripts: Vec<TrackScript>,
    pub track_files: Vec<TrackFile>,
    pub track_interfaces: Vec<TrackInterface>,
    pub notify: Notify,
    /// The sync group the instance is a member of: a fault of any member
    /// (its interface down, a weight-0 track failing) is a fault of all.
    pub sync_group: Option<String>,
}

impl InstanceConfig {
    /// The addresses carried in advertisements.
    pub fn advertised(&self) -> Vec<IpAddr> {
        self.vips.iter().map(|(a, _)| *a).collect()
    }

    /// Whether two configs describe the same virtual router (a reload may
    /// then apply in place; otherwise the instance is restarted).
    pub fn same_identity(&self, other: &InstanceConfig) -> bool {
        self.interface == other.interface
            && self.vrid == other.vrid
            && self.version == other.version
            && self.family == other.family
            && self.vmac == other.vmac
            && self.vmac_interface == other.vmac_interface
            && self.vip_interface == other.vip_interface
            && self.unicast_peers == other.unicast_peers
            && self.unicast_source == other.unicast_source
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterAdvertisements {
    /// MaxRtrAdvInterval; MinRtrAdvInterval follows RFC 4861 §6.2.1.
    pub max_interval: Duration,
    pub min_interval: Duration,
    /// Router Lifetime carried in each advertisement.
    pub lifetime: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackScript {
    pub name: String,
    pub command: Vec<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub fall: u32,
    pub rise: u32,
    /// Added to the priority while the script fails; 0 = fault.
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFile {
    pub path: PathBuf,
    /// Priority change = weight * (integer in the file, or 1 if the file
    /// exists without one, or 0 if it does not exist).
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInterface {
    pub name: String,
    /// Added to the priority while the interface is down; 0 = fault.
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notify {
    pub master: Option<Vec<String>>,
    pub backup: Option<Vec<String>>,
    pub fault: Option<Vec<String>>,
    pub stop: Option<Vec<String>>,
    /// Run on every change, after the state's own hook.
    pub any: Option<Vec<String>>,
}

/// 1-based line and column (in characters, as editors count) of a byte offset.
fn locate(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Why `name` cannot name a Linux network interface (the kernel's rules:
/// 1 to 15 bytes, not `.` or `..`, no `/`, `:` or white space), if it cannot.
fn bad_ifname(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 15 {
        Some(format!(
            "interface name `{name}` is {} bytes; Linux allows 1 to 15",
            name.len()
        ))
    } else if name == "."
        || name == ".."
        || name.contains(['/', ':'])
        || name.contains(char::is_whitespace)
    {
        Some(format!(
            "`{name}` cannot name an interface: no `/`, `:` or spaces, and not `.` or `..`"
        ))
    } else {
        None
    }
}

struct Checker<'a> {
    src: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn at<T>(&mut self, s: &Spanned<T>, message: impl Into<String>) {
        let (line, column) = locate(self.src, s.span().start);
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
        });
    }
}

/// The default virtual IPv6 link-local address: `fe80::5e:2:VRID`. Every
/// router of the virtual router derives the same one, so their
/// advertisements list the same first address. It is deliberately not the
/// modified EUI-64 of the VMAC (fe80::200:5eff:fe00:2xx): RFC 9568 §7.4
/// forbids forming interface identifiers from the virtual router MAC.
pub fn default_link_local(vrid: u8) -> IpAddr {
    IpAddr::V6(std::net::Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        0,
        0x5e,
        2,
        u16::from(vrid),
    ))
}

fn is_link_local(a: &IpAddr) -> bool {
    matches!(a, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
}

fn parse_vip(s: &str) -> Result<(IpAddr, u8), String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr: IpAddr = addr
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not an IP address"))?;
    let what = if addr.is_unspecified() {
        Some("the unspecified address")
    } else if addr.is_multicast() {
        Some("a multicast address")
    } else if addr.is_loopback() {
        Some("a loopback address")
    } else if addr == IpAddr::V4(std::net::Ipv4Addr::BROADCAST) {
        Some("the limited broadcast address")
    } else {
        None
    };
    if let Some(what) = what {
        return Err(format!("`{s}` cannot be a virtual address: it is {what}"));
    }
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or(format!("bad prefix length in `{s}`: 1 to {max}"))?,
        None => max,
    };
    Ok((addr, len))
}

/// Parse and validate a configuration text. `Err` lists every problem found.
pub fn parse(src: &str) -> Result<Config, Vec<Problem>> {
    let raw: raw::File = toml::from_str(src).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| locate(src, s.start));
        vec![Problem {
            line,
            column,
            message: e.message().trim().to_string(),
        }]
    })?;
    let mut c = Checker {
        src,
        problems: Vec::new(),
    };
    let mut instances = Vec::new();
    let mut names: HashMap<String, ()> = HashMap::new();
    let mut keys: HashMap<(String, u8, Family), String> = HashMap::new();
    for ri in &raw.instance {
        if names.insert(ri.name.get_ref().clone(), ()).is_some() {
            c.at(
                &ri.name,
                format!("instance name `{}` is used twice", ri.name.get_ref()),
            );
        }
        if let Some(inst) = resolve_instance(&mut c, ri) {
            let key = (inst.interface.clone(), inst.vrid, inst.family);
            if let Some(other) = keys.insert(key, inst.name.clone()) {
                c.at(
                    &ri.vrid,
                    format!(
                        "VRID {} on {} ({:?}) is already used by instance `{other}`",
                        inst.vrid, inst.interface, inst.family
                    ),
                );
            }
            instances.push(inst);
        }
    }
    let declared: Vec<&str> = raw
        .instance
        .iter()
        .map(|i| i.name.get_ref().as_str())
        .collect();
    sync_groups(&mut c, &raw.sync_group, &declared, &mut instances);
    if raw.instance.is_empty() {
        c.problems.push(Problem {
            line: 1,
            column: 1,
            message: "no [[instance]] defined".into(),
        });
    }
    let mut number =
        |v: &Option<Spanned<i64>>, default: u32, what: &str, ok: &dyn Fn(i64) -> bool| match v {
            None => default,
            Some(s) if ok(*s.get_ref()) => *s.get_ref() as u32,
            Some(s) => {
                c.at(s, what.to_string());
                default
            }
        };
    let blackhole_table = number(
        &raw.blackhole_table,
        DEFAULT_BLACKHOLE_TABLE,
        "blackhole_table must be a routing table id from 1 to 4294967295, not 253-255 (default, main, local)",
        &|t| (1..=u32::MAX as i64).contains(&t) && !(253..=255).contains(&t),
    );
    let blackhole_rule_priority = number(
        &raw.blackhole_rule_priority,
        DEFAULT_BLACKHOLE_RULE_PRIORITY,
        "blackhole_rule_priority must be between 1 and 32765 (after the local table's rule, before main's)",
        &|p| (1..=32765).contains(&p),
    );
    if c.problems.is_empty() {
        Ok(Config {
            instances,
            control: raw.control.map(PathBuf::from),
            blackhole_table,
            blackhole_rule_priority,
        })
    } else {
        Err(c.problems)
    }
}

/// `[[sync_group]]`: each names two or more instances of this file, each
/// instance in one group at most; members learn their group's name.
fn sync_groups(
    c: &mut Checker<'_>,
    groups: &[raw::SyncGroup],
    declared: &[&str],
    instances: &mut [InstanceConfig],
) {
    let mut seen_groups: HashMap<&str, ()> = HashMap::new();
    let mut member_of: HashMap<&str, &str> = HashMap::new();
    for g in groups {
        let name = g.name.get_ref().as_str();
        if name.is_empty() {
            c.at(&g.name, "sync group name must not be empty");
        }
        if seen_groups.insert(name, ()).is_some() {
            c.at(&g.name, format!("sync group name `{name}` is used twice"));
        }
        if g.instances.get_ref().len() < 2 {
            c.at(
                &g.instances,
                format!("sync group `{name}` needs two instances or more"),
            );
        }
        for m in g.instances.get_ref() {
            let member = m.get_ref().as_str();
            if !declared.contains(&member) {
                c.at(
                    m,
                    format!("sync group `{name}`: no instance is named `{member}`"),
                );
                continue;
            }
            if let Some(other) = member_of.insert(member, name) {
                c.at(
                    m,
                    format!("instance `{member}` is already in sync group `{other}`"),
                );
            }
            // An instance with problems of its own was not resolved; they are reported.
            if let Some(inst) = instances.iter_mut().find(|i| i.name == member) {
                inst.sync_group = Some(name.to_string());
            }
        }
    }
}

fn weight_ok(c: &mut Checker<'_>, w: &Spanned<i32>) {
    if !(-254..=254).contains(w.get_ref()) {
        c.at(w, "weight must be between -254 and 254");
    }
}

fn resolve_instance(c: &mut Checker<'_>, ri: &raw::Instance) -> Option<InstanceConfig> {
    let before = c.problems.len();
    let name = ri.name.get_ref().clone();
    if name.is_empty() {
        c.at(&ri.name, "instance name must not be empty");
    }
    let vrid = *ri.vrid.get_ref();
    if !(1..=255).contains(&vrid) {
        c.at(&ri.vrid, "vrid must be between 1 and 255 (RFC 9568 §5.2.3)");
    }
    let version = version_of(c, ri);
    let priority = *ri.priority.get_ref();
    if !(1..=255).contains(&priority) {
        c.at(
            &ri.priority,
            "priority must be between 1 and 255 (0 is reserved for leaving)",
        );
    }
    let (vips, family) = addresses(c, ri, version);
    let interval_cs = interval_cs(c, ri, version);
    let preempt_delay = match &ri.preempt_delay {
        None => Duration::ZERO,
        Some(s) => duration::parse_duration(s.get_ref()).unwrap_or_else(|e| {
            c.at(s, e);
            Duration::ZERO
        }),
    };
    let (unicast_peers, unicast_source) = unicast(c, ri, family);
    let checksum = checksum_form(c, ri);
    let auth = auth(c, ri, version);
    interface_names(c, ri);
    let (track_scripts, track_files, track_interfaces) = tracking(c, ri, priority);
    let accept = ri.accept.as_ref().is_some_and(|a| *a.get_ref());
    vip_interface_needs_accept(c, ri, accept, priority);
    let router_advertisements = router_advertisements(c, ri, family, version);
    let n = ri.notify.clone().unwrap_or_default();
    if c.problems.len() != before {
        return None;
    }
    Some(InstanceConfig {
        name,
        interface: ri.interface.get_ref().clone(),
        vrid: vrid as u8,
        version,
        family,
        priority: priority as u8,
        vips,
        vip_interface: ri.vip_interface.as_ref().map(|v| v.get_ref().clone()),
        interval_cs,
        preempt: ri.preempt.unwrap_or(true),
        preempt_delay,
        accept,
        unicast_peers,
        unicast_source,
        vmac: ri.vmac.unwrap_or(true),
        vmac_interface: ri.vmac_interface.as_ref().map(|s| s.get_ref().clone()),
        checksum,
        auth,
        // RFC 9568 behaviour for v3; RFC 3768 discards for v2.
        advert_on_lower_priority: ri
            .advert_on_lower_priority
            .unwrap_or(version == Version::V3),
        strict_address_check: ri.strict_address_check.unwrap_or(false),
        graceful_leave: ri.graceful_leave.unwrap_or(true),
        router_advertisements,
        track_scripts,
        track_files,
        track_interfaces,
        notify: Notify {
            master: n.master,
            backup: n.backup,
            fault: n.fault,
            stop: n.stop,
            any: n.any,
        },
        sync_group: None,
    })
}

/// `version`: 2 or 3.
fn version_of(c: &mut Checker<'_>, ri: &raw::Instance) -> Version {
    match *ri.version.get_ref() {
        2 => Version::V2,
        3 => Version::V3,
        v => {
            c.at(&ri.version, format!("version must be 2 or 3, not {v}"));
            Version::V3
        }
    }
}

/// The addresses and their family: each a VIP with its prefix, of one family (RFC 9568
/// §5.2.9), IPv4 for VRRPv2, at most 255, and for IPv6 the link-local address first.
fn addresses(
    c: &mut Checker<'_>,
    ri: &raw::Instance,
    version: Version,
) -> (Vec<(IpAddr, u8)>, Family) {
    let vrid = *ri.vrid.get_ref();
    let mut vips = Vec::new();
    for v in &ri.vips {
        match parse_vip(v.get_ref()) {
            Ok(x) => vips.push(x),
            Err(e) => c.at(v, e),
        }
    }
    let family = match (&ri.family, vips.first()) {
        (Some(f), _) => match f.get_ref().as_str() {
            "ipv4" => Family::Ipv4,
            "ipv6" => Family::Ipv6,
            other => {
                c.at(
                    f,
                    format!("family must be \"ipv4\" or \"ipv6\", not \"{other}\""),
                );
                Family::Ipv4
            }
        },
        (None, Some((a, _))) => Family::of(a),
        (None, None) => Family::Ipv4,
    };
    if ri.vips.is_empty() {
        c.at(&ri.name, "an instance needs at least one address in `vips`");
    }
    for (v, (a, _)) in ri.vips.iter().zip(vips.iter()) {
        if Family::of(a) != family {
            c.at(v, format!("{a} is not an {family:?} address; one instance carries one family (RFC 9568 §5.2.9)"));
        }
    }
    if version == Version::V2 && family == Family::Ipv6 {
        c.at(
            &ri.version,
            "VRRPv2 is IPv4 only (RFC 3768); use version = 3 for IPv6",
        );
    }
    if family == Family::Ipv6 {
        let ll = match &ri.link_local {
            Some(s) => match s.get_ref().parse::<IpAddr>() {
                Ok(a) if is_link_local(&a) => Some(a),
                _ => {
                    c.at(
                        s,
                        "link_local must be an IPv6 link-local address (fe80::/10)",
                    );
                    None
                }
            },
            None => Some(default_link_local(vrid.clamp(1, 255) as u8)),
        };
        if let Some(ll) = ll {
            // The link-local address goes first (RFC 9568 §5.2.9), once.
            vips.retain(|(a, _)| *a != ll);
            vips.insert(0, (ll, 64));
        }
    } else if let Some(s) = &ri.link_local {
        c.at(s, "link_local only applies to IPv6 instances");
    }
    if vips.len() > 255 {
        c.at(&ri.name, "at most 255 addresses fit in an advertisement");
    }
    (vips, family)
}

/// `interval` in centiseconds: a positive multiple of 10 ms, at most 4095 cs for v3, whole
/// seconds 1-255 for v2; 1 s when not given.
fn interval_cs(c: &mut Checker<'_>, ri: &raw::Instance, version: Version) -> u16 {
    match &ri.interval {
        None => 100,
        Some(s) => {
            match duration::interval(s.get_ref()) {
                Err(e) => {
                    c.at(s, e);
                    100
                }
                Ok(d) => {
                    let ms = d.as_millis();
                    if ms % 10 != 0 || ms == 0 {
                        c.at(
                            s,
                            "interval must be a positive multiple of 10 ms (1 centisecond)",
                        );
                        100
                    } else if version == Version::V3 && ms > 40_950 {
                        c.at(
                            s,
                            "VRRPv3 interval is at most 4095 cs (40.95 s) (RFC 9568 §5.2.7)",
                        );
                        100
                    } else if version == Version::V2 && (ms % 1000 != 0 || ms > 255_000) {
                        c.at(s, "VRRPv2 interval is a whole number of seconds, 1 to 255 (RFC 3768 §5.3.7)");
                        100
                    } else {
                        (ms / 10) as u16
                    }
                }
            }
        }
    }
}

/// `unicast_peers` and `unicast_source`, each of the instance's family.
fn unicast(
    c: &mut Checker<'_>,
    ri: &raw::Instance,
    family: Family,
) -> (Vec<IpAddr>, Option<IpAddr>) {
    let mut unicast_peers = Vec::new();
    for p in &ri.unicast_peers {
        match p.get_ref().parse::<IpAddr>() {
            Ok(a) if Family::of(&a) == family => unicast_peers.push(a),
            Ok(a) => c.at(p, format!("peer {a} is not of the instance's family")),
            Err(_) => c.at(p, format!("`{}` is not an IP address", p.get_ref())),
        }
    }
    let unicast_source = match &ri.unicast_source {
        None => None,
        Some(s) => match s.get_ref().parse::<IpAddr>() {
            Ok(_) if ri.unicast_peers.is_empty() => {
                c.at(s, "unicast_source needs unicast_peers");
                None
            }
            Ok(a) if Family::of(&a) == family => Some(a),
            Ok(a) => {
                c.at(s, format!("{a} is not of the instance's family"));
                None
            }
            Err(_) => {
                c.at(s, format!("`{}` is not an IP address", s.get_ref()));
                None
            }
        },
    };
    (unicast_peers, unicast_source)
}

/// `checksum`: how VRRPv3 over IPv4 checksums are computed.
/// `auth_pass`: VRRPv2 only, 1 to 8 printable ASCII characters (RFC 2338 §5.3.10).
fn auth(c: &mut Checker<'_>, ri: &raw::Instance, version: Version) -> Auth {
    let Some(p) = &ri.auth_pass else {
        return Auth::None;
    };
    let text = p.get_ref();
    if version != Version::V2 {
        c.at(p, "auth_pass is VRRPv2's (RFC 2338 compatibility): VRRPv3 has no authentication (RFC 9568 §9)");
        return Auth::None;
    }
    if text.is_empty()
        || text.len() > V2_AUTH_DATA_LEN
        || !text.bytes().all(|b| b.is_ascii_graphic())
    {
        c.at(
            p,
            "auth_pass must be 1 to 8 printable ASCII characters (RFC 2338 §5.3.10)",
        );
        return Auth::None;
    }
    let mut data = [0; V2_AUTH_DATA_LEN];
    data[..text.len()].copy_from_slice(text.as_bytes());
    Auth::Password(data)
}

fn checksum_form(c: &mut Checker<'_>, ri: &raw::Instance) -> ChecksumForm {
    match &ri.checksum {
        None => ChecksumForm::PseudoHeader,
        Some(s) => {
            match s.get_ref().as_str() {
                "pseudo-header" => ChecksumForm::PseudoHeader,
                "message-only" => ChecksumForm::MessageOnly,
                other => {
                    c.at(s, format!("checksum must be \"pseudo-header\" or \"message-only\", not \"{other}\""));
                    ChecksumForm::PseudoHeader
                }
            }
        }
    }
}

/// Every interface name the instance gives is one Linux accepts.
fn interface_names(c: &mut Checker<'_>, ri: &raw::Instance) {
    for name in [
        Some(&ri.interface),
        ri.vmac_interface.as_ref(),
        ri.vip_interface.as_ref(),
    ]
    .into_iter()
    .flatten()
    .chain(ri.track_interface.iter().map(|t| &t.name))
    {
        if let Some(why) = bad_ifname(name.get_ref()) {
            c.at(name, why);
        }
    }
}

/// Track scripts, files and interfaces with their weights; the owner (priority 255) cannot
/// have weighted tracking.
fn tracking(
    c: &mut Checker<'_>,
    ri: &raw::Instance,
    priority: i64,
) -> (Vec<TrackScript>, Vec<TrackFile>, Vec<TrackInterface>) {
    let mut track_scripts = Vec::new();
    for t in &ri.track_script {
        weight_ok(c, &t.weight);
        if t.command.is_empty() {
            c.at(&t.name, "track_script needs a non-empty `command` array");
        }
        let interval = duration::parse_duration(t.interval.as_deref().unwrap_or("1s"))
            .unwrap_or_else(|e| {
                c.at(&t.name, format!("interval: {e}"));
                Duration::from_secs(1)
            });
        let timeout = duration::parse_duration(t.timeout.as_deref().unwrap_or("1s"))
            .unwrap_or_else(|e| {
                c.at(&t.name, format!("timeout: {e}"));
                Duration::from_secs(1)
            });
        track_scripts.push(TrackScript {
            name: t.name.get_ref().clone(),
            command: t.command.clone(),
            interval,
            timeout,
            fall: t.fall.unwrap_or(1).max(1),
            rise: t.rise.unwrap_or(1).max(1),
            weight: *t.weight.get_ref(),
        });
    }
    let mut track_files = Vec::new();
    for t in &ri.track_file {
        weight_ok(c, &t.weight);
        track_files.push(TrackFile {
            path: PathBuf::from(&t.path),
            weight: *t.weight.get_ref(),
        });
    }
    let mut track_interfaces = Vec::new();
    for t in &ri.track_interface {
        weight_ok(c, &t.weight);
        track_interfaces.push(TrackInterface {
            name: t.name.get_ref().clone(),
            weight: *t.weight.get_ref(),
        });
    }
    if priority == 255 && (!track_scripts.is_empty() || !track_files.is_empty()) {
        c.at(&ri.priority, "the address owner (priority 255) has a fixed priority: tracking with weights cannot apply");
    }
    (track_scripts, track_files, track_interfaces)
}

/// VIPs put on another interface to be used locally need Accept_Mode (RFC 9568 §6.4.3).
fn vip_interface_needs_accept(
    c: &mut Checker<'_>,
    ri: &raw::Instance,
    accept: bool,
    priority: i64,
) {
    if let Some(vi) = ri.vip_interface.as_ref().map(|v| v.get_ref()) {
        if vi != ri.interface.get_ref() && !accept && priority != 255 {
            let msg = format!(
                "vip_interface = \"{vi}\" puts the VIPs on another interface to be used locally, but a \
                 master without Accept_Mode does not hold them (RFC 9568 §6.4.3): set accept = true"
            );
            match &ri.accept {
                Some(a) => c.at(a, msg),
                None => c.at(&ri.name, msg),
            }
        }
    }
}

/// `router_advertisements` with `ra_interval` and `ra_lifetime` (RFC 4861 §6.2.1), for IPv6
/// VRRPv3 instances only.
fn router_advertisements(
    c: &mut Checker<'_>,
    ri: &raw::Instance,
    family: Family,
    version: Version,
) -> Option<RouterAdvertisements> {
    match &ri.router_advertisements {
        Some(on) if *on.get_ref() => {
            if family != Family::Ipv6 || version != Version::V3 {
                c.at(
                    on,
                    "router advertisements are for IPv6 (VRRPv3) virtual routers only",
                );
            }
            let max_interval = match &ri.ra_interval {
                None => DEFAULT_RA_INTERVAL,
                Some(s) => match duration::parse_duration(s.get_ref()) {
                    Ok(d) if (4..=1800).contains(&d.as_secs()) && d.subsec_nanos() == 0 => d,
                    Ok(_) => {
                        c.at(s, "ra_interval must be a whole number of seconds from 4 to 1800 (RFC 4861 §6.2.1)");
                        DEFAULT_RA_INTERVAL
                    }
                    Err(e) => {
                        c.at(s, e);
                        DEFAULT_RA_INTERVAL
                    }
                },
            };
            // MinRtrAdvInterval: 0.33 × Max from 9 s on, else 0.75 × Max.
            let min_interval = if max_interval >= Duration::from_secs(9) {
                max_interval * 33 / 100
            } else {
                max_interval * 3 / 4
            };
            let lifetime = match &ri.ra_lifetime {
                None => (max_interval * 3).min(Duration::from_secs(9000)),
                Some(s) => match duration::parse_duration(s.get_ref()) {
                    Ok(d)
                        if d.subsec_nanos() == 0
                            && (d.is_zero() || (d >= max_interval && d.as_secs() <= 9000)) =>
                    {
                        d
                    }
                    Ok(_) => {
                        c.at(s, "ra_lifetime must be 0 or whole seconds from ra_interval to 9000 (RFC 4861 §6.2.1)");
                        max_interval * 3
                    }
                    Err(e) => {
                        c.at(s, e);
                        max_interval * 3
                    }
                },
            };
            Some(RouterAdvertisements {
                max_interval,
                min_interval,
                lifetime,
            })
        }
        _ => {
            for s in [&ri.ra_interval, &ri.ra_lifetime].into_iter().flatten() {
                c.at(s, "needs router_advertisements = true");
            }
            None
        }
    }
}

/// Read and validate a file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let src = read_config(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&src).map_err(|problems| ConfigError::Invalid {
        path: path.to_path_buf(),
        problems,
    })
}

/// The largest configuration file read (one of thousands of instances is a few hundred KiB).
pub const CONFIG_LIMIT: u64 = 4 << 20;

/// Reads a configuration file: a regular file (a FIFO or a device such as
/// /dev/zero is refused without reading it; the open does not block) of at
/// most [`CONFIG_LIMIT`] bytes, in UTF-8.
fn read_config(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut src = String::new();
    file.take(CONFIG_LIMIT + 1).read_to_string(&mut src)?;
    if src.len() as u64 > CONFIG_LIMIT {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {CONFIG_LIMIT} bytes"),
        ));
    }
    Ok(src)
}
