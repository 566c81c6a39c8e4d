//! Netlink changes, carried out one at a time in order, without ever making
//! the protocol loop wait for the kernel.
//!
//! Some changes are slow: bringing a macvlan down waits for an RCU grace
//! period (~14 ms here), with the RTNL lock held. Awaited inline, hundreds
//! of them (a mass demotion) would stall the loop for seconds, long enough
//! to miss advertisements and flap. So the loop queues them and goes on;
//! frames that must follow a change (an advertisement after the VIPs are in
//! place) wait in the instance until its changes are done.
//!
//! The kernel carries out a netlink request in the context of the thread
//! that sends it (rtnetlink_rcv runs inside sendmsg), RCU waits included:
//! the requests are sent from threads of their own, each with its own
//! netlink socket and runtime; the loop only queues them and hears back.
//!
//! Two lanes, each with its own thread: changes that put an instance in or
//! out of service (VMAC up, VIPs, blackhole routes) run in the fast lane;
//! taking a VMAC down runs in the slow one, so that its RCU wait never holds
//! up another instance's VIPs (a router that yields must stop answering for
//! them at once). An instance's changes never overtake each other: once it
//! has a change in the slow lane, its next ones queue behind it there, and a
//! slow change waits until its instance's fast ones are done.

use std::collections::VecDeque;
use std::net::IpAddr;

use rtnetlink::Handle;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::netlink;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NlOp {
    SetUp {
        index: u32,
        up: bool,
    },

    AddAddr {
        index: u32,
        addr: IpAddr,
        prefix: u8,
    },
    DelAddr {
        index: u32,
        addr: IpAddr,
        prefix: u8,
    },
    AddBlackhole {
        addr: IpAddr,
        table: u32,
    },
    DelBlackhole {
        addr: IpAddr,
        table: u32,
    },
    /// Delete a VMAC interface for good (the daemon is stopping). Queued
    /// retirements are done together: each link is moved to a group, and
    /// the group is deleted in one request (one RCU wait for all).
    Retire {
        index: u32,
        name: String,
    },
}

impl NlOp {
    /// Whether the change waits behind the ones that put instances in service.
    pub fn is_slow(&self) -> bool {
        matches!(self, NlOp::SetUp { up: false, .. } | NlOp::Retire { .. })
    }
}

#[derive(Debug, Clone)]
pub struct NlJob {
    pub slot: usize,
    /// The instance's id: a slot may be reused by another instance.
    pub id: u64,
    pub op: NlOp,
    /// Set by [`NlQueue::push`]: which lane it went to.
    pub slow: bool,
}

pub type NlResult = Vec<(NlJob, Result<(), String>)>;
/// Interface names with their state: down (`Some(true)`), up, or unknown.
pub type LinkStates = Vec<(String, Option<bool>)>;

/// What the netlink thread says.
pub enum NlEvent {
    /// The running changes are done.
    Done(NlResult),
    /// An answer to [`NlQueue::poll_links`].
    Links(LinkStates),
}

enum Request {
    Batch(Vec<NlJob>, u32),
    Links(Vec<String>),
}

/// One lane's thread and whether it is carrying out a batch.
struct Lane {
    worker: Option<UnboundedSender<Request>>,
    done: UnboundedReceiver<NlResult>,
    running: bool,
}

impl Lane {
    fn new(name: &str, links: UnboundedSender<LinkStates>) -> std::io::Result<Lane> {
        let (done_tx, done) = unbounded_channel();
        let (tx, rx) = unbounded_channel();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || worker(rx, done_tx, links))?;
        Ok(Lane {
            worker: Some(tx),
            done,
            running: false,
        })
    }

    fn send(&mut self, batch: Vec<NlJob>, retire_group: u32) {
        match &self.worker {
            Some(w) => {
                if let Err(e) = w.send(Request::Batch(batch, retire_group)) {
                    tracing::error!("a netlink thread is gone: {e}");
                } else {
                    self.running = true;
                }
            }
            None => tracing::error!("no netlink thread"),
        }
    }

    /// The running batch's results (never, if none is running).
    async fn finished(&mut self) -> NlResult {
        if !self.running {
            return std::future::pending().await;
        }
        match self.done.recv().await {
            Some(r) => {
                self.running = false;
                r
            }
            None => std::future::pending().await,
        }
    }
}

pub struct NlQueue {
    fast: VecDeque<NlJob>,
    slow: VecDeque<NlJob>,
    fast_lane: Lane,
    slow_lane: Lane,
    /// Instances (slot, id) with fast changes queued or running, and how many:
    /// a slow change of theirs waits for them.
    fast_of: Vec<((usize, u64), usize)>,
    links: UnboundedReceiver<LinkStates>,
}

impl NlQueue {
    /// A queue with its two worker threads.
    pub fn new() -> std::io::Result<NlQueue> {
        let (links_tx, links) = unbounded_channel();
        Ok(NlQueue {
            fast: VecDeque::new(),
            slow: VecDeque::new(),
            fast_lane: Lane::new("vrlabd-netlink", links_tx.clone())?,
            slow_lane: Lane::new("vrlabd-netlink-slow", links_tx)?,
            fast_of: Vec::new(),
            links,
        })
    }

    /// Queue a change; `in_slow_lane` says whether the instance already has
    /// a change waiting in the slow lane (then this one goes behind it).
    pub fn push(&mut self, mut job: NlJob, in_slow_lane: bool) -> bool {
        let slow = in_slow_lane || job.op.is_slow();
        job.slow = slow;
        if slow {
            self.slow.push_back(job);
        } else {
            let key = (job.slot, job.id);
            match self.fast_of.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => self.fast_of.push((key, 1)),
            }
            self.fast.push_back(job);
        }
        slow
    }

    pub fn is_idle(&self) -> bool {
        !self.fast_lane.running
            && !self.slow_lane.running
            && self.fast.is_empty()
            && self.slow.is_empty()
    }

    /// Changes waiting (not counting the running ones).
    pub fn waiting(&self) -> usize {
        self.fast.len() + self.slow.len()
    }

    /// Start the next batch of each lane that is not busy.
    pub fn start(&mut self, retire_group: u32) {
        if !self.fast_lane.running && !self.fast.is_empty() {
            let batch: Vec<NlJob> = self.fast.drain(..).collect();
            self.fast_lane.send(batch, retire_group);
        }
        if !self.slow_lane.running {
            if let Some(batch) = self.next_slow_batch() {
                self.slow_lane.send(batch, retire_group);
            }
        }
    }

    /// Ask for the state of these interfaces; the answer comes as
    /// [`NlEvent::Links`].
    pub fn poll_links(&mut self, names: Vec<String>) {
        if let Some(w) = &self.fast_lane.worker {
            let _ = w.send(Request::Links(names));
        }
    }

    /// Completes with the next thing the netlink threads have to say.
    pub async fn event(&mut self) -> NlEvent {
        let ev = tokio::select! {
            r = self.fast_lane.finished() => NlEvent::Done(r),
            r = self.slow_lane.finished() => NlEvent::Done(r),
            Some(l) = self.links.recv() => NlEvent::Links(l),
        };
        if let NlEvent::Done(r) = &ev {
            self.finished_fast(r);
        }
        ev
    }

    /// Counts an instance's fast changes as done.
    fn finished_fast(&mut self, r: &NlResult) {
        for (j, _) in r.iter().filter(|(j, _)| !j.slow) {
            let key = (j.slot, j.id);
            if let Some(i) = self.fast_of.iter().position(|(k, _)| *k == key) {
                self.fast_of[i].1 -= 1;
                if self.fast_of[i].1 == 0 {
                    self.fast_of.swap_remove(i);
                }
            }
        }
    }

    /// The oldest slow change, unless its instance still has fast ones
    /// queued or running (the lane waits: it is the slow one). A retirement
    /// takes with it every other waiting retirement that nothing of its own
    /// instance precedes (one group deletion, and one RCU wait, for hundreds).
    fn next_slow_batch(&mut self) -> Option<Vec<NlJob>> {
        let head = self.slow.front()?;
        if self.fast_of.iter().any(|(k, _)| *k == (head.slot, head.id)) {
            return None;
        }
        let j = self.slow.pop_front()?;
        if !matches!(j.op, NlOp::Retire { .. }) {
            return Some(vec![j]);
        }
        let mut batch = vec![j];
        let mut blocked = Vec::new();
        let mut rest = VecDeque::with_capacity(self.slow.len());
        for j in self.slow.drain(..) {
            let key = (j.slot, j.id);
            let pending_fast = self.fast_of.iter().any(|(k, _)| *k == key);
            if matches!(j.op, NlOp::Retire { .. }) && !blocked.contains(&key) && !pending_fast {
                batch.push(j);
            } else {
                blocked.push(key);
                rest.push_back(j);
            }
        }
        self.slow = rest;
        Some(batch)
    }

    /// Completes when a running batch is done (never, if none is).
    pub async fn done(&mut self) -> NlResult {
        let r = tokio::select! {
            r = self.fast_lane.finished() => r,
            r = self.slow_lane.finished() => r,
        };
        self.finished_fast(&r);
        r
    }
}

/// The netlink thread: a runtime and a netlink socket of its own.
fn worker(
    mut rx: UnboundedReceiver<Request>,
    done: UnboundedSender<NlResult>,
    links: UnboundedSender<LinkStates>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("netlink thread: cannot start a runtime: {e}");
            return;
        }
    };
    rt.block_on(async move {
        let h = netlink::connect();
        if let Err(e) = &h {
            tracing::error!("netlink thread: {e}");
        }
        while let Some(req) = rx.recv().await {
            match (req, &h) {
                (Request::Batch(batch, group), Ok(h)) => {
                    if done.send(run(h.clone(), batch, group).await).is_err() {
                        break;
                    }
                }
                (Request::Batch(batch, _), Err(e)) => {
                    let r = batch.into_iter().map(|j| (j, Err(e.to_string()))).collect();
                    if done.send(r).is_err() {
                        break;
                    }
                }
                (Request::Links(names), Ok(h)) => {
                    let mut out = Vec::with_capacity(names.len());
                    for name in names {
                        let down = match netlink::link(h, &name).await {
                            Ok(Some(l)) => Some(!(l.up && l.running)),
                            Ok(None) => Some(true),
                            Err(e) => {
                                tracing::warn!(interface = %name, "cannot read link state: {e}");
                                None // unknown: keep what we had
                            }
                        };
                        out.push((name, down));
                    }
                    if links.send(out).is_err() {
                        break;
                    }
                }
                (Request::Links(_), Err(_)) => {}
            }
        }
    });
}

async fn run(h: Handle, batch: Vec<NlJob>, retire_group: u32) -> NlResult {
    if matches!(batch[0].op, NlOp::Retire { .. }) {
        let mut moved = Vec::new();
        for j in batch {
            let NlOp::Retire { index, .. } = j.op else {
                unreachable!("a retire batch holds retirements only")
            };
            let r = netlink::set_group(&h, index, retire_group).await;
            moved.push((j, r));
        }
        let del = netlink::delete_group(&h, retire_group)
            .await
            .map_err(|e| e.to_string());
        return moved
            .into_iter()
            .map(|(j, r)| (j, r.map_err(|e| e.to_string()).and(del.clone())))
            .collect();
    }
    // Sent in order (the futures are first polled in order, and the
    // connection writes requests as they come), answered in order.
    let results = futures::future::join_all(batch.iter().map(|j| apply(&h, &j.op))).await;
    batch
        .into_iter()
        .zip(results)
        .map(|(j, r)| (j, r.map_err(|e| e.to_string())))
        .collect()
}

async fn apply(h: &Handle, op: &NlOp) -> Result<(), netlink::NetlinkError> {
    match op {
        NlOp::SetUp { index, up } => netlink::set_up(h, *index, *up).await,
        NlOp::AddAddr {
            index,
            addr,
            prefix,
        } => netlink::add_address(h, *index, *addr, *prefix).await,
        NlOp::DelAddr {
            index,
            addr,
            prefix,
        } => netlink::del_address(h, *index, *addr, *prefix).await,
        NlOp::AddBlackhole { addr, table } => netlink::add_blackhole(h, *addr, *table).await,
        NlOp::DelBlackhole { addr, table } => netlink::del_blackhole(h, *addr, *table).await,
        NlOp::Retire { .. } => unreachable!("retirements run as a group"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(slot: usize, op: NlOp) -> NlJob {
        NlJob {
            slot,
            id: slot as u64,
            op,
            slow: false,
        }
    }

    fn lane() -> Lane {
        let (_d, done) = unbounded_channel();
        Lane {
            worker: None,
            done,
            running: false,
        }
    }

    fn queue() -> NlQueue {
        let (_l, links) = unbounded_channel();
        NlQueue {
            fast: VecDeque::new(),
            slow: VecDeque::new(),
            fast_lane: lane(),
            slow_lane: lane(),
            fast_of: Vec::new(),
            links,
        }
    }

    #[test]
    fn service_changes_overtake_vmac_downs_but_never_an_instances_own() {
        let mut q = queue();
        let down = NlOp::SetUp {
            index: 7,
            up: false,
        };
        let up = NlOp::SetUp { index: 8, up: true };
        assert!(q.push(job(1, down.clone()), false), "down is slow");
        assert!(!q.push(job(2, up.clone()), false), "up is fast");
        // Slot 1 has a change in the slow lane: its next one follows it.
        assert!(q.push(job(1, NlOp::SetUp { index: 7, up: true }), true));
        assert_eq!(q.fast.front().map(|j| j.slot), Some(2));
        assert_eq!(
            q.slow.iter().map(|j| j.op.clone()).collect::<Vec<_>>(),
            vec![down, NlOp::SetUp { index: 7, up: true }]
        );
        assert_eq!(q.waiting(), 3);
        // Slot 1's VMAC down runs beside slot 2's change, not after it.
        let slow = q.next_slow_batch().unwrap();
        assert_eq!(slow.len(), 1);
        assert_eq!(slow[0].slot, 1);
    }

    #[test]
    fn a_slow_change_waits_for_its_own_instances_fast_ones() {
        let mut q = queue();
        let vip = NlOp::DelAddr {
            index: 1,
            addr: "192.0.2.100".parse().unwrap(),
            prefix: 32,
        };
        let down = NlOp::SetUp {
            index: 7,
            up: false,
        };
        // A router that yields: its VIPs go (fast), then its VMAC (slow).
        assert!(!q.push(job(1, vip.clone()), false));
        assert!(q.push(job(1, down.clone()), false));
        assert!(q.next_slow_batch().is_none(), "the VIPs first");
        let fast: Vec<NlJob> = q.fast.drain(..).collect();
        q.finished_fast(&fast.into_iter().map(|j| (j, Ok(()))).collect());
        let slow = q.next_slow_batch().unwrap();
        assert_eq!(slow[0].op, down);
    }

    #[test]
    fn retirements_go_together_unless_their_instance_has_something_before() {
        let mut q = queue();
        let retire = |i: u32| NlOp::Retire {
            index: i,
            name: format!("vr{i}"),
        };
        let bh = NlOp::DelBlackhole {
            addr: "192.0.2.1".parse().unwrap(),
            table: 112,
        };
        q.push(job(1, retire(1)), false);
        q.push(job(1, bh.clone()), true);
        q.push(
            job(
                2,
                NlOp::SetUp {
                    index: 2,
                    up: false,
                },
            ),
            false,
        );
        q.push(job(2, retire(2)), true);
        q.push(job(3, retire(3)), false);
        let batch = q.next_slow_batch().unwrap();
        let slots: Vec<usize> = batch.iter().map(|j| j.slot).collect();
        assert_eq!(slots, vec![1, 3], "slot 2 brings its VMAC down first");
        let rest: Vec<NlOp> = q.slow.iter().map(|j| j.op.clone()).collect();
        assert_eq!(
            rest,
            vec![
                bh,
                NlOp::SetUp {
                    index: 2,
                    up: false
                },
                retire(2)
            ]
        );
    }
}
