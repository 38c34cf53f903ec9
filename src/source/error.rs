//! What can go wrong reading a source. Messages name files, lines and secret names,
//! never values.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::exit::Exit;

/// A source could not give usable secrets.
#[derive(Debug)]
pub enum SourceError {
    /// The `--source` value is not one lifeboat understands.
    BadSpec(String),
    /// A file cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The source holds no secrets.
    Empty(String),
    /// The input does not follow its format.
    Malformed {
        /// The file or variable.
        origin: String,
        /// What is wrong, and where (line numbers, secret names).
        reason: String,
    },
    /// A secret cannot be passed to a process.
    InvalidSecret {
        /// Its name (escaped, so control characters show).
        name: String,
        /// What is wrong.
        reason: String,
    },
}

impl SourceError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            SourceError::BadSpec(_) => Exit::Usage,
            _ => Exit::BadInput,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SourceError::BadSpec(_) => None,
            SourceError::Unreadable { .. } => Some("check the path and the file's permissions"),
            SourceError::Empty(_) => Some("a snapshot with no secrets is always a mistake: check the source"),
            SourceError::Malformed { .. } => Some(
                "file: reads dotenv (NAME=value, quotes, export, # comments) or a flat JSON object of strings",
            ),
            SourceError::InvalidSecret { .. } => {
                Some("environment variable names cannot be empty or contain '=' or NUL, and values cannot contain NUL")
            }
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::BadSpec(reason) => write!(f, "bad --source: {reason}"),
            SourceError::Unreadable { path, source } => {
                write!(f, "cannot read source {}: {source}", path.display())
            }
            SourceError::Empty(origin) => write!(f, "the source {origin} holds no secrets"),
            SourceError::Malformed { origin, reason } => write!(f, "{origin}: {reason}"),
            SourceError::InvalidSecret { name, reason } => {
                write!(
                    f,
                    "secret \"{name}\" cannot be an environment variable: {reason}"
                )
            }
        }
    }
}
