//! The command line as users type it. This is the public contract of SPEC.md: command
//! names, flags and environment variables do not change lightly. Parsing only; what the
//! values mean is decided in `commands`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration;
use crate::snapshot::{Pin, DEFAULT_PATH};

/// A yes-or-no value as people write it in environments: `1/0`, `true/false`, `yes/no`,
/// `on/off`, in any case.
pub fn boolish(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        "0" | "false" | "no" | "off" | "n" | "f" | "" => Ok(false),
        _ => Err("expected 1 or 0, true or false, yes or no, on or off (any case)".into()),
    }
}

/// What `--version` prints after the name: the release and the commit it was built from
/// (`build.rs`; "-modified" when the tree had uncommitted changes).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("LIFEBOAT_COMMIT"),
    ")"
);

/// Keeps services bootable when their secrets service is down.
///
/// Seal secrets into an age-encrypted snapshot at image build, start from live secrets
/// with the snapshot as fallback, recover with a break-glass key in an outage.
#[derive(Debug, Parser)]
#[command(name = "lifeboat", version = VERSION, propagate_version = true)]
pub struct Cli {
    /// How messages on stderr are written: human text, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "LIFEBOAT_LOG_FORMAT", hide_env_values = true)]
    pub log_format: LogFormat,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The form of messages on stderr (the flag's values; `log::LogFormat` is what the log
/// takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl From<LogFormat> for crate::log::LogFormat {
    fn from(format: LogFormat) -> Self {
        match format {
            LogFormat::Text => crate::log::LogFormat::Text,
            LogFormat::Json => crate::log::LogFormat::Json,
        }
    }
}

/// The subcommands. Each one's flags are built only when it runs (`defer`): a container
/// start pays for parsing `run`'s flags, not for constructing every subcommand's. A
/// deferred subcommand takes its description from its arguments struct, so each struct's
/// doc comment repeats its variant's (`tests/cmd/help-*.toml` pin the result).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Make a new X25519 key; print its age1… recipient (with -y: print a key file's recipients).
    Keygen(KeygenArgs),
    /// Read secrets from a source and seal them into a snapshot file.
    Snapshot(SnapshotArgs),
    /// Show what a snapshot says about itself, with no key.
    Inspect(InspectArgs),
    /// Open a snapshot with a key and check it, printing no secret value.
    Verify(VerifyArgs),
    /// Break-glass: open a snapshot with a key and print or write its secrets.
    Recover(RecoverArgs),
    /// The entrypoint: live secrets first, the snapshot as fallback, then exec the app.
    Run(RunArgs),
    /// Compare a snapshot with the live source: names added, removed, changed; no values.
    Diff(DiffArgs),
    /// Seal a snapshot's secrets to other keys: key rotation without a rebuild.
    Rekey(RekeyArgs),
    /// Print a shell's completion script: `source <(lifeboat completions bash)`.
    Completions(CompletionsArgs),
}

/// What `run --help` adds after the flags: what the app receives, and where the
/// providers' settings come from.
const RUN_AFTER_HELP: &str = "\
The app receives lifeboat's environment, plus the secrets (a secret wins
over an inherited variable of the same name unless --keep-existing-env),
minus the runtime key (LIFEBOAT_IDENTITY, LIFEBOAT_IDENTITY_FILE) unless
--keep-identity, minus the credentials of the configured sources unless
--keep-credentials:
  doppler           DOPPLER_TOKEN
  vault             VAULT_TOKEN, VAULT_ROLE_ID, VAULT_SECRET_ID
  https             LIFEBOAT_HTTP_TOKEN
  aws-sm, aws-ssm   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                    AWS_SESSION_TOKEN
plus:
  LIFEBOAT_ORIGIN               live, snapshot or cache (--cache-dir)
  LIFEBOAT_SNAPSHOT_ID          the copy's id (when started from one)
  LIFEBOAT_SNAPSHOT_CREATED_AT  when it was made
  LIFEBOAT_FILES_DIR            the start's directory of files

Provider settings come from the providers' own variables:
  doppler           DOPPLER_TOKEN, DOPPLER_PROJECT, DOPPLER_CONFIG,
                    DOPPLER_API_HOST
  vault:MOUNT/PATH  VAULT_ADDR, VAULT_TOKEN, VAULT_ROLE_ID and
                    VAULT_SECRET_ID, VAULT_NAMESPACE, VAULT_CACERT
  https://…         LIFEBOAT_HTTP_TOKEN (a bearer token)
Proxies: https_proxy, http_proxy, all_proxy, no_proxy (and upper case).
The runtime key: LIFEBOAT_IDENTITY (the key text) or
LIFEBOAT_IDENTITY_FILE (-i).

A SIGTERM, SIGINT or SIGHUP before the app starts ends lifeboat with
128+n; one lifeboat was started with ignored (nohup) stays ignored.";

/// Make a new X25519 key; print its age1… recipient (with -y: print a key file's recipients).
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the identity to FILE (mode 0600; an existing file is never replaced) and
    /// print only the recipient. Without it the identity goes to stdout.
    #[arg(
        short,
        long,
        value_name = "FILE",
        env = "LIFEBOAT_OUTPUT",
        hide_env_values = true
    )]
    pub output: Option<PathBuf>,

    /// Make a hybrid post-quantum key (ML-KEM-768 + X25519, age 1.3's `age1pq1…`), which
    /// a future quantum computer cannot break. Its recipient is about 2,000 characters.
    #[arg(long)]
    pub pq: bool,

    /// Protect the identity file with a passphrase, asked twice on the terminal: a
    /// break-glass key a person can hold. The file is an age file (armored) that `age -d`
    /// and rage also open; needs --output.
    #[arg(long, requires = "output")]
    pub passphrase: bool,

    /// Print the recipient (public key) of every identity in INPUT, one a line, as
    /// `age-keygen -y` does; a passphrase-protected file is asked for on the terminal.
    /// Reads standard input without INPUT (or with -).
    #[arg(short = 'y', conflicts_with_all = ["pq", "passphrase", "output"])]
    pub recipients: bool,

    /// The identity file for -y.
    #[arg(value_name = "INPUT", requires = "recipients")]
    pub input: Option<PathBuf>,
}

/// Read secrets from a source and seal them into a snapshot file.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Where the secrets come from: doppler, vault:MOUNT/PATH, aws-sm:SECRET,
    /// aws-ssm:/PATH/, https://… (a flat JSON object of strings), env:PREFIX, or
    /// file:PATH (dotenv or flat JSON). Repeat it (or separate with commas) to merge
    /// several in order.
    #[arg(
        long,
        value_name = "SRC",
        env = "LIFEBOAT_SOURCE",
        hide_env_values = true,
        required = true
    )]
    pub source: Vec<String>,

    /// Settings for the live sources.
    #[command(flatten)]
    pub live: LiveArgs,

    /// The total time for fetching from a live source, retries included.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_TIMEOUT", hide_env_values = true, value_parser = duration::parse, default_value = "30s")]
    pub timeout: Duration,

    /// The keys to seal to.
    #[command(flatten)]
    pub recipients: RecipientArgs,

    /// The snapshot file to write (replaced atomically if it exists).
    #[arg(short, long, value_name = "OUT", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub output: PathBuf,

    /// Make the snapshot expire after DUR (90s, 5m, 12h, 30d): `run` and `verify` refuse
    /// it afterwards; `recover` still opens it.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_EXPIRES_IN", hide_env_values = true, value_parser = duration::parse)]
    pub expires_in: Option<Duration>,

    /// Record the secret names in the metadata that `inspect` shows with no key.
    #[arg(long, env = "LIFEBOAT_PUBLISH_NAMES", hide_env_values = true, value_parser = boolish)]
    pub publish_names: bool,

    /// The build this snapshot is made in (a timestamp, the CI run id), shown in the
    /// summary. In a Dockerfile it is the `LIFEBOAT_BUILD_ID` build argument, which makes
    /// the snapshot step re-run on every build.
    #[arg(
        long,
        value_name = "ID",
        env = "LIFEBOAT_BUILD_ID",
        hide_env_values = true
    )]
    pub build_id: Option<String>,

    /// Refuse to run without a build id (Dockerfile.example sets it): BuildKit would
    /// otherwise reuse a cached snapshot with old secrets without a word.
    #[arg(long)]
    pub require_build_id: bool,

    /// Sign the snapshot with this OpenSSH Ed25519 private key (a build secret; a
    /// passphrase-protected one is asked for on the terminal): writes OUT.sig beside it,
    /// an SSH signature for the namespace lifeboat-snapshot that `ssh-keygen -Y verify`
    /// and `run --trusted-signers` check.
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_SIGN_KEY_FILE",
        hide_env_values = true
    )]
    pub sign_key: Option<PathBuf>,

    /// Print the summary as one JSON object (path, id, secret count, source, sha256), for
    /// scripts that pin the snapshot.
    #[arg(long)]
    pub json: bool,
}

/// Flags of the live sources (the rest comes from each provider's own variables:
/// DOPPLER_TOKEN, DOPPLER_PROJECT, DOPPLER_CONFIG, DOPPLER_API_HOST; VAULT_ADDR,
/// VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT, VAULT_ROLE_ID, VAULT_SECRET_ID;
/// LIFEBOAT_HTTP_TOKEN).
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID).
    /// Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN.
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_TOKEN_FILE",
        hide_env_values = true
    )]
    pub token_file: Option<PathBuf>,

    /// Also trust the CA certificates in FILE (PEM). Repeatable.
    #[arg(
        long = "ca-file",
        value_name = "FILE",
        env = "LIFEBOAT_CA_FILE",
        hide_env_values = true
    )]
    pub ca_files: Vec<PathBuf>,

    /// Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID).
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_ROLE_ID_FILE",
        hide_env_values = true
    )]
    pub role_id_file: Option<PathBuf>,

    /// Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID).
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_SECRET_ID_FILE",
        hide_env_values = true
    )]
    pub secret_id_file: Option<PathBuf>,

    /// How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or
    /// the kubernetes or jwt method with a service-account token or another JWT. Default:
    /// token, or AppRole when its ids are given.
    #[arg(
        long,
        value_enum,
        value_name = "METHOD",
        env = "LIFEBOAT_VAULT_AUTH",
        hide_env_values = true
    )]
    pub vault_auth: Option<VaultAuth>,

    /// The Vault role to log in as (kubernetes and jwt logins).
    #[arg(
        long,
        value_name = "ROLE",
        env = "LIFEBOAT_VAULT_ROLE",
        hide_env_values = true
    )]
    pub vault_role: Option<String>,

    /// Where the login method is mounted (default: its name, `auth/kubernetes`, …).
    #[arg(
        long,
        value_name = "PATH",
        env = "LIFEBOAT_VAULT_AUTH_MOUNT",
        hide_env_values = true
    )]
    pub vault_auth_mount: Option<String>,

    /// The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default
    /// /var/run/secrets/kubernetes.io/serviceaccount/token).
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_JWT_FILE",
        hide_env_values = true
    )]
    pub jwt_file: Option<PathBuf>,

    /// The variable name for an AWS Secrets Manager secret that is a plain string, not a
    /// JSON object.
    #[arg(
        long = "name",
        value_name = "NAME",
        env = "LIFEBOAT_SECRET_NAME",
        hide_env_values = true
    )]
    pub secret_name: Option<String>,

    /// With several sources: a later source may replace a name an earlier one defined
    /// (the names replaced are reported); without it, that is an error.
    #[arg(long, env = "LIFEBOAT_ALLOW_OVERRIDE", hide_env_values = true, value_parser = boolish)]
    pub allow_override: bool,
}

/// The Vault/OpenBao login methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VaultAuth {
    /// A token: VAULT_TOKEN or --token-file.
    Token,
    /// AppRole: VAULT_ROLE_ID and VAULT_SECRET_ID, or their files.
    Approle,
    /// The kubernetes method: the pod's service-account token and --vault-role.
    Kubernetes,
    /// The jwt method: a JWT from --jwt-file, and --vault-role (or the method's default role).
    Jwt,
}

/// The keys a snapshot is sealed to (`snapshot`, `rekey`).
#[derive(Debug, Args)]
pub struct RecipientArgs {
    /// A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as
    /// LABEL=KEY. Repeat for several; comma- or newline-separated in the variable.
    #[arg(
        short = 'r',
        long = "recipient",
        value_name = "RECIPIENT",
        env = "LIFEBOAT_RECIPIENTS",
        hide_env_values = true,
        allow_hyphen_values = true,
        value_delimiter = ','
    )]
    pub recipients: Vec<String>,

    /// A file of recipients, one a line (age's recipients-file format). Repeatable.
    #[arg(
        short = 'R',
        long = "recipients-file",
        value_name = "FILE",
        env = "LIFEBOAT_RECIPIENTS_FILE",
        hide_env_values = true
    )]
    pub recipients_files: Vec<PathBuf>,
}

/// Taking the snapshot out of an image archive instead of a file.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Read the snapshot from an image archive without running it: an OCI archive
    /// (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save
    /// tarball.
    #[arg(
        long,
        value_name = "ARCHIVE",
        env = "LIFEBOAT_IMAGE",
        hide_env_values = true
    )]
    pub image: Option<PathBuf>,

    /// The snapshot's path inside the image.
    #[arg(long, value_name = "PATH", env = "LIFEBOAT_PATH", hide_env_values = true, default_value = DEFAULT_PATH, requires = "image")]
    pub path: String,

    /// Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64).
    /// By default the host's.
    #[arg(
        long,
        value_name = "OS/ARCH",
        env = "LIFEBOAT_PLATFORM",
        hide_env_values = true,
        requires = "image"
    )]
    pub platform: Option<String>,

    /// Of an archive holding several images (a docker save of many tags), the one to
    /// read: a tag (app:1.2.3) or an OCI ref name.
    #[arg(
        long,
        value_name = "REF",
        env = "LIFEBOAT_IMAGE_REF",
        hide_env_values = true,
        requires = "image"
    )]
    pub image_ref: Option<String>,
}

/// Show what a snapshot says about itself, with no key.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The snapshot file.
    #[arg(value_name = "FILE", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub file: PathBuf,

    /// Or: the image archive to read it from.
    #[command(flatten)]
    pub image: ImageArgs,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The identities that open a snapshot, shared by `verify` and `recover`.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted
    /// OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used.
    #[arg(
        short = 'i',
        long = "identity",
        value_name = "IDENTITY",
        env = "LIFEBOAT_IDENTITY_FILE",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub identity_files: Vec<PathBuf>,
}

/// The snapshot a deployment pinned, shared by `verify`, `recover` and `run`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256
    /// `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside
    /// the image: age cannot tell who sealed a file.
    #[arg(
        long = "expect-sha256",
        value_name = "HEX",
        env = "LIFEBOAT_SNAPSHOT_SHA256",
        hide_env_values = true,
        value_parser = Pin::parse
    )]
    pub expect_sha256: Option<Pin>,
}

/// The keys trusted to sign snapshots, shared by `verify` and `run`.
#[derive(Debug, Args)]
pub struct SignerArgs {
    /// Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig
    /// beside it) by a key in FILE, OpenSSH's allowed_signers format, for the namespace
    /// lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured).
    #[arg(
        long,
        value_name = "FILE",
        env = "LIFEBOAT_TRUSTED_SIGNERS",
        hide_env_values = true
    )]
    pub trusted_signers: Option<PathBuf>,
}

/// Open a snapshot with a key and check it, printing no secret value.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The snapshot file.
    #[arg(value_name = "FILE", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub file: PathBuf,

    /// Or: the image archive to read it from.
    #[command(flatten)]
    pub image: ImageArgs,

    /// Keys to open it with.
    #[command(flatten)]
    pub identities: IdentityArgs,

    /// The pinned snapshot, if any.
    #[command(flatten)]
    pub pin: PinArgs,

    /// The trusted signers, if any.
    #[command(flatten)]
    pub signers: SignerArgs,

    /// Refuse a snapshot older than DUR (90s, 5m, 12h, 30d).
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_MAX_AGE", hide_env_values = true, value_parser = duration::parse)]
    pub max_age: Option<Duration>,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// How `recover` prints secrets (the flag's values; `export::Format` renders them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecoverFormat {
    /// NAME=value lines, values as they are (refused for values with a newline).
    Env,
    /// NAME="value" lines with escapes; reads back with `lifeboat snapshot --source file:`.
    Dotenv,
    /// One JSON object of strings.
    Json,
    /// export NAME='value' lines for a POSIX shell.
    Shell,
    /// Docker's --env-file syntax (no quoting: values with a line break are refused).
    EnvFile,
    /// A Kubernetes v1 Secret manifest (--name, --namespace), for `kubectl apply -f -`.
    Kubernetes,
}

/// Break-glass: open a snapshot with a key and print or write its secrets.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The snapshot file (as `inspect` and `verify` take it; wins over --snapshot).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The snapshot file.
    #[arg(long, value_name = "FILE", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub snapshot: PathBuf,

    /// Or: the image archive to read it from.
    #[command(flatten)]
    pub image: ImageArgs,

    /// Keys to open it with.
    #[command(flatten)]
    pub identities: IdentityArgs,

    /// The pinned snapshot, if any.
    #[command(flatten)]
    pub pin: PinArgs,

    /// The output format.
    #[arg(long, value_enum, default_value_t = RecoverFormat::Dotenv, env = "LIFEBOAT_FORMAT", hide_env_values = true)]
    pub format: RecoverFormat,

    /// Write to FILE (mode 0600) instead of stdout. An existing file is never replaced
    /// unless --force is given.
    #[arg(
        short,
        long,
        value_name = "FILE",
        env = "LIFEBOAT_OUTPUT",
        hide_env_values = true
    )]
    pub output: Option<PathBuf>,

    /// Replace an existing output file (atomically).
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Recover only these secrets (repeatable, or comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub only: Vec<String>,

    /// With --format kubernetes: the Secret's name.
    #[arg(long, value_name = "NAME", default_value = "lifeboat-recovered")]
    pub name: String,

    /// With --format kubernetes: the Secret's namespace (none: kubectl's current one).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// The entrypoint: live secrets first, the snapshot as fallback, then exec the app.
#[derive(Debug, Args)]
#[command(after_long_help = RUN_AFTER_HELP)]
pub struct RunArgs {
    /// The snapshot to fall back on.
    #[arg(long, value_name = "FILE", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub snapshot: PathBuf,

    /// The live source: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/,
    /// https://… (also env:PREFIX, file:PATH). Repeat it (or separate with commas) to
    /// merge several in order.
    #[arg(
        long,
        value_name = "SRC",
        env = "LIFEBOAT_SOURCE",
        hide_env_values = true
    )]
    pub source: Vec<String>,

    /// Settings for the live sources.
    #[command(flatten)]
    pub live: LiveArgs,

    /// Keys that open the snapshot (the runtime key); LIFEBOAT_IDENTITY may hold key text.
    #[command(flatten)]
    pub identities: IdentityArgs,

    /// The pinned snapshot, if any.
    #[command(flatten)]
    pub pin: PinArgs,

    /// The trusted signers, if any.
    #[command(flatten)]
    pub signers: SignerArgs,

    /// The total time for the live fetch: connecting, retries and the body.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_TIMEOUT", hide_env_values = true, value_parser = duration::parse, default_value = "5s")]
    pub timeout: Duration,

    /// Refuse a snapshot older than DUR.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_MAX_AGE", hide_env_values = true, value_parser = duration::parse)]
    pub max_age: Option<Duration>,

    /// The failure classes that fall back to the snapshot: unreachable, server-error,
    /// bad-response, denied, not-found (comma-separated; also all or none).
    #[arg(long, value_name = "CLASSES", env = "LIFEBOAT_FALLBACK_ON", hide_env_values = true, default_value = crate::runtime::DEFAULT_FALLBACK_ON, value_parser = ClassList, hide_possible_values = true)]
    pub fallback_on: String,

    /// Let a snapshot made for another scope serve: another provider (a file: snapshot as
    /// the fallback for a live service, say), another Doppler project or config, Vault
    /// namespace, mount or path, AWS secret or region, or URL path or query. By default
    /// another scope is refused (exit 23); with this it serves, with a warning.
    #[arg(long, env = "LIFEBOAT_ALLOW_OTHER_SOURCE", hide_env_values = true, value_parser = boolish)]
    pub allow_other_source: bool,

    /// Never touch the network: start from the snapshot.
    #[arg(
        long,
        env = "LIFEBOAT_OFFLINE",
        hide_env_values = true,
        value_parser = boolish
    )]
    pub offline: bool,

    /// Never open the snapshot: start from live secrets or not at all.
    #[arg(long, env = "LIFEBOAT_LIVE_ONLY", hide_env_values = true, value_parser = boolish)]
    pub live_only: bool,

    /// When a secret and an inherited variable share a name, keep the inherited value
    /// (by default the secret wins).
    #[arg(long, env = "LIFEBOAT_KEEP_EXISTING_ENV", hide_env_values = true, value_parser = boolish)]
    pub keep_existing_env: bool,

    /// Pass the configured sources' credentials (DOPPLER_TOKEN; VAULT_TOKEN,
    /// VAULT_ROLE_ID, VAULT_SECRET_ID; LIFEBOAT_HTTP_TOKEN; the AWS static keys) on to the
    /// app; by default those of the sources lifeboat reads are removed. Not the runtime
    /// key: that is --keep-identity.
    #[arg(long, env = "LIFEBOAT_KEEP_CREDENTIALS", hide_env_values = true, value_parser = boolish)]
    pub keep_credentials: bool,

    /// Pass the runtime key (LIFEBOAT_IDENTITY, LIFEBOAT_IDENTITY_FILE) on to the app; by
    /// default it is removed. It opens every snapshot sealed to it.
    #[arg(long, env = "LIFEBOAT_KEEP_IDENTITY", hide_env_values = true, value_parser = boolish)]
    pub keep_identity: bool,

    /// A directory for the runtime cache and the crash-loop breaker (a memory emptyDir,
    /// which outlives container restarts): after each live fetch the secrets are sealed
    /// there to the runtime key, and on fallback the fresher of it and the baked
    /// snapshot serves. A missing, read-only or full directory only warns.
    #[arg(
        long,
        value_name = "DIR",
        env = "LIFEBOAT_CACHE_DIR",
        hide_env_values = true
    )]
    pub cache_dir: Option<PathBuf>,

    /// With --cache-dir: after a live fetch failed (in a class that falls back), starts
    /// within DUR (stretched by up to half, at random, per start) go straight to the
    /// freshest copy without asking the service. 0s turns the breaker off.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_LIVE_COOLDOWN", hide_env_values = true, value_parser = duration::parse_or_zero, default_value = "30s")]
    pub live_cooldown: Duration,

    /// Name the secrets that drifted from the snapshot (added, removed, changed), not
    /// only count them. Never their values.
    #[arg(long, env = "LIFEBOAT_SHOW_NAMES", hide_env_values = true, value_parser = boolish)]
    pub show_names: bool,

    /// Deliver the secrets named by --file as files (mode 0400) in a directory of this
    /// start's own that lifeboat makes in DIR (DIR/lifeboat-UID-RANDOM, mode 0700), which
    /// must be on a memory filesystem (tmpfs, ramfs) unless --allow-disk. The app is told
    /// that directory in LIFEBOAT_FILES_DIR. Nothing else in DIR is touched.
    #[arg(
        long,
        value_name = "DIR",
        env = "LIFEBOAT_FILES_DIR",
        hide_env_values = true
    )]
    pub files_dir: Option<PathBuf>,

    /// With --files-dir: a secret to deliver as a file instead of in the environment
    /// (repeatable, or comma-separated; '*' for all).
    #[arg(
        long = "file",
        value_name = "NAME",
        env = "LIFEBOAT_FILES",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub files: Vec<String>,

    /// With --files-dir: also set NAME_FILE to each file's path, as Docker's official
    /// images read secrets.
    #[arg(long, env = "LIFEBOAT_FILE_ENV", hide_env_values = true, value_parser = boolish)]
    pub file_env: bool,

    /// With --files-dir: allow a directory on a disk (the files outlive the container).
    #[arg(long, env = "LIFEBOAT_ALLOW_DISK", hide_env_values = true, value_parser = boolish)]
    pub allow_disk: bool,

    /// Do everything but start the app (the live fetch, opening and checking the snapshot,
    /// the environment, finding the command), print what would have happened, and exit
    /// with the code `run` would have had.
    #[arg(long, env = "LIFEBOAT_CHECK", hide_env_values = true, value_parser = boolish)]
    pub check: bool,

    /// The app and its arguments, after `--` (which is required: a mistyped flag before it
    /// is an error, never the app).
    #[arg(value_name = "CMD", required = true, num_args = 1.., last = true)]
    pub command: Vec<std::ffi::OsString>,
}

/// Compare a snapshot with the live source: names added, removed, changed; no values.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The snapshot file.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The snapshot file.
    #[arg(long, value_name = "FILE", env = "LIFEBOAT_SNAPSHOT", hide_env_values = true, default_value = DEFAULT_PATH)]
    pub snapshot: PathBuf,

    /// Or: the image archive to read it from.
    #[command(flatten)]
    pub image: ImageArgs,

    /// Keys to open it with.
    #[command(flatten)]
    pub identities: IdentityArgs,

    /// The live source to compare with: doppler, vault:MOUNT/PATH, aws-sm:SECRET,
    /// aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH); repeat it to merge several.
    /// Without it, the source the snapshot recorded (its provider's settings, such as
    /// the token and the service address, still come from the environment).
    #[arg(
        long,
        value_name = "SRC",
        env = "LIFEBOAT_SOURCE",
        hide_env_values = true
    )]
    pub source: Vec<String>,

    /// Settings for the live sources.
    #[command(flatten)]
    pub live: LiveArgs,

    /// The total time for the live fetch, retries included.
    #[arg(long, value_name = "DUR", env = "LIFEBOAT_TIMEOUT", hide_env_values = true, value_parser = duration::parse, default_value = "30s")]
    pub timeout: Duration,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Print a shell's completion script: `source <(lifeboat completions bash)`.
///
/// bash: `lifeboat completions bash > /etc/bash_completion.d/lifeboat`; zsh: write `_lifeboat`
/// into a directory on `$fpath`; fish: `~/.config/fish/completions/lifeboat.fish`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells with completion scripts (clap_complete's list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// The Z shell.
    Zsh,
    /// The friendly interactive shell.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

impl Shell {
    /// Every shell, in the order of the flag's values.
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Elvish,
    ];

    /// The script's file under completions/, named as each shell looks for it.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "lifeboat.bash",
            Shell::Zsh => "_lifeboat",
            Shell::Fish => "lifeboat.fish",
            Shell::Powershell => "_lifeboat.ps1",
            Shell::Elvish => "lifeboat.elv",
        }
    }
}

/// Seal a snapshot's secrets to other keys: key rotation without a rebuild.
///
/// Opens SNAPSHOT with a key it was sealed to and writes a new snapshot of the same
/// secrets and source scope, sealed to the recipients given (only those: a key left out
/// can no longer open the new file). The new snapshot gets a new id and records the one
/// it was made from (id and sha256) in its authenticated metadata; `inspect` shows it. No
/// secrets service is asked.
#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// The snapshot to rekey.
    #[arg(value_name = "SNAPSHOT")]
    pub file: PathBuf,

    /// A key that opens it.
    #[command(flatten)]
    pub identities: IdentityArgs,

    /// A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally
    /// as LABEL=KEY. Repeat for several. Only these open it: no variable adds any.
    #[arg(
        short = 'r',
        long = "recipient",
        value_name = "RECIPIENT",
        allow_hyphen_values = true
    )]
    pub recipients: Vec<String>,

    /// A file of recipients, one a line (age's recipients-file format). Repeatable.
    #[arg(short = 'R', long = "recipients-file", value_name = "FILE")]
    pub recipients_files: Vec<PathBuf>,

    /// The old snapshot's pin, checked before it is opened.
    #[command(flatten)]
    pub pin: PinArgs,

    /// Rekey a snapshot that has expired (give --expires-in for a new expiry).
    #[arg(long)]
    pub allow_expired: bool,

    /// Where to write the new snapshot (default: over SNAPSHOT, which needs --force).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,

    /// A new expiry, DUR from now (90s, 5m, 12h, 30d); by default the old one is kept.
    #[arg(long, value_name = "DUR", value_parser = duration::parse)]
    pub expires_in: Option<Duration>,

    /// Sign the new snapshot with this OpenSSH Ed25519 private key: writes OUT.sig
    /// beside it, as `snapshot --sign-key` does.
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--fallback-on`'s value as typed (its meaning is the command layer's: a comma list),
/// with the failure classes as its possible values, so that shell completion offers them
/// rather than file names.
#[derive(Clone)]
struct ClassList;

impl clap::builder::TypedValueParser for ClassList {
    type Value = String;

    fn parse_ref(
        &self,
        _command: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        value
            .to_str()
            .map(str::to_string)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            [
                "unreachable",
                "server-error",
                "bad-response",
                "denied",
                "not-found",
                "all",
                "none",
            ]
            .into_iter()
            .map(clap::builder::PossibleValue::new),
        ))
    }
}
