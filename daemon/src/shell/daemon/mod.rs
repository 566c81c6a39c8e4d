//! The event loop: owns every running virtual router (core instance plus its
//! interfaces and sockets), feeds the core with packets, timers, tracking and
//! signals, and carries out the actions the core returns.
//!
//! One thread, one loop, and the loop never waits for the kernel: netlink
//! changes go through a queue ([`super::nlqueue`]), frames are sent in
//! batches at the end of each turn, advertisements are read in batches, and
//! every timer of every instance lives in one heap served by one timerfd.
//!
//! This file holds the loop and its state; the `impl Daemon` is spread over
//! the submodules by concern: `lifecycle` (instances coming and going),
//! `receive`, `transmit`, `actions` (what the core asks for), `timers`,
//! `tracking` and `status`; `running` holds the per-instance state.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rtnetlink::Handle;
use serde_json::{json, Value};
use thiserror::Error;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use super::control::{self, StatusRequest};
use super::guardian::{Guardian, Undo};
use super::netlink::{self, NetlinkError};
use super::nlqueue::{LinkStates, NlEvent, NlJob, NlOp, NlQueue, NlResult};
use super::sockets::{
    ClaimSocket, DeadlineTimer, FrameSocket, Received, RxSocket, UnicastSocket, RX_BATCH,
};
use super::track::{self, TrackKind, TrackReport};
use super::{hooks, sysctl};
use crate::config::{self, ConfigError, InstanceConfig, TrackInterface};
use crate::core::instance::RaParams;
use crate::core::receive::{check, DiscardReason, RxPacket};
use crate::core::{Action, Event, Instance, Params, State, Time, Timer};
use crate::packet::frame::{self, Claim, Mac, Request};
use crate::packet::{Advertisement, ChecksumForm, Family, IpPair, Version, MCAST_V4, MCAST_V6};

mod actions;
mod lifecycle;
mod receive;
mod running;
mod status;
mod timers;
mod tracking;
mod transmit;

use running::*;
use timers::heap_key;

#[derive(Debug, Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("instance {instance}: {source}")]
    Netlink {
        instance: String,
        source: Box<NetlinkError>,
    },
    #[error("{what}: {source} (vrlabd needs CAP_NET_RAW and CAP_NET_ADMIN: run it as root)")]
    Io { what: String, source: io::Error },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> DaemonError {
    let what = what.into();
    move |source| DaemonError::Io { what, source }
}

pub struct Options {
    pub config: PathBuf,
    pub control: Option<PathBuf>,
    /// Told about every change to the system, to undo them if we crash.
    pub guardian: Option<Guardian>,
}

/// Batches of advertisements read per socket before timers get a turn.
const READ_BATCHES: usize = 4;
/// Frames read per ARP/ND socket before timers get a turn.
const CLAIM_BUDGET: usize = 256;

struct Daemon {
    h: Handle,
    epoch: tokio::time::Instant,
    slots: Vec<Option<Running>>,
    /// Protocol-112 sockets, one per family, read by the main loop itself:
    /// a packet that arrived before a deadline is always seen before that
    /// deadline's timer is acted on.
    rx: [Option<RxSocket>; 2],
    /// Sockets whose read budget ran out with data left (the reactor will
    /// not signal them again for data already queued).
    rx_pending: [bool; 2],
    rx_meta: Vec<Received>,
    /// Interfaces the VRRP group is joined on, per family.
    vrrp_joined: HashMap<(Family, u32), usize>,
    /// IPv6 groups joined for instances (solicited-node, all-routers).
    groups: HashMap<(u32, Ipv6Addr), usize>,
    /// ARP / ND sockets, one per parent interface.
    claim_socks: Vec<(u32, ClaimSocket)>,
    claim_pending: Vec<bool>,
    buf: Vec<u8>,
    track_tx: UnboundedSender<TrackReport>,
    unattributed: BTreeMap<&'static str, u64>,
    next_id: u64,
    /// Frames leave through the physical interface with the VMAC as source
    /// rather than through the macvlan: a multicast frame sent on a macvlan
    /// in bridge mode is also copied to every sibling macvlan that is up,
    /// which with hundreds of virtual routers costs more than the send.
    frame_sockets: HashMap<u32, Arc<FrameSocket>>,
    /// (interface index, family, VRID) -> slot, for the receive path.
    by_vrid: VridTable,
    /// (family, VRID, peer) -> slot: unicast adverts from a configured
    /// peer, whatever interface they arrive on.
    by_peer: HashMap<(Family, u8, IpAddr), usize>,
    /// Armed timers: (deadline, slot, id, timer). Entries made stale by
    /// re-arming are skipped when popped.
    timers: BinaryHeap<Reverse<(Time, usize, u64, TimerKey)>>,
    guardian: Option<Guardian>,
    nl: NlQueue,
    tx: Vec<TxItem>,
    blackhole_table: u32,
    blackhole_rule_priority: u32,
    /// Blackhole rules installed (IPv4, IPv6).
    rules: [bool; 2],
    /// SIGTERM received: the VMAC interfaces are all deleted at the end.
    stopping: bool,
    /// The interfaces tracked by any instance, polled every 100 ms.
    tracked: Vec<String>,
    tracked_dirty: bool,
    /// This turn read advertisements; the sockets are parked until then.
    rx_read: bool,
    rx_resume_at: Option<Time>,
    /// A link-state poll is running.
    link_poll_busy: bool,
    /// A link changed while a poll was in flight: poll again when it answers (it may have
    /// read the state before the change).
    link_poll_again: bool,
    /// Slots whose deferred advertisement has a deadline.
    adverts_waiting: Vec<usize>,
}

impl Daemon {
    pub(super) fn now(&self) -> Time {
        Time::from_micros(self.epoch.elapsed().as_micros() as u64)
    }

    pub(super) fn instant(&self, t: Time) -> tokio::time::Instant {
        self.epoch + Duration::from_micros(t.as_micros())
    }

    pub(super) fn retire_group(&self) -> u32 {
        netlink::link_group() ^ 0x4000_0000
    }

    pub(super) fn guard_add(&mut self, u: Undo) {
        if let Some(g) = self.guardian.as_mut() {
            g.added(&u);
        }
    }

    pub(super) fn guard_remove(&mut self, u: Undo) {
        if let Some(g) = self.guardian.as_mut() {
            g.removed(&u);
        }
    }
}

/// Completes when any socket may have data.
fn any_readable<'a>(
    rx: &'a [Option<RxSocket>; 2],
    claims: &'a [(u32, ClaimSocket)],
) -> impl Future<Output = ()> + 'a {
    let mut futs: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>> = Vec::new();
    for s in rx.iter().flatten() {
        futs.push(Box::pin(async move {
            if let Err(e) = s.wait_readable().await {
                tracing::warn!("receive readiness: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    for (_, s) in claims {
        futs.push(Box::pin(async move {
            if let Err(e) = s.wait_readable().await {
                tracing::warn!("ARP/ND readiness: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    async move {
        if futs.is_empty() {
            std::future::pending::<()>().await;
        } else {
            futures::future::select_all(futs).await;
        }
    }
}

/// What ended a wait of the main loop.
enum Wake {
    Timer,
    Packet,
    Netlink(NlResult),
    Track(TrackReport),
    LinkTick,
    Links(LinkStates),
    Status(StatusRequest),
    Reload,
    Stop,
}

impl Daemon {
    /// A daemon with no instance yet, talking netlink through `h`.
    fn new(
        h: Handle,
        cfg: &config::Config,
        track_tx: UnboundedSender<TrackReport>,
        guardian: Option<Guardian>,
    ) -> Result<Daemon, DaemonError> {
        Ok(Daemon {
            h,
            epoch: tokio::time::Instant::now(),
            slots: Vec::new(),
            rx: [None, None],
            rx_pending: [false; 2],
            rx_meta: Vec::with_capacity(RX_BATCH),
            vrrp_joined: HashMap::new(),
            groups: HashMap::new(),
            claim_socks: Vec::new(),
            claim_pending: Vec::new(),
            buf: vec![0u8; 65536],
            track_tx,
            unattributed: BTreeMap::new(),
            next_id: 1,
            frame_sockets: HashMap::new(),
            by_vrid: VridTable::default(),
            by_peer: HashMap::new(),
            timers: BinaryHeap::new(),
            guardian,
            nl: NlQueue::new().map_err(io_err("netlink thread"))?,
            tx: Vec::new(),
            blackhole_table: cfg.blackhole_table,
            blackhole_rule_priority: cfg.blackhole_rule_priority,
            rules: [false; 2],
            stopping: false,
            tracked: Vec::new(),
            tracked_dirty: true,
            rx_read: false,
            rx_resume_at: None,
            link_poll_busy: false,
            link_poll_again: false,
            adverts_waiting: Vec::new(),
        })
    }

    /// When the main loop must wake at the latest: the next timer, a paused receive or a
    /// held advert, at once when a spent budget left data to read, and the stop deadline.
    fn wake_at(&mut self, stop_by: Option<Time>) -> Option<tokio::time::Instant> {
        let mut wake = self.next_deadline();
        for t in [self.rx_resume_at, self.advert_deadline()]
            .into_iter()
            .flatten()
        {
            wake = Some(wake.map_or(t, |w| w.min(t)));
        }
        let mut wake = wake.map(|t| self.instant(t));
        if self
            .rx_pending
            .iter()
            .chain(&self.claim_pending)
            .any(|p| *p)
        {
            // Data left over from a spent budget: come straight back.
            wake = Some(tokio::time::Instant::now());
        }
        match (wake, stop_by) {
            (Some(w), Some(s)) => Some(w.min(self.instant(s))),
            (w, s) => w.or(s.map(|s| self.instant(s))),
        }
    }

    /// SIGTERM or SIGINT: every master sends priority 0 and every instance leaves; returns
    /// the deadline by which the loop ends regardless (the longest Master_Down_Interval and
    /// 200 ms).
    fn begin_stop(&mut self) -> Time {
        tracing::info!("stopping: priority 0 from every master, then leaving");
        let bound = self
            .slots
            .iter()
            .flatten()
            .map(|r| r.core.master_down_interval())
            .max()
            .unwrap_or_default();
        let deadline = self.now() + bound + Duration::from_millis(200);
        self.stopping = true;
        for slot in 0..self.slots.len() {
            self.stop_slot(slot);
        }
        deadline
    }
}

/// Prepares every instance (links created, sockets open), then starts them all; if one
/// cannot be prepared, undoes what was set up and reports it.
async fn start_instances(
    d: &mut Daemon,
    instances: Vec<config::InstanceConfig>,
) -> Result<(), DaemonError> {
    // Every instance is prepared (links created, sockets open) before any
    // runs: with hundreds of them, preparing takes long enough that early
    // masters would otherwise advertise late while later ones are made.
    let mut prepared = Vec::new();
    for inst in instances {
        match d.prepare(inst).await {
            Ok(slot) => prepared.push(slot),
            Err(e) => {
                // Undo what was set up before failing, then report.
                d.stopping = true;
                for slot in 0..d.slots.len() {
                    d.force_leave(slot);
                }
                d.drain_netlink().await;
                finish(d).await;
                return Err(e);
            }
        }
    }
    // Adverts queued meanwhile are read by the loop's first turn, once
    // every instance runs.
    for slot in prepared {
        d.startup(slot);
    }
    Ok(())
}

/// Run the daemon in the foreground until SIGTERM or SIGINT.
pub async fn run(mut opts: Options) -> Result<(), DaemonError> {
    let cfg = config::load(&opts.config)?;
    let h = netlink::connect().map_err(|e| DaemonError::Netlink {
        instance: "-".into(),
        source: Box::new(e),
    })?;
    let (track_tx, mut track_rx) = mpsc::unbounded_channel();
    let (status_tx, mut status_rx) = mpsc::unbounded_channel::<StatusRequest>();
    let control_path = opts
        .control
        .clone()
        .or(cfg.control.clone())
        .unwrap_or_else(|| PathBuf::from(control::DEFAULT_PATH));
    let mut term = signal(SignalKind::terminate()).map_err(io_err("SIGTERM handler"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(io_err("SIGINT handler"))?;
    let mut hup = signal(SignalKind::hangup()).map_err(io_err("SIGHUP handler"))?;

    let mut d = Daemon::new(h, &cfg, track_tx, opts.guardian.take())?;
    start_instances(&mut d, cfg.instances).await?;
    // The control socket appears once every instance has started: its
    // presence says the daemon is up.
    control::serve(control_path.clone(), status_tx)
        .map_err(io_err(format!("control socket {}", control_path.display())))?;
    let mut stop_by: Option<Time> = None;
    let mut timer = DeadlineTimer::new().map_err(io_err("timerfd"))?;
    let mut link_tick = tokio::time::interval(Duration::from_millis(100));
    link_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // A tracked link's change is seen when the kernel announces it; the tick stays as the
    // fallback (and for a kernel that drops announcements when our buffer is full).
    let mut link_changes = match netlink::link_changes() {
        Ok(rx) => Some(rx),
        Err(e) => {
            tracing::warn!(
                "no link notifications ({e}): tracked interfaces are polled every 100 ms"
            );
            None
        }
    };
    loop {
        if let Some(deadline) = stop_by {
            let all_left = d.slots.iter().flatten().all(|r| r.left);
            if all_left || d.now() >= deadline {
                break;
            }
        }
        d.unpark_rx();
        d.pump();
        d.release_adverts();
        d.park_rx();
        let g = d.retire_group();
        d.nl.start(g);
        d.flush_tx();
        let wake = d.wake_at(stop_by);
        // Wait for the first thing to happen; act on it after the select so
        // that the waits (which borrow the sockets) are gone by then. Timers
        // and packets are both handled by the pump at the top of the loop.
        let woke = tokio::select! {
            r = async {
                match wake {
                    Some(w) => {
                        timer.arm(w.into_std())?;
                        timer.expired().await
                    }
                    None => std::future::pending().await,
                }
            } => match r {
                Ok(()) => Wake::Timer,
                Err(e) => {
                    // Should not happen; fall back to tokio's coarser timer.
                    tracing::warn!("timerfd: {e}");
                    if let Some(w) = wake {
                        tokio::time::sleep_until(w).await;
                    }
                    Wake::Timer
                }
            },
            _ = any_readable(&d.rx, &d.claim_socks) => Wake::Packet,
            ev = d.nl.event() => match ev {
                NlEvent::Done(r) => Wake::Netlink(r),
                NlEvent::Links(l) => Wake::Links(l),
            },
            Some(t) = track_rx.recv() => Wake::Track(t),
            _ = link_tick.tick() => Wake::LinkTick,
            Some(_) = async {
                match link_changes.as_mut() {
                    Some(rx) => futures::StreamExt::next(rx).await,
                    None => std::future::pending().await,
                }
            } => Wake::LinkTick,
            Some(req) = status_rx.recv() => Wake::Status(req),
            _ = hup.recv(), if stop_by.is_none() => Wake::Reload,
            _ = async { tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} } }, if stop_by.is_none() => Wake::Stop,
        };
        match woke {
            Wake::Timer | Wake::Packet => {}
            Wake::Netlink(r) => d.on_nl_done(r),
            Wake::Track(t) => d.on_track(t),
            Wake::LinkTick => d.poll_links(),
            Wake::Links(l) => d.on_links(l),
            Wake::Status(req) => {
                let _ = req.send(d.status().to_string());
            }
            Wake::Reload => {
                tracing::info!("SIGHUP: reloading {}", opts.config.display());
                d.reload(&opts.config).await;
            }
            Wake::Stop => stop_by = Some(d.begin_stop()),
        }
    }
    // Anything still holding VIPs (deadline reached) lets go now.
    for slot in 0..d.slots.len() {
        d.finish_leave_now(slot);
    }
    d.flush_tx();
    d.drain_netlink().await;
    finish(&mut d).await;
    let _ = std::fs::remove_file(&control_path);
    tracing::info!("stopped");
    Ok(())
}

/// Delete what is left (every VMAC interface at once: backups' ones, down)
/// and the blackhole rules, and tell the guardian.
async fn finish(d: &mut Daemon) {
    match netlink::delete_group(&d.h, netlink::link_group()).await {
        Ok(()) => {
            let names: Vec<String> = d
                .slots
                .iter()
                .flatten()
                .filter(|r| r.vmac_index.is_some())
                .filter_map(|r| r.vmac_name.clone())
                .collect();
            for n in names {
                d.guard_remove(Undo::Link(n));
            }
        }
        Err(e) => tracing::warn!("cannot delete the VMAC interfaces: {e}"),
    }
    for (i, ipv6) in [(0, false), (1, true)] {
        if d.rules[i] {
            let (table, priority) = (d.blackhole_table, d.blackhole_rule_priority);
            match netlink::del_blackhole_rule(&d.h, ipv6, table, priority).await {
                Ok(()) => d.guard_remove(Undo::Rule {
                    ipv6,
                    table,
                    priority,
                }),
                Err(e) => tracing::warn!("cannot delete the blackhole rule: {e}"),
            }
        }
    }
    for slot in 0..d.slots.len() {
        if let Some(mut r) = d.slots[slot].take() {
            for t in r.tasks.drain(..) {
                t.abort();
            }
        }
    }
}
