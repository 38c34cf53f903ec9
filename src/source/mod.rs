//! Where secrets come from. Every source, offline or live, answers the same question
//! through [`Source`]: the secrets, and the [`Scope`] they came from.
//!
//! `--source` is one string: `env:PREFIX`, `file:PATH`, and (with the live sources)
//! `doppler`, `vault:MOUNT/PATH` and `https://…`.

mod aws;
mod doppler;
mod dotenv;
mod env;
mod error;
mod file;
mod https;
mod json;
mod live;
mod scope;
mod selector;
mod several;
mod vault;

pub use aws::{parse_secret_answer, AWS_ERRORS};
// Surfaces for the fuzz targets (fuzz/src/lib.rs), which drive each parser of bytes from
// outside directly: AWS's answers and shared files, and token files (the Kubernetes
// service-account token, --token-file, --jwt-file).
pub use aws::{
    add_parameters_answer, error_name, json_credentials, read_aws_error, shared_file_sections,
    sts_credentials, xml_field, ParametersAccount,
};
pub use doppler::{parse_doppler_answer, DopplerAnswer};
pub use dotenv::parse_dotenv;
pub use env::EnvSource;
pub use error::SourceError;
pub use file::{parse_secrets_file, FileSource};
pub use https::parse_https_answer;
pub use json::parse_flat_json;
pub use live::read_secret_file;
pub use live::{LiveSettings, VaultLogin};
pub use scope::Scope;
pub use several::overridden_message;
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
    /// Names a later source replaced (`--allow-override`); empty for one source.
    pub overridden: Vec<String>,
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
    /// `aws-sm:SECRET[@STAGE|#VERSION_ID]`: an AWS Secrets Manager secret.
    AwsSecretsManager {
        /// Its name or ARN.
        secret: String,
        /// Which version.
        pick: aws::Pick,
    },
    /// `aws-ssm:/PATH/` (every parameter under it) or `aws-ssm:/PATH/NAME` (one).
    AwsParameterStore {
        /// The path.
        path: String,
    },
    /// Several sources, merged in order.
    Several(Vec<SourceSpec>),
}

impl SourceSpec {
    /// Reads the `--source` values (each may hold several, comma-separated, as
    /// `LIFEBOAT_SOURCE` does): one source, or several merged in order.
    pub fn parse_all(texts: &[String]) -> Result<Self, SourceError> {
        let mut specs = Vec::new();
        for text in texts {
            for part in split_sources(text) {
                specs.push(SourceSpec::parse(part)?);
            }
        }
        match specs.len() {
            0 => Err(SourceError::BadSpec("no source given".into())),
            1 => Ok(specs.remove(0)),
            n if n > several::MAX_SOURCES => Err(SourceError::BadSpec(format!(
                "{n} sources; one snapshot takes at most {}",
                several::MAX_SOURCES
            ))),
            _ => Ok(SourceSpec::Several(specs)),
        }
    }

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
        if let Some(rest) = text.strip_prefix("aws-sm:") {
            let (secret, pick) = aws::parse_secret_spec(rest).map_err(SourceError::BadSpec)?;
            return Ok(SourceSpec::AwsSecretsManager { secret, pick });
        }
        if let Some(path) = text.strip_prefix("aws-ssm:") {
            let printable = path.chars().all(|c| !c.is_control() && !c.is_whitespace());
            if !path.starts_with('/')
                || path.len() < 2
                || path.len() > 2048
                || !printable
                || path.contains("//")
            {
                return Err(SourceError::BadSpec(
                    "aws-ssm: needs a path that starts with / (aws-ssm:/shop/prod/ for everything under it, aws-ssm:/shop/prod/DB_URL for one parameter)".into(),
                ));
            }
            return Ok(SourceSpec::AwsParameterStore { path: path.into() });
        }
        Err(SourceError::BadSpec(suggestion(text)))
    }

    /// The source a snapshot recorded, to ask it again (`diff` without `--source`);
    /// `None` where the record cannot name it exactly (an HTTPS query with a credential
    /// the record left out).
    pub fn from_recorded(scope: &Scope) -> Option<SourceSpec> {
        let text = match scope.provider.as_str() {
            "several" => {
                return scope
                    .parts
                    .iter()
                    .map(SourceSpec::from_recorded)
                    .collect::<Option<Vec<_>>>()
                    .map(SourceSpec::Several)
            }
            "doppler" => "doppler".to_string(),
            "vault" => format!("vault:{}/{}", scope.mount.as_ref()?, scope.path.as_ref()?),
            // The stage asked for, as the build asked; the version it read then is what
            // the comparison is about.
            "aws-sm" => match &scope.stage {
                Some(stage) => format!("aws-sm:{}@{stage}", scope.path.as_ref()?),
                None => format!("aws-sm:{}", scope.path.as_ref()?),
            },
            "aws-ssm" => format!("aws-ssm:{}", scope.path.as_ref()?),
            "https" => {
                let query = match &scope.query {
                    Some(query) if query.contains("[REDACTED]") => return None,
                    Some(query) => format!("?{query}"),
                    None => String::new(),
                };
                match &scope.path {
                    Some(path) => format!("{}{path}{query}", scope.address.as_ref()?),
                    // Recorded before paths were: the address was the URL.
                    None => format!("{}{query}", scope.address.as_ref()?),
                }
            }
            "env" => format!("env:{}", scope.prefix.as_ref()?),
            "file" => format!("file:{}", scope.path.as_ref()?),
            _ => return None,
        };
        SourceSpec::parse(&text).ok()
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
                namespace: vault::recorded_namespace(
                    live::env_value("VAULT_NAMESPACE")
                        .as_deref()
                        .map(String::as_str),
                ),
                mount: Some(mount.clone()),
                path: Some(path.clone()),
                ..Scope::default()
            },
            SourceSpec::Http { url } => match live::parse_address(url, "the source URL") {
                Ok(url) => https::https_scope(&url),
                Err(_) => Scope {
                    provider: "https".into(),
                    ..Scope::default()
                },
            },
            // The region as configured (the ARN's, failing that); the address is left to
            // the fetch, which knows the endpoint it used.
            SourceSpec::AwsSecretsManager { secret, pick } => Scope {
                provider: "aws-sm".into(),
                stage: pick.stage(),
                region: var("AWS_REGION")
                    .or_else(|| var("AWS_DEFAULT_REGION"))
                    .or_else(|| aws::arn_region(secret).map(str::to_string)),
                account: aws::arn_account(secret, "secretsmanager").map(str::to_string),
                path: Some(secret.clone()),
                ..Scope::default()
            },
            SourceSpec::AwsParameterStore { path } => Scope {
                provider: "aws-ssm".into(),
                region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
                path: Some(path.clone()),
                ..Scope::default()
            },
            SourceSpec::Several(specs) => Scope {
                provider: several::SEVERAL.into(),
                parts: specs.iter().map(SourceSpec::configured_scope).collect(),
                ..Scope::default()
            },
        }
    }

    /// Whether it reads AWS (its static keys are then lifeboat's credentials).
    pub fn reads_aws(&self) -> bool {
        match self {
            SourceSpec::AwsSecretsManager { .. } | SourceSpec::AwsParameterStore { .. } => true,
            SourceSpec::Several(specs) => specs.iter().any(SourceSpec::reads_aws),
            _ => false,
        }
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
            SourceSpec::AwsSecretsManager { secret, pick } => Box::new(
                aws::SecretsManagerSource::new(
                    secret,
                    pick,
                    settings.secret_name.clone(),
                    settings,
                )
                .map_err(|e| configured("aws-sm", e))?,
            ),
            SourceSpec::AwsParameterStore { path } => Box::new(
                aws::ParameterStoreSource::new(path, settings)
                    .map_err(|e| configured("aws-ssm", e))?,
            ),
            SourceSpec::Several(specs) => Box::new(several::SeveralSources {
                sources: specs
                    .into_iter()
                    .map(|spec| spec.into_source(settings))
                    .collect::<Result<_, _>>()?,
                allow_override: settings.allow_override,
            }),
        })
    }
}

/// What to say about a `--source` value that is not one: the kind it seems to mean,
/// written out whole where that is clear (`dopler` → `doppler`, `vault/secret/app` →
/// `vault:secret/app`, `https//host/x` → `https://host/x`), never a form that is then
/// refused in turn. Only the kind word is ever repeated: the rest may be a credential.
fn suggestion(text: &str) -> String {
    let known = "write env:PREFIX, file:PATH, doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/ or https://…";
    // The kind is the leading word, up to the first character no kind has.
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let kind = word.to_ascii_lowercase();
    let kinds = [
        "env", "file", "doppler", "vault", "https", "http", "aws-sm", "aws-ssm",
    ];
    let meant = kinds.into_iter().find(|k| *k == kind).or_else(|| {
        kinds
            .into_iter()
            .find(|k| kind.len() >= 3 && crate::similar::edit_distance(&kind, k) <= 2)
    });
    let Some(meant) = meant else {
        return format!("unknown source; {known}");
    };
    if meant == "doppler" {
        return if rest.is_empty() {
            format!("unknown source; did you mean doppler? ({known})")
        } else {
            "doppler takes no argument: write doppler, and name the project and config with DOPPLER_PROJECT and DOPPLER_CONFIG (a service token implies both)".into()
        };
    }
    let separator = if meant.starts_with("http") {
        "://"
    } else {
        ":"
    };
    // `vault/secret/app`, `https//host/x`, `vualt:secret/app`: the rest as given after
    // the separator the kind takes.
    let after = rest
        .trim_start_matches(':')
        .trim_start_matches('/')
        .trim_start_matches(':');
    let after = if meant.starts_with("aws-ssm") && !after.is_empty() {
        format!("/{after}")
    } else {
        after.to_string()
    };
    let whole = format!("{meant}{separator}{after}");
    if after.is_empty() || crate::redact::looks_like_secret(&after) {
        format!("unknown source; did you mean {meant}{separator}…? ({known})")
    } else {
        format!(
            "unknown source; did you mean {}? ({known})",
            crate::redact::shown(&whole)
        )
    }
}

/// Splits a list of sources at the commas that start another source (`,vault:`,
/// `,https://`, …): a comma inside one (a URL's query, a file name) stays.
fn split_sources(text: &str) -> Vec<&str> {
    const KINDS: [&str; 7] = [
        "env:", "file:", "vault:", "https://", "http://", "aws-sm:", "aws-ssm:",
    ];
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices(',') {
        let rest = text[at + 1..].trim_start();
        // `doppler` takes no argument: it starts a source only as a whole word.
        let doppler = rest
            .strip_prefix("doppler")
            .is_some_and(|after| after.is_empty() || after.starts_with([',', ' ']));
        if doppler || KINDS.iter().any(|kind| rest.starts_with(kind)) {
            parts.push(text[start..at].trim());
            start = at + 1;
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|part| !part.is_empty());
    parts
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
        assert!(said("vualt:secret/app").contains("did you mean vault:secret/app?"));
        assert!(said("flie:x.env").contains("did you mean file:x.env?"));
        assert!(said("htps://x").contains("did you mean https://x?"));
        assert!(said("doppler:shop/prd").contains("DOPPLER_PROJECT"));
        assert!(!said("consul:kv/app").contains("did you mean"));
        // The newcomer's traps: a suggestion that is itself accepted.
        assert!(said("dopler").contains("did you mean doppler?"));
        assert!(said("Doppler").contains("did you mean doppler?"));
        assert!(said("vault/secret/app").contains("did you mean vault:secret/app?"));
        assert!(said("https//example/x").contains("did you mean https://example/x?"));
        for text in [
            "dopler",
            "Doppler",
            "vault/secret/app",
            "https//example/x",
            "vualt:secret/app",
        ] {
            let said = said(text);
            let meant = said
                .split("did you mean ")
                .nth(1)
                .and_then(|rest| rest.split('?').next())
                .unwrap();
            assert!(SourceSpec::parse(meant).is_ok(), "{text}: {meant}");
        }
        // Never a credential repeated back.
        assert!(!said("vualt:hvs.CAESIJcanarycanarycanary0123456789").contains("canary"));
        assert_eq!(
            split_sources("file:a,b.env, https://h/x?f=a,b,aws-sm:db"),
            ["file:a,b.env", "https://h/x?f=a,b", "aws-sm:db"]
        );
        assert_eq!(split_sources("doppler"), ["doppler"]);
        assert_eq!(
            split_sources("file:a.env,doppler"),
            ["file:a.env", "doppler"]
        );
        assert_eq!(
            split_sources("file:/srv/app,doppler-prod.env"),
            ["file:/srv/app,doppler-prod.env"]
        );
    }
}
