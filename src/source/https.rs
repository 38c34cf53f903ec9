//! `https://…`: any URL that answers a flat JSON object of strings, with an optional
//! bearer token from `--token-file` or `LIFEBOAT_HTTP_TOKEN`. (`http://` is accepted too,
//! for services on the same host or network.)

use reqwest::Url;
use zeroize::Zeroizing;

use super::live::{
    client_for, credential, parse_address, recorded_address, secrets_from_body, LiveSettings,
};
use super::{validate, Fetched, Scope, Source, SourceError};
use crate::http::{Deadline, FetchError, HttpClient, Request};
use crate::secret::Secrets;

/// Secrets from a JSON endpoint.
pub struct HttpSource {
    url: Url,
    token: Option<Zeroizing<String>>,
    client: HttpClient,
}

impl HttpSource {
    /// Reads the settings.
    pub fn new(url: &str, settings: &LiveSettings) -> Result<Self, FetchError> {
        let url = parse_address(url, "the source URL")?;
        refuse_user_info(&url)?;
        let token = credential(
            settings.token_file.as_deref(),
            "--token-file",
            "LIFEBOAT_HTTP_TOKEN",
        )?;
        let secrets: Vec<&str> = token.iter().map(|t| t.as_str()).collect();
        let client = client_for(&url, settings, &settings.ca_files, &secrets)?;
        Ok(HttpSource { url, token, client })
    }
}

/// Refuses `https://user:password@host/…`. The `--source` text is not kept like a
/// credential: it is in the command line, `LIFEBOAT_SOURCE` (an image's `ENV`, readable by
/// anyone who can pull the image) and the Deployment's spec. The token has its own places,
/// read from a file or a variable and never shown. The error never quotes the URL.
fn refuse_user_info(url: &Url) -> Result<(), FetchError> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(());
    }
    Err(FetchError::Config(
        "the source URL carries credentials (user@ or user:password@ before the host): remove them from the URL and give the token in a file with --token-file or in LIFEBOAT_HTTP_TOKEN (sent as a bearer token); a URL is seen by anyone who can read the command line, the image's ENV or the Deployment".into(),
    ))
}

impl Source for HttpSource {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = recorded_address(&self.url);
        let wrap = |error| SourceError::Fetch {
            origin: origin.clone(),
            error,
        };
        let mut request = Request::get(self.url.clone());
        if let Some(token) = &self.token {
            // A wiped temporary: the header's text is the token.
            let bearer = Zeroizing::new(format!("Bearer {}", token.as_str()));
            request = request.header("authorization", &bearer, true);
        }
        let body = self.client.fetch(&request, deadline).map_err(wrap)?;
        Ok(Fetched {
            secrets: parse_https_answer(&body, &origin)?,
            scope: https_scope(&self.url),
            overridden: Vec::new(),
        })
    }
}

/// An HTTPS source's scope: its service address (scheme, host and port), only noted as a
/// Vault or Doppler address is, and what selects the secrets: the path and the query. A
/// query parameter that carries a credential (a signed URL's signature, a token) keeps its
/// name, and its value is replaced: the snapshot's metadata is readable without a key.
pub(crate) fn https_scope(url: &Url) -> Scope {
    let mut address = url.clone();
    address.set_path("");
    let address = recorded_address(&address);
    let path = url.path().trim_end_matches('/');
    Scope {
        provider: "https".into(),
        address: Some(address),
        path: Some(if path.is_empty() { "/" } else { path }.to_string()),
        query: url.query().filter(|q| !q.is_empty()).map(recorded_query),
        ..Scope::default()
    }
}

/// The query as recorded: each `name=value` as written, but a value that carries a
/// credential, by its parameter's name or by its shape, replaced by `[REDACTED]`.
fn recorded_query(query: &str) -> String {
    const CREDENTIAL_NAMES: [&str; 9] = [
        "sig",
        "token",
        "key",
        "pass",
        "secret",
        "auth",
        "credential",
        "signature",
        "code",
    ];
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let lowered = name.to_ascii_lowercase();
            let carries_credential = CREDENTIAL_NAMES.iter().any(|word| lowered.contains(word))
                || crate::redact::looks_like_secret(value);
            if carries_credential && !value.is_empty() {
                format!("{name}=[REDACTED]")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Parses an HTTPS source's answer: a flat JSON object of strings (anything else is a bad
/// response), every name usable as an environment variable.
pub fn parse_https_answer(body: &[u8], origin: &str) -> Result<Secrets, SourceError> {
    let secrets = secrets_from_body(body).map_err(|error| SourceError::Fetch {
        origin: origin.to_string(),
        error,
    })?;
    validate(secrets, origin)
}
