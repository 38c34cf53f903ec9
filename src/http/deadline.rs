//! One total deadline for a whole fetch: connecting, retries, waiting and reading the body
//! all come out of the same budget.

use std::time::{Duration, Instant};

/// A point in time by which a fetch must be over.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    /// A deadline `total` from now.
    pub fn after(total: Duration) -> Self {
        Deadline {
            at: Instant::now() + total,
            total,
        }
    }

    /// The instant it falls at.
    pub fn instant(&self) -> Instant {
        self.at
    }

    /// The whole budget it was made with.
    pub fn total(&self) -> Duration {
        self.total
    }

    /// What is left of it.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }
}
