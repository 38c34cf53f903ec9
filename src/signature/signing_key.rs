//! The build's signing key: an unencrypted OpenSSH Ed25519 private key, in the
//! `openssh-key-v1` format `ssh-keygen` writes (openssh-portable's PROTOCOL.key). Only the
//! framing is read here; ring holds the key and signs.
//!
//! The file is `-----BEGIN OPENSSH PRIVATE KEY-----`, base64 of `"openssh-key-v1\0"
//! string(ciphername) string(kdfname) string(kdfoptions) uint32(N) string(publickey)×N
//! string(private section)`; unencrypted, the private section is `uint32 check, uint32
//! check, string "ssh-ed25519", string pub(32), string seed‖pub(64), string comment`,
//! padded. Nothing here ever shows a byte of the file: errors name the file and the part.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use super::public_key::{PublicKey, ED25519_TYPE};
use super::sshsig::{armor, Hash, SshSig};
use super::wire::{put_string, Reader};
use super::{SignerFileError, NAMESPACE};

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
        SigningKey::parse(&text).map_err(|problem| match problem {
            Problem::Encrypted => SignerFileError::PassphraseProtected {
                path: path.to_path_buf(),
            },
            Problem::Unusable(reason) => SignerFileError::SigningKey {
                path: path.to_path_buf(),
                reason,
            },
        })
    }

    fn parse(text: &[u8]) -> Result<SigningKey, Problem> {
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
        let _kdf_options = reader.string().map_err(|_| ends_early())?;
        if cipher != b"none" || kdf != b"none" {
            return Err(Problem::Encrypted);
        }
        let count = reader.u32().map_err(|_| ends_early())?;
        if count != 1 {
            return Err(Problem::Unusable(format!(
                "it holds {count} keys; a signing key file holds one"
            )));
        }
        let public_blob = reader.string().map_err(|_| ends_early())?;
        let private = reader.string().map_err(|_| ends_early())?;
        let mut private = Reader::new(private);
        let check = private.u32().map_err(|_| ends_early())?;
        if private.u32().map_err(|_| ends_early())? != check {
            return Err(unusable("its check numbers differ (a damaged key)"));
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

#[derive(Debug)]
enum Problem {
    Encrypted,
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

    #[test]
    fn reads_ssh_keygen_keys_and_signs_what_verifies() {
        let key = SigningKey::parse(KEY.as_bytes()).unwrap();
        let armored = key.sign(b"snapshot bytes");
        let sig =
            SshSig::parse(&super::super::sshsig::unarmor(armored.as_bytes()).unwrap()).unwrap();
        let public = PublicKey::from_blob(&sig.public_key).unwrap();
        let data = SshSig::signed_data(&sig.namespace, &sig.reserved, sig.hash, b"snapshot bytes");
        assert_eq!(public.verifies(&data, &sig.signature), Ok(true));
        let other = SshSig::signed_data(&sig.namespace, &sig.reserved, sig.hash, b"other bytes");
        assert_eq!(public.verifies(&other, &sig.signature), Ok(false));
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
            match SigningKey::parse(bad.as_bytes()) {
                Err(Problem::Unusable(reason)) => {
                    assert!(!reason.contains("b3BlbnNz"), "{reason}")
                }
                _ => panic!("accepted or misnamed: {bad:?}"),
            }
        }
    }
}
