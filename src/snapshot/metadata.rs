//! What a snapshot says about itself. Stored twice: in the `lifeboat-meta` header stanza
//! (readable with no key) and inside the encrypted payload; an opened snapshot whose two
//! copies differ is refused.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::duration::parse_timestamp;
use crate::keys::{Fingerprint, KeyKind, Recipient};
use crate::source::Scope;

/// The metadata of a snapshot. Unknown fields are ignored when reading, so later v1
/// writers may add fields that older v1 readers skip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Format major version; equal to the header stanza's `vN` argument.
    pub format: u32,
    /// A unique id, time-ordered: `YYYYMMDDTHHMMSSZ-` and 12 random hex digits.
    pub id: String,
    /// When the snapshot was sealed (RFC 3339, UTC).
    pub created_at: String,
    /// When it stops being usable by `run` and `verify` (RFC 3339, UTC), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Where the secrets came from.
    pub source: Scope,
    /// How many secrets it holds.
    pub secret_count: usize,
    /// The keys that open it.
    pub recipients: Vec<RecipientInfo>,
    /// The secret names, only when the builder chose to publish them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// The program that sealed it (`lifeboat 0.1.0`).
    pub created_by: String,
}

/// One key a snapshot is sealed to, as the metadata records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientInfo {
    /// The kind of key.
    #[serde(rename = "type")]
    pub kind: KeyKind,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// The label the builder gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl RecipientInfo {
    /// What the metadata says about a recipient.
    pub fn of(recipient: &Recipient) -> Self {
        RecipientInfo {
            kind: recipient.kind,
            fingerprint: recipient.fingerprint.clone(),
            label: recipient.label.clone(),
        }
    }
}

impl std::fmt::Display for RecipientInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.fingerprint)?;
        if let Some(label) = &self.label {
            write!(f, " ({label})")?;
        }
        Ok(())
    }
}

impl Metadata {
    /// The creation time. Validated when the metadata is read, so this cannot fail on a
    /// snapshot that was read successfully.
    pub fn created(&self) -> SystemTime {
        parse_timestamp(&self.created_at).unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// The expiry, if there is one.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires_at.as_deref().and_then(parse_timestamp)
    }

    /// How old the snapshot is at `now` (zero if its clock was ahead of ours).
    pub fn age_at(&self, now: SystemTime) -> Duration {
        now.duration_since(self.created()).unwrap_or(Duration::ZERO)
    }

    /// Checks what a reader relies on; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.is_empty() {
            return Err("the snapshot id is empty".into());
        }
        if parse_timestamp(&self.created_at).is_none() {
            return Err("created_at is not an RFC 3339 time".into());
        }
        if let Some(expires_at) = &self.expires_at {
            if parse_timestamp(expires_at).is_none() {
                return Err("expires_at is not an RFC 3339 time".into());
            }
        }
        if self.recipients.is_empty() {
            return Err("no recipients are recorded".into());
        }
        if let Some(names) = &self.names {
            if names.len() != self.secret_count {
                return Err("the published names do not match the secret count".into());
            }
        }
        Ok(())
    }
}
