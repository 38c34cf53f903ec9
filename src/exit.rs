//! The exit codes lifeboat documents (README, "Exit codes"). Every error in every layer
//! maps to exactly one of these, so scripts and orchestrators can tell failures apart
//! without parsing messages.
//!
//! One list below defines the variants, their numbers, their names and [`Exit::ALL`], so
//! the compiler keeps them together: a new code cannot be missing from `ALL`, and the
//! README test, which reads the README's table, then demands a row for it.

macro_rules! exit_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $name:literal;)*) => {
        /// Why lifeboat stopped. The numbers are a public contract: never renumber one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Exit {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Exit {
            /// Every code, in order, for the documentation test that keeps the README
            /// honest.
            pub const ALL: &'static [Exit] = &[$(Exit::$variant),*];

            /// The process exit status for this outcome.
            pub fn code(self) -> u8 {
                match self {
                    $(Exit::$variant => $code,)*
                }
            }

            /// A short machine name for the outcome (`--json` output, JSON logs).
            pub fn name(self) -> &'static str {
                match self {
                    $(Exit::$variant => $name,)*
                }
            }
        }
    };
}

exit_codes! {
    /// The command did what was asked.
    Success = 0, "success";
    /// A failure none of the codes below describes, such as an I/O error (a full disk) or
    /// an output file that already exists.
    Failure = 1, "failure";
    /// The command line is wrong: an unknown flag, a bad duration, recipient or source,
    /// or lifeboat's own configuration of a service (a token HTTP cannot carry, a proxy
    /// scheme this build cannot use).
    Usage = 2, "usage";
    /// The input lifeboat was given is unusable: a source that is empty, unreadable or
    /// malformed; an identity or recipients file that cannot be read or parsed.
    BadInput = 3, "bad-input";
    /// The secrets service refused the credentials (HTTP 401 or 403, a proxy's 407).
    Denied = 10, "denied";
    /// The secrets service does not know what was asked for (HTTP 404 or 410, unknown
    /// project, config or path), or refuses the request as configured (another 4xx): a
    /// configuration error.
    NotFound = 11, "not-found";
    /// The secrets service is unavailable and there is no usable snapshot to fall back on.
    Unavailable = 12, "unavailable";
    /// The snapshot file does not exist.
    SnapshotMissing = 20, "snapshot-missing";
    /// The snapshot is corrupt, truncated, tampered with, not a lifeboat snapshot, of a
    /// newer format, or none of the given keys opens it.
    SnapshotUnusable = 21, "snapshot-unusable";
    /// The snapshot is past its own expiry or older than `--max-age`.
    SnapshotStale = 22, "snapshot-stale";
    /// The snapshot was made for another scope than the one configured.
    SnapshotScope = 23, "snapshot-scope";
    /// `diff`: the snapshot differs from the live source.
    SnapshotDiffers = 24, "snapshot-differs";
    /// The command to run was found but cannot be executed.
    NotExecutable = 126, "not-executable";
    /// The command to run was not found.
    CommandNotFound = 127, "command-not-found";
    /// `run` was stopped by SIGHUP before the app started (128 + 1).
    Hangup = 129, "signal-hup";
    /// `run` was stopped by SIGINT before the app started (128 + 2).
    Interrupted = 130, "signal-int";
    /// `run` was stopped by SIGTERM before the app started (128 + 15).
    Terminated = 143, "signal-term";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_distinct() {
        let mut codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Exit::ALL.len());
        let mut names: Vec<&str> = Exit::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Exit::ALL.len());
    }
}
