//! Cargo workspaces, read the way cargo reads them but without running cargo (generate must
//! work on a machine with no Rust toolchain): the root `Cargo.toml`'s `[workspace]` (`members`
//! globs, `exclude`, `default-members`, `[workspace.dependencies]`, `[workspace.package]`), every
//! member's manifest, the path dependencies between members, and each member's targets
//! (library, binaries, build script, explicitly declared examples/tests/benches).
//!
//! Rules followed from cargo (checked against `cargo metadata --no-deps` in the tests):
//! - `members` entries are glob patterns (`*`, `?`, `[..]`, `**`) relative to the root; a glob
//!   only matches directories. A member without a `Cargo.toml`, or a pattern that matches
//!   nothing, is an error (cargo errors on both).
//! - `exclude` entries are *paths*, not globs: everything at or under an excluded path is left
//!   out of glob-expanded members. A `members` entry at or above a folder wins over `exclude`
//!   (so `"."` excludes nothing).
//! - A root manifest with `[package]` is itself a member; one without is a virtual manifest. A
//!   root `Cargo.toml` with `[package]` and no `[workspace]` is a workspace of one package.
//! - Path dependencies (normal, dev, build, target-specific; direct or through
//!   `[workspace.dependencies]` with `workspace = true`) that live under the root become members
//!   unless excluded; excluded ones are still packages the build needs. A path dependency outside
//!   the root is an error: the root is the Docker build context, nothing outside it can be copied.
//! - Binaries: `src/main.rs` (named after the package), `src/bin/*.rs`, `src/bin/*/main.rs`, and
//!   `[[bin]]` tables (custom name and path; one without a path finds its file by name).
//!   `autobins = false` turns inference off; in edition 2015 declaring any `[[bin]]` does too.
//!
//! Default service rule: every binary target of every workspace member is a service, named after
//! the binary, except the members of a package called `xtask` (the cargo-xtask convention for
//! developer tasks). `[workspace] not_services` removes services from that default;
//! `[workspace] services` replaces it. Both lists hold binary names, package names, member
//! folders or folder names (globs allowed); a package name or folder stands for all of that
//! package's binaries.
//!
//! This module reads manifests and looks at which target files exist. It never runs cargo,
//! never resolves the registry, and never writes anything.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{graph, DepKind, Ecosystem, InternalDep, Package, Service, Workspace, WorkspaceConfig};
use crate::error::{line_col, Error, Result};

/// The manifest file name.
pub const MANIFEST: &str = "Cargo.toml";
/// The lockfile next to the root manifest.
pub const LOCKFILE: &str = "Cargo.lock";

/// Files at the workspace root (besides the manifest and lockfile) that change what a build
/// does, and so must be in the build stage when they exist.
const ROOT_BUILD_FILES: &[&str] = &[
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// Package names the default service rule skips.
const NOT_SERVICES_BY_DEFAULT: &[&str] = &["xtask"];

/// Workspace-level Cargo facts the generator needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoWorkspace {
    /// The root manifest, relative to the workspace root (`Cargo.toml`).
    pub manifest: String,
    /// `Cargo.lock` when it exists (relative to the workspace root).
    pub lockfile: Option<String>,
    /// The root package, when the root manifest has `[package]` (index into the packages).
    pub root_package: Option<usize>,
    /// Every member, in discovery order (root package, then `members` order, then path
    /// dependencies); indices into [`Workspace::packages`].
    pub members: Vec<usize>,
    /// `default-members`, when given (indices into the packages).
    pub default_members: Vec<usize>,
    /// Every Cargo package the workspace builds: the members plus excluded path dependencies.
    pub packages: Vec<usize>,
    /// Packages that replace registry crates through `[patch]` with a `path`: built as
    /// dependencies, so their real sources belong with the dependencies, not with stubs.
    pub patches: Vec<usize>,
    /// Root files that change what a build does and exist here (`.cargo/config.toml`,
    /// `rust-toolchain.toml`, ...), relative to the root.
    pub build_files: Vec<String>,
    /// `build.target` of the workspace's `.cargo/config.toml`: cargo then writes the binaries
    /// under `target/<triple>/` instead of `target/`. The triple, or a target spec file's stem.
    pub build_target: Option<String>,
    /// Folders of local sources the cargo config replaces registries with
    /// (`[source.<name>] directory = "vendor"`, what `cargo vendor` prints), relative to the
    /// root: the dependency build reads them.
    pub vendor_dirs: Vec<String>,
}

/// Per-package Cargo facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CargoPackage {
    /// Whether the package is a workspace member (false: an excluded path dependency).
    pub member: bool,
    /// `package.edition` (inherited or not); `2015` when absent, as cargo does.
    pub edition: String,
    /// `package.rust-version`, when given.
    pub rust_version: Option<String>,
    /// `package.description`, when given.
    pub description: Option<String>,
    /// The library target, if any.
    pub lib: Option<Target>,
    /// Binary targets, in manifest order (explicit `[[bin]]` first, then inferred ones).
    pub bins: Vec<Target>,
    /// The build script, relative to the package folder.
    pub build_script: Option<String>,
    /// Explicitly declared examples, tests and benches: cargo wants their files to exist when
    /// it loads the manifest, so a dependency-only build needs stubs for them.
    pub declared_targets: Vec<Target>,
    /// The features `--features` accepts for this package: the `[features]` table's names and
    /// the implicit feature of each optional dependency that no feature names as `dep:<name>`.
    pub features: Vec<String>,
    /// For the package at the workspace root: the top-level files and folders that are its own
    /// (see [`root_package_entries`]), sorted. Empty for every other package, whose folder is
    /// its own whole.
    pub root_entries: Vec<String>,
}

impl CargoPackage {
    /// The binary target called `name`.
    pub fn bin(&self, name: &str) -> Option<&Target> {
        self.bins.iter().find(|b| b.name == name)
    }

    /// Every target file a manifest-only copy of this package needs a stub for, with the kind
    /// of stub: library (empty file) or a program (`fn main() {}`).
    pub fn stub_files(&self) -> Vec<(String, TargetKind)> {
        let mut stubs: Vec<(String, TargetKind)> = Vec::new();
        let mut push = |path: &str, kind: TargetKind| {
            if !stubs.iter().any(|(p, _)| p == path) {
                stubs.push((path.to_string(), kind));
            }
        };
        if let Some(lib) = &self.lib {
            push(&lib.path, TargetKind::Lib);
        }
        for t in self.bins.iter().chain(&self.declared_targets) {
            push(&t.path, t.kind);
        }
        if let Some(build) = &self.build_script {
            push(build, TargetKind::BuildScript);
        }
        stubs
    }
}

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
    BuildScript,
}

/// One target of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    /// The target name (for a library, the crate name with `-` turned into `_`).
    pub name: String,
    /// The root source file, relative to the package folder, `/`-separated.
    pub path: String,
    /// `required-features`: a build of this target must enable them.
    pub required_features: Vec<String>,
    /// A `proc-macro = true` library.
    pub proc_macro: bool,
}

/// Whether `dir` has a `Cargo.toml` that makes it the root of a Cargo workspace: one with
/// `[workspace]`, or a lone `[package]` (a workspace of one). A manifest that does not parse
/// counts too, so that discovery reports the parse error instead of "not a workspace".
pub fn is_workspace_root(dir: &Path) -> bool {
    match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => match text.parse::<toml::Table>() {
            Ok(t) => t.contains_key("workspace") || t.contains_key("package"),
            Err(_) => true,
        },
        Err(_) => false,
    }
}

/// Reads the Cargo workspace at `ws.root` into `ws`: its packages, services and closures.
pub fn discover(ws: &mut Workspace, config: &WorkspaceConfig) -> Result<()> {
    let loader = Loader::load(&ws.root)?;
    let first = ws.packages.len();
    let cargo = loader.into_workspace(ws, first)?;
    select_services(ws, &cargo, config)?;
    ws.cargo = Some(cargo);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Manifest shapes (only the keys isogen needs; cargo's other keys are ignored).

type DepTable = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Manifest {
    package: Option<TomlPackage>,
    /// The pre-1.0 spelling of `[package]`, still accepted by cargo.
    project: Option<TomlPackage>,
    workspace: Option<TomlWorkspace>,
    lib: Option<TomlTarget>,
    bin: Option<Vec<TomlTarget>>,
    example: Option<Vec<TomlTarget>>,
    test: Option<Vec<TomlTarget>>,
    bench: Option<Vec<TomlTarget>>,
    #[serde(default)]
    dependencies: DepTable,
    #[serde(default, alias = "dev_dependencies")]
    dev_dependencies: DepTable,
    #[serde(default, alias = "build_dependencies")]
    build_dependencies: DepTable,
    #[serde(default)]
    target: BTreeMap<String, TomlPlatform>,
    /// `[patch.<registry>]`: only read from the root manifest, where cargo reads it.
    #[serde(default)]
    patch: BTreeMap<String, DepTable>,
    /// `[features]`: the names, to check the features isogen.toml asks for; what each enables,
    /// to refuse what cargo refuses (a feature naming neither a feature nor a dependency).
    #[serde(default)]
    features: BTreeMap<String, Spanned<Vec<String>>>,
    /// `[lints]`: only `workspace = true` matters (it needs `[workspace.lints]`).
    lints: Option<Spanned<toml::Table>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TomlPlatform {
    #[serde(default)]
    dependencies: DepTable,
    #[serde(default, alias = "dev_dependencies")]
    dev_dependencies: DepTable,
    #[serde(default, alias = "build_dependencies")]
    build_dependencies: DepTable,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TomlPackage {
    name: Option<Spanned<String>>,
    version: Option<Inheritable<String>>,
    edition: Option<Inheritable<String>>,
    description: Option<Inheritable<String>>,
    rust_version: Option<Inheritable<String>>,
    build: Option<Spanned<BuildSetting>>,
    autobins: Option<bool>,
    autolib: Option<bool>,
}

/// A `[package]` value that may come from `[workspace.package]` (`version.workspace = true`).
#[derive(Debug)]
enum Inheritable<T> {
    Value(T),
    Inherit { workspace: bool },
}

/// By hand rather than `#[serde(untagged)]`, whose error ("data did not match any variant of
/// untagged enum") names neither what was found nor what is accepted.
impl<'de> Deserialize<'de> for Inheritable<String> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Inheritable<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or `{ workspace = true }`")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(Inheritable::Value(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut workspace = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "workspace" {
                        return Err(serde::de::Error::custom(format!(
                            "unexpected key `{key}`: expected a string or `{{ workspace = true }}`"
                        )));
                    }
                    workspace = Some(map.next_value::<bool>()?);
                }
                let workspace = workspace.ok_or_else(|| {
                    serde::de::Error::custom("expected a string or `{ workspace = true }`")
                })?;
                Ok(Inheritable::Inherit { workspace })
            }
        }
        d.deserialize_any(V)
    }
}

/// `package.build`: `false`, `true` or the script's path.
#[derive(Debug)]
enum BuildSetting {
    Enabled(bool),
    Path(String),
}

impl<'de> Deserialize<'de> for BuildSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BuildSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean or a string (the build script's path)")
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<Self::Value, E> {
                Ok(BuildSetting::Enabled(v))
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(BuildSetting::Path(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TomlTarget {
    name: Option<String>,
    path: Option<Spanned<String>>,
    required_features: Option<Spanned<Vec<String>>>,
    #[serde(alias = "proc_macro")]
    proc_macro: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TomlWorkspace {
    members: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    default_members: Option<Vec<String>>,
    #[serde(default)]
    dependencies: DepTable,
    package: Option<toml::Table>,
    lints: Option<toml::Value>,
}

// ---------------------------------------------------------------------------------------------
// Loading.

/// A parsed manifest and where it came from.
struct Loaded {
    /// Package folder relative to the root (`""` for the root).
    dir: String,
    /// Manifest relative to the root.
    manifest_rel: String,
    text: String,
    manifest: Manifest,
    member: bool,
}

impl Loaded {
    fn package(&self) -> Option<&TomlPackage> {
        self.manifest
            .package
            .as_ref()
            .or(self.manifest.project.as_ref())
    }
}

struct Loader {
    root: PathBuf,
    root_text: String,
    workspace: TomlWorkspace,
    loaded: Vec<Loaded>,
    by_dir: HashMap<String, usize>,
    /// `default-members`, as folders.
    default_members: Vec<String>,
    /// Folders of `[patch]` entries with a `path`.
    patches: Vec<String>,
}

/// A dependency as declared, with the path (when it is a path dependency) made relative to the
/// workspace root.
struct DepDecl {
    key: String,
    /// The real package name (`package = "..."` when renamed, else the key).
    package: String,
    kind: DepKind,
    path: Option<String>,
    spec: String,
    /// `optional = true` (of a normal or a build dependency).
    optional: bool,
    /// Byte span of the declaration in the manifest, for messages.
    span: std::ops::Range<usize>,
}

impl Loader {
    fn load(root: &Path) -> Result<Loader> {
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

        for pattern in loader.workspace.members.clone().unwrap_or_default() {
            for dir in loader.expand_members(&pattern)? {
                if !loader.by_dir.contains_key(&dir) {
                    let loaded = loader.read_member(&dir, &pattern, true)?;
                    loader.push(loaded);
                }
            }
        }

        // `[patch.<registry>] name = { path = ".." }` replaces a registry crate with a local one:
        // not a member (cargo does not make it one), but a package every build may need.
        for (key, value) in patch.values().flatten() {
            let toml::Value::Table(table) = value.get_ref() else {
                continue;
            };
            let Some(p) = table.get("path").and_then(|p| p.as_str()) else {
                continue;
            };
            let dir = normalize("", p).ok_or_else(|| {
                Error::workspace_at(
                    root.join(MANIFEST),
                    line_col(&loader.root_text, value.span().start),
                    outside_message(key, p),
                )
            })?;
            if !loader.by_dir.contains_key(&dir) {
                if !root.join(&dir).join(MANIFEST).is_file() {
                    return Err(Error::workspace_at(
                        root.join(MANIFEST),
                        line_col(&loader.root_text, value.span().start),
                        format!(
                            "[patch] `{key}` points at `{}`, which has no {MANIFEST}",
                            display_dir(&dir)
                        ),
                    ));
                }
                let loaded = loader.read_manifest_at(&dir, false)?;
                loader.push(loaded);
            }
            loader.patches.push(dir);
        }

        // Path dependencies: a worklist, since a newly found package may have its own.
        let mut next = 0;
        while next < loader.loaded.len() {
            for dep in loader.deps_of(next)? {
                let Some(dir) = dep.path else { continue };
                if loader.by_dir.contains_key(&dir) {
                    continue;
                }
                let from = &loader.loaded[next];
                let manifest_path = loader.root.join(&dir).join(MANIFEST);
                if !manifest_path.is_file() {
                    return Err(Error::workspace_at(
                        loader.root.join(&from.manifest_rel),
                        line_col(&from.text, dep.span.start),
                        format!(
                            "path dependency `{}` points at `{}`, which has no {MANIFEST}",
                            dep.key,
                            display_dir(&dir),
                        ),
                    ));
                }
                let member = !loader.is_excluded(&dir);
                let loaded = loader.read_manifest_at(&dir, member)?;
                loader.push(loaded);
            }
            next += 1;
        }

        if let Some(defaults) = loader.workspace.default_members.clone() {
            for pattern in defaults {
                for dir in loader.expand_members(&pattern)? {
                    if !loader.by_dir.contains_key(&dir) {
                        return Err(Error::workspace(
                            root.join(MANIFEST),
                            format!(
                                "default-members entry `{pattern}` names `{}`, which is not a \
                                 workspace member",
                                display_dir(&dir)
                            ),
                        ));
                    }
                    loader.default_members.push(dir);
                }
            }
        }
        Ok(loader)
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
        if !manifest_path.is_file() {
            return Err(Error::workspace(
                self.root.join(MANIFEST),
                format!(
                    "workspace member `{}` (from members entry `{pattern}`) has no {MANIFEST}: \
                     expected {}",
                    display_dir(dir),
                    manifest_path.display()
                ),
            ));
        }
        self.read_manifest_at(dir, member)
    }

    fn read_manifest_at(&self, dir: &str, member: bool) -> Result<Loaded> {
        let manifest_rel = join_rel(dir, MANIFEST);
        let path = self.root.join(&manifest_rel);
        // Cargo follows a symlinked package folder; a build context does not carry the folder
        // behind the link (the ignore file lets only the listed paths in), so the image build
        // would miss the package and `cargo build --locked` would fail there.
        let mut prefix = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            prefix = join_rel(&prefix, part);
            let link = self.root.join(&prefix);
            if link
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                let target = std::fs::read_link(&link)
                    .map(|t| format!(" -> {}", t.display()))
                    .unwrap_or_default();
                return Err(Error::workspace(
                    &path,
                    format!(
                        "package folder `{dir}` is reached through the symbolic link \
                         `{prefix}`{target}; the generated Dockerfiles copy folders from the \
                         build context, which does not follow links: name the real folder in \
                         the workspace (members or the path dependency) instead of the link"
                    ),
                ));
            }
        }
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

    /// Every dependency declaration of loaded package `index`, with `workspace = true` resolved
    /// against `[workspace.dependencies]` and paths made relative to the root.
    fn deps_of(&self, index: usize) -> Result<Vec<DepDecl>> {
        let loaded = &self.loaded[index];
        let m = &loaded.manifest;
        let mut tables: Vec<(&DepTable, DepKind)> = vec![
            (&m.dependencies, DepKind::Normal),
            (&m.dev_dependencies, DepKind::Dev),
            (&m.build_dependencies, DepKind::Build),
        ];
        for platform in m.target.values() {
            tables.push((&platform.dependencies, DepKind::Normal));
            tables.push((&platform.dev_dependencies, DepKind::Dev));
            tables.push((&platform.build_dependencies, DepKind::Build));
        }
        let mut out = Vec::new();
        for (table, kind) in tables {
            for (key, value) in table {
                out.push(self.interpret_dep(loaded, key, value, kind)?);
            }
        }
        Ok(out)
    }

    fn interpret_dep(
        &self,
        loaded: &Loaded,
        key: &str,
        value: &Spanned<toml::Value>,
        kind: DepKind,
    ) -> Result<DepDecl> {
        let manifest_path = self.root.join(&loaded.manifest_rel);
        let at = line_col(&loaded.text, value.span().start);
        let wrong = |what: String| Error::workspace_at(&manifest_path, at.clone(), what);
        let decl = |package: String, path: Option<String>, spec: String, optional: bool| DepDecl {
            key: key.to_string(),
            package,
            kind: if optional && kind == DepKind::Normal {
                DepKind::Optional
            } else {
                kind
            },
            path,
            spec,
            optional,
            span: value.span(),
        };
        match value.get_ref() {
            toml::Value::String(version) => Ok(decl(key.into(), None, version.clone(), false)),
            toml::Value::Table(table) => {
                let optional = table.get("optional").and_then(|v| v.as_bool()) == Some(true);
                if let Some(inherit) = table.get("workspace") {
                    if inherit.as_bool() != Some(true) {
                        return Err(wrong(format!(
                            "dependency `{key}`: `workspace` must be `true` when given"
                        )));
                    }
                    let Some(ws_dep) = self.workspace.dependencies.get(key) else {
                        return Err(wrong(format!(
                            "dependency `{key}` has `workspace = true` but the root {MANIFEST} \
                             has no `{key}` in [workspace.dependencies]"
                        )));
                    };
                    let ws_at = line_col(&self.root_text, ws_dep.span().start);
                    let ws_wrong = |what: String| {
                        Error::workspace_at(self.root.join(MANIFEST), ws_at.clone(), what)
                    };
                    return match ws_dep.get_ref() {
                        toml::Value::String(_) => {
                            Ok(decl(key.into(), None, "workspace = true".into(), optional))
                        }
                        toml::Value::Table(ws_table) => {
                            let package = str_key(ws_table, "package")
                                .map_err(&ws_wrong)?
                                .unwrap_or(key)
                                .to_string();
                            let path = match str_key(ws_table, "path").map_err(&ws_wrong)? {
                                Some(p) => Some(
                                    normalize("", p)
                                        .ok_or_else(|| ws_wrong(outside_message(key, p)))?,
                                ),
                                None => None,
                            };
                            Ok(decl(package, path, "workspace = true".into(), optional))
                        }
                        _ => Err(ws_wrong(format!(
                            "[workspace.dependencies] `{key}` must be a version string or a table"
                        ))),
                    };
                }
                let package = str_key(table, "package")
                    .map_err(&wrong)?
                    .unwrap_or(key)
                    .to_string();
                match str_key(table, "path").map_err(&wrong)? {
                    Some(p) => {
                        let path = normalize(&loaded.dir, p)
                            .ok_or_else(|| wrong(outside_message(key, p)))?;
                        Ok(decl(package, Some(path), format!("path = {p:?}"), optional))
                    }
                    None => {
                        let spec = str_key(table, "version")
                            .ok()
                            .flatten()
                            .map(str::to_string)
                            .or_else(|| {
                                str_key(table, "git")
                                    .ok()
                                    .flatten()
                                    .map(|g| format!("git = {g:?}"))
                            })
                            .unwrap_or_else(|| "*".into());
                        Ok(decl(package, None, spec, optional))
                    }
                }
            }
            _ => Err(wrong(format!(
                "dependency `{key}` must be a version string or a table"
            ))),
        }
    }

    /// Turns the loaded manifests into packages of `ws` (appended at index `first` on).
    fn into_workspace(self, ws: &mut Workspace, first: usize) -> Result<CargoWorkspace> {
        // Names must be unique among Cargo packages (cargo refuses two with one name).
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut packages = Vec::with_capacity(self.loaded.len());
        for (i, loaded) in self.loaded.iter().enumerate() {
            let package = self.package_of(loaded)?;
            if let Some(&other) = names.get(&package.name) {
                return Err(Error::workspace(
                    self.root.join(&loaded.manifest_rel),
                    format!(
                        "two packages are named `{}`: {} and {}",
                        package.name, self.loaded[other].manifest_rel, loaded.manifest_rel
                    ),
                ));
            }
            names.insert(package.name.clone(), i);
            packages.push(package);
        }

        for (i, loaded) in self.loaded.iter().enumerate() {
            let mut internal = Vec::new();
            let mut external = Vec::new();
            let mut dev = Vec::new();
            for dep in self.deps_of(i)? {
                match &dep.path {
                    Some(dir) => {
                        // Loading followed every path dependency, so the folder is known.
                        let Some(&target) = self.by_dir.get(dir) else {
                            continue;
                        };
                        let target_name = &packages[target].name;
                        if *target_name != dep.package {
                            return Err(Error::workspace_at(
                                self.root.join(&loaded.manifest_rel),
                                line_col(&loaded.text, dep.span.start),
                                format!(
                                    "dependency `{}` asks for package `{}` but `{}` holds \
                                     package `{target_name}`",
                                    dep.key,
                                    dep.package,
                                    display_dir(dir),
                                ),
                            ));
                        }
                        internal.push(InternalDep {
                            alias: dep.key,
                            package: first + target,
                            kind: dep.kind,
                            spec: dep.spec,
                        });
                    }
                    None if dep.kind.is_runtime() => external.push(dep.package),
                    None => dev.push(dep.package),
                }
            }
            // Deterministic, and one edge per (target, kind): a crate listed both normally and
            // under a target table is one dependency.
            internal
                .sort_by(|a, b| (a.package, a.kind, &a.alias).cmp(&(b.package, b.kind, &b.alias)));
            internal.dedup_by(|a, b| a.package == b.package && a.kind == b.kind);
            external.sort();
            external.dedup();
            dev.sort();
            dev.dedup();
            dev.retain(|d| !external.contains(d));
            packages[i].internal_deps = internal;
            packages[i].external_deps = external;
            packages[i].dev_deps = dev;
        }

        let members: Vec<usize> = self
            .loaded
            .iter()
            .enumerate()
            .filter(|(_, l)| l.member)
            .map(|(i, _)| first + i)
            .collect();
        let root_package = self.by_dir.get("").map(|&i| first + i);
        let default_members = self
            .default_members
            .iter()
            .filter_map(|d| self.by_dir.get(d).map(|&i| first + i))
            .collect();
        let lockfile = check_lockfile(&self.root)?;
        let build_files = ROOT_BUILD_FILES
            .iter()
            .filter(|f| self.root.join(f).is_file())
            .map(|f| f.to_string())
            .collect();
        let (build_target, vendor_dirs) = read_cargo_config(&self.root)?;
        let all = (first..first + packages.len()).collect();
        let mut patches: Vec<usize> = self
            .patches
            .iter()
            .filter_map(|d| self.by_dir.get(d).map(|&i| first + i))
            .collect();
        patches.sort();
        patches.dedup();
        ws.packages.extend(packages);
        Ok(CargoWorkspace {
            manifest: MANIFEST.to_string(),
            lockfile,
            root_package,
            members,
            default_members,
            packages: all,
            patches,
            build_files,
            build_target,
            vendor_dirs,
        })
    }

    /// The feature names of one package (see [`CargoPackage::features`]), sorted. What each
    /// feature enables is checked as cargo checks it when it loads the manifest: a plain name is
    /// another feature or an optional dependency, `dep:x` an optional dependency, and `x/f` or
    /// `x?/f` a dependency; anything else is an error at the feature's line.
    fn features_of(&self, loaded: &Loaded) -> Result<Vec<String>> {
        let table = &loaded.manifest.features;
        let mut names: Vec<String> = table.keys().cloned().collect();
        let uses_dep_syntax = |dep: &str| {
            let wanted = format!("dep:{dep}");
            table
                .values()
                .flat_map(|v| v.get_ref())
                .any(|f| *f == wanted)
        };
        let Some(&index) = self.by_dir.get(&loaded.dir) else {
            return Ok(names);
        };
        let deps = self.deps_of(index)?;
        for dep in &deps {
            if dep.optional && !names.contains(&dep.key) && !uses_dep_syntax(&dep.key) {
                names.push(dep.key.clone());
            }
        }
        // A key may be declared several times (normal, dev, build, per target): it is a
        // dependency if any declaration is, and optional if any declaration is.
        let dep = |key: &str| {
            let mut found = deps.iter().filter(|d| d.key == key).peekable();
            found.peek()?;
            Some(found.any(|d| d.optional))
        };
        let manifest_path = self.root.join(&loaded.manifest_rel);
        for (feature, enables) in table {
            for item in enables.get_ref() {
                let problem = if let Some(key) = item.strip_prefix("dep:") {
                    match dep(key) {
                        Some(true) => None,
                        Some(_) => Some(format!("`{key}` is not an optional dependency")),
                        None => Some(format!("`{key}` is not a dependency")),
                    }
                } else if let Some((key, _)) = item.split_once('/') {
                    let key = key.strip_suffix('?').unwrap_or(key);
                    dep(key)
                        .is_none()
                        .then(|| format!("`{key}` is not a dependency"))
                } else if table.contains_key(item.as_str()) {
                    None
                } else {
                    match dep(item) {
                        Some(true) => None,
                        Some(_) => Some(format!("`{item}` is not an optional dependency")),
                        None => Some(format!(
                            "`{item}` is neither a dependency nor another feature"
                        )),
                    }
                };
                if let Some(problem) = problem {
                    return Err(Error::workspace_at(
                        &manifest_path,
                        line_col(&loaded.text, enables.span().start),
                        format!("feature `{feature}` includes `{item}`, but {problem}"),
                    ));
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// The [`Package`] for one manifest (without its edges).
    fn package_of(&self, loaded: &Loaded) -> Result<Package> {
        let path = self.root.join(&loaded.manifest_rel);
        let toml_package = loaded.package().ok_or_else(|| {
            Error::workspace(
                &path,
                "no [package] table: a workspace member must be a package",
            )
        })?;
        let spanned_name = toml_package
            .name
            .as_ref()
            .ok_or_else(|| Error::workspace(&path, "[package] has no `name`"))?;
        let name = spanned_name.get_ref().clone();
        // Cargo's rule for package names; the name also goes into `cargo build -p <name>`.
        let mut chars = name.chars();
        let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(Error::workspace_at(
                &path,
                line_col(&loaded.text, spanned_name.span().start),
                format!(
                    "invalid package name {name:?}: cargo wants letters, digits, `-` and `_`, \
                     starting with a letter or `_`"
                ),
            ));
        }
        let inherit =
            |field: &str, value: &Option<Inheritable<String>>| -> Result<Option<String>> {
                match value {
                    None => Ok(None),
                    Some(Inheritable::Value(v)) => Ok(Some(v.clone())),
                    Some(Inheritable::Inherit { workspace: true }) => self
                        .workspace
                        .package
                        .as_ref()
                        .and_then(|p| p.get(field))
                        .and_then(|v| v.as_str())
                        .map(|v| Some(v.to_string()))
                        .ok_or_else(|| {
                            Error::workspace(
                                &path,
                                format!(
                                    "`{field}.workspace = true` but the root {MANIFEST} has no \
                                 `{field}` in [workspace.package]"
                                ),
                            )
                        }),
                    Some(Inheritable::Inherit { workspace: false }) => Err(Error::workspace(
                        &path,
                        format!("`{field}.workspace` must be `true` when given"),
                    )),
                }
            };
        if loaded.member {
            self.check_inherited(loaded)?;
        }
        let version = inherit("version", &toml_package.version)?;
        let edition = inherit("edition", &toml_package.edition)?.unwrap_or_else(|| "2015".into());
        let description = inherit("description", &toml_package.description)?;
        let rust_version = inherit("rust-version", &toml_package.rust_version)?;

        let targets = Targets::read(
            &self.root.join(&loaded.dir),
            &path,
            &name,
            &edition,
            loaded,
            toml_package,
        )?;
        let features = self.features_of(loaded)?;
        // A binary's required features are passed to `cargo build --features`, which refuses a
        // feature the package does not have. `dep/feature` forms are left to cargo.
        for t in loaded.manifest.bin.iter().flatten() {
            let Some(required) = &t.required_features else {
                continue;
            };
            if let Some(unknown) = required
                .get_ref()
                .iter()
                .find(|f| !f.contains('/') && !features.contains(f))
            {
                let has = if features.is_empty() {
                    "it has no features".to_string()
                } else {
                    format!("its features: {}", features.join(", "))
                };
                return Err(Error::workspace_at(
                    &path,
                    line_col(&loaded.text, required.span().start),
                    format!(
                        "[[bin]] `{}` has required-features `{unknown}`, which package `{name}` \
                         does not define ({has})",
                        t.name.as_deref().unwrap_or("?")
                    ),
                ));
            }
        }
        Ok(Package {
            ecosystem: Ecosystem::Cargo,
            name,
            version,
            dir: loaded.dir.clone(),
            manifest: loaded.manifest_rel.clone(),
            internal_deps: Vec::new(),
            external_deps: Vec::new(),
            dev_deps: Vec::new(),
            node: None,
            cargo: Some(CargoPackage {
                member: loaded.member,
                edition,
                rust_version,
                description,
                lib: targets.lib,
                bins: targets.bins,
                build_script: targets.build_script,
                declared_targets: targets.declared,
                features,
                root_entries: if loaded.dir.is_empty() {
                    root_package_entries(&self.root)
                } else {
                    Vec::new()
                },
            }),
        })
    }

    /// Every `field.workspace = true` of a member's `[package]` names a field the root's
    /// `[workspace.package]` defines, and `[lints] workspace = true` needs `[workspace.lints]`:
    /// cargo refuses the manifest otherwise. (Only members: an excluded path dependency inherits
    /// from a workspace of its own.)
    fn check_inherited(&self, loaded: &Loaded) -> Result<()> {
        #[derive(Deserialize)]
        struct Raw {
            package: Option<BTreeMap<String, Spanned<toml::Value>>>,
            project: Option<BTreeMap<String, Spanned<toml::Value>>>,
        }
        const INHERITABLE: &[&str] = &[
            "version",
            "authors",
            "description",
            "documentation",
            "readme",
            "homepage",
            "repository",
            "license",
            "license-file",
            "keywords",
            "categories",
            "publish",
            "edition",
            "rust-version",
            "exclude",
            "include",
        ];
        let path = self.root.join(&loaded.manifest_rel);
        let raw: Raw = toml::from_str(&loaded.text).map_err(|e| Error::Parse {
            path: path.clone(),
            location: e.span().map(|s| line_col(&loaded.text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let defined = self.workspace.package.as_ref();
        for (field, value) in raw.package.or(raw.project).into_iter().flatten() {
            let toml::Value::Table(t) = value.get_ref() else {
                continue;
            };
            if !INHERITABLE.contains(&field.as_str()) || !t.contains_key("workspace") {
                continue;
            }
            let at = line_col(&loaded.text, value.span().start);
            if t.get("workspace").and_then(toml::Value::as_bool) != Some(true) {
                return Err(Error::workspace_at(
                    &path,
                    at,
                    format!("`{field}.workspace` must be `true` when given"),
                ));
            }
            if !defined.is_some_and(|p| p.contains_key(&field)) {
                return Err(Error::workspace_at(
                    &path,
                    at,
                    format!(
                        "`{field}.workspace = true` but the root {MANIFEST} has no `{field}` in \
                         [workspace.package]"
                    ),
                ));
            }
        }
        if let Some(lints) = &loaded.manifest.lints {
            if lints
                .get_ref()
                .get("workspace")
                .and_then(toml::Value::as_bool)
                == Some(true)
                && self.workspace.lints.is_none()
            {
                return Err(Error::workspace_at(
                    &path,
                    line_col(&loaded.text, lints.span().start),
                    format!(
                        "[lints] workspace = true but the root {MANIFEST} has no [workspace.lints]"
                    ),
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Targets.

struct Targets {
    lib: Option<Target>,
    bins: Vec<Target>,
    build_script: Option<String>,
    declared: Vec<Target>,
}

impl Targets {
    /// Cargo's target rules (`cargo/src/util/toml/targets.rs`), for the targets isogen needs.
    fn read(
        dir: &Path,
        manifest_path: &Path,
        package_name: &str,
        edition: &str,
        loaded: &Loaded,
        package: &TomlPackage,
    ) -> Result<Targets> {
        let m = &loaded.manifest;
        let exists = |rel: &str| dir.join(rel).is_file();

        let lib = match &m.lib {
            Some(t) => Some(Target {
                kind: TargetKind::Lib,
                name: t
                    .name
                    .clone()
                    .unwrap_or_else(|| package_name.replace('-', "_")),
                path: t
                    .path
                    .as_ref()
                    .map(|p| clean_rel(p.get_ref()))
                    .unwrap_or_else(|| "src/lib.rs".into()),
                required_features: Vec::new(),
                proc_macro: t.proc_macro == Some(true),
            }),
            None if package.autolib != Some(false) && exists("src/lib.rs") => Some(Target {
                kind: TargetKind::Lib,
                name: package_name.replace('-', "_"),
                path: "src/lib.rs".into(),
                required_features: Vec::new(),
                proc_macro: false,
            }),
            None => None,
        };

        let mut inferred_bins = Vec::new();
        if exists("src/main.rs") {
            inferred_bins.push((package_name.to_string(), "src/main.rs".to_string()));
        }
        inferred_bins.extend(infer_dir_targets(dir, "src/bin"));
        let bins = resolve_targets(
            TargetKind::Bin,
            m.bin.as_deref(),
            inferred_bins,
            package.autobins,
            edition,
            manifest_path,
            dir,
            "src/bin",
        )?;

        let mut declared = Vec::new();
        for (kind, explicit, folder) in [
            (TargetKind::Example, &m.example, "examples"),
            (TargetKind::Test, &m.test, "tests"),
            (TargetKind::Bench, &m.bench, "benches"),
        ] {
            let Some(explicit) = explicit else { continue };
            // Inferred ones are found from files, which a manifest-only copy does not have;
            // only the declared ones need stubs (inference is off here for that reason).
            let inferred = infer_dir_targets(dir, folder);
            declared.extend(resolve_targets(
                kind,
                Some(explicit),
                inferred,
                Some(false),
                edition,
                manifest_path,
                dir,
                folder,
            )?);
        }

        let build_script = match package.build.as_ref().map(Spanned::get_ref) {
            Some(BuildSetting::Enabled(false)) => None,
            Some(BuildSetting::Enabled(true)) => Some("build.rs".to_string()),
            Some(BuildSetting::Path(p)) => Some(clean_rel(p)),
            None => exists("build.rs").then(|| "build.rs".to_string()),
        };

        // Cargo refuses a manifest whose library, binary or build script file is missing; a
        // Dockerfile for it would only fail in the middle of its build.
        // A target file outside the package folder is never copied into the image build (only
        // the folder is), so the build would compile the stub standing in for it: a binary that
        // does nothing. Refused, as is a missing file.
        let unusable = |what: String, file: &str, span: Option<std::ops::Range<usize>>| {
            let problem = if Path::new(file).is_absolute() || normalize("", file).is_none() {
                format!(
                    "{file} is outside the package folder; the image build copies only the \
                     package's folder, so move the file into it"
                )
            } else if !exists(file) {
                format!("{file} does not exist (cargo refuses a target whose file is missing)")
            } else {
                return None;
            };
            let message = format!("{what}: {problem}");
            Some(match span {
                Some(span) => {
                    Error::workspace_at(manifest_path, line_col(&loaded.text, span.start), message)
                }
                None => Error::workspace(manifest_path, message),
            })
        };
        if let Some(lib) = &lib {
            let span = m
                .lib
                .as_ref()
                .and_then(|t| t.path.as_ref())
                .map(Spanned::span);
            let what = match span {
                Some(_) => format!("[lib] path = {:?}", lib.path),
                None => "[lib] (no `path`, so src/lib.rs)".to_string(),
            };
            if let Some(e) = unusable(what, &lib.path, span) {
                return Err(e);
            }
        }
        for bin in &bins {
            let span = m
                .bin
                .iter()
                .flatten()
                .find(|t| t.name.as_deref() == Some(bin.name.as_str()))
                .and_then(|t| t.path.as_ref())
                .map(Spanned::span);
            let what = format!("[[bin]] `{}` path = {:?}", bin.name, bin.path);
            if let Some(e) = unusable(what, &bin.path, span) {
                return Err(e);
            }
        }
        if let Some(build) = &build_script {
            let span = package.build.as_ref().map(Spanned::span);
            if let Some(e) = unusable(format!("package.build = {build:?}"), build, span) {
                return Err(e);
            }
        }

        if lib.is_none() && bins.is_empty() {
            return Err(Error::workspace(
                manifest_path,
                "no targets: cargo needs src/lib.rs, src/main.rs, a [lib] section or a [[bin]] \
                 section",
            ));
        }
        Ok(Targets {
            lib,
            bins,
            build_script,
            declared,
        })
    }
}

/// `folder/*.rs` (named by stem) and `folder/*/main.rs` (named by the subfolder), sorted.
fn infer_dir_targets(dir: &Path, folder: &str) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let path = e.path();
            if path.is_file() {
                let stem = name.strip_suffix(".rs")?;
                Some((stem.to_string(), format!("{folder}/{name}")))
            } else if path.join("main.rs").is_file() {
                Some((name.clone(), format!("{folder}/{name}/main.rs")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

/// Merges explicit target tables with inferred ones, as cargo does: explicit ones first; an
/// inferred target is added (when inference is on) unless an explicit one has its name or path.
#[allow(clippy::too_many_arguments)]
fn resolve_targets(
    kind: TargetKind,
    explicit: Option<&[TomlTarget]>,
    inferred: Vec<(String, String)>,
    auto: Option<bool>,
    edition: &str,
    manifest_path: &Path,
    dir: &Path,
    folder: &str,
) -> Result<Vec<Target>> {
    let kind_name = match kind {
        TargetKind::Bin => "bin",
        TargetKind::Example => "example",
        TargetKind::Test => "test",
        TargetKind::Bench => "bench",
        TargetKind::Lib | TargetKind::BuildScript => "lib",
    };
    let mut targets = Vec::new();
    for t in explicit.unwrap_or_default() {
        let Some(name) = t.name.clone() else {
            return Err(Error::workspace(
                manifest_path,
                format!("a [[{kind_name}]] table has no `name`"),
            ));
        };
        // Cargo's own refusals: an empty name, or a binary named like a folder of its
        // target directory.
        if name.trim().is_empty() {
            return Err(Error::workspace(
                manifest_path,
                format!("a [[{kind_name}]] table has an empty `name`"),
            ));
        }
        if kind == TargetKind::Bin
            && ["build", "deps", "examples", "incremental"].contains(&name.as_str())
        {
            return Err(Error::workspace(
                manifest_path,
                format!(
                    "the binary name `{name}` is forbidden: it is a folder of cargo's target \
                     directory"
                ),
            ));
        }
        let path = match &t.path {
            Some(p) => clean_rel(p.get_ref()),
            None => match inferred.iter().find(|(n, _)| *n == name) {
                Some((_, p)) => p.clone(),
                None => {
                    let flat = format!("{folder}/{name}.rs");
                    let nested = format!("{folder}/{name}/main.rs");
                    if dir.join(&flat).is_file() {
                        flat
                    } else if dir.join(&nested).is_file() {
                        nested
                    } else {
                        return Err(Error::workspace(
                            manifest_path,
                            format!(
                                "can't find `{name}` {kind_name} at `{flat}` or `{nested}`: \
                                 set {kind_name}.path for a non-default location"
                            ),
                        ));
                    }
                }
            },
        };
        targets.push(Target {
            kind,
            name,
            path,
            required_features: t
                .required_features
                .as_ref()
                .map(|r| r.get_ref().clone())
                .unwrap_or_default(),
            proc_macro: false,
        });
    }
    let infer = match (auto, explicit) {
        (Some(auto), _) => auto,
        (None, None) => true,
        // Edition 2015 turns inference off as soon as any target of the kind is declared.
        (None, Some(_)) => edition != "2015",
    };
    if infer {
        for (name, path) in inferred {
            if !targets.iter().any(|t| t.name == name || t.path == path) {
                targets.push(Target {
                    kind,
                    name,
                    path,
                    required_features: Vec::new(),
                    proc_macro: false,
                });
            }
        }
    }
    Ok(targets)
}

// ---------------------------------------------------------------------------------------------
// Services.

fn select_services(
    ws: &mut Workspace,
    cargo: &CargoWorkspace,
    config: &WorkspaceConfig,
) -> Result<()> {
    let config_path = PathBuf::from(super::CONFIG_FILE);
    let compile = |list: &[String]| -> Result<Vec<(String, GlobMatcher)>> {
        list.iter()
            .map(|entry| {
                let clean = entry.trim_end_matches('/');
                GlobBuilder::new(clean)
                    .literal_separator(true)
                    .build()
                    .map(|g| (entry.clone(), g.compile_matcher()))
                    .map_err(|e| {
                        Error::config(&config_path, format!("`{entry}` is not a valid glob: {e}"))
                    })
            })
            .collect()
    };
    let explicit = config.services.as_deref().map(compile).transpose()?;
    let removed = compile(&config.not_services)?;

    let mut chosen: Vec<(usize, String)> = Vec::new();
    for &index in &cargo.members {
        let package = &ws.packages[index];
        let Some(details) = &package.cargo else {
            continue;
        };
        for bin in &details.bins {
            let matches = |list: &[(String, GlobMatcher)]| {
                list.iter().any(|(_, g)| {
                    g.is_match(&bin.name)
                        || g.is_match(&package.name)
                        || (!package.dir.is_empty()
                            && (g.is_match(&package.dir) || g.is_match(package.folder_name())))
                })
            };
            let is_service = match &explicit {
                Some(list) => matches(list),
                None => {
                    !NOT_SERVICES_BY_DEFAULT.contains(&package.name.as_str()) && !matches(&removed)
                }
            };
            if is_service {
                chosen.push((index, bin.name.clone()));
            }
        }
    }

    for (index, bin) in chosen {
        // The name becomes a file name (`<bin>.Dockerfile`), an image label and a word of the
        // Dockerfile's shell commands: only plain names are services.
        let plain = !bin.starts_with(['.', '-'])
            && bin
                .chars()
                .all(|c| c.is_alphanumeric() || "-_.".contains(c));
        if !plain {
            let this_pkg = &ws.packages[index];
            return Err(Error::workspace(
                ws.root.join(&this_pkg.manifest),
                format!(
                    "binary {bin:?} of package `{}` cannot be a service: its name goes into file \
                     names, image labels and the Dockerfile's shell commands; name it with \
                     letters, digits, `-`, `_` and `.`, or leave it out with [workspace] \
                     not_services in isogen.toml",
                    this_pkg.name
                ),
            ));
        }
        if let Some(other) = ws.services.iter().find(|s| s.name == bin) {
            let other_pkg = &ws.packages[other.package];
            let this_pkg = &ws.packages[index];
            return Err(Error::workspace(
                ws.root.join(&this_pkg.manifest),
                format!(
                    "two services are named `{bin}`: binary `{bin}` of package `{}` ({}) and the \
                     service of package `{}` ({}); rename one, or leave one out with \
                     [workspace] not_services in isogen.toml",
                    this_pkg.name, this_pkg.manifest, other_pkg.name, other_pkg.manifest
                ),
            ));
        }
        let not_dev = |k: DepKind| k != DepKind::Dev;
        // `cargo build` never compiles dev-dependencies, and cargo allows dev-dependency cycles,
        // so neither closure follows dev edges.
        let cycle = |c: graph::Cycle| {
            Error::workspace(
                ws.root.join(MANIFEST),
                format!("dependency cycle between workspace crates: {c}"),
            )
        };
        let runtime_closure = graph::closure(
            &ws.packages,
            index,
            DepKind::is_runtime,
            DepKind::is_runtime,
        )
        .map_err(cycle)?;
        let build_closure = graph::closure(&ws.packages, index, not_dev, not_dev).map_err(cycle)?;
        ws.services.push(Service {
            name: bin.clone(),
            package: index,
            entry: bin,
            runtime_closure,
            build_closure,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Paths and files.

/// The files and folders at the root that belong to a package at the root, as cargo draws a
/// package's boundary: the root folder minus every folder holding another package (a
/// `Cargo.toml`, or a `package.json` of a JavaScript workspace beside it, at any depth). Left
/// out too: dot-entries (`.git`, `.env`, `.cargo` is copied apart), build output
/// (`target`, `node_modules`), the files the manifests stage copies, isogen's own files and the
/// root files of a pnpm workspace. A build that reads `README.md`, `templates/` or
/// `migrations/` at compile time then finds them.
fn root_package_entries(root: &Path) -> Vec<String> {
    const SKIPPED: &[&str] = &[
        "target",
        "node_modules",
        MANIFEST,
        LOCKFILE,
        "rust-toolchain",
        "rust-toolchain.toml",
        super::CONFIG_FILE,
        "Dockerfile",
        "Containerfile",
        "package.json",
        "pnpm-workspace.yaml",
        "pnpm-lock.yaml",
    ];
    let holds_a_package = |dir: &Path| {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .filter_entry(|e| {
                !matches!(
                    e.file_name().to_str(),
                    Some("target" | "node_modules" | ".git")
                )
            })
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_type().is_file()
                    && matches!(e.file_name().to_str(), Some(MANIFEST | "package.json"))
            })
    };
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            // A name a Dockerfile cannot carry unquoted (spaces, quotes) is not source code a
            // build reads; leaving it out keeps one odd file from failing generate.
            let skip = name.starts_with('.')
                || !crate::generate::cfg::is_plain_path(&name)
                || SKIPPED.contains(&name.as_str())
                || name.ends_with(".Dockerfile")
                || name.ends_with(".dockerignore");
            if skip {
                return None;
            }
            let path = e.path();
            (!path.is_dir() || !holds_a_package(&path)).then_some(name)
        })
        .collect();
    out.sort();
    out
}

/// From the workspace's cargo config (`.cargo/config`, which cargo prefers, else
/// `.cargo/config.toml`): `build.target`, and the `directory` of every `[source.<name>]`
/// (vendored crates; relative to the root, as cargo reads paths in a config). A config that does
/// not parse, builds several targets at once, or vendors from outside the root is an error
/// naming it: cargo would refuse the first, isogen ships one binary, and the root is the build
/// context.
fn read_cargo_config(root: &Path) -> Result<(Option<String>, Vec<String>)> {
    let Some(rel) = [".cargo/config", ".cargo/config.toml"]
        .into_iter()
        .find(|f| root.join(f).is_file())
    else {
        return Ok((None, Vec::new()));
    };
    let path = root.join(rel);
    let text = read(&path)?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        location: e.span().map(|s| line_col(&text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let mut vendor_dirs = Vec::new();
    let sources = table.get("source").and_then(|s| s.as_table());
    for (name, source) in sources.into_iter().flatten() {
        let Some(dir) = source.get("directory").and_then(|d| d.as_str()) else {
            continue;
        };
        let norm = normalize("", dir)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Error::workspace(
                    &path,
                    format!(
                    "[source.{name}] directory = {dir:?} is outside the workspace root; the root \
                     is the build context, so vendored crates must live under it"
                ),
                )
            })?;
        if !vendor_dirs.contains(&norm) {
            vendor_dirs.push(norm);
        }
    }
    let target = table.get("build").and_then(|b| b.get("target"));
    let triple = match target {
        None => return Ok((None, vendor_dirs)),
        Some(toml::Value::String(t)) => t.clone(),
        Some(toml::Value::Array(a)) if a.len() == 1 && a[0].is_str() => {
            a[0].as_str().unwrap_or_default().to_string()
        }
        Some(other) => {
            return Err(Error::workspace(
                &path,
                format!(
                    "[build] target = {other}: isogen builds a service for one target; set one \
                     triple here, or none"
                ),
            ))
        }
    };
    // A custom target spec (`targets/my-os.json`) writes to `target/my-os/`.
    let name = match triple.strip_suffix(".json") {
        Some(spec) => spec.rsplit(['/', '\\']).next().unwrap_or(spec).to_string(),
        None => triple,
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::workspace(
            &path,
            format!("[build] target = {name:?} is not a target triple"),
        ));
    }
    Ok((Some(name), vendor_dirs))
}

/// `Cargo.lock` when it exists, after checking it is one: TOML whose `version` is a number and
/// whose `[[package]]` entries have a string `name` and `version`. Cargo refuses any command on
/// a lockfile that does not parse, so generate does too (naming it) instead of writing builds
/// that fail at their first `cargo build --locked`.
fn check_lockfile(root: &Path) -> Result<Option<String>> {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Lock {
        version: Option<u32>,
        #[serde(default)]
        package: Vec<LockedPackage>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct LockedPackage {
        name: String,
        version: String,
    }
    let path = root.join(LOCKFILE);
    if !path.is_file() {
        return Ok(None);
    }
    let text = read(&path)?;
    toml::from_str::<Lock>(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        location: e.span().map(|s| line_col(&text, s.start)),
        message: format!(
            "{} (not a Cargo.lock cargo can read; `cargo generate-lockfile` writes a new one)",
            e.message().trim()
        ),
    })?;
    Ok(Some(LOCKFILE.to_string()))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn parse_manifest(text: &str, path: &Path) -> Result<Manifest> {
    toml::from_str(text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        location: e.span().map(|s| line_col(text, s.start)),
        message: e.message().trim().to_string(),
    })
}

/// `base/rel` made relative to the workspace root and lexically normalized (`.`/`..` folded,
/// `/`-separated, no trailing slash); `None` when it leaves the root.
fn normalize(base: &str, rel: &str) -> Option<String> {
    if Path::new(rel).is_absolute() {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// A target path from a manifest, `/`-separated and without a leading `./`.
fn clean_rel(path: &str) -> String {
    normalize("", path).unwrap_or_else(|| path.replace('\\', "/"))
}

fn join_rel(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

fn display_dir(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}

fn outside_message(key: &str, path: &str) -> String {
    format!(
        "path dependency `{key}` ({path}) is outside the workspace root; the root is the build \
         context, so every path dependency must live under it"
    )
}

fn str_key<'a>(table: &'a toml::Table, key: &str) -> std::result::Result<Option<&'a str>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{key}` must be a string")),
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
    let mut walk = walkdir::WalkDir::new(root.join(&prefix)).min_depth(1);
    if !deep {
        walk = walk.max_depth(parts.len() - literal);
    }
    walk.into_iter()
        .filter_entry(|e| {
            // `**` must not wander into build output or other ecosystems' trees.
            !(deep
                && matches!(
                    e.file_name().to_str(),
                    Some("target" | "node_modules" | ".git")
                ))
        })
        .filter_map(|e| e.ok())
        // A symlinked folder matches too (cargo follows it); loading it then says why it
        // cannot be built.
        .filter(|e| e.file_type().is_dir() || (e.path_is_symlink() && e.path().is_dir()))
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

#[cfg(test)]
mod tests;
