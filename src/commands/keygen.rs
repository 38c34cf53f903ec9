//! `lifeboat keygen`: a new X25519 identity, in the layout `age-keygen` writes.

use serde_json::json;

use super::{stdout, CommandError};
use crate::atomic_file::{self, Existing};
use crate::cli::KeygenArgs;
use crate::keys::{generate_x25519, Fingerprint};
use crate::log::Log;

/// Runs `keygen`.
pub fn execute(args: KeygenArgs, log: &Log) -> Result<(), CommandError> {
    let (identity_file, recipient) = generate_x25519();
    let fingerprint = Fingerprint::of(recipient.as_bytes());
    match args.output {
        Some(path) => {
            atomic_file::write(&path, identity_file.as_bytes(), 0o600, Existing::Refuse)?;
            log.info(
                "key_written",
                &format!(
                    "wrote a new identity to {} (fingerprint {fingerprint})",
                    path.display()
                ),
                json!({"path": path.to_string_lossy(), "fingerprint": fingerprint}),
            );
            stdout::print(&format!("{recipient}\n"))
        }
        None => {
            log.info(
                "key_generated",
                &format!("public key: {recipient} (fingerprint {fingerprint})"),
                json!({"recipient": recipient, "fingerprint": fingerprint}),
            );
            stdout::print(&identity_file)
        }
    }
}
