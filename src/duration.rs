//! Durations as users write them (`90s`, `5m`, `12h`, `30d`) and the timestamps lifeboat
//! records (RFC 3339, UTC, whole seconds).

use std::time::{Duration, SystemTime};

/// Parses a duration flag value. Used as a clap value parser, so the message is what the
/// user sees after "invalid value".
pub fn parse(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|error| format!("{error}; write a duration like 90s, 5m, 12h or 30d"))?;
    if duration.is_zero() {
        return Err("the duration must be longer than zero".into());
    }
    // Beyond this, adding it to the clock overflows; no deadline or expiry means it.
    if duration > MAX {
        return Err("the duration must be at most 100 years".into());
    }
    Ok(duration)
}

/// The longest duration a flag takes.
const MAX: Duration = Duration::from_secs(100 * 365 * 86_400);

/// [`parse`], where zero is allowed too (`0s` turns a feature off).
pub fn parse_or_zero(text: &str) -> Result<Duration, String> {
    match text.trim() {
        "0" | "0s" => Ok(Duration::ZERO),
        _ => parse(text),
    }
}

/// A point in time as recorded in snapshot metadata.
pub fn format_timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Reads a timestamp written by [`format_timestamp`] (any RFC 3339 UTC time is accepted).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text).ok()
}

/// A short human form of a length of time: `3d 4h`, `12m 5s`, `0s`.
pub fn describe(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes, seconds) =
        (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_forms() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(parse("soon").is_err());
        assert!(parse("0s").is_err());
    }

    #[test]
    fn timestamps_round_trip() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
    }

    #[test]
    fn describes_lengths() {
        assert_eq!(
            describe(Duration::from_secs(3 * 86_400 + 4 * 3600)),
            "3d 4h"
        );
        assert_eq!(describe(Duration::from_secs(725)), "12m 5s");
        assert_eq!(describe(Duration::ZERO), "0s");
    }
}
