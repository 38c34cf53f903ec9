//! `lifeboat run`: the entrypoint wrapper. Live secrets first, under one deadline, with
//! the snapshot opened in parallel; on a failure whose class the policy allows, the
//! snapshot; then `execve` of the app. This is where a 503 becomes a fallback.

mod child_env;
mod exec;
mod hygiene;
mod policy;
mod scope_check;

pub use child_env::{build_child_env, ChildEnv, EnvOptions, CREDENTIAL_VARS, MAX_ENV_STRING};
pub use policy::{FallbackPolicy, DEFAULT_FALLBACK_ON};
pub use scope_check::{check_scope, ScopeCheck};

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime};

use serde_json::json;

use crate::cli::RunArgs;
use crate::commands::{load_identities, CommandError};
use crate::duration::describe;
use crate::http::{Deadline, FetchError};
use crate::log::Log;
use crate::secret::Secrets;
use crate::snapshot::{check_freshness, check_pin, open, Opened, Pin, SnapshotFile};
use crate::source::{LiveSettings, Scope, SourceError, SourceSpec};

/// The snapshot, opened on its own thread while the live fetch runs.
type SnapshotJob = JoinHandle<Result<Opened, CommandError>>;

fn open_snapshot(
    path: &std::path::Path,
    identity_files: &[PathBuf],
    pin: Option<&Pin>,
) -> Result<Opened, CommandError> {
    let identities = load_identities(identity_files)?;
    let file = SnapshotFile::read(path)?;
    check_pin(&file, pin)?;
    Ok(open(&file.bytes, &identities)?)
}

fn open_in_background(args: &RunArgs) -> SnapshotJob {
    let path: PathBuf = args.snapshot.clone();
    let identity_files = args.identities.identity_files.clone();
    let pin = args.pin.expect_sha256.clone();
    std::thread::spawn(move || open_snapshot(&path, &identity_files, pin.as_ref()))
}

/// The snapshot if it may be used: opened, fresh enough, and made for this scope.
fn usable_snapshot(
    job: Result<Opened, CommandError>,
    args: &RunArgs,
    configured: Option<&Scope>,
    log: &Log,
) -> Result<Opened, CommandError> {
    let opened = job?;
    check_freshness(&opened.metadata, SystemTime::now(), args.max_age)?;
    if let Some(configured) = configured {
        match check_scope(&opened.metadata.source, configured) {
            ScopeCheck::Same => {}
            ScopeCheck::Mismatch(reason) => return Err(CommandError::ScopeMismatch(reason)),
            ScopeCheck::AddressDiffers { snapshot, configured } => log.info(
                "snapshot_address_differs",
                &format!("note: the snapshot was made from {snapshot}; run is configured for {configured}"),
                json!({"snapshot_address": snapshot, "configured_address": configured}),
            ),
        }
    }
    Ok(opened)
}

/// Runs `lifeboat run`. Returns only when the app could not be started.
pub fn run(args: RunArgs, log: &Log) -> CommandError {
    let hardened = hygiene::harden();
    match prepare(&args, log) {
        Ok((secrets, origin)) => {
            let env = match build_child_env(
                std::env::vars_os(),
                &secrets,
                &origin,
                EnvOptions {
                    keep_existing: args.keep_existing_env,
                    keep_credentials: args.keep_credentials,
                },
                &args.command,
                hygiene::arg_max(),
            ) {
                Ok(env) => env,
                Err(reason) => return CommandError::Environment(reason),
            };
            if !env.kept_existing.is_empty() {
                log.info(
                    "existing_env_kept",
                    &format!(
                        "kept the existing value of {} over the secret (--keep-existing-env)",
                        env.kept_existing.join(", ")
                    ),
                    json!({"names": env.kept_existing}),
                );
            }
            // The decrypted secrets are wiped here; only the environment copy goes on.
            drop(secrets);
            let program = args.command[0].to_string_lossy().into_owned();
            CommandError::Exec {
                program,
                error: exec::exec(&args.command, env.vars, &hardened),
            }
        }
        Err(error) => error,
    }
}

/// The secrets to start with, and the variables that tell the app where they came from.
type Resolved = (Secrets, Vec<(&'static str, String)>);

/// Decides where the secrets come from.
fn prepare(args: &RunArgs, log: &Log) -> Result<Resolved, CommandError> {
    let policy = FallbackPolicy::parse(&args.fallback_on).map_err(CommandError::Usage)?;
    let spec = args.source.as_deref().map(SourceSpec::parse).transpose()?;
    let configured = spec.as_ref().map(SourceSpec::configured_scope);
    if args.offline {
        // Nothing to overlap with: opened right here, without a thread.
        let opened = open_snapshot(
            &args.snapshot,
            &args.identities.identity_files,
            args.pin.expect_sha256.as_ref(),
        );
        let opened = usable_snapshot(opened, args, configured.as_ref(), log)?;
        log_snapshot_use(log, &opened, None);
        return Ok(from_snapshot(opened));
    }
    let Some(spec) = spec else {
        return Err(CommandError::Usage(
            "no source: give --source (or LIFEBOAT_SOURCE), or --offline to start from the snapshot alone".into(),
        ));
    };
    let job = (!args.live_only).then(|| open_in_background(args));
    // A refused connection falls back at once: the service is down, the snapshot is here.
    let settings = LiveSettings {
        no_refused_retry: true,
        ..args.live.settings()
    };
    let source = spec.into_source(&settings)?;
    let started = Instant::now();
    match source.fetch(Deadline::after(args.timeout)) {
        Ok(fetched) => {
            let fetch_ms = started.elapsed().as_millis();
            log.info(
                "secrets_live",
                &format!("secrets from {} (live, {} secrets, {fetch_ms} ms)", fetched.scope, fetched.secrets.len()),
                json!({"origin": "live", "source": fetched.scope, "secret_count": fetched.secrets.len(), "fetch_ms": fetch_ms}),
            );
            if let Some(job) = job {
                // The live answer names the scope exactly (a service token's project and
                // config), so the snapshot is held against that.
                if let Err(problem) = usable_snapshot(joined(job), args, Some(&fetched.scope), log)
                {
                    log.warn(
                        "snapshot_unusable",
                        &format!(
                            "the snapshot {} could not serve as a fallback if the service went down: {problem}",
                            args.snapshot.display()
                        ),
                        json!({"snapshot": args.snapshot, "problem": problem.kind(), "exit_code": problem.exit().code(), "reason": problem.to_string()}),
                    );
                }
            }
            Ok((fetched.secrets, vec![("LIFEBOAT_ORIGIN", "live".into())]))
        }
        Err(SourceError::Fetch {
            origin,
            error: FetchError::Service { class, reason },
        }) if policy.falls_back_on(class) && job.is_some() => {
            let failure = format!("{origin}: {class}: {reason}");
            let job = job.expect("checked above");
            match usable_snapshot(joined(job), args, configured.as_ref(), log) {
                Ok(opened) => {
                    log_snapshot_use(log, &opened, Some((class.name(), &failure)));
                    Ok(from_snapshot(opened))
                }
                Err(snapshot) => Err(CommandError::NoFallback {
                    class,
                    live: failure,
                    snapshot: Box::new(snapshot),
                }),
            }
        }
        Err(error) => Err(error.into()),
    }
}

fn joined(job: SnapshotJob) -> Result<Opened, CommandError> {
    job.join()
        .map_err(|_| CommandError::Usage("the snapshot reader stopped unexpectedly".into()))?
}

fn from_snapshot(opened: Opened) -> Resolved {
    let origin = vec![
        ("LIFEBOAT_ORIGIN", "snapshot".to_string()),
        ("LIFEBOAT_SNAPSHOT_ID", opened.metadata.id.clone()),
        (
            "LIFEBOAT_SNAPSHOT_CREATED_AT",
            opened.metadata.created_at.clone(),
        ),
    ];
    (opened.secrets, origin)
}

fn log_snapshot_use(log: &Log, opened: &Opened, failure: Option<(&str, &str)>) {
    let metadata = &opened.metadata;
    let age = metadata.age_at(SystemTime::now());
    let about = format!(
        "snapshot {} (created {}, {} old, {} secrets)",
        metadata.id,
        metadata.created_at,
        describe(age),
        opened.secrets.len()
    );
    let mut fields = json!({
        "origin": "snapshot",
        "snapshot_id": metadata.id,
        "created_at": metadata.created_at,
        "age_seconds": age.as_secs(),
        "secret_count": opened.secrets.len(),
        "source": metadata.source,
    });
    match failure {
        Some((class, reason)) => {
            fields["class"] = json!(class);
            fields["reason"] = json!(reason);
            log.warn(
                "fallback",
                &format!("the live fetch failed ({reason}); starting from {about}"),
                fields,
            );
        }
        None => log.info(
            "secrets_snapshot",
            &format!("secrets from {about}, offline"),
            fields,
        ),
    }
}
