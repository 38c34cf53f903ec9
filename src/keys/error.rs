//! What can go wrong reading keys.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::exit::Exit;

/// A recipient or identity could not be used. Messages name the file or the flag, never
/// the key material.
#[derive(Debug)]
pub enum KeyError {
    /// A recipient string is not a recipient lifeboat can seal to.
    BadRecipient {
        /// Where it came from (`-r`, `LIFEBOAT_RECIPIENTS`, a file and line).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A recipients or identity file cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// No identity was given at all.
    NoKey,
    /// An identity file holds no key lifeboat can use.
    BadIdentity {
        /// Where it came from (a path, or `LIFEBOAT_IDENTITY`).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl KeyError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            KeyError::BadRecipient { .. } | KeyError::NoKey => Exit::Usage,
            KeyError::Unreadable { .. } | KeyError::BadIdentity { .. } => Exit::BadInput,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            KeyError::BadRecipient { .. } => Some(
                "recipients are age X25519 keys (age1…) or OpenSSH public keys (ssh-ed25519 …, ssh-rsa …), optionally labelled as LABEL=KEY",
            ),
            KeyError::Unreadable { path, .. }
                if ["age1", "ssh-ed25519 ", "ssh-rsa "]
                    .iter()
                    .any(|p| path.to_string_lossy().starts_with(p)) =>
            {
                Some("that is a public key (a recipient, for -r); -i takes the file of the private key that matches it")
            }
            KeyError::Unreadable { path, .. } if crate::redact::looks_like_secret(&path.to_string_lossy()) => Some(
                "-i and LIFEBOAT_IDENTITY_FILE take the path of a key file; to give the key text itself, put it in LIFEBOAT_IDENTITY",
            ),
            KeyError::Unreadable { .. } | KeyError::NoKey => None,
            KeyError::BadIdentity { .. } => Some(
                "-i takes an age identity file (AGE-SECRET-KEY-1…, as written by lifeboat keygen or age-keygen) or an unencrypted OpenSSH private key",
            ),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::BadRecipient { origin, reason } => {
                write!(f, "bad recipient in {origin}: {reason}")
            }
            KeyError::Unreadable { path, source } => {
                write!(f, "cannot read {}: {source}", crate::redact::path(path))
            }
            KeyError::BadIdentity { origin, reason } => {
                write!(f, "no usable key in {origin}: {reason}")
            }
            KeyError::NoKey => f.write_str(
                "no key given: use -i IDENTITY (or set LIFEBOAT_IDENTITY_FILE, or LIFEBOAT_IDENTITY to the key text)",
            ),
        }
    }
}
