//! The build's signing key: an OpenSSH Ed25519 private key, in the `openssh-key-v1`
//! format `ssh-keygen` writes (openssh-portable's PROTOCOL.key). Only the framing is read
//! here: ring holds the key and signs; a passphrase-protected key (ssh-keygen's default,
//! `aes256-ctr` under a `bcrypt` key derivation) is opened with the `bcrypt-pbkdf`, `aes`
//! and `ctr` crates, with the passphrase asked on the terminal only.
//!
//! The file is `-----BEGIN OPENSSH PRIVATE KEY-----`, base64 of `"openssh-key-v1\0"
//! string(ciphername) string(kdfname) string(kdfoptions) uint32(N) string(publickey)×N
//! string(private section)`; the private section (decrypted, if it is encrypted) is
//! `uint32 check, uint32 check, string "ssh-ed25519", string pub(32), string seed‖pub(64),
//! string comment`, padded. The two check numbers are equal only under the right
//! passphrase. Nothing here ever shows a byte of the file: errors name the file and the part.

use std::path::Path;

use age_core::secrecy::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use super::public_key::{PublicKey, ED25519_TYPE};
use super::sshsig::{armor, Hash, SshSig};
use super::wire::{put_string, Reader};
use super::{SignerFileError, NAMESPACE};
use crate::keys::passphrase::{ask_hidden, AskError};

const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END: &str = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC: &[u8] = b"openssh-key-v1\0";
/// Far more than any Ed25519 key file (about 400 bytes).
const MAX_KEY_FILE: u64 = 64 << 10;

/// An Ed25519 key that signs snapshots.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(ssh-ed25519 {})", self.public.fingerprint())
    }
}

impl SigningKey {
    /// Reads the key file.
    pub fn read(path: &Path) -> Result<SigningKey, SignerFileError> {
        let unreadable = |source| SignerFileError::Unreadable {
            what: "signing key",
            path: path.to_path_buf(),
            source,
        };
        let text = crate::read_capped::read_capped(path, MAX_KEY_FILE)
            .map_err(unreadable)?
            .ok_or_else(|| SignerFileError::TooLarge {
                what: "signing key",
                path: path.to_path_buf(),
            })?;
        let ask = || {
            ask_hidden(&format!(
                "lifeboat: passphrase for the signing key {}: ",
                crate::redact::path(path)
            ))
        };
        SigningKey::parse(&text, ask).map_err(|problem| match problem {
            Problem::NoTerminal => SignerFileError::PassphraseProtected {
                path: path.to_path_buf(),
            },
            Problem::Terminal(source) => SignerFileError::Unreadable {
                what: "passphrase of the signing key",
                path: path.to_path_buf(),
                source,
            },
            Problem::WrongPassphrase => SignerFileError::WrongPassphrase {
                path: path.to_path_buf(),
            },
            Problem::Unusable(reason) => SignerFileError::SigningKey {
                path: path.to_path_buf(),
                reason,
            },
        })
    }

    /// Reads the key text; `ask` is asked for the passphrase if the key has one.
    fn parse(
        text: &[u8],
        ask: impl FnOnce() -> Result<SecretString, AskError>,
    ) -> Result<SigningKey, Problem> {
        let unusable = |reason: &str| Problem::Unusable(reason.to_string());
        let text = std::str::from_utf8(text).map_err(|_| unusable("it is not text"))?;
        let text = text.trim();
        let inner = match text.strip_prefix(BEGIN) {
            Some(inner) => inner,
            None if text.contains("PRIVATE KEY-----") => {
                return Err(unusable(
                    "it is a private key in another format than OpenSSH's (-----BEGIN OPENSSH PRIVATE KEY-----); convert it with `ssh-keygen -p -f KEY`",
                ))
            }
            None => {
                return Err(unusable(
                    "it is not an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)",
                ))
            }
        };
        let inner = inner.strip_suffix(END).ok_or_else(|| {
            unusable("it does not end with -----END OPENSSH PRIVATE KEY----- (truncated?)")
        })?;
        let base64: Zeroizing<String> =
            Zeroizing::new(inner.chars().filter(|c| !c.is_ascii_whitespace()).collect());
        let blob = Zeroizing::new(
            STANDARD
                .decode(base64.as_bytes())
                .map_err(|_| unusable("its body is not valid base64"))?,
        );
        let ends_early = || unusable("the key ends early");
        let mut reader = Reader::new(&blob);
        if reader.bytes(MAGIC.len()).map_err(|_| ends_early())? != MAGIC {
            return Err(unusable("it is not an openssh-key-v1 key"));
        }
        let cipher = reader.string().map_err(|_| ends_early())?;
        let kdf = reader.string().map_err(|_| ends_early())?;
        let kdf_options = reader.string().map_err(|_| ends_early())?;
        let protection = match (cipher, kdf) {
            (b"none", b"none") => None,
            (b"aes256-ctr", b"bcrypt") => {
                let mut options = Reader::new(kdf_options);
                let salt = options.string().map_err(|_| ends_early())?;
                let rounds = options.u32().map_err(|_| ends_early())?;
                // ssh-keygen's default is 16 (`-a`); far more is a file made to stall.
                if rounds == 0 || rounds > MAX_ROUNDS {
                    return Err(Problem::Unusable(format!(
                        "its key derivation asks for {rounds} bcrypt rounds; lifeboat reads 1 to {MAX_ROUNDS}"
                    )));
                }
                Some((salt, rounds))
            }
            (cipher, _) => {
                return Err(Problem::Unusable(format!(
                    "it is protected with {} ({}); lifeboat reads aes256-ctr with bcrypt, ssh-keygen's default: `ssh-keygen -p -Z aes256-ctr -f KEY` re-protects it so",
                    crate::redact::shown(&String::from_utf8_lossy(cipher)),
                    crate::redact::shown(&String::from_utf8_lossy(kdf))
                )))
            }
        };
        let count = reader.u32().map_err(|_| ends_early())?;
        if count != 1 {
            return Err(Problem::Unusable(format!(
                "it holds {count} keys; a signing key file holds one"
            )));
        }
        let public_blob = reader.string().map_err(|_| ends_early())?;
        let private = reader.string().map_err(|_| ends_early())?;
        let private = match protection {
            None => Zeroizing::new(private.to_vec()),
            Some((salt, rounds)) => {
                let passphrase = ask().map_err(|error| match error {
                    AskError::NoTerminal => Problem::NoTerminal,
                    AskError::Terminal(source) => Problem::Terminal(source),
                })?;
                decrypt(private, passphrase.expose_secret().as_bytes(), salt, rounds)?
            }
        };
        let mut private = Reader::new(&private);
        let check = private.u32().map_err(|_| ends_early())?;
        if private.u32().map_err(|_| ends_early())? != check {
            return Err(match protection {
                Some(_) => Problem::WrongPassphrase,
                None => unusable("its check numbers differ (a damaged key)"),
            });
        }
        let kind = private.string().map_err(|_| ends_early())?;
        if kind != ED25519_TYPE.as_bytes() {
            return Err(Problem::Unusable(format!(
                "it is a {} key; lifeboat signs with ssh-ed25519 keys only",
                crate::redact::shown(&String::from_utf8_lossy(kind))
            )));
        }
        let public = private.string().map_err(|_| ends_early())?;
        let secret = private.string().map_err(|_| ends_early())?;
        let public = PublicKey::from_bytes(public)
            .ok_or_else(|| unusable("its public key is not 32 bytes"))?;
        if public.blob() != public_blob {
            return Err(unusable("its public and private parts disagree"));
        }
        // seed ‖ public key, as OpenSSH stores an Ed25519 private key.
        if secret.len() != 64 || secret[32..] != public.blob()[19..] {
            return Err(unusable(
                "its private part is not an Ed25519 key of its public key",
            ));
        }
        let pair = Ed25519KeyPair::from_seed_and_public_key(&secret[..32], &secret[32..])
            .map_err(|_| unusable("its private part is not an Ed25519 key of its public key"))?;
        Ok(SigningKey { pair, public })
    }

    /// The public key's fingerprint, `SHA256:…`.
    pub fn fingerprint(&self) -> String {
        self.public.fingerprint()
    }

    /// An armored SSHSIG signature of `message` for the `lifeboat-snapshot` namespace,
    /// what `ssh-keygen -Y sign -n lifeboat-snapshot` makes.
    pub fn sign(&self, message: &[u8]) -> String {
        let hash = Hash::Sha512;
        let data = SshSig::signed_data(NAMESPACE.as_bytes(), b"", hash, message);
        let mut signature = Vec::with_capacity(83);
        put_string(&mut signature, ED25519_TYPE.as_bytes());
        put_string(&mut signature, self.pair.sign(&data).as_ref());
        debug_assert_eq!(self.pair.public_key().as_ref(), &self.public.blob()[19..]);
        let sig = SshSig {
            public_key: self.public.blob(),
            namespace: NAMESPACE.as_bytes().to_vec(),
            reserved: Vec::new(),
            hash,
            signature,
        };
        armor(&sig.encode())
    }
}

/// Decrypts a private section protected as `ssh-keygen` protects it: AES-256 in counter
/// mode (OpenSSH's counter is the whole 16-byte block, big-endian), key and IV the 48
/// bytes bcrypt-pbkdf derives from the passphrase and the file's salt.
fn decrypt(
    private: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    rounds: u32,
) -> Result<Zeroizing<Vec<u8>>, Problem> {
    use aes::cipher::{KeyIvInit, StreamCipher};
    if !private.len().is_multiple_of(16) {
        return Err(Problem::Unusable(
            "its encrypted part is not whole AES blocks (a damaged key)".into(),
        ));
    }
    let mut key_iv = Zeroizing::new([0u8; 48]);
    bcrypt_pbkdf::bcrypt_pbkdf(passphrase, salt, rounds, &mut key_iv[..])
        .map_err(|_| Problem::Unusable("its key derivation settings are not valid".into()))?;
    let mut plain = Zeroizing::new(private.to_vec());
    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new(key_iv[..32].into(), key_iv[32..].into());
    cipher.apply_keystream(&mut plain);
    Ok(plain)
}

/// The most bcrypt rounds read (ssh-keygen's default is 16; a round is about 10 ms).
const MAX_ROUNDS: u32 = 1000;

#[derive(Debug)]
enum Problem {
    /// Passphrase-protected, and no terminal to ask on.
    NoTerminal,
    Terminal(std::io::Error),
    WrongPassphrase,
    Unusable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with `ssh-keygen -t ed25519 -N '' -C test`; a key for this test only.
    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACATNXB7Vq9Jj99Hmbh5KVABV/R5vYKUE7FO6swh4vdvBwAAAIhuEOQkbhDk
JAAAAAtzc2gtZWQyNTUxOQAAACATNXB7Vq9Jj99Hmbh5KVABV/R5vYKUE7FO6swh4vdvBw
AAAECwB2ApJRyQ6xK4Vr5OSpiKKt0FY6qJAYNFieMjTdl9PhM1cHtWr0mP30eZuHkpUAFX
9Hm9gpQTsU7qzCHi928HAAAABHRlc3QB
-----END OPENSSH PRIVATE KEY-----
";

    fn no_terminal() -> Result<SecretString, AskError> {
        Err(AskError::NoTerminal)
    }

    #[test]
    fn reads_ssh_keygen_keys_and_signs_what_verifies() {
        let key = SigningKey::parse(KEY.as_bytes(), no_terminal).unwrap();
        let armored = key.sign(b"snapshot bytes");
        let sig =
            SshSig::parse(&super::super::sshsig::unarmor(armored.as_bytes()).unwrap()).unwrap();
        let public = PublicKey::from_blob(&sig.public_key).unwrap();
        let data = SshSig::signed_data(&sig.namespace, &sig.reserved, sig.hash, b"snapshot bytes");
        assert_eq!(public.verifies(&data, &sig.signature), Ok(true));
        let other = SshSig::signed_data(&sig.namespace, &sig.reserved, sig.hash, b"other bytes");
        assert_eq!(public.verifies(&other, &sig.signature), Ok(false));
    }

    // `ssh-keygen -t ed25519 -a 2 -N unit-test-pass`: aes256-ctr under bcrypt, 2 rounds.
    const PROTECTED: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABA+hkFtDU
pGaNyrRWEo3unJAAAAAgAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAILkQxRBzmUp6HnHy
Yb2XtjsxTFyAN1gqN1Fad3Klvo3yAAAAkGfQ5XCt7u3mos4NEkm+q8ImP3uq6VnTt6DXVY
BMtTjh9f/VPKdbLqNXD5/HWDie43IUCu3XYy4zbWe0jn72y65nFLlfxVycLzYVa+fRsDPQ
55cAc9j2CCtouBqVOz9ZssUMTOGKZD5yCFPWTeJgXYaD/NihEVGWVVuJLcB+O7A2mKX2UK
BvX3BZ8AHVqgT+KA==
-----END OPENSSH PRIVATE KEY-----
";

    #[test]
    fn opens_a_protected_key_with_its_passphrase_only() {
        let asked = |answer: &'static str| {
            move || -> Result<SecretString, AskError> { Ok(SecretString::from(answer.to_string())) }
        };
        let key = SigningKey::parse(PROTECTED.as_bytes(), asked("unit-test-pass")).unwrap();
        assert!(key.fingerprint().starts_with("SHA256:"));
        assert!(matches!(
            SigningKey::parse(PROTECTED.as_bytes(), asked("wrong")),
            Err(Problem::WrongPassphrase)
        ));
        assert!(matches!(
            SigningKey::parse(PROTECTED.as_bytes(), no_terminal),
            Err(Problem::NoTerminal)
        ));
    }

    #[test]
    fn refuses_what_it_cannot_use_without_quoting_it() {
        for bad in [
            "",
            "AGE-SECRET-KEY-1XYZ",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            &KEY[..KEY.len() / 2],
            &KEY.replace("AAAAMwAAAAtz", "AAAAMwAAAAuz"),
        ] {
            match SigningKey::parse(bad.as_bytes(), no_terminal) {
                Err(Problem::Unusable(reason)) => {
                    assert!(!reason.contains("b3BlbnNz"), "{reason}")
                }
                _ => panic!("accepted or misnamed: {bad:?}"),
            }
        }
    }
}
