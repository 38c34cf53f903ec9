//! `lifeboat run`: the entrypoint wrapper. Live secrets first, under one deadline, with
//! the snapshot opened in parallel; then one decision ([`decide`]) between the live
//! secrets, the snapshot and failure; then `execve` of the app.
//!
//! The runtime takes a plain [`RunPlan`] and returns its own [`RunError`]; it knows
//! nothing of the command line.

mod child_env;
mod decision;
mod error;
mod exec;
mod hygiene;
mod plan;
mod policy;
mod scope_check;
mod signals;

pub use child_env::EnvOptions;
pub use decision::{decide, Backup, Decision, Live};
pub use error::{RunError, SnapshotProblem};
pub use plan::{RunPlan, SnapshotPlan, Start};
pub use policy::{FallbackPolicy, DEFAULT_FALLBACK_ON};

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Instant, SystemTime};

use serde_json::json;

use crate::duration::describe;
use crate::http::{Deadline, FailureClass};
use crate::keys::load_identities;
use crate::log::{counted, Log};
use crate::secret::Secrets;
use crate::snapshot::{check_freshness, check_pin, open, Opened, SnapshotFile};
use crate::source::{Scope, SourceError};
use child_env::build_child_env;
use scope_check::{check_scope, ScopeCheck};

/// The snapshot, opened on its own thread while the live fetch runs; its answer comes
/// over a channel, so the start can stop waiting for it at the deadline (a snapshot on a
/// hung filesystem, a FIFO) instead of joining a thread that may never end.
type SnapshotJob = Receiver<Result<Opened, SnapshotProblem>>;

fn open_snapshot(plan: &SnapshotPlan) -> Result<Opened, SnapshotProblem> {
    let identities = load_identities(&plan.identity_files)?;
    let file = SnapshotFile::read(&plan.path)?;
    check_pin(&file, plan.pin.as_ref())?;
    Ok(open(&file.bytes, &identities)?)
}

fn open_in_background(plan: &SnapshotPlan) -> SnapshotJob {
    let plan = plan.clone();
    let (answer, job) = std::sync::mpsc::sync_channel(1);
    std::thread::spawn(move || {
        // Nobody may be listening any more (the deadline passed): nothing to do then.
        let _ = answer.send(open_snapshot(&plan));
    });
    job
}

/// The snapshot if it may be used: opened, fresh enough, and made for this scope.
fn usable_snapshot(
    opened: Result<Opened, SnapshotProblem>,
    plan: &SnapshotPlan,
    configured: Option<&Scope>,
    log: &Log,
) -> Result<Opened, SnapshotProblem> {
    let opened = opened?;
    check_freshness(&opened.metadata, SystemTime::now(), plan.max_age)
        .map_err(SnapshotProblem::Stale)?;
    if let Some(configured) = configured {
        match check_scope(&opened.metadata.source, configured, plan.other_source_allowed) {
            ScopeCheck::Same => {}
            ScopeCheck::Mismatch(reason) => return Err(SnapshotProblem::Scope(reason)),
            ScopeCheck::AddressDiffers { snapshot, configured } => log.info(
                "snapshot_address_differs",
                &format!("note: the snapshot was made from {snapshot}; run is configured for {configured}"),
                json!({"snapshot_address": snapshot, "configured_address": configured}),
            ),
        }
    }
    Ok(opened)
}

/// What `run --check` found: everything `run` would have done, short of the exec.
#[derive(Debug)]
pub struct Checked {
    /// The program exec would start.
    pub program: std::path::PathBuf,
    /// How many secrets the app would get.
    pub secret_count: usize,
    /// The variables that tell the app where they came from (`LIFEBOAT_ORIGIN`, …).
    pub origin: Vec<(&'static str, String)>,
}

/// Runs `lifeboat run`. Returns only when the app could not be started, or with
/// `--check` when it could have been.
pub fn run(plan: RunPlan, log: &Log) -> Result<Checked, RunError> {
    // First, before anything can block: as PID 1, a SIGTERM would otherwise be lost.
    signals::stop_on_signals();
    let hardened = hygiene::harden();
    let (secrets, origin) = resolve(&plan, log)?;
    let env = build_child_env(
        std::env::vars_os(),
        &secrets,
        &origin,
        plan.env,
        &plan.command,
        hygiene::arg_max(),
    )
    .map_err(RunError::Environment)?;
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
    let program = plan.command[0].to_string_lossy().into_owned();
    if plan.check {
        let path = env
            .vars
            .iter()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value.as_os_str());
        let found = exec::find(&plan.command[0], path)
            .map_err(|error| RunError::Exec { program, error })?;
        return Ok(Checked {
            program: found,
            secret_count: secrets.len(),
            origin,
        });
    }
    // The decrypted secrets are wiped here; only the environment copy goes on.
    drop(secrets);
    Err(RunError::Exec {
        program,
        error: exec::exec(&plan.command, env.vars, &hardened),
    })
}

/// The secrets to start with, and the variables that tell the app where they came from.
type Resolved = (Secrets, Vec<(&'static str, String)>);

/// Fetches, opens, decides.
fn resolve(plan: &RunPlan, log: &Log) -> Result<Resolved, RunError> {
    let configured = plan.source.as_ref().map(|spec| spec.configured_scope());
    let (live, backup, started) = match (&plan.source, plan.start) {
        (Some(spec), Start::LiveFirst | Start::LiveOnly) => {
            // The deadline starts before the client is built: loading the system's CA
            // bundle is part of the live attempt, and so is waiting for the snapshot.
            let started = Instant::now();
            let deadline = Deadline::after(plan.timeout);
            let job = (plan.start == Start::LiveFirst).then(|| open_in_background(&plan.snapshot));
            let fetched = spec
                .clone()
                .into_source(&plan.live)
                .and_then(|source| source.fetch(deadline));
            let live = match fetched {
                Ok(fetched) => Live::Fetched(fetched),
                Err(error) => match service_class(&error) {
                    Some(class) => Live::Failed(class, error),
                    // lifeboat's own configuration, or secrets it cannot pass on: never
                    // a fallback.
                    None => return Err(RunError::Live(error)),
                },
            };
            // The live answer names the scope exactly (a service token's project and
            // config), so the snapshot is held against that when there is one.
            let scope = match &live {
                Live::Fetched(fetched) => Some(&fetched.scope),
                _ => configured.as_ref(),
            };
            let backup = match job {
                None => Backup::NotOpened,
                Some(job) => backup(usable_snapshot(
                    joined(job, deadline),
                    &plan.snapshot,
                    scope,
                    log,
                )),
            };
            (live, backup, started)
        }
        // Nothing to overlap with: opened right here, without a thread.
        _ => {
            let opened = open_snapshot(&plan.snapshot);
            let usable = usable_snapshot(opened, &plan.snapshot, configured.as_ref(), log);
            (Live::NotAsked, backup(usable), Instant::now())
        }
    };
    match decide(plan.start, live, backup, &plan.policy) {
        Decision::Live { fetched, unusable } => {
            let fetch_ms = started.elapsed().as_millis();
            log.info(
                "secrets_live",
                &format!("secrets from {} (live, {}, {fetch_ms} ms)", fetched.scope, counted(fetched.secrets.len(), "secret")),
                json!({"origin": "live", "source": fetched.scope, "secret_count": fetched.secrets.len(), "fetch_ms": fetch_ms}),
            );
            if let Some(problem) = unusable {
                log.warn(
                    "snapshot_unusable",
                    &format!(
                        "the snapshot {} could not serve as a fallback if the service went down: {problem}",
                        plan.snapshot.path.display()
                    ),
                    json!({"snapshot": plan.snapshot.path, "problem": problem.exit().name(), "exit_code": problem.exit().code(), "reason": problem.to_string()}),
                );
            }
            Ok((fetched.secrets, vec![("LIFEBOAT_ORIGIN", "live".into())]))
        }
        Decision::Snapshot { opened, after } => {
            let failure = after.map(|(class, error)| (class, error.to_string()));
            log_snapshot_use(
                log,
                &opened,
                failure.as_ref().map(|(c, r)| (*c, r.as_str())),
            );
            Ok(from_snapshot(opened))
        }
        Decision::LiveFailed(error) => Err(RunError::Live(error)),
        Decision::NoFallback {
            class,
            failure,
            problem,
        } => Err(RunError::NoFallback {
            class,
            live: failure.to_string(),
            snapshot: problem,
        }),
        Decision::SnapshotFailed(problem) => Err(RunError::Snapshot(
            problem.unwrap_or(SnapshotProblem::NotOpened),
        )),
    }
}

/// The decision's view of a snapshot.
fn backup(usable: Result<Opened, SnapshotProblem>) -> Backup<Opened, SnapshotProblem> {
    match usable {
        Ok(opened) => Backup::Usable(opened),
        Err(problem) => Backup::Unusable(problem),
    }
}

/// The class of a service failure; `None` for lifeboat's own configuration and input.
fn service_class(error: &SourceError) -> Option<FailureClass> {
    match error {
        SourceError::Fetch { error, .. } => error.class(),
        _ => None,
    }
}

fn joined(job: SnapshotJob, deadline: Deadline) -> Result<Opened, SnapshotProblem> {
    match job.recv_timeout(deadline.remaining()) {
        Ok(opened) => opened,
        Err(RecvTimeoutError::Timeout) => Err(SnapshotProblem::TooSlow(deadline.total())),
        Err(RecvTimeoutError::Disconnected) => Err(SnapshotProblem::ReaderStopped),
    }
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

fn log_snapshot_use(log: &Log, opened: &Opened, failure: Option<(FailureClass, &str)>) {
    let metadata = &opened.metadata;
    let age = metadata.age_at(SystemTime::now());
    let about = format!(
        "snapshot {} (created {}, {} old, {})",
        metadata.id,
        metadata.created_at,
        describe(age),
        counted(opened.secrets.len(), "secret")
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
            fields["class"] = json!(class.name());
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
