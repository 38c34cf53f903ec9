//! The app's environment: lifeboat's own environment, less the credentials of the sources
//! it read and the runtime key, plus the secrets, plus what lifeboat tells the app about
//! where they came from.
//!
//! Precedence: a secret replaces an inherited variable of the same name (the image's
//! `ENV` often holds placeholders), unless `--keep-existing-env`, which keeps the inherited
//! value. `LIFEBOAT_ORIGIN`, `LIFEBOAT_SNAPSHOT_ID` and `LIFEBOAT_SNAPSHOT_CREATED_AT` are
//! always lifeboat's.
//!
//! Everything is checked before exec, so a bad secret is named instead of failing in
//! `execve` with `E2BIG` or `EINVAL`.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use crate::secret::Secrets;
use crate::source::SourceSpec;

/// The runtime key: never passed to the app unless `--keep-identity`. It opens every
/// snapshot sealed to it, the other apps' included, so handing it on is its own decision,
/// apart from the service credentials.
pub const IDENTITY_VARS: [&str; 2] = ["LIFEBOAT_IDENTITY", "LIFEBOAT_IDENTITY_FILE"];

/// The variables a configured source reads its credentials from: removed from the app's
/// environment unless `--keep-credentials`. Only those of the sources lifeboat reads: an
/// app whose secrets come from Doppler may use a `VAULT_TOKEN` of its own. For AWS the
/// static keys only; the pointers to a pod's own identity (a web identity token file, a
/// container endpoint with its token) stay, since the app's own AWS SDK uses them too.
pub fn source_credentials(source: Option<&SourceSpec>) -> Vec<&'static str> {
    let mut vars = Vec::new();
    let mut add = |spec: &SourceSpec| {
        let names: &[&'static str] = match spec {
            SourceSpec::Doppler => &["DOPPLER_TOKEN"],
            // The token, or the AppRole login's two halves: whichever the login read.
            SourceSpec::Vault { .. } => &["VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"],
            SourceSpec::Http { .. } => &["LIFEBOAT_HTTP_TOKEN"],
            SourceSpec::AwsSecretsManager { .. } | SourceSpec::AwsParameterStore { .. } => &[
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
            ],
            SourceSpec::Env { .. } | SourceSpec::File { .. } | SourceSpec::Several(_) => &[],
        };
        for name in names {
            if !vars.contains(name) {
                vars.push(*name);
            }
        }
    };
    match source {
        Some(SourceSpec::Several(specs)) => specs.iter().for_each(&mut add),
        Some(spec) => add(spec),
        None => {}
    }
    vars
}

/// What lifeboat tells the app.
pub const ORIGIN_VARS: [&str; 4] = [
    "LIFEBOAT_ORIGIN",
    "LIFEBOAT_SNAPSHOT_ID",
    "LIFEBOAT_SNAPSHOT_CREATED_AT",
    "LIFEBOAT_FILES_DIR",
];

/// The kernel's limit on one `NAME=value` string, its NUL included (MAX_ARG_STRLEN).
pub const MAX_ENV_STRING: usize = 128 << 10;

/// How the environment is put together.
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvOptions {
    /// Inherited variables win over secrets of the same name.
    pub keep_existing: bool,
    /// Pass the sources' credentials on (`--keep-credentials`).
    pub keep_credentials: bool,
    /// Pass the runtime key on (`--keep-identity`).
    pub keep_identity: bool,
}

/// The environment for exec, and the secrets not applied because an inherited variable
/// of the same name was kept.
pub struct ChildEnv {
    /// Name and value pairs.
    pub vars: Vec<(OsString, OsString)>,
    /// Names of secrets the inherited environment kept.
    pub kept_existing: Vec<String>,
}

impl std::fmt::Debug for ChildEnv {
    /// Names only: the values are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.vars.iter().map(|(name, _)| name))
            .finish()
    }
}

/// Builds the environment, without `source_credentials` (see [`source_credentials`]).
/// `argv` counts towards the kernel's total, `arg_max`.
pub fn build_child_env(
    inherited: impl IntoIterator<Item = (OsString, OsString)>,
    secrets: &Secrets,
    origin: &[(String, String)],
    options: EnvOptions,
    source_credentials: &[&str],
    argv: &[OsString],
    arg_max: usize,
) -> Result<ChildEnv, String> {
    let pointer = std::mem::size_of::<usize>();
    let mut vars: BTreeMap<OsString, OsString> = inherited
        .into_iter()
        .filter(|(name, _)| {
            let name = name.to_string_lossy();
            let name = name.as_ref();
            !ORIGIN_VARS.contains(&name)
                && (options.keep_identity || !IDENTITY_VARS.contains(&name))
                && (options.keep_credentials || !source_credentials.contains(&name))
        })
        .collect();
    // Every secret checked, and the ones that will go in counted, before any is copied: a
    // million secrets were copied into a map of a quarter of a gigabyte only to be
    // refused.
    let mut kept_existing = Vec::new();
    let mut secrets_size = 0;
    for (name, value) in secrets.iter() {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(format!(
                "secret \"{}\" cannot be an environment variable: names cannot be empty or contain '=' or NUL",
                name.escape_debug()
            ));
        }
        if value.expose().contains('\0') {
            return Err(format!("the value of secret {name} contains a NUL byte, which cannot be passed in the environment"));
        }
        let length = name.len() + 1 + value.expose().len() + 1;
        if length > MAX_ENV_STRING {
            return Err(format!(
                "secret {name} is {length} bytes as NAME=value, over the kernel's limit of {MAX_ENV_STRING} bytes for one environment string; deliver it as a file: --files-dir DIR --file {name}"
            ));
        }
        if options.keep_existing && vars.contains_key(OsStr::new(name)) {
            kept_existing.push(name.to_string());
        } else {
            secrets_size += length + pointer;
        }
    }
    if secrets_size > arg_max {
        return Err(too_large(&format!("at least {secrets_size}"), arg_max));
    }
    for (name, value) in secrets.iter() {
        if !(options.keep_existing && vars.contains_key(OsStr::new(name))) {
            vars.insert(name.into(), value.expose().into());
        }
    }
    for (name, value) in origin {
        vars.insert(name.into(), value.into());
    }
    let strings: usize = vars
        .iter()
        .map(|(n, v)| n.as_bytes().len() + 1 + v.as_bytes().len() + 1)
        .chain(argv.iter().map(|a| a.as_bytes().len() + 1))
        .sum();
    let total = strings + pointer * (vars.len() + argv.len() + 2);
    if total > arg_max {
        return Err(too_large(&total.to_string(), arg_max));
    }
    Ok(ChildEnv {
        vars: vars.into_iter().collect(),
        kept_existing,
    })
}

fn too_large(total: &str, arg_max: usize) -> String {
    format!(
        "the environment and arguments take {total} bytes, over the kernel's limit (ARG_MAX) of {arg_max} bytes; the secrets are too large for the environment"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;

    fn secrets(pairs: &[(&str, &str)]) -> Secrets {
        let mut secrets = Secrets::new();
        for (n, v) in pairs {
            secrets.insert(n.to_string(), SecretValue::new(v.to_string()));
        }
        secrets
    }

    fn inherited() -> Vec<(OsString, OsString)> {
        [
            ("PATH", "/bin"),
            ("API_KEY", "placeholder"),
            ("DOPPLER_TOKEN", "dp.st.x"),
            ("LIFEBOAT_ORIGIN", "forged"),
        ]
        .iter()
        .map(|(n, v)| (n.into(), v.into()))
        .collect()
    }

    fn get<'a>(env: &'a ChildEnv, name: &str) -> Option<&'a str> {
        env.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_str().unwrap())
    }

    #[test]
    fn secrets_win_and_origin_is_ours() {
        let doppler = source_credentials(Some(&SourceSpec::Doppler));
        let env = build_child_env(
            inherited(),
            &secrets(&[("API_KEY", "live")]),
            &[("LIFEBOAT_ORIGIN".to_string(), "live".into())],
            EnvOptions::default(),
            &doppler,
            &[],
            1 << 20,
        )
        .unwrap();
        assert_eq!(get(&env, "API_KEY"), Some("live"));
        assert_eq!(get(&env, "DOPPLER_TOKEN"), None);
        assert_eq!(get(&env, "LIFEBOAT_ORIGIN"), Some("live"));
        assert_eq!(get(&env, "PATH"), Some("/bin"));
        let options = EnvOptions {
            keep_existing: true,
            keep_credentials: true,
            keep_identity: false,
        };
        let env = build_child_env(
            inherited(),
            &secrets(&[("API_KEY", "live")]),
            &[],
            options,
            &doppler,
            &[],
            1 << 20,
        )
        .unwrap();
        assert_eq!(get(&env, "API_KEY"), Some("placeholder"));
        assert_eq!(env.kept_existing, vec!["API_KEY".to_string()]);
        assert_eq!(get(&env, "DOPPLER_TOKEN"), Some("dp.st.x"));
    }

    /// Each source's credentials go, and only those; the runtime key goes whatever the
    /// source, unless its own flag keeps it (`--keep-credentials` does not).
    #[test]
    fn credentials_removed_are_the_configured_sources_own() {
        let all = [
            "LIFEBOAT_IDENTITY",
            "LIFEBOAT_IDENTITY_FILE",
            "DOPPLER_TOKEN",
            "VAULT_TOKEN",
            "VAULT_ROLE_ID",
            "VAULT_SECRET_ID",
            "LIFEBOAT_HTTP_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ];
        let kept = |source: Option<&SourceSpec>, options: EnvOptions| -> Vec<String> {
            let inherited = all.map(|n| (OsString::from(n), OsString::from("x")));
            let env = build_child_env(
                inherited,
                &secrets(&[]),
                &[],
                options,
                &source_credentials(source),
                &[],
                1 << 20,
            )
            .unwrap();
            env.vars
                .iter()
                .map(|(n, _)| n.to_string_lossy().into_owned())
                .collect()
        };
        let without = |gone: &[&str]| -> Vec<String> {
            let mut names: Vec<String> = all
                .iter()
                .filter(|n| !gone.contains(n))
                .map(|n| n.to_string())
                .collect();
            names.sort();
            names
        };
        let identity = ["LIFEBOAT_IDENTITY", "LIFEBOAT_IDENTITY_FILE"];
        let vault = SourceSpec::Vault {
            mount: "secret".into(),
            path: "app".into(),
        };
        let http = SourceSpec::Http {
            url: "https://127.0.0.1/s".into(),
        };
        let aws = SourceSpec::AwsParameterStore {
            path: "/app/".into(),
        };
        let file = SourceSpec::File {
            path: "app.env".into(),
        };
        let none = EnvOptions::default();
        assert_eq!(kept(None, none), without(&identity));
        assert_eq!(kept(Some(&file), none), without(&identity));
        assert_eq!(
            kept(Some(&SourceSpec::Doppler), none),
            without(&[&identity[..], &["DOPPLER_TOKEN"]].concat())
        );
        assert_eq!(
            kept(Some(&vault), none),
            without(
                &[
                    &identity[..],
                    &["VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"]
                ]
                .concat()
            )
        );
        assert_eq!(
            kept(Some(&http), none),
            without(&[&identity[..], &["LIFEBOAT_HTTP_TOKEN"]].concat())
        );
        assert_eq!(
            kept(Some(&aws), none),
            without(
                &[
                    &identity[..],
                    &[
                        "AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN"
                    ]
                ]
                .concat()
            )
        );
        let several = SourceSpec::Several(vec![SourceSpec::Doppler, http.clone()]);
        assert_eq!(
            kept(Some(&several), none),
            without(&[&identity[..], &["DOPPLER_TOKEN", "LIFEBOAT_HTTP_TOKEN"]].concat())
        );
        let credentials = EnvOptions {
            keep_credentials: true,
            ..none
        };
        assert_eq!(kept(Some(&several), credentials), without(&identity));
        let identity_kept = EnvOptions {
            keep_identity: true,
            ..none
        };
        assert_eq!(
            kept(Some(&SourceSpec::Doppler), identity_kept),
            without(&["DOPPLER_TOKEN"])
        );
    }

    #[test]
    fn refuses_what_execve_would() {
        let bad = build_child_env(
            [],
            &secrets(&[("A=B", "x")]),
            &[],
            EnvOptions::default(),
            &[],
            &[],
            1 << 20,
        );
        assert!(bad.unwrap_err().contains("\"A=B\""));
        let nul = build_child_env(
            [],
            &secrets(&[("A", "x\0y")]),
            &[],
            EnvOptions::default(),
            &[],
            &[],
            1 << 20,
        );
        assert!(nul.unwrap_err().contains("NUL"));
        let long = "x".repeat(MAX_ENV_STRING);
        let error = build_child_env(
            [],
            &secrets(&[("BIG", &long)]),
            &[],
            EnvOptions::default(),
            &[],
            &[],
            8 << 20,
        )
        .unwrap_err();
        assert!(
            error.contains("secret BIG") && !error.contains("xxxx"),
            "{error}"
        );
        let many: Vec<(String, String)> = (0..40)
            .map(|i| (format!("S{i}"), "y".repeat(100_000)))
            .collect();
        let pairs: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let error = build_child_env(
            [],
            &secrets(&pairs),
            &[],
            EnvOptions::default(),
            &[],
            &[],
            2 << 20,
        )
        .unwrap_err();
        assert!(error.contains("ARG_MAX"), "{error}");
    }

    #[test]
    fn one_huge_secret_is_named_before_the_total_is_counted() {
        // Larger than ARG_MAX on its own: the message names it and says what to do.
        let big = "x".repeat(3 << 20);
        let error = build_child_env(
            [],
            &secrets(&[("BIG", &big)]),
            &[],
            EnvOptions::default(),
            &[],
            &[],
            2 << 20,
        )
        .unwrap_err();
        assert!(
            error.contains("secret BIG") && error.contains("--files-dir"),
            "{error}"
        );
    }

    #[test]
    fn kept_variables_do_not_count_against_the_limit() {
        // With --keep-existing-env the inherited value goes in, not the secret's.
        let big = "y".repeat(100_000);
        let options = EnvOptions {
            keep_existing: true,
            ..EnvOptions::default()
        };
        let env = build_child_env(
            [("HUGE".into(), "small".into())],
            &secrets(&[("HUGE", &big)]),
            &[],
            options,
            &[],
            &[],
            64 << 10,
        )
        .unwrap();
        assert_eq!(get(&env, "HUGE"), Some("small"));
        assert_eq!(env.kept_existing, ["HUGE"]);
    }
}
