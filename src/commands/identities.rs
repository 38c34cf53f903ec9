//! The keys `verify` and `recover` open a snapshot with: `-i` files (also
//! `LIFEBOAT_IDENTITY_FILE`), or else the key text in `LIFEBOAT_IDENTITY`.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::CommandError;
use crate::keys::{load_identity_file, parse_identities, Identity};

/// The variable that carries key text itself (for orchestrators that inject secrets as
/// environment variables).
pub const IDENTITY_TEXT_VAR: &str = "LIFEBOAT_IDENTITY";

/// Loads every identity given: the files, or else the key text in `LIFEBOAT_IDENTITY`.
pub fn load_identities(identity_files: &[PathBuf]) -> Result<Vec<Identity>, CommandError> {
    if !identity_files.is_empty() {
        let mut identities = Vec::new();
        for path in identity_files {
            identities.extend(load_identity_file(path)?);
        }
        return Ok(identities);
    }
    if let Some(text) = std::env::var_os(IDENTITY_TEXT_VAR) {
        let text =
            Zeroizing::new(text.into_string().map_err(|_| {
                CommandError::Usage(format!("{IDENTITY_TEXT_VAR} is not UTF-8 text"))
            })?);
        return Ok(parse_identities(&text, IDENTITY_TEXT_VAR)?);
    }
    Err(CommandError::Usage(format!(
        "no key given: use -i IDENTITY (or set LIFEBOAT_IDENTITY_FILE, or {IDENTITY_TEXT_VAR} to the key text)"
    )))
}
