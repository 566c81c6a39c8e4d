//! Who is master, as the wire shows it, while the run is going.
//!
//! The capture thread feeds every advertisement it sees here; the timeline's waits ask it
//! questions ("is there exactly one master of each virtual router?"). The same questions are
//! answered again offline, from the pcapng files, by the checks: this live view only decides
//! when to move on, never the verdict.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use crate::scenario::Family;

/// What the live view keeps of one advertisement.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub t: u64,
    /// Node that sent it (from the bridge port it entered on).
    pub node: usize,
    pub priority: u8,
}

/// Key of a virtual router on the wire.
pub type VrKey = (usize, Family, u8); // (segment index, family, VRID)

/// A virtual router's adverts now come from another node than the last ones did: a new
/// master, or two contending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub key: VrKey,
    /// When the new sender's first advert was seen.
    pub t: u64,
    pub node: usize,
    /// The sender of the adverts before (`None` for the first).
    pub from: Option<usize>,
    /// The new sender outranks what the one before last advertised (a non-zero priority):
    /// a pre-emption, which the one before yields to while it runs — not a takeover from a
    /// router gone silent or leaving with priority 0.
    pub preempts: bool,
}

#[derive(Default)]
struct State {
    seen: HashMap<VrKey, Vec<Seen>>,
    /// The sender of each virtual router's last advert with a non-zero priority.
    sender: HashMap<VrKey, usize>,
    /// What each node last advertised for each virtual router (0 included).
    rank: HashMap<(VrKey, usize), u8>,
    /// Changes not yet taken by [`LiveWire::take_changes`].
    changes: Vec<Change>,
}

#[derive(Default)]
pub struct LiveWire {
    state: Mutex<State>,
    /// CARP virtual hosts whose password is known: adverts with another password's HMAC are
    /// not seen, as the routers that share it do not see them.
    carp: HashMap<VrKey, (crate::scenario::Carp, Vec<std::net::IpAddr>)>,
    /// Frames the lab injects: a spoofed advert says nothing about who is master.
    injected: Mutex<std::collections::HashSet<Vec<u8>>>,
    pub changed: Notify,
}

/// How many adverts per virtual router are kept: enough for any window a wait asks about.
const KEEP: usize = 256;

impl LiveWire {
    /// A live view that checks CARP adverts of these virtual hosts against their password.
    pub fn with_carp(
        carp: HashMap<VrKey, (crate::scenario::Carp, Vec<std::net::IpAddr>)>,
    ) -> LiveWire {
        LiveWire {
            carp,
            ..LiveWire::default()
        }
    }

    /// Whether the routers of `key` accept an advert with this authentication (a VRRP
    /// advert, or a virtual host without a known password: yes).
    pub fn accepts(&self, key: VrKey, auth: Option<&crate::wire::carp::CarpAuth>) -> bool {
        match (self.carp.get(&key), auth) {
            (Some((carp, vips)), Some(auth)) => carp.authentic(key.2, vips, auth),
            _ => true,
        }
    }

    /// Marks frames the lab is about to inject, so that the live view ignores them.
    pub fn injecting(&self, frames: &[Vec<u8>]) {
        self.injected
            .lock()
            .expect("live wire")
            .extend(frames.iter().cloned());
    }

    /// Whether `frame` is one the lab injected.
    pub fn is_injected(&self, frame: &[u8]) -> bool {
        let set = self.injected.lock().expect("live wire");
        !set.is_empty() && set.contains(frame)
    }

    pub fn observe(&self, key: VrKey, seen: Seen) {
        {
            let mut st = self.state.lock().expect("live wire");
            if seen.priority > 0 {
                let from = st.sender.insert(key, seen.node);
                if from != Some(seen.node) {
                    let before = from.and_then(|f| st.rank.get(&(key, f)).copied());
                    st.changes.push(Change {
                        key,
                        t: seen.t,
                        node: seen.node,
                        from,
                        preempts: before.is_some_and(|b| b > 0 && seen.priority > b),
                    });
                }
            }
            st.rank.insert((key, seen.node), seen.priority);
            let v = st.seen.entry(key).or_default();
            v.push(seen);
            if v.len() > 2 * KEEP {
                v.drain(..KEEP);
            }
        }
        self.changed.notify_waiters();
    }

    /// When `node` last advertised `key` (any priority), if it has in the adverts kept.
    pub fn last_advert(&self, key: VrKey, node: usize) -> Option<u64> {
        let st = self.state.lock().expect("live wire");
        st.seen
            .get(&key)?
            .iter()
            .rev()
            .find(|s| s.node == node)
            .map(|s| s.t)
    }

    /// The changes of sender seen since the last call, oldest first.
    pub fn take_changes(&self) -> Vec<Change> {
        std::mem::take(&mut self.state.lock().expect("live wire").changes)
    }

    /// The single master of `key` at time `now`: exactly one node sent non-zero-priority
    /// adverts during the last `window` (but not before `not_before`), at least two of them,
    /// and nobody sent priority 0. `None` when there is no master or more than one.
    ///
    /// `not_before` is when the question was first asked: adverts from before it say
    /// nothing about what a fault just applied has changed (right after a thaw, the window
    /// holds only the backup's adverts, though the thawed master is about to speak).
    pub fn master(&self, key: VrKey, now: u64, window: Duration, not_before: u64) -> Option<usize> {
        let st = self.state.lock().expect("live wire");
        let since = now.saturating_sub(window.as_nanos() as u64).max(not_before);
        let recent: Vec<&Seen> = st.seen.get(&key)?.iter().filter(|s| s.t > since).collect();
        let first = recent.first()?.node;
        if recent.iter().any(|s| s.node != first || s.priority == 0) || recent.len() < 2 {
            return None;
        }
        Some(first)
    }
}

/// What the live view reads from an advertisement.
#[derive(Debug, Clone)]
pub struct LiveAdvert {
    pub family: Family,
    pub vrid: u8,
    /// The VRRP priority, or 255 − advskew for CARP (lower advskew wins; a scenario never
    /// gives one number to a VRID and a VHID on one segment).
    pub rank: u8,
    /// CARP: the counter and HMAC.
    pub carp_auth: Option<Box<crate::wire::carp::CarpAuth>>,
}

/// The VRRP or CARP advertisement in an Ethernet frame, decoded by the judge's own decoder;
/// `None` for anything else.
pub fn vrrp_of(frame: &[u8]) -> Option<LiveAdvert> {
    let f = crate::wire::decode(crate::wire::linktype::ETHERNET, frame).ok()?;
    let a = crate::wire::vrrp_summary(&f)?;
    let rank = match a.carp_advskew {
        Some(skew) => 255 - skew,
        None => a.priority?,
    };
    Some(LiveAdvert {
        family: a.family,
        vrid: a.vrid,
        rank,
        carp_auth: a.carp_auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advert(live: &LiveWire, t: u64, node: usize, priority: u8) {
        live.observe((0, Family::Ipv4, 1), Seen { t, node, priority });
    }

    #[test]
    fn a_change_is_a_new_sender_of_non_zero_priority_adverts() {
        let live = LiveWire::default();
        advert(&live, 1, 0, 200);
        advert(&live, 2, 0, 200);
        advert(&live, 3, 0, 0); // leaving: no one new yet
        advert(&live, 4, 1, 100);
        advert(&live, 5, 1, 100);
        advert(&live, 6, 0, 200);
        let nodes: Vec<(u64, usize, Option<usize>, bool)> = live
            .take_changes()
            .iter()
            .map(|c| (c.t, c.node, c.from, c.preempts))
            .collect();
        // Node 1 takes over from a node that left with priority 0; node 0 pre-empts it.
        assert_eq!(
            nodes,
            [
                (1, 0, None, false),
                (4, 1, Some(0), false),
                (6, 0, Some(1), true)
            ]
        );
        assert!(live.take_changes().is_empty(), "taken once");
    }

    /// Only adverts with the shared password's HMAC count for a CARP virtual host whose
    /// password is known, as for the routers that share it; VRRP and unknown hosts: all.
    #[test]
    fn a_carp_advert_with_another_password_is_not_seen() {
        use crate::wire::carp::{hmac, CarpAuth};
        let vip = std::net::Ipv4Addr::new(192, 0, 2, 53);
        let key = (0, Family::Ipv4, 7);
        let carp = crate::scenario::Carp {
            password: "s3cret".into(),
            passwords: vec![("r3".into(), "guess".into())],
        };
        let live = LiveWire::with_carp(HashMap::from([(key, (carp, vec![vip.into()]))]));
        let signed = |password: &str| CarpAuth {
            counter: 42,
            hmac: hmac(password, 7, &[vip], 42),
        };
        assert!(live.accepts(key, Some(&signed("s3cret"))));
        assert!(!live.accepts(key, Some(&signed("guess"))));
        assert!(live.accepts((0, Family::Ipv4, 8), Some(&signed("guess"))));
        assert!(live.accepts(key, None), "a VRRP advert of the same number");
    }
}
