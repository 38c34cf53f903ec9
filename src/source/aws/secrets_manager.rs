//! `aws-sm:SECRET`: one secret from AWS Secrets Manager (`GetSecretValue`), by name or
//! ARN, `@STAGE` or `#VERSION_ID` to pin one version. Its `SecretString` is a JSON
//! object, flattened as Vault's data is (strings as they are, numbers, booleans and null
//! as their JSON text, nested values refused by name: an RDS secret's `port` is a
//! number), or a plain string, which `--name NAME` names. A binary secret is refused.

use serde_json::Value;

use super::{AwsConfig, JsonApi};
use crate::http::{Deadline, FailureClass, FetchError};
use crate::secret::{SecretValue, Secrets};
use crate::source::live::LiveSettings;
use crate::source::{validate, Fetched, Scope, Source, SourceError};

/// Which version of the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The current one (`AWSCURRENT`).
    Current,
    /// `@STAGE`.
    Stage(String),
    /// `#VERSION_ID`.
    Version(String),
}

impl Pick {
    /// The stage recorded in a scope: the one asked for, `AWSCURRENT` by default (so a
    /// snapshot of `@AWSPENDING` never stands in for the current version); none for a
    /// version id.
    pub fn stage(&self) -> Option<String> {
        match self {
            Pick::Current => Some("AWSCURRENT".into()),
            Pick::Stage(stage) => Some(stage.clone()),
            Pick::Version(_) => None,
        }
    }
}

/// Splits `SECRET[@STAGE|#VERSION_ID]`. A version id has no `#` in it and a name none
/// either; a name may hold `@`, so the last `@` starts the stage: a name with `@` is
/// written with its stage (`aws-sm:me@example.com@AWSCURRENT`).
pub fn parse_secret_spec(spec: &str) -> Result<(String, Pick), String> {
    let usage = "aws-sm: needs a secret name or ARN (aws-sm:prod/db, aws-sm:prod/db@AWSPREVIOUS, aws-sm:prod/db#VERSION_ID)";
    let (secret, pick) = if let Some((secret, version)) = spec.rsplit_once('#') {
        (secret, Pick::Version(version.to_string()))
    } else if let Some((secret, stage)) = spec.rsplit_once('@').filter(|(s, _)| !s.ends_with(':')) {
        (secret, Pick::Stage(stage.to_string()))
    } else {
        (spec, Pick::Current)
    };
    let printable = |t: &str| t.chars().all(|c| !c.is_control() && !c.is_whitespace());
    let picked_ok = match &pick {
        Pick::Current => true,
        Pick::Stage(t) | Pick::Version(t) => !t.is_empty() && t.len() <= 256 && printable(t),
    };
    if secret.is_empty() || secret.len() > 2048 || !printable(secret) || !picked_ok {
        return Err(usage.into());
    }
    Ok((secret.to_string(), pick))
}

/// The region an ARN names (`arn:aws:secretsmanager:REGION:…`).
pub fn arn_region(secret: &str) -> Option<&str> {
    let mut parts = secret.split(':');
    (parts.next()? == "arn").then_some(())?;
    parts.next()?;
    (parts.next()? == "secretsmanager").then_some(())?;
    parts.next().filter(|r| !r.is_empty())
}

/// One secret.
pub struct SecretsManagerSource {
    secret: String,
    pick: Pick,
    name: Option<String>,
    config: AwsConfig,
    api: JsonApi,
    region: String,
    settings: LiveSettings,
}

impl SecretsManagerSource {
    /// Configured from the environment and the shared files.
    pub fn new(
        secret: String,
        pick: Pick,
        name: Option<String>,
        settings: &LiveSettings,
    ) -> Result<Self, FetchError> {
        let config = AwsConfig::load()?;
        let region = config.region(arn_region(&secret))?;
        let (url, _) = config.endpoint(
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            "secretsmanager",
            &region,
        )?;
        let api = JsonApi::new(
            url,
            "secretsmanager",
            "secretsmanager",
            region.clone(),
            settings,
            0,
        )?;
        Ok(SecretsManagerSource {
            secret,
            pick,
            name,
            config,
            api,
            region,
            settings: settings.clone(),
        })
    }

    fn read(&self, deadline: Deadline) -> Result<SecretAnswer, FetchError> {
        let credentials = super::credentials(&self.config, &self.settings, deadline)?;
        let mut body = serde_json::json!({ "SecretId": self.secret });
        match &self.pick {
            Pick::Current => {}
            Pick::Stage(stage) => body["VersionStage"] = stage.as_str().into(),
            Pick::Version(version) => body["VersionId"] = version.as_str().into(),
        }
        let answer = self
            .api
            .call("GetSecretValue", &body, &credentials, deadline)?;
        let read = parse_secret_answer(&answer, self.name.as_deref())?;
        // An ARN given as the source names its account; the answer's must be the same.
        let asked = super::arn::account(&self.secret, "secretsmanager");
        if let (Some(asked), Some(got)) = (asked, read.account.as_deref()) {
            if asked != got {
                return Err(FetchError::service(
                    FailureClass::BadResponse,
                    format!("the answer is a secret of the account {got}, but the source's ARN names {asked}"),
                ));
            }
        }
        Ok(SecretAnswer {
            account: read.account.or_else(|| asked.map(str::to_string)),
            ..read
        })
    }
}

/// What a `GetSecretValue` answer gives (its `Debug` shows no value: see [`Secrets`]).
#[derive(Debug)]
pub struct SecretAnswer {
    /// The secrets.
    pub secrets: Secrets,
    /// The version id read.
    pub version_id: Option<String>,
    /// The account the secret lives in, from the answer's `ARN`.
    pub account: Option<String>,
}

/// Parses a `GetSecretValue` answer.
pub fn parse_secret_answer(body: &[u8], name: Option<&str>) -> Result<SecretAnswer, FetchError> {
    let bad = |reason: String| FetchError::service(FailureClass::BadResponse, reason);
    let mut value = super::super::json::parse_json_quietly(body).map_err(bad)?;
    let version_id = value["VersionId"].as_str().map(str::to_string);
    let account = value["ARN"]
        .as_str()
        .and_then(|arn| super::arn::account(arn, "secretsmanager"))
        .map(str::to_string);
    if value.get("SecretBinary").is_some_and(|b| !b.is_null()) {
        return Err(FetchError::Config(
            "the secret is binary (SecretBinary): lifeboat takes only SecretString secrets, a JSON object or a string".into(),
        ));
    }
    let Some(Value::String(text)) = value.get_mut("SecretString").map(Value::take) else {
        return Err(bad("the answer has no SecretString".into()));
    };
    let text = zeroize::Zeroizing::new(text);
    let secrets = match super::super::json::parse_json_quietly(text.as_bytes()) {
        Ok(Value::Object(object)) => {
            if let Some(key) = super::super::json::repeated_key_at(text.as_bytes(), &[]) {
                let shown: String = key.chars().take(64).collect();
                return Err(bad(format!(
                    "the key \"{}\" appears twice in the SecretString; one of its values would be lost",
                    crate::redact::shown(&shown)
                )));
            }
            super::super::json::scalars_as_secrets(object).map_err(bad)?
        }
        // A plain string (or any other JSON text) is one value, which needs a name.
        _ => {
            let Some(name) = name else {
                return Err(FetchError::Config(
                    "the secret is a plain string, not a JSON object: give --name NAME to name its variable".into(),
                ));
            };
            let mut secrets = Secrets::new();
            secrets.insert(name.to_string(), SecretValue::new(text.to_string()));
            secrets
        }
    };
    Ok(SecretAnswer {
        secrets,
        version_id,
        account,
    })
}

impl Source for SecretsManagerSource {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let origin = format!(
            "aws-sm {} in {}",
            crate::redact::shown(&self.secret),
            self.region
        );
        let read = self.read(deadline).map_err(|error| SourceError::Fetch {
            origin: origin.clone(),
            error,
        })?;
        Ok(Fetched {
            secrets: validate(read.secrets, &origin)?,
            scope: Scope {
                provider: "aws-sm".into(),
                address: Some(self.api.address()),
                region: Some(self.region.clone()),
                path: Some(self.secret.clone()),
                version_id: read.version_id,
                stage: self.pick.stage(),
                account: read.account,
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
    fn specs_name_pin_and_arn() {
        assert_eq!(
            parse_secret_spec("prod/db").unwrap(),
            ("prod/db".into(), Pick::Current)
        );
        assert_eq!(
            parse_secret_spec("prod/db@AWSPREVIOUS").unwrap(),
            ("prod/db".into(), Pick::Stage("AWSPREVIOUS".into()))
        );
        assert_eq!(
            parse_secret_spec("prod/db#a1b2c3").unwrap(),
            ("prod/db".into(), Pick::Version("a1b2c3".into()))
        );
        assert_eq!(
            parse_secret_spec("me@example.com@AWSCURRENT").unwrap(),
            ("me@example.com".into(), Pick::Stage("AWSCURRENT".into()))
        );
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
        assert_eq!(parse_secret_spec(arn).unwrap(), (arn.into(), Pick::Current));
        assert_eq!(arn_region(arn), Some("eu-west-1"));
        assert_eq!(arn_region("prod/db"), None);
        for bad in ["", "@AWSCURRENT", "db#", "db@", "a b", "db\n"] {
            assert!(parse_secret_spec(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn answers_objects_strings_and_binaries() {
        let answer = |secret: &str| {
            serde_json::json!({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", "Name": "db", "VersionId": "v1", "SecretString": secret}).to_string()
        };
        let rds = answer(r#"{"username":"app","password":"pw","port":5432,"ssl":true,"x":null}"#);
        let read = parse_secret_answer(rds.as_bytes(), None).unwrap();
        assert_eq!(read.version_id.as_deref(), Some("v1"));
        assert_eq!(read.account.as_deref(), Some("123456789012"));
        let secrets = read.secrets;
        let get = |s: &Secrets, n: &str| s.get(n).map(|v| v.expose().to_string());
        assert_eq!(get(&secrets, "port").as_deref(), Some("5432"));
        assert_eq!(get(&secrets, "ssl").as_deref(), Some("true"));
        assert_eq!(get(&secrets, "x").as_deref(), Some("null"));
        let nested = answer(r#"{"a":{"b":1}}"#);
        assert!(parse_secret_answer(nested.as_bytes(), None)
            .unwrap_err()
            .to_string()
            .contains("only strings"));
        let twice = answer(r#"{"a":"1","a":"2"}"#);
        assert!(parse_secret_answer(twice.as_bytes(), None)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        let plain = answer("hunter2");
        assert!(parse_secret_answer(plain.as_bytes(), None)
            .unwrap_err()
            .to_string()
            .contains("--name"));
        let secrets = parse_secret_answer(plain.as_bytes(), Some("DB_PASSWORD"))
            .unwrap()
            .secrets;
        assert_eq!(get(&secrets, "DB_PASSWORD").as_deref(), Some("hunter2"));
        let binary = serde_json::json!({"SecretBinary": "AAEC"}).to_string();
        assert!(parse_secret_answer(binary.as_bytes(), None)
            .unwrap_err()
            .to_string()
            .contains("binary"));
    }
}
