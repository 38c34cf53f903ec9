//! The runtime cache (`--cache-dir`, typically a memory `emptyDir` that outlives container
//! restarts within a pod): after each live fetch the secrets are sealed there to the
//! runtime identity's own recipient, so a restart during an outage starts from secrets
//! newer than the image's. And the crash-loop breaker's memory: when the last live fetch
//! failed, so restarts within the cooldown do not ask a failing service again.
//!
//! Anyone who knows the runtime's public key can seal a file to it, so the cache file
//! carries an HMAC-SHA256 of the snapshot under a key derived from the identity's secret
//! (HKDF-SHA256; see `Identity::cache_key`): only a holder of the identity can write one
//! that is used. The file is `lifeboat-cache v2 <64 hex digits>\n` and then a lifeboat
//! snapshot; the MAC covers the file's own name key too, so a copy renamed to another
//! app's name is not authentic there.
//!
//! Apps that share a directory and a runtime key keep apart: the files are named by an
//! HMAC of everything that selects the secrets (the source's selector: provider, address,
//! namespace, project and config or what the token is bound to, path, stage, region,
//! query), and a copy serves only a start whose configured scope it matches. A copy
//! carries the expiry of the image's snapshot it was written beside, never a later one,
//! and one dated in the future (a clock that was ahead) is not used. It is written atomically (rename) without fsync: on a tmpfs fsync does
//! nothing, and on a disk a torn file after a power loss fails its MAC and is ignored,
//! the baked snapshot still being there. Nothing here ever stops a start: every failure is
//! the caller's warning.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::atomic_file::{self, Existing};
use crate::duration::format_timestamp;
use crate::http::FailureClass;
use crate::keys::{parse_recipient, Identity};
use crate::secret::Secrets;
use crate::snapshot::{open, seal, Metadata, Opened, RecipientInfo, FORMAT_VERSION};
use crate::source::Scope;

/// The cache file's name in the cache directory: `lifeboat-cache-<KEY>.age`, where KEY
/// (32 hex digits of an HMAC, under the runtime key, of the source's selector) keeps apps
/// that share a directory from reading each other's files.
const CACHE_PREFIX: &str = "lifeboat-cache-";
/// The breaker's memory of the last failed live fetch: `lifeboat-breaker-<KEY>`.
const BREAKER_PREFIX: &str = "lifeboat-breaker-";
const MAGIC: &[u8] = b"lifeboat-cache v2 ";
/// The most a cache file may hold: what one live answer may. A larger one is not written,
/// and a file in the directory that claims more is not read at all: the directory may be
/// shared with others, and a pod's memory limit is often far below a snapshot's cap.
const MAX_CACHE_BYTES: u64 = crate::http::MAX_RESPONSE_BYTES as u64;
/// How far in the future a copy's creation may be before it is not trusted: clocks of one
/// node's containers agree to far better than this.
const FUTURE_SKEW: Duration = Duration::from_secs(60);

/// Why the cache was not written or not used. Every one is a warning, never a failure.
#[derive(Debug)]
pub enum CacheProblem {
    /// No runtime key that can make a cache (an SSH identity).
    NoX25519Key,
    /// The directory or file cannot be written or read.
    Io(String),
    /// The file is not a cache file, or its MAC does not match: torn, or written by
    /// someone without the runtime identity.
    NotAuthentic,
    /// The file is authentic but cannot be opened or used.
    Unusable(String),
}

impl std::fmt::Display for CacheProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheProblem::NoX25519Key => f.write_str(
                "the runtime key is not an X25519 key, and only an X25519 runtime key can make a cache",
            ),
            CacheProblem::Io(reason) => f.write_str(reason),
            CacheProblem::NotAuthentic => f.write_str(
                "the cache file is torn or was not written with the runtime identity (its MAC does not match); it is ignored",
            ),
            CacheProblem::Unusable(reason) => write!(f, "the cache cannot be used: {reason}"),
        }
    }
}

/// The cache of one runtime key and one configured source.
pub struct Cache {
    dir: PathBuf,
    recipient: String,
    mac_key: Zeroizing<[u8; 32]>,
    /// The files' names' key (see [`CACHE_PREFIX`]).
    key: String,
}

type HmacSha256 = Hmac<Sha256>;

impl Cache {
    /// The cache in `dir`, for the first X25519 or post-quantum key of `identities` and
    /// the source whose selector is `selector` (see `SourceSpec::selector`).
    pub fn new(dir: &Path, identities: &[Identity], selector: &[u8]) -> Result<Self, CacheProblem> {
        let (recipient, mac_key) = identities
            .iter()
            .find_map(Identity::cache_key)
            .ok_or(CacheProblem::NoX25519Key)?;
        let mut cache = Cache {
            dir: dir.to_path_buf(),
            recipient,
            mac_key,
            key: String::new(),
        };
        let mut mac = cache.mac();
        mac.update(b"file names v2\0");
        mac.update(selector);
        cache.key = mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(cache)
    }

    fn cache_path(&self) -> PathBuf {
        self.dir.join(format!("{CACHE_PREFIX}{}.age", self.key))
    }

    fn breaker_path(&self) -> PathBuf {
        self.dir.join(format!("{BREAKER_PREFIX}{}", self.key))
    }

    fn tag(&self, what: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(self.key.as_bytes());
        mac.update(b"\0");
        mac.update(what);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&*self.mac_key).expect("HMAC takes a key of any size")
    }

    /// Seals `secrets` from `scope` into the cache, replacing what was there; the copy
    /// expires when the image's snapshot does (`expires_at`, RFC 3339), never later.
    pub fn write(
        &self,
        secrets: &Secrets,
        scope: &Scope,
        expires_at: Option<String>,
    ) -> Result<(), CacheProblem> {
        self.write_at(secrets, scope, expires_at, SystemTime::now())
    }

    /// [`Cache::write`] as if the clock said `now`.
    fn write_at(
        &self,
        secrets: &Secrets,
        scope: &Scope,
        expires_at: Option<String>,
        now: SystemTime,
    ) -> Result<(), CacheProblem> {
        let recipient = parse_recipient(&self.recipient, "the runtime key")
            .map_err(|e| CacheProblem::Io(e.to_string()))?;
        let metadata = Metadata {
            format: FORMAT_VERSION,
            id: Metadata::new_id(now),
            created_at: format_timestamp(now),
            expires_at,
            source: scope.clone(),
            secret_count: secrets.len(),
            recipients: vec![RecipientInfo::of(&recipient)],
            names: None,
            created_by: concat!("lifeboat ", env!("CARGO_PKG_VERSION"), " (runtime cache)").into(),
            rekeyed_from: None,
        };
        let sealed = seal(secrets, &metadata, &[recipient.as_age()])
            .map_err(|e| CacheProblem::Io(format!("cannot seal the cache: {e}")))?;
        if (sealed.len() + MAGIC.len() + 65) as u64 > MAX_CACHE_BYTES {
            return Err(CacheProblem::Io(format!(
                "the secrets sealed take more than {} MiB, more than a cache holds; not written",
                MAX_CACHE_BYTES >> 20
            )));
        }
        let tag = self.tag(&sealed);
        let mut file = Vec::with_capacity(MAGIC.len() + 65 + sealed.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(tag.as_bytes());
        file.push(b'\n');
        file.extend_from_slice(&sealed);
        create_dir(&self.dir)?;
        atomic_file::write_with(&self.cache_path(), &file, 0o600, Existing::Replace, false)
            .map_err(|e| CacheProblem::Io(format!("cannot write the cache: {e}")))
    }

    /// The cached snapshot, opened, if there is one and it is authentic. Nothing is
    /// allocated for the file's contents before its size is checked against what a cache
    /// can be and its MAC is checked, streamed: a huge or sparse file planted in a shared
    /// directory costs a read, not the start's memory.
    pub fn read(&self, identities: &[Identity]) -> Result<Option<Opened>, CacheProblem> {
        let path = self.cache_path();
        let io = |e: std::io::Error| CacheProblem::Io(format!("cannot read the cache: {e}"));
        let mut file = match crate::read_capped::open_regular(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let size = file.metadata().map_err(io)?.len();
        let head = (MAGIC.len() + 65) as u64;
        if !(head..=MAX_CACHE_BYTES).contains(&size) {
            return Err(CacheProblem::NotAuthentic);
        }
        let tag = self
            .read_tag(&mut file)
            .map_err(io)?
            .ok_or(CacheProblem::NotAuthentic)?;
        // First pass: the MAC over the rest, in small pieces.
        let mut mac = self.mac_of_contents();
        let mut piece = zeroize::Zeroizing::new(vec![0u8; 64 << 10]);
        let mut total = 0u64;
        loop {
            let n = std::io::Read::read(&mut file, &mut piece).map_err(io)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_CACHE_BYTES {
                return Err(CacheProblem::NotAuthentic);
            }
            mac.update(&piece[..n]);
        }
        mac.verify_slice(&tag)
            .map_err(|_| CacheProblem::NotAuthentic)?;
        // Then the contents, read again and checked again: the file may have been
        // replaced in between.
        use std::io::{Read, Seek};
        file.seek(std::io::SeekFrom::Start(head)).map_err(io)?;
        let mut sealed = zeroize::Zeroizing::new(Vec::with_capacity(total as usize));
        (&mut file)
            .take(total + 1)
            .read_to_end(&mut sealed)
            .map_err(io)?;
        let mut again = self.mac_of_contents();
        again.update(&sealed);
        again
            .verify_slice(&tag)
            .map_err(|_| CacheProblem::NotAuthentic)?;
        let opened =
            open(&sealed, identities).map_err(|e| CacheProblem::Unusable(e.to_string()))?;
        if opened.metadata.created() > SystemTime::now() + FUTURE_SKEW {
            return Err(CacheProblem::Unusable(format!(
                "it says it was written at {}, in the future (a clock that was ahead); it is ignored",
                crate::redact::shown(&opened.metadata.created_at)
            )));
        }
        Ok(Some(opened))
    }

    /// The MAC in the file's first line, if the line is a cache file's.
    fn read_tag(&self, file: &mut std::fs::File) -> std::io::Result<Option<Vec<u8>>> {
        let mut head = [0u8; 18 + 65];
        std::io::Read::read_exact(file, &mut head)?;
        let Some(rest) = head.strip_prefix(MAGIC) else {
            return Ok(None);
        };
        if rest[64] != b'\n' {
            return Ok(None);
        }
        Ok((0..32)
            .map(|i| {
                u8::from_str_radix(std::str::from_utf8(&rest[2 * i..2 * i + 2]).ok()?, 16).ok()
            })
            .collect())
    }

    /// The MAC of a cache file's contents, as [`Cache::tag`] makes it.
    fn mac_of_contents(&self) -> HmacSha256 {
        let mut mac = self.mac();
        mac.update(self.key.as_bytes());
        mac.update(b"\0");
        mac
    }
}

fn create_dir(dir: &Path) -> Result<(), CacheProblem> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => Ok(()),
        Err(e) => Err(CacheProblem::Io(format!(
            "cannot create the cache directory {}: {e}",
            crate::redact::path(dir)
        ))),
    }
}

/// The breaker's memory: the last live fetch failed, in this class, at this time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failed {
    /// When.
    pub at: SystemTime,
    /// In which class.
    pub class: FailureClass,
}

impl Cache {
    /// Remembers a failed live fetch (best effort: a breaker that cannot remember only
    /// means the next start asks the service again). The record carries an HMAC like the
    /// cache: someone without the runtime identity cannot make pods skip the service.
    pub fn remember_failure(&self, failed: Failed) -> Result<(), CacheProblem> {
        // Milliseconds: a cooldown of a second must not end early by a truncated second.
        let millis = failed
            .at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        create_dir(&self.dir)?;
        let record = format!("failed {millis} {}", failed.class.name());
        let text = format!("{record} {}\n", self.tag(record.as_bytes()));
        atomic_file::write_with(
            &self.breaker_path(),
            text.as_bytes(),
            0o600,
            Existing::Replace,
            false,
        )
        .map_err(|e| CacheProblem::Io(format!("cannot write the breaker's state: {e}")))
    }

    /// Forgets it, after a live fetch that worked.
    pub fn forget_failure(&self) {
        let _ = std::fs::remove_file(self.breaker_path());
    }

    /// The remembered failure, if there is one, it reads right and its MAC holds.
    pub fn last_failure(&self) -> Option<Failed> {
        let text = crate::read_capped::read_regular_capped(&self.breaker_path(), 256).ok()??;
        let text = std::str::from_utf8(&text).ok()?.trim_end();
        let (record, tag) = text.rsplit_once(' ')?;
        let mut mac = self.mac_of_contents();
        mac.update(record.as_bytes());
        let tag: Vec<u8> = (0..tag.len() / 2)
            .map(|i| u8::from_str_radix(tag.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        mac.verify_slice(&tag).ok()?;
        let mut words = record.split_whitespace();
        (words.next()? == "failed").then_some(())?;
        let millis: u64 = words.next()?.parse().ok()?;
        let class = FailureClass::from_name(words.next()?)?;
        Some(Failed {
            at: SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis))?,
            class,
        })
    }
}

/// Whether a start at `now` is within the cooldown after `failed`: only a class that
/// falls back is skipped past (a denial must always be asked again), and the window is
/// the cooldown stretched by `jitter` (0 to 0.5, drawn per start) so that pods that
/// failed together do not all ask again in the same second. A failure "in the future"
/// (a clock set back) is not trusted.
pub fn within_cooldown(
    failed: Failed,
    now: SystemTime,
    cooldown: Duration,
    jitter: f64,
    falls_back: bool,
) -> bool {
    if !falls_back || cooldown.is_zero() {
        return false;
    }
    match now.duration_since(failed.at) {
        Ok(elapsed) => elapsed < cooldown_window(cooldown, jitter),
        Err(_) => false,
    }
}

/// The cooldown as one start holds it: stretched by its jitter (0 to 0.5). What the
/// breaker's message names, so it never says "31s ago, within the cooldown of 30s".
pub fn cooldown_window(cooldown: Duration, jitter: f64) -> Duration {
    cooldown.mul_f64(1.0 + jitter.clamp(0.0, 0.5))
}

/// A fresh jitter in `[0, 0.5)` from the OS generator.
pub fn draw_jitter() -> f64 {
    let mut random = [0u8; 4];
    let _ = getrandom::getrandom(&mut random);
    f64::from(u32::from_le_bytes(random)) / (f64::from(u32::MAX) + 1.0) / 2.0
}

/// The cache of `identities` in `dir` for one fixed source: a surface for the fuzz target
/// `runtime_cache` (fuzz/src/lib.rs), which plants files there ([`Cache::plant`]) and
/// reads them with [`Cache::read`] and [`Cache::last_failure`].
pub fn cache_for_fuzzing(dir: &Path, identities: &[Identity]) -> Result<Cache, CacheProblem> {
    Cache::new(dir, identities, b"fuzz")
}

impl Cache {
    /// Writes `bytes` as both the cache file and the breaker's record, for the fuzz
    /// target. With `sign`, each is first framed with a true MAC, as the identity's
    /// holder writes it (the cache file's first line; the record's last word), so that
    /// what is read after the MAC check is reached too.
    pub fn plant(&self, bytes: &[u8], sign: bool) -> std::io::Result<()> {
        create_dir(&self.dir).map_err(|e| std::io::Error::other(e.to_string()))?;
        if !sign {
            std::fs::write(self.cache_path(), bytes)?;
            return std::fs::write(self.breaker_path(), bytes);
        }
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(self.tag(bytes).as_bytes());
        file.push(b'\n');
        file.extend_from_slice(bytes);
        std::fs::write(self.cache_path(), file)?;
        let record = String::from_utf8_lossy(bytes);
        let tag = self.tag(record.as_bytes());
        std::fs::write(self.breaker_path(), format!("{record} {tag}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cooldown_holds_for_fallback_classes_only_and_never_shortens() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let failed = Failed {
            at,
            class: FailureClass::ServerError,
        };
        let cooldown = Duration::from_secs(30);
        let at_secs = |s: u64| at + Duration::from_secs(s);
        assert!(within_cooldown(failed, at_secs(1), cooldown, 0.0, true));
        assert!(within_cooldown(failed, at_secs(29), cooldown, 0.0, true));
        assert!(!within_cooldown(failed, at_secs(30), cooldown, 0.0, true));
        assert!(within_cooldown(failed, at_secs(44), cooldown, 0.5, true));
        assert!(!within_cooldown(failed, at_secs(45), cooldown, 0.5, true));
        // Never past a denial, never with no cooldown, never from the future.
        assert!(!within_cooldown(failed, at_secs(1), cooldown, 0.0, false));
        assert!(!within_cooldown(
            failed,
            at_secs(1),
            Duration::ZERO,
            0.0,
            true
        ));
        assert!(!within_cooldown(
            failed,
            at - Duration::from_secs(5),
            cooldown,
            0.0,
            true
        ));
        for _ in 0..100 {
            let jitter = draw_jitter();
            assert!((0.0..0.5).contains(&jitter), "{jitter}");
        }
    }

    #[test]
    fn the_breaker_remembers_and_forgets_and_its_record_is_authenticated() {
        let dir = tempfile::tempdir().unwrap();
        let identity = crate::keys::parse_identities(
            "AGE-SECRET-KEY-1GSFGZK0MATHUHS0AHA8NGUM43JSQURRR5M2V00DF7WECR6FZ6GJSZJ9PNH",
            "test",
            crate::keys::Passphrases::Refuse,
        )
        .unwrap();
        let cache = Cache::new(dir.path(), &identity, b"doppler").unwrap();
        assert_eq!(cache.last_failure(), None);
        let failed = Failed {
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            class: FailureClass::Unreachable,
        };
        cache.remember_failure(failed).unwrap();
        assert_eq!(cache.last_failure(), Some(failed));
        // Another source in the same directory has files of its own.
        let other = Cache::new(dir.path(), &identity, b"vault:secret/app").unwrap();
        assert_eq!(other.last_failure(), None);
        // A forged record (no MAC, or the wrong one) is no record.
        let path = cache.breaker_path();
        std::fs::write(&path, "failed 1700000000000 unreachable\n").unwrap();
        assert_eq!(cache.last_failure(), None);
        std::fs::write(
            &path,
            format!("failed 1700000000000 unreachable {}\n", "00".repeat(32)),
        )
        .unwrap();
        assert_eq!(cache.last_failure(), None);
        cache.remember_failure(failed).unwrap();
        cache.forget_failure();
        assert_eq!(cache.last_failure(), None);
    }

    #[test]
    fn a_copy_from_the_future_a_renamed_copy_and_a_huge_file_are_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let identities = crate::keys::parse_identities(
            "AGE-SECRET-KEY-1GSFGZK0MATHUHS0AHA8NGUM43JSQURRR5M2V00DF7WECR6FZ6GJSZJ9PNH",
            "test",
            crate::keys::Passphrases::Refuse,
        )
        .unwrap();
        let cache = Cache::new(dir.path(), &identities, b"app one").unwrap();
        let mut secrets = Secrets::new();
        secrets.insert_str("KEY", "value");
        let scope = Scope {
            provider: "doppler".into(),
            ..Scope::default()
        };
        // Written by a clock an hour ahead: authentic, and still not used.
        let ahead = SystemTime::now() + Duration::from_secs(3600);
        cache.write_at(&secrets, &scope, None, ahead).unwrap();
        assert!(matches!(
            cache.read(&identities),
            Err(CacheProblem::Unusable(reason)) if reason.contains("in the future")
        ));
        // Written now, it is used; copied under another app's name, it is not authentic.
        cache.write(&secrets, &scope, None).unwrap();
        assert!(matches!(cache.read(&identities), Ok(Some(_))));
        let other = Cache::new(dir.path(), &identities, b"app two").unwrap();
        std::fs::copy(cache.cache_path(), other.cache_path()).unwrap();
        assert!(matches!(
            other.read(&identities),
            Err(CacheProblem::NotAuthentic)
        ));
        // Larger than a cache can be: refused by its size, before a byte is allocated.
        let file = std::fs::File::options()
            .write(true)
            .open(cache.cache_path())
            .unwrap();
        file.set_len(MAX_CACHE_BYTES + 1).unwrap();
        assert!(matches!(
            cache.read(&identities),
            Err(CacheProblem::NotAuthentic)
        ));
    }
}
