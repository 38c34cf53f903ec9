//! Where secrets come from. Every source, offline or live, answers the same question
//! through [`Source`]: the secrets, and the [`Scope`] they came from.
//!
//! `--source` is one string: `env:PREFIX`, `file:PATH`, and (with the live sources)
//! `doppler`, `vault:MOUNT/PATH` and `https://…`.

mod dotenv;
mod env;
mod error;
mod file;
mod json;
mod scope;

pub use dotenv::parse_dotenv;
pub use env::EnvSource;
pub use error::SourceError;
pub use file::FileSource;
pub use json::parse_flat_json;
pub use scope::Scope;

use std::path::PathBuf;

use crate::secret::Secrets;

/// What a source returns.
#[derive(Debug)]
pub struct Fetched {
    /// The secrets.
    pub secrets: Secrets,
    /// Where they came from.
    pub scope: Scope,
}

/// A place secrets can be read from.
pub trait Source {
    /// Reads the secrets. Never returns an empty set: an empty source is an error,
    /// because sealing nothing into an image is always a mistake.
    fn fetch(&self) -> Result<Fetched, SourceError>;
}

/// A parsed `--source` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// `env:PREFIX`: the process environment, names that start with PREFIX.
    Env {
        /// The prefix, stripped from the names.
        prefix: String,
    },
    /// `file:PATH`: a dotenv file or a flat JSON object of strings.
    File {
        /// The file.
        path: PathBuf,
    },
}

impl SourceSpec {
    /// Reads a `--source` value.
    pub fn parse(text: &str) -> Result<Self, SourceError> {
        if let Some(prefix) = text.strip_prefix("env:") {
            if prefix.is_empty() {
                return Err(SourceError::BadSpec(
                    "env: needs a prefix (env:APP_ takes APP_* as *); the whole environment is never sealed".into(),
                ));
            }
            return Ok(SourceSpec::Env {
                prefix: prefix.to_string(),
            });
        }
        if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                return Err(SourceError::BadSpec(
                    "file: needs a path (file:./secrets.env)".into(),
                ));
            }
            return Ok(SourceSpec::File { path: path.into() });
        }
        if text == "doppler" || text.starts_with("vault:") || text.starts_with("https://") {
            return Err(SourceError::BadSpec(format!(
                "the live source {:?} is not available in this build yet; use env:PREFIX or file:PATH",
                text.split(':').next().unwrap_or(text)
            )));
        }
        Err(SourceError::BadSpec(
            "unknown source; write env:PREFIX, file:PATH, doppler, vault:MOUNT/PATH or https://…"
                .into(),
        ))
    }

    /// The source this names.
    pub fn into_source(self) -> Box<dyn Source> {
        match self {
            SourceSpec::Env { prefix } => Box::new(EnvSource { prefix }),
            SourceSpec::File { path } => Box::new(FileSource { path }),
        }
    }
}

/// Checks what every source must give: at least one secret, and names and values that
/// can be passed to a process.
pub(crate) fn validate(secrets: Secrets, origin: &str) -> Result<Secrets, SourceError> {
    if secrets.is_empty() {
        return Err(SourceError::Empty(origin.to_string()));
    }
    if let Some((name, problem)) = secrets.first_invalid() {
        return Err(SourceError::InvalidSecret {
            name: name.escape_debug().to_string(),
            reason: problem.to_string(),
        });
    }
    Ok(secrets)
}
