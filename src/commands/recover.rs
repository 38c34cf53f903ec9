//! `lifeboat recover`: the break-glass path. Opens a snapshot with an offline key and
//! prints or writes its secrets. It opens expired snapshots too (outages do not wait for
//! rebuilds) but says so loudly, and it always leaves an audit line on stderr: which
//! snapshot, which key, who, when.

use std::time::SystemTime;

use serde_json::json;

use super::snapshot_input::read_snapshot;
use super::{stdout, CommandError};
use crate::atomic_file::{self, Existing};
use crate::cli::RecoverArgs;
use crate::cli::RecoverFormat;
use crate::duration::format_timestamp;
use crate::export::{is_kubernetes_label, is_kubernetes_name, render, Format};
use crate::keys::{load_identities, Passphrases};
use crate::log::{counted, Log};
use crate::secret::Secrets;
use crate::snapshot::{check_freshness, check_pin, open_file};

/// Runs `recover`.
pub fn execute(args: RecoverArgs, log: &Log) -> Result<(), CommandError> {
    let keys = load_identities(&args.identities.identity_files, Passphrases::AskOnTerminal)?;
    if let Some(path) = &args.output {
        if !args.force && path.symlink_metadata().is_ok() {
            return Err(atomic_file::WriteError::Exists(path.clone()).into());
        }
    }
    let path = args.file.as_ref().unwrap_or(&args.snapshot);
    let mut file = read_snapshot(path, &args.image)?;
    check_pin(&file, args.pin.expect_sha256.as_ref())?;
    let opened = open_file(&mut file, &keys)?;
    let metadata = &opened.metadata;
    let now = SystemTime::now();

    if let Err(stale) = check_freshness(metadata, now, None) {
        log.warn(
            "snapshot_expired",
            &format!("THIS SNAPSHOT HAS EXPIRED: {stale}. Recovering anyway, because recover is for emergencies; its secrets may be out of date."),
            json!({"snapshot_id": metadata.id, "expires_at": metadata.expires_at}),
        );
    }
    let format = format_of(&args)?;
    let secrets = only(opened.secrets, &args.only)?;
    let rendered = render(&secrets, &format)?;

    let key = &keys[opened.opened_with];
    // `$USER` is the environment's word, not proof: escaped like every other text here,
    // so no value can forge a second audit line.
    let user = crate::redact::shown(&who_is_recovering());
    let destination = match &args.output {
        Some(path) => crate::redact::path(path).into_owned(),
        None => "stdout".to_string(),
    };
    let source = crate::redact::path(&file.path).into_owned();

    let written = match &args.output {
        Some(path) => {
            let existing = if args.force {
                Existing::Replace
            } else {
                Existing::Refuse
            };
            atomic_file::write(path, rendered.as_bytes(), 0o600, existing).map_err(Into::into)
        }
        None => stdout::print(&rendered),
    };

    // The audit line says what happened, so it comes after it: a line naming a file that
    // was never written would mislead whoever reads the incident notes. A failed write
    // is still a use of the key, and is recorded as such.
    let at = format_timestamp(SystemTime::now());
    let facts = format!(
        "snapshot {} (sha256 {}, created {}, {}) from {} with key {} {} ({}) by user {} at {}",
        metadata.id,
        file.sha256(),
        metadata.created_at,
        counted(secrets.len(), "secret"),
        source,
        key.kind,
        key.fingerprint(),
        key.origin,
        user,
        at,
    );
    let mut fields = json!({
        "snapshot_id": metadata.id,
        "sha256": file.sha256(),
        "created_at": metadata.created_at,
        "secret_count": secrets.len(),
        "snapshot": source,
        "key_type": key.kind,
        "key_fingerprint": key.fingerprint(),
        "key_origin": key.origin,
        "user": user,
        "recovered_at": at,
        "destination": destination,
    });
    match (&written, &args.output) {
        (Ok(()), _) => log.info(
            "audit_recover",
            &format!("audit: recovered {facts} to {destination}"),
            fields,
        ),
        (Err(_), output) => {
            fields["written"] = json!(false);
            let outcome = match output {
                Some(_) => format!("nothing was written to {destination}"),
                None => "writing to stdout failed; part of it may have been written".into(),
            };
            log.info(
                "audit_recover_failed",
                &format!("audit: opened {facts}; {outcome}"),
                fields,
            );
        }
    }
    written
}

/// The output format, with the manifest's name and namespace checked.
fn format_of(args: &RecoverArgs) -> Result<Format, CommandError> {
    Ok(match args.format {
        RecoverFormat::Env => Format::Env,
        RecoverFormat::Dotenv => Format::Dotenv,
        RecoverFormat::Json => Format::Json,
        RecoverFormat::Shell => Format::Shell,
        RecoverFormat::EnvFile => Format::EnvFile,
        RecoverFormat::Kubernetes => {
            if !is_kubernetes_name(&args.name) {
                return Err(CommandError::Usage(
                    "--name must be a Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit".into(),
                ));
            }
            if args
                .namespace
                .as_deref()
                .is_some_and(|n| !is_kubernetes_label(n))
            {
                return Err(CommandError::Usage(
                    "--namespace must be a Kubernetes namespace: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63".into(),
                ));
            }
            Format::Kubernetes {
                name: args.name.clone(),
                namespace: args.namespace.clone(),
            }
        }
    })
}

/// The secrets `--only` names (all of them without it); a name the snapshot does not
/// hold is an error, not a silent omission.
fn only(secrets: Secrets, names: &[String]) -> Result<Secrets, CommandError> {
    if names.is_empty() {
        return Ok(secrets);
    }
    if let Some(missing) = names.iter().find(|n| !secrets.contains(n)) {
        // The operator holds the key: the snapshot's own names may be shown.
        let close = crate::similar::close_to(missing, secrets.names());
        let hint = match close.as_slice() {
            [] => "; names are case-sensitive (--format env without --only lists them all)"
                .to_string(),
            close => format!(
                "; did you mean {}?",
                close
                    .iter()
                    .map(|n| crate::redact::shown(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(CommandError::Usage(format!(
            "--only {}: the snapshot holds no secret of that name{hint}",
            crate::redact::value(missing)
        )));
    }
    Ok(secrets.retain_names(names))
}

/// The user for the audit line: `$USER` or `$LOGNAME`, else the real uid (containers and
/// `sudo -i` often set neither).
fn who_is_recovering() -> String {
    if let Some(name) = ["USER", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok())
    {
        return name;
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Uid:"))?;
            Some(format!("uid {}", line.split_whitespace().nth(1)?))
        })
        .unwrap_or_else(|| "unknown".into())
}
