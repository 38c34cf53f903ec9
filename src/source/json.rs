//! A flat JSON object of strings, `{"NAME": "value", …}`: the shape of a `file:` JSON
//! source and of the HTTPS source's response.

use serde_json::Value;

use super::SourceError;
use crate::secret::{SecretValue, Secrets, SecretsVisitor};

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a flat JSON object whose values are all strings. Errors give positions, types
/// and names, never values (serde_json's own messages can quote the input).
pub fn parse_flat_json(bytes: &[u8], origin: &str) -> Result<Secrets, SourceError> {
    flat_json_object(bytes).map_err(|reason| SourceError::Malformed {
        origin: origin.to_string(),
        reason,
    })
}

/// Parses JSON without ever quoting it in an error: only the position is given.
pub(crate) fn parse_json_quietly(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("not valid JSON (line {} column {})", e.line(), e.column()))
}

/// The first key an object defines twice. JSON allows it and serde keeps the last value
/// silently; lifeboat refuses it, as it refuses a name defined twice in dotenv. Run only
/// on text already parsed as an object, so its only error is the duplicate.
fn repeated_key(bytes: &[u8]) -> Option<String> {
    repeated_key_at(bytes, &[])
}

/// [`repeated_key`] in the object at `path` (`["data", "data"]`: a Vault KV v2 answer's
/// secrets).
pub(crate) fn repeated_key_at(bytes: &[u8], path: &[&str]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde::de::DeserializeSeed::deserialize(Keys(path), &mut deserializer)
        .ok()
        .flatten()
}

/// Walks to the object at its path, and there looks for a key given twice.
struct Keys<'p>(&'p [&'p str]);

impl<'de> serde::de::DeserializeSeed<'de> for Keys<'_> {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Keys<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            match self.0.split_first() {
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if found.is_none() && !seen.insert(key.clone()) {
                        found = Some(key);
                    }
                }
                Some((next, rest)) if key == *next => {
                    let inner = map.next_value_seed(Keys(rest))?;
                    found = found.or(inner);
                }
                Some(_) => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
    // Anything but an object on the way holds no key to repeat.
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// [`parse_flat_json`] with the reason alone, for sources that classify it themselves.
pub(crate) fn flat_json_object(bytes: &[u8]) -> Result<Secrets, String> {
    // Straight into the secrets' one buffer, sized once: a million secrets parse in a
    // little more memory than their text. Input that does not parse this way (a value
    // that is not a string, a key given twice, bad JSON) is parsed again below, only to
    // say exactly what is wrong.
    let mut json = serde_json::Deserializer::from_slice(bytes);
    // The count is unknown: room for a secret every 32 bytes of JSON (`"NAME": "value",`
    // with a short name and value), three-quarters of the file's size in address space;
    // past that the entries grow (they hold offsets, not secrets: their old copies need
    // no wiping). Reserving for the most a file could hold (one every 6 bytes) would be
    // four times its size.
    let visitor = SecretsVisitor(Secrets::with_capacity(bytes.len(), bytes.len() / 32));
    if let Ok(secrets) = serde::Deserializer::deserialize_map(&mut json, visitor)
        .and_then(|secrets| json.end().map(|()| secrets))
    {
        return Ok(secrets);
    }
    let value = parse_json_quietly(bytes)?;
    let Value::Object(object) = value else {
        return Err(format!(
            "expected a JSON object of strings, found {}",
            kind_of(&value)
        ));
    };
    if let Some(key) = repeated_key(bytes) {
        let shown: String = key.chars().take(64).collect();
        return Err(format!(
            "the key \"{}\" appears twice; one of its values would be lost",
            crate::redact::shown(&shown)
        ));
    }
    let mut secrets = Secrets::new();
    for (name, value) in object {
        match value {
            Value::String(text) => {
                secrets.insert(name, SecretValue::new(text));
            }
            other => {
                return Err(format!(
                    "the value of {} is {}, not a string",
                    crate::redact::shown(&name),
                    kind_of(&other)
                ))
            }
        }
    }
    Ok(secrets)
}

/// The members of a JSON object as secrets, taken by move (no copy of a value is left):
/// strings as they are, numbers, booleans and null as their JSON text; an object or array
/// is refused by name (Vault's `data.data`, an AWS `SecretString`).
pub(crate) fn scalars_as_secrets(
    object: serde_json::Map<String, Value>,
) -> Result<crate::secret::Secrets, String> {
    let mut secrets = crate::secret::Secrets::new();
    for (name, value) in object {
        let text = match value {
            Value::String(text) => text,
            Value::Object(_) | Value::Array(_) => {
                return Err(format!(
                "the value of {} is {}; only strings, numbers, booleans and null can be secrets",
                crate::redact::shown(&name),
                kind_of(&value)
            ))
            }
            scalar => scalar.to_string(),
        };
        secrets.insert(name, crate::secret::SecretValue::new(text));
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_and_names_the_bad_key() {
        let secrets = parse_flat_json(br#"{"A":"1","B":"two"}"#, "t").unwrap();
        assert_eq!(secrets.get("B").unwrap().expose(), "two");
        let error = parse_flat_json(br#"{"A":"1","NESTED":{"x":"canary"}}"#, "t")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("NESTED") && error.contains("an object"),
            "{error}"
        );
        assert!(!error.contains("canary"));
        let error = parse_flat_json(br#"{"A": "canary"#, "t")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("canary"), "{error}");
    }

    #[test]
    fn a_repeated_key_is_refused_by_name() {
        let error = parse_flat_json(br#"{"A":"canary-1","B":"2","A":"canary-3"}"#, "t")
            .unwrap_err()
            .to_string();
        assert!(error.contains("the key \"A\" appears twice"), "{error}");
        assert!(!error.contains("canary"), "{error}");
        assert!(parse_flat_json(br#"{"A":"1","a":"2"}"#, "t").is_ok());
    }
}
