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
    /// A GNU long name or link held bytes after a NUL, which were dropped (as Go drops them).
    pub cut_at_nul: bool,
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

impl<R: Skip + ?Sized> Skip for &mut R {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        (**self).skip(n)
    }
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

    /// Skips what is left of the current entry (data and padding). A stream that ends inside
    /// its data was cut: an error. One that ends inside its padding ends the archive cleanly,
    /// as Go reads it (umoci 0.4.7 writes layers whose last file is not padded): Ok(false).
    fn finish_entry(&mut self) -> Result<bool, TarError> {
        let want = self.remaining.saturating_add(self.padding);
        if want == 0 {
            return Ok(true);
        }
        let got = self
            .inner
            .skip(want)
            .map_err(|e| self.error("reading failed", Some(e)))?;
        self.offset += got;
        if got < self.remaining {
            let missing = self.remaining - got;
            return Err(self.error(
                format!(
                    "stream ends inside an entry ({missing} of its {} data bytes missing)",
                    self.current_size
                ),
                None,
            ));
        }
        let complete = got == want;
        self.remaining = 0;
        self.padding = 0;
        Ok(complete)
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
        if !self.finish_entry()? {
            return Err(self.error(
                format!("stream ends inside the {what} header's padding"),
                None,
            ));
        }
        Ok(body)
    }

    /// The next entry, or None at the end of the archive: two zero blocks, one zero block at
    /// the end of the stream, or the stream ending cleanly where a header (or the padding after
    /// the last entry's data) would start, exactly where Go's `archive/tar` stops.
    pub fn next_entry(&mut self) -> Result<Option<TarEntry>, TarError> {
        if self.done {
            return Ok(None);
        }
        if !self.finish_entry()? {
            self.done = true;
            return Ok(None);
        }
        self.current = None;
        let mut ext = Extensions::default();
        let mut block = [0u8; BLOCK as usize];
        loop {
            if !self.read_header_block(&mut block)? {
                self.done = true;
                if ext.any() {
                    return Err(self.error(
                        "stream ends after an extension header, before the entry it describes",
                        None,
                    ));
                }
                return Ok(None);
            }
            let header_offset = self.offset - BLOCK;
            let raw = RawHeader::parse(&block).map_err(|(message, entry)| TarError {
                offset: header_offset,
                entry: entry.map(|e| String::from_utf8_lossy(&e).into_owned()),
                message,
                source: None,
            })?;
            match raw.type_byte {
                b'L' => {
                    ext.long_name = Some(self.read_extension(raw.size, "GNU long name")?);
                    continue;
                }
                b'K' => {
                    ext.long_link = Some(self.read_extension(raw.size, "GNU long link")?);
                    continue;
                }
                b'x' => {
                    ext.pax = Some(self.read_extension(raw.size, "PAX")?);
                    continue;
                }
                // Global PAX headers say nothing isogen needs (Go returns them as entries that
                // every extractor skips).
                b'g' => {
                    let body = self.read_extension(raw.size, "PAX global")?;
                    // Go refuses a global header whose records are malformed.
                    for record in tar::PaxExtensions::new(&body) {
                        record.map_err(|e| self.error("malformed PAX global header", Some(e)))?;
                    }
                    continue;
                }
                _ => {}
            }
            return self.entry(raw, ext).map(Some);
        }
    }

    /// Reads the next header block, telling tar's end apart as Go does. Ok(false): the archive
    /// ended (no bytes at all, two zero blocks, or one zero block and then nothing).
    fn read_header_block(&mut self, block: &mut [u8; BLOCK as usize]) -> Result<bool, TarError> {
        if !self.read_block(block)? {
            return Ok(false);
        }
        if block.iter().any(|b| *b != 0) {
            return Ok(true);
        }
        if !self.read_block(block)? {
            return Ok(false);
        }
        if block.iter().all(|b| *b == 0) {
            self.end_marker = true;
            return Ok(false);
        }
        Err(self.error(
            "a lone zero block is followed by more data (Go's archive/tar refuses such a layer)",
            None,
        ))
    }

    /// The entry a (non-extension) header describes, its extension headers folded in the order
    /// Go folds them: PAX records over the header, GNU long names over both.
    fn entry(&mut self, raw: RawHeader, ext: Extensions) -> Result<TarEntry, TarError> {
        self.current = Some(String::from_utf8_lossy(&raw.path).into_owned());
        let kind = match raw.type_byte {
            b'0' => TarKind::File,
            // The old type `\0`: a file, or a directory when its final name ends in `/` (below).
            b'\0' => TarKind::File,
            b'1' => TarKind::HardLink,
            b'2' => TarKind::Symlink,
            b'5' => TarKind::Dir,
            b'3' | b'4' | b'6' => TarKind::Other,
            b'S' => return Err(self.error(SPARSE, None)),
            other => {
                return Err(self.error(
                    format!(
                        "entry type {:?} is one container runtimes do not extract",
                        char::from(other)
                    ),
                    None,
                ))
            }
        };
        let mut fields = Fields {
            path: raw.path,
            link: Some(raw.link),
            data_size: raw.size,
            uid: raw.uid,
            gid: raw.gid,
        };
        if let Some(pax) = &ext.pax {
            self.fold_pax(pax, &mut fields)?;
        }
        let Fields {
            mut path,
            mut link,
            mut data_size,
            uid,
            gid,
        } = fields;
        // GNU long names end at their first NUL, as Go cuts them (and win over PAX records).
        let mut cut_at_nul = false;
        let mut gnu = |raw: Option<Vec<u8>>| {
            let raw = raw?;
            let cut = cut_nul(raw.clone());
            cut_at_nul |= raw[cut.len()..].iter().any(|b| *b != 0);
            Some(cut).filter(|c| !c.is_empty())
        };
        if let Some(name) = gnu(ext.long_name) {
            path = name;
        }
        if let Some(name) = gnu(ext.long_link) {
            link = Some(name);
        }
        // Pre-POSIX archives mark directories only by a trailing slash, and only with the old
        // type `\0`; a type-`0` entry named `x/` is a file (extraction drops the slash).
        let kind = if raw.type_byte == 0 && path.last() == Some(&b'/') {
            TarKind::Dir
        } else {
            kind
        };
        if !matches!(kind, TarKind::Symlink | TarKind::HardLink) {
            link = None;
        }
        // Links, directories, devices and fifos have no data, whatever the size field says.
        if !matches!(kind, TarKind::File) {
            data_size = 0;
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
        self.current_size = data_size;
        self.remaining = data_size;
        self.padding = padding(data_size);
        Ok(TarEntry {
            path,
            link,
            kind,
            data_size,
            size: data_size,
            mode: raw.mode,
            uid,
            gid,
            data_offset: self.offset,
            cut_at_nul,
        })
    }

    /// Folds PAX records over the header's fields as Go does: empty values keep the header's,
    /// NULs in paths and malformed numbers are refused, sparse files are refused.
    fn fold_pax(&self, pax: &[u8], fields: &mut Fields) -> Result<(), TarError> {
        for ext in tar::PaxExtensions::new(pax) {
            let ext = ext.map_err(|e| self.error("malformed PAX header", Some(e)))?;
            let key = ext.key_bytes();
            let value = ext.value_bytes();
            if key.starts_with(b"GNU.sparse.") {
                return Err(self.error(SPARSE, None));
            }
            // Go keeps the header's value when a record is empty.
            if value.is_empty() {
                continue;
            }
            let number = |what: &str| {
                go_parse_int(value).ok_or_else(|| {
                    self.error(
                        format!(
                            "malformed PAX {what} record `{}` (Go's archive/tar refuses it)",
                            String::from_utf8_lossy(value)
                        ),
                        None,
                    )
                })
            };
            match key {
                b"path" | b"linkpath" if value.contains(&0) => return Err(self.error(
                    "a PAX path or linkpath record holds a NUL byte (Go's archive/tar refuses it)",
                    None,
                )),
                b"path" => fields.path = value.to_vec(),
                b"linkpath" => fields.link = Some(value.to_vec()),
                b"size" => {
                    fields.data_size = u64::try_from(number("size")?)
                        .map_err(|_| self.error("negative PAX size record", None))?
                }
                b"uid" => fields.uid = number("uid")? as u64,
                b"gid" => fields.gid = number("gid")? as u64,
                _ => {}
            }
        }
        Ok(())
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

/// Go's message for the sparse formats isogen does not expand.
const SPARSE: &str = "the layer holds a sparse file (GNU or PAX sparse format); container runtimes expand it, isogen does not read it, so it cannot check it";

/// GNU long names and links end at their first NUL, as Go cuts them.
fn cut_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        bytes.truncate(nul);
    }
    bytes
}

/// The fields PAX records may override.
struct Fields {
    path: Vec<u8>,
    link: Option<Vec<u8>>,
    data_size: u64,
    uid: u64,
    gid: u64,
}

/// Extension headers seen before the entry they describe.
#[derive(Default)]
struct Extensions {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
}

impl Extensions {
    fn any(&self) -> bool {
        self.long_name.is_some() || self.long_link.is_some() || self.pax.is_some()
    }
}

/// The fields of one 512-byte header, decoded as Go's `archive/tar` decodes them.
struct RawHeader {
    type_byte: u8,
    path: Vec<u8>,
    link: Vec<u8>,
    size: u64,
    mode: u32,
    uid: u64,
    gid: u64,
}

impl RawHeader {
    /// The header, or why it is none (with the entry's name once it is known).
    fn parse(block: &[u8; BLOCK as usize]) -> Result<RawHeader, (String, Option<Vec<u8>>)> {
        let field = |from: usize, to: usize| &block[from..to];
        let stated = parse_octal(field(148, 156)).ok();
        let (unsigned, signed) = block
            .iter()
            .enumerate()
            .fold((0i64, 0i64), |(u, s), (i, c)| {
                let c = if (148..156).contains(&i) { b' ' } else { *c };
                (u + i64::from(c), s + i64::from(c as i8))
            });
        if stated != Some(unsigned) && stated != Some(signed) {
            return Err(("not a tar header (checksum mismatch)".into(), None));
        }
        let mut path = cut_nul(field(0, 100).to_vec());
        // ustar (and star) headers may hold a prefix; GNU and v7 headers do not.
        if field(257, 263) == b"ustar\0" {
            let prefix = if field(508, 512) == b"tar\0" {
                field(345, 476)
            } else {
                field(345, 500)
            };
            let prefix = cut_nul(prefix.to_vec());
            if !prefix.is_empty() {
                let mut joined = prefix;
                joined.push(b'/');
                joined.extend_from_slice(&path);
                path = joined;
            }
        }
        let bad = |what: &str| {
            (
                format!("bad {what} field in tar header"),
                Some(path.clone()),
            )
        };
        // Sizes are read in full (to name an impossible one); Go refuses them all the same.
        let size = match field(124, 136) {
            f if f[0] & 0x80 != 0 && f[0] & 0x40 == 0 && f[1..4].iter().all(|b| *b == 0) => {
                u64::from_be_bytes(f[4..12].try_into().map_err(|_| bad("size"))?)
            }
            f => u64::try_from(parse_numeric(f).ok_or_else(|| bad("size"))?)
                .map_err(|_| bad("size"))?,
        };
        let mode = parse_numeric(field(100, 108)).ok_or_else(|| bad("mode"))?;
        let uid = parse_numeric(field(108, 116)).ok_or_else(|| bad("uid"))?;
        let gid = parse_numeric(field(116, 124)).ok_or_else(|| bad("gid"))?;
        // Fields isogen does not use, but whose malformation makes Go refuse the header.
        parse_numeric(field(136, 148)).ok_or_else(|| bad("mtime"))?;
        if field(257, 262) == b"ustar" {
            parse_numeric(field(329, 337)).ok_or_else(|| bad("devmajor"))?;
            parse_numeric(field(337, 345)).ok_or_else(|| bad("devminor"))?;
        }
        if field(257, 265) == b"ustar  \0" {
            for (from, to, what) in [(345, 357, "atime"), (357, 369, "ctime")] {
                if block[from] != 0 {
                    parse_numeric(field(from, to)).ok_or_else(|| bad(what))?;
                }
            }
        }
        Ok(RawHeader {
            type_byte: block[156],
            link: cut_nul(field(157, 257).to_vec()),
            path,
            size,
            mode: (mode as u32) & 0o7777,
            uid: uid as u64,
            gid: gid as u64,
        })
    }
}

/// A numeric header field: GNU base-256 when its first byte has the high bit set, else octal.
fn parse_numeric(field: &[u8]) -> Option<i64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let inv = if field[0] & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, c) in field.iter().enumerate() {
            let mut c = c ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 > 0 {
                return None;
            }
            x = (x << 8) | u64::from(c);
        }
        if x >> 63 > 0 {
            return None;
        }
        return Some(if inv == 0xff { !(x as i64) } else { x as i64 });
    }
    parse_octal(field).ok()
}

/// Go's `parseOctal`: spaces and NULs trimmed from both ends, empty is 0, the rest cut at its
/// first NUL and parsed strictly.
fn parse_octal(field: &[u8]) -> Result<i64, ()> {
    let start = field.iter().position(|b| !matches!(b, b' ' | 0));
    let Some(start) = start else { return Ok(0) };
    let end = field
        .iter()
        .rposition(|b| !matches!(b, b' ' | 0))
        .unwrap_or(start);
    let trimmed = cut_nul(field[start..=end].to_vec());
    let text = std::str::from_utf8(&trimmed).map_err(|_| ())?;
    if text.is_empty() || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(());
    }
    u64::from_str_radix(text, 8)
        .map(|x| x as i64)
        .map_err(|_| ())
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign, then decimal digits only.
pub(crate) fn go_parse_int(bytes: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
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
    fn sparse_files_are_refused_not_read_as_stored_bytes() {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNUSparse);
        header.set_path("sparse").unwrap();
        header.set_size(0);
        base256(&mut header.as_gnu_mut().unwrap().realsize, 4096);
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 1024]);
        let err = list(&bytes).unwrap_err();
        assert!(err.message.contains("sparse"), "{err}");
        assert_eq!(err.entry.as_deref(), Some("sparse"));
    }

    fn raw(name: &[u8], kind: u8, size: u64, edit: impl FnOnce(&mut tar::Header)) -> Vec<u8> {
        let mut header = tar::Header::new_gnu();
        header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        header.set_mode(0o644);
        header.set_size(size);
        header.as_mut_bytes()[156] = kind;
        edit(&mut header);
        header.set_cksum();
        header.as_bytes().to_vec()
    }

    fn with_data(mut header: Vec<u8>, data: &[u8]) -> Vec<u8> {
        header.extend_from_slice(data);
        header.resize(header.len().div_ceil(512) * 512, 0);
        header
    }

    #[test]
    fn gnu_long_names_end_at_their_first_nul() {
        let long = with_data(
            raw(b"././@LongLink", b'L', 20, |_| {}),
            b"etc/passwd\0ignored\0\0",
        );
        let mut bytes = long;
        bytes.extend(with_data(raw(b"decoy", b'0', 3, |_| {}), b"abc"));
        bytes.extend_from_slice(&[0u8; 1024]);
        assert_eq!(list(&bytes).unwrap(), vec![("etc/passwd".into(), 3)]);
    }

    #[test]
    fn a_nul_in_a_pax_path_is_refused() {
        let record = b"25 path=etc/passwd\0decoy\n";
        let mut bytes = with_data(raw(b"PaxHeader", b'x', record.len() as u64, |_| {}), record);
        bytes.extend(with_data(raw(b"name", b'0', 0, |_| {}), b""));
        bytes.extend_from_slice(&[0u8; 1024]);
        let err = list(&bytes).unwrap_err();
        assert!(err.message.contains("NUL"), "{err}");
    }

    #[test]
    fn type_0_with_a_trailing_slash_is_a_file_and_old_type_nul_is_a_dir() {
        let mut bytes = with_data(raw(b"etc/passwd/", b'0', 2, |_| {}), b"x\n");
        bytes.extend(raw(b"old/", 0, 0, |_| {}));
        bytes.extend_from_slice(&[0u8; 1024]);
        let mut stream = TarStream::new(Sequential(&bytes[..]));
        assert_eq!(stream.next_entry().unwrap().unwrap().kind, TarKind::File);
        assert_eq!(stream.next_entry().unwrap().unwrap().kind, TarKind::Dir);
    }

    #[test]
    fn links_have_no_data_whatever_their_size_field_says() {
        // Go reads the block after a symlink header as the next header.
        let mut bytes = raw(b"link", b'2', 512, |h| h.set_link_name("x").unwrap());
        bytes.extend(with_data(raw(b"hidden", b'0', 1, |_| {}), b"y"));
        bytes.extend_from_slice(&[0u8; 1024]);
        let names: Vec<String> = list(&bytes).unwrap().into_iter().map(|e| e.0).collect();
        assert_eq!(names, vec!["link".to_string(), "hidden".to_string()]);
    }

    #[test]
    fn data_after_a_lone_zero_block_is_refused() {
        let mut bytes = with_data(raw(b"a", b'0', 1, |_| {}), b"a");
        bytes.extend_from_slice(&[0u8; 512]);
        bytes.extend(with_data(raw(b"b", b'0', 1, |_| {}), b"b"));
        bytes.extend_from_slice(&[0u8; 1024]);
        let err = list(&bytes).unwrap_err();
        assert!(err.message.contains("lone zero block"), "{err}");
        // One zero block and then the end of the stream is a clean end.
        let mut bytes = with_data(raw(b"a", b'0', 1, |_| {}), b"a");
        bytes.extend_from_slice(&[0u8; 512]);
        assert_eq!(list(&bytes).unwrap(), vec![("a".into(), 1)]);
    }

    #[test]
    fn a_last_entry_without_padding_ends_the_archive_cleanly() {
        let mut bytes = raw(b"a", b'0', 5, |_| {});
        bytes.extend_from_slice(b"hello");
        assert_eq!(list(&bytes).unwrap(), vec![("a".into(), 5)]);
        // Missing data is still a cut stream.
        bytes.truncate(bytes.len() - 1);
        assert!(list(&bytes).is_err());
    }

    #[test]
    fn unknown_and_contiguous_types_are_refused() {
        for kind in [b'7', b'D', b'V', b'X', b'Z'] {
            let mut bytes = raw(b"odd", kind, 0, |_| {});
            bytes.extend_from_slice(&[0u8; 1024]);
            let err = list(&bytes).unwrap_err();
            assert!(err.message.contains("entry type"), "{err}");
        }
    }

    #[test]
    fn numbers_parse_as_go_parses_them() {
        assert_eq!(parse_octal(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_octal(b"\0\0\0\0"), Ok(0));
        assert_eq!(parse_octal(b" 12\x0034 "), Ok(0o12));
        assert!(parse_octal(b"12 34\0").is_err());
        assert!(parse_octal(b"-1\0").is_err());
        assert_eq!(go_parse_int(b"-0"), Some(0));
        assert_eq!(go_parse_int(b"+0"), Some(0));
        assert_eq!(go_parse_int(b"000"), Some(0));
        assert_eq!(go_parse_int(b"1_0"), None);
        assert_eq!(go_parse_int(b" 1"), None);
        assert_eq!(go_parse_int(b"99999999999999999999"), None);
    }
}
