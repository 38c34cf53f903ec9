//! The trusted signers file: OpenSSH's `allowed_signers` format (ssh-keygen(1), ALLOWED
//! SIGNERS), so the file a fleet keeps for `ssh-keygen -Y verify` serves lifeboat too.
//!
//! A line is `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`. lifeboat honours the
//! options `namespaces="…"` (a pattern list, `*`, `?` and `!` as OpenSSH reads them),
//! `valid-after="…"` and `valid-before="…"`; it refuses by name what it does not do
//! (`cert-authority`, keys other than `ssh-ed25519`, times without `Z`) rather than
//! skipping a line the operator meant to count. `run` has no principal to ask for: any
//! listed key, allowed the namespace at this time, is trusted.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::public_key::{NotEd25519, PublicKey, ED25519_TYPE};
use super::{SignatureError, SignerFileError, NAMESPACE};
use crate::duration::format_timestamp;

/// Far more than any list of signers.
const MAX_SIGNERS_FILE: u64 = 1 << 20;

/// Every key type OpenSSH writes in a line, so an options field is told from a key type
/// the way ssh-keygen tells them (it tries to read a key first).
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// The keys a deployment trusts to sign its snapshots.
#[derive(Clone, Debug)]
pub struct AllowedSigners {
    path: PathBuf,
    entries: Vec<Entry>,
}

/// One line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    principals: String,
    key: PublicKey,
    /// `namespaces=`; `None` allows every namespace.
    namespaces: Option<String>,
    valid_after: Option<SystemTime>,
    valid_before: Option<SystemTime>,
}

/// Who signed a snapshot, once the signature was accepted.
#[derive(Clone, Debug)]
pub struct Signer {
    /// The key's fingerprint, `SHA256:…`.
    pub fingerprint: String,
    /// The principals of the line that trusts it (escaped).
    pub principals: String,
}

impl AllowedSigners {
    /// Reads and checks the whole file: a line lifeboat cannot honour is an error, and so
    /// is a file that lists no key.
    pub fn read(path: &Path) -> Result<AllowedSigners, SignerFileError> {
        let text = crate::read_capped::read_capped(path, MAX_SIGNERS_FILE)
            .map_err(|source| SignerFileError::Unreadable {
                what: "trusted signers file",
                path: path.to_path_buf(),
                source,
            })?
            .ok_or_else(|| SignerFileError::TooLarge {
                what: "trusted signers file",
                path: path.to_path_buf(),
            })?;
        let text = String::from_utf8_lossy(&text);
        AllowedSigners::parse(&text, path)
    }

    /// Parses the text of a trusted signers file read from `path` (which errors name).
    pub fn parse(text: &str, path: &Path) -> Result<AllowedSigners, SignerFileError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = parse_line(line).map_err(|reason| SignerFileError::SignersLine {
                path: path.to_path_buf(),
                line: index + 1,
                reason,
            })?;
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(SignerFileError::NoSigners {
                path: path.to_path_buf(),
            });
        }
        Ok(AllowedSigners {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The line that trusts `key` to sign snapshots at `now`, or which check failed: the
    /// key listed at all, for this namespace, at this time.
    pub(super) fn trust(&self, key: &PublicKey, now: SystemTime) -> Result<Signer, SignatureError> {
        let fingerprint = key.fingerprint();
        let listed: Vec<&Entry> = self.entries.iter().filter(|e| &e.key == key).collect();
        if listed.is_empty() {
            return Err(SignatureError::UnknownKey {
                fingerprint,
                signers: self.path.clone(),
            });
        }
        let for_namespace: Vec<&Entry> = listed
            .into_iter()
            .filter(|e| {
                e.namespaces
                    .as_deref()
                    .is_none_or(|list| matches_pattern_list(NAMESPACE, list))
            })
            .collect();
        if for_namespace.is_empty() {
            return Err(SignatureError::NamespaceNotAllowed {
                fingerprint,
                signers: self.path.clone(),
            });
        }
        // As ssh-keygen: not before valid-after, not after valid-before (both inclusive).
        let current = |e: &&Entry| {
            e.valid_after.is_none_or(|after| now >= after)
                && e.valid_before.is_none_or(|before| now <= before)
        };
        match for_namespace.iter().copied().find(current) {
            Some(entry) => Ok(Signer {
                fingerprint,
                principals: entry.principals.clone(),
            }),
            None => Err(SignatureError::OutsideValidity {
                fingerprint,
                signers: self.path.clone(),
                window: for_namespace
                    .iter()
                    .map(|e| window(e))
                    .collect::<Vec<_>>()
                    .join(", or "),
            }),
        }
    }
}

fn window(entry: &Entry) -> String {
    match (entry.valid_after, entry.valid_before) {
        (Some(after), Some(before)) => format!(
            "from {} until {}",
            format_timestamp(after),
            format_timestamp(before)
        ),
        (Some(after), None) => format!("from {}", format_timestamp(after)),
        (None, Some(before)) => format!("until {}", format_timestamp(before)),
        (None, None) => "always".into(),
    }
}

/// One line, or why not (every piece of the line shown escaped; it holds public keys and
/// names only).
fn parse_line(line: &str) -> Result<Entry, String> {
    let (principals, rest) = take_field(line)?;
    if principals.is_empty() {
        return Err("no principals before the key".into());
    }
    let (mut next, mut rest) = take_field(rest)?;
    let mut options = None;
    if !KEY_TYPES.contains(&next) {
        options = Some(next);
        (next, rest) = take_field(rest)?;
    }
    let kind = next;
    if kind.is_empty() {
        return Err("no key after the principals".into());
    }
    if kind != ED25519_TYPE {
        return Err(
            if KEY_TYPES.contains(&kind) || kind.ends_with("-cert-v01@openssh.com") {
                format!(
                    "a {} key: lifeboat checks ssh-ed25519 signatures only",
                    crate::redact::shown(kind)
                )
            } else {
                format!(
                "\"{}\" is not a key type (expected ssh-ed25519 after the principals and options)",
                crate::redact::value(kind)
            )
            },
        );
    }
    let (base64, _comment) = take_field(rest)?;
    if base64.is_empty() {
        return Err("no key after ssh-ed25519".into());
    }
    let blob = STANDARD
        .decode(base64)
        .map_err(|_| "the key is not valid base64".to_string())?;
    let key = PublicKey::from_blob(&blob).map_err(|problem| match problem {
        NotEd25519::OtherType(found) => {
            format!("the key says ssh-ed25519 but its blob holds a {found} key")
        }
        NotEd25519::Malformed(reason) => format!("the key is not an Ed25519 key: {reason}"),
    })?;
    let mut entry = Entry {
        principals: crate::redact::shown(principals),
        key,
        namespaces: None,
        valid_after: None,
        valid_before: None,
    };
    if let Some(options) = options {
        for option in split_options(options) {
            let (name, value) = match option.split_once('=') {
                Some((name, value)) => (name, Some(value.trim_matches('"'))),
                None => (option, None),
            };
            match (name.to_ascii_lowercase().as_str(), value) {
                ("cert-authority", _) => {
                    return Err("cert-authority (a certificate authority) is not supported: list the signing key itself".into())
                }
                ("namespaces", Some(list)) => entry.namespaces = Some(list.to_string()),
                ("valid-after", Some(time)) => entry.valid_after = Some(parse_time(time)?),
                ("valid-before", Some(time)) => entry.valid_before = Some(parse_time(time)?),
                _ => {
                    return Err(format!(
                        "the option \"{}\" is not one lifeboat reads (namespaces=, valid-after=, valid-before=)",
                        crate::redact::value(option)
                    ))
                }
            }
        }
    }
    Ok(entry)
}

/// The next blank-separated field (a quoted part may hold blanks), and what follows.
fn take_field(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim_start();
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&text[..at], &text[at..])),
            _ => {}
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    Ok((text, ""))
}

/// The comma-separated options, commas inside quotes kept.
fn split_options(options: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (at, c) in options.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&options[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&options[start..]);
    parts
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, with `Z` for UTC. Without the `Z`,
/// OpenSSH reads local time, which lifeboat (built without a time zone database, and
/// usually in a container whose zone is not the operator's) cannot read the same way:
/// refused, by name.
fn parse_time(text: &str) -> Result<SystemTime, String> {
    let shown = crate::redact::shown(text);
    let Some(digits) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) else {
        return Err(format!(
            "the time \"{shown}\" has no Z: OpenSSH reads it as local time, which lifeboat does not; write it in UTC with a Z (20300101Z, 203001011200Z)"
        ));
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(format!("the time \"{shown}\" is not YYYYMMDD[HHMM[SS]]Z"));
    }
    let part = |from: usize, to: usize| digits.get(from..to).unwrap_or("00");
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(8, 10),
        part(10, 12),
        part(12, 14)
    );
    humantime::parse_rfc3339(&rfc3339)
        .map_err(|_| format!("the time \"{shown}\" is not a valid date and time"))
}

/// OpenSSH's `match_pattern_list`: a name matches a comma-separated list when one pattern
/// matches it and no negated (`!`) pattern does.
fn matches_pattern_list(name: &str, list: &str) -> bool {
    let mut matched = false;
    for pattern in list.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, pattern),
        };
        if matches_pattern(name.as_bytes(), pattern.as_bytes()) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// `*` matches any run of bytes, `?` any one byte.
fn matches_pattern(name: &[u8], pattern: &[u8]) -> bool {
    // The classic backtracking matcher: on a mismatch, let the last `*` take one more.
    let (mut n, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                n += 1;
                p += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIBM1cHtWr0mP30eZuHkpUAFX9Hm9gpQTsU7qzCHi928H";

    fn parse(text: &str) -> Result<AllowedSigners, String> {
        AllowedSigners::parse(text, Path::new("allowed_signers")).map_err(|e| e.to_string())
    }

    fn key() -> PublicKey {
        PublicKey::from_blob(&STANDARD.decode(KEY).unwrap()).unwrap()
    }

    fn at(rfc3339: &str) -> SystemTime {
        humantime::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn reads_what_ssh_keygen_reads() {
        let signers = parse(&format!(
            "# the build\n\nci@example,\"other one\" namespaces=\"git,lifeboat-*\",valid-after=\"20200101Z\",valid-before=\"203001011230Z\" ssh-ed25519 {KEY} the CI\n"
        ))
        .unwrap();
        let signer = signers.trust(&key(), at("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(signer.principals, "ci@example,\"other one\"");
        let early = signers
            .trust(&key(), at("2019-12-31T23:59:59Z"))
            .unwrap_err();
        assert_eq!(early.check(), "outside-validity");
        assert!(early
            .to_string()
            .contains("from 2020-01-01T00:00:00Z until 2030-01-01T12:30:00Z"));
        assert!(signers.trust(&key(), at("2030-01-01T12:30:00Z")).is_ok());
        assert!(signers.trust(&key(), at("2030-01-01T12:30:01Z")).is_err());
        let other = PublicKey::from_bytes(&[1; 32]).unwrap();
        assert_eq!(
            signers
                .trust(&other, SystemTime::now())
                .unwrap_err()
                .check(),
            "unknown-key"
        );
    }

    #[test]
    fn namespaces_are_pattern_lists() {
        for (list, matches) in [
            ("lifeboat-snapshot", true),
            ("git", false),
            ("git,lifeboat-snapshot", true),
            ("*", true),
            ("*,!lifeboat-*", false),
            ("lifeboat-sn?pshot", true),
            ("lifeboat", false),
            ("*-snapshot", true),
            ("", false),
        ] {
            assert_eq!(matches_pattern_list(NAMESPACE, list), matches, "{list}");
            let signers = parse(&format!("a namespaces=\"{list}\" ssh-ed25519 {KEY}")).unwrap();
            let result = signers.trust(&key(), SystemTime::now() + Duration::from_secs(1));
            assert_eq!(result.is_ok(), matches, "{list}");
            if !matches {
                assert_eq!(result.unwrap_err().check(), "wrong-namespace");
            }
        }
    }

    #[test]
    fn refuses_by_name_what_it_does_not_honour() {
        for (line, says) in [
            (
                format!("a cert-authority ssh-ed25519 {KEY}"),
                "cert-authority",
            ),
            (format!("a ssh-rsa {KEY}"), "ssh-rsa key"),
            (
                format!("a sk-ssh-ed25519@openssh.com {KEY}"),
                "sk-ssh-ed25519@openssh.com key",
            ),
            (
                format!("a valid-before=\"20300101\" ssh-ed25519 {KEY}"),
                "has no Z",
            ),
            (
                format!("a valid-before=\"2030-01-01Z\" ssh-ed25519 {KEY}"),
                "not YYYYMMDD",
            ),
            (
                format!("a valid-before=\"20301341Z\" ssh-ed25519 {KEY}"),
                "not a valid date",
            ),
            (
                format!("a no-touch-required ssh-ed25519 {KEY}"),
                "no-touch-required",
            ),
            ("a ssh-ed25519 AAAA".to_string(), "not an Ed25519 key"),
            ("a ssh-ed25519 !!!!".to_string(), "base64"),
            ("a ssh-ed25519".to_string(), "no key after ssh-ed25519"),
            (format!("\"a ssh-ed25519 {KEY}"), "quote"),
            ("a".to_string(), "no key"),
            (format!("a opts bogus-type {KEY}"), "not a key type"),
        ] {
            let error = parse(&line).unwrap_err();
            assert!(error.contains(says), "{line}: {error}");
            assert!(error.contains("line 1"), "{error}");
        }
        assert!(parse("# nobody\n").unwrap_err().contains("lists no key"));
    }
}
