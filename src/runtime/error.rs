//! Why `run` could not start the app. Each error knows its exit code and, where there is
//! one, what to do about it.

use std::fmt;
use std::io;

use crate::exit::Exit;
use crate::http::FailureClass;
use crate::keys::KeyError;
use crate::signature::SignatureError;
use crate::snapshot::{SnapshotError, Staleness};
use crate::source::SourceError;

/// Why the snapshot cannot serve: it cannot be opened, is too old, or is for another
/// scope.
#[derive(Debug)]
pub enum SnapshotProblem {
    /// The runtime key cannot be loaded.
    Key(KeyError),
    /// The file is missing, not the pinned one, corrupt, or opened by no given key.
    Snapshot(SnapshotError),
    /// Its signature was refused (`--trusted-signers`).
    Signature(SignatureError),
    /// Past its expiry or `--max-age`.
    Stale(Staleness),
    /// Made for another scope than the one configured.
    Scope(super::scope_check::Mismatch),
    /// The thread that opened it stopped without an answer.
    ReaderStopped,
    /// It could not be read and opened within the deadline (a hung filesystem, a FIFO).
    TooSlow(std::time::Duration),
    /// Neither a source nor the snapshot was to be used (no plan makes this).
    NotOpened,
}

impl SnapshotProblem {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            SnapshotProblem::Key(e) => e.exit(),
            SnapshotProblem::Snapshot(e) => e.exit(),
            SnapshotProblem::Signature(e) => e.exit(),
            SnapshotProblem::Stale(_) => Exit::SnapshotStale,
            SnapshotProblem::Scope(_) => Exit::SnapshotScope,
            SnapshotProblem::ReaderStopped | SnapshotProblem::TooSlow(_) => Exit::SnapshotUnusable,
            SnapshotProblem::NotOpened => Exit::Usage,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            SnapshotProblem::Key(e) => e.hint().map(str::to_string),
            SnapshotProblem::Snapshot(e) => e.hint(),
            SnapshotProblem::Signature(e) => Some(e.hint()),
            SnapshotProblem::Stale(e) => Some(e.hint().into()),
            SnapshotProblem::Scope(mismatch) => Some(format!(
                "rebuild the image for the scope run is configured for, or fix the configuration ({}); or, if this snapshot is meant for this start, give --allow-other-source (LIFEBOAT_ALLOW_OTHER_SOURCE): the app may then start on secrets made for another scope",
                mismatch.settings
            )),
            SnapshotProblem::TooSlow(_) => Some(
                "the snapshot's file (or the key's) did not answer: check the filesystem it is on; a snapshot baked into the image is read from the image's own layers".into(),
            ),
            SnapshotProblem::ReaderStopped | SnapshotProblem::NotOpened => None,
        }
    }
}

impl fmt::Display for SnapshotProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotProblem::Key(e) => e.fmt(f),
            SnapshotProblem::Snapshot(e) => e.fmt(f),
            SnapshotProblem::Signature(e) => e.fmt(f),
            SnapshotProblem::Stale(e) => e.fmt(f),
            SnapshotProblem::Scope(mismatch) => {
                write!(f, "the snapshot is for another scope: {}", mismatch.reason)
            }
            SnapshotProblem::ReaderStopped => {
                f.write_str("the snapshot reader stopped unexpectedly")
            }
            SnapshotProblem::TooSlow(deadline) => write!(
                f,
                "the snapshot could not be read and opened within the deadline of {} ms",
                deadline.as_millis()
            ),
            SnapshotProblem::NotOpened => f.write_str("no source and no snapshot to start from"),
        }
    }
}

impl From<KeyError> for SnapshotProblem {
    fn from(error: KeyError) -> Self {
        SnapshotProblem::Key(error)
    }
}

impl From<SignatureError> for SnapshotProblem {
    fn from(error: SignatureError) -> Self {
        SnapshotProblem::Signature(error)
    }
}

impl From<SnapshotError> for SnapshotProblem {
    fn from(error: SnapshotError) -> Self {
        SnapshotProblem::Snapshot(error)
    }
}

/// `run` did not start the app.
#[derive(Debug)]
pub enum RunError {
    /// The live source failed and that is the answer: lifeboat's configuration of it, a
    /// class that does not fall back (a denial, an unknown path), or `--live-only`.
    Live(SourceError),
    /// `--offline`, and the snapshot cannot serve.
    Snapshot(SnapshotProblem),
    /// The live fetch failed in a class that falls back, and the snapshot cannot serve
    /// either.
    NoFallback {
        /// The class of the live failure.
        class: FailureClass,
        /// The live failure, in words.
        live: String,
        /// Why the snapshot cannot serve.
        snapshot: SnapshotProblem,
    },
    /// The secrets cannot be passed in the environment.
    Environment(String),
    /// The secrets chosen as files cannot be written.
    Files(super::files::FilesError),
    /// The app cannot be executed.
    Exec {
        /// The command.
        program: String,
        /// Why not.
        error: io::Error,
    },
}

impl RunError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Live(e) => e.exit(),
            RunError::Snapshot(e) => e.exit(),
            // The snapshot's own reason decides: the service being down is why the
            // snapshot was needed, not why the start failed. A key that is missing or
            // unreadable is the key's code (2 or 3), with the key's hint.
            RunError::NoFallback { snapshot, .. } => snapshot.exit(),
            RunError::Environment(_) => Exit::BadInput,
            RunError::Files(e) => e.exit,
            RunError::Exec { error, .. } => match error.kind() {
                io::ErrorKind::NotFound => Exit::CommandNotFound,
                _ => Exit::NotExecutable,
            },
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            RunError::Live(e) => e.hint().map(str::to_string),
            RunError::Snapshot(e) | RunError::NoFallback { snapshot: e, .. } => e.hint(),
            RunError::Environment(_) | RunError::Files(_) => None,
            RunError::Exec { error, .. } => Some(match error.kind() {
                io::ErrorKind::NotFound => "check the command after `--` and the PATH".into(),
                _ => {
                    "check that the command is an executable file (mode +x, the right architecture)"
                        .into()
                }
            }),
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Live(e) => e.fmt(f),
            RunError::Snapshot(e) => e.fmt(f),
            RunError::NoFallback { live, snapshot, .. } => write!(
                f,
                "the live fetch failed ({live}), and the snapshot cannot be used: {snapshot}"
            ),
            RunError::Environment(reason) => f.write_str(reason),
            RunError::Files(e) => f.write_str(&e.reason),
            RunError::Exec { program, error } => match error.kind() {
                io::ErrorKind::NotFound => write!(f, "command not found: {program}"),
                _ => write!(f, "cannot execute {program}: {error}"),
            },
        }
    }
}
