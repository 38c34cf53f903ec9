//! Reading a whole file that should be small (a key, a token, a list of recipients)
//! without trusting it to be: `-i /dev/zero` or a wrong path must end in an error, not in
//! memory running out. The buffer is sized once from the file's reported length (at most
//! the cap) and wiped on drop, since what it holds is often key material.

use std::io::{self, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// The whole file, or `Ok(None)` if it holds more than `max` bytes. At most `max + 1`
/// bytes are ever read. A symlink is followed (Kubernetes mounts Secrets as links), but
/// the file is opened without blocking and must be a regular file or a character device
/// (`/dev/zero` is refused at the cap): a FIFO nobody writes would hold the start forever.
pub fn read_capped(path: &Path, max: u64) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let file = open_without_blocking(path, false)?;
    let reported = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Zeroizing::new(Vec::with_capacity(reported.min(max) as usize + 1));
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// [`read_capped`] for a file in a directory others may write (the runtime cache): a
/// symlink is not followed, a FIFO or device is refused without blocking, and only a
/// regular file is read.
pub fn read_regular_capped(path: &Path, max: u64) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let file = open_regular(path)?;
    let metadata = file.metadata()?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len().min(max) as usize + 1));
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// Opens a file in a directory others may write: a symlink is not followed, a FIFO or
/// device is refused without blocking (checked with `fstat` on what was opened, so a
/// name swapped in between cannot pass), and only a regular file is returned.
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let file = std::fs::File::from(fd);
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Opens for reading without blocking (a FIFO with no writer opens at once and is then
/// refused), following a symlink unless `no_follow`.
pub fn open_without_blocking(path: &Path, no_follow: bool) -> io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    if no_follow {
        flags |= OFlags::NOFOLLOW;
    }
    let file = std::fs::File::from(rustix::fs::open(path, flags, Mode::empty())?);
    let kind = file.metadata()?.file_type();
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() || kind.is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a FIFO or socket, not a file (it would block the start)",
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_never_ends_is_cut_at_the_cap() {
        assert!(read_capped(Path::new("/dev/zero"), 4096).unwrap().is_none());
        let fifo_dir = tempfile::tempdir().unwrap();
        let fifo = fifo_dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        // Refused at once, not a read that never returns.
        let error = read_capped(&fifo, 4096).unwrap_err().to_string();
        assert!(error.contains("FIFO"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small");
        std::fs::write(&path, b"key").unwrap();
        assert_eq!(read_capped(&path, 3).unwrap().unwrap().as_slice(), b"key");
        assert!(read_capped(&path, 2).unwrap().is_none());
    }
}
