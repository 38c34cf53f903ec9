//! The bodies of lifeboat's fuzz targets: every parser that reads bytes lifeboat did not
//! write. Each body feeds its input to one parser and checks what must hold for any input:
//! no panic, an error that renders (message and hint) and maps to the exit code the README
//! documents for that kind of input, and, where the parser accepts, a result that keeps
//! the parser's own promises (every name usable as an environment variable, counts that
//! agree).
//!
//! The same file is compiled into the main test suite (`tests/fuzz_regressions.rs`), which
//! runs the committed seeds and every input that ever crashed through these bodies.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use lifeboat::exit::Exit;
use lifeboat::keys::{parse_identities, Identity, Passphrases};
use lifeboat::secret::Secrets;
use lifeboat::signature::{AllowedSigners, SignatureError};
use lifeboat::snapshot::{
    check_freshness, check_payload, open, read_header, Header, SnapshotError, SnapshotFile,
};
use lifeboat::source::{
    parse_doppler_answer, parse_dotenv, parse_flat_json, parse_https_answer, parse_kv2_answer,
    parse_login_answer, parse_secrets_file, SourceError,
};

/// The committed v1 test vector and its keys: an input the fuzzer mutates and the
/// identities that open it, so mutations reach past the header into the payload.
const VECTOR: &[u8] = include_bytes!("../../tests/data/v1/snapshot.age");
const VECTOR_X25519: &str = include_str!("../../tests/data/v1/identity.txt");
const VECTOR_SSH: &str = include_str!("../../tests/data/v1/id_ed25519");

fn vector_identities() -> &'static [Identity] {
    static IDENTITIES: OnceLock<Vec<Identity>> = OnceLock::new();
    IDENTITIES.get_or_init(|| {
        let mut identities = parse_identities(VECTOR_X25519, "identity.txt", Passphrases::Refuse)
            .expect("vector key");
        identities.extend(
            parse_identities(VECTOR_SSH, "id_ed25519", Passphrases::Refuse)
                .expect("vector ssh key"),
        );
        identities
    })
}

fn vector_header() -> &'static Header {
    static HEADER: OnceLock<Header> = OnceLock::new();
    HEADER.get_or_init(|| read_header(VECTOR).expect("the vector's header"))
}

/// A snapshot error must render and be one of the snapshot exit codes.
fn check_snapshot_error(error: &SnapshotError) {
    let _ = error.to_string();
    let _ = error.hint();
    assert_eq!(error.exit(), Exit::SnapshotUnusable, "{error:?}");
}

/// A source error from parsing bytes is bad input, or a bad response for a service's.
fn check_source_error(error: &SourceError) {
    let _ = error.to_string();
    let _ = error.hint();
    let exit = error.exit();
    assert!(
        exit == Exit::BadInput || exit == Exit::Unavailable,
        "{error:?} exits {exit:?}"
    );
}

/// What every accepted set of secrets promises: names fit for the environment.
fn check_secrets(secrets: &Secrets) {
    assert!(secrets.first_invalid().is_none());
    assert_eq!(secrets.iter().count(), secrets.len());
}

/// `inspect` and the freshness checks over any header: read with no key.
pub fn snapshot_header(data: &[u8]) {
    match read_header(data) {
        Ok(header) => {
            assert!(header.len <= data.len());
            header.metadata.validate().expect("read_header validates");
            let file = SnapshotFile::new(PathBuf::from("fuzz.age"), data.to_vec());
            let _ = lifeboat::commands::inspect_text(&file, &header);
            let _ = lifeboat::commands::inspect_json(&file, &header);
            let now = SystemTime::now();
            let _ = header.metadata.age_at(now);
            for max_age in [None, Some(Duration::ZERO), Some(Duration::MAX)] {
                if let Err(stale) = check_freshness(&header.metadata, now, max_age) {
                    let _ = stale.to_string();
                }
            }
        }
        Err(error) => check_snapshot_error(&error),
    }
}

/// `verify`, `recover` and `run` on any file, with keys that open the vector.
pub fn snapshot_open(data: &[u8]) {
    match open(data, vector_identities()) {
        Ok(opened) => {
            assert_eq!(opened.secrets.len(), opened.metadata.secret_count);
            assert!(opened.opened_with < vector_identities().len());
            check_secrets(&opened.secrets);
        }
        Err(error) => check_snapshot_error(&error),
    }
}

/// The decrypted document, checked against the vector's (authenticated) header.
pub fn snapshot_payload(data: &[u8]) {
    match check_payload(data, vector_header()) {
        Ok(secrets) => {
            assert_eq!(secrets.len(), vector_header().metadata.secret_count);
            check_secrets(&secrets);
        }
        Err(error) => check_snapshot_error(&error),
    }
}

/// A dotenv file, through the parser alone and through the `file:` source.
pub fn dotenv(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        match parse_dotenv(text, "fuzz.env") {
            Ok(secrets) => assert!(secrets.iter().all(|(name, _)| !name.is_empty())),
            Err(error) => check_source_error(&error),
        }
    }
    match parse_secrets_file(data, "fuzz.env") {
        Ok(secrets) => check_secrets(&secrets),
        Err(error) => check_source_error(&error),
    }
}

/// A flat JSON object of strings, through the parser alone and through the `file:` source.
pub fn json_source(data: &[u8]) {
    match parse_flat_json(data, "fuzz.json") {
        Ok(secrets) => assert_eq!(secrets.iter().count(), secrets.len()),
        Err(error) => check_source_error(&error),
    }
    match parse_secrets_file(data, "fuzz.json") {
        Ok(secrets) => check_secrets(&secrets),
        Err(error) => check_source_error(&error),
    }
}

/// Doppler's secrets download answer.
pub fn doppler_answer(data: &[u8]) {
    match parse_doppler_answer(data, "doppler at http://127.0.0.1") {
        Ok(answer) => {
            check_secrets(&answer.secrets);
            assert!(answer.project.as_deref() != Some(""));
            assert!(answer.config.as_deref() != Some(""));
        }
        Err(error) => check_source_error(&error),
    }
}

/// Vault's KV version 2 read answer and its AppRole login answer.
pub fn vault_answer(data: &[u8]) {
    match parse_kv2_answer(data, "secret") {
        Ok((secrets, _version)) => assert_eq!(secrets.iter().count(), secrets.len()),
        Err(error) => {
            let _ = error.to_string();
            assert_eq!(error.exit(), Exit::Unavailable, "{error:?}");
        }
    }
    match parse_login_answer(data, "AppRole") {
        Ok(token) => assert!(std::str::from_utf8(token.as_bytes()).is_ok()),
        Err(error) => {
            let _ = error.to_string();
            assert_eq!(error.exit(), Exit::Unavailable, "{error:?}");
        }
    }
}

/// A plain HTTPS source's answer.
pub fn https_answer(data: &[u8]) {
    match parse_https_answer(data, "https://127.0.0.1/secrets") {
        Ok(secrets) => check_secrets(&secrets),
        Err(error) => check_source_error(&error),
    }
}

/// `recover --image` and `inspect --image` on any tar file: the archive is written to a
/// temporary file, since the reader works on files as the command line gives them.
pub fn image_archive(data: &[u8]) {
    static FILE: OnceLock<Mutex<tempfile::NamedTempFile>> = OnceLock::new();
    let file = FILE.get_or_init(|| {
        Mutex::new(tempfile::NamedTempFile::new().expect("a temporary file for the archive"))
    });
    let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let handle = file.as_file_mut();
    handle.set_len(0).expect("truncate");
    std::io::Seek::rewind(handle).expect("rewind");
    handle.write_all(data).expect("write the archive");
    match lifeboat::image::read_file_from_image(
        file.path(),
        "/etc/lifeboat/snapshot.age",
        &lifeboat::image::Selection::default(),
    ) {
        Ok(_snapshot) => {}
        Err(error) => {
            let _ = error.to_string();
            let _ = error.hint();
            let exit = error.exit();
            // An archive of several images (or platforms) asks which: a usage error.
            let choose = matches!(error, lifeboat::image::ImageError::Choose(_));
            assert!(
                exit == Exit::BadInput
                    || exit == Exit::SnapshotMissing
                    || (choose && exit == Exit::Usage),
                "{error:?} exits {exit:?}"
            );
        }
    }
}

/// The key that signed the seed signature of the v1 vector (its private half was thrown
/// away).
const SEED_SIGNER: &str = "fuzz@example namespaces=\"lifeboat-snapshot\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMwRs7Yd+utcUVO3SZFQp7npG3+qt69kewO8y27dbIvd";

fn seed_signers() -> &'static AllowedSigners {
    static SIGNERS: OnceLock<AllowedSigners> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        AllowedSigners::parse(SEED_SIGNER, std::path::Path::new("seed_signers"))
            .expect("seed signer")
    })
}

/// A snapshot signature (`SNAPSHOT.sig`), checked over the v1 vector against the seed's
/// signer: refused with exit 21 and the check named, or accepted; read unchecked as
/// `inspect` reads it.
pub fn ssh_signature(data: &[u8]) {
    let sig = std::path::Path::new("fuzz.sig");
    match lifeboat::signature::check(sig, data, VECTOR, seed_signers(), SystemTime::now()) {
        Ok(signer) => assert_eq!(signer.principals, "fuzz@example"),
        Err(error) => check_signature_error(&error),
    }
    if let Err(error) = lifeboat::signature::describe(sig, data) {
        check_signature_error(&error);
    }
}

fn check_signature_error(error: &SignatureError) {
    let _ = error.to_string();
    let _ = error.hint();
    assert_eq!(error.exit(), Exit::SnapshotUnusable, "{error:?}");
    assert!([
        "no-signature",
        "bad-signature",
        "wrong-namespace",
        "unknown-key",
        "outside-validity"
    ]
    .contains(&error.check()));
}

/// A trusted signers file (OpenSSH's allowed_signers): parsed, or refused as bad input.
pub fn allowed_signers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(error) = AllowedSigners::parse(&text, std::path::Path::new("fuzz_signers")) {
        let _ = error.to_string();
        let _ = error.hint();
        assert_eq!(error.exit(), Exit::BadInput, "{error:?}");
    }
}
