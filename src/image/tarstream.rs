//! A forward-only tar reader with bounded memory, used for both the outer archive (to index its
//! members) and every layer (to list its entries).
//!
//! Header fields are decoded by the `tar` crate ([`tar::Header`], [`tar::PaxExtensions`]); the
//! loop around them is ours because `tar::Archive` reads GNU long-name and PAX extension bodies
//! into memory whatever their declared size, so a hostile (or decompression-bomb) layer could make
//! it allocate gigabytes. Here extension bodies are capped, entry data is only ever skipped or
//! read up to a caller's limit, and the two ways a stream may end are told apart: cleanly at a
//! header boundary (with or without tar's end-of-archive blocks; umoci omits them) versus cut
//! inside a header or an entry (an error).

use std::io::{self, Read};

/// Largest GNU long-name/long-link or PAX extension body accepted. Real ones are a few hundred
/// bytes (PATH_MAX is 4096); the cap only exists so hostile input cannot allocate without bound.
pub(crate) const MAX_EXTENSION_BYTES: u64 = 1 << 20;

const BLOCK: u64 = 512;

/// Largest entry size (data, or a sparse file's real size) accepted: `i64::MAX`, the largest
/// file size (`off_t`) any file system can hold. Base-256 size fields and PAX records can state
/// up to `u64::MAX`; anything above this is hostile or corrupt, and refusing it keeps every
/// offset computed from it far from overflowing.
pub(crate) const MAX_ENTRY_BYTES: u64 = i64::MAX as u64;

/// What a tar entry is, before isogen's own interpretation (whiteouts etc.).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TarKind {
    File,
    Dir,
    Symlink,
    HardLink,
    Other,
}

/// One member as described by its header(s), extension headers already folded in.
#[derive(Debug, Clone)]
pub(crate) struct TarEntry {
    /// The path as stored (PAX `path`, else GNU long name, else ustar prefix + name).
    pub path: Vec<u8>,
    /// Link target as stored (PAX `linkpath`, else GNU long link, else the header field).
    pub link: Option<Vec<u8>>,
    pub kind: TarKind,
    /// Bytes of data that follow the header in the stream.
    pub data_size: u64,
    /// The file's size as the user sees it (differs from `data_size` only for sparse files).
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Offset of the first data byte in the stream (used to index the outer archive).
    pub data_offset: u64,
}

/// Why reading stopped, with the stream offset where it did.
#[derive(Debug)]
pub(crate) struct TarError {
    pub offset: u64,
    /// The entry being read, when the failure is inside one.
    pub entry: Option<String>,
    pub message: String,
    /// The underlying I/O error, when there is one (a decompressor's, a file's).
    pub source: Option<io::Error>,
}

impl std::fmt::Display for TarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(entry) = &self.entry {
            write!(f, " (entry `{entry}`)")?;
        }
        write!(f, " at byte {}", self.offset)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

/// A byte source that can skip forward, cheaply when it can seek.
pub(crate) trait Skip: Read {
    /// Skips up to `n` bytes and returns how many were skipped (fewer only at end of stream).
    fn skip(&mut self, n: u64) -> io::Result<u64>;
}

/// Any reader, skipping by reading.
pub(crate) struct Sequential<R>(pub R);

impl<R: Read> Read for Sequential<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Skip for Sequential<R> {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut (&mut self.0).take(n), &mut io::sink())
    }
}

pub(crate) struct TarStream<R> {
    inner: R,
    /// Bytes consumed from `inner` so far.
    offset: u64,
    /// Data bytes of the current entry not yet consumed, then its padding.
    remaining: u64,
    padding: u64,
    current: Option<String>,
    current_size: u64,
    done: bool,
    end_marker: bool,
}

impl<R: Skip> TarStream<R> {
    pub fn new(inner: R) -> Self {
        TarStream {
            inner,
            offset: 0,
            remaining: 0,
            padding: 0,
            current: None,
            current_size: 0,
            done: false,
            end_marker: false,
        }
    }

    /// Whether the archive ended with tar's end-of-archive block (not just where data ran out).
    pub fn saw_end_marker(&self) -> bool {
        self.end_marker
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn error(&self, message: impl Into<String>, source: Option<io::Error>) -> TarError {
        TarError {
            offset: self.offset,
            entry: self.current.clone(),
            message: message.into(),
            source,
        }
    }

    /// Skips what is left of the current entry (data and padding). A stream that ends inside it
    /// was cut: an error, whatever the end-of-archive blocks would have said.
    fn finish_entry(&mut self) -> Result<(), TarError> {
        let want = self.remaining.saturating_add(self.padding);
        if want == 0 {
            return Ok(());
        }
        let got = self
            .inner
            .skip(want)
            .map_err(|e| self.error("reading failed", Some(e)))?;
        self.offset += got;
        if got < want {
            let missing = self.remaining.saturating_sub(got);
            let message = if missing > 0 {
                format!(
                    "stream ends inside an entry ({missing} of its {} data bytes missing)",
                    self.current_size
                )
            } else {
                "stream ends inside an entry's padding".to_string()
            };
            return Err(self.error(message, None));
        }
        self.remaining = 0;
        self.padding = 0;
        Ok(())
    }

    /// Reads one 512-byte block. Ok(false): the stream ended exactly before it.
    fn read_block(&mut self, block: &mut [u8; BLOCK as usize]) -> Result<bool, TarError> {
        let mut filled = 0;
        while filled < block.len() {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.offset += filled as u64;
                    return Err(self.error("reading failed", Some(e)));
                }
            }
        }
        self.offset += filled as u64;
        match filled {
            0 => Ok(false),
            512 => Ok(true),
            _ => Err(self.error("stream ends inside a tar header", None)),
        }
    }

    /// Reads an extension header's body (long name, PAX records), capped.
    fn read_extension(&mut self, size: u64, what: &str) -> Result<Vec<u8>, TarError> {
        if size > MAX_EXTENSION_BYTES {
            return Err(self.error(
                format!(
                    "{what} header declares {size} bytes, more than the {MAX_EXTENSION_BYTES} accepted"
                ),
                None,
            ));
        }
        self.current_size = size;
        self.remaining = size;
        self.padding = padding(size);
        let body = self.read_data(size)?;
        self.finish_entry()?;
        Ok(body)
    }

    /// The next entry, or None at the end of the archive (end-of-archive block, or the stream
    /// ending cleanly where a header would start).
    pub fn next_entry(&mut self) -> Result<Option<TarEntry>, TarError> {
        if self.done {
            return Ok(None);
        }
        self.finish_entry()?;
        self.current = None;

        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Option<Vec<u8>> = None;
        let mut block = [0u8; BLOCK as usize];
        loop {
            if !self.read_block(&mut block)? {
                self.done = true;
                if long_name.is_some() || long_link.is_some() || pax.is_some() {
                    return Err(self.error(
                        "stream ends after an extension header, before the entry it describes",
                        None,
                    ));
                }
                return Ok(None);
            }
            if block.iter().all(|b| *b == 0) {
                self.done = true;
                self.end_marker = true;
                return Ok(None);
            }
            let header = tar::Header::from_byte_slice(&block);
            let header_offset = self.offset - BLOCK;
            // The checksum field itself counts as eight spaces.
            let sum: u32 = block[..148]
                .iter()
                .chain(&block[156..])
                .map(|b| u32::from(*b))
                .sum::<u32>()
                + 8 * 32;
            if header.cksum().ok() != Some(sum) {
                return Err(TarError {
                    offset: header_offset,
                    entry: None,
                    message: "not a tar header (checksum mismatch)".into(),
                    source: None,
                });
            }
            let header_size = header
                .entry_size()
                .map_err(|e| self.error("bad size field in tar header", Some(e)))?;
            match header.entry_type().as_byte() {
                b'L' => {
                    long_name = Some(trim_nul(self.read_extension(header_size, "GNU long name")?));
                    continue;
                }
                b'K' => {
                    long_link = Some(trim_nul(self.read_extension(header_size, "GNU long link")?));
                    continue;
                }
                b'x' => {
                    pax = Some(self.read_extension(header_size, "PAX")?);
                    continue;
                }
                // Global PAX headers and Solaris extended attributes say nothing isogen needs.
                b'g' | b'X' => {
                    self.read_extension(header_size, "PAX global")?;
                    continue;
                }
                _ => {}
            }

            let mut path = long_name
                .take()
                .unwrap_or_else(|| header.path_bytes().into_owned());
            let mut link = long_link
                .take()
                .or_else(|| header.link_name_bytes().map(|l| l.into_owned()));
            let mut data_size = header_size;
            let mut uid = header.uid().unwrap_or(0);
            let mut gid = header.gid().unwrap_or(0);
            let mut real_size = None;
            if let Some(pax) = pax.take() {
                for ext in tar::PaxExtensions::new(&pax) {
                    let ext = ext.map_err(|e| self.error("malformed PAX header", Some(e)))?;
                    let value = ext.value_bytes();
                    let number = || std::str::from_utf8(value).ok()?.trim().parse::<u64>().ok();
                    match ext.key_bytes() {
                        b"path" => path = value.to_vec(),
                        b"linkpath" => link = Some(value.to_vec()),
                        b"size" => {
                            data_size = number()
                                .ok_or_else(|| self.error("malformed PAX size record", None))?
                        }
                        b"uid" => uid = number().unwrap_or(uid),
                        b"gid" => gid = number().unwrap_or(gid),
                        b"GNU.sparse.name" => path = value.to_vec(),
                        b"GNU.sparse.realsize" | b"GNU.sparse.size" => real_size = number(),
                        _ => {}
                    }
                }
            }

            let type_byte = header.entry_type().as_byte();
            if type_byte == b'S' {
                // Old GNU sparse: more sparse maps may follow in extension blocks.
                if let Some(gnu) = header.as_gnu() {
                    real_size = gnu.real_size().ok();
                    let mut extended = gnu.is_extended();
                    while extended {
                        let mut ext = [0u8; BLOCK as usize];
                        if !self.read_block(&mut ext)? {
                            return Err(self.error("stream ends inside a sparse header", None));
                        }
                        extended = ext[504] != 0;
                    }
                }
            }
            let mode = header.mode().unwrap_or(0o644) & 0o7777;
            let mut kind = match type_byte {
                b'0' | b'\0' | b'7' | b'S' => TarKind::File,
                b'1' => TarKind::HardLink,
                b'2' => TarKind::Symlink,
                b'5' | b'D' => TarKind::Dir,
                _ => TarKind::Other,
            };
            // Pre-POSIX archives mark directories only by a trailing slash.
            if kind == TarKind::File && path.last() == Some(&b'/') {
                kind = TarKind::Dir;
            }
            if !matches!(kind, TarKind::Symlink | TarKind::HardLink) {
                link = None;
            }
            self.current = Some(String::from_utf8_lossy(&path).into_owned());
            if data_size > MAX_ENTRY_BYTES {
                return Err(self.error(
                    format!(
                        "tar header declares {data_size} data bytes, more than any file can hold (bad size field)"
                    ),
                    None,
                ));
            }
            if let Some(real) = real_size.filter(|r| *r > MAX_ENTRY_BYTES) {
                return Err(self.error(
                    format!(
                        "sparse file declares a real size of {real} bytes, more than any file can hold"
                    ),
                    None,
                ));
            }
            self.current_size = data_size;
            self.remaining = data_size;
            self.padding = padding(data_size);
            let size = match kind {
                TarKind::File => real_size.unwrap_or(data_size),
                _ => 0,
            };
            return Ok(Some(TarEntry {
                path,
                link,
                kind,
                data_size,
                size,
                mode,
                uid,
                gid,
                data_offset: self.offset,
            }));
        }
    }

    /// Reads up to `max` bytes of the current entry's data (fewer if the entry is smaller).
    pub fn read_data(&mut self, max: u64) -> Result<Vec<u8>, TarError> {
        let want = max.min(self.remaining);
        // Capacity from the bytes actually wanted (already capped by the caller), never from an
        // untrusted header alone.
        let mut buf = Vec::with_capacity(want.min(1 << 20) as usize);
        let got = (&mut self.inner)
            .take(want)
            .read_to_end(&mut buf)
            .map_err(|e| self.error("reading failed", Some(e)))? as u64;
        self.offset += got;
        self.remaining -= got;
        if got < want {
            return Err(self.error(
                format!(
                    "stream ends inside an entry ({} of its {} data bytes missing)",
                    self.remaining, self.current_size
                ),
                None,
            ));
        }
        Ok(buf)
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

fn trim_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        builder.into_inner().unwrap()
    }

    fn file(builder: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, path, data).unwrap();
    }

    fn list(bytes: &[u8]) -> Result<Vec<(String, u64)>, TarError> {
        let mut stream = TarStream::new(Sequential(bytes));
        let mut out = Vec::new();
        while let Some(entry) = stream.next_entry()? {
            out.push((
                String::from_utf8_lossy(&entry.path).into_owned(),
                entry.size,
            ));
        }
        Ok(out)
    }

    #[test]
    fn reads_gnu_long_names_and_stops_at_end_blocks() {
        let long = format!("{}/file.txt", "d".repeat(300));
        let bytes = archive(|b| {
            file(b, &long, b"hello");
            file(b, "short", b"");
        });
        assert_eq!(list(&bytes).unwrap(), vec![(long, 5), ("short".into(), 0)]);
    }

    #[test]
    fn pax_path_and_size_override_the_header() {
        let long = format!("{}/x", "p".repeat(200));
        let mut builder = tar::Builder::new(Vec::new());
        builder
            .append_pax_extensions([("path", long.as_bytes())])
            .unwrap();
        file(&mut builder, "ignored", b"abc");
        let bytes = builder.into_inner().unwrap();
        assert_eq!(list(&bytes).unwrap(), vec![(long, 3)]);
    }

    #[test]
    fn clean_end_without_end_of_archive_blocks_is_fine() {
        let bytes = archive(|b| file(b, "a", b"data"));
        // header + one data block, no trailing zero blocks
        assert_eq!(list(&bytes[..1024]).unwrap(), vec![("a".into(), 4)]);
    }

    #[test]
    fn a_stream_cut_inside_an_entry_is_an_error() {
        let bytes = archive(|b| file(b, "a", &[7u8; 2000]));
        let err = list(&bytes[..1000]).unwrap_err();
        assert!(err.message.contains("stream ends inside an entry"), "{err}");
        assert_eq!(err.entry.as_deref(), Some("a"));
        let err = list(&bytes[..700]).unwrap_err();
        assert!(err.to_string().contains("1812 of its 2000"), "{err}");
    }

    #[test]
    fn a_stream_cut_inside_a_header_is_an_error() {
        let bytes = archive(|b| file(b, "a", b"x"));
        let err = list(&bytes[..100]).unwrap_err();
        assert!(err.message.contains("inside a tar header"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_header() {
        let err = list(&[0x41u8; 1024]).unwrap_err();
        assert!(err.message.contains("checksum"), "{err}");
    }

    #[test]
    fn absurd_extension_sizes_are_refused_without_allocating() {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::XHeader);
        header.set_size(1 << 40);
        header.set_path("pax").unwrap();
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 512]);
        let err = list(&bytes).unwrap_err();
        assert!(err.message.contains("more than the"), "{err}");
    }

    #[test]
    fn absurd_data_sizes_are_only_skipped() {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(1 << 50);
        header.set_path("huge").unwrap();
        header.set_cksum();
        let bytes = header.as_bytes().to_vec();
        let mut stream = TarStream::new(Sequential(&bytes[..]));
        let entry = stream.next_entry().unwrap().unwrap();
        assert_eq!(entry.size, 1 << 50);
        let err = stream.read_data(1024).unwrap_err();
        assert!(err.message.contains("stream ends inside an entry"), "{err}");
    }

    fn base256(field: &mut [u8; 12], value: u64) {
        field.fill(0);
        field[0] = 0x80;
        field[4..].copy_from_slice(&value.to_be_bytes());
    }

    #[test]
    fn sizes_beyond_any_file_are_refused_without_overflowing() {
        for size in [u64::MAX, u64::MAX - 511, MAX_ENTRY_BYTES + 1] {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_path("huge").unwrap();
            base256(&mut header.as_gnu_mut().unwrap().size, size);
            header.set_cksum();
            let mut bytes = header.as_bytes().to_vec();
            bytes.extend_from_slice(&[0u8; 1024]);
            let err = list(&bytes).unwrap_err();
            assert!(err.message.contains(&size.to_string()), "{err}");
            assert_eq!(err.entry.as_deref(), Some("huge"));
        }
    }

    #[test]
    fn sparse_real_sizes_beyond_any_file_are_refused() {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNUSparse);
        header.set_path("sparse").unwrap();
        header.set_size(0);
        base256(&mut header.as_gnu_mut().unwrap().realsize, u64::MAX);
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 1024]);
        let err = list(&bytes).unwrap_err();
        assert!(err.message.contains("real size"), "{err}");
        assert_eq!(err.entry.as_deref(), Some("sparse"));
        // The largest possible file is fine.
        base256(&mut header.as_gnu_mut().unwrap().realsize, MAX_ENTRY_BYTES);
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 1024]);
        assert_eq!(
            list(&bytes).unwrap(),
            vec![("sparse".into(), MAX_ENTRY_BYTES)]
        );
    }
}
