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
use lifeboat::keys::{
    parse_identities, parse_identity_bytes, parse_recipient, Identity, Passphrases,
};
use lifeboat::secret::Secrets;
use lifeboat::signature::{AllowedSigners, SignatureError};
use lifeboat::snapshot::{
    check_freshness, check_payload, open, read_header, Header, SnapshotError, SnapshotFile,
};
use lifeboat::source::{
    add_parameters_answer, error_name, json_credentials, parse_doppler_answer, parse_dotenv,
    parse_flat_json, parse_https_answer, parse_kv2_answer, parse_login_answer, parse_secret_answer,
    parse_secrets_file, read_aws_error, read_secret_file, shared_file_sections, sts_credentials,
    xml_field, ParametersAccount, SourceError,
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

/// A temporary file of one target holding `data`, for the readers that take a path.
fn as_file(
    file: &'static OnceLock<Mutex<tempfile::NamedTempFile>>,
    data: &[u8],
) -> std::sync::MutexGuard<'static, tempfile::NamedTempFile> {
    let file = file.get_or_init(|| {
        Mutex::new(tempfile::NamedTempFile::new().expect("a temporary file for the input"))
    });
    let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let handle = file.as_file_mut();
    handle.set_len(0).expect("truncate");
    std::io::Seek::rewind(handle).expect("rewind");
    handle.write_all(data).expect("write the input");
    file
}

/// `recover --image` and `inspect --image` on any tar file: the archive is written to a
/// temporary file, since the reader works on files as the command line gives them.
pub fn image_archive(data: &[u8]) {
    static FILE: OnceLock<Mutex<tempfile::NamedTempFile>> = OnceLock::new();
    let file = as_file(&FILE, data);
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

/// The secrets as a JSON object of strings: how a source would have answered them.
fn as_json_object(secrets: &Secrets) -> serde_json::Value {
    serde_json::Value::Object(
        secrets
            .iter()
            .map(|(name, value)| (name.to_string(), value.expose().into()))
            .collect(),
    )
}

/// The same names with the same values.
fn assert_same_secrets(a: &Secrets, b: &Secrets) {
    assert_eq!(a.len(), b.len());
    for (name, value) in a.iter() {
        assert_eq!(
            b.get(name).map(|v| v.expose().to_string()).as_deref(),
            Some(value.expose())
        );
    }
}

/// A live service's answer lifeboat cannot use is `bad-response` (exit 12 when there is
/// nothing to fall back on), or, for what only the user can change, a usage error.
fn check_answer_error(error: &(impl std::fmt::Display + ?Sized), exit: Exit) {
    let _ = error.to_string();
    assert!(
        exit == Exit::Unavailable || exit == Exit::Usage,
        "{error} exits {exit:?}"
    );
}

/// AWS Secrets Manager's `GetSecretValue` answer, with and without `--name`. A
/// `SecretString` that is a JSON object gives the same secrets when its secrets are
/// written back as one.
pub fn aws_secret_answer(data: &[u8]) {
    for name in [None, Some("SECRET")] {
        match parse_secret_answer(data, name) {
            Ok(answer) => {
                assert_eq!(answer.secrets.iter().count(), answer.secrets.len());
                if let Some(account) = &answer.account {
                    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
                }
                let again = serde_json::json!({
                    "SecretString": as_json_object(&answer.secrets).to_string(),
                    "VersionId": answer.version_id,
                });
                let again = parse_secret_answer(again.to_string().as_bytes(), None)
                    .expect("secrets written back as an object");
                assert_same_secrets(&answer.secrets, &again.secrets);
                assert_eq!(answer.version_id, again.version_id);
            }
            Err(error) => check_answer_error(&error, error.exit()),
        }
    }
}

/// Parameter Store's answers: a page of `GetParametersByPath` under a path, and
/// `GetParameter` for one. A page's parameters, written back as a page, give the same
/// secrets, and a page read twice into the same secrets is refused (two of one name).
pub fn aws_parameters(data: &[u8]) {
    const PATH: &str = "/shop/prod/";
    for path in [PATH, "/shop/prod/DB_URL"] {
        let mut secrets = Secrets::new();
        let mut account = ParametersAccount::default();
        match add_parameters_answer(data, path, &mut secrets, &mut account) {
            Ok(next) => {
                assert!(next.as_deref() != Some(""));
                if let Some(account) = &account.0 {
                    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
                }
                if !path.ends_with('/') {
                    assert_eq!(secrets.len(), 1);
                    assert!(secrets.contains("DB_URL"));
                    continue;
                }
                assert!(secrets.names().all(|n| !n.is_empty() && !n.contains('/')));
                let page = serde_json::json!({
                    "Parameters": secrets.iter().map(|(name, value)| serde_json::json!({
                        "Name": format!("{PATH}{name}"),
                        "Value": value.expose(),
                    })).collect::<Vec<_>>(),
                });
                let mut again = Secrets::new();
                add_parameters_answer(
                    page.to_string().as_bytes(),
                    PATH,
                    &mut again,
                    &mut ParametersAccount::default(),
                )
                .expect("a page written back");
                assert_same_secrets(&secrets, &again);
                if !secrets.is_empty() {
                    let twice =
                        add_parameters_answer(data, PATH, &mut secrets, &mut account).unwrap_err();
                    check_answer_error(&twice, twice.exit());
                }
            }
            Err(error) => check_answer_error(&error, error.exit()),
        }
    }
}

/// `text` as XML character data, for the round trips of [`xml_field`].
fn xml_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// AWS's error answers (`__type`, `Error.Code`, an XML `<Code>`), after any status (the
/// first two bytes). A name read is a plain name and decides the verdict; a field read
/// from XML comes back the same when written back escaped.
pub fn aws_error(data: &[u8]) {
    let (status, body) = match data {
        [a, b, body @ ..] => (u16::from_be_bytes([*a, *b]) % 600, body),
        _ => (400, data),
    };
    let name = error_name(body);
    if let Some(name) = &name {
        assert!(!name.is_empty() && name.len() <= 64);
        assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "{name:?}");
    }
    if let Some(verdict) = read_aws_error(status, body) {
        let name = name.expect("a verdict comes from a name");
        assert!(verdict.said.starts_with(&name));
    }
    if let Ok(text) = std::str::from_utf8(body) {
        for field in ["Code", "Message", "AccessKeyId"] {
            if let Some(value) = xml_field(text, field) {
                assert!(value.len() <= text.len());
                let again = format!("<E><{field}>{}</{field}></E>", xml_escaped(&value));
                assert_eq!(xml_field(&again, field).as_deref(), Some(value.as_str()));
            }
        }
    }
}

/// The credential answers: the container endpoint's and IMDS's JSON, STS's XML. Keys read
/// are printable ASCII (a signature carries them) and read back the same when written
/// back in the same form.
pub fn aws_credentials(data: &[u8]) {
    let printable =
        |text: &str| !text.is_empty() && text.bytes().all(|b| (0x21..0x7f).contains(&b));
    match json_credentials(data, "the container credentials endpoint") {
        Ok(found) => {
            assert!(printable(&found.access_key_id) && printable(&found.secret_access_key));
            assert!(found.session_token.as_deref().is_none_or(|t| printable(t)));
            let again = serde_json::json!({
                "AccessKeyId": found.access_key_id.as_str(),
                "SecretAccessKey": found.secret_access_key.as_str(),
                "Token": found.session_token.as_deref().map(String::as_str),
            });
            let again = json_credentials(again.to_string().as_bytes(), "again").unwrap();
            assert_eq!(*again.access_key_id, *found.access_key_id);
            assert_eq!(*again.secret_access_key, *found.secret_access_key);
            assert_eq!(again.session_token, found.session_token);
        }
        Err(error) => assert_eq!(error.exit(), Exit::Unavailable, "{error}"),
    }
    match sts_credentials(data) {
        Ok(found) => {
            let token = found
                .session_token
                .as_deref()
                .expect("STS gives a session token");
            assert!(printable(&found.access_key_id) && printable(&found.secret_access_key));
            assert!(printable(token));
            let again = format!(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                xml_escaped(&found.access_key_id),
                xml_escaped(&found.secret_access_key),
                xml_escaped(token),
            );
            let again = sts_credentials(again.as_bytes()).unwrap();
            assert_eq!(*again.access_key_id, *found.access_key_id);
            assert_eq!(*again.secret_access_key, *found.secret_access_key);
            assert_eq!(again.session_token, found.session_token);
        }
        Err(error) => assert_eq!(error.exit(), Exit::Unavailable, "{error}"),
    }
}

/// The shared files, `~/.aws/config` and `~/.aws/credentials` (read as text, invalid UTF-8
/// replaced, as lifeboat reads them). What is read, written back as plain `[SECTION]` and
/// `key=value` lines, reads back the same.
pub fn aws_profile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let entries = shared_file_sections(&text);
    let mut again = String::new();
    let mut current: Option<&str> = None;
    for (section, key, value) in &entries {
        assert_eq!(key.as_str(), key.trim());
        assert!(!key.bytes().any(|b| b.is_ascii_uppercase() || b == b'='));
        assert_eq!(value.as_str(), value.trim());
        if current != Some(&**section) {
            again.push_str(&format!("[{section}]\n"));
            current = Some(section);
        }
        again.push_str(&format!("{key}={}\n", value.as_str()));
    }
    let read_again = shared_file_sections(&again);
    assert_eq!(read_again.len(), entries.len());
    for (a, b) in entries.iter().zip(&read_again) {
        assert_eq!((&*a.0, &a.1, a.2.as_str()), (&*b.0, &b.1, b.2.as_str()));
    }
}

/// A token file (the Kubernetes service-account token, `--token-file`, `--jwt-file`,
/// AppRole id files): one line of text, its whitespace trimmed, never echoed.
pub fn token_file(data: &[u8]) {
    static FILE: OnceLock<Mutex<tempfile::NamedTempFile>> = OnceLock::new();
    let file = as_file(&FILE, data);
    match read_secret_file(file.path(), "--token-file") {
        Ok(token) => {
            assert!(data.len() <= 64 << 10);
            assert!(!token.is_empty() && !token.contains(['\n', '\r']));
            assert_eq!(std::str::from_utf8(data).unwrap().trim(), token.as_str());
        }
        Err(error) => {
            let said = error.to_string();
            assert!(
                error.exit() == Exit::Usage || error.exit() == Exit::BadInput,
                "{said}"
            );
            if let Ok(text) = std::str::from_utf8(data) {
                let text = text.trim();
                assert!(
                    text.len() < 8 || !said.contains(text),
                    "the token is echoed"
                );
            }
        }
    }
}

/// Whether `text` can be a recipient's label (as `-r LABEL=KEY` takes it).
fn is_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@:+-/".contains(c))
}

/// A recipient string (`-r`, `LIFEBOAT_RECIPIENTS`, a line of `-R`): X25519, post-quantum,
/// tag, plugin and SSH keys, with or without a label. One accepted is accepted again under
/// another label, as the same key.
pub fn recipient(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_recipient(text, "fuzz") {
        Ok(found) => {
            let _ = found.describe();
            let trimmed = text.trim();
            let key = match trimmed.split_once('=') {
                Some((label, key))
                    if is_label(label) && (key.starts_with("age1") || key.starts_with("ssh-")) =>
                {
                    key.trim()
                }
                _ => trimmed,
            };
            let again = parse_recipient(&format!("relabelled={key}"), "fuzz").expect("relabelled");
            assert_eq!(again.kind, found.kind);
            assert_eq!(again.fingerprint, found.fingerprint);
            assert_eq!(again.label.as_deref(), Some("relabelled"));
        }
        Err(error) => {
            let _ = error.to_string();
            let _ = error.hint();
            assert_eq!(error.exit(), Exit::Usage, "{error}");
        }
    }
}

/// An identity file's bytes (`-i`, `LIFEBOAT_IDENTITY`): age's X25519, post-quantum and
/// plugin key lines, OpenSSH private keys, and passphrase-protected (age -p) files, read
/// as `run` reads them (never asking). An X25519 or post-quantum key's own recipient
/// parses to its fingerprint; no error shows key material.
pub fn identity(data: &[u8]) {
    match parse_identity_bytes(data, "fuzz", Passphrases::Refuse) {
        Ok(identities) => {
            assert!(!identities.is_empty());
            for identity in &identities {
                if let Some((recipient, _)) = identity.cache_key() {
                    let public = parse_recipient(&recipient, "fuzz").expect("its recipient");
                    assert_eq!(public.kind, identity.kind);
                    assert_eq!(&public.fingerprint, identity.fingerprint());
                }
            }
        }
        Err(error) => {
            // No word of the file long enough to be key material is ever shown.
            let said = format!("{error} {:?}", error.hint());
            for word in String::from_utf8_lossy(data).split_whitespace() {
                assert!(word.len() < 20 || !said.contains(word), "{said}");
            }
            let exit = error.exit();
            assert!(
                exit == Exit::Usage || exit == Exit::BadInput,
                "{said} exits {exit:?}"
            );
        }
    }
}

/// The runtime cache file and the breaker's record, planted in the cache directory by
/// someone without the runtime key (input byte 0 even) or written with it (odd: the rest
/// of the input is framed with a true MAC). Nothing unsigned is ever used; a signed
/// snapshot opens to what it says; a record read, written again, reads back the same.
pub fn runtime_cache(data: &[u8]) {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a cache directory"));
    let (sign, bytes) = match data {
        [first, rest @ ..] => (first & 1 == 1, rest),
        [] => (false, data),
    };
    let identities = &vector_identities()[..1];
    let cache = lifeboat::cache_for_fuzzing(dir.path(), identities).expect("an X25519 key");
    cache.plant(bytes, sign).expect("plant the files");
    match cache.read(identities) {
        Ok(Some(opened)) => {
            assert!(sign, "an unsigned cache file was used");
            assert_eq!(opened.secrets.len(), opened.metadata.secret_count);
            check_secrets(&opened.secrets);
        }
        Ok(None) => panic!("the planted cache file was not found"),
        Err(problem) => {
            let _ = problem.to_string();
        }
    }
    if let Some(failed) = cache.last_failure() {
        assert!(sign, "an unsigned breaker record was used");
        cache.remember_failure(failed).expect("write the record");
        assert_eq!(cache.last_failure(), Some(failed));
    }
}
