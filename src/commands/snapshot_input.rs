//! Where `inspect`, `verify` and `recover` read a snapshot from: a file, or an image archive.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::cli::ImageArgs;
use crate::image::{read_file_from_image, ImageError, Selection};
use crate::signature::{read_signature, SignatureError};
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

/// The snapshot's signature, `SNAPSHOT.sig` beside it in the file system or in the image
/// (`--path` and `.sig`), with the name it is shown by.
pub fn read_snapshot_signature(
    file: &Path,
    image: &ImageArgs,
) -> Result<(PathBuf, Vec<u8>), CommandError> {
    match &image.image {
        None => Ok(read_signature(file)?),
        Some(archive) => {
            let selection = Selection {
                platform: image.platform.clone(),
                reference: image.image_ref.clone(),
            };
            let inside = format!("{}.sig", image.path);
            let sig: PathBuf = format!("{}:{inside}", archive.display()).into();
            match read_file_from_image(archive, &inside, &selection) {
                Ok(bytes) => Ok((sig, bytes)),
                Err(ImageError::NotInImage(_)) => Err(SignatureError::Missing { sig }.into()),
                Err(error) => Err(error.into()),
            }
        }
    }
}
