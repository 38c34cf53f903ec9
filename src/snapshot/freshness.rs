//! Whether a snapshot is still fit to use: its own expiry, and the reader's `--max-age`.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::Metadata;
use crate::duration::{describe, format_timestamp};

/// Why a snapshot is too old to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// Past the expiry it was sealed with.
    Expired {
        /// The expiry.
        expires_at: String,
        /// How long ago that was.
        ago: Duration,
    },
    /// Older than the reader allows.
    TooOld {
        /// Its age.
        age: Duration,
        /// The allowed age.
        max_age: Duration,
    },
}

impl Staleness {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Staleness::Expired { .. } => "rebuild the image for a fresh snapshot; `lifeboat recover` still opens an expired one in an emergency",
            Staleness::TooOld { .. } => "rebuild the image for a fresh snapshot, or allow an older one with --max-age",
        }
    }
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Staleness::Expired { expires_at, ago } => {
                write!(
                    f,
                    "the snapshot expired at {expires_at} ({} ago)",
                    describe(*ago)
                )
            }
            Staleness::TooOld { age, max_age } => write!(
                f,
                "the snapshot is {} old, more than the allowed {}",
                describe(*age),
                describe(*max_age)
            ),
        }
    }
}

/// Checks expiry, then `max_age`, at `now`.
pub fn check_freshness(
    metadata: &Metadata,
    now: SystemTime,
    max_age: Option<Duration>,
) -> Result<(), Staleness> {
    if let Some(expires) = metadata.expires() {
        if now >= expires {
            return Err(Staleness::Expired {
                expires_at: format_timestamp(expires),
                ago: now.duration_since(expires).unwrap_or_default(),
            });
        }
    }
    if let Some(max_age) = max_age {
        let age = metadata.age_at(now);
        if age > max_age {
            return Err(Staleness::TooOld { age, max_age });
        }
    }
    Ok(())
}
