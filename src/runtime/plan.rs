//! What `run` is to do, as plain data: the command layer builds it from the parsed
//! arguments, and nothing in the runtime knows how it was asked for.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use super::{EnvOptions, FallbackPolicy};
use crate::signature::AllowedSigners;
use crate::snapshot::Pin;
use crate::source::{LiveSettings, SourceSpec};

/// Where a start may take its secrets from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The live source, with the snapshot as fallback (the default).
    LiveFirst,
    /// The snapshot alone; the network is never touched (`--offline`).
    Offline,
    /// The live source alone; the snapshot is never opened (`--live-only`).
    LiveOnly,
}

/// The snapshot to fall back on, and what it must satisfy.
#[derive(Clone, Debug)]
pub struct SnapshotPlan {
    /// Its path.
    pub path: PathBuf,
    /// The identity files that open it (empty: `LIFEBOAT_IDENTITY` holds the key text).
    pub identity_files: Vec<PathBuf>,
    /// The pinned sha256, checked before the file is parsed.
    pub pin: Option<Pin>,
    /// The oldest it may be.
    pub max_age: Option<Duration>,
    /// A snapshot made from another kind of source may serve (`--allow-other-source`).
    pub other_source_allowed: bool,
    /// The keys trusted to sign it (`--trusted-signers`): its signature is checked after
    /// the pin, before the file is parsed; the runtime cache serves only while it passes.
    pub signers: Option<AllowedSigners>,
}

/// One start, decided.
#[derive(Debug)]
pub struct RunPlan {
    /// Where the secrets may come from.
    pub start: Start,
    /// The live source; `None` only with [`Start::Offline`].
    pub source: Option<SourceSpec>,
    /// Its settings.
    pub live: LiveSettings,
    /// The one deadline for the whole live fetch.
    pub timeout: Duration,
    /// Which failure classes fall back.
    pub policy: FallbackPolicy,
    /// The snapshot.
    pub snapshot: SnapshotPlan,
    /// How the app's environment is made.
    pub env: EnvOptions,
    /// The app and its arguments.
    pub command: Vec<OsString>,
    /// Do everything but the exec, and report (`--check`).
    pub check: bool,
    /// The runtime cache and the breaker's memory (`--cache-dir`).
    pub cache_dir: Option<PathBuf>,
    /// How long after a failed live fetch starts skip the network (`--live-cooldown`).
    pub live_cooldown: Duration,
    /// Name the secrets that drifted (`--show-names`), not only count them.
    pub show_names: bool,
    /// Secrets delivered as files (`--files-dir`).
    pub files: Option<super::FilesPlan>,
}
