//! Secret values and the set of named secrets a snapshot holds.
//!
//! Values live in [`SecretString`]s: they are wiped when dropped and print as
//! `[REDACTED]` in `Debug`, so a value cannot reach a log line or an error by accident.
//! Names are not secret: errors name the secret they are about, never its value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretValue::new)
    }
}

/// Named secrets, sorted by name so output and snapshots are deterministic.
#[derive(Debug, Default, Serialize, Deserialize)]
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
}

impl fmt::Display for InvalidSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidSecret::EmptyName => "the name is empty",
            InvalidSecret::NameHasEquals => "the name contains '='",
            InvalidSecret::NameHasNul => "the name contains a NUL byte",
            InvalidSecret::ValueHasNul => "the value contains a NUL byte",
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
}
