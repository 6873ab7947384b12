//! Reading a built image from its tarball, without a Docker daemon and without extracting to
//! disk: archive format -> index/manifest/config -> layers (decompressed, digest-checked while
//! streamed) -> one [`MergedTree`] with whiteouts applied in layer order.
//!
//! This module knows nothing of workspaces or rules. What a caller wants to read the contents
//! of (small files such as `package.json` or `/etc/passwd`) it says with a [`Capture`]
//! predicate; everything else is seen as metadata only.
//!
//! TODO(issue 4): implement. The types below are the contract `verify` relies on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

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

/// What the caller wants to read into memory, decided per path (absolute, normalised).
/// Files it accepts are captured up to `max_bytes`; larger ones are marked truncated.
pub struct Capture {
    pub wants: Box<dyn Fn(&str) -> bool + Send + Sync>,
    pub max_bytes: u64,
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

/// One path of the image filesystem.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Absolute, normalised (`/app/dist/main.js`; no trailing `/`, no `.`/`..`).
    pub path: String,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Symlink or hard link target, as stored.
    pub link_target: Option<String>,
    /// Index into [`Image::layers`] of the layer that added (last wrote) this entry.
    pub layer: usize,
    /// Content, when the [`Capture`] asked for it (files only; None otherwise).
    #[serde(skip)]
    pub content: Option<Arc<[u8]>>,
    /// The file was wanted but larger than the capture limit: `content` holds only its start.
    pub truncated: bool,
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
    /// Visible entries by absolute path.
    pub entries: BTreeMap<String, Entry>,
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
    /// Digest of the manifest checked, when the archive has one.
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    /// The image config (user, entrypoint, cmd, labels, env, history).
    #[serde(skip)]
    pub config: oci_spec::image::ImageConfiguration,
    pub layers: Vec<Layer>,
    pub tree: MergedTree,
}

/// Reads the image at `path` (`-` for stdin) completely: manifest, config, every layer
/// digest-checked, the merged tree. Errors (exit 2) for anything unreadable, corrupt, truncated
/// or mismatched, naming the blob and entry.
pub fn read(path: &std::path::Path, _options: &OpenOptions, _capture: &Capture) -> Result<Image> {
    Err(Error::image(path, "image reading is not implemented yet"))
}
