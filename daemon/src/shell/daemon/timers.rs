//! The timer heap: every timer of every instance in one heap, served by one
//! timerfd, and the pump that feeds the core due timers and packets.

use super::*;

/// Where a timer goes in the heap. Master_Down and Leave wake us at their
/// exact deadline (a failover's timing is what the lab measures); Adver
/// and router advertisement timers are rounded up to the next millisecond
/// so that hundreds of masters share wake-ups (an advertisement up to 1 ms
/// late is harmless, and the cadence does not drift: the core re-arms from
/// the deadline).
pub(super) fn heap_key(key: TimerKey, at: Time) -> Time {
    match key {
        TimerKey::Adver | TimerKey::RouterAdvert => {
            Time::from_micros(at.as_micros().div_ceil(1000) * 1000)
        }
        TimerKey::MasterDown | TimerKey::Leave | TimerKey::Defend => at,
    }
}

impl Daemon {
    /// The earliest live deadline. Entries left behind by re-arming (a
    /// backup pushes Master_Down later on every advertisement) are moved to
    /// their current deadline here, without waking up for them.
    pub(super) fn next_deadline(&mut self) -> Option<Time> {
        while let Some(Reverse((at, slot, id, key))) = self.timers.peek().copied() {
            let live = self
                .slots
                .get(slot)
                .and_then(Option::as_ref)
                .filter(|r| r.id == id)
                .map(|r| r.core.deadline(key.timer()));
            let want = live.flatten().map(|d| heap_key(key, d));
            if want == Some(at) {
                return Some(at);
            }
            self.timers.pop();
            let Some(r) = self
                .slots
                .get_mut(slot)
                .and_then(Option::as_mut)
                .filter(|r| r.id == id)
            else {
                continue;
            };
            let sched = &mut r.scheduled[key as usize];
            if *sched == Some(at) {
                *sched = None;
            }
            if let Some(k) = want {
                if sched.is_none_or(|s| k < s) {
                    *sched = Some(k);
                    self.timers.push(Reverse((k, slot, id, key)));
                }
            }
        }
        None
    }

    /// Act on every timer due by `now`, as of `now`.
    pub(super) fn fire_timers(&mut self, now: Time) {
        while let Some(at) = self.next_deadline() {
            if at > now {
                break;
            }
            let Some(Reverse((_, slot, id, key))) = self.timers.pop() else {
                break;
            };
            let Some(r) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            r.scheduled[key as usize] = None;
            let actions = r.core.handle(Event::Timer(key.timer()), now);
            self.execute(slot, actions);
            // Whatever the core kept armed must stay in the heap.
            if let Some(r) = self.slots[slot].as_mut().filter(|r| r.id == id) {
                if let (Some(d), None) = (r.core.deadline(key.timer()), r.scheduled[key as usize]) {
                    let at = heap_key(key, d);
                    r.scheduled[key as usize] = Some(at);
                    self.timers.push(Reverse((at, slot, id, key)));
                }
            }
        }
    }

    /// Work already waiting, oldest first: received packets before timers,
    /// so that an advertisement that arrived before a deadline (but is read
    /// after it, e.g. while starting hundreds of instances) counts.
    pub(super) fn pump(&mut self) {
        self.drain_sockets();
        let now = self.now();
        self.fire_timers(now);
    }
}
