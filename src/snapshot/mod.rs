//! The snapshot format v1: a standard age file whose payload is a JSON document of the
//! secrets and their metadata, with the same metadata in a header stanza of lifeboat's
//! own (`-> lifeboat-meta v1`) so it can be read with no key and is authenticated by the
//! age header MAC once the file is opened. `docs/FORMAT.md` is the specification.

mod error;
mod file;
mod freshness;
mod header;
mod metadata;
mod metadata_stanza;
mod open;
mod pin;
mod seal;

pub use error::SnapshotError;
pub use file::{sha256_hex, SnapshotFile, MAX_SNAPSHOT_BYTES};
pub use freshness::{check_freshness, Staleness};
pub use header::{read_header, Header, StanzaSummary};
pub use metadata::{Lineage, Metadata, RecipientInfo};
pub use open::{check_payload, open, open_file, Opened};
pub use pin::{check_pin, Pin};
pub use seal::seal;

/// The format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The tag of lifeboat's header stanza.
pub const METADATA_STANZA_TAG: &str = "lifeboat-meta";

/// Where images keep their snapshot unless told otherwise.
pub const DEFAULT_PATH: &str = "/etc/lifeboat/snapshot.age";
