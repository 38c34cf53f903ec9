//! The `lifeboat` binary: parse the command line, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use lifeboat::cli::Cli;

/// musl's malloc unmaps eagerly, which costs a start dearly (see Cargo.toml).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

fn main() -> ExitCode {
    lifeboat::commands::main(Cli::try_parse())
}
