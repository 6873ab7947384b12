//! Discovery: a pnpm workspace (`pnpm-workspace.yaml`), a Cargo workspace (`[workspace]` in
//! `Cargo.toml`), or both, read into one [`Workspace`]: packages, the edges between them, and
//! which packages are services.
//!
//! This module reads manifests and nothing else: it never renders, writes, or looks at images.

pub mod cargo;
pub mod graph;
pub mod pnpm;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
    /// What runs: the entry file relative to the package folder (pnpm, e.g. `dist/main.js`) or
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
        dir.join(pnpm::WORKSPACE_FILE).is_file() || cargo::is_workspace_root(dir)
    }

    /// Reads the workspace at `root`: pnpm, Cargo, or both. Errors name the file.
    pub fn discover(root: &Path, config: &WorkspaceConfig) -> Result<Workspace> {
        let has_pnpm = root.join(pnpm::WORKSPACE_FILE).is_file();
        let has_cargo = cargo::is_workspace_root(root);
        if !has_pnpm && !has_cargo {
            return Err(Error::workspace(
                root,
                format!(
                    "not a workspace: no {} and no Cargo.toml with [workspace]",
                    pnpm::WORKSPACE_FILE
                ),
            ));
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
}
