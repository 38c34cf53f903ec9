//! Which step of the credential chain gives the credentials: the AWS SDKs' order, as
//! botocore's resolver has it, decided from the environment and the profile alone before
//! anything is asked on the network.
//!
//! The order: the environment's keys; a profile that assumes a role (`role_arn` without a
//! web identity); a web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, each
//! from the environment or else the profile); SSO; the credentials file's keys; a login
//! session (`aws login`); a `credential_process`; the config file's keys; the container
//! endpoint; IMDS. The profile comes before the container endpoint and the instance role:
//! signing as another identity than the SDKs would can read a secret of the same name in
//! another account. A step lifeboat cannot take (a role to assume, SSO, a login session, a
//! process) is refused by name, never skipped: skipping it would sign as whatever
//! identity comes next. (botocore's two legacy steps, `AWS_CREDENTIAL_FILE` and boto 2's
//! `~/.boto`, are not read.)

use zeroize::Zeroizing;

use super::profile::{setting, Profile, Settings};
use crate::http::FetchError;

/// Which shared file a profile's keys are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedFile {
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`).
    Credentials,
    /// `~/.aws/config` (`AWS_CONFIG_FILE`).
    Config,
}

/// The step that gives the credentials.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// STS `AssumeRoleWithWebIdentity`.
    WebIdentity {
        /// The token's file.
        token_file: String,
        /// The role to assume.
        role_arn: String,
        /// `AWS_ROLE_SESSION_NAME` or the profile's `role_session_name`.
        session_name: Option<String>,
    },
    /// The profile's static keys, in this file.
    ProfileKeys(SharedFile),
    /// The container credentials endpoint (ECS, EKS Pod Identity).
    Container,
    /// IMDSv2 (EC2).
    InstanceMetadata,
}

/// A way of getting credentials lifeboat cannot take, found in the profile at its place
/// in the chain.
struct Unsupported {
    /// The setting that names it.
    key: &'static str,
    /// What it is, in words.
    what: &'static str,
}

/// The first step of the chain that has credentials. `var` reads the environment (a
/// variable set and not empty); `profile` is the profile in use (`AWS_PROFILE` or
/// `default`), if a shared file has it.
pub fn choose(
    var: impl Fn(&str) -> Option<Zeroizing<String>>,
    profile: Option<&Profile>,
    profile_name: &str,
) -> Result<Step, FetchError> {
    if var("AWS_ACCESS_KEY_ID").is_some() || var("AWS_SECRET_ACCESS_KEY").is_some() {
        return Ok(Step::Environment);
    }
    let get = |key: &str| profile.and_then(|p| p.get(key)).map(str::to_string);
    let refused = |found: Unsupported| refuse(profile_name, found);
    if get("role_arn").is_some() && get("web_identity_token_file").is_none() {
        return Err(refused(Unsupported {
            key: "role_arn",
            what: "a role to assume with other credentials (source_profile or credential_source)",
        }));
    }
    let token_file = var("AWS_WEB_IDENTITY_TOKEN_FILE")
        .map(|v| v.to_string())
        .or_else(|| get("web_identity_token_file"));
    let role_arn = var("AWS_ROLE_ARN")
        .map(|v| v.to_string())
        .or_else(|| get("role_arn"));
    match (token_file, role_arn) {
        (Some(token_file), Some(role_arn)) => {
            let session_name = var("AWS_ROLE_SESSION_NAME")
                .map(|v| v.to_string())
                .or_else(|| get("role_session_name"));
            return Ok(Step::WebIdentity {
                token_file,
                role_arn,
                session_name,
            });
        }
        (None, None) => {}
        _ => {
            return Err(FetchError::Config(
                "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN go together (EKS IRSA sets both; a profile's web_identity_token_file needs its role_arn): one of them is not set".into(),
            ))
        }
    }
    let Some(profile) = profile else {
        return Ok(after_the_profile(&var));
    };
    let sso = [
        "sso_account_id",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
    ];
    if let Some(key) = sso.into_iter().find(|key| profile.get(key).is_some()) {
        return Err(refused(Unsupported {
            key,
            what: "IAM Identity Center (SSO)",
        }));
    }
    if has_keys(&profile.credentials_file, profile_name, "credentials")? {
        return Ok(Step::ProfileKeys(SharedFile::Credentials));
    }
    if profile.get("login_session").is_some() {
        return Err(refused(Unsupported {
            key: "login_session",
            what: "a console login session (aws login)",
        }));
    }
    if profile.get("credential_process").is_some() {
        return Err(refused(Unsupported {
            key: "credential_process",
            what: "a program that prints them",
        }));
    }
    if has_keys(&profile.config_file, profile_name, "config")? {
        return Ok(Step::ProfileKeys(SharedFile::Config));
    }
    Ok(after_the_profile(&var))
}

/// The steps after the shared files: the container endpoint, else IMDS.
fn after_the_profile(var: &impl Fn(&str) -> Option<Zeroizing<String>>) -> Step {
    let container = [
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    if container.into_iter().any(|name| var(name).is_some()) {
        Step::Container
    } else {
        Step::InstanceMetadata
    }
}

/// Whether one file's section of the profile holds a key pair; half of one is an error.
fn has_keys(settings: &Settings, profile_name: &str, file: &str) -> Result<bool, FetchError> {
    match (
        setting(settings, "aws_access_key_id"),
        setting(settings, "aws_secret_access_key"),
    ) {
        (Some(_), Some(_)) => Ok(true),
        (None, None) => Ok(false),
        _ => Err(FetchError::Config(format!(
            "the AWS profile {} has only one of aws_access_key_id and aws_secret_access_key in the {file} file",
            crate::redact::shown(profile_name)
        ))),
    }
}

/// The refusal of a step lifeboat cannot take, with what to do instead.
fn refuse(profile_name: &str, found: Unsupported) -> FetchError {
    let Unsupported { key, what } = found;
    FetchError::Config(format!(
        "the AWS profile {} gets its credentials from {what} ({key}), which lifeboat cannot do; the AWS SDKs take it before the container endpoint and the instance role, so lifeboat does not fall through to them: give keys in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), set AWS_PROFILE to a profile with static keys, or remove {key} from the profile",
        crate::redact::shown(profile_name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(credentials: &[(&str, &str)], config: &[(&str, &str)]) -> Profile {
        let settings = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string())))
                .collect()
        };
        Profile {
            credentials_file: settings(credentials),
            config_file: settings(config),
        }
    }

    fn choose_with(vars: &[(&str, &str)], profile: Option<&Profile>) -> Result<Step, FetchError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        choose(
            |name| {
                vars.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| Zeroizing::new(v.clone()))
            },
            profile,
            "ci",
        )
    }

    const KEYS: &[(&str, &str)] = &[
        ("aws_access_key_id", "AKIA1"),
        ("aws_secret_access_key", "s"),
    ];
    const CONTAINER: (&str, &str) = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");

    #[test]
    fn the_profile_comes_before_the_container_and_the_instance() {
        let keys = profile(KEYS, &[]);
        assert_eq!(
            choose_with(&[CONTAINER], Some(&keys)).unwrap(),
            Step::ProfileKeys(SharedFile::Credentials)
        );
        let in_config = profile(&[], KEYS);
        assert_eq!(
            choose_with(&[CONTAINER], Some(&in_config)).unwrap(),
            Step::ProfileKeys(SharedFile::Config)
        );
        // A profile with a region only has no credentials: the chain goes on.
        let region = profile(&[], &[("region", "eu-west-1")]);
        assert_eq!(
            choose_with(&[CONTAINER], Some(&region)).unwrap(),
            Step::Container
        );
        assert_eq!(
            choose_with(&[], Some(&region)).unwrap(),
            Step::InstanceMetadata
        );
        // The environment's keys come first of all.
        assert_eq!(
            choose_with(
                &[
                    ("AWS_ACCESS_KEY_ID", "AKIA2"),
                    ("AWS_SECRET_ACCESS_KEY", "t")
                ],
                Some(&keys)
            )
            .unwrap(),
            Step::Environment
        );
    }

    #[test]
    fn a_web_identity_from_the_environment_or_the_profile() {
        let keys = profile(KEYS, &[]);
        let env = [
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/env"),
        ];
        assert_eq!(
            choose_with(&env, Some(&keys)).unwrap(),
            Step::WebIdentity {
                token_file: "/t".into(),
                role_arn: "arn:aws:iam::1:role/env".into(),
                session_name: None
            }
        );
        let web = profile(
            &[],
            &[
                ("web_identity_token_file", "/p"),
                ("role_arn", "arn:aws:iam::1:role/profile"),
                ("role_session_name", "s"),
            ],
        );
        assert_eq!(
            choose_with(&[CONTAINER], Some(&web)).unwrap(),
            Step::WebIdentity {
                token_file: "/p".into(),
                role_arn: "arn:aws:iam::1:role/profile".into(),
                session_name: Some("s".into())
            }
        );
        // The environment's token with the profile's role.
        let role_only = profile(&[], &[("web_identity_token_file", "/p"), ("role_arn", "r")]);
        assert!(matches!(
            choose_with(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")], Some(&role_only)).unwrap(),
            Step::WebIdentity { token_file, role_arn, .. } if token_file == "/t" && role_arn == "r"
        ));
        assert!(choose_with(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")], None)
            .unwrap_err()
            .to_string()
            .contains("go together"));
    }

    #[test]
    fn what_lifeboat_cannot_do_is_refused_by_name_not_skipped() {
        for (settings, key) in [
            (
                vec![("role_arn", "r"), ("source_profile", "base")],
                "role_arn",
            ),
            (
                vec![("sso_session", "corp"), ("sso_account_id", "1")],
                "sso_account_id",
            ),
            (
                vec![("login_session", "arn:aws:iam::1:user/me")],
                "login_session",
            ),
            (
                vec![("credential_process", "/bin/creds")],
                "credential_process",
            ),
        ] {
            let refused = profile(&[], &settings);
            let error = choose_with(&[CONTAINER], Some(&refused)).unwrap_err();
            assert!(matches!(error, FetchError::Config(_)), "{key}");
            let message = error.to_string();
            assert!(message.contains(&format!("({key})")), "{message}");
            assert!(message.contains("profile ci"), "{message}");
        }
        // The credentials file's keys come before a login session or a process…
        let both = profile(KEYS, &[("credential_process", "/bin/creds")]);
        assert_eq!(
            choose_with(&[], Some(&both)).unwrap(),
            Step::ProfileKeys(SharedFile::Credentials)
        );
        // …and the config file's after them.
        let after = profile(
            &[],
            &[("credential_process", "/bin/creds"), KEYS[0], KEYS[1]],
        );
        assert!(choose_with(&[], Some(&after)).is_err());
        // A role to assume comes before the environment's web identity.
        let role = profile(
            &[],
            &[("role_arn", "r"), ("credential_source", "Environment")],
        );
        assert!(choose_with(
            &[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), ("AWS_ROLE_ARN", "e")],
            Some(&role)
        )
        .is_err());
        // Half a key pair is an error, not a skip.
        let half = profile(&[("aws_access_key_id", "AKIA1")], &[]);
        assert!(choose_with(&[CONTAINER], Some(&half)).is_err());
    }
}
