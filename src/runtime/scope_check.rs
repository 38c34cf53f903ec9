//! Whether a snapshot was made for the scope `run` is configured for. The provider first:
//! a Doppler snapshot never stands in for Vault, nor a `file:` or `env:` snapshot for a
//! live service. Then only what both sides name is compared: a Doppler project and
//! config, a Vault namespace, mount and path, an AWS region, secret and stage, an HTTPS
//! source's path and query. The service address is only noted, for every provider, since
//! build and runtime often reach one service by different names (`localhost` and
//! `127.0.0.1`, an internal and a public name). `--allow-other-source` lets any mismatch
//! serve, noted: the user says the snapshot is meant for this start.

use crate::source::Scope;

/// The outcome of comparing scopes.
#[derive(Debug, PartialEq, Eq)]
pub enum ScopeCheck {
    /// Nothing both sides name differs.
    Same,
    /// Only the address differs (noted, not refused).
    AddressDiffers {
        /// The snapshot's address.
        snapshot: String,
        /// The configured address.
        configured: String,
    },
    /// A named scope differs, but `--allow-other-source` lets the snapshot serve (noted).
    Allowed(String),
    /// A named scope differs: refused.
    Mismatch(Mismatch),
}

/// Why a snapshot is for another scope, and which settings decide it.
#[derive(Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// What differs (values escaped).
    pub reason: String,
    /// The settings of the providers involved that would change it.
    pub settings: String,
}

fn differs(what: &str, snapshot: &Option<String>, configured: &Option<String>) -> Option<String> {
    match (snapshot, configured) {
        (Some(a), Some(b)) if a != b => Some(format!(
            "{what} \"{}\", but run is configured for \"{}\"",
            crate::redact::shown(a),
            crate::redact::shown(b)
        )),
        _ => None,
    }
}

/// The same, where one side naming it and the other not is a difference too (the Vault
/// root namespace and a named one; a URL with a query and one without).
fn differs_strictly(
    what: &str,
    snapshot: &Option<String>,
    configured: &Option<String>,
) -> Option<String> {
    let none = String::from("none");
    match (snapshot, configured) {
        (None, None) => None,
        (a, b) if a == b => None,
        (a, b) => Some(format!(
            "{what} {}, but run is configured for {}",
            a.as_ref()
                .map_or(none.clone(), |a| format!("\"{}\"", crate::redact::shown(a))),
            b.as_ref()
                .map_or(none.clone(), |b| format!("\"{}\"", crate::redact::shown(b)))
        )),
    }
}

/// The settings that choose a provider's scope, for the hint.
fn settings_of(provider: &str) -> &'static str {
    match provider {
        "doppler" => "DOPPLER_PROJECT, DOPPLER_CONFIG or the token",
        "vault" => "the vault:MOUNT/PATH of --source and VAULT_NAMESPACE",
        "aws-sm" => "the aws-sm: secret and stage of --source, and AWS_REGION",
        "aws-ssm" => "the aws-ssm: path of --source, and AWS_REGION",
        "https" => "the URL's path and query in --source",
        "env" => "the env: prefix of --source",
        "file" => "the file: path of --source",
        _ => "--source",
    }
}

/// An HTTPS scope's path: recorded on its own since this version; before, only inside
/// the address.
fn https_path(scope: &Scope) -> Option<String> {
    if scope.path.is_some() {
        return scope.path.clone();
    }
    let url = reqwest::Url::parse(scope.address.as_deref()?).ok()?;
    let path = url.path().trim_end_matches('/');
    Some(if path.is_empty() { "/" } else { path }.to_string())
}

/// Compares the snapshot's scope with the configured one; `other_source_allowed` lets a
/// snapshot of another scope serve, noted.
pub fn check_scope(snapshot: &Scope, configured: &Scope, other_source_allowed: bool) -> ScopeCheck {
    match compare(snapshot, configured) {
        Compared::Mismatch(mismatch) if other_source_allowed => {
            ScopeCheck::Allowed(mismatch.reason)
        }
        Compared::Mismatch(mismatch) => ScopeCheck::Mismatch(mismatch),
        Compared::Same => ScopeCheck::Same,
        Compared::AddressDiffers {
            snapshot,
            configured,
        } => ScopeCheck::AddressDiffers {
            snapshot,
            configured,
        },
    }
}

enum Compared {
    Same,
    AddressDiffers {
        snapshot: String,
        configured: String,
    },
    Mismatch(Mismatch),
}

fn compare(snapshot: &Scope, configured: &Scope) -> Compared {
    // Several sources: the same number, each held against its own.
    if !snapshot.parts.is_empty() && !configured.parts.is_empty() {
        if snapshot.parts.len() != configured.parts.len() {
            return Compared::Mismatch(Mismatch {
                reason: format!(
                    "the snapshot was made from {} sources, but run is configured for {}",
                    snapshot.parts.len(),
                    configured.parts.len()
                ),
                settings: "--source".into(),
            });
        }
        let mut noted = Compared::Same;
        for (at, (a, b)) in snapshot.parts.iter().zip(&configured.parts).enumerate() {
            match compare(a, b) {
                Compared::Same => {}
                Compared::Mismatch(Mismatch { reason, settings }) => {
                    return Compared::Mismatch(Mismatch {
                        reason: format!("source {}: {reason}", at + 1),
                        settings,
                    })
                }
                differs @ Compared::AddressDiffers { .. } => noted = differs,
            }
        }
        return noted;
    }
    if snapshot.provider != configured.provider {
        return Compared::Mismatch(Mismatch {
            reason: format!(
                "the snapshot was made from a \"{}\" source, but run is configured for a \"{}\" source",
                crate::redact::shown(&snapshot.provider),
                crate::redact::shown(&configured.provider)
            ),
            settings: "--source".into(),
        });
    }
    let mut mismatches: Vec<String> = Vec::new();
    match configured.provider.as_str() {
        "doppler" => {
            mismatches.extend(differs(
                "Doppler project",
                &snapshot.project,
                &configured.project,
            ));
            mismatches.extend(differs(
                "Doppler config",
                &snapshot.config,
                &configured.config,
            ));
        }
        "vault" => {
            mismatches.extend(differs_strictly(
                "Vault namespace",
                &snapshot.namespace,
                &configured.namespace,
            ));
            mismatches.extend(differs("Vault mount", &snapshot.mount, &configured.mount));
            mismatches.extend(differs("Vault path", &snapshot.path, &configured.path));
        }
        // AWS: the region and the secret (or parameter path). An ARN and a name for one
        // secret differ as text; the user says --allow-other-source or names it one way.
        "aws-sm" | "aws-ssm" => {
            mismatches.extend(differs("AWS region", &snapshot.region, &configured.region));
            let what = if configured.provider == "aws-sm" {
                "AWS secret"
            } else {
                "Parameter Store path"
            };
            mismatches.extend(differs(what, &snapshot.path, &configured.path));
            mismatches.extend(differs("AWS stage", &snapshot.stage, &configured.stage));
            mismatches.extend(differs(
                "AWS account",
                &snapshot.account,
                &configured.account,
            ));
        }
        // An HTTPS source is chosen by its path and query (…/staging against
        // …/production, ?env=stg against ?env=prd); its host is only an address.
        "https" => {
            mismatches.extend(differs(
                "URL path",
                &https_path(snapshot),
                &https_path(configured),
            ));
            mismatches.extend(differs_strictly(
                "URL query",
                &snapshot.query,
                &configured.query,
            ));
        }
        "env" => mismatches.extend(differs("prefix", &snapshot.prefix, &configured.prefix)),
        "file" => mismatches.extend(differs("file", &snapshot.path, &configured.path)),
        _ => {}
    }
    if !mismatches.is_empty() {
        return Compared::Mismatch(Mismatch {
            reason: format!("the snapshot was made for {}", mismatches.join(" and ")),
            settings: settings_of(&configured.provider).into(),
        });
    }
    match (&snapshot.address, &configured.address) {
        (Some(a), Some(b)) if address_key(a) != address_key(b) => Compared::AddressDiffers {
            snapshot: crate::redact::shown(a),
            configured: crate::redact::shown(b),
        },
        _ => Compared::Same,
    }
}

/// An address compared as scheme, host and port: snapshots from before HTTPS scopes had a
/// path recorded their whole URL there.
fn address_key(address: &str) -> String {
    match reqwest::Url::parse(address) {
        Ok(mut url) => {
            url.set_path("");
            url.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => address.to_string(),
    }
}

/// Whether a runtime cache's copy, written for `recorded`, may serve a start configured
/// for `configured`: every field the start names must be the copy's too, the address
/// included (a cache is this host's, not the image's: nothing about it is only noted).
pub fn cache_serves(recorded: &Scope, configured: &Scope) -> Result<(), String> {
    if !recorded.parts.is_empty() || !configured.parts.is_empty() {
        if recorded.parts.len() != configured.parts.len() {
            return Err("it was written for another number of sources".into());
        }
        for (at, (a, b)) in recorded.parts.iter().zip(&configured.parts).enumerate() {
            cache_serves(a, b).map_err(|reason| format!("source {}: {reason}", at + 1))?;
        }
        return Ok(());
    }
    let fields: [(&str, &Option<String>, &Option<String>); 12] = [
        ("address", &recorded.address, &configured.address),
        ("project", &recorded.project, &configured.project),
        ("config", &recorded.config, &configured.config),
        ("namespace", &recorded.namespace, &configured.namespace),
        ("mount", &recorded.mount, &configured.mount),
        ("path", &recorded.path, &configured.path),
        ("prefix", &recorded.prefix, &configured.prefix),
        ("region", &recorded.region, &configured.region),
        ("stage", &recorded.stage, &configured.stage),
        ("query", &recorded.query, &configured.query),
        ("account", &recorded.account, &configured.account),
        ("version id", &recorded.version_id, &configured.version_id),
    ];
    if recorded.provider != configured.provider {
        return Err(format!(
            "it was written for a \"{}\" source",
            crate::redact::shown(&recorded.provider)
        ));
    }
    // A namespace and a query are scope when absent too (the root namespace, no query).
    let strict = ["namespace", "query"];
    for (what, a, b) in fields {
        let differ = match (a, b) {
            (_, Some(b)) => a.as_ref() != Some(b),
            (Some(_), None) => strict.contains(&what),
            (None, None) => false,
        };
        if differ {
            return Err(format!("it was written for another {what}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doppler(project: Option<&str>, config: Option<&str>, address: &str) -> Scope {
        Scope {
            provider: "doppler".into(),
            address: Some(address.into()),
            project: project.map(Into::into),
            config: config.map(Into::into),
            ..Scope::default()
        }
    }

    #[test]
    fn compares_only_what_both_name() {
        let built = doppler(Some("shop"), Some("prd"), "https://api.doppler.com");
        assert_eq!(
            check_scope(
                &built,
                &doppler(None, None, "https://api.doppler.com"),
                false
            ),
            ScopeCheck::Same
        );
        assert!(
            matches!(check_scope(&built, &doppler(Some("shop"), Some("dev"), "https://api.doppler.com"), false), ScopeCheck::Mismatch(m) if m.reason.contains("\"prd\""))
        );
        assert!(matches!(
            check_scope(
                &built,
                &doppler(Some("shop"), None, "http://doppler.internal"),
                false
            ),
            ScopeCheck::AddressDiffers { .. }
        ));
    }

    #[test]
    fn an_https_source_s_url_is_its_scope() {
        let at = |url: &str| Scope {
            provider: "https".into(),
            address: Some(url.into()),
            ..Scope::default()
        };
        assert!(matches!(
            check_scope(&at("https://cfg.internal/staging"), &at("https://cfg.internal/production"), false),
            ScopeCheck::Mismatch(m) if m.reason.contains("URL path")
        ));
        assert_eq!(
            check_scope(
                &at("https://cfg.internal/prd"),
                &at("https://cfg.internal/prd"),
                false
            ),
            ScopeCheck::Same
        );
    }

    #[test]
    fn another_provider_is_another_scope_unless_allowed() {
        let vault = Scope {
            provider: "vault".into(),
            mount: Some("secret".into()),
            path: Some("app".into()),
            ..Scope::default()
        };
        let file = Scope {
            provider: "file".into(),
            path: Some("secrets.env".into()),
            ..Scope::default()
        };
        let built = doppler(Some("shop"), Some("prd"), "https://api.doppler.com");
        for configured in [&vault, &file] {
            assert!(
                matches!(check_scope(&built, configured, false), ScopeCheck::Mismatch(m) if m.reason.contains("made from a \"doppler\" source"))
            );
            assert!(matches!(
                check_scope(&built, configured, true),
                ScopeCheck::Allowed(_)
            ));
        }
        assert!(matches!(
            check_scope(&file, &vault, false),
            ScopeCheck::Mismatch(_)
        ));
    }

    fn vault(namespace: Option<&str>) -> Scope {
        Scope {
            provider: "vault".into(),
            address: Some("https://vault.internal:8200".into()),
            namespace: namespace.map(Into::into),
            mount: Some("secret".into()),
            path: Some("app".into()),
            ..Scope::default()
        }
    }

    #[test]
    fn a_vault_namespace_is_scope_even_when_one_side_has_none() {
        assert_eq!(
            check_scope(&vault(Some("stg")), &vault(Some("stg")), false),
            ScopeCheck::Same
        );
        for (built, configured) in [
            (Some("stg"), Some("prd")),
            (Some("stg"), None),
            (None, Some("prd")),
        ] {
            assert!(
                matches!(check_scope(&vault(built), &vault(configured), false), ScopeCheck::Mismatch(m) if m.reason.contains("Vault namespace") && m.settings.contains("VAULT_NAMESPACE")),
                "{built:?} {configured:?}"
            );
            assert!(cache_serves(&vault(built), &vault(configured)).is_err());
        }
    }

    #[test]
    fn an_https_source_is_its_path_and_query_and_its_host_is_only_noted() {
        let url = |text: &str| {
            crate::source::SourceSpec::parse(text)
                .unwrap()
                .configured_scope()
        };
        let built = url("http://127.0.0.1:18080/secrets.json?env=stg");
        assert_eq!(built.query.as_deref(), Some("env=stg"));
        assert_eq!(built.path.as_deref(), Some("/secrets.json"));
        assert!(matches!(
            check_scope(
                &built,
                &url("https://localhost/secrets.json?env=stg"),
                false
            ),
            ScopeCheck::AddressDiffers { .. }
        ));
        for other in [
            "http://127.0.0.1:18080/secrets.json?env=prd",
            "http://127.0.0.1:18080/secrets.json",
            "http://127.0.0.1:18080/other.json?env=stg",
        ] {
            assert!(
                matches!(check_scope(&built, &url(other), false), ScopeCheck::Mismatch(m) if m.settings.contains("query")),
                "{other}"
            );
            assert!(cache_serves(&built, &url(other)).is_err(), "{other}");
        }
        // A snapshot from before paths were recorded: its path was in its address.
        let old = Scope {
            provider: "https".into(),
            address: Some("http://127.0.0.1:18080/secrets.json".into()),
            ..Scope::default()
        };
        assert_eq!(
            check_scope(&old, &url("http://127.0.0.1:18080/secrets.json"), false),
            ScopeCheck::Same
        );
        // A signed URL's signature is no part of what is shown.
        let signed = url("https://h/s?env=prd&X-Amz-Signature=canary0123456789abcdef&token=canary");
        assert_eq!(
            signed.query.as_deref(),
            Some("env=prd&X-Amz-Signature=[REDACTED]&token=[REDACTED]")
        );
    }
}
