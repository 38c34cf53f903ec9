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
    /// A key is passphrase-protected and its passphrase cannot be asked for.
    NeedsPassphrase {
        /// Where the key came from.
        origin: String,
        /// There is no terminal (otherwise: the command never asks, as `run`).
        no_terminal: bool,
    },
    /// The passphrase typed does not open the key.
    WrongPassphrase {
        /// Where the key came from.
        origin: String,
    },
    /// The terminal failed while a passphrase was typed.
    Terminal {
        /// The operating system's error.
        source: io::Error,
    },
    /// Post-quantum and classic recipients together: the classic one would let whoever
    /// breaks it open the snapshot, undoing the post-quantum protection.
    MixedPostQuantum {
        /// The post-quantum recipients (kind and fingerprint).
        postquantum: Vec<String>,
        /// The classic ones.
        classic: Vec<String>,
    },
}

impl KeyError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            KeyError::BadRecipient { .. }
            | KeyError::NoKey
            | KeyError::NeedsPassphrase { .. }
            | KeyError::MixedPostQuantum { .. } => Exit::Usage,
            KeyError::Unreadable { .. }
            | KeyError::BadIdentity { .. }
            | KeyError::WrongPassphrase { .. } => Exit::BadInput,
            KeyError::Terminal { .. } => Exit::Failure,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            KeyError::BadRecipient { .. } => Some(
                "recipients are age keys (age1…, post-quantum age1pq1…, hardware age1tag1…/age1tagpq1…, plugin age1NAME1…) or OpenSSH public keys (ssh-ed25519 …, ssh-rsa …), optionally labelled as LABEL=KEY",
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
            KeyError::Unreadable { source, .. } if source.kind() == io::ErrorKind::NotFound => Some(
                "check the path given to -i (LIFEBOAT_IDENTITY_FILE for run): it names no file; lifeboat keygen -o FILE makes a key",
            ),
            KeyError::Unreadable { source, .. }
                if source.kind() == io::ErrorKind::PermissionDenied =>
            {
                Some("the key file is not readable by this user: check its owner and mode (0600, owned by the user lifeboat runs as)")
            }
            KeyError::Unreadable { .. } | KeyError::NoKey | KeyError::Terminal { .. } => None,
            // LIFEBOAT_IDENTITY holds key text; a path there is the other variable's.
            KeyError::BadIdentity { origin, reason }
                if origin == super::IDENTITY_TEXT_VAR && reason.starts_with("line 1:") && identity_text_is_a_path() =>
            {
                Some("LIFEBOAT_IDENTITY takes the key text itself; it holds a file's path: set LIFEBOAT_IDENTITY_FILE to the path instead (or give -i FILE)")
            }
            KeyError::BadIdentity { .. } => Some(
                "-i takes an age identity file (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…, AGE-PLUGIN-…, as written by lifeboat keygen or age-keygen), one protected with age -p, or an OpenSSH private key",
            ),
            KeyError::NeedsPassphrase { no_terminal: true, .. } => Some(
                "run the command on a terminal, where it asks for the passphrase (it is never read from a pipe or an environment variable)",
            ),
            KeyError::NeedsPassphrase { no_terminal: false, .. } => Some(
                "run starts unattended and never asks for a passphrase: give it an unprotected runtime key (lifeboat keygen) and keep protected keys for recover, verify, diff and rekey",
            ),
            KeyError::WrongPassphrase { .. } => Some("check the passphrase and try again"),
            KeyError::MixedPostQuantum { .. } => Some(
                "seal to post-quantum recipients only (age1pq1…, age1tagpq1…; lifeboat keygen --pq makes one), or to classic ones only until every holder has a post-quantum key",
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
            KeyError::NeedsPassphrase { origin, no_terminal: true } => write!(
                f,
                "the key in {origin} is passphrase-protected and there is no terminal to ask for its passphrase on"
            ),
            KeyError::NeedsPassphrase { origin, no_terminal: false } => write!(
                f,
                "the key in {origin} is passphrase-protected, and this command never asks for a passphrase"
            ),
            KeyError::WrongPassphrase { origin } => {
                write!(f, "the passphrase does not open the key in {origin}")
            }
            KeyError::Terminal { source } => {
                write!(f, "cannot read the passphrase from the terminal: {source}")
            }
            KeyError::MixedPostQuantum { postquantum, classic } => write!(
                f,
                "post-quantum and classic recipients cannot be mixed: a classic one ({}) would let whoever breaks it open the snapshot, undoing what the post-quantum one ({}) protects",
                classic.join(", "),
                postquantum.join(", ")
            ),
            KeyError::NoKey => f.write_str(
                "no key given: use -i IDENTITY (or set LIFEBOAT_IDENTITY_FILE, or LIFEBOAT_IDENTITY to the key text)",
            ),
        }
    }
}

/// Whether `LIFEBOAT_IDENTITY` holds one line that names an existing file or reads like a
/// path (`./runtime.key`, `/run/secrets/key`): a path given where key text belongs.
fn identity_text_is_a_path() -> bool {
    let Some(text) = std::env::var_os(super::IDENTITY_TEXT_VAR) else {
        return false;
    };
    let text = text.to_string_lossy();
    let text = text.trim();
    !text.contains('\n')
        && !text.starts_with("AGE-")
        && (std::path::Path::new(text).exists() || text.starts_with(['/', '.', '~']))
}
