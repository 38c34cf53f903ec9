//! Reading a whole file that should be small (a key, a token, a list of recipients)
//! without trusting it to be: `-i /dev/zero` or a wrong path must end in an error, not in
//! memory running out. The buffer is sized once from the file's reported length (at most
//! the cap) and wiped on drop, since what it holds is often key material.

use std::io::{self, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// The whole file, or `Ok(None)` if it holds more than `max` bytes. At most `max + 1`
/// bytes are ever read.
pub fn read_capped(path: &Path, max: u64) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let file = std::fs::File::open(path)?;
    let reported = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Zeroizing::new(Vec::with_capacity(reported.min(max) as usize + 1));
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// [`read_capped`] for a file in a directory others may write (the runtime cache): a
/// symlink is not followed, a FIFO or device is refused without blocking, and only a
/// regular file is read.
pub fn read_regular_capped(path: &Path, max: u64) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let file = std::fs::File::from(fd);
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len().min(max) as usize + 1));
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_never_ends_is_cut_at_the_cap() {
        assert!(read_capped(Path::new("/dev/zero"), 4096).unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small");
        std::fs::write(&path, b"key").unwrap();
        assert_eq!(read_capped(&path, 3).unwrap().unwrap().as_slice(), b"key");
        assert!(read_capped(&path, 2).unwrap().is_none());
    }
}
