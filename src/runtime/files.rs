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

use crate::atomic_file::{self, Existing};
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
                        crate::redact::shown(missing)
                    ),
                ));
            }
            names.clone()
        }
    };
    let shown_dir = crate::redact::path(&plan.dir).into_owned();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&plan.dir)
        .map_err(|e| error(Exit::Failure, format!("cannot create {shown_dir}: {e}")))?;
    // A mount point that already exists (a tmpfs is 1777 when mounted) is made private
    // too, where lifeboat may: only the app's user reads its secrets' names.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&plan.dir, std::fs::Permissions::from_mode(0o700));
    if !plan.allow_disk {
        check_memory_filesystem(&plan.dir, &shown_dir)?;
    }
    let mut vars = vec![(
        "LIFEBOAT_FILES_DIR".to_string(),
        plan.dir.to_string_lossy().into_owned(),
    )];
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
        let path = plan.dir.join(name);
        let value = secrets.get(name).map(|v| v.expose()).unwrap_or_default();
        write_file(&path, value.as_bytes()).map_err(|e| {
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

/// An earlier start's file is read-only (0400): it is replaced by the rename, never
/// written into.
fn write_file(path: &Path, contents: &[u8]) -> Result<(), atomic_file::WriteError> {
    atomic_file::write_with(path, contents, 0o400, Existing::Replace, false)
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
