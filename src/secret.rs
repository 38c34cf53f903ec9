//! Secret values and the set of named secrets a snapshot holds.
//!
//! A value on its own lives in a [`SecretValue`] (a `SecretString`), a set of them in
//! [`Secrets`]' one buffer; both are wiped when dropped and print as `[REDACTED]` in
//! `Debug`, so a value cannot reach a log line or an error by accident. Names are not
//! secret: errors name the secret they are about, never its value.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::wiped::WipedBytes;

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
///
/// Compact, because a snapshot can hold a million: every name and value lives back to
/// back in one buffer that is wiped when dropped (and when outgrown: it is copied into a
/// larger one and the old one wiped, never reallocated in place, which would leave a copy
/// behind in freed memory), and each secret is three offsets into it. A map of
/// `String`s took 150 bytes a secret beyond its text; this takes 24.
///
/// Entries are kept in name order in two sorted runs: the main one, and a short one that
/// takes secrets inserted out of order and is merged into the main one once it holds
/// more than the square root of the main one's length, so inserting in any order costs
/// O(n^1.5) moves of 24 bytes, and in name order (the payload, JSON objects) O(n).
#[derive(Default)]
pub struct Secrets {
    text: WipedBytes,
    sorted: Vec<Entry>,
    recent: Vec<Entry>,
}

/// One secret: its name at `text[start..start + name_len]`, its value right after.
#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    name_len: usize,
    value_len: usize,
}

impl Entry {
    /// The name's bytes, for ordering: byte order is the order of the `str`s, and needs no
    /// UTF-8 check.
    fn name_bytes<'a>(&self, text: &'a [u8]) -> &'a [u8] {
        &text[self.start..self.start + self.name_len]
    }

    fn name<'a>(&self, text: &'a [u8]) -> &'a str {
        text_str(&text[self.start..self.start + self.name_len])
    }

    fn value<'a>(&self, text: &'a [u8]) -> &'a str {
        let start = self.start + self.name_len;
        text_str(&text[start..start + self.value_len])
    }
}

/// The buffer holds only whole `str`s copied in at entry boundaries, so every entry's
/// slice is UTF-8; checked anyway rather than assumed (no `unsafe` in this crate).
fn text_str(bytes: &[u8]) -> &str {
    let text = std::str::from_utf8(bytes);
    debug_assert!(text.is_ok(), "an entry's bounds split a character");
    text.unwrap_or_default()
}

/// A secret's value, borrowed from [`Secrets`]: shown only through [`SecretRef::expose`],
/// `[REDACTED]` in `Debug`.
#[derive(Clone, Copy)]
pub struct SecretRef<'a>(&'a str);

impl<'a> SecretRef<'a> {
    /// The value itself, for the few places that must hand it on.
    pub fn expose(&self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for SecretRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'de> Deserialize<'de> for Secrets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SecretsVisitor(Secrets::new()))
    }
}

/// Reads a JSON object of strings into an empty [`Secrets`], copying each name and value
/// straight into the buffer: no `String` per secret is made. (A string with escapes is
/// unescaped by serde_json in a scratch buffer of its own, which it does not wipe.) The
/// secrets are sorted once at the end, so any order costs O(n log n). A name given twice
/// is an error.
pub(crate) struct SecretsVisitor(pub(crate) Secrets);

impl<'de> Visitor<'de> for SecretsVisitor {
    type Value = Secrets;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of secret names and string values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Secrets, A::Error> {
        let mut secrets = self.0;
        if !secrets.is_empty() {
            return Err(serde::de::Error::custom(
                "read into a set that is not empty",
            ));
        }
        let mut entries = std::mem::take(&mut secrets.sorted);
        let mut in_order = true;
        while let Some(name) = map.next_key::<Text<'de>>()? {
            let value = map.next_value::<Text<'de>>()?;
            let entry = secrets.push_text(name.as_str(), value.as_str());
            let text = &secrets.text[..];
            in_order = in_order
                && entries
                    .last()
                    .is_none_or(|last| last.name_bytes(text) < entry.name_bytes(text));
            entries.push(entry);
        }
        let text = &secrets.text[..];
        if !in_order {
            entries.sort_unstable_by(|a, b| a.name_bytes(text).cmp(b.name_bytes(text)));
        }
        if let Some(twice) = entries
            .windows(2)
            .find(|pair| pair[0].name_bytes(text) == pair[1].name_bytes(text))
        {
            return Err(serde::de::Error::custom(format!(
                "the name \"{}\" is given twice",
                twice[0].name(text).escape_debug()
            )));
        }
        secrets.sorted = entries;
        Ok(secrets)
    }
}

/// A string as the deserializer has it: borrowed from the input where it can be (no
/// copy), else owned and wiped when dropped.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(Zeroizing<String>),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(text) => text,
            Text::Owned(text) => text,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(text))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(Zeroizing::new(text.to_string())))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text::Owned(Zeroizing::new(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

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

    /// An empty set with room for `bytes` of names and values and for `count` secrets, so
    /// filling it up to that never copies the buffer. Room costs address space only: a
    /// page of it is memory once something is written there.
    pub fn with_capacity(bytes: usize, count: usize) -> Self {
        Secrets {
            text: WipedBytes::with_capacity(bytes),
            sorted: Vec::with_capacity(count),
            recent: Vec::new(),
        }
    }

    /// Adds a secret, returning the previous value's presence so callers can refuse
    /// duplicates where the input format makes them a mistake.
    pub fn insert(&mut self, name: String, value: SecretValue) -> bool {
        self.insert_str(&name, value.expose())
    }

    /// [`Secrets::insert`] from borrowed text (copied into the buffer). A secret already
    /// there gets the new value; the old one is wiped.
    pub fn insert_str(&mut self, name: &str, value: &str) -> bool {
        let entry = self.push_text(name, value);
        let text = &self.text[..];
        for run in [&mut self.sorted, &mut self.recent] {
            if let Ok(at) = run.binary_search_by(|e| e.name_bytes(text).cmp(name.as_bytes())) {
                let old = std::mem::replace(&mut run[at], entry);
                self.text
                    .wipe(old.start..old.start + old.name_len + old.value_len);
                return true;
            }
        }
        match self.sorted.last() {
            Some(last) if last.name_bytes(text) > name.as_bytes() => {
                let at = self
                    .recent
                    .binary_search_by(|e| e.name_bytes(text).cmp(name.as_bytes()))
                    .unwrap_or_else(|at| at);
                self.recent.insert(at, entry);
                if self.recent.len() * self.recent.len() > self.sorted.len().max(1024) {
                    self.merge_recent();
                }
            }
            // After everything in the main run: still in order there (the short run
            // stays a sorted run of its own).
            _ => self.sorted.push(entry),
        }
        false
    }

    /// Appends a name and value to the buffer; the entry that points at them.
    fn push_text(&mut self, name: &str, value: &str) -> Entry {
        let start = self.text.len();
        self.text.append(name.as_bytes());
        self.text.append(value.as_bytes());
        Entry {
            start,
            name_len: name.len(),
            value_len: value.len(),
        }
    }

    fn merge_recent(&mut self) {
        let mut merged = Vec::with_capacity(self.len());
        merged.extend(self.in_order().copied());
        self.sorted = merged;
        self.recent.clear();
    }

    /// Every entry in name order: the two runs merged.
    fn in_order(&self) -> impl Iterator<Item = &Entry> {
        let text = &self.text[..];
        let (mut a, mut b) = (self.sorted.iter().peekable(), self.recent.iter().peekable());
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.name_bytes(text) < y.name_bytes(text) => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        })
    }

    /// Rebuilt from the secrets `keep` says yes to, in a buffer of their own; the old one
    /// is wiped.
    fn filtered(self, keep: impl Fn(&str) -> bool) -> Secrets {
        let mut kept = Secrets::new();
        for (name, value) in self.iter().filter(|(name, _)| keep(name)) {
            kept.insert_str(name, value.expose());
        }
        kept
    }

    /// All but the secrets named.
    pub fn without_names(self, names: &[String]) -> Secrets {
        self.filtered(|name| !names.iter().any(|n| n == name))
    }

    /// Only the secrets named.
    pub fn retain_names(self, names: &[String]) -> Secrets {
        self.filtered(|name| names.iter().any(|n| n == name))
    }

    /// Name and value pairs, each value copied into a [`SecretValue`] of its own (the
    /// buffer is wiped before this returns).
    pub fn into_pairs(self) -> impl Iterator<Item = (String, SecretValue)> {
        let pairs: Vec<(String, SecretValue)> = self
            .iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    SecretValue::new(value.expose().to_string()),
                )
            })
            .collect();
        pairs.into_iter()
    }

    /// Whether a secret of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The value of one secret.
    pub fn get(&self, name: &str) -> Option<SecretRef<'_>> {
        let text = &self.text[..];
        [&self.sorted, &self.recent].into_iter().find_map(|run| {
            run.binary_search_by(|e| e.name_bytes(text).cmp(name.as_bytes()))
                .ok()
                .map(|at| SecretRef(run[at].value(text)))
        })
    }

    /// How many secrets there are.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Name and value pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SecretRef<'_>)> {
        let text = &self.text[..];
        self.in_order()
            .map(move |entry| (entry.name(text), SecretRef(entry.value(text))))
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(name, _)| name)
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

    #[test]
    fn any_insertion_order_reads_back_sorted() {
        // Names in a scrambled order (a multiplicative permutation of 0..n), so the short
        // run fills and merges many times, with every tenth name given twice.
        let n = 5000u64;
        let mut secrets = Secrets::new();
        for i in 0..n {
            let k = (i * 2_654_435_761) % n;
            assert!(!secrets.insert(format!("K{k:05}"), SecretValue::new(format!("v{k}"))));
            if k.is_multiple_of(10) {
                assert!(secrets.insert(format!("K{k:05}"), SecretValue::new(format!("w{k}"))));
            }
        }
        assert_eq!(secrets.len(), n as usize);
        let names: Vec<&str> = secrets.names().collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for k in [0u64, 7, 10, 4999] {
            let expected = if k.is_multiple_of(10) {
                format!("w{k}")
            } else {
                format!("v{k}")
            };
            assert_eq!(secrets.get(&format!("K{k:05}")).unwrap().expose(), expected);
        }
        assert!(secrets.get("K99999").is_none());
        let kept = secrets.retain_names(&["K00007".into(), "K00010".into()]);
        assert_eq!(kept.names().collect::<Vec<_>>(), ["K00007", "K00010"]);
    }

    #[test]
    fn a_replaced_value_is_wiped_in_the_buffer() {
        let mut secrets = Secrets::new();
        secrets.insert("A".into(), SecretValue::new("first-canary".into()));
        secrets.insert("A".into(), SecretValue::new("second".into()));
        assert_eq!(secrets.get("A").unwrap().expose(), "second");
        let text = String::from_utf8_lossy(&secrets.text).into_owned();
        assert!(!text.contains("first-canary"), "{text:?}");
    }

    #[test]
    fn json_objects_parse_straight_in_and_a_repeated_name_is_refused() {
        let secrets: Secrets =
            serde_json::from_str(r#"{"B": "two", "A": "o\"ne", "C": ""}"#).unwrap();
        let pairs: Vec<(&str, &str)> = secrets.iter().map(|(n, v)| (n, v.expose())).collect();
        assert_eq!(pairs, [("A", "o\"ne"), ("B", "two"), ("C", "")]);
        for twice in [
            r#"{"A": "1", "A": "2"}"#,
            r#"{"B": "1", "A": "2", "B": "3"}"#,
        ] {
            let error = serde_json::from_str::<Secrets>(twice).unwrap_err();
            assert!(error.to_string().contains("given twice"), "{error}");
        }
        assert!(serde_json::from_str::<Secrets>(r#"{"A": 1}"#).is_err());
    }
}
