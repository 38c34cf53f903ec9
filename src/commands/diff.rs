//! `lifeboat diff`: the CI gate against stale snapshots. Opens a snapshot (a file or out
//! of an image), fetches the live source, and prints the names added, removed and
//! changed since the snapshot was made, never a value. Exit 0 when they match, 24 when
//! they differ, the usual codes for every failure.

use serde_json::json;

use super::snapshot_input::read_snapshot;
use super::{live_settings, stdout, CommandError};
use crate::cli::DiffArgs;
use crate::http::Deadline;
use crate::keys::{load_identities, Passphrases};
use crate::runtime::Drift;
use crate::snapshot::open;
use crate::source::SourceSpec;

/// Runs `diff`.
pub fn execute(args: DiffArgs) -> Result<(), CommandError> {
    let keys = load_identities(&args.identities.identity_files, Passphrases::AskOnTerminal)?;
    let path = args.file.as_ref().unwrap_or(&args.snapshot);
    let file = read_snapshot(path, &args.image)?;
    let opened = open(&file.bytes, &keys)?;
    let recorded = args.source.is_empty();
    let spec = if recorded {
        SourceSpec::from_recorded(&opened.metadata.source).ok_or_else(|| {
            CommandError::Usage(format!(
                "no --source, and the source the snapshot recorded ({}) cannot be asked again as recorded (a credential in its URL was left out): give --source",
                opened.metadata.source
            ))
        })?
    } else {
        SourceSpec::parse_all(&args.source)?
    };
    let deadline = Deadline::after(args.timeout);
    let fetched = spec
        .into_source(&live_settings(&args.live))?
        .fetch(deadline)?;
    // Asked as the snapshot recorded it, the answer must come from the same scope (the
    // environment's DOPPLER_PROJECT or VAULT_NAMESPACE could point elsewhere).
    if recorded {
        if let crate::runtime::ScopeCheck::Mismatch(mismatch) =
            crate::runtime::check_scope(&opened.metadata.source, &fetched.scope, false)
        {
            return Err(CommandError::Usage(format!(
                "no --source: the source the snapshot recorded answered for another scope ({}); give --source, or set {}",
                mismatch.reason, mismatch.settings
            )));
        }
    }
    let drift = Drift::between(&fetched.secrets, &opened.secrets);
    let id = &opened.metadata.id;
    let report = if args.json {
        json!({
            "snapshot": crate::redact::path(&file.path),
            "snapshot_id": id,
            "source": fetched.scope,
            "same": drift.is_empty(),
            "added": drift.added,
            "removed": drift.removed,
            "changed": drift.changed,
        })
        .to_string()
            + "\n"
    } else if drift.is_empty() {
        format!(
            "same: snapshot {id} holds what {} holds now\n",
            fetched.scope
        )
    } else {
        let mut lines = vec![format!(
            "differs: snapshot {id} against {} now: {}",
            fetched.scope,
            drift.counts()
        )];
        // A snapshot's names may be anything an older snapshot held: escaped.
        let line = |mark: &str, name: &String| format!("{mark} {}", crate::redact::shown(name));
        lines.extend(drift.added.iter().map(|n| line("+", n)));
        lines.extend(drift.removed.iter().map(|n| line("-", n)));
        lines.extend(drift.changed.iter().map(|n| line("~", n)));
        lines.join("\n") + "\n"
    };
    stdout::print(&report)?;
    if drift.is_empty() {
        Ok(())
    } else {
        Err(CommandError::Differs(drift.counts()))
    }
}
