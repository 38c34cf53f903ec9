//! Pinning a snapshot by its SHA-256 (`--expect-sha256`, `LIFEBOAT_SNAPSHOT_SHA256`).
//!
//! age has no sender authentication: anyone who knows a recipient's public key can seal a
//! file that key opens. A deployment that records the digest `snapshot` printed at build
//! time, outside the image, can refuse any other file, and does so before anything in the
//! file is parsed or decrypted.

use std::fmt;

use super::{SnapshotError, SnapshotFile};

/// The SHA-256 a snapshot file must have, as 64 lower-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Parses 64 hex digits, optionally after `sha256:` (the form image tools print
    /// digests in); case and surrounding blanks do not matter.
    pub fn parse(text: &str) -> Result<Pin, String> {
        let trimmed = text.trim();
        let hex = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "expected a SHA-256 as 64 hex digits (the sha256 `lifeboat snapshot` prints), got {} characters",
                hex.len()
            ));
        }
        Ok(Pin(hex.to_ascii_lowercase()))
    }

    /// Refuses `file` unless its SHA-256 is the pinned one.
    pub fn check(&self, file: &SnapshotFile) -> Result<(), SnapshotError> {
        let found = file.sha256();
        if found == self.0 {
            Ok(())
        } else {
            Err(SnapshotError::NotPinned {
                expected: self.0.clone(),
                found,
            })
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks `file` against the pin, if there is one.
pub fn check_pin(file: &SnapshotFile, pin: Option<&Pin>) -> Result<(), SnapshotError> {
    pin.map_or(Ok(()), |pin| pin.check(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0dd85e320bd8b3c51fd9af07fc90b049d0c5dc7dee7c3711945947e2576c5a42";

    #[test]
    fn parses_the_forms_people_paste() {
        let pin = Pin::parse(HEX).unwrap();
        assert_eq!(Pin::parse(&format!("sha256:{HEX}")).unwrap(), pin);
        assert_eq!(
            Pin::parse(&format!(" {}\n", HEX.to_uppercase())).unwrap(),
            pin
        );
        assert_eq!(pin.to_string(), HEX);
        for bad in [
            "",
            "abc",
            &HEX[1..],
            &format!("{HEX}0"),
            &HEX.replace('0', "g"),
        ] {
            assert!(Pin::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_any_other_file() {
        let file = |bytes: &[u8]| SnapshotFile::new("s.age".into(), bytes.to_vec());
        let pin = Pin::parse(&super::super::sha256_hex(b"sealed")).unwrap();
        assert!(pin.check(&file(b"sealed")).is_ok());
        let error = pin.check(&file(b"sealed ")).unwrap_err();
        assert!(matches!(error, SnapshotError::NotPinned { .. }));
        assert!(check_pin(&file(b"anything"), None).is_ok());
    }
}
