//! Keys: recipients (public keys a snapshot is sealed to) and identities (private keys
//! that open it), both X25519 (`age1…`) and SSH (`ssh-ed25519`, `ssh-rsa`), and the
//! fingerprints that name them in metadata, errors and audit lines without revealing them.

mod error;
mod fingerprint;
mod identities;
mod identity;
mod recipient;

pub use error::KeyError;
pub use fingerprint::{Fingerprint, KeyKind};
pub use identities::{load_identities, IDENTITY_TEXT_VAR};
pub use identity::{generate_x25519, load_identity_file, parse_identities, Identity};
pub use recipient::{parse_recipient, read_recipients_file, Recipient};
