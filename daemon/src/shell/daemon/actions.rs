//! Carrying out what the core asks for (timers, frames, addresses, state
//! changes, hooks) and taking the netlink queue's results back.

use super::*;

impl Daemon {
    /// Queue a netlink change for an instance; its frames wait until done.
    pub(super) fn queue(&mut self, slot: usize, op: NlOp) {
        let Some(r) = self.slots[slot].as_mut() else {
            return;
        };
        let job = NlJob {
            slot,
            id: r.id,
            op,
            slow: false,
        };
        if self.nl.push(job, r.slow_ops > 0) {
            r.slow_ops += 1;
        }
        r.pending_ops += 1;
    }

    /// Carries out what the core asked of instance `slot`, in order.
    pub(super) fn execute(&mut self, slot: usize, actions: Vec<Action>) {
        let now = self.now();
        for a in actions {
            let Some(r) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
                return;
            };
            match a {
                Action::SetTimer { timer, at } => self.set_timer(slot, timer, at),
                Action::CancelTimer { .. } => {}
                Action::SendAdvert { priority } => self.advertise(slot, priority, now),
                Action::Announce { addresses } => {
                    if r.pending_ops > 0 {
                        r.deferred.push(Deferred::Announce(addresses));
                    } else {
                        self.announce(slot, &addresses);
                    }
                }
                Action::SendRouterAdvert => {
                    if r.pending_ops > 0 {
                        r.deferred.push(Deferred::RouterAdvert);
                    } else {
                        self.router_advert(slot);
                    }
                }
                Action::VmacUp => {
                    if let Some(index) = r.vmac_index {
                        self.queue(slot, NlOp::SetUp { index, up: true });
                    }
                }
                Action::VmacDown => {
                    if let Some(index) = r.vmac_index {
                        if !self.stopping {
                            self.queue(slot, NlOp::SetUp { index, up: false });
                        }
                        // Stopping: every VMAC interface goes at the end, in
                        // one request (one RCU wait instead of one each).
                        // Until then a left instance's VMAC sends nothing:
                        // it is NOARP, we answer nothing for it, and no
                        // change is made to it that would make IPv6 send
                        // MLD reports (not even moving it to another group).
                    }
                }
                Action::AddVips { addresses } => self.add_vips(slot, &addresses),
                Action::RemoveVips { addresses } => self.remove_vips(slot, &addresses),
                Action::BlockVips { addresses } => self.block_vips(slot, &addresses),
                Action::UnblockVips { addresses } => self.unblock_vips(slot, &addresses),
                Action::StateChanged { from, to } => {
                    tracing::info!(instance = %r.cfg.name, priority = r.core.priority(), "{} -> {}", state_name(from), state_name(to));
                    match to {
                        State::Master => r.counters.became_master += 1,
                        State::Backup => r.counters.became_backup += 1,
                        _ => {}
                    }
                    if to != State::Initialize {
                        hooks::run(
                            &r.cfg.notify,
                            &r.cfg.name,
                            state_name(to),
                            r.core.priority(),
                        );
                    }
                }
                Action::Discard { reason } => {
                    let reason = DiscardReason::from(reason);
                    tracing::debug!(instance = %r.cfg.name, "advertisement discarded: {}", reason.name());
                    *r.counters.discards.entry(reason.name()).or_default() += 1;
                }
                Action::Noted { reason } => {
                    let name = match reason {
                        crate::core::Anomaly::IntervalDiffers => "interval_differs",
                        other => DiscardReason::from(other).name(),
                    };
                    let n = r.counters.noted.entry(name).or_default();
                    *n += 1;
                    // Every advert of a misconfigured peer would repeat it:
                    // log the 1st, 2nd, 4th, 8th... occurrence only.
                    if n.is_power_of_two() {
                        tracing::info!(instance = %r.cfg.name, count = *n, "advertisement noted: {name}");
                    }
                }
                Action::Left => {
                    r.left = true;
                    hooks::run(&r.cfg.notify, &r.cfg.name, "stop", r.core.priority());
                }
            }
        }
    }

    /// The instance whose actions are carried out (it exists: `execute` checked).
    fn running(&mut self, slot: usize) -> &mut Running {
        self.slots[slot]
            .as_mut()
            .expect("an instance being executed")
    }

    /// Schedules `timer` at `at`, unless it is already due sooner.
    fn set_timer(&mut self, slot: usize, timer: Timer, at: Time) {
        let key = TimerKey::of(timer);
        let at = heap_key(key, at);
        let r = self.running(slot);
        let id = r.id;
        let sched = &mut r.scheduled[key as usize];
        if sched.is_none_or(|s| at < s) {
            *sched = Some(at);
            self.timers.push(Reverse((at, slot, id, key)));
        }
    }

    /// Sends an advertisement, or holds it until the instance's netlink changes are done.
    fn advertise(&mut self, slot: usize, priority: u8, now: Time) {
        let r = self.running(slot);
        if r.pending_ops == 0 {
            self.send_advert(slot, priority);
            return;
        }
        r.deferred.push(Deferred::Advert(priority));
        if r.advert_due.is_none() {
            // An advertisement waits for the VMAC and the VIPs, but not for long: the
            // kernel's RTNL lock is shared by every namespace, and a takeover must not be
            // late because of someone else.
            let cap = (crate::core::time::centis(r.cfg.interval_cs) / 10)
                .clamp(Duration::from_micros(500), Duration::from_millis(2));
            r.advert_due = Some(now + cap);
            self.adverts_waiting.push(slot);
        }
    }

    /// Where each of `addresses` goes (interface, prefix), and the solicited-node groups
    /// that answering for them needs.
    fn vip_targets(
        &mut self,
        slot: usize,
        addresses: &[IpAddr],
    ) -> (u32, Vec<Ipv6Addr>, Vec<(IpAddr, u32, u8)>) {
        let r = self.running(slot);
        let targets = addresses
            .iter()
            .filter_map(|a| r.vip_target(a).map(|(i, p)| (*a, i, p)))
            .collect();
        (r.parent, r.solicited_groups(addresses), targets)
    }

    fn add_vips(&mut self, slot: usize, addresses: &[IpAddr]) {
        let (parent, groups, targets) = self.vip_targets(slot, addresses);
        for g in groups {
            // We answer solicitations for it: make sure they reach us.
            self.join_group(slot, parent, g);
        }
        for (addr, index, prefix) in targets {
            // Not on a VMAC interface: it would outlive a crash.
            self.guard_add(Undo::Addr {
                index,
                addr,
                prefix,
            });
            self.queue(
                slot,
                NlOp::AddAddr {
                    index,
                    addr,
                    prefix,
                },
            );
        }
    }

    fn remove_vips(&mut self, slot: usize, addresses: &[IpAddr]) {
        let (parent, groups, targets) = self.vip_targets(slot, addresses);
        for g in groups {
            self.leave_group(slot, parent, g);
        }
        for (addr, index, prefix) in targets {
            self.queue(
                slot,
                NlOp::DelAddr {
                    index,
                    addr,
                    prefix,
                },
            );
        }
    }

    /// Blackhole routes for the VIPs (a master without Accept_Mode), link-local ones aside
    /// (never routed anyway).
    fn block_vips(&mut self, slot: usize, addresses: &[IpAddr]) {
        let (parent, groups, _) = self.vip_targets(slot, addresses);
        let table = self.blackhole_table;
        for g in groups {
            // We answer solicitations for it: make sure they reach us.
            self.join_group(slot, parent, g);
        }
        for &addr in addresses.iter().filter(|a| !is_link_local_ip(a)) {
            self.guard_add(Undo::Blackhole { addr, table });
            self.queue(slot, NlOp::AddBlackhole { addr, table });
        }
    }

    fn unblock_vips(&mut self, slot: usize, addresses: &[IpAddr]) {
        let (parent, groups, _) = self.vip_targets(slot, addresses);
        let table = self.blackhole_table;
        for g in groups {
            self.leave_group(slot, parent, g);
        }
        for &addr in addresses.iter().filter(|a| !is_link_local_ip(a)) {
            self.queue(slot, NlOp::DelBlackhole { addr, table });
        }
    }

    /// Netlink changes finished: tell the guardian what is gone, and let
    /// the frames that waited for them go.
    pub(super) fn on_nl_done(&mut self, results: NlResult) {
        for (job, result) in results {
            if let Err(e) = &result {
                let name = self.slots[job.slot]
                    .as_ref()
                    .filter(|r| r.id == job.id)
                    .map_or("-".to_string(), |r| r.cfg.name.clone());
                tracing::error!(instance = %name, "netlink change {:?} failed: {e}", job.op);
            }
            match &job.op {
                NlOp::DelAddr {
                    index,
                    addr,
                    prefix,
                } => self.guard_remove(Undo::Addr {
                    index: *index,
                    addr: *addr,
                    prefix: *prefix,
                }),
                NlOp::DelBlackhole { addr, table } => self.guard_remove(Undo::Blackhole {
                    addr: *addr,
                    table: *table,
                }),
                NlOp::Retire { name, .. } if result.is_ok() => {
                    self.guard_remove(Undo::Link(name.clone()))
                }
                _ => {}
            }
            let Some(r) = self.slots[job.slot].as_mut().filter(|r| r.id == job.id) else {
                continue;
            };
            r.pending_ops = r.pending_ops.saturating_sub(1);
            if job.slow {
                r.slow_ops = r.slow_ops.saturating_sub(1);
            }
            if r.pending_ops == 0 && !r.deferred.is_empty() {
                r.advert_due = None;
                for d in r.deferred.release_all() {
                    self.send_deferred(job.slot, d);
                }
            }
        }
    }

    /// Run the queued netlink changes to the end (at exit).
    pub(super) async fn drain_netlink(&mut self) {
        loop {
            let g = self.retire_group();
            self.nl.start(g);
            if self.nl.is_idle() {
                break;
            }
            let r = self.nl.done().await;
            self.on_nl_done(r);
            self.flush_tx();
        }
    }
}

/// An IPv6 link-local address (never routed).
fn is_link_local_ip(addr: &IpAddr) -> bool {
    matches!(addr, IpAddr::V6(a) if is_link_local(a))
}
