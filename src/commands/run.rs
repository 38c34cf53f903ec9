//! `lifeboat run`: turns the parsed arguments into a [`RunPlan`] and hands it to the
//! runtime, which returns only when the app could not be started.

use super::{live_settings, CommandError};
use crate::cli::RunArgs;
use crate::log::Log;
use crate::runtime::{self, EnvOptions, FallbackPolicy, RunPlan, SnapshotPlan, Start};
use crate::source::{LiveSettings, SourceSpec};

/// Runs `run`.
pub fn execute(args: RunArgs, log: &Log) -> Result<(), CommandError> {
    let plan = plan(args)?;
    Err(CommandError::Run(runtime::run(plan, log)))
}

/// The plan: every flag checked and given its meaning, nothing done yet.
pub fn plan(args: RunArgs) -> Result<RunPlan, CommandError> {
    let policy = FallbackPolicy::parse(&args.fallback_on).map_err(CommandError::Usage)?;
    let source = args.source.as_deref().map(SourceSpec::parse).transpose()?;
    let start = match (args.offline, args.live_only) {
        (true, _) => Start::Offline,
        (false, true) => Start::LiveOnly,
        (false, false) => Start::LiveFirst,
    };
    if source.is_none() && start != Start::Offline {
        return Err(CommandError::Usage(
            "no source: give --source (or LIFEBOAT_SOURCE), or --offline to start from the snapshot alone".into(),
        ));
    }
    Ok(RunPlan {
        start,
        source,
        // A refused connection falls back at once: the service is down, the snapshot is
        // here.
        live: LiveSettings {
            no_refused_retry: true,
            ..live_settings(&args.live)
        },
        timeout: args.timeout,
        policy,
        snapshot: SnapshotPlan {
            path: args.snapshot,
            identity_files: args.identities.identity_files,
            pin: args.pin.expect_sha256,
            max_age: args.max_age,
        },
        env: EnvOptions {
            keep_existing: args.keep_existing_env,
            keep_credentials: args.keep_credentials,
        },
        command: args.command,
    })
}
