//! The one reading of a tar's structure. The `tar` crate parses the bytes; this guard
//! follows the same bytes just ahead of it (headers, data, padding, and what pax and GNU
//! metadata entries say about the next entry) and fails the read at any header that the
//! crate, Go's `archive/tar` (what Docker, containerd and containers/storage unpack
//! layers with) and this guard could read two ways: a pax header with a duplicated key
//! or a malformed record, a size written two ways, a GNU sparse file, a metadata entry in
//! a header format the crate takes for a plain file. A reader that skipped on one
//! reading's word would stop seeing the headers the other reads (a 1 MB archive once hid
//! a 1 GiB long name from the guard this way, and the crate read it whole).
//!
//! Metadata entries are bounded before any byte of them is read: a long name or long
//! link longer than a Linux path, a pax header larger than any real one.
//!
//! For each entry the guard also keeps what it read ([`EntryView`]: the name as Go's
//! reader gives it, the type, the size and where the data starts); the readers check that
//! the crate's entry agrees, and take the name and type from the view.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// The most a GNU long name or long link may hold: a Linux path (`PATH_MAX`, its NUL
/// included).
pub const MAX_LONG_NAME: u64 = 4096;

/// The most a pax header may hold.
pub const MAX_PAX_HEADER: u64 = 64 << 10;

/// One entry as the guard read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    /// The name as Go's reader gives it: the pax `path`, else the GNU long name, else the
    /// header's name (after the ustar prefix).
    pub name: Vec<u8>,
    /// The type flag, an old-style regular file (`\0`) whose name ends in `/` read as the
    /// directory (`5`) Go's reader and the runtimes take it for.
    pub kind: u8,
    /// The data's size.
    pub size: u64,
    /// Where the data starts, counted from the start of the tar.
    pub data_offset: u64,
}

/// What the guard read last, shared with whoever reads the crate's entries.
pub type SharedView = Rc<RefCell<Option<EntryView>>>;

/// Metadata entries read so far for the next entry.
#[derive(Default)]
struct Pending {
    pax: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    long_name: Option<Vec<u8>>,
    long_link: bool,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.pax.is_none() && self.long_name.is_none() && !self.long_link
    }
}

/// The metadata entry whose data is passing, kept to read once whole.
enum Collecting {
    Pax,
    GlobalPax,
    LongName,
    LongLink,
}

/// See the module docs.
pub struct TarGuard<R> {
    inner: R,
    header: [u8; 512],
    filled: usize,
    /// Bytes of the tar passed so far.
    position: u64,
    /// Data bytes of the current entry still to pass.
    data_left: u64,
    /// Padding bytes (to the next 512) after them.
    padding_left: u64,
    /// A metadata entry's data, as it passes.
    collecting: Option<(Collecting, Vec<u8>)>,
    pending: Pending,
    /// An all-zero block was read: the crate reads no further, nor does the guard.
    ended: bool,
    view: SharedView,
}

fn refused(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}

impl<R> TarGuard<R> {
    /// Guards `inner`.
    pub fn new(inner: R) -> Self {
        TarGuard {
            inner,
            header: [0; 512],
            filled: 0,
            position: 0,
            data_left: 0,
            padding_left: 0,
            collecting: None,
            pending: Pending::default(),
            ended: false,
            view: Rc::default(),
        }
    }

    /// The entry the guard read last, updated as the tar passes.
    pub fn view(&self) -> SharedView {
        Rc::clone(&self.view)
    }

    /// A whole header has passed: check it, and learn how much data follows.
    fn header_done(&mut self) -> io::Result<()> {
        let header = self.header;
        if header.iter().all(|b| *b == 0) {
            // The crate ends the archive at the first zero block.
            self.ended = true;
            return Ok(());
        }
        let kind = header[156];
        let format = Format::of(&header)?;
        let size = header_size(&header[124..136])?;
        let limit = match kind {
            b'L' | b'K' => Some(MAX_LONG_NAME),
            b'x' | b'g' => Some(MAX_PAX_HEADER),
            _ => None,
        };
        if let Some(limit) = limit {
            if format == Format::V7 {
                // The crate takes these for plain files, Go's reader for metadata.
                return Err(refused(format!(
                    "a tar metadata entry (type {}) in an old-style header, which tar readers read two ways",
                    char::from(kind).escape_default()
                )));
            }
            if size > limit {
                return Err(refused(format!(
                    "a tar metadata entry (a long name or a pax header) of {size} bytes, more than any real one ({limit} at most)"
                )));
            }
            let collecting = match kind {
                b'L' if self.pending.long_name.is_some() => None,
                b'L' => Some(Collecting::LongName),
                b'K' if self.pending.long_link => None,
                b'K' => Some(Collecting::LongLink),
                b'x' if self.pending.pax.is_some() => None,
                b'x' => Some(Collecting::Pax),
                _ if !self.pending.is_empty() => None,
                _ => Some(Collecting::GlobalPax),
            };
            let Some(collecting) = collecting else {
                return Err(refused(
                    "two tar metadata entries of one kind for one file, or a global pax header between a file's metadata and the file".into(),
                ));
            };
            if matches!(collecting, Collecting::GlobalPax) {
                // The crate gives a global header as an entry of its own.
                *self.view.borrow_mut() = Some(EntryView {
                    name: format.name(&header),
                    kind,
                    size,
                    data_offset: self.position,
                });
            }
            self.collecting = Some((collecting, Vec::with_capacity(size as usize)));
            self.start_data(size);
            return Ok(());
        }
        if kind == b'S' {
            return Err(refused(
                "a GNU sparse file in a tar, which tar readers lay out differently".into(),
            ));
        }
        let pending = std::mem::take(&mut self.pending);
        let records = pending.pax.unwrap_or_default();
        let record = |key: &[u8]| {
            records
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let name = match (record(b"path"), pending.long_name) {
            (Some(_), Some(_)) => {
                return Err(refused(
                    "a tar entry named both by a pax path and a GNU long name, which tar readers choose between differently".into(),
                ))
            }
            (Some(path), None) => path,
            (None, Some(long)) => long,
            (None, None) => format.name(&header),
        };
        if record(b"linkpath").is_some() && pending.long_link {
            return Err(refused(
                "a tar entry linked both by a pax linkpath and a GNU long link".into(),
            ));
        }
        let size = match record(b"size") {
            Some(value) => decimal(&value)
                .ok_or_else(|| refused("a pax size record that is not a size".into()))?,
            None => size,
        };
        let kind = if kind == 0 && name.ends_with(b"/") {
            b'5'
        } else {
            kind
        };
        if (b'1'..=b'6').contains(&kind) && size != 0 {
            // Go's reader gives links, devices, directories and FIFOs no data whatever
            // the size says, and reads the next header where the crate reads data.
            return Err(refused(format!(
                "a tar link, directory or device entry with {size} bytes of data, which tar readers skip differently"
            )));
        }
        *self.view.borrow_mut() = Some(EntryView {
            name,
            kind,
            size,
            data_offset: self.position,
        });
        self.start_data(size);
        Ok(())
    }

    fn start_data(&mut self, size: u64) {
        self.data_left = size;
        self.padding_left = (512 - size % 512) % 512;
    }

    /// The current entry's data has passed: a metadata entry's is read.
    fn data_done(&mut self) -> io::Result<()> {
        match self.collecting.take() {
            None => {}
            Some((Collecting::Pax, data)) => self.pending.pax = Some(pax_records(&data)?),
            Some((Collecting::GlobalPax, data)) => {
                pax_records(&data)?;
            }
            Some((Collecting::LongName, data)) => {
                self.pending.long_name = Some(long_name(&data)?.to_vec());
            }
            Some((Collecting::LongLink, data)) => {
                long_name(&data)?;
                self.pending.long_link = true;
            }
        }
        Ok(())
    }

    /// Follows `bytes` (just read) through the tar's structure.
    fn follow(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() && !self.ended {
            if self.data_left > 0 {
                let take = (self.data_left.min(bytes.len() as u64)) as usize;
                if let Some((_, data)) = &mut self.collecting {
                    data.extend_from_slice(&bytes[..take]);
                }
                self.pass(take as u64)?;
                bytes = &bytes[take..];
            } else if self.padding_left > 0 {
                let take = (self.padding_left.min(bytes.len() as u64)) as usize;
                self.pass(take as u64)?;
                bytes = &bytes[take..];
            } else {
                let take = (512 - self.filled).min(bytes.len());
                self.header[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
                self.filled += take;
                self.position += take as u64;
                bytes = &bytes[take..];
                if self.filled == 512 {
                    self.filled = 0;
                    self.header_done()?;
                    if self.data_left == 0 {
                        self.data_done()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Counts `amount` bytes of data, then padding, as passed.
    fn pass(&mut self, mut amount: u64) -> io::Result<()> {
        let data = amount.min(self.data_left);
        self.data_left -= data;
        amount -= data;
        self.position += data;
        if data > 0 && self.data_left == 0 {
            self.data_done()?;
        }
        let padding = amount.min(self.padding_left);
        self.padding_left -= padding;
        self.position += padding;
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
        let in_order =
            || io::Error::new(io::ErrorKind::Unsupported, "a guarded tar is read in order");
        let SeekFrom::Current(amount) = pos else {
            return Err(in_order());
        };
        let Ok(amount) = u64::try_from(amount) else {
            return Err(in_order());
        };
        if self.ended {
            return self.inner.seek(pos);
        }
        // Metadata entries' data is read, never skipped: the crate reads it whole too.
        let skippable = if self.collecting.is_some() {
            0
        } else {
            amount.min(self.data_left + self.padding_left)
        };
        self.pass(skippable)?;
        let mut position = self.inner.seek(SeekFrom::Current(skippable as i64))?;
        let rest = amount - skippable;
        if rest > 0 {
            io::copy(&mut self.by_ref().take(rest), &mut io::sink())?;
            position = self.inner.stream_position()?;
        }
        Ok(position)
    }
}

/// A header's format, by its magic: where its name is and whether its metadata types
/// count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// POSIX ustar (and pax): the name follows a prefix.
    Ustar,
    /// GNU: the name field alone.
    Gnu,
    /// Before POSIX: the name field alone, and no metadata entries.
    V7,
}

impl Format {
    fn of(header: &[u8; 512]) -> io::Result<Format> {
        let (magic, version) = (&header[257..263], &header[263..265]);
        if magic == b"ustar\0" {
            // Go's reader takes any version, and a `tar\0` trailer for star's shorter
            // prefix; the crate takes neither.
            if version != b"00" || &header[508..512] == b"tar\0" {
                return Err(refused(
                    "a tar header of a ustar variant that tar readers read differently".into(),
                ));
            }
            return Ok(Format::Ustar);
        }
        if magic == b"ustar " && version == b" \0" {
            return Ok(Format::Gnu);
        }
        Ok(Format::V7)
    }

    fn name(self, header: &[u8; 512]) -> Vec<u8> {
        let name = until_nul(&header[..100]);
        match self {
            Format::Ustar => {
                let prefix = until_nul(&header[345..500]);
                if prefix.is_empty() {
                    name.to_vec()
                } else {
                    [prefix, b"/", name].concat()
                }
            }
            Format::Gnu | Format::V7 => name.to_vec(),
        }
    }
}

/// A GNU long name or link: Go's reader cuts it at the first NUL, the crate drops one
/// NUL at its end, so any other NUL is refused.
fn long_name(data: &[u8]) -> io::Result<&[u8]> {
    let name = data.strip_suffix(b"\0").unwrap_or(data);
    if name.contains(&0) || name.is_empty() {
        return Err(refused(
            "an empty GNU long name or link, or one with a NUL in it, which tar readers cut differently".into(),
        ));
    }
    Ok(name)
}

fn until_nul(field: &[u8]) -> &[u8] {
    field.split(|b| *b == 0).next().unwrap_or_default()
}

/// A header's size field, read the way both the crate and Go's reader read it, or
/// refused where they could differ: octal digits between spaces and NULs, or GNU's
/// base-256 form (the high bit of the first byte set) of a size that fits 63 bits.
fn header_size(field: &[u8]) -> io::Result<u64> {
    let unreadable =
        || refused("a tar header's size field that tar readers read differently".into());
    if field[0] & 0x80 != 0 {
        if field[0] != 0x80 || field[1..4].iter().any(|b| *b != 0) {
            return Err(unreadable());
        }
        let size = field[4..]
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        return if size <= i64::MAX as u64 {
            Ok(size)
        } else {
            Err(unreadable())
        };
    }
    // The crate: up to the first NUL, spaces trimmed. Go: spaces and NULs trimmed at both
    // ends. Where both read digits only, they read the same number.
    let digits = until_nul(field).trim_ascii();
    let go = field
        .iter()
        .position(|b| !matches!(b, b' ' | 0))
        .map(|start| &field[start..])
        .unwrap_or_default();
    let go = &go[..go
        .iter()
        .rposition(|b| !matches!(b, b' ' | 0))
        .map_or(0, |end| end + 1)];
    if digits != go || !digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return Err(unreadable());
    }
    if digits.is_empty() {
        return Ok(0);
    }
    let text = std::str::from_utf8(digits).map_err(|_| unreadable())?;
    u64::from_str_radix(text, 8).map_err(|_| unreadable())
}

/// A pax size: decimal digits only, fitting 63 bits.
fn decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value)
        .ok()?
        .parse()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
}

/// The records of a pax header (`LEN key=value\n` each, LEN counting the whole record),
/// refused unless every reader splits them the same way: each record well formed with
/// no newline before its end (the crate splits at newlines, Go by the length), no key
/// twice (the crate takes the first, Go the last), nothing after the last, no sparse
/// file keys, no NUL where Go refuses one.
fn pax_records(data: &[u8]) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let malformed = |why: &str| refused(format!("a malformed pax header in a tar: {why}"));
    let mut records: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut keys = HashSet::new();
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest
            .iter()
            .take(20)
            .position(|b| *b == b' ')
            .ok_or_else(|| malformed("a record without its length"))?;
        let length = std::str::from_utf8(&rest[..space])
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<usize>().ok())
            .ok_or_else(|| malformed("a record length that is not a number"))?;
        if length < 5 || length > rest.len() {
            return Err(malformed("a record length beyond the header"));
        }
        let (record, after) = rest.split_at(length);
        rest = after;
        let Some(body) = record[space + 1..].strip_suffix(b"\n") else {
            return Err(malformed("a record that does not end at its length"));
        };
        if body.contains(&b'\n') {
            return Err(malformed("a newline inside a record"));
        }
        let equals = body
            .iter()
            .position(|b| *b == b'=')
            .ok_or_else(|| malformed("a record without a key"))?;
        let (key, value) = (&body[..equals], &body[equals + 1..]);
        if key.is_empty() || key.contains(&0) {
            return Err(malformed("an empty key or a NUL in a key"));
        }
        if key.starts_with(b"GNU.sparse.") {
            return Err(malformed("a GNU sparse file"));
        }
        let names = [&b"path"[..], b"linkpath", b"uname", b"gname"];
        if names.contains(&key) && value.contains(&0) {
            return Err(malformed("a NUL in a name"));
        }
        if key == b"size" && decimal(value).is_none() {
            return Err(malformed("a size record that is not a size"));
        }
        if !keys.insert(key.to_vec()) {
            return Err(malformed(&format!(
                "the key {} twice",
                crate::redact::shown(&String::from_utf8_lossy(key))
            )));
        }
        records.push((key.to_vec(), value.to_vec()));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the crate reads through the guard, each checked against the guard's
    /// own reading.
    fn guarded(bytes: &[u8]) -> io::Result<Vec<String>> {
        let guard = TarGuard::new(bytes);
        let view = guard.view();
        let mut archive = tar::Archive::new(guard);
        let mut names = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            let seen = view.borrow().clone().unwrap();
            assert_eq!(seen.name, entry.path_bytes().into_owned());
            assert_eq!(seen.size, entry.size());
            names.push(entry.path()?.to_string_lossy().into_owned());
            io::copy(&mut entry, &mut io::sink())?;
        }
        Ok(names)
    }

    fn header(name: &str, kind: u8, size: u64) -> Vec<u8> {
        let mut header = tar::Header::new_ustar();
        header.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
        header.set_mode(0o644);
        header.set_size(size);
        header.as_mut_bytes()[156] = kind;
        header.set_cksum();
        header.as_bytes().to_vec()
    }

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut bytes = data.to_vec();
        bytes.resize(data.len().div_ceil(512) * 512, 0);
        bytes
    }

    fn pax(records: &[u8]) -> Vec<u8> {
        [
            header("PaxHeaders/x", b'x', records.len() as u64),
            padded(records),
        ]
        .concat()
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
        let mut header = tar::Header::new_ustar();
        header.set_size(3);
        header.set_mode(0o644);
        builder
            .append_pax_extensions([("path", &b"etc/from-pax"[..]), ("mtime", b"1.5")])
            .unwrap();
        builder
            .append_data(&mut header, "short", &b"abc"[..])
            .unwrap();
        let bytes = builder.into_inner().unwrap();
        assert_eq!(
            guarded(&bytes).unwrap(),
            ["a.txt".to_string(), long, "etc/from-pax".into()]
        );
    }

    #[test]
    fn a_long_name_over_a_linux_path_is_refused_before_it_is_read() {
        let mut bytes = header("././@LongLink", b'L', 1 << 30);
        bytes.extend(vec![b'a'; 4096]);
        let error = guarded(&bytes).unwrap_err().to_string();
        assert!(error.contains("more than any real one"), "{error}");
        let mut bytes = header("././@LongLink", b'L', MAX_LONG_NAME + 1);
        bytes.extend(vec![b'a'; 8192]);
        assert!(guarded(&bytes).is_err());
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
        let guard = TarGuard::new(file);
        let view = guard.view();
        let mut archive = tar::Archive::new(guard);
        let mut names = Vec::new();
        let mut failed = None;
        for entry in archive.entries_with_seek().unwrap() {
            match entry {
                Ok(entry) => {
                    let seen = view.borrow().clone().unwrap();
                    assert_eq!(seen.data_offset, entry.raw_file_position());
                    names.push(entry.path().unwrap().to_string_lossy().into_owned())
                }
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        assert_eq!(names, ["big", "small"]);
        assert!(failed.unwrap().contains("more than any real one"));
    }

    /// Each of these once let the guard and the crate take different sizes for the next
    /// entry, or different names.
    #[test]
    fn pax_headers_readers_could_split_differently_are_refused() {
        let cases: [(&[u8], &str); 10] = [
            (b"10 size=0\n13 size=1024\n", "the key size twice"),
            (b"99 junk=1\n13 size=1024\n", "beyond the header"),
            (b"14 size=1024 \n", "not a size"),
            (b"14 size=+1024\n", "not a size"),
            (b"6 =ab\n13 size=1024\n", "empty key"),
            (b"\n13 size=1024\n", "not a number"),
            (b"21 comment=a\nsize=99\n", "newline inside"),
            (b"11 size=10\n\0\0\0", "without its length"),
            (b"22 GNU.sparse.major=1\n", "sparse"),
            (b"12 path=a\0b\n", "NUL in a name"),
        ];
        for (records, why) in cases {
            let mut bytes = pax(records);
            bytes.extend(header("etc/file", b'0', 0));
            bytes.extend([0u8; 1024]);
            let error = guarded(&bytes).unwrap_err().to_string();
            assert!(
                error.contains("malformed pax header") && error.contains(why),
                "{:?}: {error}",
                String::from_utf8_lossy(records)
            );
        }
        assert_eq!(
            pax_records(b"13 size=1024\n11 path=ab\n").unwrap(),
            [
                (b"size".to_vec(), b"1024".to_vec()),
                (b"path".to_vec(), b"ab".to_vec())
            ]
        );
    }

    #[test]
    fn names_readers_could_choose_between_are_refused() {
        let long = [header("././@LongLink", b'L', 6), padded(b"a/long")].concat();
        let both = [pax(b"11 path=ab\n"), long.clone(), header("short", b'0', 0)].concat();
        let error = guarded(&both).unwrap_err().to_string();
        assert!(
            error.contains("both by a pax path and a GNU long name"),
            "{error}"
        );
        let nul = [header("././@LongLink", b'L', 10), padded(b"a/long\0bcd")].concat();
        let nul = [nul, header("short", b'0', 0)].concat();
        let error = guarded(&nul).unwrap_err().to_string();
        assert!(error.contains("NUL"), "{error}");
        // Metadata types in a header without ustar magic: a plain file to the crate.
        let mut v7 = header("PaxHeaders/x", b'x', 12);
        v7[257..265].fill(0);
        v7[148..156].fill(b' ');
        let sum: u32 = v7.iter().map(|b| u32::from(*b)).sum();
        v7[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let v7 = [v7, padded(b"11 size=99\n\n")].concat();
        let error = guarded(&v7).unwrap_err().to_string();
        assert!(error.contains("old-style header"), "{error}");
        let sparse = header("etc/file", b'S', 0);
        let error = guarded(&sparse).unwrap_err().to_string();
        assert!(error.contains("sparse"), "{error}");
        let pending = [
            pax(b"11 path=ab\n"),
            header("g", b'g', 0),
            header("f", b'0', 0),
        ]
        .concat();
        assert!(guarded(&pending).is_err());
    }

    #[test]
    fn sizes_in_both_forms_and_nothing_in_between() {
        let field = |text: &[u8]| {
            let mut field = [0u8; 12];
            field[..text.len()].copy_from_slice(text);
            field
        };
        assert_eq!(header_size(&field(b"0001750")).unwrap(), 0o1750);
        assert_eq!(header_size(&field(b"00000001750 ")).unwrap(), 0o1750);
        assert_eq!(header_size(&field(b" 1750 ")).unwrap(), 0o1750);
        assert!(header_size(&field(b"17 50")).is_err());
        assert!(header_size(&field(b"1750\0 3")).is_err());
        assert!(header_size(&field(b"\0 1750")).is_err());
        assert!(header_size(&field(b"1789")).is_err());
        let mut binary = [0u8; 12];
        binary[0] = 0x80;
        binary[10] = 1;
        assert_eq!(header_size(&binary).unwrap(), 256);
        binary[2] = 1; // more than 64 bits: the crate drops these bytes
        assert!(header_size(&binary).is_err());
    }

    #[test]
    fn a_directory_or_link_that_claims_data_is_refused() {
        // Go's reader would read a header hidden in the "data"; the crate would not.
        for (name, kind) in [("etc/lifeboat/", b'5'), ("etc/link", b'2'), ("etc/old/", 0)] {
            let hidden = [header("etc/lifeboat/snapshot.age", b'0', 1), padded(b"B")].concat();
            let bytes = [
                header(name, kind, hidden.len() as u64),
                hidden,
                vec![0u8; 1024],
            ]
            .concat();
            let error = guarded(&bytes).unwrap_err().to_string();
            assert!(
                error.contains("which tar readers skip differently"),
                "{error}"
            );
        }
    }

    #[test]
    fn an_old_style_file_named_like_a_directory_is_one() {
        let mut bytes = header("etc/lifeboat/snapshot.age/", 0, 0);
        bytes.extend([0u8; 1024]);
        let guard = TarGuard::new(&bytes[..]);
        let view = guard.view();
        let mut archive = tar::Archive::new(guard);
        let entry = archive.entries().unwrap().next().unwrap().unwrap();
        assert!(entry.header().entry_type().is_file(), "the crate's reading");
        assert_eq!(view.borrow().as_ref().unwrap().kind, b'5');
    }
}
