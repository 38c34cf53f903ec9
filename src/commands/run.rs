//! `lifeboat run`: turns the parsed arguments into a [`RunPlan`] and hands it to the
//! runtime, which returns only when the app could not be started.

use serde_json::json;

use super::{live_settings, CommandError};
use crate::cli::RunArgs;
use crate::log::Log;
use crate::runtime::{
    self, Chosen, EnvOptions, FallbackPolicy, FilesPlan, RunPlan, SnapshotPlan, Start,
};
use crate::signature::AllowedSigners;
use crate::source::{LiveSettings, SourceSpec};

/// Runs `run`.
pub fn execute(args: RunArgs, log: &Log) -> Result<(), CommandError> {
    let noted = note_flags_after_the_separator(&args, log);
    // Kept to look at only if the start fails: parsing clap's definition costs a start.
    let app_args = args.command.clone();
    let started = plan(args).and_then(|plan| runtime::run(plan, log).map_err(Into::into));
    let checked = match started {
        Ok(checked) => checked,
        Err(error) => {
            // A start that failed with one of lifeboat's flags among the app's arguments
            // (`-- env -i runtime.key`): the likely reason, said next to the error.
            let misplaced = misplaced_flags(&app_args);
            if !noted && !misplaced.is_empty() {
                log.info(
                    "flag_after_separator",
                    &format!(
                        "note: {} after `--` went to the app, not to lifeboat; put lifeboat's flags before `--`",
                        misplaced.join(", ")
                    ),
                    json!({"flags": misplaced}),
                );
            }
            return Err(error);
        }
    };
    // Only `--check` gets here: the report is what was asked for, on stdout.
    let origin: serde_json::Map<String, serde_json::Value> = checked
        .origin
        .iter()
        .map(|(name, value)| (name.to_string(), json!(value)))
        .collect();
    let report = if log.is_json() {
        json!({"check": "ok", "would_exec": checked.program, "secret_count": checked.secret_count, "file_names": checked.file_names, "app_variables": origin, "exit_code": 0}).to_string()
    } else {
        let from = match checked
            .origin
            .iter()
            .find(|(n, _)| *n == "LIFEBOAT_SNAPSHOT_ID")
        {
            Some((_, id)) => format!("the snapshot {id}"),
            None => "the live source".to_string(),
        };
        let files = match checked
            .origin
            .iter()
            .find(|(n, _)| *n == "LIFEBOAT_FILES_DIR")
        {
            Some((_, dir)) if !checked.file_names.is_empty() => format!(
                ", and {} as files in {}",
                crate::log::counted(checked.file_names.len(), "secret"),
                crate::redact::shown(dir)
            ),
            _ => String::new(),
        };
        format!(
            "check: ok: would start {} with {} from {from}{files}",
            checked.program.display(),
            crate::log::counted(checked.secret_count, "secret")
        )
    };
    super::stdout::print(&format!("{report}\n"))
}

/// Everything after `--` is the app's. An app "named" like one of lifeboat's own flags
/// (`run -- --offline app`) is a flag put on the wrong side: say so, since the error that
/// follows (no source, command not found) would not.
fn note_flags_after_the_separator(args: &RunArgs, log: &Log) -> bool {
    let leading: Vec<String> = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .take_while(|a| a.starts_with("--"))
        .collect();
    let mut noted = false;
    for arg in leading {
        let name = arg.trim_start_matches('-');
        let name = name.split('=').next().unwrap_or(name);
        if run_flag(&format!("--{name}")) {
            log.info(
                "flag_after_separator",
                &format!("note: --{name} comes after `--`, so it goes to the app, not to lifeboat; put lifeboat's flags before `--`"),
                json!({"flag": format!("--{name}")}),
            );
            noted = true;
        }
    }
    noted
}

/// Every argument after `--` that is one of `run`'s own flags (`-i`, `--offline`,
/// `--source=…`), as written up to any `=`.
fn misplaced_flags(app_args: &[std::ffi::OsString]) -> Vec<String> {
    app_args
        .iter()
        .map(|a| a.to_string_lossy())
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .map(|a| a.split('=').next().unwrap_or_default().to_string())
        .filter(|flag| run_flag(flag))
        .collect()
}

/// Whether `flag` (`--name` or `-x`) is one of `run`'s.
fn run_flag(flag: &str) -> bool {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    command.build();
    let Some(run) = command.find_subcommand("run") else {
        return false;
    };
    match flag.strip_prefix("--") {
        Some(long) => run.get_arguments().any(|a| a.get_long() == Some(long)),
        None => {
            let mut short = flag[1..].chars();
            match (short.next(), short.next()) {
                (Some(c), None) => run.get_arguments().any(|a| a.get_short() == Some(c)),
                _ => false,
            }
        }
    }
}

/// `--fallback-on`'s policy, or an error that names the flag. A word that looks like a
/// token (a variable pasted into the wrong flag) is refused here, unshown, before the
/// policy's parser could quote it.
fn fallback_policy(text: &str) -> Result<FallbackPolicy, CommandError> {
    let refused = |reason: &str| {
        CommandError::Usage(format!("--fallback-on (or LIFEBOAT_FALLBACK_ON): {reason}"))
    };
    if crate::redact::looks_like_secret(text)
        || text.split(',').any(crate::redact::looks_like_secret)
    {
        return Err(refused(&format!(
            "{} is not a failure class; the classes are unreachable, server-error, bad-response, denied, not-found (or all, none)",
            crate::redact::NOT_SHOWN
        )));
    }
    FallbackPolicy::parse(text).map_err(|reason| refused(&reason))
}

/// The plan: every flag checked and given its meaning, nothing done yet.
pub fn plan(args: RunArgs) -> Result<RunPlan, CommandError> {
    let policy = fallback_policy(&args.fallback_on)?;
    let source = (!args.source.is_empty())
        .then(|| SourceSpec::parse_all(&args.source))
        .transpose()?;
    // Checked here, on the values: a variable set to 0 is not the flag given.
    if args.offline && args.live_only {
        return Err(CommandError::Usage(
            "--offline and --live-only cannot both be set: one never asks the service, the other never opens the snapshot".into(),
        ));
    }
    let start = match (args.offline, args.live_only) {
        (true, _) => Start::Offline,
        (false, true) => Start::LiveOnly,
        (false, false) => Start::LiveFirst,
    };
    if !args.files.is_empty() && args.files_dir.is_none() {
        return Err(CommandError::Usage(
            "--file needs --files-dir DIR (a memory filesystem the files go to)".into(),
        ));
    }
    if source.is_none() && start != Start::Offline {
        return Err(CommandError::Usage(
            "no source: give --source (or LIFEBOAT_SOURCE), or --offline to start from the snapshot alone".into(),
        ));
    }
    // Read here, before the start's deadline: a list that cannot be read is lifeboat's
    // configuration, refused whether or not the snapshot would have been needed.
    let signers = args
        .signers
        .trusted_signers
        .as_deref()
        .map(AllowedSigners::read)
        .transpose()?;
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
            other_source_allowed: args.allow_other_source,
            signers,
        },
        env: EnvOptions {
            keep_existing: args.keep_existing_env,
            keep_credentials: args.keep_credentials,
            keep_identity: args.keep_identity,
        },
        command: args.command,
        check: args.check,
        cache_dir: args.cache_dir,
        live_cooldown: args.live_cooldown,
        show_names: args.show_names,
        // A directory alone (LIFEBOAT_FILES_DIR set, no --file) delivers nothing.
        files: args
            .files_dir
            .filter(|_| !args.files.is_empty())
            .map(|dir| FilesPlan {
                dir,
                chosen: if args.files.iter().any(|f| f == "*") {
                    Chosen::All
                } else {
                    Chosen::Names(args.files.clone())
                },
                file_env: args.file_env,
                allow_disk: args.allow_disk,
            }),
    })
}
