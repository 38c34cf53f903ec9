//! lifeboat keeps a service bootable when its secrets service is down.
//!
//! At image build, `lifeboat snapshot` seals the secrets with age into a versioned
//! snapshot file baked into the image. At start, `lifeboat run` asks the live service
//! first and falls back to the snapshot. In an outage, `lifeboat recover` opens the
//! snapshot with an offline break-glass key.
//!
//! The library is organised by concept:
//! - [`snapshot`]: the snapshot format v1 (sealing, opening, reading metadata with no key).
//! - [`source`]: where secrets come from (`env:`, `file:`, and later the live services).
//! - [`keys`]: recipients (public keys) and identities (private keys), and their fingerprints.
//! - `http`: the one HTTP client of the live sources: deadline, retries, failure classes.
//! - [`signature`]: signed snapshots (OpenSSH's SSHSIG and allowed_signers, Ed25519).
//! - `runtime`: `run`, live first with the snapshot as fallback, then exec.
//! - [`commands`]: one file per subcommand, over the parts above.
//! - [`exit`]: the documented exit codes every error maps to.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The deliberate surface: `cli` and `commands` for the binary; `exit`, `image`, `keys`,
// `secret`, `signature`, `snapshot` and `source` for the tests, the fuzz targets and the benchmarks,
// which drive the parsers and the format directly. The rest is private to the crate.
mod atomic_file;
pub mod cli;
pub mod commands;
mod duration;
pub mod exit;
mod export;
mod http;
pub mod image;
pub mod keys;
mod log;
mod read_capped;
mod redact;
mod runtime;
pub mod secret;
mod signal_mask;
pub mod signature;
mod similar;
pub mod snapshot;
pub mod source;
mod wiped;

/// The runtime cache's files, planted and read back: a surface for the fuzz targets only
/// (`runtime_cache` in fuzz/src/lib.rs), the runtime module being private.
pub use runtime::cache_for_fuzzing;
