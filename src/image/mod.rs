//! Reading a file out of a container image without running it: the break-glass path
//! during an outage takes the snapshot out of the last good image in the registry.
//!
//! Accepted: an OCI archive (`buildah push IMG oci-archive:FILE`), an OCI layout
//! directory, and a `docker save` tarball. Layers are applied in order, whiteouts
//! (`.wh.NAME`, `.wh..wh..opq`) hide what lower layers put there, gzip (multi-member
//! too, as pigz writes) and uncompressed layers alike. A multi-platform index gives the
//! manifest of the platform asked for (`--platform`, the host's by default); a `docker
//! save` of several images, the one named by `--image-ref` (and `--platform`). Every blob
//! read is checked against the digest that names it, entry names are cleaned as the
//! runtimes clean them, and a choice that cannot be made exactly (two images with the
//! name asked for, two manifests for the platform) is refused with the candidates.

mod archive;
mod digest;
mod layers;
mod tar_guard;

pub use archive::{ImageArchive, Layer};
pub use layers::find_in_layers;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::exit::Exit;

/// Where images keep their snapshot.
pub const DEFAULT_SNAPSHOT_PATH: &str = "/etc/lifeboat/snapshot.age";

/// The most a file taken out of an image may hold (a snapshot of a million secrets is
/// about 100 MiB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

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
    /// The archive holds several images and the one wanted is not among them, or was
    /// not named; the message lists what it holds.
    Choose(String),
}

impl ImageError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            ImageError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                Exit::SnapshotMissing
            }
            ImageError::NotInImage(_) => Exit::SnapshotMissing,
            ImageError::Choose(_) => Exit::Usage,
            _ => Exit::BadInput,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            ImageError::NotInImage(_) => "check --path, or that the image was built with a lifeboat snapshot step",
            ImageError::Choose(_) => "name the image with --platform OS/ARCH or --image-ref REF, from the list above",
            _ => "give an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball",
        })
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Io { path, source } => {
                write!(
                    f,
                    "cannot read image {}: {source}",
                    crate::redact::path(path)
                )
            }
            ImageError::Format(reason) => write!(f, "not a readable image archive: {reason}"),
            ImageError::NotInImage(path) => {
                write!(f, "the image has no file at {}", crate::redact::value(path))
            }
            ImageError::Choose(reason) => f.write_str(reason),
        }
    }
}

/// Which image of an archive to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// `os/arch[/variant]` (`linux/arm64/v8`); `None` is the host's.
    pub platform: Option<String>,
    /// A tag of a `docker save` or a `ref.name` of an OCI index (`app:1.2.3`); needed
    /// only when the archive holds several images.
    pub reference: Option<String>,
}

/// The host's platform as OCI names it (`linux/amd64`, `linux/arm64`).
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{}/{arch}", std::env::consts::OS)
}

/// A path in an archive or a layer as runtimes clean it (Go's `filepath.Clean` of
/// `"/" + name`, as Docker, containerd and containers/storage apply layers): no empty or
/// `.` components, `..` taking one back and never above the root. Returned without its
/// leading `/`; the root is the empty string.
pub fn clean_path(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// The contents of `file` (an absolute path inside the image) in the image at `archive`.
pub fn read_file_from_image(
    archive: &Path,
    file: &str,
    selection: &Selection,
) -> Result<Vec<u8>, ImageError> {
    let image = ImageArchive::open(archive)?;
    let layers = image.layers(selection)?;
    find_in_layers(&image, &layers, file)?.ok_or_else(|| ImageError::NotInImage(file.to_string()))
}

#[cfg(test)]
mod tests {
    use super::clean_path;

    #[test]
    fn paths_are_cleaned_as_go_cleans_them_from_the_root() {
        for (name, clean) in [
            ("etc/lifeboat/snapshot.age", "etc/lifeboat/snapshot.age"),
            (
                "./etc//lifeboat/./snapshot.age",
                "etc/lifeboat/snapshot.age",
            ),
            (
                "etc/x/../lifeboat/snapshot.age",
                "etc/lifeboat/snapshot.age",
            ),
            (
                "../../etc/lifeboat/snapshot.age",
                "etc/lifeboat/snapshot.age",
            ),
            (
                "/etc/lifeboat/sub/../.wh.snapshot.age",
                "etc/lifeboat/.wh.snapshot.age",
            ),
            ("etc/lifeboat/", "etc/lifeboat"),
            ("./", ""),
            ("..", ""),
        ] {
            assert_eq!(clean_path(name), clean, "{name}");
        }
    }
}
