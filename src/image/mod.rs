//! Reading a built image from its tarball, without a Docker daemon and without extracting to
//! disk: archive format -> index/manifest/config -> layers (decompressed, digest-checked while
//! streamed) -> one [`MergedTree`] with whiteouts applied in layer order.
//!
//! This module knows nothing of workspaces or rules. What a caller wants to read the contents
//! of (small files such as `package.json` or `/etc/passwd`) it says with a [`Capture`]
//! predicate; everything else is seen as metadata only.
//!
//! Two phases, so the caller can decide what to capture after seeing the config (labels, user,
//! entrypoint): [`open`] reads the index, manifest and config and chooses the platform;
//! [`OpenedImage::read_tree`] streams every layer (in parallel, each digest-checked) and merges
//! them. [`read`] does both.
//!
//! Invariants: nothing is extracted to disk (an archive compressed as a whole, stdin or a pipe is
//! spooled once, uncompressed and only up to tar's end-of-archive, to an anonymous temporary
//! file: see `source`); memory grows with the number of entries, not their bytes, and is bounded
//! all the same, by [`MAX_TREE_BYTES`] for the entries and [`MAX_CAPTURED_BYTES`] for captured
//! content; every byte that decides the result is covered by a digest the archive states;
//! anything unreadable, corrupt or hostile is an [`Error::Image`] naming the archive, the
//! blob and the place, never a panic.
//!
//! Where to start reading: `source` (archive -> blobs), `layout` (blobs -> the chosen image),
//! `layer` (one layer's entries), `merge` (layers -> tree); `tarstream` is the tar reader
//! beneath both the outer archive and the layers.

mod digest;
mod entries;
mod entry;
mod image_path;
pub mod inspect;
mod json;
mod layer;
mod layout;
mod merge;
mod merging;
mod path;
mod pipe;
mod platform;
mod source;
mod tarstream;

pub use entries::Entries;
pub use entry::{Entry, EntryRef};
pub use image_path::ImagePath;
pub use path::escape_controls;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// How the image arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveFormat {
    /// `docker save` / `docker-archive:`: `manifest.json` + config + layers (possibly also an OCI
    /// `index.json` beside them).
    DockerArchive,
    /// An OCI image layout packed in a tar (`oci-archive:`).
    OciArchive,
    /// An OCI image layout directory.
    OciDir,
}

/// Most file content kept in memory for one image, over all captured files: each file is
/// capped by [`Capture::max_bytes`], but an image with hundreds of thousands of small wanted
/// files (`package.json` in every package) would otherwise have no bound. Once the captures of
/// an image reach it, further wanted files are seen as metadata only (their `content` stays
/// None, [`Image::captures_skipped`] counts them); this is not an error. Layers are read in
/// parallel, so which files lose their content then depends on the order the reads finish.
pub const MAX_CAPTURED_BYTES: u64 = 256 << 20;

/// Most memory the entries of one image may take (their paths, link targets and metadata, as
/// estimated while the layers are read). Real images stay far below it (a million entries
/// take a few hundred MiB); a hostile layer, whose headers compress to almost nothing, could
/// otherwise list entries (or megabyte-long PAX paths) until memory runs out. Reaching it is
/// an error naming the layer and entry.
pub const MAX_TREE_BYTES: u64 = 2 << 30;

/// Most decoder memory (zstd windows, gzip state, the pipes between a layer's threads) the
/// layers being decoded at once may hold: a layer waits for room before it starts, and one
/// alone always starts. Common zstd layers (window 2-8 MiB) still decode one per core; those
/// written with `--long` (up to 128 MiB) decode one at a time.
pub const MAX_DECODE_BYTES: u64 = 16 << 20;

/// What the caller wants to read into memory, decided per path (absolute, normalised).
/// Files it accepts are captured up to `max_bytes`; larger ones are marked truncated. All
/// captures of one image together stop at [`MAX_CAPTURED_BYTES`].
pub struct Capture {
    pub wants: Box<dyn Fn(&str) -> bool + Send + Sync>,
    pub max_bytes: u64,
    /// A second class of files (source code a rule parses), kept within a budget of its own
    /// so that it never crowds out the files `wants` names.
    pub sources: Option<Sources>,
}

impl Capture {
    /// Whether either class wants the file at `path`.
    pub fn wanted(&self, path: &str) -> bool {
        (self.wants)(path) || self.sources.as_ref().is_some_and(|s| (s.wants)(path))
    }
}

/// Files captured up to `max_bytes` each (larger ones truncated) while their budget lasts;
/// once the bytes taken reach it, further ones are metadata only (`content` None). Which ones
/// then depends on the order the layers finish: the caller must treat a wanted file without
/// content as not read.
pub struct Sources {
    pub wants: Box<dyn Fn(&str) -> bool + Send + Sync>,
    pub max_bytes: u64,
    left: std::sync::atomic::AtomicU64,
}

impl Sources {
    /// `budget`: the bytes all captured sources of one image may take together.
    pub fn new(
        wants: Box<dyn Fn(&str) -> bool + Send + Sync>,
        max_bytes: u64,
        budget: u64,
    ) -> Self {
        Sources {
            wants,
            max_bytes,
            left: std::sync::atomic::AtomicU64::new(budget),
        }
    }

    /// Takes `bytes` of the budget; false when they do not fit.
    pub(crate) fn take(&self, bytes: u64) -> bool {
        use std::sync::atomic::Ordering;
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }
}

/// Options for [`open`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `os/arch[/variant]` to pick from a multi-platform index; None: the host's.
    pub platform: Option<String>,
}

/// Kind of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A hard link to another path of the image (its target is in `link_target`).
    HardLink,
    /// Devices, fifos and the like.
    Other,
}

/// Why an entry that a layer shipped is not visible in the final filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hidden {
    /// A later layer's whiteout (`.wh.name`) or opaque marker (`.wh..wh..opq`) removed it.
    Deleted { by_layer: usize },
    /// A later layer wrote the same path again.
    Overwritten { by_layer: usize },
}

/// An entry some layer shipped that a later layer hid: it is still in the image's bytes.
#[derive(Debug, Clone, Serialize)]
pub struct ShippedEntry {
    pub entry: Entry,
    pub hidden: Hidden,
}

/// The filesystem a container sees, plus what lower layers shipped and later layers hid.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergedTree {
    /// Visible entries by absolute path, in path order, handed out as [`EntryRef`]s (kept
    /// compact: see `entries.rs`).
    pub entries: Entries,
    /// Entries shipped by some layer and hidden by a later one, in layer order.
    pub hidden: Vec<ShippedEntry>,
}

/// One layer as described by the manifest and as read.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    /// Digest of the blob as stored (`sha256:...`), checked while read.
    pub digest: String,
    /// Digest of the uncompressed tar (the config's `rootfs.diff_ids`).
    pub diff_id: Option<String>,
    pub media_type: String,
    /// Compression told from the bytes: `gzip`, `zstd` or `none`.
    pub compression: String,
    /// Stored size in bytes.
    pub size: u64,
    /// Number of tar entries read.
    pub entries: u64,
    /// The config history's `created_by` for this layer, when known.
    pub created_by: Option<String>,
}

/// A read image.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// What the user passed (a path, or `-`).
    pub source: PathBuf,
    pub format: ArchiveFormat,
    /// Names the archive gives the image (`RepoTags`, `org.opencontainers.image.ref.name`).
    pub names: Vec<String>,
    /// `os/arch[/variant]` of the manifest checked.
    pub platform: String,
    /// Platforms of the other images of a multi-platform index: not checked.
    pub other_platforms: Vec<String>,
    /// Digest of the manifest checked, when the archive has one.
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    /// The image config (user, entrypoint, cmd, labels, env, history).
    #[serde(skip)]
    pub config: oci_spec::image::ImageConfiguration,
    pub layers: Vec<Layer>,
    pub tree: MergedTree,
    /// Wanted files whose content was not captured because the image's captures reached
    /// [`MAX_CAPTURED_BYTES`].
    #[serde(skip)]
    pub captures_skipped: u64,
}

/// A layer as the manifest describes it, before it is read.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDescriptor {
    /// Digest of the stored blob, when the archive states one (always for OCI layouts; for
    /// `docker save` when the file name is content-addressed). Checked while read.
    pub digest: Option<String>,
    /// The config's `rootfs.diff_ids` entry: the digest of the uncompressed tar. Always checked.
    pub diff_id: String,
    pub media_type: String,
    /// Stored size in bytes.
    pub size: u64,
    pub created_by: Option<String>,
}

/// An image whose index, manifest and config have been read and checked, and whose platform is
/// chosen; its layers are not read yet.
pub struct OpenedImage {
    /// What the user passed (a path, or `-`).
    pub source: PathBuf,
    pub format: ArchiveFormat,
    /// Names the archive gives the image (`RepoTags`, `org.opencontainers.image.ref.name`).
    pub names: Vec<String>,
    /// `os/arch[/variant]` of the manifest checked (from its config).
    pub platform: String,
    /// Platforms of the other images of a multi-platform index: not checked.
    pub other_platforms: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub config: oci_spec::image::ImageConfiguration,
    pub layers: Vec<LayerDescriptor>,
    specs: Vec<layout::LayerSpec>,
    store: source::Store,
}

impl std::fmt::Debug for OpenedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedImage")
            .field("source", &self.source)
            .field("format", &self.format)
            .field("names", &self.names)
            .field("platform", &self.platform)
            .field("manifest_digest", &self.manifest_digest)
            .field("config_digest", &self.config_digest)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}

/// How errors name the input: the path, or `<stdin>`.
fn display_source(path: &Path) -> PathBuf {
    if path.as_os_str() == "-" {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

/// Opens the image at `path` (an archive, an OCI layout directory, or `-` for stdin): reads and
/// checks the index, manifest and config, and chooses the platform (`options.platform`, else the
/// only one, else the host's). Errors (exit 2) name the archive and the blob.
pub fn open(path: &Path, options: &OpenOptions) -> Result<OpenedImage> {
    let shown = display_source(path);
    let requested = options
        .platform
        .as_deref()
        .map(platform::Platform::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let store = source::open_store(path).map_err(|m| Error::image(&shown, m))?;
    let resolved =
        layout::resolve(&store, requested.as_ref()).map_err(|m| Error::image(&shown, m))?;
    let layers = resolved
        .layers
        .iter()
        .map(|spec| LayerDescriptor {
            digest: spec.digest.as_ref().map(ToString::to_string),
            diff_id: spec.diff_id.to_string(),
            media_type: spec.media_type.clone(),
            size: spec.stored_size,
            created_by: spec.created_by.clone(),
        })
        .collect();
    Ok(OpenedImage {
        source: path.to_path_buf(),
        format: resolved.format,
        names: resolved.names,
        platform: resolved.platform,
        other_platforms: resolved.other_platforms,
        manifest_digest: resolved.manifest_digest,
        config_digest: resolved.config_digest,
        config: resolved.config,
        layers,
        specs: resolved.layers,
        store,
    })
}

impl OpenedImage {
    /// Total stored bytes of the layers (what [`OpenedImage::read_tree_with_progress`] counts).
    pub fn layer_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.size).sum()
    }

    /// Reads every layer (independent layers in parallel, each digest-checked while streamed)
    /// and merges them in order.
    pub fn read_tree(self, capture: &Capture) -> Result<Image> {
        self.read_tree_with_progress(capture, &|_| {})
    }

    /// [`OpenedImage::read_tree`], calling `progress` with the number of stored bytes of each
    /// read (from several threads at once).
    pub fn read_tree_with_progress(
        self,
        capture: &Capture,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Image> {
        let shown = display_source(&self.source);
        let count = self.specs.len();
        let budget = layer::Budget::new(MAX_CAPTURED_BYTES, MAX_TREE_BYTES);
        let workers = cores().clamp(1, 8);
        // Layer i is merged while it is read once layers 0..i are merged (see merging.rs):
        // the merge leaves no serial tail after the last layer.
        let mut merging = merging::Merging::new(count, capture);
        read_layers(
            &self.store,
            &self.specs,
            (capture, &budget, progress),
            workers,
            &mut |arrival| merging.arrived(arrival),
        );
        let (reads, merge_error, tree) = merging.finish();
        let mut layers = Vec::with_capacity(count);
        let mut failure = None;
        for (i, (read, spec)) in reads.into_iter().zip(&self.specs).enumerate() {
            let name = spec
                .digest
                .as_ref()
                .map_or_else(|| spec.blob.clone(), ToString::to_string);
            match read {
                Some(Ok(read)) => {
                    layers.push(Layer {
                        digest: read.digest.to_string(),
                        diff_id: Some(spec.diff_id.to_string()),
                        media_type: spec.media_type.clone(),
                        compression: read.compression.name().to_string(),
                        size: spec.stored_size,
                        entries: read.entries,
                        created_by: spec.created_by.clone(),
                    });
                }
                Some(Err(layer::LayerError::Failed(message))) => {
                    failure = Some(format!("layer {} of {count} ({name}): {message}", i + 1));
                    break;
                }
                // Stopped because another layer failed; that failure is reported.
                Some(Err(layer::LayerError::Cancelled)) | None => {}
            }
        }
        if let Some(message) = failure {
            return Err(Error::image(&shown, message));
        }
        if layers.len() != count {
            return Err(Error::image(&shown, "reading the layers stopped early"));
        }
        if let Some(message) = merge_error {
            return Err(Error::image(&shown, message));
        }
        Ok(Image {
            source: self.source,
            format: self.format,
            names: self.names,
            platform: self.platform,
            other_platforms: self.other_platforms,
            manifest_digest: self.manifest_digest,
            config_digest: self.config_digest,
            config: self.config,
            layers,
            tree,
            captures_skipped: budget.skipped(),
        })
    }
}

/// The cores to use (see [`crate::par::cores`]: `ISOGEN_CORES` simulates a bigger or smaller
/// machine, e.g. to check memory stays bounded with 16 workers on 2 cores).
fn cores() -> usize {
    crate::par::cores()
}

/// Reads the layers on up to `workers` threads (each layer waits for its memory in the
/// `budget` before it starts: see [`layer::Budget::reserve_decoding`]), passing each result
/// (and each chunk of its items as it is listed) to `arrived` on this thread as it comes, in
/// the order the reads finish. The first failure
/// stops the others (they report `Cancelled`) so a corrupt image fails fast.
fn read_layers(
    store: &source::Store,
    specs: &[layout::LayerSpec],
    (capture, budget, progress): (&Capture, &layer::Budget, &(dyn Fn(u64) + Sync)),
    workers: usize,
    arrived: &mut dyn FnMut(merging::Arrival),
) {
    use merging::Arrival;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let workers = workers.min(specs.len()).max(1);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, cancel) = (&next, &cancel);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= specs.len() || cancel.load(Ordering::Relaxed) {
                    break;
                }
                let items = |items| {
                    // The receiver only goes away once every worker is done.
                    let _ = sender.send(Arrival::Items(i, items));
                };
                let reading = layer::Reading {
                    index: i,
                    capture,
                    budget,
                    cancel,
                    progress: Some(progress),
                    items: Some(&items),
                };
                let result = layer::read_layer(store, &specs[i], &reading);
                if matches!(result, Err(layer::LayerError::Failed(_))) {
                    cancel.store(true, Ordering::Relaxed);
                }
                if sender.send(Arrival::Done(i, result)).is_err() {
                    break;
                }
            });
        }
        // Only the workers hold senders now: the loop ends when the last one finishes.
        drop(sender);
        for arrival in receiver {
            arrived(arrival);
        }
    });
}

/// Reads the image at `path` (`-` for stdin) completely: manifest, config, every layer
/// digest-checked, the merged tree. Errors (exit 2) for anything unreadable, corrupt, truncated
/// or mismatched, naming the blob and entry.
pub fn read(path: &Path, options: &OpenOptions, capture: &Capture) -> Result<Image> {
    open(path, options)?.read_tree(capture)
}
