//! Reading one layer in one pass: the stored blob is hashed as it is read, decompressed by what
//! its first bytes say (gzip, zstd or none, whatever the media type claims), hashed again as a
//! tar stream (the config's diff_id), and listed entry by entry. Only the entries the
//! [`Capture`] wants are read into memory, up to its limit; everything else is skipped.
//!
//! Nothing is written to disk. When something fails mid-stream the rest of the blob is still
//! hashed, so a tampered blob is reported as a digest mismatch (the cause) rather than as
//! whatever parse error the tampering happened to provoke.

use std::io::{self, BufRead, Cursor, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::digest::{HashState, Sha256Digest};
use super::layout::LayerSpec;
use super::path::{join, normalize, split};
use super::pipe;
use super::source::{decoder, peek, Blob, Compression, Store, StoreError};
use super::tarstream::{Skip, TarKind, TarStream};
use super::{Capture, Entry, EntryKind};

/// What a layer says, in its order.
#[derive(Debug)]
pub(crate) enum Item {
    Entry(Entry),
    /// `.wh.<name>`: removes this path (and its subtree) from the layers below.
    Whiteout(String),
    /// `.wh..wh..opq` in this directory: removes its children in the layers below.
    Opaque(String),
}

#[derive(Debug)]
pub(crate) struct LayerRead {
    /// The items [`Reading::items`] did not take (all of them without it).
    pub items: Vec<Item>,
    pub entries: u64,
    pub digest: Sha256Digest,
    pub compression: Compression,
}

pub(crate) enum LayerError {
    /// Another layer failed first; this one stopped early.
    Cancelled,
    Failed(String),
}

/// What is left of an image's memory allowances, shared by the layers read in parallel: for
/// captured content ([`super::MAX_CAPTURED_BYTES`]; past it captures are skipped and counted)
/// and for the entries themselves ([`super::MAX_TREE_BYTES`]; past it reading fails).
pub(crate) struct Budget {
    captures_left: AtomicU64,
    skipped: AtomicU64,
    tree_left: AtomicU64,
    tree_total: u64,
    /// Bytes of decoder memory (windows and pipes) in use by the layers being read, and the
    /// most there ever was.
    decoding: Mutex<(u64, u64)>,
    decoding_freed: Condvar,
}

/// Decoder memory a layer holds while it is decoded (see [`Budget::reserve_decoding`]).
pub(crate) struct Reservation<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .decoding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        used.0 -= self.bytes;
        self.budget.decoding_freed.notify_all();
    }
}

impl Budget {
    pub fn new(captures: u64, tree: u64) -> Self {
        Budget {
            captures_left: AtomicU64::new(captures),
            skipped: AtomicU64::new(0),
            tree_left: AtomicU64::new(tree),
            tree_total: tree,
            decoding: Mutex::new((0, 0)),
            decoding_freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` of decoder memory ([`layer_memory`]) fit in
    /// [`super::MAX_DECODE_BYTES`] beside the layers being read (or none is), and takes them:
    /// how many layers are read at once is bounded by memory (zstd windows reach 128 MiB), not
    /// by the number of cores.
    pub fn reserve_decoding(&self, bytes: u64) -> Reservation<'_> {
        let mut used = self
            .decoding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while used.0 > 0 && used.0 + bytes > super::MAX_DECODE_BYTES {
            used = self
                .decoding_freed
                .wait(used)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        used.0 += bytes;
        used.1 = used.1.max(used.0);
        Reservation {
            budget: self,
            bytes,
        }
    }

    /// The most decoder memory the layers read at once ever held together.
    #[cfg(test)]
    pub fn peak_decoding(&self) -> u64 {
        self.decoding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
    }

    fn take(left: &AtomicU64, bytes: u64) -> bool {
        left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(bytes)
        })
        .is_ok()
    }

    /// Takes `bytes` of captured content; false (and counted as skipped) when they do not fit.
    fn take_capture(&self, bytes: u64) -> bool {
        let taken = Self::take(&self.captures_left, bytes);
        if !taken {
            self.skipped.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Takes the memory one listed item needs; false when the tree would grow past its cap.
    fn take_item(&self, paths: usize) -> bool {
        // A deliberate overestimate, fixed so the cap refuses exactly the images it refused:
        // the path counted twice (as when the tree held it as a key too) and 96 bytes of item
        // (what an `Item` took before entries got smaller).
        let bytes = 2 * paths as u64 + ITEM_BYTES + 64;
        Self::take(&self.tree_left, bytes)
    }

    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// What reading one layer needs besides the blob.
pub(crate) struct Reading<'a> {
    pub index: usize,
    pub capture: &'a Capture,
    pub budget: &'a Budget,
    pub cancel: &'a AtomicBool,
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Takes the layer's items as they are listed, in order, a chunk at a time (so that they
    /// can be merged while the layer is read); what it has not taken ends in
    /// [`LayerRead::items`]. None: all of them end there.
    pub items: Option<&'a (dyn Fn(Vec<Item>) + Sync)>,
}

/// Reads layer `index` (0-based) of the image: one thread reads and hashes the stored blob
/// (an uncompressed one of [`READ_AHEAD_FROM`] or more: one reads, another hashes), another
/// (for a compressed layer) decompresses it, and this one hashes and lists the tar.
pub(crate) fn read_layer(
    store: &Store,
    spec: &LayerSpec,
    reading: &Reading,
) -> Result<LayerRead, LayerError> {
    let blob = open_blob(store, spec).map_err(LayerError::Failed)?;
    let streamed = std::thread::scope(|scope| stream_layer(scope, blob, reading))?;
    check(spec, streamed).map_err(LayerError::Failed)
}

/// Opens the layer's blob and checks its size against the descriptor.
fn open_blob(store: &Store, spec: &LayerSpec) -> Result<Blob, String> {
    let blob = match store.open(&spec.blob) {
        Ok(blob) => blob,
        Err(StoreError::Missing) => {
            return Err(format!("is missing from the archive (no `{}`)", spec.blob))
        }
        Err(StoreError::Unusable(message)) => return Err(message),
    };
    match spec.declared_size {
        Some(declared) if declared != blob.size => Err(format!(
            "the blob is {} bytes but its descriptor says {declared} (truncated or replaced)",
            blob.size
        )),
        _ => Ok(blob),
    }
}

/// What streaming a layer found, before it is checked against the descriptor and config.
struct Streamed {
    /// SHA-256 of every stored byte (the blob is hashed to its end even when listing failed).
    digest: Sha256Digest,
    /// Reading the stored blob failed.
    read_error: Option<io::Error>,
    /// SHA-256 of the uncompressed stream as far as it was decoded.
    diff_id: Sha256Digest,
    walk: Walk,
    /// Listing or decoding failed with this message.
    problem: Option<String>,
}

fn stream_layer<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut blob: Blob,
    reading: &'scope Reading,
) -> Result<Streamed, LayerError> {
    let size = blob.size;
    let magic = peek(&mut blob.reader, 18)
        .map_err(|e| LayerError::Failed(format!("reading failed: {e}")))?;
    let compression = Compression::sniff(&magic).map_err(|name| {
        LayerError::Failed(format!(
            "the layer is compressed with {name}; isogen reads gzip, zstd or uncompressed layers"
        ))
    })?;
    // Nothing of this layer is allocated before its memory fits beside the layers being read.
    let read_ahead = compression == Compression::None && size >= READ_AHEAD_FROM;
    let _reservation = reading.budget.reserve_decoding(
        layer_memory(compression, &magic) + if read_ahead { pipe::PIPE_BYTES } else { 0 },
    );
    let (sender, stored) = pipe::channel(size);
    let (cancel, progress) = (reading.cancel, reading.progress);
    let reader = Cursor::new(magic).chain(blob.reader);
    let hasher = if read_ahead {
        let (ahead, chunks) = pipe::channel(size);
        scope.spawn(move || read_blob(reader, ahead));
        scope.spawn(move || hash_chunks(chunks, sender, cancel, progress))
    } else {
        scope.spawn(move || hash_stored(reader, sender, cancel, progress))
    };
    let mut uncompressed = HashState::default();
    let mut walk = Walk {
        compression: Some(compression),
        ..Walk::default()
    };
    let outcome = read_stream(scope, (stored, size), &mut uncompressed, &mut walk, reading);
    // `stored` is gone now: the hasher reads the rest of the blob on its own.
    let (state, read_result) = hasher.join().unwrap_or_else(|_| {
        (
            HashState::default(),
            Err(io::Error::other("hashing panicked")),
        )
    });
    let problem = match outcome {
        Err(StreamError::Cancelled) => return Err(LayerError::Cancelled),
        Err(StreamError::Failed(message)) => Some(message),
        Ok(()) => None,
    };
    if read_result
        .as_ref()
        .is_err_and(|e| e.kind() == io::ErrorKind::Interrupted)
    {
        return Err(LayerError::Cancelled);
    }
    let digest = state.finish();
    // An uncompressed layer is its own tar stream: one hash serves as digest and diff_id.
    let diff_id = if walk.same_bytes {
        digest.clone()
    } else {
        uncompressed.finish()
    };
    Ok(Streamed {
        digest,
        read_error: read_result.err(),
        diff_id,
        walk,
        problem,
    })
}

/// Reads the stored blob to its end in chunks, hashing each and passing it on while the reader
/// of the pipe is there. Stops early (with `Interrupted`) only when the image read is cancelled.
fn hash_stored(
    mut reader: impl Read,
    mut sender: pipe::ChunkSender,
    cancel: &AtomicBool,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> (HashState, io::Result<()>) {
    let mut state = HashState::default();
    let mut spare = None;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return (state, Err(io::Error::from(io::ErrorKind::Interrupted)));
        }
        let mut buf = spare.take().unwrap_or_else(|| sender.buffer());
        let filled = pipe::fill(&mut reader, &mut buf);
        state.update(&buf);
        if let (Some(progress), false) = (progress, buf.is_empty()) {
            progress(buf.len() as u64);
        }
        match filled {
            Err(e) => {
                sender.send(Err(io::Error::new(e.kind(), e.to_string())));
                return (state, Err(e));
            }
            Ok(()) if buf.is_empty() => return (state, Ok(())),
            Ok(()) => spare = sender.send(Ok(buf)),
        }
    }
}

/// Stored bytes from which an uncompressed layer is read on a thread of its own, ahead of the
/// hasher. Its SHA-256 is then the layer's critical path (nothing to decompress), and copying
/// the bytes out of the page cache was ~15% of the hasher thread's time (perf, the `service`
/// shape's 134 MB layer); a thread costs tens of microseconds.
const READ_AHEAD_FROM: u64 = 4 << 20;

/// Reads the stored blob into the pipe until its end, an error, or the hasher going away
/// (when the image read is cancelled).
fn read_blob(mut reader: impl Read, mut sender: pipe::ChunkSender) {
    pump(&mut reader, &mut sender);
}

/// Fills chunks from `reader` and sends them until its end, an error (sent in place), or the
/// receiving end going away: the loop of [`read_blob`] and [`decode`].
fn pump<R: Read + ?Sized>(reader: &mut R, sender: &mut pipe::ChunkSender) {
    loop {
        let mut buf = sender.buffer();
        let filled = pipe::fill(reader, &mut buf);
        let end = buf.is_empty();
        if !end {
            sender.send(Ok(buf));
        }
        if let Err(e) = filled {
            sender.send(Err(e));
            return;
        }
        if end || !sender.open {
            return;
        }
    }
}

/// [`hash_stored`] for a blob [`read_blob`] reads on another thread: hashes each chunk and
/// passes it on whole (no copy), handing the chunks the lister is done with back to the
/// reader. Hashes to the blob's end whether or not the lister is still there.
fn hash_chunks(
    mut chunks: pipe::ChunkReader,
    mut sender: pipe::ChunkSender,
    cancel: &AtomicBool,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> (HashState, io::Result<()>) {
    let mut state = HashState::default();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return (state, Err(io::Error::from(io::ErrorKind::Interrupted)));
        }
        while let Some(done) = sender.take_recycled() {
            chunks.give_back(done);
        }
        match chunks.take_chunk() {
            None => return (state, Ok(())),
            Some(Err(e)) => {
                sender.send(Err(io::Error::new(e.kind(), e.to_string())));
                return (state, Err(e));
            }
            Some(Ok(buf)) => {
                state.update(&buf);
                if let Some(progress) = progress {
                    progress(buf.len() as u64);
                }
                if let Some(unsent) = sender.send(Ok(buf)) {
                    chunks.give_back(unsent);
                }
            }
        }
    }
}

/// Checks the digests and the outcome of listing, in the order that names the cause: a
/// tampered blob is a digest mismatch, whatever parse error the tampering provoked.
fn check(spec: &LayerSpec, streamed: Streamed) -> Result<LayerRead, String> {
    let Streamed {
        digest,
        read_error,
        diff_id,
        walk,
        problem,
    } = streamed;
    let also = match &problem {
        Some(p) => format!("; reading it also failed: {p}"),
        None => String::new(),
    };
    if let Some(expected) = &spec.digest {
        if &digest != expected {
            return Err(format!(
                "digest mismatch: the blob hashes to {digest} (corrupt or tampered){also}"
            ));
        }
    }
    if let Some(e) = read_error {
        return Err(format!("reading failed: {e}"));
    }
    if walk.decoded_to_end && diff_id != spec.diff_id {
        return Err(format!(
            "the uncompressed layer hashes to {diff_id} but the config's rootfs.diff_ids says {} (corrupt or tampered){also}",
            spec.diff_id,
        ));
    }
    if let Some(problem) = problem {
        return Err(problem);
    }
    if diff_id != spec.diff_id {
        // Decoding ended early without an error: still not the content the config names.
        return Err(format!(
            "the uncompressed layer hashes to {diff_id} but the config's rootfs.diff_ids says {}",
            spec.diff_id
        ));
    }
    Ok(LayerRead {
        items: walk.items,
        entries: walk.entries,
        digest,
        compression: walk.compression.unwrap_or(Compression::None),
    })
}

#[derive(Default)]
struct Walk {
    items: Vec<Item>,
    entries: u64,
    compression: Option<Compression>,
    /// The decompressed stream was read to its end without error (so its digest is complete).
    decoded_to_end: bool,
    /// The layer is not compressed: its diff_id is the stored digest.
    same_bytes: bool,
}

enum StreamError {
    Cancelled,
    Failed(String),
}

/// Decompresses (on its own thread when the layer is compressed), hashes and lists the stream.
fn read_stream<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    (stored, stored_size): (pipe::ChunkReader, u64),
    uncompressed: &mut HashState,
    walk: &mut Walk,
    reading: &'scope Reading,
) -> Result<(), StreamError> {
    let compression = walk.compression.unwrap_or(Compression::None);
    if compression == Compression::None {
        walk.same_bytes = true;
        return list_stream(TarStream::new(stored), compression, walk, reading);
    }
    // Layers decompress to about 2-5 times their stored size.
    let (sender, mut decoded) = pipe::channel(stored_size.saturating_mul(4));
    scope.spawn(move || decode(compression, stored, sender));
    // Each decoded chunk is hashed whole as it arrives; the tar reader then skips file data
    // without copying it.
    decoded.hash();
    let listed = list_stream(TarStream::new(&mut decoded), compression, walk, reading);
    *uncompressed = decoded.take_hash();
    listed
}

/// Decompresses `input` into the pipe until the end, an error, or the reader going away.
fn decode(compression: Compression, input: impl BufRead, mut sender: pipe::ChunkSender) {
    let mut decoder = match decoder(compression, input) {
        Ok(decoder) => decoder,
        Err(e) => {
            let message = format!("cannot start {} decoding: {e}", compression.name());
            sender.send(Err(io::Error::new(e.kind(), message)));
            return;
        }
    };
    pump(&mut *decoder, &mut sender);
}

/// Memory reading a layer holds besides its entries: its pipes (one for the stored bytes, one
/// for the decompressed stream), zstd's window (from the frame header; the largest isogen
/// accepts when the header cannot tell), a little for gzip. A read-ahead pipe
/// ([`READ_AHEAD_FROM`]) is added where it is made.
pub(crate) fn layer_memory(compression: Compression, magic: &[u8]) -> u64 {
    match compression {
        Compression::Zstd => {
            zstd_window(magic)
                .unwrap_or(MAX_ZSTD_WINDOW)
                .min(MAX_ZSTD_WINDOW)
                + (1 << 20)
                + 2 * pipe::PIPE_BYTES
        }
        Compression::Gzip => (64 << 10) + 2 * pipe::PIPE_BYTES,
        Compression::None => pipe::PIPE_BYTES,
    }
}

/// zstd's window limit (`window_log_max(27)` in [`decoder`]).
const MAX_ZSTD_WINDOW: u64 = 1 << 27;

/// The window size a zstd frame header declares (RFC 8878, 3.1.1.1), None when unreadable.
fn zstd_window(magic: &[u8]) -> Option<u64> {
    let descriptor = *magic.get(4)?;
    let single_segment = descriptor & 0x20 != 0;
    if !single_segment {
        let window = *magic.get(5)?;
        let base = 1u64 << (10 + (window >> 3));
        return Some(base + (base / 8) * u64::from(window & 7));
    }
    // Single segment: the window is the content size that follows the dictionary id.
    let dict_bytes = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let size_bytes = [1, 2, 4, 8][usize::from(descriptor >> 6)];
    let start = 5 + dict_bytes;
    let field = magic.get(start..start + size_bytes)?;
    let value = field
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Some(if size_bytes == 2 { value + 256 } else { value })
}

/// Lists the tar stream, then reads what follows the end-of-archive blocks (part of the
/// diff_id); after a tar error, decodes on when it can so tampering shows as a mismatch.
fn list_stream<R: Skip>(
    mut stream: TarStream<R>,
    compression: Compression,
    walk: &mut Walk,
    reading: &Reading,
) -> Result<(), StreamError> {
    let listed = list_entries(&mut stream, walk, reading);
    let end = stream.offset();
    let mut rest = stream.into_inner();
    match listed {
        Ok(()) => {
            // Padding after the end-of-archive blocks is part of the diff_id; anything but
            // zeros there is data no extractor reads, so no check could see it.
            let stray = drain_zeros(&mut rest).map_err(|e| {
                StreamError::Failed(format!(
                    "the {} stream is corrupt or truncated after the last entry: {e}",
                    compression.name()
                ))
            })?;
            walk.decoded_to_end = true;
            match stray {
                Some(at) => Err(StreamError::Failed(format!(
                    "non-zero bytes follow the end-of-archive blocks (byte {} of the uncompressed layer); no runtime extracts them, so isogen refuses the layer",
                    end + at
                ))),
                None => Ok(()),
            }
        }
        Err(ListError::Cancelled) => Err(StreamError::Cancelled),
        Err(ListError::Tar(e)) => {
            let decodes = e.source.is_none() && io::copy(&mut rest, &mut io::sink()).is_ok();
            walk.decoded_to_end = decodes;
            Err(StreamError::Failed(describe(&e, compression)))
        }
    }
}

/// Reads to the end; the offset (from where reading started) of the first non-zero byte.
fn drain_zeros(reader: &mut dyn Read) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0u64;
    let mut first = None;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(first),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if first.is_none() {
            first = buf[..n].iter().position(|b| *b != 0).map(|i| at + i as u64);
        }
        at += n as u64;
    }
}

/// A tar error as the user reads it: where, and whether the compression or the tar is broken.
fn describe(e: &super::tarstream::TarError, compression: Compression) -> String {
    let place = match &e.entry {
        Some(entry) => format!(
            "entry `{entry}`, byte {} of the uncompressed layer",
            e.offset
        ),
        None => format!("byte {} of the uncompressed layer", e.offset),
    };
    match (&e.source, compression) {
        (Some(source), Compression::Gzip | Compression::Zstd) => format!(
            "the {} stream is corrupt or truncated ({place}): {source}",
            compression.name()
        ),
        (Some(source), Compression::None) => format!("reading failed ({place}): {source}"),
        (None, _) => format!("{} ({place})", e.message),
    }
}

enum ListError {
    Cancelled,
    Tar(super::tarstream::TarError),
}

impl From<super::tarstream::TarError> for ListError {
    fn from(e: super::tarstream::TarError) -> Self {
        ListError::Tar(e)
    }
}

fn list_entries<R: Skip>(
    stream: &mut TarStream<R>,
    walk: &mut Walk,
    reading: &Reading,
) -> Result<(), ListError> {
    let Reading {
        index,
        capture,
        budget,
        cancel,
        ..
    } = *reading;
    while let Some(entry) = stream.next_entry()? {
        if cancel.load(Ordering::Relaxed) {
            return Err(ListError::Cancelled);
        }
        walk.entries += 1;
        let paths = entry.path.len() + entry.link.as_ref().map_or(0, Vec::len);
        if !budget.take_item(paths) {
            return Err(ListError::Tar(super::tarstream::TarError {
                offset: stream.offset(),
                entry: Some(String::from_utf8_lossy(&entry.path).into_owned()),
                message: format!(
                    "the image lists more entries than isogen keeps in memory ({} MiB of paths and metadata; this layer had listed {} entries)",
                    budget.tree_total >> 20,
                    walk.entries
                ),
                source: None,
            }));
        }
        let refuse = |message: String| {
            ListError::Tar(super::tarstream::TarError {
                offset: stream.offset(),
                entry: Some(String::from_utf8_lossy(&entry.path).into_owned()),
                message,
                source: None,
            })
        };
        if let Some(problem) = unextractable(&entry) {
            return Err(refuse(problem));
        }
        let path = normalize(&String::from_utf8_lossy(&entry.path));
        if path == "/" {
            continue;
        }
        let (parent, name) = split(&path);
        if let Some(target) = name.strip_prefix(".wh.") {
            walk.items.extend(whiteout(parent, target).map_err(refuse)?);
            continue;
        }
        let kind = match entry.kind {
            TarKind::File => EntryKind::File,
            TarKind::Dir => EntryKind::Dir,
            TarKind::Symlink => EntryKind::Symlink,
            TarKind::HardLink => EntryKind::HardLink,
            TarKind::Other => EntryKind::Other,
        };
        let link_target = entry.link.as_ref().map(|l| {
            let text = String::from_utf8_lossy(l);
            match kind {
                // Hard links name another member of the same archive: make it a tree path.
                EntryKind::HardLink => normalize(&text).into_boxed_str(),
                _ => text.into(),
            }
        });
        let limit = (kind == EntryKind::File)
            .then(|| capture_limit(capture, budget, &path, entry.data_size))
            .flatten();
        let (content, truncated) = if let Some(limit) = limit {
            let data = stream.read_data(limit)?;
            let truncated = (data.len() as u64) < entry.data_size;
            (Some(Arc::<[u8]>::from(data)), truncated)
        } else {
            (None, false)
        };
        let mut item = Entry::new(path.into(), kind, index);
        item.size = entry.size;
        // The tar reader keeps only the permission bits (`& 0o7777`): they fit 16 bits.
        item.mode = (entry.mode & 0o7777) as u16;
        item.set_owner(entry.uid, entry.gid);
        item.set_link_target(link_target);
        item.set_content(content, truncated);
        walk.items.push(Item::Entry(item));
        if walk.items.len() >= ITEMS_CHUNK {
            if let Some(sink) = reading.items {
                sink(std::mem::replace(
                    &mut walk.items,
                    Vec::with_capacity(ITEMS_CHUNK),
                ));
            }
        }
    }
    Ok(())
}

/// Items handed to [`Reading::items`] at a time: small enough that a layer's list is never
/// held whole, large enough that passing them costs nothing.
const ITEMS_CHUNK: usize = 1024;

/// What [`MAX_TREE_BYTES`](super::MAX_TREE_BYTES) counts for one listed item besides its
/// path: the size an `Item` had when the cap was set (it is smaller now; the cap must not move).
const ITEM_BYTES: u64 = 96;

/// How many bytes of the file at `path` (`size` bytes) to keep: `capture.wants` within the
/// image's capture budget, else `capture.sources` within theirs; None when neither keeps it.
fn capture_limit(capture: &Capture, budget: &Budget, path: &str, size: u64) -> Option<u64> {
    // A file both classes want (the entry the image's command names is also the module
    // graph's first source) gets the sources' larger limit when it is over the capture's:
    // karakeep's workers bundle (3 MiB, named by CMD) was cut at 1 MiB, so verify left its
    // imports unchecked, calling it larger than 16 MiB, and missed the `better-sqlite3` the
    // service died on at start.
    let sources =
        (capture.sources.as_ref()).filter(|s| size > capture.max_bytes && (s.wants)(path));
    if let Some(sources) = sources {
        if sources.take(size.min(sources.max_bytes)) {
            return Some(sources.max_bytes);
        }
    }
    if (capture.wants)(path) {
        return budget
            .take_capture(size.min(capture.max_bytes))
            .then_some(capture.max_bytes);
    }
    let sources = capture.sources.as_ref()?;
    ((sources.wants)(path) && sources.take(size.min(sources.max_bytes)))
        .then_some(sources.max_bytes)
}

/// The item a whiteout entry `parent/.wh.<target>` stands for (none for aufs bookkeeping), per
/// the OCI image-spec: <https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts>.
fn whiteout(parent: &str, target: &str) -> Result<Option<Item>, String> {
    if target == ".wh..opq" {
        return Ok(Some(Item::Opaque(parent.to_string())));
    }
    if target.is_empty() || target == "." || target == ".." {
        // Docker removes `parent/<target>`: the directory itself, or its parent.
        return Err(format!(
            "a whiteout of `{target}` would delete a directory above it; no image tool writes one, so isogen refuses the layer"
        ));
    }
    // Other `.wh..wh.*` names are aufs bookkeeping, not content.
    Ok((!target.starts_with(".wh.")).then(|| Item::Whiteout(join(parent, target))))
}

/// Longest path an entry may have: Linux's PATH_MAX; no runtime can create a longer one.
pub(crate) const MAX_PATH_BYTES: usize = 4096;

/// Why a runtime would not extract this entry as isogen would read it, if it would not:
/// `..` in its name (docker refuses it as a breakout, containerd clamps it), an absolute name,
/// a hard link leaving the image, a path longer than any file system allows.
fn unextractable(entry: &super::tarstream::TarEntry) -> Option<String> {
    let escapes = |name: &[u8]| name.split(|b| *b == b'/').any(|part| part == b"..");
    if entry.path.len() > MAX_PATH_BYTES {
        return Some(format!(
            "the entry's path is {} bytes, longer than the {MAX_PATH_BYTES} any runtime can create",
            entry.path.len()
        ));
    }
    if escapes(&entry.path) {
        return Some(
            "the entry's name holds `..`: docker refuses it as a breakout, containerd keeps it inside the image; isogen refuses the layer".into(),
        );
    }
    if entry.path.first() == Some(&b'/') && entry.path.iter().any(|b| *b != b'/') {
        return Some("the entry's name is absolute; the OCI layer format names entries relative to the root, so isogen refuses the layer rather than guess how it is extracted".into());
    }
    if let (TarKind::HardLink, Some(link)) = (entry.kind, &entry.link) {
        if escapes(link) || link.first() == Some(&b'/') || link.len() > MAX_PATH_BYTES {
            return Some(format!(
                "the hard link's target `{}` is absolute or leaves the image through `..`; docker refuses it",
                String::from_utf8_lossy(link)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tarstream::Sequential;
    use super::*;

    fn layer(files: &[(&str, usize)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, size) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(*size as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, name, &vec![b'x'; *size][..])
                .unwrap();
        }
        builder.into_inner().unwrap()
    }

    /// The walk of one layer listed with `capture` and `budget`, and how the listing ended.
    fn list_layer(
        bytes: &[u8],
        capture: &Capture,
        budget: &Budget,
    ) -> (Walk, std::result::Result<(), ListError>) {
        let mut walk = Walk::default();
        let mut stream = TarStream::new(Sequential(bytes));
        let cancel = AtomicBool::new(false);
        let reading = Reading {
            index: 0,
            capture,
            budget,
            cancel: &cancel,
            progress: None,
            items: None,
        };
        let listed = list_entries(&mut stream, &mut walk, &reading);
        (walk, listed.map(|_| ()))
    }

    fn captured(bytes: &[u8], budget: &Budget) -> Vec<(String, Option<usize>)> {
        let capture = Capture {
            wants: Box::new(|p| p.ends_with("package.json")),
            max_bytes: 100,
            sources: None,
        };
        let (walk, listed) = list_layer(bytes, &capture, budget);
        if listed.is_err() {
            panic!("the layer did not list");
        }
        walk.items
            .into_iter()
            .filter_map(|item| match item {
                Item::Entry(e) => Some((e.path.clone().into(), e.content().map(<[u8]>::len))),
                _ => None,
            })
            .collect()
    }

    /// karakeep's workers: the file the image's command runs (captured for the launch, 100
    /// bytes here) is also the module graph's first source (2,000 here): it is read whole up to
    /// the sources' limit, not cut at the capture's. A file only one class wants keeps that
    /// class's limit.
    #[test]
    fn a_file_both_classes_want_gets_the_sources_limit() {
        let bytes = layer(&[
            ("app/dist/index.js", 1500),
            ("app/package.json", 1500),
            ("app/dist/other.js", 3000),
        ]);
        let capture = Capture {
            wants: Box::new(|p| p.ends_with("index.js") || p.ends_with("package.json")),
            max_bytes: 100,
            sources: Some(crate::image::Sources::new(
                Box::new(|p| p.ends_with(".js")),
                2000,
                1 << 20,
            )),
        };
        let budget = Budget::new(1 << 20, u64::MAX);
        let (walk, listed) = list_layer(&bytes, &capture, &budget);
        if listed.is_err() {
            panic!("the layer did not list");
        }
        let got: Vec<(String, Option<usize>, bool)> = (walk.items.into_iter())
            .filter_map(|item| match item {
                Item::Entry(e) => Some((
                    e.path.clone().into(),
                    e.content().map(<[u8]>::len),
                    e.truncated(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                ("/app/dist/index.js".to_string(), Some(1500), false),
                ("/app/package.json".to_string(), Some(100), true),
                ("/app/dist/other.js".to_string(), Some(2000), true),
            ]
        );
    }

    /// A stored blob that fails with `cut` after `fail_after` bytes (never, when None).
    struct Flaky {
        bytes: Cursor<Vec<u8>>,
        fail_after: Option<u64>,
    }

    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let left = self.fail_after.map(|n| n - self.bytes.position());
            match left {
                Some(0) => Err(io::Error::other("cut")),
                Some(left) => {
                    let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.bytes.read(&mut buf[..n])
                }
                None => self.bytes.read(buf),
            }
        }
    }

    fn stream(bytes: &[u8], fail_after: Option<u64>) -> Streamed {
        let capture = Capture {
            wants: Box::new(|_| false),
            max_bytes: 0,
            sources: None,
        };
        let budget = Budget::new(0, u64::MAX);
        let cancel = AtomicBool::new(false);
        let reading = Reading {
            index: 0,
            capture: &capture,
            budget: &budget,
            cancel: &cancel,
            progress: None,
            items: None,
        };
        let blob = Blob {
            reader: Box::new(Flaky {
                bytes: Cursor::new(bytes.to_vec()),
                fail_after,
            }),
            size: bytes.len() as u64,
        };
        let streamed = std::thread::scope(|scope| stream_layer(scope, blob, &reading));
        streamed.unwrap_or_else(|_| panic!("the layer was cancelled"))
    }

    #[test]
    fn a_large_uncompressed_layer_read_ahead_is_hashed_whole_even_when_listing_fails() {
        let mut bytes = layer(&[("a", 3 << 20), ("b", 3 << 20), ("c", 10)]);
        assert!(bytes.len() as u64 >= READ_AHEAD_FROM);
        let whole = stream(&bytes, None);
        assert_eq!(whole.digest, Sha256Digest::of(&bytes));
        assert_eq!(whole.diff_id, whole.digest);
        assert_eq!(whole.walk.entries, 3);
        assert!(whole.problem.is_none() && whole.read_error.is_none());
        // A header broken after the first file: listing stops there, the digest still covers
        // every stored byte (so tampering shows as a mismatch).
        let second_header = 512 + (3 << 20);
        bytes[second_header + 148] ^= 0x55;
        let broken = stream(&bytes, None);
        assert_eq!(broken.digest, Sha256Digest::of(&bytes));
        assert!(broken.problem.is_some());
        // A read that fails midway: the error is the reader's, in place.
        let cut = stream(&bytes, Some(5 << 20));
        assert_eq!(cut.read_error.map(|e| e.to_string()), Some("cut".into()));
        assert_eq!(cut.digest, Sha256Digest::of(&bytes[..5 << 20]));
    }

    #[test]
    fn captures_stop_at_the_total_budget_without_failing() {
        let bytes = layer(&[
            ("a/package.json", 60),
            ("b/package.json", 500), // counts as 100: only its start is kept
            ("other", 5000),         // not wanted: costs nothing
            ("c/package.json", 60),  // 160 + 60 > 200: skipped
            ("d/package.json", 40),  // still fits
        ]);
        let budget = Budget::new(200, u64::MAX);
        assert_eq!(
            captured(&bytes, &budget),
            vec![
                ("/a/package.json".to_string(), Some(60)),
                ("/b/package.json".to_string(), Some(100)),
                ("/other".to_string(), None),
                ("/c/package.json".to_string(), None),
                ("/d/package.json".to_string(), Some(40)),
            ]
        );
        assert_eq!(budget.skipped(), 1);
        // The budget is shared: a second layer read with it gets nothing more.
        let second = captured(&layer(&[("e/package.json", 1)]), &budget);
        assert_eq!(second, vec![("/e/package.json".to_string(), None)]);
        assert_eq!(budget.skipped(), 2);
    }

    #[test]
    fn a_layer_listing_more_than_the_tree_budget_fails_naming_the_entry() {
        let names: Vec<String> = (0..100).map(|i| format!("f{i:03}")).collect();
        let files: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 0)).collect();
        let bytes = layer(&files);
        let capture = Capture {
            wants: Box::new(|_| false),
            max_bytes: 0,
            sources: None,
        };
        let per_item = 2 * 4 + ITEM_BYTES + 64;
        let budget = Budget::new(0, 10 * per_item);
        let (walk, listed) = list_layer(&bytes, &capture, &budget);
        let Err(ListError::Tar(err)) = listed else {
            panic!("a layer past the budget listed");
        };
        assert!(
            err.message.contains("more entries than isogen keeps"),
            "{err}"
        );
        assert_eq!(err.entry.as_deref(), Some("f010"));
        assert_eq!(walk.items.len(), 10);
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    fn frame(window_log: u32, pledged: Option<u64>) -> Vec<u8> {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.window_log(window_log).unwrap();
        if let Some(size) = pledged {
            encoder.set_pledged_src_size(Some(size)).unwrap();
            encoder.include_contentsize(true).unwrap();
        }
        encoder
            .write_all(&vec![7u8; pledged.unwrap_or(1000) as usize])
            .unwrap();
        encoder.finish().unwrap()
    }

    use std::io::Write;

    #[test]
    fn the_zstd_window_is_read_from_the_frame_header() {
        // A streamed frame states its window: what a decoder of the layer allocates.
        assert_eq!(zstd_window(&frame(23, None)), Some(8 << 20));
        assert_eq!(zstd_window(&frame(27, None)), Some(128 << 20));
        // A small frame with a known size is one segment: its window is its size.
        assert_eq!(zstd_window(&frame(20, Some(5000))), Some(5000));
        assert_eq!(zstd_window(&[0x28, 0xb5, 0x2f, 0xfd]), None);
        let needed = layer_memory(Compression::Zstd, &frame(27, None));
        assert!(needed > MAX_ZSTD_WINDOW);
    }

    /// `workers` layer workers (a machine of that many cores, simulated) each reserving a zstd
    /// layer's memory: returns the most that ever held a reservation at once, and the budget.
    fn contend(window_log: u32, workers: usize) -> (usize, Budget) {
        use std::sync::atomic::AtomicUsize;
        let budget = Budget::new(0, 0);
        let each = layer_memory(Compression::Zstd, &frame(window_log, None));
        let (active, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    let _held = budget.reserve_decoding(each);
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        (most.into_inner(), budget)
    }

    #[test]
    fn layers_read_at_once_are_bounded_by_memory_not_by_cores() {
        for workers in [16, 64] {
            // 2 MiB windows (zstd -3): two layers fit the budget beside their pipes, never all.
            let (most, budget) = contend(21, workers);
            assert!((1..=2).contains(&most), "{most} layers at once");
            assert!(budget.peak_decoding() <= crate::image::MAX_DECODE_BYTES);
            // 8 MiB windows: one at a time.
            let (most, budget) = contend(23, workers);
            assert_eq!(most, 1);
            assert!(budget.peak_decoding() <= crate::image::MAX_DECODE_BYTES);
            // A 128 MiB window is more than the budget: alone, it still starts.
            let (most, budget) = contend(27, workers);
            assert_eq!(most, 1);
            assert!(budget.peak_decoding() > crate::image::MAX_DECODE_BYTES);
        }
    }
}
