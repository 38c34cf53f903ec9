//! `lifeboat verify`: open a snapshot with a key and check everything `run` relies on
//! (structure, header MAC, payload, expiry, `--max-age`), printing no secret value. The
//! exit code says what is wrong; with `--json` stdout says it too.

use std::time::SystemTime;

use serde_json::json;

use super::snapshot_input::{read_snapshot, read_snapshot_signature};
use super::{stdout, CommandError};
use crate::cli::VerifyArgs;
use crate::duration::describe;
use crate::keys::{load_identities, Passphrases};
use crate::log::counted;
use crate::signature::AllowedSigners;
use crate::snapshot::{check_freshness, check_pin, open_file};

/// Runs `verify`.
pub fn execute(args: VerifyArgs) -> Result<(), CommandError> {
    let json = args.json;
    match check(args) {
        Ok(report) => stdout::print(&report),
        Err(error) => {
            if json {
                let mut value = error.to_json();
                value["ok"] = json!(false);
                // The error is also reported on stderr; a closed stdout changes nothing.
                let _ = stdout::print(&format!("{value:#}\n"));
            }
            Err(error)
        }
    }
}

fn check(args: VerifyArgs) -> Result<String, CommandError> {
    let keys = load_identities(&args.identities.identity_files, Passphrases::AskOnTerminal)?;
    let signers = args
        .signers
        .trusted_signers
        .as_deref()
        .map(AllowedSigners::read)
        .transpose()?;
    let mut file = read_snapshot(&args.file, &args.image)?;
    let now = SystemTime::now();
    check_pin(&file, args.pin.expect_sha256.as_ref())?;
    // Before the file is parsed or decrypted, as the pin: an unsigned file is not opened.
    let signer = match &signers {
        Some(signers) => {
            let (sig_path, sig_text) = read_snapshot_signature(&args.file, &args.image)?;
            Some(crate::signature::check(
                &sig_path,
                &sig_text,
                &file.bytes,
                signers,
                now,
            )?)
        }
        None => None,
    };
    let opened = open_file(&mut file, &keys)?;
    check_freshness(&opened.metadata, now, args.max_age)?;
    let metadata = &opened.metadata;
    let key = &keys[opened.opened_with];
    let age = metadata.age_at(now);
    if args.json {
        let mut value = json!({
            "ok": true,
            "snapshot": crate::redact::path(&file.path),
            "snapshot_id": metadata.id,
            "file": file.path.to_string_lossy(),
            "sha256": file.sha256(),
            "id": metadata.id,
            "format": metadata.format,
            "created_at": metadata.created_at,
            "age_seconds": age.as_secs(),
            "expires_at": metadata.expires_at,
            "secret_count": opened.secrets.len(),
            "source": metadata.source,
            "opened_with": {"type": key.kind, "fingerprint": key.fingerprint(), "origin": key.origin},
        });
        if let Some(signer) = &signer {
            value["signed_by"] = json!({"type": "ssh-ed25519", "fingerprint": signer.fingerprint, "principals": signer.principals});
        }
        return Ok(format!("{value:#}\n"));
    }
    let expiry = match &metadata.expires_at {
        Some(at) => format!("expires {at}"),
        None => "no expiry".to_string(),
    };
    let signed = match &signer {
        Some(signer) => format!(
            "; signed by ssh-ed25519 {} (trusted as {})",
            signer.fingerprint, signer.principals
        ),
        None => String::new(),
    };
    Ok(format!(
        "ok: {} is snapshot {} (format v{}), {} from {}, created {} ({} old), {expiry}; opened with {} {} from {}{signed}\n",
        crate::redact::path(&file.path),
        metadata.id,
        metadata.format,
        counted(opened.secrets.len(), "secret"),
        metadata.source,
        metadata.created_at,
        describe(age),
        key.kind,
        key.fingerprint(),
        key.origin
    ))
}
