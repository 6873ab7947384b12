//! Which manifests make up the workspace, in cargo's order: the root package, the `members`
//! globs (minus `exclude`), `[patch]` path crates, then every path dependency found while
//! reading those (a worklist), and `default-members`. Each manifest is read and parsed once into
//! a [`Loaded`]; the [`Loader`] keeps them for the later steps.
//!
//! It reads `Cargo.toml` files and lists folders; it never interprets targets or features, and
//! never follows a symbolic link into a package (the build context would not carry it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use super::manifest::{parse_manifest, read, DepTable, Manifest, TomlPackage, TomlWorkspace};
use super::paths::{display_dir, join_rel, normalize};
use super::submodules::submodule_hint;
use super::{deps::outside_message, MANIFEST};
use crate::error::{line_col, Error, Result};

/// A parsed manifest and where it came from.
pub(super) struct Loaded {
    /// Package folder relative to the root (`""` for the root).
    pub(super) dir: String,
    /// Manifest relative to the root.
    pub(super) manifest_rel: String,
    pub(super) text: String,
    pub(super) manifest: Manifest,
    pub(super) member: bool,
}

impl Loaded {
    pub(super) fn package(&self) -> Option<&TomlPackage> {
        self.manifest
            .package
            .as_ref()
            .or(self.manifest.project.as_ref())
    }
}

/// Every manifest of the workspace, read, with the root's `[workspace]` table.
pub(super) struct Loader {
    pub(super) root: PathBuf,
    pub(super) root_text: String,
    pub(super) workspace: TomlWorkspace,
    pub(super) loaded: Vec<Loaded>,
    pub(super) by_dir: HashMap<String, usize>,
    /// `default-members`, as folders.
    pub(super) default_members: Vec<String>,
    /// Folders of `[patch]` entries with a `path`.
    pub(super) patches: Vec<String>,
}

impl Loader {
    pub(super) fn load(root: &Path) -> Result<Loader> {
        let root_path = root.join(MANIFEST);
        let root_text = read(&root_path)?;
        let mut root_manifest: Manifest = parse_manifest(&root_text, &root_path)?;
        let workspace = root_manifest.workspace.take().unwrap_or_default();
        let patch = std::mem::take(&mut root_manifest.patch);
        let has_root_package = root_manifest.package.is_some() || root_manifest.project.is_some();
        let mut loader = Loader {
            root: root.to_path_buf(),
            root_text: root_text.clone(),
            workspace,
            loaded: Vec::new(),
            by_dir: HashMap::new(),
            default_members: Vec::new(),
            patches: Vec::new(),
        };
        if has_root_package {
            loader.push(Loaded {
                dir: String::new(),
                manifest_rel: MANIFEST.to_string(),
                text: root_text,
                manifest: root_manifest,
                member: true,
            });
        }
        loader.load_members()?;
        loader.load_patches(&patch)?;
        loader.follow_path_deps()?;
        loader.load_default_members()?;
        Ok(loader)
    }

    fn load_members(&mut self) -> Result<()> {
        for pattern in self.workspace.members.clone().unwrap_or_default() {
            for dir in self.expand_members(&pattern)? {
                if !self.by_dir.contains_key(&dir) {
                    let loaded = self.read_member(&dir, &pattern, true)?;
                    self.push(loaded);
                }
            }
        }
        Ok(())
    }

    /// `[patch.<registry>] name = { path = ".." }` replaces a registry crate with a local one:
    /// not a member (cargo does not make it one), but a package every build may need.
    fn load_patches(&mut self, patch: &std::collections::BTreeMap<String, DepTable>) -> Result<()> {
        let root_manifest = self.root.join(MANIFEST);
        for (key, value) in patch.values().flatten() {
            let toml::Value::Table(table) = value.get_ref() else {
                continue;
            };
            let Some(p) = table.get("path").and_then(|p| p.as_str()) else {
                continue;
            };
            let at = line_col(&self.root_text, value.span().start);
            let dir = normalize("", p).ok_or_else(|| {
                Error::workspace_at(&root_manifest, at.clone(), outside_message(key, p))
            })?;
            if !self.by_dir.contains_key(&dir) {
                if !crate::fsio::is_file(self.root.join(&dir).join(MANIFEST)) {
                    return Err(Error::workspace_at(
                        &root_manifest,
                        at,
                        format!(
                            "[patch] `{key}` points at `{}`, which has no {MANIFEST}{}",
                            display_dir(&dir),
                            submodule_hint(&self.root, &dir)
                        ),
                    ));
                }
                let loaded = self.read_manifest_at(&dir, false)?;
                self.push(loaded);
            }
            self.patches.push(dir);
        }
        Ok(())
    }

    /// Path dependencies: a worklist, since a newly found package may have its own.
    fn follow_path_deps(&mut self) -> Result<()> {
        let mut next = 0;
        while next < self.loaded.len() {
            for dep in self.deps_of(next)? {
                let Some(dir) = dep.path else { continue };
                if self.by_dir.contains_key(&dir) {
                    continue;
                }
                let from = &self.loaded[next];
                if !crate::fsio::is_file(self.root.join(&dir).join(MANIFEST)) {
                    return Err(Error::workspace_at(
                        self.root.join(&from.manifest_rel),
                        line_col(&from.text, dep.span.start),
                        format!(
                            "path dependency `{}` points at `{}`, which has no {MANIFEST}{}",
                            dep.key,
                            display_dir(&dir),
                            submodule_hint(&self.root, &dir)
                        ),
                    ));
                }
                let member = !self.is_excluded(&dir);
                let loaded = self.read_manifest_at(&dir, member)?;
                self.push(loaded);
            }
            next += 1;
        }
        Ok(())
    }

    fn load_default_members(&mut self) -> Result<()> {
        let Some(defaults) = self.workspace.default_members.clone() else {
            return Ok(());
        };
        for pattern in defaults {
            for dir in self.expand_members(&pattern)? {
                if !self.by_dir.contains_key(&dir) {
                    return Err(Error::workspace(
                        self.root.join(MANIFEST),
                        format!(
                            "default-members entry `{pattern}` names `{}`, which is not a \
                             workspace member",
                            display_dir(&dir)
                        ),
                    ));
                }
                self.default_members.push(dir);
            }
        }
        Ok(())
    }

    fn push(&mut self, loaded: Loaded) {
        self.by_dir.insert(loaded.dir.clone(), self.loaded.len());
        self.loaded.push(loaded);
    }

    /// The member folders one `members` (or `default-members`) entry names, sorted.
    fn expand_members(&self, pattern: &str) -> Result<Vec<String>> {
        let root_manifest = self.root.join(MANIFEST);
        let Some(norm) = normalize("", pattern) else {
            return Err(Error::workspace(
                &root_manifest,
                format!("workspace member `{pattern}` is outside the workspace root"),
            ));
        };
        if !is_glob(&norm) {
            return Ok(vec![norm]);
        }
        let matcher = GlobBuilder::new(&norm)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                Error::workspace(
                    &root_manifest,
                    format!("workspace member pattern `{pattern}` is not a valid glob: {e}"),
                )
            })?
            .compile_matcher();
        let mut found: Vec<String> = glob_dirs(&self.root, &norm, &matcher)
            .into_iter()
            .filter(|dir| !self.is_excluded(dir))
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(Error::workspace(
                &root_manifest,
                format!("workspace member pattern `{pattern}` matches no folder"),
            ));
        }
        Ok(found)
    }

    /// Whether `dir` is at or under an `exclude` path and not at or under a `members` entry
    /// taken as a path (cargo's `is_excluded`: an "explicit member" is any entry the folder
    /// is at or under, so `members = ["."]` excludes nothing, and a glob entry, not being a
    /// folder, never counts).
    fn is_excluded(&self, dir: &str) -> bool {
        let under = |entry: &String| {
            normalize("", entry)
                .is_some_and(|e| e.is_empty() || dir == e || dir.starts_with(&format!("{e}/")))
        };
        let explicit = self.workspace.members.iter().flatten().any(under);
        !explicit && self.workspace.exclude.iter().any(under)
    }

    fn read_member(&self, dir: &str, pattern: &str, member: bool) -> Result<Loaded> {
        let manifest_path = self.root.join(dir).join(MANIFEST);
        if !crate::fsio::is_file(&manifest_path) {
            return Err(Error::workspace(
                self.root.join(MANIFEST),
                format!(
                    "workspace member `{}` (from members entry `{pattern}`) has no {MANIFEST}: \
                     expected {}{}",
                    display_dir(dir),
                    manifest_path.display(),
                    submodule_hint(&self.root, dir)
                ),
            ));
        }
        self.read_manifest_at(dir, member)
    }

    fn read_manifest_at(&self, dir: &str, member: bool) -> Result<Loaded> {
        let manifest_rel = join_rel(dir, MANIFEST);
        let path = self.root.join(&manifest_rel);
        self.refuse_symlinked(dir, &path)?;
        let text = read(&path)?;
        let manifest = parse_manifest(&text, &path)?;
        if manifest.package.is_none() && manifest.project.is_none() {
            return Err(Error::workspace(
                &path,
                if manifest.workspace.is_some() {
                    "this is a workspace root of its own (a virtual manifest), not a package; \
                     add its folder to `exclude` in the root Cargo.toml or remove it from \
                     `members`"
                        .to_string()
                } else {
                    "no [package] table: a workspace member must be a package".to_string()
                },
            ));
        }
        if manifest.workspace.is_some() && member {
            return Err(Error::workspace(
                &path,
                format!(
                    "has its own [workspace] but is also a member of the workspace at {}; \
                     cargo refuses nested workspace roots: add its folder to `exclude`",
                    self.root.join(MANIFEST).display()
                ),
            ));
        }
        Ok(Loaded {
            dir: dir.to_string(),
            manifest_rel,
            text,
            manifest,
            member,
        })
    }

    /// Cargo follows a symlinked package folder; a build context does not carry the folder
    /// behind the link (the ignore file lets only the listed paths in), so the image build
    /// would miss the package and `cargo build --locked` would fail there.
    fn refuse_symlinked(&self, dir: &str, path: &Path) -> Result<()> {
        let mut prefix = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            prefix = join_rel(&prefix, part);
            let link = self.root.join(&prefix);
            if crate::fsio::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()) {
                let target = crate::fsio::read_link(&link)
                    .map(|t| format!(" -> {}", t.display()))
                    .unwrap_or_default();
                return Err(Error::workspace(
                    path,
                    format!(
                        "package folder `{dir}` is reached through the symbolic link \
                         `{prefix}`{target}; the generated Dockerfiles copy folders from the \
                         build context, which does not follow links: name the real folder in \
                         the workspace (members or the path dependency) instead of the link"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// Folders under `root` matching `pattern` (already normalized), relative to the root. The walk
/// starts at the pattern's literal prefix and goes no deeper than the pattern unless it has `**`.
fn glob_dirs(root: &Path, pattern: &str, matcher: &GlobMatcher) -> Vec<String> {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal = parts.iter().take_while(|p| !is_glob(p)).count();
    let prefix = parts[..literal].join("/");
    let deep = parts.iter().any(|p| p.contains("**"));
    let mut walk = crate::fsio::walk(root.join(&prefix)).min_depth(1);
    if !deep {
        walk = walk.max_depth(parts.len() - literal);
    }
    let walk = walk.into_iter().filter_entry(|e| {
        // `**` must not wander into build output or other ecosystems' trees.
        !(deep
            && matches!(
                e.file_name().to_str(),
                Some("target" | "node_modules" | ".git")
            ))
    });
    crate::fsio::walked_all(walk)
        .filter_map(|e| e.ok())
        // A symlinked folder matches too (cargo follows it); loading it then says why it
        // cannot be built.
        .filter(|e| {
            e.file_type().is_dir() || (e.path_is_symlink() && crate::fsio::is_dir(e.path()))
        })
        .filter_map(|e| {
            let rel = e.path().strip_prefix(root).ok()?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<Vec<_>>>()?
                .join("/");
            matcher.is_match(&rel).then_some(rel)
        })
        .collect()
}
