//! Writing a file so that readers only ever see the complete old or the complete new
//! contents: a temporary file in the same directory (created with its final mode, so a
//! private key is never readable by others, not even briefly), fsync, rename, fsync the
//! directory. If anything fails the temporary file is removed and the target is untouched.
//!
//! A process killed mid-write (SIGKILL, OOM, power loss) cannot remove its temporary
//! file. Each writer holds an exclusive `flock` on its temporary file until the rename, and
//! every later write into the same directory removes the `.lifeboat-*.tmp` files nobody
//! holds: the kernel drops a lock when its holder dies, so a lock that can be taken marks
//! an orphan, and a file being written by a live process is never touched.

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
            WriteError::Exists(path) => {
                write!(f, "{} already exists", crate::redact::path(path))
            }
            WriteError::Io { path, step, source } => {
                write!(
                    f,
                    "cannot write {}: {step} failed: {source}",
                    crate::redact::path(path)
                )
            }
        }
    }
}

/// tempfile's error with the temporary file's path it appends (" at path …") cut off:
/// the message names the target already, through `redact::path`, and the directory in
/// that path may be the very value that must not be shown (a token given to `-o`).
fn without_path(error: io::Error) -> io::Error {
    let text = error.to_string();
    match text.split_once(" at path ") {
        Some((said, _)) => io::Error::new(error.kind(), said.to_string()),
        None => error,
    }
}

const TEMP_PREFIX: &str = ".lifeboat-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether a directory entry is one of lifeboat's temporary files.
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Removes the temporary files that writers killed mid-write left in `directory`, and
/// returns how many. Best effort: a file that cannot be opened or locked is left alone.
pub fn remove_orphans(directory: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(is_temporary_name) {
            continue;
        }
        let path = entry.path();
        // Others may write this directory (a shared /tmp, a memory emptyDir): what is
        // opened is opened without following a link and without blocking, and checked to
        // be a regular file with `fstat`. A FIFO renamed over the name after the listing
        // would otherwise hang the open, and with it a start or a recovery.
        let Ok(file) = crate::read_capped::open_regular(&path) else {
            continue;
        };
        if file.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Writes `contents` to `path` atomically with the given Unix mode, durably (fsync).
pub fn write(
    path: &Path,
    contents: &[u8],
    mode: u32,
    existing: Existing,
) -> Result<(), WriteError> {
    write_with(path, contents, mode, existing, true)
}

/// [`write`], with `durable` false skipping both fsyncs: still atomic (a reader sees the
/// old or the new file), but after a power loss the new file may be empty or torn. For
/// files whose loss costs nothing and whose readers detect damage (the runtime cache,
/// usually on a tmpfs, where fsync does nothing anyway).
pub fn write_with(
    path: &Path,
    contents: &[u8],
    mode: u32,
    existing: Existing,
    durable: bool,
) -> Result<(), WriteError> {
    write_in(path, contents, mode, existing, durable, true)
}

fn write_in(
    path: &Path,
    contents: &[u8],
    mode: u32,
    existing: Existing,
    durable: bool,
    scan_orphans: bool,
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
    if scan_orphans {
        remove_orphans(directory);
    }
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(directory)
        .map_err(without_path)
        .map_err(io_error("creating a temporary file"))?;
    // Held until the file is renamed or removed: it tells other writers it is alive. A
    // filesystem without locks fails this, and then also every other writer's attempt to
    // take the lock, so nothing is removed there: orphans stay, the write goes on.
    let _ = temporary.as_file().lock();
    // The umask may have narrowed the mode at creation; the file gets exactly `mode`.
    temporary
        .as_file()
        .set_permissions(Permissions::from_mode(mode))
        .map_err(io_error("setting permissions"))?;
    temporary.write_all(contents).map_err(io_error("writing"))?;
    if durable {
        temporary
            .as_file()
            .sync_all()
            .map_err(io_error("flushing to disk"))?;
    }
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
    if !durable {
        return Ok(());
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
    fn removes_orphans_but_not_files_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let orphan = dir.path().join(".lifeboat-dead.tmp");
        std::fs::write(&orphan, b"half a snapshot").unwrap();
        let alive = dir.path().join(".lifeboat-alive.tmp");
        let held = File::create(&alive).unwrap();
        held.lock().unwrap();
        let unrelated = dir.path().join("notes.tmp");
        std::fs::write(&unrelated, b"").unwrap();

        write(&dir.path().join("out"), b"new", 0o600, Existing::Replace).unwrap();
        assert!(!orphan.exists());
        assert!(
            alive.exists(),
            "a locked temporary file belongs to a live writer"
        );
        assert!(unrelated.exists());
        drop(held);
        assert_eq!(remove_orphans(dir.path()), 1);
        assert!(!alive.exists());
    }

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
