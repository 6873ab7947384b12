//! pnpm workspaces: `pnpm-workspace.yaml` (`packages:` globs with `!` negations, `catalog:`
//! and `catalogs:`), every package's `package.json`, and `workspace:` edges between them; plus
//! the root facts a Dockerfile needs (`packageManager`, `engines.node`, `.nvmrc`, `.npmrc`,
//! root `tsconfig*.json`, patches, `.pnpmfile.cjs`).
//!
//! Package discovery follows pnpm's own (`@pnpm/fs.find-packages`): each glob gets
//! `/package.json` appended and is matched against manifest paths relative to the root, `!`
//! globs remove matches, and `node_modules`, `bower_components`, `test` and `tests` folders are
//! never searched. The root package itself is not a package of the model.
//!
//! This module only reads files; it never writes, renders, or runs pnpm.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;
use serde_json::Value;

use super::spec::{self, Catalogs, WorkspaceSpec, WorkspaceTarget};
use super::{graph, DepKind, Ecosystem, InternalDep, Package, Service, Workspace, WorkspaceConfig};
use crate::error::{Error, Result};

/// The file that marks a pnpm workspace root.
pub const WORKSPACE_FILE: &str = "pnpm-workspace.yaml";
/// pnpm's lockfile.
pub const LOCKFILE: &str = "pnpm-lock.yaml";

/// The `publishConfig` fields `pnpm publish` moves to the top of the manifest
/// (<https://pnpm.io/package_json#publishconfig>).
const PUBLISH_OVERRIDES: &[&str] = &[
    "bin",
    "browser",
    "es2015",
    "esnext",
    "exports",
    "imports",
    "main",
    "module",
    "type",
    "types",
    "typesVersions",
    "typings",
    "umd:main",
    "unpkg",
];

/// Folders pnpm never looks into for workspace packages.
const NEVER_SEARCHED: &[&str] = &["node_modules", "bower_components", "test", "tests"];

/// Workspace-level pnpm facts the generator needs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PnpmWorkspace {
    /// `packages:` of `pnpm-workspace.yaml`, as written.
    pub globs: Vec<String>,
    /// Catalog name -> package -> range (`catalog:` is the catalog `default`).
    pub catalogs: Catalogs,
    /// `packageManager` of the root package.json, as written (`pnpm@9.12.0+sha512...`).
    pub package_manager: Option<String>,
    /// The pnpm version from `packageManager`, without its hash (`9.12.0`).
    pub pnpm_version: Option<String>,
    /// `lockfileVersion` of `pnpm-lock.yaml`, when there is one.
    pub lockfile_version: Option<String>,
    /// `engines.node` of the root package.json.
    pub engines_node: Option<String>,
    /// The first line of `.nvmrc` (or `.node-version`).
    pub nvmrc: Option<String>,
    /// Root files, workspace-relative, that exist: `pnpm-lock.yaml`, `.npmrc`, `.pnpmfile.cjs`.
    pub lockfile: bool,
    pub npmrc: bool,
    pub pnpmfile: bool,
    /// Root `tsconfig*.json` files, sorted.
    pub tsconfigs: Vec<String>,
    /// What `pnpm-lock.yaml` resolved for each importer (package folder): dependency key ->
    /// (specifier, version), for `dependencies` and `optionalDependencies`.
    pub locked: BTreeMap<String, BTreeMap<String, LockedDep>>,
    /// `shared-workspace-lockfile=false` (`.npmrc`, or `sharedWorkspaceLockfile: false` in
    /// `pnpm-workspace.yaml`): every package has its own `pnpm-lock.yaml`.
    pub split_lockfiles: bool,
    /// With [`split_lockfiles`](Self::split_lockfiles): the folders of the packages that have
    /// their own `pnpm-lock.yaml`.
    pub package_lockfiles: BTreeSet<String>,
    /// Patch files named by `patchedDependencies` (root package.json `pnpm` field or
    /// `pnpm-workspace.yaml`), workspace-relative, sorted: a frozen install needs them.
    pub patches: Vec<String>,
    /// pnpm's `overrides` (`selector -> spec`), in the order written: the lockfile's
    /// `overrides:` when it has them (what the install applied, `$name` and `catalog:`
    /// resolved), else `overrides` of `pnpm-workspace.yaml`, `pnpm.overrides` and
    /// `resolutions` of the root package.json (`$name` references resolved from the root's
    /// dependencies, `catalog:` from the catalogs).
    pub overrides: Vec<(String, String)>,
    /// The file the overrides come from, workspace-relative.
    pub overrides_file: Option<String>,
    /// Every registry version `pnpm-lock.yaml` holds, per package name.
    pub locked_versions: BTreeMap<String, BTreeSet<String>>,
    /// `injectWorkspacePackages: true` (`pnpm-workspace.yaml`) or
    /// `inject-workspace-packages=true` (`.npmrc`): every workspace dependency is injected
    /// (copied at install time) instead of linked.
    pub inject_workspace_packages: bool,
}

/// One importer dependency of `pnpm-lock.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedDep {
    /// The spec the lockfile was made from (what package.json said).
    pub specifier: String,
    /// What it resolved to (`2.1.3`, `2.1.3(react@18.2.0)`, `link:../lib`, ...).
    pub version: String,
}

impl PnpmWorkspace {
    /// The exact version the lockfile resolved for `key` of the package in `dir`, when the
    /// lockfile entry was made from `spec` (it is current) and resolved to a registry version.
    pub fn locked_version(&self, dir: &str, key: &str, spec: &str) -> Option<String> {
        let importer = if dir.is_empty() { "." } else { dir };
        let locked = self.locked.get(importer)?.get(key)?;
        if locked.specifier != spec {
            return None;
        }
        // Peer suffixes: `1.2.3(react@18.2.0)`.
        let version = locked.version.split('(').next().unwrap_or_default().trim();
        semver::Version::parse(version).ok().map(|v| v.to_string())
    }
}

/// One dependency as declared in a package.json.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredDep {
    pub kind: DepKind,
    /// The key in the manifest (an alias for `workspace:<name>@<range>` and `npm:` specs).
    pub key: String,
    /// The spec as written.
    pub spec: String,
    /// For `catalog:` specs, the range the catalog gives.
    pub catalog_range: Option<String>,
    /// For edges to a workspace package, its index in [`Workspace::packages`].
    pub internal: Option<usize>,
}

/// Per-package pnpm facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodePackage {
    /// Whether package.json has a `name` (a nameless package is known by its folder, and pnpm
    /// selects it with `{<folder>}`).
    pub has_name: bool,
    pub description: Option<String>,
    /// `"module"` or `"commonjs"` (the default when `type` is absent).
    pub module_type: String,
    pub main: Option<String>,
    /// What `node` runs or loads: `main`, else the `exports` map's `.` entry (conditions
    /// `node`, `import`, `require`, `default`, nested, in the order the map gives), else the
    /// file of a `start` script that is `node [options] <file>`; relative to the package
    /// folder without `./`. `None` when the package declares none of them.
    pub entry: Option<String>,
    /// The folder the build writes to and the image ships: the first folder of `entry`
    /// (`dist`, `lib`, `build`); `""` when the entry lies at the top of the package; `dist`
    /// when there is no entry.
    pub out_dir: String,
    /// The file of its only `bin` command (a string `bin`, a map with one entry, or the entry
    /// named like the package): what runs a service that declares no `entry` otherwise.
    pub bin: Option<String>,
    /// The file its `start` script runs when that is `node [options] <file>`: what runs the
    /// package as a service (`pnpm start`), before `main` and `exports`, which say what
    /// importing it loads (`npm init` writes `"main": "index.js"` whatever the service runs).
    pub start_entry: Option<String>,
    /// `files` of package.json: what the package publishes, when it says so.
    pub files: Option<Vec<String>>,
    pub scripts: BTreeMap<String, String>,
    pub engines_node: Option<String>,
    /// The fields of `publishConfig` that pnpm writes over the manifest when it publishes
    /// (`main`, `exports`, `types`, `bin`, ...): the image ships the package as published.
    pub publish_overrides: BTreeMap<String, Value>,
    /// Every declared dependency, in manifest order, per kind.
    pub deps: Vec<DeclaredDep>,
    /// The dependencies `dependenciesMeta` marks `injected: true` (pnpm copies them into
    /// `node_modules` at install time instead of linking them).
    pub injected: BTreeSet<String>,
}

impl NodePackage {
    /// What `node` runs when this package is a service: the file of its `start` script
    /// ([`start_entry`](Self::start_entry)), else its [`entry`](Self::entry), else the file of
    /// its only `bin` command (`npx <name>` would run it).
    pub fn service_entry(&self) -> Option<&str> {
        self.start_entry
            .as_deref()
            .or(self.entry.as_deref())
            .or(self.bin.as_deref())
    }

    /// The output folder that goes with [`service_entry`](Self::service_entry).
    pub fn service_out_dir(&self) -> String {
        match (&self.start_entry, &self.entry, &self.bin) {
            (Some(start), _, _) => out_dir_of(Some(start)),
            (None, None, Some(bin)) => out_dir_of(Some(bin)),
            _ => self.out_dir.clone(),
        }
    }

    /// Paths (relative to the package folder) the runtime image ships besides package.json:
    /// the top folders (or files) of `files` when package.json has it, else the output folder,
    /// or `entry` itself when it lies at the top of the package.
    pub fn runtime_paths(&self, entry: Option<&str>, out_dir: &str) -> Vec<String> {
        let mut paths = BTreeSet::new();
        if let Some(files) = &self.files {
            for f in files {
                let f = f.trim().trim_start_matches("./");
                if f.starts_with('!') || f.is_empty() {
                    continue;
                }
                let first = f.split('/').next().unwrap_or(f);
                // A glob in the first segment cannot be a COPY source we can name; ship the
                // output folder instead (below).
                if first.contains(['*', '?', '[', '{']) || first == "package.json" {
                    continue;
                }
                paths.insert(first.to_string());
            }
        }
        if paths.is_empty() {
            match entry {
                Some(entry) if !entry.contains('/') && out_dir.is_empty() => {
                    paths.insert(entry.to_string());
                }
                _ if !out_dir.is_empty() => {
                    paths.insert(out_dir.to_string());
                }
                _ => {}
            }
        }
        paths.into_iter().collect()
    }
}

pub fn discover(ws: &mut Workspace, config: &WorkspaceConfig) -> Result<()> {
    let root = ws.root.clone();
    let ws_file = root.join(WORKSPACE_FILE);
    let yaml = read_yaml(&ws_file)?;

    let globs = string_list(&yaml, "packages", &ws_file)?;
    let catalogs = read_catalogs(&yaml, &ws_file)?;
    let mut pnpm = PnpmWorkspace {
        globs: globs.clone(),
        catalogs,
        ..Default::default()
    };
    read_root_facts(&root, &yaml, &mut pnpm)?;

    // Packages, in a stable order (by folder).
    let manifests = find_manifests(&root, &globs, &ws_file)?;
    let first = ws.packages.len();
    let mut raw: Vec<Value> = Vec::new();
    for dir in &manifests {
        let manifest = if dir.is_empty() {
            "package.json".to_string()
        } else {
            format!("{dir}/package.json")
        };
        let json = read_json(&root.join(&manifest))?;
        let pkg = read_package(&json, dir, &manifest, &root)?;
        ws.packages.push(pkg);
        raw.push(json);
    }

    // One lockfile per package: each is the lockfile of its package's install (importer `.`).
    if pnpm.split_lockfiles {
        for dir in manifests.iter().filter(|d| !d.is_empty()) {
            let path = root.join(dir).join(LOCKFILE);
            if !path.is_file() {
                continue;
            }
            if let Some(own) = read_lockfile_importers(&path)?.remove(".") {
                pnpm.locked.insert(dir.clone(), own);
            }
            pnpm.package_lockfiles.insert(dir.clone());
        }
    }

    // Names are how `workspace:` specs point at packages: they must be unique.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for i in first..ws.packages.len() {
        let p = &ws.packages[i];
        if p.ecosystem != Ecosystem::Pnpm {
            continue;
        }
        if let Some(&other) = by_name.get(&p.name) {
            return Err(Error::workspace(
                root.join(&p.manifest),
                format!(
                    "the package name `{}` is also used by {}; workspace package names must be unique",
                    p.name, ws.packages[other].manifest
                ),
            ));
        }
        by_name.insert(p.name.clone(), i);
    }
    let by_dir: HashMap<String, usize> = (first..ws.packages.len())
        .map(|i| (ws.packages[i].dir.clone(), i))
        .collect();

    // Edges.
    for (offset, json) in raw.iter().enumerate() {
        let i = first + offset;
        let deps = read_deps(json, &ws.packages, i, &pnpm, &by_name, &by_dir, &root)?;
        let pkg = &mut ws.packages[i];
        let mut external = BTreeSet::new();
        let mut dev = BTreeSet::new();
        for d in &deps {
            match (d.internal, d.kind) {
                (Some(target), kind) => pkg.internal_deps.push(InternalDep {
                    alias: d.key.clone(),
                    package: target,
                    kind,
                    spec: d.spec.clone(),
                }),
                (None, DepKind::Dev) => {
                    dev.insert(d.key.clone());
                }
                (None, _) => {
                    external.insert(d.key.clone());
                }
            }
        }
        pkg.external_deps = external.iter().cloned().collect();
        pkg.dev_deps = dev.difference(&external).cloned().collect();
        if let Some(node) = pkg.node.as_mut() {
            node.deps = deps;
        }
    }

    if let Some(cycle) = graph::find_cycle(&ws.packages) {
        let at = cycle
            .0
            .first()
            .and_then(|n| by_name.get(n))
            .map(|&i| root.join(&ws.packages[i].manifest))
            .unwrap_or_else(|| ws_file.clone());
        return Err(Error::workspace(
            at,
            format!("dependency cycle between workspace packages: {cycle} (runtime dependencies must not form a cycle)"),
        ));
    }

    // Services.
    let candidates: Vec<usize> = (first..ws.packages.len()).collect();
    let chosen = super::select_services(&root, &ws.packages, &candidates, config, |p| {
        super::default_node_service_rule(&p.dir)
    })?;
    for i in chosen {
        let runtime = graph::runtime_closure(&ws.packages, i).map_err(|c| {
            Error::workspace(
                root.join(&ws.packages[i].manifest),
                format!("dependency cycle: {c}"),
            )
        })?;
        let build = graph::reachable(&ws.packages, i, |_| true);
        let p = &ws.packages[i];
        ws.services.push(Service {
            name: p.folder_name().to_string(),
            package: i,
            entry: p
                .node
                .as_ref()
                .and_then(|n| n.service_entry())
                .unwrap_or_default()
                .to_string(),
            runtime_closure: runtime,
            build_closure: build,
        });
    }
    super::check_unique_service_names(&root, ws)?;
    ws.pnpm = Some(pnpm);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Files

/// A text file without its UTF-8 byte order mark: editors on Windows write one, and npm, pnpm
/// and Node all skip it (`strip-bom`), so a manifest that starts with it is a valid manifest.
pub fn read_text(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn read_yaml(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))?;
    match value {
        Value::Null => Ok(Value::Object(Default::default())),
        Value::Object(_) => Ok(value),
        _ => Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: "expected a mapping at the top level (with a `packages:` list)".into(),
        }),
    }
}

/// A YAML error as `file:line:col: message` (the message without its own position).
fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> Error {
    let message = e.without_snippet().to_string();
    let message = message.lines().next().unwrap_or(&message).trim();
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    Error::Parse {
        path: path.to_path_buf(),
        location: e.location().map(|l| format!("{}:{}", l.line(), l.column())),
        message: message.to_string(),
    }
}

/// Reads and parses a JSON file; errors carry `line:column`.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        location: Some(format!("{}:{}", e.line(), e.column())),
        message: strip_serde_position(&e.to_string()),
    })?;
    if !value.is_object() {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: "expected a JSON object".into(),
        });
    }
    Ok(value)
}

/// serde_json appends " at line X column Y", which the error already carries.
fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn string_list(yaml: &Value, key: &str, path: &Path) -> Result<Vec<String>> {
    match yaml.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message: format!("`{key}` must be a list of strings, found {other}"),
                }),
            })
            .collect(),
        Some(other) => Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: format!("`{key}` must be a list of strings, found {other}"),
        }),
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_map(v: &Value, what: &str, path: &Path) -> Result<BTreeMap<String, String>> {
    let Value::Object(map) = v else {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: format!("`{what}` must map package names to version ranges"),
        });
    };
    map.iter()
        .map(|(k, v)| {
            scalar_string(v)
                .map(|s| (k.clone(), s))
                .ok_or_else(|| Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message: format!("`{what}.{k}` must be a version range string, found {v}"),
                })
        })
        .collect()
}

fn read_catalogs(yaml: &Value, path: &Path) -> Result<Catalogs> {
    let mut catalogs = Catalogs::new();
    if let Some(v) = yaml.get("catalog").filter(|v| !v.is_null()) {
        catalogs.insert("default".into(), string_map(v, "catalog", path)?);
    }
    if let Some(v) = yaml.get("catalogs").filter(|v| !v.is_null()) {
        let Value::Object(named) = v else {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                location: None,
                message: "`catalogs` must map catalog names to catalogs".into(),
            });
        };
        for (name, catalog) in named {
            let entries = string_map(catalog, &format!("catalogs.{name}"), path)?;
            if name == "default" && catalogs.contains_key("default") {
                return Err(Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message:
                        "both `catalog` and `catalogs.default` are given; pnpm allows only one"
                            .into(),
                });
            }
            catalogs.insert(name.clone(), entries);
        }
    }
    Ok(catalogs)
}

fn read_root_facts(root: &Path, yaml: &Value, pnpm: &mut PnpmWorkspace) -> Result<()> {
    let root_manifest = root.join("package.json");
    let mut patches = BTreeSet::new();
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut overrides_file = None;
    let mut root_deps: HashMap<String, String> = HashMap::new();
    if root_manifest.is_file() {
        let json = read_json(&root_manifest)?;
        for field in ["optionalDependencies", "devDependencies", "dependencies"] {
            if let Some(Value::Object(deps)) = json.get(field) {
                for (k, v) in deps {
                    if let Some(v) = v.as_str() {
                        root_deps.insert(k.clone(), v.to_string());
                    }
                }
            }
        }
        for (pointer, what) in [
            ("/resolutions", "resolutions"),
            ("/pnpm/overrides", "pnpm.overrides"),
        ] {
            if let Some(v) = json.pointer(pointer).filter(|v| !v.is_null()) {
                let map = string_map(v, what, &root_manifest)?;
                merge_overrides(&mut overrides, map);
                overrides_file = Some("package.json".to_string());
            }
        }
        pnpm.package_manager = json
            .get("packageManager")
            .and_then(Value::as_str)
            .map(str::to_string);
        pnpm.pnpm_version = pnpm
            .package_manager
            .as_deref()
            .and_then(|pm| pm.strip_prefix("pnpm@"))
            .map(|v| v.split('+').next().unwrap_or(v).trim().to_string())
            .filter(|v| !v.is_empty());
        pnpm.engines_node = json
            .pointer("/engines/node")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(Value::Object(p)) = json.pointer("/pnpm/patchedDependencies") {
            patches.extend(p.values().filter_map(Value::as_str).map(normalize_rel));
        }
    }
    if let Some(Value::Object(p)) = yaml.get("patchedDependencies") {
        patches.extend(p.values().filter_map(Value::as_str).map(normalize_rel));
    }
    pnpm.patches = patches.into_iter().collect();
    if let Some(v) = yaml.get("overrides").filter(|v| !v.is_null()) {
        let map = string_map(v, "overrides", &root.join(WORKSPACE_FILE))?;
        merge_overrides(&mut overrides, map);
        overrides_file = Some(WORKSPACE_FILE.to_string());
    }
    // What pnpm does to the values before it applies them.
    for (selector, spec) in &mut overrides {
        if let Some(name) = spec.strip_prefix('$') {
            if let Some(v) = root_deps.get(name) {
                *spec = v.clone();
            }
        } else if spec::is_catalog(spec) {
            let name = selector_target(selector);
            if let Ok(Some(range)) = spec::resolve_catalog(&pnpm.catalogs, name, spec) {
                *spec = range;
            }
        }
    }

    for name in [".nvmrc", ".node-version"] {
        if let Ok(text) = std::fs::read_to_string(root.join(name)) {
            pnpm.nvmrc = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string);
            if pnpm.nvmrc.is_some() {
                break;
            }
        }
    }
    // An empty lockfile is no lockfile to pnpm (`--frozen-lockfile` refuses to run).
    pnpm.lockfile = root.join(LOCKFILE).is_file()
        && read_text(&root.join(LOCKFILE)).is_ok_and(|t| !t.trim().is_empty());
    if pnpm.lockfile {
        pnpm.lockfile_version = read_lockfile_version(&root.join(LOCKFILE));
        let lock = read_lockfile(&root.join(LOCKFILE))?;
        pnpm.locked = lock.importers;
        pnpm.locked_versions = lock.versions;
        if !lock.overrides.is_empty() {
            overrides = lock.overrides.into_iter().collect();
            overrides_file = Some(LOCKFILE.to_string());
        }
    }
    pnpm.overrides = overrides;
    pnpm.overrides_file = overrides_file;
    pnpm.npmrc = root.join(".npmrc").is_file();
    let npmrc_split = pnpm.npmrc
        && read_text(&root.join(".npmrc"))
            .map(|t| npmrc_setting(&t, "shared-workspace-lockfile").as_deref() == Some("false"))
            .unwrap_or(false);
    pnpm.split_lockfiles =
        npmrc_split || yaml.get("sharedWorkspaceLockfile") == Some(&Value::Bool(false));
    let npmrc_inject = pnpm.npmrc
        && read_text(&root.join(".npmrc"))
            .map(|t| npmrc_setting(&t, "inject-workspace-packages").as_deref() == Some("true"))
            .unwrap_or(false);
    pnpm.inject_workspace_packages =
        npmrc_inject || yaml.get("injectWorkspacePackages") == Some(&Value::Bool(true));
    pnpm.pnpmfile = root.join(".pnpmfile.cjs").is_file();
    let mut tsconfigs: Vec<String> = std::fs::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("tsconfig") && n.ends_with(".json"))
        .collect();
    tsconfigs.sort();
    pnpm.tsconfigs = tsconfigs;
    Ok(())
}

/// Adds `more` to `overrides`: a selector already there takes the new spec in place.
fn merge_overrides(overrides: &mut Vec<(String, String)>, more: BTreeMap<String, String>) {
    for (k, v) in more {
        match overrides.iter_mut().find(|(s, _)| *s == k) {
            Some(entry) => entry.1 = v,
            None => overrides.push((k, v)),
        }
    }
}

/// The package an override selector changes: the last part of `parent>child`, without its
/// range (`foo@^1` -> `foo`, `@s/p@1>@s/c` -> `@s/c`).
pub fn selector_target(selector: &str) -> &str {
    let last = selector.rsplit('>').next().unwrap_or(selector).trim();
    name_of_part(last)
}

/// `name@range` -> `name` (scoped names keep their leading `@`).
pub fn name_of_part(part: &str) -> &str {
    let first = part.chars().next().map_or(0, char::len_utf8);
    match part[first..].find('@') {
        Some(i) => &part[..first + i],
        None => part,
    }
}

/// The value of `key` in `.npmrc` text (`key=value` lines; `#` and `;` start comments; the
/// last assignment wins, as in npm's ini reader).
pub fn npmrc_setting(text: &str, key: &str) -> Option<String> {
    text.lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
}

/// `lockfileVersion` from the top of `pnpm-lock.yaml`, without parsing the (large) rest.
fn read_lockfile_version(path: &Path) -> Option<String> {
    let text = read_text(path).ok()?;
    text.lines().take(20).find_map(|l| {
        l.strip_prefix("lockfileVersion:")
            .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
    })
}

#[derive(serde::Deserialize)]
struct Lockfile {
    #[serde(default)]
    importers: BTreeMap<String, LockImporter>,
    /// `overrides` as pnpm applied them (`$name` references and `catalog:` resolved).
    #[serde(default)]
    overrides: BTreeMap<String, String>,
    /// `name@version` (v9), `/name@version(peers)` (v6), `/name/version_peers` (v5.4).
    #[serde(default)]
    packages: BTreeMap<String, serde::de::IgnoredAny>,
    /// A lockfile of one project (no `importers`, as pnpm 8 writes per-package lockfiles)
    /// holds that project's dependencies at the top.
    #[serde(flatten)]
    single: LockImporter,
}

#[derive(serde::Deserialize)]
struct LockImporter {
    #[serde(default)]
    dependencies: BTreeMap<String, LockEntry>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, LockEntry>,
    /// Lockfile v5.4: specifiers apart, versions as plain strings.
    #[serde(default)]
    specifiers: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum LockEntry {
    Full { specifier: String, version: String },
    Version(String),
}

/// What isogen reads from a `pnpm-lock.yaml`.
#[derive(Debug, Default)]
struct LockfileFacts {
    importers: BTreeMap<String, BTreeMap<String, LockedDep>>,
    overrides: BTreeMap<String, String>,
    versions: BTreeMap<String, BTreeSet<String>>,
}

/// The `importers` of `pnpm-lock.yaml` (v5.4 to v9).
fn read_lockfile_importers(path: &Path) -> Result<BTreeMap<String, BTreeMap<String, LockedDep>>> {
    Ok(read_lockfile(path)?.importers)
}

/// The name and version of a `packages:` key of a lockfile: `@s/a@1.2.3` (v9),
/// `/@s/a@1.2.3(react@18.2.0)` (v6), `/@s/a/1.2.3_react@18.2.0` (v5.4). `None` for keys
/// that are not a registry version (tarballs, git, directories).
fn package_key(key: &str) -> Option<(String, String)> {
    let key = key.trim().trim_start_matches('/');
    let key = key.split('(').next().unwrap_or(key);
    // The name: one segment, two for a scoped one; then `@version` (v6, v9) or `/version` (v5.4).
    let name_len = if key.starts_with('@') {
        let slash = key.find('/')?;
        slash
            + 1
            + key[slash + 1..]
                .find(['@', '/'])
                .unwrap_or(key.len() - slash - 1)
    } else {
        key.find(['@', '/']).unwrap_or(key.len())
    };
    let (name, rest) = key.split_at(name_len);
    let version = match rest.chars().next() {
        Some('@') => &rest[1..],
        Some('/') => rest[1..].split('_').next().unwrap_or_default(),
        _ => return None,
    };
    let version = nodejs_semver::Version::parse(version).ok()?;
    (!name.is_empty()).then(|| (name.to_string(), version.to_string()))
}

/// Reads a `pnpm-lock.yaml` (v5.4 to v9): importers, overrides and the locked versions of
/// every package. An empty file holds nothing.
fn read_lockfile(path: &Path) -> Result<LockfileFacts> {
    let text = read_text(path)?;
    if text.trim().is_empty() {
        return Ok(LockfileFacts::default());
    }
    let mut lock: Lockfile = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))?;
    if lock.importers.is_empty() {
        lock.importers.insert(".".to_string(), lock.single);
    }
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for key in lock.packages.keys() {
        if let Some((name, version)) = package_key(key) {
            versions.entry(name).or_default().insert(version);
        }
    }
    let importers = lock
        .importers
        .into_iter()
        .map(|(dir, imp)| {
            let deps = imp
                .dependencies
                .into_iter()
                .chain(imp.optional_dependencies)
                .filter_map(|(key, entry)| {
                    let locked = match entry {
                        LockEntry::Full { specifier, version } => LockedDep { specifier, version },
                        LockEntry::Version(version) => LockedDep {
                            specifier: imp.specifiers.get(&key)?.clone(),
                            version,
                        },
                    };
                    Some((key, locked))
                })
                .collect();
            (dir, deps)
        })
        .collect();
    Ok(LockfileFacts {
        importers,
        overrides: lock.overrides,
        versions,
    })
}

fn normalize_rel(p: &str) -> String {
    p.trim().trim_start_matches("./").to_string()
}

/// Folders (workspace-relative, `/`-separated, sorted) whose package.json the globs select.
fn find_manifests(root: &Path, globs: &[String], ws_file: &Path) -> Result<Vec<String>> {
    let (include, exclude) = compile_globs(globs, ws_file)?;
    let mut dirs = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            !(name.starts_with('.') || NEVER_SEARCHED.contains(&name.as_ref()))
        });
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            Error::io(path, std::io::Error::other(e.to_string()))
        })?;
        if entry.depth() == 0 || !entry.file_type().is_dir() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let manifest = format!("{rel}/package.json");
        if include.is_match(&manifest)
            && !exclude.is_match(&manifest)
            && entry.path().join("package.json").is_file()
        {
            dirs.push(rel);
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn compile_globs(globs: &[String], ws_file: &Path) -> Result<(GlobSet, GlobSet)> {
    let mut include = GlobSetBuilder::new();
    let mut exclude = GlobSetBuilder::new();
    for raw in globs {
        let (negated, pattern) = match raw.trim().strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, raw.trim()),
        };
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        let full = if pattern.is_empty() || pattern == "." {
            "package.json".to_string()
        } else {
            format!("{pattern}/package.json")
        };
        let glob: Glob = GlobBuilder::new(&full)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Parse {
                path: ws_file.to_path_buf(),
                location: None,
                message: format!("`packages` glob `{raw}` is invalid: {e}"),
            })?;
        if negated {
            exclude.add(glob);
        } else {
            include.add(glob);
        }
    }
    let build = |b: GlobSetBuilder| {
        b.build().map_err(|e| Error::Parse {
            path: ws_file.to_path_buf(),
            location: None,
            message: format!("`packages` globs are invalid: {e}"),
        })
    };
    Ok((build(include)?, build(exclude)?))
}

// ---------------------------------------------------------------------------------------------
// package.json

fn read_package(json: &Value, dir: &str, manifest: &str, root: &Path) -> Result<Package> {
    let path = root.join(manifest);
    let get_str = |key: &str| -> Result<Option<String>> {
        match json.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Error::Parse {
                path: path.clone(),
                location: None,
                message: format!("`{key}` must be a string, found {other}"),
            }),
        }
    };
    let name = get_str("name")?.filter(|n| !n.is_empty());
    for (key, value) in [
        ("name", name.as_deref()),
        ("version", json.get("version").and_then(Value::as_str)),
    ] {
        if let Some(v) = value.filter(|v| v.chars().any(|c| c.is_whitespace() || c.is_control())) {
            return Err(Error::Parse {
                path,
                location: None,
                message: format!("`{key}` {v:?} contains whitespace; it cannot be a package {key}"),
            });
        }
    }
    let has_name = name.is_some();
    // A package without a name can still be a service (pnpm allows it); it is known by its
    // folder then, and cannot be the target of a `workspace:` spec.
    let name = name.unwrap_or_else(|| dir.to_string());
    let publish_overrides: BTreeMap<String, Value> = match json.get("publishConfig") {
        Some(Value::Object(pc)) => pc
            .iter()
            .filter(|(k, _)| PUBLISH_OVERRIDES.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => BTreeMap::new(),
    };
    let main = match publish_overrides.get("main") {
        Some(Value::String(m)) => Some(m.clone()),
        _ => get_str("main")?,
    }
    .map(|m| normalize_rel(&m));
    let exports = publish_overrides
        .get("exports")
        .or_else(|| json.get("exports"));
    let scripts = match json.get("scripts") {
        Some(v @ Value::Object(_)) => string_map(v, "scripts", &path)?,
        _ => BTreeMap::new(),
    };
    let entry = main
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| exports.and_then(exports_entry))
        .or_else(|| scripts.get("start").and_then(|s| start_script_entry(s)));
    let start_entry = scripts.get("start").and_then(|s| start_script_entry(s));
    let out_dir = out_dir_of(entry.as_deref());
    let bin = publish_overrides
        .get("bin")
        .or_else(|| json.get("bin"))
        .and_then(|b| bin_entry(b, &name));
    let files = match json.get("files") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Some(other) => {
            return Err(Error::Parse {
                path,
                location: None,
                message: format!("`files` must be a list of strings, found {other}"),
            })
        }
    };
    let module_type = get_str("type")?.unwrap_or_else(|| "commonjs".to_string());
    Ok(Package {
        ecosystem: Ecosystem::Pnpm,
        name,
        version: get_str("version")?,
        dir: dir.to_string(),
        manifest: manifest.to_string(),
        internal_deps: Vec::new(),
        external_deps: Vec::new(),
        dev_deps: Vec::new(),
        node: Some(NodePackage {
            has_name,
            description: get_str("description")?,
            module_type,
            main,
            entry,
            out_dir,
            bin,
            start_entry,
            files,
            scripts,
            engines_node: json
                .pointer("/engines/node")
                .and_then(Value::as_str)
                .map(str::to_string),
            publish_overrides,
            deps: Vec::new(),
            injected: match json.get("dependenciesMeta") {
                Some(Value::Object(meta)) => meta
                    .iter()
                    .filter(|(_, m)| m.get("injected") == Some(&Value::Bool(true)))
                    .map(|(k, _)| name_of_part(k).to_string())
                    .collect(),
                _ => BTreeSet::new(),
            },
        }),
        cargo: None,
    })
}

/// The output folder of a package whose entry is `entry`: its first folder (`dist/main.js` ->
/// `dist`); `""` for an entry at the top of the package (`index.js`); `dist` without an entry.
fn out_dir_of(entry: Option<&str>) -> String {
    match entry {
        Some(e) => e
            .split_once('/')
            .map(|(first, _)| first.to_string())
            .unwrap_or_default(),
        None => "dist".to_string(),
    }
}

/// The file of a package's only command: `"bin": "./cli.js"`, a `bin` map with one entry, or
/// the map's entry named like the package without its scope (what `npx <name>` runs). `None`
/// when the map names several commands and none is the package's own.
pub fn bin_entry(bin: &Value, package: &str) -> Option<String> {
    let file = match bin {
        Value::String(s) => s.as_str(),
        Value::Object(map) if map.len() == 1 => map.values().next()?.as_str()?,
        Value::Object(map) => {
            let own = package.rsplit('/').next().unwrap_or(package);
            map.get(own)?.as_str()?
        }
        _ => return None,
    };
    let file = normalize_rel(file);
    (!file.is_empty() && !file.starts_with('/') && !file.split('/').any(|s| s == ".."))
        .then_some(file)
}

/// The file the `exports` field gives for the package's main entry (`.`), with the conditions
/// Node matches when it runs a file directly; `None` when there is none.
pub fn exports_entry(exports: &Value) -> Option<String> {
    match exports {
        Value::String(s) => Some(normalize_rel(s)),
        Value::Array(items) => items.iter().find_map(exports_entry),
        Value::Object(map) => {
            // Either a subpath map (keys start with `.`) or a conditions map.
            if map.keys().any(|k| k.starts_with('.')) {
                map.get(".").and_then(exports_entry)
            } else {
                map.iter()
                    .filter(|(k, _)| {
                        matches!(k.as_str(), "node" | "import" | "require" | "default")
                    })
                    .find_map(|(_, v)| exports_entry(v))
            }
        }
        _ => None,
    }
}

/// The file a `start` script runs when it is plainly `node [--option ...] <file> [args]`
/// (`node --enable-source-maps dist/main.js`); `None` for anything else (other tools, shell
/// operators, environment assignments).
pub fn start_script_entry(script: &str) -> Option<String> {
    start_script_parts(script).map(|(_, file)| file)
}

/// The options a `start` script of the form `node [options] <file>` gives `node`, as written
/// (`--import ./tracing.mjs`, `--enable-source-maps`); empty for any other script.
pub fn start_script_node_options(script: &str) -> Vec<String> {
    start_script_parts(script)
        .map(|(options, _)| options)
        .unwrap_or_default()
}

fn start_script_parts(script: &str) -> Option<(Vec<String>, String)> {
    if script.contains(['&', '|', ';', '$', '`', '>', '<']) {
        return None;
    }
    let mut words = script.split_whitespace();
    if words.next()? != "node" {
        return None;
    }
    // Options that take a separate value (`-r dotenv/config`).
    const WITH_VALUE: &[&str] = &[
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "--env-file",
        "-C",
        "--conditions",
    ];
    let mut skip_value = false;
    let mut options: Vec<String> = Vec::new();
    for w in words {
        if skip_value {
            skip_value = false;
            if let Some(last) = options.last_mut() {
                last.push(' ');
                last.push_str(w);
            }
            continue;
        }
        if w.starts_with('-') {
            skip_value = WITH_VALUE.contains(&w);
            options.push(w.to_string());
            continue;
        }
        let file = normalize_rel(w.trim_matches(['"', '\'']));
        let looks_like_file = file.ends_with(".js")
            || file.ends_with(".mjs")
            || file.ends_with(".cjs")
            || file.contains('/');
        return (looks_like_file && !file.starts_with('/') && !file.contains(".."))
            .then_some((options, file));
    }
    None
}

fn read_deps(
    json: &Value,
    packages: &[Package],
    index: usize,
    pnpm: &PnpmWorkspace,
    by_name: &HashMap<String, usize>,
    by_dir: &HashMap<String, usize>,
    root: &Path,
) -> Result<Vec<DeclaredDep>> {
    let pkg = &packages[index];
    let path = root.join(&pkg.manifest);
    let mut out = Vec::new();
    for (field, kind) in [
        ("dependencies", DepKind::Normal),
        ("optionalDependencies", DepKind::Optional),
        ("peerDependencies", DepKind::Peer),
        ("devDependencies", DepKind::Dev),
    ] {
        let Some(v) = json.get(field).filter(|v| !v.is_null()) else {
            continue;
        };
        let Value::Object(map) = v else {
            return Err(Error::Parse {
                path: path.clone(),
                location: None,
                message: format!("`{field}` must map package names to specs, found {v}"),
            });
        };
        for (key, spec) in map {
            if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::Parse {
                    path: path.clone(),
                    location: None,
                    message: format!("`{field}` has the key {key:?}, which is not a package name"),
                });
            }
            let Some(spec) = spec.as_str() else {
                return Err(Error::Parse {
                    path: path.clone(),
                    location: None,
                    message: format!("`{field}.{key}` must be a string, found {spec}"),
                });
            };
            let mut dep = DeclaredDep {
                kind,
                key: key.clone(),
                spec: spec.to_string(),
                catalog_range: None,
                internal: None,
            };
            let bad = |message: String| {
                Error::workspace(&path, format!("`{field}.{key}: {spec}`: {message}"))
            };
            if let Some(ws_spec) = WorkspaceSpec::parse(spec).map_err(|e| bad(e.0))? {
                let target = match &ws_spec.target {
                    WorkspaceTarget::Path(rel) => spec::join_normalized(&pkg.dir, rel)
                        .and_then(|dir| by_dir.get(&dir).copied()),
                    _ => ws_spec
                        .target_name(key)
                        .and_then(|name| by_name.get(name).copied()),
                };
                let Some(target) = target else {
                    let what = match &ws_spec.target {
                        WorkspaceTarget::Path(rel) => format!("the folder `{rel}`"),
                        _ => format!("`{}`", ws_spec.target_name(key).unwrap_or(key)),
                    };
                    return Err(bad(format!(
                        "{what} is not a package of this workspace (check the name, or the `packages:` globs of {WORKSPACE_FILE})"
                    )));
                };
                // Peers are not resolved by the install of this package: only the others.
                if let Some(message) = (kind != DepKind::Peer)
                    .then(|| unsatisfied_range(&ws_spec, &packages[target]))
                    .flatten()
                {
                    return Err(bad(message));
                }
                dep.internal = Some(target);
            } else if let Some(range) =
                spec::resolve_catalog(&pnpm.catalogs, key, spec).map_err(|e| bad(e.0))?
            {
                dep.catalog_range = Some(range);
            } else if let Some(rel) = spec
                .strip_prefix("link:")
                .or_else(|| spec.strip_prefix("file:"))
            {
                // `link:`/`file:` to a workspace package's folder is an internal edge too.
                dep.internal = spec::join_normalized(&pkg.dir, rel.trim())
                    .and_then(|dir| by_dir.get(&dir).copied());
                // Anything else it names is neither in the install stage (only manifests) nor
                // in the image: the run-time install cannot find it.
                if dep.internal.is_none() && kind != DepKind::Dev {
                    return Err(bad(format!(
                        "`{}` is not a package of this workspace, so the image cannot ship it; add its folder to the `packages:` globs of {WORKSPACE_FILE}, or depend on a published version",
                        rel.trim()
                    )));
                }
            } else if let Some(rel) = pnpm
                .locked
                .get(if pkg.dir.is_empty() { "." } else { &pkg.dir })
                .and_then(|deps| deps.get(key))
                .filter(|l| l.specifier == spec)
                .and_then(|l| l.version.strip_prefix("link:"))
            {
                // A plain range pnpm linked to a workspace package (`link-workspace-packages`,
                // pnpm 8's default): the lockfile says `link:<folder>`.
                dep.internal = spec::join_normalized(&pkg.dir, rel.trim())
                    .and_then(|dir| by_dir.get(&dir).copied());
            }
            out.push(dep);
        }
    }
    Ok(out)
}

/// Why pnpm would refuse a `workspace:<range>` spec on `target`: its version is not in the
/// range. pnpm picks the workspace package with `semver.maxSatisfying(versions, range, {loose:
/// true})` (prereleases only for ranges that name them) and fails the install
/// (`ERR_PNPM_NO_MATCHING_VERSION_INSIDE_WORKSPACE`) when none matches. `None` when it matches,
/// and for `*`/`^`/`~`, paths, targets without a valid version and ranges npm cannot parse
/// (nothing certain can be said of them).
fn unsatisfied_range(ws_spec: &WorkspaceSpec, target: &Package) -> Option<String> {
    let spec::WorkspaceRange::Range(range) = &ws_spec.range else {
        return None;
    };
    let version_text = target.version.as_deref()?;
    let version =
        nodejs_semver::Version::parse(version_text.trim().trim_start_matches(['v', '='])).ok()?;
    let parsed = nodejs_semver::Range::parse(range.trim()).ok()?;
    if version.satisfies(&parsed) {
        return None;
    }
    Some(format!(
        "`{}` is at version {version_text} ({}), which the range `{range}` does not allow; pnpm refuses to install it (ERR_PNPM_NO_MATCHING_VERSION_INSIDE_WORKSPACE): change the range, or the version of `{}`",
        target.name, target.manifest, target.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exports_entry_forms() {
        assert_eq!(
            exports_entry(&json!("./dist/index.js")).as_deref(),
            Some("dist/index.js")
        );
        assert_eq!(
            exports_entry(&json!({".": "./lib/main.js", "./util": "./lib/util.js"})).as_deref(),
            Some("lib/main.js")
        );
        assert_eq!(
            exports_entry(&json!({"types": "./dist/index.d.ts", "import": "./dist/index.mjs", "require": "./dist/index.cjs"}))
                .as_deref(),
            Some("dist/index.mjs")
        );
        assert_eq!(
            exports_entry(&json!({".": {"node": {"import": "./build/node.mjs"}, "default": "./build/browser.js"}}))
                .as_deref(),
            Some("build/node.mjs")
        );
        assert_eq!(
            exports_entry(&json!({".": [{"default": "./out/a.js"}, "./out/b.js"]})).as_deref(),
            Some("out/a.js")
        );
        assert_eq!(exports_entry(&json!({"./feature": "./x.js"})), None);
        assert_eq!(exports_entry(&json!({"types": "./x.d.ts"})), None);
    }

    #[test]
    fn the_only_bin_command_is_a_service_entry() {
        let b = |v: Value| bin_entry(&v, "@acme/report");
        assert_eq!(b(json!("./cli.js")).as_deref(), Some("cli.js"));
        assert_eq!(
            b(json!({"reporter": "./bin/reporter.js"})).as_deref(),
            Some("bin/reporter.js")
        );
        assert_eq!(
            b(json!({"report": "bin/a.js", "report-admin": "bin/b.js"})).as_deref(),
            Some("bin/a.js")
        );
        assert_eq!(b(json!({"a": "bin/a.js", "b": "bin/b.js"})), None);
        assert_eq!(b(json!("../outside.js")), None);
        assert_eq!(b(json!(["x"])), None);

        let n = NodePackage {
            out_dir: "dist".into(),
            bin: Some("bin/reporter.js".into()),
            ..Default::default()
        };
        assert_eq!(n.service_entry(), Some("bin/reporter.js"));
        assert_eq!(n.service_out_dir(), "bin");
        let n = NodePackage {
            entry: Some("dist/main.js".into()),
            ..n
        };
        assert_eq!(n.service_entry(), Some("dist/main.js"));
        assert_eq!(n.service_out_dir(), "dist");
        // `npm init` leaves `"main": "index.js"`; the start script says what the service runs.
        let n = NodePackage {
            entry: Some("index.js".into()),
            out_dir: String::new(),
            start_entry: Some("build/main.js".into()),
            ..n
        };
        assert_eq!(n.service_entry(), Some("build/main.js"));
        assert_eq!(n.service_out_dir(), "build");
    }

    #[test]
    fn start_scripts_that_run_node_give_the_entry() {
        let e = |s| start_script_entry(s);
        assert_eq!(e("node dist/main.js").as_deref(), Some("dist/main.js"));
        assert_eq!(
            e("node ./build/server.mjs --port 3000").as_deref(),
            Some("build/server.mjs")
        );
        assert_eq!(
            e("node --enable-source-maps -r dotenv/config dist/index.js").as_deref(),
            Some("dist/index.js")
        );
        assert_eq!(e("node dist"), None);
        assert_eq!(e("tsx src/main.ts"), None);
        assert_eq!(e("NODE_ENV=production node dist/main.js"), None);
        assert_eq!(e("node dist/a.js && node dist/b.js"), None);
        assert_eq!(e("node"), None);
        let o = start_script_node_options;
        assert_eq!(
            o("node --enable-source-maps -r dotenv/config --import ./tracing.mjs dist/index.js"),
            [
                "--enable-source-maps",
                "-r dotenv/config",
                "--import ./tracing.mjs"
            ]
        );
        assert!(o("node dist/main.js --port 3000").is_empty());
        assert!(o("tsx --watch src/main.ts").is_empty());
    }

    #[test]
    fn runtime_paths_from_files_then_out_dir_then_entry() {
        let mut n = NodePackage {
            entry: Some("lib/index.js".into()),
            out_dir: "lib".into(),
            ..Default::default()
        };
        assert_eq!(n.runtime_paths(n.entry.as_deref(), "lib"), vec!["lib"]);
        n.files = Some(vec![
            "dist/**/*.js".into(),
            "!dist/**/*.test.js".into(),
            "assets".into(),
            "*.md".into(),
        ]);
        assert_eq!(
            n.runtime_paths(n.entry.as_deref(), "lib"),
            vec!["assets", "dist"]
        );
        let n = NodePackage {
            entry: Some("index.js".into()),
            ..Default::default()
        };
        assert_eq!(n.runtime_paths(n.entry.as_deref(), ""), vec!["index.js"]);
    }

    #[test]
    fn lockfile_importers_v9_and_v5() {
        let dir = tempfile::tempdir().unwrap();
        let v9 = dir.path().join("v9.yaml");
        std::fs::write(
            &v9,
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      typescript:\n        specifier: 5.6.3\n        version: 5.6.3\n  services/api:\n    dependencies:\n      ms:\n        specifier: 'catalog:'\n        version: 2.1.3\n      react-dom:\n        specifier: ^18.2.0\n        version: 18.3.1(react@18.3.1)\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n    optionalDependencies:\n      fsevents:\n        specifier: ~2.3.2\n        version: 2.3.3\npackages:\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n",
        )
        .unwrap();
        let pnpm = PnpmWorkspace {
            locked: read_lockfile_importers(&v9).unwrap(),
            ..Default::default()
        };
        let v = |key, spec| pnpm.locked_version("services/api", key, spec);
        assert_eq!(v("ms", "catalog:").as_deref(), Some("2.1.3"));
        assert_eq!(v("react-dom", "^18.2.0").as_deref(), Some("18.3.1"));
        assert_eq!(v("fsevents", "~2.3.2").as_deref(), Some("2.3.3"));
        // A stale entry (package.json changed since) or a link is not a pin.
        assert_eq!(v("react-dom", "^18.3.0"), None);
        assert_eq!(v("@x/lib", "workspace:*"), None);
        assert_eq!(
            pnpm.locked_version("", "typescript", "5.6.3"),
            None,
            "devDependencies are not read"
        );

        let v5 = dir.path().join("v5.yaml");
        std::fs::write(
            &v5,
            "lockfileVersion: 5.4\nimporters:\n  services/api:\n    specifiers:\n      ms: ^2.1.0\n    dependencies:\n      ms: 2.1.3\n",
        )
        .unwrap();
        let pnpm = PnpmWorkspace {
            locked: read_lockfile_importers(&v5).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            pnpm.locked_version("services/api", "ms", "^2.1.0")
                .as_deref(),
            Some("2.1.3")
        );

        std::fs::write(&v5, "importers: [\n").unwrap();
        let err = read_lockfile_importers(&v5).unwrap_err().to_string();
        assert!(err.contains("v5.yaml"), "{err}");
    }

    #[test]
    fn lockfile_package_keys_of_every_version() {
        let k = |key| package_key(key);
        let nv = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
        assert_eq!(k("ms@2.1.3"), nv("ms", "2.1.3"));
        assert_eq!(k("@s/a@1.0.0-rc.1"), nv("@s/a", "1.0.0-rc.1"));
        assert_eq!(k("/ms@2.1.3"), nv("ms", "2.1.3"));
        assert_eq!(k("/@s/a@1.2.0(react@18.2.0)"), nv("@s/a", "1.2.0"));
        assert_eq!(k("/ms/2.1.3"), nv("ms", "2.1.3"));
        assert_eq!(k("/@s/a/1.2.0_react@18.2.0"), nv("@s/a", "1.2.0"));
        assert_eq!(k("@x/lib@file:packages/lib"), None);
        assert_eq!(k("foo@https://example.com/foo.tgz"), None);

        // A v6 lockfile's overrides and packages.
        let dir = tempfile::tempdir().unwrap();
        let v6 = dir.path().join("v6.yaml");
        std::fs::write(
            &v6,
            "\u{feff}lockfileVersion: '6.0'\n\noverrides:\n  ms: ^2.1.0\n  debug: 4\n\nimporters:\n\n  services/api:\n    dependencies:\n      debug:\n        specifier: ^4.3.0\n        version: 4.3.7\n\npackages:\n\n  /debug@4.3.7:\n    resolution: {integrity: sha512-x}\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-y}\n",
        )
        .unwrap();
        let lock = read_lockfile(&v6).unwrap();
        assert_eq!(lock.overrides.get("ms").map(String::as_str), Some("^2.1.0"));
        assert_eq!(lock.overrides.get("debug").map(String::as_str), Some("4"));
        assert_eq!(
            lock.versions.keys().map(String::as_str).collect::<Vec<_>>(),
            ["debug", "ms"]
        );
        assert_eq!(lock.importers["services/api"]["debug"].version, "4.3.7");
        assert_eq!(read_lockfile_version(&v6).as_deref(), Some("6.0"));
    }

    #[test]
    fn single_project_lockfiles_and_npmrc_settings() {
        let dir = tempfile::tempdir().unwrap();
        // pnpm 8 with shared-workspace-lockfile=false: a v6 lockfile without importers.
        let v6 = dir.path().join("v6.yaml");
        std::fs::write(
            &v6,
            "lockfileVersion: '6.0'\n\ndependencies:\n  ms:\n    specifier: ^2.1.0\n    version: 2.1.3\n\npackages:\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-x}\n",
        )
        .unwrap();
        let pnpm = PnpmWorkspace {
            locked: read_lockfile_importers(&v6).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            pnpm.locked_version("", "ms", "^2.1.0").as_deref(),
            Some("2.1.3")
        );

        let rc = "# comment\n; other\nshared-workspace-lockfile = true\nshared-workspace-lockfile=false\n";
        assert_eq!(
            npmrc_setting(rc, "shared-workspace-lockfile").as_deref(),
            Some("false")
        );
        assert_eq!(
            npmrc_setting(
                "#shared-workspace-lockfile=false",
                "shared-workspace-lockfile"
            ),
            None
        );
        assert_eq!(
            npmrc_setting("node-linker=hoisted", "shared-workspace-lockfile"),
            None
        );
    }

    #[test]
    fn globs_append_package_json_and_negate() {
        let (inc, exc) = compile_globs(
            &[
                "packages/**".into(),
                "services/*".into(),
                "!packages/legacy".into(),
                "!**/fixtures/**".into(),
            ],
            Path::new("pnpm-workspace.yaml"),
        )
        .unwrap();
        let sel = |p: &str| inc.is_match(p) && !exc.is_match(p);
        assert!(sel("packages/a/package.json"));
        assert!(sel("packages/nested/deep/package.json"));
        assert!(sel("services/api/package.json"));
        assert!(!sel("services/api/inner/package.json"));
        assert!(!sel("packages/legacy/package.json"));
        assert!(sel("packages/legacy/inner/package.json"));
        assert!(!sel("packages/x/fixtures/y/package.json"));
        assert!(!sel("other/package.json"));
    }
}
