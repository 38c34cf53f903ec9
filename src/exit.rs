//! The exit codes lifeboat documents (README, "Exit codes"). Every error in every layer
//! maps to exactly one of these, so scripts and orchestrators can tell failures apart
//! without parsing messages.

/// Why lifeboat stopped. The numbers are a public contract: never renumber one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The command did what was asked.
    Success,
    /// A failure none of the codes below describes, such as an I/O error (a full disk) or
    /// an output file that already exists.
    Failure,
    /// The command line is wrong: an unknown flag, a bad duration, recipient or source.
    Usage,
    /// The input lifeboat was given is unusable: a source that is empty, unreadable or
    /// malformed; an identity or recipients file that cannot be read or parsed.
    BadInput,
    /// The secrets service refused the credentials (HTTP 401 or 403).
    Denied,
    /// The secrets service does not know what was asked for (HTTP 404, unknown project,
    /// config or path): a configuration error.
    NotFound,
    /// The secrets service is unavailable and there is no usable snapshot to fall back on.
    Unavailable,
    /// The snapshot file does not exist.
    SnapshotMissing,
    /// The snapshot is corrupt, truncated, tampered with, not a lifeboat snapshot, of a
    /// newer format, or none of the given keys opens it.
    SnapshotUnusable,
    /// The snapshot is past its own expiry or older than `--max-age`.
    SnapshotStale,
    /// The snapshot was made for another scope than the one configured.
    SnapshotScope,
    /// The command to run was found but cannot be executed.
    NotExecutable,
    /// The command to run was not found.
    CommandNotFound,
}

impl Exit {
    /// The process exit status for this outcome.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::BadInput => 3,
            Exit::Denied => 10,
            Exit::NotFound => 11,
            Exit::Unavailable => 12,
            Exit::SnapshotMissing => 20,
            Exit::SnapshotUnusable => 21,
            Exit::SnapshotStale => 22,
            Exit::SnapshotScope => 23,
            Exit::NotExecutable => 126,
            Exit::CommandNotFound => 127,
        }
    }

    /// Every code, in order, for the documentation test that keeps the README honest.
    pub const ALL: [Exit; 13] = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::BadInput,
        Exit::Denied,
        Exit::NotFound,
        Exit::Unavailable,
        Exit::SnapshotMissing,
        Exit::SnapshotUnusable,
        Exit::SnapshotStale,
        Exit::SnapshotScope,
        Exit::NotExecutable,
        Exit::CommandNotFound,
    ];
}
