//! `lifeboat inspect`: everything a snapshot says about itself, read with no key. No
//! secret value is ever shown; names only when the builder published them.

use std::time::SystemTime;

use serde_json::json;

use super::snapshot_input::read_snapshot;
use super::{stdout, CommandError};
use crate::cli::InspectArgs;
use crate::duration::describe;
use crate::snapshot::{read_header, Header, SnapshotFile};

/// Runs `inspect`.
pub fn execute(args: InspectArgs) -> Result<(), CommandError> {
    let file = read_snapshot(&args.file, &args.image)?;
    let header = read_header(&file.bytes)?;
    let text = if args.json {
        format!("{:#}\n", inspect_json(&file, &header))
    } else {
        inspect_text(&file, &header)
    };
    stdout::print(&text)
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
