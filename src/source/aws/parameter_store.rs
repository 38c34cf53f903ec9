//! `aws-ssm:/PATH/`: every parameter under a path of AWS Systems Manager Parameter Store,
//! recursively (`GetParametersByPath`, `Recursive`, `WithDecryption`, paged with
//! `NextToken`); `aws-ssm:/PATH/NAME` (no trailing slash) for one (`GetParameter`).
//! SecureStrings are decrypted: a placeholder is never sealed in their place.
//!
//! A variable's name is the parameter's path below the prefix with `/` turned into `_`:
//! under `/shop/prod/`, `/shop/prod/db/password` is `db_password`. A name that rule
//! cannot make into a variable (a `-` first, say) is refused by name; so are two paths
//! that make one name.

use serde_json::Value;

use super::{AwsConfig, JsonApi};
use crate::http::{Deadline, FailureClass, FetchError};
use crate::secret::{SecretValue, Secrets};
use crate::source::live::LiveSettings;
use crate::source::{validate, Fetched, Scope, Source, SourceError};

/// The most pages read (ten parameters each): a path with more is refused, not cut.
const MAX_PAGES: u32 = 100;

/// The variable name of `parameter` under `prefix` (which ends with `/`): the rest of
/// its path with `/` made `_`. A single parameter's name is its last segment.
pub fn parameter_name(prefix: &str, parameter: &str) -> Option<String> {
    let rest = parameter.strip_prefix(prefix)?;
    (!rest.is_empty()).then(|| rest.replace('/', "_"))
}

/// One path, or one parameter.
pub struct ParameterStoreSource {
    /// `/shop/prod/` (a path) or `/shop/prod/db_url` (one parameter).
    path: String,
    config: AwsConfig,
    api: JsonApi,
    region: String,
    settings: LiveSettings,
}

impl ParameterStoreSource {
    /// Configured from the environment and the shared files.
    pub fn new(path: String, settings: &LiveSettings) -> Result<Self, FetchError> {
        let config = AwsConfig::load()?;
        let region = config.region(None)?;
        let (url, _) = config.endpoint("AWS_ENDPOINT_URL_SSM", "ssm", &region)?;
        let api = JsonApi::new(url, "ssm", "AmazonSSM", region.clone(), settings, MAX_PAGES)?;
        Ok(ParameterStoreSource {
            path,
            config,
            api,
            region,
            settings: settings.clone(),
        })
    }

    fn read(&self, deadline: Deadline) -> Result<Secrets, FetchError> {
        let credentials = super::credentials(&self.config, &self.settings, deadline)?;
        let mut secrets = Secrets::new();
        if !self.path.ends_with('/') {
            let body = serde_json::json!({"Name": self.path, "WithDecryption": true});
            let answer = self
                .api
                .call("GetParameter", &body, &credentials, deadline)?;
            let mut value = parse(&answer)?;
            let parameter = value
                .get_mut("Parameter")
                .map(Value::take)
                .unwrap_or_default();
            let (_, text) = parameter_value(parameter)?;
            let name = self.path.rsplit('/').next().unwrap_or_default().to_string();
            secrets.insert(name, SecretValue::new(text));
            return Ok(secrets);
        }
        let mut next: Option<String> = None;
        let mut seen_tokens: std::collections::HashSet<String> = Default::default();
        let mut pages = 0;
        loop {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(FetchError::Config(format!(
                    "more than {MAX_PAGES} pages under {} ({} parameters so far): name a narrower path",
                    crate::redact::shown(&self.path),
                    secrets.len()
                )));
            }
            let mut body = serde_json::json!({
                "Path": self.path, "Recursive": true, "WithDecryption": true, "MaxResults": 10,
            });
            if let Some(token) = &next {
                body["NextToken"] = token.as_str().into();
            }
            let answer = self
                .api
                .call("GetParametersByPath", &body, &credentials, deadline)?;
            let mut value = parse(&answer)?;
            let Some(Value::Array(parameters)) = value.get_mut("Parameters").map(Value::take)
            else {
                return Err(bad("the answer has no Parameters list"));
            };
            for parameter in parameters {
                let (path, text) = parameter_value(parameter)?;
                let name = parameter_name(&self.path, &path)
                    .ok_or_else(|| bad("a parameter outside the path asked for came back"))?;
                if secrets.get(&name).is_some() {
                    return Err(FetchError::Config(format!(
                        "two parameters under {} make the one name {}; rename one of them",
                        crate::redact::shown(&self.path),
                        crate::redact::shown(&name)
                    )));
                }
                secrets.insert(name, SecretValue::new(text));
            }
            let token = value["NextToken"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            // A page may be empty with a token after it; a token seen before is a loop.
            if let Some(token) = &token {
                if !seen_tokens.insert(token.clone()) {
                    return Err(bad(
                        "the service gave a NextToken it gave before (a paging loop)",
                    ));
                }
            }
            next = token;
            if next.is_none() {
                return Ok(secrets);
            }
        }
    }
}

fn bad(reason: &str) -> FetchError {
    FetchError::service(FailureClass::BadResponse, reason)
}

fn parse(body: &[u8]) -> Result<Value, FetchError> {
    super::super::json::parse_json_quietly(body)
        .map_err(|reason| FetchError::service(FailureClass::BadResponse, reason))
}

/// A parameter's path and value, taken by move.
fn parameter_value(mut parameter: Value) -> Result<(String, String), FetchError> {
    let path = parameter["Name"]
        .as_str()
        .ok_or_else(|| bad("a parameter without a Name"))?
        .to_string();
    let Some(Value::String(text)) = parameter.get_mut("Value").map(Value::take) else {
        return Err(bad("a parameter without a string Value"));
    };
    Ok((path, text))
}

impl Source for ParameterStoreSource {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = format!(
            "aws-ssm {} in {}",
            crate::redact::shown(&self.path),
            self.region
        );
        let secrets = self.read(deadline).map_err(|error| SourceError::Fetch {
            origin: origin.clone(),
            error,
        })?;
        Ok(Fetched {
            secrets: validate(secrets, &origin)?,
            scope: Scope {
                provider: "aws-ssm".into(),
                address: Some(self.api.address()),
                region: Some(self.region.clone()),
                path: Some(self.path.clone()),
                ..Scope::default()
            },
            overridden: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_path_below_the_prefix() {
        assert_eq!(
            parameter_name("/shop/prod/", "/shop/prod/db/password").as_deref(),
            Some("db_password")
        );
        assert_eq!(
            parameter_name("/shop/prod/", "/shop/prod/API_KEY").as_deref(),
            Some("API_KEY")
        );
        assert_eq!(parameter_name("/shop/prod/", "/shop/staging/API_KEY"), None);
        assert_eq!(parameter_name("/shop/prod/", "/shop/prod/"), None);
    }
}
