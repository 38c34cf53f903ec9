//! What tells one app's secrets from another's on a shared host, as bytes to key files
//! by (the runtime cache and the breaker's record). Two apps with one runtime key and one
//! `--cache-dir` must never share a file: everything that selects the secrets goes in.
//! That is the configured [`Scope`] (provider, address, namespace, project and config,
//! mount and path, stage, region, query) and, where the configuration leaves the scope
//! open, what the credential binds: a Doppler service token names its own project and
//! config, and an AWS profile, role or key names an account.
//!
//! Credentials and a signed URL's query are in these bytes, so they are only ever fed to
//! an HMAC under the runtime key (see `runtime/cache.rs`), never shown or stored.

use zeroize::Zeroizing;

use super::live::{env_value, read_secret_file, LiveSettings};
use super::SourceSpec;

/// The variables that bind AWS credentials to an account, or name the endpoint read.
const AWS_BINDING: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ACCESS_KEY_ID",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_SSM",
];

impl SourceSpec {
    /// The bytes that select this source's secrets, for keying files by (never shown).
    pub fn selector(&self, settings: &LiveSettings) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::new());
        self.add_selector(settings, &mut bytes);
        bytes
    }

    fn add_selector(&self, settings: &LiveSettings, bytes: &mut Vec<u8>) {
        let mut field = |name: &str, value: &[u8]| {
            // Length-prefixed, so no two different lists of fields give the same bytes.
            for part in [name.as_bytes(), value] {
                bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
                bytes.extend_from_slice(part);
            }
        };
        if let SourceSpec::Several(specs) = self {
            field("several", &(specs.len() as u64).to_be_bytes());
            for spec in specs {
                let part = spec.selector(settings);
                field("part", &part);
            }
            return;
        }
        let scope = self.configured_scope();
        // serde_json writes a struct's fields in their declared order: stable bytes.
        let recorded = Zeroizing::new(serde_json::to_vec(&scope).unwrap_or_default());
        field("scope", &recorded);
        match self {
            // The whole URL: the recorded scope shows its query with credential values
            // replaced, and two signed URLs may differ only there.
            SourceSpec::Http { url } => field("url", url.as_bytes()),
            // A service token implies its project and config: where they are not both
            // configured, the token is what selects the secrets.
            SourceSpec::Doppler if scope.project.is_none() || scope.config.is_none() => {
                let token = match settings.token_file.as_deref() {
                    Some(path) => read_secret_file(path, "--token-file").ok(),
                    None => env_value("DOPPLER_TOKEN"),
                };
                field("token", token.as_deref().map_or(&b""[..], |t| t.as_bytes()));
            }
            SourceSpec::AwsSecretsManager { .. } | SourceSpec::AwsParameterStore { .. } => {
                for name in AWS_BINDING {
                    let value = env_value(name);
                    field(name, value.as_deref().map_or(&b""[..], |v| v.as_bytes()));
                }
            }
            _ => {}
        }
    }
}
