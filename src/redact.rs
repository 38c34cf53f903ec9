//! Text that looks like key material or a token is never echoed, whatever flag it was
//! given to. People paste key text where a path belongs (`-i "$(cat runtime.key)"`), a
//! token where a token file belongs (`--token-file hvs.…`), a private key where a public
//! one belongs; the messages that follow land in CI and container logs.

use std::borrow::Cow;
use std::path::Path;

use zeroize::Zeroizing;

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
    // Any part of a path: a token pasted as a directory (`--files-dir /run/hvs.…`) is
    // echoed with the file name lifeboat adds after it.
    for word in text.split('/') {
        if TOKEN_PREFIXES.iter().any(|p| word.starts_with(p)) && word.len() >= 16 {
            return true;
        }
        // Vault's older service tokens: "s." and 24 letters and digits.
        if let Some(rest) = word.strip_prefix("s.") {
            if rest.len() >= 24 && rest.chars().all(|c| c.is_ascii_alphanumeric()) {
                return true;
            }
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

/// A value given to a flag or an environment variable, as a message shows it: as it is
/// (escaped), unless it looks like key text or a token. Every message that quotes what
/// someone typed (`--only NAME`, `--file NAME`, a `--fallback-on` word) goes through
/// here, so no flag is an exception to the rule.
pub fn value(text: &str) -> Cow<'_, str> {
    if looks_like_secret(text) {
        Cow::Borrowed(NOT_SHOWN)
    } else {
        escaped(Cow::Borrowed(text))
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

/// Whether a character shows as nothing at all: Unicode's default-ignorable code points
/// (the soft hyphen, zero-width spaces and joiners, bidirectional marks, fillers,
/// variation selectors, tags). Not refused where [`is_unsafe_to_show`] refuses (a
/// snapshot label may hold a soft hyphen), but never left inside quoted server text,
/// where one could hide in an echoed token.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// What quoted server text shows instead of a secret lifeboat sent.
pub const REDACTED: &str = "[REDACTED]";

/// Text a server sent (an error's message) as a reason may quote it: first every
/// character that is unsafe to show or invisible is removed, then every one of `secrets`
/// is replaced by [`REDACTED`], then it is cut to `max` characters. The order is the
/// point. Filtered after scrubbing, a token with a zero-width space inside would slip
/// past the scrubbing and the filter would then join it back together; cut before it, a
/// token echoed across the cut would leave its first half.
pub fn server_text<'a>(
    text: &str,
    secrets: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> String {
    let shown = |c: &char| !is_unsafe_to_show(*c) && !is_invisible(*c);
    let mut text: String = text.chars().filter(shown).collect();
    for secret in secrets {
        // The secret as it would read once filtered; one made only of such characters
        // cannot show, and an empty pattern would match everywhere.
        let secret: Zeroizing<String> = Zeroizing::new(secret.chars().filter(shown).collect());
        if !secret.is_empty() {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    text.chars().take(max).collect()
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
    fn a_flag_value_is_shown_escaped_unless_it_looks_like_a_token() {
        assert_eq!(value("API_KEY"), "API_KEY");
        assert_eq!(value("bad\u{1b}[2J"), "bad\\u{1b}[2J");
        for token in [
            "hvs.CAESIJ3lYq8zKqZ4zX0P5cF2",
            "dp.st.prd.canary-token-9c2e51",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "AGE-SECRET-KEY-1GSFGZK0MATHUHS0AHA8NGUM43JSQURRR5M2V00DF7WECR6FZ6GJSZJ9PNH",
        ] {
            assert_eq!(value(token), NOT_SHOWN);
        }
        // A token as a directory, with a name after it.
        assert!(looks_like_secret(
            "/run/hvs.CAESIJ3lYq8zKqZ4zX0P5cF2/lifeboat-0"
        ));
    }

    /// Every class of character the filter removes, each inside an echoed token: none
    /// may dodge the scrubbing.
    #[test]
    fn server_text_is_filtered_before_it_is_scrubbed() {
        let token = "hvs.CAESIJ3lYq8zKqZ4zX0P5cF2";
        for hidden in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{202E}',
            '\u{2066}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{034F}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{0000}',
            '\u{0007}',
            '\u{001B}',
            '\n',
            '\r',
            '\t',
            '\u{007F}',
            '\u{0085}',
            '\u{009B}',
        ] {
            let echoed = format!("bad token {}{hidden}{}, go away", &token[..6], &token[6..]);
            let quoted = server_text(&echoed, [token], 200);
            assert_eq!(
                quoted, "bad token [REDACTED], go away",
                "U+{:04X}",
                hidden as u32
            );
        }
        // A secret that itself holds such a character still matches.
        let role = "ro\u{200B}le-with-a-zero-width-space";
        assert_eq!(
            server_text("invalid role \"role-with-a-zero-width-space\"", [role], 200),
            "invalid role \"[REDACTED]\""
        );
        // Nothing left of a secret that is all invisible; nothing matched by it.
        assert_eq!(server_text("fine", ["\u{200B}"], 200), "fine");
        // Scrubbed before the cut: no first half at the edge.
        let long = format!("{} {token}", "x".repeat(190));
        assert!(server_text(&long, [token], 200).ends_with(" [REDACTED"));
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
