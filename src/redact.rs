//! Text that looks like key material or a token is never echoed, whatever flag it was
//! given to. People paste key text where a path belongs (`-i "$(cat runtime.key)"`), a
//! token where a token file belongs (`--token-file hvs.…`), a private key where a public
//! one belongs; the messages that follow land in CI and container logs.

use std::borrow::Cow;
use std::path::Path;

/// What is shown instead.
pub const NOT_SHOWN: &str = "[a value that looks like key text or a token, not shown]";

/// Whether `text` looks like a private key, an age identity, or a service token.
pub fn looks_like_secret(text: &str) -> bool {
    const MARKERS: [&str; 5] = [
        "AGE-SECRET-KEY-",
        "AGE-PLUGIN-",
        "PRIVATE KEY",
        "-----BEGIN",
        "b3BlbnNzaC1rZXktdjE",
    ];
    // Doppler (dp.st., dp.ct., dp.sa., …), Vault (hvs., hvb., hvr.), GitHub and GitLab
    // tokens, and JWTs (a Kubernetes service-account token).
    const TOKEN_PREFIXES: [&str; 13] = [
        "dp.st.",
        "dp.ct.",
        "dp.pt.",
        "dp.sa.",
        "dp.scim.",
        "dp.audit.",
        "hvs.",
        "hvb.",
        "hvr.",
        "ghp_",
        "github_pat_",
        "glpat-",
        "eyJ",
    ];
    let text = text.trim();
    if MARKERS.iter().any(|m| text.contains(m)) || text.contains(['\n', '\r']) {
        return true;
    }
    let word = text.rsplit('/').next().unwrap_or(text);
    if TOKEN_PREFIXES.iter().any(|p| word.starts_with(p)) && word.len() >= 16 {
        return true;
    }
    // Vault's older service tokens: "s." and 24 letters and digits.
    if let Some(rest) = word.strip_prefix("s.") {
        if rest.len() >= 24 && rest.chars().all(|c| c.is_ascii_alphanumeric()) {
            return true;
        }
    }
    // A long run of token characters with no path separator and no extension is not a
    // file name people type.
    text.len() >= 40
        && !text.contains(['/', '.'])
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-+=".contains(c))
}

/// A path as a message shows it: as it is (escaped), unless it looks like key text or a
/// token.
pub fn path(path: &Path) -> Cow<'_, str> {
    let shown = path.to_string_lossy();
    if looks_like_secret(&shown) {
        Cow::Borrowed(NOT_SHOWN)
    } else {
        escaped(shown)
    }
}

/// Text from outside (a file name, a service's words, an archive's tags, `$USER`) as a
/// message may show it: every character that could change what a terminal or a log
/// shows around it (control characters, escape sequences, bidirectional overrides) is
/// written as an escape, so one value can never forge a line.
pub fn escaped(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_to_show) {
        return text;
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe_to_show(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Whether a character can change what a terminal or a log shows around it: control
/// characters (newlines and escape sequences among them), bidirectional overrides and
/// isolates, and invisible format characters.
pub fn is_unsafe_to_show(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// [`escaped`] for a `&str`, owned.
pub fn shown(text: &str) -> String {
    escaped(Cow::Borrowed(text)).into_owned()
}

/// `text` with every occurrence of each secret-looking value in `values` (and of each of
/// their lines) replaced by [`NOT_SHOWN`].
pub fn scrub_values<'a>(text: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = text.to_string();
    for value in values.into_iter().filter(|v| looks_like_secret(v)) {
        text = text.replace(value, NOT_SHOWN);
        for line in value.lines().map(str::trim).filter(|l| l.len() >= 8) {
            text = text.replace(line, NOT_SHOWN);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_and_tokens_are_recognised_and_paths_are_not() {
        for secret in [
            "# created: 2026-12-01T00:00:00Z\n# public key: age1x\nAGE-SECRET-KEY-1QQQQ",
            "AGE-SECRET-KEY-1GSFGZK0MATHUHS0AHA8NGUM43JSQURRR5M2V00DF7WECR6FZ6GJSZJ9PNH",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "hvs.CAESIJ3lYq8zKqZ4zX0P5cF2",
            "s.Qf1s5zigZ4OX6akYjQXJC1jY",
            "dp.st.prd.canary-token-9c2e51",
            "/run/secrets/dp.st.prd.abcdefghijklmn",
            "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW0",
            "glpat-abcdefghijklmnopqrst",
            "Qf1s5zigZ4OX6akYjQXJC1jYQf1s5zigZ4OX6akYjQ",
        ] {
            assert!(looks_like_secret(secret), "{secret}");
            assert_eq!(path(Path::new(secret)), NOT_SHOWN);
        }
        for shown in [
            "runtime.key",
            "/run/secrets/vault_token",
            "/etc/lifeboat/snapshot.age",
            "keys/breakglass-alice.key",
            "dp.txt",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "runtime-key-production-eu-west-1-2026-01-01.key",
            "/etc/keys/dp.staging-runtime.key",
            "snapshots/a-rather-long-snapshot-file-name-for-prod.age",
        ] {
            assert!(!looks_like_secret(shown), "{shown}");
            assert_eq!(path(Path::new(shown)), shown);
        }
    }

    #[test]
    fn scrubbing_removes_every_line_of_a_value() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        let message =
            format!("unexpected argument '{key}' found; tip: use '-- b3BlbnNzaC1rZXktdjEAAAAA'");
        let scrubbed = scrub_values(&message, [key, "runtime.key"]);
        assert!(!scrubbed.contains("b3BlbnNzaC1rZXktdjE"), "{scrubbed}");
        assert!(!scrubbed.contains("PRIVATE KEY"), "{scrubbed}");
        assert!(scrubbed.contains(NOT_SHOWN));
    }
}
