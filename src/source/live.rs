//! What the live sources share: their settings from flags and the provider's own
//! environment variables, token files, and turning service answers into secrets.

use std::path::{Path, PathBuf};

use reqwest::Url;
use zeroize::Zeroizing;

use super::json::flat_json_object;
use crate::http::{FailureClass, FetchError, HttpClient, RetryPolicy, Trust};
use crate::secret::Secrets;

/// The Vault/OpenBao login methods (`--vault-auth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultLogin {
    /// A token given as it is.
    Token,
    /// AppRole: a role id and a secret id.
    AppRole,
    /// The kubernetes method: a service-account token and a role.
    Kubernetes,
    /// The jwt method: a JWT and a role (or the method's default role).
    Jwt,
}

/// Settings for the live sources that come from flags.
#[derive(Clone, Debug, Default)]
pub struct LiveSettings {
    /// `--token-file`: the token, as a BuildKit secret mount delivers it.
    pub token_file: Option<PathBuf>,
    /// `--ca-file`: CA certificates to trust besides the system's.
    pub ca_files: Vec<PathBuf>,
    /// `--role-id-file`: a Vault AppRole role id.
    pub role_id_file: Option<PathBuf>,
    /// `--secret-id-file`: a Vault AppRole secret id.
    pub secret_id_file: Option<PathBuf>,
    /// `--vault-auth`: the Vault login method, if named.
    pub vault_auth: Option<VaultLogin>,
    /// `--vault-role`: the role of a kubernetes or jwt login.
    pub vault_role: Option<String>,
    /// `--vault-auth-mount`: where the login method is mounted.
    pub vault_auth_mount: Option<String>,
    /// `--jwt-file`: the JWT of a kubernetes or jwt login.
    pub jwt_file: Option<PathBuf>,
    /// `--name`: the variable name of a secret that is a plain string (AWS).
    pub secret_name: Option<String>,
    /// `--allow-override`: with several sources, a later one may replace a name.
    pub allow_override: bool,
    /// Fail at once on a refused connection, or one closed without an answer, instead of
    /// retrying (`run`, which falls back to its snapshot instead).
    pub no_refused_retry: bool,
    /// Send one request and retry nothing (`run --cache-dir` after a remembered failure:
    /// its breaker retries on the next start after the cooldown instead).
    pub single_attempt: bool,
    /// Give way to a rate limit (429) at once instead of waiting to retry (`run
    /// --cache-dir`, which has a copy to start from).
    pub no_rate_limit_retry: bool,
}

/// A credential from a file flag or else a variable, checked before any request: a value
/// HTTP cannot carry is lifeboat's configuration, reported naming where it came from
/// (never the value), not a connection failure to fall back on.
pub fn credential(
    file: Option<&Path>,
    flag: &str,
    variable: &str,
) -> Result<Option<Zeroizing<String>>, FetchError> {
    let (value, from) = match file {
        Some(path) => (
            read_secret_file(path, flag)?,
            format!("the file given to {flag}"),
        ),
        None => match env_value(variable) {
            Some(value) => (value, variable.to_string()),
            None => return Ok(None),
        },
    };
    check_header_text(&value, &from)?;
    Ok(Some(value))
}

/// Refuses text a header cannot carry: control characters and anything not ASCII.
pub fn check_header_text(value: &str, from: &str) -> Result<(), FetchError> {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(());
    }
    Err(FetchError::Config(format!(
        "{from} holds a control character or non-ASCII text, which HTTP cannot carry in a header; check how it was set (a stray newline, quote or paste)"
    )))
}

/// Reads a token (or AppRole id) file given to `flag`: the first line, trailing
/// whitespace removed. Messages say "the file given to FLAG", never the path: people
/// paste the credential itself where its file belongs, and an AppRole id looks like any
/// other name.
pub fn read_secret_file(path: &Path, flag: &str) -> Result<Zeroizing<String>, FetchError> {
    let shown = match path_that_can_be_shown(path) {
        Some(shown) => format!("the file {shown} given to {flag}"),
        None => format!("the file given to {flag}"),
    };
    read_secret_file_shown(path, &shown)
}

/// A credential flag's path as a message may show it: only one that is plainly a path
/// (it has a `/` or a `.`) and looks like no credential (no token shape, no AppRole id's
/// UUID shape). Anything else may be the credential itself, pasted where its file belongs.
fn path_that_can_be_shown(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let uuid_like = text.len() >= 32
        && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && text.chars().filter(|c| *c == '-').count() >= 4;
    let plainly_a_path = text.contains('/') || text.contains('.');
    (plainly_a_path && !uuid_like && !crate::redact::looks_like_secret(text))
        .then(|| crate::redact::path(path).into_owned())
}

/// The same, with the file named in messages as `shown`.
pub fn read_secret_file_shown(path: &Path, shown: &str) -> Result<Zeroizing<String>, FetchError> {
    let shown = shown.to_string();
    // A token is a line; 64 KiB is far more than any.
    let bytes = crate::read_capped::read_capped(path, 64 << 10)
        .map_err(|source| FetchError::Unreadable {
            what: shown.clone(),
            source,
        })?
        .ok_or_else(|| {
            FetchError::Config(format!(
                "{shown} holds more than 64 KiB: it is not a token file"
            ))
        })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| FetchError::Config(format!("{shown} is not text")))?;
    let token = Zeroizing::new(text.trim().to_string());
    if token.is_empty() {
        return Err(FetchError::Config(format!("{shown} is empty")));
    }
    if token.contains(['\n', '\r']) {
        return Err(FetchError::Config(format!(
            "{shown} holds more than one line; it should hold only the token"
        )));
    }
    Ok(token)
}

/// The value of an environment variable, if set and not empty.
pub fn env_value(name: &str) -> Option<Zeroizing<String>> {
    // The copy `var` makes is wiped too, not only the trimmed one.
    let value = Zeroizing::new(std::env::var(name).ok()?);
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| Zeroizing::new(trimmed.to_string()))
}

/// The service address in `variable`, or `default` when it is not set at all. Set and
/// empty is a mistake (an image's `ENV VAULT_ADDR=` from a build argument nobody gave),
/// never a quiet default.
pub fn address_setting(variable: &str, default: &str) -> Result<Url, FetchError> {
    match std::env::var_os(variable) {
        None => parse_address(default, variable),
        Some(value) if value.to_string_lossy().trim().is_empty() => {
            Err(FetchError::Config(format!(
                "{variable} is set but empty: set it to the service's address, or unset it to use {default}"
            )))
        }
        Some(_) => {
            let text = env_value(variable).unwrap_or_default();
            parse_address(&text, variable)
        }
    }
}

/// Parses a service address, which must be http or https. Errors never quote the
/// address: it may carry credentials (`user:password@`, a signed query).
pub fn parse_address(text: &str, what: &str) -> Result<Url, FetchError> {
    let text = text.trim();
    if !text.contains("://") {
        return Err(FetchError::Config(format!(
            "{what} has no scheme: write it as https://HOST:PORT (or http:// for a service on this host or network)"
        )));
    }
    let url = Url::parse(text)
        .map_err(|e| FetchError::Config(format!("{what} is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FetchError::Config(format!(
            "{what} must be an http:// or https:// address with a host (the scheme given is {:?})",
            url.scheme()
        )));
    }
    Ok(url)
}

/// An HTTP client for one service address, trusting the system, the compiled-in roots and
/// `ca_files`, with `secrets` scrubbed from any quoted server message.
pub fn client_for(
    address: &Url,
    settings: &LiveSettings,
    ca_files: &[PathBuf],
    secrets: &[&str],
) -> Result<HttpClient, FetchError> {
    let trust = Trust {
        ca_files: ca_files.to_vec(),
    };
    configured(HttpClient::new(address, &trust)?, settings, secrets)
}

/// The same with no proxy (the local credential endpoints: an ECS or EKS agent, IMDS).
pub fn direct_client_for(
    address: &Url,
    settings: &LiveSettings,
    secrets: &[&str],
) -> Result<HttpClient, FetchError> {
    let trust = Trust {
        ca_files: Vec::new(),
    };
    configured(HttpClient::direct(address, &trust)?, settings, secrets)
}

fn configured(
    mut client: HttpClient,
    settings: &LiveSettings,
    secrets: &[&str],
) -> Result<HttpClient, FetchError> {
    if settings.no_refused_retry || settings.single_attempt || settings.no_rate_limit_retry {
        client = client.with_policy(RetryPolicy {
            refused_retry: (!settings.no_refused_retry)
                .then_some(RetryPolicy::default().refused_retry)
                .flatten(),
            closed_retries: if settings.no_refused_retry {
                0
            } else {
                RetryPolicy::default().closed_retries
            },
            retries: !settings.single_attempt,
            retry_rate_limited: !settings.no_rate_limit_retry,
            ..RetryPolicy::default()
        });
    }
    for secret in secrets {
        client.scrub(secret);
    }
    Ok(client)
}

/// A service's body as a flat JSON object of strings; anything else is a bad response.
pub fn secrets_from_body(body: &[u8]) -> Result<Secrets, FetchError> {
    flat_json_object(body).map_err(|reason| FetchError::service(FailureClass::BadResponse, reason))
}

/// The address as recorded in metadata: scheme, host, port and path, never a query
/// (signed URLs carry credentials there) nor user info.
pub fn recorded_address(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_credentials_are_never_quoted() {
        for text in [
            "https://user:canary-pw@[bad-host/v1",
            "ftp://user:canary-pw@host/x?sig=canary-sig",
            "not a url canary-pw",
        ] {
            let error = parse_address(text, "the source URL")
                .unwrap_err()
                .to_string();
            assert!(!error.contains("canary"), "{error}");
        }
        let url = parse_address("https://user:pw@host:8443/v1/s?sig=secret#f", "x").unwrap();
        assert_eq!(recorded_address(&url), "https://host:8443/v1/s");
    }
}
