//! One virtual router's state machine: RFC 9568 §6.4 (VRRPv3; RFC 5798 with
//! "Master" renamed "Active") and RFC 3768 §6.4 (VRRPv2).
//!
//! `handle(event, now)` returns the actions to carry out, in order. The shell
//! owns sockets, interfaces and clocks; this file owns the protocol.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use super::time::{centis, master_down_interval, skew_time, Time};
use crate::packet::{Family, Version};

/// Protocol states (RFC 9568 §6.4). `Fault` is ours: the instance cannot run
/// (interface down, failed tracking with weight 0) and waits to start again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Initialize,
    Backup,
    Master,
    Fault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Adver_Timer: the master's next advertisement.
    Adver,
    /// Master_Down_Timer (Active_Down_Timer in RFC 9568).
    MasterDown,
    /// Bound on a graceful leave: the old master keeps its VIPs until a
    /// successor is heard or this fires.
    Leave,
    /// The master's next IPv6 router advertisement (RFC 9568 §8.2.3).
    RouterAdvert,
    /// A deferred VIP defence: a claim heard while the last defence was less than an
    /// Advertisement_Interval ago is answered when it has passed, so that the last claim
    /// of a burst is always answered.
    Defend,
}

/// The parameters of one virtual router, as the core needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub version: Version,
    pub family: Family,
    pub vrid: u8,
    /// Configured priority: 255 = address owner, 1-254 otherwise.
    pub priority: u8,
    /// Advertisement_Interval in centiseconds (VRRPv2: seconds * 100).
    pub adver_interval_cs: u16,
    pub preempt: bool,
    /// After start-up, behave as if `preempt` were false for this long.
    pub preempt_delay: Duration,
    /// RFC 9568 §6.4.3: a master hearing a lower priority advertises at once.
    pub advert_on_lower_priority: bool,
    /// Drop advertisements whose address list differs from ours (RFC 9568 §7.1
    /// makes the check a MAY; when made, non-owner mismatches MUST be dropped).
    pub strict_address_check: bool,
    /// Keep the VIPs after sending priority 0 until a successor is heard
    /// (bounded by Master_Down_Interval), so no packet is lost on a planned stop.
    pub graceful_leave: bool,
    /// The addresses advertised, in order (IPv6: the link-local one first).
    pub addresses: Vec<IpAddr>,
    /// Our primary address on the interface: advert source and tie-breaker.
    pub primary: IpAddr,
    /// Accept_Mode (RFC 9568 §6.1): a non-owner master accepts packets
    /// addressed to the VIPs. The owner (priority 255) always does.
    pub accept_mode: bool,
    /// IPv6: send router advertisements for the virtual router while master.
    pub router_adverts: Option<RaParams>,
    /// Seed of the jitter of the router advertisement interval (RFC 4861
    /// §6.2.4 wants it random); fixed in tests.
    pub seed: u64,
    /// Send the periodic advertisements at `phase + k × interval`: every
    /// master of this router with the same interval then advertises at
    /// the same instants, and one wake-up (and one batch of frames) serves
    /// them all, here and at the backups. Only the first interval after
    /// becoming master (or an advert sent at once) is shorter. None: one
    /// interval after the last advert, whenever that was.
    pub advert_phase: Option<Time>,
}

/// Router advertisement cadence (RFC 4861 §6.2.1, §6.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaParams {
    /// MaxRtrAdvInterval.
    pub max_interval: Duration,
    /// MinRtrAdvInterval.
    pub min_interval: Duration,
}

/// RFC 4861 §10: the first few advertisements come sooner.
pub const MAX_INITIAL_RTR_ADVERTISEMENTS: u8 = 3;
pub const MAX_INITIAL_RTR_ADVERT_INTERVAL: Duration = Duration::from_secs(16);
/// RFC 4861 §10: at most one multicast advertisement this often in answer
/// to solicitations, each after a random delay of up to MAX_RA_DELAY_TIME.
pub const MIN_DELAY_BETWEEN_RAS: Duration = Duration::from_secs(3);
pub const MAX_RA_DELAY_TIME: Duration = Duration::from_millis(500);

impl Params {
    fn v3(&self) -> bool {
        self.version == Version::V3
    }
}

/// An advertisement that passed the packet checks (TTL, checksum, VRID...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxAdvert {
    pub src: IpAddr,
    pub priority: u8,
    /// VRRPv3: centiseconds. VRRPv2: seconds, as on the wire.
    pub interval: u16,
    pub addresses: Vec<IpAddr>,
}

/// Why the core dropped an advertisement, or what odd thing it noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anomaly {
    /// VRRPv2: Adver Int differs from ours (RFC 3768 §7.1: discard).
    IntervalMismatch,
    /// Address list differs from ours (dropped only with strict_address_check
    /// and a non-owner sender).
    AddressMismatch,
    /// IPv6: first address is not link-local (RFC 9568 §5.2.9, erratum 8300).
    NotLinkLocalFirst,
    /// Our own advertisement, looped back.
    OwnAdvert,
    /// VRRPv3: Max Adver Int differs from ours (logged; a backup adopts it).
    IntervalDiffers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    SendAdvert {
        priority: u8,
    },
    /// Gratuitous ARP (IPv4) / unsolicited NA (IPv6) for these VIPs, from the VMAC.
    Announce {
        addresses: Vec<IpAddr>,
    },
    VmacUp,
    VmacDown,
    /// Put the VIPs on the system as local addresses: the kernel accepts
    /// traffic to them and answers ARP / NS (Accept_Mode true, or owner).
    AddVips {
        addresses: Vec<IpAddr>,
    },
    RemoveVips {
        addresses: Vec<IpAddr>,
    },
    /// Accept_Mode false, not the owner: traffic addressed to the VIPs is
    /// dropped (RFC 9568 §6.4.3), while ARP / NS for them are answered
    /// (by the shell, from the VMAC: see [`Instance::answers_solicitation_for`]).
    BlockVips {
        addresses: Vec<IpAddr>,
    },
    UnblockVips {
        addresses: Vec<IpAddr>,
    },
    /// An IPv6 router advertisement for the virtual router, from its
    /// link-local address and the VMAC (RFC 9568 §8.2.3).
    SendRouterAdvert,
    SetTimer {
        timer: Timer,
        at: Time,
    },
    CancelTimer {
        timer: Timer,
    },
    StateChanged {
        from: State,
        to: State,
    },
    /// The advertisement was dropped for this reason.
    Discard {
        reason: Anomaly,
    },
    /// Something worth a log line and a counter; the packet was still used.
    Noted {
        reason: Anomaly,
    },
    /// A shutdown finished: nothing more will be sent or held.
    Left,
}

#[derive(Debug, Clone)]
pub struct Instance {
    p: Params,
    state: State,
    /// Effective priority (configured, changed by tracking).
    priority: u8,
    /// Master_Adver_Interval (centiseconds): learnt from the master in v3.
    master_adver_interval_cs: u16,
    adver_at: Option<Time>,
    master_down_at: Option<Time>,
    leave_at: Option<Time>,
    preempt_from: Time,
    leaving: bool,
    current_master: Option<(IpAddr, u8)>,
    ra_at: Option<Time>,
    defend_at: Option<Time>,
    /// When the VIPs were last defended.
    defended: Option<Time>,
    /// When the last router advertisement went out, and how many since
    /// becoming master.
    last_ra: Option<Time>,
    ras_sent: u8,
    rng: u64,
    /// When a split brain was last healed by a re-announcement.
    reannounced: Option<Time>,
    /// Immediate answers to lower-priority adverts sent within the last
    /// Advertisement_Interval, by sender (at most [`ANSWERS_PER_INTERVAL`]).
    answered: Vec<(IpAddr, Time)>,
}

/// How many lower-priority adverts a master answers at once per
/// Advertisement_Interval, whatever their senders: beyond that a flood (of
/// spoofed sources) gets only the regular adverts, so the master never
/// becomes an amplifier. One answer per sender per interval is what RFC 9568
/// §6.4.3 needs: the lower router yields when it hears it.
pub const ANSWERS_PER_INTERVAL: usize = 4;

#[derive(Debug, Clone)]
pub enum Event {
    Startup,
    Shutdown,
    Timer(Timer),
    Advert(RxAdvert),
    /// New effective priority from tracking (1-254; the owner stays 255).
    PriorityChanged(u8),
    /// The instance cannot run (interface down, tracking with weight 0).
    Fault,
    /// The fault is gone.
    FaultCleared,
    /// An ARP or NA on the link maps one of our VIPs to another MAC.
    VipConflict,
    /// A host asked for router advertisements (RFC 4861 §6.2.6).
    RouterSolicitation,
}

impl Instance {
    pub fn new(p: Params) -> Instance {
        Instance {
            priority: p.priority,
            master_adver_interval_cs: p.adver_interval_cs,
            state: State::Initialize,
            adver_at: None,
            master_down_at: None,
            leave_at: None,
            preempt_from: Time::ZERO,
            leaving: false,
            current_master: None,
            ra_at: None,
            defend_at: None,
            defended: None,
            last_ra: None,
            ras_sent: 0,
            rng: p_seed(&p),
            reannounced: None,
            answered: Vec::new(),
            p,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }
    pub fn priority(&self) -> u8 {
        self.priority
    }
    pub fn params(&self) -> &Params {
        &self.p
    }
    pub fn master_adver_interval_cs(&self) -> u16 {
        self.master_adver_interval_cs
    }
    /// The master as last heard (address, priority); ourselves when master.
    pub fn current_master(&self) -> Option<(IpAddr, u8)> {
        match self.state {
            State::Master => Some((self.p.primary, self.priority)),
            State::Backup => self.current_master,
            _ => None,
        }
    }
    /// The deadline of a timer, if armed.
    pub fn deadline(&self, t: Timer) -> Option<Time> {
        match t {
            Timer::Adver => self.adver_at,
            Timer::MasterDown => self.master_down_at,
            Timer::Leave => self.leave_at,
            Timer::RouterAdvert => self.ra_at,
            Timer::Defend => self.defend_at,
        }
    }
    /// Whether the VIPs are local addresses of this system while master:
    /// the owner's always are; a non-owner's only with Accept_Mode
    /// (RFC 9568 §6.1, §6.4.3).
    pub fn accepts_vip_traffic(&self) -> bool {
        self.p.priority == 255 || self.p.accept_mode
    }
    /// Whether `target` is one of the VIPs this router must answer ARP
    /// requests and neighbour solicitations for now: only as master (RFC
    /// 9568 §6.4.3; a backup must not, §6.4.2, and a master that has sent
    /// priority 0 is no longer master, even while it still holds the VIPs
    /// for the successor to take over). Whatever Accept_Mode says: the VIPs
    /// of a master without it are not local addresses, yet ARP and ND for
    /// them must be answered.
    pub fn answers_solicitation_for(&self, target: &IpAddr) -> bool {
        self.state == State::Master && self.p.addresses.contains(target)
    }
    /// Still holding VIPs after a shutdown, waiting for a successor.
    pub fn is_leaving(&self) -> bool {
        self.leaving
    }

    pub fn skew_time(&self) -> Duration {
        skew_time(self.p.v3(), self.priority, self.master_adver_interval_cs)
    }
    pub fn master_down_interval(&self) -> Duration {
        master_down_interval(self.p.v3(), self.priority, self.master_adver_interval_cs)
    }

    pub fn handle(&mut self, event: Event, now: Time) -> Vec<Action> {
        let mut out = Vec::new();
        match event {
            Event::Startup => self.startup(now, &mut out),
            Event::Shutdown => self.shutdown(now, &mut out),
            Event::Timer(t) => self.timer(t, now, &mut out),
            Event::Advert(a) => self.advert(a, now, &mut out),
            Event::PriorityChanged(p) => self.priority_changed(p, now, &mut out),
            Event::Fault => self.fault(&mut out),
            Event::FaultCleared => {
                if self.state == State::Fault {
                    self.set_state(State::Initialize, &mut out);
                    self.startup(now, &mut out);
                }
            }
            Event::VipConflict => self.vip_conflict(now, &mut out),
            Event::RouterSolicitation => self.solicited(now, &mut out),
        }
        out
    }

    /// Apply a new configuration in place (SIGHUP), without a state change
    /// when the identity of the virtual router is the same. The caller
    /// recreates the instance when version, family or VRID change.
    pub fn reconfigure(&mut self, p: Params, now: Time) -> Vec<Action> {
        let mut out = Vec::new();
        let was_accepting = self.accepts_vip_traffic();
        let old = std::mem::replace(&mut self.p, p);
        let accepting = self.accepts_vip_traffic();
        if self.state == State::Master {
            if was_accepting != accepting {
                // Accept_Mode changed: move every VIP from one form to the other.
                let (from, to) = (old.addresses.clone(), self.p.addresses.clone());
                if was_accepting {
                    out.push(Action::BlockVips { addresses: to });
                    out.push(Action::RemoveVips { addresses: from });
                } else {
                    out.push(Action::AddVips { addresses: to });
                    out.push(Action::UnblockVips { addresses: from });
                }
            } else {
                let removed: Vec<IpAddr> = old
                    .addresses
                    .iter()
                    .filter(|a| !self.p.addresses.contains(a))
                    .copied()
                    .collect();
                let added: Vec<IpAddr> = self
                    .p
                    .addresses
                    .iter()
                    .filter(|a| !old.addresses.contains(a))
                    .copied()
                    .collect();
                if !removed.is_empty() {
                    out.push(if accepting {
                        Action::RemoveVips { addresses: removed }
                    } else {
                        Action::UnblockVips { addresses: removed }
                    });
                }
                if !added.is_empty() {
                    out.push(if accepting {
                        Action::AddVips {
                            addresses: added.clone(),
                        }
                    } else {
                        Action::BlockVips {
                            addresses: added.clone(),
                        }
                    });
                    out.push(Action::Announce { addresses: added });
                }
            }
            match (
                old.router_adverts.is_some(),
                self.p.router_adverts.is_some(),
            ) {
                (false, true) => {
                    self.ras_sent = 0;
                    self.send_router_advert(now, &mut out);
                }
                (true, false) => self.cancel(Timer::RouterAdvert, &mut out),
                _ => {}
            }
        }
        if old.adver_interval_cs != self.p.adver_interval_cs && self.state != State::Backup {
            self.master_adver_interval_cs = self.p.adver_interval_cs;
        }
        if old.priority != self.p.priority {
            self.priority_changed(self.p.priority, now, &mut out);
        } else if self.state == State::Master && old.addresses != self.p.addresses {
            // Tell the backups about the new address list at once.
            self.send_advert_and_rearm(now, &mut out);
        }
        out
    }

    fn set_state(&mut self, to: State, out: &mut Vec<Action>) {
        if self.state != to {
            out.push(Action::StateChanged {
                from: self.state,
                to,
            });
            self.state = to;
        }
    }

    fn arm(&mut self, t: Timer, at: Time, out: &mut Vec<Action>) {
        match t {
            Timer::Adver => self.adver_at = Some(at),
            Timer::MasterDown => self.master_down_at = Some(at),
            Timer::Leave => self.leave_at = Some(at),
            Timer::RouterAdvert => self.ra_at = Some(at),
            Timer::Defend => self.defend_at = Some(at),
        }
        out.push(Action::SetTimer { timer: t, at });
    }

    fn cancel(&mut self, t: Timer, out: &mut Vec<Action>) {
        let slot = match t {
            Timer::Adver => &mut self.adver_at,
            Timer::MasterDown => &mut self.master_down_at,
            Timer::Leave => &mut self.leave_at,
            Timer::RouterAdvert => &mut self.ra_at,
            Timer::Defend => &mut self.defend_at,
        };
        if slot.take().is_some() {
            out.push(Action::CancelTimer { timer: t });
        }
    }

    /// RFC 9568 §6.4.1: on Startup.
    fn startup(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.state != State::Initialize {
            return;
        }
        self.leaving = false;
        self.preempt_from = now + self.p.preempt_delay;
        if self.p.priority == 255 {
            // The address owner becomes master at once.
            self.become_master(now, out);
        } else {
            self.master_adver_interval_cs = self.p.adver_interval_cs;
            self.current_master = None;
            let mdi = self.master_down_interval();
            self.arm(Timer::MasterDown, now + mdi, out);
            self.set_state(State::Backup, out);
        }
    }

    /// Common to §6.4.1 (owner start-up) and §6.4.2 (Master_Down_Timer fires).
    fn become_master(&mut self, now: Time, out: &mut Vec<Action>) {
        self.cancel(Timer::MasterDown, out);
        // The VMAC interface first (the shell keeps the frames that follow
        // until it is up): the first advertisement moves the bridges' entry
        // for the VMAC to this router, and from then on what hosts send must
        // be received. (The VMAC interface has no address of its own and
        // sends nothing when it comes up.) The VIPs only after that advert:
        // a VIP in place answers ARP / NS at once, and a router answering
        // for the virtual router before it has advertised is seen acting as
        // master while the wire still shows it as backup (§6.4.2: send the
        // advertisement, then announce). Without Accept_Mode, the drop is in
        // place before the VMAC can receive.
        if self.accepts_vip_traffic() {
            out.push(Action::VmacUp);
            out.push(Action::SendAdvert {
                priority: self.priority,
            });
            out.push(Action::AddVips {
                addresses: self.p.addresses.clone(),
            });
        } else {
            out.push(Action::BlockVips {
                addresses: self.p.addresses.clone(),
            });
            out.push(Action::VmacUp);
            out.push(Action::SendAdvert {
                priority: self.priority,
            });
        }
        out.push(Action::Announce {
            addresses: self.p.addresses.clone(),
        });
        self.master_adver_interval_cs = self.p.adver_interval_cs;
        let next = self.next_advert(now);
        self.arm(Timer::Adver, next, out);
        if self.p.router_adverts.is_some() {
            // A new master announces itself as the hosts' router at once
            // (RFC 9568 §8.2.3), then at the initial, faster pace.
            self.ras_sent = 0;
            self.send_router_advert(now, out);
        }
        self.current_master = None;
        self.set_state(State::Master, out);
    }

    /// The VMAC goes down first: from then on nothing leaves it, not even
    /// the MLD reports the kernel sends when addresses go (checklist E1).
    /// VIP defence: someone mapped one of our VIPs to another MAC; claim it back
    /// (RFC 5798 §8.1.2, §8.2.2: hosts must reach the VIPs at the virtual MAC). At most
    /// one defence per Advertisement_Interval, so a flood of claims cannot make us flood;
    /// a claim inside that interval is answered at its end, never dropped.
    fn vip_conflict(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.state != State::Master {
            return;
        }
        let quiet = centis(self.p.adver_interval_cs);
        match self.defended {
            Some(t) if now < t + quiet => {
                if self.defend_at.is_none() {
                    self.arm(Timer::Defend, t + quiet, out);
                }
            }
            _ => self.defend(now, out),
        }
    }

    fn defend(&mut self, now: Time, out: &mut Vec<Action>) {
        self.cancel(Timer::Defend, out);
        self.defended = Some(now);
        out.push(Action::Announce {
            addresses: self.p.addresses.clone(),
        });
    }

    /// With Accept_Mode the VIPs go first: removing an address takes the kernel microseconds,
    /// taking the VMAC down an RCU grace period (~14 ms), and a change never overtakes the one
    /// before it; in the other order a router that yielded kept answering traffic for the VIPs
    /// (the switch sends it frames for the VMAC until the new master's next one) for those
    /// 14 ms. Without it the blackhole that drops VIP traffic stays until the VMAC is down.
    fn stop_serving(&mut self, out: &mut Vec<Action>) {
        self.cancel(Timer::RouterAdvert, out);
        self.cancel(Timer::Defend, out);
        let addresses = self.p.addresses.clone();
        if self.accepts_vip_traffic() {
            out.push(Action::RemoveVips { addresses });
            out.push(Action::VmacDown);
        } else {
            out.push(Action::VmacDown);
            out.push(Action::UnblockVips { addresses });
        }
    }

    /// A random duration in [lo, hi] (xorshift64*; the seed is a parameter
    /// so that tests are deterministic).
    fn random_between(&mut self, lo: Duration, hi: Duration) -> Duration {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let span = hi.saturating_sub(lo).as_micros() as u64;
        lo + Duration::from_micros(if span == 0 { 0 } else { r % (span + 1) })
    }

    /// RFC 4861 §6.2.4: send, then schedule the next one at a random time
    /// between MinRtrAdvInterval and MaxRtrAdvInterval, no later than
    /// MAX_INITIAL_RTR_ADVERT_INTERVAL for the first few.
    fn send_router_advert(&mut self, now: Time, out: &mut Vec<Action>) {
        let Some(ra) = self.p.router_adverts else {
            return;
        };
        out.push(Action::SendRouterAdvert);
        self.last_ra = Some(now);
        self.ras_sent = self.ras_sent.saturating_add(1);
        let mut next = self.random_between(ra.min_interval, ra.max_interval);
        if self.ras_sent < MAX_INITIAL_RTR_ADVERTISEMENTS {
            next = next.min(MAX_INITIAL_RTR_ADVERT_INTERVAL);
        }
        self.arm(Timer::RouterAdvert, now + next, out);
    }

    /// RFC 4861 §6.2.6: answer a solicitation with a multicast
    /// advertisement after a random delay, at most one per
    /// MIN_DELAY_BETWEEN_RAS; never later than the one already scheduled.
    fn solicited(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.state != State::Master || self.p.router_adverts.is_none() {
            return;
        }
        let mut at = now + self.random_between(Duration::ZERO, MAX_RA_DELAY_TIME);
        if let Some(last) = self.last_ra {
            at = at.max(last + MIN_DELAY_BETWEEN_RAS);
        }
        if self.ra_at.is_none_or(|scheduled| at < scheduled) {
            self.arm(Timer::RouterAdvert, at, out);
        }
    }

    fn shutdown(&mut self, now: Time, out: &mut Vec<Action>) {
        match self.state {
            State::Backup => {
                // §6.4.2: cancel the Master_Down_Timer, go to Initialize.
                self.cancel(Timer::MasterDown, out);
                self.set_state(State::Initialize, out);
                out.push(Action::Left);
            }
            State::Master => {
                // §6.4.3: cancel the Adver_Timer, send priority 0, Initialize.
                // Router advertisements stop too: the successor sends them.
                self.cancel(Timer::Adver, out);
                self.cancel(Timer::RouterAdvert, out);
                out.push(Action::SendAdvert { priority: 0 });
                self.set_state(State::Initialize, out);
                if self.p.graceful_leave {
                    // Still accepting and forwarding what hosts send, but
                    // no longer master: it answers no ARP/NS any more
                    // (see `answers_solicitation_for`).
                    self.leaving = true;
                    let bound = self.master_down_interval();
                    self.arm(Timer::Leave, now + bound, out);
                } else {
                    self.stop_serving(out);
                    out.push(Action::Left);
                }
            }
            State::Initialize | State::Fault => {
                if !self.leaving {
                    self.set_state(State::Initialize, out);
                    out.push(Action::Left);
                }
            }
        }
    }

    fn finish_leave(&mut self, out: &mut Vec<Action>) {
        self.leaving = false;
        self.cancel(Timer::Leave, out);
        self.stop_serving(out);
        out.push(Action::Left);
    }

    fn fault(&mut self, out: &mut Vec<Action>) {
        match self.state {
            State::Master => {
                // As on shutdown: priority 0 lets a backup take over after
                // Skew_Time rather than Master_Down_Interval. (With the
                // interface down the send fails, and nothing is lost.)
                self.cancel(Timer::Adver, out);
                out.push(Action::SendAdvert { priority: 0 });
                self.stop_serving(out);
            }
            State::Backup => self.cancel(Timer::MasterDown, out),
            State::Initialize | State::Fault => {}
        }
        self.set_state(State::Fault, out);
    }

    fn timer(&mut self, t: Timer, now: Time, out: &mut Vec<Action>) {
        // A stale or early expiry (timer re-armed since) is ignored.
        match self.deadline(t) {
            Some(at) if at <= now => {}
            _ => return,
        }
        // An expired timer is disarmed whatever the state; the branches
        // below re-arm it where the protocol says so.
        let due = self.deadline(t);
        match t {
            Timer::Adver => self.adver_at = None,
            Timer::MasterDown => self.master_down_at = None,
            Timer::Leave => self.leave_at = None,
            Timer::RouterAdvert => self.ra_at = None,
            Timer::Defend => self.defend_at = None,
        }
        match (t, self.state) {
            (Timer::MasterDown, State::Backup) => {
                // §6.4.2: Master_Down_Timer fires: advertise, announce, Master.
                self.become_master(now, out);
            }
            (Timer::Adver, State::Master) => {
                // §6.4.3: Adver_Timer fires: advertise, re-arm. Re-arm from
                // the deadline, not from `now`, so that wake-up latency does
                // not accumulate into a slower cadence (unless we are more
                // than an interval late, when we start again from now).
                let due = due.unwrap_or(now);
                let interval = centis(self.p.adver_interval_cs);
                let next = if now < due + interval {
                    due + interval
                } else {
                    self.next_advert(now)
                };
                out.push(Action::SendAdvert {
                    priority: self.priority,
                });
                self.arm(Timer::Adver, next, out);
            }
            (Timer::Leave, _) if self.leaving => self.finish_leave(out),
            (Timer::RouterAdvert, State::Master) => self.send_router_advert(now, out),
            (Timer::Defend, State::Master) => self.defend(now, out),
            _ => {}
        }
    }

    fn send_advert_and_rearm(&mut self, now: Time, out: &mut Vec<Action>) {
        out.push(Action::SendAdvert {
            priority: self.priority,
        });
        let next = self.next_advert(now);
        self.arm(Timer::Adver, next, out);
    }

    /// When the next periodic advertisement is due after one sent `now`:
    /// one interval later, or the next point of the phase grid (never
    /// later than one interval).
    fn next_advert(&self, now: Time) -> Time {
        let interval = centis(self.p.adver_interval_cs);
        match self.p.advert_phase {
            Some(phase) if now >= phase => {
                let step = interval.as_micros() as u64;
                let k = (now.0 - phase.0) / step + 1;
                Time(phase.0 + k * step)
            }
            _ => now + interval,
        }
    }

    fn priority_changed(&mut self, p: u8, now: Time, out: &mut Vec<Action>) {
        // The owner's 255 is not a tracked value; 0 is reserved for leaving.
        let p = if self.p.priority == 255 {
            255
        } else {
            p.clamp(1, 254)
        };
        if p == self.priority {
            return;
        }
        self.priority = p;
        if self.state == State::Master {
            // Let backups see the new priority now, not an interval later.
            self.send_advert_and_rearm(now, out);
        }
    }

    /// Checks of RFC 9568 §7.1 / RFC 3768 §7.1 that need the configuration.
    /// Returns false when the advertisement must be dropped.
    fn accept(&self, a: &RxAdvert, out: &mut Vec<Action>) -> bool {
        if a.src == self.p.primary {
            out.push(Action::Discard {
                reason: Anomaly::OwnAdvert,
            });
            return false;
        }
        if self.p.family == Family::Ipv6 {
            let first_ll = matches!(a.addresses.first(), Some(IpAddr::V6(v6)) if (v6.segments()[0] & 0xffc0) == 0xfe80);
            // RFC 9568 (erratum 8300) lets a receiver check this, but keepalived and FRR send
            // their addresses as configured, and without a link-local VIP configured (the
            // common case in the field) the global VIP comes first: discarding those adverts
            // would make two masters of every such mixed pair. So it is only noted, unless
            // strict checking is asked for.
            if !first_ll {
                if self.p.strict_address_check {
                    out.push(Action::Discard {
                        reason: Anomaly::NotLinkLocalFirst,
                    });
                    return false;
                }
                out.push(Action::Noted {
                    reason: Anomaly::NotLinkLocalFirst,
                });
            }
        }
        if !self.p.v3() && a.interval * 100 != self.p.adver_interval_cs {
            out.push(Action::Discard {
                reason: Anomaly::IntervalMismatch,
            });
            return false;
        }
        if self.p.v3() && a.interval != self.p.adver_interval_cs {
            out.push(Action::Noted {
                reason: Anomaly::IntervalDiffers,
            });
        }
        let same = a.addresses.len() == self.p.addresses.len()
            && a.addresses.iter().all(|x| self.p.addresses.contains(x));
        if !same {
            if self.p.strict_address_check && a.priority != 255 {
                out.push(Action::Discard {
                    reason: Anomaly::AddressMismatch,
                });
                return false;
            }
            out.push(Action::Noted {
                reason: Anomaly::AddressMismatch,
            });
        }
        true
    }

    fn advert_interval_cs(&self, a: &RxAdvert) -> u16 {
        if self.p.v3() {
            a.interval
        } else {
            self.p.adver_interval_cs
        }
    }

    fn advert(&mut self, a: RxAdvert, now: Time, out: &mut Vec<Action>) {
        if !self.accept(&a, out) {
            return;
        }
        match self.state {
            State::Backup => self.advert_in_backup(a, now, out),
            State::Master => self.advert_in_master(a, now, out),
            State::Initialize if self.leaving => {
                // A successor is advertising: hand over now.
                if a.priority > 0 {
                    self.finish_leave(out);
                }
            }
            State::Initialize | State::Fault => {}
        }
    }

    /// RFC 9568 §6.4.2, "If an ADVERTISEMENT is received".
    fn advert_in_backup(&mut self, a: RxAdvert, now: Time, out: &mut Vec<Action>) {
        if a.priority == 0 {
            // The master is leaving: take over after Skew_Time.
            let skew = self.skew_time();
            self.arm(Timer::MasterDown, now + skew, out);
            return;
        }
        let preempt = self.p.preempt && now >= self.preempt_from;
        if !preempt || a.priority >= self.priority {
            // VRRPv3 learns the master's interval; VRRPv2 already checked equality.
            self.master_adver_interval_cs = self.advert_interval_cs(&a);
            self.current_master = Some((a.src, a.priority));
            let mdi = self.master_down_interval();
            self.arm(Timer::MasterDown, now + mdi, out);
        }
        // else: preempting a lower-priority master: discard, let the timer run.
    }

    /// RFC 9568 §6.4.3, "If an ADVERTISEMENT is received".
    fn advert_in_master(&mut self, a: RxAdvert, now: Time, out: &mut Vec<Action>) {
        if a.priority == 0 {
            self.send_advert_and_rearm(now, out);
            return;
        }
        let higher = a.priority > self.priority
            || (a.priority == self.priority && ip_greater(&a.src, &self.p.primary));
        if higher {
            self.cancel(Timer::Adver, out);
            self.master_adver_interval_cs = self.advert_interval_cs(&a);
            self.current_master = Some((a.src, a.priority));
            self.stop_serving(out);
            let mdi = self.master_down_interval();
            self.arm(Timer::MasterDown, now + mdi, out);
            self.set_state(State::Backup, out);
        } else {
            if self.p.advert_on_lower_priority && self.may_answer(a.src, now) {
                // RFC 9568: assert mastership to the sender and refresh bridges.
                out.push(Action::SendAdvert {
                    priority: self.priority,
                });
            }
            // Another router believed it was master (a split brain, or we
            // were frozen): hosts may have followed it. Re-announce so that
            // caches and bridges converge (checklist E5), at most once per
            // Master_Down_Interval so that a peer that never yields cannot
            // make us flood.
            let quiet = self.master_down_interval();
            if self.reannounced.is_none_or(|t| now >= t + quiet) {
                self.reannounced = Some(now);
                out.push(Action::Announce {
                    addresses: self.p.addresses.clone(),
                });
            }
        }
    }
}

impl Instance {
    /// Whether a lower-priority advert from `src` gets an immediate answer:
    /// not if `src` had one within the last Advertisement_Interval, nor once
    /// [`ANSWERS_PER_INTERVAL`] went out in that interval.
    fn may_answer(&mut self, src: IpAddr, now: Time) -> bool {
        let interval = centis(self.p.adver_interval_cs);
        self.answered.retain(|(_, t)| now < *t + interval);
        if self.answered.len() >= ANSWERS_PER_INTERVAL
            || self.answered.iter().any(|(a, _)| *a == src)
        {
            return false;
        }
        self.answered.push((src, now));
        true
    }
}

fn p_seed(p: &Params) -> u64 {
    // xorshift needs a non-zero state.
    (p.seed ^ (u64::from(p.vrid) << 32) ^ 0x9e37_79b9_7f4a_7c15) | 1
}

/// Unsigned comparison of addresses in network byte order (RFC 9568 §6.4.3).
fn ip_greater(a: &IpAddr, b: &IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets() > b.octets(),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.octets() > b.octets(),
        _ => false,
    }
}
