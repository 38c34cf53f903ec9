//! `vault:MOUNT/PATH`: a KV version 2 secret from Vault or OpenBao (same HTTP API).
//!
//! `VAULT_ADDR`, `VAULT_TOKEN` (or `--token-file`), `VAULT_NAMESPACE`, `VAULT_CACERT`, and
//! AppRole login (`VAULT_ROLE_ID` + `VAULT_SECRET_ID`, or `--role-id-file` and
//! `--secret-id-file`), which is how CI pipelines authenticate. Strings are taken as they
//! are, other scalars as their JSON text; nested objects and arrays are refused by name.

use reqwest::Url;
use serde_json::Value;
use zeroize::Zeroizing;

use super::json::{kind_of, parse_json_quietly};
use super::live::{
    check_header_text, client_for, credential, env_value, parse_address, recorded_address,
    LiveSettings,
};
use super::{validate, Fetched, Scope, Source, SourceError};
use crate::http::{Deadline, FailureClass, FetchError, HttpClient, Method, Request};
use crate::secret::{SecretValue, Secrets};

/// Where the Vault CLI looks when `VAULT_ADDR` is unset.
pub const DEFAULT_VAULT_ADDR: &str = "https://127.0.0.1:8200";

enum Auth {
    Token(Zeroizing<String>),
    AppRole {
        role_id: Zeroizing<String>,
        secret_id: Zeroizing<String>,
    },
}

/// One KV v2 secret.
pub struct VaultSource {
    address: Url,
    auth: Auth,
    namespace: Option<String>,
    mount: String,
    path: String,
    client: HttpClient,
}

/// Splits `MOUNT/PATH` (the first segment is the mount).
pub fn split_mount_path(spec: &str) -> Option<(String, String)> {
    let spec = spec.trim_matches('/');
    let (mount, path) = spec.split_once('/')?;
    let path = path.trim_matches('/');
    (!mount.is_empty() && !path.is_empty()).then(|| (mount.to_string(), path.to_string()))
}

impl VaultSource {
    /// Reads the settings from flags and Vault's environment variables.
    pub fn from_env(
        mount: String,
        path: String,
        settings: &LiveSettings,
    ) -> Result<Self, FetchError> {
        let address = env_value("VAULT_ADDR")
            .map(|v| v.to_string())
            .unwrap_or_else(|| DEFAULT_VAULT_ADDR.into());
        let address = parse_address(&address, "VAULT_ADDR")?;
        let role_id = credential(
            settings.role_id_file.as_deref(),
            "--role-id-file",
            "VAULT_ROLE_ID",
        )?;
        let secret_id = credential(
            settings.secret_id_file.as_deref(),
            "--secret-id-file",
            "VAULT_SECRET_ID",
        )?;
        let token = credential(
            settings.token_file.as_deref(),
            "--token-file",
            "VAULT_TOKEN",
        )?;
        let auth = match (token, role_id, secret_id) {
            (Some(token), _, _) => Auth::Token(token),
            (None, Some(role_id), Some(secret_id)) => Auth::AppRole { role_id, secret_id },
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(FetchError::Config(
                    "AppRole login needs both a role id and a secret id (VAULT_ROLE_ID and VAULT_SECRET_ID, or --role-id-file and --secret-id-file)".into(),
                ))
            }
            (None, None, None) => {
                return Err(FetchError::Config(
                    "no Vault credentials: set VAULT_TOKEN, give --token-file, or use AppRole (VAULT_ROLE_ID and VAULT_SECRET_ID)".into(),
                ))
            }
        };
        let namespace = env_value("VAULT_NAMESPACE").map(|v| v.to_string());
        if let Some(namespace) = &namespace {
            check_header_text(namespace, "VAULT_NAMESPACE")?;
        }
        let mut ca_files = settings.ca_files.clone();
        if let Some(cacert) = env_value("VAULT_CACERT") {
            ca_files.push(cacert.as_str().into());
        }
        let secrets: Vec<&str> = match &auth {
            Auth::Token(token) => vec![token.as_str()],
            Auth::AppRole { role_id, secret_id } => vec![role_id.as_str(), secret_id.as_str()],
        };
        let client = client_for(&address, settings, &ca_files, &secrets)?;
        Ok(VaultSource {
            address,
            auth,
            namespace,
            mount,
            path,
            client,
        })
    }

    fn url(&self, api_path: &str) -> Result<Url, FetchError> {
        let base = self.address.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/v1/{api_path}"))
            .map_err(|e| FetchError::Config(format!("bad Vault path {api_path:?}: {e}")))
    }

    fn request(&self, request: Request) -> Request {
        match &self.namespace {
            Some(namespace) => request.header("x-vault-namespace", namespace, false),
            None => request,
        }
    }

    /// Logs in with AppRole and returns the client token.
    fn login(
        &self,
        role_id: &str,
        secret_id: &str,
        deadline: Deadline,
    ) -> Result<Zeroizing<String>, FetchError> {
        // Written once into a wiped buffer sized for the worst escaping (`\uXXXX`, six
        // bytes a byte), so no copy of either id is left behind by a growing buffer.
        #[derive(serde::Serialize)]
        struct Login<'a> {
            role_id: &'a str,
            secret_id: &'a str,
        }
        let mut body = Zeroizing::new(Vec::with_capacity(
            6 * (role_id.len() + secret_id.len()) + 32,
        ));
        serde_json::to_writer(&mut *body, &Login { role_id, secret_id })
            .map_err(|e| FetchError::Config(format!("cannot encode the login: {e}")))?;
        let mut request = self.request(Request::get(self.url("auth/approle/login")?));
        request.method = Method::Post;
        request.body = Some(body);
        // Vault answers a wrong role or secret id with 400: for a login that is a denial.
        let answer = self
            .client
            .fetch(&request, deadline)
            .map_err(|error| match error {
                FetchError::Service {
                    class: FailureClass::NotFound,
                    reason,
                    ..
                } => FetchError::service(
                    FailureClass::Denied,
                    format!("AppRole login refused: {reason}"),
                ),
                other => other,
            })?;
        let token = parse_login_answer(&answer)?;
        // From now on an echo of it is scrubbed too.
        self.client.scrub(&token);
        Ok(token)
    }

    fn read(&self, deadline: Deadline) -> Result<(Secrets, Option<u64>), FetchError> {
        let token = match &self.auth {
            Auth::Token(token) => token.clone(),
            Auth::AppRole { role_id, secret_id } => self.login(role_id, secret_id, deadline)?,
        };
        let request = self
            .request(Request::get(
                self.url(&format!("{}/data/{}", self.mount, self.path))?,
            ))
            .header("x-vault-token", &token, true);
        let body = self.client.fetch(&request, deadline)?;
        parse_kv2_answer(&body, &self.mount)
    }
}

impl Source for VaultSource {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = format!(
            "vault {}/{} at {}",
            self.mount,
            self.path,
            recorded_address(&self.address)
        );
        let (secrets, version) = self.read(deadline).map_err(|error| SourceError::Fetch {
            origin: origin.clone(),
            error,
        })?;
        Ok(Fetched {
            secrets: validate(secrets, &origin)?,
            scope: Scope {
                provider: "vault".into(),
                address: Some(recorded_address(&self.address)),
                mount: Some(self.mount.clone()),
                path: Some(self.path.clone()),
                version,
                ..Scope::default()
            },
        })
    }
}

/// Parses an AppRole login answer: the client token at `auth.client_token`.
pub fn parse_login_answer(body: &[u8]) -> Result<Zeroizing<String>, FetchError> {
    let value =
        parse_json_quietly(body).map_err(|r| FetchError::service(FailureClass::BadResponse, r))?;
    let token = value["auth"]["client_token"]
        .as_str()
        .map(|t| Zeroizing::new(t.to_string()))
        .ok_or_else(|| {
            FetchError::service(
                FailureClass::BadResponse,
                "the AppRole login answer has no auth.client_token",
            )
        })?;
    // The server's token, not lifeboat's configuration: one HTTP cannot carry is the
    // server's bad answer.
    if token.is_empty() || !token.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(FetchError::service(
            FailureClass::BadResponse,
            "the AppRole login answer's auth.client_token is empty or holds characters HTTP cannot carry",
        ));
    }
    Ok(token)
}

/// Parses a KV version 2 read answer: the secrets at `data.data` (strings, or scalars
/// written as JSON; objects and arrays refused) and the version at
/// `data.metadata.version`. `mount` only words the error.
pub fn parse_kv2_answer(body: &[u8], mount: &str) -> Result<(Secrets, Option<u64>), FetchError> {
    let bad = |reason: String| FetchError::service(FailureClass::BadResponse, reason);
    let mut value = parse_json_quietly(body).map_err(bad)?;
    let version = value["data"]["metadata"]["version"].as_u64();
    // Taken out by move: the values become secrets without a copy.
    let Some(Value::Object(data)) = value.pointer_mut("/data/data").map(Value::take) else {
        return Err(bad(format!(
            "the answer has no data.data object (is {mount}/ a KV version 2 mount?)"
        )));
    };
    // A key given twice would lose one value silently, as in any JSON source.
    if let Some(key) = super::json::repeated_key_at(body, &["data", "data"]) {
        let shown: String = key.chars().take(64).collect();
        return Err(bad(format!(
            "the key \"{}\" appears twice in data.data; one of its values would be lost",
            crate::redact::shown(&shown)
        )));
    }
    let mut secrets = Secrets::new();
    for (name, value) in data {
        let text = match value {
            Value::String(text) => text,
            Value::Object(_) | Value::Array(_) => {
                return Err(bad(format!(
                "the value of {} is {}; only strings, numbers, booleans and null can be secrets",
                crate::redact::shown(&name),
                kind_of(&value)
            )))
            }
            scalar => scalar.to_string(),
        };
        secrets.insert(name, SecretValue::new(text));
    }
    Ok((secrets, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused() {
        let body = br#"{"data": {"data": {"A": "canary-1", "B": "2", "A": "canary-3"}, "metadata": {"version": 1}}}"#;
        let error = parse_kv2_answer(body, "secret").unwrap_err().to_string();
        assert!(
            error.contains("the key \"A\" appears twice in data.data"),
            "{error}"
        );
        assert!(!error.contains("canary"), "{error}");
        let fine = br#"{"data": {"data": {"A": "1"}, "metadata": {"A": 1, "version": 1}}, "A": [1, {"A": 2}]}"#;
        assert!(parse_kv2_answer(fine, "secret").is_ok());
    }

    #[test]
    fn mount_and_path() {
        assert_eq!(
            split_mount_path("secret/app"),
            Some(("secret".into(), "app".into()))
        );
        assert_eq!(
            split_mount_path("secret/team/app/"),
            Some(("secret".into(), "team/app".into()))
        );
        assert_eq!(split_mount_path("secret"), None);
        assert_eq!(split_mount_path("/app"), None);
    }
}
