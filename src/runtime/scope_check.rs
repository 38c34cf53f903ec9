//! Whether a snapshot was made for the scope `run` is configured for. The provider first:
//! a Doppler snapshot never stands in for Vault, nor a `file:` or `env:` snapshot for a
//! live service, unless the user says it is meant (`--allow-other-source`). Then only what
//! both sides name is compared: a Doppler project and config, a Vault mount and path. A
//! different service address is only noted, since build and runtime often reach one
//! service by different names.

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
    /// A named scope differs: refused.
    Mismatch(String),
}

fn differs(what: &str, snapshot: &Option<String>, configured: &Option<String>) -> Option<String> {
    match (snapshot, configured) {
        (Some(a), Some(b)) if a != b => {
            Some(format!("{what} {a:?}, but run is configured for {b:?}"))
        }
        _ => None,
    }
}

/// Compares the snapshot's scope with the configured one; `other_source_allowed` lets a
/// snapshot of another provider serve.
pub fn check_scope(snapshot: &Scope, configured: &Scope, other_source_allowed: bool) -> ScopeCheck {
    // Several sources: the same number, each held against its own.
    if !snapshot.parts.is_empty() && !configured.parts.is_empty() {
        if snapshot.parts.len() != configured.parts.len() && !other_source_allowed {
            return ScopeCheck::Mismatch(format!(
                "the snapshot was made from {} sources, but run is configured for {}",
                snapshot.parts.len(),
                configured.parts.len()
            ));
        }
        let mut noted = ScopeCheck::Same;
        for (at, (a, b)) in snapshot.parts.iter().zip(&configured.parts).enumerate() {
            match check_scope(a, b, other_source_allowed) {
                ScopeCheck::Same => {}
                ScopeCheck::Mismatch(reason) => {
                    return ScopeCheck::Mismatch(format!("source {}: {reason}", at + 1))
                }
                differs @ ScopeCheck::AddressDiffers { .. } => noted = differs,
            }
        }
        return noted;
    }
    if snapshot.provider != configured.provider && !other_source_allowed {
        return ScopeCheck::Mismatch(format!(
            "the snapshot was made from a {:?} source, but run is configured for a {:?} source",
            snapshot.provider, configured.provider
        ));
    }
    let mut mismatches: Vec<String> = [
        differs("Doppler project", &snapshot.project, &configured.project),
        differs("Doppler config", &snapshot.config, &configured.config),
    ]
    .into_iter()
    .flatten()
    .collect();
    if snapshot.provider == "vault" && configured.provider == "vault" {
        mismatches.extend(differs("Vault mount", &snapshot.mount, &configured.mount));
        mismatches.extend(differs("Vault path", &snapshot.path, &configured.path));
    }
    // AWS: the region and the secret (or parameter path). An ARN and a name for one
    // secret differ as text; the user says --allow-other-source or names it one way.
    if snapshot.provider == configured.provider && snapshot.provider.starts_with("aws-") {
        mismatches.extend(differs("AWS region", &snapshot.region, &configured.region));
        let what = if snapshot.provider == "aws-sm" {
            "AWS secret"
        } else {
            "Parameter Store path"
        };
        mismatches.extend(differs(what, &snapshot.path, &configured.path));
        mismatches.extend(differs("AWS stage", &snapshot.stage, &configured.stage));
    }
    // An HTTPS source has no scope but its URL: another URL (…/staging against
    // …/production) is another scope, not only another address.
    if snapshot.provider == "https" && configured.provider == "https" {
        mismatches.extend(differs("URL", &snapshot.address, &configured.address));
    }
    if !mismatches.is_empty() {
        return ScopeCheck::Mismatch(format!(
            "the snapshot was made for {}",
            mismatches.join(" and ")
        ));
    }
    match (&snapshot.address, &configured.address) {
        (Some(a), Some(b)) if a != b => ScopeCheck::AddressDiffers {
            snapshot: a.clone(),
            configured: b.clone(),
        },
        _ => ScopeCheck::Same,
    }
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
            matches!(check_scope(&built, &doppler(Some("shop"), Some("dev"), "https://api.doppler.com"), false), ScopeCheck::Mismatch(m) if m.contains("\"prd\""))
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
            ScopeCheck::Mismatch(m) if m.contains("URL")
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
                matches!(check_scope(&built, configured, false), ScopeCheck::Mismatch(m) if m.contains("made from a \"doppler\" source"))
            );
            assert_eq!(check_scope(&built, configured, true), ScopeCheck::Same);
        }
        assert!(matches!(
            check_scope(&file, &vault, false),
            ScopeCheck::Mismatch(_)
        ));
    }
}
