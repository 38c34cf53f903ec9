//! Identities: the private keys that open a snapshot.
//!
//! `-i FILE` takes an age identity file (one or more `AGE-SECRET-KEY-1…` lines, `#`
//! comments) or an unencrypted OpenSSH private key. Passphrase-protected keys and plugin
//! identities are refused with a clear message; they are on the roadmap for human
//! break-glass keys, not for the start path.

use std::io::Cursor;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::SystemTime;

use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::{Fingerprint, KeyError, KeyKind};
use crate::duration::format_timestamp;

/// A private key, with the fingerprint of its public half.
pub struct Identity {
    /// The kind of key.
    pub kind: KeyKind,
    /// Where it was read from (a path, or `LIFEBOAT_IDENTITY`).
    pub origin: String,
    /// Computed on first use: deriving an X25519 public key is a scalar multiplication,
    /// a tenth of an offline start, and only messages need it.
    fingerprint: OnceLock<Fingerprint>,
    key: IdentityKey,
}

enum IdentityKey {
    X25519(age::x25519::Identity),
    Ssh(age::ssh::Identity),
}

impl Identity {
    /// The fingerprint of its public key, comparable with the snapshot's recipients.
    pub fn fingerprint(&self) -> &Fingerprint {
        self.fingerprint.get_or_init(|| match &self.key {
            IdentityKey::X25519(key) => Fingerprint::of(key.to_public().to_string().as_bytes()),
            // Set when the key is read (it decides the kind); computed again if not.
            IdentityKey::Ssh(key) => ssh_public(key)
                .map(|(_, fingerprint)| fingerprint)
                .unwrap_or_else(|| Fingerprint::of(b"")),
        })
    }

    /// The key, for the age decryptor.
    pub fn as_age(&self) -> &dyn age::Identity {
        match &self.key {
            IdentityKey::X25519(key) => key,
            IdentityKey::Ssh(key) => key,
        }
    }

    /// For the runtime cache: this key's own recipient, to seal to, and a 32-byte key
    /// derived from its secret with HKDF-SHA256, to authenticate what was sealed, which
    /// only a holder of the identity can compute (anyone can seal to the public key).
    /// `None` for SSH keys: a cache is made with an X25519 runtime key.
    pub fn cache_key(&self) -> Option<(String, Zeroizing<[u8; 32]>)> {
        let IdentityKey::X25519(key) = &self.key else {
            return None;
        };
        let secret = key.to_string();
        let derive = hkdf::Hkdf::<sha2::Sha256>::new(
            Some(b"lifeboat runtime cache"),
            secret.expose_secret().as_bytes(),
        );
        let mut mac_key = Zeroizing::new([0u8; 32]);
        derive
            .expand(b"lifeboat-cache v1 hmac-sha256", &mut *mac_key)
            .ok()?;
        Some((key.to_public().to_string(), mac_key))
    }

    fn x25519(key: age::x25519::Identity, origin: &str) -> Self {
        Identity {
            kind: KeyKind::X25519,
            origin: origin.to_string(),
            fingerprint: OnceLock::new(),
            key: IdentityKey::X25519(key),
        }
    }
}

/// Identity files are small; anything larger is not one.
const MAX_IDENTITY_FILE: u64 = 1 << 20;

/// Reads the keys in an identity file.
pub fn load_identity_file(path: &Path) -> Result<Vec<Identity>, KeyError> {
    let unreadable = |source| KeyError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let bytes = crate::read_capped::read_capped(path, MAX_IDENTITY_FILE)
        .map_err(unreadable)?
        .ok_or_else(|| KeyError::BadIdentity {
            origin: crate::redact::path(path).into_owned(),
            reason: format!(
                "it holds more than {} KiB, far more than any key file",
                MAX_IDENTITY_FILE >> 10
            ),
        })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::BadIdentity {
        origin: crate::redact::path(path).into_owned(),
        reason: "the file is not text".into(),
    })?;
    parse_identities(text, &crate::redact::path(path))
}

/// Reads the keys in the text of an identity file (or of `LIFEBOAT_IDENTITY`).
pub fn parse_identities(text: &str, origin: &str) -> Result<Vec<Identity>, KeyError> {
    let bad = |reason: &str| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with("age-encryption.org/") || trimmed.starts_with("-----BEGIN AGE") {
        return Err(bad(
            "it is an encrypted (passphrase-protected) age identity file, which this version cannot use yet; decrypt a copy with `age -d`",
        ));
    }
    if trimmed.starts_with("-----BEGIN") {
        return parse_ssh_identity(text, origin);
    }
    let mut identities = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at_line = |reason: &str| bad(&format!("line {}: {reason}", index + 1));
        if line.starts_with("AGE-SECRET-KEY-1") {
            let key = age::x25519::Identity::from_str(line)
                .map_err(|_| at_line("not a valid AGE-SECRET-KEY (damaged or truncated)"))?;
            identities.push(Identity::x25519(key, origin));
        } else if line.starts_with("AGE-PLUGIN-") {
            return Err(at_line("age plugin identities are not supported yet"));
        } else if line.starts_with("age1") || line.starts_with("ssh-") {
            return Err(at_line(
                "this is a public key (a recipient); -i needs the private key",
            ));
        } else {
            return Err(at_line("not an age identity (AGE-SECRET-KEY-1…)"));
        }
    }
    if identities.is_empty() {
        return Err(bad("it holds no keys"));
    }
    Ok(identities)
}

fn parse_ssh_identity(text: &str, origin: &str) -> Result<Vec<Identity>, KeyError> {
    let bad = |reason: String| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason,
    };
    let key =
        age::ssh::Identity::from_buffer(Cursor::new(text.as_bytes()), None).map_err(|_| {
            bad("not a valid private key (damaged, truncated or of an unknown kind)".into())
        })?;
    match &key {
        age::ssh::Identity::Unencrypted(_) => {}
        age::ssh::Identity::Encrypted(_) => {
            return Err(bad(
                "the SSH key is passphrase-protected, which this version cannot use yet; decrypt a copy with `ssh-keygen -p -N '' -f COPY`".into(),
            ))
        }
        age::ssh::Identity::Unsupported(_) => {
            return Err(bad(
                "this kind of SSH key is not supported (use ssh-ed25519 or ssh-rsa)".into(),
            ))
        }
    }
    let (kind, fingerprint) = ssh_public(&key)
        .ok_or_else(|| bad("the public half of the SSH key cannot be read".into()))?;
    Ok(vec![Identity {
        kind,
        origin: origin.to_string(),
        fingerprint: OnceLock::from(fingerprint),
        key: IdentityKey::Ssh(key),
    }])
}

/// The kind and fingerprint of an SSH key's public half.
fn ssh_public(key: &age::ssh::Identity) -> Option<(KeyKind, Fingerprint)> {
    match age::ssh::Recipient::try_from(key.clone()).ok()? {
        age::ssh::Recipient::SshEd25519(blob, _) => {
            Some((KeyKind::SshEd25519, Fingerprint::of(&blob)))
        }
        age::ssh::Recipient::SshRsa(blob, _) => Some((KeyKind::SshRsa, Fingerprint::of(&blob))),
    }
}

/// A new X25519 identity: the identity file's text (in age-keygen's layout) and the
/// recipient string.
pub fn generate_x25519() -> (Zeroizing<String>, String) {
    let key = age::x25519::Identity::generate();
    let recipient = key.to_public().to_string();
    let file = Zeroizing::new(format!(
        "# created: {}\n# public key: {}\n{}\n",
        format_timestamp(SystemTime::now()),
        recipient,
        key.to_string().expose_secret()
    ));
    (file, recipient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_with_the_same_fingerprint() {
        let (file, recipient) = generate_x25519();
        let identities = parse_identities(&file, "test").unwrap();
        assert_eq!(identities.len(), 1);
        assert_eq!(
            *identities[0].fingerprint(),
            Fingerprint::of(recipient.as_bytes())
        );
    }

    #[test]
    fn several_keys_in_one_file() {
        let (a, _) = generate_x25519();
        let (b, _) = generate_x25519();
        let both = format!("{}\n{}", a.as_str(), b.as_str());
        assert_eq!(parse_identities(&both, "test").unwrap().len(), 2);
    }

    #[test]
    fn errors_never_echo_key_material() {
        let (file, _) = generate_x25519();
        let secret_line = file.lines().last().unwrap();
        let damaged = &secret_line[..secret_line.len() - 3];
        let error = parse_identities(damaged, "test").err().unwrap().to_string();
        assert!(!error.contains(damaged), "{error}");
        assert!(parse_identities("", "test").is_err());
        assert!(parse_identities("age1abc", "test").is_err());
    }
}
