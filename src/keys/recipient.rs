//! Recipients: the public keys a snapshot is sealed to.
//!
//! Accepted forms, from `-r`, `LIFEBOAT_RECIPIENTS` or a `-R` recipients file (age's
//! format: one per line, `#` comments and blank lines ignored):
//! - `age1…`: an age X25519 recipient;
//! - `age1pq1…`: age's hybrid post-quantum recipient (ML-KEM-768 + X25519);
//! - `age1tag1…` and `age1tagpq1…`: age's tag recipients, for hardware keys that hold
//!   their P-256 (and ML-KEM-768) key; sealing to one needs no plugin;
//! - `age1NAME1…`: a recipient of the age plugin `age-plugin-NAME`, which must be on PATH;
//! - `ssh-ed25519 AAAA… [comment]` and `ssh-rsa AAAA… [comment]`: OpenSSH public keys,
//!   labelled with their comment;
//! - either of these as `LABEL=KEY`, which gives the key a label (`runtime=age1…`).
//!
//! The label and the fingerprint are recorded in the snapshot metadata, so `inspect` can
//! say which keys open a snapshot without revealing them.

use std::path::Path;
use std::str::FromStr;

use super::mlkem768x25519;
use super::passphrase::{Passphrases, PluginUi};
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
    PostQuantum(mlkem768x25519::Recipient),
    Tag(age::tag::Recipient),
    TagPostQuantum(age::tagpq::Recipient),
    Ssh(age::ssh::Recipient),
    Plugin(Box<age::plugin::RecipientPluginV1<PluginUi>>),
}

impl Recipient {
    /// The key, for the age encryptor.
    pub fn as_age(&self) -> &dyn age::Recipient {
        match &self.key {
            RecipientKey::X25519(key) => key,
            RecipientKey::PostQuantum(key) => key,
            RecipientKey::Tag(key) => key,
            RecipientKey::TagPostQuantum(key) => key,
            RecipientKey::Ssh(key) => key,
            RecipientKey::Plugin(key) => &**key,
        }
    }

    /// How the recipient is named in messages: its label or kind, and its fingerprint.
    pub fn describe(&self) -> String {
        match &self.label {
            Some(label) => format!("{label} ({} {})", self.kind, self.fingerprint),
            None => format!("{} {}", self.kind, self.fingerprint),
        }
    }

    fn new(kind: KeyKind, text: &str, label: Option<String>, key: RecipientKey) -> Self {
        Recipient {
            kind,
            fingerprint: Fingerprint::of(text.as_bytes()),
            label,
            key,
        }
    }
}

/// Refuses post-quantum and classic recipients together, as age does: a classic recipient
/// would let a future attacker who breaks X25519 or P-256 in, undoing the post-quantum
/// protection. Plugin recipients say what they are only when they seal; age's encryptor
/// compares their labels then.
pub fn check_recipients_agree(recipients: &[Recipient]) -> Result<(), KeyError> {
    let (postquantum, classic): (Vec<&Recipient>, Vec<&Recipient>) = recipients
        .iter()
        .filter(|r| r.kind.is_postquantum().is_some())
        .partition(|r| r.kind.is_postquantum() == Some(true));
    if postquantum.is_empty() || classic.is_empty() {
        return Ok(());
    }
    Err(KeyError::MixedPostQuantum {
        postquantum: postquantum.iter().map(|r| r.describe()).collect(),
        classic: classic.iter().map(|r| r.describe()).collect(),
    })
}

/// The human-readable part of a bech32 string: everything before its last `1`.
fn bech32_hrp(text: &str) -> &str {
    text.rsplit_once('1').map_or("", |(hrp, _)| hrp)
}

/// Why a key string that decodes is still refused: bech32 packs bytes into 5-bit
/// characters, so the last character carries a few padding bits the key does not use.
/// Lenient decoders ignore them, which gives one key several spellings (and fingerprints,
/// and metadata entries); strict ones, as age's reference implementation, refuse any
/// spelling but the one that re-encoding the bytes gives.
pub(super) const NOT_CANONICAL: &str = "the key is not in its canonical form (bits of its last character that no key uses are set): copy it again from where it was made (lifeboat keygen, age-keygen)";

/// Whether `given` is the encoding of its key's bytes that re-encoding gives. Case aside:
/// bech32 allows an all-upper-case spelling, which says the same bits.
pub(super) fn is_canonical(given: &str, canonical: &str) -> bool {
    given.eq_ignore_ascii_case(canonical)
}

/// Parses an `age1…` recipient of any of age's kinds, or of a plugin. The built-in kinds
/// must be in their canonical form.
fn parse_age_recipient(
    key_text: &str,
    label: Option<String>,
    bad: impl Fn(String) -> KeyError,
) -> Result<Recipient, KeyError> {
    let hrp = bech32_hrp(key_text);
    match hrp {
        "age" => {
            let key = age::x25519::Recipient::from_str(key_text).map_err(|_| {
                bad("not a valid age X25519 recipient (damaged or truncated)".into())
            })?;
            let canonical = key.to_string();
            if !is_canonical(key_text, &canonical) {
                return Err(bad(NOT_CANONICAL.into()));
            }
            Ok(Recipient::new(
                KeyKind::X25519,
                &canonical,
                label,
                RecipientKey::X25519(key),
            ))
        }
        "age1pq" => {
            let key = mlkem768x25519::Recipient::from_str(key_text)
                .map_err(|reason| bad(format!("not a valid post-quantum recipient: {reason}")))?;
            let canonical = key.to_string();
            if !is_canonical(key_text, &canonical) {
                return Err(bad(NOT_CANONICAL.into()));
            }
            Ok(Recipient::new(
                KeyKind::Mlkem768X25519,
                &canonical,
                label,
                RecipientKey::PostQuantum(key),
            ))
        }
        "age1tag" => {
            let key = age::tag::Recipient::from_str(key_text)
                .map_err(|_| bad("not a valid age1tag1 recipient (damaged or truncated)".into()))?;
            let canonical = key.to_string();
            if !is_canonical(key_text, &canonical) {
                return Err(bad(NOT_CANONICAL.into()));
            }
            Ok(Recipient::new(
                KeyKind::P256Tag,
                &canonical,
                label,
                RecipientKey::Tag(key),
            ))
        }
        "age1tagpq" => {
            let key = age::tagpq::Recipient::from_str(key_text).map_err(|_| {
                bad("not a valid age1tagpq1 recipient (damaged or truncated)".into())
            })?;
            let canonical = key.to_string();
            if !is_canonical(key_text, &canonical) {
                return Err(bad(NOT_CANONICAL.into()));
            }
            Ok(Recipient::new(
                KeyKind::Mlkem768P256Tag,
                &canonical,
                label,
                RecipientKey::TagPostQuantum(key),
            ))
        }
        _ => {
            let name = hrp.strip_prefix("age1").unwrap_or_default();
            if !super::is_plugin_name(name) {
                return Err(bad(
                    "the plugin name is not one: a name has only letters, digits and +-._".into(),
                ));
            }
            if let Some(reason) = super::plugin_refused() {
                return Err(bad(reason));
            }
            let key = age::plugin::Recipient::from_str(key_text).map_err(|_| {
                bad("not a valid age plugin recipient (damaged or truncated)".into())
            })?;
            let ui = PluginUi {
                plugin: key.plugin().to_string(),
                passphrases: Passphrases::AskOnTerminal,
            };
            let plugin = age::plugin::RecipientPluginV1::new(
                key.plugin(),
                std::slice::from_ref(&key),
                &[],
                ui,
            )
            .map_err(|_| {
                bad(format!(
                    "the plugin program age-plugin-{} is not on PATH",
                    key.plugin()
                ))
            })?;
            Ok(Recipient::new(
                KeyKind::Plugin,
                &key.to_string(),
                label,
                RecipientKey::Plugin(Box::new(plugin)),
            ))
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
            "this is a private key; give the public key (lifeboat keygen prints it, lifeboat keygen -y FILE derives it)".into(),
        ));
    }
    if key_text.starts_with("age1") {
        return parse_age_recipient(key_text, label, bad);
    }
    if key_text.starts_with("ssh-") {
        if super::ssh_integers::public_key_has_zero_integer(key_text) {
            return Err(bad(
                "not a valid OpenSSH public key (an RSA integer is only zero bytes)".into(),
            ));
        }
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
    // `-r runtime.pub`: the path of a recipients file where a recipient belongs.
    if Path::new(key_text).is_file() {
        return Err(bad(
            "it names a file, not a recipient: give a file of recipients with -R FILE".into(),
        ));
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
