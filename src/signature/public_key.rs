//! An Ed25519 public key as OpenSSH frames it (`string "ssh-ed25519", string key`), its
//! fingerprint as `ssh-keygen -l` shows it, and checking a signature with it (ring).

use ring::signature::{UnparsedPublicKey, ED25519};

use super::wire::{put_string, Reader};
use crate::keys::Fingerprint;

/// The only key type lifeboat signs and checks with.
pub(super) const ED25519_TYPE: &str = "ssh-ed25519";

/// Why a key blob is not an Ed25519 key.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NotEd25519 {
    /// Another key type, named (escaped).
    OtherType(String),
    /// Not a well-formed key blob.
    Malformed(&'static str),
}

/// An Ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PublicKey([u8; 32]);

impl PublicKey {
    pub fn from_bytes(bytes: &[u8]) -> Option<PublicKey> {
        Some(PublicKey(bytes.try_into().ok()?))
    }

    /// Reads an OpenSSH key blob.
    pub fn from_blob(blob: &[u8]) -> Result<PublicKey, NotEd25519> {
        let mut reader = Reader::new(blob);
        let kind = reader
            .string()
            .map_err(|_| NotEd25519::Malformed("the key blob ends early"))?;
        if kind != ED25519_TYPE.as_bytes() {
            return Err(NotEd25519::OtherType(crate::redact::shown(
                &String::from_utf8_lossy(kind),
            )));
        }
        let key = reader
            .string()
            .map_err(|_| NotEd25519::Malformed("the key blob ends early"))?;
        if !reader.rest().is_empty() {
            return Err(NotEd25519::Malformed("bytes follow the key in its blob"));
        }
        PublicKey::from_bytes(key).ok_or(NotEd25519::Malformed("the key is not 32 bytes"))
    }

    pub fn blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(51);
        put_string(&mut blob, ED25519_TYPE.as_bytes());
        put_string(&mut blob, &self.0);
        blob
    }

    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> String {
        Fingerprint::of(&self.blob()).as_str().to_string()
    }

    /// Whether `signature_blob` (`string "ssh-ed25519", string signature`) is this key's
    /// signature of `data`.
    pub fn verifies(&self, data: &[u8], signature_blob: &[u8]) -> Result<bool, &'static str> {
        let mut reader = Reader::new(signature_blob);
        let kind = reader
            .string()
            .map_err(|_| "the signature blob ends early")?;
        if kind != ED25519_TYPE.as_bytes() {
            return Err("the signature's type is not the key's (ssh-ed25519)");
        }
        let signature = reader
            .string()
            .map_err(|_| "the signature blob ends early")?;
        if !reader.rest().is_empty() {
            return Err("bytes follow the signature in its blob");
        }
        if signature.len() != 64 {
            return Err("the Ed25519 signature is not 64 bytes");
        }
        Ok(UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(data, signature)
            .is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_and_other_types_are_named() {
        let key = PublicKey([9; 32]);
        assert_eq!(PublicKey::from_blob(&key.blob()).unwrap(), key);
        let mut rsa = Vec::new();
        put_string(&mut rsa, b"ssh-rsa");
        put_string(&mut rsa, &[1; 32]);
        assert_eq!(
            PublicKey::from_blob(&rsa),
            Err(NotEd25519::OtherType("ssh-rsa".into()))
        );
        let blob = key.blob();
        for end in 0..blob.len() {
            assert!(PublicKey::from_blob(&blob[..end]).is_err());
        }
        assert!(key.fingerprint().starts_with("SHA256:"));
    }
}
