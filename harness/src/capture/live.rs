//! Who is master, as the wire shows it, while the run is going.
//!
//! The capture thread feeds every advertisement it sees to the judge's wire model
//! ([`Tracker`]: the same grouping into tenures that `vrlab check` rebuilds from the pcapng
//! files); the timeline's waits ask it questions ("is there exactly one master of each
//! virtual router?"). This live view only decides when to move on and when to provoke, never
//! the verdict.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use crate::checks::model::{outranks, Heard, Kind, Step, Tracker};
use crate::scenario::{Family, Vrouter};
use crate::wire::AdvertSummary;

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
    /// The new sender outranks the one before, which was still advertising: a pre-emption,
    /// which the one before yields to while it runs — not a takeover from a router gone
    /// silent or leaving with priority 0.
    pub preempts: bool,
}

/// One virtual router's model, fed as its adverts arrive.
struct Vr {
    tracker: Tracker,
    /// When each advert fed was seen ([`crate::checks::model::Tenure::adverts`] index it).
    times: Vec<u64>,
    /// When a router last left with priority 0.
    last_leave: Option<u64>,
}

#[derive(Default)]
struct State {
    vrs: HashMap<VrKey, Vr>,
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

impl LiveWire {
    /// A live view of these virtual routers (adverts of others are not kept), grouping
    /// adverts into tenures with the scenario's timing `tolerance`, and checking CARP adverts
    /// against their password where the scenario gives one.
    pub fn new<'a>(
        vrs: impl IntoIterator<Item = (VrKey, &'a Vrouter)>,
        tolerance: Duration,
    ) -> LiveWire {
        let mut state = State::default();
        let mut carp = HashMap::new();
        for (key, vr) in vrs {
            if let Some(auth) = &vr.carp_auth {
                carp.insert(key, (auth.clone(), vr.vips.clone()));
            }
            let model = Vr {
                tracker: Tracker::new(vr, tolerance),
                times: Vec::new(),
                last_leave: None,
            };
            state.vrs.insert(key, model);
        }
        LiveWire {
            state: Mutex::new(state),
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

    /// Feeds an advert of `key` to its model; notes a change of sender.
    pub fn observe(&self, key: VrKey, heard: Heard) {
        {
            let mut st = self.state.lock().expect("live wire");
            let Some(vr) = st.vrs.get_mut(&key) else {
                return;
            };
            let speaker = vr.tracker.speaker();
            vr.times.push(heard.t);
            let step = vr.tracker.feed(vr.times.len() as u32 - 1, &heard);
            let change = match step {
                Step::Left(_) | Step::Stray => {
                    vr.last_leave = Some(heard.t);
                    None
                }
                _ if speaker == Some(heard.node) => None,
                Step::Began(ti) => Some(vr.tracker.kind_so_far(ti) == Kind::Preempt),
                // Two contending: it answers another that spoke since its last advert.
                Step::Continued(_) => Some(
                    vr.tracker
                        .open()
                        .find(|t| Some(t.node) == speaker)
                        .is_some_and(|other| {
                            outranks(heard.rank, heard.src_ip, other.last_rank, other.src_ip)
                        }),
                ),
            };
            if let Some(preempts) = change {
                st.changes.push(Change {
                    key,
                    t: heard.t,
                    node: usize::from(heard.node),
                    from: speaker.map(usize::from),
                    preempts,
                });
            }
        }
        self.changed.notify_waiters();
    }

    /// When `node` last advertised `key` (any priority).
    pub fn last_advert(&self, key: VrKey, node: usize) -> Option<u64> {
        let st = self.state.lock().expect("live wire");
        st.vrs.get(&key)?.tracker.last_heard(node as u16)
    }

    /// The changes of sender seen since the last call, oldest first.
    pub fn take_changes(&self) -> Vec<Change> {
        std::mem::take(&mut self.state.lock().expect("live wire").changes)
    }

    /// The settled master of `key` at time `now`: the one tenure the model has open that
    /// advertised during the last `window` (but not before `not_before`), with at least two
    /// adverts in it, and nobody left with priority 0 then. `None` when there is no master or
    /// more than one.
    ///
    /// `not_before` is when the question was first asked: adverts from before it say
    /// nothing about what a fault just applied has changed (right after a thaw, the window
    /// holds only the backup's adverts, though the thawed master is about to speak).
    pub fn master(&self, key: VrKey, now: u64, window: Duration, not_before: u64) -> Option<usize> {
        let st = self.state.lock().expect("live wire");
        let vr = st.vrs.get(&key)?;
        let since = now.saturating_sub(window.as_nanos() as u64).max(not_before);
        if vr.last_leave.is_some_and(|t| t > since) {
            return None;
        }
        let mut speaking = vr.tracker.open().filter(|t| t.last_t > since);
        let (Some(tenure), None) = (speaking.next(), speaking.next()) else {
            return None;
        };
        let recent = tenure
            .adverts
            .iter()
            .rev()
            .take_while(|&&i| vr.times[i as usize] > since)
            .count();
        (recent >= 2).then_some(usize::from(tenure.node))
    }
}

/// The VRRP or CARP advertisement in an Ethernet frame, decoded by the judge's own decoder;
/// `None` for anything else.
pub fn vrrp_of(frame: &[u8]) -> Option<AdvertSummary> {
    let f = crate::wire::decode(crate::wire::linktype::ETHERNET, frame).ok()?;
    crate::wire::vrrp_summary(&f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    const KEY: VrKey = (0, Family::Ipv4, 1);
    const MS: u64 = 1_000_000;

    fn vrouter(vrid: u8, carp_auth: Option<crate::scenario::Carp>) -> Vrouter {
        Vrouter {
            carp_auth,
            ..Vrouter::fixture("vr", vrid, Family::Ipv4, "192.0.2.53")
        }
    }

    fn live() -> LiveWire {
        LiveWire::new([(KEY, &vrouter(1, None))], Duration::from_millis(50))
    }

    /// An advert of `node` (address 10.0.0.node+1) at `ms`, every 100 ms.
    fn advert(live: &LiveWire, ms: u64, node: u16, priority: u8) {
        live.observe(
            KEY,
            Heard {
                t: ms * MS,
                node,
                rank: u16::from(priority),
                leaving: priority == 0,
                interval_cs: 10,
                src_ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, node as u8 + 1)),
                src_mac: None,
            },
        );
    }

    fn changes(live: &LiveWire) -> Vec<(u64, usize, Option<usize>, bool)> {
        live.take_changes()
            .iter()
            .map(|c| (c.t / MS, c.node, c.from, c.preempts))
            .collect()
    }

    #[test]
    fn a_change_is_a_new_sender_of_non_zero_priority_adverts() {
        let live = live();
        advert(&live, 0, 0, 200);
        advert(&live, 100, 0, 200);
        advert(&live, 150, 0, 0); // leaving: no one new yet
        advert(&live, 160, 1, 100);
        advert(&live, 260, 1, 100);
        advert(&live, 300, 0, 200);
        // Node 1 takes over from a node that left with priority 0; node 0 pre-empts it.
        assert_eq!(
            changes(&live),
            [
                (0, 0, None, false),
                (160, 1, Some(0), false),
                (300, 0, Some(1), true)
            ]
        );
        assert!(live.take_changes().is_empty(), "taken once");
    }

    /// A master that went silent (crashed) is not pre-empted by the backup that takes over
    /// after Master_Down_Interval; two contending change sender at each answer.
    #[test]
    fn a_takeover_after_silence_is_no_preemption_and_a_contest_changes_at_each_answer() {
        let live = live();
        advert(&live, 0, 0, 200);
        advert(&live, 100, 0, 200);
        advert(&live, 460, 1, 100); // 3 intervals + skew later
        advert(&live, 560, 1, 100);
        advert(&live, 600, 0, 200); // back: pre-empts
        advert(&live, 660, 1, 100); // still advertising: contends
        advert(&live, 700, 0, 200);
        assert_eq!(
            changes(&live),
            [
                (0, 0, None, false),
                (460, 1, Some(0), false),
                (600, 0, Some(1), true),
                (660, 1, Some(0), false),
                (700, 0, Some(1), true),
            ]
        );
    }

    #[test]
    fn a_settled_master_is_the_one_router_advertising_in_the_window() {
        let live = live();
        let window = Duration::from_millis(300);
        let master = |now: u64, since: u64| live.master(KEY, now * MS, window, since * MS);
        advert(&live, 10, 0, 200);
        assert_eq!(
            master(50, 0),
            None,
            "one advert is not yet a settled master"
        );
        advert(&live, 100, 0, 200);
        assert_eq!(master(150, 0), Some(0));
        assert_eq!(
            master(150, 120),
            None,
            "nothing since the question was asked"
        );
        advert(&live, 200, 1, 100);
        advert(&live, 210, 0, 200);
        assert_eq!(master(250, 0), None, "two routers advertise");
        advert(&live, 300, 0, 200);
        advert(&live, 400, 0, 200);
        advert(&live, 500, 0, 200);
        assert_eq!(master(550, 0), Some(0), "the other went quiet");
        advert(&live, 600, 0, 0);
        advert(&live, 700, 1, 100);
        advert(&live, 800, 1, 100);
        assert_eq!(master(850, 0), None, "a router left in the window");
        advert(&live, 900, 1, 100);
        advert(&live, 1000, 1, 100);
        assert_eq!(master(1050, 0), Some(1));
        assert_eq!(live.last_advert(KEY, 0), Some(600 * MS));
        assert_eq!(
            live.master((0, Family::Ipv6, 1), 1050 * MS, window, 0),
            None
        );
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
        let vr = Vrouter {
            protocol: crate::wire::Protocol::Carp,
            ..vrouter(7, Some(carp))
        };
        let live = LiveWire::new([(key, &vr)], Duration::from_millis(50));
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
