//! Where `inspect`, `verify` and `recover` read a snapshot from: a file, or an image archive.

use std::path::Path;

use super::CommandError;
use crate::cli::ImageArgs;
use crate::image::{read_file_from_image, Selection};
use crate::snapshot::SnapshotFile;

/// Reads the snapshot from `--image ARCHIVE --path PATH`, or else from `file`.
pub fn read_snapshot(file: &Path, image: &ImageArgs) -> Result<SnapshotFile, CommandError> {
    match &image.image {
        None => Ok(SnapshotFile::read(file)?),
        Some(archive) => {
            let selection = Selection {
                platform: image.platform.clone(),
                reference: image.image_ref.clone(),
            };
            let bytes = read_file_from_image(archive, &image.path, &selection)?;
            Ok(SnapshotFile::new(
                format!("{}:{}", archive.display(), image.path).into(),
                bytes,
            ))
        }
    }
}
