//! AWS credentials, from the step of the chain `chain.rs` chooses (the AWS SDKs' order):
//! the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); a
//! web identity (EKS IRSA, through STS `AssumeRoleWithWebIdentity`, which needs no
//! signature); the shared files' profile's static keys; the container credentials
//! endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `_RELATIVE_URI`, with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` or `_FILE`: ECS and EKS Pod Identity); and last
//! IMDSv2 (EC2), with a short timeout. Every request is inside the fetch's deadline.
//!
//! A metadata service that does not answer is `unreachable`, as any service is, whatever
//! the deadline; only one that answers that the instance has no role means there are no
//! credentials (a configuration error).

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use zeroize::Zeroizing;

use super::chain::{SharedFile, Step};
use super::errors::{read_aws_error, xml_field};
use super::profile::setting;
use super::{env, AwsConfig};
use crate::http::{Deadline, FailureClass, FetchError, HttpClient, Method, Request, RetryPolicy};
use crate::source::live::{
    client_for, direct_client_for, parse_address, read_secret_file, read_secret_file_shown,
    LiveSettings,
};

/// A key pair, with a session token for temporary credentials. Never shown.
pub struct Credentials {
    /// `AKIA…` / `ASIA…`: sent in the clear in every signature, but still not logged.
    pub access_key_id: Zeroizing<String>,
    /// The secret key.
    pub secret_access_key: Zeroizing<String>,
    /// The session token of temporary credentials.
    pub session_token: Option<Zeroizing<String>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials([REDACTED])")
    }
}

impl Credentials {
    /// Tells `client` never to quote any part of these.
    pub fn scrub_from(&self, client: &HttpClient) {
        client.scrub(&self.access_key_id);
        client.scrub(&self.secret_access_key);
        if let Some(token) = &self.session_token {
            client.scrub(token);
        }
    }

    fn checked(self, from: &str) -> Result<Self, FetchError> {
        let fine = |text: &str| !text.is_empty() && text.bytes().all(|b| (0x21..0x7f).contains(&b));
        let token_fine = self.session_token.as_ref().is_none_or(|t| fine(t));
        if fine(&self.access_key_id) && fine(&self.secret_access_key) && token_fine {
            Ok(self)
        } else {
            Err(FetchError::service(
                FailureClass::BadResponse,
                format!("the AWS credentials from {from} are empty or hold characters a signature cannot carry"),
            ))
        }
    }
}

/// How long IMDSv2 may take at most, inside the deadline: off EC2 nothing answers there,
/// and the start must not wait the whole deadline to learn it.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

/// The credentials of the first step of the chain that has any.
pub fn resolve(
    config: &AwsConfig,
    settings: &LiveSettings,
    deadline: Deadline,
) -> Result<Credentials, FetchError> {
    let step = super::chain::choose(env, config.profile.as_ref(), &config.profile_name)?;
    match step {
        Step::Environment => from_environment(),
        Step::WebIdentity {
            token_file,
            role_arn,
            session_name,
        } => web_identity(
            config,
            settings,
            deadline,
            WebIdentity {
                token_file: &token_file,
                role_arn: &role_arn,
                session_name: session_name.as_deref(),
            },
        ),
        Step::ProfileKeys(file) => from_profile(config, file),
        Step::Container => container(settings, deadline),
        Step::InstanceMetadata => imds(settings, deadline),
    }
}

fn from_environment() -> Result<Credentials, FetchError> {
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => Credentials {
            access_key_id,
            secret_access_key,
            session_token: env("AWS_SESSION_TOKEN"),
        }
        .checked("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        .map_err(|_| {
            FetchError::Config(
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN holds a space, a control character or non-ASCII text; check how it was set".into(),
            )
        }),
        _ => Err(FetchError::Config(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: one of them is not set"
                .into(),
        )),
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a web identity login needs, from the environment or the profile.
struct WebIdentity<'a> {
    token_file: &'a str,
    role_arn: &'a str,
    session_name: Option<&'a str>,
}

fn web_identity(
    config: &AwsConfig,
    settings: &LiveSettings,
    deadline: Deadline,
    login: WebIdentity<'_>,
) -> Result<Credentials, FetchError> {
    let WebIdentity {
        token_file,
        role_arn,
        session_name,
    } = login;
    let token = read_secret_file_shown(
        std::path::Path::new(token_file),
        "the web identity token (AWS_WEB_IDENTITY_TOKEN_FILE or the profile's web_identity_token_file)",
    )?;
    let session = session_name.unwrap_or("lifeboat");
    // STS is global, with regional endpoints; the SDKs use the region's when there is one.
    let region = config.region.clone().unwrap_or_else(|| "us-east-1".into());
    let (url, _) = config.endpoint("AWS_ENDPOINT_URL_STS", "sts", &region)?;
    let client = client_for(&url, settings, &settings.ca_files, &[token.as_str()])?
        .reading_errors_with(read_aws_error);
    let body = Zeroizing::new(
        format!(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
            form_encode(role_arn),
            form_encode(session),
            form_encode(&token)
        )
        .into_bytes(),
    );
    // STS answers JSON, shaped otherwise, to a client that accepts JSON: ask for its XML.
    let mut request = Request::get(url)
        .header("content-type", "application/x-www-form-urlencoded", false)
        .header("accept", "text/xml", false);
    request.method = Method::Post;
    request.body = Some(body);
    let answer = client.fetch(&request, deadline).map_err(|error| {
        in_step(
            error,
            "the web identity login (STS AssumeRoleWithWebIdentity)",
        )
    })?;
    sts_credentials(&answer)
}

/// The credentials in STS's XML answer to `AssumeRoleWithWebIdentity`. Public as a
/// surface for the fuzz targets (`aws_credentials`).
pub fn sts_credentials(answer: &[u8]) -> Result<Credentials, FetchError> {
    let xml = std::str::from_utf8(answer).map_err(|_| {
        FetchError::service(
            FailureClass::BadResponse,
            "STS answered with something other than text",
        )
    })?;
    let field = |name: &str| {
        xml_field(xml, name).map(Zeroizing::new).ok_or_else(|| {
            FetchError::service(
                FailureClass::BadResponse,
                format!("the STS answer has no {name}"),
            )
        })
    };
    Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: Some(field("SessionToken")?),
    }
    .checked("STS")
}

/// Names the step a failure came from, keeping its class.
fn in_step(error: FetchError, step: &str) -> FetchError {
    match error {
        FetchError::Service {
            class,
            reason,
            hint,
        } => FetchError::Service {
            class,
            reason: format!("{step}: {reason}"),
            hint,
        },
        other => other,
    }
}

/// The hosts a `_FULL_URI` over plain HTTP may name, as the SDKs allow: loopback, and the
/// ECS and EKS Pod Identity agents.
fn allowed_plain_host(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    if host == "localhost" {
        return true;
    }
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_loopback()
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 2)
                || ip == std::net::Ipv4Addr::new(169, 254, 170, 23)
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
        }
        Err(_) => false,
    }
}

fn container(settings: &LiveSettings, deadline: Deadline) -> Result<Credentials, FetchError> {
    let url = match (
        env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        env("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    ) {
        (Some(relative), _) => {
            let url = parse_address(
                &format!("http://169.254.170.2{}", relative.as_str()),
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            )?;
            // A path on the ECS agent, never another host (`@host`, `.host`).
            if !relative.starts_with('/') || url.host_str() != Some("169.254.170.2") {
                return Err(FetchError::Config(
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path on the ECS agent, starting with /".into(),
                ));
            }
            url
        }
        (None, Some(full)) => {
            let url = parse_address(&full, "AWS_CONTAINER_CREDENTIALS_FULL_URI")?;
            if url.scheme() == "http" && !allowed_plain_host(&url) {
                return Err(FetchError::Config(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI over plain HTTP must be a loopback address or the ECS/EKS agent (169.254.170.2, 169.254.170.23): credentials never cross a network in the clear".into(),
                ));
            }
            url
        }
        (None, None) => {
            return Err(FetchError::Config(
                "the container credentials endpoint is not set (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI)".into(),
            ))
        }
    };
    let authorization = match env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(file) => Some(read_secret_file(
            std::path::Path::new(file.as_str()),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        )?),
        None => env("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
    };
    let scrub: Vec<&str> = authorization.iter().map(|a| a.as_str()).collect();
    // The agent is local: never through a proxy (the token and keys would cross it).
    let client = match url.scheme() {
        "https" => client_for(&url, settings, &settings.ca_files, &scrub)?,
        _ => direct_client_for(&url, settings, &scrub)?,
    };
    let mut request = Request::get(url);
    if let Some(token) = &authorization {
        crate::source::live::check_header_text(token, "the container authorization token")?;
        request = request.header("authorization", token, true);
    }
    let answer = client
        .fetch(&request, deadline)
        .map_err(|error| in_step(error, "the container credentials endpoint"))?;
    json_credentials(&answer, "the container credentials endpoint")
}

/// `{AccessKeyId, SecretAccessKey, Token}`: the container endpoint's and IMDS's answer.
/// Public as a surface for the fuzz targets (`aws_credentials`).
pub fn json_credentials(body: &[u8], from: &str) -> Result<Credentials, FetchError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        FetchError::service(
            FailureClass::BadResponse,
            format!("{from} answered with something other than JSON"),
        )
    })?;
    let field = |name: &str| {
        value[name]
            .as_str()
            .map(|v| Zeroizing::new(v.to_string()))
            .ok_or_else(|| {
                FetchError::service(
                    FailureClass::BadResponse,
                    format!("{from} answered without {name}"),
                )
            })
    };
    Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: value["Token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(|t| Zeroizing::new(t.to_string())),
    }
    .checked(from)
}

/// The profile's static keys from `file` (the chain has seen that they are there).
fn from_profile(config: &AwsConfig, file: SharedFile) -> Result<Credentials, FetchError> {
    let name = crate::redact::shown(&config.profile_name);
    let settings = match (&config.profile, file) {
        (Some(profile), SharedFile::Credentials) => &profile.credentials_file,
        (Some(profile), SharedFile::Config) => &profile.config_file,
        (None, _) => return Err(FetchError::Config(format!("no AWS profile {name}"))),
    };
    let key = |key: &str| setting(settings, key).map(|v| Zeroizing::new(v.to_string()));
    let (Some(access_key_id), Some(secret_access_key)) =
        (key("aws_access_key_id"), key("aws_secret_access_key"))
    else {
        return Err(FetchError::Config(format!(
            "the AWS profile {name} has only one of aws_access_key_id and aws_secret_access_key"
        )));
    };
    Credentials {
        access_key_id,
        secret_access_key,
        session_token: key("aws_session_token"),
    }
    .checked(&format!("the profile {name}"))
    .map_err(|_| {
        FetchError::Config(format!(
            "the profile {name}'s keys hold a space, a control character or non-ASCII text"
        ))
    })
}

fn imds(settings: &LiveSettings, deadline: Deadline) -> Result<Credentials, FetchError> {
    let none = "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE), the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), or a profile with keys (AWS_PROFILE)";
    let disabled = env("AWS_EC2_METADATA_DISABLED")
        .map(|v| v.eq_ignore_ascii_case("true"))
        .unwrap_or(false);
    if disabled {
        return Err(FetchError::Config(format!(
            "{none}; the instance metadata service is off (AWS_EC2_METADATA_DISABLED)"
        )));
    }
    let endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .map(|e| e.to_string())
        .unwrap_or_else(|| "http://169.254.169.254".into());
    let base = parse_address(&endpoint, "AWS_EC2_METADATA_SERVICE_ENDPOINT")?;
    // One try a step, each at most a second of what is left: a start that can fall back
    // should not wait its whole deadline on a metadata service that does not answer.
    let step = || Deadline::after(deadline.remaining().min(IMDS_TIMEOUT));
    let client = direct_client_for(&base, settings, &[])?.with_policy(RetryPolicy {
        retries: false,
        refused_retry: None,
        closed_retries: 0,
        ..RetryPolicy::default()
    });
    let url = |path: &str| {
        base.join(path)
            .map_err(|e| FetchError::Config(format!("AWS_EC2_METADATA_SERVICE_ENDPOINT: {e}")))
    };
    // Whatever goes wrong on the way (no answer, a refused connection, an error status)
    // keeps its class, as for any other service: silence says nothing about whether the
    // instance has a role, and how long the deadline is must not change the verdict.
    let unreached = |error: FetchError| match error {
        FetchError::Service {
            class,
            reason,
            hint,
        } => FetchError::Service {
            class,
            reason: format!("the instance metadata service (IMDSv2) gave no credentials: {reason}"),
            hint,
        },
        other => other,
    };
    // Only an answer saying the instance has no role means no credentials were given.
    let no_role = |said: &str| {
        FetchError::Config(format!(
            "{none}; the instance metadata service says the instance has no IAM role ({said}): attach an instance profile, or give credentials another way"
        ))
    };
    let mut token_request = Request::get(url("/latest/api/token")?).header(
        "x-aws-ec2-metadata-token-ttl-seconds",
        "300",
        false,
    );
    token_request.method = Method::Put;
    let token = client.fetch(&token_request, step()).map_err(unreached)?;
    let token = Zeroizing::new(String::from_utf8_lossy(&token).trim().to_string());
    client.scrub(&token);
    crate::source::live::check_header_text(&token, "the IMDSv2 token").map_err(|_| {
        FetchError::service(
            FailureClass::BadResponse,
            "IMDSv2 gave a token a header cannot carry",
        )
    })?;
    let with_token = |path: &str| -> Result<Request, FetchError> {
        Ok(Request::get(url(path)?).header("x-aws-ec2-metadata-token", &token, true))
    };
    let roles = client
        .fetch(
            &with_token("/latest/meta-data/iam/security-credentials/")?,
            step(),
        )
        .map_err(|error| match error.class() {
            Some(FailureClass::NotFound) => no_role("HTTP 404 for its role list"),
            _ => unreached(error),
        })?;
    let roles = String::from_utf8_lossy(&roles).into_owned();
    let role = roles.lines().next().map(str::trim).unwrap_or_default();
    if role.is_empty() {
        return Err(no_role("an empty role list"));
    }
    if !role
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        return Err(FetchError::service(
            FailureClass::BadResponse,
            "IMDSv2 listed a role name that is not an IAM role name",
        ));
    }
    let answer = client
        .fetch(
            &with_token(&format!(
                "/latest/meta-data/iam/security-credentials/{role}"
            ))?,
            step(),
        )
        .map_err(unreached)?;
    let code = serde_json::from_slice::<serde_json::Value>(&answer)
        .ok()
        .and_then(|v| v["Code"].as_str().map(str::to_string));
    if code.as_deref().is_some_and(|c| c != "Success") {
        return Err(FetchError::service(
            FailureClass::ServerError,
            "IMDSv2 answered the role's credentials with a Code other than Success",
        ));
    }
    json_credentials(&answer, "IMDSv2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_container_endpoints_are_local_only() {
        let allowed = |u: &str| allowed_plain_host(&Url::parse(u).unwrap());
        assert!(allowed("http://127.0.0.1:8080/creds"));
        assert!(allowed("http://169.254.170.2/v2/credentials/x"));
        assert!(allowed("http://169.254.170.23/v1/credentials"));
        assert!(allowed("http://[fd00:ec2::23]/v1/credentials"));
        assert!(allowed("http://localhost/x"));
        assert!(!allowed("http://10.0.0.5/creds"));
        assert!(!allowed("http://example.com/creds"));
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(
            form_encode("arn:aws:iam::1:role/a b+c"),
            "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc"
        );
    }

    #[test]
    fn credentials_are_never_shown() {
        let credentials = Credentials {
            access_key_id: Zeroizing::new("AKIACANARY".into()),
            secret_access_key: Zeroizing::new("canary-secret".into()),
            session_token: None,
        };
        assert_eq!(format!("{credentials:?}"), "Credentials([REDACTED])");
    }
}
