//! When to try again. Retries happen only for failures a retry can fix (a busy or
//! restarting service), with jittered exponential backoff, and never past the deadline.
//! A refused connection gets at most one very short retry: a service that is down should
//! not hold up a start that could fall back at once.

use std::time::Duration;

/// Backoff settings.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// The first backoff.
    pub base: Duration,
    /// The longest backoff.
    pub max: Duration,
    /// The wait before the single retry of a refused connection; `None` gives up at once
    /// (`run`, which has a snapshot to fall back on and should not wait for a service
    /// that is down).
    pub refused_retry: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
            refused_retry: Some(Duration::from_millis(25)),
        }
    }
}

/// Whether and how a failed attempt may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Never (a denial, a bad response, a TLS failure).
    No,
    /// Once, after a short wait (a refused connection).
    Once,
    /// With backoff while the deadline allows; `after` is the server's Retry-After.
    Backoff {
        /// The server's requested wait, if it gave one.
        after: Option<Duration>,
    },
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (counting from 1): full jitter over an
    /// exponentially growing window, so many containers starting at once spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let window = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max);
        let mut random = [0u8; 4];
        let _ = getrandom::getrandom(&mut random);
        let fraction = f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX);
        // At least half the window, so retries never hammer a struggling service.
        window.mul_f64(0.5 + fraction / 2.0)
    }
}

/// Reads a Retry-After header: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_bounds() {
        let policy = RetryPolicy::default();
        for attempt in 1..20 {
            let wait = policy.backoff(attempt);
            assert!(wait <= policy.max, "{attempt}: {wait:?}");
            assert!(wait >= policy.base / 2, "{attempt}: {wait:?}");
        }
        assert!(policy.backoff(1) <= policy.base);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
