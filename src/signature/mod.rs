//! Signed snapshots: who built a snapshot, in the format fleets already use for git
//! commits. age has no sender authentication (anyone with the runtime's public key can
//! seal a snapshot it opens); a signature by the build's key, checked against a list of
//! trusted keys that stays put across builds, says the snapshot came from the build.
//!
//! `snapshot --sign-key` writes `SNAPSHOT.sig` beside the snapshot: an SSHSIG signature
//! (OpenSSH's format, [`sshsig`]) by an Ed25519 key, over the snapshot file's bytes, for
//! the namespace `lifeboat-snapshot`. Stock `ssh-keygen -Y verify` checks it, and lifeboat
//! checks what `ssh-keygen -Y sign` makes. `run`/`verify --trusted-signers` take
//! OpenSSH's `allowed_signers` format ([`AllowedSigners`]). ring signs and verifies; this
//! module only frames.

mod allowed_signers;
mod error;
mod public_key;
mod signing_key;
mod sshsig;
mod wire;

pub use allowed_signers::{AllowedSigners, Signer};
pub use error::{SignatureError, SignerFileError};
pub use signing_key::SigningKey;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use public_key::{NotEd25519, PublicKey};
use sshsig::SshSig;

/// The namespace lifeboat signs snapshots in (`ssh-keygen -Y … -n lifeboat-snapshot`).
pub const NAMESPACE: &str = "lifeboat-snapshot";

/// Far more than any SSHSIG signature (an Ed25519 one is under 300 bytes armored).
const MAX_SIG_FILE: u64 = 64 << 10;

/// Where a snapshot's signature is: `SNAPSHOT.sig`, beside it (as `ssh-keygen -Y sign`
/// names it).
pub fn signature_path(snapshot: &Path) -> PathBuf {
    let mut path = snapshot.as_os_str().to_owned();
    path.push(".sig");
    PathBuf::from(path)
}

/// The signature beside `snapshot`, read (bounded, never blocking on a FIFO).
pub fn read_signature(snapshot: &Path) -> Result<(PathBuf, Vec<u8>), SignatureError> {
    let sig = signature_path(snapshot);
    match crate::read_capped::read_capped(&sig, MAX_SIG_FILE) {
        Ok(Some(bytes)) => Ok((sig, bytes.to_vec())),
        Ok(None) => Err(SignatureError::Malformed {
            sig,
            reason: "it is larger than any SSH signature".into(),
        }),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(SignatureError::Missing { sig })
        }
        Err(source) => Err(SignatureError::Unreadable { sig, source }),
    }
}

/// Checks the signature beside the snapshot at `path`, over `snapshot`'s bytes: a
/// well-formed SSHSIG for the `lifeboat-snapshot` namespace, valid over these bytes, by
/// a key `signers` trust for the namespace at `now`. The error names the check that
/// failed.
pub fn check_beside(
    path: &Path,
    snapshot: &[u8],
    signers: &AllowedSigners,
    now: SystemTime,
) -> Result<Signer, SignatureError> {
    let (sig_path, sig_text) = read_signature(path)?;
    check(&sig_path, &sig_text, snapshot, signers, now)
}

/// [`check_beside`], on a signature already read from `sig_path`.
pub fn check(
    sig_path: &Path,
    sig_text: &[u8],
    snapshot: &[u8],
    signers: &AllowedSigners,
    now: SystemTime,
) -> Result<Signer, SignatureError> {
    let (sig, key) = parse(sig_path, sig_text)?;
    if sig.namespace != NAMESPACE.as_bytes() {
        return Err(SignatureError::WrongNamespace {
            found: crate::redact::shown(&String::from_utf8_lossy(&sig.namespace)),
        });
    }
    let data = SshSig::signed_data(&sig.namespace, &sig.reserved, sig.hash, snapshot);
    match key.verifies(&data, &sig.signature) {
        Ok(true) => {}
        Ok(false) => {
            return Err(SignatureError::DoesNotMatch {
                fingerprint: key.fingerprint(),
            })
        }
        Err(reason) => {
            return Err(SignatureError::Malformed {
                sig: sig_path.to_path_buf(),
                reason: reason.into(),
            })
        }
    }
    signers.trust(&key, now)
}

/// What a signature says about itself, unchecked (`inspect`): the key's fingerprint and
/// the namespace.
#[derive(Debug)]
pub struct Unverified {
    /// The signing key's fingerprint, `SHA256:…`.
    pub fingerprint: String,
    /// The namespace it was made for (escaped).
    pub namespace: String,
}

/// What the signature read from `sig_path` says about itself, unchecked.
pub fn describe(sig_path: &Path, sig_text: &[u8]) -> Result<Unverified, SignatureError> {
    let (sig, key) = parse(sig_path, sig_text)?;
    Ok(Unverified {
        fingerprint: key.fingerprint(),
        namespace: crate::redact::shown(&String::from_utf8_lossy(&sig.namespace)),
    })
}

fn parse(sig_path: &Path, sig_text: &[u8]) -> Result<(SshSig, PublicKey), SignatureError> {
    let malformed = |reason: String| SignatureError::Malformed {
        sig: sig_path.to_path_buf(),
        reason,
    };
    let blob = sshsig::unarmor(sig_text).map_err(malformed)?;
    let sig = SshSig::parse(&blob).map_err(malformed)?;
    let key = PublicKey::from_blob(&sig.public_key).map_err(|problem| match problem {
        NotEd25519::OtherType(kind) => SignatureError::UnsupportedKey { kind },
        NotEd25519::Malformed(reason) => malformed(format!("its public key: {reason}")),
    })?;
    Ok((sig, key))
}
