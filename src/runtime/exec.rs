//! Replacing lifeboat with the app: `execve` after a PATH lookup, no shell. The app keeps
//! lifeboat's PID, so it gets the orchestrator's signals directly and its exit status is
//! the container's.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::hygiene::Hardened;

/// Executes `argv[0]` with `argv[1..]` and exactly `env`. Returns only on failure.
pub fn exec(argv: &[OsString], env: Vec<(OsString, OsString)>, hardened: &Hardened) -> io::Error {
    let Some((program, args)) = argv.split_first() else {
        return io::Error::new(io::ErrorKind::InvalidInput, "no command given");
    };
    let mut command = Command::new(program);
    command.args(args).env_clear().envs(env);
    hardened.restore_for_exec();
    command.exec()
}

/// Where `execve` would find `program`, with `path` as the app's PATH: a name with a `/`
/// as it is, else the first executable file of that name in PATH (the default path when
/// unset). For `run --check`, which reports what exec would do without doing it.
pub fn find(
    program: &std::ffi::OsStr,
    path: Option<&std::ffi::OsStr>,
) -> Result<std::path::PathBuf, io::Error> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |candidate: &std::path::Path| {
        std::fs::metadata(candidate).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let program_path = std::path::Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') {
        return match executable(program_path) {
            Ok(true) => Ok(program_path.to_path_buf()),
            Ok(false) => Err(io::Error::from(io::ErrorKind::PermissionDenied)),
            Err(e) => Err(e),
        };
    }
    let path = path.unwrap_or(std::ffi::OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    let mut found_unexecutable = false;
    for dir in std::env::split_paths(path) {
        let candidate = dir.join(program_path);
        match executable(&candidate) {
            Ok(true) => return Ok(candidate),
            Ok(false) => found_unexecutable = true,
            Err(_) => {}
        }
    }
    Err(io::Error::from(if found_unexecutable {
        io::ErrorKind::PermissionDenied
    } else {
        io::ErrorKind::NotFound
    }))
}
