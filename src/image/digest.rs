//! Content digests (`sha256:HEX`): every blob lifeboat reads out of an image is checked
//! against the digest that names it, as a runtime checks it when it pulls or loads the
//! image, so a blob stored under one name and holding another's bytes is refused instead
//! of read.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256, Sha512};

use super::ImageError;

/// A digest as an image names a blob: algorithm and lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

impl Digest {
    /// `sha256:HEX` or `sha512:HEX`, the hex lowercase and whole.
    pub fn parse(text: &str) -> Result<Digest, ImageError> {
        let bad = || {
            ImageError::Format(format!(
                "the digest {} is not sha256:HEX or sha512:HEX",
                crate::redact::shown(text)
            ))
        };
        let (algorithm, hex) = text.split_once(':').ok_or_else(bad)?;
        let algorithm = match algorithm {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            _ => return Err(bad()),
        };
        if hex.len() != algorithm.hex_len()
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad());
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }

    /// The digest a blob's member name carries (`blobs/sha256/HEX`), if it is one.
    pub fn of_blob_name(name: &str) -> Option<Digest> {
        let rest = name.strip_prefix("blobs/")?;
        let (algorithm, hex) = rest.split_once('/')?;
        Digest::parse(&format!("{algorithm}:{hex}")).ok()
    }

    /// The member that holds the blob in an OCI layout or archive.
    pub fn blob_name(&self) -> String {
        format!("blobs/{}/{}", self.algorithm.name(), self.hex)
    }

    /// A hasher for this digest's algorithm.
    pub fn hasher(&self) -> Hasher {
        match self.algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Whether `bytes` hash to this digest.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        let mut hasher = self.hasher();
        hasher.update(bytes);
        hasher.finish() == self.hex
    }

    /// Refuses `bytes` unless they hash to this digest; `what` names the blob.
    pub fn check(&self, what: &str, bytes: &[u8]) -> Result<(), ImageError> {
        if self.matches(bytes) {
            Ok(())
        } else {
            Err(self.mismatch(what))
        }
    }

    /// The error for a blob that does not hash to this digest.
    pub fn mismatch(&self, what: &str) -> ImageError {
        ImageError::Format(format!(
            "{} does not hash to its digest {self}: the archive is damaged or was altered",
            crate::redact::shown(what)
        ))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

/// A running hash of one of the accepted algorithms.
pub enum Hasher {
    /// SHA-256.
    Sha256(Sha256),
    /// SHA-512.
    Sha512(Sha512),
}

impl Hasher {
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The hash in lowercase hex.
    fn finish(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A reader that hashes every byte passing through it, for the digest checked when the
/// blob has been read to its end; with no digest to check, a plain reader.
pub struct Digesting<R> {
    inner: R,
    expected: Option<(Digest, Hasher)>,
}

impl<R: Read> Digesting<R> {
    /// Hashes what is read from `inner`, to be checked against `expected`.
    pub fn new(inner: R, expected: Option<Digest>) -> Self {
        Digesting {
            inner,
            expected: expected.map(|digest| {
                let hasher = digest.hasher();
                (digest, hasher)
            }),
        }
    }

    /// Reads the rest of the blob and checks the whole against its digest; with no
    /// digest, reads nothing more.
    pub fn finish(mut self, what: &str) -> Result<(), ImageError> {
        if self.expected.is_none() {
            return Ok(());
        }
        io::copy(&mut self, &mut io::sink()).map_err(|e| {
            ImageError::Format(format!("{} is damaged: {e}", crate::redact::shown(what)))
        })?;
        match self.expected {
            Some((digest, hasher)) => {
                if hasher.finish() == digest.hex {
                    Ok(())
                } else {
                    Err(digest.mismatch(what))
                }
            }
            None => Ok(()),
        }
    }
}

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some((_, hasher)) = &mut self.expected {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn digests_are_whole_lowercase_hex_of_a_known_algorithm() {
        let digest = Digest::parse(EMPTY).unwrap();
        assert!(digest.matches(b""));
        assert!(!digest.matches(b"x"));
        assert_eq!(digest.to_string(), EMPTY);
        assert_eq!(digest.blob_name(), format!("blobs/sha256/{}", &EMPTY[7..]));
        assert_eq!(Digest::of_blob_name(&digest.blob_name()), Some(digest));
        for bad in [
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha256/../../x",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Digest::of_blob_name("l1/layer.tar"), None);
    }

    #[test]
    fn a_reader_is_checked_once_read_to_its_end() {
        let digest = Digest::parse(EMPTY).unwrap();
        let mut reader = Digesting::new(&b""[..], Some(digest.clone()));
        assert_eq!(reader.read(&mut [0u8; 4]).unwrap(), 0);
        reader.finish("blob").unwrap();
        let other = Digesting::new(&b"not empty"[..], Some(digest));
        let error = other.finish("blob").unwrap_err().to_string();
        assert!(error.contains("does not hash to its digest"), "{error}");
    }
}
