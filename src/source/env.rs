//! `env:PREFIX`: secrets from lifeboat's own environment, for CI systems that inject
//! secrets as variables. Only names that start with the prefix are taken, prefix
//! stripped, so the rest of the environment (PATH, HOME, tokens) is never sealed.

use super::{validate, Fetched, Scope, Source, SourceError};
use crate::http::Deadline;
use crate::secret::{SecretValue, Secrets};

/// The process environment, filtered by a name prefix.
pub struct EnvSource {
    /// The prefix.
    pub prefix: String,
}

impl Source for EnvSource {
    fn fetch(&self, _deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = format!("env:{}", self.prefix);
        let mut secrets = Secrets::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            let Some(stripped) = name.strip_prefix(&self.prefix) else {
                continue;
            };
            let value = value.into_string().map_err(|_| SourceError::Malformed {
                origin: origin.clone(),
                reason: format!("the value of {name} is not UTF-8"),
            })?;
            if stripped.is_empty() {
                return Err(SourceError::Malformed {
                    origin: origin.clone(),
                    reason: format!("{name} is the prefix itself, leaving an empty name"),
                });
            }
            secrets.insert(stripped.to_string(), SecretValue::new(value));
        }
        Ok(Fetched {
            secrets: validate(secrets, &origin)?,
            scope: Scope {
                provider: "env".into(),
                prefix: Some(self.prefix.clone()),
                ..Scope::default()
            },
            overridden: Vec::new(),
        })
    }
}
