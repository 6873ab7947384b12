//! What each build stage copies, cargo-chef style: the manifests stage (root files, every
//! package manifest, a stub for each target cargo looks for, the real sources of `[patch]` and
//! vendored crates), and the builder stage (the real sources of the service's build closure).
//!
//! It computes lists from the workspace model; it never reads files (discovery did) and refuses
//! a path a Dockerfile could not carry unquoted.

use super::vars::{NestedFile, Stub};
use super::words::{is_path, join};
use crate::error::{Error, Result};
use crate::workspace::cargo::{CargoPackage, CargoWorkspace, TargetKind};
use crate::workspace::{Ecosystem, Service, Workspace};

/// The files and folders of one service's build stages.
pub(super) struct Layout {
    pub(super) root_files: Vec<String>,
    pub(super) top_files: Vec<String>,
    pub(super) nested_files: Vec<NestedFile>,
    pub(super) manifests: Vec<String>,
    pub(super) dependency_sources: Vec<String>,
    pub(super) stubs: Vec<Stub>,
    pub(super) sources: Vec<String>,
}

impl Layout {
    pub(super) fn plan(
        ws: &Workspace,
        service: &Service,
        cargo_ws: &CargoWorkspace,
        lockfile: &str,
    ) -> Result<Layout> {
        let mut root_files = vec![cargo_ws.manifest.clone(), lockfile.to_string()];
        root_files.extend(cargo_ws.build_files.iter().cloned());
        let is_patch = |i: usize| cargo_ws.patches.contains(&i);
        // Patched crates come whole (with their manifest) as dependency sources.
        let mut manifests: Vec<String> = cargo_ws
            .packages
            .iter()
            .filter(|&&i| !is_patch(i))
            .map(|&i| &ws.packages[i])
            .filter(|p| !p.dir.is_empty())
            .map(|p| p.manifest.clone())
            .collect();
        manifests.sort();
        // `[patch]` path crates and vendored registry crates: built with the dependencies.
        let dependency_sources: Vec<String> = cargo_ws
            .patches
            .iter()
            .map(|&i| ws.packages[i].dir.clone())
            .chain(cargo_ws.vendor_dirs.iter().cloned())
            .collect();
        let stubs = stubs(ws, cargo_ws);
        let sources = sources(ws, service, cargo_ws);
        for s in dependency_sources
            .iter()
            .chain(&sources)
            .chain(&root_files)
            .chain(&manifests)
        {
            if !is_path(s) {
                return Err(Error::workspace(
                    ws.root.join(&cargo_ws.manifest),
                    format!(
                        "`{s}`: isogen cannot write this path into a Dockerfile (spaces, \
                         quotes or `$`)"
                    ),
                ));
            }
        }
        let (top_files, nested_files) = split_top(&root_files, &manifests);
        Ok(Layout {
            root_files,
            top_files,
            nested_files,
            manifests,
            dependency_sources,
            stubs,
            sources,
        })
    }
}

/// What every stub starts with: an inner doc comment on the same line as the rest. A
/// workspace that denies `missing_docs` in `[workspace.lints]` (ntpd-rs) applies it to every
/// target, build scripts included, and an undocumented stub would stop the deps stage there;
/// a doc comment satisfies `forbid` too, where an `#![allow]` would be an error. One line: the
/// builder's `echo` (dash's) would turn a `\n` into a newline, bash's would not.
const STUB_DOC: &str = "/*! isogen stub */";

/// A stub for every target of every package but the patched ones, by package folder.
fn stubs(ws: &Workspace, cargo_ws: &CargoWorkspace) -> Vec<Stub> {
    let mut stubs = Vec::new();
    let mut ordered = cargo_ws.packages.clone();
    ordered.sort_by(|&a, &b| ws.packages[a].dir.cmp(&ws.packages[b].dir));
    for i in ordered {
        if cargo_ws.patches.contains(&i) {
            continue;
        }
        let p = &ws.packages[i];
        let Some(c) = &p.cargo else { continue };
        for (path, kind) in c.stub_files() {
            let path = join(&p.dir, &path);
            let dir = path
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_else(|| ".".into());
            stubs.push(Stub {
                path,
                dir,
                content: match kind {
                    TargetKind::Lib => STUB_DOC.into(),
                    _ => format!("{STUB_DOC} fn main() {{}}"),
                },
            });
        }
    }
    stubs
}

/// The real sources of the service's crate and the crates it needs, dependencies first.
fn sources(ws: &Workspace, service: &Service, cargo_ws: &CargoWorkspace) -> Vec<String> {
    let mut sources = Vec::new();
    for &i in service
        .build_closure
        .iter()
        .chain(std::iter::once(&service.package))
    {
        if cargo_ws.patches.contains(&i) {
            continue;
        }
        let p = &ws.packages[i];
        if p.ecosystem != Ecosystem::Cargo {
            continue;
        }
        match (&p.cargo, p.dir.is_empty()) {
            (_, false) => sources.push(p.dir.clone()),
            (Some(c), true) => {
                for s in root_package_sources(c) {
                    if !sources.contains(&s) {
                        sources.push(s);
                    }
                }
            }
            (None, true) => {}
        }
    }
    sources
}

/// The files and folders a package at the workspace root builds from: the top-level entries
/// discovery found to be its own (the root minus other packages' folders), plus the top-level
/// entry of each target and of the build script (kept even where another package lives).
fn root_package_sources(c: &CargoPackage) -> Vec<String> {
    let mut out: Vec<String> = c.root_entries.clone();
    let paths = c
        .lib
        .iter()
        .chain(&c.bins)
        .map(|t| t.path.as_str())
        .chain(c.build_script.as_deref());
    for path in paths {
        let top = path.split('/').next().unwrap_or(path).to_string();
        if !out.contains(&top) {
            out.push(top);
        }
    }
    out.sort();
    out
}

/// The manifests stage's files: those at the top level (one `COPY` to `/`) and the others,
/// each with its folder.
fn split_top(root_files: &[String], manifests: &[String]) -> (Vec<String>, Vec<NestedFile>) {
    let (top_files, nested): (Vec<&String>, Vec<&String>) = root_files
        .iter()
        .chain(manifests)
        .partition(|f| !f.contains('/'));
    let top_files = top_files.into_iter().cloned().collect();
    let nested_files = nested
        .into_iter()
        .map(|f| NestedFile {
            src: f.clone(),
            dir: f
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default(),
        })
        .collect();
    (top_files, nested_files)
}
