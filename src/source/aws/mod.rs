//! AWS Secrets Manager (`aws-sm:SECRET`) and Parameter Store (`aws-ssm:/PATH/`), with
//! credentials, region and endpoints found the way the AWS SDKs find them, and every
//! request signed with SigV4. One file per concept: the signer, the credential chain, the
//! shared files, the error table, and one file per service.
//!
//! Everything on the network (STS, the container endpoint, IMDSv2, the service) runs
//! inside the fetch's one deadline.

mod arn;
mod chain;
mod credentials;
mod errors;
mod parameter_store;
mod profile;
mod secrets_manager;
mod sigv4;

pub use arn::account as arn_account;
// Surfaces for the fuzz targets (fuzz/src/lib.rs): the parsers of what AWS answers and of
// the shared files.
pub use credentials::{json_credentials, sts_credentials};
pub use errors::AWS_ERRORS;
pub use errors::{error_name, read_aws_error, xml_field};
pub use parameter_store::ParameterStoreSource;
pub use parameter_store::{add_answer as add_parameters_answer, Account as ParametersAccount};
pub use profile::sections as shared_file_sections;
pub use secrets_manager::{
    arn_region, parse_secret_answer, parse_secret_spec, Pick, SecretsManagerSource,
};

use reqwest::Url;
use zeroize::Zeroizing;

use super::live::{client_for, env_value, parse_address, recorded_address, LiveSettings};
use crate::http::{Deadline, FetchError, HttpClient, Method, Request};
use credentials::Credentials;

/// A variable, if set and not empty.
fn env(name: &str) -> Option<Zeroizing<String>> {
    env_value(name)
}

/// Region, profile and endpoints, as the SDKs read them.
pub struct AwsConfig {
    /// The region (`AWS_REGION`, `AWS_DEFAULT_REGION`, or the profile's `region`).
    pub region: Option<String>,
    /// The shared files' profile (`AWS_PROFILE`, else `default`), if either file has it.
    profile: Option<profile::Profile>,
    /// Its name, for messages.
    profile_name: String,
}

/// A region as it goes into a host name: `us-east-1`.
fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl AwsConfig {
    /// Reads the environment and the shared files.
    pub fn load() -> Result<Self, FetchError> {
        let named = env("AWS_PROFILE");
        let profile_name = named
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_else(|| "default".into());
        let profile = profile::load(&profile_name)?;
        if named.is_some() && profile.is_none() {
            return Err(FetchError::Config(format!(
                "AWS_PROFILE names the profile {}, which neither ~/.aws/config nor ~/.aws/credentials has (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)",
                crate::redact::shown(&profile_name)
            )));
        }
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .map(|r| r.to_string())
            .or_else(|| {
                profile
                    .as_ref()
                    .and_then(|p| p.get("region"))
                    .map(str::to_string)
            });
        if let Some(region) = &region {
            if !valid_region(region) {
                return Err(FetchError::Config(
                    "the AWS region (AWS_REGION, AWS_DEFAULT_REGION or the profile's region) is not a region name such as us-east-1".into(),
                ));
            }
        }
        Ok(AwsConfig {
            region,
            profile,
            profile_name,
        })
    }

    /// The region, or an error saying how to give one.
    pub fn region(&self, fallback: Option<&str>) -> Result<String, FetchError> {
        self.region
            .clone()
            .or_else(|| fallback.filter(|r| valid_region(r)).map(str::to_string))
            .ok_or_else(|| {
                FetchError::Config(
                    "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile)"
                        .into(),
                )
            })
    }

    /// The endpoint of `service`: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, or
    /// the public `https://PREFIX.REGION.amazonaws.com`.
    pub fn endpoint(
        &self,
        variable: &'static str,
        prefix: &str,
        region: &str,
    ) -> Result<(Url, &'static str), FetchError> {
        for name in [variable, "AWS_ENDPOINT_URL"] {
            if let Some(url) = env(name) {
                return Ok((parse_address(&url, name)?, name));
            }
        }
        // The partition's domain: China's regions have their own; the isolated ones
        // (us-iso…, eu-isoe…) differ by region, so they need the endpoint named.
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else if region.contains("-iso") {
            return Err(FetchError::Config(format!(
                "the region {region} is in an isolated AWS partition: name its endpoint with {variable} or AWS_ENDPOINT_URL"
            )));
        } else {
            "amazonaws.com"
        };
        let url = format!("https://{prefix}.{region}.{domain}");
        Ok((parse_address(&url, "the AWS endpoint")?, "the AWS endpoint"))
    }
}

/// One AWS JSON 1.1 API (Secrets Manager, SSM) at one endpoint, signed with SigV4.
pub struct JsonApi {
    client: HttpClient,
    url: Url,
    /// The signing name: `secretsmanager`, `ssm`.
    service: &'static str,
    /// The `X-Amz-Target` prefix: `secretsmanager`, `AmazonSSM`.
    target: &'static str,
    region: String,
}

impl JsonApi {
    /// An API client for `url`; each answer received, up to `pages`, adds one request to
    /// the usual budget (a source that pages).
    pub fn new(
        url: Url,
        service: &'static str,
        target: &'static str,
        region: String,
        settings: &LiveSettings,
        pages: u32,
    ) -> Result<Self, FetchError> {
        let client = client_for(&url, settings, &settings.ca_files, &[])?
            .reading_errors_with(errors::read_aws_error)
            .with_pages(pages);
        Ok(JsonApi {
            client,
            url,
            service,
            target,
            region,
        })
    }

    /// Where it is, as recorded in metadata.
    pub fn address(&self) -> String {
        recorded_address(&self.url)
    }

    /// Calls `operation` with the JSON `body`; returns the answer's body.
    pub fn call(
        &self,
        operation: &str,
        body: &serde_json::Value,
        credentials: &Credentials,
        deadline: Deadline,
    ) -> Result<Zeroizing<Vec<u8>>, FetchError> {
        credentials.scrub_from(&self.client);
        let body = Zeroizing::new(
            serde_json::to_vec(body)
                .map_err(|e| FetchError::Config(format!("cannot encode the request: {e}")))?,
        );
        let host = match self.url.port() {
            Some(port) => format!("{}:{port}", self.url.host_str().unwrap_or_default()),
            None => self.url.host_str().unwrap_or_default().to_string(),
        };
        let target = format!("{}.{operation}", self.target);
        let headers = vec![
            ("host".to_string(), host),
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            ("x-amz-target".to_string(), target.clone()),
        ];
        let amz_date = sigv4::amz_date(std::time::SystemTime::now());
        let path = self.url.path().to_string();
        let signed = sigv4::sign(
            &sigv4::Unsigned {
                method: "POST",
                path: &path,
                query: self.url.query().unwrap_or(""),
                headers: &headers,
                body: &body,
            },
            &sigv4::Signing {
                region: &self.region,
                service: self.service,
                amz_date: &amz_date,
                normalize_path: true,
                sign_body: false,
            },
            credentials,
        );
        let mut request = Request::get(self.url.clone())
            .header("content-type", "application/x-amz-json-1.1", false)
            .header("x-amz-target", &target, false);
        for (name, value) in &signed {
            request = match name.as_str() {
                "x-amz-date" => request.header("x-amz-date", value, false),
                "x-amz-security-token" => request.header("x-amz-security-token", value, true),
                "authorization" => request.header("authorization", value, true),
                _ => request,
            };
        }
        request.method = Method::Post;
        request.body = Some(body);
        self.client.fetch(&request, deadline)
    }
}

/// The credentials the chain finds (every request inside `deadline`).
pub fn credentials(
    config: &AwsConfig,
    settings: &LiveSettings,
    deadline: Deadline,
) -> Result<Credentials, FetchError> {
    credentials::resolve(config, settings, deadline)
}
