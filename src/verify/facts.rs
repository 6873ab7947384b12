//! What the rules look at, read once from an [`Image`]: the run-time part of its config, its
//! users and groups, and every `package.json` it ships (visible or hidden by a later layer).
//! Parsing here is lenient: an image's files are evidence, not input, so a file that does not
//! parse is simply not evidence (it never aborts the check).
//! Nothing here reads the disk or judges: the facts come from the read image, the rules judge.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fs::{self, Fs};
use crate::image::{EntryKind, EntryRef, Hidden, Image};

/// The parts of the image config that say how the container runs.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub user: Option<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub env: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
}

impl RuntimeConfig {
    pub fn from_image(image: &Image) -> RuntimeConfig {
        Self::from_config(&image.config)
    }

    pub fn from_config(config: &oci_spec::image::ImageConfiguration) -> RuntimeConfig {
        let Some(c) = config.config() else {
            return RuntimeConfig::default();
        };
        RuntimeConfig {
            user: c.user().clone().filter(|u| !u.trim().is_empty()),
            entrypoint: c.entrypoint().clone().unwrap_or_default(),
            cmd: c.cmd().clone().unwrap_or_default(),
            working_dir: c.working_dir().clone().filter(|w| !w.is_empty()),
            env: c
                .env()
                .iter()
                .flatten()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.into(), v.into())))
                .collect(),
            labels: c
                .labels()
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    pub fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `PATH` as the container sees it (Docker's default when unset).
    pub fn path_dirs(&self) -> Vec<String> {
        self.env("PATH")
            .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .split(':')
            .filter(|d| d.starts_with('/'))
            .map(fs::normalize)
            .collect()
    }

    pub fn workdir(&self) -> String {
        self.working_dir
            .as_deref()
            .map(fs::normalize)
            .unwrap_or_else(|| "/".into())
    }

    /// Entrypoint followed by Cmd: what the container runs.
    pub fn argv(&self) -> Vec<String> {
        self.entrypoint
            .iter()
            .chain(self.cmd.iter())
            .cloned()
            .collect()
    }
}

pub use super::users::{parse_group, parse_passwd, GroupEntry, PasswdEntry};

/// A `version` as node-semver's `clean` gives it: trimmed, a leading `v` or `=` dropped when
/// a version number follows (what npm and pnpm record); anything else as written.
pub fn clean_version(raw: &str) -> String {
    let trimmed = raw.trim();
    let bare = trimmed.trim_start_matches(['=', 'v']).trim_start();
    if bare.starts_with(|c: char| c.is_ascii_digit()) {
        bare.to_string()
    } else {
        trimmed.to_string()
    }
}

/// A `package.json` found in the image.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The folder holding it.
    pub dir: String,
    pub name: Option<String>,
    /// `version`, as npm and pnpm read it: semver's `clean` drops a leading `v` or `=`
    /// (redlock 5.0.0-beta.2 publishes `"version": "v5.0.0-beta.2"`, which pnpm-lock.yaml
    /// records as `5.0.0-beta.2`).
    pub version: Option<String>,
    pub dependencies: Vec<(String, String)>,
    pub optional: Vec<(String, String)>,
    pub peer: Vec<(String, String)>,
    pub dev: Vec<(String, String)>,
    /// Top-level folders its entry points (`main`, `module`, `types`, `exports`, `bin`) and
    /// `files` name: the package's shipped output.
    pub output_dirs: Vec<String>,
    /// Entry points as written (relative to `dir`).
    pub entry_points: Vec<String>,
    /// A workspace root manifest (npm/yarn `workspaces`).
    pub workspaces: bool,
    pub layer: usize,
    /// Set when a later layer hid this manifest.
    pub hidden: Option<Hidden>,
    pub in_node_modules: bool,
}

impl Manifest {
    pub fn path(&self) -> String {
        fs::join(&self.dir, "package.json")
    }

    /// Dependencies needed at run time (dependencies, optional, peer).
    pub fn runtime_deps(&self) -> impl Iterator<Item = &(String, String)> {
        self.dependencies
            .iter()
            .chain(self.optional.iter())
            .chain(self.peer.iter())
    }

    /// Parses `package.json` text; None when it is not a JSON object.
    pub fn parse(dir: &str, text: &str) -> Option<Manifest> {
        // A byte order mark (Windows editors) is skipped, as Node and npm skip it.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let v: Value = serde_json::from_str(text).ok()?;
        let obj = v.as_object()?;
        let deps = |key: &str| -> Vec<(String, String)> {
            obj.get(key)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut entry_points = Vec::new();
        for key in ["main", "module", "types", "typings", "browser"] {
            if let Some(s) = obj.get(key).and_then(Value::as_str) {
                entry_points.push(s.to_string());
            }
        }
        if let Some(exports) = obj.get("exports") {
            collect_strings(exports, &mut entry_points);
        }
        match obj.get("bin") {
            Some(Value::String(s)) => entry_points.push(s.clone()),
            Some(Value::Object(m)) => {
                entry_points.extend(m.values().filter_map(Value::as_str).map(String::from))
            }
            _ => {}
        }
        let mut output_dirs: Vec<String> = entry_points.iter().filter_map(|p| top_dir(p)).collect();
        if let Some(files) = obj.get("files").and_then(Value::as_array) {
            // `files` names folders directly (`"dist"`), or paths in them.
            output_dirs.extend(
                files
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(|f| f.trim_start_matches("./").split('/').next())
                    .filter(|f| !f.is_empty() && !f.contains('*') && *f != "..")
                    .map(String::from),
            );
        }
        output_dirs.sort();
        output_dirs.dedup();
        Some(Manifest {
            dir: dir.to_string(),
            name: obj.get("name").and_then(Value::as_str).map(String::from),
            version: obj
                .get("version")
                .and_then(Value::as_str)
                .map(clean_version),
            dependencies: deps("dependencies"),
            optional: deps("optionalDependencies"),
            peer: deps("peerDependencies"),
            dev: deps("devDependencies"),
            output_dirs,
            entry_points,
            workspaces: obj.contains_key("workspaces"),
            layer: 0,
            hidden: None,
            in_node_modules: fs::in_node_modules(dir),
        })
    }
}

/// Every string in a JSON value (the targets of an `exports` map).
fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// The first folder of a package-relative path (`./dist/index.js` -> `dist`); None for a file
/// at the package root or a glob at the top.
fn top_dir(p: &str) -> Option<String> {
    let p = p.trim_start_matches("./");
    let mut parts = p.split('/').filter(|s| !s.is_empty() && *s != ".");
    let first = parts.next()?;
    parts.next()?;
    if first.contains('*') || first == ".." {
        return None;
    }
    Some(first.to_string())
}

/// One entry the image ships: visible, or hidden by a later layer.
#[derive(Clone, Copy)]
pub struct Shipped<'a> {
    pub entry: EntryRef<'a>,
    pub hidden: Option<Hidden>,
}

/// Everything read from one image that the rules share.
pub struct Facts<'a> {
    pub image: &'a Image,
    pub fs: Fs<'a>,
    pub config: RuntimeConfig,
    /// None when the image has no readable /etc/passwd.
    pub passwd: Option<Vec<PasswdEntry>>,
    pub group: Option<Vec<GroupEntry>>,
    /// Visible manifests by folder.
    pub manifests: BTreeMap<String, Manifest>,
    /// Manifests that only hidden layers hold (their folder has no visible manifest).
    pub hidden_manifests: Vec<Manifest>,
    homes: Vec<String>,
    path_dirs: Vec<String>,
    /// Files the OS package manager installed (dpkg's or apk's database lists them), with the
    /// latest layer of a database file naming them.
    os_files: std::collections::HashMap<String, usize>,
    /// Folders holding a `Cargo.toml` file, visible or hidden (a crate folder copied in).
    pub crate_dirs: std::collections::HashSet<String>,
}

impl<'a> Facts<'a> {
    pub fn new(image: &'a Image) -> Facts<'a> {
        let fs = Fs::new(&image.tree);
        let passwd = fs.text("/etc/passwd").map(|t| parse_passwd(&t));
        let group = fs.text("/etc/group").map(|t| parse_group(&t));
        let (manifests, hidden_manifests, crate_dirs) = manifests_and_crates(image);
        let mut facts = Facts {
            image,
            fs,
            config: RuntimeConfig::from_image(image),
            passwd,
            group,
            manifests,
            hidden_manifests,
            homes: Vec::new(),
            path_dirs: Vec::new(),
            os_files: Default::default(),
            crate_dirs,
        };
        facts.os_files = facts.read_os_files();
        facts.homes = facts.find_homes();
        facts.path_dirs = facts.config.path_dirs();
        facts
    }

    /// Home directories of the image's users, plus `/root` and `/home/*`.
    pub fn homes(&self) -> &[String] {
        &self.homes
    }

    /// The container's `PATH` folders.
    pub fn path_dirs(&self) -> &[String] {
        &self.path_dirs
    }

    /// Every entry the image ships: the visible ones, then the hidden ones in layer order.
    pub fn shipped(&self) -> impl Iterator<Item = Shipped<'a>> + 'a {
        let tree = &self.image.tree;
        tree.entries
            .values()
            .map(|entry| Shipped {
                entry,
                hidden: None,
            })
            .chain(tree.hidden.iter().map(|h| Shipped {
                entry: h.entry.view(),
                hidden: Some(h.hidden),
            }))
    }

    /// Whether the OS package manager put `entry` there: a package database names its path (or
    /// it is an update-alternatives link in an image with a package database, or
    /// the other side of a merged-/usr link: dpkg may list `/bin/x` for `/usr/bin/x`) and no
    /// later layer than the database's wrote it (a `COPY` over an OS file makes it the image's
    /// own). Name-based rules skip these files: a distribution's program named like a service
    /// is not that service.
    pub fn os_owned(&self, entry: EntryRef) -> bool {
        if self.os_files.is_empty() {
            return false;
        }
        // Debian's update-alternatives links (`/usr/bin/pager -> /etc/alternatives/pager`) are
        // no package's file but the OS's all the same.
        if entry.kind == EntryKind::Symlink
            && (fs::is_within(entry.path, "/etc/alternatives")
                || entry
                    .link_target()
                    .is_some_and(|t| t.starts_with("/etc/alternatives/")))
        {
            return true;
        }
        let path = entry.path;
        let alias = match path.strip_prefix("/usr") {
            Some(rest) if MERGED_USR.iter().any(|d| fs::is_within(rest, d)) => {
                Some(rest.to_string())
            }
            Some(_) => None,
            None => MERGED_USR
                .iter()
                .any(|d| fs::is_within(path, d))
                .then(|| format!("/usr{path}")),
        };
        std::iter::once(path).chain(alias.as_deref()).any(|p| {
            self.os_files
                .get(p)
                .is_some_and(|&layer| layer >= entry.layer)
        })
    }

    fn read_os_files(&self) -> std::collections::HashMap<String, usize> {
        let mut files = std::collections::HashMap::new();
        let mut add = |path: String, layer: usize| {
            let slot = files.entry(fs::normalize(&path)).or_insert(layer);
            *slot = (*slot).max(layer);
        };
        for s in self.shipped() {
            let e = s.entry;
            // Most entries have no captured content: that test first.
            let Some(content) = e.content() else {
                continue;
            };
            if !is_package_db(e.path) {
                continue;
            }
            let text = String::from_utf8_lossy(content);
            if e.path.ends_with(".list") {
                // dpkg: one absolute path a line.
                for line in text.lines().filter(|l| l.starts_with('/')) {
                    add(line.to_string(), e.layer);
                }
            } else if e.path.ends_with(".md5sums") {
                // distroless's status.d: `<md5>  <path relative to />`.
                for line in text.lines() {
                    if let Some((_, p)) = line.split_once("  ") {
                        add(format!("/{}", p.trim()), e.layer);
                    }
                }
            } else {
                // apk: `F:<folder>` then `R:<file>` lines for each of its files.
                let mut folder = String::new();
                for line in text.lines() {
                    if let Some(f) = line.strip_prefix("F:") {
                        folder = f.to_string();
                    } else if let Some(r) = line.strip_prefix("R:") {
                        add(format!("/{folder}/{r}"), e.layer);
                    } else if line.is_empty() {
                        folder.clear();
                    }
                }
            }
        }
        files
    }

    fn find_homes(&self) -> Vec<String> {
        let mut homes: Vec<String> = self
            .passwd
            .iter()
            .flatten()
            .map(|p| fs::normalize(&p.home))
            .filter(|h| h != "/" && !h.starts_with("/nonexistent"))
            .collect();
        homes.push("/root".into());
        homes.extend(
            self.fs
                .children("/home")
                .into_iter()
                .map(|c| format!("/home/{c}")),
        );
        homes.sort();
        homes.dedup();
        homes
    }
}

/// Top-level folders that merged-/usr systems keep under `/usr` (with a link at `/`).
const MERGED_USR: &[&str] = &["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/// The package manager databases that say which files the OS installed: dpkg's
/// `/var/lib/dpkg/info/<pkg>.list`, distroless's `/var/lib/dpkg/status.d/<pkg>.md5sums`, apk's
/// `installed`. The image reader captures them for [`Facts::os_owned`].
pub fn is_package_db(path: &str) -> bool {
    if path.starts_with("/var/lib/dpkg/") {
        let parent = fs::parent(path);
        return (parent == "/var/lib/dpkg/info" && path.ends_with(".list"))
            || (parent == "/var/lib/dpkg/status.d" && path.ends_with(".md5sums"));
    }
    path == "/lib/apk/db/installed" || path == "/usr/lib/apk/db/installed"
}

/// Visible manifests by folder, manifests only hidden layers hold (in layer order), and the
/// folders holding a `Cargo.toml` file: one pass over every shipped entry.
fn manifests_and_crates(
    image: &Image,
) -> (
    BTreeMap<String, Manifest>,
    Vec<Manifest>,
    std::collections::HashSet<String>,
) {
    let mut manifests = BTreeMap::new();
    let mut hidden_manifests = Vec::new();
    let mut crate_dirs = std::collections::HashSet::new();
    let tree = &image.tree;
    let visible = tree.entries.values().map(|e| (e, None));
    let hidden = tree.hidden.iter().map(|h| (h.entry.view(), Some(h.hidden)));
    for (e, hid) in visible.chain(hidden) {
        if !matches!(e.kind, EntryKind::File | EntryKind::HardLink) {
            continue;
        }
        match fs::basename(e.path) {
            "package.json" => match (manifest_of(e, hid), hid) {
                (Some(m), None) => {
                    manifests.insert(m.dir.clone(), m);
                }
                (Some(m), Some(_)) => hidden_manifests.push(m),
                (None, _) => {}
            },
            "Cargo.toml" => {
                crate_dirs.insert(fs::parent(e.path).to_string());
            }
            _ => {}
        }
    }
    (manifests, hidden_manifests, crate_dirs)
}

fn manifest_of(e: EntryRef, hidden: Option<Hidden>) -> Option<Manifest> {
    if fs::basename(e.path) != "package.json"
        || !matches!(e.kind, EntryKind::File | EntryKind::HardLink)
    {
        return None;
    }
    let text = String::from_utf8_lossy(e.content()?);
    let mut m = Manifest::parse(fs::parent(e.path), &text)?;
    m.layer = e.layer;
    m.hidden = hidden;
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_output_dirs_from_entry_points_and_files() {
        let m = Manifest::parse(
            "/app/packages/shared",
            r#"{"name":"@acme/shared","version":"1.2.0","main":"./lib/index.js",
                "types":"types/index.d.ts","exports":{".":{"import":"./esm/index.mjs"}},
                "files":["dist","README.md"],"dependencies":{"zod":"^3"},
                "devDependencies":{"typescript":"^5"}}"#,
        )
        .unwrap();
        assert_eq!(
            m.output_dirs,
            vec!["README.md", "dist", "esm", "lib", "types"]
        );
        assert_eq!(m.name.as_deref(), Some("@acme/shared"));
        assert_eq!(m.dev[0].0, "typescript");
        assert!(Manifest::parse("/x", "[1]").is_none());
        assert!(Manifest::parse("/x", "{").is_none());
        // Node and npm skip a byte order mark; so does verify.
        let m = Manifest::parse(
            "/app/services/api",
            "\u{feff}{\"name\":\"api\",\"dependencies\":{\"@x/lib\":\"workspace:*\"}}",
        )
        .unwrap();
        assert_eq!(m.dependencies[0].1, "workspace:*");
    }
}
