//! What the builder needs because of tsconfig files: the packages a `tsc -b` builds through
//! project `references` (so they need no build script of their own), and the tsconfig files
//! outside the copied folders that the built packages `extends` (so `tsc` finds them).
//!
//! It walks the tsconfig facts discovery read ([`PnpmWorkspace::tsconfig_files`]); it never
//! reads a file.

use std::collections::BTreeSet;

use super::BuildPackage;
use crate::workspace::pnpm::tsconfig::Tsconfig;
use crate::workspace::pnpm::PnpmWorkspace;
use crate::workspace::{relpath, Ecosystem, Workspace};

/// The tsconfig files at the top of the package folder `dir` (workspace-relative).
fn package_tsconfigs(ws: &Workspace, dir: &str) -> Vec<String> {
    ws.packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Pnpm && p.dir == dir)
        .filter_map(|p| p.node.as_ref())
        .flat_map(|n| n.folder.tsconfigs.iter().map(|t| relpath::child(dir, t)))
        .collect()
}

/// The facts of `file`, with a warning when it could not be read.
fn facts<'a>(
    pnpm: &'a PnpmWorkspace,
    file: &str,
    warnings: &mut Vec<String>,
) -> Option<&'a Tsconfig> {
    let facts = pnpm.tsconfig_files.get(file)?;
    if let Some(problem) = &facts.problem {
        warnings.push(format!(
            "{problem}; isogen does not follow its `extends` and `references`"
        ));
    }
    Some(facts)
}

/// The folders of the packages (without a build script of their own) that the builder's builds
/// make anyway: those a built package's `tsconfig*.json` names in `references`, transitively
/// (`tsc -b` builds referenced projects first). TypeScript project-reference workspaces often
/// give only the services a `build` script.
pub(super) fn built_by_references(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    packages: &[BuildPackage],
    warnings: &mut Vec<String>,
) -> BTreeSet<String> {
    let dirs: BTreeSet<&str> = packages.iter().map(|p| p.dir.as_str()).collect();
    let mut todo: Vec<String> = packages
        .iter()
        .filter(|p| p.build.is_some())
        .map(|p| p.dir.clone())
        .collect();
    let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
    let mut found = BTreeSet::new();
    while let Some(dir) = todo.pop() {
        for file in package_tsconfigs(ws, &dir) {
            let Some(facts) = facts(pnpm, &file, warnings) else {
                continue;
            };
            for path in &facts.references {
                let Some(target) = reference_folder(&dir, path) else {
                    continue;
                };
                if dirs.contains(target.as_str()) && seen.insert(target.clone()) {
                    found.insert(target.clone());
                    todo.push(target);
                }
            }
        }
    }
    found
}

/// The files (relative to the workspace root) that the `tsconfig*.json` at the top of the
/// packages' folders extend by a relative path, transitively, that the builder would not have
/// otherwise: outside every package folder it copies and not a root tsconfig.
pub(super) fn tsconfig_extends(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    packages: &[BuildPackage],
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let inside_copied = |file: &str| {
        pnpm.tsconfigs.iter().any(|t| t == file)
            || packages.iter().any(|p| {
                !p.dir.is_empty()
                    && file.len() > p.dir.len()
                    && crate::workspace::relpath::within(file, &p.dir)
            })
    };
    let mut todo: Vec<String> = packages
        .iter()
        .flat_map(|p| package_tsconfigs(ws, &p.dir))
        .collect();
    let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
    let mut out = BTreeSet::new();
    while let Some(file) = todo.pop() {
        let Some(facts) = facts(pnpm, &file, warnings) else {
            continue;
        };
        for rel in &facts.extends {
            if !seen.insert(rel.clone()) {
                continue;
            }
            if !inside_copied(rel) {
                out.insert(rel.clone());
            }
            todo.push(rel.clone());
        }
    }
    out.into_iter().collect()
}

/// `dir/rel` normalised (`..` resolved) to a package folder: a reference may name the folder
/// or a tsconfig file in it. `None` when it leaves the workspace.
pub(super) fn reference_folder(dir: &str, rel: &str) -> Option<String> {
    let joined = relpath::join(dir, rel)?;
    match joined.rsplit_once('/') {
        Some((folder, file)) if file.starts_with("tsconfig") && file.ends_with(".json") => {
            Some(folder.to_string())
        }
        None if joined.starts_with("tsconfig") && joined.ends_with(".json") => Some(String::new()),
        _ => Some(joined),
    }
}
