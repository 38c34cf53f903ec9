//! SSH's wire encoding (RFC 4251, section 5), the framing every OpenSSH format here is
//! made of: big-endian `uint32`s and `string`s (a `uint32` length, then that many bytes).
//! A reader that never reads past the end, so a truncated or forged length is an error,
//! never a panic.

/// Reads SSH wire values from the front of a byte slice.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

/// The input ended before a value it announced.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Truncated;

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// The next `n` bytes, as they are.
    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        if n > self.rest.len() {
            return Err(Truncated);
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    pub(super) fn u32(&mut self) -> Result<u32, Truncated> {
        let bytes = self.bytes(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A `string`: its length, then its bytes.
    pub(super) fn string(&mut self) -> Result<&'a [u8], Truncated> {
        let length = self.u32()? as usize;
        self.bytes(length)
    }

    /// What is left unread.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

/// Appends a `uint32`.
pub(super) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Appends a `string`. Everything written here is a key, a name or a hash: far below
/// 4 GiB, so the length always fits.
pub(super) fn put_string(out: &mut Vec<u8>, value: &[u8]) {
    put_u32(out, value.len() as u32);
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_stops_at_the_end() {
        let mut out = Vec::new();
        put_string(&mut out, b"ssh-ed25519");
        put_u32(&mut out, 7);
        let mut reader = Reader::new(&out);
        assert_eq!(reader.string().unwrap(), b"ssh-ed25519");
        assert_eq!(reader.u32().unwrap(), 7);
        assert!(reader.rest().is_empty());
        assert_eq!(reader.u32(), Err(Truncated));
        // A length that promises more than there is.
        let mut reader = Reader::new(&[0xff, 0xff, 0xff, 0xff, 1]);
        assert_eq!(reader.string(), Err(Truncated));
        let mut reader = Reader::new(&[0, 0]);
        assert_eq!(reader.u32(), Err(Truncated));
    }
}
