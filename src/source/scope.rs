//! The scope a set of secrets came from: which provider, which service, which
//! project/config or mount/path. Recorded in snapshot metadata, so `inspect` can say where
//! a snapshot's secrets came from and `run` can refuse a snapshot built for another scope.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where secrets came from. Fields a provider has no use for stay empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The kind of source: `env`, `file`, `doppler`, `vault`, `https`.
    pub provider: String,
    /// The service's address (API host, Vault address, URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Doppler project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Doppler config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Vault KV mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
    /// Vault secret path, or the path of a `file:` source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Vault KV version number of the secret read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The name prefix of an `env:` source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// Shown escaped: a scope's fields come from a snapshot or a service (a Doppler
/// project's name), and one of them must never forge a line of the log.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = |text: &String| crate::redact::shown(text);
        f.write_str(&e(&self.provider))?;
        if let Some(prefix) = &self.prefix {
            write!(f, " prefix {}", e(prefix))?;
        }
        match (&self.project, &self.config) {
            (Some(project), Some(config)) => write!(f, " {}/{}", e(project), e(config))?,
            (Some(project), None) => write!(f, " project {}", e(project))?,
            (None, Some(config)) => write!(f, " config {}", e(config))?,
            (None, None) => {}
        }
        match (&self.mount, &self.path) {
            (Some(mount), Some(path)) => write!(f, " {}/{}", e(mount), e(path))?,
            (None, Some(path)) => write!(f, " {}", e(path))?,
            _ => {}
        }
        if let Some(version) = self.version {
            write!(f, " (version {version})")?;
        }
        if let Some(address) = &self.address {
            write!(f, " at {}", e(address))?;
        }
        Ok(())
    }
}
