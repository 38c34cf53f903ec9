//! lifeboat's own header stanza, `-> lifeboat-meta v1` with the metadata JSON as its body.
//!
//! It is produced through the age crate's `Recipient` trait, so the age library writes it
//! into the header and covers it with the header MAC like any recipient stanza. It wraps
//! no file key: age readers skip stanza types they do not know, so the stock `age -d`
//! decrypts the file as usual, and any change to the metadata fails the MAC check.
//!
//! It rides with the first real recipient and reports that recipient's labels: age's
//! encryptor requires every recipient of a file to carry the same labels (so a classic
//! recipient cannot join a post-quantum one), and the metadata stanza is neither.

use std::collections::HashSet;

use age::EncryptError;
use age_core::format::{FileKey, Stanza};

use super::{FORMAT_VERSION, METADATA_STANZA_TAG};

pub(super) struct MetadataStanza<'a> {
    pub(super) json: Vec<u8>,
    /// The first recipient, whose stanzas follow the metadata's and whose labels are
    /// reported as this one's.
    pub(super) first: &'a dyn age::Recipient,
}

impl age::Recipient for MetadataStanza<'_> {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), EncryptError> {
        let (stanzas, labels) = self.first.wrap_file_key(file_key)?;
        let metadata = Stanza {
            tag: METADATA_STANZA_TAG.to_string(),
            args: vec![format!("v{FORMAT_VERSION}")],
            body: self.json.clone(),
        };
        Ok((std::iter::once(metadata).chain(stanzas).collect(), labels))
    }
}
