//! `internal-package-extra` and `app-root-foreign`: under the app root there is the service (its
//! package folder, or its binary), the internal packages it needs as their output folders and
//! `package.json`, `node_modules`, and nothing else.
//!
//! An internal package may also carry what `npm pack` always keeps (README, LICENSE, CHANGELOG,
//! NOTICE), a lockfile and an `.npmrc` (one holding a token is `secret-npmrc`'s, claimed before);
//! so may the app root itself, where an install may have run. The service's own folder is not
//! restricted here: what must not be in it (sources, secrets, ...) has rules of its own, and
//! anything else (assets, config) is its business. Anything else under the app root is
//! reported at its topmost foreign folder.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Ctx, Hit};
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;
use crate::verify::subject::Role;

/// Files any package may carry.
fn is_package_furniture(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "README",
        "LICENSE",
        "LICENCE",
        "CHANGELOG",
        "NOTICE",
        "AUTHORS",
    ]
    .iter()
    .any(|p| upper.starts_with(p))
        || matches!(
            name,
            "package.json" | "package-lock.json" | "npm-shrinkwrap.json" | ".npmignore" | ".npmrc"
        )
}

pub fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let sub = ctx.subject;
    let root = sub.app_root.as_deref()?;
    if sub.root.is_none() && sub.binary.is_none() {
        return None;
    }
    let path = s.entry.path;
    if !fs::is_within(path, root) || path == root {
        return None;
    }
    // Folders are judged by what they hold: a folder whose files other rules claimed (or an
    // empty one) is not foreign content of its own.
    if s.entry.kind == crate::image::EntryKind::Dir {
        return None;
    }
    if sub.binary.as_deref() == Some(path) {
        return None;
    }
    // Files generate ships next to the binary because isogen.toml says so.
    if ctx.policy.assets.matches(path) {
        return None;
    }
    // A start script the entrypoint runs is the entrypoint rule's finding.
    if ctx.launch.file() == Some(path) {
        return None;
    }
    match ctx.owner(path).filter(|(dir, _)| fs::is_within(dir, root)) {
        Some((_, Role::Service | Role::ThirdParty)) => None,
        // The package's own folder (or the symlink npm installs in its place).
        Some((dir, Role::Internal)) if dir == path => None,
        // Not built by the workspace: the package is its own output (other rules still look
        // for sources, secrets and tests' leftovers in it).
        Some((dir, Role::Internal)) if sub.unbuilt.contains(dir) => None,
        Some((dir, Role::Internal)) => internal_package_file(ctx, path, dir),
        // A package whose folder holds the service (a workspace root copied to the app root):
        // its folder is the whole app, so its own files are reported, each at its topmost
        // folder that holds nothing of the service.
        // What an install put below it (`node_modules`, pnpm's virtual store and its
        // symlinks included) is installed dependencies, which the dependency rules judge.
        Some((dir, Role::WorkspacePackage(_) | Role::Unknown))
            if sub.holders.contains(dir) && fs::in_node_modules(&path[dir.len()..]) =>
        {
            None
        }
        Some((dir, role @ (Role::WorkspacePackage(_) | Role::Unknown)))
            if sub.holders.contains(dir) =>
        {
            let package = match role {
                Role::WorkspacePackage(name) => Some(name.as_str()),
                _ => None,
            };
            Some(Hit::new(
                Diag::app_root_around_service(package),
                topmost_foreign(path, dir, &sub.holders).unwrap_or(path),
            ))
        }
        Some((dir, Role::WorkspacePackage(name))) => {
            Some(Hit::new(Diag::app_root_unneeded_package(name), dir))
        }
        Some((dir, Role::Unknown)) => Some(Hit::new(Diag::app_root_unknown_package(), dir)),
        Some((_, Role::OtherService(_))) => None,
        None => unowned(path, root, &sub.holders),
    }
}

/// A file of an internal package: its build output (`dist`, `node_modules`, the folders its
/// manifest names), its entry file, or the files any package carries; anything else is extra,
/// reported at its top folder in the package.
fn internal_package_file(ctx: &Ctx, path: &str, dir: &str) -> Option<Hit> {
    let rel = path[dir.len()..].trim_start_matches('/');
    let first = rel.split('/').next().unwrap_or(rel);
    let m = ctx.facts.manifests.get(dir);
    let output = first == "dist"
        || first == "node_modules"
        || m.is_some_and(|m| m.output_dirs.iter().any(|d| d == first));
    let single = !rel.contains('/');
    // A package without a build step (plain JavaScript) is its own output: the file
    // its `main`/`exports`/`bin` names at the top of its folder.
    let entry_file = single
        && m.is_some_and(|m| {
            m.entry_points
                .iter()
                .any(|e| e.trim_start_matches("./") == first)
        });
    if output || entry_file || (single && is_package_furniture(first)) {
        None
    } else {
        Some(Hit::new(
            Diag::internal_package_extra(),
            fs::join(dir, first),
        ))
    }
}

/// A path under the app root that no package holds: foreign unless it is installed
/// (`node_modules`) or package furniture at the app root itself (where an install may have
/// run); reported at its topmost folder that holds nothing of the service.
fn unowned(path: &str, root: &str, holders: &std::collections::HashSet<String>) -> Option<Hit> {
    if fs::in_node_modules(path) {
        return None;
    }
    if is_package_furniture(fs::basename(path))
        && !path[root.len()..].trim_start_matches('/').contains('/')
    {
        return None;
    }
    let foreign = topmost_foreign(path, root, holders)?;
    Some(Hit::new(Diag::app_root_foreign_content(), foreign))
}

/// The topmost folder (or file) on the way from `top` (exclusive) down to `path` that holds
/// nothing of the service.
fn topmost_foreign<'p>(
    path: &'p str,
    top: &str,
    holders: &std::collections::HashSet<String>,
) -> Option<&'p str> {
    let mut chain: Vec<&str> = fs::self_and_ancestors(path)
        .take_while(|a| *a != top)
        .collect();
    chain.reverse();
    chain.into_iter().find(|a| !holders.contains(*a))
}
