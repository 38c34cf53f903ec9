//! `lifeboat run`: the entrypoint wrapper. Live secrets first, under one deadline, with
//! the snapshot opened in parallel; then one decision ([`decide`]) between the live
//! secrets, the snapshot and failure; then `execve` of the app.
//!
//! The runtime takes a plain [`RunPlan`] and returns its own [`RunError`]; it knows
//! nothing of the command line.

mod cache;
mod child_env;
mod decision;
mod drift;
mod error;
mod exec;
mod files;
mod hygiene;
mod plan;
mod policy;
mod scope_check;
mod signals;

pub use cache::cache_for_fuzzing; // a surface for the fuzz targets (lib.rs)
pub use child_env::EnvOptions;
pub use decision::{decide, freshest, Backup, Decision, Live};
pub use drift::Drift;
pub use error::{RunError, SnapshotProblem};
pub use files::{Chosen, FilesPlan};
pub use plan::{RunPlan, SnapshotPlan, Start};
pub use policy::{FallbackPolicy, DEFAULT_FALLBACK_ON};
pub use scope_check::{check_scope, ScopeCheck};

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Instant, SystemTime};

use serde_json::json;

use crate::duration::describe;
use crate::http::{Deadline, FailureClass};
use crate::keys::{load_identities, Passphrases};
use crate::log::{counted, Log};
use crate::secret::Secrets;
use crate::snapshot::{check_freshness, check_pin, open_file, Opened, SnapshotFile};
use crate::source::{Scope, SourceError};
use cache::{Cache, CacheProblem};
use child_env::build_child_env;

/// The runtime cache with the identities that open it, loaded once.
struct CacheUse {
    cache: Cache,
    identities: Vec<crate::keys::Identity>,
}

/// The snapshot, opened on its own thread while the live fetch runs; its answer comes
/// over a channel, so the start can stop waiting for it at the deadline (a snapshot on a
/// hung filesystem, a FIFO) instead of joining a thread that may never end.
type SnapshotJob = Receiver<Result<Opened, SnapshotProblem>>;

fn open_snapshot(plan: &SnapshotPlan) -> Result<Opened, SnapshotProblem> {
    let identities = load_identities(&plan.identity_files, Passphrases::Refuse)?;
    let mut file = SnapshotFile::read(&plan.path)?;
    check_pin(&file, plan.pin.as_ref())?;
    if let Some(signers) = &plan.signers {
        crate::signature::check_beside(&plan.path, &file.bytes, signers, SystemTime::now())?;
    }
    Ok(open_file(&mut file, &identities)?)
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
            ScopeCheck::Mismatch(mismatch) => return Err(SnapshotProblem::Scope(mismatch)),
            ScopeCheck::Allowed(reason) => log.warn(
                "snapshot_other_scope",
                &format!("{reason}; it serves anyway (--allow-other-source)"),
                json!({"reason": reason}),
            ),
            ScopeCheck::AddressDiffers { snapshot, configured } => log.info(
                "snapshot_address_differs",
                &format!("note: the snapshot was made from {snapshot}; run is configured for {configured}"),
                json!({"snapshot_address": snapshot, "configured_address": configured}),
            ),
        }
    }
    Ok(opened)
}

/// The runtime cache's copy held to the baked snapshot's freshness checks (expiry,
/// `--max-age`), and to this start's own scope, exactly: a cache serves only the app that
/// wrote it, `--allow-other-source` or not. The pin is the baked snapshot's alone.
fn check_copy(
    opened: Opened,
    plan: &SnapshotPlan,
    configured: Option<&Scope>,
) -> Result<Opened, String> {
    check_freshness(&opened.metadata, SystemTime::now(), plan.max_age)
        .map_err(|stale| stale.to_string())?;
    if let Some(configured) = configured {
        scope_check::cache_serves(&opened.metadata.source, configured)?;
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
    pub origin: Vec<(String, String)>,
    /// The secrets that would be delivered as files (`--files-dir`), by name.
    pub file_names: Vec<String>,
}

/// Runs `lifeboat run`. Returns only when the app could not be started, or with
/// `--check` when it could have been.
pub fn run(plan: RunPlan, log: &Log) -> Result<Checked, RunError> {
    // The one deadline starts here: everything the start does before the app (the cache,
    // the breaker, the client, the fetch, waiting for the snapshot) comes out of it.
    let deadline = Deadline::after(plan.timeout);
    // First, before anything can block: as PID 1, a SIGTERM would otherwise be lost.
    signals::stop_on_signals();
    let hardened = hygiene::harden();
    let (secrets, origin) = resolve(&plan, log, deadline)?;
    let origin: Vec<(String, String)> = origin
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    // Secrets chosen as files leave the environment; the app is told where they are. The
    // directory written is held until exec, which hands its lock to the app; a start that
    // ends before that removes it.
    let (secrets, origin, written, file_names) = match &plan.files {
        Some(files) => {
            let act = match plan.check {
                true => files::Act::CheckOnly,
                false => files::Act::Write,
            };
            let delivery = files::deliver(files, secrets, act).map_err(RunError::Files)?;
            let mut origin = origin;
            origin.extend(delivery.told);
            (delivery.rest, origin, delivery.written, delivery.names)
        }
        None => (secrets, origin, None, Vec::new()),
    };
    let env = build_child_env(
        std::env::vars_os(),
        &secrets,
        &origin,
        plan.env,
        &child_env::source_credentials(plan.source.as_ref()),
        &plan.command,
        hygiene::arg_max(),
    )
    .map_err(RunError::Environment)?;
    if !env.kept_existing.is_empty() {
        log.info(
            "existing_env_kept",
            &format!(
                "kept the existing value of {} over the secret (--keep-existing-env)",
                // A snapshot's names may be anything an older snapshot held.
                crate::redact::shown(&env.kept_existing.join(", "))
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
            file_names,
        });
    }
    // The decrypted secrets are wiped here; only the environment copy goes on.
    drop(secrets);
    let error = exec::exec(&plan.command, env.vars, &hardened);
    // Only when exec failed: the files go with the start.
    drop(written);
    Err(RunError::Exec { program, error })
}

/// The secrets to start with, and the variables that tell the app where they came from.
type Resolved = (Secrets, Vec<(&'static str, String)>);

/// A copy to start from when not live: the baked snapshot, or the runtime cache.
struct Copy {
    opened: Opened,
    from_cache: bool,
}

/// Fetches, opens, decides.
fn resolve(plan: &RunPlan, log: &Log, deadline: Deadline) -> Result<Resolved, RunError> {
    let configured = plan.source.as_ref().map(|spec| spec.configured_scope());
    let cache = plan
        .cache_dir
        .as_deref()
        .and_then(|dir| open_cache(dir, plan, deadline, log));
    let (live, backup, started) = match (&plan.source, plan.start) {
        (Some(spec), Start::LiveFirst | Start::LiveOnly) => {
            if let Some(copy) =
                breaker_copy(plan, cache.as_ref(), configured.as_ref(), deadline, log)
            {
                return Ok(from_copy(copy));
            }
            let started = Instant::now();
            let job = (plan.start == Start::LiveFirst).then(|| open_in_background(&plan.snapshot));
            let live_settings = settings_with_cache(plan, cache.as_ref());
            let fetched = spec
                .clone()
                .into_source(&live_settings)
                .and_then(|source| source.fetch(deadline));
            let live = match fetched {
                Ok(fetched) => {
                    if let Some(message) = crate::source::overridden_message(&fetched.overridden) {
                        log.event(
                            crate::log::Level::Warning,
                            "source_override",
                            &message,
                            serde_json::json!({ "names": fetched.overridden }),
                        );
                    }
                    Live::Fetched(fetched)
                }
                Err(error) => match service_class(&error) {
                    _ if reads_a_service(spec) && answer_unusable(&error) => {
                        Live::Failed(FailureClass::BadResponse, unusable_answer(error))
                    }
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
            let mut baked_scope = None;
            let mut vouched = plan.snapshot.signers.is_none();
            let baked = match job {
                None => Backup::NotOpened,
                Some(job) => {
                    let opened = joined(job, deadline);
                    baked_scope = opened.as_ref().ok().map(|o| o.metadata.source.clone());
                    vouched = vouches_for_cache(&opened, &plan.snapshot);
                    baked_copy(usable_snapshot(opened, &plan.snapshot, scope, log))
                }
            };
            // After a failure that falls back, the cache may be fresher than the image.
            let backup = match (&live, &cache) {
                (Live::Failed(class, _), Some(cache))
                    if plan.start == Start::LiveFirst && plan.policy.falls_back_on(*class) =>
                {
                    // `--check` changes nothing on disk, the breaker's record included.
                    if !plan.check {
                        remember(&cache.cache, *class, log);
                    }
                    let cached = read_cache(
                        cache,
                        plan,
                        configured.as_ref(),
                        (baked_scope.as_ref(), vouched),
                        log,
                    );
                    freshest(baked, cached, |c: &Copy| c.opened.metadata.created())
                }
                _ => baked,
            };
            (live, backup, started)
        }
        // Nothing to overlap with: opened right here, without a thread.
        _ => {
            let opened = open_snapshot(&plan.snapshot);
            let usable = usable_snapshot(opened, &plan.snapshot, configured.as_ref(), log);
            (Live::NotAsked, baked_copy(usable), Instant::now())
        }
    };
    match decide(plan.start, live, backup, &plan.policy) {
        Decision::Live { fetched, backup } => {
            let fetch_ms = started.elapsed().as_millis();
            log.info(
                "secrets_live",
                &format!("secrets from {} (live, {}, {fetch_ms} ms)", fetched.scope, counted(fetched.secrets.len(), "secret")),
                json!({"origin": "live", "source": fetched.scope, "secret_count": fetched.secrets.len(), "fetch_ms": fetch_ms}),
            );
            match &backup {
                Backup::Unusable(problem) => log.warn(
                    "snapshot_unusable",
                    &format!(
                        "the snapshot {} could not serve as a fallback if the service went down: {problem}",
                        plan.snapshot.path.display()
                    ),
                    json!({"snapshot": plan.snapshot.path.to_string_lossy(), "problem": problem.exit().name(), "exit_code": problem.exit().code(), "reason": problem.to_string()}),
                ),
                Backup::Usable(copy) => report_drift(log, plan, &fetched.secrets, &copy.opened),
                Backup::NotOpened => {}
            }
            // `--check` changes nothing on disk.
            if let Some(cache) = cache.as_ref().filter(|_| !plan.check) {
                write_cache(&cache.cache, &fetched, &backup, log);
            }
            Ok((fetched.secrets, vec![("LIFEBOAT_ORIGIN", "live".into())]))
        }
        Decision::Snapshot { opened, after } => {
            let failure = after.map(|(class, error)| (class, error.to_string()));
            let why = match &failure {
                Some((class, reason)) => Why::Fallback(*class, reason),
                None => Why::Offline,
            };
            log_snapshot_use(log, &opened, why);
            Ok(from_copy(opened))
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

/// The cache of `--cache-dir`, keyed by the runtime identity and the source's selector;
/// `None` (with a warning) when there is no runtime key that can key it. The identity
/// (and a token the selector needs) is read on a thread of its own and waited for within
/// the deadline: a key file on a filesystem that hangs must not hold the start.
fn open_cache(
    dir: &std::path::Path,
    plan: &RunPlan,
    deadline: Deadline,
    log: &Log,
) -> Option<CacheUse> {
    let identity_files = plan.snapshot.identity_files.clone();
    let selector = plan
        .source
        .as_ref()
        .map(|spec| (spec.clone(), plan.live.clone()));
    let dir_owned = dir.to_path_buf();
    let (answer, job) = std::sync::mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let made = load_identities(&identity_files, Passphrases::Refuse)
            .map_err(|e| CacheProblem::Unusable(e.to_string()))
            .and_then(|identities| {
                let selector = match &selector {
                    Some((spec, settings)) => spec.selector(settings),
                    None => zeroize::Zeroizing::new(b"offline".to_vec()),
                };
                let cache = Cache::new(&dir_owned, &identities, &selector)?;
                Ok(CacheUse { cache, identities })
            });
        let _ = answer.send(made);
    });
    let made = match job.recv_timeout(deadline.remaining()) {
        Ok(made) => made,
        Err(_) => Err(CacheProblem::Io(
            "the runtime key could not be read within the deadline; the cache is not used".into(),
        )),
    };
    match made {
        Ok(cache) => Some(cache),
        Err(problem) => {
            warn_cache(log, "cache_off", &problem);
            None
        }
    }
}

/// Writes the live secrets into the cache, to expire when the image's snapshot does. A
/// build that asked for an expiry is never outlived by a copy made at run time, so when
/// the image's snapshot could not be opened (its expiry unknown) nothing is written.
fn write_cache(
    cache: &Cache,
    fetched: &crate::source::Fetched,
    baked: &Backup<Copy, SnapshotProblem>,
    log: &Log,
) {
    let expires_at = match baked {
        Backup::Usable(copy) => copy.opened.metadata.expires_at.clone(),
        _ => {
            warn_cache(
                log,
                "cache_not_written",
                &CacheProblem::Io(
                    "not written: the image's snapshot could not be opened, so the expiry its build asked for is unknown"
                        .into(),
                ),
            );
            return;
        }
    };
    match cache.write(&fetched.secrets, &fetched.scope, expires_at) {
        Ok(()) => cache.forget_failure(),
        Err(problem) => warn_cache(log, "cache_not_written", &problem),
    }
}

/// Whether the image's snapshot, as opened, lets the runtime cache serve in its place.
/// With `--trusted-signers` only one that opened (its signature checked) does: the cache
/// holds what a start fetched beside that snapshot, and must not outlive its trust. A
/// snapshot refused, missing or too slow to check vouches for no copy.
fn vouches_for_cache(opened: &Result<Opened, SnapshotProblem>, plan: &SnapshotPlan) -> bool {
    plan.signers.is_none() || opened.is_ok()
}

/// The cached copy, if it is authentic, fresh enough and for this start's own scope, and
/// the image's snapshot (its scope, and whether it vouches for a copy) allows it; any
/// problem is a warning and no copy.
fn read_cache(
    cache: &CacheUse,
    plan: &RunPlan,
    configured: Option<&Scope>,
    (baked, vouched): (Option<&Scope>, bool),
    log: &Log,
) -> Option<Copy> {
    if !vouched {
        let reason = "not used: with --trusted-signers the cache serves only while the image's snapshot opens with a valid signature, and it did not".to_string();
        warn_cache(log, "cache_unusable", &CacheProblem::Unusable(reason));
        return None;
    }
    match cache.cache.read(&cache.identities) {
        Ok(None) => None,
        Ok(Some(opened)) => {
            // Held against the image's own snapshot too, where it opened.
            let checked = match baked.map(|b| check_scope(&opened.metadata.source, b, false)) {
                Some(ScopeCheck::Mismatch(mismatch)) => Err(format!(
                    "the cache was written for another scope than the image's snapshot: {}",
                    mismatch.reason
                )),
                _ => check_copy(opened, &plan.snapshot, configured),
            };
            match checked {
                Ok(opened) => Some(Copy {
                    opened,
                    from_cache: true,
                }),
                Err(reason) => {
                    warn_cache(log, "cache_unusable", &CacheProblem::Unusable(reason));
                    None
                }
            }
        }
        Err(problem) => {
            warn_cache(log, "cache_unusable", &problem);
            None
        }
    }
}

/// The crash-loop breaker: within the cooldown after a failed live fetch, start from the
/// freshest usable copy without asking the service. `None` (ask the service) when there
/// is no cache, no recent failure, or no usable copy: the breaker never makes a start
/// fail that the service could have served.
fn breaker_copy(
    plan: &RunPlan,
    cache: Option<&CacheUse>,
    configured: Option<&Scope>,
    deadline: Deadline,
    log: &Log,
) -> Option<Copy> {
    let cache_use = cache?;
    let cache = &cache_use.cache;
    if plan.start != Start::LiveFirst {
        return None;
    }
    let failed = cache.last_failure()?;
    let now = SystemTime::now();
    let jitter = cache::draw_jitter();
    let skip = cache::within_cooldown(
        failed,
        now,
        plan.live_cooldown,
        jitter,
        plan.policy.falls_back_on(failed.class),
    );
    if !skip {
        return None;
    }
    // Opened on its thread and waited for within the deadline, as on any start.
    let opened = joined(open_in_background(&plan.snapshot), deadline);
    let baked_scope = opened.as_ref().ok().map(|o| o.metadata.source.clone());
    let vouched = vouches_for_cache(&opened, &plan.snapshot);
    let baked = baked_copy(usable_snapshot(opened, &plan.snapshot, configured, log));
    let cached = read_cache(
        cache_use,
        plan,
        configured,
        (baked_scope.as_ref(), vouched),
        log,
    );
    let copy = match freshest(baked, cached, |c: &Copy| c.opened.metadata.created()) {
        Backup::Usable(copy) => copy,
        _ => return None,
    };
    let ago = now.duration_since(failed.at).unwrap_or_default();
    // The window this start held, jitter included: the configured cooldown alone would
    // read "failed 31s ago … within the cooldown of 30s".
    let window = cache::cooldown_window(plan.live_cooldown, jitter);
    log.warn(
        "live_skipped",
        &format!(
            "the live fetch failed {} ago ({}); within this start's cooldown of {} (--live-cooldown {}, jittered), not asking again",
            describe(ago),
            failed.class,
            describe(window),
            describe(plan.live_cooldown)
        ),
        json!({"class": failed.class.name(), "failed_seconds_ago": ago.as_secs(), "cooldown_seconds": plan.live_cooldown.as_secs(), "window_seconds": window.as_secs()}),
    );
    log_snapshot_use(log, &copy, Why::Breaker);
    Some(copy)
}

/// The live settings, as the cache changes them: after a remembered failure one request
/// and no retries (the breaker is the retry, every cooldown), and a rate limit (429) is
/// given way to at once, the cache or the image having a copy; otherwise as planned, so
/// a single transient error never leaves a pod on old secrets.
fn settings_with_cache(plan: &RunPlan, cache: Option<&CacheUse>) -> crate::source::LiveSettings {
    let mut settings = plan.live.clone();
    if let Some(cache) = cache {
        settings.single_attempt = cache.cache.last_failure().is_some();
        settings.no_rate_limit_retry = true;
    }
    settings
}

/// Remembers a failed live fetch for the breaker (a warning if it cannot).
fn remember(cache: &Cache, class: FailureClass, log: &Log) {
    let failed = cache::Failed {
        at: SystemTime::now(),
        class,
    };
    if let Err(problem) = cache.remember_failure(failed) {
        warn_cache(log, "breaker_not_written", &problem);
    }
}

fn warn_cache(log: &Log, event: &str, problem: &CacheProblem) {
    log.warn(
        event,
        &format!("runtime cache: {problem}"),
        json!({"reason": problem.to_string()}),
    );
}

/// The live secrets against the snapshot, when they differ: counts, and names where the
/// snapshot published them or `--show-names` asks. Never a value.
fn report_drift(log: &Log, plan: &RunPlan, live: &Secrets, copy: &Opened) {
    let drift = Drift::between(live, &copy.secrets);
    if drift.is_empty() {
        return;
    }
    let named = plan.show_names || copy.metadata.names.is_some();
    let names = if named {
        format!(" ({})", drift.names())
    } else {
        " (--show-names names them)".to_string()
    };
    let mut fields = json!({
        "snapshot_id": copy.metadata.id,
        "added": drift.added.len(),
        "removed": drift.removed.len(),
        "changed": drift.changed.len(),
    });
    if named {
        fields["added_names"] = json!(drift.added);
        fields["removed_names"] = json!(drift.removed);
        fields["changed_names"] = json!(drift.changed);
    }
    log.warn(
        "snapshot_drift",
        &format!(
            "the snapshot {} differs from the live secrets: {} since it was made{names}; a fallback now would start on old secrets",
            copy.metadata.id,
            drift.counts()
        ),
        fields,
    );
}

/// The decision's view of the baked snapshot.
fn baked_copy(usable: Result<Opened, SnapshotProblem>) -> Backup<Copy, SnapshotProblem> {
    match usable {
        Ok(opened) => Backup::Usable(Copy {
            opened,
            from_cache: false,
        }),
        Err(problem) => Backup::Unusable(problem),
    }
}

/// Whether a live source answered with secrets lifeboat cannot pass on: none at all, a
/// name that cannot be a variable, a NUL in a value, two that make one name. At run time
/// that is the service's answer going wrong (one bad key added at the source), so it is a
/// `bad-response`, which falls back by default; `snapshot` and `diff` refuse it still.
fn answer_unusable(error: &SourceError) -> bool {
    matches!(
        error,
        SourceError::Empty(_) | SourceError::InvalidSecret { .. } | SourceError::Conflict { .. }
    )
}

/// Whether the source asks a service (a `file:` or `env:` source alone is lifeboat's own
/// input, and its errors stay what they are).
fn reads_a_service(spec: &crate::source::SourceSpec) -> bool {
    use crate::source::SourceSpec;
    match spec {
        SourceSpec::Env { .. } | SourceSpec::File { .. } => false,
        SourceSpec::Several(specs) => specs.iter().any(reads_a_service),
        _ => true,
    }
}

/// The same error as a `bad-response` of the live fetch, its words kept (names, never
/// values).
fn unusable_answer(error: SourceError) -> SourceError {
    SourceError::Fetch {
        origin: "the live answer".into(),
        error: crate::http::FetchError::service(
            FailureClass::BadResponse,
            format!("{error}; lifeboat cannot use this answer"),
        ),
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

fn from_copy(copy: Copy) -> Resolved {
    let origin = vec![
        (
            "LIFEBOAT_ORIGIN",
            if copy.from_cache { "cache" } else { "snapshot" }.to_string(),
        ),
        ("LIFEBOAT_SNAPSHOT_ID", copy.opened.metadata.id.clone()),
        (
            "LIFEBOAT_SNAPSHOT_CREATED_AT",
            copy.opened.metadata.created_at.clone(),
        ),
    ];
    (copy.opened.secrets, origin)
}

/// Why a start uses a copy rather than live secrets.
enum Why<'a> {
    /// `--offline`.
    Offline,
    /// The live fetch failed, in this class, for this reason.
    Fallback(FailureClass, &'a str),
    /// The breaker: a live fetch failed within the cooldown.
    Breaker,
}

fn log_snapshot_use(log: &Log, copy: &Copy, why: Why) {
    let opened = &copy.opened;
    let metadata = &opened.metadata;
    let age = metadata.age_at(SystemTime::now());
    let kind = if copy.from_cache {
        "the runtime cache"
    } else {
        "snapshot"
    };
    let about = format!(
        "{kind} {} (created {}, {} old, {})",
        metadata.id,
        metadata.created_at,
        describe(age),
        counted(opened.secrets.len(), "secret")
    );
    let mut fields = json!({
        "origin": if copy.from_cache { "cache" } else { "snapshot" },
        "snapshot_id": metadata.id,
        "created_at": metadata.created_at,
        "age_seconds": age.as_secs(),
        "secret_count": opened.secrets.len(),
        "source": metadata.source,
    });
    match why {
        Why::Fallback(class, reason) => {
            fields["class"] = json!(class.name());
            fields["reason"] = json!(reason);
            log.warn(
                "fallback",
                &format!("the live fetch failed ({reason}); starting from {about}"),
                fields,
            );
        }
        Why::Offline => log.info(
            "secrets_snapshot",
            &format!("secrets from {about}, offline"),
            fields,
        ),
        Why::Breaker => log.warn(
            "fallback",
            &format!("starting from {about}, without asking the service"),
            fields,
        ),
    }
}
