//! The wire model: per segment and virtual router (family, VRID), who was master when, as
//! the segment shows it (principle 4: the wire is the truth).
//!
//! A *tenure* is a run of one node's non-zero adverts with no gap longer than the
//! Master_Down_Interval a backup would allow it; it ends with the node's priority-0 advert, if
//! it sent one. A *transition* is a tenure's start, classified by what came before it:
//! nothing (start-up), the same node (it resumed), a priority-0 advert (the master left), a
//! gap (the master went silent), or a master that was still advertising (pre-emption, or a
//! contest the newcomer should not have started). An *overlap* is a window in which two
//! nodes' tenures interleave: both advertised as master. The *announcements* of a transition
//! are the new master's gratuitous ARPs / unsolicited NAs around its first advert.
//!
//! Tenures grow advert by advert ([`Tracker`]), live during a run as offline here.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::observe::{AdvertObs, Observed, What, NO_NODE};
use super::spec::VrSpec;

mod tracker;
pub use tracker::{classify, down_interval, outranks, Heard, Step, Tracker};

#[derive(Debug, Clone)]
pub struct Tenure {
    pub node: u16,
    /// Non-zero adverts, in the numbering of whoever fed them ([`Tracker::feed`]): indices
    /// into `Observed::adverts` offline, into the live view's own list during a run.
    pub adverts: Vec<u32>,
    pub first_t: u64,
    pub last_t: u64,
    /// Highest election rank advertised (VRRP priority; CARP 255 − advskew).
    pub rank: u16,
    /// The rank of its latest advert.
    pub last_rank: u16,
    /// Most common advertised interval, centiseconds.
    pub interval_cs: u16,
    pub src_ip: IpAddr,
    /// Source MAC of its first advert (absent in raw-IP captures).
    pub src_mac: Option<crate::wire::MacAddr>,
    /// The priority-0 advert that ended it.
    pub leave: Option<u32>,
    /// When backups would stop treating it as master: its priority-0 advert, or its last
    /// advert + Master_Down_Interval (capped at the end of the record).
    pub end_t: u64,
    /// Until when it was master: `end_t`, or earlier, its successor's first advert.
    pub until: u64,
    /// It yielded to a higher-ranked router that pre-empted it (it had to hear it first).
    pub preempted: bool,
}

impl Tenure {
    /// The rank it advertised last at or before `t` (its first advert's before it began): a
    /// router whose tracking lowers its priority is outranked from then on, not by its best.
    pub fn rank_at(&self, wire: &Observed, t: u64) -> u16 {
        let ads = self.adverts.iter().map(|&a| &wire.adverts[a as usize]);
        ads.clone()
            .take_while(|a| a.t <= t)
            .last()
            .or_else(|| ads.clone().next())
            .map_or(self.rank, |a| a.rank())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first master of the record.
    Startup,
    /// The first master of a capture that began while it was master: it advertised within
    /// one interval (+ tolerance) of the capture's first frame, so when and how it became
    /// master is not in the record (a production tcpdump almost always starts so).
    AlreadyMaster,
    /// The same node again, after a gap.
    Resumed,
    /// The previous master sent priority 0.
    Leave,
    /// The previous master stopped advertising.
    Silence,
    /// The previous master was still advertising and the newcomer outranks it.
    Preempt,
    /// The previous master was still advertising and outranks (or ties and wins over) the
    /// newcomer.
    Contest,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Startup => "start-up",
            Kind::AlreadyMaster => "already master when the capture began",
            Kind::Resumed => "resumed",
            Kind::Leave => "after priority 0",
            Kind::Silence => "after silence",
            Kind::Preempt => "pre-emption",
            Kind::Contest => "contest",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Transition {
    pub from: Option<usize>,
    pub to: usize,
    pub kind: Kind,
    /// The new master's first advert.
    pub at: u64,
    /// The advert the new master's timer ran from: the old master's priority-0 advert
    /// (Leave) or its last advert (Silence).
    pub reference: Option<u32>,
    /// Announcements (gratuitous ARP, unsolicited NA) of the new master around `at`,
    /// indices into `Observed::obs`.
    pub announcements: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Overlap {
    /// Tenure that started first.
    pub a: usize,
    /// Tenure that started later.
    pub b: usize,
    pub start: u64,
    pub end: u64,
}

#[derive(Debug, Clone, Default)]
pub struct VrModel {
    /// Every advert of this virtual router (priority 0 included), time order.
    pub adverts: Vec<u32>,
    pub tenures: Vec<Tenure>,
    pub transitions: Vec<Transition>,
    pub overlaps: Vec<Overlap>,
    /// Priority-0 adverts from a node that was not master.
    pub stray_leaves: Vec<u32>,
    /// CARP adverts with another password's HMAC: ignored by the routers that share the
    /// password, so no part of the election (`VrSpec::carp_stranger`).
    pub strangers: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    /// One per `VrSpec`, same order.
    pub vrs: Vec<VrModel>,
    /// Adverts that belong to no known virtual router.
    pub unmatched: Vec<u32>,
}

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

fn key(spec: &VrSpec) -> (u16, crate::scenario::Family, u8, bool) {
    (spec.seg, spec.family, spec.vrid, spec.protocol.is_carp())
}

fn advert_key(a: &AdvertObs) -> (u16, crate::scenario::Family, u8, bool) {
    (a.seg, a.summary.family, a.summary.vrid, a.is_carp())
}

impl Model {
    /// `capture_start`: the first frame of a capture (None for a run directory, whose record
    /// begins before any daemon starts).
    pub fn build(
        wire: &Observed,
        specs: &[VrSpec],
        tolerance: Duration,
        end: u64,
        capture_start: Option<u64>,
    ) -> Model {
        let index: HashMap<_, usize> = specs.iter().enumerate().map(|(i, s)| (key(s), i)).collect();
        let mut m = Model {
            vrs: vec![VrModel::default(); specs.len()],
            unmatched: Vec::new(),
        };
        for (i, a) in wire.adverts.iter().enumerate() {
            match index.get(&advert_key(a)) {
                Some(v) => m.vrs[*v].adverts.push(i as u32),
                None => m.unmatched.push(i as u32),
            }
        }
        for (vm, spec) in m.vrs.iter_mut().zip(specs) {
            vm.build(wire, spec, tolerance, end, capture_start);
        }
        m
    }
}

impl Overlap {
    /// How long both advertised as master.
    pub fn duration_ns(&self) -> u64 {
        self.end - self.start
    }
}

impl VrModel {
    /// The overlaps longer than `tol`: two routers contending as master. A shorter one is
    /// adverts crossing in flight at a handover (one router's first advert sent before the
    /// other's last arrived), which no router could have avoided and which shows up or not
    /// by a few milliseconds' luck. e4.dual-master counts only these; c9 and c10 judge a
    /// shorter one only when what followed it fails them.
    pub fn contests(&self, tol: u64) -> impl Iterator<Item = &Overlap> {
        self.overlaps.iter().filter(move |o| o.duration_ns() > tol)
    }

    /// Whether `node` advertised only with another password's HMAC (CARP).
    pub fn is_stranger(&self, wire: &Observed, node: u16) -> bool {
        self.strangers
            .iter()
            .any(|&ai| wire.adverts[ai as usize].node == node)
            && !self.tenures.iter().any(|t| t.node == node)
    }

    fn build(
        &mut self,
        wire: &Observed,
        spec: &VrSpec,
        tol: Duration,
        end: u64,
        capture_start: Option<u64>,
    ) {
        let mut tracker = Tracker::new(spec, tol);
        for &ai in &self.adverts {
            let a = &wire.adverts[ai as usize];
            if spec.carp_stranger(a) {
                self.strangers.push(ai);
                continue;
            }
            tracker.feed(ai, &Heard::of(&a.summary, a.t, a.node));
        }
        self.tenures = tracker.tenures;
        self.stray_leaves = tracker.stray_leaves;
        for t in &mut self.tenures {
            // The interval a backup learns: the most common one advertised in the tenure.
            let mut counts: HashMap<u64, usize> = HashMap::new();
            for &ai in &t.adverts {
                *counts
                    .entry(wire.adverts[ai as usize].summary.interval_ns)
                    .or_default() += 1;
            }
            if let Some((iv, _)) = counts.into_iter().max_by_key(|(iv, n)| (*n, *iv)) {
                t.interval_cs = (iv / 10_000_000).clamp(1, 4095) as u16;
            }
            if t.leave.is_none() {
                t.end_t = (t.last_t + ns(down_interval(spec, t.rank, t.interval_cs)))
                    .min(end.max(t.last_t));
            }
        }
        self.tenures.sort_by_key(|t| t.first_t);
        for t in &mut self.tenures {
            t.until = t.end_t;
        }
        self.transitions(wire, spec, tol, capture_start);
        for i in 0..self.transitions.len() {
            let tr = &self.transitions[i];
            let (Some(from), at, kind) = (tr.from, tr.at, tr.kind) else {
                continue;
            };
            if matches!(kind, Kind::Leave | Kind::Silence | Kind::Preempt) {
                let p = &mut self.tenures[from];
                // It was master until its successor spoke, or until its own last advert if
                // it carried on (an overlap).
                p.until = p.until.min(at).max(p.last_t);
                p.preempted |= kind == Kind::Preempt;
            }
        }
        self.overlaps();
    }

    fn transitions(
        &mut self,
        wire: &Observed,
        spec: &VrSpec,
        tol: Duration,
        capture_start: Option<u64>,
    ) {
        for i in 0..self.tenures.len() {
            let cur = &self.tenures[i];
            let prev = tracker::previous(&self.tenures, i);
            let kind = classify(
                prev.map(|j| {
                    let p = &self.tenures[j];
                    (p, p.rank_at(wire, cur.first_t))
                }),
                (cur, cur.rank_at(wire, cur.first_t)),
                ns(tol),
                capture_start,
            );
            // The advert the new master's timer ran from.
            let reference = match kind {
                Kind::Resumed | Kind::Silence => {
                    prev.and_then(|j| self.tenures[j].adverts.last().copied())
                }
                Kind::Leave => prev.and_then(|j| self.tenures[j].leave),
                _ => None,
            };
            // Announcements: from the new master, from (at most) one Master_Down_Interval
            // before its first advert, but not before the previous master's last word, to
            // one interval (+ tolerance) after it.
            let iv = Duration::from_millis(u64::from(cur.interval_cs) * 10);
            let mdi = down_interval(spec, cur.rank, cur.interval_cs);
            // A pre-empting router becomes master while the old one still advertises: its
            // announcements may precede the old master's last advert.
            let floor = match kind {
                Kind::Preempt | Kind::Contest => 0,
                _ => reference
                    .map(|r| wire.adverts[r as usize].t)
                    .or_else(|| prev.map(|j| self.tenures[j].last_t))
                    .unwrap_or(0),
            };
            let lo = cur.first_t.saturating_sub(ns(mdi)).max(floor);
            let hi = cur.first_t + ns(iv) + ns(tol);
            let announcements = announcements(
                wire,
                spec,
                cur.node,
                cur.src_ip,
                cur.first_t,
                ns(tol),
                lo,
                hi,
            );
            self.transitions.push(Transition {
                from: prev,
                to: i,
                kind,
                at: cur.first_t,
                reference,
                announcements,
            });
        }
    }

    fn overlaps(&mut self) {
        // Tenures are sorted by their first advert: only those that start before `a` ends
        // can overlap it.
        let n = self.tenures.len();
        for a in 0..n {
            for b in a + 1..n {
                let (ta, tb) = (&self.tenures[a], &self.tenures[b]);
                if tb.first_t >= ta.last_t {
                    break;
                }
                if ta.node == tb.node {
                    continue;
                }
                // The later one spoke while the earlier one was still advertising (an
                // overlap of one advert is an overlap: c9 judges who should have yielded).
                if tb.first_t < ta.last_t {
                    let (start, end) = (tb.first_t, ta.last_t.min(tb.last_t));
                    self.overlaps.push(Overlap { a, b, start, end });
                }
            }
        }
    }

    /// The tenure of the master at `t` (the latest to start among those that cover `t`).
    pub fn master_at(&self, t: u64) -> Option<usize> {
        self.tenures
            .iter()
            .enumerate()
            .filter(|(_, x)| x.first_t <= t && t <= x.until)
            .max_by_key(|(_, x)| x.first_t)
            .map(|(i, _)| i)
    }

    /// Is `node` master at `t`? `slack` before its first advert (announcements race the
    /// advert); none after its successor's first advert (whatever it sends then, it sends
    /// as a backup).
    pub fn is_master(&self, node: u16, t: u64, slack: u64) -> bool {
        self.tenures
            .iter()
            .any(|x| x.node == node && x.first_t.saturating_sub(slack) <= t && t <= x.until)
    }

    /// May `node` act as master at `t`: it is master ([`Self::is_master`], `slack` before its
    /// first advert), or it was, still advertising, until its successor's first advert less
    /// than `grace` before `t`, which it could not yet have heard ([`Self::just_ended`]).
    pub fn acts_as_master(&self, node: u16, t: u64, slack: u64, grace: u64) -> bool {
        self.is_master(node, t, slack) || self.just_ended(node, t, grace)
    }

    /// Was `node` master, still advertising, until its successor's first advert less than
    /// `grace` before `t`? A frame it sent then may have left before that advert could
    /// reach it: the two crossed in flight. A master that had gone silent (crashed, frozen)
    /// has no such excuse: its last advert was a Master_Down_Interval before.
    pub fn just_ended(&self, node: u16, t: u64, grace: u64) -> bool {
        self.tenures.iter().any(|x| {
            let interval = u64::from(x.interval_cs) * 10_000_000;
            x.node == node
                && x.until < t
                && t <= x.until.saturating_add(grace)
                && x.last_t.saturating_add(interval + grace) >= x.until
        })
    }
}

/// Is `o` an announcement of virtual address `vip`: a gratuitous ARP (request or reply form)
/// naming it, or an unsolicited NA for it?
pub fn announces(o: &What, vip: &IpAddr) -> bool {
    match (o, vip) {
        (
            What::Arp {
                sender_ip,
                target_ip,
                ..
            },
            IpAddr::V4(v),
        ) => sender_ip == v && target_ip == v,
        (
            What::Na {
                solicited: false,
                target,
                ..
            },
            IpAddr::V6(v),
        ) => target == v,
        _ => false,
    }
}

/// An ARP reply to one node's MAC answers that node; it announces nothing to the segment,
/// even when its addresses look gratuitous (a kernel answering another master's gratuitous
/// ARP for an address it holds too, during a split brain).
fn answers_one_node(o: &super::observe::Obs) -> bool {
    matches!(o.what, What::Arp { op: 2, .. })
        && o.dst_mac != crate::wire::MacAddr::ZERO
        && !o.dst_mac.is_broadcast()
}

/// Announcements from `node` (or, in a capture where a frame from the virtual MAC cannot be
/// attributed, from the virtual MAC) in `[lo, hi]`.
#[allow(clippy::too_many_arguments)]
fn announcements(
    wire: &Observed,
    spec: &VrSpec,
    node: u16,
    own_ip: IpAddr,
    first: u64,
    tol: u64,
    lo: u64,
    hi: u64,
) -> Vec<u32> {
    let start = wire.obs.partition_point(|o| o.t < lo);
    let mut out = Vec::new();
    for (i, o) in wire.obs[start..].iter().enumerate() {
        if o.t > hi {
            break;
        }
        // A frame from the virtual MAC that names no sender is credited to the new master
        // only from its first advert (less the tolerance) on.
        let mine = o.node == node
            || (o.node == NO_NODE && o.src_mac == spec.vmac_addr() && o.t + tol >= first);
        if !mine || answers_one_node(o) {
            continue;
        }
        let hit = if spec.protocol.is_carp() {
            // CARP adverts carry no addresses: any gratuitous ARP that is not the router's
            // own address announces a virtual one.
            matches!(&o.what, What::Arp { sender_ip, target_ip, .. }
                if sender_ip == target_ip && !sender_ip.is_unspecified()
                    && IpAddr::V4(*sender_ip) != own_ip)
        } else {
            spec.vips.iter().any(|v| announces(&o.what, v))
        };
        if hit {
            out.push((start + i) as u32);
        }
    }
    out
}

/// Addresses of gratuitous ARPs of a CARP master: its virtual addresses, as far as the wire
/// tells (CARP adverts carry none).
pub fn carp_vips(wire: &Observed, vm: &VrModel) -> Vec<IpAddr> {
    let own: Vec<IpAddr> = vm.tenures.iter().map(|t| t.src_ip).collect();
    let mut out: Vec<IpAddr> = Vec::new();
    for tr in &vm.transitions {
        for &oi in &tr.announcements {
            if let What::Arp { sender_ip, .. } = &wire.obs[oi as usize].what {
                let ip = IpAddr::V4(*sender_ip);
                if !own.contains(&ip) && !out.contains(&ip) && *sender_ip != Ipv4Addr::UNSPECIFIED {
                    out.push(ip);
                }
            }
        }
    }
    out
}
