//! The wire model's incremental core: adverts fed one at a time, in time order, grouped into
//! tenures as they arrive. The timeline's waits feed it live from the capture thread
//! (`capture::live`); `vrlab check` feeds it every advert of the record and then completes
//! what only the whole record can tell ([`super::VrModel`]: the interval a backup learnt,
//! when each tenure ended, overlaps, announcements).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use super::{ns, Kind, Tenure};
use crate::scenario::Vrouter;
use crate::wire::MacAddr;

/// One advert as the model reads it.
#[derive(Debug, Clone, Copy)]
pub struct Heard {
    pub t: u64,
    /// The node that sent it (the bridge port it entered on).
    pub node: u16,
    /// Election rank: VRRP priority, CARP 255 − advskew.
    pub rank: u16,
    /// A VRRP priority-0 advert: the master leaving (CARP has none).
    pub leaving: bool,
    /// Advertised interval, centiseconds.
    pub interval_cs: u16,
    pub src_ip: IpAddr,
    pub src_mac: Option<MacAddr>,
}

impl Heard {
    /// What the model reads of an advert sent by `node`, seen at `t`.
    pub fn of(a: &crate::wire::AdvertSummary, t: u64, node: u16) -> Heard {
        Heard {
            t,
            node,
            rank: a.rank(),
            leaving: a.leaving(),
            interval_cs: (a.interval_ns / 10_000_000).clamp(1, 4095) as u16,
            src_ip: a.src_ip,
            src_mac: a.src_mac,
        }
    }
}

/// What an advert did to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It began tenure `.0`.
    Began(usize),
    /// It continued tenure `.0`.
    Continued(usize),
    /// Priority 0: it ended tenure `.0`.
    Left(usize),
    /// Priority 0 from a node that was not master.
    Stray,
}

/// Adverts of one virtual router grouped into tenures as they arrive.
#[derive(Debug, Clone)]
pub struct Tracker {
    vr: Vrouter,
    tol: u64,
    /// In the order they began.
    pub tenures: Vec<Tenure>,
    /// The tenure of each node still advertising as master.
    open: HashMap<u16, usize>,
    /// Priority-0 adverts from a node that was not master.
    pub stray_leaves: Vec<u32>,
    /// When each node was last heard (priority 0 included).
    last_heard: HashMap<u16, u64>,
    /// The sender of the last advert of non-zero rank.
    speaker: Option<u16>,
}

/// Master_Down_Interval for a router of `rank` learning `interval_cs` (CARP: 3 × period).
pub fn down_interval(vr: &Vrouter, rank: u16, interval_cs: u16) -> Duration {
    if vr.protocol.is_carp() {
        Duration::from_millis(u64::from(interval_cs.max(1)) * 30)
    } else {
        vr.with_interval(interval_cs)
            .master_down_interval(rank.min(255) as u8)
    }
}

/// Does `a` win an election against `b`? Higher rank; on a tie the higher primary address
/// (unsigned comparison, RFC 5798 §6.4.3).
pub fn outranks(a_rank: u16, a_ip: IpAddr, b_rank: u16, b_ip: IpAddr) -> bool {
    if a_rank != b_rank {
        return a_rank > b_rank;
    }
    match (a_ip, b_ip) {
        (IpAddr::V4(x), IpAddr::V4(y)) => u32::from(x) > u32::from(y),
        (IpAddr::V6(x), IpAddr::V6(y)) => u128::from(x) > u128::from(y),
        _ => false,
    }
}

/// How tenure `cur` began after `prev`, the most recently active one before it, with the
/// ranks each advertised when `cur` began. `None` for `prev`: the first of the record.
pub fn classify(
    prev: Option<(&Tenure, u16)>,
    cur: (&Tenure, u16),
    tol: u64,
    capture_start: Option<u64>,
) -> Kind {
    let (cur, cur_rank) = cur;
    let iv_ns = u64::from(cur.interval_cs) * 10_000_000;
    let Some((p, p_rank)) = prev else {
        return match capture_start {
            Some(s) if cur.first_t <= s + iv_ns + tol => Kind::AlreadyMaster,
            _ => Kind::Startup,
        };
    };
    // Still alive when the newcomer spoke: it advertised after the newcomer's first advert,
    // or its next advert was not yet due.
    let p_iv = u64::from(p.interval_cs) * 10_000_000;
    let alive = p.last_t > cur.first_t || cur.first_t - p.last_t <= p_iv + tol;
    if p.node == cur.node {
        Kind::Resumed
    } else if p.leave.is_some() && p.end_t <= cur.first_t {
        Kind::Leave
    } else if !alive {
        Kind::Silence
    } else if outranks(cur_rank, cur.src_ip, p_rank, p.src_ip) {
        Kind::Preempt
    } else {
        Kind::Contest
    }
}

/// The most recently active of the tenures that began before `tenures[ti]` (the order they
/// began in; ties: the earlier).
pub fn previous(tenures: &[Tenure], ti: usize) -> Option<usize> {
    let cur = &tenures[ti];
    (0..ti)
        .filter(|&j| tenures[j].first_t <= cur.first_t)
        .max_by_key(|&j| tenures[j].last_t)
}

impl Tracker {
    pub fn new(vr: &Vrouter, tolerance: Duration) -> Tracker {
        Tracker {
            vr: vr.clone(),
            tol: ns(tolerance),
            tenures: Vec::new(),
            open: HashMap::new(),
            stray_leaves: Vec::new(),
            last_heard: HashMap::new(),
            speaker: None,
        }
    }

    /// Feeds advert `index` (the caller's numbering, kept in [`Tenure::adverts`]).
    pub fn feed(&mut self, index: u32, a: &Heard) -> Step {
        self.last_heard.insert(a.node, a.t);
        if a.leaving {
            return self.leave(index, a);
        }
        self.speaker = Some(a.node);
        if let Some(ti) = self.open.get(&a.node).copied() {
            if self.continues(ti, a) {
                let t = &mut self.tenures[ti];
                t.adverts.push(index);
                t.last_t = a.t;
                t.rank = t.rank.max(a.rank);
                t.last_rank = a.rank;
                return Step::Continued(ti);
            }
            self.open.remove(&a.node);
        }
        let ti = self.tenures.len();
        self.open.insert(a.node, ti);
        self.tenures.push(Tenure {
            node: a.node,
            adverts: vec![index],
            first_t: a.t,
            last_t: a.t,
            rank: a.rank,
            last_rank: a.rank,
            interval_cs: a.interval_cs.clamp(1, 4095),
            src_ip: a.src_ip,
            src_mac: a.src_mac,
            leave: None,
            end_t: 0,
            until: 0,
            preempted: false,
        });
        Step::Began(ti)
    }

    fn leave(&mut self, index: u32, a: &Heard) -> Step {
        match self.open.remove(&a.node) {
            Some(ti) => {
                let t = &mut self.tenures[ti];
                t.leave = Some(index);
                t.end_t = a.t;
                Step::Left(ti)
            }
            None => {
                self.stray_leaves.push(index);
                Step::Stray
            }
        }
    }

    /// Whether advert `a` continues open tenure `ti` of its sender: it came within the
    /// Master_Down_Interval a backup allows, and nobody else became master during a pause
    /// longer than an interval (then this node was a backup meanwhile).
    fn continues(&self, ti: usize, a: &Heard) -> bool {
        let t = &self.tenures[ti];
        let limit = ns(down_interval(&self.vr, t.rank, t.interval_cs)) + self.tol;
        let gap = a.t.saturating_sub(t.last_t);
        let paused = gap > u64::from(t.interval_cs) * 10_000_000 + self.tol
            && self
                .tenures
                .iter()
                .any(|o| o.node != a.node && o.first_t > t.last_t && o.first_t < a.t);
        gap <= limit && !paused
    }

    /// How tenure `ti` began, as far as the adverts fed so far tell (a predecessor that
    /// speaks again later turns a silence into a pre-emption or a contest: `vrlab check`
    /// classifies again with the whole record).
    pub fn kind_so_far(&self, ti: usize) -> Kind {
        let cur = &self.tenures[ti];
        let prev = previous(&self.tenures, ti).map(|j| &self.tenures[j]);
        classify(
            prev.map(|p| (p, p.last_rank)),
            (cur, cur.last_rank),
            self.tol,
            None,
        )
    }

    /// The node that sent the last advert of non-zero rank.
    pub fn speaker(&self) -> Option<u16> {
        self.speaker
    }

    /// When `node` was last heard (priority 0 included).
    pub fn last_heard(&self, node: u16) -> Option<u64> {
        self.last_heard.get(&node).copied()
    }

    /// The tenures still open (their nodes have not left nor been replaced).
    pub fn open(&self) -> impl Iterator<Item = &Tenure> {
        self.open.values().map(|&ti| &self.tenures[ti])
    }
}
