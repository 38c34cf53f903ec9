//! `lifeboat inspect`: everything a snapshot says about itself, read with no key. No
//! secret value is ever shown; names only when the builder published them.

use std::time::SystemTime;

use serde_json::json;

use super::snapshot_input::{read_snapshot, read_snapshot_signature};
use super::{stdout, CommandError};
use crate::cli::InspectArgs;
use crate::duration::describe;
use crate::signature::{describe as describe_signature, SignatureError, Unverified};
use crate::snapshot::{read_header, Header, SnapshotFile};

/// Runs `inspect`.
pub fn execute(args: InspectArgs) -> Result<(), CommandError> {
    let file = read_snapshot(&args.file, &args.image)?;
    let header = read_header(&file.bytes)?;
    // The .sig beside the snapshot, in the file system or in the image; none is no error.
    let signature = match read_snapshot_signature(&args.file, &args.image) {
        Ok((sig_path, sig_text)) => {
            Some(describe_signature(&sig_path, &sig_text).map(|seen| (sig_path, seen)))
        }
        Err(CommandError::Signature(SignatureError::Missing { .. })) => None,
        // A .sig that cannot be read is shown as such: inspect reads what it can.
        Err(CommandError::Signature(error)) => Some(Err(error)),
        Err(error) => return Err(error),
    };
    let text = if args.json {
        let mut value = inspect_json(&file, &header);
        value["signature"] = match &signature {
            None => json!(null),
            Some(Ok((sig_path, seen))) => json!({
                "file": crate::redact::path(sig_path),
                "type": "ssh-ed25519",
                "fingerprint": seen.fingerprint,
                "namespace": seen.namespace,
                "verified": false,
            }),
            Some(Err(error)) => json!({
                "error": error.to_string(),
                "verified": false,
            }),
        };
        format!("{value:#}\n")
    } else {
        let mut text = inspect_text(&file, &header);
        if let Some(seen) = &signature {
            let line = signature_line(seen);
            // Before the closing note, which stays the last line.
            let at = text.rfind("note:").unwrap_or(text.len());
            text.insert_str(at, &line);
        }
        text
    };
    stdout::print(&text)
}

/// The `signature:` line for a .sig found beside the snapshot.
fn signature_line(seen: &Result<(std::path::PathBuf, Unverified), SignatureError>) -> String {
    match seen {
        Ok((_, seen)) => format!(
            "signature:   ssh-ed25519 {} (namespace {}); unverified: no signer list (`lifeboat verify --trusted-signers FILE` checks it)\n",
            seen.fingerprint, seen.namespace
        ),
        Err(error) => format!("signature:   unreadable: {error}\n"),
    }
}

/// What `inspect --json` prints for a snapshot's header.
pub fn inspect_json(file: &SnapshotFile, header: &Header) -> serde_json::Value {
    let metadata = &header.metadata;
    let now = SystemTime::now();
    json!({
        "snapshot": crate::redact::path(&file.path),
        "snapshot_id": metadata.id,
        "file": file.path.to_string_lossy(),
        "sha256": file.sha256(),
        "size": file.bytes.len(),
        "format": metadata.format,
        "id": metadata.id,
        "created_at": metadata.created_at,
        "age_seconds": metadata.age_at(now).as_secs(),
        "expires_at": metadata.expires_at,
        "expired": metadata.expires().is_some_and(|t| now >= t),
        "source": metadata.source,
        "secret_count": metadata.secret_count,
        "names": metadata.names,
        "recipients": metadata.recipients,
        "stanzas": header.stanzas.iter().map(|s| &s.tag).collect::<Vec<_>>(),
        "created_by": metadata.created_by,
        "rekeyed_from": metadata.rekeyed_from,
        "authenticated": false,
    })
}

/// What `inspect` prints for a snapshot's header.
pub fn inspect_text(file: &SnapshotFile, header: &Header) -> String {
    let metadata = &header.metadata;
    let now = SystemTime::now();
    let expiry = match metadata.expires() {
        None => "never".to_string(),
        Some(t) if now >= t => format!(
            "{} (EXPIRED {} ago)",
            metadata.expires_at.as_deref().unwrap_or_default(),
            describe(now.duration_since(t).unwrap_or_default())
        ),
        Some(t) => format!(
            "{} (in {})",
            metadata.expires_at.as_deref().unwrap_or_default(),
            describe(t.duration_since(now).unwrap_or_default())
        ),
    };
    let names = match &metadata.names {
        Some(names) => names.join(", "),
        None => "(not published)".to_string(),
    };
    let mut lines = vec![
        format!("file:        {}", crate::redact::path(&file.path)),
        format!("sha256:      {}", file.sha256()),
        format!(
            "format:      lifeboat snapshot v{} (an age file)",
            metadata.format
        ),
        format!("id:          {}", metadata.id),
        format!(
            "created:     {} ({} ago)",
            metadata.created_at,
            describe(metadata.age_at(now))
        ),
        format!("expires:     {expiry}"),
        format!("source:      {}", metadata.source),
        format!("secrets:     {}", metadata.secret_count),
        format!("names:       {names}"),
        format!("recipients:  {}", metadata.recipients.len()),
    ];
    lines.extend(metadata.recipients.iter().map(|r| format!("  - {r}")));
    // age adds a stanza of a random made-up type to every file ("grease", so readers
    // keep ignoring types they do not know): named as what it is, not by its tag.
    let stanzas: Vec<String> = header
        .stanzas
        .iter()
        .map(|s| {
            if s.tag.ends_with("-grease") {
                "grease (random, added by age)".to_string()
            } else {
                crate::redact::shown(&s.tag)
            }
        })
        .collect();
    lines.push(format!("stanzas:     {}", stanzas.join(", ")));
    lines.push(format!("created by:  {}", metadata.created_by));
    if let Some(lineage) = &metadata.rekeyed_from {
        lines.push(format!(
            "rekeyed:     {} from {} (sha256 {})",
            crate::redact::shown(&lineage.rekeyed_at),
            lineage.id,
            lineage.sha256
        ));
    }
    lines.push(
        "note:        read with no key, so not yet authenticated; `lifeboat verify` checks it"
            .into(),
    );
    lines.join("\n") + "\n"
}
