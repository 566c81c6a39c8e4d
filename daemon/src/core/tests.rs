//! State machine tests, one (or more) per transition of RFC 5798 §6.4 /
//! RFC 9568 §6.4, driven by a virtual clock. Test names cite the clause.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::instance::*;
use super::instance::{
    MAX_INITIAL_RTR_ADVERTISEMENTS, MAX_INITIAL_RTR_ADVERT_INTERVAL, MAX_RA_DELAY_TIME,
    MIN_DELAY_BETWEEN_RAS,
};
use super::time::{centis, Time};
use crate::packet::{Family, Version};

const ME: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const LOWER_ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const HIGHER_ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);
const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

fn params(priority: u8) -> Params {
    Params {
        version: Version::V3,
        family: Family::Ipv4,
        vrid: 51,
        priority,
        adver_interval_cs: 100,
        preempt: true,
        preempt_delay: Duration::ZERO,
        advert_on_lower_priority: true,
        strict_address_check: false,
        graceful_leave: false,
        addresses: vec![IpAddr::V4(VIP)],
        primary: IpAddr::V4(ME),
        // Most transitions are shown with the VIPs held by the kernel;
        // Accept_Mode false has its own tests below.
        accept_mode: true,
        router_adverts: None,
        seed: 1,
        advert_phase: None,
    }
}

fn vips() -> Vec<IpAddr> {
    vec![IpAddr::V4(VIP)]
}

fn adv(src: Ipv4Addr, priority: u8, interval: u16) -> Event {
    Event::Advert(RxAdvert {
        src: IpAddr::V4(src),
        priority,
        interval,
        addresses: vips(),
    })
}

fn ms(n: u64) -> Time {
    Time::from_micros(n * 1000)
}

/// A started instance (Backup, or Master for the owner) at t=0.
fn started(p: Params) -> Instance {
    let mut i = Instance::new(p);
    i.handle(Event::Startup, Time::ZERO);
    i
}

/// An instance that became master through its Master_Down_Timer.
fn master(p: Params) -> (Instance, Time) {
    let mut i = started(p);
    let at = i.deadline(Timer::MasterDown).unwrap();
    i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(i.state(), State::Master);
    (i, at)
}

fn has(actions: &[Action], a: &Action) -> bool {
    actions.contains(a)
}

fn sends(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendAdvert { priority } => Some(*priority),
            _ => None,
        })
        .collect()
}

// ---- §6.4.1 Initialize ----

#[test]
fn rfc5798_6_4_1_owner_startup_advertises_announces_and_becomes_master() {
    let mut i = Instance::new(params(255));
    let a = i.handle(Event::Startup, ms(5));
    assert_eq!(
        a,
        vec![
            Action::VmacUp,
            Action::SendAdvert { priority: 255 },
            Action::AddVips { addresses: vips() },
            Action::Announce { addresses: vips() },
            Action::SetTimer {
                timer: Timer::Adver,
                at: ms(5) + centis(100)
            },
            Action::StateChanged {
                from: State::Initialize,
                to: State::Master
            },
        ]
    );
}

#[test]
fn rfc5798_6_4_1_non_owner_startup_sets_master_down_timer_and_becomes_backup() {
    let mut i = Instance::new(params(100));
    let a = i.handle(Event::Startup, ms(5));
    // Master_Down_Interval = 3 * 100 cs + (256-100)*100/256 cs = 3.609375 s
    let at = ms(5) + Duration::from_micros(3_609_375);
    assert_eq!(
        a,
        vec![
            Action::SetTimer {
                timer: Timer::MasterDown,
                at
            },
            Action::StateChanged {
                from: State::Initialize,
                to: State::Backup
            },
        ]
    );
    assert!(
        sends(&a).is_empty(),
        "a backup never advertises on start-up"
    );
}

// ---- §6.4.2 Backup ----

#[test]
fn rfc5798_6_4_2_backup_shutdown_cancels_master_down_timer_and_goes_initialize() {
    let mut i = started(params(100));
    let a = i.handle(Event::Shutdown, ms(10));
    assert_eq!(
        a,
        vec![
            Action::CancelTimer {
                timer: Timer::MasterDown
            },
            Action::StateChanged {
                from: State::Backup,
                to: State::Initialize
            },
            Action::Left,
        ]
    );
    assert!(sends(&a).is_empty(), "a backup leaving sends nothing");
}

#[test]
fn rfc5798_6_4_2_backup_master_down_timer_fires_advertises_announces_becomes_master() {
    let mut i = started(params(100));
    let at = i.deadline(Timer::MasterDown).unwrap();
    // Not yet: an early or stale expiry changes nothing.
    assert!(i
        .handle(Event::Timer(Timer::MasterDown), Time(at.0 - 1))
        .is_empty());
    let a = i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(
        a,
        vec![
            Action::VmacUp,
            Action::SendAdvert { priority: 100 },
            Action::AddVips { addresses: vips() },
            Action::Announce { addresses: vips() },
            Action::SetTimer {
                timer: Timer::Adver,
                at: at + centis(100)
            },
            Action::StateChanged {
                from: State::Backup,
                to: State::Master
            },
        ]
    );
}

#[test]
fn rfc5798_6_4_2_backup_hears_priority_zero_sets_skew_timer() {
    let mut i = started(params(100));
    let a = i.handle(adv(HIGHER_ADDR, 0, 100), ms(1000));
    let skew = Duration::from_micros(609_375);
    assert_eq!(
        a,
        vec![Action::SetTimer {
            timer: Timer::MasterDown,
            at: ms(1000) + skew
        }]
    );
    assert_eq!(i.state(), State::Backup);
}

#[test]
fn rfc5798_6_4_2_backup_hears_higher_priority_resets_master_down_timer() {
    let mut i = started(params(100));
    let a = i.handle(adv(LOWER_ADDR, 200, 100), ms(1000));
    assert_eq!(
        a,
        vec![Action::SetTimer {
            timer: Timer::MasterDown,
            at: ms(1000) + i.master_down_interval()
        }]
    );
    assert_eq!(i.current_master(), Some((IpAddr::V4(LOWER_ADDR), 200)));
}

#[test]
fn rfc5798_6_4_2_backup_hears_equal_priority_resets_master_down_timer() {
    let mut i = started(params(100));
    let a = i.handle(adv(LOWER_ADDR, 100, 100), ms(1000));
    assert!(matches!(
        a[..],
        [Action::SetTimer {
            timer: Timer::MasterDown,
            ..
        }]
    ));
}

#[test]
fn rfc5798_6_4_2_backup_learns_master_adver_interval_and_recomputes_master_down_interval() {
    let mut i = started(params(100));
    i.handle(adv(LOWER_ADDR, 200, 10), ms(1000));
    assert_eq!(i.master_adver_interval_cs(), 10);
    // 3 * 10 cs + (256-100)*10/256 cs = 300 ms + 60.9375 ms
    assert_eq!(
        i.deadline(Timer::MasterDown),
        Some(ms(1000) + Duration::from_micros(360_937))
    );
}

#[test]
fn rfc5798_6_4_2_backup_with_preempt_discards_lower_priority_and_takes_over() {
    let mut i = started(params(200));
    let before = i.deadline(Timer::MasterDown);
    let a = i.handle(adv(HIGHER_ADDR, 100, 100), ms(1000));
    assert!(
        a.iter().all(|x| !matches!(x, Action::SetTimer { .. })),
        "discarded: {a:?}"
    );
    assert_eq!(i.deadline(Timer::MasterDown), before);
    let a = i.handle(Event::Timer(Timer::MasterDown), before.unwrap());
    assert!(has(
        &a,
        &Action::StateChanged {
            from: State::Backup,
            to: State::Master
        }
    ));
}

#[test]
fn rfc5798_6_4_2_backup_without_preempt_accepts_lower_priority_master() {
    let mut p = params(200);
    p.preempt = false;
    let mut i = started(p);
    let a = i.handle(adv(HIGHER_ADDR, 100, 100), ms(1000));
    assert!(matches!(
        a[..],
        [Action::SetTimer {
            timer: Timer::MasterDown,
            ..
        }]
    ));
    assert_eq!(i.current_master(), Some((IpAddr::V4(HIGHER_ADDR), 100)));
}

#[test]
fn preempt_delay_defers_preemption_until_it_has_elapsed() {
    let mut p = params(200);
    p.preempt_delay = Duration::from_secs(10);
    let mut i = started(p);
    // Within the delay, the lower-priority master is followed like a higher one.
    let a = i.handle(adv(HIGHER_ADDR, 100, 100), ms(9_000));
    assert!(matches!(
        a[..],
        [Action::SetTimer {
            timer: Timer::MasterDown,
            ..
        }]
    ));
    // After it, the advert is discarded and the timer left to fire.
    let a = i.handle(adv(HIGHER_ADDR, 100, 100), ms(10_000));
    assert!(a.is_empty());
    let at = i.deadline(Timer::MasterDown).unwrap();
    i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(i.state(), State::Master);
}

// ---- §6.4.3 Master (Active) ----

#[test]
fn rfc5798_6_4_3_master_shutdown_sends_priority_zero_and_goes_initialize() {
    let (mut i, t) = master(params(100));
    let a = i.handle(Event::Shutdown, t + centis(10));
    assert_eq!(
        a,
        vec![
            Action::CancelTimer {
                timer: Timer::Adver
            },
            Action::SendAdvert { priority: 0 },
            Action::StateChanged {
                from: State::Master,
                to: State::Initialize
            },
            Action::RemoveVips { addresses: vips() },
            Action::VmacDown,
            Action::Left,
        ]
    );
}

#[test]
fn graceful_leave_keeps_vips_until_the_successor_advertises() {
    let mut p = params(100);
    p.graceful_leave = true;
    let (mut i, t) = master(p);
    let a = i.handle(Event::Shutdown, t);
    assert_eq!(sends(&a), vec![0]);
    assert!(!a
        .iter()
        .any(|x| matches!(x, Action::RemoveVips { .. } | Action::VmacDown)));
    // No longer master: it answers no ARP/NS, but keeps the VIPs.
    assert!(!i.answers_solicitation_for(&IpAddr::V4(VIP)));
    assert!(i.is_leaving());
    // The successor's first advert ends the leave, with no further advert.
    let a = i.handle(adv(LOWER_ADDR, 50, 100), t + centis(1));
    assert_eq!(
        a,
        vec![
            Action::CancelTimer {
                timer: Timer::Leave
            },
            Action::RemoveVips { addresses: vips() },
            Action::VmacDown,
            Action::Left
        ]
    );
}

#[test]
fn graceful_leave_is_bounded_by_master_down_interval() {
    let mut p = params(100);
    p.graceful_leave = true;
    let (mut i, t) = master(p);
    i.handle(Event::Shutdown, t);
    let at = i.deadline(Timer::Leave).unwrap();
    assert_eq!(at, t + i.master_down_interval());
    let a = i.handle(Event::Timer(Timer::Leave), at);
    assert_eq!(
        a,
        vec![
            Action::RemoveVips { addresses: vips() },
            Action::VmacDown,
            Action::Left
        ]
    );
    assert!(!i.is_leaving());
}

#[test]
fn rfc5798_6_4_3_master_adver_timer_fires_sends_advert_and_rearms() {
    let (mut i, t) = master(params(100));
    let at = i.deadline(Timer::Adver).unwrap();
    assert_eq!(at, t + centis(100));
    let a = i.handle(Event::Timer(Timer::Adver), at);
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 100 },
            Action::SetTimer {
                timer: Timer::Adver,
                at: at + centis(100)
            }
        ]
    );
}

#[test]
fn adver_timer_fired_late_keeps_the_cadence() {
    let (mut i, _) = master(params(100));
    let at = i.deadline(Timer::Adver).unwrap();
    let late = at + Duration::from_millis(3);
    let a = i.handle(Event::Timer(Timer::Adver), late);
    assert_eq!(
        a[1],
        Action::SetTimer {
            timer: Timer::Adver,
            at: at + centis(100)
        }
    );
    // More than a whole interval late: start again from now.
    let at = i.deadline(Timer::Adver).unwrap();
    let very_late = at + centis(150);
    let a = i.handle(Event::Timer(Timer::Adver), very_late);
    assert_eq!(
        a[1],
        Action::SetTimer {
            timer: Timer::Adver,
            at: very_late + centis(100)
        }
    );
}

#[test]
fn rfc5798_6_4_3_master_hears_priority_zero_advertises_at_once() {
    let (mut i, t) = master(params(100));
    let now = t + centis(30);
    let a = i.handle(adv(LOWER_ADDR, 0, 100), now);
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 100 },
            Action::SetTimer {
                timer: Timer::Adver,
                at: now + centis(100)
            }
        ]
    );
}

#[test]
fn rfc5798_6_4_3_master_hears_higher_priority_becomes_backup() {
    let (mut i, t) = master(params(100));
    let now = t + centis(30);
    let a = i.handle(adv(LOWER_ADDR, 150, 50), now);
    // Master_Adver_Interval learnt (50 cs), Skew_Time and Master_Down_Interval recomputed.
    let mdi = Duration::from_millis(1500) + Duration::from_micros(156 * 500_000 / 256);
    assert_eq!(
        a,
        vec![
            // RFC 9568 §7.1: an interval differing from ours is logged.
            Action::Noted {
                reason: Anomaly::IntervalDiffers
            },
            Action::CancelTimer {
                timer: Timer::Adver
            },
            Action::RemoveVips { addresses: vips() },
            Action::VmacDown,
            Action::SetTimer {
                timer: Timer::MasterDown,
                at: now + mdi
            },
            Action::StateChanged {
                from: State::Master,
                to: State::Backup
            },
        ]
    );
}

#[test]
fn rfc5798_6_4_3_master_hears_equal_priority_from_higher_address_becomes_backup() {
    let (mut i, t) = master(params(100));
    let a = i.handle(adv(HIGHER_ADDR, 100, 100), t);
    assert!(has(
        &a,
        &Action::StateChanged {
            from: State::Master,
            to: State::Backup
        }
    ));
}

#[test]
fn rfc5798_6_4_3_master_hears_equal_priority_from_lower_address_stays_master() {
    let (mut i, t) = master(params(100));
    let a = i.handle(adv(LOWER_ADDR, 100, 100), t);
    assert_eq!(i.state(), State::Master);
    assert_eq!(sends(&a), vec![100]);
}

#[test]
fn rfc5798_6_4_3_ipv6_tie_break_compares_addresses_unsigned() {
    let mut p = params(100);
    p.family = Family::Ipv6;
    let ll = |s: &str| IpAddr::V6(s.parse::<Ipv6Addr>().unwrap());
    p.primary = ll("fe80::2");
    p.addresses = vec![ll("fe80::100")];
    let (mut i, t) = master(p);
    let a = i.handle(
        Event::Advert(RxAdvert {
            src: ll("fe80::8000"),
            priority: 100,
            interval: 100,
            addresses: vec![ll("fe80::100")],
        }),
        t,
    );
    assert!(
        has(
            &a,
            &Action::StateChanged {
                from: State::Master,
                to: State::Backup
            }
        ),
        "{a:?}"
    );
}

#[test]
fn rfc9568_6_4_3_master_hears_lower_priority_advertises_at_once() {
    let (mut i, t) = master(params(100));
    let a = i.handle(adv(HIGHER_ADDR, 50, 100), t + centis(10));
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 100 },
            Action::Announce { addresses: vips() }
        ]
    );
    assert_eq!(i.state(), State::Master);
    // The lower router yields within Master_Down_Interval; until then no
    // further announcement, and one answer per sender per interval.
    let a = i.handle(adv(HIGHER_ADDR, 50, 100), t + centis(20));
    assert!(a.is_empty(), "{a:?}");
    let a = i.handle(adv(HIGHER_ADDR, 50, 100), t + centis(110));
    assert_eq!(a, vec![Action::SendAdvert { priority: 100 }]);
}

#[test]
fn rfc9568_6_4_3_a_flood_of_lower_priority_gets_one_answer_per_sender_per_interval() {
    // A master must not be an amplifier: 100 adverts from one sender within
    // one Advertisement_Interval (1 s) get one immediate answer.
    let (mut i, t) = master(params(100));
    let answers: usize = (1..=100)
        .map(|n| {
            sends(&i.handle(adv(HIGHER_ADDR, 50, 100), t + Duration::from_millis(n * 9))).len()
        })
        .sum();
    assert_eq!(answers, 1);
}

#[test]
fn rfc9568_6_4_3_a_flood_from_many_senders_gets_a_bounded_number_of_answers() {
    // Spoofed sources: each would earn an answer; the instance gives at most
    // ANSWERS_PER_INTERVAL per interval in all, and as many again in the next.
    let (mut i, t) = master(params(100));
    let flood = |i: &mut Instance, from: Time| -> usize {
        (1..=200u64)
            .map(|n| {
                let src = Ipv4Addr::new(10, 0, 1, (n % 250) as u8);
                sends(&i.handle(adv(src, 50, 100), from + Duration::from_millis(n * 4))).len()
            })
            .sum()
    };
    assert_eq!(flood(&mut i, t), ANSWERS_PER_INTERVAL);
    assert_eq!(flood(&mut i, t + centis(100)), ANSWERS_PER_INTERVAL);
}

#[test]
fn split_brain_healing_re_announces_at_most_once_per_master_down_interval() {
    // Checklist E5: hosts may have followed the other "master".
    let (mut i, t) = master(params(100));
    let mdi = i.master_down_interval();
    let announces = |a: &[Action]| {
        a.iter()
            .filter(|x| matches!(x, Action::Announce { .. }))
            .count()
    };
    assert_eq!(announces(&i.handle(adv(HIGHER_ADDR, 50, 100), t)), 1);
    assert_eq!(
        announces(&i.handle(adv(HIGHER_ADDR, 50, 100), t + mdi / 2)),
        0
    );
    assert_eq!(announces(&i.handle(adv(HIGHER_ADDR, 50, 100), t + mdi)), 1);
}

#[test]
fn rfc5798_6_4_3_master_hears_lower_priority_discards_when_9568_advert_is_off() {
    let mut p = params(100);
    p.advert_on_lower_priority = false;
    let (mut i, t) = master(p);
    let a = i.handle(adv(HIGHER_ADDR, 50, 100), t + centis(10));
    assert!(sends(&a).is_empty(), "no advertisement: {a:?}");
    assert_eq!(i.state(), State::Master);
}

// ---- §7.1 receive checks that need the configuration ----

#[test]
fn rfc3768_7_1_v2_interval_mismatch_is_discarded() {
    let mut p = params(100);
    p.version = Version::V2;
    let mut i = started(p);
    let before = i.deadline(Timer::MasterDown);
    let a = i.handle(adv(LOWER_ADDR, 200, 2), ms(100));
    assert_eq!(
        a,
        vec![Action::Discard {
            reason: Anomaly::IntervalMismatch
        }]
    );
    assert_eq!(i.deadline(Timer::MasterDown), before);
    // The configured 1 s is accepted.
    let a = i.handle(adv(LOWER_ADDR, 200, 1), ms(100));
    assert!(matches!(
        a[..],
        [Action::SetTimer {
            timer: Timer::MasterDown,
            ..
        }]
    ));
}

#[test]
fn rfc3768_6_1_v2_master_down_interval_uses_v2_skew() {
    let mut p = params(100);
    p.version = Version::V2;
    p.adver_interval_cs = 300;
    let i = started(p);
    assert_eq!(
        i.deadline(Timer::MasterDown),
        Some(Time::ZERO + Duration::from_micros(9_609_375))
    );
}

fn advert_without_link_local_first(p: Params) -> Vec<Action> {
    let mut i = started(p);
    i.handle(
        Event::Advert(RxAdvert {
            src: "fe80::1".parse().unwrap(),
            priority: 200,
            interval: 100,
            addresses: vec!["2001:db8::1".parse().unwrap()],
        }),
        ms(1),
    )
}

fn ipv6_params() -> Params {
    let mut p = params(100);
    p.family = Family::Ipv6;
    p.primary = "fe80::2".parse().unwrap();
    p.addresses = vec!["2001:db8::1".parse().unwrap()];
    p
}

#[test]
fn rfc9568_5_2_9_ipv6_advert_whose_first_address_is_not_link_local_is_discarded_when_strict() {
    let mut p = ipv6_params();
    p.strict_address_check = true;
    assert_eq!(
        advert_without_link_local_first(p),
        vec![Action::Discard {
            reason: Anomaly::NotLinkLocalFirst
        }]
    );
}

#[test]
fn rfc9568_5_2_9_ipv6_advert_without_link_local_first_is_noted_and_heard_by_default() {
    // keepalived and FRR configured without a link-local VIP send the global VIP first; a
    // backup must still hear them.
    let a = advert_without_link_local_first(ipv6_params());
    assert!(a.contains(&Action::Noted {
        reason: Anomaly::NotLinkLocalFirst
    }));
    assert!(
        !a.iter().any(|x| matches!(x, Action::Discard { .. })),
        "{a:?}"
    );
}

#[test]
fn rfc9568_7_1_address_mismatch_is_dropped_only_when_strict_and_not_from_the_owner() {
    let other = Event::Advert(RxAdvert {
        src: IpAddr::V4(LOWER_ADDR),
        priority: 200,
        interval: 100,
        addresses: vec![IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9))],
    });
    let mut i = started(params(100));
    let a = i.handle(other.clone(), ms(1));
    assert_eq!(
        a[0],
        Action::Noted {
            reason: Anomaly::AddressMismatch
        }
    );
    assert!(matches!(a[1], Action::SetTimer { .. }));
    let mut p = params(100);
    p.strict_address_check = true;
    let mut i = started(p);
    assert_eq!(
        i.handle(other, ms(1)),
        vec![Action::Discard {
            reason: Anomaly::AddressMismatch
        }]
    );
}

#[test]
fn own_advertisement_looped_back_is_ignored() {
    let (mut i, t) = master(params(100));
    assert_eq!(
        i.handle(adv(ME, 100, 100), t),
        vec![Action::Discard {
            reason: Anomaly::OwnAdvert
        }]
    );
}

// ---- tracking, faults, defense, reload ----

#[test]
fn master_advertises_a_tracked_priority_change_at_once() {
    let (mut i, t) = master(params(100));
    let a = i.handle(Event::PriorityChanged(40), t + centis(1));
    assert_eq!(sends(&a), vec![40]);
    assert_eq!(i.priority(), 40);
    // The owner's priority is not tracked.
    let mut o = started(params(255));
    assert!(o.handle(Event::PriorityChanged(40), ms(1)).is_empty());
    assert_eq!(o.priority(), 255);
}

#[test]
fn fault_as_master_stops_serving_and_recovers_through_startup() {
    let (mut i, t) = master(params(100));
    let a = i.handle(Event::Fault, t);
    assert_eq!(
        sends(&a),
        vec![0],
        "a master going to fault says so with priority 0"
    );
    assert!(has(&a, &Action::RemoveVips { addresses: vips() }));
    assert!(has(&a, &Action::VmacDown));
    assert_eq!(i.state(), State::Fault);
    assert!(i.deadline(Timer::Adver).is_none());
    let a = i.handle(Event::FaultCleared, t + centis(5));
    assert!(has(
        &a,
        &Action::StateChanged {
            from: State::Initialize,
            to: State::Backup
        }
    ));
}

#[test]
fn vip_conflict_is_answered_by_a_new_announcement_only_when_master() {
    let mut b = started(params(100));
    assert!(b.handle(Event::VipConflict, ms(1)).is_empty());
    let (mut m, t) = master(params(100));
    assert_eq!(
        m.handle(Event::VipConflict, t),
        vec![Action::Announce { addresses: vips() }]
    );
}

/// RFC 5798 §8.1.2 / §8.2.2 (hosts reach the VIPs at the virtual MAC): a burst of claims
/// is answered at once, then paced at one defence per Advertisement_Interval, and the claim
/// that came last is answered at the end of the interval, never dropped.
#[test]
fn rfc5798_8_2_2_a_burst_of_vip_claims_is_paced_and_the_last_one_answered() {
    let (mut m, t) = master(params(100));
    let announce = Action::Announce { addresses: vips() };
    assert_eq!(m.handle(Event::VipConflict, t), vec![announce.clone()]);
    // Nineteen more claims, 5 ms apart: none answered at once, one defence deferred to the
    // end of the interval (1 s: 100 cs).
    let mut deferred = Vec::new();
    for k in 1..20u64 {
        let a = m.handle(Event::VipConflict, t + Duration::from_millis(5 * k));
        assert!(
            !has(&a, &announce),
            "claim {k} answered inside the interval"
        );
        deferred.extend(a);
    }
    let at = t + centis(100);
    assert_eq!(
        deferred,
        vec![Action::SetTimer {
            timer: Timer::Defend,
            at
        }]
    );
    assert_eq!(m.deadline(Timer::Defend), Some(at));
    assert_eq!(
        m.handle(Event::Timer(Timer::Defend), at),
        vec![announce.clone()]
    );
    // A claim right after is inside the new interval again: deferred, not dropped.
    let a = m.handle(Event::VipConflict, at + Duration::from_millis(1));
    assert!(has(
        &a,
        &Action::SetTimer {
            timer: Timer::Defend,
            at: at + centis(100)
        }
    ));
}

/// A backup defends nothing, and a master that leaves forgets a deferred defence.
#[test]
fn rfc5798_6_4_2_a_deferred_defence_dies_with_the_mastership() {
    let (mut m, t) = master(params(100));
    m.handle(Event::VipConflict, t);
    m.handle(Event::VipConflict, t + Duration::from_millis(1));
    assert!(m.deadline(Timer::Defend).is_some());
    m.handle(adv(HIGHER_ADDR, 200, 100), t + Duration::from_millis(2));
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.deadline(Timer::Defend), None);
}

#[test]
fn reload_as_master_adds_new_vips_without_a_state_change() {
    let (mut i, t) = master(params(100));
    let mut p = params(100);
    let new = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 101));
    p.addresses.push(new);
    let a = i.reconfigure(p, t);
    assert_eq!(i.state(), State::Master);
    assert!(!a
        .iter()
        .any(|x| matches!(x, Action::StateChanged { .. } | Action::VmacDown)));
    assert!(has(
        &a,
        &Action::AddVips {
            addresses: vec![new]
        }
    ));
    assert!(has(
        &a,
        &Action::Announce {
            addresses: vec![new]
        }
    ));
    assert_eq!(sends(&a), vec![100]);
}

/// Two routers on a simulated wire at 1 cs: after the master dies silently,
/// the backup takes over exactly Master_Down_Interval after the last advert.
#[test]
fn simulated_pair_at_1cs_fails_over_after_master_down_interval() {
    let mut p1 = params(200);
    p1.adver_interval_cs = 1;
    p1.primary = IpAddr::V4(HIGHER_ADDR);
    let mut p2 = params(100);
    p2.adver_interval_cs = 1;
    let mut a = Instance::new(p1);
    let mut b = Instance::new(p2);
    a.handle(Event::Startup, Time::ZERO);
    b.handle(Event::Startup, Time::ZERO);
    // Run the clock in 100 µs steps, delivering adverts instantly.
    let mut last_a_advert = Time::ZERO;
    let mut a_alive = true;
    let mut b_master_at = None;
    let mut now = Time::ZERO;
    while now < ms(300) {
        for is_a in [true, false] {
            let (me, other) = if is_a {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            if is_a && !a_alive {
                continue;
            }
            for t in [Timer::Adver, Timer::MasterDown] {
                if me.deadline(t).is_some_and(|d| d <= now) {
                    for act in me.handle(Event::Timer(t), now) {
                        if let Action::SendAdvert { priority } = act {
                            let src = me.params().primary;
                            if is_a {
                                last_a_advert = now;
                            }
                            other.handle(
                                Event::Advert(RxAdvert {
                                    src,
                                    priority,
                                    interval: 1,
                                    addresses: vips(),
                                }),
                                now,
                            );
                        }
                        if !is_a
                            && act
                                == (Action::StateChanged {
                                    from: State::Backup,
                                    to: State::Master,
                                })
                        {
                            b_master_at = Some(now);
                        }
                    }
                }
            }
        }
        if now == ms(150) {
            a_alive = false; // crash: no priority 0
        }
        now = Time(now.0 + 100);
    }
    assert_eq!(a.state(), State::Master, "a never stepped down while alive");
    let took_over = b_master_at.expect("b took over");
    let mdi = Duration::from_micros(30_000 + 156 * 10_000 / 256);
    let gap = last_a_advert.until(took_over);
    // Within one 100 µs simulation step of the exact interval.
    assert!(
        gap >= mdi && gap < mdi + Duration::from_micros(100),
        "gap {gap:?}, mdi {mdi:?}"
    );
}

// ---- Accept_Mode (RFC 5798 / 9568 §6.1, §6.4.3) ----

fn no_accept(priority: u8) -> Params {
    let mut p = params(priority);
    p.accept_mode = false;
    p
}

#[test]
fn rfc9568_6_4_3_non_owner_master_without_accept_mode_blocks_its_vips_instead_of_holding_them() {
    let mut i = started(no_accept(100));
    let at = i.deadline(Timer::MasterDown).unwrap();
    let a = i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(
        a,
        vec![
            Action::BlockVips { addresses: vips() },
            Action::VmacUp,
            Action::SendAdvert { priority: 100 },
            Action::Announce { addresses: vips() },
            Action::SetTimer {
                timer: Timer::Adver,
                at: at + centis(100)
            },
            Action::StateChanged {
                from: State::Backup,
                to: State::Master
            },
        ],
        "the drop is in place before the VMAC can receive a frame, and no VIP becomes local"
    );
    assert!(!i.accepts_vip_traffic());
    // It still answers ARP and NS for its VIPs (the shell does, from the VMAC).
    assert!(i.answers_solicitation_for(&IpAddr::V4(VIP)));
    assert!(!i.answers_solicitation_for(&IpAddr::V4(ME)));
    // Leaving: the VMAC first, then the drop.
    let a = i.handle(adv(HIGHER_ADDR, 200, 100), at + centis(10));
    let tail: Vec<&Action> = a
        .iter()
        .filter(|x| {
            matches!(
                x,
                Action::VmacDown | Action::UnblockVips { .. } | Action::RemoveVips { .. }
            )
        })
        .collect();
    assert_eq!(
        tail,
        vec![
            &Action::VmacDown,
            &Action::UnblockVips { addresses: vips() }
        ]
    );
    assert!(
        !i.answers_solicitation_for(&IpAddr::V4(VIP)),
        "a backup answers nothing"
    );
}

#[test]
fn rfc9568_6_1_owner_accepts_whatever_accept_mode_says() {
    let mut i = Instance::new(no_accept(255));
    let a = i.handle(Event::Startup, ms(1));
    assert!(has(&a, &Action::AddVips { addresses: vips() }));
    assert!(!a.iter().any(|x| matches!(x, Action::BlockVips { .. })));
    assert!(i.accepts_vip_traffic());
    assert!(i.answers_solicitation_for(&IpAddr::V4(VIP)));
}

#[test]
fn rfc9568_6_1_accept_mode_true_makes_the_vips_local() {
    let (i, _) = master(params(100));
    assert!(i.accepts_vip_traffic());
    assert!(i.answers_solicitation_for(&IpAddr::V4(VIP)));
}

#[test]
fn reload_switching_accept_mode_as_master_moves_the_vips_without_a_state_change() {
    let (mut i, t) = master(no_accept(100));
    let a = i.reconfigure(params(100), t);
    assert_eq!(
        a,
        vec![
            Action::AddVips { addresses: vips() },
            Action::UnblockVips { addresses: vips() },
        ]
    );
    assert_eq!(i.state(), State::Master);
    let a = i.reconfigure(no_accept(100), t);
    assert_eq!(
        a,
        vec![
            Action::BlockVips { addresses: vips() },
            Action::RemoveVips { addresses: vips() },
        ]
    );
    // A new VIP without Accept_Mode is blocked, not added.
    let mut p = no_accept(100);
    let new = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 101));
    p.addresses.push(new);
    let a = i.reconfigure(p, t);
    assert!(has(
        &a,
        &Action::BlockVips {
            addresses: vec![new]
        }
    ));
    assert!(!a.iter().any(|x| matches!(x, Action::AddVips { .. })));
}

#[test]
fn rfc9568_6_4_2_backup_neither_holds_nor_answers_for_the_vips() {
    for p in [params(100), no_accept(100)] {
        let i = started(p);
        assert!(!i.answers_solicitation_for(&IpAddr::V4(VIP)));
    }
}

// ---- Router advertisements (RFC 9568 §6.4.2-3, §8.2.3; RFC 4861 §6.2) ----

fn with_ra(priority: u8) -> Params {
    let mut p = params(priority);
    p.router_adverts = Some(RaParams {
        max_interval: Duration::from_secs(30),
        min_interval: Duration::from_secs(10),
    });
    p
}

fn ras(a: &[Action]) -> usize {
    a.iter()
        .filter(|x| matches!(x, Action::SendRouterAdvert))
        .count()
}

#[test]
fn rfc9568_8_2_3_new_master_sends_a_router_advertisement_at_once_and_then_periodically() {
    let mut i = started(with_ra(100));
    let at = i.deadline(Timer::MasterDown).unwrap();
    let a = i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(ras(&a), 1);
    let send = a
        .iter()
        .position(|x| matches!(x, Action::SendAdvert { .. }));
    let ra = a.iter().position(|x| matches!(x, Action::SendRouterAdvert));
    assert!(send < ra, "the VRRP advertisement comes first");
    // Next one between MinRtrAdvInterval and MaxRtrAdvInterval.
    let mut t = at;
    for _ in 0..10 {
        let next = i.deadline(Timer::RouterAdvert).unwrap();
        let gap = t.until(next);
        assert!(
            gap >= Duration::from_secs(10) && gap <= Duration::from_secs(30),
            "{gap:?}"
        );
        let a = i.handle(Event::Timer(Timer::RouterAdvert), next);
        assert_eq!(ras(&a), 1);
        t = next;
    }
}

#[test]
fn rfc4861_6_2_4_first_advertisements_come_within_16_seconds() {
    let mut p = with_ra(100);
    p.router_adverts = Some(RaParams {
        max_interval: Duration::from_secs(600),
        min_interval: Duration::from_secs(198),
    });
    let (mut i, mut t) = master(p);
    for n in 1..=4 {
        let next = i.deadline(Timer::RouterAdvert).unwrap();
        if n < MAX_INITIAL_RTR_ADVERTISEMENTS {
            assert!(t.until(next) <= MAX_INITIAL_RTR_ADVERT_INTERVAL, "RA {n}");
        } else {
            assert!(t.until(next) >= Duration::from_secs(198), "RA {n}");
        }
        i.handle(Event::Timer(Timer::RouterAdvert), next);
        t = next;
    }
}

#[test]
fn rfc9568_6_4_2_backups_send_no_router_advertisements_and_leaving_stops_them() {
    let mut b = started(with_ra(100));
    assert!(b.deadline(Timer::RouterAdvert).is_none());
    assert!(b.handle(Event::RouterSolicitation, ms(5)).is_empty());
    let (mut m, t) = master(with_ra(100));
    // Demoted: no more router advertisements, and no final one with
    // lifetime 0 either (the successor advertises the same router).
    let a = m.handle(adv(HIGHER_ADDR, 200, 100), t + centis(10));
    assert_eq!(ras(&a), 0);
    assert!(has(
        &a,
        &Action::CancelTimer {
            timer: Timer::RouterAdvert
        }
    ));
    assert!(m.deadline(Timer::RouterAdvert).is_none());
    let (mut m, t) = master(with_ra(100));
    let a = m.handle(Event::Shutdown, t + centis(10));
    assert_eq!(ras(&a), 0);
    assert!(m.deadline(Timer::RouterAdvert).is_none());
}

#[test]
fn rfc4861_6_2_6_solicitations_are_answered_soon_but_at_most_every_3_seconds() {
    let (mut i, t) = master(with_ra(100));
    // Just after the RA of the takeover: not before MIN_DELAY_BETWEEN_RAS.
    let a = i.handle(Event::RouterSolicitation, t + Duration::from_millis(100));
    assert_eq!(ras(&a), 0, "never at once");
    let at = i.deadline(Timer::RouterAdvert).unwrap();
    assert_eq!(at, t + MIN_DELAY_BETWEEN_RAS);
    i.handle(Event::Timer(Timer::RouterAdvert), at);
    // Long after: within MAX_RA_DELAY_TIME.
    let later = at + Duration::from_secs(5);
    i.handle(Event::RouterSolicitation, later);
    let at = i.deadline(Timer::RouterAdvert).unwrap();
    assert!(
        at >= later && at <= later + MAX_RA_DELAY_TIME,
        "{:?}",
        later.until(at)
    );
}

#[test]
fn an_expired_timer_is_disarmed_in_any_state() {
    // A Router advertisement timer that fires after a demotion raced it
    // must not stay armed in the past (the shell would spin on it).
    let (mut i, t) = master(with_ra(100));
    let at = i.deadline(Timer::Adver).unwrap();
    i.handle(Event::Fault, t);
    assert!(i.deadline(Timer::Adver).is_none());
    assert!(i.handle(Event::Timer(Timer::Adver), at).is_empty());
    for timer in [
        Timer::Adver,
        Timer::MasterDown,
        Timer::Leave,
        Timer::RouterAdvert,
    ] {
        let d = i.deadline(timer);
        assert!(d.is_none(), "{timer:?} still armed at {d:?} in fault");
    }
}

// ---- advertisement phase grid ----

#[test]
fn aligned_masters_advertise_on_the_grid_never_more_than_an_interval_apart() {
    let mut p = params(100);
    p.adver_interval_cs = 10;
    p.advert_phase = Some(Time::ZERO);
    let mut i = started(p);
    // Master_Down fires off the grid (360.9375 ms).
    let at = i.deadline(Timer::MasterDown).unwrap();
    assert_eq!(at, Time(360_937));
    let a = i.handle(Event::Timer(Timer::MasterDown), at);
    assert_eq!(sends(&a), vec![100], "the first advert goes at once");
    let next = i.deadline(Timer::Adver).unwrap();
    assert_eq!(next, ms(400), "then on the 100 ms grid");
    assert!(at.until(next) <= centis(10));
    let a = i.handle(Event::Timer(Timer::Adver), next);
    assert_eq!(sends(&a), vec![100]);
    assert_eq!(i.deadline(Timer::Adver), Some(ms(500)));
    // Woken 1.5 intervals late: back on the grid, not on the late time.
    let a = i.handle(Event::Timer(Timer::Adver), ms(650));
    assert_eq!(sends(&a), vec![100]);
    assert_eq!(i.deadline(Timer::Adver), Some(ms(700)));
    // An advert sent at once (hearing priority 0) keeps the grid too.
    i.handle(adv(LOWER_ADDR, 0, 10), ms(710));
    assert_eq!(i.deadline(Timer::Adver), Some(ms(800)));
}

#[test]
fn two_masters_with_the_same_interval_share_their_instants() {
    let mk = |vrid: u8| {
        let mut p = params(100);
        p.vrid = vrid;
        p.advert_phase = Some(Time::ZERO);
        let mut i = Instance::new(p);
        i.handle(Event::Startup, Time::ZERO);
        i
    };
    let mut a = mk(1);
    let mut b = mk(2);
    let at = a.deadline(Timer::MasterDown).unwrap();
    a.handle(Event::Timer(Timer::MasterDown), at);
    b.handle(
        Event::Timer(Timer::MasterDown),
        at + Duration::from_millis(67),
    );
    assert_eq!(a.deadline(Timer::Adver), b.deadline(Timer::Adver));
}
