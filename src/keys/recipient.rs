//! Recipients: the public keys a snapshot is sealed to.
//!
//! Accepted forms, from `-r`, `LIFEBOAT_RECIPIENTS` or a `-R` recipients file (age's
//! format: one per line, `#` comments and blank lines ignored):
//! - `age1…`: an age X25519 recipient;
//! - `ssh-ed25519 AAAA… [comment]` and `ssh-rsa AAAA… [comment]`: OpenSSH public keys,
//!   labelled with their comment;
//! - either of these as `LABEL=KEY`, which gives the key a label (`runtime=age1…`).
//!
//! The label and the fingerprint are recorded in the snapshot metadata, so `inspect` can
//! say which keys open a snapshot without revealing them.

use std::path::Path;
use std::str::FromStr;

use super::{Fingerprint, KeyError, KeyKind};

/// A public key to seal to, with what the metadata says about it.
pub struct Recipient {
    /// The kind of key.
    pub kind: KeyKind,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// A label the user gave it (or an SSH key's comment).
    pub label: Option<String>,
    key: RecipientKey,
}

enum RecipientKey {
    X25519(age::x25519::Recipient),
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    /// The key, for the age encryptor.
    pub fn as_age(&self) -> &dyn age::Recipient {
        match &self.key {
            RecipientKey::X25519(key) => key,
            RecipientKey::Ssh(key) => key,
        }
    }
}

const MAX_LABEL_LEN: usize = 64;

fn is_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LABEL_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@:+-/".contains(c))
}

/// Parses one recipient. `origin` says where it came from, for the error message.
pub fn parse_recipient(text: &str, origin: &str) -> Result<Recipient, KeyError> {
    let bad = |reason: String| KeyError::BadRecipient {
        origin: origin.to_string(),
        reason,
    };
    let text = text.trim();
    let (label, key_text) = match text.split_once('=') {
        Some((label, key))
            if is_label(label) && (key.starts_with("age1") || key.starts_with("ssh-")) =>
        {
            (Some(label.to_string()), key.trim())
        }
        _ => (None, text),
    };
    if key_text.is_empty() {
        return Err(bad("it is empty".into()));
    }
    if key_text.starts_with("AGE-SECRET-KEY-") || key_text.starts_with("-----BEGIN") {
        return Err(bad(
            "this is a private key; give the public key (lifeboat keygen prints it, age-keygen -y derives it)".into(),
        ));
    }
    if key_text.starts_with("age1") {
        let key = age::x25519::Recipient::from_str(key_text).map_err(|_| {
            bad("not a valid age X25519 recipient (plugin and post-quantum recipients are not supported)".into())
        })?;
        return Ok(Recipient {
            kind: KeyKind::X25519,
            fingerprint: Fingerprint::of(key.to_string().as_bytes()),
            label,
            key: RecipientKey::X25519(key),
        });
    }
    if key_text.starts_with("ssh-") {
        let key = age::ssh::Recipient::from_str(key_text).map_err(|error| {
            bad(match error {
                age::ssh::ParseRecipientKeyError::RsaModulusTooLarge => {
                    "the RSA key is larger than 4096 bits".into()
                }
                age::ssh::ParseRecipientKeyError::RsaModulusTooSmall => {
                    "the RSA key is smaller than 2048 bits".into()
                }
                age::ssh::ParseRecipientKeyError::Unsupported(kind) => {
                    format!("SSH key type {kind} is not supported (use ssh-ed25519 or ssh-rsa)")
                }
                _ => "not a valid OpenSSH public key".into(),
            })
        })?;
        let (kind, blob) = match &key {
            age::ssh::Recipient::SshEd25519(blob, _) => (KeyKind::SshEd25519, blob),
            age::ssh::Recipient::SshRsa(blob, _) => (KeyKind::SshRsa, blob),
        };
        let comment = key_text
            .split_whitespace()
            .skip(2)
            .collect::<Vec<_>>()
            .join(" ");
        let label = label.or_else(|| (!comment.is_empty()).then_some(comment));
        return Ok(Recipient {
            kind,
            fingerprint: Fingerprint::of(blob),
            label,
            key: RecipientKey::Ssh(key),
        });
    }
    Err(bad(
        "it is neither an age recipient (age1…) nor an OpenSSH public key (ssh-ed25519 …, ssh-rsa …)"
            .into(),
    ))
}

/// Reads an age recipients file: one recipient per line, `#` comments, blank lines.
pub fn read_recipients_file(path: &Path) -> Result<Vec<Recipient>, KeyError> {
    let unreadable = |source| KeyError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let bad = |reason: &str| KeyError::BadRecipient {
        origin: crate::redact::path(path).into_owned(),
        reason: reason.into(),
    };
    // A recipients file lists public keys: a megabyte is thousands of them.
    let bytes = crate::read_capped::read_capped(path, 1 << 20)
        .map_err(unreadable)?
        .ok_or_else(|| bad("the file holds more than 1 MiB, far more than any recipients file"))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("the file is not text"))?;
    let recipients = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(index, line)| {
            parse_recipient(
                line,
                &format!("{} line {}", crate::redact::path(path), index + 1),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    if recipients.is_empty() {
        return Err(KeyError::BadRecipient {
            origin: crate::redact::path(path).into_owned(),
            reason: "the file lists no recipients".into(),
        });
    }
    Ok(recipients)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn labels_and_fingerprints() {
        let plain = parse_recipient(AGE, "-r").unwrap();
        assert_eq!(plain.kind, KeyKind::X25519);
        assert_eq!(plain.label, None);
        let labelled = parse_recipient(&format!("runtime={AGE}"), "-r").unwrap();
        assert_eq!(labelled.label.as_deref(), Some("runtime"));
        assert_eq!(labelled.fingerprint, plain.fingerprint);
        assert!(plain.fingerprint.as_str().starts_with("SHA256:"));
    }

    #[test]
    fn rejects_private_keys_and_garbage_without_echoing_them() {
        for text in [
            "AGE-SECRET-KEY-1QQQ",
            "hello",
            "age1nope",
            "ssh-ed25519 AAAAnope",
        ] {
            let error = parse_recipient(text, "-r").err().expect(text);
            assert!(!error.to_string().contains(text), "{error}");
        }
    }
}
