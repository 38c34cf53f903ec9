//! Secrets as files (`--files-dir DIR --file NAME…`): for apps that read a TLS key or a
//! credentials JSON from a path, for Docker's official images that read `NAME_FILE`, and
//! for values too large for the environment. A secret delivered as a file is not in the
//! environment; `--file-env` also sets `NAME_FILE` to its path. The app is told the
//! directory in `LIFEBOAT_FILES_DIR`.
//!
//! The layout. DIR is the place, often shared (`/dev/shm`, one `emptyDir` for several
//! containers), and must be on a memory filesystem (tmpfs or ramfs, checked with `statfs`)
//! unless `--allow-disk`: a secret written to a disk outlives the container. Each start
//! makes a directory of its own in it, `DIR/lifeboat-UID-RANDOM` (16 hex digits from the
//! system's random source), mode 0700, and writes the files there, mode 0400. lifeboat
//! never writes, changes or removes anything else in DIR: not another app's files, not the
//! runtime cache when both flags name one directory, not a name another user took (a taken
//! name is just skipped for another).
//!
//! Every step goes through descriptors, never through a path looked up again: DIR is
//! opened once, the new directory is made and opened relative to it (`O_NOFOLLOW`) and
//! checked with `fstat` (a directory, ours, 0700), and the files are created relative to
//! that (`O_EXCL | O_NOFOLLOW`). A symlink or another directory swapped in for the name
//! after the check can therefore not redirect a write.
//!
//! Cleaning up. The directory holds a marker, `.lifeboat-files`, listing each file lifeboat
//! wrote (before writing it). The start takes an exclusive `flock` on the directory and the
//! app inherits that descriptor across exec, so the lock lasts as long as the app (or a
//! process it passed the descriptor to) runs. Each later start in DIR removes the
//! directories of this user whose lock it can take and that hold the marker: the files the
//! marker lists, the marker, then the directory if nothing else is left in it (a file the
//! app itself wrote there stays, and so does the directory). A directory in use is never
//! touched. A start that fails before exec removes its own directory at once.
//!
//! `run --check` does the checks (the names, the filesystem) and reports what would be
//! delivered, making, writing and removing nothing.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags};

use crate::exit::Exit;
use crate::secret::Secrets;

/// Which secrets become files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// `--file '*'`.
    All,
    /// `--file NAME`, repeated.
    Names(Vec<String>),
}

/// What `--files-dir` asks for.
#[derive(Clone, Debug)]
pub struct FilesPlan {
    /// The directory the start's own directory is made in.
    pub dir: PathBuf,
    /// The secrets that go there.
    pub chosen: Chosen,
    /// Also set `NAME_FILE` for each.
    pub file_env: bool,
    /// Allow a directory on a disk.
    pub allow_disk: bool,
}

/// Whether the files are written, or only checked (`run --check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Make the directory and write the files.
    Write,
    /// Check everything, touch nothing on disk.
    CheckOnly,
}

/// Filesystem magic numbers `statfs` reports for memory filesystems.
const TMPFS_MAGIC: u64 = 0x0102_1994;
const RAMFS_MAGIC: u64 = 0x8584_58f6;

/// The marker in a start's directory: a header, then each file's name, NUL-terminated.
/// Secret names never start with '.', so it cannot clash with one.
const MARKER: &str = ".lifeboat-files";
const MARKER_HEADER: &[u8] = b"lifeboat files 1\n";

/// The most of a marker read back: far more than any set of names lifeboat writes.
const MARKER_LIMIT: u64 = 64 << 20;

/// How many names to try when the drawn ones are taken.
const ATTEMPTS: usize = 16;

/// Why the files could not be delivered, and the exit code.
#[derive(Debug)]
pub struct FilesError {
    /// What is wrong, and what to do.
    pub reason: String,
    /// The code.
    pub exit: Exit,
}

fn error(exit: Exit, reason: String) -> FilesError {
    FilesError { reason, exit }
}

/// What a start delivers as files.
pub struct Delivery {
    /// The secrets left for the environment.
    pub rest: Secrets,
    /// The variables that tell the app where the files are.
    pub told: Vec<(String, String)>,
    /// The names of the secrets delivered as files.
    pub names: Vec<String>,
    /// The start's directory, written ([`Act::Write`]); `None` with [`Act::CheckOnly`].
    pub written: Option<Written>,
}

/// The directory a start wrote. Kept until exec: the app inherits its descriptor, and
/// with it the lock that tells later starts the directory is in use. Dropped without an
/// exec (the exec failed, the environment was refused), it removes what it wrote.
pub struct Written {
    parent: OwnedFd,
    name: String,
    dir: OwnedFd,
    files: Vec<String>,
}

impl Drop for Written {
    fn drop(&mut self) {
        for name in &self.files {
            let _ = rustix::fs::unlinkat(&self.dir, name.as_str(), AtFlags::empty());
        }
        let _ = rustix::fs::unlinkat(&self.dir, MARKER, AtFlags::empty());
        let _ = rustix::fs::unlinkat(&self.parent, self.name.as_str(), AtFlags::REMOVEDIR);
    }
}

/// Delivers the chosen secrets as files (or, with [`Act::CheckOnly`], checks that it
/// could): every check comes before anything is made.
pub fn deliver(plan: &FilesPlan, secrets: Secrets, act: Act) -> Result<Delivery, FilesError> {
    let names = chosen_names(plan, &secrets)?;
    let dir = std::path::absolute(&plan.dir).map_err(|e| {
        error(
            Exit::Failure,
            format!("cannot resolve {}: {e}", crate::redact::path(&plan.dir)),
        )
    })?;
    let shown_dir = crate::redact::path(&dir).into_owned();
    // Before anything is made: the nearest directory that exists says what DIR is (or
    // will be) on.
    let existing = nearest_existing(&dir)?;
    if existing == dir && !dir.is_dir() {
        return Err(error(
            Exit::Usage,
            format!("--files-dir {shown_dir} is not a directory"),
        ));
    }
    if !plan.allow_disk {
        let on = rustix::fs::statfs(&existing).map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot tell what filesystem {shown_dir} is on: {e}"),
            )
        })?;
        check_memory_filesystem(&on, &shown_dir)?;
    }
    let uid = rustix::process::geteuid().as_raw();
    let prefix = format!("lifeboat-{uid}-");
    let (own, written) = match act {
        // The name is drawn at start; the check names its pattern.
        Act::CheckOnly => (dir.join(format!("{prefix}*")), None),
        Act::Write => {
            let parent = open_parent(&dir, &shown_dir, plan.allow_disk)?;
            remove_dead(&parent, &prefix, uid);
            let written = make_own(parent, &prefix, uid, &shown_dir)?;
            let written = write_files(written, &names, &secrets, &shown_dir)?;
            (dir.join(&written.name), Some(written))
        }
    };
    let mut told = vec![(
        "LIFEBOAT_FILES_DIR".to_string(),
        own.to_string_lossy().into_owned(),
    )];
    if plan.file_env {
        for name in &names {
            told.push((
                format!("{name}_FILE"),
                own.join(name).to_string_lossy().into_owned(),
            ));
        }
    }
    Ok(Delivery {
        rest: secrets.without_names(&names),
        told,
        names,
        written,
    })
}

/// The names `--file` chose, each one a secret that can be a file name.
fn chosen_names(plan: &FilesPlan, secrets: &Secrets) -> Result<Vec<String>, FilesError> {
    let names: Vec<String> = match &plan.chosen {
        Chosen::All => secrets.names().map(str::to_string).collect(),
        Chosen::Names(names) => {
            if let Some(missing) = names.iter().find(|n| !secrets.contains(n)) {
                return Err(error(
                    Exit::Usage,
                    format!(
                        "--file {}: there is no secret of that name; name one the source holds (names are case-sensitive), or leave out --file (LIFEBOAT_FILES) for an app that has none",
                        crate::redact::value(missing)
                    ),
                ));
            }
            names.clone()
        }
    };
    if plan.file_env {
        if let Some(name) = names
            .iter()
            .find(|n| secrets.contains(&format!("{n}_FILE")))
        {
            return Err(error(
                Exit::Usage,
                format!(
                    "--file-env would set {}_FILE, which is a secret of its own; rename one of them",
                    crate::redact::shown(name)
                ),
            ));
        }
    }
    for name in &names {
        // A name from a source follows the name rule (no '/', not starting with '.'); a
        // snapshot sealed before it may hold anything.
        if name.is_empty() || name.contains(['/', '\0']) || name.starts_with('.') {
            return Err(error(
                Exit::BadInput,
                format!(
                    "secret \"{}\" cannot be a file name",
                    crate::redact::shown(name)
                ),
            ));
        }
    }
    Ok(names)
}

/// `dir`, or the nearest of its ancestors that exists.
fn nearest_existing(dir: &Path) -> Result<PathBuf, FilesError> {
    for candidate in dir.ancestors() {
        match std::fs::metadata(candidate) {
            Ok(_) => return Ok(candidate.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(error(
                    Exit::Failure,
                    format!("cannot read {}: {e}", crate::redact::path(candidate)),
                ))
            }
        }
    }
    Ok(PathBuf::from("/"))
}

fn check_memory_filesystem(on: &rustix::fs::StatFs, shown: &str) -> Result<(), FilesError> {
    let kind = on.f_type as u64;
    if kind == TMPFS_MAGIC || kind == RAMFS_MAGIC {
        return Ok(());
    }
    Err(error(
        Exit::Usage,
        format!(
            "{shown} is not on a memory filesystem, and a secret written to a disk outlives the container; mount a tmpfs there (Kubernetes: an emptyDir with medium: Memory; docker run --tmpfs {shown}), or give --allow-disk"
        ),
    ))
}

/// DIR, made (0700) if missing, and opened. The path is the user's own choice, so links
/// in it are followed; from here on everything is relative to the descriptor.
fn open_parent(dir: &Path, shown: &str, allow_disk: bool) -> Result<OwnedFd, FilesError> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| error(Exit::Failure, format!("cannot create {shown}: {e}")))?;
    }
    let parent = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .map_err(|e| error(Exit::Failure, format!("cannot open {shown}: {e}")))?;
    if !allow_disk {
        // What was checked by path, held again on what was opened.
        let on = rustix::fs::fstatfs(&parent).map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot tell what filesystem {shown} is on: {e}"),
            )
        })?;
        check_memory_filesystem(&on, shown)?;
    }
    Ok(parent)
}

/// Opens `name` in `parent` if it is a directory private to `uid` (not a link, ours,
/// no access for group or others). Never blocks: a FIFO or a device is refused by
/// `O_DIRECTORY` before it is opened.
fn open_private_dir(parent: &OwnedFd, name: &str, uid: u32) -> Option<OwnedFd> {
    let dir = rustix::fs::openat(
        parent,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .ok()?;
    let stat = rustix::fs::fstat(&dir).ok()?;
    let private = FileType::from_raw_mode(stat.st_mode) == FileType::Directory
        && stat.st_uid == uid
        && stat.st_mode & 0o077 == 0;
    private.then_some(dir)
}

/// Whether `name` is one lifeboat gives its directories: the prefix, then 16 hex digits.
fn is_own_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Removes what earlier starts of this user wrote in `parent` and whose apps are gone.
/// Best effort: anything unexpected is left alone.
fn remove_dead(parent: &OwnedFd, prefix: &str, uid: u32) {
    let Ok(entries) = rustix::fs::Dir::read_from(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if !is_own_name(name, prefix) {
            continue;
        }
        let Some(dir) = open_private_dir(parent, name, uid) else {
            continue;
        };
        // Held by a running app (or being set up by a start right now): in use.
        if rustix::fs::flock(&dir, FlockOperation::NonBlockingLockExclusive).is_err() {
            continue;
        }
        let Some(files) = read_marker(&dir, uid) else {
            continue;
        };
        for file in files.iter().filter(|f| is_file_name(f)) {
            let _ = rustix::fs::unlinkat(&dir, file.as_str(), AtFlags::empty());
        }
        let _ = rustix::fs::unlinkat(&dir, MARKER, AtFlags::empty());
        // Fails, and leaves it, if the app wrote files of its own there.
        let _ = rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR);
    }
}

fn is_file_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !name.starts_with('.')
}

/// The names a marker lists; `None` if there is no marker of ours.
fn read_marker(dir: &OwnedFd, uid: u32) -> Option<Vec<String>> {
    let marker = rustix::fs::openat(
        dir,
        MARKER,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .ok()?;
    let stat = rustix::fs::fstat(&marker).ok()?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile || stat.st_uid != uid {
        return None;
    }
    let mut text = Vec::new();
    std::fs::File::from(marker)
        .take(MARKER_LIMIT)
        .read_to_end(&mut text)
        .ok()?;
    let names = text.strip_prefix(MARKER_HEADER)?;
    Some(
        names
            .split(|b| *b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
    )
}

/// Makes this start's directory in `parent` under a name drawn at random (another drawn if
/// it is taken), opens and checks it, locks it, and starts its marker.
fn make_own(
    parent: OwnedFd,
    prefix: &str,
    uid: u32,
    shown: &str,
) -> Result<(Written, std::fs::File), FilesError> {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let mut random = [0u8; 8];
        getrandom::getrandom(&mut random).map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot draw a name for the files directory: {e}"),
            )
        })?;
        let name = random.iter().fold(prefix.to_string(), |mut name, byte| {
            name.push_str(&format!("{byte:02x}"));
            name
        });
        match rustix::fs::mkdirat(&parent, name.as_str(), Mode::from_raw_mode(0o700)) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::EXIST => {
                last = Some(e);
                continue;
            }
            Err(e) => {
                return Err(error(
                    Exit::Failure,
                    format!("cannot create a directory in {shown}: {e}"),
                ))
            }
        }
        // Swapped for something else between mkdir and open (a directory others may write
        // to without the sticky bit): not ours, so another name.
        let Some(dir) = open_private_dir(&parent, &name, uid) else {
            continue;
        };
        // A filesystem without locks fails this; then no later start can take the lock
        // either, and the directory is never removed by one: kept, not lost.
        let _ = rustix::fs::flock(&dir, FlockOperation::LockExclusive);
        let written = Written {
            parent,
            name,
            dir,
            files: Vec::new(),
        };
        let marker = rustix::fs::openat(
            &written.dir,
            MARKER,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| error(Exit::Failure, format!("cannot write in {shown}: {e}")));
        let mut marker = std::fs::File::from(marker?);
        marker
            .write_all(MARKER_HEADER)
            .map_err(|e| error(Exit::Failure, format!("cannot write in {shown}: {e}")))?;
        // The app inherits the descriptor, and the lock with it.
        rustix::io::fcntl_setfd(&written.dir, rustix::io::FdFlags::empty()).map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot keep {shown} open for the app: {e}"),
            )
        })?;
        return Ok((written, marker));
    }
    Err(error(
        Exit::Failure,
        format!(
            "cannot create a directory of its own in {shown}: {} names drawn were all taken{}",
            ATTEMPTS,
            last.map(|e| format!(" ({e})")).unwrap_or_default()
        ),
    ))
}

/// Writes each file, named in the marker before it is made, so a start killed halfway
/// leaves nothing a later start cannot remove.
fn write_files(
    (mut written, mut marker): (Written, std::fs::File),
    names: &[String],
    secrets: &Secrets,
    shown: &str,
) -> Result<Written, FilesError> {
    for name in names {
        let failed = |e: &dyn std::fmt::Display| {
            error(
                Exit::Failure,
                format!(
                    "cannot write the file of secret {} in {shown}: {e}",
                    crate::redact::shown(name)
                ),
            )
        };
        let mut listed = name.as_bytes().to_vec();
        listed.push(0);
        marker.write_all(&listed).map_err(|e| failed(&e))?;
        let file = rustix::fs::openat(
            &written.dir,
            name.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o400),
        )
        .map_err(|e| failed(&e))?;
        written.files.push(name.clone());
        // The umask may have narrowed the mode at creation; the file gets exactly 0400.
        rustix::fs::fchmod(&file, Mode::from_raw_mode(0o400)).map_err(|e| failed(&e))?;
        let value = secrets.get(name).map(|v| v.expose()).unwrap_or_default();
        std::fs::File::from(file)
            .write_all(value.as_bytes())
            .map_err(|e| failed(&e))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_names_are_the_prefix_and_sixteen_hex_digits() {
        assert!(is_own_name("lifeboat-0-0123456789abcdef", "lifeboat-0-"));
        assert!(!is_own_name("lifeboat-0", "lifeboat-0-"));
        assert!(!is_own_name("lifeboat-0-squat", "lifeboat-0-"));
        assert!(!is_own_name("lifeboat-10-0123456789abcdef", "lifeboat-1-"));
        assert!(!is_own_name("lifeboat-0-0123456789abcdef0", "lifeboat-0-"));
    }
}
