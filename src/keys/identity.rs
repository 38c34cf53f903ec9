//! Identities: the private keys that open a snapshot.
//!
//! `-i FILE` takes:
//! - an age identity file: `AGE-SECRET-KEY-1…` (X25519), `AGE-SECRET-KEY-PQ-1…` (hybrid
//!   post-quantum) and `AGE-PLUGIN-NAME-1…` (a key an age plugin holds: a YubiKey, a TPM)
//!   lines, `#` comments;
//! - such a file encrypted with a passphrase (`age -p`, `lifeboat keygen --passphrase`);
//! - an OpenSSH private key (ssh-ed25519, ssh-rsa), with or without a passphrase.
//!
//! A protected key is decrypted when it is read, so its passphrase is asked once (on the
//! terminal, naming the file) however many stanzas it is tried on; `run` never asks.

use std::io::Cursor;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::SystemTime;

use age_core::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::mlkem768x25519;
use super::passphrase::{ask_hidden, AskError, Passphrases, PluginUi};
use super::recipient::{is_canonical, NOT_CANONICAL};
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
    PostQuantum(Box<mlkem768x25519::Identity>),
    Ssh(age::ssh::Identity),
    Plugin(Box<age::plugin::IdentityPluginV1<PluginUi>>),
}

impl Identity {
    /// The fingerprint of its public key, comparable with the snapshot's recipients.
    pub fn fingerprint(&self) -> &Fingerprint {
        self.fingerprint.get_or_init(|| match &self.key {
            IdentityKey::X25519(key) => Fingerprint::of(key.to_public().to_string().as_bytes()),
            IdentityKey::PostQuantum(key) => {
                Fingerprint::of(key.to_public().to_string().as_bytes())
            }
            // Set when the key is read: a plugin identity does not say its recipient.
            IdentityKey::Plugin(_) => Fingerprint::of(b""),
            // Set when the key is read (it decides the kind); computed again if not.
            IdentityKey::Ssh(key) => ssh_public(key)
                .map(|(_, fingerprint)| fingerprint)
                .unwrap_or_else(|| Fingerprint::of(b"")),
        })
    }

    /// Its recipient (the public key), as `age-keygen -y` prints it: `age1…`, `age1pq1…`,
    /// or an OpenSSH public key line. `None` for a plugin identity, which does not carry
    /// its recipient (the plugin's own tool prints it).
    pub fn recipient(&self) -> Option<String> {
        match &self.key {
            IdentityKey::X25519(key) => Some(key.to_public().to_string()),
            IdentityKey::PostQuantum(key) => Some(key.to_public().to_string()),
            IdentityKey::Ssh(key) => age::ssh::Recipient::try_from(key.clone())
                .ok()
                .map(|recipient| recipient.to_string()),
            IdentityKey::Plugin(_) => None,
        }
    }

    /// The key, for the age decryptor.
    pub fn as_age(&self) -> &dyn age::Identity {
        match &self.key {
            IdentityKey::X25519(key) => key,
            IdentityKey::PostQuantum(key) => &**key,
            IdentityKey::Ssh(key) => key,
            IdentityKey::Plugin(key) => &**key,
        }
    }

    /// For the runtime cache: this key's own recipient, to seal to, and a 32-byte key
    /// derived from its secret with HKDF-SHA256, to authenticate what was sealed, which
    /// only a holder of the identity can compute (anyone can seal to the public key).
    /// `None` for SSH and plugin keys: a cache is made with an X25519 or post-quantum
    /// runtime key.
    pub fn cache_key(&self) -> Option<(String, Zeroizing<[u8; 32]>)> {
        let (secret, recipient) = match &self.key {
            IdentityKey::X25519(key) => (key.to_string(), key.to_public().to_string()),
            IdentityKey::PostQuantum(key) => (key.to_secret_string(), key.to_public().to_string()),
            IdentityKey::Ssh(_) | IdentityKey::Plugin(_) => return None,
        };
        let derive = hkdf::Hkdf::<sha2::Sha256>::new(
            Some(b"lifeboat runtime cache"),
            secret.expose_secret().as_bytes(),
        );
        let mut mac_key = Zeroizing::new([0u8; 32]);
        derive
            .expand(b"lifeboat-cache v1 hmac-sha256", &mut *mac_key)
            .ok()?;
        Some((recipient, mac_key))
    }

    fn new(kind: KeyKind, key: IdentityKey, origin: &str) -> Self {
        Identity {
            kind,
            origin: origin.to_string(),
            fingerprint: OnceLock::new(),
            key,
        }
    }
}

/// Identity files are small; anything larger is not one.
const MAX_IDENTITY_FILE: u64 = 1 << 20;

/// Reads the keys in an identity file, asking for its passphrase if it has one and
/// `passphrases` allows.
pub fn load_identity_file(
    path: &Path,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    let unreadable = |source| KeyError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let origin = crate::redact::path(path);
    let bytes = Zeroizing::new(
        crate::read_capped::read_capped(path, MAX_IDENTITY_FILE)
            .map_err(unreadable)?
            .ok_or_else(|| KeyError::BadIdentity {
                origin: origin.clone().into_owned(),
                reason: format!(
                    "it holds more than {} KiB, far more than any key file",
                    MAX_IDENTITY_FILE >> 10
                ),
            })?,
    );
    parse_identity_bytes(&bytes, &origin, passphrases)
}

/// Whether the bytes are an age file (binary or armored): a passphrase-protected
/// identity file.
fn is_age_file(bytes: &[u8]) -> bool {
    let start = bytes.trim_ascii_start();
    start.starts_with(b"age-encryption.org/")
        || start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

/// Reads the keys in the bytes of an identity file (or of `LIFEBOAT_IDENTITY`).
pub fn parse_identity_bytes(
    bytes: &[u8],
    origin: &str,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    if is_age_file(bytes) {
        let inner = decrypt_identity_file(bytes, origin, passphrases)?;
        if is_age_file(&inner) {
            return Err(KeyError::BadIdentity {
                origin: origin.to_string(),
                reason: "it decrypts to another encrypted file, not to keys".into(),
            });
        }
        return parse_identity_text(&inner, origin, passphrases);
    }
    parse_identity_text(bytes, origin, passphrases)
}

fn parse_identity_text(
    bytes: &[u8],
    origin: &str,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason: "the file is not text".into(),
    })?;
    parse_identities(text, origin, passphrases)
}

/// Reads the keys in the text of an identity file: age's key lines, or an OpenSSH key.
pub fn parse_identities(
    text: &str,
    origin: &str,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    if text.trim_start().starts_with("-----BEGIN") {
        return parse_ssh_identity(text, origin, passphrases);
    }
    parse_age_identities(text, origin, passphrases)
}

fn parse_age_identities(
    text: &str,
    origin: &str,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    let bad = |reason: &str| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason: reason.to_string(),
    };
    let mut identities = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at_line = |reason: &str| bad(&format!("line {}: {reason}", index + 1));
        if line.starts_with("AGE-SECRET-KEY-PQ-1") {
            let key = mlkem768x25519::Identity::from_str(line)
                .map_err(|reason| at_line(&format!("not a valid AGE-SECRET-KEY-PQ: {reason}")))?;
            if !is_canonical(line, key.to_secret_string().expose_secret()) {
                return Err(at_line(NOT_CANONICAL));
            }
            identities.push(Identity::new(
                KeyKind::Mlkem768X25519,
                IdentityKey::PostQuantum(Box::new(key)),
                origin,
            ));
        } else if line.starts_with("AGE-SECRET-KEY-1") {
            let key = age::x25519::Identity::from_str(line)
                .map_err(|_| at_line("not a valid AGE-SECRET-KEY (damaged or truncated)"))?;
            if !is_canonical(line, key.to_string().expose_secret()) {
                return Err(at_line(NOT_CANONICAL));
            }
            identities.push(Identity::new(
                KeyKind::X25519,
                IdentityKey::X25519(key),
                origin,
            ));
        } else if line.starts_with("AGE-PLUGIN-") {
            identities.push(plugin_identity(line, origin, passphrases).map_err(|r| at_line(&r))?);
        } else if line.starts_with("age1") || line.starts_with("ssh-") {
            return Err(at_line(
                "this is a public key (a recipient); -i needs the private key",
            ));
        } else {
            return Err(at_line(
                "not an age identity (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…, AGE-PLUGIN-…)",
            ));
        }
    }
    if identities.is_empty() {
        return Err(bad("it holds no keys"));
    }
    Ok(identities)
}

/// A plugin identity, `AGE-PLUGIN-NAME-1…`: the plugin's name is checked (letters,
/// digits, `+-._`: a name is part of a program's name, never a path) and the program
/// `age-plugin-NAME` must be on PATH.
fn plugin_identity(line: &str, origin: &str, passphrases: Passphrases) -> Result<Identity, String> {
    // A plugin may wait for a touch, a PIN or a dialog of its own, which no unattended
    // start can give, and lifeboat cannot stop it asking: run refuses plugin keys.
    if passphrases == Passphrases::Refuse {
        return Err(
            "plugin identities are for people (recover, verify, diff, rekey): a plugin may wait for a touch or a PIN, which an unattended start cannot give; give run an X25519 or post-quantum runtime key".into(),
        );
    }
    // The name is everything between the prefix and the separator of the first word. It
    // is never echoed: on a damaged line it may run into the key's data.
    let first_word = line.split_whitespace().next().unwrap_or_default();
    let name = first_word
        .strip_prefix("AGE-PLUGIN-")
        .and_then(|rest| rest.rsplit_once("-1"))
        .map(|(name, _)| name.to_ascii_lowercase())
        .unwrap_or_default();
    if first_word != line || !super::is_plugin_name(&name) {
        return Err(
            "the plugin name is not one: a name has only letters, digits and +-._ (and a line holds one key)".into(),
        );
    }
    if let Some(reason) = super::plugin_refused() {
        return Err(reason);
    }
    let key = age::plugin::Identity::from_str(line)
        .map_err(|_| "not a valid AGE-PLUGIN identity (damaged or truncated)".to_string())?;
    let ui = PluginUi {
        plugin: key.plugin().to_string(),
        passphrases,
    };
    let plugin = age::plugin::IdentityPluginV1::new(key.plugin(), std::slice::from_ref(&key), ui)
        .map_err(|_| {
        format!(
            "the plugin program age-plugin-{} is not on PATH",
            key.plugin()
        )
    })?;
    // A plugin identity does not say its recipient; its fingerprint is that of the
    // identity text, which names it in messages without revealing it.
    Ok(Identity {
        kind: KeyKind::Plugin,
        origin: origin.to_string(),
        fingerprint: OnceLock::from(Fingerprint::of(line.as_bytes())),
        key: IdentityKey::Plugin(Box::new(plugin)),
    })
}

/// The passphrase for the key in `origin`, from the terminal.
fn passphrase_for(
    origin: &str,
    what: &str,
    passphrases: Passphrases,
) -> Result<SecretString, KeyError> {
    if passphrases == Passphrases::Refuse {
        return Err(KeyError::NeedsPassphrase {
            origin: origin.to_string(),
            no_terminal: false,
        });
    }
    ask_hidden(&format!(
        "lifeboat: passphrase for {what} {}: ",
        origin.escape_debug()
    ))
    .map_err(|error| match error {
        AskError::NoTerminal => KeyError::NeedsPassphrase {
            origin: origin.to_string(),
            no_terminal: true,
        },
        AskError::Terminal(source) => KeyError::Terminal { source },
    })
}

/// Decrypts a passphrase-protected identity file (an age file with one scrypt stanza).
fn decrypt_identity_file(
    bytes: &[u8],
    origin: &str,
    passphrases: Passphrases,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let bad = |reason: &str| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason: reason.to_string(),
    };
    // age's armor reader refuses the whitespace around an armored file that age allows;
    // a binary file ends in ciphertext, whose last bytes may look like whitespace.
    let start = bytes.trim_ascii_start();
    let file = if start.starts_with(b"-----BEGIN") {
        start.trim_ascii_end()
    } else {
        start
    };
    let armored = age::armor::ArmoredReader::new(file);
    let decryptor = age::Decryptor::new_buffered(armored)
        .map_err(|_| bad("it looks like an encrypted identity file but its header is damaged"))?;
    if !decryptor.is_scrypt() {
        return Err(bad(
            "it is an age file encrypted to a key, not with a passphrase; an identity file for -i is plain text or passphrase-protected (age -p)",
        ));
    }
    let passphrase = passphrase_for(origin, "the identity file", passphrases)?;
    let identity = age::scrypt::Identity::new(passphrase);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|error| match error {
            age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                KeyError::WrongPassphrase {
                    origin: origin.to_string(),
                }
            }
            age::DecryptError::ExcessiveWork { required, .. } => bad(&format!(
                "its passphrase's work factor (2^{required}) would take too long to compute"
            )),
            _ => bad("the encrypted identity file is damaged"),
        })?;
    let mut inner = Zeroizing::new(Vec::with_capacity(bytes.len()));
    std::io::Read::read_to_end(&mut reader, &mut inner)
        .map_err(|_| bad("the encrypted identity file is damaged or truncated"))?;
    Ok(inner)
}

fn parse_ssh_identity(
    text: &str,
    origin: &str,
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    let bad = |reason: String| KeyError::BadIdentity {
        origin: origin.to_string(),
        reason,
    };
    if super::ssh_integers::private_key_has_zero_integer(text) {
        return Err(bad(
            "not a valid private key (an RSA integer is only zero bytes)".into(),
        ));
    }
    let key =
        age::ssh::Identity::from_buffer(Cursor::new(text.as_bytes()), None).map_err(|_| {
            bad("not a valid private key (damaged, truncated or of an unknown kind)".into())
        })?;
    let key = match key {
        age::ssh::Identity::Unencrypted(_) => key,
        age::ssh::Identity::Encrypted(encrypted) => {
            let passphrase = passphrase_for(origin, "the SSH key", passphrases)?;
            let decrypted =
                encrypted
                    .decrypt(passphrase)
                    .map_err(|_| KeyError::WrongPassphrase {
                        origin: origin.to_string(),
                    })?;
            age::ssh::Identity::from(decrypted)
        }
        age::ssh::Identity::Unsupported(_) => {
            return Err(bad(
                "this kind of SSH key is not supported (use ssh-ed25519 or ssh-rsa)".into(),
            ))
        }
    };
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
    identity_file(&key.to_string(), key.to_public().to_string())
}

/// A new hybrid post-quantum identity, as `age-keygen -pq` makes one.
pub fn generate_postquantum() -> (Zeroizing<String>, String) {
    let key = mlkem768x25519::Identity::generate();
    identity_file(&key.to_secret_string(), key.to_public().to_string())
}

fn identity_file(secret: &SecretString, recipient: String) -> (Zeroizing<String>, String) {
    let file = Zeroizing::new(format!(
        "# created: {}\n# public key: {}\n{}\n",
        format_timestamp(SystemTime::now()),
        recipient,
        secret.expose_secret()
    ));
    (file, recipient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_with_the_same_fingerprint() {
        let (file, recipient) = generate_x25519();
        let identities = parse_identities(&file, "test", Passphrases::Refuse).unwrap();
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
        assert_eq!(
            parse_identities(&both, "test", Passphrases::Refuse)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn errors_never_echo_key_material() {
        let (file, _) = generate_x25519();
        let secret_line = file.lines().last().unwrap();
        let damaged = &secret_line[..secret_line.len() - 3];
        let error = parse_identities(damaged, "test", Passphrases::Refuse)
            .err()
            .unwrap()
            .to_string();
        assert!(!error.contains(damaged), "{error}");
        assert!(parse_identities("", "test", Passphrases::Refuse).is_err());
        assert!(parse_identities("age1abc", "test", Passphrases::Refuse).is_err());
    }
}
