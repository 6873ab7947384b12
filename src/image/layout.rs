//! From the archive's entry points to one image: `index.json` (OCI layout, also written by
//! newer `docker save`) through nested indexes to the manifest of the chosen platform, or
//! `manifest.json` (`docker save`'s legacy layout); then the image config. Every JSON blob is
//! size-capped before it is parsed and checked against its descriptor's digest and size.
//!
//! Manifests and indexes are read into small tolerant structs of our own (every field optional
//! except what is needed, docker and OCI media types alike); the image config is parsed with
//! `oci-spec`, after dropping JSON `null`s that real builders write (`"Env": null`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use oci_spec::image::ImageConfiguration;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::digest::{HashState, Sha256Digest};
use super::json::{check_keys, Doc};
use super::path::{member_name, split};
use super::platform::Platform;
use super::source::{Store, StoreError};
use super::ArchiveFormat;

/// Largest `index.json`, `manifest.json`, index or manifest blob read. Registries refuse
/// manifests above 4 MiB; twice that leaves room without letting a hostile file exhaust memory.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 8 << 20;
/// Largest image config read (configs carry the history, which can be long).
pub(crate) const MAX_CONFIG_BYTES: u64 = 32 << 20;
/// Most layers an image may have. Docker refuses images of more than 125 and overlayfs mounts at
/// most about 500 lower layers; without a cap a manifest could name one (large) blob a hundred
/// thousand times, each read and hashed in full.
pub(crate) const MAX_LAYERS: usize = 1000;
/// How deep indexes may nest.
const MAX_INDEX_DEPTH: usize = 8;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorJson {
    media_type: Option<String>,
    digest: String,
    size: Option<u64>,
    platform: Option<PlatformJson>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
struct PlatformJson {
    architecture: Option<String>,
    os: Option<String>,
    variant: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexJson {
    manifests: Option<Vec<DescriptorJson>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    config: DescriptorJson,
    layers: Option<Vec<DescriptorJson>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LegacyImageJson {
    config: String,
    repo_tags: Option<Vec<String>>,
    layers: Option<Vec<String>>,
    layer_sources: Option<HashMap<String, DescriptorJson>>,
}

/// A layer as the manifest describes it, located in the store.
#[derive(Debug, Clone)]
pub(crate) struct LayerSpec {
    /// Store path of the blob.
    pub blob: String,
    /// Expected digest of the stored blob, when the archive states one.
    pub digest: Option<Sha256Digest>,
    /// Size the descriptor states, when it does.
    pub declared_size: Option<u64>,
    /// Size actually stored.
    pub stored_size: u64,
    pub diff_id: Sha256Digest,
    pub media_type: String,
    pub created_by: Option<String>,
}

/// The image chosen in the archive: everything but the layers' contents.
pub(crate) struct Resolved {
    pub format: ArchiveFormat,
    pub names: Vec<String>,
    pub platform: String,
    /// Platforms of the other images the index holds (not checked).
    pub other_platforms: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub config: ImageConfiguration,
    pub layers: Vec<LayerSpec>,
}

pub(crate) fn resolve(store: &Store, requested: Option<&Platform>) -> Result<Resolved, String> {
    let has_index = store.contains("index.json");
    let has_manifest = store.contains("manifest.json");
    match (has_index, has_manifest) {
        (true, _) => {
            let format = if has_manifest {
                ArchiveFormat::DockerArchive
            } else if store.is_dir() {
                ArchiveFormat::OciDir
            } else {
                ArchiveFormat::OciArchive
            };
            let mut resolved = resolve_oci(store, requested, format)?;
            if has_manifest {
                let legacy = read_legacy_manifest(store)?;
                same_image(store, &legacy, &resolved)?;
                // Newer `docker save` writes both; its tags (`name:tag`, the names users
                // know) are in manifest.json, the index only has `latest`-style ref names.
                let mut names = Vec::new();
                for image in legacy {
                    for tag in image.repo_tags.unwrap_or_default() {
                        push_unique(&mut names, tag);
                    }
                }
                for name in std::mem::take(&mut resolved.names) {
                    push_unique(&mut names, name);
                }
                resolved.names = names;
            }
            Ok(resolved)
        }
        (false, true) => resolve_legacy(store, requested),
        (false, false) => Err(
            "neither index.json (OCI image layout) nor manifest.json (docker save) found: this is not an image archive".to_string()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// OCI layout

#[derive(Debug)]
struct Candidate {
    digest: Sha256Digest,
    size: Option<u64>,
    platform: Option<Platform>,
    names: Vec<String>,
}

fn resolve_oci(
    store: &Store,
    requested: Option<&Platform>,
    format: ArchiveFormat,
) -> Result<Resolved, String> {
    let bytes = read_blob(store, "index.json", "index.json", None, MAX_MANIFEST_BYTES)?;
    let index: IndexJson = parse_json(&bytes, "index.json", Doc::OciJson)?;
    let mut walk = IndexWalk::default();
    collect(store, index, "index.json", 0, &[], &mut walk)?;
    let candidates = walk.candidates;
    if candidates.is_empty() {
        return Err("index.json lists no image manifest".to_string());
    }

    let (chosen, other_platforms) = choose(store, candidates, requested)?;
    let what = format!("manifest {}", chosen.digest);
    let bytes = read_blob(
        store,
        &chosen.digest.blob_path(),
        &what,
        Some((&chosen.digest, chosen.size)),
        MAX_MANIFEST_BYTES,
    )?;
    let manifest: ManifestJson = parse_json(&bytes, &what, Doc::OciJson)?;
    let (config_digest, config) = read_config(store, &manifest, &what, chosen.platform.as_ref())?;
    let descriptors = manifest.layers.unwrap_or_default();
    if let Some(listed) = &chosen.platform {
        let platform = config_platform(&config);
        if !listed.accepts(&platform) && !platform.accepts(listed) {
            return Err(format!(
                "{what}: the index lists it for {listed} but its config says {platform}; runtimes choose by the index, so isogen refuses the image as ambiguous"
            ));
        }
    }
    let (platform, diff_ids) =
        platform_and_diff_ids(&config, &config_digest, requested, descriptors.len(), &what)?;
    let created_by = layer_history(&config, descriptors.len());
    let mut layers = Vec::with_capacity(descriptors.len());
    for (i, (desc, diff_id)) in descriptors.into_iter().zip(diff_ids).enumerate() {
        let digest = Sha256Digest::parse(&desc.digest)
            .map_err(|e| format!("{what}: layer {}: {e}", i + 1))?;
        let media_type = desc.media_type.unwrap_or_default();
        if media_type.contains("encrypted") {
            return Err(format!(
                "layer {} ({digest}) is encrypted ({media_type}); isogen cannot read encrypted layers",
                i + 1
            ));
        }
        let blob = digest.blob_path();
        let stored_size = stored_size(store, &blob, &format!("layer {} ({digest})", i + 1))?;
        layers.push(LayerSpec {
            blob,
            digest: Some(digest),
            declared_size: desc.size,
            stored_size,
            diff_id,
            media_type,
            created_by: created_by.get(i).cloned().flatten(),
        });
    }

    Ok(Resolved {
        format,
        names: chosen.names,
        platform: platform.to_string(),
        other_platforms,
        manifest_digest: Some(chosen.digest.to_string()),
        config_digest: config_digest.to_string(),
        config,
        layers,
    })
}

enum Kind {
    Index,
    Manifest,
    Other,
}

fn kind_of(media_type: Option<&str>) -> Option<Kind> {
    match media_type? {
        "application/vnd.oci.image.index.v1+json"
        | "application/vnd.docker.distribution.manifest.list.v2+json" => Some(Kind::Index),
        "application/vnd.oci.image.manifest.v1+json"
        | "application/vnd.docker.distribution.manifest.v2+json" => Some(Kind::Manifest),
        _ => Some(Kind::Other),
    }
}

/// What walking the indexes found so far.
#[derive(Default)]
struct IndexWalk {
    candidates: Vec<Candidate>,
    /// Position in `candidates` of each manifest digest.
    manifests: HashMap<Sha256Digest, usize>,
    /// Nested indexes already walked (or being walked), and blobs found to be no image. Each is
    /// read once: indexes that name the same child many times over several levels (a diamond,
    /// or a hostile fan-out) would otherwise take exponential time. Content addressing rules
    /// out cycles, but this would stop one too.
    indexes: HashSet<Sha256Digest>,
}

impl IndexWalk {
    /// Adds `names` to the candidate for `digest` if it is known; false if it is not.
    fn merge_names(&mut self, digest: &Sha256Digest, names: &[String]) -> bool {
        match self.manifests.get(digest) {
            Some(&i) => {
                for name in names {
                    push_unique(&mut self.candidates[i].names, name.clone());
                }
                true
            }
            None => false,
        }
    }
}

/// Walks an index (and the indexes it names) and collects the image manifests it leads to.
/// A nested index named a second time is not walked again (the names the second path would
/// add are not collected; an image is reached by its first path).
fn collect(
    store: &Store,
    index: IndexJson,
    where_: &str,
    depth: usize,
    inherited_names: &[String],
    out: &mut IndexWalk,
) -> Result<(), String> {
    if depth > MAX_INDEX_DEPTH {
        return Err(format!(
            "{where_}: indexes nest more than {MAX_INDEX_DEPTH} levels deep"
        ));
    }
    for desc in index.manifests.unwrap_or_default() {
        let digest = Sha256Digest::parse(&desc.digest).map_err(|e| format!("{where_}: {e}"))?;
        let annotations = desc.annotations.unwrap_or_default();
        let mut names = inherited_names.to_vec();
        // containerd's annotation holds the full name; ref.name may be only the tag.
        for key in [CONTAINERD_NAME, REF_NAME] {
            if let Some(name) = annotations.get(key) {
                push_unique(&mut names, name.clone());
            }
        }
        let platform = desc.platform.as_ref().and_then(|p| {
            Some(Platform::new(
                p.os.as_deref()?,
                p.architecture.as_deref()?,
                p.variant.as_deref(),
            ))
        });
        // buildx attaches provenance/SBOM attestations as manifests of platform unknown/unknown,
        // which no runtime pulls. The attestation annotation alone proves nothing: containerd
        // ignores it, so a manifest for a real platform is a candidate whatever it says.
        if platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" && p.arch == "unknown")
        {
            continue;
        }
        let what = format!("index {digest}");
        if out.indexes.contains(&digest) || out.merge_names(&digest, &names) {
            continue;
        }
        let kind = match kind_of(desc.media_type.as_deref()) {
            Some(kind) => kind,
            None => {
                // No media type: tell an index from a manifest by its keys.
                let bytes = read_blob(
                    store,
                    &digest.blob_path(),
                    &format!("manifest {digest}"),
                    Some((&digest, desc.size)),
                    MAX_MANIFEST_BYTES,
                )?;
                let value: serde_json::Value =
                    parse_json(&bytes, &format!("manifest {digest}"), Doc::OciJson)?;
                if value.get("manifests").is_some() {
                    Kind::Index
                } else if value.get("config").is_some() {
                    Kind::Manifest
                } else {
                    Kind::Other
                }
            }
        };
        match kind {
            Kind::Index => {
                out.indexes.insert(digest.clone());
                let bytes = read_blob(
                    store,
                    &digest.blob_path(),
                    &what,
                    Some((&digest, desc.size)),
                    MAX_MANIFEST_BYTES,
                )?;
                let nested: IndexJson = parse_json(&bytes, &what, Doc::OciJson)?;
                collect(store, nested, &what, depth + 1, &names, out)?;
            }
            Kind::Manifest => {
                out.manifests.insert(digest.clone(), out.candidates.len());
                out.candidates.push(Candidate {
                    digest,
                    size: desc.size,
                    platform,
                    names,
                });
            }
            // Artifacts (signatures, SBOMs, helm charts) are not images.
            Kind::Other => {
                out.indexes.insert(digest);
            }
        }
    }
    Ok(())
}

/// Picks the manifest to check: the one asked for, else the only one, else the host's.
/// Picks the manifest to check, and lists the platforms of the others (not checked).
fn choose(
    store: &Store,
    mut candidates: Vec<Candidate>,
    requested: Option<&Platform>,
) -> Result<(Candidate, Vec<String>), String> {
    if requested.is_none() && candidates.len() == 1 {
        return Ok((candidates.remove(0), Vec::new()));
    }
    // A manifest listed without a platform says its platform in its config. Many manifests
    // may share one config: each config is read once.
    let mut configs = HashMap::new();
    for candidate in &mut candidates {
        if candidate.platform.is_none() {
            candidate.platform = Some(platform_of_manifest(store, candidate, &mut configs)?);
        }
    }
    let (wanted, asked) = match requested {
        Some(p) => (p.clone(), true),
        None => (Platform::host(), false),
    };
    let present = || {
        candidates
            .iter()
            .filter_map(|c| c.platform.as_ref().map(Platform::to_string))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matching: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            candidates[i]
                .platform
                .as_ref()
                .is_some_and(|p| wanted.accepts(p))
        })
        .collect();
    match matching.as_slice() {
        [] if asked => Err(format!(
            "no image for platform {wanted} in the archive; it has: {}",
            present()
        )),
        [] => Err(format!(
            "no image for this machine's platform ({wanted}) in the archive; it has: {}; choose one with --platform",
            present()
        )),
        [only] => {
            let chosen = candidates.remove(*only);
            let mut others: Vec<String> = candidates
                .iter()
                .filter_map(|c| c.platform.as_ref().map(Platform::to_string))
                .collect();
            others.sort();
            others.dedup();
            Ok((chosen, others))
        }
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|&i| {
                    let c = &candidates[i];
                    if c.names.is_empty() {
                        c.digest.to_string()
                    } else {
                        format!("{} ({})", c.names.join(", "), c.digest)
                    }
                })
                .collect();
            Err(format!(
                "the archive holds {} different images for {wanted}: {}; isogen checks one image per archive",
                several.len(),
                listed.join("; ")
            ))
        }
    }
}

fn platform_of_manifest(
    store: &Store,
    candidate: &Candidate,
    configs: &mut HashMap<String, Platform>,
) -> Result<Platform, String> {
    let what = format!("manifest {}", candidate.digest);
    let bytes = read_blob(
        store,
        &candidate.digest.blob_path(),
        &what,
        Some((&candidate.digest, candidate.size)),
        MAX_MANIFEST_BYTES,
    )?;
    let manifest: ManifestJson = parse_json(&bytes, &what, Doc::OciJson)?;
    if let Some(platform) = configs.get(&manifest.config.digest) {
        return Ok(platform.clone());
    }
    let (_, config) = read_config(store, &manifest, &what, None)?;
    let platform = config_platform(&config);
    configs.insert(manifest.config.digest, platform.clone());
    Ok(platform)
}

fn read_config(
    store: &Store,
    manifest: &ManifestJson,
    what: &str,
    fallback: Option<&Platform>,
) -> Result<(Sha256Digest, ImageConfiguration), String> {
    let desc = &manifest.config;
    let digest = Sha256Digest::parse(&desc.digest).map_err(|e| format!("{what}: config: {e}"))?;
    if let Some(media_type) = desc.media_type.as_deref() {
        if !matches!(
            media_type,
            "application/vnd.oci.image.config.v1+json"
                | "application/vnd.docker.container.image.v1+json"
        ) {
            return Err(format!(
                "{what} is not a container image: its config has media type {media_type}"
            ));
        }
    }
    let config_what = format!("config {digest}");
    let bytes = read_blob(
        store,
        &digest.blob_path(),
        &config_what,
        Some((&digest, desc.size)),
        MAX_CONFIG_BYTES,
    )?;
    let config = parse_config(&bytes, &config_what, fallback)?;
    Ok((digest, config))
}

// ---------------------------------------------------------------------------------------------
// docker save, legacy layout

fn read_legacy_manifest(store: &Store) -> Result<Vec<LegacyImageJson>, String> {
    let bytes = read_blob(
        store,
        "manifest.json",
        "manifest.json",
        None,
        MAX_MANIFEST_BYTES,
    )?;
    parse_json(&bytes, "manifest.json", Doc::DockerManifest)
}

fn resolve_legacy(store: &Store, requested: Option<&Platform>) -> Result<Resolved, String> {
    let mut images = read_legacy_manifest(store)?;
    let image = match images.len() {
        0 => return Err("manifest.json lists no image".to_string()),
        1 => images.remove(0),
        n => {
            let tags: Vec<String> = images
                .iter()
                .map(|i| {
                    i.repo_tags
                        .as_ref()
                        .filter(|t| !t.is_empty())
                        .map(|t| t.join(", "))
                        .unwrap_or_else(|| i.config.clone())
                })
                .collect();
            return Err(format!(
                "manifest.json lists {n} images ({}); isogen checks one image per archive: save them separately",
                tags.join("; ")
            ));
        }
    };

    // The config's file name is its digest (`<hex>.json` or `blobs/sha256/<hex>`): check it.
    let config_name = resolve_name(store, &image.config);
    let expected = digest_from_name(&config_name);
    let config_what = match &expected {
        Some(d) => format!("config {d}"),
        None => format!("config {}", image.config),
    };
    let bytes = read_blob(
        store,
        &image.config,
        &config_what,
        expected.as_ref().map(|d| (d, None)),
        MAX_CONFIG_BYTES,
    )?;
    let config_digest = Sha256Digest::of(&bytes);
    let config = parse_config(&bytes, &config_what, None)?;
    let names = image.layers.unwrap_or_default();
    let (platform, diff_ids) = platform_and_diff_ids(
        &config,
        &config_digest,
        requested,
        names.len(),
        "manifest.json",
    )?;
    let sources = image.layer_sources.unwrap_or_default();
    let created_by = layer_history(&config, names.len());
    let mut layers = Vec::with_capacity(names.len());
    for (i, (name, diff_id)) in names.into_iter().zip(diff_ids).enumerate() {
        let source = sources.get(diff_id.as_str());
        let resolved = resolve_name(store, &name);
        // `<diff_id>.tar` (containers/image), `blobs/sha256/<hex>` (docker 25+): the stored
        // blob's own digest. `<v1 id>/layer.tar` (older docker) names nothing checkable, but the
        // diff_id check below still covers every byte.
        let digest = digest_from_name(&resolved)
            .or_else(|| source.and_then(|s| Sha256Digest::parse(&s.digest).ok()));
        let what = format!("layer {} ({name})", i + 1);
        let stored_size = stored_size(store, &name, &what)?;
        layers.push(LayerSpec {
            blob: name,
            digest,
            declared_size: source.and_then(|s| s.size),
            stored_size,
            diff_id,
            media_type: source
                .and_then(|s| s.media_type.clone())
                .unwrap_or_else(|| "application/vnd.docker.image.rootfs.diff.tar".to_string()),
            created_by: created_by.get(i).cloned().flatten(),
        });
    }

    Ok(Resolved {
        format: ArchiveFormat::DockerArchive,
        names: image.repo_tags.unwrap_or_default(),
        platform: platform.to_string(),
        other_platforms: Vec::new(),
        manifest_digest: None,
        config_digest: config_digest.to_string(),
        config,
        layers,
    })
}

/// A docker archive holding both `index.json` and `manifest.json` is loaded from one or the
/// other depending on the docker version and image store: both must name the same config and
/// the same layers, in order, or the archive describes two images.
fn same_image(store: &Store, legacy: &[LegacyImageJson], oci: &Resolved) -> Result<(), String> {
    let two = |why: String| {
        format!(
            "the archive describes two images: index.json and manifest.json disagree ({why}); docker loads one or the other depending on its version, so isogen refuses it"
        )
    };
    let [image] = legacy else {
        return Err(two(format!(
            "manifest.json lists {} images, index.json leads to one",
            legacy.len()
        )));
    };
    let same = |name: &str, digest: &str| {
        let Ok(digest) = Sha256Digest::parse(digest) else {
            return false;
        };
        let member = resolve_name(store, name);
        member == resolve_name(store, &digest.blob_path())
            || digest_from_name(&member).is_some_and(|d| d == digest)
    };
    if !same(&image.config, &oci.config_digest) {
        return Err(two(format!(
            "config `{}` versus {}",
            image.config, oci.config_digest
        )));
    }
    let layers = image.layers.as_deref().unwrap_or_default();
    if layers.len() != oci.layers.len() {
        return Err(two(format!(
            "{} layers versus {}",
            layers.len(),
            oci.layers.len()
        )));
    }
    for (i, (name, spec)) in layers.iter().zip(&oci.layers).enumerate() {
        let digest = spec
            .digest
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !same(name, &digest) {
            return Err(two(format!("layer {}: `{name}` versus {digest}", i + 1)));
        }
    }
    Ok(())
}

/// The member a name finally points at (following archive links), for reading digests off names.
fn resolve_name(store: &Store, name: &str) -> String {
    store.resolve(name).unwrap_or_else(|| member_name(name))
}

/// `sha256:<hex>` from `<hex>`, `<hex>.tar`, `<hex>.json` or `blobs/sha256/<hex>`.
fn digest_from_name(name: &str) -> Option<Sha256Digest> {
    let absolute = format!("/{name}");
    let (parent, base) = split(&absolute);
    let stem = base
        .strip_suffix(".tar")
        .or_else(|| base.strip_suffix(".json"))
        .unwrap_or(base);
    if base == stem && !parent.ends_with("/sha256") {
        return None;
    }
    Sha256Digest::from_hex(stem)
}

// ---------------------------------------------------------------------------------------------
// shared

fn stored_size(store: &Store, name: &str, what: &str) -> Result<u64, String> {
    match store.open(name) {
        Ok(blob) => Ok(blob.size),
        Err(StoreError::Missing) => Err(format!(
            "{what} is missing from the archive (no `{}`)",
            member_name(name)
        )),
        Err(StoreError::Unusable(message)) => Err(format!("{what}: {message}")),
    }
}

/// Reads a whole (small) blob, refusing more than `cap` bytes, and checks it against its
/// descriptor when there is one.
fn read_blob(
    store: &Store,
    name: &str,
    what: &str,
    expected: Option<(&Sha256Digest, Option<u64>)>,
    cap: u64,
) -> Result<Vec<u8>, String> {
    let blob = match store.open(name) {
        Ok(blob) => blob,
        Err(StoreError::Missing) => {
            return Err(format!(
                "{what} is missing from the archive (no `{}`)",
                member_name(name)
            ))
        }
        Err(StoreError::Unusable(message)) => return Err(format!("{what}: {message}")),
    };
    if let Some((_, Some(declared))) = expected {
        if declared > cap {
            return Err(format!(
                "{what}: its descriptor declares {declared} bytes, more than the {cap} isogen reads for JSON"
            ));
        }
    }
    if blob.size > cap {
        return Err(format!(
            "{what} is {} bytes, more than the {cap} isogen reads for JSON",
            blob.size
        ));
    }
    let mut bytes = Vec::with_capacity(blob.size as usize);
    blob.reader
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{what}: reading failed: {e}"))?;
    if let Some((digest, declared)) = expected {
        let mut state = HashState::default();
        state.update(&bytes);
        let actual = state.finish();
        if &actual != digest {
            return Err(format!(
                "{what}: digest mismatch: the content hashes to {actual} (corrupt or tampered)"
            ));
        }
        if let Some(declared) = declared {
            if declared != bytes.len() as u64 {
                return Err(format!(
                    "{what}: size mismatch: the descriptor says {declared} bytes, the blob has {}",
                    bytes.len()
                ));
            }
        }
    }
    Ok(bytes)
}

/// Parses a JSON document after checking its keys read the same as in Go (see `json`).
fn parse_json<T: DeserializeOwned>(bytes: &[u8], what: &str, doc: Doc) -> Result<T, String> {
    check_keys(bytes, doc).map_err(|problem| format!("{what}: {problem}"))?;
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not valid: {e}"))
}

/// Parses an image config the way real builders write them: `null` where a field is empty,
/// `architecture`/`os` occasionally missing.
fn parse_config(
    bytes: &[u8],
    what: &str,
    fallback: Option<&Platform>,
) -> Result<ImageConfiguration, String> {
    let mut value: serde_json::Value = parse_json(bytes, what, Doc::Config)?;
    strip_nulls(&mut value);
    let object = value
        .as_object_mut()
        .ok_or_else(|| format!("{what} is not valid: expected a JSON object"))?;
    if !object.contains_key("rootfs") {
        return Err(format!(
            "{what} is not valid: it has no rootfs (the layers' diff_ids)"
        ));
    }
    let arch = fallback.map_or("unknown", |p| p.arch.as_str());
    let os = fallback.map_or("unknown", |p| p.os.as_str());
    object.entry("architecture").or_insert_with(|| arch.into());
    object.entry("os").or_insert_with(|| os.into());
    serde_json::from_value(value).map_err(|e| format!("{what} is not a valid image config: {e}"))
}

fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn config_platform(config: &ImageConfiguration) -> Platform {
    Platform::new(
        &config.os().to_string(),
        &config.architecture().to_string(),
        config.variant().as_deref(),
    )
}

/// The platform of a single-image archive, checked against `--platform`, and its config's
/// `rootfs.diff_ids`, checked to be one per layer the manifest (`what`) lists.
fn platform_and_diff_ids(
    config: &ImageConfiguration,
    config_digest: &Sha256Digest,
    requested: Option<&Platform>,
    layers: usize,
    what: &str,
) -> Result<(Platform, Vec<Sha256Digest>), String> {
    let platform = config_platform(config);
    if let Some(requested) = requested {
        if !requested.accepts(&platform) {
            return Err(format!(
                "the archive holds one image, for {platform}; --platform {requested} asks for another"
            ));
        }
    }
    if layers > MAX_LAYERS {
        return Err(format!(
            "{what} lists {layers} layers, more than the {MAX_LAYERS} isogen reads (no runtime runs such an image)"
        ));
    }
    let diff_ids = diff_ids(config, config_digest)?;
    if layers != diff_ids.len() {
        return Err(format!(
            "{what} lists {layers} layers but config {config_digest} lists {} rootfs.diff_ids",
            diff_ids.len()
        ));
    }
    Ok((platform, diff_ids))
}

fn diff_ids(
    config: &ImageConfiguration,
    config_digest: &Sha256Digest,
) -> Result<Vec<Sha256Digest>, String> {
    config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| {
            Sha256Digest::parse(d)
                .map_err(|e| format!("config {config_digest}: rootfs.diff_ids: {e}"))
        })
        .collect()
}

/// `created_by` of each layer, from the history entries that made a layer. Only when they
/// line up one to one: a guess would blame the wrong instruction.
fn layer_history(config: &ImageConfiguration, layers: usize) -> Vec<Option<String>> {
    let entries: Vec<Option<String>> = config
        .history()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|h| h.empty_layer() != Some(true))
        .map(|h| h.created_by().clone())
        .collect();
    if entries.len() == layers {
        entries
    } else {
        vec![None; layers]
    }
}

fn push_unique(names: &mut Vec<String>, name: String) {
    if !names.contains(&name) {
        names.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_come_from_content_addressed_names_only() {
        let hex = "a".repeat(64);
        assert!(digest_from_name(&format!("{hex}.tar")).is_some());
        assert!(digest_from_name(&format!("{hex}.json")).is_some());
        assert!(digest_from_name(&format!("blobs/sha256/{hex}")).is_some());
        assert!(digest_from_name(&format!("{hex}/layer.tar")).is_none());
        assert!(digest_from_name(&hex).is_none());
    }

    #[test]
    fn configs_with_nulls_parse() {
        let config = br#"{"architecture":"amd64","os":"linux","config":{"Env":null,"Cmd":null,"Labels":null,"User":""},"rootfs":{"type":"layers","diff_ids":[]},"history":null}"#;
        let parsed = parse_config(config, "config", None).unwrap();
        assert_eq!(parsed.architecture().to_string(), "amd64");
    }

    #[test]
    fn configs_without_rootfs_are_refused() {
        let err = parse_config(
            br#"{"architecture":"amd64","os":"linux"}"#,
            "config x",
            None,
        )
        .unwrap_err();
        assert!(err.contains("no rootfs"), "{err}");
    }
}
