//! From loaded manifests to the workspace model: one [`Package`] per manifest (name checked,
//! inherited fields resolved, targets and features read), the edges between them (path
//! dependencies, checked against the package they name), and the workspace-level facts
//! ([`CargoWorkspace`]: members, default members, patches, lockfile, root build files).
//!
//! It never chooses services (that is [`super::services`]) and never writes anything.

use std::collections::HashMap;

use super::cargo_config::read_cargo_config;
use super::includes::outside_inputs;
use super::listens::listener_site;
use super::lock::check_lockfile;
use super::members::{Loaded, Loader};
use super::model::{CargoPackage, CargoWorkspace};
use super::paths::display_dir;
use super::root::{root_build_files, root_package_entries};
use super::serves::{starts_server, CLIENT_OR_SERVER};
use super::services::{server_framework, SERVER_FRAMEWORKS};
use super::targets::Targets;
use super::MANIFEST;
use crate::error::{line_col, Error, Result};
use crate::workspace::{DepKind, Ecosystem, InternalDep, Package, Workspace};

/// The folder of sqlx's offline query data at the root (`cargo sqlx prepare --workspace`).
const SQLX_OFFLINE_DIR: &str = ".sqlx";

/// One package's edges, sorted: workspace crates, registry crates needed at run time, and
/// registry crates only for development.
struct Edges {
    internal: Vec<InternalDep>,
    external: Vec<String>,
    dev: Vec<String>,
    /// Registry build-dependencies (also in `dev`, which is "not needed at run time").
    build: Vec<String>,
    /// Optional registry dependencies (normal or build) the default features leave off,
    /// by package name.
    optional_off: Vec<String>,
    /// See [`CargoPackage::dependency_features`].
    dependency_features: std::collections::BTreeMap<String, Vec<String>>,
}

impl Loader {
    /// Turns the loaded manifests into packages of `ws` (appended at index `first` on).
    pub(super) fn into_workspace(self, ws: &mut Workspace, first: usize) -> Result<CargoWorkspace> {
        let mut packages = self.packages()?;
        for i in 0..self.loaded.len() {
            let edges = self.edges_of(i, &packages, first)?;
            packages[i].internal_deps = edges.internal;
            packages[i].external_deps = edges.external;
            packages[i].dev_deps = edges.dev;
            if let Some(c) = packages[i].cargo.as_mut() {
                c.build_deps = edges.build;
                c.optional_off = edges.optional_off;
                c.dependency_features = edges.dependency_features;
            }
        }
        mark_frameworks(&mut packages, first);
        self.mark_servers(&mut packages, first);
        self.mark_listeners(&mut packages, first);
        let dirs: Vec<&str> = self.loaded.iter().map(|l| l.dir.as_str()).collect();
        super::bin_sources::mark_library_tools(&self.root, &dirs, &mut packages, first);
        let mut libs = super::server_lib::ServingLibs::new(&self.root, &dirs);
        super::server_lib::mark_server_libs(&mut libs, &mut packages, first);
        super::bin_sources::mark_side_tools(&self.root, &mut libs, &dirs, &mut packages, first);
        super::subcommands::mark_required_subcommands(&self.root, &dirs, &mut packages);
        super::loopback::mark_loopback_binds(&self.root, &dirs, &mut packages, first);
        super::live_reload::mark_live_reload(&self.root, &mut packages);
        for (p, loaded) in packages.iter_mut().zip(&self.loaded) {
            if p.external_deps.iter().any(|d| d == "sqlx") {
                if let Some(c) = p.cargo.as_mut() {
                    c.sqlx_macros = super::sqlx_macros::sqlx_macros(&self.root, &loaded.dir);
                }
            }
        }
        let at = |dirs: &[String]| -> Vec<usize> {
            dirs.iter()
                .filter_map(|d| self.by_dir.get(d).map(|&i| first + i))
                .collect()
        };
        let members: Vec<usize> = self
            .loaded
            .iter()
            .enumerate()
            .filter(|(_, l)| l.member)
            .map(|(i, _)| first + i)
            .collect();
        let mut patches = at(&self.patches);
        patches.sort();
        patches.dedup();
        let lockfile = check_lockfile(&self.root)?;
        let config = read_cargo_config(&self.root)?;
        let cargo = CargoWorkspace {
            manifest: MANIFEST.to_string(),
            lockfile,
            root_package: self.by_dir.get("").map(|&i| first + i),
            members,
            default_members: at(&self.default_members),
            packages: (first..first + packages.len()).collect(),
            patches,
            build_files: root_build_files(&self.root),
            build_target: config.build_target,
            vendor_dirs: config.vendor_dirs,
            link_tools: config.link_tools,
            sqlx_offline: crate::fsio::is_dir(self.root.join(SQLX_OFFLINE_DIR))
                .then(|| SQLX_OFFLINE_DIR.to_string()),
        };
        ws.packages.extend(packages);
        Ok(cargo)
    }

    /// Sets [`CargoPackage::starts_server`] of the packages that use a client-or-server
    /// framework (tonic, hyper): their own sources or those of a workspace crate they depend on
    /// (normal dependencies, transitively, as a thin binary over a server library) start a
    /// server, or such a crate depends on a server-only framework (axum, actix-web, ...). `packages` land at `first` on in the workspace.
    fn mark_servers(&self, packages: &mut [Package], first: usize) {
        let frameworks = |p: &Package| {
            p.cargo
                .as_ref()
                .map_or(Vec::new(), |c| c.frameworks.clone())
        };
        let uses = |p: &Package| {
            frameworks(p)
                .iter()
                .any(|d| CLIENT_OR_SERVER.contains(&d.as_str()))
        };
        let own: Vec<bool> = packages
            .iter()
            .zip(&self.loaded)
            .map(|(p, l)| {
                let strong = frameworks(p)
                    .iter()
                    .any(|d| !CLIENT_OR_SERVER.contains(&d.as_str()));
                // The framework's own crate (a member in its repository) serves nobody by
                // itself: its server code is what every client of it links too.
                let framework = SERVER_FRAMEWORKS.contains(&p.name.as_str());
                !framework && (strong || (uses(p) && starts_server(&self.root, &l.dir)))
            })
            .collect();
        for i in 0..packages.len() {
            if !uses(&packages[i]) {
                continue;
            }
            let mut seen = vec![false; packages.len()];
            let mut stack = vec![i];
            let mut found = false;
            while let Some(j) = stack.pop() {
                if std::mem::replace(&mut seen[j], true) {
                    continue;
                }
                found |= own[j];
                stack.extend(
                    packages[j]
                        .internal_deps
                        .iter()
                        .filter(|d| d.kind == DepKind::Normal)
                        .filter_map(|d| d.package.checked_sub(first))
                        .filter(|&k| k < packages.len()),
                );
            }
            if let Some(c) = packages[i].cargo.as_mut() {
                c.starts_server = found;
            }
        }
    }

    /// Sets [`CargoPackage::listens`] of the packages with binaries and no server framework:
    /// the first listener site of their own sources, else of the workspace crates they depend
    /// on (normal dependencies, transitively; each crate read once).
    fn mark_listeners(&self, packages: &mut [Package], first: usize) {
        let mut own: Vec<Option<Option<String>>> = vec![None; packages.len()];
        for i in 0..packages.len() {
            let has_bins = packages[i]
                .cargo
                .as_ref()
                .is_some_and(|c| !c.bins.is_empty());
            if !has_bins || server_framework(&packages[i]).is_some() {
                continue;
            }
            let mut seen = vec![false; packages.len()];
            let mut queue = std::collections::VecDeque::from([i]);
            let mut found = None;
            while let Some(j) = queue.pop_front() {
                // A server framework's own crate (a member in its repository) is linked by
                // its clients too: its listener is theirs to start or not.
                if std::mem::replace(&mut seen[j], true)
                    || SERVER_FRAMEWORKS.contains(&packages[j].name.as_str())
                {
                    continue;
                }
                let site = own[j]
                    .get_or_insert_with(|| listener_site(&self.root, &self.loaded[j].dir))
                    .clone();
                if let Some(site) = site {
                    found = Some(if j == i {
                        site
                    } else {
                        format!("{site} in {}", packages[j].name)
                    });
                    break;
                }
                queue.extend(
                    packages[j]
                        .internal_deps
                        .iter()
                        .filter(|d| d.kind == DepKind::Normal)
                        .filter_map(|d| d.package.checked_sub(first))
                        .filter(|&k| k < packages.len()),
                );
            }
            if let Some(c) = packages[i].cargo.as_mut() {
                if found.is_some() && c.bins.len() > 1 {
                    c.bin_listens = self.bin_listens(i, c);
                }
                c.listens = found;
            }
        }
    }

    /// Each binary's own listener site (see [`CargoPackage::bin_listens`]) of loaded package
    /// `i`, whose Cargo facts are `c`.
    fn bin_listens(
        &self,
        i: usize,
        c: &CargoPackage,
    ) -> std::collections::BTreeMap<String, String> {
        let dir = self.root.join(&self.loaded[i].dir);
        let lib = c.lib.as_ref().map(|l| (l.name.as_str(), dir.join(&l.path)));
        (c.bins.iter())
            .filter_map(|b| {
                let lib = lib.as_ref().map(|(n, p)| (*n, p.as_path()));
                let site = super::listens::bin_listener_site(&self.root, &dir.join(&b.path), lib)?;
                Some((b.name.clone(), site))
            })
            .collect()
    }

    /// Every loaded manifest's package, without edges. Names must be unique among Cargo
    /// packages (cargo refuses two with one name).
    fn packages(&self) -> Result<Vec<Package>> {
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
        Ok(packages)
    }

    /// The edges of loaded package `i`; `packages` are all packages (indexed like the loaded
    /// manifests), which land at `first` on in the workspace.
    fn edges_of(&self, i: usize, packages: &[Package], first: usize) -> Result<Edges> {
        let loaded = &self.loaded[i];
        let mut internal = Vec::new();
        let mut external = Vec::new();
        let mut dev = Vec::new();
        let mut build = Vec::new();
        let decls = self.deps_of(i)?;
        let optional: Vec<String> = decls
            .iter()
            .filter(|d| d.optional && d.path.is_none() && d.kind != DepKind::Dev)
            .map(|d| d.key.clone())
            .collect();
        let table = &loaded.manifest.features;
        let off_keys = super::features::optional_off(
            table,
            &super::features::default_features(table),
            &optional,
        );
        let mut optional_off: Vec<String> = decls
            .iter()
            .filter(|d| off_keys.contains(&d.key) && d.path.is_none())
            .map(|d| d.package.clone())
            .collect();
        optional_off.sort();
        optional_off.dedup();
        let dependency_features = super::features::dependency_features(table, &decls);
        for dep in decls {
            if dep.path.is_none() && dep.kind == DepKind::Build {
                build.push(dep.package.clone());
            }
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
                                "dependency `{}` asks for package `{}` but `{}` holds package \
                                 `{target_name}`",
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
        internal.sort_by(|a, b| (a.package, a.kind, &a.alias).cmp(&(b.package, b.kind, &b.alias)));
        internal.dedup_by(|a, b| a.package == b.package && a.kind == b.kind);
        external.sort();
        external.dedup();
        dev.sort();
        dev.dedup();
        dev.retain(|d| !external.contains(d));
        build.sort();
        build.dedup();
        // A crate also needed without the feature (declared again, not optional) stays on.
        optional_off.retain(|d| {
            !self.deps_of(i).is_ok_and(|all| {
                all.iter()
                    .any(|x| x.package == *d && !x.optional && x.kind != DepKind::Dev)
            })
        });
        Ok(Edges {
            internal,
            external,
            dev,
            build,
            optional_off,
            dependency_features,
        })
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
        let name = package_name(loaded, toml_package, &path)?;
        if loaded.member {
            self.check_inherited(loaded)?;
        }
        let inherit = |field, value| self.inherit(&path, field, value);
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
        let (outside_inputs, feature_inputs) =
            package_inputs(&self.root, &loaded.dir, targets.build_script.as_deref())?;
        check_required_features(loaded, &path, &name, &features)?;
        let missing_embeds = super::embeds::missing_embeds(&self.root, &loaded.dir);
        let build_programs = super::build_programs::build_programs(
            &self.root,
            &loaded.dir,
            targets.build_script.as_deref(),
        );
        let build_downloads = super::build_programs::build_downloads(
            &self.root,
            &loaded.dir,
            targets.build_script.as_deref(),
        );
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
                default_features: super::features::default_features(&loaded.manifest.features),
                root_entries: if loaded.dir.is_empty() {
                    root_package_entries(&self.root)
                } else {
                    Vec::new()
                },
                outside_inputs,
                feature_inputs,
                build_deps: Vec::new(),
                optional_off: Vec::new(),
                dependency_features: Default::default(),
                build_programs,
                build_downloads,
                starts_server: false,
                listens: None,
                bin_listens: Default::default(),
                frameworks: Vec::new(),
                frameworks_off: Vec::new(),
                server_lib: None,
                side_tools: Vec::new(),
                library_tools: Vec::new(),
                required_subcommands: Vec::new(),
                required_args: Vec::new(),
                needed_options: Vec::new(),
                unsure_command_lines: Vec::new(),
                loopback_binds: Vec::new(),
                live_reload: None,
                missing_embeds,
                sqlx_macros: None,
            }),
        })
    }
}

/// Sets [`CargoPackage::frameworks`]: the server frameworks among each package's normal
/// dependencies, registry crates and members alike (`tonic = { path = "../tonic" }` in
/// tonic's own repository), but for optional registry ones its default features leave off
/// ([`CargoPackage::frameworks_off`]). `packages` land at `first` on in the workspace.
fn mark_frameworks(packages: &mut [Package], first: usize) {
    let names: Vec<String> = packages.iter().map(|p| p.name.clone()).collect();
    for p in packages.iter_mut() {
        let members = p
            .internal_deps
            .iter()
            .filter(|d| d.kind == DepKind::Normal)
            .filter_map(|d| d.package.checked_sub(first).and_then(|k| names.get(k)));
        let mut found: Vec<String> = p
            .external_deps
            .iter()
            .chain(members)
            .filter(|d| SERVER_FRAMEWORKS.contains(&d.as_str()))
            .cloned()
            .collect();
        found.sort();
        found.dedup();
        if let Some(c) = p.cargo.as_mut() {
            // An optional framework that only a feature the defaults leave off enables is not
            // in a plain `cargo build` of the package (hickory-dns's hyper, behind
            // `prometheus-metrics`): no evidence that its binaries serve.
            let (off, on) = found.into_iter().partition(|f| c.optional_off.contains(f));
            c.frameworks = on;
            c.frameworks_off = off;
        }
    }
}

/// `package.name`, checked with cargo's rule (it also goes into `cargo build -p <name>`).
fn package_name(
    loaded: &Loaded,
    toml_package: &super::manifest::TomlPackage,
    path: &std::path::Path,
) -> Result<String> {
    let spanned_name = toml_package
        .name
        .as_ref()
        .ok_or_else(|| Error::workspace(path, "[package] has no `name`"))?;
    let name = spanned_name.get_ref().clone();
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Error::workspace_at(
            path,
            line_col(&loaded.text, spanned_name.span().start),
            format!(
                "invalid package name {name:?}: cargo wants letters, digits, `-` and `_`, \
                 starting with a letter or `_`"
            ),
        ));
    }
    Ok(name)
}

/// A binary's required features are passed to `cargo build --features`, which refuses a
/// feature the package does not have. `dep/feature` forms are left to cargo.
/// The files and folders outside the package in `dir` its sources include or embed (see
/// [`CargoPackage::outside_inputs`]), and the folders it embeds only with a feature (see
/// [`CargoPackage::feature_inputs`]); none for the package at the root.
fn package_inputs(
    root: &std::path::Path,
    dir: &str,
    build_script: Option<&str>,
) -> Result<(Vec<String>, Vec<super::model::FeatureInput>)> {
    if dir.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut inputs = outside_inputs(root, dir, build_script)?;
    let (always, gated) = super::embeds::outside_embeds(root, dir);
    inputs.extend(always);
    inputs.sort();
    inputs.dedup();
    Ok((inputs, gated))
}

fn check_required_features(
    loaded: &Loaded,
    path: &std::path::Path,
    name: &str,
    features: &[String],
) -> Result<()> {
    for t in loaded.manifest.bin.iter().flatten() {
        let Some(required) = &t.required_features else {
            continue;
        };
        let Some(unknown) = required
            .get_ref()
            .iter()
            .find(|f| !f.contains('/') && !features.contains(f))
        else {
            continue;
        };
        let has = if features.is_empty() {
            "it has no features".to_string()
        } else {
            format!("its features: {}", features.join(", "))
        };
        return Err(Error::workspace_at(
            path,
            line_col(&loaded.text, required.span().start),
            format!(
                "[[bin]] `{}` has required-features `{unknown}`, which package `{name}` does not \
                 define ({has})",
                t.name.as_deref().unwrap_or("?")
            ),
        ));
    }
    Ok(())
}
