//! Secrets as files (`--files-dir DIR --file NAME…`): for apps that read a TLS key or a
//! credentials JSON from a path, for Docker's official images that read `NAME_FILE`, and
//! for values too large for the environment. Each file is written atomically, mode 0400,
//! in a directory lifeboat makes 0700, which must be on a memory filesystem (tmpfs or
//! ramfs, checked with `statfs`) unless `--allow-disk`: a secret written to a disk
//! outlives the container. A secret delivered as a file is not in the environment;
//! `--file-env` also sets `NAME_FILE` to its path. The app is told the directory in
//! `LIFEBOAT_FILES_DIR`.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::atomic_file;
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
    /// The directory.
    pub dir: PathBuf,
    /// The secrets that go there.
    pub chosen: Chosen,
    /// Also set `NAME_FILE` for each.
    pub file_env: bool,
    /// Allow a directory on a disk.
    pub allow_disk: bool,
}

/// Filesystem magic numbers `statfs` reports for memory filesystems.
const TMPFS_MAGIC: u64 = 0x0102_1994;
const RAMFS_MAGIC: u64 = 0x8584_58f6;

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

/// Writes the chosen secrets as files; returns the secrets left for the environment and
/// the variables that tell the app where the files are.
pub fn deliver(
    plan: &FilesPlan,
    mut secrets: Secrets,
) -> Result<(Secrets, Vec<(String, String)>), FilesError> {
    let names: Vec<String> = match &plan.chosen {
        Chosen::All => secrets.names().map(str::to_string).collect(),
        Chosen::Names(names) => {
            if let Some(missing) = names.iter().find(|n| !secrets.contains(n)) {
                return Err(error(
                    Exit::Usage,
                    format!(
                        "--file {}: there is no secret of that name",
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
    let dir = private_dir(&plan.dir)?;
    let shown_dir = crate::redact::path(&dir).into_owned();
    if !plan.allow_disk {
        check_memory_filesystem(&dir, &shown_dir)?;
    }
    for name in &names {
        // A name from a source follows the name rule (no '/', not starting with '.'); a
        // snapshot sealed before it may hold anything.
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(error(
                Exit::BadInput,
                format!(
                    "secret \"{}\" cannot be a file name",
                    crate::redact::shown(name)
                ),
            ));
        }
    }
    // What an earlier start left: replaced below, or removed if no longer a secret.
    atomic_file::remove_orphans(&dir);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let regular = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
            if regular && !names.contains(&name) && !atomic_file::is_temporary_name(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let mut vars = vec![(
        "LIFEBOAT_FILES_DIR".to_string(),
        dir.to_string_lossy().into_owned(),
    )];
    for name in &names {
        let path = dir.join(name);
        let value = secrets.get(name).map(|v| v.expose()).unwrap_or_default();
        atomic_file::write_one_of_many(&path, value.as_bytes(), 0o400).map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot write the file of secret {name}: {e}"),
            )
        })?;
        if plan.file_env {
            vars.push((format!("{name}_FILE"), path.to_string_lossy().into_owned()));
        }
    }
    secrets = secrets.without_names(&names);
    Ok((secrets, vars))
}

/// The directory the files go to, absolute: `dir` itself when lifeboat makes it (0700)
/// or it already is private to this user (a directory, not a link, owned by us, no access
/// for group or others); else `dir/lifeboat-UID`, made or checked the same way. lifeboat
/// never changes the mode of a directory it did not make: a mount point such as a
/// tmpfs at `/dev/shm` is shared by design.
fn private_dir(dir: &Path) -> Result<PathBuf, FilesError> {
    let dir = std::path::absolute(dir).map_err(|e| {
        error(
            Exit::Failure,
            format!("cannot resolve {}: {e}", crate::redact::path(dir)),
        )
    })?;
    match make_or_check(&dir)? {
        true => Ok(dir),
        false => {
            let own = dir.join(format!("lifeboat-{}", rustix::process::geteuid().as_raw()));
            if make_or_check(&own)? {
                Ok(own)
            } else {
                Err(error(
                    Exit::Usage,
                    format!(
                        "{} exists and is not a private directory of this user (a link, another owner, or open to others); remove it",
                        crate::redact::path(&own)
                    ),
                ))
            }
        }
    }
}

/// Makes `dir` (0700) if it is missing; true if it is then a private directory of ours.
fn make_or_check(dir: &Path) -> Result<bool, FilesError> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(dir)
                .map_err(|e| {
                    error(
                        Exit::Failure,
                        format!("cannot create {}: {e}", crate::redact::path(dir)),
                    )
                })?;
            Ok(true)
        }
        Err(e) => Err(error(
            Exit::Failure,
            format!("cannot read {}: {e}", crate::redact::path(dir)),
        )),
        Ok(meta) => Ok(meta.file_type().is_dir()
            && meta.uid() == rustix::process::geteuid().as_raw()
            && meta.mode() & 0o077 == 0),
    }
}

fn check_memory_filesystem(dir: &Path, shown: &str) -> Result<(), FilesError> {
    let kind = rustix::fs::statfs(dir)
        .map(|s| s.f_type as u64)
        .map_err(|e| {
            error(
                Exit::Failure,
                format!("cannot tell what filesystem {shown} is on: {e}"),
            )
        })?;
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
