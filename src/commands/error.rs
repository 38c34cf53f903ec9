//! The error every command returns: one of the layers' errors, or a command's own.
//! Each knows its exit code and, where there is one, what to do about it.

use std::fmt;
use std::io;

use serde_json::{json, Value};

use crate::atomic_file::WriteError;
use crate::exit::Exit;
use crate::export::ExportError;
use crate::http::FailureClass;
use crate::image::ImageError;
use crate::keys::KeyError;
use crate::snapshot::{SnapshotError, Staleness};
use crate::source::SourceError;

/// Why a command failed.
#[derive(Debug)]
pub enum CommandError {
    /// A recipient or identity problem.
    Key(KeyError),
    /// A snapshot that cannot be read, opened or sealed.
    Snapshot(SnapshotError),
    /// A source that cannot give secrets.
    Source(SourceError),
    /// A file that cannot be written.
    Write(WriteError),
    /// A snapshot past its expiry or `--max-age`.
    Stale(Staleness),
    /// Secrets the chosen output format cannot hold.
    Export(ExportError),
    /// The command line is incomplete or contradictory.
    Usage(String),
    /// Standard output cannot be written (a closed pipe).
    Stdout(io::Error),
    /// `run`: the live fetch failed in a class that falls back, and the snapshot cannot
    /// be used either.
    NoFallback {
        /// The class of the live failure.
        class: FailureClass,
        /// The live failure, in words.
        live: String,
        /// Why the snapshot cannot be used.
        snapshot: Box<CommandError>,
    },
    /// An image archive that cannot be read or lacks the snapshot.
    Image(ImageError),
    /// `run`: the snapshot was made for another scope.
    ScopeMismatch(String),
    /// `run`: the secrets cannot be passed in the environment.
    Environment(String),
    /// `run`: the app cannot be executed.
    Exec {
        /// The command.
        program: String,
        /// Why not.
        error: io::Error,
    },
}

impl CommandError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            CommandError::Key(e) => e.exit(),
            CommandError::Snapshot(e) => e.exit(),
            CommandError::Source(e) => e.exit(),
            CommandError::Write(_) | CommandError::Stdout(_) => Exit::Failure,
            CommandError::Stale(_) => Exit::SnapshotStale,
            CommandError::Export(_) | CommandError::Usage(_) => Exit::Usage,
            // A snapshot refused for a reason of its own says so; one that could not even
            // be tried (no key given) leaves "unavailable".
            CommandError::NoFallback { snapshot, .. } => match snapshot.exit() {
                Exit::SnapshotMissing
                | Exit::SnapshotUnusable
                | Exit::SnapshotStale
                | Exit::SnapshotScope => snapshot.exit(),
                _ => Exit::Unavailable,
            },
            CommandError::ScopeMismatch(_) => Exit::SnapshotScope,
            CommandError::Image(e) => e.exit(),
            CommandError::Environment(_) => Exit::BadInput,
            CommandError::Exec { error, .. } => match error.kind() {
                io::ErrorKind::NotFound => Exit::CommandNotFound,
                _ => Exit::NotExecutable,
            },
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            CommandError::Key(e) => e.hint().map(str::to_string),
            CommandError::Snapshot(e) => e.hint(),
            CommandError::Source(e) => e.hint().map(str::to_string),
            CommandError::Write(WriteError::Exists(_)) => {
                Some("choose another path, or move the existing file away first".into())
            }
            CommandError::Write(WriteError::Io { .. }) => {
                Some("nothing was written and any existing file is unchanged".into())
            }
            CommandError::Stale(Staleness::Expired { .. }) => Some(
                "rebuild the image for a fresh snapshot; `lifeboat recover` still opens an expired one in an emergency".into(),
            ),
            CommandError::Stale(Staleness::TooOld { .. }) => {
                Some("rebuild the image for a fresh snapshot, or allow an older one with --max-age".into())
            }
            CommandError::NoFallback { snapshot, .. } => snapshot.hint(),
            CommandError::ScopeMismatch(_) => Some(
                "rebuild the image for the scope run is configured for, or fix the configuration (LIFEBOAT_SOURCE, DOPPLER_PROJECT, DOPPLER_CONFIG)".into(),
            ),
            CommandError::Environment(_) => None,
            CommandError::Image(e) => e.hint().map(str::to_string),
            CommandError::Exec { error, .. } => Some(match error.kind() {
                io::ErrorKind::NotFound => "check the command after `--` and the PATH".into(),
                _ => "check that the command is an executable file (mode +x, the right architecture)".into(),
            }),
            CommandError::Export(_) | CommandError::Usage(_) | CommandError::Stdout(_) => None,
        }
    }

    /// A short machine name for the kind of failure (`--json` output, JSON logs).
    pub fn kind(&self) -> &'static str {
        match self.exit() {
            Exit::Usage => "usage",
            Exit::BadInput => "bad-input",
            Exit::SnapshotMissing => "snapshot-missing",
            Exit::SnapshotUnusable => "snapshot-unusable",
            Exit::SnapshotStale => "snapshot-stale",
            Exit::SnapshotScope => "snapshot-scope",
            Exit::Denied => "denied",
            Exit::NotFound => "not-found",
            Exit::Unavailable => "unavailable",
            Exit::CommandNotFound => "command-not-found",
            Exit::NotExecutable => "not-executable",
            _ => "failure",
        }
    }

    /// The error as JSON fields.
    pub fn to_json(&self) -> Value {
        json!({
            "error": self.kind(),
            "exit_code": self.exit().code(),
            "message": self.to_string(),
            "hint": self.hint(),
        })
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Key(e) => e.fmt(f),
            CommandError::Snapshot(e) => e.fmt(f),
            CommandError::Source(e) => e.fmt(f),
            CommandError::Write(e) => e.fmt(f),
            CommandError::Stale(e) => e.fmt(f),
            CommandError::Export(e) => e.fmt(f),
            CommandError::Usage(message) => f.write_str(message),
            CommandError::Stdout(e) => write!(f, "cannot write to standard output: {e}"),
            CommandError::NoFallback { live, snapshot, .. } => {
                write!(
                    f,
                    "the live fetch failed ({live}), and the snapshot cannot be used: {snapshot}"
                )
            }
            CommandError::ScopeMismatch(reason) => {
                write!(f, "the snapshot is for another scope: {reason}")
            }
            CommandError::Environment(reason) => f.write_str(reason),
            CommandError::Image(e) => e.fmt(f),
            CommandError::Exec { program, error } => match error.kind() {
                io::ErrorKind::NotFound => write!(f, "command not found: {program}"),
                _ => write!(f, "cannot execute {program}: {error}"),
            },
        }
    }
}

macro_rules! from_layer {
    ($($variant:ident($type:ty)),*) => {
        $(impl From<$type> for CommandError {
            fn from(error: $type) -> Self {
                CommandError::$variant(error)
            }
        })*
    };
}

from_layer!(
    Key(KeyError),
    Snapshot(SnapshotError),
    Source(SourceError),
    Write(WriteError),
    Stale(Staleness),
    Export(ExportError),
    Image(ImageError)
);
