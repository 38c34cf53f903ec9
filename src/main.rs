//! The `lifeboat` binary: parse the command line, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use lifeboat::cli::Cli;
use lifeboat::log::{Level, Log};

/// musl's malloc unmaps eagerly, which costs a start dearly (see Cargo.toml).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = Log::new(cli.log_format);
    match lifeboat::commands::execute(cli, &log) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log.event(Level::Error, "error", &error.to_string(), error.to_json());
            if let (Some(hint), false) = (error.hint(), log.is_json()) {
                log.event(
                    Level::Info,
                    "hint",
                    &format!("hint: {hint}"),
                    serde_json::Value::Null,
                );
            }
            ExitCode::from(error.exit().code())
        }
    }
}
