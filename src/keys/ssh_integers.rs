//! A check made before age reads an SSH RSA key. age 0.12.1's reader of SSH's
//! multiple-precision integers (`mpint`, RFC 4251) indexes past the end of one made only
//! of zero bytes (a non-canonical zero): a panic, which the release build turns into an
//! abort, on a `-r ssh-rsa …` recipient or an OpenSSH private key file. Found by the
//! `recipient` fuzz target (fuzz/regressions/recipient). A key holding such an integer is
//! refused here, before age sees it; every other key goes to age as before.
//!
//! Only the framing is read (lengths and the key type), never the key itself: the
//! integers are looked at only to see whether one is all zero bytes.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;

/// The key type whose integers age reads.
const SSH_RSA: &[u8] = b"ssh-rsa";

/// Reads one SSH `string` (a 32-bit big-endian length, then that many bytes) off the front
/// of `input`.
fn string<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (length, rest) = input.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_be_bytes(*length)).ok()?;
    if rest.len() < length {
        return None;
    }
    let (value, rest) = rest.split_at(length);
    *input = rest;
    Some(value)
}

/// Whether `key`, an `ssh-rsa` key in SSH's encoding, holds among the `count` integers
/// after its type one made only of zero bytes.
fn rsa_key_has_zero_integer(mut key: &[u8], count: usize) -> bool {
    if string(&mut key) != Some(SSH_RSA) {
        return false;
    }
    (0..count).any(|_| {
        string(&mut key)
            .is_some_and(|integer| !integer.is_empty() && integer.iter().all(|&b| b == 0))
    })
}

/// Whether a public key line (`ssh-rsa BASE64 [comment]`, as age reads a recipient) is an
/// RSA key with an integer age cannot read.
pub fn public_key_has_zero_integer(line: &str) -> bool {
    let Some(encoded) = line.strip_prefix("ssh-rsa ") else {
        return false;
    };
    // age reads the base64 characters that follow, without padding.
    let encoded: String = encoded
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    STANDARD_NO_PAD
        .decode(encoded)
        .is_ok_and(|key| rsa_key_has_zero_integer(&key, 2))
}

/// Whether an OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`) holds an
/// RSA key with an integer age cannot read: in its public key (`e`, `n`) or, unencrypted,
/// in its private key (`n`, `e`, `d`, `iqmp`, `p`, `q`).
pub fn private_key_has_zero_integer(text: &str) -> bool {
    let Some((_, after)) = text.split_once("-----BEGIN OPENSSH PRIVATE KEY-----") else {
        return false;
    };
    let body: String = after
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    let Ok(file) = STANDARD.decode(body) else {
        return false;
    };
    let Some(mut rest) = file.strip_prefix(b"openssh-key-v1\0".as_slice()) else {
        return false;
    };
    // The cipher, the KDF and its options, the number of keys (one), the public key.
    let Some(cipher) = string(&mut rest) else {
        return false;
    };
    if string(&mut rest).is_none() || string(&mut rest).is_none() {
        return false;
    }
    let Some(([0, 0, 0, 1], after_count)) = rest.split_first_chunk::<4>() else {
        return false;
    };
    rest = after_count;
    let Some(public) = string(&mut rest) else {
        return false;
    };
    if rsa_key_has_zero_integer(public, 2) {
        return true;
    }
    // The private key is readable only when not encrypted: after two check numbers.
    cipher == b"none"
        && string(&mut rest)
            .and_then(|private| private.get(8..))
            .is_some_and(|private| rsa_key_has_zero_integer(private, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ssh-rsa` with integers `e` and `n` as given, in SSH's encoding.
    fn rsa_key(e: &[u8], n: &[u8]) -> Vec<u8> {
        let mut key = Vec::new();
        for part in [SSH_RSA, e, n] {
            key.extend_from_slice(&(part.len() as u32).to_be_bytes());
            key.extend_from_slice(part);
        }
        key
    }

    #[test]
    fn only_an_integer_of_zero_bytes_is_caught() {
        let line = |key: Vec<u8>| format!("ssh-rsa {} c", STANDARD_NO_PAD.encode(key));
        assert!(public_key_has_zero_integer(&line(rsa_key(&[0], &[1; 8]))));
        assert!(public_key_has_zero_integer(&line(rsa_key(
            &[1, 0, 1],
            &[0, 0]
        ))));
        // Zero as SSH writes it (no bytes), and real integers, are age's to judge.
        assert!(!public_key_has_zero_integer(&line(rsa_key(&[], &[1; 8]))));
        assert!(!public_key_has_zero_integer(&line(rsa_key(
            &[1, 0, 1],
            &[0x7f; 8]
        ))));
        assert!(!public_key_has_zero_integer("ssh-ed25519 AAAA"));
        assert!(!public_key_has_zero_integer("ssh-rsa !!!"));
    }
}
