//! Images built in code for the rules' and reports' tests: a merged tree (visible and hidden
//! entries, by layer) and an image config, without any archive.
//! Test-only: nothing here writes an archive or touches the disk.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::image::{
    ArchiveFormat, Entries, Entry, EntryKind, Hidden, Image, ImagePath, Layer, MergedTree,
    ShippedEntry,
};

/// A passwd line for the generator's default user.
pub const APP_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\napp:x:10001:10001::/app:/sbin/nologin\n";
pub const APP_GROUP: &str = "root:x:0:\nnode:x:1000:\napp:x:10001:\n";

#[derive(Default)]
pub struct TreeBuilder {
    layer: usize,
    entries: Entries,
    hidden: Vec<ShippedEntry>,
}

fn entry(path: &str, kind: EntryKind, layer: usize) -> Entry {
    let mut e = Entry::new(path.into(), kind, layer);
    e.mode = if kind == EntryKind::Dir { 0o755 } else { 0o644 };
    e
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries added from now on belong to layer `n`.
    pub fn layer(mut self, n: usize) -> Self {
        self.layer = n;
        self
    }

    pub fn file(mut self, path: &str, content: &str) -> Self {
        let mut e = entry(path, EntryKind::File, self.layer);
        e.size = content.len() as u64;
        e.set_content(Some(Arc::from(content.as_bytes())), false);
        self.put(e);
        self
    }

    pub fn exe(mut self, path: &str, content: &str) -> Self {
        let mut e = entry(path, EntryKind::File, self.layer);
        e.size = content.len() as u64;
        e.mode = 0o755;
        e.set_content(Some(Arc::from(content.as_bytes())), false);
        self.put(e);
        self
    }

    /// Files whose content was not captured (only their metadata is known); JavaScript
    /// files, which a real read captures for the module graph, are empty (they import
    /// nothing).
    pub fn files(mut self, paths: &[&str]) -> Self {
        for p in paths {
            let mut e = entry(p, EntryKind::File, self.layer);
            e.size = 100;
            if p.ends_with(".js") || p.ends_with(".mjs") || p.ends_with(".cjs") {
                e.set_content(Some(Arc::from(&b""[..])), false);
            }
            self.put(e);
        }
        self
    }

    /// A file whose content a real read did not keep (over a capture budget).
    pub fn uncaptured(mut self, path: &str) -> Self {
        let mut e = entry(path, EntryKind::File, self.layer);
        e.size = 100;
        self.put(e);
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut e = entry(path, EntryKind::Symlink, self.layer);
        e.set_link_target(Some(target.into()));
        e.mode = 0o777;
        self.put(e);
        self
    }

    /// Deletes `path` and everything below it in the current layer (a whiteout).
    pub fn delete(mut self, path: &str) -> Self {
        let by = self.layer;
        let keys: Vec<ImagePath> = self
            .entries
            .keys()
            .filter(|k| crate::verify::fs::is_within(k, path))
            .map(ImagePath::from)
            .collect();
        for k in keys {
            if let Some(e) = self.entries.remove(k.as_str()) {
                self.hidden.push(ShippedEntry {
                    entry: e,
                    hidden: Hidden::Deleted { by_layer: by },
                });
            }
        }
        self
    }

    fn put(&mut self, e: Entry) {
        // Layer tars list the folders above a file; so does a real merged tree.
        let mut dir = crate::verify::fs::parent(&e.path).to_string();
        while dir != "/" && !self.entries.contains_key(dir.as_str()) {
            self.entries.insert(entry(&dir, EntryKind::Dir, e.layer));
            dir = crate::verify::fs::parent(&dir).to_string();
        }
        if let Some(old) = self.entries.remove(&e.path) {
            self.hidden.push(ShippedEntry {
                entry: old,
                hidden: Hidden::Overwritten { by_layer: e.layer },
            });
        }
        self.entries.insert(e);
    }

    pub fn build(self) -> MergedTree {
        MergedTree {
            entries: self.entries,
            hidden: self.hidden,
        }
    }

    pub fn max_layer(&self) -> usize {
        self.entries
            .values()
            .map(|e| e.layer)
            .chain(self.hidden.iter().map(|h| h.entry.layer))
            .max()
            .unwrap_or(0)
            .max(self.layer)
    }
}

/// A stable, realistic-looking digest of `text`.
pub fn digest(text: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// An image: a tree plus a config.
pub struct ImageBuilder {
    pub tree: TreeBuilder,
    config: Value,
    name: String,
}

impl ImageBuilder {
    pub fn new(name: &str) -> Self {
        ImageBuilder {
            tree: TreeBuilder::new(),
            config: json!({
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": []},
                "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
            }),
            name: name.to_string(),
        }
    }

    fn cfg(&mut self) -> &mut serde_json::Map<String, Value> {
        self.config["config"]
            .as_object_mut()
            .expect("config object built above")
    }

    pub fn user(mut self, user: &str) -> Self {
        self.cfg().insert("User".into(), json!(user));
        self
    }

    pub fn cmd(mut self, argv: &[&str]) -> Self {
        self.cfg().insert("Cmd".into(), json!(argv));
        self
    }

    pub fn entrypoint(mut self, argv: &[&str]) -> Self {
        self.cfg().insert("Entrypoint".into(), json!(argv));
        self
    }

    pub fn rename(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// Removes a key (`User`, `Cmd`, ...) from the config.
    pub fn without(mut self, key: &str) -> Self {
        self.cfg().remove(key);
        self
    }

    /// Adds `key=value` to the config's `Env`.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        if let Some(env) = self.cfg().get_mut("Env").and_then(Value::as_array_mut) {
            env.push(json!(format!("{key}={value}")));
        }
        self
    }

    pub fn workdir(mut self, dir: &str) -> Self {
        self.cfg().insert("WorkingDir".into(), json!(dir));
        self
    }

    pub fn label(mut self, k: &str, v: &str) -> Self {
        let labels = self
            .cfg()
            .entry("Labels")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("labels object");
        labels.insert(k.into(), json!(v));
        self
    }

    pub fn with(mut self, f: impl FnOnce(TreeBuilder) -> TreeBuilder) -> Self {
        self.tree = f(self.tree);
        self
    }

    pub fn build(self) -> Image {
        let layers = self.tree.max_layer() + 1;
        let config: oci_spec::image::ImageConfiguration =
            serde_json::from_value(self.config).expect("test config is valid");
        Image {
            source: PathBuf::from(format!("{}.tar", self.name)),
            format: ArchiveFormat::DockerArchive,
            names: vec![format!("localhost/{}:latest", self.name)],
            platform: "linux/amd64".into(),
            other_platforms: Vec::new(),
            manifest_digest: Some(digest(&format!("{} manifest", self.name))),
            config_digest: digest(&format!("{} config", self.name)),
            config,
            layers: (0..layers)
                .map(|i| Layer {
                    digest: digest(&format!("layer {i}")),
                    diff_id: None,
                    media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
                    compression: "gzip".into(),
                    size: 1000,
                    entries: 10,
                    created_by: Some(format!("RUN step {i}")),
                })
                .collect(),
            tree: self.tree.build(),
            captures_skipped: 0,
        }
    }
}

/// A Debian/Node base: passwd, group, node and its bundled npm/corepack, yarn, the entrypoint
/// script of the official image. Layer 0.
pub fn node_base(t: TreeBuilder) -> TreeBuilder {
    t.layer(0)
        .file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\n")
        .file("/etc/group", "root:x:0:\nnode:x:1000:\n")
        .files(&["/bin/sh", "/bin/bash", "/usr/bin/env", "/usr/lib/x86_64-linux-gnu/libc.so.6"])
        .exe("/usr/local/bin/node", "\x7fELF")
        .files(&[
            "/usr/local/lib/node_modules/npm/package.json",
            "/usr/local/lib/node_modules/npm/bin/npm-cli.js",
            "/usr/local/lib/node_modules/corepack/package.json",
            "/usr/local/include/node/node.h",
            "/opt/yarn-v1.22.22/bin/yarn.js",
        ])
        .symlink("/usr/local/bin/npm", "../lib/node_modules/npm/bin/npm-cli.js")
        .symlink("/usr/local/bin/npx", "../lib/node_modules/npm/bin/npx-cli.js")
        .symlink("/usr/local/bin/corepack", "../lib/node_modules/corepack/dist/corepack.js")
        .symlink("/usr/local/bin/yarn", "/opt/yarn-v1.22.22/bin/yarn")
        .exe(
            "/usr/local/bin/docker-entrypoint.sh",
            "#!/bin/sh\nset -e\n\nif [ \"${1#-}\" != \"${1}\" ] || [ -z \"$(command -v \"${1}\")\" ] || { [ -f \"${1}\" ] && ! [ -x \"${1}\" ]; }; then\n  set -- node \"$@\"\nfi\n\nexec \"$@\"\n",
        )
}
