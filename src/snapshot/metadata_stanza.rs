//! lifeboat's own header stanza, `-> lifeboat-meta v1` with the metadata JSON as its body.
//!
//! It is produced through the age crate's `Recipient` trait, so the age library writes it
//! into the header and covers it with the header MAC like any recipient stanza. It wraps
//! no file key: age readers skip stanza types they do not know, so the stock `age -d`
//! decrypts the file as usual, and any change to the metadata fails the MAC check.

use std::collections::HashSet;

use age::EncryptError;
use age_core::format::{FileKey, Stanza};

use super::{FORMAT_VERSION, METADATA_STANZA_TAG};

pub(super) struct MetadataStanza {
    pub(super) json: Vec<u8>,
}

impl age::Recipient for MetadataStanza {
    fn wrap_file_key(&self, _: &FileKey) -> Result<(Vec<Stanza>, HashSet<String>), EncryptError> {
        let stanza = Stanza {
            tag: METADATA_STANZA_TAG.to_string(),
            args: vec![format!("v{FORMAT_VERSION}")],
            body: self.json.clone(),
        };
        // No labels: it combines with X25519 and SSH recipients, which carry none either.
        Ok((vec![stanza], HashSet::new()))
    }
}
