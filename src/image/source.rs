//! Where the image's files come from: a tar archive (indexed once, then read by offset, so
//! independent blobs can be read in parallel), an OCI layout directory (regular files inside it
//! only: no FIFO, device or symlink leading out), or stdin.
//!
//! A tar on disk is never copied. An archive compressed as a whole (`docker save | gzip`),
//! stdin and a pipe named as the archive cannot be read by offset, so they are spooled once into
//! an anonymous temporary file (under `$TMPDIR`, removed when the image is dropped) holding the
//! *uncompressed outer archive* up to its end-of-archive block; layers are still never extracted, and the spool is the only disk use. The
//! alternative, a single pass, is not possible in general: `docker save` writes `manifest.json`
//! after the layers, so which member is a layer is only known at the end.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::path::{member_name, normalize, split};
use super::tarstream::{Sequential, Skip, TarKind, TarStream};

/// How the bytes start, for what is compressed as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zstd,
    None,
}

impl Compression {
    /// Tells the compression from the magic bytes, never from a label: skopeo writes plain tar
    /// layers labelled `+gzip`. Known-but-unsupported formats are named so the error is useful.
    pub fn sniff(magic: &[u8]) -> Result<Self, &'static str> {
        match magic {
            [0x1f, 0x8b, ..] => Ok(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Ok(Compression::Zstd),
            // A zstd skippable frame (0x184D2A50..5F) may open a stream; containerd takes it
            // for zstd, and so does the decoder.
            [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50 => Ok(Compression::Zstd),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Err("xz"),
            [b'B', b'Z', b'h', ..] => Err("bzip2"),
            _ => Ok(Compression::None),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::None => "none",
        }
    }
}

/// Wraps `reader` in the decoder its first bytes call for.
pub(crate) fn decoder<'a, R: BufRead + 'a>(
    compression: Compression,
    reader: R,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        // Multi-member: pigz and parallel compressors write several gzip members.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(reader)?;
            // zstd's default limit (128 MiB window); stated so a hostile frame cannot ask more.
            decoder.window_log_max(27)?;
            Box::new(decoder)
        }
        Compression::None => Box::new(reader),
    })
}

/// Reads up to `n` bytes (fewer only at end of stream) without losing them: they are returned
/// and must be chained in front of the rest.
pub(crate) fn peek<R: Read + ?Sized>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut magic = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut magic)?;
    Ok(magic)
}

/// One member of an archive (or file of a layout directory) opened for reading.
pub(crate) struct Blob {
    pub reader: Box<dyn Read + Send>,
    /// Stored size in bytes.
    pub size: u64,
}

pub(crate) enum StoreError {
    Missing,
    Unusable(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Member {
    Data {
        offset: u64,
        size: u64,
    },
    /// A symlink or hard link, resolved to the archive path it names.
    Link(String),
    Dir,
    Other,
}

/// Blob access by archive path (`manifest.json`, `blobs/sha256/<hex>`).
pub(crate) enum Store {
    Archive {
        file: Arc<File>,
        members: HashMap<String, Member>,
    },
    /// A layout directory: the path as given, and as resolved (symlinks followed), which every
    /// file read must stay within.
    Dir { root: PathBuf, real_root: PathBuf },
}

impl Store {
    pub fn is_dir(&self) -> bool {
        matches!(self, Store::Dir { .. })
    }

    pub fn contains(&self, name: &str) -> bool {
        match self.open(name) {
            Ok(_) => true,
            Err(StoreError::Unusable(_)) => true,
            Err(StoreError::Missing) => false,
        }
    }

    /// The member a name finally points at, following links; None when it is missing.
    pub fn resolve(&self, name: &str) -> Option<String> {
        match self {
            Store::Archive { members, .. } => {
                let mut name = member_name(name);
                for _ in 0..32 {
                    match members.get(&name)? {
                        Member::Link(target) => name = target.clone(),
                        _ => return Some(name),
                    }
                }
                None
            }
            Store::Dir { .. } => Some(member_name(name)),
        }
    }

    /// Opens a member by name, following symlinks and hard links inside the archive (buildah's
    /// docker-archive stores `<id>/layer.tar` as a symlink to `../<diff_id>.tar`).
    pub fn open(&self, name: &str) -> Result<Blob, StoreError> {
        match self {
            Store::Archive { file, members } => {
                let mut name = member_name(name);
                for _ in 0..32 {
                    match members.get(&name) {
                        None => return Err(StoreError::Missing),
                        Some(Member::Data { offset, size }) => {
                            return Ok(Blob {
                                reader: Box::new(Section {
                                    file: file.clone(),
                                    pos: *offset,
                                    end: offset + size,
                                }),
                                size: *size,
                            })
                        }
                        Some(Member::Link(target)) => name = target.clone(),
                        Some(Member::Dir) => {
                            return Err(StoreError::Unusable(format!("`{name}` is a directory")))
                        }
                        Some(Member::Other) => {
                            return Err(StoreError::Unusable(format!(
                                "`{name}` is not a regular file"
                            )))
                        }
                    }
                }
                Err(StoreError::Unusable(format!(
                    "`{name}`: too many levels of links"
                )))
            }
            Store::Dir { root, real_root } => {
                // member_name clamps `..`, so a manifest cannot name files outside the layout.
                let name = member_name(name);
                let path = root.join(&name);
                let unusable =
                    |e: io::Error| StoreError::Unusable(format!("{}: {e}", path.display()));
                // Looked at before it is opened: opening a FIFO blocks until something writes
                // to it, and a device (a symlink to /dev/zero) never ends.
                let meta = match std::fs::metadata(&path) {
                    Ok(meta) => meta,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(StoreError::Missing)
                    }
                    Err(e) => return Err(unusable(e)),
                };
                let not_regular = || {
                    StoreError::Unusable(format!(
                        "`{name}` ({}) is not a regular file",
                        path.display()
                    ))
                };
                if !meta.is_file() {
                    return Err(not_regular());
                }
                // A symlink may lead anywhere: only files inside the layout are image content.
                let real = path.canonicalize().map_err(unusable)?;
                if !real.starts_with(real_root) {
                    return Err(StoreError::Unusable(format!(
                        "`{name}` is a symlink leading outside the layout directory (to {}); isogen reads only files inside it",
                        real.display()
                    )));
                }
                let file = File::open(&real).map_err(unusable)?;
                let meta = file.metadata().map_err(unusable)?;
                if !meta.is_file() {
                    return Err(not_regular());
                }
                Ok(Blob {
                    size: meta.len(),
                    reader: Box::new(file),
                })
            }
        }
    }
}

/// Opens what the user named: a directory, a (possibly compressed) tar file, or `-` (stdin).
/// Errors are plain messages; the caller adds the path.
pub(crate) fn open_store(path: &Path) -> Result<Store, String> {
    if path.as_os_str() == "-" {
        let stdin = io::stdin();
        let file = spool(stdin.lock())?;
        return index_archive(file);
    }
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        let real_root = path.canonicalize().map_err(|e| e.to_string())?;
        return Ok(Store::Dir {
            root: path.to_path_buf(),
            real_root,
        });
    }
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        // A pipe (`<(docker save ...)`) or device cannot be read by offset: spool it like stdin.
        return index_archive(spool(file)?);
    }
    let magic = peek(&mut file, 8).map_err(|e| e.to_string())?;
    match Compression::sniff(&magic) {
        Ok(Compression::None) => index_archive(file),
        Ok(_) => {
            let file = File::open(path).map_err(|e| e.to_string())?;
            index_archive(spool(file)?)
        }
        Err(name) => Err(format!(
            "the archive is compressed with {name}; isogen reads plain, gzip or zstd archives"
        )),
    }
}

/// Copies a stream into an anonymous temporary file, decompressing it if it is gzip or zstd
/// as a whole. Copying stops at tar's end-of-archive block: whatever follows (padding, another
/// gzip member, garbage, an endless stream) is not read, so it can neither fill the disk nor
/// keep isogen waiting. A stream that is no tar is copied only up to where that shows; the
/// index of the spool then reports it.
fn spool(reader: impl Read) -> Result<File, String> {
    spool_at_most(reader, MAX_SPOOL_BYTES)
}

/// Most bytes spooled (uncompressed) from stdin, a pipe or an archive compressed as a whole:
/// far above any real image, and a clear error rather than a full disk for a decompression
/// bomb or an endless stream of tar entries.
pub(crate) const MAX_SPOOL_BYTES: u64 = 64 << 30;

/// [`spool`], failing once more than `cap` bytes would be written.
fn spool_at_most(reader: impl Read, cap: u64) -> Result<File, String> {
    // Tar headers are read 512 bytes at a time: not one system call each on a pipe.
    let mut reader = io::BufReader::with_capacity(1 << 16, reader);
    let magic = peek(&mut reader, 8).map_err(|e| format!("reading failed: {e}"))?;
    let compression = Compression::sniff(&magic).map_err(|name| {
        format!("the archive is compressed with {name}; isogen reads plain, gzip or zstd archives")
    })?;
    let chained = io::Cursor::new(magic).chain(reader);
    let decoded = decoder(compression, chained)
        .map_err(|e| format!("cannot start {} decoding: {e}", compression.name()))?;
    let file = tempfile::tempfile().map_err(|e| {
        format!(
            "cannot create a temporary file in {} to spool the archive: {e}",
            std::env::temp_dir().display()
        )
    })?;
    let mut tee = Tee {
        inner: decoded,
        out: BufWriter::with_capacity(1 << 20, file),
        write_error: None,
        left: cap,
        over_cap: false,
    };
    let mut stream = TarStream::new(Sequential(&mut tee));
    let read_error = loop {
        match stream.next_entry() {
            Ok(Some(_)) => {}
            Ok(None) => break None,
            // Reading (decoding) failed: the stream itself is broken.
            Err(e) if e.source.is_some() => break e.source,
            // A tar that is broken as a tar: index_archive reports it from the spool.
            Err(_) => break None,
        }
    };
    drop(stream);
    if tee.over_cap {
        return Err(format!(
            "the archive holds more than {} GiB once uncompressed, the most isogen copies to a temporary file when it reads stdin, a pipe or an archive compressed as a whole; pass an uncompressed archive file instead (read in place, without a copy)",
            cap >> 30
        ));
    }
    if let Some(e) = tee.write_error {
        return Err(format!("spooling to a temporary file failed: {e}"));
    }
    if let Some(e) = read_error {
        return Err(match compression {
            Compression::None => format!("reading failed: {e}"),
            c => format!(
                "the {}-compressed archive is corrupt or truncated: {e}",
                c.name()
            ),
        });
    }
    tee.out
        .into_inner()
        .map_err(|e| format!("spooling to a temporary file failed: {}", e.error()))
}

/// Writes everything read through it to `out`, up to `left` bytes.
struct Tee<R, W> {
    inner: R,
    out: W,
    write_error: Option<io::Error>,
    left: u64,
    over_cap: bool,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => self.left = left,
            None => {
                self.over_cap = true;
                return Err(io::Error::other("the spool is full"));
            }
        }
        if let Err(e) = self.out.write_all(&buf[..n]) {
            let message = e.to_string();
            self.write_error = Some(e);
            return Err(io::Error::other(message));
        }
        Ok(n)
    }
}

/// Lists the members of a tar file by offset, reading headers only.
fn index_archive(file: File) -> Result<Store, String> {
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let file = Arc::new(file);
    let mut stream = TarStream::new(Section {
        file: file.clone(),
        pos: 0,
        end: len,
    });
    let mut members = HashMap::new();
    let mut count = 0u64;
    loop {
        let entry = match stream.next_entry() {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            Err(e) if count == 0 && e.entry.is_none() => {
                return Err(format!("not a tar archive ({e})"));
            }
            Err(e) if e.message.starts_with("stream ends") => {
                return Err(format!("the archive is truncated: {e}"))
            }
            Err(e) => return Err(format!("the archive is corrupt: {e}")),
        };
        count += 1;
        let name = member_name(&String::from_utf8_lossy(&entry.path));
        let link = entry
            .link
            .as_ref()
            .map(|l| String::from_utf8_lossy(l).into_owned());
        let member = match (entry.kind, link) {
            (TarKind::File, _) => {
                let available = len.saturating_sub(entry.data_offset);
                if entry.data_size > available {
                    return Err(format!(
                        "the archive is truncated: member `{name}` declares {} bytes but only {available} remain",
                        entry.data_size
                    ));
                }
                Member::Data {
                    offset: entry.data_offset,
                    size: entry.data_size,
                }
            }
            (TarKind::Symlink, Some(target)) => {
                let (parent, _) = split_member(&name);
                let resolved = if target.starts_with('/') {
                    member_name(&target)
                } else {
                    member_name(&format!("{parent}/{target}"))
                };
                Member::Link(resolved)
            }
            (TarKind::HardLink, Some(target)) => Member::Link(member_name(&target)),
            (TarKind::Dir, _) => Member::Dir,
            _ => Member::Other,
        };
        if entry.cut_at_nul || name.contains('\0') {
            return Err(format!(
                "member `{name}` has a NUL byte inside its name; readers disagree on where such a name ends"
            ));
        }
        let is_dir = matches!(member, Member::Dir);
        if let Some(old) = members.insert(name.clone(), member) {
            if !(is_dir && matches!(old, Member::Dir)) {
                return Err(format!(
                    "the archive holds `{name}` twice (names compared after normalising); loaders disagree on which one counts"
                ));
            }
        }
    }
    if count == 0 {
        return Err("the archive is empty".to_string());
    }
    if !stream.saw_end_marker() {
        return Err("the archive ends without tar's end-of-archive blocks: it was probably cut short (docker save, skopeo and buildah always write them)".to_string());
    }
    Ok(Store::Archive { file, members })
}

fn split_member(name: &str) -> (String, String) {
    let absolute = normalize(name);
    let (parent, base) = split(&absolute);
    (parent.to_string(), base.to_string())
}

/// A byte range of a shared file, read by offset so several can be read at once.
struct Section {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (self.end.saturating_sub(self.pos)).min(buf.len() as u64) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive file ends before this member does",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Skip for Section {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let k = n.min(self.end.saturating_sub(self.pos));
        self.pos += k;
        Ok(k)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spool_stops_at_its_cap_with_a_clear_error() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(100_000);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, "big", &vec![7u8; 100_000][..])
            .unwrap();
        let bytes = builder.into_inner().unwrap();
        let err = spool_at_most(&bytes[..], 50_000).unwrap_err();
        assert!(err.contains("once uncompressed"), "{err}");
        assert!(spool_at_most(&bytes[..], 200_000).is_ok());
    }
}
