//! Secret values and the set of named secrets a snapshot holds.
//!
//! Values live in [`SecretString`]s: they are wiped when dropped and print as
//! `[REDACTED]` in `Debug`, so a value cannot reach a log line or an error by accident.
//! Names are not secret: errors name the secret they are about, never its value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// One secret value.
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Wraps a value; the `String` is moved, not copied.
    pub fn new(value: String) -> Self {
        SecretValue(SecretString::from(value))
    }

    /// The value itself, for the few places that must hand it on (sealing, the child's
    /// environment, `recover` output).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl<'de> Deserialize<'de> for SecretValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretValue::new)
    }
}

/// Named secrets, sorted by name so output and snapshots are deterministic. Not
/// `Serialize`: only sealing writes values out (`snapshot::seal`).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Secrets(BTreeMap<String, SecretValue>);

/// Why a name or value cannot be used as an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidSecret {
    /// The name is empty.
    EmptyName,
    /// The name contains `=` (the name/value separator in an environment string).
    NameHasEquals,
    /// The name contains a NUL byte.
    NameHasNul,
    /// The value contains a NUL byte, which cannot pass through `execve`.
    ValueHasNul,
    /// The name is outside the set every source accepts (see [`is_source_name`]).
    NameNotAllowed,
}

/// The longest name a source may give.
pub const MAX_NAME_BYTES: usize = 256;

/// Whether a name is one every source accepts: ASCII letters, digits, `_`, `.` and `-`,
/// not starting with a digit, `.` or `-`, at most [`MAX_NAME_BYTES`]. Every shell, libc
/// and orchestrator passes such a name through the environment (Kubernetes allows
/// `[-._a-zA-Z][-._a-zA-Z0-9]*`; POSIX shells the subset without `.` and `-`). One rule
/// for every source, checked when secrets enter lifeboat; snapshots sealed before it
/// still open, since opening only refuses what `execve` cannot carry.
pub fn is_source_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && name.len() <= MAX_NAME_BYTES
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl fmt::Display for InvalidSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidSecret::EmptyName => "the name is empty",
            InvalidSecret::NameHasEquals => "the name contains '='",
            InvalidSecret::NameHasNul => "the name contains a NUL byte",
            InvalidSecret::ValueHasNul => "the value contains a NUL byte",
            InvalidSecret::NameNotAllowed => {
                "names are ASCII letters, digits, '_', '.' and '-', not starting with a digit, '.' or '-', at most 256 bytes"
            }
        })
    }
}

impl Secrets {
    /// An empty set.
    pub fn new() -> Self {
        Secrets::default()
    }

    /// Adds a secret, returning the previous value's presence so callers can refuse
    /// duplicates where the input format makes them a mistake.
    pub fn insert(&mut self, name: String, value: SecretValue) -> bool {
        self.0.insert(name, value).is_some()
    }

    /// All but the secrets named (moved, not copied).
    pub fn without_names(mut self, names: &[String]) -> Secrets {
        self.0.retain(|name, _| !names.iter().any(|n| n == name));
        self
    }

    /// Only the secrets named (moved, not copied).
    pub fn retain_names(mut self, names: &[String]) -> Secrets {
        self.0.retain(|name, _| names.iter().any(|n| n == name));
        self
    }

    /// Name and value pairs, taken by move (no copy of a value is made).
    pub fn into_pairs(self) -> impl Iterator<Item = (String, SecretValue)> {
        self.0.into_iter()
    }

    /// Whether a secret of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The value of one secret.
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.0.get(name)
    }

    /// How many secrets there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Name and value pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The first secret that could not be passed to a process as `NAME=value`, with the
    /// reason. Checked when a snapshot is made, so a bad name fails the build and not the
    /// start of a container during an outage.
    pub fn first_invalid(&self) -> Option<(&str, InvalidSecret)> {
        self.iter().find_map(|(name, value)| {
            let problem = if name.is_empty() {
                InvalidSecret::EmptyName
            } else if name.contains('=') {
                InvalidSecret::NameHasEquals
            } else if name.contains('\0') {
                InvalidSecret::NameHasNul
            } else if value.expose().contains('\0') {
                InvalidSecret::ValueHasNul
            } else {
                return None;
            };
            Some((name, problem))
        })
    }

    /// The first secret a source may not give: [`Secrets::first_invalid`], and a name
    /// outside [`is_source_name`].
    pub fn first_refused_from_a_source(&self) -> Option<(&str, InvalidSecret)> {
        self.first_invalid().or_else(|| {
            self.names()
                .find(|name| !is_source_name(name))
                .map(|name| (name, InvalidSecret::NameNotAllowed))
        })
    }

    /// The bytes of all names and values: a size estimate for buffers that must not grow
    /// (growing a buffer leaves a copy of the plaintext behind in freed memory).
    pub fn byte_len(&self) -> usize {
        self.iter().map(|(n, v)| n.len() + v.expose().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_values() {
        let mut secrets = Secrets::new();
        secrets.insert("API_KEY".into(), SecretValue::new("canary-value".into()));
        let shown = format!("{secrets:?}");
        assert!(shown.contains("API_KEY"));
        assert!(!shown.contains("canary-value"));
    }

    #[test]
    fn invalid_names_and_values_are_named() {
        let mut secrets = Secrets::new();
        secrets.insert("GOOD".into(), SecretValue::new("x".into()));
        secrets.insert("BAD=NAME".into(), SecretValue::new("x".into()));
        assert_eq!(
            secrets.first_invalid(),
            Some(("BAD=NAME", InvalidSecret::NameHasEquals))
        );
        let mut secrets = Secrets::new();
        secrets.insert("NUL".into(), SecretValue::new("a\0b".into()));
        assert_eq!(
            secrets.first_invalid(),
            Some(("NUL", InvalidSecret::ValueHasNul))
        );
    }

    #[test]
    fn one_rule_for_names_from_sources() {
        for good in [
            "API_KEY",
            "_private",
            "spring.datasource.url",
            "db-password",
            "a1",
        ] {
            assert!(is_source_name(good), "{good}");
        }
        let long = "A".repeat(MAX_NAME_BYTES + 1);
        for bad in [
            "",
            "1ABC",
            "-x",
            ".x",
            "MIIEvQ+IBADAN/BgkqhkiG9w0B",
            "a b",
            "é",
            "A=B",
            &long,
        ] {
            assert!(!is_source_name(bad), "{bad}");
        }
        let mut secrets = Secrets::new();
        secrets.insert("with space".into(), SecretValue::new("x".into()));
        // Opening still takes it (an older snapshot may hold one); a source does not.
        assert_eq!(secrets.first_invalid(), None);
        assert_eq!(
            secrets.first_refused_from_a_source(),
            Some(("with space", InvalidSecret::NameNotAllowed))
        );
    }
}
