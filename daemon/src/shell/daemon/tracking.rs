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

    pub(super) fn recompute(&mut self, slot: usize, now: Time) {
        let Some(r) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let eff = track::effective_priority(r.cfg.priority, &r.scripts, &r.files, &r.ifaces);
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
