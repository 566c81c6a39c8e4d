//! Durations written as `"100ms"`, `"10cs"`, `"1.5s"`, `"2m"`.

use std::time::Duration;

use super::raw::IntervalValue;

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like \"100ms\", \"10cs\" or \"1s\""))?;
    let micros_per = match unit.trim() {
        "us" => 1.0,
        "ms" => 1_000.0,
        "cs" => 10_000.0,
        "s" => 1_000_000.0,
        "m" => 60_000_000.0,
        "" => return Err(format!("`{s}` needs a unit: us, ms, cs, s or m")),
        u => {
            return Err(format!(
                "unknown unit `{u}` in `{s}` (use us, ms, cs, s or m)"
            ))
        }
    };
    let micros = (value * micros_per).round();
    if !micros.is_finite() || !(0.0..=1e15).contains(&micros) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(Duration::from_micros(micros as u64))
}

pub(super) fn interval(v: &IntervalValue) -> Result<Duration, String> {
    match v {
        IntervalValue::Millis(ms) if *ms > 0 => Ok(Duration::from_millis(*ms as u64)),
        IntervalValue::Millis(ms) => Err(format!("interval must be positive, not {ms}")),
        IntervalValue::Text(s) => parse_duration(s),
    }
}
