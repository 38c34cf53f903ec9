//! Sealing: secrets and metadata in, the bytes of a snapshot file out. Nothing is
//! written to disk here; the plaintext is encoded straight into age's encrypting stream.

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::metadata_stanza::MetadataStanza;
use super::{Metadata, SnapshotError};
use crate::secret::Secrets;

/// The decrypted document: `{"metadata": {…}, "secrets": {"NAME": "value", …}}`.
#[derive(Serialize)]
struct Payload<'a> {
    metadata: &'a Metadata,
    secrets: SealedSecrets<'a>,
}

/// The secrets as the payload holds them. Sealing is the one place secret values are
/// serialized: `Secrets` and `SecretValue` implement no `Serialize`, so no JSON dump
/// elsewhere can print a value by accident.
struct SealedSecrets<'a>(&'a Secrets);

impl Serialize for SealedSecrets<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0.iter() {
            map.serialize_entry(name, value.expose())?;
        }
        map.end()
    }
}

/// Counts bytes, so the output buffer can be allocated once at its final size.
struct ByteCounter(usize);

impl Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Seals `secrets` to `recipients` (plus any extra age recipients, such as the unknown
/// stanzas of interop tests) and returns the snapshot file's bytes.
pub fn seal(
    secrets: &Secrets,
    metadata: &Metadata,
    recipients: &[&dyn age::Recipient],
) -> Result<Vec<u8>, SnapshotError> {
    let payload = Payload {
        metadata,
        secrets: SealedSecrets(secrets),
    };
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, &payload)
        .map_err(|_| SnapshotError::Seal("cannot encode the payload".into()))?;

    let (first, rest) = recipients
        .split_first()
        .ok_or_else(|| SnapshotError::Seal("no recipients".into()))?;
    let metadata_stanza = MetadataStanza {
        json: serde_json::to_vec(metadata)
            .map_err(|_| SnapshotError::Seal("cannot encode the metadata".into()))?,
        first: *first,
    };
    let all = std::iter::once(&metadata_stanza as &dyn age::Recipient).chain(rest.iter().copied());
    let encryptor = age::Encryptor::with_recipients(all).map_err(|error| match error {
        // A plugin recipient's labels disagree with the others' (the kinds lifeboat
        // knows are checked before, with a message that names them).
        age::EncryptError::IncompatibleRecipients { .. } => SnapshotError::Seal(
            "the recipients cannot be mixed: a plugin's recipient is post-quantum and another is not, or the other way round (age refuses a file whose recipients do not all resist a quantum computer); seal to recipients of one kind".into(),
        ),
        // A plugin's error carries the plugin's own words: shown escaped.
        other => SnapshotError::Seal(other.to_string().escape_debug().to_string()),
    })?;

    // age adds 16 bytes a 64 KiB chunk, a nonce and the header.
    let mut sealed = Vec::with_capacity(counter.0 + counter.0 / 4096 + 4096);
    let mut writer = encryptor
        .wrap_output(&mut sealed)
        .map_err(|e| SnapshotError::Seal(e.to_string()))?;
    // The payload is encoded straight into age's stream, a 64 KiB chunk at a time: no
    // buffer holds the whole plaintext (at 100,000 secrets that was a third of the peak).
    serde_json::to_writer(&mut writer, &payload)
        .map_err(|_| SnapshotError::Seal("cannot encode the payload".into()))?;
    writer
        .finish()
        .map(drop)
        .map_err(|e| SnapshotError::Seal(e.to_string()))?;
    Ok(sealed)
}
