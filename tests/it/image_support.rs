//! Builds image archives in code for what real builders rarely produce: opaque directories,
//! hard links, multi-platform and nested indexes, odd tar spellings, and every kind of
//! corruption. Layers are real tars (the `tar` crate), blobs are content-addressed for real;
//! a test then breaks exactly one thing.

#![allow(dead_code)]

pub mod adversarial;

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

pub fn hex(digest: &str) -> &str {
    digest.trim_start_matches("sha256:")
}

/// A layer tar, entry by entry.
pub struct LayerTar {
    out: Vec<u8>,
}

impl Default for LayerTar {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerTar {
    pub fn new() -> Self {
        LayerTar { out: Vec::new() }
    }

    /// Appends one header (+ data) with the name written as raw bytes: the `tar` crate's
    /// builder refuses `..` and absolute names, which is exactly what some tests need.
    fn raw(&mut self, name: &str, kind: tar::EntryType, link: Option<&str>, data: &[u8]) {
        let mut header = tar::Header::new_gnu();
        if name.len() > 100 {
            // GNU long name extension.
            let mut long = tar::Header::new_gnu();
            long.set_entry_type(tar::EntryType::GNULongName);
            long.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
            long.set_size(name.len() as u64 + 1);
            long.set_mode(0o644);
            long.set_cksum();
            self.out.extend_from_slice(long.as_bytes());
            let mut body = name.as_bytes().to_vec();
            body.push(0);
            pad(&mut body);
            self.out.extend_from_slice(&body);
            header.as_gnu_mut().unwrap().name[..100].copy_from_slice(&name.as_bytes()[..100]);
        } else {
            header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        }
        if let Some(link) = link {
            header.set_link_name(link).unwrap();
        }
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_cksum();
        self.out.extend_from_slice(header.as_bytes());
        let mut body = data.to_vec();
        pad(&mut body);
        self.out.extend_from_slice(&body);
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        self.raw(name, tar::EntryType::Regular, None, data);
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        self.raw(name, tar::EntryType::Directory, None, b"");
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.raw(name, tar::EntryType::Symlink, Some(target), b"");
        self
    }

    pub fn hardlink(mut self, name: &str, target: &str) -> Self {
        self.raw(name, tar::EntryType::Link, Some(target), b"");
        self
    }

    /// A file whose path is given by a PAX `path` record (the header holds a dummy name).
    pub fn pax_file(mut self, name: &str, data: &[u8]) -> Self {
        let mut records = Vec::new();
        // "<len> path=<name>\n", where <len> counts its own digits.
        let record_len = |body: usize| {
            let mut len = body + 2;
            loop {
                let next = body + 1 + len.to_string().len();
                if next == len {
                    return len;
                }
                len = next;
            }
        };
        let body = format!("path={name}\n");
        let len = record_len(body.len());
        records.extend_from_slice(format!("{len} {body}").as_bytes());
        self.raw("PaxHeader", tar::EntryType::XHeader, None, &records);
        self.raw("dummy-name", tar::EntryType::Regular, None, data);
        self
    }

    /// The tar with its two end-of-archive blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0u8; 1024]);
        self.out
    }

    /// The tar ending right after its last entry, as umoci writes layers.
    pub fn finish_without_end_blocks(self) -> Vec<u8> {
        self.out
    }
}

fn pad(body: &mut Vec<u8>) {
    let rem = body.len() % 512;
    if rem != 0 {
        body.resize(body.len() + 512 - rem, 0);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

pub fn compress(tar: &[u8], comp: Comp) -> Vec<u8> {
    match comp {
        Comp::None => tar.to_vec(),
        Comp::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(tar).unwrap();
            encoder.finish().unwrap()
        }
        Comp::Zstd => zstd::encode_all(tar, 3).unwrap(),
    }
}

/// A layer ready to be put in an image.
#[derive(Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    pub diff_id: String,
    pub media_type: String,
}

impl Layer {
    pub fn new(tar: Vec<u8>, comp: Comp) -> Self {
        let media_type = match comp {
            Comp::None => "application/vnd.oci.image.layer.v1.tar",
            Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        };
        Layer {
            blob: compress(&tar, comp),
            diff_id: sha256(&tar),
            media_type: media_type.to_string(),
        }
    }

    pub fn labelled(mut self, media_type: &str) -> Self {
        self.media_type = media_type.to_string();
        self
    }

    pub fn digest(&self) -> String {
        sha256(&self.blob)
    }
}

pub fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256(bytes), "size": bytes.len()})
}

pub fn config_json(platform: &str, diff_ids: &[String]) -> Vec<u8> {
    let parts: Vec<&str> = platform.split('/').collect();
    let mut config = json!({
        "architecture": parts[1],
        "os": parts[0],
        "config": {"User": "10001", "Env": null, "Labels": {"dev.isogen.service": "svc"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": diff_ids.iter().enumerate().map(|(i, _)| json!({"created_by": format!("step {i}")})).collect::<Vec<_>>(),
    });
    if let Some(variant) = parts.get(2) {
        config["variant"] = json!(variant);
    }
    serde_json::to_vec(&config).unwrap()
}

/// An OCI image layout being assembled: blobs plus `index.json`.
#[derive(Default, Clone)]
pub struct Oci {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Oci {
    pub fn new() -> Self {
        Oci {
            files: vec![(
                "oci-layout".into(),
                br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            )],
        }
    }

    pub fn put(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), bytes));
    }

    pub fn remove(&mut self, name: &str) {
        self.files.retain(|(n, _)| n != name);
    }

    pub fn get(&self, name: &str) -> &[u8] {
        &self.files.iter().find(|(n, _)| n == name).unwrap().1
    }

    pub fn blob(&mut self, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        self.put(&format!("blobs/sha256/{}", hex(&digest)), bytes.to_vec());
        digest
    }

    /// Adds config, layers and manifest; returns the manifest's descriptor (with platform).
    pub fn image(&mut self, platform: &str, layers: &[Layer]) -> Value {
        let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
        let config = config_json(platform, &diff_ids);
        self.blob(&config);
        let mut layer_descs = Vec::new();
        for layer in layers {
            self.blob(&layer.blob);
            layer_descs.push(descriptor(&layer.media_type, &layer.blob));
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": layer_descs,
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        self.blob(&bytes);
        let mut desc = descriptor("application/vnd.oci.image.manifest.v1+json", &bytes);
        let parts: Vec<&str> = platform.split('/').collect();
        let mut p = json!({"os": parts[0], "architecture": parts[1]});
        if let Some(v) = parts.get(2) {
            p["variant"] = json!(v);
        }
        desc["platform"] = p;
        desc
    }

    /// Adds a nested index blob; returns its descriptor.
    pub fn nested_index(&mut self, manifests: Vec<Value>) -> Value {
        let bytes = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap();
        self.blob(&bytes);
        descriptor("application/vnd.oci.image.index.v1+json", &bytes)
    }

    pub fn index(&mut self, manifests: Vec<Value>) {
        let bytes =
            serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": manifests})).unwrap();
        self.put("index.json", bytes);
    }

    /// A single-platform layout with the given layers.
    pub fn single(layers: &[Layer]) -> Self {
        let mut oci = Oci::new();
        let mut desc = oci.image("linux/amd64", layers);
        desc["annotations"] = json!({"org.opencontainers.image.ref.name": "example:1"});
        oci.index(vec![desc]);
        oci
    }

    pub fn tar(&self) -> Vec<u8> {
        archive(&self.files)
    }

    pub fn write_dir(&self, dir: &Path) {
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    /// The manifest of the only image (descriptor from index.json), parsed.
    pub fn manifest_digest(&self) -> String {
        let index: Value = serde_json::from_slice(self.get("index.json")).unwrap();
        index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn manifest(&self) -> Value {
        let digest = self.manifest_digest();
        serde_json::from_slice(self.get(&format!("blobs/sha256/{}", hex(&digest)))).unwrap()
    }

    /// Replaces the only image's manifest, keeping index.json consistent with it.
    pub fn set_manifest(&mut self, manifest: &Value) {
        let bytes = serde_json::to_vec(manifest).unwrap();
        self.set_manifest_bytes(bytes);
    }

    pub fn set_manifest_bytes(&mut self, bytes: Vec<u8>) {
        let digest = self.blob(&bytes);
        let mut index: Value = serde_json::from_slice(self.get("index.json")).unwrap();
        index["manifests"][0]["digest"] = json!(digest);
        index["manifests"][0]["size"] = json!(bytes.len());
        self.put("index.json", serde_json::to_vec(&index).unwrap());
    }

    pub fn layer_digest(&self, i: usize) -> String {
        self.manifest()["layers"][i]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn config_digest(&self) -> String {
        self.manifest()["config"]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// A tar of named members (in order).
pub fn archive(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A `docker save` archive (legacy layout, each layer as the file `<v1 id>/layer.tar`) of an
/// image with this config (`rootfs.diff_ids` already set), these uncompressed layers, and `tag`.
pub fn saved_image(config: &Value, layers: &[Vec<u8>], tag: &str) -> Vec<u8> {
    let config = serde_json::to_vec(config).unwrap();
    let config_name = format!("{}.json", hex(&sha256(&config)));
    let mut files = vec![(config_name.clone(), config)];
    let mut names = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        files.push((name.clone(), layer.clone()));
        names.push(name);
    }
    let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    archive(&files)
}

/// A `docker save` archive in the legacy layout: `manifest.json`, `<config hex>.json`, and each
/// (uncompressed) layer as `<v1 id>/layer.tar`, stored as a symlink to `<diff_id hex>.tar`
/// when `symlinks` (as buildah writes it) or as the file itself (as older docker did).
pub fn docker_archive(layers: &[Vec<u8>], symlinks: bool) -> Vec<(String, Vec<u8>)> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = config_json("linux/amd64", &diff_ids);
    let config_name = format!("{}.json", hex(&sha256(&config)));
    let mut files = vec![(config_name.clone(), config)];
    let mut names = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        if symlinks {
            files.push((format!("{}.tar", hex(&diff_ids[i])), layer.clone()));
        } else {
            files.push((name.clone(), layer.clone()));
        }
        names.push(name);
    }
    let manifest = json!([{"Config": config_name, "RepoTags": ["example:1"], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    files
}

/// [`docker_archive`] as a tar, with `<v1 id>/layer.tar` symlinks when asked.
pub fn docker_archive_tar(layers: &[Vec<u8>], symlinks: bool) -> Vec<u8> {
    let files = docker_archive(layers, symlinks);
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in &files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o444);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    if symlinks {
        let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
        for (i, diff_id) in diff_ids.iter().enumerate() {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_mode(0o777);
            builder
                .append_link(
                    &mut header,
                    format!("{:064x}/layer.tar", i + 1),
                    format!("../{}.tar", hex(diff_id)),
                )
                .unwrap();
        }
    }
    builder.into_inner().unwrap()
}

/// Writes bytes to a fresh file in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
