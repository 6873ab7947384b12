//! pnpm workspaces: `pnpm-workspace.yaml`, every package's `package.json`, the `workspace:`
//! edges between them, the lockfile, `.npmrc` and the tsconfig files, read into the model so
//! that generate never has to look at the disk. One concept per file:
//!
//! - [`workspace_file`]: `packages:` globs and catalogs; [`manifest`]: one package.json;
//!   [`deps`]: its dependencies and their targets; [`folder`]: what its folder holds;
//! - [`root`]: the root facts (`packageManager`, overrides, patches, lockfile, `.npmrc`);
//!   [`lockfile`], [`build_scripts`], [`npmrc`], [`settings`], [`overrides`], [`node_version`], [`tsconfig`];
//!   [`remote`]: the lock graph's packages fetched from outside the npm registry;
//! - [`prisma`]: a package's Prisma schema and client generator; [`entry_script`]: the shell
//!   script a start script runs (`sh ./entrypoint.sh`);
//! - [`files`]: reading text, JSON and YAML with errors that name the file.
//!
//! The root package itself is not a package of the model. This module only reads files; it
//! never writes, renders, or runs pnpm.

pub mod build_scripts;
pub mod built_entry;
pub mod bundler;
pub mod current_lock;
pub mod deps;
pub mod dev_peers;
pub mod entry_script;
pub mod env_files;
pub mod files;
pub mod folder;
pub mod freshness;
pub mod front_end;
pub mod lambda;
pub mod launcher;
pub mod locked;
pub mod lockfile;
pub mod manifest;
pub mod manifest_rewrite;
pub mod next_config;
pub mod node_version;
pub mod npmrc;
pub mod overrides;
pub mod pnpm_major;
pub mod prisma;
pub mod remote;
pub mod root;
pub mod script_files;
pub mod server_bundle;
pub mod settings;
pub mod sources;
pub mod start_rule;
pub mod start_script;
pub mod started_tool;
mod test_runner;
pub mod tsc_emit;
pub mod tsc_root;
pub mod tsconfig;
pub mod workspace_file;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

pub use deps::{DeclaredDep, DepProblem};
pub use entry_script::{EntryScript, ScriptCommand, ScriptShape};
pub use files::{read_json, read_text};
pub use lockfile::{lockfile_documents, LockedDep};
pub use manifest::{bin_entry, exports_entry, out_dir_of, NodePackage};
pub use overrides::{name_of_part, selector_target};
pub use start_script::{
    service_start, start_command, start_script_entry, start_script_node_options, with_defaults,
    words_command, StartCommand, NODE_VALUE_OPTIONS,
};

use super::spec::Catalogs;
use super::{graph, DepKind, Ecosystem, InternalDep, Package, Service, Workspace, WorkspaceConfig};
use crate::error::{Error, Result};

/// The file that marks a pnpm workspace root.
pub const WORKSPACE_FILE: &str = "pnpm-workspace.yaml";
/// pnpm's lockfile.
pub const LOCKFILE: &str = "pnpm-lock.yaml";

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
    /// Whether the root has a package.json.
    pub root_manifest: bool,
    /// `lockfileVersion` of `pnpm-lock.yaml`, when there is one.
    pub lockfile_version: Option<String>,
    /// `engines.node` of the root package.json.
    pub engines_node: Option<String>,
    /// `engines.pnpm` of the root package.json, as written.
    pub engines_pnpm: Option<String>,
    /// The first line of `.nvmrc` (or `.node-version`).
    pub nvmrc: Option<String>,
    /// The Node version the workspace's files name, and which file (see [`node_version`]).
    pub node_version: Option<node_version::NodeVersion>,
    /// Whether there is a `pnpm-lock.yaml` pnpm can install from (present and not empty).
    pub lockfile: bool,
    /// Whether a `pnpm-lock.yaml` file is at the root at all (it may be empty).
    pub lockfile_present: bool,
    /// Root files that exist: `.npmrc`, `.pnpmfile.cjs`.
    pub npmrc: bool,
    pub pnpmfile: bool,
    /// Whether `.npmrc` holds registry credentials (auth lines, registry-scoped keys): the
    /// build must mount it as a secret and never copy it.
    pub npmrc_credentials: bool,
    /// The lines of `.npmrc` that are not credentials, in file order.
    pub npmrc_public: Vec<String>,
    /// With `ignore-scripts=true` or an allow list of builds: importer folder -> the packages
    /// of its production closure pnpm builds (marked `requiresBuild` in v5.4/v6 lockfiles, or
    /// named by `onlyBuiltDependencies` / `allowBuilds`; see [`build_scripts`]).
    pub requires_build: BTreeMap<String, BTreeSet<String>>,
    /// Importer folder -> the registry packages of its production closure that name the Node
    /// versions they run on (`engines.node` in a v9 lockfile), as (`name@version`, range).
    pub node_engines: BTreeMap<String, Vec<(String, String)>>,
    /// pnpm builds dependencies and nothing says which: a v9 lockfile (no `requiresBuild`
    /// marks), no allow list, scripts not ignored, and a pnpm before 10 (which runs every
    /// dependency's install script). A native addon may be among them.
    pub builds_unknown: bool,
    /// The root package.json has a `workspaces` field (npm's or yarn's, often beside pnpm's
    /// workspace file): npm run in a package folder below it reads and validates it.
    pub root_npm_workspaces: bool,
    /// The root package.json's dependencies, name -> the field that declares it
    /// (`dependencies`, `devDependencies`, `optionalDependencies`; `dependencies` wins).
    pub root_dependencies: BTreeMap<String, String>,
    /// The folders (workspace-relative) that the root package.json's `file:`/`link:`
    /// dependencies name (`"eslint-plugin-hive": "file:rules"`): pnpm installs the root
    /// project with every filtered install, so the deps stage needs them.
    pub root_local_dirs: Vec<String>,
    /// The root dependencies that workspace packages link to in the root's install,
    /// `"@saleor/app-sdk": "link:../../node_modules/@saleor/app-sdk"` (one copy for all): used
    /// by design, so the root-dependencies note leaves them out.
    pub root_links: BTreeSet<String>,
    /// The root package.json's start script (`start`, else `start:prod`) and its command
    /// (Reactive-Resume's `node dist/apps/server/main`): what a single-package repository
    /// runs, which isogen does not build (see [`no_packages_warning`]).
    pub root_start: Option<(String, String)>,
    /// Root `tsconfig*.json` files, sorted.
    pub tsconfigs: Vec<String>,
    /// The root's Turborepo config file (`turbo.json` or `turbo.jsonc`), when there is one:
    /// `eslint-plugin-turbo` reads it when a build lints (`next build`).
    pub turbo_json: Option<String>,
    /// Every tsconfig file of the packages (at the top of their folders) and every file they
    /// extend, transitively: workspace-relative path -> what it extends and references.
    pub tsconfig_files: BTreeMap<String, tsconfig::Tsconfig>,
    /// Service package folder -> where its `build` script's `tsc` writes, when its tsconfig
    /// sets `outDir` but no `rootDir` and the build is read exactly (see [`tsc_root`]).
    pub tsc_builds: BTreeMap<String, tsc_root::TscBuild>,
    /// The files the lockfile(s) do not reflect (pnpm's frozen-lockfile check would stop):
    /// empty when every lockfile is current (or there is none).
    pub stale: Vec<freshness::Stale>,
    /// Dependency entries discovery left out because no install of their package could work
    /// (see [`DepProblem`]), in package order: `generate` refuses the services that install
    /// the package, and only warns about a package no service installs.
    pub dep_problems: Vec<DepProblem>,
    /// The install-changing settings of `.npmrc` and `pnpm-workspace.yaml`.
    pub settings: settings::PnpmSettings,
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
    /// The package graph of `pnpm-lock.yaml` (v6, v9), for the optional peers a production
    /// install would ship from devDependencies (see [`dev_peers`]). Not serialized: it is large.
    #[serde(skip)]
    pub lock_graph: dev_peers::LockGraph,
    /// The imports of the sources of every service and of the packages their builds need:
    /// package folder -> its sources (see [`sources`]). Not serialized: it is large.
    #[serde(skip)]
    pub sources: BTreeMap<String, sources::PackageSources>,
}

/// Reads the pnpm side of the workspace at `ws.root` into `ws`: packages, edges, services
/// and the root facts.
pub fn discover(ws: &mut Workspace, config: &WorkspaceConfig) -> Result<()> {
    let root = ws.root.clone();
    let ws_file = root.join(WORKSPACE_FILE);
    let yaml = files::read_yaml(&ws_file)?;
    let globs = files::string_list(&yaml, "packages", &ws_file)?;
    let mut pnpm = PnpmWorkspace {
        catalogs: workspace_file::read_catalogs(&yaml, &ws_file)?,
        globs,
        ..Default::default()
    };
    let first = ws.packages.len();
    // The root facts (mostly parsing the lockfile) and the packages' folders are read at once,
    // on separate threads; the root's error, if any, is still the one reported first.
    let globs = pnpm.globs.clone();
    let (root_read, packages) = std::thread::scope(|scope| {
        let facts = scope.spawn(|| root::read_root_facts(&root, &yaml, &mut pnpm));
        let packages = workspace_file::find_manifests(&root, &globs, &ws_file)
            .and_then(|manifests| Ok((read_packages(&root, &manifests)?, manifests)));
        let facts = facts
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (facts, packages)
    });
    let root_read = root_read?;
    let ((mut packages, raw), manifests) = packages?;
    select_by_folder_when_named_as_root(&mut packages, root_read.manifest.as_ref());
    ws.packages.extend(packages);
    let own_lockfiles = if pnpm.split_lockfiles {
        read_package_lockfiles(&root, &manifests, &mut pnpm)?
    } else {
        BTreeMap::new()
    };
    pnpm.stale = stale_lockfiles(
        &ws.packages[first..],
        &raw,
        &pnpm,
        &root_read,
        &own_lockfiles,
    );
    let by_name = names_of(ws, first)?;
    let by_dir: HashMap<String, usize> = (first..ws.packages.len())
        .map(|i| (ws.packages[i].dir.clone(), i))
        .collect();
    pnpm.dep_problems = add_edges(ws, first, &raw, &pnpm, &by_name, &by_dir)?;
    pnpm.root_links = deps::root_links(&ws.packages[first..], &pnpm.root_dependencies);
    pnpm.tsconfig_files = tsconfig::read_all(
        &root,
        ws.packages[first..].iter().flat_map(|p| {
            let n = p.node.as_ref();
            n.into_iter()
                .flat_map(|n| &n.folder.tsconfigs)
                .map(|t| super::relpath::child(&p.dir, t))
        }),
    );
    let first_service = ws.services.len();
    add_services(ws, first, config)?;
    super::disambiguate_service_names(ws, first_service);
    super::check_unique_service_names(&root, ws)?;
    pnpm.sources = read_sources(ws, &pnpm);
    pnpm.tsc_builds = tsc_builds(ws, &pnpm);
    ws.pnpm = Some(pnpm);
    Ok(())
}

/// A package named as the workspace root's package.json is selected by its folder (see
/// [`manifest::NodePackage::select_by_folder`]).
fn select_by_folder_when_named_as_root(packages: &mut [Package], root_manifest: Option<&Value>) {
    let Some(root_name) = root_manifest.and_then(|j| j.get("name")?.as_str()) else {
        return;
    };
    for p in packages.iter_mut().filter(|p| p.name == root_name) {
        if let Some(n) = p.node.as_mut() {
            n.select_by_folder = true;
        }
    }
}

/// The predicted `tsc` output roots of the service packages (see [`tsc_root`]).
fn tsc_builds(ws: &Workspace, pnpm: &PnpmWorkspace) -> BTreeMap<String, tsc_root::TscBuild> {
    let services: BTreeSet<usize> = ws.services.iter().map(|s| s.package).collect();
    services
        .into_iter()
        .map(|i| &ws.packages[i])
        .filter_map(|p| {
            let n = p.node.as_ref()?;
            let build = tsc_root::predict(&ws.root, &p.dir, &n.scripts, &pnpm.tsconfig_files)?;
            Some((p.dir.clone(), build))
        })
        .collect()
}

/// The sources of every service's package and of the packages its build needs.
fn read_sources(ws: &Workspace, pnpm: &PnpmWorkspace) -> BTreeMap<String, sources::PackageSources> {
    let which: BTreeSet<usize> = ws
        .services
        .iter()
        .filter(|s| ws.packages[s.package].ecosystem == Ecosystem::Pnpm)
        .flat_map(|s| std::iter::once(s.package).chain(s.build_closure.iter().copied()))
        .filter(|&i| ws.packages[i].ecosystem == Ecosystem::Pnpm)
        .collect();
    let out_dirs: BTreeSet<String> = pnpm
        .tsconfig_files
        .values()
        .filter_map(|t| t.out_dir.clone())
        .collect();
    sources::read(&ws.root, &ws.packages, &which, &out_dirs)
}

/// Reads every selected package.json (folders sorted) and its folder, several at once
/// ([`crate::par::map`]); returns the packages and their parsed manifests in the order of
/// `manifests`, or the error of the first one (in that order) that could not be read.
fn read_packages(root: &Path, manifests: &[String]) -> Result<(Vec<Package>, Vec<Value>)> {
    let mut packages = Vec::with_capacity(manifests.len());
    let mut raw = Vec::with_capacity(manifests.len());
    for read in crate::par::map(manifests, |dir| read_package_at(root, dir)) {
        let (pkg, json) = read?;
        packages.push(pkg);
        raw.push(json);
    }
    Ok((packages, raw))
}

/// One package: its package.json, read and parsed, and what its folder holds.
fn read_package_at(root: &Path, dir: &str) -> Result<(Package, Value)> {
    let manifest = super::relpath::child(dir, "package.json");
    let json = read_json(&root.join(&manifest))?;
    let mut pkg = manifest::read_package(&json, dir, &manifest, root)?;
    if let Some(n) = pkg.node.as_mut() {
        n.folder = folder::PackageFolder::read(root, dir, n.entry.as_deref())?;
        n.prisma = prisma::read(root, dir, &json);
        if n.prisma.is_none() {
            n.prisma_elsewhere = prisma::schemas_elsewhere(root, dir, &json);
        }
        n.script_files = script_files::read(root, dir, &n.scripts);
        let top = n.folder.top_level.iter().map(|e| e.name.as_str());
        n.config_files = script_files::config_imports(root, dir, top);
        n.bundles = bundler::inlining(root, dir, &n.scripts, n.start_entry.as_deref());
        n.bundler_output = bundler::output(root, dir, n.scripts.get("build").map(String::as_str));
        n.manifest_rewrite = manifest_rewrite::rewrite(root, dir, &n.scripts);
        read_entry_script(root, dir, n);
        if let Some((_, StartCommand::PackageFile { file, .. })) = &n.start {
            n.start_file_node = launcher::node_shebang(root, dir, file);
        }
        let depends_on_next = ["dependencies", "devDependencies"]
            .iter()
            .any(|kind| json.get(kind).and_then(|d| d.get("next")).is_some());
        let has_config = (next_config::CONFIG_FILES.iter()).any(|f| n.folder.has(f));
        let starts_next = matches!(n.start, Some((_, StartCommand::Next { .. })));
        if depends_on_next || has_config || starts_next {
            n.next = Some(next_config::NextConfig::read(root, dir)?);
        }
        n.lambda = lambda::read(root, dir, n);
    }
    Ok((pkg, json))
}

/// The shell script the start script runs (`sh ./entrypoint.sh`), read; the `node` file its
/// last line runs becomes the package's start entry.
fn read_entry_script(root: &Path, dir: &str, n: &mut NodePackage) {
    let Some((
        _,
        StartCommand::ShellScript {
            shell,
            script,
            args,
        },
    )) = &n.start
    else {
        return;
    };
    let path = root.join(dir).join(script);
    let text = crate::fsio::read_to_string(&path).map_err(|e| e.to_string());
    let script = EntryScript::new(script, shell.as_deref(), args, text);
    if let Ok(ScriptShape {
        service: Some(service),
        ..
    }) = &script.shape
    {
        if let StartCommand::Node { file, .. } = words_command(&service.words) {
            n.start_entry = Some(file);
        }
    }
    n.entry_script = Some(script);
}

/// With `shared-workspace-lockfile=false`: each package's own lockfile, whose importer `.` is
/// that package's install. Returns each one's specifiers (folder -> importer `.`).
fn read_package_lockfiles(
    root: &Path,
    manifests: &[String],
    pnpm: &mut PnpmWorkspace,
) -> Result<BTreeMap<String, BTreeMap<String, lockfile::LockSpec>>> {
    let mut specs = BTreeMap::new();
    for dir in manifests.iter().filter(|d| !d.is_empty()) {
        let path = root.join(dir).join(LOCKFILE);
        if !crate::fsio::is_file(&path) {
            continue;
        }
        let mut lock = lockfile::read_lockfile(&path)?;
        if let Some(own) = lock.importers.remove(".") {
            pnpm.locked.insert(dir.clone(), own);
        }
        if let Some(own) = lock.specs.remove(".") {
            specs.insert(dir.clone(), own);
        }
        pnpm.package_lockfiles.insert(dir.clone());
    }
    Ok(specs)
}

/// Every manifest (and the catalogs and overrides) that its lockfile does not reflect; see
/// [`freshness`]. `packages` are this workspace's pnpm packages, `raw` their manifests.
fn stale_lockfiles(
    packages: &[Package],
    raw: &[Value],
    pnpm: &PnpmWorkspace,
    root_read: &root::RootRead,
    own_lockfiles: &BTreeMap<String, BTreeMap<String, lockfile::LockSpec>>,
) -> Vec<freshness::Stale> {
    // pnpm 8+ installs peers by default; pnpm 7 (lockfile 5.x) did not.
    let auto_install_peers = match pnpm.settings.get("auto-install-peers") {
        Some(s) => s.value == ["true"],
        None => !pnpm
            .lockfile_version
            .as_deref()
            .unwrap_or("9")
            .starts_with('5'),
    };
    let mut out = Vec::new();
    let mut push = |file: String, lockfile: String, differences: Vec<String>| {
        if !differences.is_empty() {
            let package = packages
                .iter()
                .find(|p| p.manifest == file)
                .map(|p| p.name.clone());
            out.push(freshness::Stale {
                file,
                package,
                lockfile,
                differences,
            });
        }
    };
    if pnpm.split_lockfiles {
        for (p, json) in packages.iter().zip(raw) {
            if let Some(specs) = own_lockfiles.get(&p.dir) {
                let diff = freshness::importer_differences(
                    json,
                    Some(specs),
                    auto_install_peers,
                    &BTreeMap::new(),
                );
                push(
                    p.manifest.clone(),
                    super::relpath::child(&p.dir, LOCKFILE),
                    diff,
                );
            }
        }
        return out;
    }
    let Some(lock) = &root_read.lock else {
        return out;
    };
    let root_is_package = packages.iter().any(|p| p.dir.is_empty());
    if let (Some(json), false) = (&root_read.manifest, root_is_package) {
        let diff = freshness::importer_differences(
            json,
            lock.specs.get("."),
            auto_install_peers,
            &lock.overrides,
        );
        push("package.json".into(), LOCKFILE.into(), diff);
    }
    // A lockfile without `importers` holds one project: the others cannot be compared.
    let compared = packages
        .iter()
        .zip(raw)
        .filter(|(p, _)| lock.has_importers || p.dir.is_empty());
    for (p, json) in compared {
        let importer = if p.dir.is_empty() { "." } else { &p.dir };
        let diff = freshness::importer_differences(
            json,
            lock.specs.get(importer),
            auto_install_peers,
            &lock.overrides,
        );
        push(p.manifest.clone(), LOCKFILE.into(), diff);
    }
    let diff = freshness::catalog_differences(&pnpm.catalogs, &lock.catalogs);
    push(WORKSPACE_FILE.into(), LOCKFILE.into(), diff);
    let diff = freshness::override_differences(
        &root_read.configured_overrides,
        &lock.overrides,
        &root_read.override_fields,
    );
    let file = match &root_read.configured_overrides[..] {
        [] => "package.json".to_string(),
        _ => pnpm
            .overrides_file
            .clone()
            .filter(|f| f != LOCKFILE)
            .unwrap_or_else(|| "package.json".into()),
    };
    push(file, LOCKFILE.into(), diff);
    out
}

/// Names are how `workspace:` specs point at packages: they must be unique.
fn names_of(ws: &Workspace, first: usize) -> Result<HashMap<String, usize>> {
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for i in first..ws.packages.len() {
        let p = &ws.packages[i];
        if p.ecosystem != Ecosystem::Pnpm {
            continue;
        }
        if let Some(&other) = by_name.get(&p.name) {
            return Err(Error::workspace(
                ws.root.join(&p.manifest),
                format!(
                    "the package name `{}` is also used by {}; workspace package names must be unique",
                    p.name, ws.packages[other].manifest
                ),
            ));
        }
        by_name.insert(p.name.clone(), i);
    }
    Ok(by_name)
}

/// Every package's declared dependencies, its internal edges, and its external and dev-only
/// dependency names; the entries left out (see [`DepProblem`]).
fn add_edges(
    ws: &mut Workspace,
    first: usize,
    raw: &[Value],
    pnpm: &PnpmWorkspace,
    by_name: &HashMap<String, usize>,
    by_dir: &HashMap<String, usize>,
) -> Result<Vec<DepProblem>> {
    let mut problems = Vec::new();
    for (offset, json) in raw.iter().enumerate() {
        let i = first + offset;
        let lookup = deps::Lookup {
            packages: &ws.packages,
            pnpm,
            by_name,
            by_dir,
        };
        let (deps, bad) = deps::read_deps(json, i, &lookup, &ws.root)?;
        problems.extend(bad);
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
    Ok(problems)
}

/// The services among the packages from `first` on, with their closures.
fn add_services(ws: &mut Workspace, first: usize, config: &WorkspaceConfig) -> Result<()> {
    let candidates: Vec<usize> = (first..ws.packages.len()).collect();
    let chosen = super::select_services(&ws.root, &ws.packages, &candidates, config, |p| {
        start_rule::service_reason(p).is_some()
    })?;
    for i in chosen {
        // pnpm links and installs workspace packages that depend on each other in a cycle
        // (`db` -> `queue` -> `db`) and warns; the production install is pnpm's, so a cycle
        // only leaves the order of the cycle's members to the name order.
        let runtime = graph::reachable(&ws.packages, i, DepKind::is_runtime);
        let build = graph::reachable(&ws.packages, i, |_| true);
        let p = &ws.packages[i];
        let processes = p
            .node
            .as_ref()
            .map(|n| n.processes.as_slice())
            .unwrap_or_default();
        // A package running several processes (`start:api`, `start:worker`) is one service per
        // process, named `<folder>-<process>`, as a crate's binaries are; the package's own
        // start, when it is one of them, keeps the folder's name.
        let main = p
            .node
            .as_ref()
            .and_then(|n| n.start.as_ref())
            .map(|(s, _)| s);
        let services: Vec<(String, String)> = if processes.is_empty() {
            vec![(
                p.folder_name().to_string(),
                p.node
                    .as_ref()
                    .and_then(|n| n.service_entry())
                    .unwrap_or_default()
                    .to_string(),
            )]
        } else {
            processes
                .iter()
                .filter_map(|(script, command)| match command {
                    StartCommand::Node { file, .. } => Some((
                        match start_script::process_suffix(script) {
                            Some(suffix) if main != Some(script) => {
                                format!("{}-{suffix}", p.folder_name())
                            }
                            _ => p.folder_name().to_string(),
                        },
                        file.clone(),
                    )),
                    _ => None,
                })
                .collect()
        };
        for (name, entry) in services {
            ws.services.push(Service {
                name,
                package: i,
                entry,
                runtime_closure: runtime.clone(),
                build_closure: build.clone(),
            });
        }
    }
    Ok(())
}

/// The warning for a `pnpm-workspace.yaml` with no `packages:` globs (a pnpm 10 repository
/// keeps only settings there, `onlyBuiltDependencies`): the workspace is its root alone, and
/// isogen never builds the root. When the root package.json starts a server (an Nx
/// single-package repository such as Reactive-Resume: `apps/server/project.json`, no
/// package.json there), it says so and what would work, instead of "add `- services/*`",
/// which names folders that are not packages. `generate` and `list` both say it.
pub fn no_packages_warning(pnpm: &PnpmWorkspace) -> Option<String> {
    if !pnpm.globs.is_empty() {
        return None;
    }
    Some(match &pnpm.root_start {
        None => format!(
            "{WORKSPACE_FILE}: no `packages:` globs, so the pnpm workspace has no packages \
             besides its root (add globs such as `- services/*`)"
        ),
        Some((script, command)) => format!(
            "{WORKSPACE_FILE}: no `packages:` globs, so the pnpm workspace has no packages \
             besides its root, and the root package.json's `{script}` script runs `{command}`: \
             isogen builds one image per workspace package, never the workspace root (a \
             single-package repository, such as an Nx workspace whose apps have a project.json \
             and no package.json); give the app a package.json of its own (its dependencies, \
             a `start` script) and list its folder in `packages:`, or keep the repository's own \
             Dockerfile"
        ),
    })
}
