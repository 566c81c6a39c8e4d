//! Durations as scenarios write them: `100ms`, `1s`, `10cs`, `500us`.

use std::time::Duration;

/// Parses `<integer><unit>` with unit `us`, `ms`, `cs` or `s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a whole number and a unit, e.g. 100ms, 2s, 10cs")
    })?;
    if unit.starts_with('.') {
        return Err(format!(
            "`{text}`: write a whole number of a smaller unit (1500ms, not 1.5s)"
        ));
    }
    let d = match unit.trim() {
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "cs" => Duration::from_millis(n.saturating_mul(10)),
        "s" => Duration::from_secs(n),
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use us, ms, cs or s)"
            ))
        }
    };
    Ok(d)
}

/// Formats a duration for people: `360.9ms`, `2s`.
pub fn human(d: Duration) -> String {
    let us = d.as_micros();
    if us % 1_000_000 == 0 {
        format!("{}s", us / 1_000_000)
    } else if us % 1000 == 0 {
        format!("{}ms", us / 1000)
    } else {
        format!("{:.1}ms", us as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("100ms").unwrap(), Duration::from_millis(100));
        assert_eq!(parse("10cs").unwrap(), Duration::from_millis(100));
        assert_eq!(parse("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse("250us").unwrap(), Duration::from_micros(250));
        assert!(parse("1.5s").unwrap_err().contains("1500ms, not 1.5s"));
        assert!(parse("fast").unwrap_err().contains("not a duration"));
        assert!(parse("5min").unwrap_err().contains("unknown unit `min`"));
    }

    #[test]
    fn human_forms() {
        assert_eq!(human(Duration::from_secs(2)), "2s");
        assert_eq!(human(Duration::from_millis(360)), "360ms");
        assert_eq!(human(Duration::from_micros(360_937)), "360.9ms");
    }
}
