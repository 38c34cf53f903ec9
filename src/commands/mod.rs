//! One file per subcommand. Each turns its parsed arguments into what the library's
//! layers take, does its job through them, and returns a [`CommandError`] that knows its
//! exit code. [`main`] is the whole binary: parse, run, report, exit.

mod completions;
mod diff;
mod error;
mod inspect;
mod keygen;
mod recover;
mod rekey;
mod run;
mod snapshot;
mod snapshot_input;
mod stdout;
mod usage;
mod verify;

pub use error::CommandError;
pub use inspect::{inspect_json, inspect_text};

use std::process::ExitCode;

use crate::cli::{Cli, Command, LiveArgs, VaultAuth};
use crate::log::{Level, Log};
use crate::source::{LiveSettings, VaultLogin};

/// `lifeboat --version` (or `-V`) alone, answered before clap builds the whole command
/// line: scripts and image scans ask it often, and building the parser is most of what it
/// would cost. The same line clap prints; `None` for any other command line.
pub fn version_only(args: &[std::ffi::OsString]) -> Option<ExitCode> {
    match args {
        [_, flag] if flag == "--version" || flag == "-V" => Some(
            match stdout::print(&format!("lifeboat {}\n", crate::cli::VERSION)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => ExitCode::from(error.exit().code()),
            },
        ),
        _ => None,
    }
}

/// Runs a parsed command line, reports a failure on stderr, and gives the exit status. A
/// command line clap refused is reported here too, scrubbed and in the chosen log form.
pub fn main(parsed: Result<Cli, clap::Error>) -> ExitCode {
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => return usage::report(error),
    };
    let log = Log::new(cli.log_format.into());
    match execute(cli.command, &log) {
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

fn execute(command: Command, log: &Log) -> Result<(), CommandError> {
    match command {
        Command::Keygen(args) => keygen::execute(args, log),
        Command::Snapshot(args) => snapshot::execute(args, log),
        Command::Inspect(args) => inspect::execute(args),
        Command::Verify(args) => verify::execute(args),
        Command::Recover(args) => recover::execute(args, log),
        // `run` returns only when the app could not be started.
        Command::Run(args) => run::execute(args, log),
        Command::Diff(args) => diff::execute(args),
        Command::Rekey(args) => rekey::execute(args, log),
        Command::Completions(args) => completions::execute(args),
    }
}

/// With several sources and `--allow-override`: which names a later source replaced.
fn report_overridden(names: &[String], log: &Log) {
    if let Some(message) = crate::source::overridden_message(names) {
        log.event(
            Level::Warning,
            "source_override",
            &message,
            serde_json::json!({ "names": names }),
        );
    }
}

/// The live sources' settings from their flags.
fn live_settings(args: &LiveArgs) -> LiveSettings {
    LiveSettings {
        token_file: args.token_file.clone(),
        ca_files: args.ca_files.clone(),
        role_id_file: args.role_id_file.clone(),
        secret_id_file: args.secret_id_file.clone(),
        vault_auth: args.vault_auth.map(|method| match method {
            VaultAuth::Token => VaultLogin::Token,
            VaultAuth::Approle => VaultLogin::AppRole,
            VaultAuth::Kubernetes => VaultLogin::Kubernetes,
            VaultAuth::Jwt => VaultLogin::Jwt,
        }),
        vault_role: args.vault_role.clone(),
        vault_auth_mount: args.vault_auth_mount.clone(),
        jwt_file: args.jwt_file.clone(),
        secret_name: args.secret_name.clone(),
        allow_override: args.allow_override,
        no_refused_retry: false,
        single_attempt: false,
        no_rate_limit_retry: false,
    }
}
