//! The error every command returns: one of the layers' errors, or a command's own.
//! Each knows its exit code and, where there is one, what to do about it.

use std::fmt;
use std::io;

use serde_json::{json, Value};

use crate::atomic_file::WriteError;
use crate::exit::Exit;
use crate::export::ExportError;
use crate::image::ImageError;
use crate::keys::KeyError;
use crate::runtime::RunError;
use crate::signature::{SignatureError, SignerFileError};
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
    /// An image archive that cannot be read or lacks the snapshot.
    Image(ImageError),
    /// `run` did not start the app.
    Run(RunError),
    /// `diff`: the snapshot and the live source differ (the counts, in words).
    Differs(String),
    /// The snapshot's signature was refused (`--trusted-signers`).
    Signature(SignatureError),
    /// A signing key or trusted signers file that cannot be used.
    Signer(SignerFileError),
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
            CommandError::Image(e) => e.exit(),
            CommandError::Run(e) => e.exit(),
            CommandError::Differs(_) => Exit::SnapshotDiffers,
            CommandError::Signature(e) => e.exit(),
            CommandError::Signer(e) => e.exit(),
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            CommandError::Key(e) => e.hint().map(str::to_string),
            CommandError::Snapshot(e) => e.hint(),
            CommandError::Source(e) => e.hint().map(str::to_string),
            CommandError::Write(WriteError::Exists(_)) => Some(
                "choose another path, or move the existing file away first (recover -o and rekey: --force replaces it)".into(),
            ),
            CommandError::Write(WriteError::Io { path, source, .. })
                if source.kind() == io::ErrorKind::PermissionDenied
                    || path.starts_with("/etc/lifeboat") =>
            {
                Some(format!(
                    "nothing was written and any existing file is unchanged; {} is the path inside an image: elsewhere, give -o FILE",
                    crate::snapshot::DEFAULT_PATH
                ))
            }
            CommandError::Write(WriteError::Io { .. }) => {
                Some("nothing was written and any existing file is unchanged".into())
            }
            CommandError::Stale(e) => Some(e.hint().into()),
            CommandError::Image(e) => e.hint().map(str::to_string),
            CommandError::Run(e) => e.hint(),
            CommandError::Differs(_) => Some(
                "rebuild the image for a snapshot of the secrets as they are now (before running migrations)".into(),
            ),
            CommandError::Signature(e) => Some(e.hint()),
            CommandError::Signer(e) => e.hint(),
            CommandError::Export(_) | CommandError::Usage(_) | CommandError::Stdout(_) => None,
        }
    }

    /// A short machine name for the kind of failure (`--json` output, JSON logs).
    pub fn kind(&self) -> &'static str {
        self.exit().name()
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
            CommandError::Image(e) => e.fmt(f),
            CommandError::Run(e) => e.fmt(f),
            CommandError::Differs(counts) => {
                write!(f, "the snapshot differs from the live source: {counts}")
            }
            CommandError::Signature(e) => e.fmt(f),
            CommandError::Signer(e) => e.fmt(f),
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
    Image(ImageError),
    Run(RunError),
    Signature(SignatureError),
    Signer(SignerFileError)
);
