//! Fingerprints name a key without revealing it.
//!
//! - SSH keys use OpenSSH's own form, `SHA256:` and the unpadded base64 of the SHA-256 of
//!   the public key blob, so `ssh-keygen -lf key.pub` shows the same string.
//! - X25519 keys have no standard fingerprint; lifeboat uses the same form over the
//!   recipient's canonical text (`age1…`), so `printf %s age1… | sha256sum` relates them.
//!
//! Showing a fingerprint instead of the public key keeps the runtime recipient out of the
//! image metadata: age has no sender authentication, so whoever knows a recipient can make
//! a snapshot for it.

use std::fmt;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The kind of a key, as shown next to its fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyKind {
    /// age's native X25519 key.
    #[serde(rename = "x25519")]
    X25519,
    /// An OpenSSH Ed25519 key.
    #[serde(rename = "ssh-ed25519")]
    SshEd25519,
    /// An OpenSSH RSA key.
    #[serde(rename = "ssh-rsa")]
    SshRsa,
    /// age's hybrid post-quantum key (ML-KEM-768 + X25519).
    #[serde(rename = "mlkem768x25519")]
    Mlkem768X25519,
    /// age's P-256 tag recipient, for hardware keys (sealing only).
    #[serde(rename = "p256tag")]
    P256Tag,
    /// age's hybrid post-quantum tag recipient (ML-KEM-768 + P-256), for hardware keys.
    #[serde(rename = "mlkem768p256tag")]
    Mlkem768P256Tag,
    /// A key held by an age plugin (`age-plugin-NAME`).
    #[serde(rename = "plugin")]
    Plugin,
}

impl KeyKind {
    /// Whether the kind resists a quantum computer: `Some(true)` for the hybrid kinds,
    /// `Some(false)` for the classic ones, `None` for plugins, which say for themselves
    /// (through age's recipient labels) when they seal.
    pub fn is_postquantum(self) -> Option<bool> {
        match self {
            KeyKind::Mlkem768X25519 | KeyKind::Mlkem768P256Tag => Some(true),
            KeyKind::X25519 | KeyKind::SshEd25519 | KeyKind::SshRsa | KeyKind::P256Tag => {
                Some(false)
            }
            KeyKind::Plugin => None,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::X25519 => "x25519",
            KeyKind::SshEd25519 => "ssh-ed25519",
            KeyKind::SshRsa => "ssh-rsa",
            KeyKind::Mlkem768X25519 => "mlkem768x25519",
            KeyKind::P256Tag => "p256tag",
            KeyKind::Mlkem768P256Tag => "mlkem768p256tag",
            KeyKind::Plugin => "plugin",
        })
    }
}

/// `SHA256:<unpadded base64>` of a key's public form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of some public bytes (an SSH key blob, an `age1…` string).
    pub fn of(public: &[u8]) -> Self {
        Fingerprint(format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(public))
        ))
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it has the form [`Fingerprint::of`] makes: `SHA256:` and 43 characters of
    /// unpadded base64 (a fingerprint read from a snapshot may be anything).
    pub fn is_well_formed(&self) -> bool {
        self.0.strip_prefix("SHA256:").is_some_and(|b64| {
            b64.len() == 43
                && b64
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        })
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
