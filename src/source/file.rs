//! `file:PATH`: a dotenv file, or a flat JSON object of strings (told apart by the first
//! non-blank character: a dotenv file never starts with `{`).

use std::path::PathBuf;

use super::{parse_dotenv, parse_flat_json, validate, Fetched, Scope, Source, SourceError};
use crate::http::Deadline;
use crate::secret::Secrets;

/// A secrets file.
pub struct FileSource {
    /// The file.
    pub path: PathBuf,
}

impl Source for FileSource {
    fn fetch(&self, _deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = self.path.display().to_string();
        // A million secrets are about 100 MiB of dotenv; a file: source that never ends
        // (a device) is an error at 256 MiB, not an exhausted memory.
        let bytes = crate::read_capped::read_capped(&self.path, 256 << 20)
            .map_err(|source| SourceError::Unreadable {
                path: self.path.clone(),
                source,
            })?
            .ok_or_else(|| SourceError::Malformed {
                origin: crate::redact::path(&self.path).into_owned(),
                reason: "the file holds more than 256 MiB".into(),
            })?;
        let secrets = parse_secrets_file(&bytes, &origin)?;
        Ok(Fetched {
            secrets,
            scope: Scope {
                provider: "file".into(),
                path: Some(origin),
                ..Scope::default()
            },
            overridden: Vec::new(),
        })
    }
}

/// Parses the contents of a secrets file: UTF-8 (a byte-order mark is skipped), a flat
/// JSON object if the first non-blank character is `{`, else dotenv; every name usable
/// as an environment variable.
pub fn parse_secrets_file(bytes: &[u8], origin: &str) -> Result<Secrets, SourceError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SourceError::Malformed {
        origin: origin.to_string(),
        reason: format!("the file is not UTF-8 (at byte {})", e.valid_up_to()),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let secrets = if text.trim_start().starts_with('{') {
        parse_flat_json(text.as_bytes(), origin)?
    } else {
        parse_dotenv(text, origin)?
    };
    validate(secrets, origin)
}
