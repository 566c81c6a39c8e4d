//! Time as data. The core never reads a clock: every event comes with `now`,
//! and timers are absolute deadlines the shell arms for it.

use std::ops::Add;
use std::time::Duration;

use serde::Serialize;

/// A point on the daemon's monotonic clock, in microseconds from an
/// arbitrary origin. Microseconds, not centiseconds, so that Skew_Time at
/// 1 cs intervals (39 µs at priority 255) does not round to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Time(pub u64);

impl Time {
    pub const ZERO: Time = Time(0);

    pub fn from_micros(us: u64) -> Time {
        Time(us)
    }

    pub fn as_micros(self) -> u64 {
        self.0
    }

    /// How long from `self` until `later` (zero if `later` is not later).
    pub fn until(self, later: Time) -> Duration {
        Duration::from_micros(later.0.saturating_sub(self.0))
    }
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        Time(
            self.0
                .saturating_add(d.as_micros().min(u128::from(u64::MAX)) as u64),
        )
    }
}

/// A duration of `cs` centiseconds.
pub fn centis(cs: u16) -> Duration {
    Duration::from_millis(u64::from(cs) * 10)
}

/// Skew_Time.
/// - VRRPv3 (RFC 9568 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256,
///   with the interval in centiseconds; computed in microseconds so that it
///   stays positive at small intervals.
/// - VRRPv2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds.
pub fn skew_time(v3: bool, priority: u8, master_adver_interval_cs: u16) -> Duration {
    let weight = 256 - u64::from(priority);
    if v3 {
        Duration::from_micros(weight * u64::from(master_adver_interval_cs) * 10_000 / 256)
    } else {
        Duration::from_micros(weight * 1_000_000 / 256)
    }
}

/// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (RFC 9568 §6.1,
/// RFC 3768 §6.1 with the configured Advertisement_Interval).
pub fn master_down_interval(v3: bool, priority: u8, master_adver_interval_cs: u16) -> Duration {
    centis(master_adver_interval_cs) * 3 + skew_time(v3, priority, master_adver_interval_cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_skew_at_default_interval_and_priority_100_is_609375_us() {
        // (256-100)*100/256 cs = 60.9375 cs
        assert_eq!(skew_time(true, 100, 100), Duration::from_micros(609_375));
        assert_eq!(
            master_down_interval(true, 100, 100),
            Duration::from_micros(3_609_375)
        );
    }

    #[test]
    fn v3_skew_does_not_truncate_to_zero_at_one_centisecond() {
        // (256-254)*1/256 cs = 78.125 µs: an integer in cs would make it 0.
        assert_eq!(skew_time(true, 254, 1), Duration::from_micros(78));
        assert_eq!(skew_time(true, 255, 1), Duration::from_micros(39));
        assert_eq!(
            master_down_interval(true, 254, 1),
            Duration::from_micros(30_078)
        );
    }

    #[test]
    fn v2_skew_is_a_fraction_of_a_second_independent_of_interval() {
        assert_eq!(skew_time(false, 100, 100), Duration::from_micros(609_375));
        assert_eq!(skew_time(false, 100, 300), Duration::from_micros(609_375));
        assert_eq!(
            master_down_interval(false, 100, 300),
            Duration::from_micros(9_609_375)
        );
    }

    #[test]
    fn higher_priority_means_shorter_skew() {
        let mut last = Duration::MAX;
        for p in 1..=255u8 {
            let s = skew_time(true, p, 100);
            assert!(s < last);
            last = s;
        }
    }
}
