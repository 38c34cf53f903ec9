//! The `lifeboat` binary: parse the command line, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use lifeboat::cli::Cli;

/// musl's malloc unmaps eagerly, which costs a start dearly (see Cargo.toml).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = lifeboat::commands::version_only(&args) {
        return code;
    }
    lifeboat::commands::main(Cli::try_parse_from(args))
}
