//! Writing a file so that readers only ever see the complete old or the complete new
//! contents: a temporary file in the same directory (created with its final mode, so a
//! private key is never readable by others, not even briefly), fsync, rename, fsync the
//! directory. If anything fails the temporary file is removed and the target is untouched.

use std::fmt;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What to do when the target already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it atomically (a new snapshot over an old one).
    Replace,
    /// Leave it alone and fail (keys, recovered secrets).
    Refuse,
}

/// A file could not be written; the target is as it was.
#[derive(Debug)]
pub enum WriteError {
    /// The target exists and [`Existing::Refuse`] was asked for.
    Exists(PathBuf),
    /// An I/O step failed (a full disk, a read-only or missing directory, permissions).
    Io {
        /// The file being written.
        path: PathBuf,
        /// What was being done.
        step: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Exists(path) => write!(f, "{} already exists", path.display()),
            WriteError::Io { path, step, source } => {
                write!(
                    f,
                    "cannot write {}: {step} failed: {source}",
                    path.display()
                )
            }
        }
    }
}

/// Writes `contents` to `path` atomically with the given Unix mode.
pub fn write(
    path: &Path,
    contents: &[u8],
    mode: u32,
    existing: Existing,
) -> Result<(), WriteError> {
    let io_error = |step: &'static str| {
        let path = path.to_path_buf();
        move |source: io::Error| WriteError::Io { path, step, source }
    };
    if existing == Existing::Refuse && path.symlink_metadata().is_ok() {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".lifeboat-")
        .suffix(".tmp")
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(directory)
        .map_err(io_error("creating a temporary file"))?;
    // The umask may have narrowed the mode at creation; the file gets exactly `mode`.
    temporary
        .as_file()
        .set_permissions(Permissions::from_mode(mode))
        .map_err(io_error("setting permissions"))?;
    temporary.write_all(contents).map_err(io_error("writing"))?;
    temporary
        .as_file()
        .sync_all()
        .map_err(io_error("flushing to disk"))?;
    match existing {
        Existing::Replace => temporary
            .persist(path)
            .map(drop)
            .map_err(|e| io_error("renaming into place")(e.error))?,
        Existing::Refuse => temporary.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                WriteError::Exists(path.to_path_buf())
            } else {
                io_error("renaming into place")(e.error)
            }
        })?,
    }
    // The rename is only durable once the directory entry is on disk.
    File::open(directory)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("flushing the directory"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_or_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        write(&path, b"one", 0o600, Existing::Refuse).unwrap();
        assert!(matches!(
            write(&path, b"two", 0o600, Existing::Refuse),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write(&path, b"three", 0o644, Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let error = write(
            Path::new("/nonexistent-dir/x"),
            b"x",
            0o600,
            Existing::Replace,
        )
        .unwrap_err();
        assert!(error.to_string().contains("/nonexistent-dir/x"));
    }
}
