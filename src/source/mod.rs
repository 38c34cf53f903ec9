//! Where secrets come from. Every source, offline or live, answers the same question
//! through [`Source`]: the secrets, and the [`Scope`] they came from.
//!
//! `--source` is one string: `env:PREFIX`, `file:PATH`, and (with the live sources)
//! `doppler`, `vault:MOUNT/PATH` and `https://…`.

mod doppler;
mod dotenv;
mod env;
mod error;
mod file;
mod https;
mod json;
mod live;
mod scope;
mod vault;

pub use doppler::{parse_doppler_answer, DopplerAnswer};
pub use dotenv::parse_dotenv;
pub use env::EnvSource;
pub use error::SourceError;
pub use file::{parse_secrets_file, FileSource};
pub use https::parse_https_answer;
pub use json::parse_flat_json;
pub use live::{LiveSettings, VaultLogin};
pub use scope::Scope;
pub use vault::{parse_kv2_answer, parse_login_answer};

use std::path::PathBuf;

use crate::http::Deadline;
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
    /// Reads the secrets, within `deadline` for live sources. Never returns an empty
    /// set: an empty source is an error, because sealing nothing is always a mistake.
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError>;
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
    /// `doppler`: the Doppler API.
    Doppler,
    /// `vault:MOUNT/PATH`: a Vault or OpenBao KV v2 secret.
    Vault {
        /// The KV mount.
        mount: String,
        /// The secret's path in it.
        path: String,
    },
    /// `https://…` (or `http://…`): a URL answering a flat JSON object of strings.
    Http {
        /// The URL.
        url: String,
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
        if text == "doppler" {
            return Ok(SourceSpec::Doppler);
        }
        if let Some(rest) = text.strip_prefix("vault:") {
            let (mount, path) = vault::split_mount_path(rest).ok_or_else(|| {
                SourceError::BadSpec("vault: needs MOUNT/PATH (vault:secret/app)".into())
            })?;
            return Ok(SourceSpec::Vault { mount, path });
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            return Ok(SourceSpec::Http { url: text.into() });
        }
        let kind = text.split(':').next().unwrap_or(text).to_ascii_lowercase();
        let known = "write env:PREFIX, file:PATH, doppler, vault:MOUNT/PATH or https://…";
        if kind == "doppler" {
            return Err(SourceError::BadSpec(
                "doppler takes no argument: write doppler, and name the project and config with DOPPLER_PROJECT and DOPPLER_CONFIG (a service token implies both)".into(),
            ));
        }
        let suggestion = ["env", "file", "doppler", "vault", "https", "http"]
            .into_iter()
            .find(|word| edit_distance(&kind, word) <= 2 && kind.len() >= 3);
        Err(SourceError::BadSpec(match suggestion {
            Some(word @ ("https" | "http")) => {
                format!("unknown source kind; did you mean {word}://…? ({known})")
            }
            Some(word) => format!("unknown source kind; did you mean {word}:…? ({known})"),
            None => format!("unknown source; {known}"),
        }))
    }

    /// The scope this source is configured for, from the spec and the provider's
    /// variables, for comparison with a snapshot's (`run`). Fields it cannot know before
    /// asking the service (a service token's project) stay empty.
    pub fn configured_scope(&self) -> Scope {
        let var = |name: &str| live::env_value(name).map(|v| v.to_string());
        let address = |var_name: &str, default: &str| {
            let text = var(var_name).unwrap_or_else(|| default.to_string());
            live::parse_address(&text, var_name)
                .ok()
                .map(|url| live::recorded_address(&url))
        };
        match self {
            SourceSpec::Env { prefix } => Scope {
                provider: "env".into(),
                prefix: Some(prefix.clone()),
                ..Scope::default()
            },
            SourceSpec::File { path } => Scope {
                provider: "file".into(),
                path: Some(path.display().to_string()),
                ..Scope::default()
            },
            SourceSpec::Doppler => Scope {
                provider: "doppler".into(),
                address: address("DOPPLER_API_HOST", doppler::DEFAULT_API_HOST),
                project: var("DOPPLER_PROJECT"),
                config: var("DOPPLER_CONFIG"),
                ..Scope::default()
            },
            SourceSpec::Vault { mount, path } => Scope {
                provider: "vault".into(),
                address: address("VAULT_ADDR", vault::DEFAULT_VAULT_ADDR),
                mount: Some(mount.clone()),
                path: Some(path.clone()),
                ..Scope::default()
            },
            SourceSpec::Http { url } => Scope {
                provider: "https".into(),
                address: live::parse_address(url, "the source URL")
                    .ok()
                    .map(|u| live::recorded_address(&u)),
                ..Scope::default()
            },
        }
    }

    /// Whether it asks a service over the network.
    pub fn is_live(&self) -> bool {
        !matches!(self, SourceSpec::Env { .. } | SourceSpec::File { .. })
    }

    /// The source this names, configured from `settings` and the provider's variables.
    pub fn into_source(self, settings: &LiveSettings) -> Result<Box<dyn Source>, SourceError> {
        let configured = |origin: &str, error| SourceError::Fetch {
            origin: origin.to_string(),
            error,
        };
        Ok(match self {
            SourceSpec::Env { prefix } => Box::new(EnvSource { prefix }),
            SourceSpec::File { path } => Box::new(FileSource { path }),
            SourceSpec::Doppler => Box::new(
                doppler::DopplerSource::from_env(settings).map_err(|e| configured("doppler", e))?,
            ),
            SourceSpec::Vault { mount, path } => Box::new(
                vault::VaultSource::from_env(mount, path, settings)
                    .map_err(|e| configured("vault", e))?,
            ),
            SourceSpec::Http { url } => Box::new(
                https::HttpSource::new(&url, settings).map_err(|e| configured("the source", e))?,
            ),
        })
    }
}

/// Levenshtein distance, for "did you mean" on a mistyped source kind.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Checks what every source must give: at least one secret, and names and values that
/// can be passed to a process.
pub(crate) fn validate(secrets: Secrets, origin: &str) -> Result<Secrets, SourceError> {
    if secrets.is_empty() {
        return Err(SourceError::Empty(origin.to_string()));
    }
    if let Some((name, problem)) = secrets.first_refused_from_a_source() {
        // Escaped and cut short: a name that breaks the rule may be anything at all.
        let shown: String = name.chars().take(64).collect();
        let cut = if shown.len() < name.len() { "…" } else { "" };
        return Err(SourceError::InvalidSecret {
            name: format!("{}{cut}", shown.escape_debug()),
            reason: problem.to_string(),
        });
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_kind_gets_a_suggestion() {
        let said = |text: &str| SourceSpec::parse(text).unwrap_err().to_string();
        assert!(said("vualt:secret/app").contains("did you mean vault:…?"));
        assert!(said("flie:x.env").contains("did you mean file:…?"));
        assert!(said("htps://x").contains("did you mean https://…?"));
        assert!(said("doppler:shop/prd").contains("DOPPLER_PROJECT"));
        assert!(!said("consul:kv/app").contains("did you mean"));
        assert_eq!(edit_distance("vualt", "vault"), 2);
        assert_eq!(edit_distance("", "env"), 3);
    }
}
