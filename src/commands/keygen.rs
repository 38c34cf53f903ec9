//! `lifeboat keygen`: a new identity, in the layout `age-keygen` writes: X25519, or hybrid
//! post-quantum with `--pq`; with `--passphrase`, the file is protected as `age -p` would.

use std::io::{Read, Write};

use age_core::secrecy::ExposeSecret;
use serde_json::json;
use zeroize::Zeroizing;

use super::{stdout, CommandError};
use crate::atomic_file::{self, Existing};
use crate::cli::KeygenArgs;
use crate::keys::passphrase::{ask_hidden, AskError};
use crate::keys::{generate_postquantum, generate_x25519, Fingerprint, KeyError, Passphrases};
use crate::log::Log;

/// Runs `keygen`.
pub fn execute(args: KeygenArgs, log: &Log) -> Result<(), CommandError> {
    if args.recipients {
        return print_recipients(args.input.as_deref());
    }
    let (identity_file, recipient) = if args.pq {
        generate_postquantum()
    } else {
        generate_x25519()
    };
    let fingerprint = Fingerprint::of(recipient.as_bytes());
    match args.output {
        Some(path) => {
            let contents = if args.passphrase {
                protect(&identity_file, &crate::redact::path(&path))?
            } else {
                Zeroizing::new(identity_file.as_bytes().to_vec())
            };
            atomic_file::write(&path, &contents, 0o600, Existing::Refuse)?;
            log.info(
                "key_written",
                &format!(
                    "wrote a new {}identity to {} (fingerprint {fingerprint})",
                    if args.passphrase {
                        "passphrase-protected "
                    } else {
                        ""
                    },
                    crate::redact::path(&path)
                ),
                json!({"path": crate::redact::path(&path), "fingerprint": fingerprint,
                       "postquantum": args.pq, "passphrase": args.passphrase}),
            );
            stdout::print(&format!("{recipient}\n"))
        }
        None => {
            log.info(
                "key_generated",
                &format!("public key: {recipient} (fingerprint {fingerprint})"),
                json!({"recipient": recipient, "fingerprint": fingerprint, "postquantum": args.pq}),
            );
            stdout::print(&identity_file)
        }
    }
}

/// The identity file encrypted with a passphrase asked twice on the terminal (age's
/// scrypt recipient at its default work factor, about a second to open), armored.
fn protect(identity_file: &str, origin: &str) -> Result<Zeroizing<Vec<u8>>, CommandError> {
    let ask = |prompt: String| {
        ask_hidden(&prompt).map_err(|error| match error {
            // The file does not exist yet: the error is about the flag, not "the key in
            // FILE".
            AskError::NoTerminal => CommandError::Usage(format!(
                "--passphrase asks for the new key's passphrase on a terminal, and there is none; run lifeboat keygen --passphrase on a terminal, or leave out --passphrase (nothing was written to {})",
                origin.escape_debug()
            )),
            AskError::Terminal(source) => CommandError::Key(KeyError::Terminal { source }),
        })
    };
    let first = ask(format!(
        "lifeboat: passphrase for the new key {}: ",
        origin.escape_debug()
    ))?;
    if first.expose_secret().is_empty() {
        return Err(CommandError::Usage(
            "the passphrase is empty; a protected key needs one (or leave out --passphrase)".into(),
        ));
    }
    let again = ask("lifeboat: the same passphrase again: ".to_string())?;
    if first.expose_secret() != again.expose_secret() {
        return Err(CommandError::Usage(
            "the two passphrases differ; nothing was written".into(),
        ));
    }
    let sealing = |e: std::io::Error| CommandError::Usage(format!("cannot protect the key: {e}"));
    let encryptor = age::Encryptor::with_user_passphrase(first);
    let mut out = Zeroizing::new(Vec::with_capacity(identity_file.len() * 2 + 512));
    let armor = age::armor::ArmoredWriter::wrap_output(&mut *out, age::armor::Format::AsciiArmor)
        .map_err(sealing)?;
    let mut writer = encryptor.wrap_output(armor).map_err(sealing)?;
    writer
        .write_all(identity_file.as_bytes())
        .map_err(sealing)?;
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .map_err(sealing)?;
    Ok(out)
}

/// `keygen -y [INPUT]`: the recipient of every identity in the file (standard input
/// without one, or with `-`), one a line, in the file's order.
fn print_recipients(input: Option<&std::path::Path>) -> Result<(), CommandError> {
    let identities = match input.filter(|path| path.as_os_str() != "-") {
        Some(path) => crate::keys::load_identity_file(path, Passphrases::AskOnTerminal)?,
        None => {
            let mut bytes = Zeroizing::new(Vec::new());
            std::io::Read::read_to_end(&mut std::io::stdin().take(1 << 20), &mut bytes)
                .map_err(|e| CommandError::Usage(format!("cannot read standard input: {e}")))?;
            crate::keys::parse_identity_bytes(&bytes, "standard input", Passphrases::AskOnTerminal)?
        }
    };
    let mut lines = String::new();
    for identity in &identities {
        let recipient = identity.recipient().ok_or_else(|| {
            CommandError::Usage(format!(
                "{} holds a plugin identity, which does not carry its recipient: the plugin's own tool prints it (age-plugin-NAME, or the device's setup tool)",
                crate::redact::shown(&identity.origin)
            ))
        })?;
        lines.push_str(&recipient);
        lines.push('\n');
    }
    stdout::print(&lines)
}
