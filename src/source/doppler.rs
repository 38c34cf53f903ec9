//! `doppler`: the Doppler API's secrets download endpoint, as the Doppler CLI uses it.
//!
//! `DOPPLER_TOKEN` (or `--token-file`), `DOPPLER_PROJECT` and `DOPPLER_CONFIG` (optional
//! with service tokens, which imply them), `DOPPLER_API_HOST` (default the public API).

use reqwest::Url;
use zeroize::Zeroizing;

use super::live::{
    address_setting, client_for, credential, env_value, recorded_address, secrets_from_body,
    LiveSettings,
};
use super::{validate, Fetched, Scope, Source, SourceError};
use crate::http::{Deadline, FetchError, HttpClient, Request};
use crate::secret::Secrets;

/// The public Doppler API.
pub const DEFAULT_API_HOST: &str = "https://api.doppler.com";

/// Secrets of one Doppler config.
pub struct DopplerSource {
    api_host: Url,
    token: Zeroizing<String>,
    project: Option<String>,
    config: Option<String>,
    client: HttpClient,
}

impl DopplerSource {
    /// Reads the settings from flags and Doppler's environment variables.
    pub fn from_env(settings: &LiveSettings) -> Result<Self, FetchError> {
        let api_host = address_setting("DOPPLER_API_HOST", DEFAULT_API_HOST)?;
        let token = credential(
            settings.token_file.as_deref(),
            "--token-file",
            "DOPPLER_TOKEN",
        )?
        .ok_or_else(|| {
            FetchError::Config("no Doppler token: set DOPPLER_TOKEN or give --token-file".into())
        })?;
        let client = client_for(&api_host, settings, &settings.ca_files, &[&token])?;
        Ok(DopplerSource {
            api_host,
            project: env_value("DOPPLER_PROJECT").map(|v| v.to_string()),
            config: env_value("DOPPLER_CONFIG").map(|v| v.to_string()),
            token,
            client,
        })
    }
}

impl Source for DopplerSource {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = format!("doppler at {}", recorded_address(&self.api_host));
        let wrap = |error| SourceError::Fetch {
            origin: origin.clone(),
            error,
        };
        let mut url = self
            .api_host
            .join("/v3/configs/config/secrets/download")
            .map_err(|e| wrap(FetchError::Config(format!("bad DOPPLER_API_HOST: {e}"))))?;
        // As the CLI does: project and config always present, empty when a service token
        // implies them. Dynamic secrets expire, so they are not sealed into images.
        url.query_pairs_mut()
            .append_pair("project", self.project.as_deref().unwrap_or(""))
            .append_pair("config", self.config.as_deref().unwrap_or(""))
            .append_pair("format", "json")
            .append_pair("include_dynamic_secrets", "false");
        // A wiped temporary: the header's text is the token.
        let bearer = Zeroizing::new(format!("Bearer {}", self.token.as_str()));
        let request = Request::get(url).header("authorization", &bearer, true);
        let body = self.client.fetch(&request, deadline).map_err(wrap)?;
        let answer = parse_doppler_answer(&body, &origin)?;
        let scope = Scope {
            provider: "doppler".into(),
            address: Some(recorded_address(&self.api_host)),
            project: answer.project.or_else(|| self.project.clone()),
            config: answer.config.or_else(|| self.config.clone()),
            ..Scope::default()
        };
        Ok(Fetched {
            secrets: answer.secrets,
            scope,
            overridden: Vec::new(),
        })
    }
}

/// What a Doppler download answer holds.
#[derive(Debug)]
pub struct DopplerAnswer {
    /// The secrets, validated.
    pub secrets: Secrets,
    /// `DOPPLER_PROJECT`, which Doppler adds to every download, when not empty.
    pub project: Option<String>,
    /// `DOPPLER_CONFIG`, likewise.
    pub config: Option<String>,
}

/// Parses the body of `GET /v3/configs/config/secrets/download?format=json`: a flat JSON
/// object of strings. Anything else is a bad response; names that cannot be environment
/// variables are refused as malformed.
pub fn parse_doppler_answer(body: &[u8], origin: &str) -> Result<DopplerAnswer, SourceError> {
    let secrets = secrets_from_body(body).map_err(|error| SourceError::Fetch {
        origin: origin.to_string(),
        error,
    })?;
    let named = |key: &str| {
        secrets
            .get(key)
            .map(|v| v.expose().to_string())
            .filter(|v| !v.is_empty())
    };
    let (project, config) = (named("DOPPLER_PROJECT"), named("DOPPLER_CONFIG"));
    Ok(DopplerAnswer {
        secrets: validate(secrets, origin)?,
        project,
        config,
    })
}
