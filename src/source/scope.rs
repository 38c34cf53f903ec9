//! The scope a set of secrets came from: which provider, which service, which
//! project/config or mount/path. Recorded in snapshot metadata, so `inspect` can say where
//! a snapshot's secrets came from and `run` can refuse a snapshot built for another scope.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where secrets came from. Fields a provider has no use for stay empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The kind of source: `env`, `file`, `doppler`, `vault`, `https`, `aws-sm`,
    /// `aws-ssm`.
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
    /// Vault secret path, the path of a `file:` source, an AWS secret's name or ARN, or a
    /// Parameter Store path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Vault KV version number of the secret read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The name prefix of an `env:` source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The AWS region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The AWS Secrets Manager version id read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The AWS Secrets Manager stage asked for (`@STAGE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The Vault (Enterprise or OpenBao) namespace (`VAULT_NAMESPACE`): the same mount
    /// and path in another namespace is another secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// An HTTPS source's query string, with the values of parameters that carry
    /// credentials (a signed URL's signature, a token) replaced: `?env=prd` selects other
    /// secrets than `?env=stg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The AWS account the secrets were read from, where lifeboat learnt it (a secret's
    /// ARN): one name in two accounts is two secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Each source's own scope, in order, when several were merged (`provider: several`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Scope>,
}

/// Shown escaped: a scope's fields come from a snapshot or a service (a Doppler
/// project's name), and one of them must never forge a line of the log.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = |text: &String| crate::redact::shown(text);
        if !self.parts.is_empty() {
            let parts: Vec<String> = self.parts.iter().map(Scope::to_string).collect();
            return write!(f, "{} sources: {}", self.parts.len(), parts.join("; "));
        }
        // The kind is recorded as `https` for both schemes; a message says which it was.
        let plain_http = self.provider == "https"
            && self
                .address
                .as_deref()
                .is_some_and(|a| a.starts_with("http://"));
        if plain_http {
            f.write_str("http")?;
        } else {
            f.write_str(&e(&self.provider))?;
        }
        if let Some(prefix) = &self.prefix {
            write!(f, " prefix {}", e(prefix))?;
        }
        match (&self.project, &self.config) {
            (Some(project), Some(config)) => write!(f, " {}/{}", e(project), e(config))?,
            (Some(project), None) => write!(f, " project {}", e(project))?,
            (None, Some(config)) => write!(f, " config {}", e(config))?,
            (None, None) => {}
        }
        if let Some(namespace) = &self.namespace {
            write!(f, " namespace {}", e(namespace))?;
        }
        match (&self.mount, &self.path) {
            (Some(mount), Some(path)) => write!(f, " {}/{}", e(mount), e(path))?,
            (None, Some(path)) => write!(f, " {}", e(path))?,
            _ => {}
        }
        if let Some(query) = &self.query {
            write!(f, "?{}", e(query))?;
        }
        if let Some(stage) = &self.stage {
            write!(f, " @{}", e(stage))?;
        }
        if let Some(version) = self.version {
            write!(f, " (version {version})")?;
        }
        if let Some(version) = &self.version_id {
            write!(f, " (version {})", e(version))?;
        }
        if let Some(region) = &self.region {
            write!(f, " in {}", e(region))?;
        }
        if let Some(account) = &self.account {
            write!(f, " (account {})", e(account))?;
        }
        if let Some(address) = &self.address {
            write!(f, " at {}", e(address))?;
        }
        Ok(())
    }
}
