//! `vault:MOUNT/PATH`: a KV version 2 secret from Vault or OpenBao (same HTTP API).
//!
//! `VAULT_ADDR`, `VAULT_TOKEN` (or `--token-file`), `VAULT_NAMESPACE`, `VAULT_CACERT`;
//! AppRole login (`VAULT_ROLE_ID` + `VAULT_SECRET_ID`, or `--role-id-file` and
//! `--secret-id-file`), which is how CI pipelines authenticate; and the kubernetes and jwt
//! logins (`--vault-auth`, `--vault-role`, `--jwt-file`), which is how fleets on
//! Kubernetes do. Every login runs inside the fetch's one deadline. Strings are taken as they
//! are, other scalars as their JSON text; nested objects and arrays are refused by name.

use reqwest::Url;
use serde_json::Value;
use zeroize::Zeroizing;

use super::json::parse_json_quietly;
use super::live::{
    address_setting, check_header_text, client_for, credential, env_value, read_secret_file,
    read_secret_file_shown, recorded_address, LiveSettings, VaultLogin,
};
use super::{validate, Fetched, Scope, Source, SourceError};
use crate::http::{
    Deadline, FailureClass, FetchError, HttpClient, Method, Request, PROXY_AUTH_HINT,
};
use crate::secret::Secrets;

/// Where the Vault CLI looks when `VAULT_ADDR` is unset.
pub const DEFAULT_VAULT_ADDR: &str = "https://127.0.0.1:8200";

/// Where the kubernetes login finds the pod's service-account token by default.
pub const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

enum Auth {
    Token(Zeroizing<String>),
    /// A login that trades credentials for a token: `POST /v1/auth/MOUNT/login`.
    Login {
        /// The method as messages name it ("AppRole", "Kubernetes", "JWT").
        method: &'static str,
        mount: String,
        /// The JSON body, written once into a wiped buffer.
        body: Zeroizing<Vec<u8>>,
    },
}

/// A login body written once into a wiped buffer sized for the worst escaping (`\uXXXX`,
/// six bytes a byte), so a growing buffer leaves no copy of a credential behind. (The
/// HTTP stack takes its own unwiped copy of the body to send; SECURITY.md says so.)
fn login_body(fields: &[(&str, &str)]) -> Result<Zeroizing<Vec<u8>>, FetchError> {
    let size: usize = fields
        .iter()
        .map(|(k, v)| 6 * (k.len() + v.len()) + 8)
        .sum();
    let mut body = Zeroizing::new(Vec::with_capacity(size + 2));
    let map: std::collections::BTreeMap<&str, &str> = fields.iter().copied().collect();
    serde_json::to_writer(&mut *body, &map)
        .map_err(|e| FetchError::Config(format!("cannot encode the login: {e}")))?;
    Ok(body)
}

/// What to check when a login is refused.
fn login_hint(method: &str) -> &'static str {
    match method {
        "AppRole" => "check the role id and secret id (a secret id may be used up or expired) and --vault-auth-mount",
        "Kubernetes" => "check --vault-role and that the role binds this pod's service account and namespace, the method's mount (--vault-auth-mount), and that the service-account token is current",
        _ => "check --vault-role, that the role accepts this JWT's audience and claims, the method's mount (--vault-auth-mount), and that the JWT has not expired",
    }
}

/// The mount path of a login method: path segments of letters, digits, `-`, `_` and `.`,
/// never `..` (it is put into the URL).
fn auth_mount(given: Option<&str>, default: &str) -> Result<String, FetchError> {
    let mount = given.unwrap_or(default).trim().trim_matches('/');
    let mount = mount.strip_prefix("auth/").unwrap_or(mount);
    let valid = !mount.is_empty()
        && mount.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    if !valid {
        return Err(FetchError::Config(
            "--vault-auth-mount must be a mount path such as kubernetes or k8s/prod (letters, digits, - _ . and /)".into(),
        ));
    }
    Ok(mount.to_string())
}

/// The login the flags and Vault's variables ask for, and every credential it holds
/// (scrubbed from any message the server sends back). Only the chosen method's
/// credentials are read.
fn auth_from(settings: &LiveSettings) -> Result<(Auth, Vec<Zeroizing<String>>), FetchError> {
    let token = || {
        credential(
            settings.token_file.as_deref(),
            "--token-file",
            "VAULT_TOKEN",
        )
    };
    let role_id = || {
        credential(
            settings.role_id_file.as_deref(),
            "--role-id-file",
            "VAULT_ROLE_ID",
        )
    };
    let secret_id = || {
        credential(
            settings.secret_id_file.as_deref(),
            "--secret-id-file",
            "VAULT_SECRET_ID",
        )
    };
    // A role or JWT given for a login that does not use it would be ignored while a stray
    // VAULT_TOKEN logs in instead: say so rather than guess.
    let jwt_login = matches!(
        settings.vault_auth,
        Some(VaultLogin::Kubernetes | VaultLogin::Jwt)
    );
    if !jwt_login && (settings.vault_role.is_some() || settings.jwt_file.is_some()) {
        return Err(FetchError::Config(
            "--vault-role and --jwt-file are for the kubernetes and jwt logins: give --vault-auth kubernetes or --vault-auth jwt (LIFEBOAT_VAULT_AUTH)".into(),
        ));
    }
    let method = match settings.vault_auth {
        Some(method) => method,
        None if settings.token_file.is_some() || env_value("VAULT_TOKEN").is_some() => {
            VaultLogin::Token
        }
        None if settings.role_id_file.is_some()
            || settings.secret_id_file.is_some()
            || env_value("VAULT_ROLE_ID").is_some()
            || env_value("VAULT_SECRET_ID").is_some() =>
        {
            VaultLogin::AppRole
        }
        None => {
            return Err(FetchError::Config(
                "no Vault credentials: set VAULT_TOKEN, give --token-file, use AppRole (VAULT_ROLE_ID and VAULT_SECRET_ID), or log in with --vault-auth kubernetes|jwt".into(),
            ))
        }
    };
    let mount = settings.vault_auth_mount.as_deref();
    match method {
        VaultLogin::Token => {
            let token = token()?.ok_or_else(|| {
                FetchError::Config(
                    "--vault-auth token needs a token: set VAULT_TOKEN or give --token-file"
                        .into(),
                )
            })?;
            Ok((Auth::Token(token.clone()), vec![token]))
        }
        VaultLogin::AppRole => match (role_id()?, secret_id()?) {
            (Some(role_id), Some(secret_id)) => Ok((
                Auth::Login {
                    method: "AppRole",
                    mount: auth_mount(mount, "approle")?,
                    body: login_body(&[("role_id", &role_id), ("secret_id", &secret_id)])?,
                },
                vec![role_id, secret_id],
            )),
            _ => Err(FetchError::Config(
                "AppRole login needs both a role id and a secret id (VAULT_ROLE_ID and VAULT_SECRET_ID, or --role-id-file and --secret-id-file)".into(),
            )),
        },
        VaultLogin::Kubernetes | VaultLogin::Jwt => {
            let kubernetes = method == VaultLogin::Kubernetes;
            let (name, default_mount) = if kubernetes {
                ("Kubernetes", "kubernetes")
            } else {
                ("JWT", "jwt")
            };
            let jwt = match (&settings.jwt_file, kubernetes) {
                (Some(path), _) => read_secret_file(path, "--jwt-file")?,
                (None, true) => read_secret_file_shown(
                    std::path::Path::new(SERVICE_ACCOUNT_TOKEN),
                    &format!("the service-account token {SERVICE_ACCOUNT_TOKEN} (not mounted? give --jwt-file)"),
                )?,
                (None, false) => {
                    return Err(FetchError::Config(
                        "--vault-auth jwt needs the JWT: give --jwt-file FILE".into(),
                    ))
                }
            };
            let role = settings.vault_role.as_deref().map(str::trim);
            if role.is_some_and(str::is_empty) || (kubernetes && role.is_none()) {
                return Err(FetchError::Config(format!(
                    "--vault-auth {default_mount} needs the Vault role to log in as: give --vault-role ROLE (LIFEBOAT_VAULT_ROLE)"
                )));
            }
            let mut fields = vec![("jwt", jwt.as_str())];
            if let Some(role) = role {
                fields.push(("role", role));
            }
            let body = login_body(&fields)?;
            // The role is scrubbed from server messages too (Vault quotes it, and a value
            // pasted into the wrong variable may be a token).
            let mut scrubbed = vec![jwt.clone()];
            scrubbed.extend(role.map(|role| Zeroizing::new(role.to_string())));
            Ok((
                Auth::Login {
                    method: name,
                    mount: auth_mount(mount, default_mount)?,
                    body,
                },
                scrubbed,
            ))
        }
    }
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

/// The namespace as recorded in a scope: `ns1/` and `/ns1` are Vault's `ns1`; the root
/// namespace is no namespace.
pub fn recorded_namespace(namespace: Option<&str>) -> Option<String> {
    let namespace = namespace?.trim().trim_matches('/');
    (!namespace.is_empty() && namespace != "root").then(|| namespace.to_string())
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
        let address = address_setting("VAULT_ADDR", DEFAULT_VAULT_ADDR)?;
        let (auth, credentials) = auth_from(settings)?;
        let namespace = env_value("VAULT_NAMESPACE").map(|v| v.to_string());
        if let Some(namespace) = &namespace {
            check_header_text(namespace, "VAULT_NAMESPACE")?;
        }
        let mut ca_files = settings.ca_files.clone();
        if let Some(cacert) = env_value("VAULT_CACERT") {
            ca_files.push(cacert.as_str().into());
        }
        let secrets: Vec<&str> = credentials.iter().map(|c| c.as_str()).collect();
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

    /// Logs in and returns the client token.
    fn login(
        &self,
        method: &str,
        mount: &str,
        body: &Zeroizing<Vec<u8>>,
        deadline: Deadline,
    ) -> Result<Zeroizing<String>, FetchError> {
        let mut request = self.request(Request::get(self.url(&format!("auth/{mount}/login"))?));
        request.method = Method::Post;
        request.body = Some(body.clone());
        // Vault answers a wrong role, secret id or JWT with 400: for a login that is a
        // denial.
        let answer = self
            .client
            .fetch(&request, deadline)
            .map_err(|error| match error {
                // The login server's own refusal; a proxy's 407 keeps its own words and
                // hint.
                FetchError::Service {
                    class: FailureClass::NotFound | FailureClass::Denied,
                    reason,
                    hint,
                } if hint != Some(PROXY_AUTH_HINT) => FetchError::Service {
                    class: FailureClass::Denied,
                    reason: format!("{method} login refused: {reason}"),
                    hint: Some(login_hint(method)),
                },
                other => other,
            })?;
        let token = parse_login_answer(&answer, method)?;
        // From now on an echo of it is scrubbed too.
        self.client.scrub(&token);
        Ok(token)
    }

    fn read(&self, deadline: Deadline) -> Result<(Secrets, Option<u64>), FetchError> {
        let token = match &self.auth {
            Auth::Token(token) => token.clone(),
            Auth::Login {
                method,
                mount,
                body,
            } => self.login(method, mount, body, deadline)?,
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

impl VaultSource {
    /// `vault:secret/data/app` is the API's path for `secret/app`: a 404 for a path that
    /// starts with `data/` says what to write instead.
    fn api_path_hint(&self, error: FetchError) -> FetchError {
        match error {
            FetchError::Service {
                class: FailureClass::NotFound,
                reason,
                hint: None,
            } if self.path.starts_with("data/") => FetchError::Service {
                class: FailureClass::NotFound,
                reason,
                hint: Some(DATA_PATH_HINT),
            },
            other => other,
        }
    }
}

/// The hint for a KV path given the way the HTTP API spells it.
const DATA_PATH_HINT: &str = "vault:MOUNT/PATH takes the secret's path as `bao kv get -mount=MOUNT PATH` names it, without the API's data/ segment: vault:secret/app, not vault:secret/data/app";

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
            error: self.api_path_hint(error),
        })?;
        Ok(Fetched {
            secrets: validate(secrets, &origin)?,
            scope: Scope {
                provider: "vault".into(),
                address: Some(recorded_address(&self.address)),
                namespace: recorded_namespace(self.namespace.as_deref()),
                mount: Some(self.mount.clone()),
                path: Some(self.path.clone()),
                version,
                ..Scope::default()
            },
            overridden: Vec::new(),
        })
    }
}

/// Parses a login answer (`method` words the errors): the client token at
/// `auth.client_token`.
pub fn parse_login_answer(body: &[u8], method: &str) -> Result<Zeroizing<String>, FetchError> {
    let value =
        parse_json_quietly(body).map_err(|r| FetchError::service(FailureClass::BadResponse, r))?;
    let token = value["auth"]["client_token"]
        .as_str()
        .map(|t| Zeroizing::new(t.to_string()))
        .ok_or_else(|| {
            FetchError::service(
                FailureClass::BadResponse,
                format!("the {method} login answer has no auth.client_token"),
            )
        })?;
    // The server's token, not lifeboat's configuration: one HTTP cannot carry is the
    // server's bad answer.
    if token.is_empty() || !token.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(FetchError::service(
            FailureClass::BadResponse,
            format!("the {method} login answer's auth.client_token is empty or holds characters HTTP cannot carry"),
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
    let secrets = super::json::scalars_as_secrets(data).map_err(bad)?;
    Ok((secrets, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_mounts_are_path_segments_never_dot_dot() {
        assert_eq!(auth_mount(None, "kubernetes").unwrap(), "kubernetes");
        assert_eq!(
            auth_mount(Some("/k8s/prod/"), "kubernetes").unwrap(),
            "k8s/prod"
        );
        assert_eq!(auth_mount(Some("auth/jwt-ci"), "jwt").unwrap(), "jwt-ci");
        for bad in [
            "", "/", "../sys", "a/../b", "a//b", "a/./b", "k8s?x=1", "k 8s", "k8s#f", "é",
        ] {
            assert!(auth_mount(Some(bad), "jwt").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn login_bodies_are_json_objects_of_the_fields() {
        let body = login_body(&[("jwt", "a\"b"), ("role", "app")]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value, serde_json::json!({"jwt": "a\"b", "role": "app"}));
    }

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
