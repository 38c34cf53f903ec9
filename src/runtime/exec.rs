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
