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
            scope: Scope {
                provider: "https".into(),
                address: Some(origin),
                ..Scope::default()
            },
            overridden: Vec::new(),
        })
    }
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
