//! Reading one layer in one pass: the stored blob is hashed as it is read, decompressed by what
//! its first bytes say (gzip, zstd or none, whatever the media type claims), hashed again as a
//! tar stream (the config's diff_id), and listed entry by entry. Only the entries the
//! [`Capture`] wants are read into memory, up to its limit; everything else is skipped.
//!
//! Nothing is written to disk. When something fails mid-stream the rest of the blob is still
//! hashed, so a tampered blob is reported as a digest mismatch (the cause) rather than as
//! whatever parse error the tampering happened to provoke.

use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::digest::{HashState, Hashing, Sha256Digest};
use super::layout::LayerSpec;
use super::path::{join, normalize, split};
use super::source::{decoder, peek, Compression, Store, StoreError};
use super::tarstream::{Sequential, TarKind, TarStream};
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
}

impl Budget {
    pub fn new(captures: u64, tree: u64) -> Self {
        Budget {
            captures_left: AtomicU64::new(captures),
            skipped: AtomicU64::new(0),
            tree_left: AtomicU64::new(tree),
            tree_total: tree,
        }
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
        // Each path is held twice (the entry's and the merged tree's key), plus the entry.
        let bytes = 2 * paths as u64 + std::mem::size_of::<Item>() as u64 + 64;
        Self::take(&self.tree_left, bytes)
    }

    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// Reads layer `index` (0-based) of the image.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_layer(
    store: &Store,
    spec: &LayerSpec,
    index: usize,
    capture: &Capture,
    budget: &Budget,
    cancel: &AtomicBool,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<LayerRead, LayerError> {
    let fail = LayerError::Failed;
    let blob = match store.open(&spec.blob) {
        Ok(blob) => blob,
        Err(StoreError::Missing) => {
            return Err(fail(format!(
                "is missing from the archive (no `{}`)",
                spec.blob
            )))
        }
        Err(StoreError::Unusable(message)) => return Err(fail(message)),
    };
    if let Some(declared) = spec.declared_size {
        if declared != blob.size {
            return Err(fail(format!(
                "the blob is {} bytes but its descriptor says {declared} (truncated or replaced)",
                blob.size
            )));
        }
    }

    // Large reads: an uncompressed layer is otherwise read 512 bytes (one tar header) at a time.
    let mut raw = std::io::BufReader::with_capacity(256 * 1024, blob.reader);
    let mut stored = HashState::default();
    let mut uncompressed = HashState::default();
    let mut walk = Walk::default();
    let outcome = {
        let mut hashing = Hashing {
            inner: &mut raw,
            state: &mut stored,
            progress,
        };
        read_stream(
            &mut hashing,
            &mut uncompressed,
            &mut walk,
            index,
            capture,
            budget,
            cancel,
        )
    };
    if let Err(StreamError::Cancelled) = outcome {
        return Err(LayerError::Cancelled);
    }
    // Hash whatever the decoder did not consume, so the stored digest covers the whole blob.
    let drained = io::copy(
        &mut Hashing {
            inner: &mut raw,
            state: &mut stored,
            progress,
        },
        &mut io::sink(),
    );
    let digest = stored.finish();
    let problem = match &outcome {
        Err(StreamError::Failed(message)) => Some(message.clone()),
        _ => None,
    };
    let also = |problem: &Option<String>| match problem {
        Some(p) => format!("; reading it also failed: {p}"),
        None => String::new(),
    };

    if let Some(expected) = &spec.digest {
        if &digest != expected {
            return Err(fail(format!(
                "digest mismatch: the blob hashes to {digest} (corrupt or tampered){}",
                also(&problem)
            )));
        }
    }
    if let Err(e) = drained {
        return Err(fail(format!("reading failed: {e}")));
    }
    let compression = walk.compression.unwrap_or(Compression::None);
    let diff_id = uncompressed.finish();
    if walk.decoded_to_end && diff_id != spec.diff_id {
        return Err(fail(format!(
            "the uncompressed layer hashes to {diff_id} but the config's rootfs.diff_ids says {} (corrupt or tampered){}",
            spec.diff_id,
            also(&problem)
        )));
    }
    if let Some(problem) = problem {
        return Err(fail(problem));
    }
    if diff_id != spec.diff_id {
        // Decoding ended early without an error: still not the content the config names.
        return Err(fail(format!(
            "the uncompressed layer hashes to {diff_id} but the config's rootfs.diff_ids says {}",
            spec.diff_id
        )));
    }
    Ok(LayerRead {
        items: walk.items,
        entries: walk.entries,
        digest,
        compression,
    })
}

#[derive(Default)]
struct Walk {
    items: Vec<Item>,
    entries: u64,
    compression: Option<Compression>,
    /// The decompressed stream was read to its end without error (so its digest is complete).
    decoded_to_end: bool,
}

enum StreamError {
    Cancelled,
    Failed(String),
}

fn read_stream(
    stored: &mut dyn Read,
    uncompressed: &mut HashState,
    walk: &mut Walk,
    index: usize,
    capture: &Capture,
    budget: &Budget,
    cancel: &AtomicBool,
) -> Result<(), StreamError> {
    let failed = |m: String| StreamError::Failed(m);
    let magic = peek(stored, 8).map_err(|e| failed(format!("reading failed: {e}")))?;
    let compression = Compression::sniff(&magic).map_err(|name| {
        failed(format!(
            "the layer is compressed with {name}; isogen reads gzip, zstd or uncompressed layers"
        ))
    })?;
    walk.compression = Some(compression);
    let chained = Cursor::new(magic).chain(stored);
    let mut decoded = decoder(compression, chained)
        .map_err(|e| failed(format!("cannot start {} decoding: {e}", compression.name())))?;
    let mut hashing = Hashing {
        inner: &mut *decoded,
        state: uncompressed,
        progress: None,
    };
    let mut stream = TarStream::new(Sequential(&mut hashing));

    let describe = |e: super::tarstream::TarError| {
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
    };

    let listed = list_entries(&mut stream, walk, index, capture, budget, cancel);
    let end = stream.offset();
    let mut rest = stream.into_inner();
    match listed {
        Ok(()) => {
            // Padding after the end-of-archive blocks is part of the diff_id; anything but
            // zeros there is data no extractor reads, so no check could see it.
            let stray = drain_zeros(&mut rest).map_err(|e| {
                failed(format!(
                    "the {} stream is corrupt or truncated after the last entry: {e}",
                    compression.name()
                ))
            })?;
            walk.decoded_to_end = true;
            match stray {
                Some(at) => Err(failed(format!(
                    "non-zero bytes follow the end-of-archive blocks (byte {} of the uncompressed layer); no runtime extracts them, so isogen refuses the layer",
                    end + at
                ))),
                None => Ok(()),
            }
        }
        Err(ListError::Cancelled) => Err(StreamError::Cancelled),
        Err(ListError::Tar(e)) => {
            // Finish decoding when possible so a tampered layer shows as a diff_id mismatch.
            let decodes = e.source.is_none() && io::copy(&mut rest, &mut io::sink()).is_ok();
            walk.decoded_to_end = decodes;
            Err(failed(describe(e)))
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

enum ListError {
    Cancelled,
    Tar(super::tarstream::TarError),
}

impl From<super::tarstream::TarError> for ListError {
    fn from(e: super::tarstream::TarError) -> Self {
        ListError::Tar(e)
    }
}

fn list_entries<R: super::tarstream::Skip>(
    stream: &mut TarStream<R>,
    walk: &mut Walk,
    index: usize,
    capture: &Capture,
    budget: &Budget,
    cancel: &AtomicBool,
) -> Result<(), ListError> {
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
        // OCI image-spec whiteouts: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
        if let Some(target) = name.strip_prefix(".wh.") {
            if target == ".wh..opq" {
                walk.items.push(Item::Opaque(parent.to_string()));
            } else if target.is_empty() || target == "." || target == ".." {
                // Docker removes `parent/<target>`: the directory itself, or its parent.
                return Err(refuse(format!(
                    "a whiteout of `{target}` would delete a directory above it; no image tool writes one, so isogen refuses the layer"
                )));
            } else if !target.starts_with(".wh.") {
                walk.items.push(Item::Whiteout(join(parent, target)));
            }
            // Other `.wh..wh.*` names are aufs bookkeeping, not content.
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
                EntryKind::HardLink => normalize(&text),
                _ => text.into_owned(),
            }
        });
        let (content, truncated) = if kind == EntryKind::File
            && (capture.wants)(&path)
            && budget.take_capture(entry.data_size.min(capture.max_bytes))
        {
            let data = stream.read_data(capture.max_bytes)?;
            let truncated = (data.len() as u64) < entry.data_size;
            (Some(Arc::<[u8]>::from(data)), truncated)
        } else {
            (None, false)
        };
        walk.items.push(Item::Entry(Entry {
            path,
            kind,
            size: entry.size,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            link_target,
            layer: index,
            content,
            truncated,
        }));
    }
    Ok(())
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
        return Some("the entry's name is absolute; image tools write relative names, and runtimes disagree on absolute ones, so isogen refuses the layer".into());
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

    fn captured(bytes: &[u8], budget: &Budget) -> Vec<(String, Option<usize>)> {
        let capture = Capture {
            wants: Box::new(|p| p.ends_with("package.json")),
            max_bytes: 100,
        };
        let mut walk = Walk::default();
        let mut stream = TarStream::new(Sequential(bytes));
        let cancel = AtomicBool::new(false);
        if list_entries(&mut stream, &mut walk, 0, &capture, budget, &cancel).is_err() {
            panic!("the layer did not list");
        }
        walk.items
            .into_iter()
            .filter_map(|item| match item {
                Item::Entry(e) => Some((e.path, e.content.map(|c| c.len()))),
                _ => None,
            })
            .collect()
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
        };
        let per_item = 2 * 4 + std::mem::size_of::<Item>() as u64 + 64;
        let budget = Budget::new(0, 10 * per_item);
        let mut walk = Walk::default();
        let mut stream = TarStream::new(Sequential(&bytes[..]));
        let cancel = AtomicBool::new(false);
        let Err(ListError::Tar(err)) =
            list_entries(&mut stream, &mut walk, 0, &capture, &budget, &cancel)
        else {
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
