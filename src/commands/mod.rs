//! One file per subcommand. Each takes its parsed arguments and the log, does its job
//! through the library's layers, and returns a [`CommandError`] that knows its exit code.

mod error;
mod identities;
mod inspect;
mod keygen;
mod recover;
mod snapshot;
mod snapshot_input;
mod stdout;
mod verify;

pub use error::CommandError;
pub use identities::load_identities;
pub use inspect::{inspect_json, inspect_text};

use crate::cli::{Cli, Command};
use crate::log::Log;

/// Runs a parsed command line.
pub fn execute(cli: Cli, log: &Log) -> Result<(), CommandError> {
    match cli.command {
        Command::Keygen(args) => keygen::execute(args, log),
        Command::Snapshot(args) => snapshot::execute(args, log),
        Command::Inspect(args) => inspect::execute(args),
        Command::Verify(args) => verify::execute(args),
        Command::Recover(args) => recover::execute(args, log),
        // `run` returns only when the app could not be started.
        Command::Run(args) => Err(crate::runtime::run(args, log)),
    }
}
