//! The keys a command opens a snapshot with: `-i` files (also `LIFEBOAT_IDENTITY_FILE`),
//! or else the key text in `LIFEBOAT_IDENTITY`.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{load_identity_file, parse_identity_bytes, Identity, KeyError, Passphrases};

/// The variable that carries key text itself (for orchestrators that inject secrets as
/// environment variables).
pub const IDENTITY_TEXT_VAR: &str = "LIFEBOAT_IDENTITY";

/// Loads every identity given: the files, or else the key text in `LIFEBOAT_IDENTITY`.
/// A protected key's passphrase is asked on the terminal when `passphrases` allows.
pub fn load_identities(
    identity_files: &[PathBuf],
    passphrases: Passphrases,
) -> Result<Vec<Identity>, KeyError> {
    if !identity_files.is_empty() {
        let mut identities = Vec::new();
        for path in identity_files {
            identities.extend(load_identity_file(path, passphrases)?);
        }
        return Ok(identities);
    }
    if let Some(text) = std::env::var_os(IDENTITY_TEXT_VAR) {
        let text = Zeroizing::new(text.into_string().map_err(|_| KeyError::BadIdentity {
            origin: IDENTITY_TEXT_VAR.into(),
            reason: "it is not UTF-8 text".into(),
        })?);
        return parse_identity_bytes(text.as_bytes(), IDENTITY_TEXT_VAR, passphrases);
    }
    Err(KeyError::NoKey)
}
