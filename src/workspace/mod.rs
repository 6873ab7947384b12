//! Discovery: a pnpm workspace (`pnpm-workspace.yaml`), a Cargo workspace (`[workspace]` in
//! `Cargo.toml`), or both, read into one [`Workspace`]: packages, the edges between them, and
//! which packages are services.
//!
//! This module reads manifests and nothing else: it never renders, writes, or looks at images.

pub(crate) mod cargo;
pub(crate) mod graph;
mod nested;
pub use cargo::tool_reason;
pub(crate) mod path;
pub mod pnpm;
pub(crate) mod relpath;
pub mod roles;
mod service_names;
pub(crate) mod shell;
pub(crate) use service_names::disambiguate as disambiguate_service_names;
pub(crate) mod spec;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobMatcher};

/// The config file isogen reads at the workspace root (`crate::config` parses it; discovery
/// only needs its name: to leave it out of build inputs and to name it in errors).
pub const CONFIG_FILE: &str = "isogen.toml";

/// `[workspace]` in `isogen.toml`: which packages are services.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// Explicit list of services: package names, service names or folders (globs allowed).
    /// When given, it replaces the default rule.
    pub services: Option<Vec<String>>,
    /// Packages that are never services, even when the default rule says so (same forms).
    #[serde(default)]
    pub not_services: Vec<String>,
    /// Services that run a Cargo binary under another name (with their own `args`): service
    /// name to binary name, from `bin` of `[generate.services.<name>]` (filled in by
    /// `crate::config`, which reads both sections).
    #[serde(skip)]
    pub bin_services: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Pnpm,
    Cargo,
}

/// How one package depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    /// `dependencies` / `[dependencies]`.
    Normal,
    /// `optionalDependencies` / `optional = true`.
    Optional,
    /// `peerDependencies`.
    Peer,
    /// `devDependencies` / `[dev-dependencies]`: build stages only.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

impl DepKind {
    /// Whether the dependency must be present when the service runs.
    pub fn is_runtime(self) -> bool {
        matches!(self, DepKind::Normal | DepKind::Optional | DepKind::Peer)
    }
}

/// An edge to another package of the same workspace.
#[derive(Debug, Clone, Serialize)]
pub struct InternalDep {
    /// The key the dependent uses for it: the manifest key (an npm alias such as
    /// `"lib": "workspace:@acme/lib@*"` gives `lib`; a renamed Cargo dependency its new name).
    pub alias: String,
    /// Index into [`Workspace::packages`].
    pub package: usize,
    pub kind: DepKind,
    /// The spec as written in the manifest (`workspace:^`, `path = "../x"`, ...).
    pub spec: String,
}

/// One package (pnpm) or member crate (Cargo) of the workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    /// `name` of package.json, or the crate name.
    pub name: String,
    pub version: Option<String>,
    /// Folder relative to the workspace root, `/`-separated; `""` for the root itself.
    pub dir: String,
    /// Manifest relative to the workspace root (`packages/a/package.json`).
    pub manifest: String,
    /// Edges to other workspace packages.
    pub internal_deps: Vec<InternalDep>,
    /// External (registry) dependencies needed at run time: names as installed.
    pub external_deps: Vec<String>,
    /// External dependencies that are only for development (not also in `external_deps`).
    pub dev_deps: Vec<String>,
    /// pnpm details (entry, output folder, scripts, the manifest itself).
    pub node: Option<pnpm::NodePackage>,
    /// Cargo details (binary targets, ...).
    pub cargo: Option<cargo::CargoPackage>,
}

impl Package {
    /// The last segment of [`Package::dir`] (the folder name), or the package name for the root.
    pub fn folder_name(&self) -> &str {
        self.dir
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.name)
    }
}

/// A deployable: one image.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// Unique across the workspace: the folder name (pnpm) or the binary name (Cargo).
    pub name: String,
    /// Index into [`Workspace::packages`] of the package that holds it.
    pub package: usize,
    /// What runs: the entry file relative to the package folder (pnpm, e.g. `dist/main.js`;
    /// empty when package.json declares none, and `generate` then needs an `entry` override) or
    /// the binary target's name (Cargo).
    pub entry: String,
    /// Internal packages needed at run time: transitive, topological (dependencies first),
    /// without the service's own package.
    pub runtime_closure: Vec<usize>,
    /// Internal packages the build needs: a superset of `runtime_closure` (dev and build edges
    /// too), topological, without the service's own package.
    pub build_closure: Vec<usize>,
}

/// The whole monorepo as isogen sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
    pub services: Vec<Service>,
    /// The pnpm side, when there is a `pnpm-workspace.yaml`.
    pub pnpm: Option<pnpm::PnpmWorkspace>,
    /// The Cargo side, when there is a `Cargo.toml` with `[workspace]`.
    pub cargo: Option<cargo::CargoWorkspace>,
}

impl Workspace {
    /// Whether `dir` holds a workspace isogen can read.
    pub fn is_workspace(dir: &Path) -> bool {
        crate::fsio::is_file(dir.join(pnpm::WORKSPACE_FILE)) || cargo::is_workspace_root(dir)
    }

    /// The error for `dir`, which is not a workspace: it names the workspaces below it, if
    /// any (a repository whose workspaces live in `server/` and `bridge/`).
    pub fn not_a_workspace(dir: &Path) -> Error {
        nested::not_a_workspace(dir)
    }

    /// A warning naming the Cargo projects below a root that is a pnpm workspace and no Cargo
    /// one: this run does not read them.
    pub fn unread_cargo_warning(&self) -> Option<String> {
        if self.cargo.is_some() {
            return None;
        }
        // The package folders discovery walked are not listed again.
        let walked: nested::Walked = self
            .packages
            .iter()
            .filter(|p| !p.dir.is_empty())
            .filter_map(|p| Some((p.dir.as_str(), &p.node.as_ref()?.folder)))
            .collect();
        nested::unread_cargo_warning(&self.root, &walked)
    }

    /// A warning naming the npm or yarn workspaces a Cargo-only root's package.json declares
    /// (quadratic's `quadratic-api`, `quadratic-client`, ...): this run does not read them.
    pub fn unread_npm_warning(&self) -> Option<String> {
        if self.pnpm.is_some() {
            return None;
        }
        nested::unread_npm_warning(&self.root)
    }

    /// The Node facts of the package in folder `dir` (workspace-relative), when it has some.
    pub fn node_at(&self, dir: &str) -> Option<&pnpm::NodePackage> {
        self.packages
            .iter()
            .find(|p| p.dir == dir)
            .and_then(|p| p.node.as_ref())
    }

    /// Reads the workspace at `root`: pnpm, Cargo, or both. Errors name the file.
    pub fn discover(root: &Path, config: &WorkspaceConfig) -> Result<Workspace> {
        let has_pnpm = crate::fsio::is_file(root.join(pnpm::WORKSPACE_FILE));
        let has_cargo = cargo::is_workspace_root(root);
        if !has_pnpm && !has_cargo {
            return Err(Self::not_a_workspace(root));
        }
        let mut ws = Workspace {
            root: root.to_path_buf(),
            packages: Vec::new(),
            services: Vec::new(),
            pnpm: None,
            cargo: None,
        };
        if has_pnpm {
            pnpm::discover(&mut ws, config)?;
        }
        if has_cargo {
            cargo::discover(&mut ws, config)?;
        }
        if ws.cargo.is_none() {
            if let Some(name) = config.bin_services.keys().next() {
                return Err(Error::config(
                    root.join(CONFIG_FILE),
                    format!(
                        "[generate.services.{name}] bin: `bin` names a Cargo binary, and this \
                         workspace has no Cargo.toml; a Node package's processes are its \
                         `start:<name>` scripts (or `cmd`)"
                    ),
                ));
            }
        }
        check_explicit_services_matched(&ws, config)?;
        Ok(ws)
    }

    /// The service called `name`: its service name, its package name, or its folder
    /// (relative to the root).
    pub fn service(&self, name: &str) -> Option<&Service> {
        let name = name.trim_end_matches('/');
        self.services.iter().find(|s| s.name == name).or_else(|| {
            self.services.iter().find(|s| {
                let p = &self.packages[s.package];
                p.name == name || p.dir == name
            })
        })
    }

    pub fn package(&self, index: usize) -> &Package {
        &self.packages[index]
    }

    /// The package holding `service`.
    pub fn service_package(&self, service: &Service) -> &Package {
        &self.packages[service.package]
    }

    /// The ignore file beside [`dockerfile_path`](Self::dockerfile_path):
    /// `<Dockerfile>.dockerignore`, which BuildKit and buildah read in place of the root's.
    pub fn ignore_file_path(&self, service: &Service) -> String {
        format!("{}.dockerignore", self.dockerfile_path(service))
    }

    /// Where isogen's Dockerfile for `service` goes, relative to the root:
    /// `<package folder>/Dockerfile` when the package holds one service,
    /// `<package folder>/<service>.Dockerfile` when it holds several (a crate's binaries, a
    /// Node package's processes: one folder, several images) or when the service runs a Cargo
    /// binary under another name. `generate` writes it there; `verify` names it in reports.
    pub fn dockerfile_path(&self, service: &Service) -> String {
        let package = self.service_package(service);
        let siblings = self
            .services
            .iter()
            .filter(|s| s.package == service.package)
            .count();
        // A Cargo service that runs a binary under another name (`bin` in isogen.toml) is
        // always `<service>.Dockerfile`: named for what it runs, and never over the package's
        // own `Dockerfile` (bore's hand-written one at the root).
        let renamed = package.ecosystem == Ecosystem::Cargo && service.name != service.entry;
        let file = if siblings > 1 || renamed {
            format!("{}.Dockerfile", service.name)
        } else {
            "Dockerfile".to_string()
        };
        if package.dir.is_empty() {
            file
        } else {
            format!("{}/{file}", package.dir)
        }
    }
}

/// One entry of `[workspace] services` / `not_services`: a package name, a service (folder)
/// name, a folder relative to the root, or a glob over folders (`services/*`).
struct Selector {
    text: String,
    glob: Option<GlobMatcher>,
}

impl Selector {
    fn parse(text: &str, key: &str, config_path: &Path) -> Result<Selector> {
        let trimmed = text.trim().trim_start_matches("./").trim_end_matches('/');
        let glob = if trimmed.contains(['*', '?', '[', '{']) {
            Some(
                GlobBuilder::new(trimmed)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        Error::config(
                            config_path,
                            format!("[workspace] {key}: `{text}` is not a valid glob: {e}"),
                        )
                    })?
                    .compile_matcher(),
            )
        } else {
            None
        };
        Ok(Selector {
            text: trimmed.to_string(),
            glob,
        })
    }

    fn matches(&self, package: &Package) -> bool {
        match &self.glob {
            Some(g) => g.is_match(&package.dir) || g.is_match(&package.name),
            None => {
                self.text == package.name
                    || self.text == package.dir
                    || self.text == package.folder_name()
            }
        }
    }
}

/// Which of `candidates` (indexes into `packages`) are services: `[workspace] services` when
/// given (every entry must match some package), else `default_rule`; minus `not_services`.
/// The root package (`dir == ""`) is never a service. Returns indexes in `candidates` order.
/// `[workspace] services` (`None` when unset: the default rule applies) and `not_services`
/// of isogen.toml, parsed; a bad selector is an error naming the key.
fn service_selectors(
    root: &Path,
    config: &WorkspaceConfig,
) -> Result<(Option<Vec<Selector>>, Vec<Selector>)> {
    let config_path = root.join(CONFIG_FILE);
    let parse = |list: &[String], key: &str| -> Result<Vec<Selector>> {
        list.iter()
            .map(|s| Selector::parse(s, key, &config_path))
            .collect()
    };
    let explicit = config
        .services
        .as_deref()
        .map(|l| parse(l, "services"))
        .transpose()?;
    Ok((explicit, parse(&config.not_services, "not_services")?))
}

pub fn select_services(
    root: &Path,
    packages: &[Package],
    candidates: &[usize],
    config: &WorkspaceConfig,
    default_rule: impl Fn(&Package) -> bool,
) -> Result<Vec<usize>> {
    let (explicit, excluded) = service_selectors(root, config)?;
    let mut chosen = Vec::new();
    for &i in candidates {
        let p = &packages[i];
        if p.dir.is_empty() {
            continue;
        }
        let wanted = match &explicit {
            Some(sel) => sel.iter().any(|s| s.matches(p)),
            None => default_rule(p),
        };
        if wanted && !excluded.iter().any(|s| s.matches(p)) {
            chosen.push(i);
        }
    }
    Ok(chosen)
}

/// After every ecosystem added its services: an explicit `[workspace] services` entry that
/// matches no package (and no service name) is a mistake worth stopping for.
pub fn check_explicit_services_matched(ws: &Workspace, config: &WorkspaceConfig) -> Result<()> {
    let config_path = ws.root.join(CONFIG_FILE);
    for text in config.services.iter().flatten() {
        let sel = Selector::parse(text, "services", &config_path)?;
        let matched = ws
            .packages
            .iter()
            .any(|p| !p.dir.is_empty() && sel.matches(p))
            || ws.services.iter().any(|s| {
                s.name == sel.text || sel.glob.as_ref().is_some_and(|g| g.is_match(&s.name))
            });
        if !matched {
            return Err(Error::config(
                config_path,
                format!("[workspace] services: `{text}` matches no package of the workspace"),
            ));
        }
    }
    Ok(())
}

/// Two services with one name would write two images with one name: an error naming both.
pub fn check_unique_service_names(root: &Path, ws: &Workspace) -> Result<()> {
    let mut seen: std::collections::HashMap<&str, &Service> = Default::default();
    for s in &ws.services {
        if let Some(other) = seen.insert(&s.name, s) {
            let a = &ws.packages[other.package];
            let b = &ws.packages[s.package];
            return Err(Error::workspace(
                root.join(&b.manifest),
                format!(
                    "the service name `{}` is also the name of the service in {}; rename one of the folders, or leave one out by its folder in `[workspace] not_services` (`not_services = [\"{}\"]`)",
                    s.name, a.manifest, b.dir
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, dir: &str) -> Package {
        Package {
            ecosystem: Ecosystem::Pnpm,
            name: name.into(),
            version: None,
            dir: dir.into(),
            manifest: format!("{dir}/package.json"),
            internal_deps: vec![],
            external_deps: vec![],
            dev_deps: vec![],
            node: None,
            cargo: None,
        }
    }

    #[test]
    fn default_rule_is_the_parent_folder_or_a_start_command() {
        let rule = |dir: &str| pnpm::start_rule::service_reason(&pkg("p", dir)).is_some();
        assert!(rule("services/api"));
        assert!(rule("apps/web"));
        assert!(rule("platform/services/billing"));
        assert!(!rule("packages/services"));
        assert!(!rule("services"));
        assert!(!rule("packages/lib"));
        assert!(!rule(""));
        let mut web = pkg("web", "web");
        let mut node = pnpm::NodePackage {
            start: Some(("start".into(), pnpm::start_command("node dist/server.js"))),
            ..Default::default()
        };
        web.node = Some(node.clone());
        assert_eq!(
            pnpm::start_rule::service_reason(&web).as_deref(),
            Some("its `start` script runs `node dist/server.js`")
        );
        // A CLI whose start runs its own bin is a tool.
        node.bin = Some("./dist/server.js".into());
        web.node = Some(node);
        assert_eq!(pnpm::start_rule::service_reason(&web), None);
    }

    #[test]
    fn explicit_list_replaces_the_rule_and_not_services_removes() {
        let packages = vec![
            pkg("@acme/api", "services/api"),
            pkg("@acme/worker", "services/worker"),
            pkg("@acme/tool", "tools/tool"),
            pkg("root", ""),
        ];
        let all = [0, 1, 2, 3];
        let rule = |p: &Package| pnpm::start_rule::service_reason(p).is_some();
        let root = Path::new("/ws");
        let cfg = WorkspaceConfig::default();
        assert_eq!(
            select_services(root, &packages, &all, &cfg, rule).unwrap(),
            vec![0, 1]
        );
        let cfg = WorkspaceConfig {
            services: Some(vec!["tools/*".into(), "@acme/api".into()]),
            not_services: vec![],
            ..Default::default()
        };
        assert_eq!(
            select_services(root, &packages, &all, &cfg, rule).unwrap(),
            vec![0, 2]
        );
        let cfg = WorkspaceConfig {
            services: None,
            not_services: vec!["worker".into()],
            ..Default::default()
        };
        assert_eq!(
            select_services(root, &packages, &all, &cfg, rule).unwrap(),
            vec![0]
        );
        let cfg = WorkspaceConfig {
            services: Some(vec!["nope".into()]),
            not_services: vec![],
            ..Default::default()
        };
        let ws = Workspace {
            root: root.into(),
            packages,
            services: vec![],
            pnpm: None,
            cargo: None,
        };
        let err = check_explicit_services_matched(&ws, &cfg)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`nope` matches no package"), "{err}");
    }
}
