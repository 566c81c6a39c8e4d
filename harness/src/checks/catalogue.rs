//! The check catalogue: every check vrlab runs, with its stable id, the clause it enforces,
//! the RFC-CHECKLIST items it covers, what it applies to and what it needs.
//!
//! Section numbers: RFC 9568's were checked against quoted RFC text; RFC 5798 keeps RFC
//! 9568's numbering for every section cited here; RFC 3768's are those of RFC-CHECKLIST.md.
//! No UNH-IOL test ids are cited: none were found to match.
//! `docs/checks.md` is generated from this table (`vrlab checks --markdown`).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

impl Check {
    /// Its row of the catalogue: id, clause, checklist items, what it applies to and needs.
    pub fn def(self) -> &'static CheckDef {
        &CATALOGUE[self as usize]
    }

    /// Its stable id (`c4.announce-after-advert`), as known-deviation files and JUnit name it.
    pub fn id(self) -> &'static str {
        self.def().id
    }

    /// The check with this id, if there is one.
    pub fn from_id(id: &str) -> Option<Check> {
        CATALOGUE.iter().find(|d| d.id == id).map(|d| d.check)
    }

    /// Every check, in report order.
    pub fn all() -> impl Iterator<Item = Check> {
        CATALOGUE.iter().map(|d| d.check)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.id())
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
        let id = String::deserialize(d)?;
        Check::from_id(&id)
            .ok_or_else(|| serde::de::Error::custom(format!("no check has the id `{id}`")))
    }
}

/// What a check needs to give a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requires {
    /// Frames only: works on any capture (`vrlab check FILE.pcap`).
    Wire,
    /// Frames and the run directory (scenario, daemon starts and signals).
    Run,
    /// Netlink events of a run directory (bridge FDB, hosts' neighbour caches).
    Events,
    /// Active probing: the fault-injection issue. Not applicable until then.
    Injection,
}

impl Requires {
    pub fn describe(self) -> &'static str {
        match self {
            Requires::Wire => "wire",
            Requires::Run => "run directory",
            Requires::Events => "netlink events (run directory)",
            Requires::Injection => "injection",
        }
    }
}

/// How a check is judged: the function(s) its declaration names, each with the shape of what
/// it looks at. The runner ([`super::Ctx::run_all`]) calls them in catalogue order.
#[derive(Debug, Clone, Copy)]
pub enum Judge {
    /// One result per virtual router (with none, one "not applicable").
    PerVrouter(fn(&Ctx, &VrSpec, &VrModel) -> CheckResult),
    /// Results per virtual router: one per takeover, per master, per overlap…
    PerVrouterEach(fn(&Ctx, &VrSpec, &VrModel) -> Vec<CheckResult>),
    /// Results over the whole recording.
    Whole(fn(&Ctx) -> Vec<CheckResult>),
    /// From the run directory alone (timeline, daemons' processes, probes), filling the
    /// verdict's metrics; a capture has none, so the check is not applicable there.
    Run(fn(&Ctx, &Record, &mut Metrics) -> Vec<CheckResult>),
    /// The reaction to each advert the lab injected for the routers to discard as this check
    /// says (`inject` steps of the timeline).
    Discards,
}

impl Judge {
    /// Judged per virtual router: with none, the check is not applicable.
    pub fn per_vrouter(self) -> bool {
        matches!(self, Judge::PerVrouter(_) | Judge::PerVrouterEach(_))
    }
}

/// A check in the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct CheckDef {
    #[serde(skip)]
    pub check: Check,
    /// Stable id, used in known-deviation lists and JUnit names.
    pub id: &'static str,
    pub title: &'static str,
    /// The clause it enforces.
    pub clause: &'static str,
    /// RFC-CHECKLIST item(s).
    pub checklist: &'static str,
    pub applies: &'static str,
    pub requires: Requires,
    /// Judged from ARP (IPv4) or neighbour discovery (IPv6) frames besides the adverts: a
    /// capture filtered to the adverts (`tcpdump vrrp`) does not hold its evidence.
    pub neighbour_frames: bool,
    /// How it is judged.
    #[serde(skip)]
    pub judges: &'static [Judge],
}

/// A check's facts before its row is given its name (see [`checks!`]).
struct Row {
    id: &'static str,
    checklist: &'static str,
    clause: &'static str,
    applies: &'static str,
    requires: Requires,
    title: &'static str,
    neighbour_frames: bool,
    judges: &'static [Judge],
}

const fn c(
    id: &'static str,
    checklist: &'static str,
    clause: &'static str,
    applies: &'static str,
    requires: Requires,
    title: &'static str,
) -> Row {
    Row {
        id,
        checklist,
        clause,
        applies,
        requires,
        title,
        neighbour_frames: false,
        judges: &[],
    }
}

impl Row {
    /// Declares that the check judges ARP or neighbour discovery frames.
    const fn on_neighbour_frames(self) -> Row {
        Row {
            neighbour_frames: true,
            ..self
        }
    }

    /// Names the functions that judge it: a row without one does not compile.
    const fn judged_by(self, judges: &'static [Judge]) -> Row {
        Row { judges, ..self }
    }

    const fn of(self, check: Check) -> CheckDef {
        assert!(!self.judges.is_empty(), "every check names its judge");
        CheckDef {
            check,
            id: self.id,
            title: self.title,
            clause: self.clause,
            checklist: self.checklist,
            applies: self.applies,
            requires: self.requires,
            neighbour_frames: self.neighbour_frames,
            judges: self.judges,
        }
    }
}

impl CheckDef {
    /// What a recording must hold for it, in words: `wire`, `wire, ARP/ND`, `run directory`…
    pub fn needs(&self) -> String {
        if self.neighbour_frames {
            format!("{}, ARP/ND", self.requires.describe())
        } else {
            self.requires.describe().to_string()
        }
    }
}

use super::model::VrModel;
use super::{
    announce, coupled, forwarding, reactions, routes, run_checks, sync_groups, timing, tracking,
    wire_checks,
};
use super::{CheckResult, Ctx, Metrics, Record, VrSpec};
use Judge::{Discards, PerVrouter, PerVrouterEach, Whole};
use Requires::{Events, Injection, Run, Wire};

/// Declares the checks, each once — `Variant: c(id, checklist, clause, applies to, requires,
/// title).judged_by(&[its judges])`, in report order — and makes of the same rows the [`Check`] enum (code names a check
/// only by it, so a misspelt check is a compile error and each id string is written once, in
/// its row) and the [`CATALOGUE`] (its rows, in the enum's order).
macro_rules! checks {
    ($($variant:ident: $row:expr),* $(,)?) => {
        /// Every check, by name, in report order; its facts are its row of [`CATALOGUE`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Check {
            $($variant,)*
        }

        /// Every check, in report order.
        pub const CATALOGUE: &[CheckDef] = &[$($row.of(Check::$variant),)*];
    };
}

#[rustfmt::skip]
checks! {
    HarnessTimeline: c("harness.timeline", "-", "vrlab (scenario expectations)", "all runs", Run,
      "The scenario's timeline ran to its end: every wait's condition held by its deadline")
        .judged_by(&[Judge::Run(run_checks::timeline)]),
    HarnessCaptureComplete: c("harness.capture-complete", "-", "vrlab (evidence is complete)", "all runs", Run,
      "The record lost nothing — no frame dropped by the kernel, no netlink notification (FDB, neighbour, address, link) dropped — so absence is evidence")
        .judged_by(&[Whole(run_checks::capture_complete)]),
    // A. Framing
    A1Ipv4AdvertDestination: c("a1.ipv4-advert-destination", "A1", "RFC 3768 §5.2.2; RFC 5798 §5.1.1.2; RFC 9568 §5.1.1.2",
      "VRRP over IPv4, multicast (not unicast peers)", Wire,
      "IPv4 adverts go to 224.0.0.18, Ethernet destination 01:00:5e:00:00:12")
        .judged_by(&[PerVrouter(wire_checks::a1)]),
    A2Ipv6AdvertDestination: c("a2.ipv6-advert-destination", "A2", "RFC 5798 §5.1.2.2; RFC 9568 §5.1.2.2",
      "VRRPv3 over IPv6, multicast", Wire,
      "IPv6 adverts go to ff02::12, Ethernet destination 33:33:00:00:00:12")
        .judged_by(&[PerVrouter(wire_checks::a2)]),
    A3Ipv4Ttl: c("a3.ipv4-ttl", "A3", "RFC 3768 §5.2.3; RFC 5798 §5.1.1.3; RFC 9568 §5.1.1.3",
      "VRRP over IPv4", Wire, "IPv4 adverts are sent with TTL 255")
        .judged_by(&[PerVrouter(wire_checks::a3)]),
    A4Ipv6HopLimit: c("a4.ipv6-hop-limit", "A4", "RFC 5798 §5.1.2.3; RFC 9568 §5.1.2.3",
      "VRRPv3 over IPv6", Wire, "IPv6 adverts are sent with hop limit 255")
        .judged_by(&[PerVrouter(wire_checks::a4)]),
    A5TtlDiscard: c("a5.ttl-discard", "A5", "RFC 3768 §5.2.3, §7.1; RFC 5798 §5.1.1.3, §5.1.2.3, §7.1; RFC 9568 §5.1.1.3, §5.1.2.3, §7.1",
      "VRRP; needs a spoofed advert with TTL/hop limit 254", Injection,
      "A receiver discards adverts whose TTL / hop limit is not 255")
        .judged_by(&[Discards]),
    A6Protocol112: c("a6.protocol-112", "A6", "RFC 3768 §5.2.4; RFC 5798 §5.1.1.4, §5.1.2.4; RFC 9568 §5.1.1.4, §5.1.2.4, §7.2",
      "VRRP", Wire,
      "Adverts are IP protocol 112, every configured virtual router is heard on it, and nothing else but membership reports goes to the VRRP group")
        .judged_by(&[PerVrouter(wire_checks::a6)]),
    A7Ipv4AdvertSource: c("a7.ipv4-advert-source", "A7", "RFC 3768 §5.2.1, §7.2; RFC 5798 §5.1.1.1, §7.2; RFC 9568 §5.1.1.1, §7.2",
      "VRRP over IPv4", Wire,
      "The IPv4 source of an advert is the primary address of the sending interface, never a virtual address (unless owner)")
        .judged_by(&[PerVrouter(wire_checks::a7)]),
    A8Ipv6AdvertSource: c("a8.ipv6-advert-source", "A8", "RFC 5798 §5.1.2.1, §7.2; RFC 9568 §5.1.2.1, §7.2",
      "VRRPv3 over IPv6", Wire,
      "The IPv6 source of an advert is a link-local address of the sending interface, never a virtual address")
        .judged_by(&[PerVrouter(wire_checks::a8)]),
    A9AdvertSourceMac: c("a9.advert-source-mac", "A9", "RFC 3768 §7.2, §7.3; RFC 5798 §7.2, §7.3; RFC 9568 §7.2, §7.3",
      "VRRP (a run whose scenario sets vmac = false: not applicable)", Wire,
      "Adverts are sent from the virtual router MAC 00-00-5E-00-01-{VRID} (IPv4) / 00-00-5E-00-02-{VRID} (IPv6)")
        .judged_by(&[PerVrouter(wire_checks::a9)]),
    A10NoLeak: c("a10.no-leak", "A10", "RFC 3768 §5.2.2; RFC 5798 §5.1.1.2, §5.1.2.2; RFC 9568 §5.1.1.2, §5.1.2.2",
      "VRRP; needs a router between two segments and an advert sent at it", Injection,
      "No advert is forwarded to another segment")
        .judged_by(&[Whole(reactions::a10)]),
    // B. Header
    B1Version: c("b1.version", "B1", "RFC 3768 §5.3.1; RFC 5798 §5.2.1, §8.4; RFC 9568 §5.2.1, §8.4",
      "VRRP (discarding other versions: injection)", Wire,
      "Adverts carry the configured version (a router sending both v2 and v3 is migrating, §8.4)")
        .judged_by(&[PerVrouter(wire_checks::b1), Discards]),
    B2Type: c("b2.type", "B2", "RFC 3768 §5.3.2; RFC 5798 §5.2.2; RFC 9568 §5.2.2",
      "VRRP (discarding unknown types: injection)", Wire, "Adverts are type 1 (ADVERTISEMENT)")
        .judged_by(&[PerVrouter(wire_checks::b2), Discards]),
    B3Vrid: c("b3.vrid", "B3", "RFC 3768 §5.3.3, §7.1; RFC 5798 §5.2.3, §7.1; RFC 9568 §5.2.3, §7.1",
      "VRRP (discarding unknown VRIDs: injection)", Wire,
      "The VRID is 1-255 and one configured on the segment")
        .judged_by(&[PerVrouter(wire_checks::b3), Whole(wire_checks::b3_unmatched), Discards]),
    B4Priority: c("b4.priority", "B4", "RFC 3768 §5.3.4; RFC 5798 §5.2.4; RFC 9568 §5.2.4",
      "VRRP", Wire,
      "Priority 255 only from the address owner, 1-254 from others, 0 only to leave; as configured")
        .judged_by(&[PerVrouter(wire_checks::b4)]),
    B5Count: c("b5.count", "B5", "RFC 3768 §5.3.5; RFC 5798 §5.2.5; RFC 9568 §5.2.5 (erratum 8299)",
      "VRRP (discarding count 0: injection)", Wire,
      "The count equals the number of addresses carried, and is at least 1")
        .judged_by(&[PerVrouter(wire_checks::b5), Discards]),
    B6V2Authentication: c("b6.v2-authentication", "B6", "RFC 3768 §5.3.6, §5.3.10",
      "VRRPv2 (discarding mismatches: injection)", Wire,
      "VRRPv2 Auth Type is 0 (1 and 2 are RFC 2338 leftovers) and the authentication data is zero; where the scenario configures RFC 2338's password (`auth_pass`, for interoperation), Auth Type 1 with that password")
        .judged_by(&[PerVrouter(wire_checks::b6), Discards]),
    B7V3Reserved: c("b7.v3-reserved", "B7", "RFC 5798 §5.2.6; RFC 9568 §5.2.6",
      "VRRPv3 (ignoring them on receive: injection)", Wire, "VRRPv3 reserved bits are zero on send")
        .judged_by(&[PerVrouter(wire_checks::b7)]),
    B8Interval: c("b8.interval", "B8", "RFC 3768 §5.3.7; RFC 5798 §5.2.7; RFC 9568 §5.2.7, §7.1 (erratum 8301)",
      "VRRP", Wire,
      "The advertised interval is non-zero and the configured one (v2 seconds, v3 centiseconds)")
        .judged_by(&[PerVrouter(wire_checks::b8)]),
    B9Checksum: c("b9.checksum", "B9", "RFC 3768 §5.3.8; RFC 5798 §5.2.8; RFC 9568 §5.2.8",
      "VRRP; v3 over IPv4: pseudo-header or message-only both pass", Wire,
      "The checksum verifies (v2 over the message; v3/IPv6 with the pseudo-header; v3/IPv4 either reading)")
        .judged_by(&[PerVrouter(wire_checks::b9), Discards]),
    B10Addresses: c("b10.addresses", "B10", "RFC 3768 §5.3.9; RFC 5798 §5.2.9; RFC 9568 §5.2.9",
      "VRRP", Wire,
      "The addresses are of the IP header's family and are the virtual router's (the same set from every router)")
        .judged_by(&[PerVrouter(wire_checks::b10)]),
    B11Ipv6FirstLinkLocal: c("b11.ipv6-first-link-local", "B11", "RFC 5798 §5.2.9; RFC 9568 §5.2.9 (erratum 8300), §6.1",
      "VRRPv3 over IPv6", Wire,
      "In an IPv6 advert the first address is the virtual router's link-local address")
        .judged_by(&[PerVrouter(wire_checks::b11)]),
    B12Length: c("b12.length", "B12", "RFC 3768 §7.1; RFC 5798 §7.1; RFC 9568 §7.1",
      "VRRP (discarding short packets: injection)", Wire,
      "The message is exactly as long as its version and count say, and decodes")
        .judged_by(&[PerVrouter(wire_checks::b12), Whole(wire_checks::b12_malformed), Discards]),
    B13IntervalMismatch: c("b13.interval-mismatch", "B13", "RFC 3768 §7.1; RFC 5798 §6.4.2, §7.1; RFC 9568 §6.4.2, §7.1",
      "VRRP; needs an advert with another interval", Injection,
      "An interval mismatch: v2 discards the advert; v3 adopts the master's interval")
        .judged_by(&[Discards]),
    B14CarpHmac: c("b14.carp-hmac", "CARP", "carp(4); ucarp(8) (no RFC)",
      "CARP, with the password the routers share (the scenario's `password`; `vrlab check --carp-pass`)", Wire,
      "Every CARP advert carries the HMAC-SHA1 of the shared password over its VHID, the virtual addresses and its counter: a sender with another password cannot take the address")
        .judged_by(&[PerVrouter(wire_checks::b14)]),
    // C. Timers and states
    C1SkewTime: c("c1.skew-time", "C1, C5", "RFC 3768 §6.1, §6.4.2; RFC 5798 §6.1, §6.4.2; RFC 9568 §6.1, §6.4.2",
      "VRRP; every takeover after a priority-0 advert", Wire,
      "After priority 0 a backup waits its Skew_Time ((256 - Priority) × interval / 256) before taking over, not less")
        .judged_by(&[PerVrouterEach(timing::c1)]),
    C2MasterDownInterval: c("c2.master-down-interval", "C2, C4, E4", "RFC 3768 §6.1, §6.4.2; RFC 5798 §6.1, §6.4.2; RFC 9568 §6.1, §6.4.2",
      "VRRP; every takeover after the master went silent", Wire,
      "After the master falls silent a backup takes over Master_Down_Interval (3 × interval + Skew_Time, v3: the learnt interval) after its last advert, neither sooner nor later")
        .judged_by(&[PerVrouterEach(timing::c2)]),
    C2TakeoverTime: c("c2.takeover-time", "C2, C4, C5, E4", "RFC 5798 §6.1, §6.4.2 / RFC 9568 §6.1, §6.4.2; RFC 3768 §6.1, §6.4.2",
      "v2, v3; after a crash, freeze or stop of the master", Run,
      "A backup takes over within Master_Down_Interval of the master's last advert (within Skew_Time of a priority-0 advert)")
        .judged_by(&[Judge::Run(run_checks::takeover)]),
    C3Startup: c("c3.startup", "C3", "RFC 3768 §6.4.1; RFC 5798 §6.4.1; RFC 9568 §6.4.1",
      "VRRP; every daemon start", Run,
      "At start-up the owner (255) advertises at once; any other router starts as backup and advertises no sooner than Master_Down_Interval")
        .judged_by(&[PerVrouterEach(timing::c3)]),
    C4AnnounceAfterAdvert: c("c4.announce-after-advert", "C4", "RFC 3768 §6.4.1, §6.4.2; RFC 5798 §6.4.1, §6.4.2; RFC 9568 §6.4.1, §6.4.2 (erratum 7949)",
      "VRRP; every transition to master", Wire,
      "A new master sends an advert first, then announces every virtual address, within one interval")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::c4)]),
    C5PriorityZeroTakeover: c("c5.priority-zero-takeover", "C5", "RFC 3768 §6.4.2; RFC 5798 §6.4.2; RFC 9568 §6.4.2",
      "VRRP; every priority-0 advert of a master", Wire,
      "A backup hearing priority 0 takes over within Skew_Time (not Master_Down_Interval)")
        .judged_by(&[PerVrouterEach(timing::c5)]),
    C6Preempt: c("c6.preempt", "C6", "RFC 3768 §6.1, §6.4.2; RFC 5798 §6.1, §6.4.2; RFC 9568 §6.1, §6.4.2",
      "VRRP; a router starting while a lower-priority master runs", Run,
      "With Preempt_Mode a higher-priority router takes over after Master_Down_Interval (+ preempt delay); without, it does not")
        .judged_by(&[PerVrouterEach(timing::c6)]),
    C7AdvertInterval: c("c7.advert-interval", "C7", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3",
      "VRRP, CARP; every master", Wire,
      "A master advertises every Advertisement_Interval: no gap longer than the interval + tolerance")
        .judged_by(&[PerVrouterEach(timing::c7)]),
    C8PriorityZeroAnswer: c("c8.priority-zero-answer", "C8", "RFC 5798 §6.4.3; RFC 9568 §6.4.3",
      "VRRPv3; a priority-0 advert heard by a master", Wire,
      "A master hearing priority 0 from another router advertises at once")
        .judged_by(&[PerVrouterEach(timing::c8), Whole(reactions::c8)]),
    C9MasterYields: c("c9.master-yields", "C9", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3",
      "VRRP, CARP; every pre-emption, and every other overlap of two masters longer than the tolerance (a shorter one only when what followed it fails)", Wire,
      "A master hearing a higher priority (or an equal one from a higher address) stops advertising at once")
        .judged_by(&[PerVrouterEach(timing::c9)]),
    C10MasterHolds: c("c10.master-holds", "C10", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3",
      "VRRP, CARP; every pre-emption, and every other overlap of two masters longer than the tolerance (a shorter one only when what followed it fails)", Wire,
      "A master hearing a lower priority stays master (RFC 9568 also re-advertises at once; reported, not required)")
        .judged_by(&[PerVrouterEach(timing::c10)]),
    C11LeavePriorityZero: c("c11.leave-priority-zero", "C11", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3",
      "VRRP; every SIGTERM to a master's daemon", Run,
      "A master shutting down sends an advert with priority 0")
        .judged_by(&[PerVrouterEach(timing::c11)]),
    C12AcceptMode: c("c12.accept-mode", "C12", "RFC 3768 §6.4.3; RFC 5798 §6.1, §6.4.3; RFC 9568 §6.1, §6.4.3",
      "VRRP; needs traffic to a VIP of a non-owner master", Injection,
      "With Accept_Mode false a non-owner master does not accept packets addressed to the VIPs")
        .judged_by(&[Whole(reactions::c12)]),
    C13BackupNoAccept: c("c13.backup-no-accept", "C13", "RFC 3768 §6.4.2; RFC 5798 §6.4.2; RFC 9568 §6.4.2",
      "VRRP; needs traffic to a VIP at a backup", Injection,
      "A backup accepts no packets addressed to the VIPs")
        .judged_by(&[Whole(reactions::c13)]),
    C14TrackingMovesMaster: c("c14.tracking-moves-master", "field", "RFC 5798 §6.4.2, §6.4.3 (pre-emption); keepalived.conf(5) vrrp_script, track_interface (tracking has no RFC)",
      "virtual routers with `track`; every `exec` step with `track = \"down\"` or `\"up\"`", Run,
      "When an operator's command breaks (repairs) what the master (a backup) tracks, the router that then outranks the others becomes master within the detection time (script interval × fall or rise) + Master_Down_Interval + tolerance")
        .judged_by(&[PerVrouter(tracking::c14)]),
    // D. ARP, ND, RA
    D1GratuitousArp: c("d1.gratuitous-arp", "D1", "RFC 3768 §6.4.1, §6.4.2; RFC 5798 §6.4.1, §6.4.2; RFC 9568 §6.4.1, §6.4.2, §8.1.2",
      "VRRP over IPv4 (CARP: the same rule, by analogy); every transition to master", Wire,
      "A new master sends a gratuitous ARP for every IPv4 VIP, from the VMAC, sender hardware address = VMAC")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::d1)]),
    D2UnsolicitedNa: c("d2.unsolicited-na", "D2", "RFC 5798 §6.4.1, §6.4.2; RFC 9568 §6.4.1, §6.4.2",
      "VRRPv3 over IPv6; every transition to master", Wire,
      "A new master sends an unsolicited NA for every IPv6 VIP: R=1 S=0 O=1, target = VIP, target link-layer address = VMAC, from the VMAC")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::d2)]),
    D3ArpReplyVmac: c("d3.arp-reply-vmac", "D3", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3, §8.1.2",
      "VRRP over IPv4; ARP requests for a VIP in the recording (a full test: injection)", Wire,
      "ARP requests for a VIP are answered by the master with the VMAC, never a physical MAC")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::d3)]),
    D4NaReplyVmac: c("d4.na-reply-vmac", "D4", "RFC 5798 §6.4.3, §8.2.2; RFC 9568 §6.4.3, §8.2.2",
      "VRRPv3 over IPv6; solicitations for a VIP in the recording (a full test: injection)", Wire,
      "Neighbor Solicitations for a VIP are answered by the master with the VMAC (RFC 9568: R flag set)")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::d4)]),
    D5RouterAdverts: c("d5.router-adverts", "D5", "RFC 5798 §6.4.2, §6.4.3, §8.2.3; RFC 9568 §6.4.2, §6.4.3, §8.2.3",
      "VRRPv3 over IPv6; router advertisements of the virtual router in the recording", Wire,
      "Router advertisements for the virtual router come from the master only; backups send none")
        .judged_by(&[PerVrouter(announce::d5)]),
    D6BackupSilent: c("d6.backup-silent", "D6", "RFC 3768 §6.4.2; RFC 5798 §6.4.2; RFC 9568 §6.4.2",
      "VRRP; needs ARP/NS for a VIP and frames to the VMAC sent at a backup", Injection,
      "A backup answers no ARP or NS for a VIP and accepts no frame to the VMAC")
        .judged_by(&[Whole(reactions::d6)]),
    D7NoPhysicalMacForVip: c("d7.no-physical-mac-for-vip", "D7", "RFC 3768 §8.2; RFC 5798 §8.1.2, §8.2.2; RFC 9568 §8.1.2, §8.2.2",
      "VRRP with VMAC in use", Wire,
      "No ARP or ND from a router names a VIP with a physical MAC (also not while it boots or restarts)")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(announce::d7)]),
    D8VmacLearning: c("d8.vmac-learning", "D8", "RFC 3768 §2.4; RFC 5798 §2.4; RFC 9568 §6.4.3",
      "VRRP with VMAC in use; every transition to master", Events,
      "After each takeover the switch learns the VMAC on the new master's port at once (its VMAC-sourced frames keep bridges current)")
        .judged_by(&[PerVrouter(forwarding::d8)]),
    D9VmacNotIid: c("d9.vmac-not-iid", "D9", "RFC 5798 §7.4; RFC 9568 §7.4",
      "VRRP over IPv6", Wire,
      "No IPv6 address on the segment has an interface identifier made from a VMAC")
        .judged_by(&[PerVrouter(announce::d9)]),
    D10HostNaAcceptance: c("d10.host-na-acceptance", "D10", "RFC 9568 §8.2.4",
      "hosts of a run", Run,
      "Hosts' acceptance of unsolicited NA / gratuitous ARP (drop_unsolicited_na, accept_untracked_na, arp_accept) is set and recorded, and lets the announcements through")
        .judged_by(&[Whole(announce::d10)]),
    // E. Invariants
    E1VmacOnMasterPort: c("e1.vmac-on-master-port", "E1", "RFC 5798 §6.4.2, §7.3, §8.2.2; RFC 9568 §6.4.2, §6.4.3, §7.3 (invariant E1)",
      "VRRP; wire: frames from a VMAC; events: the switch's FDB", Wire,
      "Only the current master sends from the VMAC: no frame from a VMAC enters by another port, and the switch FDB never puts a VMAC on a backup's port")
        .judged_by(&[PerVrouter(forwarding::e1)]),
    E2HostNeighVmac: c("e2.host-neigh-vmac", "E2", "RFC 3768 §8.2; RFC 5798 §8.1.2, §8.2.2; RFC 9568 §8.1.2, §8.2.2 (invariant E2)",
      "VRRP with VMAC in use; hosts' neighbour caches", Events,
      "No host's neighbour entry for a VIP holds a router's physical MAC")
        .judged_by(&[PerVrouter(forwarding::e2)]),
    E3Ipv6DefaultRouter: c("e3.ipv6-default-router", "E3", "RFC 5798 §6.4.2; RFC 9568 §6.4.2, §6.4.3, §8.2.2 (invariant E3)",
      "VRRPv3 over IPv6", Wire,
      "Hosts keep the virtual router as a router: every NA for a VIP has R=1, and hosts' entries keep the router flag")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(forwarding::e3)]),
    E4SingleMaster: c("e4.single-master", "E4, C7", "RFC 5798 §6.4.3 / RFC 9568 §6.4.3; RFC 3768 §6.4.3",
      "v2, v3; IPv4, IPv6; every `hold` window", Run,
      "Exactly one master per virtual router in steady state, as the wire shows it")
        .judged_by(&[Judge::Run(run_checks::single_master)]),
    E4DualMaster: c("e4.dual-master", "E4", "RFC 3768 §6.4.3; RFC 5798 §6.4.3; RFC 9568 §6.4.3 (invariant E4)",
      "VRRP, CARP", Wire,
      "Two routers never advertise as master at the same time for longer than the tolerance")
        .judged_by(&[PerVrouter(forwarding::e4_dual)]),
    E4ServiceGap: c("e4.service-gap", "E4", "RFC 5798 §1, §6.4.2 (Master_Down_Interval) / RFC 9568 §6.4.2",
      "v2, v3; every fault step, every VIP, every probing host; every host behind another gateway (`gateway`)", Run,
      "Hosts' traffic to every virtual address, and through the virtual routers to the hosts behind them, resumes within Master_Down_Interval of a fault (the slowest on the path; VIPs on lo: + 500 ms for the route)")
        .judged_by(&[Judge::Run(run_checks::service_gap)]),
    E5SplitBrainReannounce: c("e5.split-brain-reannounce", "E5", "RFC 3768 §6.4.2; RFC 5798 §6.4.2; RFC 9568 §6.4.2 (invariant E5)",
      "VRRP, CARP; every overlap of two masters longer than an interval", Wire,
      "When a split brain heals, the surviving master announces every VIP again")
        .judged_by(&[PerVrouter(forwarding::e5)]),
    E6NoVipFromOldMaster: c("e6.no-vip-from-old-master", "E6", "RFC 3768 §6.4.2; RFC 5798 §6.4.2, §8.2.2; RFC 9568 §6.4.2, §8.2.2 (invariant E6)",
      "VRRP, CARP; every change of master", Wire,
      "Once a successor has announced, the old master sends nothing that maps a VIP to it: no ARP or NA naming a VIP, no packet from a VIP")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(forwarding::e6)]),
    E7StrangerNeverClaims: c("e7.stranger-never-claims", "CARP", "carp(4); ucarp(8) (no RFC)",
      "CARP, with the password the routers share and a router advertising with another", Wire,
      "A router whose adverts carry another password's HMAC (ignored by the routers that share the password) never takes the address: no ARP naming it, no host's neighbour entry naming its MAC")
        .on_neighbour_frames()
        .judged_by(&[PerVrouter(forwarding::e7)]),
    E8HooksFollowMaster: c("e8.hooks-follow-master", "field", "RFC 5798 §6.4.2, §6.4.3 (the master's state); keepalived.conf(5) notify_master / notify_backup (hooks have no RFC)",
      "virtual routers whose notify hooks move addresses (`notify.moves`: a coupled service); the routers' address events", Events,
      "What the notify hooks move with mastership (a coupled service's address) is held by the master alone: added within one interval + tolerance + the hook's run time of its first advert, kept while it is master, dropped within the same of its successor's first advert — never on two routers, never on none")
        .judged_by(&[PerVrouter(coupled::e8)]),
    E9SyncGroupTogether: c("e9.sync-group-together", "field", "keepalived.conf(5) vrrp_sync_group (sync groups have no RFC; RFC 5798 §6.4.2, §6.4.3 time each member's change)",
      "scenarios with `[sync_groups]`; every change of master of a member", Run,
      "Whoever becomes master of one member of a sync group is master of every member within the slowest member's Master_Down_Interval + tolerance, before or after: the members never stay split between routers")
        .judged_by(&[Whole(sync_groups::e9)]),
    E10RouteFollowsMaster: c("e10.route-follows-master", "field", "RFC 5798 §6.4.2, §6.4.3 (the master's state); RFC 4271 (BGP, untimed here)",
      "virtual routers whose VIPs are held on lo (`vip_interface`), with an upstream node that learns them by BGP; every master after the sessions came up", Events,
      "The upstream's route to each VIP leads to the master within one interval + tolerance + 500 ms for BGP of its first advert, and keeps leading there until its successor's first advert")
        .judged_by(&[PerVrouter(routes::e10)]),
}

/// docs/checks.md.
pub fn markdown() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# The check catalogue\n");
    let _ = writeln!(
        s,
        "Generated by `vrlab checks --markdown > docs/checks.md`; a test fails when this file is not current.\n"
    );
    let _ = writeln!(
        s,
        "Every check has a stable id (used in `scenarios/known-deviations/*.toml` and JUnit names), the clause it \
enforces and the RFC-CHECKLIST items it covers (`../shared/RFC-CHECKLIST.md`). \"Requires\" says what a \
recording must hold for the check to judge: `wire` checks work on any capture (`vrlab check FILE.pcap`), \
`run directory` and `netlink events` checks need a run directory, and `injection` checks need active probing \
(the fault-injection issue): until then they report *not applicable* with that reason. A check that cannot \
apply to a recording says why; none is silently left out.\n"
    );
    let _ = writeln!(
        s,
        "Timing bounds come from the RFC formulas: Skew_Time = (256 − Priority) / 256 s (v2) or \
((256 − Priority) × Master_Adver_Interval) / 256 (v3); Master_Down_Interval = 3 × interval + Skew_Time; \
plus the scenario's `tolerance` (or `--tolerance` for a capture). VRRPv3 over IPv4 checksums pass with \
either the IPv4 pseudo-header or over the message only (RFC-CHECKLIST, \"Checksum\"); the verdict says which.\n"
    );
    let _ = writeln!(
        s,
        "A check is declared once: one row of `checks!` (`harness/src/checks/catalogue.rs`) names \
its variant of the `Check` enum and holds its id, clause, checklist items, what it applies to \
and what it needs; code names it only by the variant, so its id string is written in that row \
alone. \
The same row names its judges (`.judged_by(&[PerVrouter(wire_checks::a1)])`: per virtual \
router, over the whole recording, from the run directory, or the reactions to injected \
adverts), and one runner calls them in catalogue order: adding a check is a row and its \
function. From the row come its place in reports, its JUnit name, this page, and its \
not-applicable line where the input cannot hold its evidence (`ARP/ND` below: a capture \
filtered to the adverts has none).\n"
    );
    let _ = writeln!(
        s,
        "| id | checklist | what | clause | applies to | requires |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for d in CATALOGUE {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            d.id,
            d.checklist,
            d.title.replace('|', "\\|"),
            d.clause,
            d.applies.replace('|', "\\|"),
            d.needs()
        );
    }
    s
}

/// `vrlab checks`: one block per check, for a terminal.
pub fn text() -> String {
    let mut s = String::new();
    for d in CATALOGUE {
        let _ = writeln!(s, "{:<28} {:<10} {}", d.id, d.checklist, d.title);
        let _ = writeln!(s, "{:<28} clause:   {}", "", d.clause);
        let _ = writeln!(
            s,
            "{:<28} applies:  {} [requires: {}]",
            "",
            d.applies,
            d.needs()
        );
    }
    let _ = writeln!(s, "{} checks", CATALOGUE.len());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_its_checks_and_each_id_is_unique() {
        for (i, d) in CATALOGUE.iter().enumerate() {
            assert_eq!(d.check as usize, i, "{} is out of place", d.id);
            assert_eq!(Check::from_id(d.id), Some(d.check));
        }
        let ids: std::collections::BTreeSet<&str> = CATALOGUE.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), CATALOGUE.len());
    }

    #[test]
    fn a_check_reads_and_writes_as_its_id() {
        let c = Check::C4AnnounceAfterAdvert;
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            "\"c4.announce-after-advert\""
        );
        assert_eq!(
            serde_json::from_str::<Check>("\"c4.announce-after-advert\"").unwrap(),
            c
        );
        let e = serde_json::from_str::<Check>("\"c4.nope\"").unwrap_err();
        assert!(
            e.to_string().contains("no check has the id `c4.nope`"),
            "{e}"
        );
    }
}
