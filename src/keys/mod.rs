//! Keys: recipients (public keys a snapshot is sealed to) and identities (private keys
//! that open it): age's X25519 (`age1…`) and hybrid post-quantum (`age1pq1…`) keys, SSH
//! keys (`ssh-ed25519`, `ssh-rsa`), age's tag recipients for hardware keys (`age1tag1…`,
//! `age1tagpq1…`) and keys held by age plugins; passphrase-protected identity files and
//! SSH keys; and the fingerprints that name them in metadata, errors and audit lines
//! without revealing them.

mod error;
mod fingerprint;
mod identities;
mod identity;
pub mod mlkem768x25519;
pub mod passphrase;
mod recipient;
mod ssh_integers;

pub use error::KeyError;
pub use fingerprint::{Fingerprint, KeyKind};
pub use identities::{load_identities, IDENTITY_TEXT_VAR};
pub use identity::{
    generate_postquantum, generate_x25519, load_identity_file, parse_identities,
    parse_identity_bytes, Identity,
};
pub use passphrase::Passphrases;
pub use recipient::{check_recipients_agree, parse_recipient, read_recipients_file, Recipient};

/// Why a plugin may not be used now, if it may not: with `AGEDEBUG=plugin` the age crate
/// prints the whole plugin conversation on stderr, file keys and identities included.
pub(crate) fn plugin_refused() -> Option<String> {
    (std::env::var_os("AGEDEBUG").is_some_and(|v| v == "plugin")).then(|| {
        "AGEDEBUG=plugin is set, which would print the plugin's conversation, keys included, on stderr; unset it".to_string()
    })
}

/// Whether `name` may name an age plugin: letters, digits and `+-._`, as age requires
/// since GHSA-4fg7-vxc8-qx5w. The name becomes part of a program's name
/// (`age-plugin-NAME`, looked up on PATH), so a `/` would let a key file run any program.
pub fn is_plugin_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_'))
}
