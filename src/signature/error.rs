//! What can be wrong with a snapshot's signature, and with the files that make and check
//! one. Messages say which check failed; hints say what to do. No message quotes the
//! signing key: its file is named, never shown.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::exit::Exit;
use crate::redact::path as shown_path;

/// A snapshot's signature was refused: the snapshot is not opened (exit 21, the code of a
/// snapshot that fails its pin).
#[derive(Debug)]
pub enum SignatureError {
    /// There is no `SNAPSHOT.sig` beside the snapshot.
    Missing {
        /// Where it was looked for.
        sig: PathBuf,
    },
    /// The `.sig` exists but cannot be read.
    Unreadable {
        /// The `.sig` file.
        sig: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The `.sig` is not an SSH signature (armor, framing, version, hash, a truncation).
    Malformed {
        /// The `.sig` file.
        sig: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
    /// Signed with a kind of key lifeboat does not check (only `ssh-ed25519` is checked).
    UnsupportedKey {
        /// The key type the signature names, escaped.
        kind: String,
    },
    /// Made for another namespace than `lifeboat-snapshot` (a git commit's, say).
    WrongNamespace {
        /// The namespace it was made for, escaped.
        found: String,
    },
    /// The signature does not verify over this snapshot's bytes: the signature of another
    /// snapshot, or either file was changed.
    DoesNotMatch {
        /// The fingerprint of the key it names.
        fingerprint: String,
    },
    /// A valid signature by a key the trusted signers file does not list.
    UnknownKey {
        /// The key's fingerprint.
        fingerprint: String,
        /// The trusted signers file.
        signers: PathBuf,
    },
    /// The key is listed, but no line of it allows the `lifeboat-snapshot` namespace.
    NamespaceNotAllowed {
        /// The key's fingerprint.
        fingerprint: String,
        /// The trusted signers file.
        signers: PathBuf,
    },
    /// The key is listed for the namespace, but not for now (`valid-after`,
    /// `valid-before`).
    OutsideValidity {
        /// The key's fingerprint.
        fingerprint: String,
        /// The trusted signers file.
        signers: PathBuf,
        /// The window(s) the file gives it, in words.
        window: String,
    },
}

impl SignatureError {
    /// The exit code: a snapshot that fails its signature is not openable, as one that
    /// fails its pin.
    pub fn exit(&self) -> Exit {
        Exit::SnapshotUnusable
    }

    /// A short name for which check failed (JSON logs, `--json`).
    pub fn check(&self) -> &'static str {
        match self {
            SignatureError::Missing { .. } => "no-signature",
            SignatureError::Unreadable { .. }
            | SignatureError::Malformed { .. }
            | SignatureError::UnsupportedKey { .. }
            | SignatureError::DoesNotMatch { .. } => "bad-signature",
            SignatureError::WrongNamespace { .. } | SignatureError::NamespaceNotAllowed { .. } => {
                "wrong-namespace"
            }
            SignatureError::UnknownKey { .. } => "unknown-key",
            SignatureError::OutsideValidity { .. } => "outside-validity",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            SignatureError::Missing { .. } => "the deployment trusts only signed snapshots (--trusted-signers): take a snapshot signed at build time (`lifeboat snapshot --sign-key`, which writes SNAPSHOT.sig beside it), or sign this one if you trust it (`ssh-keygen -Y sign -f KEY -n lifeboat-snapshot SNAPSHOT`)".into(),
            SignatureError::Unreadable { .. } => "check the .sig file's permissions".into(),
            SignatureError::Malformed { .. } | SignatureError::DoesNotMatch { .. } => "do not trust this snapshot: take the snapshot and its .sig together from a trusted image, or rebuild it".into(),
            SignatureError::UnsupportedKey { .. } => "sign with an ssh-ed25519 key (`ssh-keygen -t ed25519`)".into(),
            SignatureError::WrongNamespace { .. } => "sign snapshots with the namespace lifeboat-snapshot (`ssh-keygen -Y sign -n lifeboat-snapshot`, or `lifeboat snapshot --sign-key`)".into(),
            SignatureError::UnknownKey { .. } => "do not trust this snapshot; if the key is your build's, add it to the trusted signers file (a line `PRINCIPAL namespaces=\"lifeboat-snapshot\" ssh-ed25519 KEY`)".into(),
            SignatureError::NamespaceNotAllowed { .. } => "add lifeboat-snapshot to the key's namespaces= in the trusted signers file, if it is meant to sign snapshots".into(),
            SignatureError::OutsideValidity { .. } => "the key is not trusted at this time: sign with a current key, or change valid-after/valid-before in the trusted signers file".into(),
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Missing { sig } => write!(
                f,
                "no signature: {} does not exist, and the snapshot must be signed by a trusted key; it was not opened",
                shown_path(sig)
            ),
            SignatureError::Unreadable { sig, source } => write!(
                f,
                "bad signature: cannot read {}: {source}",
                shown_path(sig)
            ),
            SignatureError::Malformed { sig, reason } => write!(
                f,
                "bad signature: {} is not a valid SSH signature: {reason}",
                shown_path(sig)
            ),
            SignatureError::UnsupportedKey { kind } => write!(
                f,
                "bad signature: it was made with a {kind} key, and lifeboat checks ssh-ed25519 signatures only"
            ),
            SignatureError::WrongNamespace { found } => write!(
                f,
                "wrong namespace: the signature was made for the namespace \"{found}\", not lifeboat-snapshot"
            ),
            SignatureError::DoesNotMatch { fingerprint } => write!(
                f,
                "bad signature: the signature by ssh-ed25519 {fingerprint} does not match this snapshot (the signature of another snapshot, or either file was changed)"
            ),
            SignatureError::UnknownKey { fingerprint, signers } => write!(
                f,
                "unknown key: the snapshot is signed by ssh-ed25519 {fingerprint}, which the trusted signers file {} does not list",
                shown_path(signers)
            ),
            SignatureError::NamespaceNotAllowed { fingerprint, signers } => write!(
                f,
                "wrong namespace: the trusted signers file {} lists ssh-ed25519 {fingerprint}, but not for the namespace lifeboat-snapshot",
                shown_path(signers)
            ),
            SignatureError::OutsideValidity { fingerprint, signers, window } => write!(
                f,
                "outside validity: the trusted signers file {} trusts ssh-ed25519 {fingerprint} only {window}",
                shown_path(signers)
            ),
        }
    }
}

/// A signing key or a trusted signers file lifeboat was given cannot be used (exit 3,
/// bad input). Nothing was signed or opened.
#[derive(Debug)]
pub enum SignerFileError {
    /// The file cannot be read.
    Unreadable {
        /// What the file is for (`signing key`, `trusted signers file`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The file is larger than any key or signer list.
    TooLarge {
        /// What the file is for.
        what: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// A line of the trusted signers file cannot be used.
    SignersLine {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong, in words (escaped).
        reason: String,
    },
    /// The trusted signers file lists no key: it would refuse every snapshot.
    NoSigners {
        /// The file.
        path: PathBuf,
    },
    /// The signing key is not an unencrypted OpenSSH Ed25519 private key.
    SigningKey {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words (never the key's text).
        reason: String,
    },
    /// The signing key is passphrase-protected, and there is no terminal to ask on.
    PassphraseProtected {
        /// The file.
        path: PathBuf,
    },
    /// The passphrase typed does not open the signing key.
    WrongPassphrase {
        /// The file.
        path: PathBuf,
    },
}

impl SignerFileError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        Exit::BadInput
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            SignerFileError::Unreadable { .. } | SignerFileError::TooLarge { .. } => {
                "check the path (--sign-key, --trusted-signers) and the file's permissions".into()
            }
            SignerFileError::SignersLine { .. } | SignerFileError::NoSigners { .. } => "the trusted signers file is OpenSSH's allowed_signers format (man ssh-keygen, ALLOWED SIGNERS): one `PRINCIPALS [OPTIONS] ssh-ed25519 KEY` line per key".into(),
            SignerFileError::SigningKey { .. } => "give an OpenSSH Ed25519 private key (`ssh-keygen -t ed25519 -N '' -f KEY`)".into(),
            SignerFileError::PassphraseProtected { .. } => "its passphrase is asked on a terminal only, never read from a pipe or a variable: in CI use a signing key without a passphrase, kept as a build secret (a BuildKit secret mount)".into(),
            SignerFileError::WrongPassphrase { .. } => "check the passphrase and try again".into(),
        })
    }
}

impl fmt::Display for SignerFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerFileError::Unreadable { what, path, source } => {
                write!(f, "cannot read the {what} {}: {source}", shown_path(path))
            }
            SignerFileError::TooLarge { what, path } => write!(
                f,
                "the {what} {} is larger than any such file",
                shown_path(path)
            ),
            SignerFileError::SignersLine { path, line, reason } => write!(
                f,
                "the trusted signers file {}, line {line}: {reason}",
                shown_path(path)
            ),
            SignerFileError::NoSigners { path } => write!(
                f,
                "the trusted signers file {} lists no key, so it would refuse every snapshot",
                shown_path(path)
            ),
            SignerFileError::SigningKey { path, reason } => write!(
                f,
                "the signing key {} cannot be used: {reason}",
                shown_path(path)
            ),
            SignerFileError::PassphraseProtected { path } => write!(
                f,
                "the signing key {} is passphrase-protected and there is no terminal to ask for its passphrase on",
                shown_path(path)
            ),
            SignerFileError::WrongPassphrase { path } => write!(
                f,
                "the passphrase does not open the signing key {}",
                shown_path(path)
            ),
        }
    }
}
