//! `lifeboat snapshot`: read a source, seal to the recipients, write atomically, print a
//! one-line summary. Every check runs before the write, so a failure leaves no file
//! behind and an existing snapshot exactly as it was.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use serde_json::json;

use super::{stdout, CommandError};
use crate::atomic_file::{self, Existing};
use crate::cli::SnapshotArgs;
use crate::duration::format_timestamp;
use crate::http::Deadline;
use crate::keys::{check_recipients_agree, parse_recipient, read_recipients_file, Recipient};
use crate::log::{counted, Log};
use crate::signature::{signature_path, SigningKey};
use crate::snapshot::{
    read_header, seal, Metadata, RecipientInfo, SnapshotError, SnapshotFile, FORMAT_VERSION,
};
use crate::source::SourceSpec;

/// Runs `snapshot`.
pub fn execute(args: SnapshotArgs, log: &Log) -> Result<(), CommandError> {
    let build_id = args
        .build_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    if args.require_build_id && build_id.is_none() {
        return Err(CommandError::Usage(
            "no build id: give --build-arg LIFEBOAT_BUILD_ID=… with a new value on every build (a timestamp, the CI run id); without it BuildKit can reuse a cached snapshot that holds old secrets".into(),
        ));
    }
    if let Some(id) = build_id {
        if id.len() > 128 || !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(CommandError::Usage(
                "the build id must be up to 128 printable ASCII characters without spaces".into(),
            ));
        }
    }
    let spec = SourceSpec::parse_all(&args.source)?;
    // Read before the source is asked, so a key that cannot sign fails the build before
    // anything is fetched or written.
    let sign_key = args.sign_key.as_deref().map(SigningKey::read).transpose()?;
    let recipients = collect_recipients(
        &args.recipients.recipients,
        &args.recipients.recipients_files,
    )?;
    // The deadline covers building the client (the system's CA bundle) too.
    let started = Instant::now();
    let deadline = Deadline::after(args.timeout);
    let source = spec.into_source(&super::live_settings(&args.live))?;
    let fetched = source.fetch(deadline)?;
    let fetch_ms = started.elapsed().as_millis();
    super::report_overridden(&fetched.overridden, log);

    let now = SystemTime::now();
    let metadata = Metadata {
        format: FORMAT_VERSION,
        id: Metadata::new_id(now),
        created_at: format_timestamp(now),
        expires_at: args.expires_in.map(|after| format_timestamp(now + after)),
        source: fetched.scope,
        secret_count: fetched.secrets.len(),
        recipients: recipients.iter().map(RecipientInfo::of).collect(),
        names: args
            .publish_names
            .then(|| fetched.secrets.names().map(str::to_string).collect()),
        created_by: concat!("lifeboat ", env!("CARGO_PKG_VERSION")).to_string(),
        rekeyed_from: None,
    };
    // What a reader will refuse is refused here first, with the reason: a label or a
    // path with a control character, a name the service gave that is too long.
    metadata.validate().map_err(|reason| {
        CommandError::Usage(format!(
            "this cannot be recorded in the snapshot's metadata: {reason}"
        ))
    })?;
    let age_recipients: Vec<&dyn age::Recipient> =
        recipients.iter().map(Recipient::as_age).collect();
    let sealed = seal(&fetched.secrets, &metadata, &age_recipients)?;
    // Validate before write: the file must read back as what was meant.
    if read_header(&sealed)?.metadata != metadata {
        return Err(SnapshotError::Seal("the sealed metadata does not read back".into()).into());
    }
    // An image built FROM scratch has no mkdir: make /etc/lifeboat here.
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| atomic_file::WriteError::Io {
            path: args.output.clone(),
            step: "creating its directory",
            source,
        })?;
    }
    atomic_file::write(&args.output, &sealed, 0o644, Existing::Replace)?;
    let sig_path = signature_path(&args.output);
    let signed_by = write_signature(&args.output, &sealed, sign_key.as_ref(), log)?;

    let file = SnapshotFile::new(args.output.clone(), sealed);
    let sha256 = file.sha256();
    log.info(
        "snapshot_written",
        &format!(
            "sealed {} from {} (read in {fetch_ms} ms) to {}",
            counted(metadata.secret_count, "secret"),
            metadata.source,
            counted(metadata.recipients.len(), "recipient")
        ),
        json!({
            "snapshot_id": metadata.id,
            "snapshot": crate::redact::path(&args.output),
            "secret_count": metadata.secret_count,
            "sha256": sha256,
            "source": metadata.source,
            "recipients": metadata.recipients,
            "fetch_ms": fetch_ms,
            "signed_by": signed_by,
        }),
    );
    if args.json {
        let mut summary = json!({
            "snapshot": crate::redact::path(&args.output),
            "snapshot_id": metadata.id,
            "path": crate::redact::path(&args.output),
            "id": metadata.id,
            "secret_count": metadata.secret_count,
            "source": metadata.source,
            "sha256": sha256,
            "build_id": build_id.map(crate::redact::value),
        });
        if let Some(fingerprint) = &signed_by {
            summary["signature"] = json!(crate::redact::path(&sig_path));
            summary["signed_by"] = json!(format!("ssh-ed25519 {fingerprint}"));
        }
        return stdout::print(&format!("{summary}\n"));
    }
    let build = build_id
        .map(|id| format!(", build {}", crate::redact::value(id)))
        .unwrap_or_default();
    let signed = signed_by
        .map(|fingerprint| {
            format!(
                ", signed by ssh-ed25519 {fingerprint} in {}",
                crate::redact::path(&sig_path)
            )
        })
        .unwrap_or_default();
    stdout::print(&format!(
        "{}: snapshot {}, {} from {}, sha256 {}{build}{signed}\n",
        crate::redact::path(&args.output),
        metadata.id,
        counted(metadata.secret_count, "secret"),
        metadata.source,
        sha256
    ))
}

/// Signs the snapshot just written to `output` with `key` into `OUTPUT.sig`, and returns
/// the key's fingerprint; without a key, warns of a `.sig` left beside it, which signs an
/// earlier file. Called after the snapshot is written: a reader that finds a new .sig
/// finds the snapshot it signs; one between the two renames sees the new snapshot with
/// the old .sig, which does not match and is refused, never accepted.
pub(super) fn write_signature(
    output: &std::path::Path,
    sealed: &[u8],
    key: Option<&SigningKey>,
    log: &Log,
) -> Result<Option<String>, CommandError> {
    let sig_path = signature_path(output);
    match key {
        Some(key) => {
            atomic_file::write(
                &sig_path,
                key.sign(sealed).as_bytes(),
                0o644,
                Existing::Replace,
            )?;
            Ok(Some(key.fingerprint()))
        }
        None => {
            if sig_path.exists() {
                log.warn(
                    "signature_stale",
                    &format!(
                        "{} beside the snapshot signs an earlier one and no longer matches it: sign this one (--sign-key) or remove it",
                        crate::redact::path(&sig_path)
                    ),
                    json!({"signature": crate::redact::path(&sig_path)}),
                );
            }
            Ok(None)
        }
    }
}

/// `-r` values (or `LIFEBOAT_RECIPIENTS`, comma- or newline-separated) and `-R` files,
/// with duplicates (by fingerprint) removed.
pub(super) fn collect_recipients(
    given: &[String],
    files: &[std::path::PathBuf],
) -> Result<Vec<Recipient>, CommandError> {
    let mut recipients = Vec::new();
    let given = given
        .iter()
        .flat_map(|value| value.split('\n'))
        .map(str::trim)
        .filter(|value| !value.is_empty() && !value.starts_with('#'));
    for (index, text) in given.enumerate() {
        let origin = format!("recipient {} (-r or LIFEBOAT_RECIPIENTS)", index + 1);
        recipients.push(parse_recipient(text, &origin)?);
    }
    for path in files {
        recipients.extend(read_recipients_file(path)?);
    }
    if recipients.is_empty() {
        return Err(CommandError::Usage(
            "no recipients: give -r RECIPIENT, -R FILE or LIFEBOAT_RECIPIENTS (a snapshot nobody can open is useless)".into(),
        ));
    }
    let mut seen = HashSet::new();
    recipients.retain(|r| seen.insert(r.fingerprint.clone()));
    check_recipients_agree(&recipients)?;
    Ok(recipients)
}
