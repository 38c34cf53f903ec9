//! Reading a file out of a container image without running it: the break-glass path
//! during an outage takes the snapshot out of the last good image in the registry.
//!
//! Accepted: an OCI archive (`buildah push IMG oci-archive:FILE`), an OCI layout
//! directory, and a `docker save` tarball. Layers are applied in order, whiteouts
//! (`.wh.NAME`, `.wh..wh..opq`) honoured, gzip and uncompressed layers alike.

mod archive;
mod layers;

pub use archive::ImageArchive;
pub use layers::find_in_layers;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::exit::Exit;

/// Where images keep their snapshot.
pub const DEFAULT_SNAPSHOT_PATH: &str = "/etc/lifeboat/snapshot.age";

/// The most a file taken out of an image may hold.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// An image archive cannot be read, or does not hold the file.
#[derive(Debug)]
pub enum ImageError {
    /// The archive or a part of it cannot be read.
    Io {
        /// The archive.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The archive does not follow any of the accepted layouts.
    Format(String),
    /// The image does not contain the file.
    NotInImage(String),
}

impl ImageError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            ImageError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                Exit::SnapshotMissing
            }
            ImageError::NotInImage(_) => Exit::SnapshotMissing,
            _ => Exit::BadInput,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            ImageError::NotInImage(_) => "check --path, or that the image was built with a lifeboat snapshot step",
            _ => "give an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball",
        })
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Io { path, source } => {
                write!(f, "cannot read image {}: {source}", path.display())
            }
            ImageError::Format(reason) => write!(f, "not a readable image archive: {reason}"),
            ImageError::NotInImage(path) => write!(f, "the image has no file at {path}"),
        }
    }
}

/// The contents of `file` (an absolute path inside the image) in the image at `archive`.
pub fn read_file_from_image(archive: &Path, file: &str) -> Result<Vec<u8>, ImageError> {
    let image = ImageArchive::open(archive)?;
    let layers = image.layers()?;
    find_in_layers(&image, &layers, file)?.ok_or_else(|| ImageError::NotInImage(file.to_string()))
}
