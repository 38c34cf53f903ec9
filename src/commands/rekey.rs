//! `lifeboat rekey`: key rotation without a rebuild and without the secrets service. The
//! snapshot is opened with a key it was sealed to, and its secrets and source scope are
//! sealed again to the recipients given, into a new snapshot with a new id that records
//! the old one's id and sha256 (`rekeyed_from`, authenticated like all metadata). Written
//! atomically; never over an existing file without `--force`.

use std::time::SystemTime;

use serde_json::json;

use super::snapshot::{collect_recipients, write_signature};
use super::{stdout, CommandError};
use crate::atomic_file::{self, Existing};
use crate::cli::RekeyArgs;
use crate::duration::format_timestamp;
use crate::keys::{load_identities, Passphrases, Recipient};
use crate::log::{counted, Log};
use crate::signature::{signature_path, SigningKey};
use crate::snapshot::{
    check_freshness, check_pin, open, read_header, seal, Lineage, Metadata, RecipientInfo,
    SnapshotError, SnapshotFile, FORMAT_VERSION,
};

/// Runs `rekey`.
pub fn execute(args: RekeyArgs, log: &Log) -> Result<(), CommandError> {
    let output = args.output.clone().unwrap_or_else(|| args.file.clone());
    if output == args.file && !args.force {
        return Err(CommandError::Usage(
            "rekey writes a new snapshot: name it with -o OUT, or give --force to replace SNAPSHOT itself".into(),
        ));
    }
    if !args.force && std::fs::symlink_metadata(&output).is_ok() {
        return Err(atomic_file::WriteError::Exists(output).into());
    }
    let recipients = collect_recipients(&args.recipients, &args.recipients_files)?;
    let sign_key = args.sign_key.as_deref().map(SigningKey::read).transpose()?;
    let keys = load_identities(&args.identities.identity_files, Passphrases::AskOnTerminal)?;
    let old = SnapshotFile::read(&args.file)?;
    // A pinned snapshot is checked before it is opened: rekeying a forgery would launder
    // it into a new, legitimate-looking file.
    check_pin(&old, args.pin.expect_sha256.as_ref())?;
    let opened = open(&old.bytes, &keys)?;
    let now = SystemTime::now();
    // An expired snapshot's secrets are as old as ever: reviving it is a decision.
    if let (Err(stale), false) = (
        check_freshness(&opened.metadata, now, None),
        args.allow_expired,
    ) {
        return Err(CommandError::Stale(stale));
    }
    let metadata = Metadata {
        format: FORMAT_VERSION,
        id: Metadata::new_id(now),
        // The secrets were read when the old snapshot was made: that stays its age.
        created_at: opened.metadata.created_at.clone(),
        expires_at: match args.expires_in {
            Some(after) => Some(format_timestamp(now + after)),
            None => opened.metadata.expires_at.clone(),
        },
        recipients: recipients.iter().map(RecipientInfo::of).collect(),
        created_by: concat!("lifeboat ", env!("CARGO_PKG_VERSION")).to_string(),
        rekeyed_from: Some(Lineage {
            id: opened.metadata.id.clone(),
            sha256: old.sha256(),
            rekeyed_at: format_timestamp(now),
        }),
        ..opened.metadata.clone()
    };
    metadata.validate().map_err(|reason| {
        CommandError::Usage(format!(
            "this cannot be recorded in the snapshot's metadata: {reason}"
        ))
    })?;
    let age_recipients: Vec<&dyn age::Recipient> =
        recipients.iter().map(Recipient::as_age).collect();
    let sealed = seal(&opened.secrets, &metadata, &age_recipients)?;
    if read_header(&sealed)?.metadata != metadata {
        return Err(SnapshotError::Seal("the sealed metadata does not read back".into()).into());
    }
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    atomic_file::write(&output, &sealed, 0o644, existing)?;
    let signed_by = write_signature(&output, &sealed, sign_key.as_ref(), log)?;
    let file = SnapshotFile::new(output.clone(), sealed);
    let sha256 = file.sha256();
    log.info(
        "snapshot_rekeyed",
        &format!(
            "rekeyed snapshot {} ({}) to {}",
            opened.metadata.id,
            counted(metadata.secret_count, "secret"),
            counted(metadata.recipients.len(), "recipient")
        ),
        json!({
            "snapshot_id": metadata.id,
            "snapshot": crate::redact::path(&output),
            "rekeyed_from": metadata.rekeyed_from,
            "sha256": sha256,
            "recipients": metadata.recipients,
            "signed_by": signed_by,
        }),
    );
    if args.json {
        let mut summary = json!({
            "snapshot": crate::redact::path(&output),
            "snapshot_id": metadata.id,
            "secret_count": metadata.secret_count,
            "source": metadata.source,
            "sha256": sha256,
            "recipients": metadata.recipients,
            "rekeyed_from": metadata.rekeyed_from,
        });
        if let Some(fingerprint) = &signed_by {
            summary["signature"] = json!(crate::redact::path(&signature_path(&output)));
            summary["signed_by"] = json!(format!("ssh-ed25519 {fingerprint}"));
        }
        return stdout::print(&format!("{summary}\n"));
    }
    let sealed_to: Vec<String> = metadata
        .recipients
        .iter()
        .map(|r| match &r.label {
            Some(label) => format!("{} ({})", r.fingerprint, crate::redact::shown(label)),
            None => r.fingerprint.to_string(),
        })
        .collect();
    let signed = signed_by
        .map(|fingerprint| {
            format!(
                ", signed by ssh-ed25519 {fingerprint} in {}",
                crate::redact::path(&signature_path(&output))
            )
        })
        .unwrap_or_default();
    stdout::print(&format!(
        "{}: snapshot {}, {} from {}, sha256 {}, rekeyed from {}, sealed to {}{signed}\n",
        crate::redact::path(&output),
        metadata.id,
        counted(metadata.secret_count, "secret"),
        metadata.source,
        sha256,
        opened.metadata.id,
        sealed_to.join(", ")
    ))
}
