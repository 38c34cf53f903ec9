//! What can be wrong with a snapshot. Messages say what is wrong; hints say what to do.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{RecipientInfo, FORMAT_VERSION};
use crate::exit::Exit;

/// A snapshot cannot be read, opened or written.
#[derive(Debug)]
pub enum SnapshotError {
    /// The file does not exist.
    Missing(PathBuf),
    /// The file exists but cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The file is not an age file at all.
    NotAgeFile,
    /// The file is ASCII-armored age, which snapshots never are.
    Armored,
    /// An age file, but with no `lifeboat-meta` stanza.
    NotLifeboat,
    /// Written by a newer lifeboat in a format this build does not read.
    NewerVersion {
        /// The version found.
        found: u32,
    },
    /// The file ends early; the text names the part (the header, the payload).
    Truncated(&'static str),
    /// The file does not follow the format; the text says where.
    Malformed(String),
    /// The header MAC does not match: the header (metadata or a stanza) was changed.
    Tampered,
    /// The file is not the one the deployment pinned (`--expect-sha256`).
    NotPinned {
        /// The pinned SHA-256.
        expected: String,
        /// The file's.
        found: String,
    },
    /// The header is intact as far as can be told, but the rest is damaged.
    Damaged(String),
    /// None of the given keys is a recipient.
    WrongKey {
        /// The recipients recorded in the metadata.
        sealed_to: Vec<RecipientInfo>,
        /// The keys tried, described by kind, fingerprint and origin.
        tried: Vec<String>,
    },
    /// Sealing failed (an age error; it carries no secret).
    Seal(String),
}

impl SnapshotError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            SnapshotError::Missing(_) => Exit::SnapshotMissing,
            SnapshotError::Seal(_) => Exit::Failure,
            _ => Exit::SnapshotUnusable,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            SnapshotError::Missing(_) => "make one with `lifeboat snapshot`, or give the right path (--snapshot, LIFEBOAT_SNAPSHOT)".into(),
            SnapshotError::Unreadable { .. } => "check the path and the file's permissions".into(),
            SnapshotError::NotAgeFile | SnapshotError::Armored | SnapshotError::NotLifeboat => {
                "check the path: lifeboat snapshots are written by `lifeboat snapshot`".into()
            }
            SnapshotError::NewerVersion { .. } => {
                "open it with the lifeboat release that made it (see `lifeboat inspect`) or a newer one".into()
            }
            SnapshotError::Truncated(_) => {
                "the file is incomplete (an interrupted copy?): take it again from the image, or rebuild it".into()
            }
            SnapshotError::Malformed(_) | SnapshotError::Damaged(_) => {
                "do not trust this file: take it again from the image, or rebuild it".into()
            }
            SnapshotError::Tampered => {
                "the file was changed after it was sealed: do not use it; take it from a trusted image or rebuild it".into()
            }
            SnapshotError::NotPinned { .. } => {
                "this is not the snapshot the deployment was built with: take the image whose build printed the pinned sha256, or update the pin (--expect-sha256, LIFEBOAT_SNAPSHOT_SHA256) to a snapshot you trust".into()
            }
            SnapshotError::WrongKey { .. } => {
                "use a key it was sealed to (`lifeboat inspect` lists their fingerprints), or rebuild it with your key as a recipient (-r)".into()
            }
            SnapshotError::Seal(_) => return None,
        })
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Missing(path) => write!(f, "snapshot {} does not exist", crate::redact::path(path)),
            SnapshotError::Unreadable { path, source } => {
                write!(f, "cannot read snapshot {}: {source}", crate::redact::path(path))
            }
            SnapshotError::NotAgeFile => f.write_str("not a lifeboat snapshot: the file is not an age file"),
            SnapshotError::Armored => f.write_str("not a lifeboat snapshot: the file is an ASCII-armored age file"),
            SnapshotError::NotLifeboat => f.write_str("not a lifeboat snapshot: an age file, but with no lifeboat-meta stanza"),
            SnapshotError::NewerVersion { found } => write!(
                f,
                "the snapshot is format version {found}; this lifeboat ({}) reads version {FORMAT_VERSION} only",
                env!("CARGO_PKG_VERSION")
            ),
            SnapshotError::Truncated(part) => write!(f, "the snapshot is truncated: {part} ends early"),
            SnapshotError::Malformed(what) => write!(f, "the snapshot is corrupt: {what}"),
            SnapshotError::Tampered => f.write_str(
                "the snapshot was modified: its header (metadata or key stanzas) does not match the header MAC",
            ),
            SnapshotError::Damaged(what) => write!(f, "the snapshot is corrupt: {what}"),
            SnapshotError::NotPinned { expected, found } => write!(
                f,
                "the snapshot is not the pinned one: its sha256 is {found}, expected {expected}; it was not opened"
            ),
            SnapshotError::WrongKey { sealed_to, tried } => {
                f.write_str("none of the given keys can open this snapshot; it was sealed to: ")?;
                // A snapshot sealed to a thousand keys must not make a 60,000-character line.
                const SHOWN: usize = 5;
                let sealed: Vec<String> =
                    sealed_to.iter().take(SHOWN).map(ToString::to_string).collect();
                f.write_str(&sealed.join(", "))?;
                if sealed_to.len() > SHOWN {
                    write!(f, " and {} more (`lifeboat inspect` lists them all)", sealed_to.len() - SHOWN)?;
                }
                write!(f, "; tried: {}", tried.join(", "))
            }
            SnapshotError::Seal(reason) => write!(f, "cannot seal the snapshot: {reason}"),
        }
    }
}
