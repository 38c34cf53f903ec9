//! When to try again. Retries happen only for failures a retry can fix (a busy or
//! restarting service), with jittered exponential backoff, and never past the deadline.
//! A refused connection gets at most one very short retry: a service that is down should
//! not hold up a start that could fall back at once.
//!
//! A fleet starts thousands of these at once, so the budget is what a struggling service
//! can live with: a server's `Retry-After` can lengthen a wait but never shorten it below
//! the backoff (a load balancer answering `Retry-After: 0` to everything must not turn
//! each start into a storm), and one fetch sends at most [`MAX_REQUESTS`] requests, all
//! its retries and chained requests (a Vault login, then the read) together. A source that
//! pages earns one more request for each page it actually received, never in advance: a
//! storm of 503s on one page spends the ten, not the pages' allowance.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The most requests one fetch sends, whatever the deadline: `run` (5 s by default) and
/// `snapshot` (30 s) alike. Within 3 s the backoff alone allows at most 7.
pub const MAX_REQUESTS: u32 = 10;

/// How many requests one client may still send: [`MAX_REQUESTS`], plus one for each
/// page received, up to the pages the source may read.
#[derive(Debug)]
pub struct RequestBudget {
    /// Requests sent (or about to be), including the one refused for want of budget.
    sent: AtomicU32,
    /// Successful answers so far.
    received: AtomicU32,
    /// The most pages whose receipt raises the limit (0: a source that does not page).
    pages: u32,
}

impl RequestBudget {
    /// [`MAX_REQUESTS`], with room for one more request per page received, up to `pages`.
    pub fn new(pages: u32) -> Self {
        RequestBudget {
            sent: AtomicU32::new(0),
            received: AtomicU32::new(0),
            pages,
        }
    }

    /// The most requests allowed now.
    pub fn limit(&self) -> u32 {
        let earned = self.received.load(Ordering::Relaxed).min(self.pages);
        MAX_REQUESTS.saturating_add(earned)
    }

    /// Counts a request about to be sent; `false` if the budget does not allow it.
    pub fn take(&self) -> bool {
        self.sent.fetch_add(1, Ordering::Relaxed) < self.limit()
    }

    /// Whether the next request would be refused.
    pub fn spent(&self) -> bool {
        self.sent.load(Ordering::Relaxed) >= self.limit()
    }

    /// Counts an answer received (a page, for a source that pages).
    pub fn received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }
}

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
    /// How many times a connection that was accepted and then closed without an answer
    /// (a load balancer with no healthy backend) is retried, with backoff: a few for
    /// `snapshot`, none for `run`, which falls back at once as for a refused connection.
    pub closed_retries: u32,
    /// Whether anything is retried at all: `run --cache-dir` asks once, since its
    /// crash-loop breaker is the retry (the next start after the cooldown asks again).
    pub retries: bool,
    /// Whether a 429 is retried (after its `Retry-After`); `run --cache-dir` gives way to
    /// a rate limiter at once instead, having a copy to start from.
    pub retry_rate_limited: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
            refused_retry: Some(Duration::from_millis(25)),
            closed_retries: 2,
            retries: true,
            retry_rate_limited: true,
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
    /// A few times with backoff (a connection closed without an answer).
    Closed,
    /// With backoff while the deadline allows; `after` is the server's Retry-After.
    Backoff {
        /// The server's requested wait, if it gave one.
        after: Option<Duration>,
    },
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` when the server asked for `after`: the
    /// jittered backoff, or the server's wait if that is longer.
    pub fn wait(&self, attempt: u32, after: Option<Duration>) -> Duration {
        let backoff = self.backoff(attempt);
        after.map_or(backoff, |after| after.max(backoff))
    }
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

/// Reads a Retry-After header: delta-seconds or an HTTP date. A date in the past is zero
/// (the backoff still applies); a number too large for a `u64` is the longest wait there
/// is; a negative number or anything else is no request at all.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
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

    /// Retries are paid from the ten; only pages received add to them.
    #[test]
    fn pages_earn_requests_only_once_received() {
        let budget = RequestBudget::new(100);
        let sent = std::iter::from_fn(|| budget.take().then_some(())).count();
        assert_eq!(sent, MAX_REQUESTS as usize, "a storm on the first page");
        assert!(budget.spent());
        let budget = RequestBudget::new(100);
        for _ in 0..3 {
            assert!(budget.take());
            budget.received();
        }
        let more = std::iter::from_fn(|| budget.take().then_some(())).count();
        assert_eq!(3 + more, MAX_REQUESTS as usize + 3);
        // A source that does not page earns nothing from its answers.
        let budget = RequestBudget::new(0);
        budget.received();
        assert_eq!(budget.limit(), MAX_REQUESTS);
        // Never past the pages it may read.
        let budget = RequestBudget::new(2);
        (0..5).for_each(|_| budget.received());
        assert_eq!(budget.limit(), MAX_REQUESTS + 2);
    }

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
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn retry_after_lengthens_a_wait_but_never_shortens_it() {
        let policy = RetryPolicy::default();
        for attempt in 1..8 {
            let floor = policy
                .base
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max)
                / 2;
            assert!(policy.wait(attempt, Some(Duration::ZERO)) >= floor);
            assert!(policy.wait(attempt, None) >= floor);
            assert_eq!(
                policy.wait(attempt, Some(Duration::from_secs(60))),
                Duration::from_secs(60)
            );
        }
    }

    /// The most attempts the backoff allows within 3 s, at its shortest waits: the
    /// number the README documents for `run`.
    #[test]
    fn three_seconds_allow_at_most_seven_attempts() {
        let policy = RetryPolicy::default();
        let (mut elapsed, mut attempts) = (Duration::ZERO, 1);
        loop {
            let window = policy
                .base
                .saturating_mul(1 << (attempts - 1))
                .min(policy.max);
            elapsed += window / 2;
            if elapsed >= Duration::from_secs(3) {
                break;
            }
            attempts += 1;
        }
        assert_eq!(attempts, 7);
        assert!(attempts <= MAX_REQUESTS);
    }
}
