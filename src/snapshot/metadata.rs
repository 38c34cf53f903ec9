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
    /// The snapshot this one was made from by `lifeboat rekey` (same secrets and scope,
    /// other recipients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekeyed_from: Option<Lineage>,
}

/// Which snapshot a rekeyed one was made from. The rekeyed snapshot keeps its
/// `created_at` (when the secrets were read): a rekey makes no secret fresher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lineage {
    /// Its id.
    pub id: String,
    /// The sha256 of its file.
    pub sha256: String,
    /// When it was rekeyed (RFC 3339, UTC).
    pub rekeyed_at: String,
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

/// Whether `id` is a snapshot id: `YYYYMMDDTHHMMSSZ-` and 12 lowercase hex digits.
pub fn is_snapshot_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 29
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && b[16] == b'-'
        && b[17..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Refuses text that is too long or holds a character that is unsafe to show
/// (`redact::is_unsafe_to_show`), naming the field and never the text.
fn check_inert(field: &str, text: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        return Err(format!("the metadata's {field} is longer than {max} bytes"));
    }
    if text.chars().any(crate::redact::is_unsafe_to_show) {
        return Err(format!(
            "the metadata's {field} holds a control, escape or bidirectional character"
        ));
    }
    Ok(())
}

impl Metadata {
    /// A new snapshot id: `YYYYMMDDTHHMMSSZ-` and 12 random hex digits, unique, and
    /// sorting by creation time.
    pub fn new_id(now: SystemTime) -> String {
        let mut random = [0u8; 6];
        // The OS generator does not fail on Linux once booted; a zero suffix would still
        // be a valid (if less unique) id, so there is nothing better to do than go on.
        let _ = getrandom::getrandom(&mut random);
        let stamp: String = crate::duration::format_timestamp(now)
            .chars()
            .filter(|c| !matches!(c, '-' | ':'))
            .collect();
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        format!("{stamp}-{suffix}")
    }

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

    /// Checks what a reader relies on; returns what is wrong. Everything `inspect`,
    /// `verify`, `recover`, the log and the app's variables show from a snapshot passes
    /// through here first, before any key has authenticated it: the id has its grammar,
    /// every other text is printable (no control, escape or bidi characters) and bounded.
    /// What is wrong is named, never echoed.
    pub fn validate(&self) -> Result<(), String> {
        if !is_snapshot_id(&self.id) {
            return Err(
                "the snapshot id is not of the form YYYYMMDDTHHMMSSZ-<12 hex digits>".into(),
            );
        }
        check_inert("created_by", &self.created_by, 100)?;
        if let Some(expires_at) = &self.expires_at {
            check_inert("expires_at", expires_at, 64)?;
        }
        check_scope_inert(&self.source, true)?;
        if let Some(lineage) = &self.rekeyed_from {
            let hex = lineage.sha256.len() == 64
                && lineage
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !is_snapshot_id(&lineage.id) || !hex {
                return Err(
                    "rekeyed_from is not a snapshot id and a sha256 of 64 lower-case hex digits"
                        .into(),
                );
            }
            check_inert("rekeyed_from.rekeyed_at", &lineage.rekeyed_at, 64)?;
        }
        check_inert("created_at", &self.created_at, 64)?;
        for recipient in &self.recipients {
            if !recipient.fingerprint.is_well_formed() {
                return Err(
                    "a recipient's fingerprint is not of the form SHA256:<43 base64 characters>"
                        .into(),
                );
            }
            if let Some(label) = &recipient.label {
                check_inert("a recipient's label", label, 256)?;
            }
        }
        for name in self.names.iter().flatten() {
            check_inert("a published secret name", name, 256)?;
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

/// Every text of a scope is printable and bounded; several sources' parts too, one level
/// deep and at most 16 of them.
fn check_scope_inert(source: &crate::source::Scope, top: bool) -> Result<(), String> {
    let texts: [(&str, Option<&str>, usize); 10] = [
        ("source.provider", Some(&source.provider), 32),
        ("source.address", source.address.as_deref(), 2048),
        ("source.project", source.project.as_deref(), 256),
        ("source.config", source.config.as_deref(), 256),
        ("source.mount", source.mount.as_deref(), 1024),
        ("source.path", source.path.as_deref(), 4096),
        ("source.prefix", source.prefix.as_deref(), 256),
        ("source.region", source.region.as_deref(), 32),
        ("source.version_id", source.version_id.as_deref(), 256),
        ("source.stage", source.stage.as_deref(), 256),
    ];
    for (field, text, max) in texts {
        if let Some(text) = text {
            check_inert(field, text, max)?;
        }
    }
    if !source.parts.is_empty() && (!top || source.parts.len() > 16) {
        return Err("source.parts nests, or holds more than 16 sources".into());
    }
    for part in &source.parts {
        check_scope_inert(part, false)?;
    }
    Ok(())
}
