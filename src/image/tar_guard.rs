//! A reader in front of the tar parser that refuses a tar whose metadata entries (GNU
//! long names and long links, pax headers) are larger than any real one. The `tar` crate
//! reads such an entry's data whole into memory, on the header's word: a 1 GiB long-name
//! header in an 8 KB sparse file (or a 1 MB gzip layer) would cost gigabytes. The guard
//! follows the tar's 512-byte structure as the bytes pass (headers, data, padding, and
//! the size a pax header gives the next entry) and fails the read at such a header,
//! before the parser sees it.

use std::io::{self, Read, Seek, SeekFrom};

/// The most a long name, long link or pax header may hold.
pub const MAX_METADATA_ENTRY: u64 = 64 << 10;

/// See the module docs.
pub struct TarGuard<R> {
    inner: R,
    header: [u8; 512],
    filled: usize,
    /// Data bytes of the current entry still to pass.
    data_left: u64,
    /// Padding bytes (to the next 512) after them.
    padding_left: u64,
    /// The current entry is a pax header: its data, kept to read a `size` record.
    pax: Option<Vec<u8>>,
    /// The size a pax header gave the next entry.
    next_size: Option<u64>,
}

impl<R: Read> TarGuard<R> {
    /// Guards `inner`.
    pub fn new(inner: R) -> Self {
        TarGuard {
            inner,
            header: [0; 512],
            filled: 0,
            data_left: 0,
            padding_left: 0,
            pax: None,
            next_size: None,
        }
    }

    /// A whole header has passed: check it, and learn how much data follows.
    fn header_done(&mut self) -> io::Result<()> {
        if self.header.iter().all(|b| *b == 0) {
            return Ok(()); // the end-of-archive blocks
        }
        let kind = self.header[156];
        let size = header_size(&self.header[124..136]);
        let metadata = matches!(kind, b'L' | b'K' | b'x' | b'g');
        if metadata && size > MAX_METADATA_ENTRY {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a tar metadata entry (a long name or a pax header) of {size} bytes, more than any real one ({} KiB at most)",
                    MAX_METADATA_ENTRY >> 10
                ),
            ));
        }
        let size = if metadata {
            size
        } else {
            // A pax `size` record overrides the next entry's header.
            self.next_size.take().unwrap_or(size)
        };
        if kind == b'x' {
            self.pax = Some(Vec::with_capacity(size as usize));
        }
        self.data_left = size;
        self.padding_left = (512 - size % 512) % 512;
        Ok(())
    }

    /// The current entry's data has passed: a pax header's `size` record is read.
    fn data_done(&mut self) {
        if let Some(records) = self.pax.take() {
            self.next_size = pax_size(&records);
        }
    }

    /// Follows `bytes` (just read) through the tar's structure.
    fn follow(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.data_left > 0 {
                let take = (self.data_left.min(bytes.len() as u64)) as usize;
                if let Some(pax) = &mut self.pax {
                    pax.extend_from_slice(&bytes[..take]);
                }
                self.data_left -= take as u64;
                bytes = &bytes[take..];
                if self.data_left == 0 {
                    self.data_done();
                }
            } else if self.padding_left > 0 {
                let take = (self.padding_left.min(bytes.len() as u64)) as usize;
                self.padding_left -= take as u64;
                bytes = &bytes[take..];
            } else {
                let take = (512 - self.filled).min(bytes.len());
                self.header[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
                self.filled += take;
                bytes = &bytes[take..];
                if self.filled == 512 {
                    self.filled = 0;
                    self.header_done()?;
                    if self.data_left == 0 {
                        self.data_done();
                    }
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n])?;
        Ok(n)
    }
}

/// Skipping forward (the tar parser skips entries' data this way, for an archive on
/// disk) passes over data and padding; should a skip reach into a header, the rest is
/// read through the guard, so no header is ever passed unchecked.
impl<R: Read + Seek> Seek for TarGuard<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let SeekFrom::Current(amount) = pos else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a guarded tar is read in order",
            ));
        };
        let Ok(mut amount) = u64::try_from(amount) else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a guarded tar is read in order",
            ));
        };
        let data = amount.min(self.data_left);
        self.data_left -= data;
        amount -= data;
        if data > 0 && self.data_left == 0 {
            self.data_done();
        }
        let padding = amount.min(self.padding_left);
        self.padding_left -= padding;
        amount -= padding;
        let mut position = self
            .inner
            .seek(SeekFrom::Current((data + padding) as i64))?;
        if amount > 0 {
            io::copy(&mut self.by_ref().take(amount), &mut io::sink())?;
            position = self.inner.stream_position()?;
        }
        Ok(position)
    }
}

/// A header's size field: octal digits (space or NUL terminated), or GNU's base-256
/// form (the high bit of the first byte set). Anything unreadable is 0: the tar parser
/// reports it.
fn header_size(field: &[u8]) -> u64 {
    if field[0] & 0x80 != 0 {
        return field[1..].iter().fold(0u64, |n, b| {
            n.saturating_mul(256).saturating_add(u64::from(*b))
        });
    }
    let text: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| u64::from_str_radix(t, 8).ok())
        .unwrap_or(0)
}

/// The `size` record of pax header data (`LEN size=VALUE\n` records), if any.
fn pax_size(records: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(records);
    text.lines()
        .filter_map(|line| line.split_once(' ').map(|(_, record)| record))
        .filter_map(|record| record.strip_prefix("size="))
        .next_back()
        .and_then(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(bytes: &[u8]) -> io::Result<Vec<String>> {
        let mut archive = tar::Archive::new(TarGuard::new(bytes));
        let mut names = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            names.push(entry.path()?.to_string_lossy().into_owned());
            io::copy(&mut entry, &mut io::sink())?;
        }
        Ok(names)
    }

    #[test]
    fn real_archives_pass_and_long_names_too() {
        let mut builder = tar::Builder::new(Vec::new());
        let long = format!("etc/{}/snapshot.age", "d".repeat(300));
        for (path, data) in [("a.txt", &b"hello"[..]), (long.as_str(), &[7u8; 1000][..])] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, path, data).unwrap();
        }
        let bytes = builder.into_inner().unwrap();
        assert_eq!(guarded(&bytes).unwrap(), ["a.txt".to_string(), long]);
    }

    #[test]
    fn a_huge_long_name_header_is_refused_before_it_is_read() {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNULongName);
        header.set_size(1 << 30);
        header.set_path("././@LongLink").unwrap();
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend(vec![b'a'; 4096]);
        let error = guarded(&bytes).unwrap_err().to_string();
        assert!(error.contains("more than any real one"), "{error}");
    }

    #[test]
    fn an_archive_on_disk_is_indexed_by_seeking_and_still_guarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        let mut builder = tar::Builder::new(std::fs::File::create(&path).unwrap());
        for (name, size) in [("big", 1 << 20), ("small", 10)] {
            let mut header = tar::Header::new_gnu();
            header.set_size(size);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, &vec![1u8; size as usize][..])
                .unwrap();
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNULongName);
        header.set_size(1 << 30);
        header.set_path("././@LongLink").unwrap();
        header.set_cksum();
        builder.append(&header, &[0u8; 512][..]).unwrap_or(());
        drop(builder);
        let file = std::fs::File::open(&path).unwrap();
        let mut archive = tar::Archive::new(TarGuard::new(file));
        let mut names = Vec::new();
        let mut failed = None;
        for entry in archive.entries_with_seek().unwrap() {
            match entry {
                Ok(entry) => names.push(entry.path().unwrap().to_string_lossy().into_owned()),
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        assert_eq!(names, ["big", "small"]);
        assert!(failed.unwrap().contains("more than any real one"));
    }

    #[test]
    fn sizes_in_both_forms() {
        let mut field = [0u8; 12];
        field[..7].copy_from_slice(b"0001750");
        assert_eq!(header_size(&field), 0o1750);
        let mut binary = [0u8; 12];
        binary[0] = 0x80;
        binary[10] = 1;
        assert_eq!(header_size(&binary), 256);
        assert_eq!(pax_size(b"20 size=123456789\n"), Some(123_456_789));
    }
}
