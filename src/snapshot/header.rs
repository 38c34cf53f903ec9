//! Reading an age header with no key: enough of the age v1 grammar to list the stanzas
//! and take lifeboat's metadata out of its own. Nothing read here is trusted until the
//! file is opened, which checks the header MAC over every byte of it.
//!
//! ```text
//! age-encryption.org/v1
//! -> TAG ARG…            one line per stanza, then its body in base64,
//! BODY                   64 columns a line, ending with a shorter (maybe empty) line
//! --- MAC
//! ```

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

use super::{Metadata, SnapshotError, FORMAT_VERSION, METADATA_STANZA_TAG};

const MAGIC: &str = "age-encryption.org/v1";
const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
const BODY_COLUMNS: usize = 64;

/// What a plain parse of the header shows.
#[derive(Debug)]
pub struct Header {
    /// Every stanza's type and arguments, in file order (bodies are not kept).
    pub stanzas: Vec<StanzaSummary>,
    /// The metadata, parsed from the `lifeboat-meta` stanza.
    pub metadata: Metadata,
    /// The metadata exactly as stored, for comparison with the payload's copy.
    pub metadata_json: serde_json::Value,
    /// The header's length in bytes, up to and including the MAC line.
    pub len: usize,
}

/// A stanza as listed by `inspect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanzaSummary {
    /// The stanza type (`X25519`, `ssh-ed25519`, `lifeboat-meta`, …).
    pub tag: String,
    /// Its arguments.
    pub args: Vec<String>,
}

struct RawStanza {
    summary: StanzaSummary,
    body: String,
}

struct Lines<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Lines<'a> {
    /// The next `\n`-terminated line, or a truncation error at the end of the input.
    fn next(&mut self) -> Result<&'a str, SnapshotError> {
        let rest = &self.bytes[self.position..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(SnapshotError::Truncated("the header"))?;
        self.position += end + 1;
        std::str::from_utf8(&rest[..end])
            .ok()
            .filter(|line| line.bytes().all(|b| (0x20..0x7f).contains(&b)))
            .ok_or_else(|| {
                SnapshotError::Malformed("the header has a line that is not printable ASCII".into())
            })
    }
}

/// Reads the header of a snapshot and the metadata in it.
pub fn read_header(bytes: &[u8]) -> Result<Header, SnapshotError> {
    if bytes.is_empty() {
        return Err(SnapshotError::Truncated("the file (it is empty)"));
    }
    if bytes.starts_with(ARMOR_BEGIN) {
        return Err(SnapshotError::Armored);
    }
    let mut lines = Lines { bytes, position: 0 };
    let first = match lines.next() {
        Ok(line) => line,
        Err(SnapshotError::Truncated(_)) if MAGIC.as_bytes().starts_with(bytes) => {
            return Err(SnapshotError::Truncated("the header"))
        }
        Err(_) => return Err(SnapshotError::NotAgeFile),
    };
    if first != MAGIC {
        return Err(if first.starts_with("age-encryption.org/") {
            SnapshotError::Malformed(format!("unsupported age format {first:?}"))
        } else {
            SnapshotError::NotAgeFile
        });
    }
    let mut stanzas = Vec::new();
    loop {
        let line = lines.next()?;
        if let Some(rest) = line.strip_prefix("-> ") {
            let mut words = rest.split(' ');
            let tag = words.next().unwrap_or_default().to_string();
            let args: Vec<String> = words.map(str::to_string).collect();
            if tag.is_empty() || args.iter().any(String::is_empty) {
                return Err(SnapshotError::Malformed(
                    "a stanza line is malformed".into(),
                ));
            }
            let mut body = String::new();
            loop {
                let body_line = lines.next()?;
                if body_line.len() > BODY_COLUMNS {
                    return Err(SnapshotError::Malformed(
                        "a stanza body line is too long".into(),
                    ));
                }
                body.push_str(body_line);
                if body_line.len() < BODY_COLUMNS {
                    break;
                }
            }
            stanzas.push(RawStanza {
                summary: StanzaSummary { tag, args },
                body,
            });
        } else if line == "---" || line.starts_with("--- ") {
            let (metadata, metadata_json) = metadata_from(&stanzas)?;
            return Ok(Header {
                stanzas: stanzas.into_iter().map(|s| s.summary).collect(),
                metadata,
                metadata_json,
                len: lines.position,
            });
        } else {
            return Err(SnapshotError::Malformed(
                "the header has a line that is neither a stanza nor the MAC".into(),
            ));
        }
    }
}

fn metadata_from(stanzas: &[RawStanza]) -> Result<(Metadata, serde_json::Value), SnapshotError> {
    let mut ours = stanzas
        .iter()
        .filter(|s| s.summary.tag == METADATA_STANZA_TAG);
    let stanza = ours.next().ok_or(SnapshotError::NotLifeboat)?;
    if ours.next().is_some() {
        return Err(SnapshotError::Malformed(
            "the header has two lifeboat-meta stanzas".into(),
        ));
    }
    let version = match stanza.summary.args.as_slice() {
        [arg] => arg
            .strip_prefix('v')
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&v| v > 0),
        _ => None,
    }
    .ok_or_else(|| {
        SnapshotError::Malformed("the lifeboat-meta stanza has no valid version argument".into())
    })?;
    if version > FORMAT_VERSION {
        return Err(SnapshotError::NewerVersion { found: version });
    }
    let body = STANDARD_NO_PAD
        .decode(&stanza.body)
        .map_err(|_| SnapshotError::Malformed("the metadata stanza is not valid base64".into()))?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| SnapshotError::Malformed("the metadata is not valid JSON".into()))?;
    // serde's own words may quote the forged value (an unknown variant): only the
    // fact is said.
    let metadata: Metadata = serde_json::from_value(json.clone())
        .map_err(|_| SnapshotError::Malformed("the metadata does not have the v1 layout".into()))?;
    if metadata.format != version {
        return Err(SnapshotError::Malformed(format!(
            "the metadata says format {} but its stanza says v{version}",
            metadata.format
        )));
    }
    metadata.validate().map_err(SnapshotError::Malformed)?;
    Ok((metadata, json))
}
