//! Opening a snapshot with one or more identities: the header MAC is checked (so the
//! metadata is authenticated), the payload decrypted into a buffer that is wiped on drop,
//! and the payload's metadata compared with the header's.

use std::cell::Cell;
use std::io::Read;

use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use zeroize::Zeroizing;

use super::{read_header, Header, Metadata, SnapshotError, SnapshotFile};
use crate::keys::Identity;
use crate::secret::{Secrets, SecretsVisitor};

/// A snapshot opened and checked.
#[derive(Debug)]
pub struct Opened {
    /// Its metadata, now authenticated.
    pub metadata: Metadata,
    /// The secrets.
    pub secrets: Secrets,
    /// Which of the given identities opened it (an index into the slice given to [`open`]).
    pub opened_with: usize,
}

/// The decrypted document: `{"metadata": {…}, "secrets": {…}}`.
struct Payload {
    metadata: serde_json::Value,
    secrets: Secrets,
}

/// Reads a [`Payload`] with the secrets' buffer sized once for the whole plaintext (an
/// upper bound of their names and values), so it is never copied while it fills: a
/// million secrets open in one buffer, not in a growing one's successive copies.
struct PayloadSeed {
    capacity: usize,
    count: usize,
}

impl<'de> DeserializeSeed<'de> for PayloadSeed {
    type Value = Payload;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Payload, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PayloadSeed {
    type Value = Payload;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a v1 payload")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
        let (mut metadata, mut secrets) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "metadata" if metadata.is_none() => metadata = Some(map.next_value()?),
                "secrets" if secrets.is_none() => {
                    let visitor = SecretsVisitor(Secrets::with_capacity(self.capacity, self.count));
                    secrets = Some(map.next_value_seed(SecretsSeed(visitor))?);
                }
                "metadata" | "secrets" => return Err(A::Error::custom("a field is given twice")),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Payload {
            metadata: metadata.ok_or_else(|| A::Error::missing_field("metadata"))?,
            secrets: secrets.ok_or_else(|| A::Error::missing_field("secrets"))?,
        })
    }
}

struct SecretsSeed(SecretsVisitor);

impl<'de> DeserializeSeed<'de> for SecretsSeed {
    type Value = Secrets;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Secrets, D::Error> {
        deserializer.deserialize_map(self.0)
    }
}

/// Wraps an identity to learn whether it was the one that unwrapped the file key.
struct Tracked<'a> {
    identity: &'a dyn age::Identity,
    used: Cell<bool>,
}

impl age::Identity for Tracked<'_> {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<Result<age_core::format::FileKey, age::DecryptError>> {
        self.identity.unwrap_stanza(stanza)
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[age_core::format::Stanza],
    ) -> Option<Result<age_core::format::FileKey, age::DecryptError>> {
        let result = self.identity.unwrap_stanzas(stanzas);
        if matches!(result, Some(Ok(_))) {
            self.used.set(true);
        }
        result
    }
}

/// Opens the bytes of a snapshot file.
pub fn open(bytes: &[u8], identities: &[Identity]) -> Result<Opened, SnapshotError> {
    decrypt(bytes, identities)?.parse()
}

/// Opens a snapshot file, freeing its ciphertext once it is decrypted and before the
/// plaintext is parsed, so the two are never in memory with the parsed secrets: at
/// 100,000 secrets that is a third of the peak. The file keeps its path and SHA-256.
pub fn open_file(
    file: &mut SnapshotFile,
    identities: &[Identity],
) -> Result<Opened, SnapshotError> {
    let bytes = file.take_bytes();
    let decrypted = decrypt(&bytes, identities)?;
    drop(bytes);
    decrypted.parse()
}

/// A snapshot decrypted and not yet parsed.
struct Decrypted {
    header: Header,
    plaintext: Zeroizing<Vec<u8>>,
    opened_with: usize,
}

impl Decrypted {
    fn parse(self) -> Result<Opened, SnapshotError> {
        let secrets = check_payload(&self.plaintext, &self.header)?;
        Ok(Opened {
            metadata: self.header.metadata,
            secrets,
            opened_with: self.opened_with,
        })
    }
}

fn decrypt(bytes: &[u8], identities: &[Identity]) -> Result<Decrypted, SnapshotError> {
    let header = read_header(bytes)?;
    let tracked: Vec<Tracked> = identities
        .iter()
        .map(|identity| Tracked {
            identity: identity.as_age(),
            used: Cell::new(false),
        })
        .collect();

    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|error| match error {
        age::DecryptError::Io(_) => SnapshotError::Truncated("the header"),
        _ => SnapshotError::Malformed("age cannot parse the header".into()),
    })?;
    let reader = decryptor
        .decrypt(tracked.iter().map(|t| t as &dyn age::Identity))
        .map_err(|error| match error {
            age::DecryptError::NoMatchingKeys => {
                // If a given key is one of the recorded recipients and still failed, the
                // file is damaged, not opened with the wrong key.
                match recorded_recipient(&header.metadata, identities) {
                    Ok(identity) => SnapshotError::Damaged(format!(
                        "the key {} is one of its recipients, but its stanza does not open",
                        *identity.fingerprint()
                    )),
                    Err(wrong_key) => wrong_key,
                }
            }
            age::DecryptError::InvalidMac => SnapshotError::Tampered,
            age::DecryptError::Io(_) => SnapshotError::Truncated("the header"),
            _ => SnapshotError::Damaged("a recipient stanza is malformed".into()),
        })?;
    let opened_with = tracked.iter().position(|t| t.used.get()).unwrap_or(0);

    let mut plaintext = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut reader = reader;
    reader.read_to_end(&mut plaintext).map_err(|_| {
        SnapshotError::Damaged("the encrypted payload is damaged or truncated".into())
    })?;

    Ok(Decrypted {
        header,
        plaintext,
        opened_with,
    })
}

/// The first of `identities` that the metadata records as a recipient, or the error that
/// says none is: what can be told of the keys without decrypting anything (the metadata
/// is not authenticated until the file is opened).
fn recorded_recipient<'a>(
    metadata: &Metadata,
    identities: &'a [Identity],
) -> Result<&'a Identity, SnapshotError> {
    identities
        .iter()
        .find(|identity| {
            metadata
                .recipients
                .iter()
                .any(|r| r.fingerprint == *identity.fingerprint())
        })
        .ok_or_else(|| SnapshotError::WrongKey {
            sealed_to: metadata.recipients.clone(),
            tried: identities
                .iter()
                .map(|i| format!("{} {} from {}", i.kind, i.fingerprint(), i.origin))
                .collect(),
        })
}

/// Checks a decrypted payload against the header it came with and returns its secrets:
/// a v1 document whose metadata equals the header's, with as many secrets as the
/// metadata counts, every one usable as an environment variable.
pub fn check_payload(plaintext: &[u8], header: &Header) -> Result<Secrets, SnapshotError> {
    // serde_json's messages can quote the input; only the position is reported.
    let mut json = serde_json::Deserializer::from_slice(plaintext);
    let parsed = PayloadSeed {
        capacity: plaintext.len(),
        // The header is authenticated by now; capped anyway by what the plaintext can
        // hold (a secret takes at least 6 bytes: `"":"",`).
        count: header.metadata.secret_count.min(plaintext.len() / 6),
    }
    .deserialize(&mut json)
    .and_then(|payload| json.end().map(|()| payload));
    let payload = parsed.map_err(|e| {
        SnapshotError::Damaged(format!(
            "the decrypted document is not a v1 payload (at line {} column {})",
            e.line(),
            e.column()
        ))
    })?;
    if payload.metadata != header.metadata_json {
        return Err(SnapshotError::Damaged(
            "the metadata in the payload differs from the header's".into(),
        ));
    }
    if payload.secrets.len() != header.metadata.secret_count {
        return Err(SnapshotError::Damaged(format!(
            "the metadata counts {} but the payload holds {}",
            crate::log::counted(header.metadata.secret_count, "secret"),
            payload.secrets.len()
        )));
    }
    // lifeboat never seals these; a file that holds one was not made by it.
    if let Some((name, problem)) = payload.secrets.first_invalid() {
        return Err(SnapshotError::Damaged(format!(
            "secret \"{}\" cannot be an environment variable: {problem}",
            name.escape_debug()
        )));
    }
    Ok(payload.secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{generate_x25519, parse_identities, parse_recipient, Passphrases};
    use crate::secret::Secrets;
    use crate::snapshot::{seal, Metadata, RecipientInfo, FORMAT_VERSION};

    /// A payload that holds more secrets than its metadata counts is damaged, and the
    /// message counts in words ("1 secret", not "1 secrets").
    #[test]
    fn a_count_that_disagrees_is_damage_counted_in_words() {
        let (identity_file, recipient) = generate_x25519();
        let recipient = parse_recipient(&recipient, "test").unwrap();
        let identities = parse_identities(&identity_file, "test", Passphrases::Refuse).unwrap();
        let mut secrets = Secrets::new();
        secrets.insert_str("A", "1");
        secrets.insert_str("B", "2");
        let metadata = Metadata {
            format: FORMAT_VERSION,
            id: "20260101T000000Z-000000000000".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
            source: Default::default(),
            secret_count: 1,
            recipients: vec![RecipientInfo::of(&recipient)],
            names: None,
            created_by: "test".into(),
            rekeyed_from: None,
        };
        let sealed = seal(&secrets, &metadata, &[recipient.as_age()]).unwrap();
        let error = open(&sealed, &identities).map(drop).unwrap_err();
        assert_eq!(
            error.to_string(),
            SnapshotError::Damaged("the metadata counts 1 secret but the payload holds 2".into())
                .to_string()
        );
    }
}
