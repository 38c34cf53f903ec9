//! OpenSSH's signature format, SSHSIG (openssh-portable's PROTOCOL.sshsig): what
//! `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify` reads. Only the framing is
//! here; the signature itself is Ed25519, made and checked by `ring`.
//!
//! The blob is `"SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
//! string(hash_algorithm) string(signature)`, armored between `-----BEGIN SSH
//! SIGNATURE-----` and `-----END SSH SIGNATURE-----` in base64 lines of 70 characters. What
//! is signed is not the message but `"SSHSIG" string(namespace) string(reserved)
//! string(hash_algorithm) string(H(message))`, so a signature made for one namespace (a
//! git commit) can never pass for another (a snapshot).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256, Sha512};

use super::wire::{put_string, put_u32, Reader};

const MAGIC: &[u8; 6] = b"SSHSIG";
const VERSION: u32 = 1;
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";
/// ssh-keygen's line length for the armored base64.
const LINE: usize = 70;

/// The hash the message is digested with before signing. lifeboat signs with SHA-512
/// (ssh-keygen's default); it reads both that PROTOCOL.sshsig allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn name(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => b"sha256",
            Hash::Sha512 => b"sha512",
        }
    }

    fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }
}

/// One SSHSIG signature, its fields as they are on the wire.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct SshSig {
    /// The signer's public key blob (`string key_type, …`).
    pub public_key: Vec<u8>,
    pub namespace: Vec<u8>,
    /// Empty in everything OpenSSH writes; signed, so kept as found.
    pub reserved: Vec<u8>,
    pub hash: Hash,
    /// The signature blob (`string key_type, string signature`).
    pub signature: Vec<u8>,
}

impl SshSig {
    /// The bytes a signer signs for `message`: the message's hash framed with the
    /// namespace, never the message itself.
    pub fn signed_data(namespace: &[u8], reserved: &[u8], hash: Hash, message: &[u8]) -> Vec<u8> {
        let mut data = MAGIC.to_vec();
        put_string(&mut data, namespace);
        put_string(&mut data, reserved);
        put_string(&mut data, hash.name());
        put_string(&mut data, &hash.digest(message));
        data
    }

    /// The blob on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut blob = MAGIC.to_vec();
        put_u32(&mut blob, VERSION);
        put_string(&mut blob, &self.public_key);
        put_string(&mut blob, &self.namespace);
        put_string(&mut blob, &self.reserved);
        put_string(&mut blob, self.hash.name());
        put_string(&mut blob, &self.signature);
        blob
    }

    /// Reads a blob; the reason names the field that is wrong.
    pub fn parse(blob: &[u8]) -> Result<SshSig, String> {
        let mut reader = Reader::new(blob);
        let truncated = |field: &str| format!("it ends early, in its {field}");
        if reader
            .bytes(MAGIC.len())
            .map_err(|_| truncated("preamble"))?
            != MAGIC
        {
            return Err("it does not begin with SSHSIG".into());
        }
        let version = reader.u32().map_err(|_| truncated("version"))?;
        if version != VERSION {
            return Err(format!(
                "it is version {version}; lifeboat reads version {VERSION}"
            ));
        }
        let public_key = reader
            .string()
            .map_err(|_| truncated("public key"))?
            .to_vec();
        let namespace = reader
            .string()
            .map_err(|_| truncated("namespace"))?
            .to_vec();
        let reserved = reader
            .string()
            .map_err(|_| truncated("reserved field"))?
            .to_vec();
        let hash = match reader.string().map_err(|_| truncated("hash algorithm"))? {
            b"sha512" => Hash::Sha512,
            b"sha256" => Hash::Sha256,
            other => {
                return Err(format!(
                    "its hash algorithm \"{}\" is neither sha512 nor sha256",
                    crate::redact::shown(&String::from_utf8_lossy(other))
                ))
            }
        };
        let signature = reader
            .string()
            .map_err(|_| truncated("signature"))?
            .to_vec();
        if !reader.rest().is_empty() {
            return Err(format!(
                "{} bytes follow the signature",
                reader.rest().len()
            ));
        }
        Ok(SshSig {
            public_key,
            namespace,
            reserved,
            hash,
            signature,
        })
    }
}

/// The blob armored as ssh-keygen writes it.
pub(super) fn armor(blob: &[u8]) -> String {
    let base64 = STANDARD.encode(blob);
    let mut text = String::with_capacity(base64.len() + base64.len() / LINE + 64);
    text.push_str(BEGIN);
    text.push('\n');
    // Base64 is ASCII, so any byte offset is a character boundary.
    for line in base64.as_bytes().chunks(LINE) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(END);
    text.push('\n');
    text
}

/// The blob inside an armored signature: the lines between the markers, blanks and line
/// ends removed, base64-decoded.
pub(super) fn unarmor(text: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "it is not text".to_string())?;
    let text = text.trim();
    let inner = text
        .strip_prefix(BEGIN)
        .ok_or_else(|| format!("it does not begin with {BEGIN}"))?;
    let inner = inner
        .strip_suffix(END)
        .ok_or_else(|| format!("it does not end with {END} (truncated?)"))?;
    let base64: String = inner.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(base64.as_bytes())
        .map_err(|_| "its body is not valid base64".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> SshSig {
        SshSig {
            public_key: b"key blob".to_vec(),
            namespace: b"lifeboat-snapshot".to_vec(),
            reserved: Vec::new(),
            hash: Hash::Sha512,
            signature: vec![7; 83],
        }
    }

    #[test]
    fn a_blob_reads_back_through_its_armor() {
        let sig = example();
        let armored = armor(&sig.encode());
        assert!(armored.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        assert!(armored.ends_with("\n-----END SSH SIGNATURE-----\n"));
        assert!(armored
            .lines()
            .all(|l| l.len() <= 70 || l.starts_with("-----")));
        let blob = unarmor(armored.as_bytes()).unwrap();
        assert_eq!(SshSig::parse(&blob).unwrap(), sig);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let blob = example().encode();
        for end in 0..blob.len() {
            assert!(SshSig::parse(&blob[..end]).is_err(), "{end}");
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(SshSig::parse(&longer).is_err());
    }

    #[test]
    fn the_signed_data_binds_namespace_and_hash() {
        let a = SshSig::signed_data(b"lifeboat-snapshot", b"", Hash::Sha512, b"m");
        assert_ne!(a, SshSig::signed_data(b"git", b"", Hash::Sha512, b"m"));
        assert_ne!(
            a,
            SshSig::signed_data(b"lifeboat-snapshot", b"", Hash::Sha256, b"m")
        );
        assert_ne!(
            a,
            SshSig::signed_data(b"lifeboat-snapshot", b"", Hash::Sha512, b"n")
        );
        assert!(a.starts_with(b"SSHSIG\0\0\0\x11lifeboat-snapshot"));
    }
}
