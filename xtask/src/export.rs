//! Exporting built images as the tarballs `isogen verify` reads: `docker-archive:` (what
//! `docker save` writes), `oci-archive:`, and an OCI archive recompressed with zstd by skopeo.
//! Each archive is then opened again to record which layer media types and which compression
//! (told from the bytes, not the label) it really holds.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::cmd::{buildah, Cmd};

/// One exported archive, as listed in the e2e manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Archive {
    /// `docker-archive` or `oci-archive`.
    pub transport: &'static str,
    /// The compression that was asked for its layers (`default`, `zstd`).
    pub requested_compression: &'static str,
    /// File name, relative to the manifest's folder.
    pub file: String,
    pub bytes: u64,
    pub layers: Vec<LayerInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// The media type the manifest gives (empty for a legacy docker-archive manifest).
    pub media_type: String,
    /// `gzip`, `zstd` or `none`, from the first bytes of the blob.
    pub compression: &'static str,
}

/// An archive format `export` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker-archive:` (`<stem>.docker.tar`): what `docker save` writes, raw tar layers.
    Docker,
    /// `oci-archive:` (`<stem>.oci.tar`): gzip layers.
    Oci,
    /// The OCI archive recompressed by skopeo with zstd (`<stem>.zstd.oci.tar`); the plain OCI
    /// archive is written too (skopeo copies from it).
    Zstd,
}

/// Every format: what good images are exported as.
pub const ALL: &[Format] = &[Format::Docker, Format::Oci, Format::Zstd];

/// Writes the archives of `image` into `dir` as `<stem>.docker.tar`, `<stem>.oci.tar` and
/// `<stem>.zstd.oci.tar`, as `formats` asks.
pub fn export(image: &str, stem: &str, dir: &Path, formats: &[Format]) -> Result<Vec<Archive>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut archives = Vec::new();

    if formats.contains(&Format::Docker) {
        let docker = dir.join(format!("{stem}.docker.tar"));
        remove(&docker)?;
        buildah()
            .args(["push", "--quiet", image])
            .arg(format!("docker-archive:{}:{image}", docker.display()))
            .run()?;
        archives.push(describe("docker-archive", "default", &docker)?);
    }

    if formats.contains(&Format::Oci) || formats.contains(&Format::Zstd) {
        let oci = dir.join(format!("{stem}.oci.tar"));
        remove(&oci)?;
        buildah()
            .args(["push", "--quiet", image])
            .arg(format!("oci-archive:{}:{image}", oci.display()))
            .run()?;
        archives.push(describe("oci-archive", "default", &oci)?);

        if formats.contains(&Format::Zstd) {
            let zstd = dir.join(format!("{stem}.zstd.oci.tar"));
            remove(&zstd)?;
            Cmd::new("skopeo")
                .args(["copy", "--quiet", "--dest-compress-format", "zstd"])
                .arg(format!("oci-archive:{}", oci.display()))
                .arg(format!("oci-archive:{}:{image}", zstd.display()))
                .run()?;
            let archive = describe("oci-archive", "zstd", &zstd)?;
            if archive.layers.iter().any(|l| l.compression != "zstd") {
                bail!(
                    "skopeo did not recompress every layer of {} with zstd: {:?}",
                    zstd.display(),
                    archive.layers
                );
            }
            archives.push(archive);
        }
    }
    Ok(archives)
}

fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

fn describe(transport: &'static str, requested: &'static str, path: &Path) -> Result<Archive> {
    let bytes = fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    let layers = layers(path).with_context(|| format!("reading back {}", path.display()))?;
    Ok(Archive {
        transport,
        requested_compression: requested,
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        layers,
    })
}

/// What one pass over the archive keeps: small JSON files whole, the first bytes of the rest,
/// and symlinks (docker-archive layers may be symlinks to blobs).
#[derive(Default)]
struct Contents {
    small: HashMap<String, Vec<u8>>,
    magic: HashMap<String, Vec<u8>>,
    links: HashMap<String, String>,
}

impl Contents {
    fn read(path: &Path) -> Result<Self> {
        let mut contents = Contents::default();
        let file = fs::File::open(path)?;
        let mut archive = tar::Archive::new(file);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let name = normalise(&entry.path()?.to_string_lossy());
            if entry.header().entry_type().is_symlink() {
                if let Some(target) = entry.link_name()? {
                    let base = Path::new(&name).parent().unwrap_or(Path::new(""));
                    let joined: PathBuf = base.join(target);
                    contents
                        .links
                        .insert(name, normalise(&joined.to_string_lossy()));
                }
                continue;
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let mut head = Vec::new();
            (&mut entry).take(4).read_to_end(&mut head)?;
            if entry.header().size()? <= 4 << 20 {
                let mut rest = Vec::new();
                entry.read_to_end(&mut rest)?;
                head.extend(rest);
                contents.small.insert(name.clone(), head.clone());
            }
            head.truncate(4);
            contents.magic.insert(name, head);
        }
        Ok(contents)
    }

    fn resolve<'a>(&'a self, name: &'a str) -> String {
        let mut name = name.to_owned();
        for _ in 0..8 {
            match self.links.get(&name) {
                Some(target) => name = target.clone(),
                None => break,
            }
        }
        name
    }

    fn json(&self, name: &str) -> Result<Value> {
        let name = self.resolve(name);
        let bytes = self
            .small
            .get(&name)
            .with_context(|| format!("no {name} in the archive"))?;
        serde_json::from_slice(bytes).with_context(|| format!("parsing {name}"))
    }

    fn compression(&self, name: &str) -> Result<&'static str> {
        let name = self.resolve(name);
        let magic = self
            .magic
            .get(&name)
            .with_context(|| format!("layer {name} missing from the archive"))?;
        Ok(match magic.as_slice() {
            [0x1f, 0x8b, ..] => "gzip",
            [0x28, 0xb5, 0x2f, 0xfd] => "zstd",
            _ => "none",
        })
    }
}

fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

fn layers(path: &Path) -> Result<Vec<LayerInfo>> {
    let contents = Contents::read(path)?;
    let mut layers = Vec::new();
    if contents.small.contains_key("index.json") {
        let index = contents.json("index.json")?;
        let digest = index["manifests"][0]["digest"]
            .as_str()
            .context("index.json has no manifest")?;
        let manifest = contents.json(&blob_path(digest))?;
        for layer in manifest["layers"].as_array().into_iter().flatten() {
            let digest = layer["digest"].as_str().context("layer without digest")?;
            layers.push(LayerInfo {
                media_type: layer["mediaType"].as_str().unwrap_or_default().to_owned(),
                compression: contents.compression(&blob_path(digest))?,
            });
        }
    } else {
        let manifest = contents.json("manifest.json")?;
        for layer in manifest[0]["Layers"].as_array().into_iter().flatten() {
            let name = layer.as_str().context("layer name is not a string")?;
            layers.push(LayerInfo {
                media_type: String::new(),
                compression: contents.compression(name)?,
            });
        }
    }
    if layers.is_empty() {
        bail!("no layers found");
    }
    Ok(layers)
}
