//! Tracking: scripts, files and interfaces change priority; link states are
//! polled from the netlink thread.

use super::*;

impl Daemon {
    pub(super) fn on_track(&mut self, t: TrackReport) {
        let now = self.now();
        let Some(r) = self.slots.get_mut(t.slot).and_then(Option::as_mut) else {
            return;
        };
        if r.generation != t.generation {
            return;
        }
        match t.kind {
            TrackKind::Script => r.scripts[t.index].0 = t.value != 0,
            TrackKind::File => r.files[t.index].0 = t.value,
        }
        self.recompute(t.slot, now);
    }

    /// Interfaces are polled once per name for all instances, rather than
    /// by a task per instance: with hundreds of virtual routers on one link
    /// that is one request instead of hundreds. Asked over netlink, which is
    /// bound to our namespace (a /sys mounted for another namespace would
    /// lie), from the netlink thread: a request can wait for the RTNL lock
    /// while the kernel brings a VMAC down (~14 ms), and the loop must not.
    pub(super) fn poll_links(&mut self) {
        if self.link_poll_busy {
            self.link_poll_again = true;
            return;
        }
        if self.tracked_dirty {
            let mut names: Vec<String> = self
                .slots
                .iter()
                .flatten()
                .flat_map(|r| r.iface_names.iter().cloned())
                .collect();
            names.sort();
            names.dedup();
            self.tracked = names;
            self.tracked_dirty = false;
        }
        self.link_poll_busy = true;
        self.nl.poll_links(self.tracked.clone());
    }

    pub(super) fn on_links(&mut self, seen: LinkStates) {
        self.link_poll_busy = false;
        if std::mem::take(&mut self.link_poll_again) {
            self.poll_links();
        }
        let now = self.now();
        let seen: HashMap<String, Option<bool>> = seen.into_iter().collect();
        let mut changed_slots = Vec::new();
        for slot in 0..self.slots.len() {
            let Some(r) = self.slots[slot].as_mut() else {
                continue;
            };
            let mut changed = false;
            for (i, name) in r.iface_names.iter().enumerate() {
                let Some(Some(down)) = seen.get(name).copied() else {
                    continue;
                };
                if r.ifaces[i].0 != down {
                    r.ifaces[i].0 = down;
                    changed = true;
                    tracing::info!(instance = %r.cfg.name, interface = %name, down, "tracked interface changed");
                }
            }
            if changed {
                changed_slots.push(slot);
            }
        }
        for slot in changed_slots {
            self.recompute(slot, now);
        }
    }

    /// Applies what tracking says to the instance in `slot` and, when it is
    /// in a sync group, to every member: a fault of one is a fault of all
    /// (keepalived's `vrrp_sync_group`), so the group leaves mastership
    /// together and a backup takes every member over, not only the one whose
    /// link failed.
    pub(super) fn recompute(&mut self, slot: usize, now: Time) {
        let members = self.sync_members(slot);
        let group_fault = members.len() > 1
            && members
                .iter()
                .any(|&m| matches!(self.own_priority(m), Some(None)));
        for m in members {
            self.apply_priority(m, group_fault, now);
        }
    }

    /// The slots of the instance's sync group (itself first), or only itself.
    fn sync_members(&self, slot: usize) -> Vec<usize> {
        let group = match self.slots.get(slot).and_then(Option::as_ref) {
            Some(r) => r.cfg.sync_group.clone(),
            None => return Vec::new(),
        };
        let mut members = vec![slot];
        if let Some(group) = group {
            members.extend(self.slots.iter().enumerate().filter_map(|(i, r)| {
                let r = r.as_ref()?;
                (i != slot && r.cfg.sync_group.as_deref() == Some(group.as_str())).then_some(i)
            }));
        }
        members
    }

    /// The priority tracking gives the instance on its own: `Some(None)` for
    /// a fault of its own (its interface down, a weight-0 track failing).
    fn own_priority(&self, slot: usize) -> Option<Option<u8>> {
        let r = self.slots.get(slot).and_then(Option::as_ref)?;
        Some(track::effective_priority(
            r.cfg.priority,
            &r.scripts,
            &r.files,
            &r.ifaces,
        ))
    }

    fn apply_priority(&mut self, slot: usize, group_fault: bool, now: Time) {
        let Some(own) = self.own_priority(slot) else {
            return;
        };
        let Some(r) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let eff = if group_fault { None } else { own };
        if group_fault && own.is_some() && r.core.state() != State::Fault {
            tracing::info!(
                instance = %r.cfg.name,
                group = r.cfg.sync_group.as_deref().unwrap_or(""),
                "a member of its sync group is in fault: fault"
            );
        }
        let mut actions = Vec::new();
        match eff {
            None if r.core.state() != State::Fault => actions = r.core.handle(Event::Fault, now),
            None => {}
            Some(p) => {
                actions.extend(r.core.handle(Event::PriorityChanged(p), now));
                if r.core.state() == State::Fault {
                    actions.extend(r.core.handle(Event::FaultCleared, now));
                }
            }
        }
        self.execute(slot, actions);
    }
}
