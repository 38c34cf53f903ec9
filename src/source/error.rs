//! What can go wrong reading a source. Messages name files, lines and secret names,
//! never values.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::exit::Exit;
use crate::http::{FailureClass, FetchError};

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
    /// A live source failed: the service, or lifeboat's configuration for it.
    Fetch {
        /// Which source (`doppler at https://…`).
        origin: String,
        /// What went wrong.
        error: FetchError,
    },
    /// Two sources define one name, and `--allow-override` was not given.
    Conflict {
        /// The name.
        name: String,
        /// The source that defined it first.
        first: String,
        /// The one that defined it again.
        second: String,
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
            SourceError::BadSpec(_) | SourceError::Conflict { .. } => Exit::Usage,
            SourceError::Fetch { error, .. } => error.exit(),
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
            SourceError::Fetch { error, .. } if error.hint().is_some() => error.hint(),
            SourceError::Fetch { error, .. } => match error.class()? {
                FailureClass::Denied => Some(
                    "check the credentials (DOPPLER_TOKEN, VAULT_TOKEN, --token-file, or the AWS keys and role): they may be revoked or expired, or lack access to this project/config, path or secret",
                ),
                FailureClass::NotFound => {
                    Some("check the project and config, the mount and path, or the secret or parameter name and region, and the service address")
                }
                FailureClass::Unreachable => Some(
                    "check that the service is up and its address is right; for TLS, trust its CA with --ca-file or SSL_CERT_FILE (VAULT_CACERT for Vault)",
                ),
                FailureClass::ServerError => Some("the service is failing or overloaded; try again later"),
                FailureClass::BadResponse => Some(
                    "the address answered with something other than secrets: check that it points at the service's API",
                ),
            },
            SourceError::Conflict { .. } => Some(
                "rename it in one source, or give --allow-override (LIFEBOAT_ALLOW_OVERRIDE) to let the later source win",
            ),
            SourceError::InvalidSecret { .. } => {
                Some("names are ASCII letters, digits, '_', '.' and '-', not starting with a digit, '.' or '-' (at most 256 bytes); values cannot contain NUL; rename the secret at its source")
            }
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::BadSpec(reason) => write!(f, "bad --source: {reason}"),
            SourceError::Unreadable { path, source } => {
                write!(
                    f,
                    "cannot read source {}: {source}",
                    crate::redact::path(path)
                )
            }
            SourceError::Empty(origin) => write!(f, "the source {origin} holds no secrets"),
            SourceError::Malformed { origin, reason } => write!(f, "{origin}: {reason}"),
            SourceError::Fetch { origin, error } => write!(f, "{origin}: {error}"),
            SourceError::Conflict {
                name,
                first,
                second,
            } => write!(
                f,
                "the secret {name} is defined by two sources, {first} and then {second}"
            ),
            SourceError::InvalidSecret { name, reason } => {
                write!(
                    f,
                    "secret \"{name}\" cannot be an environment variable: {reason}"
                )
            }
        }
    }
}
