//! `aws-ssm:/PATH/`: every parameter under a path of AWS Systems Manager Parameter Store,
//! recursively (`GetParametersByPath`, `Recursive`, `WithDecryption`, paged with
//! `NextToken`); `aws-ssm:/PATH/NAME` (no trailing slash) for one (`GetParameter`).
//! SecureStrings are decrypted: a placeholder is never sealed in their place.
//!
//! A variable's name is the parameter's path below the prefix with `/` turned into `_`:
//! under `/shop/prod/`, `/shop/prod/db/password` is `db_password`. A name that rule
//! cannot make into a variable (a `-` first, say) is refused by name; so are two paths
//! that make one name (`/shop/prod/db/url` and `/shop/prod/db_url`) and a path of more
//! than [`MAX_PAGES`] pages. Both are answers lifeboat cannot use, not its configuration:
//! `run` falls back on them (`bad-response`), `snapshot` refuses them.
//!
//! Every parameter's `ARN` names its account; the scope records it.

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

    /// The secrets, and the account their ARNs name.
    fn read(&self, deadline: Deadline) -> Result<(Secrets, Option<String>), FetchError> {
        let credentials = super::credentials(&self.config, &self.settings, deadline)?;
        let mut secrets = Secrets::new();
        let mut account = Account::default();
        if !self.path.ends_with('/') {
            let body = serde_json::json!({"Name": self.path, "WithDecryption": true});
            let answer = self
                .api
                .call("GetParameter", &body, &credentials, deadline)?;
            add_answer(&answer, &self.path, &mut secrets, &mut account)?;
            return Ok((secrets, account.0));
        }
        let mut next: Option<String> = None;
        let mut seen_tokens: std::collections::HashSet<String> = Default::default();
        let mut pages = 0;
        loop {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(bad(&format!(
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
            let token = add_answer(&answer, &self.path, &mut secrets, &mut account)?;
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
                return Ok((secrets, account.0));
            }
        }
    }
}

/// Adds what one answer for `path` holds to `secrets` (a `GetParameter` answer if `path`
/// names one parameter, else a page of `GetParametersByPath`) and returns the page's
/// `NextToken`, if any. Public as a surface for the fuzz targets (`aws_parameters`).
pub fn add_answer(
    answer: &[u8],
    path: &str,
    secrets: &mut Secrets,
    account: &mut Account,
) -> Result<Option<String>, FetchError> {
    let mut value = parse(answer)?;
    if !path.ends_with('/') {
        let parameter = value
            .get_mut("Parameter")
            .map(Value::take)
            .unwrap_or_default();
        account.add(&parameter)?;
        let (_, text) = parameter_value(parameter)?;
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        secrets.insert(name, SecretValue::new(text));
        return Ok(None);
    }
    let Some(Value::Array(parameters)) = value.get_mut("Parameters").map(Value::take) else {
        return Err(bad("the answer has no Parameters list"));
    };
    for parameter in parameters {
        account.add(&parameter)?;
        let (parameter_path, text) = parameter_value(parameter)?;
        let name = parameter_name(path, &parameter_path)
            .ok_or_else(|| bad("a parameter outside the path asked for came back"))?;
        if secrets.get(&name).is_some() {
            return Err(bad(&format!(
                "two parameters under {} make the one name {}; rename one of them",
                crate::redact::shown(path),
                crate::redact::shown(&name)
            )));
        }
        secrets.insert(name, SecretValue::new(text));
    }
    Ok(value["NextToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string))
}

/// The one account the parameters' ARNs name, once one has.
#[derive(Default)]
pub struct Account(pub Option<String>);

impl Account {
    /// Takes the account of `parameter`'s ARN; parameters of two accounts in one answer
    /// are not a path of one account's.
    fn add(&mut self, parameter: &Value) -> Result<(), FetchError> {
        let Some(found) = parameter["ARN"]
            .as_str()
            .and_then(|arn| super::arn::account(arn, "ssm"))
        else {
            return Ok(());
        };
        match &self.0 {
            Some(known) if known != found => Err(bad(&format!(
                "the answer holds parameters of two accounts, {known} and {found}"
            ))),
            Some(_) => Ok(()),
            None => {
                self.0 = Some(found.to_string());
                Ok(())
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
        let (secrets, account) = self.read(deadline).map_err(|error| SourceError::Fetch {
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
                account,
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
