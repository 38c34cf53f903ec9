//! A snapshot file read into memory once, with its SHA-256. Everything after this works
//! on the same bytes, so what `inspect` parses is exactly what age authenticates.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SnapshotError;

/// Larger than any real snapshot (100,000 secrets take a few MiB); a bound so a wrong
/// path to a huge file fails fast instead of filling memory.
pub const MAX_SNAPSHOT_BYTES: u64 = 256 << 20;

/// The bytes of a snapshot file.
pub struct SnapshotFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its contents (empty once [`SnapshotFile::take_bytes`] took them).
    pub bytes: Vec<u8>,
    /// The SHA-256 of the bytes taken, kept for the summary and the audit line.
    taken_sha256: Option<String>,
}

impl SnapshotFile {
    /// Reads a snapshot file.
    pub fn read(path: &Path) -> Result<Self, SnapshotError> {
        // Opened without blocking: a FIFO (or a socket) is refused at once, never waited
        // on, which matters for `run --offline`, where no deadline runs.
        let file =
            crate::read_capped::open_without_blocking(path, false).map_err(
                |source| match source.kind() {
                    io::ErrorKind::NotFound => SnapshotError::Missing(path.to_path_buf()),
                    _ => SnapshotError::Unreadable {
                        path: path.to_path_buf(),
                        source,
                    },
                },
            )?;
        let unreadable = |source| SnapshotError::Unreadable {
            path: path.to_path_buf(),
            source,
        };
        let too_large = || {
            SnapshotError::Malformed(format!(
                "the file holds more than any snapshot ({} MiB at most)",
                MAX_SNAPSHOT_BYTES >> 20
            ))
        };
        let size = file.metadata().map_err(unreadable)?.len();
        if size > MAX_SNAPSHOT_BYTES {
            return Err(too_large());
        }
        // Sized by the file's word only up to the cap; a device reports 0 and is cut there.
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(MAX_SNAPSHOT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
            return Err(too_large());
        }
        Ok(SnapshotFile::new(path.to_path_buf(), bytes))
    }

    /// A snapshot file's bytes, from wherever they were read (an image, a seal).
    pub fn new(path: PathBuf, bytes: Vec<u8>) -> Self {
        SnapshotFile {
            path,
            bytes,
            taken_sha256: None,
        }
    }

    /// The SHA-256 of the file, in hex: what the `snapshot` summary prints and what a
    /// deployment can pin.
    pub fn sha256(&self) -> String {
        match &self.taken_sha256 {
            Some(sha256) => sha256.clone(),
            None => sha256_hex(&self.bytes),
        }
    }

    /// The bytes, taken out (their SHA-256 is kept first), so a large snapshot's
    /// ciphertext can be freed before its plaintext is parsed.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        self.taken_sha256 = Some(sha256_hex(&self.bytes));
        std::mem::take(&mut self.bytes)
    }
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
