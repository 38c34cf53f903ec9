//! Buffers of secret text that are wiped when dropped: the bytes they hold, not their
//! spare capacity. `Zeroizing<Vec<u8>>` wipes the whole capacity, so a buffer sized
//! generously up front (the only way to fill one without it reallocating and leaving a
//! copy behind) had every untouched page made resident just before it was freed: a
//! 100,000-secret `recover` peaked 6 MB higher for it. These buffers only ever grow by
//! appending within the room they were given, so their spare capacity never held a byte of
//! a secret.

use std::ops::{Deref, DerefMut};

use zeroize::Zeroize;

/// A `String` wiped when dropped. Size it with [`WipedString::with_capacity`] for all it
/// will hold: growing past that reallocates, which leaves the old copy unwiped.
pub struct WipedString(String);

impl WipedString {
    /// An empty string with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Self {
        WipedString(String::with_capacity(bytes))
    }
}

impl Deref for WipedString {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

impl DerefMut for WipedString {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.0
    }
}

impl std::fmt::Debug for WipedString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Drop for WipedString {
    fn drop(&mut self) {
        self.0.as_mut_str().zeroize();
    }
}

/// Bytes wiped when dropped; only appended to (see [`WipedBytes::append`]).
#[derive(Default)]
pub struct WipedBytes(Vec<u8>);

impl WipedBytes {
    /// Empty, with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Self {
        WipedBytes(Vec::with_capacity(bytes))
    }

    /// Appends. Growing copies the bytes into a new buffer twice the size and wipes the old
    /// one: `Vec`'s own growth would free it unwiped.
    pub fn append(&mut self, bytes: &[u8]) {
        if self.0.capacity() - self.0.len() < bytes.len() {
            let wanted = (self.0.len() + bytes.len())
                .max(self.0.capacity() * 2)
                .max(256);
            let mut larger = Vec::with_capacity(wanted);
            larger.extend_from_slice(&self.0);
            // The old buffer, wiped as it is dropped.
            drop(std::mem::replace(self, WipedBytes(larger)));
        }
        self.0.extend_from_slice(bytes);
    }

    /// The bytes from `range`, wiped in place (a value replaced).
    pub fn wipe(&mut self, range: std::ops::Range<usize>) {
        self.0[range].zeroize();
    }

    /// How many bytes it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Deref for WipedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for WipedBytes {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_keeps_every_byte_in_order() {
        let mut bytes = WipedBytes::with_capacity(4);
        for chunk in [&b"abc"[..], b"defgh", &[b'x'; 600]] {
            bytes.append(chunk);
        }
        assert_eq!(&bytes[..8], b"abcdefgh");
        assert_eq!(bytes.len(), 608);
        bytes.wipe(0..3);
        assert_eq!(&bytes[..4], b"\0\0\0d");
    }
}
